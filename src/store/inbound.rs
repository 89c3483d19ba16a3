//! The inbound side: journal, claims, contacts, per-sender pending queue, lane commits.

use serde::{Deserialize, Serialize};
use sled::{
    Transactional,
    transaction::{ConflictableTransactionError, TransactionalTree},
};

use super::{
    Result, Store, StoreError, from_json, now_ms, outbox::NewOutboxItem, to_json, u64_from_key,
};
use crate::domain::event::{DeliveryStatus, Event, InboundMessage, WaError};

/// A citizen's WhatsApp identity inside loket, stable across phone/BSUID changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
        self.last_inbound_at.map(|t| t + SERVICE_WINDOW_SECS)
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

/// A message waiting for its sender's lane.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingMessage {
    pub key: Vec<u8>,
    pub journal_seq: u64,
    pub message: InboundMessage,
}

#[derive(Serialize, Deserialize)]
struct PendingValue {
    journal_seq: u64,
    message: InboundMessage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessedRecord {
    pub contact: ContactId,
    pub journal_seq: u64,
    pub processed_at_ms: i64,
    /// How many times a lane committed this message: anything but 1 is a bug.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub journal_seq: u64,
    pub received_at_ms: i64,
    pub reasons: Vec<String>,
}

/// Delivery status of one outbound message, merged monotonically from callbacks and sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredStatus {
    pub status: DeliveryStatus,
    pub timestamp: i64,
    pub errors: Vec<WaError>,
    pub outbox_id: Option<u64>,
    pub recipient: Option<String>,
}

/// What ingesting one webhook body did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Ingested {
    pub journal_seq: u64,
    /// Lanes with new work, one entry per newly claimed message.
    pub claimed: Vec<ContactId>,
    pub duplicates: usize,
    pub statuses: usize,
}

/// What a lane hands back after handling some of its pending messages: applied atomically.
#[derive(Debug, Default)]
pub struct LaneCommit {
    pub contact: Option<ContactId>,
    /// Pending messages now handled: (pending key, wamid, journal seq).
    pub handled: Vec<(Vec<u8>, String, u64)>,
    pub outbox: Vec<NewOutboxItem>,
    /// New conversation state (opaque to the store).
    pub conversation: Option<Vec<u8>>,
    pub last_inbound_at: Option<i64>,
    /// Media ids whose outcome is recorded: id -> JSON record.
    pub media: Vec<(String, Vec<u8>)>,
}

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<StoreError>>;

fn abort<T>(e: StoreError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e))
}

fn tx_json<T: Serialize>(value: &T) -> TxResult<Vec<u8>> {
    to_json(value).or_else(abort)
}

