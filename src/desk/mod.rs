//! The officers' desk: who may sign in, and what officers and supervisors do. Use cases only:
//! they speak the store's typed records and know neither actix nor sled; `http` maps their
//! errors once to answers.

pub mod accounts;
pub mod escalations;
pub mod notices;
pub mod reports;
pub mod requests;
pub mod supervision;
pub mod walk_in;

use jiff::Timestamp;
use thiserror::Error;

use crate::domain::account::Role;
use crate::store::StoreError;

#[derive(Debug, Error)]
pub enum DeskError {
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed sign-ins: this account is locked until {until}")]
    Locked { until: Timestamp },
    #[error("sign in first (the session is missing or has expired)")]
    SignedOut,
    #[error("this needs the {} role", needed.id())]
    Forbidden { needed: Role },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A form that cannot be filed as it is: what is wrong, field by field.
    #[error("the form has {} problem(s)", .0.len())]
    Form(Vec<crate::domain::walk_in::FormProblem>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, DeskError>;

/// Appends one line to the audit log: who did what, to which request, account or
/// escalation.
pub(crate) fn audit(
    store: &crate::store::Store,
    now: Timestamp,
    actor: &str,
    action: crate::domain::account::AuditAction,
    target: Option<&str>,
    detail: Option<String>,
) -> Result<()> {
    store.append_audit(&crate::domain::account::AuditEntry {
        at: now,
        actor: actor.to_string(),
        action,
        target: target.map(str::to_string),
        photo: None,
        detail,
    })?;
    Ok(())
}
