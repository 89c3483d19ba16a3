//! A conversation handed to the officers, and why.

use serde::{Deserialize, Serialize};

/// Why a conversation went to an officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EscalationReason {
    /// The parent asked (`petugas`).
    Requested,
    /// Too many failed attempts at one step.
    RepeatedFailure { step: String },
    /// Repeated input the bot could not understand.
    NotUnderstood,
    /// loket itself kept failing on the parent's messages (a bug); they were passed on.
    Fault,
    /// A low score in the satisfaction survey after a hand-over: a supervisor calls back.
    LowSatisfaction { number: String, score: u8 },
}

/// An officer's private note on an escalation: for colleagues, never sent to the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EscalationNote {
    pub by: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    pub text: String,
}
