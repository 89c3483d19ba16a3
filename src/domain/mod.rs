//! The domain: pure types and rules of the civil-registry desk, and the vocabulary every other
//! room shares (contact, filed request and its documents, delivery and address, escalation,
//! media, photo records, rupiah). No IO here.
//!
//! Reference data (holidays, region codes, kelurahan) is never read from disk in this module:
//! callers pass the CSV text in (`flow::FlowSet::load` gets `flows/data/*.csv` from the bundle), so staff can
//! add a year of holidays without recompiling and tests can use small inline tables.

pub mod account;
pub mod address;
pub mod calendar;
pub mod contact;
pub mod dates;
pub mod delivery;
pub mod document;
pub mod escalation;
pub mod event;
pub mod kk;
pub mod lang;
pub mod manifest;
pub mod media;
pub mod message;
pub mod nik;
pub mod notice;
pub mod phone;
pub mod photo;
pub mod region;
pub mod request;
pub mod rupiah;
pub mod settlement;
pub mod survey;
pub mod walk_in;
