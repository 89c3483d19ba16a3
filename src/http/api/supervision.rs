//! Supervisors' routes: `/api/v1/users` and `/api/v1/audit`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, Signed};
use crate::desk::supervision;
use crate::domain::account::Role;
use crate::http::AppState;

pub async fn users(state: web::Data<AppState>, signed: Signed) -> Result<HttpResponse, ApiError> {
    let accounts = supervision::list_accounts(&state.store, &signed.session)?;
    Ok(HttpResponse::Ok().json(json!({ "users": accounts })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    username: String,
    role: String,
    password: String,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    format: Option<String>,
    limit: Option<usize>,
}

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
                .json(json!({ "entries": entries })))
        }
        Some(other) => Err(ApiError::BadRequest(format!(
            "format {other:?}: use json or csv"
        ))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `YYYY-MM-DD`, an office day; today by default.
    date: Option<String>,
}

/// `GET /api/v1/reports/daily?date=`: per officer, the day's work and answer times.
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
