//! Filed requests and what the conversation leaves behind: request numbers, the open-NIK index,
//! escalations, wake-ups, checked photos, and the lane log that makes replay possible.

use serde::{Deserialize, Serialize};

use super::{ContactId, Result, Store, u64_from_key};
use crate::domain::escalation::EscalationReason;
use crate::domain::event::SyntheticInput;
use crate::domain::photo::{PhotoRecord, PhotoVerdict};
use crate::domain::request::{FiledRequest, RequestSummary, StatusChange};
use crate::flow::Conversation;

/// A request as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRequest {
    pub summary: RequestSummary,
    pub contact: Option<ContactId>,
    /// The child's full NIK, for the one-open-request-per-child index.
    pub nik: Option<String>,
    /// Everything the parent filed, for officers.
    pub filed: FiledRequest,
    pub filed_at_ms: i64,
    /// Hashes of the photo files (the stored copies) this request keeps: none of them is
    /// deleted while the request exists, whatever happens to other drafts that used the same
    /// picture (siblings share a KK).
    #[serde(default)]
    pub photos: Vec<String>,
    /// Every change of status after filing, oldest first.
    #[serde(default)]
    pub history: Vec<StatusChange>,
    /// When retention deleted the photos (the card handed over, or the request ended, some
    /// days before): the record stays, without its pictures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photos_erased_at: Option<jiff::Timestamp>,
}

/// A change of one request's status, decided in a lane (an officer's decision reaching the
/// parent's conversation) or by the desk directly for a request without a chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestChange {
    pub number: String,
    pub change: StatusChange,
    /// Photos the parent sent again: they replace the request's documents of their kinds.
    #[serde(default)]
    pub documents: Vec<crate::domain::request::FiledDocument>,
    /// Photo files (stored copies) the request now keeps, and the ones it no longer does.
    #[serde(default)]
    pub keep_photos: Vec<String>,
    #[serde(default)]
    pub release_photos: Vec<String>,
    /// A new due date (the file is complete again).
    #[serde(default)]
    pub due_date: Option<jiff::civil::Date>,
}

impl RequestChange {
    /// A change of status alone (an officer's decision), no photos replaced.
    pub fn status(number: &str, change: StatusChange) -> RequestChange {
        RequestChange {
            number: number.to_string(),
            change,
            documents: Vec::new(),
            keep_photos: Vec::new(),
            release_photos: Vec::new(),
            due_date: None,
        }
    }
}

impl StoredRequest {
    pub fn is_open(&self) -> bool {
        self.summary.status.is_open()
    }

    /// The NIK index's key: a keyed hash of `service:nik`, never the NIK itself.
    fn nik_key(&self, sealer: &super::seal::Sealer) -> Option<String> {
        self.nik
            .as_ref()
            .map(|nik| nik_index_key(sealer, &self.summary.service, nik.as_str()))
    }
}

fn nik_index_key(sealer: &super::seal::Sealer, service: &str, nik: &str) -> String {
    sealer.index_hash(&format!("{service}:{nik}"))
}

impl Store {
    /// Rebuilds the NIK index from the requests, once, when it still holds plain NIKs (a data
    /// folder from before keyed hashes). Returns the entries written.
    pub(super) fn hash_open_niks(&self) -> Result<usize> {
        let i = &self.inner;
        if i.meta.contains_key(b"open_niks:keyed")? {
            return Ok(0);
        }
        i.open_niks.clear()?;
        let mut written = 0;
        for value in i.requests.iter().values() {
            let request: StoredRequest = self.decode("request", &value?)?;
            if let Some(key) = request.nik_key(&i.sealer)
                && request.is_open()
            {
                i.open_niks.insert(
                    key.as_bytes(),
                    request.summary.number.to_string().as_bytes(),
                )?;
                written += 1;
            }
        }
        i.meta.insert(b"open_niks:keyed", &[])?;
        Ok(written)
    }
}

