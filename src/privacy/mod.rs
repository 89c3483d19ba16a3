//! The personal-data duties (UU 27/2022): what loket keeps, for how long, and what it gives
//! back or erases when a citizen asks. Use cases: they know the store's records, not sled.

pub mod retention;
pub mod subject;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// What a supervisor typed is not a phone number or a NIK.
    #[error("{0}")]
    Invalid(String),
    #[error("loket holds nothing about them")]
    NotFound,
    /// Erasing now would break a request still under way.
    #[error("request {number} is still {status}: finish, refuse or cancel it first")]
    StillOpen {
        number: String,
        status: &'static str,
    },
    /// The parent is in the middle of a form: their next message would bring it back.
    #[error("the parent is in the middle of a form: erase when it is filed or cancelled")]
    InConversation,
    #[error("the export could not be written: {0}")]
    Export(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, PrivacyError>;
