//! Escalations: conversations the bot handed to officers. An officer claims one (of two at
//! once, one wins), answers the parent (a free text only inside WhatsApp's 24-hour window,
//! else an approved template) and hands the conversation back to the bot.

use jiff::Timestamp;
use serde::Serialize;

use super::{DeskError, Result};
use crate::domain::account::Role;
use crate::domain::account::{AuditAction, Session};
use crate::domain::calendar::{HolidayCalendar, ServiceHours};
use crate::domain::contact::ContactId;
use crate::domain::escalation::{EscalationNote, EscalationReason};
use crate::domain::event::SyntheticInput;
use crate::domain::message::{ChatLine, Outgoing};
use crate::flow::{EscalationPolicy, FlowSet};
use crate::store::{EscalationRecord, Store};

/// A template the office may send (approved in WhatsApp Manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AllowedTemplate {
    pub name: String,
    pub language: String,
    /// How many `{{n}}` parameters its body has.
    pub params: usize,
}

/// One open escalation, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EscalationView {
    pub id: u64,
    /// `requested`, `repeated_failure`, `not_understood`, `fault`.
    pub reason: &'static str,
    /// The step the parent failed at, for `repeated_failure`.
    pub step: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
    /// The parent's WhatsApp number (digits), or `None` for a username-only contact.
    pub wa_id: Option<String>,
    /// WhatsApp profile name (the parent's own words).
    pub name: Option<String>,
    /// The office's number the parent wrote to.
    pub business_number: Option<String>,
    pub claimed_by: Option<String>,
    /// Until when a free text may be sent; after it only a template.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub window_open_until: Option<Timestamp>,
    /// The parent's requests, newest first.
    pub requests: Vec<String>,
    /// The service of the request the parent is filling in, if any.
    pub draft: Option<String>,
    /// Office minutes the parent has waited for a first answer (until it came).
    pub waiting_minutes: u64,
    /// Office minutes until the first answer came, once it has.
    pub first_reply_minutes: Option<u64>,
    /// Where the service levels stand.
    pub sla: SlaView,
    /// Officers' private notes, oldest first.
    pub notes: Vec<EscalationNote>,
    /// The chat both ways, the last lines, oldest first.
    pub chat: Vec<ChatLine>,
    /// What the parent has given so far in the request they are filling in (step label,
    /// answer; NIK and KK numbers masked), and the documents already accepted.
    pub draft_answers: Vec<(String, String)>,
    pub draft_documents: Vec<String>,
}

/// Where an escalation stands against one service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaLevel {
    /// Within the limit.
    Ok,
    /// Past `warn_percent` of the limit.
    Warning,
    /// Past the limit.
    Missed,
    /// Done within the limit.
    Met,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SlaView {
    pub first_reply: SlaLevel,
    /// Office minutes left before the first answer is late (negative: late by that much).
    pub first_reply_left_minutes: i64,
    pub resolution: SlaLevel,
    pub resolution_left_minutes: i64,
}

/// The office's clock for service levels: service hours of working days.
pub struct SlaClock<'a> {
    pub hours: &'a ServiceHours,
    pub calendar: &'a HolidayCalendar,
    pub time_zone: jiff::tz::TimeZone,
    pub policy: EscalationPolicy,
}

