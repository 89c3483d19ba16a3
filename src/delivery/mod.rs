//! Delivery: a printed card's way to its family. Tasks and their steps (dispatch, the
//! hand-over against the family's code, failed attempts, holds, returns), for couriers,
//! officers and supervisors. Use cases only: they speak the store's typed records and know
//! neither actix nor sled; their errors are the desk's.

pub mod manifests;
pub mod pdf;
pub mod reports;
pub mod settlement;
pub mod tasks;

pub use crate::desk::{DeskError, Result};
