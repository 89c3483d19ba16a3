//! `GET /webhook` (Meta's verification handshake) and `POST /webhook` (signed notifications).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{AppState, body, error::ApiError};
use crate::channel::{signature, webhook};

#[derive(Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

#[tracing::instrument(name = "Verifying the webhook subscription", skip_all)]
pub async fn verify(
    query: web::Query<Handshake>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let expected = state.settings.verify_token.expose().as_bytes();
    let given = query.verify_token.as_deref().unwrap_or("").as_bytes();
    let token_ok = !expected.is_empty() && bool::from(given.ct_eq(expected));
    match (query.mode.as_deref(), token_ok, query.challenge.as_deref()) {
        (Some("subscribe"), true, Some(challenge)) => Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(challenge.to_string())),
        _ => Err(ApiError::Forbidden(
            "verification failed: wrong mode or verify token".into(),
        )),
    }
}

#[tracing::instrument(
    name = "Receiving a webhook",
    skip_all,
    fields(bytes, messages, duplicates)
)]
pub async fn receive(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let result = receive_signed(request, payload, state).await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(ApiError::Unauthorized(_)) => "unsigned",
        Err(ApiError::Forbidden(_)) => "forged",
        Err(ApiError::TooLarge { .. }) => "too_large",
        Err(ApiError::TooSlow { .. }) => "too_slow",
        Err(ApiError::Unavailable(_)) => "unavailable",
        Err(_) => "unreadable",
    };
    metrics::counter!("loket_webhooks_total", "outcome" => outcome).increment(1);
    result
}

async fn receive_signed(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // Held until this body is journaled: what unverified and in-flight bodies hold together is
    // bounded by LOKET_WEBHOOK_BUDGET_BYTES.
    let (body, _held) = body::read_limited(
        &request,
        payload,
        state.settings.webhook_max_bytes,
        state.settings.body_timeout,
        Some(&state.webhook_budget),
    )
    .await?;
    tracing::Span::current().record("bytes", body.len());

    let header = request
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    match signature::verify(state.settings.app_secret.expose().as_bytes(), &body, header) {
        Ok(()) => {}
        Err(signature::SignatureError::Missing) => {
            return Err(ApiError::Unauthorized(
                "the X-Hub-Signature-256 header is missing".into(),
            ));
        }
        Err(e) => return Err(ApiError::Forbidden(e.to_string())),
    }

    // Reading and recording a large body is CPU work: done on the blocking pool, so the
    // request threads stay free for /healthz and other webhooks.
    let store = state.store.clone();
    let durable = state.durable;
    let ingested = web::block(move || {
        // Signed content is ours to keep even when unreadable: anything but 200 makes Meta
        // redeliver for a week, so unreadable parts go to the dead-letter record instead.
        let (events, problems) = match webhook::parse(&body) {
            Ok(n) => (n.events, n.problems),
            Err(e) => (Vec::new(), vec![e.to_string()]),
        };
        if !problems.is_empty() {
            tracing::warn!(
                problems = problems.len(),
                first = problems.first().map(String::as_str),
                "webhook parts kept as dead letter"
            );
        }
        durable
            .then(|| store.ingest(&body, &events, problems))
            .transpose()
    })
    .await
    .map_err(|_| ApiError::Unavailable("the webhook could not be recorded".into()))??;
    let Some(ingested) = ingested else {
        return Ok(ok());
    };
    state.store.commit().await?;
    tracing::Span::current().record("messages", ingested.claimed.len());
    tracing::Span::current().record("duplicates", ingested.duplicates);
    for contact in ingested.claimed {
        state.runtime.wake(contact);
    }
    Ok(ok())
}

fn ok() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}