impl<'a> SlaClock<'a> {
    pub fn of(flows: &'a FlowSet) -> SlaClock<'a> {
        SlaClock {
            hours: &flows.settings.hours,
            calendar: &flows.calendar,
            time_zone: flows.settings.time_zone.clone(),
            policy: flows.settings.escalations,
        }
    }

    /// Office minutes between two moments (milliseconds).
    pub fn minutes(&self, from_ms: i64, to_ms: i64) -> u64 {
        let at = |ms: i64| {
            Timestamp::from_millisecond(ms)
                .unwrap_or(Timestamp::UNIX_EPOCH)
                .to_zoned(self.time_zone.clone())
        };
        let time = self
            .hours
            .office_time(&at(from_ms), &at(to_ms), self.calendar);
        u64::try_from(time.as_secs() / 60).unwrap_or(0)
    }

    fn level(&self, used: u64, limit: u32, done: bool) -> (SlaLevel, i64) {
        let left = i64::from(limit) - i64::try_from(used).unwrap_or(i64::MAX);
        let level = if used > u64::from(limit) {
            SlaLevel::Missed
        } else if done {
            SlaLevel::Met
        } else if used * 100 >= u64::from(limit) * u64::from(self.policy.warn_percent) {
            SlaLevel::Warning
        } else {
            SlaLevel::Ok
        };
        (level, left)
    }

    /// The service levels of one escalation at `now_ms`.
    pub fn sla(&self, record: &EscalationRecord, now_ms: i64) -> (u64, Option<u64>, SlaView) {
        let replied = record.first_reply_at_ms;
        let waiting = self.minutes(record.at_ms, replied.unwrap_or(now_ms));
        let first_reply = replied.map(|at| self.minutes(record.at_ms, at));
        let (first_level, first_left) =
            self.level(waiting, self.policy.first_reply_minutes, replied.is_some());
        let open_for = self.minutes(record.at_ms, record.closed_at_ms.unwrap_or(now_ms));
        let (resolution, resolution_left) = self.level(
            open_for,
            self.policy.resolution_minutes,
            record.closed_at_ms.is_some(),
        );
        (
            waiting,
            first_reply,
            SlaView {
                first_reply: first_level,
                first_reply_left_minutes: first_left,
                resolution,
                resolution_left_minutes: resolution_left,
            },
        )
    }
}

fn reason_of(reason: &EscalationReason) -> (&'static str, Option<String>) {
    match reason {
        EscalationReason::Requested => ("requested", None),
        EscalationReason::RepeatedFailure { step } => ("repeated_failure", Some(step.clone())),
        EscalationReason::NotUnderstood => ("not_understood", None),
        EscalationReason::Fault => ("fault", None),
        EscalationReason::LowSatisfaction { number, .. } => {
            ("low_satisfaction", Some(number.clone()))
        }
    }
}

fn view(
    store: &Store,
    clock: &SlaClock,
    record: &EscalationRecord,
    now: Timestamp,
) -> Result<EscalationView> {
    let (waiting_minutes, first_reply_minutes, sla) = clock.sla(record, now.as_millisecond());
    let contact = store.contact(record.contact)?;
    let (reason, step) = reason_of(&record.reason);
    let mut requests = store.requests_of(record.contact)?;
    requests.sort_by_key(|r| std::cmp::Reverse(r.filed_at_ms));
    let conversation = store.conversation(record.contact)?;
    let current = conversation.as_ref().and_then(|c| c.draft.as_ref());
    let draft = current.map(|d| d.service.clone());
    let draft_answers = current
        .map(|d| {
            d.answers
                .iter()
                .map(|(step, answer)| (step.clone(), answer.masked()))
                .collect()
        })
        .unwrap_or_default();
    let draft_documents = current
        .map(|d| {
            d.documents
                .iter()
                .map(|doc| doc.kind.id().to_string())
                .collect()
        })
        .unwrap_or_default();
    Ok(EscalationView {
        id: record.id,
        reason,
        step,
        since: Timestamp::from_millisecond(record.at_ms).unwrap_or(Timestamp::UNIX_EPOCH),
        wa_id: contact.as_ref().and_then(|c| c.wa_id.clone()),
        name: contact.as_ref().and_then(|c| c.name.clone()),
        business_number: contact.as_ref().and_then(|c| c.business_number.clone()),
        claimed_by: record.claimed_by.clone(),
        window_open_until: contact
            .as_ref()
            .and_then(|c| c.window_closes_at())
            .and_then(|s| Timestamp::from_second(s).ok()),
        requests: requests
            .iter()
            .map(|r| r.summary.number.to_string())
            .collect(),
        draft,
        waiting_minutes,
        first_reply_minutes,
        sla,
        notes: record.notes.clone(),
        chat: store.recent_chat(record.contact, 12)?,
        draft_answers,
        draft_documents,
    })
}

/// The inbox: open escalations, longest waiting first.
pub fn open(store: &Store, clock: &SlaClock, now: Timestamp) -> Result<Vec<EscalationView>> {
    let mut records = store.open_escalations()?;
    records.sort_by_key(|r| (r.at_ms, r.id));
    records.iter().map(|r| view(store, clock, r, now)).collect()
}

/// A canned reply filled for one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FilledReply {
    pub id: String,
    pub title: String,
    pub text: String,
}

