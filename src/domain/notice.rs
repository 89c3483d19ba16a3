//! A supervisor's notice (an outage, the office closed) to the parents with a request in
//! progress, and how far its messages got.

use serde::{Deserialize, Serialize};

use super::contact::ContactId;
use super::request::RequestStatus;

/// Whom a notice goes to: parents with an open request, narrowed by these (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RequestStatus>,
    /// Kemendagri code or name of the kecamatan of the KK address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kecamatan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    pub filter: NoticeFilter,
    pub by: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    pub recipients: Vec<ContactId>,
}

/// Where a notice's messages are, from the outbox and Meta's status callbacks. A message
/// counts once, at the furthest point it reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeCounts {
    /// Recipients whose lane has not sent it yet.
    pub queued: usize,
    pub sent: usize,
    pub delivered: usize,
    pub read: usize,
    pub failed: usize,
}
