//! The durable outbox: every outbound message is written (and flushed) before it is sent, and
//! leaves the outbox only with a recorded outcome.

use serde::{Deserialize, Serialize};

use super::{ContactId, Result, Store, now_ms};
use crate::domain::message::Outgoing;

/// A message to queue for one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOutboxItem {
    pub contact: Option<ContactId>,
    /// Phone number or BSUID.
    pub to: String,
    /// The office's business number to send from (its phone number ID); `None`: the
    /// configured one.
    pub from: Option<String>,
    pub payload: Outgoing,
    /// The supervisor's notice this message carries, for its delivery counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<u64>,
}

impl NewOutboxItem {
    pub(crate) fn into_item(self, id: u64, now_ms: i64) -> OutboxItem {
        OutboxItem {
            id,
            contact: self.contact,
            to: self.to,
            from: self.from,
            payload: self.payload,
            notice: self.notice,
            attempts: 0,
            next_attempt_at_ms: now_ms,
            created_at_ms: now_ms,
            last_error: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: u64,
    pub contact: Option<ContactId>,
    pub to: String,
    /// See [`NewOutboxItem::from`]; absent in items queued before numbers were told apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub payload: Outgoing,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<u64>,
    pub attempts: u32,
    pub next_attempt_at_ms: i64,
    pub created_at_ms: i64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OutboxOutcome {
    /// Accepted by the Graph API (`wamid` is absent for mark-as-read).
    Sent { wamid: Option<String> },
    /// Given up: a permanent error, or too many attempts. Kept for operators.
    Failed { code: Option<i64>, reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxRecord {
    pub item: OutboxItem,
    pub outcome: OutboxOutcome,
    pub finished_at_ms: i64,
    /// When retention emptied the payload's content (texts, parameters, captions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_erased_at_ms: Option<i64>,
}

impl Store {
    /// Queues messages outside a lane (operators, jobs). Not durable until [`Store::commit`].
    pub fn enqueue(&self, items: Vec<NewOutboxItem>) -> Result<Vec<u64>> {
        let now = now_ms();
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            let id = self.inner.db.generate_id()?;
            self.inner
                .outbox
                .insert(id.to_be_bytes(), self.encode(&item.into_item(id, now))?)?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Every message still to send as (id, recipient, next attempt in ms), oldest first,
    /// without keeping the payloads in memory.
    pub fn outbox_index(&self) -> Result<Vec<(u64, String, i64)>> {
        let mut index = Vec::new();
        for entry in self.inner.outbox.iter() {
            let (key, value) = entry?;
            if self.inner.outbox_done.contains_key(&key)? {
                self.inner.outbox.remove(&key)?;
                continue;
            }
            let item: OutboxItem = self.decode("outbox item", &value)?;
            index.push((item.id, item.to, item.next_attempt_at_ms));
        }
        Ok(index)
    }

    pub fn outbox_item(&self, id: u64) -> Result<Option<OutboxItem>> {
        self.inner
            .outbox
            .get(id.to_be_bytes())?
            .map(|v| self.decode("outbox item", &v))
            .transpose()
    }

    /// Saves a new attempt count and time after a transient failure.
    pub fn reschedule(&self, item: &OutboxItem) -> Result<()> {
        self.inner
            .outbox
            .insert(item.id.to_be_bytes(), self.encode(item)?)?;
        Ok(())
    }

    /// Moves an item out of the outbox with its outcome: the outcome is written first, so a
    /// crash in between leaves a finished item that [`Store::outbox_index`] skips.
    pub fn finish(&self, item: OutboxItem, outcome: OutboxOutcome) -> Result<()> {
        let key = item.id.to_be_bytes();
        let record = OutboxRecord {
            item,
            outcome,
            finished_at_ms: now_ms(),
            payload_erased_at_ms: None,
        };
        self.inner.outbox_done.insert(key, self.encode(&record)?)?;
        self.inner.outbox.remove(key)?;
        Ok(())
    }

    pub fn outbox_record(&self, id: u64) -> Result<Option<OutboxRecord>> {
        self.inner
            .outbox_done
            .get(id.to_be_bytes())?
            .map(|v| self.decode("outbox record", &v))
            .transpose()
    }

    /// Finished outbox records, newest first.
    pub fn outbox_history(&self, limit: usize) -> Result<Vec<OutboxRecord>> {
        self.inner
            .outbox_done
            .iter()
            .rev()
            .take(limit)
            .map(|item| self.decode("outbox record", &item?.1))
            .collect()
    }
}
