//! Getting a printed card to its family: one delivery task per printed request, by the postal
//! courier to the address on the card (cash on delivery) or for collection at a kecamatan
//! office (no fee).

use serde::{Deserialize, Serialize};

use super::contact::ContactId;
use super::request::{Address, Delivery, FiledRequest, RequestStatus};
use super::rupiah::Rupiah;

/// How the card reaches the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    Courier,
    Collection,
}

/// One printed card on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryTask {
    /// The request's number: also the task's key, so a request has at most one task.
    pub number: String,
    pub kind: DeliveryKind,
    /// The parent who requested it (a citizen filed for at the counter may have none).
    pub contact: Option<ContactId>,
    /// Their WhatsApp number, for the courier's call button.
    pub phone: Option<String>,
    /// The parent's name as WhatsApp gives it (the flows do not ask it), for the manifest.
    #[serde(default)]
    pub recipient: Option<String>,
    /// The address as filed (street, RT/RW, kelurahan, kecamatan, codes, postal code).
    pub address: Option<Address>,
    /// Whom the card is for (the child).
    pub name: String,
    /// The last four digits of the child's NIK, for the courier to check the card.
    pub nik_last4: Option<String>,
    /// Cash to collect: the fee the parent agreed to at filing; zero for collection.
    pub cod: Rupiah,
    /// The courier's route: the kecamatan code (or the collecting kecamatan office).
    pub route: String,
    /// Where a card for collection waits ("Kantor Kecamatan Blambangan Umpu").
    #[serde(default)]
    pub place: Option<String>,
    pub created_at: jiff::Timestamp,
    /// Where the card is now.
    #[serde(default)]
    pub state: TaskState,
    /// The hand-over code's hash (the code itself went to the parent only).
    #[serde(default)]
    pub code: Option<HandOverCode>,
    /// Wrong codes entered since the code was issued.
    #[serde(default)]
    pub wrong_codes: u32,
    /// Too many wrong codes: nobody hands the card over until a supervisor unlocks it.
    #[serde(default)]
    pub locked: bool,
    /// Every courier's and officer's action on the task, in order: the proof of hand-over.
    #[serde(default)]
    pub actions: Vec<TaskAction>,
}

/// Where a printed card is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TaskState {
    /// At the office, waiting for the next manifest.
    #[default]
    Waiting,
    /// With the courier (or at the kecamatan office for collection): the code is out.
    Out {
        since: jiff::Timestamp,
        #[serde(default)]
        manifest: Option<String>,
    },
    /// Kept at the post office or the kecamatan office for the family to collect, until.
    Held {
        since: jiff::Timestamp,
        until: jiff::civil::Date,
        place: String,
    },
    Delivered {
        at: jiff::Timestamp,
        by: String,
    },
    /// Back at the Disdukcapil office: nobody received it.
    Returned {
        at: jiff::Timestamp,
    },
}

impl TaskState {
    pub fn id(&self) -> &'static str {
        match self {
            TaskState::Waiting => "waiting",
            TaskState::Out { .. } => "out",
            TaskState::Held { .. } => "held",
            TaskState::Delivered { .. } => "delivered",
            TaskState::Returned { .. } => "returned",
        }
    }

    /// A card the family can still receive with its code.
    pub fn awaits_hand_over(&self) -> bool {
        matches!(self, TaskState::Out { .. } | TaskState::Held { .. })
    }
}

/// The hash of a hand-over code: argon2id with a salt of its own, so the store (and a backup
/// of it) never holds a code a courier could use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandOverCode {
    /// PHC string.
    pub hash: String,
    pub issued_at: jiff::Timestamp,
}

/// Hashing is deliberately light (a code is six digits and 5 wrong tries lock the task; the
/// hash only keeps codes out of the store): a morning manifest of hundreds of tasks hashes
/// hundreds of codes.
fn code_hasher() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(4096, 1, 1, None).unwrap_or_default();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

impl HandOverCode {
    /// Hashes `code` with `salt` (16 random bytes from the caller: the core draws no
    /// randomness of its own).
    pub fn new(code: &str, salt: &[u8; 16], at: jiff::Timestamp) -> Option<HandOverCode> {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(salt).ok()?;
        let hash = code_hasher()
            .hash_password(code.as_bytes(), &salt)
            .ok()?
            .to_string();
        Some(HandOverCode {
            hash,
            issued_at: at,
        })
    }

