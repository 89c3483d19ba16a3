//! The inbound side: journal, claims, contacts, per-sender pending queue, lane commits.

use serde::{Deserialize, Serialize};

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

/// How far ahead of our clock a message's own timestamp may be (Meta's and ours drift a little).
const MAX_CLOCK_AHEAD_SECS: i64 = 300;

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
    /// The lane commit that recorded it.
    #[serde(default)]
    pub intent: u64,
}

/// A lane's decision, written whole before it is applied.
#[derive(Serialize, Deserialize)]
struct Intent {
    id: u64,
    at_ms: i64,
    contact: Option<ContactId>,
    handled: Vec<(Vec<u8>, String, u64)>,
    outbox: Vec<super::OutboxItem>,
    conversation: Option<Vec<u8>>,
    last_inbound_at: Option<i64>,
    media: Vec<(String, Vec<u8>)>,
    #[serde(default)]
    synthetic_handled: Vec<Vec<u8>>,
    #[serde(default)]
    requests: Vec<super::StoredRequest>,
    #[serde(default)]
    escalations: Vec<serde_json::Value>,
    #[serde(default)]
    wake_at_ms: Option<Option<i64>>,
    #[serde(default)]
    photos: Vec<(String, Vec<u8>)>,
    #[serde(default)]
    keep_photos: Vec<String>,
    #[serde(default)]
    release_photos: Vec<String>,
    #[serde(default)]
    log: Option<super::LaneLogEntry>,
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
    /// Synthetic inputs now handled (keys from `synthetic_for`).
    pub synthetic_handled: Vec<Vec<u8>>,
    pub requests: Vec<super::StoredRequest>,
    /// Reasons (JSON) the conversation was handed to officers.
    pub escalations: Vec<serde_json::Value>,
    /// `Some(None)` cancels the wake-up, `Some(Some(t))` sets it, `None` leaves it.
    pub wake_at_ms: Option<Option<i64>>,
    /// Checked photos by original hash: JSON record.
    pub photos: Vec<(String, Vec<u8>)>,
    /// Photo files the contact's draft now relies on, and ones it no longer does.
    pub keep_photos: Vec<String>,
    pub release_photos: Vec<String>,
    /// How the batch was decided, for replay.
    pub log: Option<super::LaneLogEntry>,
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
        for (index, m) in messages.iter().enumerate() {
            let contact = self.resolve_contact(m, received)?;
            // The message's own time orders the lane and opens the 24-hour window, so one far
            // ahead of ours (a bad clock, a forged simulator webhook) is capped just past receipt.
            let mut message = (*m).clone();
            message.timestamp = message
                .timestamp
                .clamp(0, received / 1000 + MAX_CLOCK_AHEAD_SECS);
            let key = pending_key(contact, message.timestamp, seq, index as u32);
            let value = to_json(&PendingValue {
                journal_seq: seq,
                message,
            })?;
            // The claim is one compare-and-swap: whoever writes the wamid first owns it, and
            // records where its queue entry lives.
            match i.seen.compare_and_swap(
                m.id.as_bytes(),
                None as Option<&[u8]>,
                Some(key.as_slice()),
            )? {
                Ok(()) => {
                    i.pending.insert(key, value)?;
                    out.claimed.push(contact);
                }
                Err(taken) => {
                    out.duplicates += 1;
                    // A claim without its queue entry and not yet processed means the first
                    // delivery died between its two writes (it was never acknowledged, so
                    // this is Meta's retry): queue it under the claimed key, so still once.
                    let claimed_key = taken.current.map(|k| k.to_vec()).unwrap_or_default();
                    if claimed_key.len() == PENDING_KEY_LEN
                        && !i.pending.contains_key(&claimed_key)?
                        && !i.processed.contains_key(m.id.as_bytes())?
                    {
                        i.pending.insert(claimed_key.as_slice(), value)?;
                        out.claimed.push(contact);
                    }
                }
            }
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
            // A redelivery can re-queue a message just as its lane finishes it.
            if self
                .inner
                .processed
                .contains_key(value.message.id.as_bytes())?
            {
                self.inner.pending.remove(&key)?;
                continue;
            }
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

    /// Applies a lane's work atomically: the whole decision is first written as one intent
    /// record (a single sled write is atomic), then applied, then the intent is removed.
    /// Applying is idempotent and leftover intents are re-applied at open, so after a crash
    /// the handled messages have left the queue together with their replies, or not at all.
    /// Returns the new outbox ids. (sled transactions would do this too, but they switch
    /// sled into a global-lock mode that made every webhook wait behind the flusher.)
    pub fn commit_lane(&self, commit: LaneCommit) -> Result<Vec<u64>> {
        let i = &self.inner;
        let now = now_ms();
        let intent_id = i.db.generate_id()?;
        let mut outbox = Vec::with_capacity(commit.outbox.len());
        for item in commit.outbox {
            outbox.push(item.into_item(i.db.generate_id()?, now));
        }
        let ids = outbox.iter().map(|o| o.id).collect();
        let intent = Intent {
            id: intent_id,
            at_ms: now,
            contact: commit.contact,
            handled: commit.handled,
            outbox,
            conversation: commit.conversation,
            last_inbound_at: commit.last_inbound_at,
            media: commit.media,
            synthetic_handled: commit.synthetic_handled,
            requests: commit.requests,
            escalations: commit.escalations,
            wake_at_ms: commit.wake_at_ms,
            photos: commit.photos,
            keep_photos: commit.keep_photos,
            release_photos: commit.release_photos,
            log: commit.log,
        };
        i.intents
            .insert(intent_id.to_be_bytes(), to_json(&intent)?)?;
        self.apply_intent(&intent)?;
        i.intents.remove(intent_id.to_be_bytes())?;
        Ok(ids)
    }

    /// Re-applies intents left by a crash; called once at open, before any lane runs.
    pub(super) fn replay_intents(&self) -> Result<usize> {
        let mut n = 0;
        for item in self.inner.intents.iter() {
            let (key, value) = item?;
            let intent: Intent = from_json("intent", &value)?;
            self.apply_intent(&intent)?;
            self.inner.intents.remove(key)?;
            n += 1;
        }
        Ok(n)
    }

    fn apply_intent(&self, intent: &Intent) -> Result<()> {
        let i = &self.inner;
        for item in &intent.outbox {
            let key = item.id.to_be_bytes();
            if !i.outbox_done.contains_key(key)? {
                i.outbox.insert(key, to_json(item)?)?;
            }
        }
        if let Some(contact) = intent.contact {
            if let Some(state) = &intent.conversation {
                i.conversations.insert(contact.key(), state.as_slice())?;
            }
            if let Some(at) = intent.last_inbound_at {
                i.contacts.update_and_fetch(contact.key(), |old| {
                    let mut c: Contact = serde_json::from_slice(old?).ok()?;
                    c.last_inbound_at = c.last_inbound_at.max(Some(at));
                    serde_json::to_vec(&c).ok()
                })?;
            }
        }
        for (media_id, record) in &intent.media {
            i.media.insert(media_id.as_bytes(), record.as_slice())?;
        }
        for (sha, record) in &intent.photos {
            i.photos.insert(sha.as_bytes(), record.as_slice())?;
        }
        for request in &intent.requests {
            self.put_request(request)?;
        }
        if let Some(contact) = intent.contact {
            for (n, reason) in intent.escalations.iter().enumerate() {
                // The id derives from the intent, so re-applying writes the same record.
                self.put_escalation(contact, reason, intent.at_ms, intent.id * 16 + n as u64)?;
            }
            if let Some(wake) = intent.wake_at_ms {
                self.set_wakeup(contact, wake)?;
            }
        }
        if let Some(log) = &intent.log {
            i.lane_log.insert(intent.id.to_be_bytes(), to_json(log)?)?;
        }
        for key in &intent.synthetic_handled {
            i.synthetic.remove(key.as_slice())?;
        }
        if let Some(contact) = intent.contact {
            // Kept first: a photo accepted and filed in one batch ends up held by the request.
            for sha in &intent.keep_photos {
                i.kept_photos
                    .insert(super::keeper_key(sha, &draft_owner(contact)), &[])?;
            }
            for sha in &intent.release_photos {
                i.kept_photos
                    .remove(super::keeper_key(sha, &draft_owner(contact)))?;
            }
        }
        for (key, wamid, journal_seq) in &intent.handled {
            if let Some(contact) = intent.contact {
                // Counted per intent, so replaying an intent never counts twice.
                i.processed.update_and_fetch(wamid.as_bytes(), |old| {
                    let old: Option<ProcessedRecord> =
                        old.and_then(|b| serde_json::from_slice(b).ok());
                    let record = match old {
                        Some(r) if r.intent == intent.id => r,
                        Some(r) => ProcessedRecord {
                            times: r.times + 1,
                            intent: intent.id,
                            processed_at_ms: intent.at_ms,
                            ..r
                        },
                        None => ProcessedRecord {
                            contact,
                            journal_seq: *journal_seq,
                            processed_at_ms: intent.at_ms,
                            times: 1,
                            intent: intent.id,
                        },
                    };
                    serde_json::to_vec(&record).ok()
                })?;
            }
            // Processed is recorded before the queue entry goes, so a redelivery racing with
            // this lane always sees one of the two.
            i.pending.remove(key.as_slice())?;
        }
        Ok(())
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

/// Who keeps a photo file while it is in a contact's unfinished draft.
fn draft_owner(contact: ContactId) -> String {
    format!("draft:{}", contact.0)
}

fn pending_key(contact: ContactId, timestamp: i64, seq: u64, index: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(28);
    key.extend_from_slice(&contact.key());
    key.extend_from_slice(&(timestamp.max(0) as u64).to_be_bytes());
    key.extend_from_slice(&seq.to_be_bytes());
    key.extend_from_slice(&index.to_be_bytes());
    key
}

const PENDING_KEY_LEN: usize = 28;

impl Store {
    /// The contact who writes from this WhatsApp number (digits only, as Meta sends `wa_id`).
    pub fn contact_by_phone(&self, wa_id: &str) -> Result<Option<Contact>> {
        match self.inner.aliases.get(format!("p:{wa_id}").as_bytes())? {
            Some(id) => self.contact(ContactId(u64_from_key(&id))),
            None => Ok(None),
        }
    }

    /// Finds the contact by BSUID or phone (either may be missing), learning new identifiers,
    /// or creates it. Aliases are claimed by compare-and-swap, so two first messages of a new
    /// parent arriving at once still make one contact.
    fn resolve_contact(&self, m: &InboundMessage, now: i64) -> Result<ContactId> {
        let i = &self.inner;
        let keys: Vec<String> = [
            m.from.user_id.as_ref().map(|u| format!("u:{u}")),
            m.from.wa_id.as_ref().map(|p| format!("p:{p}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut found = None;
        for key in &keys {
            if let Some(id) = i.aliases.get(key.as_bytes())? {
                found = Some(ContactId(u64_from_key(&id)));
                break;
            }
        }
        let id = match (found, keys.first()) {
            (Some(id), _) => id,
            (None, Some(first)) => {
                let fresh = ContactId(i.db.generate_id()? + 1);
                match i.aliases.compare_and_swap(
                    first.as_bytes(),
                    None as Option<&[u8]>,
                    Some(&fresh.key()[..]),
                )? {
                    Ok(()) => fresh,
                    Err(taken) => ContactId(u64_from_key(&taken.current.unwrap_or_default())),
                }
            }
            (None, None) => {
                return Err(StoreError::Corrupt {
                    what: "message",
                    reason: "sender without identifier".into(),
                });
            }
        };
        for key in &keys {
            // Losing this race only means another writer recorded the same alias.
            let _ = i.aliases.compare_and_swap(
                key.as_bytes(),
                None as Option<&[u8]>,
                Some(&id.key()[..]),
            )?;
        }
        let mut decode_error = None;
        i.contacts.update_and_fetch(id.key(), |old| {
            let old: Option<Contact> = old.and_then(|b| {
                serde_json::from_slice(b)
                    .map_err(|e| decode_error = Some(e))
                    .ok()
            });
            let mut contact = old.clone().unwrap_or(Contact {
                id,
                wa_id: None,
                user_id: None,
                name: None,
                first_seen_ms: now,
                last_inbound_at: None,
            });
            if m.from.wa_id.is_some() {
                contact.wa_id.clone_from(&m.from.wa_id);
            }
            if m.from.user_id.is_some() {
                contact.user_id.clone_from(&m.from.user_id);
            }
            if m.from.name.is_some() {
                contact.name.clone_from(&m.from.name);
            }
            serde_json::to_vec(&contact).ok()
        })?;
        if let Some(e) = decode_error {
            tracing::warn!(error = %e, "replaced an unreadable contact record");
        }
        Ok(id)
    }
}
