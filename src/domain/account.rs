//! The office's people who sign in: officers, supervisors and couriers, their sessions, and the
//! audit log of what each did.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What a signed-in person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Answers escalations, reviews and decides requests, files for walk-in citizens.
    Officer,
    /// Everything an officer does, plus accounts, notices, reports and the audit log.
    Supervisor,
    /// Delivery lists and hand-over proof.
    Courier,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Officer, Role::Supervisor, Role::Courier];

    pub fn id(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Courier => "courier",
        }
    }

    pub fn from_id(id: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == id)
    }

    /// Whether this role may do what `needed` may: a supervisor is also an officer; a courier
    /// is only a courier.
    pub fn includes(self, needed: Role) -> bool {
        self == needed || (self == Role::Supervisor && needed == Role::Officer)
    }

    pub fn label_id(self) -> &'static str {
        match self {
            Role::Officer => "Petugas",
            Role::Supervisor => "Supervisor",
            Role::Courier => "Kurir",
        }
    }
}

/// Lower case letters, digits, `.`, `_` and `-`, 3 to 32 of them: what officers type to sign in.
pub fn valid_username(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Passwords shorter than this are refused when an account is created or its password set.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// One person's account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub username: String,
    pub role: Role,
    /// Argon2id, as a PHC string (`$argon2id$v=19$...`): the password itself is never stored.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: Timestamp,
    /// Failed sign-ins since the last success or lock.
    #[serde(default)]
    pub failed_logins: u32,
    /// Sign-ins are refused until then (too many failures).
    #[serde(default)]
    pub locked_until: Option<Timestamp>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

/// A signed-in session. The store keeps it under the SHA-256 of its token, so a copy of the
/// store opens no session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub username: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// For the console's forms (double-submit): a random value only this session knows.
    pub csrf: String,
}

/// What was done, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Login,
    LoginFailed,
    LoginLocked,
    Logout,
    AccountCreated,
    AccountDisabled,
    AccountEnabled,
    PasswordChanged,
    RequestViewed,
    PhotoViewed,
    RequestApproved,
    DocumentsReturned,
    RequestRejected,
    RequestPrinted,
    EscalationClaimed,
    EscalationReleased,
    EscalationReplied,
    EscalationHandedBack,
    NoteAdded,
    WalkInFiled,
    NoticeSent,
    AuditExported,
    DeliveryStep,
    SettlementClosed,
    /// Retention deleted a request's photos (its purpose ended some days before).
    PhotosErased,
    /// A retention sweep ran and removed something: what, counted.
    RetentionSweep,
    /// A supervisor exported what loket holds about a citizen (target: masked number or NIK).
    SubjectExported,
    /// A supervisor erased it, but for what the office must keep.
    SubjectErased,
}

impl AuditAction {
    pub fn id(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoginLocked => "login_locked",
            AuditAction::Logout => "logout",
            AuditAction::AccountCreated => "account_created",
            AuditAction::AccountDisabled => "account_disabled",
            AuditAction::AccountEnabled => "account_enabled",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::RequestViewed => "request_viewed",
            AuditAction::PhotoViewed => "photo_viewed",
            AuditAction::RequestApproved => "request_approved",
            AuditAction::DocumentsReturned => "documents_returned",
            AuditAction::RequestRejected => "request_rejected",
            AuditAction::RequestPrinted => "request_printed",
            AuditAction::EscalationClaimed => "escalation_claimed",
            AuditAction::EscalationReleased => "escalation_released",
            AuditAction::EscalationReplied => "escalation_replied",
            AuditAction::EscalationHandedBack => "escalation_handed_back",
            AuditAction::NoteAdded => "note_added",
            AuditAction::WalkInFiled => "walk_in_filed",
            AuditAction::NoticeSent => "notice_sent",
            AuditAction::AuditExported => "audit_exported",
            AuditAction::DeliveryStep => "delivery_step",
            AuditAction::SettlementClosed => "settlement_closed",
            AuditAction::PhotosErased => "photos_erased",
            AuditAction::RetentionSweep => "retention_sweep",
            AuditAction::SubjectExported => "subject_exported",
            AuditAction::SubjectErased => "subject_erased",
        }
    }
}

/// One line of the append-only audit log. It names requests by number and photos by content
/// hash; it never holds an image or a whole NIK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The account that acted (or tried to, for a failed sign-in).
    pub actor: String,
    pub action: AuditAction,
    /// A request number, an account name, an escalation id.
    #[serde(default)]
    pub target: Option<String>,
    /// The photo version concerned, by SHA-256.
    #[serde(default)]
    pub photo: Option<String>,
    /// A reason, a role; free text written by loket, never a citizen's data.
    #[serde(default)]
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supervisor_is_also_an_officer_and_a_courier_only_a_courier() {
        assert!(Role::Supervisor.includes(Role::Officer));
        assert!(Role::Officer.includes(Role::Officer));
        assert!(!Role::Officer.includes(Role::Supervisor));
        assert!(!Role::Courier.includes(Role::Officer));
        assert!(!Role::Supervisor.includes(Role::Courier));
        for role in Role::ALL {
            assert_eq!(Role::from_id(role.id()), Some(role));
        }
    }

    #[test]
    fn usernames_are_short_plain_and_lower_case() {
        for good in ["siti", "budi.s", "petugas_01", "a-b"] {
            assert!(valid_username(good), "{good}");
        }
        for bad in [
            "",
            "ab",
            "Siti",
            "siti rahma",
            "budi@dukcapil",
            &"x".repeat(33),
        ] {
            assert!(!valid_username(bad), "{bad}");
        }
    }

    #[test]
    fn an_account_never_prints_its_password_hash() {
        let account = Account {
            username: "siti".into(),
            role: Role::Officer,
            password_hash: "$argon2id$v=19$secret".into(),
            disabled: false,
            created_at: Timestamp::UNIX_EPOCH,
            failed_logins: 0,
            locked_until: None,
        };
        assert!(!format!("{account:?}").contains("argon2"));
    }
}
