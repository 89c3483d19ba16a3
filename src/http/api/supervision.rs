//! Supervisors' routes: `/api/v1/users` and `/api/v1/audit`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, Signed};
use crate::desk::supervision;
use crate::domain::account::Role;
use crate::http::AppState;

#[utoipa::path(get, path = "/api/v1/users", tag = "supervision", responses((status = 200, description = "Accounts", body = super::doc::UserList), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn users(state: web::Data<AppState>, signed: Signed) -> Result<HttpResponse, ApiError> {
    let accounts = supervision::list_accounts(&state.store, &signed.session)?;
    Ok(HttpResponse::Ok().json(super::doc::UserList { users: accounts }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    username: String,
    role: String,
    password: String,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "supervision", request_body = NewUser, responses((status = 201, description = "Created", body = crate::desk::supervision::AccountView), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn create_user(
    state: web::Data<AppState>,
    signed: Signed,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let NewUser {
        username,
        role,
        password,
    } = body.into_inner();
    let role = Role::from_id(&role)
        .ok_or_else(|| ApiError::BadRequest("role is officer, supervisor or courier".into()))?;
    let store = state.store.clone();
    let session = signed.session.clone();
    let account = web::block(move || {
        supervision::create_account(&store, &session, &username, role, &password, super::now())
    })
    .await
    .map_err(|_| ApiError::Unavailable("interrupted".into()))??;
    state.store.commit().await?;
    Ok(HttpResponse::Created().json(account))
}

#[utoipa::path(post, path = "/api/v1/users/{name}/disable", tag = "supervision", params(("name" = String, Path, description = "Username")), responses((status = 200, description = "Disabled; its sessions ended", body = crate::desk::supervision::AccountView), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn disable(
    state: web::Data<AppState>,
    signed: Signed,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account =
        supervision::set_disabled(&state.store, &signed.session, &name, true, super::now())?;
    state.store.commit().await?;
    Ok(HttpResponse::Ok().json(account))
}

#[utoipa::path(post, path = "/api/v1/users/{name}/enable", tag = "supervision", params(("name" = String, Path, description = "Username")), responses((status = 200, description = "Enabled", body = crate::desk::supervision::AccountView), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn enable(
    state: web::Data<AppState>,
    signed: Signed,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account =
        supervision::set_disabled(&state.store, &signed.session, &name, false, super::now())?;
    state.store.commit().await?;
    Ok(HttpResponse::Ok().json(account))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    format: Option<String>,
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "supervision", params(AuditQuery), responses((status = 200, description = "The audit log, newest first (JSON), or whole as CSV with format=csv", body = super::doc::AuditList, content_type = "application/json"), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn audit(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    match query.format.as_deref() {
        Some("csv") => {
            let csv = supervision::audit_csv(&state.store, &signed.session, super::now())?;
            state.store.commit().await?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header(("content-disposition", "attachment; filename=\"audit.csv\""))
                .insert_header(("cache-control", "no-store"))
                .body(csv))
        }
        None | Some("json") => {
            let limit = query.limit.unwrap_or(500).min(10_000);
            let entries = supervision::audit(&state.store, &signed.session, limit)?;
            Ok(HttpResponse::Ok()
                .insert_header(("cache-control", "no-store"))
                .json(super::doc::AuditList { entries }))
        }
        Some(other) => Err(ApiError::BadRequest(format!(
            "format {other:?}: use json or csv"
        ))),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `YYYY-MM-DD`, an office day; today by default.
    date: Option<String>,
}

/// `GET /api/v1/reports/daily?date=`: per officer, the day's work and answer times.
#[utoipa::path(get, path = "/api/v1/reports/daily", tag = "supervision", params(ReportQuery), responses((status = 200, description = "Per officer, one office day", body = crate::desk::reports::DailyReport), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn daily_report(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let date = match query.date.as_deref().filter(|d| !d.is_empty()) {
        Some(text) => text
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::BadRequest(format!("{text:?} is not a date (YYYY-MM-DD)")))?,
        None => state.today(),
    };
    let report =
        crate::desk::reports::daily(&state.store, &state.sla_clock(), &signed.session, date)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(report))
}
