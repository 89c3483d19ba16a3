//! Black-box tests of the WhatsApp channel: the real application over loopback HTTP.

mod faults;
mod graph_standin;
mod helpers;
mod inbound;
mod outbound;
#[path = "../support/transcript.rs"]
mod transcript_syntax;
mod transcripts;