    pub fn matches(&self, typed: &str) -> bool {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        PasswordHash::new(&self.hash)
            .is_ok_and(|h| code_hasher().verify_password(typed.as_bytes(), &h).is_ok())
    }
}

/// Why a courier could not hand the card over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    NotHome,
    AddressNotFound,
    RecipientUnknown,
    Refused,
    NoCash,
    Other,
}

impl FailReason {
    pub const ALL: [FailReason; 6] = [
        FailReason::NotHome,
        FailReason::AddressNotFound,
        FailReason::RecipientUnknown,
        FailReason::Refused,
        FailReason::NoCash,
        FailReason::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            FailReason::NotHome => "not_home",
            FailReason::AddressNotFound => "address_not_found",
            FailReason::RecipientUnknown => "recipient_unknown",
            FailReason::Refused => "refused",
            FailReason::NoCash => "no_cash",
            FailReason::Other => "other",
        }
    }

    pub fn parse(id: &str) -> Option<FailReason> {
        FailReason::ALL.into_iter().find(|r| r.id() == id)
    }

    /// As the courier, the officers and the parent read it.
    pub fn label_id(self) -> &'static str {
        match self {
            FailReason::NotHome => "Penerima tidak di rumah",
            FailReason::AddressNotFound => "Alamat tidak ditemukan",
            FailReason::RecipientUnknown => "Penerima tidak dikenal di alamat",
            FailReason::Refused => "Kiriman ditolak",
            FailReason::NoCash => "Ongkos kirim belum disiapkan",
            FailReason::Other => "Lainnya",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FailReason::NotHome => "Nobody at home",
            FailReason::AddressNotFound => "Address not found",
            FailReason::RecipientUnknown => "Recipient unknown at the address",
            FailReason::Refused => "Refused",
            FailReason::NoCash => "No cash for the fee",
            FailReason::Other => "Other",
        }
    }
}

/// What somebody asks of a task. Enters the parent's lane like any input, so it is durable,
/// ordered with the chat, and replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DeliveryAction {
    /// The card goes out: on a manifest with the courier, or to the kecamatan office for
    /// collection. The parent gets a fresh code.
    Dispatch {
        #[serde(default)]
        manifest: Option<String>,
    },
    /// A new code for the parent; the old one stops working.
    ResendCode,
    /// The card handed over against the code the family gives.
    HandOver { code: String },
    /// A courier's attempt that did not end in a hand-over.
    Failed {
        reason: FailReason,
        #[serde(default)]
        note: Option<String>,
    },
    /// The hold is over and nobody came: the card goes back to the office.
    HoldEnded,
    /// A supervisor lifts the lock after too many wrong codes (and a new code is sent).
    Unlock,
}

impl DeliveryAction {
    pub fn id(&self) -> &'static str {
        match self {
            DeliveryAction::Dispatch { .. } => "dispatch",
            DeliveryAction::ResendCode => "resend_code",
            DeliveryAction::HandOver { .. } => "hand_over",
            DeliveryAction::Failed { .. } => "failed",
            DeliveryAction::HoldEnded => "hold_ended",
            DeliveryAction::Unlock => "unlock",
        }
    }

    /// The same action without the code someone typed, for the logs that outlive it.
    pub fn redacted(&self) -> DeliveryAction {
        match self {
            DeliveryAction::HandOver { .. } => DeliveryAction::HandOver {
                code: String::new(),
            },
            other => other.clone(),
        }
    }

    /// Whether it issues a new hand-over code.
    pub fn issues_code(&self) -> bool {
        matches!(
            self,
            DeliveryAction::Dispatch { .. } | DeliveryAction::ResendCode | DeliveryAction::Unlock
        )
    }
}

/// One action taken on a task, kept with its outcome (a courier's repeated submit carries the
/// same id and finds it here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskAction {
    pub id: String,
    pub at: jiff::Timestamp,
    pub by: String,
    pub action: DeliveryAction,
    pub outcome: ActionOutcome,
}

/// What became of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ActionOutcome {
    Done,
    /// The code was wrong: the card stays with the courier.
    WrongCode {
        tries_left: u32,
    },
    /// The code was wrong once too often: locked for a supervisor.
    Locked,
    /// The action does not apply to the task as it is (already delivered, not out yet, ...).
    Refused {
        why: String,
    },
}

