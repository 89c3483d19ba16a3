//! The officers' JSON API under `/api/v1`: sessions, requests (and, as the desk grows,
//! escalations and notices). Every route answers JSON, errors included; every route but
//! signing in needs a session (`Authorization: Bearer <token>`) with the right role.

mod auth;
mod doc;
mod escalations;
mod notices;
mod requests;
mod session;
mod supervision;
mod walk_ins;

pub use auth::Signed;
pub(crate) use walk_ins::submit as submit_walk_in;

use actix_web::web;

use super::error::ApiError;
use crate::desk::DeskError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .service(
                web::resource("/session")
                    .route(web::post().to(session::sign_in))
                    .route(web::get().to(session::current))
                    .route(web::delete().to(session::sign_out)),
            )
            .route("/openapi.json", web::get().to(doc::openapi_json))
            .route("/docs", web::get().to(doc::docs_page))
            .route("/requests", web::get().to(requests::list))
            .route("/requests/{number}", web::get().to(requests::detail))
            .route(
                "/requests/{number}/approve",
                web::post().to(requests::approve),
            )
            .route(
                "/requests/{number}/reject",
                web::post().to(requests::reject),
            )
            .route(
                "/requests/{number}/printed",
                web::post().to(requests::printed),
            )
            .route(
                "/requests/{number}/return",
                web::post().to(requests::send_back),
            )
            .service(
                web::resource("/walk-ins")
                    .app_data(web::PayloadConfig::new(walk_ins::BODY_LIMIT))
                    .route(web::post().to(walk_ins::file)),
            )
            .route("/notices", web::post().to(notices::send))
            .route("/notices", web::get().to(notices::list))
            .route("/notices/{id}", web::get().to(notices::one))
            .route("/users", web::get().to(supervision::users))
            .route("/users", web::post().to(supervision::create_user))
            .route(
                "/users/{name}/disable",
                web::post().to(supervision::disable),
            )
            .route("/users/{name}/enable", web::post().to(supervision::enable))
            .route("/audit", web::get().to(supervision::audit))
            .route("/reports/daily", web::get().to(supervision::daily_report))
            .route("/escalations", web::get().to(escalations::list))
            .route(
                "/escalations/{id}/claim",
                web::post().to(escalations::claim),
            )
            .route(
                "/escalations/{id}/messages",
                web::post().to(escalations::message),
            )
            .route("/escalations/{id}/notes", web::post().to(escalations::note))
            .route(
                "/escalations/{id}/replies",
                web::get().to(escalations::replies),
            )
            .route(
                "/escalations/{id}/hand-back",
                web::post().to(escalations::hand_back),
            )
            .default_service(web::to(super::error::not_found)),
    );
}

/// The desk's errors as HTTP answers: the one mapping.
impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        match e {
            DeskError::BadCredentials | DeskError::SignedOut => {
                ApiError::Unauthorized(e.to_string())
            }
            DeskError::Locked { .. } => ApiError::Locked(e.to_string()),
            DeskError::Forbidden { .. } => ApiError::Forbidden(e.to_string()),
            DeskError::Invalid(reason) => ApiError::BadRequest(reason),
            DeskError::Conflict(reason) => ApiError::Conflict(reason),
            DeskError::NotFound(_) => ApiError::NotFound,
            DeskError::Form(fields) => ApiError::Form(fields),
            DeskError::Store(e) => e.into(),
        }
    }
}

/// The clock officers' actions are stamped with.
fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}
