//! `GET /api/v1/requests` (the queue) and `GET /api/v1/requests/{number}` (one request whole).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, Signed};
use crate::desk::requests::{self, RequestFilter};
use crate::domain::account::Role;
use crate::domain::document::DocumentKind;
use crate::domain::request::{Decision, RequestStatus, ReturnedDocument};
use crate::http::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    status: Option<String>,
    service: Option<String>,
    kecamatan: Option<String>,
    /// `true`: only open requests past their due date.
    overdue: Option<bool>,
    /// Rows per page (default 100, at most 500).
    limit: Option<usize>,
    /// The `next` of the previous page.
    after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(ListQuery), responses((status = 200, description = "A page of the queue, oldest first", body = crate::desk::requests::RequestPage), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    signed: Signed,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Officer)?;
    let query = query.into_inner();
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(id) => Some(
            RequestStatus::ALL
                .into_iter()
                .find(|s| s.id() == id)
                .ok_or_else(|| {
                    let known: Vec<&str> = RequestStatus::ALL.iter().map(|s| s.id()).collect();
                    ApiError::BadRequest(format!(
                        "unknown status {id:?} (known: {})",
                        known.join(", ")
                    ))
                })?,
        ),
    };
    let filter = RequestFilter {
        status,
        service: query.service.filter(|s| !s.is_empty()),
        kecamatan: query.kecamatan.filter(|s| !s.is_empty()),
        overdue: query.overdue.unwrap_or(false),
    };
    let page = requests::list(
        &state.store,
        &filter,
        query.limit.unwrap_or(100),
        query.after.as_deref().filter(|s| !s.is_empty()),
        state.today(),
    )?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(page))
}

#[utoipa::path(get, path = "/api/v1/requests/{number}", tag = "requests", params(("number" = String, Path, description = "Request number, e.g. KIA-6371-261130-0001")), responses((status = 200, description = "The request whole (the view is audited)", body = crate::desk::requests::RequestView), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn detail(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?;
    let view = requests::detail(&state.store, session, &number, super::now())?;
    state.store.commit().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view))
}

/// The body of a decision: the photo versions judged (optional), and the reason of a rejection.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    #[serde(default)]
    versions: Vec<requests::SeenVersion>,
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/requests/{number}/approve", tag = "requests", params(("number" = String, Path, description = "Request number, e.g. KIA-6371-261130-0001")), request_body(content = DecisionBody, description = "Optional: the photo versions judged"), responses((status = 200, description = "Applied", body = super::doc::DecisionOutcome), (status = 202, description = "Queued to the parent's lane", body = super::doc::DecisionOutcome), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn approve(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // The body is optional; a body that is there must be right.
    let body: DecisionBody = if body.iter().all(u8::is_ascii_whitespace) {
        DecisionBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?
    };
    decide(&state, &signed, &number, Decision::Approve, &body.versions).await
}

#[utoipa::path(post, path = "/api/v1/requests/{number}/reject", tag = "requests", params(("number" = String, Path, description = "Request number, e.g. KIA-6371-261130-0001")), request_body = DecisionBody, responses((status = 200, description = "Applied", body = super::doc::DecisionOutcome), (status = 202, description = "Queued", body = super::doc::DecisionOutcome), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn reject(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
    body: web::Json<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let reason = body
        .reason
        .ok_or_else(|| ApiError::BadRequest("a rejection needs {\"reason\": \"...\"}".into()))?;
    decide(
        &state,
        &signed,
        &number,
        Decision::Reject { reason },
        &body.versions,
    )
    .await
}

/// `{"documents":[{"kind","reason"}]}`, and optionally the photo versions judged.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    documents: Vec<ReturnedBody>,
    #[serde(default)]
    versions: Vec<requests::SeenVersion>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnedBody {
    kind: String,
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/requests/{number}/return", tag = "requests", params(("number" = String, Path, description = "Request number, e.g. KIA-6371-261130-0001")), request_body = ReturnBody, responses((status = 200, description = "Applied", body = super::doc::DecisionOutcome), (status = 202, description = "Queued", body = super::doc::DecisionOutcome), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn send_back(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
    body: web::Json<ReturnBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let documents = body
        .documents
        .into_iter()
        .map(|d| ReturnedDocument {
            kind: DocumentKind::new(d.kind),
            reason: d.reason.trim().to_string(),
        })
        .collect();
    decide(
        &state,
        &signed,
        &number,
        Decision::Return { documents },
        &body.versions,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/requests/{number}/printed", tag = "requests", params(("number" = String, Path, description = "Request number, e.g. KIA-6371-261130-0001")), responses((status = 200, description = "Applied", body = super::doc::DecisionOutcome), (status = 202, description = "Queued", body = super::doc::DecisionOutcome), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn printed(
    state: web::Data<AppState>,
    signed: Signed,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    decide(&state, &signed, &number, Decision::Printed, &[]).await
}

/// Records a decision, wakes the parent's lane and waits briefly for it to apply: 200 with the
/// new status, or 202 when the lane has not got to it yet (it will).
async fn decide(
    state: &AppState,
    signed: &Signed,
    number: &str,
    decision: Decision,
    seen: &[requests::SeenVersion],
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?;
    let wanted = decision.status();
    let decided = requests::decide(&state.store, session, number, decision, seen, super::now())?;
    let status = state
        .settle_decision(decided, number, wanted, std::time::Duration::from_secs(3))
        .await?;
    if status == Some(wanted) {
        Ok(HttpResponse::Ok().json(super::doc::DecisionOutcome {
            number: number.to_string(),
            status: Some(wanted),
            queued: None,
        }))
    } else {
        Ok(HttpResponse::Accepted().json(super::doc::DecisionOutcome {
            number: number.to_string(),
            status,
            queued: Some(wanted),
        }))
    }
}