/// A conversation handed to officers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationRecord {
    pub id: u64,
    pub contact: ContactId,
    pub reason: EscalationReason,
    pub at_ms: i64,
    pub open: bool,
    /// The officer who owns it.
    #[serde(default)]
    pub claimed_by: Option<String>,
    #[serde(default)]
    pub claimed_at_ms: Option<i64>,
    /// When an officer first answered the parent.
    #[serde(default)]
    pub first_reply_at_ms: Option<i64>,
    /// When the conversation went back to the bot.
    #[serde(default)]
    pub closed_at_ms: Option<i64>,
    /// Officers' private notes, oldest first.
    #[serde(default)]
    pub notes: Vec<crate::domain::escalation::EscalationNote>,
}

/// One lane batch as it was decided: enough to replay it from the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaneLogEntry {
    pub contact: ContactId,
    /// The clock the conversation saw.
    pub now_ms: i64,
    /// Messages of the batch (their bodies are in the journal).
    pub wamids: Vec<String>,
    /// Inputs that are not messages (wake-ups, hand-backs).
    pub synthetic: Vec<SyntheticInput>,
    /// Photo verdicts fed back to the conversation, in order.
    pub verdicts: Vec<PhotoVerdict>,
    /// The request sequence the batch was given.
    pub next_sequence: u32,
    /// The conversation kept failing on this batch, so it went to an officer undecided.
    #[serde(default)]
    pub handed_over: bool,
    /// The content hash of the flows that decided it (see `FlowSet::version`); absent in
    /// entries written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flows_version: Option<String>,
}

impl Store {
    /// The next free number of the office-local `date` (`YYYY-MM-DD`).
    pub fn next_sequence(&self, date: &str) -> Result<u32> {
        let current = self
            .inner
            .sequences
            .get(date.as_bytes())?
            .map_or(0, |v| u64_from_key(&v) as u32);
        Ok(current + 1)
    }

    /// Takes `sequence` for `date` if nobody took it first (compare-and-swap).
    pub fn claim_sequence(&self, date: &str, sequence: u32) -> Result<bool> {
        let old = (sequence > 1).then(|| u64::from(sequence - 1).to_be_bytes());
        let new = u64::from(sequence).to_be_bytes();
        Ok(self
            .inner
            .sequences
            .compare_and_swap(
                date.as_bytes(),
                old.as_ref().map(|o| &o[..]),
                Some(&new[..]),
            )?
            .is_ok())
    }

    pub fn request(&self, number: &str) -> Result<Option<StoredRequest>> {
        self.inner
            .requests
            .get(number.as_bytes())?
            .map(|v| self.decode("request", &v))
            .transpose()
    }

    /// The contact's requests, newest first.
    pub fn requests_of(&self, contact: ContactId) -> Result<Vec<StoredRequest>> {
        let mut out = Vec::new();
        for key in self.inner.request_index.scan_prefix(contact.key()).keys() {
            let key = key?;
            let number = String::from_utf8_lossy(&key[8..]).to_string();
            if let Some(request) = self.request(&number)? {
                out.push(request);
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.filed_at_ms));
        Ok(out)
    }

    /// The open request of `service` for the child with this NIK, if any.
    pub fn open_request_for(&self, service: &str, nik: &str) -> Result<Option<String>> {
        let key = nik_index_key(&self.inner.sealer, service, nik);
        match self.inner.open_niks.get(key.as_bytes())? {
            Some(number) => {
                let number = String::from_utf8_lossy(&number).to_string();
                // The index is advisory; the request's own status decides.
                Ok(self
                    .request(&number)?
                    .filter(StoredRequest::is_open)
                    .map(|_| number))
            }
            None => Ok(None),
        }
    }

    pub fn all_requests(&self) -> Result<Vec<StoredRequest>> {
        self.inner
            .requests
            .iter()
            .values()
            .map(|v| self.decode("request", &v?))
            .collect()
    }

