//! The escalation inbox: `GET /api/v1/escalations`, and per escalation `claim`, `messages`
//! and `hand-back`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, Signed};
use crate::desk::escalations::{self, Reply};
use crate::domain::account::Role;
use crate::http::AppState;

pub async fn list(state: web::Data<AppState>, signed: Signed) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Officer)?;
    let open = escalations::open(&state.store, &state.sla_clock(), super::now())?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({ "escalations": open, "templates": state.templates })))
}

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
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    text: Option<String>,
    template: Option<String>,
    #[serde(default)]
    params: Vec<String>,
}

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
    Ok(HttpResponse::Accepted().json(json!({ "queued": true })))
}

pub async fn hand_back(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let session = signed.require(Role::Officer)?;
    let contact = escalations::hand_back(&state.store, session, *id, super::now())?;
    state.runtime.hand_back(contact)?;
    state.store.commit().await?;
    Ok(HttpResponse::Ok().json(json!({ "id": *id, "open": false })))
}

/// `{"text": "..."}`: a private note for colleagues, never sent to the parent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    text: String,
}

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
pub async fn replies(
    state: web::Data<AppState>,
    signed: Signed,
    id: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    signed.require(Role::Officer)?;
    let replies = escalations::canned_replies(&state.store, &state.flows, *id)?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({ "replies": replies })))
}