/// The office's canned replies (`flows/replies.toml`), filled for escalation `id`: the parent's
/// name, their newest request, the document the chat waits for.
pub fn canned_replies(store: &Store, flows: &FlowSet, id: u64) -> Result<Vec<FilledReply>> {
    let record = store
        .escalation(id)?
        .ok_or(DeskError::NotFound("escalation"))?;
    let contact = store.contact(record.contact)?;
    let name = contact
        .and_then(|c| c.name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Bapak/Ibu".into());
    let number = store
        .requests_of(record.contact)?
        .first()
        .map(|r| r.summary.number.to_string())
        .unwrap_or_default();
    let conversation = store.conversation(record.contact)?.unwrap_or_default();
    let waiting_for = conversation.draft.as_ref().and_then(|draft| {
        if let Some(resend) = &draft.resend {
            return resend.documents.first().map(|d| d.kind.clone());
        }
        flows
            .service(&draft.service)?
            .steps
            .iter()
            .find_map(|step| match &step.kind {
                crate::flow::StepKind::Photo { document, .. }
                    if draft.document(document).is_none() =>
                {
                    Some(document.clone())
                }
                _ => None,
            })
    });
    let waiting_for = waiting_for.or_else(|| {
        conversation
            .returned
            .first()
            .and_then(|r| r.documents.first().map(|d| d.kind.clone()))
    });
    let document = waiting_for
        .map(|kind| {
            flows
                .document_label(&kind, crate::flow::Lang::Id)
                .to_string()
        })
        .unwrap_or_else(|| "dokumen".into());
    let office = flows
        .settings
        .office_name
        .get(crate::flow::Lang::Id)
        .to_string();
    Ok(flows
        .replies
        .iter()
        .map(|reply| FilledReply {
            id: reply.id.clone(),
            title: reply.title.clone(),
            text: crate::flow::text::fill(&reply.text, &|key: &str| match key {
                "name" => Some(name.clone()),
                "number" => Some(number.clone()),
                "document" => Some(document.clone()),
                "office" => Some(office.clone()),
                _ => None,
            })
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        })
        .collect())
}

/// Adds a private note (never sent to the parent).
pub fn add_note(
    store: &Store,
    clock: &SlaClock,
    who: &Session,
    id: u64,
    text: &str,
    now: Timestamp,
) -> Result<EscalationView> {
    open_record(store, id)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(DeskError::Invalid(
            "a note has between 1 and 2,000 characters".into(),
        ));
    }
    let record = store
        .add_escalation_note(
            id,
            EscalationNote {
                by: who.username.clone(),
                at: now,
                text: text.to_string(),
            },
        )?
        .ok_or(DeskError::NotFound("escalation"))?;
    audit(store, who, AuditAction::NoteAdded, id, None, now)?;
    view(store, clock, &record, now)
}

/// Claims whose officer has not answered within the timeout go back to the queue. Returns
/// the escalations released.
pub fn release_stale(store: &Store, policy: &EscalationPolicy, now: Timestamp) -> Result<Vec<u64>> {
    let mut released = Vec::new();
    if policy.claim_timeout_minutes == 0 {
        return Ok(released);
    }
    let limit = i64::from(policy.claim_timeout_minutes) * 60_000;
    for record in store.open_escalations()? {
        let (Some(owner), Some(at)) = (record.claimed_by.as_deref(), record.claimed_at_ms) else {
            continue;
        };
        if record.first_reply_at_ms.is_none()
            && now.as_millisecond() - at > limit
            && store.release_escalation(record.id, owner)?
        {
            super::audit(
                store,
                now,
                "loket",
                AuditAction::EscalationReleased,
                Some(&format!("escalation {}", record.id)),
                Some(format!(
                    "{owner} did not answer within {} minutes",
                    policy.claim_timeout_minutes
                )),
            )?;
            released.push(record.id);
        }
    }
    Ok(released)
}