/// The office's delivery rules (`[delivery]` in `flows/settings.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryPolicy {
    /// Failed courier attempts before the card is held at the post office.
    pub failed_attempts_before_hold: u32,
    /// Days a held card waits for the family before it returns to the office.
    pub hold_days: u32,
    /// Days a card waits at the kecamatan office for collection before it returns.
    pub collection_days: u32,
    /// Wrong codes before the task is locked for a supervisor.
    pub wrong_codes_before_lock: u32,
    /// Where a card is held after failed attempts (the post office's name and address).
    pub post_office: String,
    /// When the morning job makes the day's manifests (office time).
    pub manifest_time: jiff::civil::Time,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            failed_attempts_before_hold: 2,
            hold_days: 7,
            collection_days: 14,
            wrong_codes_before_lock: 5,
            post_office: "Kantor Pos".into(),
            manifest_time: jiff::civil::time(7, 0, 0, 0),
        }
    }
}

/// What the family is told after an action, if anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum DeliveryNotice {
    /// The card is on its way (or waiting at the kecamatan office): the fee and the code.
    OnItsWay {
        kind: DeliveryKind,
        cod: Rupiah,
        /// The kecamatan office, for collection.
        #[serde(default)]
        place: Option<String>,
    },
    /// A new code (the old one no longer works).
    NewCode,
    Delivered,
    AttemptFailed {
        reason: FailReason,
        attempt: u32,
        before_hold: u32,
    },
    Held {
        place: String,
        until: jiff::civil::Date,
        cod: Rupiah,
    },
    Returned,
}

impl DeliveryNotice {
    /// The request's status after it (`None`: unchanged).
    pub fn status(&self) -> Option<RequestStatus> {
        match self {
            DeliveryNotice::OnItsWay {
                kind: DeliveryKind::Courier,
                ..
            } => Some(RequestStatus::Dikirim),
            DeliveryNotice::OnItsWay {
                kind: DeliveryKind::Collection,
                ..
            }
            | DeliveryNotice::Held { .. } => Some(RequestStatus::SiapDiambil),
            DeliveryNotice::Delivered => Some(RequestStatus::Diterima),
            DeliveryNotice::Returned => Some(RequestStatus::Diretur),
            DeliveryNotice::NewCode | DeliveryNotice::AttemptFailed { .. } => None,
        }
    }

    /// Whether the message carries the hand-over code.
    pub fn carries_code(&self) -> bool {
        matches!(
            self,
            DeliveryNotice::OnItsWay { .. } | DeliveryNotice::NewCode
        )
    }
}

/// The result of applying an action: the outcome kept with the task, and what the family is
/// told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub outcome: ActionOutcome,
    pub notice: Option<DeliveryNotice>,
}

/// Everything an action needs besides the task: who, when, and what the lane found out.
pub struct ActionContext<'a> {
    pub id: &'a str,
    pub by: &'a str,
    pub at: jiff::Timestamp,
    pub today: jiff::civil::Date,
    pub policy: &'a DeliveryPolicy,
    /// A new code's hash, for the actions that issue one.
    pub new_code: Option<HandOverCode>,
}

impl DeliveryTask {
    /// The task as the office keeps it after its citizen's data was erased: the route, the
    /// fee, where the card went and who acted (the hand-over proof and the cash accounts), and
    /// no name, phone, address, NIK digits or courier's free-text note.
    pub fn erased(&self) -> DeliveryTask {
        DeliveryTask {
            phone: None,
            recipient: None,
            address: None,
            name: super::request::ERASED.into(),
            nik_last4: None,
            place: self.place.clone(),
            actions: self
                .actions
                .iter()
                .map(|a| TaskAction {
                    action: match &a.action {
                        DeliveryAction::Failed { reason, .. } => DeliveryAction::Failed {
                            reason: *reason,
                            note: None,
                        },
                        other => other.clone(),
                    },
                    ..a.clone()
                })
                .collect(),
            ..self.clone()
        }
    }

    /// Whether an action with this id was already taken (a repeated submit).
    pub fn action(&self, id: &str) -> Option<&TaskAction> {
        self.actions.iter().find(|a| a.id == id)
    }

    /// Failed courier attempts since the card last went out.
    pub fn failed_attempts(&self) -> u32 {
        let done = |a: &&TaskAction| a.outcome == ActionOutcome::Done;
        let from = self
            .actions
            .iter()
            .rposition(|a| matches!(a.action, DeliveryAction::Dispatch { .. }) && done(&a))
            .unwrap_or(0);
        self.actions[from..]
            .iter()
            .filter(done)
            .filter(|a| matches!(a.action, DeliveryAction::Failed { .. }))
            .count() as u32
    }