impl Store {
    /// Records one signed webhook body: the raw journal entry, a dead letter if parts were
    /// unreadable, each new message claimed (once, atomically) and queued for its sender's
    /// lane, and statuses merged. Not durable until [`Store::commit`].
    pub fn ingest(&self, body: &[u8], events: &[Event], problems: Vec<String>) -> Result<Ingested> {
        let i = &self.inner;
        let seq = i.db.generate_id()?;
        let received = now_ms();
        let mut record = Vec::with_capacity(body.len() + 8);
        record.extend_from_slice(&received.to_be_bytes());
        record.extend_from_slice(body);
        i.journal.insert(seq.to_be_bytes(), record)?;
        if !problems.is_empty() {
            let letter = DeadLetter {
                journal_seq: seq,
                received_at_ms: received,
                reasons: problems,
            };
            i.dead_letters
                .insert(seq.to_be_bytes(), to_json(&letter)?)?;
        }

        let messages: Vec<&InboundMessage> = events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some(m),
                _ => None,
            })
            .collect();
        let mut out = Ingested {
            journal_seq: seq,
            ..Ingested::default()
        };
        if !messages.is_empty() {
            let (claimed, duplicates) = (&i.seen, &i.pending, &i.contacts, &i.aliases)
                .transaction(|(seen, pending, contacts, aliases)| {
                    let mut claimed = Vec::new();
                    let mut duplicates = 0;
                    for (index, m) in messages.iter().enumerate() {
                        if seen.get(m.id.as_bytes())?.is_some() {
                            duplicates += 1;
                            continue;
                        }
                        let contact = resolve_contact(contacts, aliases, m, received)?;
                        seen.insert(m.id.as_bytes(), &seq.to_be_bytes())?;
                        let key = pending_key(contact, m.timestamp, seq, index as u32);
                        let value = tx_json(&PendingValue {
                            journal_seq: seq,
                            message: (*m).clone(),
                        })?;
                        pending.insert(key, value)?;
                        claimed.push(contact);
                    }
                    Ok((claimed, duplicates))
                })?;
            out.claimed = claimed;
            out.duplicates = duplicates;
        }

        for event in events {
            match event {
                Event::Status(s) => {
                    out.statuses += 1;
                    let update = StoredStatus {
                        status: s.status,
                        timestamp: s.timestamp,
                        errors: s.errors.clone(),
                        outbox_id: None,
                        recipient: s
                            .recipient_id
                            .clone()
                            .or_else(|| s.recipient_user_id.clone()),
                    };
                    self.merge_status(&s.id, update)?;
                }
                Event::Error(e) => {
                    let id = i.db.generate_id()?;
                    i.alerts.insert(id.to_be_bytes(), to_json(e)?)?;
                    tracing::warn!(code = e.code, title = ?e.title, "WhatsApp reported an error");
                }
                Event::Message(_) => {}
            }
        }
        Ok(out)
    }

    /// Merges a status so that it only moves forward (sent < delivered < read; failed is final
    /// and keeps its error codes), whatever order the callbacks arrive in.
    pub fn merge_status(&self, wamid: &str, update: StoredStatus) -> Result<StoredStatus> {
        let mut decode_error = None;
        let merged = self
            .inner
            .statuses
            .update_and_fetch(wamid.as_bytes(), |old| {
                let old: Option<StoredStatus> = old.and_then(|b| match serde_json::from_slice(b) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        decode_error = Some(e.to_string());
                        None
                    }
                });
                let next = match old {
                    None => update.clone(),
                    Some(mut old) => {
                        if update.status > old.status {
                            old.status = update.status;
                            old.timestamp = update.timestamp;
                        }
                        if !update.errors.is_empty() && old.errors.is_empty() {
                            old.errors = update.errors.clone();
                        }
                        old.outbox_id = old.outbox_id.or(update.outbox_id);
                        old.recipient = old.recipient.or_else(|| update.recipient.clone());
                        old
                    }
                };
                serde_json::to_vec(&next).ok()
            })?;
        if let Some(reason) = decode_error {
            tracing::warn!(%reason, "replaced an unreadable status record");
        }
        match merged {
            Some(bytes) => from_json("status", &bytes),
            None => Err(StoreError::Corrupt {
                what: "status",
                reason: "could not encode".into(),
            }),
        }
    }

    pub fn status(&self, wamid: &str) -> Result<Option<StoredStatus>> {
        self.inner
            .statuses
            .get(wamid.as_bytes())?
            .map(|b| from_json("status", &b))
            .transpose()
    }

    /// Contacts that have messages waiting (for restart recovery).
    pub fn contacts_with_pending(&self) -> Result<Vec<ContactId>> {
        let mut out: Vec<ContactId> = Vec::new();
        for item in self.inner.pending.iter().keys() {
            let id = ContactId(u64_from_key(&item?));
            if out.last() != Some(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The contact's waiting messages in order: timestamp, then arrival.
    pub fn pending_for(&self, contact: ContactId) -> Result<Vec<PendingMessage>> {
        let mut out = Vec::new();
        for item in self.inner.pending.scan_prefix(contact.key()) {
            let (key, value) = item?;
            let value: PendingValue = from_json("pending message", &value)?;
            out.push(PendingMessage {
                key: key.to_vec(),
                journal_seq: value.journal_seq,
                message: value.message,
            });
        }
        Ok(out)
    }

    pub fn contact(&self, id: ContactId) -> Result<Option<Contact>> {
        self.inner
            .contacts
            .get(id.key())?
            .map(|b| from_json("contact", &b))
            .transpose()
    }

    pub fn processed(&self, wamid: &str) -> Result<Option<ProcessedRecord>> {
        self.inner
            .processed
            .get(wamid.as_bytes())?
            .map(|b| from_json("processed", &b))
            .transpose()
    }

    pub fn processed_count(&self) -> usize {
        self.inner.processed.len()
    }

    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>> {
        self.inner
            .dead_letters
            .iter()
            .values()
            .map(|v| from_json("dead letter", &v?))
            .collect()
    }

    /// The raw journal, in arrival order: (sequence, received at ms, body).
    pub fn journal(&self) -> impl Iterator<Item = Result<(u64, i64, Vec<u8>)>> + '_ {
        self.inner.journal.iter().map(|item| {
            let (key, value) = item?;
            if value.len() < 8 {
                return Err(StoreError::Corrupt {
                    what: "journal",
                    reason: "short record".into(),
                });
            }
            Ok((
                u64_from_key(&key),
                u64_from_key(&value[..8]) as i64,
                value[8..].to_vec(),
            ))
        })
    }

    /// Applies a lane's work atomically: handled messages leave the queue in the same
    /// transaction that queues their replies and saves the conversation, so a crash either
    /// keeps both or neither. Returns the new outbox ids.
    pub fn commit_lane(&self, commit: LaneCommit) -> Result<Vec<u64>> {
        let i = &self.inner;
        let now = now_ms();
        let ids = (
            &i.pending,
            &i.processed,
            &i.outbox,
            &i.contacts,
            &i.conversations,
            &i.media,
        )
            .transaction(
                |(pending, processed, outbox, contacts, conversations, media)| {
                    let contact = commit.contact;
                    for (key, wamid, journal_seq) in &commit.handled {
                        pending.remove(key.as_slice())?;
                        if let Some(contact) = contact {
                            let times = match processed.get(wamid.as_bytes())? {
                                Some(old) => {
                                    from_json::<ProcessedRecord>("processed", &old)
                                        .or_else(abort)?
                                        .times
                                        + 1
                                }
                                None => 1,
                            };
                            let record = ProcessedRecord {
                                contact,
                                journal_seq: *journal_seq,
                                processed_at_ms: now,
                                times,
                            };
                            processed.insert(wamid.as_bytes(), tx_json(&record)?)?;
                        }
                    }
                    let mut ids = Vec::with_capacity(commit.outbox.len());
                    for item in &commit.outbox {
                        let id = outbox.generate_id()?;
                        outbox.insert(
                            &id.to_be_bytes(),
                            tx_json(&item.clone().into_item(id, now))?,
                        )?;
                        ids.push(id);
                    }
                    if let Some(contact) = contact {
                        if let Some(state) = &commit.conversation {
                            conversations.insert(&contact.key(), state.as_slice())?;
                        }
                        if let Some(at) = commit.last_inbound_at
                            && let Some(bytes) = contacts.get(contact.key())?
                        {
                            let mut c: Contact = from_json("contact", &bytes).or_else(abort)?;
                            if c.last_inbound_at.is_none_or(|old| old < at) {
                                c.last_inbound_at = Some(at);
                                contacts.insert(&contact.key(), tx_json(&c)?)?;
                            }
                        }
                    }
                    for (media_id, record) in &commit.media {
                        media.insert(media_id.as_bytes(), record.as_slice())?;
                    }
                    Ok(ids)
                },
            )?;
        Ok(ids)
    }

    /// The recorded outcome of a media download (JSON owned by the channel).
    pub fn media_record(&self, media_id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .inner
            .media
            .get(media_id.as_bytes())?
            .map(|v| v.to_vec()))
    }
}

