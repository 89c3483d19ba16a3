//! What retention removes, record by record: the store's side of the periodic sweep
//! (`privacy::retention` decides when).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{ContactId, OutboxRecord, Result, Store, StoredRequest, u64_from_key};
use crate::domain::event::DeliveryStatus;

/// What one compaction of the inbound log removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    /// Conversations quiet since before the horizon whose log went.
    pub conversations: usize,
    pub lane_log_entries: usize,
    pub chat_lines: usize,
    pub journal_entries: usize,
    pub dead_letters: usize,
}

impl Store {
    /// Requests that still keep photo files (the sweep picks the ones whose purpose ended).
    pub fn requests_with_photos(&self) -> Result<Vec<StoredRequest>> {
        let mut out = Vec::new();
        for value in self.inner.requests.iter().values() {
            let request: StoredRequest = self.decode("request", &value?)?;
            if !request.photos.is_empty() {
                out.push(request);
            }
        }
        Ok(out)
    }

    /// The request lets go of its photo files and notes when; each file is deleted unless
    /// another request or a draft still keeps it. Returns how many files were deleted.
    pub fn erase_request_photos(&self, number: &str, at: jiff::Timestamp) -> Result<usize> {
        let i = &self.inner;
        let Some(mut request) = self.request(number)? else {
            return Ok(0);
        };
        let photos = std::mem::take(&mut request.photos);
        request.photos_erased_at = Some(at);
        i.requests
            .insert(number.as_bytes(), self.encode(&request)?)?;
        let mut deleted = 0;
        for sha in &photos {
            i.kept_photos.remove(super::keeper_key(sha, number))?;
            deleted += usize::from(self.forget_photo_file(sha)?);
        }
        Ok(deleted)
    }

    /// Empties the content of finished outbox records (texts, template parameters, captions):
    /// of a sent message once WhatsApp reported it delivered or read, and of every record
    /// finished before `finished_before_ms`. What, to whom and how it ended stays.
    pub fn erase_outbox_payloads(&self, finished_before_ms: i64) -> Result<usize> {
        let i = &self.inner;
        let mut erased = 0;
        for item in i.outbox_done.iter() {
            let (key, value) = item?;
            let mut record: OutboxRecord = self.decode("outbox record", &value)?;
            if record.payload_erased_at_ms.is_some() {
                continue;
            }
            let delivered = match &record.outcome {
                super::OutboxOutcome::Sent { wamid: Some(wamid) } => {
                    self.status(wamid)?.is_some_and(|s| {
                        matches!(
                            s.status,
                            DeliveryStatus::Delivered
                                | DeliveryStatus::Read
                                | DeliveryStatus::Played
                        )
                    })
                }
                _ => false,
            };
            if !delivered && record.finished_at_ms >= finished_before_ms {
                continue;
            }
            record.item.payload = record.item.payload.without_content();
            record.payload_erased_at_ms = Some(super::now_ms());
            i.outbox_done.insert(key, self.encode(&record)?)?;
            erased += 1;
        }
        Ok(erased)
    }

    /// Removes the inbound log of conversations quiet since before `horizon_ms`: their lane
    /// log entries and chat lines, then every journal entry received before the horizon whose
    /// messages all belong to such conversations (entries carrying only statuses or unreadable
    /// parts go too), and dead letters received before it. A conversation still active keeps
    /// its whole log, so `loket replay` rebuilds it from its first message.
    pub fn compact_inbound_log(&self, horizon_ms: i64) -> Result<Compacted> {
        let i = &self.inner;
        let mut done = Compacted::default();
        // Each conversation's last batch, and its entries.
        let mut last: HashMap<ContactId, i64> = HashMap::new();
        let mut entries: HashMap<ContactId, Vec<Vec<u8>>> = HashMap::new();
        for item in i.lane_log.iter() {
            let (key, value) = item?;
            let entry: super::LaneLogEntry = self.decode("lane log", &value)?;
            let at = last.entry(entry.contact).or_insert(entry.now_ms);
            *at = (*at).max(entry.now_ms);
            entries.entry(entry.contact).or_default().push(key.to_vec());
        }
        let active: HashSet<ContactId> = last
            .iter()
            .filter(|(_, at)| **at >= horizon_ms)
            .map(|(contact, _)| *contact)
            .collect();
        for (contact, keys) in &entries {
            if active.contains(contact) {
                continue;
            }
            done.conversations += 1;
            for key in keys {
                i.lane_log.remove(key.as_slice())?;
                done.lane_log_entries += 1;
            }
            for key in i.chat.scan_prefix(contact.key()).keys() {
                i.chat.remove(key?)?;
                done.chat_lines += 1;
            }
        }
        // Journal entries received before the horizon (arrival order: stop at the first after).
        let mut old: BTreeSet<u64> = BTreeSet::new();
        for item in i.journal.iter() {
            let (key, value) = item?;
            let (received, _) = self.journal_record(&value)?;
            if received >= horizon_ms {
                break;
            }
            old.insert(u64_from_key(&key));
        }
        if !old.is_empty() {
            // An old entry stays while one of its messages is waiting for its lane, or belongs
            // to a conversation that is still active.
            let mut keep: BTreeSet<u64> = BTreeSet::new();
            for item in i.seen.iter() {
                let (wamid, seq) = item?;
                let seq = u64_from_key(&seq);
                if !old.contains(&seq) || keep.contains(&seq) {
                    continue;
                }
                let wamid = String::from_utf8_lossy(&wamid);
                match self.processed(&wamid)? {
                    Some(record) if !active.contains(&record.contact) => {}
                    _ => {
                        keep.insert(seq);
                    }
                }
            }
            for seq in old.difference(&keep) {
                i.journal.remove(seq.to_be_bytes())?;
                done.journal_entries += 1;
            }
        }
        for item in i.dead_letters.iter() {
            let (key, value) = item?;
            let letter: super::DeadLetter = self.decode("dead letter", &value)?;
            if letter.received_at_ms < horizon_ms {
                i.dead_letters.remove(key)?;
                done.dead_letters += 1;
            }
        }
        Ok(done)
    }

    /// Deletes photo files no record keeps and no lane is working with, last written more than
    /// `grace` ago (left by a crash between a commit and a deletion, or by an interrupted
    /// intake). Returns how many files were deleted.
    pub fn sweep_orphan_photos(&self, grace: std::time::Duration) -> Result<usize> {
        let mut kept = HashSet::new();
        for key in self.inner.kept_photos.iter().keys() {
            let key = key?;
            if let Some(sha) = key.get(..64) {
                kept.insert(String::from_utf8_lossy(sha).to_ascii_lowercase());
            }
        }
        self.inner.blobs.remove_unowned(&kept, grace)
    }
}
