//! Supervisors' notices, and which outbox messages carry each (for its delivery counts).

use super::{Result, Store};
use crate::domain::event::DeliveryStatus;
use crate::domain::notice::{Notice, NoticeCounts};
use crate::store::OutboxOutcome;

impl Store {
    /// A fresh notice id.
    pub fn next_notice_id(&self) -> Result<u64> {
        Ok(self.inner.db.generate_id()? + 1)
    }

    pub fn put_notice(&self, notice: &Notice) -> Result<()> {
        self.inner
            .notices
            .insert(notice.id.to_be_bytes(), self.encode(notice)?)?;
        Ok(())
    }

    pub fn notice(&self, id: u64) -> Result<Option<Notice>> {
        self.inner
            .notices
            .get(id.to_be_bytes())?
            .map(|v| self.decode("notice", &v))
            .transpose()
    }

    /// Every notice, newest first.
    pub fn notices(&self) -> Result<Vec<Notice>> {
        self.inner
            .notices
            .iter()
            .rev()
            .map(|item| self.decode("notice", &item?.1))
            .collect()
    }

    /// Records that outbox message `outbox_id` carries notice `notice`.
    pub(super) fn note_notice_send(&self, notice: u64, outbox_id: u64) -> Result<()> {
        let mut key = notice.to_be_bytes().to_vec();
        key.extend_from_slice(&outbox_id.to_be_bytes());
        self.inner.notice_sends.insert(key, &[])?;
        Ok(())
    }

    /// How far the notice's messages got: from the outbox's outcome and, once sent, Meta's
    /// status callbacks.
    pub fn notice_counts(&self, notice: &Notice) -> Result<NoticeCounts> {
        let mut counts = NoticeCounts::default();
        let mut messages = 0;
        for key in self
            .inner
            .notice_sends
            .scan_prefix(notice.id.to_be_bytes())
            .keys()
        {
            let key = key?;
            let outbox_id = super::u64_from_key(&key[8..]);
            messages += 1;
            match self.outbox_record(outbox_id)? {
                None => counts.queued += 1,
                Some(record) => match record.outcome {
                    OutboxOutcome::Failed { .. } => counts.failed += 1,
                    OutboxOutcome::Sent { wamid } => {
                        let status = match wamid {
                            Some(wamid) => self.status(&wamid)?.map(|s| s.status),
                            None => None,
                        };
                        match status {
                            Some(DeliveryStatus::Failed) => counts.failed += 1,
                            Some(DeliveryStatus::Read | DeliveryStatus::Played) => counts.read += 1,
                            Some(DeliveryStatus::Delivered) => counts.delivered += 1,
                            _ => counts.sent += 1,
                        }
                    }
                },
            }
        }
        // Recipients whose lane has not run yet have no message at all.
        counts.queued += notice.recipients.len().saturating_sub(messages);
        Ok(counts)
    }
}
