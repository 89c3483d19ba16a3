//! A parent as loket knows them: a WhatsApp identity, and WhatsApp's 24-hour window.

use serde::{Deserialize, Serialize};

/// A citizen's WhatsApp identity inside loket, stable across phone/BSUID changes. A parent who
/// writes to two of the office's numbers is two contacts: two conversations, as with two desks.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub struct ContactId(pub u64);

impl ContactId {
    pub fn key(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }
}

impl std::fmt::Display for ContactId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
    /// The office's business number (Meta's phone number ID) this contact writes to, and
    /// replies are sent from. `None` for contacts from before numbers were told apart (and
    /// messages that do not name one): they are answered from the configured number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_number: Option<String>,
    pub first_seen_ms: i64,
    /// Timestamp (Unix seconds) of the newest message processed from this contact; opens the
    /// 24-hour customer-service window.
    pub last_inbound_at: Option<i64>,
}

/// WhatsApp's customer-service window: free-form messages only within 24 h of the last
/// inbound message.
pub const SERVICE_WINDOW_SECS: i64 = 24 * 60 * 60;

impl Contact {
    pub fn window_closes_at(&self) -> Option<i64> {
        self.last_inbound_at
            .map(|t| t.saturating_add(SERVICE_WINDOW_SECS))
    }

    pub fn window_open(&self, now_secs: i64) -> bool {
        self.window_closes_at()
            .is_some_and(|closes| now_secs < closes)
    }

    /// Where to send: the phone number when known, else the BSUID.
    pub fn address(&self) -> Option<&str> {
        self.wa_id.as_deref().or(self.user_id.as_deref())
    }
}
