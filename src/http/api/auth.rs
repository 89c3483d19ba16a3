//! Who is calling: the session a bearer token opens, checked on every route.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::ApiError;
use crate::desk::{self, accounts};
use crate::domain::account::{Role, Session};
use crate::http::AppState;

/// A signed-in caller. Extracting it answers 401 without a valid session.
pub struct Signed {
    pub session: Session,
    pub token: String,
}

impl Signed {
    /// 403 unless the caller's role includes `needed`.
    pub fn require(&self, needed: Role) -> Result<&Session, ApiError> {
        accounts::require(&self.session, needed)?;
        Ok(&self.session)
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer(request: &HttpRequest) -> Option<String> {
    let header = request.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_string())
}

impl FromRequest for Signed {
    type Error = ApiError;
    type Future = Ready<Result<Signed, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = request.app_data::<web::Data<AppState>>() else {
            return ready(Err(ApiError::Unavailable("not ready".into())));
        };
        let Some(token) = bearer(request) else {
            return ready(Err(desk::DeskError::SignedOut.into()));
        };
        ready(
            accounts::session(&state.store, &token, super::now())
                .map(|session| Signed { session, token })
                .map_err(ApiError::from),
        )
    }
}
