//! What loket's tests and benchmarks share, as one crate instead of files included by path:
//!
//! - [`cohort`]: scripted parents run against a real `loket` through the simulator;
//! - [`graph`]: the loopback stand-in for Meta's Graph API (the only stand-in the tests use);
//! - [`envelope`]: webhook bodies as Meta sends them;
//! - [`loopback`]: free ports and waiting for `/healthz`;
//! - [`media`]: stand-in photos for the engine's plain-value tests;
//! - [`requests`]: filed requests made up in bulk, for the desk's benchmark;
//! - [`photo_fixtures`]: the generator of the labelled photos in `fixtures/photos/`, whose
//!   renderer the photo benchmark also uses;
//! - [`transcript`]: the `[foto …]` syntax of `tests/transcripts/*.txt`.

pub mod cohort;
pub mod envelope;
pub mod graph;
pub mod loopback;
pub mod media;
pub mod memory;
pub mod photo_fixtures;
pub mod requests;
pub mod smtp;
pub mod transcript;

/// The data key tests and benchmarks run loket with in production mode (`LOKET_DATA_KEY`):
/// 32 bytes in base64. Never a deployment's key.
pub const DATA_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