    /// Applies one action and records it. Pure: the caller brings the clock, the new code's
    /// hash and whether a typed code matched.
    pub fn apply(&mut self, action: DeliveryAction, ctx: ActionContext<'_>) -> Applied {
        let applied = self.decide(&action, &ctx);
        self.actions.push(TaskAction {
            id: ctx.id.to_string(),
            at: ctx.at,
            by: ctx.by.to_string(),
            action: action.redacted(),
            outcome: applied.outcome.clone(),
        });
        applied
    }

    fn decide(&mut self, action: &DeliveryAction, ctx: &ActionContext<'_>) -> Applied {
        let refuse = |why: &str| Applied {
            outcome: ActionOutcome::Refused { why: why.into() },
            notice: None,
        };
        let done = |notice: Option<DeliveryNotice>| Applied {
            outcome: ActionOutcome::Done,
            notice,
        };
        match action {
            DeliveryAction::Dispatch { manifest } => {
                if !matches!(self.state, TaskState::Waiting | TaskState::Returned { .. }) {
                    return refuse("the card is not at the office");
                }
                let Some(code) = ctx.new_code.clone() else {
                    return refuse("no code could be made");
                };
                self.code = Some(code);
                self.wrong_codes = 0;
                self.locked = false;
                self.state = TaskState::Out {
                    since: ctx.at,
                    manifest: manifest.clone(),
                };
                done(Some(DeliveryNotice::OnItsWay {
                    kind: self.kind,
                    cod: self.cod,
                    place: self.place.clone(),
                }))
            }
            DeliveryAction::ResendCode | DeliveryAction::Unlock => {
                if !self.state.awaits_hand_over() {
                    return refuse("the card is not waiting for a hand-over");
                }
                if matches!(action, DeliveryAction::ResendCode) && self.locked {
                    return refuse("the task is locked: a supervisor unlocks it");
                }
                if matches!(action, DeliveryAction::Unlock) && !self.locked {
                    return refuse("the task is not locked");
                }
                let Some(code) = ctx.new_code.clone() else {
                    return refuse("no code could be made");
                };
                self.code = Some(code);
                self.wrong_codes = 0;
                self.locked = false;
                done(Some(DeliveryNotice::NewCode))
            }
            DeliveryAction::HandOver { code } => {
                if !self.state.awaits_hand_over() {
                    return refuse("the card is not waiting for a hand-over");
                }
                if self.locked {
                    return Applied {
                        outcome: ActionOutcome::Locked,
                        notice: None,
                    };
                }
                if self.code.as_ref().is_some_and(|c| c.matches(code)) {
                    self.state = TaskState::Delivered {
                        at: ctx.at,
                        by: ctx.by.to_string(),
                    };
                    // Single use: the code dies with the hand-over.
                    self.code = None;
                    return done(Some(DeliveryNotice::Delivered));
                }
                self.wrong_codes += 1;
                let limit = ctx.policy.wrong_codes_before_lock.max(1);
                if self.wrong_codes >= limit {
                    self.locked = true;
                    Applied {
                        outcome: ActionOutcome::Locked,
                        notice: None,
                    }
                } else {
                    Applied {
                        outcome: ActionOutcome::WrongCode {
                            tries_left: limit - self.wrong_codes,
                        },
                        notice: None,
                    }
                }
            }
            DeliveryAction::Failed { reason, .. } => {
                if self.kind == DeliveryKind::Collection {
                    return refuse("a card for collection is not taken to the door");
                }
                if !matches!(self.state, TaskState::Out { .. }) {
                    return refuse("the card is not out with the courier");
                }
                let attempt = self.failed_attempts() + 1;
                let before_hold = ctx.policy.failed_attempts_before_hold.max(1);
                if attempt >= before_hold {
                    let until = ctx
                        .today
                        .checked_add(jiff::Span::new().days(i64::from(ctx.policy.hold_days)))
                        .unwrap_or(ctx.today);
                    self.state = TaskState::Held {
                        since: ctx.at,
                        until,
                        place: ctx.policy.post_office.clone(),
                    };
                    done(Some(DeliveryNotice::Held {
                        place: ctx.policy.post_office.clone(),
                        until,
                        cod: self.cod,
                    }))
                } else {
                    done(Some(DeliveryNotice::AttemptFailed {
                        reason: *reason,
                        attempt,
                        before_hold,
                    }))
                }
            }
            DeliveryAction::HoldEnded => {
                let over = match &self.state {
                    TaskState::Held { until, .. } => ctx.today > *until,
                    TaskState::Out { since, .. } if self.kind == DeliveryKind::Collection => {
                        let waited = ctx.at.duration_since(*since).as_hours() / 24;
                        waited >= i64::from(ctx.policy.collection_days)
                    }
                    _ => false,
                };
                if !over {
                    return refuse("the card is not held past its date");
                }
                self.state = TaskState::Returned { at: ctx.at };
                self.code = None;
                self.locked = false;
                done(Some(DeliveryNotice::Returned))
            }
        }
    }
}

