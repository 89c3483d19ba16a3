//! The inbound side: journal, claims, contacts, per-sender pending queue, lane commits.

use serde::{Deserialize, Serialize};

use super::{Result, Store, StoreError, now_ms, outbox::NewOutboxItem, u64_from_key};
use crate::domain::contact::{Contact, ContactId};
use crate::domain::event::{DeliveryStatus, Event, InboundMessage, WaError};
use crate::domain::{escalation::EscalationReason, media::MediaRecord, photo::PhotoRecord};
use crate::flow::Conversation;

/// How far ahead of our clock a message's own timestamp may be (Meta's and ours drift a little).
const MAX_CLOCK_AHEAD_SECS: i64 = 300;

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

/// A lane commit as written before it is applied: the commit itself, plus the ids its queued
/// messages get (assigned once, so re-applying writes the same items).
#[derive(Serialize, Deserialize)]
struct Intent {
    id: u64,
    at_ms: i64,
    outbox_ids: Vec<u64>,
    commit: LaneCommit,
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

/// A pending message a lane has handled: its queue key, wamid and journal sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handled {
    pub key: Vec<u8>,
    pub wamid: String,
    pub journal_seq: u64,
}

/// What deciding a batch files: the conversation's new state and every record it leads to.
/// The one place a new kind of record (a review decision, a delivery task) is added, so that
/// it is written atomically with the rest and replayed like the rest.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneRecords {
    /// The new conversation state, if it changed.
    pub conversation: Option<Conversation>,
    pub requests: Vec<super::StoredRequest>,
    /// Officers' decisions on the contact's requests, as this batch applied them.
    #[serde(default)]
    pub request_changes: Vec<super::RequestChange>,
    /// Why the conversation was handed to officers.
    pub escalations: Vec<EscalationReason>,
    /// `Some(None)` cancels the wake-up, `Some(Some(t))` sets it, `None` leaves it.
    pub wake_at_ms: Option<Option<i64>>,
    /// Checked photos (by the hash of the photo as received).
    pub photos: Vec<PhotoRecord>,
    /// Photo files the contact's draft now relies on, and ones it no longer does.
    pub keep_photos: Vec<String>,
    pub release_photos: Vec<String>,
    /// How the batch was decided, for replay.
    pub log: Option<super::LaneLogEntry>,
    /// The batch's messages both ways, for the officers' view of the chat.
    #[serde(default)]
    pub chat: Vec<crate::domain::message::ChatLine>,
    /// Cards marked printed in this batch: their delivery tasks.
    #[serde(default)]
    pub delivery_tasks: Vec<crate::domain::delivery::DeliveryTask>,
    /// Tasks changed by a delivery step (written whole: the lane is their only writer).
    #[serde(default)]
    pub delivery_updates: Vec<crate::domain::delivery::DeliveryTask>,
    /// Answers to the satisfaction survey.
    #[serde(default)]
    pub surveys: Vec<crate::domain::survey::SurveyAnswer>,
}

/// One lane commit: everything a lane did with a batch, applied atomically. The lane's own
/// bookkeeping (what it handled, the media it fetched, what it sends) and the records the
/// batch decided.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneCommit {
    pub contact: Option<ContactId>,
    /// Pending messages now handled.
    pub handled: Vec<Handled>,
    /// Synthetic inputs now handled (keys from `synthetic_for`).
    pub synthetic_handled: Vec<Vec<u8>>,
    pub last_inbound_at: Option<i64>,
    /// Media ids whose outcome is recorded.
    pub media: Vec<(String, MediaRecord)>,
    pub outbox: Vec<NewOutboxItem>,
    pub records: LaneRecords,
}

