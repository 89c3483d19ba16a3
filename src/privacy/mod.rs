//! The personal-data duties (UU 27/2022): what loket keeps, for how long, and what it gives
//! back or erases when a citizen asks. Use cases: they know the store's records, not sled.

pub mod retention;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, PrivacyError>;
