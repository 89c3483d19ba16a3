//! The one place errors become HTTP answers: a status and a JSON body
//! `{"error": {"code": "...", "message": "..."}}`, never an HTML page, never a panic.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde_json::json;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("this path does not take that method")]
    MethodNotAllowed,
    #[error("the body is larger than the {limit} bytes allowed")]
    TooLarge { limit: usize },
    /// The body did not arrive in time (a stalled or very slow client).
    #[error("the body did not arrive within {seconds} s")]
    TooSlow { seconds: u64 },
    #[error("{0}")]
    Conflict(String),
    /// Too many failed sign-ins: the account waits.
    #[error("{0}")]
    Locked(String),
    /// A form with problems, field by field (422, `{"error": {…, "fields": [{"field","message"}]}}`).
    #[error("the form cannot be filed as it is: see fields")]
    Form(Vec<crate::domain::walk_in::FormProblem>),
    /// A step the server took and refused on its merits (a wrong hand-over code): 422 with a
    /// code of its own.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// A transient failure on our side; the caller should retry (Meta does).
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::TooLarge { .. } => "payload_too_large",
            ApiError::TooSlow { .. } => "request_timeout",
            ApiError::Conflict(_) => "conflict",
            ApiError::Locked(_) => "locked",
            ApiError::Form(_) => "invalid_form",
            ApiError::Refused { code, .. } => code,
            ApiError::Unavailable(_) => "unavailable",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooSlow { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Form(_) | ApiError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unavailable(_)) {
            response.insert_header(("Retry-After", "5"));
        }
        match self {
            ApiError::Form(fields) => response.json(json!({"error": {
                "code": self.code(), "message": self.to_string(), "fields": fields
            }})),
            _ => {
                response.json(json!({"error": {"code": self.code(), "message": self.to_string()}}))
            }
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "store failure while answering a request");
        ApiError::Unavailable("storage is not available right now".into())
    }
}

impl From<super::body::BodyError> for ApiError {
    fn from(e: super::body::BodyError) -> Self {
        use super::body::BodyError;
        match e {
            BodyError::TooLarge { limit } => ApiError::TooLarge { limit },
            BodyError::TooSlow { after } => ApiError::TooSlow {
                seconds: after.as_secs(),
            },
            BodyError::Busy => ApiError::Unavailable(
                "too many request bodies are being received at once; retry shortly".into(),
            ),
            BodyError::Unreadable(e) => {
                ApiError::BadRequest(format!("the body could not be read: {e}"))
            }
        }
    }
}

/// Unknown routes answer JSON too.
pub async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}
