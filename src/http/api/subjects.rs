//! `POST /api/v1/subjects/export` and `POST /api/v1/subjects/erase`: a citizen's data, given
//! back as a zip or erased but for what the office must keep. Supervisors only.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, Signed};
use crate::domain::account::Role;
use crate::http::AppState;
use crate::privacy::{
    PrivacyError,
    subject::{self, DataSubject},
};

/// Whose data: a WhatsApp number (any usual form) or a child's NIK, one of them.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectBody {
    phone: Option<String>,
    nik: Option<String>,
    /// Erasure only: must be true (nothing erased can be brought back).
    #[serde(default)]
    confirm: bool,
}

impl From<PrivacyError> for ApiError {
    fn from(e: PrivacyError) -> Self {
        match e {
            PrivacyError::Invalid(reason) => ApiError::BadRequest(reason),
            PrivacyError::NotFound => ApiError::NotFound,
            PrivacyError::StillOpen { .. } | PrivacyError::InConversation => {
                ApiError::Conflict(e.to_string())
            }
            PrivacyError::Export(reason) => ApiError::Unavailable(reason),
            PrivacyError::Store(e) => e.into(),
        }
    }
}

#[cfg(fuzzing)]
pub(super) fn fuzz(body: &[u8]) {
    if let Ok(body) = serde_json::from_slice::<SubjectBody>(body) {
        let today = jiff::civil::date(2026, 12, 1);
        if let Ok(who) = DataSubject::parse(body.phone.as_deref(), body.nik.as_deref(), today) {
            let _ = who.masked();
        }
    }
}

fn subject_of(body: &SubjectBody, state: &AppState) -> Result<DataSubject, ApiError> {
    let today = jiff::Timestamp::now()
        .to_zoned(state.time_zone.clone())
        .date();
    Ok(DataSubject::parse(
        body.phone.as_deref(),
        body.nik.as_deref(),
        today,
    )?)
}

#[utoipa::path(post, path = "/api/v1/subjects/export", tag = "supervision", request_body = SubjectBody, responses((status = 200, description = "Everything loket holds about them: data.json, the photos and BACA-SAYA.txt", content_type = "application/zip"), (status = 400, description = "Not a phone number or a NIK", body = super::doc::ErrorBody), (status = 404, description = "loket holds nothing about them", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn export(
    state: web::Data<AppState>,
    signed: Signed,
    body: web::Json<SubjectBody>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Supervisor)?;
    let who = subject_of(&body, &state)?;
    let by = session.username.clone();
    let store = state.store.clone();
    let export = web::block(move || subject::export(&store, &who, &by, super::now()))
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))??;
    state.store.commit().await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(("cache-control", "no-store"))
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{}\"", export.file_name),
        ))
        .body(export.zip))
}

#[utoipa::path(post, path = "/api/v1/subjects/erase", tag = "supervision", request_body = SubjectBody, responses((status = 200, description = "Erased, but for what the office must keep (listed)", body = crate::privacy::subject::Erased), (status = 400, description = "Not a phone number or a NIK, or not confirmed", body = super::doc::ErrorBody), (status = 404, description = "loket holds nothing about them", body = super::doc::ErrorBody), (status = 409, description = "A request of theirs is under way, or they are filling in a form", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn erase(
    state: web::Data<AppState>,
    signed: Signed,
    body: web::Json<SubjectBody>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Supervisor)?;
    let who = subject_of(&body, &state)?;
    if !body.confirm {
        return Err(ApiError::BadRequest(
            "an erasure cannot be undone: send \"confirm\": true (export first)".into(),
        ));
    }
    let by = session.username.clone();
    let store = state.store.clone();
    let erased = web::block(move || subject::erase(&store, &who, &by, super::now()))
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))??;
    state.store.commit().await?;
    Ok(HttpResponse::Ok().json(erased))
}
