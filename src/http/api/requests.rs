//! `GET /api/v1/requests` (the queue) and `GET /api/v1/requests/{number}` (one request whole).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, Signed};
use crate::desk::requests::{self, RequestFilter};
use crate::domain::account::Role;
use crate::domain::request::RequestStatus;
use crate::http::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    service: Option<String>,
    kecamatan: Option<String>,
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
    };
    let rows = requests::list(&state.store, &filter)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({ "requests": rows })))
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