impl DeliveryTask {
    /// The task for a request just marked printed.
    pub fn for_printed(
        filed: &FiledRequest,
        contact: Option<ContactId>,
        phone: Option<String>,
        at: jiff::Timestamp,
    ) -> DeliveryTask {
        let (kind, cod, route) = match &filed.delivery {
            Some(Delivery::PickupAtKecamatan { kecamatan_code, .. }) => (
                DeliveryKind::Collection,
                Rupiah::ZERO,
                kecamatan_code.clone(),
            ),
            Some(Delivery::Courier { cod_fee }) => (
                DeliveryKind::Courier,
                *cod_fee,
                route_of(filed.address.as_ref()),
            ),
            None => (
                DeliveryKind::Courier,
                filed.fee,
                route_of(filed.address.as_ref()),
            ),
        };
        DeliveryTask {
            number: filed.number.to_string(),
            kind,
            contact,
            phone,
            recipient: None,
            address: filed.address.clone(),
            name: filed.subject.name.clone(),
            nik_last4: filed
                .subject
                .nik
                .as_ref()
                .and_then(|n| n.as_str().get(12..16).map(str::to_string)),
            cod,
            route,
            place: match &filed.delivery {
                Some(Delivery::PickupAtKecamatan { kecamatan, .. }) => {
                    Some(format!("Kantor Kecamatan {kecamatan}"))
                }
                _ => None,
            },
            created_at: at,
            state: TaskState::Waiting,
            code: None,
            wrong_codes: 0,
            locked: false,
            actions: Vec::new(),
        }
    }
}

