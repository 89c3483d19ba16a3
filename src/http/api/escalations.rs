//! The escalation inbox: `GET /api/v1/escalations`, and per escalation `claim`, `messages`
//! and `hand-back`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, Signed};
use crate::desk::escalations::{self, Reply};
use crate::domain::account::Role;
use crate::http::AppState;

#[utoipa::path(get, path = "/api/v1/escalations", tag = "escalations", responses((status = 200, description = "Open escalations, longest waiting first", body = super::doc::InboxList), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, signed: Signed) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Officer)?;
    let open = escalations::open(&state.store, &state.sla_clock(), super::now())?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(super::doc::InboxList {
            escalations: open,
            templates: state.templates.clone(),
        }))
}

#[utoipa::path(post, path = "/api/v1/escalations/{id}/claim", tag = "escalations", params(("id" = u64, Path, description = "Escalation id")), responses((status = 200, description = "Claimed", body = crate::desk::escalations::EscalationView), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn claim(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?;
    let view = escalations::claim(&state.store, &state.sla_clock(), session, *id, super::now())?;
    state.store.commit().await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `{"text": "..."}` or `{"template": "name", "params": ["..."]}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    text: Option<String>,
    template: Option<String>,
    #[serde(default)]
    params: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/escalations/{id}/messages", tag = "escalations", params(("id" = u64, Path, description = "Escalation id")), request_body = MessageBody, responses((status = 202, description = "Queued to the parent's lane", body = super::doc::Queued), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody), (status = 409, description = "Taken by another officer, or a text after the 24-hour window", body = super::doc::ErrorBody)))]
pub async fn message(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<u64>,
    body: web::Json<MessageBody>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?;
    let reply = match body.into_inner() {
        MessageBody {
            text: Some(text),
            template: None,
            ..
        } => Reply::Text(text),
        MessageBody {
            text: None,
            template: Some(name),
            params,
        } => Reply::Template { name, params },
        _ => {
            return Err(ApiError::BadRequest(
                "send either {\"text\"} or {\"template\", \"params\"}".into(),
            ));
        }
    };
    let contact = escalations::reply(
        &state.store,
        session,
        *id,
        reply,
        &state.templates,
        super::now(),
    )?;
    state.store.commit().await?;
    state.runtime.wake(contact);
    Ok(HttpResponse::Accepted().json(super::doc::Queued { queued: true }))
}

#[utoipa::path(post, path = "/api/v1/escalations/{id}/hand-back", tag = "escalations", params(("id" = u64, Path, description = "Escalation id")), responses((status = 200, description = "Back with the bot", body = super::doc::HandedBack), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn hand_back(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?;
    let contact = escalations::hand_back(&state.store, session, *id, super::now())?;
    state.runtime.hand_back(contact)?;
    state.store.commit().await?;
    Ok(HttpResponse::Ok().json(super::doc::HandedBack {
        id: *id,
        open: false,
    }))
}

/// `{"text": "..."}`: a private note for colleagues, never sent to the parent.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    text: String,
}

#[utoipa::path(post, path = "/api/v1/escalations/{id}/notes", tag = "escalations", params(("id" = u64, Path, description = "Escalation id")), request_body = NoteBody, responses((status = 201, description = "Noted", body = crate::desk::escalations::EscalationView), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 409, description = "Conflict", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn note(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<u64>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?;
    let view = escalations::add_note(
        &state.store,
        &state.sla_clock(),
        session,
        *id,
        &body.text,
        super::now(),
    )?;
    state.store.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

/// The office's canned replies, filled for this conversation.
#[utoipa::path(get, path = "/api/v1/escalations/{id}/replies", tag = "escalations", params(("id" = u64, Path, description = "Escalation id")), responses((status = 200, description = "Canned replies filled for this parent", body = super::doc::CannedReplies), (status = 404, description = "Not found", body = super::doc::ErrorBody), (status = 401, description = "No valid session", body = super::doc::ErrorBody), (status = 403, description = "Wrong role", body = super::doc::ErrorBody)))]
pub async fn replies(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Officer)?;
    let replies = escalations::canned_replies(&state.store, &state.flows, *id)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(super::doc::CannedReplies { replies }))
}