    /// Applies a change of status; applying the same change again changes nothing (a lane
    /// commit re-applied after a crash).
    pub fn change_request(&self, change: &RequestChange) -> Result<Option<StoredRequest>> {
        let Some(mut request) = self.request(&change.number)? else {
            return Ok(None);
        };
        if request.history.last() == Some(&change.change) {
            return Ok(Some(request));
        }
        let status = change.change.status;
        request.summary.status = status;
        request.filed.status = status;
        request.summary.note = change.change.note.clone();
        request.history.push(change.change.clone());
        for document in &change.documents {
            match request
                .filed
                .documents
                .iter_mut()
                .find(|d| d.kind == document.kind)
            {
                Some(old) => *old = document.clone(),
                None => request.filed.documents.push(document.clone()),
            }
        }
        if let Some(due) = change.due_date {
            request.filed.due_date = Some(due);
            request.summary.due_date = Some(due);
        }
        let number = request.summary.number.to_string();
        for sha in &change.release_photos {
            request.photos.retain(|p| p != sha);
            self.inner
                .kept_photos
                .remove(super::keeper_key(sha, &number))?;
        }
        for sha in &change.keep_photos {
            if !request.photos.contains(sha) {
                request.photos.push(sha.clone());
            }
        }
        self.put_request(&request)?;
        Ok(Some(request))
    }

    pub(super) fn put_request(&self, request: &StoredRequest) -> Result<()> {
        let i = &self.inner;
        let number = request.summary.number.to_string();
        // The index first: after a crash between the two, re-applying finds the request as it
        // was and moves its index entries again, so none is left behind.
        let previous = self.request(&number)?;
        self.index_request(request, previous.as_ref())?;
        i.requests
            .insert(number.as_bytes(), self.encode(request)?)?;
        if let Some(contact) = request.contact {
            let mut key = contact.key().to_vec();
            key.extend_from_slice(number.as_bytes());
            i.request_index.insert(key, &[])?;
        }
        for sha in &request.photos {
            i.kept_photos.insert(super::keeper_key(sha, &number), &[])?;
        }
        if let Some(nik_key) = request.nik_key(&i.sealer) {
            if request.is_open() {
                i.open_niks.insert(nik_key.as_bytes(), number.as_bytes())?;
            } else {
                i.open_niks
                    .compare_and_swap(
                        nik_key.as_bytes(),
                        Some(number.as_bytes()),
                        None as Option<&[u8]>,
                    )?
                    .ok();
            }
        }
        Ok(())
    }

    /// Deletes a photo file whose purpose has ended, unless a filed request or another
    /// family's draft keeps it. Returns whether a file was deleted.
    pub fn forget_photo_file(&self, sha: &str) -> Result<bool> {
        if self
            .inner
            .kept_photos
            .scan_prefix(sha.as_bytes())
            .next()
            .transpose()?
            .is_some()
        {
            return Ok(false);
        }
        self.inner.blobs.remove(sha)
    }

    /// The filed requests that keep this photo file (drafts are not counted).
    pub fn requests_keeping_photo(&self, sha: &str) -> Result<Vec<String>> {
        let mut numbers = Vec::new();
        for key in self.inner.kept_photos.scan_prefix(sha.as_bytes()).keys() {
            let key = key?;
            let owner = String::from_utf8_lossy(&key[sha.len()..]).to_string();
            if !owner.starts_with("draft:") {
                numbers.push(owner);
            }
        }
        Ok(numbers)
    }

