//! The domain: pure types and rules of the civil-registry desk. No IO here.
//!
//! Reference data (holidays, region codes, kelurahan) is never read from disk in this module:
//! callers pass the CSV text in (`flow::FlowSet::load_dir` reads `flows/data/*.csv`), so staff can
//! add a year of holidays without recompiling and tests can use small inline tables.

pub mod calendar;
pub mod dates;
pub mod document;
/// Owned by the channel engineer; declared here so `pub mod domain;` can replace the inline list.
pub mod event;
pub mod kk;
pub mod nik;
pub mod phone;
pub mod photo;
pub mod region;
pub mod request;
pub mod rupiah;
