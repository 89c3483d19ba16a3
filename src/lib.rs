//! loket: the WhatsApp desk of a Disdukcapil. See README.md for the tour.
//!
//! Rooms: `domain` (the shared vocabulary, pure types and rules), `flow` (the pure conversation
//! engine), `validate` (the pure photo checks), `store` (typed records; the only code that knows
//! sled), `channel` (WhatsApp Cloud API), `lane` (ordered per-sender lanes and what they
//! decide), `sim` (the WhatsApp simulator), `http` (the edge), `bundle` (the flows
//! and sample photos built into the binary), `app` (wiring).

pub mod app;
pub mod bundle;
pub mod channel;
pub mod config;
pub mod delivery;
pub mod desk;
pub mod domain;
pub mod flow;
pub mod http;
pub mod lane;
pub mod mail;
pub mod privacy;
pub mod sim;
pub mod store;
pub mod telemetry;
pub mod validate;