    /// Open escalations, oldest first (the officers' queue).
    pub fn open_escalations(&self) -> Result<Vec<EscalationRecord>> {
        let mut out = Vec::new();
        for value in self.inner.escalations.iter().values() {
            let record: EscalationRecord = self.decode("escalation", &value?)?;
            if record.open {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Closes the contact's open escalations (the officer hands the conversation back).
    pub fn close_escalations(&self, contact: ContactId, at_ms: i64) -> Result<usize> {
        let mut closed = 0;
        for item in self.inner.escalations.iter() {
            let (key, value) = item?;
            let mut record: EscalationRecord = self.decode("escalation", &value)?;
            if record.open && record.contact == contact {
                record.open = false;
                record.closed_at_ms = Some(at_ms);
                self.inner.escalations.insert(key, self.encode(&record)?)?;
                closed += 1;
            }
        }
        Ok(closed)
    }

    /// Queues an input that is not a message (a wake-up, a hand-back) for the contact's lane.
    pub fn queue_synthetic(&self, contact: ContactId, input: SyntheticInput) -> Result<()> {
        let mut key = contact.key().to_vec();
        key.extend_from_slice(&self.inner.db.generate_id()?.to_be_bytes());
        self.inner.synthetic.insert(key, self.encode(&input)?)?;
        Ok(())
    }

    /// The contact's queued synthetic inputs: (key, input).
    pub fn synthetic_for(&self, contact: ContactId) -> Result<Vec<(Vec<u8>, SyntheticInput)>> {
        let mut out = Vec::new();
        for item in self.inner.synthetic.scan_prefix(contact.key()) {
            let (key, value) = item?;
            out.push((key.to_vec(), self.decode("synthetic input", &value)?));
        }
        Ok(out)
    }

    /// Whether a delivery step with this id waits in the contact's queue.
    pub fn synthetic_queued(&self, contact: ContactId, id: &str) -> Result<bool> {
        Ok(self.synthetic_for(contact)?.iter().any(|(_, input)| {
            matches!(input, SyntheticInput::Delivery { id: queued, .. } if queued == id)
        }))
    }

    pub fn contacts_with_synthetic(&self) -> Result<Vec<ContactId>> {
        let mut out: Vec<ContactId> = Vec::new();
        for key in self.inner.synthetic.iter().keys() {
            let id = ContactId(u64_from_key(&key?));
            if out.last() != Some(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Wake-ups due at `now_ms` or earlier: (contact, due at).
    pub fn due_wakeups(&self, now_ms: i64) -> Result<Vec<(ContactId, i64)>> {
        let mut out = Vec::new();
        for item in self.inner.wakeups.iter() {
            let (key, value) = item?;
            let at = u64_from_key(&value) as i64;
            if at <= now_ms {
                out.push((ContactId(u64_from_key(&key)), at));
            }
        }
        Ok(out)
    }

    /// Turns a due wake-up into a queued `Tick`, unless it was rescheduled meanwhile.
    pub fn fire_wakeup(&self, contact: ContactId, at_ms: i64) -> Result<bool> {
        let at = (at_ms as u64).to_be_bytes();
        let removed = self.inner.wakeups.compare_and_swap(
            contact.key(),
            Some(&at[..]),
            None as Option<&[u8]>,
        )?;
        if removed.is_err() {
            return Ok(false);
        }
        self.queue_synthetic(contact, SyntheticInput::Tick)?;
        Ok(true)
    }

    /// The recorded check of a photo, by the hash of the photo as received.
    pub fn photo_record(&self, original_sha256: &str) -> Result<Option<PhotoRecord>> {
        self.inner
            .photos
            .get(original_sha256.as_bytes())?
            .map(|v| self.decode("photo record", &v))
            .transpose()
    }

    /// Lane log entries in order (for replay).
    pub fn lane_log(&self) -> impl Iterator<Item = Result<(u64, LaneLogEntry)>> + '_ {
        self.inner.lane_log.iter().map(|item| {
            let (key, value) = item?;
            Ok((u64_from_key(&key), self.decode("lane log", &value)?))
        })
    }

    /// The journal body a message came in, by its wamid.
    pub fn journal_body_of(&self, wamid: &str) -> Result<Option<Vec<u8>>> {
        let Some(record) = self.processed(wamid)? else {
            return Ok(None);
        };
        let seq = record.journal_seq.to_be_bytes();
        match self.inner.journal.get(seq)? {
            Some(value) => Ok(Some(self.journal_record(&value)?.1)),
            None => Ok(None),
        }
    }

    /// Replaces a conversation state (used by `loket replay --write`).
    pub fn put_conversation(&self, contact: ContactId, state: &Conversation) -> Result<()> {
        self.inner
            .conversations
            .insert(contact.key(), self.encode(state)?)?;
        Ok(())
    }

    pub fn conversations(&self) -> Result<Vec<(ContactId, Conversation)>> {
        self.inner
            .conversations
            .iter()
            .map(|item| {
                let (k, v) = item?;
                Ok((
                    ContactId(u64_from_key(&k)),
                    self.decode("conversation", &v)?,
                ))
            })
            .collect()
    }

    pub(super) fn put_escalation(
        &self,
        contact: ContactId,
        reason: &EscalationReason,
        at_ms: i64,
        id: u64,
    ) -> Result<()> {
        let record = EscalationRecord {
            id,
            contact,
            reason: reason.clone(),
            at_ms,
            open: true,
            claimed_by: None,
            claimed_at_ms: None,
            first_reply_at_ms: None,
            closed_at_ms: None,
            notes: Vec::new(),
        };
        // Re-applying a lane commit must not undo a claim made since.
        let _ = self.inner.escalations.compare_and_swap(
            id.to_be_bytes(),
            None as Option<&[u8]>,
            Some(self.encode(&record)?),
        )?;
        Ok(())
    }

    pub fn escalation(&self, id: u64) -> Result<Option<EscalationRecord>> {
        match self.inner.escalations.get(id.to_be_bytes())? {
            Some(bytes) => self.decode("escalation", &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Gives an open escalation to `officer` unless another officer has it (atomic: of two
    /// claims at once, one wins). Returns the record as it now is.
    pub fn claim_escalation(
        &self,
        id: u64,
        officer: &str,
        at_ms: i64,
    ) -> Result<Option<EscalationRecord>> {
        self.update_escalation(id, |record| {
            if record.open && record.claimed_by.is_none() {
                record.claimed_by = Some(officer.to_string());
                record.claimed_at_ms = Some(at_ms);
            }
        })
    }

    /// Changes one escalation record in place (atomically; `change` may run more than once).
    fn update_escalation(
        &self,
        id: u64,
        change: impl Fn(&mut EscalationRecord),
    ) -> Result<Option<EscalationRecord>> {
        self.update(
            &self.inner.escalations,
            "escalation",
            &id.to_be_bytes(),
            |old: Option<EscalationRecord>| {
                old.map(|mut record| {
                    change(&mut record);
                    record
                })
            },
        )
    }

    /// Every escalation, open or closed, oldest first (for the daily report).
    pub fn all_escalations(&self) -> Result<Vec<EscalationRecord>> {
        self.inner
            .escalations
            .iter()
            .values()
            .map(|v| self.decode("escalation", &v?))
            .collect()
    }

    /// Gives a claimed escalation back to the queue if `owner` still has it and has not
    /// answered (a claim that timed out). Returns whether it was released.
    pub fn release_escalation(&self, id: u64, owner: &str) -> Result<bool> {
        // The closure may run more than once (compare-and-swap retries): the last run counts.
        let released = std::cell::Cell::new(false);
        self.update_escalation(id, |record| {
            let stale = record.open
                && record.first_reply_at_ms.is_none()
                && record.claimed_by.as_deref() == Some(owner);
            released.set(stale);
            if stale {
                record.claimed_by = None;
                record.claimed_at_ms = None;
            }
        })?;
        Ok(released.get())
    }

    /// Adds an officer's private note.
    pub fn add_escalation_note(
        &self,
        id: u64,
        note: crate::domain::escalation::EscalationNote,
    ) -> Result<Option<EscalationRecord>> {
        self.update_escalation(id, |record| {
            if !record.notes.contains(&note) {
                record.notes.push(note.clone());
            }
        })
    }

    /// Notes that an officer answered the parent (the first time counts for the figures).
    pub fn note_escalation_reply(&self, id: u64, at_ms: i64) -> Result<()> {
        self.update_escalation(id, |record| {
            record.first_reply_at_ms.get_or_insert(at_ms);
        })?;
        Ok(())
    }

    pub(super) fn set_wakeup(&self, contact: ContactId, at_ms: Option<i64>) -> Result<()> {
        match at_ms {
            Some(at) => self
                .inner
                .wakeups
                .insert(contact.key(), &(at.max(0) as u64).to_be_bytes())?,
            None => self.inner.wakeups.remove(contact.key())?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::request::{RequestNumber, RequestStatus};
    use crate::store::StoreOptions;

    #[tokio::test]
    async fn a_status_change_is_applied_once_and_a_rejection_frees_the_nik() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let filed = crate::domain::request::tests::sample_filed_request();
        let number = filed.number.to_string();
        store
            .put_request(&StoredRequest {
                summary: filed.summary(),
                contact: None,
                nik: Some("6371051203190001".into()),
                filed,
                filed_at_ms: 0,
                photos: Vec::new(),
                history: Vec::new(),
                photos_erased_at: None,
            })
            .unwrap();
        assert!(
            store
                .open_request_for("kia", "6371051203190001")
                .unwrap()
                .is_some()
        );
        let change = RequestChange::status(
            &number,
            StatusChange {
                status: RequestStatus::Ditolak,
                at: jiff::Timestamp::UNIX_EPOCH,
                by: "siti".into(),
                note: Some("Bukan warga kota ini.".into()),
            },
        );
        store.change_request(&change).unwrap();
        // Re-applied after a crash: nothing more.
        let request = store.change_request(&change).unwrap().unwrap();
        assert_eq!(request.history.len(), 1);
        assert_eq!(request.summary.status, RequestStatus::Ditolak);
        assert_eq!(
            request.summary.note.as_deref(),
            Some("Bukan warga kota ini.")
        );
        assert!(
            store
                .open_request_for("kia", "6371051203190001")
                .unwrap()
                .is_none(),
            "a rejected request no longer blocks a new one for the child"
        );
    }

    #[tokio::test]
    async fn a_photo_file_a_filed_request_keeps_is_not_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let kept = store.blobs().put(b"the family card, stored copy").unwrap();
        let loose = store.blobs().put(b"a photo nobody filed").unwrap();
        let date = jiff::civil::date(2026, 11, 23);
        store
            .put_request(&StoredRequest {
                summary: RequestSummary {
                    number: RequestNumber::new("KIA", "6371", date, 1),
                    service: "kia".into(),
                    name: "Budi".into(),
                    status: RequestStatus::Diajukan,
                    due_date: None,
                    note: None,
                },
                contact: None,
                nik: None,
                filed: crate::domain::request::tests::sample_filed_request(),
                filed_at_ms: 0,
                photos: vec![kept.clone()],
                history: Vec::new(),
                photos_erased_at: None,
            })
            .unwrap();
        assert!(!store.forget_photo_file(&kept).unwrap());
        assert!(store.blobs().get(&kept).unwrap().is_some());
        assert!(store.forget_photo_file(&loose).unwrap());
        assert!(store.blobs().get(&loose).unwrap().is_none());
    }

    #[tokio::test]
    async fn a_photo_file_two_families_drafts_hold_goes_only_when_both_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let shared = store
            .blobs()
            .put(b"one picture, forwarded to two families")
            .unwrap();
        let hold = |contact: u64, keep: bool| crate::store::LaneCommit {
            contact: Some(ContactId(contact)),
            records: crate::store::LaneRecords {
                keep_photos: if keep { vec![shared.clone()] } else { vec![] },
                release_photos: if keep { vec![] } else { vec![shared.clone()] },
                ..Default::default()
            },
            ..crate::store::LaneCommit::default()
        };
        store.commit_lane(hold(1, true)).unwrap();
        store.commit_lane(hold(2, true)).unwrap();
        store.commit_lane(hold(2, false)).unwrap();
        assert!(
            !store.forget_photo_file(&shared).unwrap(),
            "family 1 still holds it"
        );
        store.commit_lane(hold(1, false)).unwrap();
        assert!(store.forget_photo_file(&shared).unwrap());
    }
}
