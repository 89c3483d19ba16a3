//! One citizen's records, found and erased at their request (the use case is
//! `privacy::subject`): by their WhatsApp number or by a child's NIK.

use std::collections::{BTreeSet, HashSet};

use super::{
    Contact, ContactId, EscalationRecord, OutboxItem, OutboxRecord, Result, Store, StoreError,
    StoredRequest, u64_from_key,
};
use crate::domain::{account::AuditEntry, request::ERASED};

/// What erasing one contact removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ContactErased {
    pub chat_lines: usize,
    pub lane_log_entries: usize,
    pub journal_entries: usize,
    pub messages_forgotten: usize,
    pub outbox_records: usize,
    pub escalations: usize,
}

impl Store {
    /// Every contact that writes from this WhatsApp number, to any of the office's numbers.
    pub fn contacts_with_phone(&self, wa_id: &str) -> Result<Vec<Contact>> {
        let bare = format!("p:{wa_id}");
        let mut ids = BTreeSet::new();
        for item in self.inner.aliases.iter() {
            let (key, id) = item?;
            let key = String::from_utf8_lossy(&key);
            let scoped = key
                .strip_prefix("n:")
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, alias)| alias);
            if key == bare || scoped == Some(bare.as_str()) {
                ids.insert(u64_from_key(&id));
            }
        }
        let mut out = Vec::new();
        for id in ids {
            if let Some(contact) = self.contact(ContactId(id))? {
                out.push(contact);
            }
        }
        Ok(out)
    }

    /// Every request about the child with this NIK.
    pub fn requests_with_nik(&self, nik: &str) -> Result<Vec<StoredRequest>> {
        Ok(self
            .all_requests()?
            .into_iter()
            .filter(|r| r.nik.as_deref() == Some(nik))
            .collect())
    }

    /// The journal entries (sequence, received at ms, body) that carried messages of these
    /// contacts, oldest first.
    pub fn journal_entries_of(&self, contacts: &[ContactId]) -> Result<Vec<(u64, i64, Vec<u8>)>> {
        let wanted: HashSet<ContactId> = contacts.iter().copied().collect();
        let mut seqs = BTreeSet::new();
        for value in self.inner.processed.iter().values() {
            let record: super::ProcessedRecord = self.decode("processed", &value?)?;
            if wanted.contains(&record.contact) {
                seqs.insert(record.journal_seq);
            }
        }
        let mut out = Vec::new();
        for seq in seqs {
            if let Some(stored) = self.inner.journal.get(seq.to_be_bytes())? {
                let (received, body) = self.journal_record(&stored)?;
                out.push((seq, received, body));
            }
        }
        Ok(out)
    }

    /// Messages queued and sent to this number.
    pub fn outbox_to(&self, wa_id: &str) -> Result<(Vec<OutboxItem>, Vec<OutboxRecord>)> {
        let mut queued = Vec::new();
        for value in self.inner.outbox.iter().values() {
            let item: OutboxItem = self.decode("outbox item", &value?)?;
            if item.to == wa_id {
                queued.push(item);
            }
        }
        let mut done = Vec::new();
        for value in self.inner.outbox_done.iter().values() {
            let record: OutboxRecord = self.decode("outbox record", &value?)?;
            if record.item.to == wa_id {
                done.push(record);
            }
        }
        Ok((queued, done))
    }

    pub fn escalations_of(&self, contact: ContactId) -> Result<Vec<EscalationRecord>> {
        Ok(self
            .all_escalations()?
            .into_iter()
            .filter(|e| e.contact == contact)
            .collect())
    }

    /// Audit entries about these requests (who looked at or decided them).
    pub fn audit_of(&self, numbers: &[String]) -> Result<Vec<AuditEntry>> {
        let mut out = Vec::new();
        for entry in self.audit() {
            let (_, entry) = entry?;
            if entry.target.as_ref().is_some_and(|t| numbers.contains(t)) {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// Keeps of a request only what the office must (see `FiledRequest::erased`): its
    /// photos are deleted, its delivery task and survey comment lose their personal parts,
    /// and it no longer names the contact. Returns how many photo files were deleted.
    pub fn erase_request(&self, number: &str, at: jiff::Timestamp) -> Result<usize> {
        let i = &self.inner;
        let files = match self.request(number)? {
            None => return Ok(0),
            Some(request) if request.photos.is_empty() => 0,
            Some(_) => self.erase_request_photos(number, at)?,
        };
        // Read again: letting go of the photos rewrote it.
        let Some(mut request) = self.request(number)? else {
            return Ok(files);
        };
        if let Some(contact) = request.contact {
            let mut key = contact.key().to_vec();
            key.extend_from_slice(number.as_bytes());
            i.request_index.remove(key)?;
        }
        request.filed = request.filed.erased();
        request.nik = None;
        request.contact = None;
        request.summary.name = ERASED.into();
        request.photos_erased_at = request.photos_erased_at.or(Some(at));
        self.put_request(&request)?;
        if let Some(task) = self.delivery_task(number)? {
            self.update_delivery_task(&task.erased())?;
        }
        if let Some(mut survey) = self.survey(number)?
            && survey.comment.take().is_some()
        {
            i.surveys.insert(number.as_bytes(), self.encode(&survey)?)?;
        }
        Ok(files)
    }

    /// Removes a contact and everything of theirs that is not a request: conversation, chat,
    /// lane log, waiting inputs, escalations, the messages they sent (each journal entry is
    /// rewritten by `rewrite`, which returns the body without them, or `None` if it held
    /// nothing of theirs) and the content of messages to them. The contact record and its
    /// aliases go last, so an erasure cut short finds the contact again and can be re-run.
    pub fn erase_contact(
        &self,
        contact: &Contact,
        rewrite: impl Fn(&[u8]) -> std::result::Result<Option<Vec<u8>>, String>,
    ) -> Result<ContactErased> {
        let i = &self.inner;
        let id = contact.id;
        let mut done = ContactErased::default();
        // The messages they sent, in the journal and the processed and seen indexes.
        let mut wamids = Vec::new();
        let mut seqs = BTreeSet::new();
        for item in i.processed.iter() {
            let (wamid, value) = item?;
            let record: super::ProcessedRecord = self.decode("processed", &value)?;
            if record.contact == id {
                wamids.push(wamid.to_vec());
                seqs.insert(record.journal_seq);
            }
        }
        for seq in seqs {
            let Some(stored) = i.journal.get(seq.to_be_bytes())? else {
                continue;
            };
            let (received, body) = self.journal_record(&stored)?;
            let rest = rewrite(&body).map_err(|reason| StoreError::Corrupt {
                what: "journal",
                reason,
            })?;
            if let Some(rest) = rest {
                i.journal
                    .insert(seq.to_be_bytes(), self.journal_value(received, &rest))?;
                done.journal_entries += 1;
            }
        }
        for wamid in &wamids {
            i.processed.remove(wamid)?;
            i.seen.remove(wamid)?;
            done.messages_forgotten += 1;
        }
        for item in i.lane_log.iter() {
            let (key, value) = item?;
            let entry: super::LaneLogEntry = self.decode("lane log", &value)?;
            if entry.contact == id {
                i.lane_log.remove(key)?;
                done.lane_log_entries += 1;
            }
        }
        for key in i.chat.scan_prefix(id.key()).keys() {
            i.chat.remove(key?)?;
            done.chat_lines += 1;
        }
        for tree in [&i.pending, &i.synthetic, &i.request_index] {
            for key in tree.scan_prefix(id.key()).keys() {
                tree.remove(key?)?;
            }
        }
        i.wakeups.remove(id.key())?;
        i.conversations.remove(id.key())?;
        for escalation in self.escalations_of(id)? {
            i.escalations.remove(escalation.id.to_be_bytes())?;
            done.escalations += 1;
        }
        // Messages to them: queued ones are not sent, sent ones keep no content or number.
        if let Some(wa_id) = &contact.wa_id {
            for item in i.outbox.iter() {
                let (key, value) = item?;
                let queued: OutboxItem = self.decode("outbox item", &value)?;
                if queued.to == *wa_id {
                    i.outbox.remove(key)?;
                    done.outbox_records += 1;
                }
            }
            for item in i.outbox_done.iter() {
                let (key, value) = item?;
                let mut record: OutboxRecord = self.decode("outbox record", &value)?;
                if record.item.to != *wa_id {
                    continue;
                }
                if let super::OutboxOutcome::Sent { wamid: Some(wamid) } = &record.outcome {
                    i.statuses.remove(wamid.as_bytes())?;
                }
                record.item.payload = record.item.payload.without_content();
                record.item.to = ERASED.into();
                record.item.contact = None;
                record.payload_erased_at_ms = Some(super::now_ms());
                i.outbox_done.insert(key, self.encode(&record)?)?;
                done.outbox_records += 1;
            }
        }
        for item in i.aliases.iter() {
            let (key, value) = item?;
            if u64_from_key(&value) == id.0 {
                i.aliases.remove(key)?;
            }
        }
        i.contacts.remove(id.key())?;
        Ok(done)
    }
}
