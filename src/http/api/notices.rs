//! `POST /api/v1/notices` (send), `GET /api/v1/notices` and `GET /api/v1/notices/{id}`
//! (with sent/delivered/read/failed counts): supervisors only.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, Signed};
use crate::desk::notices;
use crate::domain::account::Role;
use crate::domain::notice::NoticeFilter;
use crate::domain::request::RequestStatus;
use crate::http::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Body {
    text: String,
    #[serde(default)]
    filter: FilterBody,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterBody {
    status: Option<String>,
    kecamatan: Option<String>,
    service: Option<String>,
}

#[cfg(fuzzing)]
pub(super) fn fuzz(body: &[u8]) {
    if let Ok(notice) = serde_json::from_slice::<Body>(body) {
        let _ = notice.text.trim().chars().count();
        let _ = notice.filter.parse();
    }
}

impl FilterBody {
    pub(crate) fn parse(self) -> Result<NoticeFilter, ApiError> {
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(id) => Some(
                RequestStatus::ALL
                    .into_iter()
                    .find(|s| s.id() == id)
                    .ok_or_else(|| ApiError::BadRequest(format!("unknown status {id:?}")))?,
            ),
        };
        let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        Ok(NoticeFilter {
            status,
            kecamatan: non_empty(self.kecamatan),
            service: non_empty(self.service),
        })
    }
}

#[utoipa::path(post, path = "/api/v1/notices", tag = "supervision", request_body = Body, responses((status = 201, description = "Queued to each recipient's lane", body = super::doc::NoticeSent), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn send(
    state: web::Data<AppState>,
    signed: Signed,
    body: web::Json<Body>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Supervisor)?;
    let body = body.into_inner();
    let filter = body.filter.parse()?;
    let notice = notices::send(&state.store, session, &body.text, filter, super::now())?;
    state.store.commit().await?;
    for contact in &notice.recipients {
        state.runtime.wake(*contact);
    }
    Ok(HttpResponse::Created().json(super::doc::NoticeSent {
        id: notice.id,
        recipients: notice.recipients.len(),
    }))
}

#[utoipa::path(get, path = "/api/v1/notices", tag = "supervision", responses((status = 200, description = "Notices, newest first, with delivery counts", body = super::doc::NoticeList), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, signed: Signed) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Supervisor)?;
    let all = notices::list(&state.store)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(super::doc::NoticeList { notices: all }))
}

#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "supervision", params(("id" = u64, Path, description = "Notice id")), responses((status = 200, description = "One notice with its counts", body = crate::desk::notices::NoticeView), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn one(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Supervisor)?;
    let id: u64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let view = notices::one(&state.store, id)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view))
}