/// Gives waiting escalations to the officers signed in (a live session), in turn, each up to
/// `max_per_officer` open ones. Returns (escalation, officer) pairs.
pub fn auto_assign(
    store: &Store,
    policy: &EscalationPolicy,
    now: Timestamp,
) -> Result<Vec<(u64, String)>> {
    let mut assigned = Vec::new();
    if !policy.auto_assign {
        return Ok(assigned);
    }
    let open = store.open_escalations()?;
    let mut waiting: Vec<&EscalationRecord> =
        open.iter().filter(|r| r.claimed_by.is_none()).collect();
    if waiting.is_empty() {
        return Ok(assigned);
    }
    waiting.sort_by_key(|r| (r.at_ms, r.id));
    let on_shift = store.signed_in_accounts(now)?;
    let mut officers: Vec<(String, u32)> = store
        .accounts()?
        .into_iter()
        .filter(|a| !a.disabled && a.role == Role::Officer && on_shift.contains(&a.username))
        .map(|a| {
            let load = open
                .iter()
                .filter(|r| r.claimed_by.as_deref() == Some(a.username.as_str()))
                .count();
            (a.username, u32::try_from(load).unwrap_or(u32::MAX))
        })
        .collect();
    if officers.is_empty() {
        return Ok(assigned);
    }
    officers.sort();
    // Round robin: start after whoever was given one last.
    let last = store.last_assigned()?;
    let start = last
        .and_then(|name| officers.iter().position(|(o, _)| *o == name).map(|i| i + 1))
        .unwrap_or(0);
    let mut turn = start;
    for record in waiting {
        let Some(offset) = (0..officers.len())
            .find(|k| officers[(turn + k) % officers.len()].1 < policy.max_per_officer)
        else {
            break;
        };
        let index = (turn + offset) % officers.len();
        let officer = officers[index].0.clone();
        let claimed = store
            .claim_escalation(record.id, &officer, now.as_millisecond())?
            .is_some_and(|r| r.claimed_by.as_deref() == Some(officer.as_str()));
        if claimed {
            officers[index].1 += 1;
            store.set_last_assigned(&officer)?;
            super::audit(
                store,
                now,
                "loket",
                AuditAction::EscalationClaimed,
                Some(&format!("escalation {}", record.id)),
                Some(format!("assigned in turn to {officer}")),
            )?;
            assigned.push((record.id, officer));
        }
        turn = index + 1;
    }
    Ok(assigned)
}

/// Audits an action on escalation `id`.
fn audit(
    store: &Store,
    who: &Session,
    action: AuditAction,
    id: u64,
    detail: Option<String>,
    now: Timestamp,
) -> Result<()> {
    let target = format!("escalation {id}");
    super::audit(store, now, &who.username, action, Some(&target), detail)
}

fn open_record(store: &Store, id: u64) -> Result<EscalationRecord> {
    match store.escalation(id)? {
        Some(record) if record.open => Ok(record),
        Some(_) => Err(DeskError::Conflict(format!(
            "escalation {id} is closed: the conversation is back with the bot"
        ))),
        None => Err(DeskError::NotFound("escalation")),
    }
}

/// Takes an escalation. 409 when another officer has it.
pub fn claim(
    store: &Store,
    clock: &SlaClock,
    who: &Session,
    id: u64,
    now: Timestamp,
) -> Result<EscalationView> {
    let record = claim_record(store, who, id, now)?;
    view(store, clock, &record, now)
}

fn claim_record(store: &Store, who: &Session, id: u64, now: Timestamp) -> Result<EscalationRecord> {
    open_record(store, id)?;
    let record = store
        .claim_escalation(id, &who.username, now.as_millisecond())?
        .ok_or(DeskError::NotFound("escalation"))?;
    match record.claimed_by.as_deref() {
        Some(owner) if owner == who.username => {}
        Some(owner) => {
            return Err(DeskError::Conflict(format!(
                "escalation {id} is already taken by {owner}"
            )));
        }
        None => {
            return Err(DeskError::Conflict(format!("escalation {id} is closed")));
        }
    }
    audit(store, who, AuditAction::EscalationClaimed, id, None, now)?;
    Ok(record)
}

