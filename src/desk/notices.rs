//! Notices: a supervisor tells every parent with a request in progress (or those of one
//! status, service or kecamatan) something the office must say to all, such as an outage or
//! a closed office. Each parent's lane sends it (text inside the 24-hour window, else the
//! notice template) through the outbox and its rate cap; the counts come from the outbox's
//! outcomes and Meta's status callbacks.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Serialize;

use super::requests::RequestFilter;
use super::{DeskError, Result};
use crate::domain::account::{AuditAction, Role, Session};
use crate::domain::contact::ContactId;
use crate::domain::event::SyntheticInput;
use crate::domain::notice::{Notice, NoticeCounts, NoticeFilter};
use crate::domain::request::RequestStatus;
use crate::store::Store;

/// WhatsApp's limit for a template parameter, and a sensible one for a text.
pub const MAX_TEXT: usize = 1000;

/// A notice with where its messages are.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    #[serde(flatten)]
    pub notice: Notice,
    pub counts: NoticeCounts,
}

/// Sends a notice: recorded, and queued to each recipient's lane. Returns it with its
/// recipients (the contacts to wake).
pub fn send(
    store: &Store,
    who: &Session,
    text: &str,
    filter: NoticeFilter,
    now: Timestamp,
) -> Result<Notice> {
    super::accounts::require(who, Role::Supervisor)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(DeskError::Invalid("the notice has no text".into()));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(DeskError::Invalid(format!(
            "the notice is longer than {MAX_TEXT} characters"
        )));
    }
    let recipients = recipients(store, &filter)?;
    let notice = Notice {
        id: store.next_notice_id()?,
        text: text.to_string(),
        filter,
        by: who.username.clone(),
        at: now,
        recipients: recipients.into_iter().collect(),
    };
    store.put_notice(&notice)?;
    for contact in &notice.recipients {
        store.queue_synthetic(
            *contact,
            SyntheticInput::Notice {
                id: notice.id,
                text: notice.text.clone(),
            },
        )?;
    }
    super::audit(
        store,
        now,
        &who.username,
        AuditAction::NoticeSent,
        Some(&notice.id.to_string()),
        Some(format!("{} recipients", notice.recipients.len())),
    )?;
    Ok(notice)
}

/// Parents with a request in progress that the filter admits and WhatsApp can reach (a
/// citizen filed for at the counter without a phone cannot be).
fn recipients(store: &Store, filter: &NoticeFilter) -> Result<BTreeSet<ContactId>> {
    let statuses: Vec<RequestStatus> = match filter.status {
        Some(status) => vec![status],
        None => RequestStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect(),
    };
    let admits = RequestFilter {
        status: None,
        service: filter.service.clone(),
        kecamatan: filter.kecamatan.clone(),
        overdue: false,
    };
    let today = jiff::Zoned::now().date();
    let mut contacts = BTreeSet::new();
    for status in statuses {
        for row in store.queue(Some(status), None) {
            let row = row?;
            if let Some(contact) = row.contact
                && admits.admits(&row, today)
            {
                contacts.insert(contact);
            }
        }
    }
    let mut reachable = BTreeSet::new();
    for contact in contacts {
        if store
            .contact(contact)?
            .is_some_and(|c| c.address().is_some())
        {
            reachable.insert(contact);
        }
    }
    Ok(reachable)
}

/// Every notice, newest first, with its counts.
pub fn list(store: &Store) -> Result<Vec<NoticeView>> {
    store
        .notices()?
        .into_iter()
        .map(|notice| {
            let counts = store.notice_counts(&notice)?;
            Ok(NoticeView { notice, counts })
        })
        .collect()
}

pub fn one(store: &Store, id: u64) -> Result<NoticeView> {
    let notice = store.notice(id)?.ok_or(DeskError::NotFound("notice"))?;
    let counts = store.notice_counts(&notice)?;
    Ok(NoticeView { notice, counts })
}
