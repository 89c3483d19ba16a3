//! `GET /api/v1/settlements?date=` (each courier's day: the cash expected, and once closed
//! what was handed in), `POST /api/v1/settlements` (a supervisor closes a day) and
//! `GET /api/v1/reports/settlements?period=YYYY-MM|YYYY-MM-DD` (CSV). Supervisors only.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, Signed};
use crate::delivery::settlement::{self, Count, SettlementView};
use crate::domain::account::Role;
use crate::domain::rupiah::Rupiah;
use crate::http::AppState;

#[derive(Serialize, ToSchema)]
pub struct SettlementList {
    pub settlements: Vec<SettlementView>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DayQuery {
    /// `YYYY-MM-DD`; today when absent.
    date: Option<String>,
}

fn date_of(text: Option<String>, state: &AppState) -> Result<jiff::civil::Date, ApiError> {
    match text.filter(|d| !d.is_empty()) {
        None => Ok(state.today()),
        Some(d) => d
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("bad date {d:?}: YYYY-MM-DD"))),
    }
}

#[utoipa::path(get, path = "/api/v1/settlements", tag = "deliveries", params(DayQuery), responses((status = 200, description = "Each courier's day", body = SettlementList), (status = 400, description = "Bad date", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Supervisor)?;
    let date = date_of(query.into_inner().date, &state)?;
    Ok(HttpResponse::Ok().json(SettlementList {
        settlements: settlement::day(&state.store, date, &state.time_zone)?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    courier: String,
    /// `YYYY-MM-DD`; today when absent.
    date: Option<String>,
    /// The cash counted, in rupiah.
    #[schema(value_type = u64)]
    handed_in: Rupiah,
    /// Required when the cash differs from what is expected.
    note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/settlements", tag = "deliveries", request_body = CloseBody, responses((status = 201, description = "The day closed", body = SettlementList), (status = 400, description = "Bad input, or a difference without a note", body = super::doc::ErrorBody), (status = 404, description = "No such courier", body = super::doc::ErrorBody), (status = 409, description = "Closed already", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn close(
    state: web::Data<AppState>,
    signed: Signed,
    body: web::Json<CloseBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let date = date_of(body.date, &state)?;
    settlement::close(
        &state.store,
        &signed.session,
        Count {
            courier: body.courier.trim().to_string(),
            date,
            handed_in: body.handed_in,
            note: body.note,
        },
        state.today(),
        &state.time_zone,
        super::now(),
    )?;
    state
        .store
        .commit()
        .await
        .map_err(crate::desk::DeskError::from)?;
    Ok(HttpResponse::Created().json(SettlementList {
        settlements: settlement::day(&state.store, date, &state.time_zone)?,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `YYYY-MM` (the month up to today) or `YYYY-MM-DD`.
    period: String,
}

#[utoipa::path(get, path = "/api/v1/reports/settlements", tag = "deliveries", params(ReportQuery), responses((status = 200, description = "A row per courier and day, then the totals", content_type = "text/csv"), (status = 400, description = "Bad period", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn report(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Supervisor)?;
    let period = query.into_inner().period;
    let days = settlement::days(&period, state.today())?;
    let csv = settlement::report_csv(&state.store, &days, &state.time_zone)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "content-disposition",
            format!(
                "attachment; filename=\"setoran-{}.csv\"",
                period
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '-')
                    .collect::<String>()
            ),
        ))
        .body(csv))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuery {
    /// `YYYY-MM`.
    month: String,
    /// `csv` for a CSV file; JSON otherwise.
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reports/monthly", tag = "deliveries", params(MonthlyQuery), responses((status = 200, description = "The month's deliveries: IKM, first-attempt share, days to hand-over, failed attempts by reason (JSON, or CSV with format=csv)", body = crate::delivery::reports::MonthlyReport), (status = 400, description = "Bad month", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn monthly(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<MonthlyQuery>,
) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Supervisor)?;
    let query = query.into_inner();
    let report = crate::delivery::reports::monthly(&state.store, &query.month, &state.time_zone)?;
    match query.format.as_deref() {
        Some("csv") => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "content-disposition",
                format!("attachment; filename=\"laporan-{}.csv\"", report.month),
            ))
            .body(crate::delivery::reports::monthly_csv(&report)?)),
        None | Some("json") => Ok(HttpResponse::Ok().json(report)),
        Some(other) => Err(ApiError::BadRequest(format!(
            "unknown format {other:?}: json or csv"
        ))),
    }
}
