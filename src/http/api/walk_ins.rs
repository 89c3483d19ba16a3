//! `POST /api/v1/walk-ins`: a request filed at the counter, photos in the JSON body as base64.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use base64::Engine as _;
use serde::Deserialize;

use super::{ApiError, Signed};
use crate::desk::walk_in::{self, Upload, WalkInInput};
use crate::domain::account::Role;
use crate::domain::lang::Lang;
use crate::http::AppState;

/// The body may carry several scanned photos.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Body {
    service: String,
    #[serde(default)]
    answers: BTreeMap<String, String>,
    #[serde(default)]
    photos: Vec<Photo>,
    phone: Option<String>,
    #[serde(default)]
    consent: bool,
    #[serde(default)]
    language: Option<Lang>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Photo {
    kind: String,
    /// The file, base64 (standard alphabet).
    data: String,
    #[serde(default)]
    mime: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/walk-ins", tag = "walk-ins", request_body = Body, responses((status = 201, description = "Filed", body = super::doc::WalkInOutcome), (status = 202, description = "Checked and queued to the citizen's lane", body = super::doc::WalkInOutcome), (status = 422, description = "What is wrong, field by field", body = super::doc::ErrorBody), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn file(
    state: web::Data<AppState>,
    signed: Signed,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?.clone();
    let body: Body = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))?;
    let mut uploads = Vec::with_capacity(body.photos.len());
    for photo in body.photos {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(photo.data.trim())
            .map_err(|e| {
                ApiError::BadRequest(format!("photo {:?} is not base64: {e}", photo.kind))
            })?;
        uploads.push(Upload {
            kind: photo.kind,
            bytes,
            mime: photo.mime.unwrap_or_else(|| "image/jpeg".into()),
        });
    }
    let input = WalkInInput {
        service: body.service,
        answers: body.answers,
        uploads,
        phone: body.phone,
        consent: body.consent,
        language: body.language.unwrap_or_default(),
    };
    let queued = submit(&state, session, input).await?;
    let number = state
        .settle_walk_in(&queued, std::time::Duration::from_secs(3))
        .await?;
    Ok(match number {
        Some(number) => HttpResponse::Created().json(super::doc::WalkInOutcome {
            number: Some(number),
            status: Some(crate::domain::request::RequestStatus::Diajukan),
            form: None,
            notified: queued.notified,
        }),
        None => HttpResponse::Accepted().json(super::doc::WalkInOutcome {
            number: None,
            status: None,
            form: Some(queued.form),
            notified: queued.notified,
        }),
    })
}

/// Checks the photos off the async workers (image decoding takes a while).
/// The form as the chat's engine checks it (photos decoded, not judged).
#[cfg(fuzzing)]
pub(super) fn fuzz(body: &[u8], flows: &crate::flow::FlowSet) {
    let Ok(body) = serde_json::from_slice::<Body>(body) else {
        return;
    };
    for photo in &body.photos {
        let _ = base64::engine::general_purpose::STANDARD.decode(photo.data.trim());
    }
    if let Some(phone) = &body.phone {
        let _ = crate::domain::phone::normalize_mobile(phone);
    }
    let form = crate::domain::walk_in::WalkInForm {
        id: "fuzz".into(),
        service: body.service,
        answers: body.answers,
        photos: Vec::new(),
        consent: body.consent,
        language: body.language.unwrap_or_default(),
        by: "fuzz".into(),
    };
    let now = jiff::Timestamp::from_second(1_796_083_200).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let _ = crate::flow::check_walk_in(flows, &form, &crate::flow::Context::at(now));
}

pub(crate) async fn submit(
    state: &web::Data<AppState>,
    session: crate::domain::account::Session,
    input: WalkInInput,
) -> Result<walk_in::WalkInQueued, crate::desk::DeskError> {
    let state = state.clone();
    let outcome = web::block(move || {
        let policy = crate::lane::photo_policy(&state.flows);
        walk_in::submit(
            &state.store,
            &state.flows,
            &policy,
            &session,
            input,
            &state.settings.phone_number_id,
            super::now(),
        )
    })
    .await;
    match outcome {
        Ok(result) => result,
        Err(e) => Err(crate::desk::DeskError::Invalid(format!(
            "the photo checks stopped: {e}"
        ))),
    }
}