fn pending_key(contact: ContactId, timestamp: i64, seq: u64, index: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(28);
    key.extend_from_slice(&contact.key());
    key.extend_from_slice(&(timestamp.max(0) as u64).to_be_bytes());
    key.extend_from_slice(&seq.to_be_bytes());
    key.extend_from_slice(&index.to_be_bytes());
    key
}

/// Finds the contact by BSUID or phone (either may be missing), learning new identifiers, or
/// creates it.
fn resolve_contact(
    contacts: &TransactionalTree,
    aliases: &TransactionalTree,
    m: &InboundMessage,
    now: i64,
) -> TxResult<ContactId> {
    let user_key = m.from.user_id.as_ref().map(|u| format!("u:{u}"));
    let phone_key = m.from.wa_id.as_ref().map(|p| format!("p:{p}"));
    let mut found = None;
    for key in [&user_key, &phone_key].into_iter().flatten() {
        if let Some(id) = aliases.get(key.as_bytes())? {
            found = Some(ContactId(u64_from_key(&id)));
            break;
        }
    }
    let id = match found {
        Some(id) => id,
        None => ContactId(contacts.generate_id()? + 1),
    };
    let existing: Option<Contact> = match contacts.get(id.key())? {
        Some(bytes) => Some(from_json("contact", &bytes).or_else(abort)?),
        None => None,
    };
    let mut contact = existing.clone().unwrap_or(Contact {
        id,
        wa_id: None,
        user_id: None,
        name: None,
        first_seen_ms: now,
        last_inbound_at: None,
    });
    if m.from.wa_id.is_some() {
        contact.wa_id = m.from.wa_id.clone();
    }
    if m.from.user_id.is_some() {
        contact.user_id = m.from.user_id.clone();
    }
    if m.from.name.is_some() {
        contact.name = m.from.name.clone();
    }
    if existing.as_ref() != Some(&contact) {
        contacts.insert(&id.key(), tx_json(&contact)?)?;
    }
    for key in [user_key, phone_key].into_iter().flatten() {
        if aliases.get(key.as_bytes())?.is_none() {
            aliases.insert(key.as_bytes(), &id.key())?;
        }
    }
    Ok(id)
}
