//! The officers' JSON API under `/api/v1`: sessions, requests (and, as the desk grows,
//! escalations and notices). Every route answers JSON, errors included; every route but
//! signing in needs a session (`Authorization: Bearer <token>`) with the right role.

mod auth;
mod deliveries;
mod doc;
mod escalations;
mod manifests;
mod notices;
mod requests;
mod session;
mod settlements;
mod subjects;
mod supervision;
mod walk_ins;

pub use auth::Signed;
pub(crate) use walk_ins::submit as submit_walk_in;

use actix_web::web;

use super::error::ApiError;
use crate::desk::DeskError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, post};
    // One resource per path, so a method the path does not have gets 405 (JSON), not 404.
    let at = |path: &str, allow: &'static str| {
        web::resource(path).default_service(web::to(move || method_not_allowed(allow)))
    };
    cfg.service(
        web::scope("/api/v1")
            .service(
                at("/session", "POST, GET, DELETE")
                    .route(post().to(session::sign_in))
                    .route(get().to(session::current))
                    .route(delete().to(session::sign_out)),
            )
            .service(at("/openapi.json", "GET").route(get().to(doc::openapi_json)))
            .service(at("/docs", "GET").route(get().to(doc::docs_page)))
            .service(at("/requests", "GET").route(get().to(requests::list)))
            .service(at("/requests/{number}", "GET").route(get().to(requests::detail)))
            .service(at("/requests/{number}/approve", "POST").route(post().to(requests::approve)))
            .service(at("/requests/{number}/reject", "POST").route(post().to(requests::reject)))
            .service(at("/requests/{number}/printed", "POST").route(post().to(requests::printed)))
            .service(at("/requests/{number}/return", "POST").route(post().to(requests::send_back)))
            .service(
                at("/walk-ins", "POST")
                    .app_data(web::PayloadConfig::new(walk_ins::BODY_LIMIT))
                    .route(post().to(walk_ins::file)),
            )
            .service(
                at("/notices", "POST, GET")
                    .route(post().to(notices::send))
                    .route(get().to(notices::list)),
            )
            .service(at("/notices/{id}", "GET").route(get().to(notices::one)))
            .service(
                at("/users", "GET, POST")
                    .route(get().to(supervision::users))
                    .route(post().to(supervision::create_user)),
            )
            .service(at("/users/{name}/disable", "POST").route(post().to(supervision::disable)))
            .service(at("/users/{name}/enable", "POST").route(post().to(supervision::enable)))
            .service(at("/audit", "GET").route(get().to(supervision::audit)))
            .service(at("/subjects/export", "POST").route(post().to(subjects::export)))
            .service(at("/subjects/erase", "POST").route(post().to(subjects::erase)))
            .service(at("/reports/daily", "GET").route(get().to(supervision::daily_report)))
            .service(at("/escalations", "GET").route(get().to(escalations::list)))
            .service(at("/escalations/{id}/claim", "POST").route(post().to(escalations::claim)))
            .service(
                at("/escalations/{id}/messages", "POST").route(post().to(escalations::message)),
            )
            .service(at("/escalations/{id}/notes", "POST").route(post().to(escalations::note)))
            .service(at("/escalations/{id}/replies", "GET").route(get().to(escalations::replies)))
            .service(
                at("/escalations/{id}/hand-back", "POST").route(post().to(escalations::hand_back)),
            )
            .service(at("/deliveries", "GET").route(get().to(deliveries::list)))
            .service(at("/deliveries/{number}", "GET").route(get().to(deliveries::one)))
            .service(at("/deliveries/{number}/steps", "POST").route(post().to(deliveries::step)))
            .service(
                at("/manifests", "POST, GET")
                    .route(post().to(manifests::make))
                    .route(get().to(manifests::list)),
            )
            .service(at("/manifests/{number}", "GET").route(get().to(manifests::one)))
            .service(at("/manifests/{number}/csv", "GET").route(get().to(manifests::csv)))
            .service(at("/manifests/{number}/pdf", "GET").route(get().to(manifests::pdf)))
            .service(
                at("/settlements", "GET, POST")
                    .route(get().to(settlements::list))
                    .route(post().to(settlements::close)),
            )
            .service(at("/reports/settlements", "GET").route(get().to(settlements::report)))
            .service(at("/reports/monthly", "GET").route(get().to(settlements::monthly)))
            .default_service(web::to(super::error::not_found)),
    );
}

/// The fuzzers' way in (`fuzz/`, built with `--cfg fuzzing` only): bytes as each JSON body
/// the API reads, through what checks it.
#[cfg(fuzzing)]
pub mod fuzzing {
    pub fn api_bodies(data: &[u8], flows: &crate::flow::FlowSet) {
        let Some((&which, body)) = data.split_first() else {
            return;
        };
        match which % 4 {
            0 => super::deliveries::fuzz(body),
            1 => super::notices::fuzz(body),
            2 => super::subjects::fuzz(body),
            _ => super::walk_ins::fuzz(body, flows),
        }
    }
}

/// A path that exists, asked with a method it does not have: 405 naming the ones it has.
async fn method_not_allowed(allow: &'static str) -> actix_web::HttpResponse {
    let mut response = actix_web::ResponseError::error_response(&ApiError::MethodNotAllowed);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
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
