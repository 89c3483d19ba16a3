//! `GET /api/v1/requests` (the queue) and `GET /api/v1/requests/{number}` (one request whole).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, Signed};
use crate::desk::requests::{self, RequestFilter};
use crate::domain::account::Role;
use crate::domain::document::DocumentKind;
use crate::domain::request::{Decision, RequestStatus, ReturnedDocument};
use crate::http::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    #[serde(default)]
    versions: Vec<requests::SeenVersion>,
    reason: Option<String>,
}

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
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    documents: Vec<ReturnedBody>,
    #[serde(default)]
    versions: Vec<requests::SeenVersion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnedBody {
    kind: String,
    reason: String,
}

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
        Ok(HttpResponse::Ok().json(json!({"number": number, "status": wanted})))
    } else {
        Ok(HttpResponse::Accepted()
            .json(json!({"number": number, "status": status, "queued": wanted})))
    }
}