/// What an officer sends a parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Text(String),
    Template { name: String, params: Vec<String> },
}

/// Queues the officer's answer to the parent's lane, which sends it through the outbox from the
/// number the parent wrote to. Claims the escalation if nobody has it. Returns the contact,
/// whose lane the caller wakes.
pub fn reply(
    store: &Store,
    who: &Session,
    id: u64,
    reply: Reply,
    templates: &[AllowedTemplate],
    now: Timestamp,
) -> Result<ContactId> {
    let record = claim_for_reply(store, who, id, now)?;
    let contact = store
        .contact(record.contact)?
        .ok_or(DeskError::NotFound("contact"))?;
    if contact.address().is_none() {
        return Err(DeskError::Conflict(
            "this parent has no WhatsApp address to answer".into(),
        ));
    }
    let payload = match reply {
        Reply::Text(text) => {
            let text = text.trim().to_string();
            if text.is_empty() {
                return Err(DeskError::Invalid("the text is empty".into()));
            }
            if text.chars().count() > 4000 {
                return Err(DeskError::Invalid(
                    "a WhatsApp text has at most 4,096 characters; write less".into(),
                ));
            }
            if !contact.window_open(now.as_second()) {
                let names: Vec<&str> = templates.iter().map(|t| t.name.as_str()).collect();
                return Err(DeskError::Conflict(format!(
                    "the parent's last message is more than 24 hours old: WhatsApp allows only a \
                     template now ({})",
                    names.join(", ")
                )));
            }
            Outgoing::Text {
                body: format!("👤 *Petugas*: {text}"),
            }
        }
        Reply::Template { name, params } => {
            let Some(template) = templates.iter().find(|t| t.name == name) else {
                let names: Vec<&str> = templates.iter().map(|t| t.name.as_str()).collect();
                return Err(DeskError::Invalid(format!(
                    "unknown template {name:?} (configured: {})",
                    names.join(", ")
                )));
            };
            if params.len() != template.params || params.iter().any(|p| p.trim().is_empty()) {
                return Err(DeskError::Invalid(format!(
                    "template {name} takes {} non-empty parameters",
                    template.params
                )));
            }
            Outgoing::Template {
                name: template.name.clone(),
                language: template.language.clone(),
                params,
            }
        }
    };
    let kind = match &payload {
        Outgoing::Template { name, .. } => format!("template {name}"),
        _ => "text".to_string(),
    };
    // Through the parent's lane like every message to them: in order with the bot's, and in
    // the lane log.
    store.queue_synthetic(
        record.contact,
        SyntheticInput::OfficerReply {
            escalation: id,
            message: payload,
        },
    )?;
    store.note_escalation_reply(id, now.as_millisecond())?;
    audit(
        store,
        who,
        AuditAction::EscalationReplied,
        id,
        Some(kind),
        now,
    )?;
    Ok(record.contact)
}

fn claim_for_reply(
    store: &Store,
    who: &Session,
    id: u64,
    now: Timestamp,
) -> Result<EscalationRecord> {
    let record = open_record(store, id)?;
    match record.claimed_by.as_deref() {
        Some(owner) if owner != who.username => Err(DeskError::Conflict(format!(
            "escalation {id} is taken by {owner}"
        ))),
        Some(_) => Ok(record),
        None => claim_record(store, who, id, now),
    }
}

/// Gives the conversation back to the bot; returns the contact, whose lane the caller queues
/// the hand-back to (the bot resumes at its step and tells the parent).
pub fn hand_back(store: &Store, who: &Session, id: u64, now: Timestamp) -> Result<ContactId> {
    let record = claim_for_reply(store, who, id, now)?;
    audit(store, who, AuditAction::EscalationHandedBack, id, None, now)?;
    Ok(record.contact)
}