/// Routes are by kecamatan; a card without an address waits on the office's own route.
fn route_of(address: Option<&Address>) -> String {
    address.map_or_else(|| "kantor".to_string(), |a| a.kecamatan_code.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_for_collection_carries_no_fee_and_goes_to_the_kecamatan_office() {
        let mut filed = crate::domain::request::tests::sample_filed_request();
        filed.delivery = Some(Delivery::PickupAtKecamatan {
            kecamatan_code: "18.08.01".into(),
            kecamatan: "Blambangan Umpu".into(),
        });
        let task = DeliveryTask::for_printed(&filed, None, None, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(task.kind, DeliveryKind::Collection);
        assert_eq!(task.cod, Rupiah::ZERO);
        assert_eq!(task.route, "18.08.01");
        assert_eq!(task.number, filed.number.to_string());
    }

    #[test]
    fn a_card_by_courier_carries_the_fee_agreed_at_filing() {
        let filed = crate::domain::request::tests::sample_filed_request();
        let task = DeliveryTask::for_printed(&filed, None, None, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(task.kind, DeliveryKind::Courier);
        assert_eq!(task.cod, Rupiah(10_000));
        assert_eq!(task.route, "kantor", "no address: the office's own route");
        assert_eq!(task.nik_last4, None);
    }

    fn ctx<'a>(policy: &'a DeliveryPolicy, id: &'a str, day: u8) -> ActionContext<'a> {
        let today = jiff::civil::date(2026, 12, i8::try_from(day).unwrap());
        ActionContext {
            id,
            by: "budi",
            at: today.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp(),
            today,
            policy,
            new_code: HandOverCode::new("482913", &[7; 16], jiff::Timestamp::UNIX_EPOCH),
        }
    }

    fn out_task(policy: &DeliveryPolicy) -> DeliveryTask {
        let filed = crate::domain::request::tests::sample_filed_request();
        let mut task = DeliveryTask::for_printed(&filed, None, None, jiff::Timestamp::UNIX_EPOCH);
        let applied = task.apply(
            DeliveryAction::Dispatch { manifest: None },
            ctx(policy, "d1", 1),
        );
        assert_eq!(applied.outcome, ActionOutcome::Done);
        task
    }

    #[test]
    fn the_code_is_kept_only_as_a_hash_and_matches_only_itself() {
        let code = HandOverCode::new("482913", &[7; 16], jiff::Timestamp::UNIX_EPOCH).unwrap();
        assert!(code.hash.starts_with("$argon2id$") && !code.hash.contains("482913"));
        assert!(code.matches("482913") && code.matches(" 482 913 "));
        for wrong in ["482914", "48291", "4829130", "abcdef", ""] {
            assert!(!code.matches(wrong), "{wrong}");
        }
    }

    #[test]
    fn two_failed_attempts_hold_the_card_and_the_hold_ends_after_its_date() {
        let policy = DeliveryPolicy::default();
        let mut task = out_task(&policy);
        let failed = || DeliveryAction::Failed {
            reason: FailReason::NotHome,
            note: None,
        };
        let first = task.apply(failed(), ctx(&policy, "f1", 2));
        assert!(matches!(
            first.notice,
            Some(DeliveryNotice::AttemptFailed {
                attempt: 1,
                before_hold: 2,
                ..
            })
        ));
        let second = task.apply(failed(), ctx(&policy, "f2", 3));
        let until = jiff::civil::date(2026, 12, 10);
        assert!(
            matches!(&second.notice, Some(DeliveryNotice::Held { until: u, .. }) if *u == until),
            "{second:?}"
        );
        // Not before the date is past; then back to the office, the code dead.
        let early = task.apply(DeliveryAction::HoldEnded, ctx(&policy, "h1", 10));
        assert!(matches!(early.outcome, ActionOutcome::Refused { .. }));
        let late = task.apply(DeliveryAction::HoldEnded, ctx(&policy, "h2", 11));
        assert_eq!(late.notice, Some(DeliveryNotice::Returned));
        assert!(task.code.is_none());
        // Sent out again, the count of failed attempts starts over.
        task.apply(
            DeliveryAction::Dispatch { manifest: None },
            ctx(&policy, "d2", 12),
        );
        assert_eq!(task.failed_attempts(), 0);
    }

    #[test]
    fn wrong_codes_count_down_then_lock_and_a_locked_card_is_not_handed_over() {
        let policy = DeliveryPolicy::default();
        let mut task = out_task(&policy);
        let typed = |code: &str| DeliveryAction::HandOver { code: code.into() };
        for left in (1..5).rev() {
            let applied = task.apply(typed("111111"), ctx(&policy, "w", 2));
            assert_eq!(
                applied.outcome,
                ActionOutcome::WrongCode { tries_left: left }
            );
        }
        let fifth = task.apply(typed("111111"), ctx(&policy, "w5", 2));
        assert_eq!(fifth.outcome, ActionOutcome::Locked);
        let right = task.apply(typed("482913"), ctx(&policy, "r", 2));
        assert_eq!(right.outcome, ActionOutcome::Locked);
        assert!(task.state.awaits_hand_over());
        // The code typed is never kept with the step.
        assert!(task.actions.iter().all(|a| a.action.redacted() == a.action));
        task.apply(DeliveryAction::Unlock, ctx(&policy, "u", 2));
        let right = task.apply(typed("482913"), ctx(&policy, "r2", 2));
        assert_eq!(right.notice, Some(DeliveryNotice::Delivered));
    }

    #[test]
    fn a_card_for_collection_is_never_taken_to_the_door() {
        let policy = DeliveryPolicy::default();
        let mut filed = crate::domain::request::tests::sample_filed_request();
        filed.delivery = Some(Delivery::PickupAtKecamatan {
            kecamatan_code: "18.08.01".into(),
            kecamatan: "Blambangan Umpu".into(),
        });
        let mut task = DeliveryTask::for_printed(&filed, None, None, jiff::Timestamp::UNIX_EPOCH);
        let out = task.apply(
            DeliveryAction::Dispatch { manifest: None },
            ctx(&policy, "d", 1),
        );
        assert_eq!(
            out.notice,
            Some(DeliveryNotice::OnItsWay {
                kind: DeliveryKind::Collection,
                cod: Rupiah::ZERO,
                place: Some("Kantor Kecamatan Blambangan Umpu".into()),
            })
        );
        assert_eq!(
            out.notice.unwrap().status(),
            Some(RequestStatus::SiapDiambil)
        );
        let failed = task.apply(
            DeliveryAction::Failed {
                reason: FailReason::NotHome,
                note: None,
            },
            ctx(&policy, "f", 2),
        );
        assert!(matches!(failed.outcome, ActionOutcome::Refused { .. }));
    }
}
