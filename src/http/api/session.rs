//! `POST /api/v1/session` signs in, `GET` says who is signed in, `DELETE` signs out.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, Signed};
use crate::desk::accounts;
use crate::http::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    username: String,
    password: String,
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", security(()), request_body = Credentials, responses((status = 200, description = "Signed in", body = super::doc::SessionCreated), (status = 400, description = "Bad input", body = super::doc::ErrorBody), (status = 401, description = "Wrong username or password", body = super::doc::ErrorBody), (status = 429, description = "Locked after failed sign-ins", body = super::doc::ErrorBody)))]
pub async fn sign_in(
    request: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let address = state.client_address(&request);
    state.sign_ins.check(address).map_err(|minutes| {
        ApiError::Locked(format!(
            "too many failed sign-ins from this address; try again in {minutes} minutes"
        ))
    })?;
    let Credentials { username, password } = body.into_inner();
    let policy = state.sign_in_policy();
    let store = state.store.clone();
    // Argon2 takes tens of milliseconds of CPU: not on the async workers.
    let signed =
        web::block(move || accounts::sign_in(&store, &policy, &username, &password, super::now()))
            .await
            .map_err(|_| ApiError::Unavailable("sign-in was interrupted".into()))?;
    match &signed {
        Ok(_) => state.sign_ins.succeeded(address),
        Err(_) => state.sign_ins.failed(address),
    }
    let signed = signed?;
    state.store.commit().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(super::doc::SessionCreated {
            token: signed.token,
            role: signed.session.role,
            username: signed.session.username,
            expires_at: signed.session.expires_at,
        }))
}

#[utoipa::path(get, path = "/api/v1/session", tag = "session", responses((status = 200, description = "Who is signed in", body = super::doc::SessionInfo), (status = 401, description = "No valid session", body = super::doc::ErrorBody)))]
pub async fn current(signed: Signed) -> HttpResponse {
    HttpResponse::Ok().json(super::doc::SessionInfo {
        username: signed.session.username.clone(),
        role: signed.session.role,
        expires_at: signed.session.expires_at,
    })
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204, description = "Signed out"), (status = 401, description = "No valid session", body = super::doc::ErrorBody)))]
pub async fn sign_out(
    state: web::Data<AppState>,
    signed: Signed,
) -> Result<HttpResponse, ApiError> {
    accounts::sign_out(&state.store, &signed.token, super::now())?;
    state.store.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
