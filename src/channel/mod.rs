//! The WhatsApp Cloud API channel: signed webhooks in, Graph API calls out.

pub mod graph;
pub mod media;
pub mod outbox;
pub mod signature;
pub mod webhook;
