//! Escalations: conversations the bot handed to officers. An officer claims one (of two at
//! once, one wins), answers the parent (a free text only inside WhatsApp's 24-hour window,
//! else an approved template) and hands the conversation back to the bot.

use jiff::Timestamp;
use serde::Serialize;

use super::{DeskError, Result};
use crate::domain::account::{AuditAction, Session};
use crate::domain::contact::ContactId;
use crate::domain::escalation::EscalationReason;
use crate::domain::message::Outgoing;
use crate::store::{EscalationRecord, NewOutboxItem, Store};

/// A template the office may send (approved in WhatsApp Manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowedTemplate {
    pub name: String,
    pub language: String,
    /// How many `{{n}}` parameters its body has.
    pub params: usize,
}

/// One open escalation, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationView {
    pub id: u64,
    /// `requested`, `repeated_failure`, `not_understood`, `fault`.
    pub reason: &'static str,
    /// The step the parent failed at, for `repeated_failure`.
    pub step: Option<String>,
    pub since: Timestamp,
    /// The parent's WhatsApp number (digits), or `None` for a username-only contact.
    pub wa_id: Option<String>,
    /// WhatsApp profile name (the parent's own words).
    pub name: Option<String>,
    /// The office's number the parent wrote to.
    pub business_number: Option<String>,
    pub claimed_by: Option<String>,
    /// Until when a free text may be sent; after it only a template.
    pub window_open_until: Option<Timestamp>,
    /// The parent's requests, newest first.
    pub requests: Vec<String>,
    /// The service of the request the parent is filling in, if any.
    pub draft: Option<String>,
}

fn reason_of(reason: &EscalationReason) -> (&'static str, Option<String>) {
    match reason {
        EscalationReason::Requested => ("requested", None),
        EscalationReason::RepeatedFailure { step } => ("repeated_failure", Some(step.clone())),
        EscalationReason::NotUnderstood => ("not_understood", None),
        EscalationReason::Fault => ("fault", None),
    }
}

fn view(store: &Store, record: &EscalationRecord) -> Result<EscalationView> {
    let contact = store.contact(record.contact)?;
    let (reason, step) = reason_of(&record.reason);
    let mut requests = store.requests_of(record.contact)?;
    requests.sort_by_key(|r| std::cmp::Reverse(r.filed_at_ms));
    let draft = store
        .conversation(record.contact)?
        .and_then(|c| c.draft.map(|d| d.service));
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
    })
}

/// The inbox: open escalations, longest waiting first.
pub fn open(store: &Store) -> Result<Vec<EscalationView>> {
    let mut records = store.open_escalations()?;
    records.sort_by_key(|r| (r.at_ms, r.id));
    records.iter().map(|r| view(store, r)).collect()
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
pub fn claim(store: &Store, who: &Session, id: u64, now: Timestamp) -> Result<EscalationView> {
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
    view(store, &record)
}

/// What an officer sends a parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Text(String),
    Template { name: String, params: Vec<String> },
}

/// Sends the officer's answer through the outbox, from the number the parent wrote to.
/// Claims the escalation if nobody has it. Returns the outbox ids, for the caller to wake the
/// sender.
pub fn reply(
    store: &Store,
    who: &Session,
    id: u64,
    reply: Reply,
    templates: &[AllowedTemplate],
    now: Timestamp,
) -> Result<Vec<u64>> {
    let record = claim_for_reply(store, who, id, now)?;
    let contact = store
        .contact(record.contact)?
        .ok_or(DeskError::NotFound("contact"))?;
    let Some(to) = contact.address().map(str::to_string) else {
        return Err(DeskError::Conflict(
            "this parent has no WhatsApp address to answer".into(),
        ));
    };
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
    let ids = store.enqueue(vec![NewOutboxItem {
        contact: Some(record.contact),
        to,
        from: contact.business_number.clone(),
        payload,
        notice: None,
    }])?;
    store.note_escalation_reply(id, now.as_millisecond())?;
    audit(
        store,
        who,
        AuditAction::EscalationReplied,
        id,
        Some(kind),
        now,
    )?;
    Ok(ids)
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
        None => {
            claim(store, who, id, now)?;
            open_record(store, id)
        }
    }
}

/// Gives the conversation back to the bot; returns the contact, whose lane the caller queues
/// the hand-back to (the bot resumes at its step and tells the parent).
pub fn hand_back(store: &Store, who: &Session, id: u64, now: Timestamp) -> Result<ContactId> {
    let record = claim_for_reply(store, who, id, now)?;
    audit(store, who, AuditAction::EscalationHandedBack, id, None, now)?;
    Ok(record.contact)
}