impl Store {
    /// Records one signed webhook body: the raw journal entry, a dead letter if parts were
    /// unreadable, each new message claimed (once, atomically) and queued for its sender's
    /// lane, and statuses merged. Not durable until [`Store::commit`].
    pub fn ingest(&self, body: &[u8], events: &[Event], problems: Vec<String>) -> Result<Ingested> {
        let i = &self.inner;
        let seq = i.db.generate_id()?;
        let received = now_ms();
        i.journal
            .insert(seq.to_be_bytes(), self.journal_value(received, body))?;
        if !problems.is_empty() {
            let letter = DeadLetter {
                journal_seq: seq,
                received_at_ms: received,
                reasons: problems,
            };
            i.dead_letters
                .insert(seq.to_be_bytes(), self.encode(&letter)?)?;
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
            // ahead of ours (a bad clock, a forged simulator webhook) is capped just past receipt,
            // and one without a usable time (missing, empty, zero, negative, a fraction) is
            // taken as received: read as 1970 it would be answered never.
            let mut message = (*m).clone();
            let received_s = received / 1000;
            message.timestamp = if message.timestamp <= 0 {
                received_s
            } else {
                message.timestamp.min(received_s + MAX_CLOCK_AHEAD_SECS)
            };
            let key = pending_key(contact, message.timestamp, seq, index as u32);
            let value = self.encode(&PendingValue {
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
                    i.alerts.insert(id.to_be_bytes(), self.encode(e)?)?;
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
                let old: Option<StoredStatus> = old.and_then(|b| match self.decode("status", b) {
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
                self.encode(&next).ok()
            })?;
        if let Some(reason) = decode_error {
            // A delivery status is derived (Meta sends the next one anyway); refusing the
            // webhook over it would hold every message in that body back. Replaced, loudly.
            tracing::error!(%reason, "replaced an unreadable status record");
        }
        match merged {
            Some(bytes) => self.decode("status", &bytes),
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
            .map(|b| self.decode("status", &b))
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
            let value: PendingValue = self.decode("pending message", &value)?;
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
            .map(|b| self.decode("contact", &b))
            .transpose()
    }

    pub fn processed(&self, wamid: &str) -> Result<Option<ProcessedRecord>> {
        self.inner
            .processed
            .get(wamid.as_bytes())?
            .map(|b| self.decode("processed", &b))
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
            .map(|v| self.decode("dead letter", &v?))
            .collect()
    }

    /// The raw journal, in arrival order: (sequence, received at ms, body).
    pub fn journal(&self) -> impl Iterator<Item = Result<(u64, i64, Vec<u8>)>> + '_ {
        self.inner.journal.iter().map(|item| {
            let (key, value) = item?;
            let (received, body) = self.journal_record(&value)?;
            Ok((u64_from_key(&key), received, body))
        })
    }

    /// A journal record as stored: the time of receipt and the body, sealed together.
    pub(super) fn journal_value(&self, received: i64, body: &[u8]) -> Vec<u8> {
        let mut record = Vec::with_capacity(body.len() + 8);
        record.extend_from_slice(&received.to_be_bytes());
        record.extend_from_slice(body);
        self.inner.sealer.seal(&record)
    }

    /// A journal record's time of receipt and body (see [`Store::journal_value`]).
    pub(super) fn journal_record(&self, stored: &[u8]) -> Result<(i64, Vec<u8>)> {
        let value = self.inner.sealer.open("journal", stored)?;
        if value.len() < 8 {
            return Err(StoreError::Corrupt {
                what: "journal",
                reason: "short record".into(),
            });
        }
        Ok((u64_from_key(&value[..8]) as i64, value[8..].to_vec()))
    }

    /// Applies a lane's work atomically: the whole decision is first written as one intent
    /// record (a single sled write is atomic), then applied, then the intent is removed.
    /// Applying is idempotent and leftover intents are re-applied at open, so after a crash
    /// the handled messages have left the queue together with their replies, or not at all.
    /// Returns the new outbox ids. (sled transactions would do this too, but they switch
    /// sled into a global-lock mode that made every webhook wait behind the flusher.)
    pub fn commit_lane(&self, commit: LaneCommit) -> Result<Vec<u64>> {
        let i = &self.inner;
        // The records applying changes are read first: one that does not decode fails the
        // commit here, before anything is written, instead of halfway through applying it.
        if let Some(contact) = commit.contact
            && commit.last_inbound_at.is_some()
        {
            self.contact(contact)?;
        }
        for handled in &commit.handled {
            self.processed(&handled.wamid)?;
        }
        let intent = Intent {
            id: i.db.generate_id()?,
            at_ms: now_ms(),
            outbox_ids: commit
                .outbox
                .iter()
                .map(|_| i.db.generate_id())
                .collect::<std::result::Result<_, _>>()?,
            commit,
        };
        i.intents
            .insert(intent.id.to_be_bytes(), self.encode(&intent)?)?;
        self.apply_intent(&intent)?;
        i.intents.remove(intent.id.to_be_bytes())?;
        Ok(intent.outbox_ids)
    }

    /// Re-applies intents left by a crash; called once at open, before any lane runs.
    pub(super) fn replay_intents(&self) -> Result<usize> {
        let mut n = 0;
        for item in self.inner.intents.iter() {
            let (key, value) = item?;
            let intent: Intent = self.decode("intent", &value)?;
            self.apply_intent(&intent)?;
            self.inner.intents.remove(key)?;
            n += 1;
        }
        Ok(n)
    }

    fn apply_intent(&self, intent: &Intent) -> Result<()> {
        let i = &self.inner;
        let commit = &intent.commit;
        let records = &commit.records;
        for (item, id) in commit.outbox.iter().zip(&intent.outbox_ids) {
            let key = id.to_be_bytes();
            if !i.outbox_done.contains_key(key)? {
                let item = item.clone().into_item(*id, intent.at_ms);
                i.outbox.insert(key, self.encode(&item)?)?;
            }
            if let Some(notice) = item.notice {
                self.note_notice_send(notice, *id)?;
            }
        }
        if let Some(contact) = commit.contact {
            if let Some(state) = &records.conversation {
                i.conversations.insert(contact.key(), self.encode(state)?)?;
            }
            if let Some(at) = commit.last_inbound_at {
                self.update(
                    &i.contacts,
                    "contact",
                    &contact.key(),
                    |c: Option<Contact>| {
                        c.map(|mut c| {
                            c.last_inbound_at = c.last_inbound_at.max(Some(at));
                            c
                        })
                    },
                )?;
            }
        }
        for (media_id, record) in &commit.media {
            i.media.insert(media_id.as_bytes(), self.encode(record)?)?;
        }
        for photo in &records.photos {
            i.photos
                .insert(photo.original_sha256.as_bytes(), self.encode(photo)?)?;
        }
        for request in &records.requests {
            self.put_request(request)?;
        }
        for change in &records.request_changes {
            self.change_request(change)?;
        }
        for task in &records.delivery_tasks {
            self.put_delivery_task(task)?;
        }
        for task in &records.delivery_updates {
            self.update_delivery_task(task)?;
        }
        for answer in &records.surveys {
            self.put_survey(answer)?;
        }
        if let Some(contact) = commit.contact {
            for (n, reason) in records.escalations.iter().enumerate() {
                // The id derives from the intent, so re-applying writes the same record.
                self.put_escalation(contact, reason, intent.at_ms, intent.id * 16 + n as u64)?;
            }
            if let Some(wake) = records.wake_at_ms {
                self.set_wakeup(contact, wake)?;
            }
        }
        if let Some(log) = &records.log {
            i.lane_log
                .insert(intent.id.to_be_bytes(), self.encode(log)?)?;
        }
        if let Some(contact) = commit.contact {
            for (n, line) in records.chat.iter().enumerate() {
                // Keyed by the intent, so re-applying writes the same lines.
                let mut key = contact.key().to_vec();
                key.extend_from_slice(&intent.id.to_be_bytes());
                key.extend_from_slice(&(n as u32).to_be_bytes());
                i.chat.insert(key, self.encode(line)?)?;
            }
        }
        for key in &commit.synthetic_handled {
            i.synthetic.remove(key.as_slice())?;
        }
        if let Some(contact) = commit.contact {
            // Kept first: a photo accepted and filed in one batch ends up held by the request.
            for sha in &records.keep_photos {
                i.kept_photos
                    .insert(super::keeper_key(sha, &draft_owner(contact)), &[])?;
            }
            for sha in &records.release_photos {
                i.kept_photos
                    .remove(super::keeper_key(sha, &draft_owner(contact)))?;
            }
        }
        for handled in &commit.handled {
            if let Some(contact) = commit.contact {
                // Counted per intent, so replaying an intent never counts twice.
                self.update(
                    &i.processed,
                    "processed",
                    handled.wamid.as_bytes(),
                    |old: Option<ProcessedRecord>| {
                        Some(match old {
                            Some(r) if r.intent == intent.id => r,
                            Some(r) => ProcessedRecord {
                                times: r.times + 1,
                                intent: intent.id,
                                processed_at_ms: intent.at_ms,
                                ..r
                            },
                            None => ProcessedRecord {
                                contact,
                                journal_seq: handled.journal_seq,
                                processed_at_ms: intent.at_ms,
                                times: 1,
                                intent: intent.id,
                            },
                        })
                    },
                )?;
            }
            // Processed is recorded before the queue entry goes, so a redelivery racing with
            // this lane always sees one of the two.
            i.pending.remove(handled.key.as_slice())?;
        }
        Ok(())
    }

    /// The contact's chat both ways, the newest `limit` lines, oldest first.
    pub fn recent_chat(
        &self,
        contact: ContactId,
        limit: usize,
    ) -> Result<Vec<crate::domain::message::ChatLine>> {
        let mut lines = Vec::new();
        for value in self
            .inner
            .chat
            .scan_prefix(contact.key())
            .values()
            .rev()
            .take(limit)
        {
            lines.push(self.decode("chat line", &value?)?);
        }
        lines.reverse();
        Ok(lines)
    }

    /// The recorded outcome of a media download.
    pub fn media_record(&self, media_id: &str) -> Result<Option<MediaRecord>> {
        self.inner
            .media
            .get(media_id.as_bytes())?
            .map(|v| self.decode("media record", &v))
            .transpose()
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

/// A parent's identity key as one business number knows it: `n:{number}:p:{wa_id}`. Messages
/// that name no number use the bare key, as every contact did before numbers were told apart.
fn scoped_alias(number: Option<&str>, bare: &str) -> String {
    match number {
        Some(number) => format!("n:{number}:{bare}"),
        None => bare.to_string(),
    }
}

impl Store {
    /// The contact who writes from this WhatsApp number (digits only, as Meta sends `wa_id`) to
    /// the office's business number `number` (its phone number ID; `None` for messages that
    /// name none).
    pub fn contact_by_phone(&self, number: Option<&str>, wa_id: &str) -> Result<Option<Contact>> {
        match self
            .inner
            .aliases
            .get(scoped_alias(number, &format!("p:{wa_id}")).as_bytes())?
        {
            Some(id) => self.contact(ContactId(u64_from_key(&id))),
            None => Ok(None),
        }
    }

    /// The contact a request filed at the counter belongs to: the parent who writes from this
    /// WhatsApp number to business number `number`, made if they never wrote; or, without a
    /// phone, a contact of its own that nothing can be sent to.
    pub fn contact_for_walk_in(
        &self,
        number: Option<&str>,
        wa_id: Option<&str>,
        now_ms: i64,
    ) -> Result<ContactId> {
        let i = &self.inner;
        let fresh = |wa_id: Option<&str>, id: ContactId| Contact {
            id,
            wa_id: wa_id.map(str::to_string),
            user_id: None,
            name: None,
            business_number: number.map(str::to_string),
            first_seen_ms: now_ms,
            last_inbound_at: None,
        };
        let Some(wa_id) = wa_id else {
            let id = ContactId(i.db.generate_id()? + 1);
            i.contacts
                .insert(id.key(), self.encode(&fresh(None, id))?)?;
            return Ok(id);
        };
        let bare = format!("p:{wa_id}");
        for key in [scoped_alias(number, &bare), bare.clone()] {
            if let Some(id) = i.aliases.get(key.as_bytes())? {
                return Ok(ContactId(u64_from_key(&id)));
            }
        }
        let id = ContactId(i.db.generate_id()? + 1);
        // The contact is written before its alias, so an alias never names a missing contact.
        i.contacts
            .insert(id.key(), self.encode(&fresh(Some(wa_id), id))?)?;
        match i.aliases.compare_and_swap(
            scoped_alias(number, &bare).as_bytes(),
            None as Option<&[u8]>,
            Some(&id.key()[..]),
        )? {
            Ok(()) => Ok(id),
            // The parent's first message arrived at this very moment: theirs it is.
            Err(taken) => {
                i.contacts.remove(id.key())?;
                Ok(ContactId(u64_from_key(&taken.current.unwrap_or_default())))
            }
        }
    }

    /// Finds the contact by BSUID or phone (either may be missing), learning new identifiers,
    /// or creates it. Aliases are claimed by compare-and-swap, so two first messages of a new
    /// parent arriving at once still make one contact.
    fn resolve_contact(&self, m: &InboundMessage, now: i64) -> Result<ContactId> {
        let i = &self.inner;
        let number = m.phone_number_id.as_deref();
        let bare: Vec<String> = [
            m.from.user_id.as_ref().map(|u| format!("u:{u}")),
            m.from.wa_id.as_ref().map(|p| format!("p:{p}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let keys: Vec<String> = bare.iter().map(|k| scoped_alias(number, k)).collect();
        let mut found = None;
        for key in &keys {
            if let Some(id) = i.aliases.get(key.as_bytes())? {
                found = Some(ContactId(u64_from_key(&id)));
                break;
            }
        }
        // A contact from before numbers were told apart (bare keys, no business number) is
        // adopted by the first number it writes to: its conversation and requests carry on.
        if found.is_none() && number.is_some() {
            for key in &bare {
                if let Some(id) = i.aliases.get(key.as_bytes())? {
                    let id = ContactId(u64_from_key(&id));
                    if self
                        .contact(id)?
                        .is_some_and(|c| c.business_number.is_none())
                    {
                        found = Some(id);
                        break;
                    }
                }
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
                self.decode("contact", b)
                    .map_err(|e| decode_error = Some(e))
                    .ok()
            });
            let mut contact = old.clone().unwrap_or(Contact {
                id,
                wa_id: None,
                user_id: None,
                name: None,
                business_number: None,
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
            if contact.business_number.is_none() {
                contact.business_number.clone_from(&m.phone_number_id);
            }
            self.encode(&contact).ok()
        })?;
        if let Some(e) = decode_error {
            // Rebuilt from this very message (identity, name; the window reopens with it), so
            // the parent is still answered; refusing would hold their messages back for good.
            tracing::error!(error = %e, "replaced an unreadable contact record");
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    #[tokio::test]
    async fn an_unreadable_contact_fails_the_commit_and_is_kept_never_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let contact = ContactId(7);
        store
            .inner
            .contacts
            .insert(contact.key(), &b"{not a contact"[..])
            .unwrap();
        let err = store
            .commit_lane(LaneCommit {
                contact: Some(contact),
                last_inbound_at: Some(1_764_000_000),
                ..LaneCommit::default()
            })
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Corrupt {
                    what: "contact",
                    ..
                }
            ),
            "{err}"
        );
        let kept = store.inner.contacts.get(contact.key()).unwrap().unwrap();
        assert_eq!(kept.as_ref(), b"{not a contact");
        assert!(
            store.inner.intents.len() == 0,
            "nothing half-applied is left"
        );
    }

    #[tokio::test]
    async fn a_lane_commit_reads_back_as_typed_records() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let contact = ContactId(9);
        let state = Conversation {
            greeted: true,
            ..Conversation::default()
        };
        let photo = PhotoRecord {
            original_sha256: "a".repeat(64),
            document: crate::domain::document::DocumentKind::new("kartu_keluarga"),
            verdict: Default::default(),
            stored_sha256: Some("b".repeat(64)),
            perceptual_hash: None,
            width: Some(1600),
            height: Some(1200),
        };
        store
            .commit_lane(LaneCommit {
                contact: Some(contact),
                media: vec![(
                    "media-1".into(),
                    MediaRecord::Unavailable {
                        reason: "expired".into(),
                        problem: Default::default(),
                    },
                )],
                records: LaneRecords {
                    conversation: Some(state.clone()),
                    escalations: vec![EscalationReason::Requested],
                    photos: vec![photo.clone()],
                    ..LaneRecords::default()
                },
                ..LaneCommit::default()
            })
            .unwrap();
        assert_eq!(store.conversation(contact).unwrap(), Some(state));
        assert_eq!(store.photo_record(&"a".repeat(64)).unwrap(), Some(photo));
        assert!(matches!(
            store.media_record("media-1").unwrap(),
            Some(MediaRecord::Unavailable { .. })
        ));
        let escalations = store.open_escalations().unwrap();
        assert_eq!(escalations[0].reason, EscalationReason::Requested);
    }

    #[tokio::test]
    async fn a_contact_is_kept_sealed_and_read_back_across_messages_not_replaced() {
        use crate::domain::event::{ContactRef, Event, InboundMessage, MessageKind};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let message = |wamid: &str, timestamp: i64| {
            Event::Message(InboundMessage {
                id: wamid.into(),
                from: ContactRef {
                    wa_id: Some("6281234567891".into()),
                    user_id: None,
                    name: Some("Ibu Kartini".into()),
                },
                timestamp,
                kind: MessageKind::Text {
                    body: "halo".into(),
                },
                context_id: None,
                forwarded: false,
                phone_number_id: Some("100000000000001".into()),
            })
        };
        let now = jiff::Timestamp::now().as_second();
        let id = store
            .ingest(b"{}", &[message("wamid.k1", now)], Vec::new())
            .unwrap()
            .claimed[0];
        let first = store.contact(id).unwrap().unwrap();
        store
            .ingest(b"{}", &[message("wamid.k2", now + 1)], Vec::new())
            .unwrap();
        let again = store.contact(id).unwrap().unwrap();
        // Read back, not rebuilt: it still knows when the parent first wrote.
        assert_eq!(again.first_seen_ms, first.first_seen_ms);
        assert_eq!(again.name.as_deref(), Some("Ibu Kartini"));
        let raw = store.inner.contacts.get(id.key()).unwrap().unwrap();
        assert!(!raw.windows(7).any(|w| w == b"Kartini"));
        let statuses = store
            .merge_status(
                "wamid.out.1",
                StoredStatus {
                    status: crate::domain::event::DeliveryStatus::Sent,
                    timestamp: now,
                    errors: Vec::new(),
                    outbox_id: Some(1),
                    recipient: Some("6281234567891".into()),
                },
            )
            .unwrap();
        assert_eq!(statuses.outbox_id, Some(1));
        let raw = store.inner.statuses.get(b"wamid.out.1").unwrap().unwrap();
        assert!(!raw.windows(13).any(|w| w == b"6281234567891"));
    }

    #[tokio::test]
    async fn a_parent_is_one_contact_per_business_number_and_older_contacts_carry_on() {
        use crate::domain::event::{ContactRef, Event, InboundMessage, MessageKind};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let message = |wamid: &str, number: Option<&str>| {
            Event::Message(InboundMessage {
                id: wamid.into(),
                from: ContactRef {
                    wa_id: Some("6281234567890".into()),
                    user_id: None,
                    name: None,
                },
                timestamp: 1_764_000_000,
                kind: MessageKind::Text {
                    body: "halo".into(),
                },
                context_id: None,
                forwarded: false,
                phone_number_id: number.map(str::to_string),
            })
        };
        let contact_of = |events: &[Event]| {
            let ingested = store.ingest(b"{}", events, Vec::new()).unwrap();
            ingested.claimed[0]
        };
        // Written before numbers were told apart: no number.
        let older = contact_of(&[message("wamid.a", None)]);
        // Its first message naming a number adopts it: the conversation carries on.
        let first = contact_of(&[message("wamid.b", Some("100000000000001"))]);
        assert_eq!(first, older);
        assert_eq!(
            store
                .contact(first)
                .unwrap()
                .unwrap()
                .business_number
                .as_deref(),
            Some("100000000000001")
        );
        // Another number is another conversation.
        let second = contact_of(&[message("wamid.c", Some("100000000000003"))]);
        assert_ne!(second, first);
        assert_eq!(
            store
                .contact_by_phone(Some("100000000000003"), "6281234567890")
                .unwrap()
                .map(|c| c.id),
            Some(second)
        );
        assert_eq!(
            contact_of(&[message("wamid.d", Some("100000000000001"))]),
            first
        );
    }
}
