//! The retention sweep: photos some days after their purpose ended, outbox contents once
//! delivered, the inbound log of quiet conversations, and files no record owns. Every purge is
//! counted in the audit log.

use jiff::{SignedDuration, Timestamp};

use super::Result;
use crate::{
    domain::{
        account::{AuditAction, AuditEntry},
        request::RequestStatus,
    },
    store::{Compacted, Store, StoredRequest},
};

/// How long loket keeps what (`LOKET_PHOTO_RETENTION_DAYS`, `LOKET_LOG_RETENTION_DAYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Days a request keeps its photos after the card was handed over, or the request was
    /// refused or cancelled.
    pub photo_days: u32,
    /// Days the inbound journal, lane log and chat of a quiet conversation, dead letters and
    /// the content of undelivered outbox records are kept.
    pub log_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            photo_days: 30,
            log_days: 90,
        }
    }
}

/// A file no record owns is deleted only after this long: an intake in progress or a file
/// just reused is younger.
pub const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What one sweep removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Requests whose photos were deleted, and how many files went with them.
    pub requests: Vec<String>,
    pub photo_files: usize,
    pub outbox_payloads: usize,
    pub log: Compacted,
    pub orphan_files: usize,
}

impl Swept {
    pub fn is_empty(&self) -> bool {
        *self == Swept::default()
    }

    /// The audit entry's detail: counts only, never a citizen's data.
    pub fn describe(&self) -> String {
        format!(
            "foto: {} berkas dari {} permohonan; isi pesan keluar: {}; log percakapan: {} \
             percakapan ({} entri, {} baris chat); jurnal masuk: {} entri; dead letter: {}; \
             berkas tanpa pemilik: {}",
            self.photo_files,
            self.requests.len(),
            self.outbox_payloads,
            self.log.conversations,
            self.log.lane_log_entries,
            self.log.chat_lines,
            self.log.journal_entries,
            self.log.dead_letters,
            self.orphan_files
        )
    }
}

/// When a request's photos stopped serving a purpose: the card handed over, or the request
/// refused or cancelled (`None` while it is still under way).
pub fn purpose_ended(request: &StoredRequest) -> Option<Timestamp> {
    let ended = matches!(
        request.summary.status,
        RequestStatus::Diterima | RequestStatus::Ditolak | RequestStatus::Dibatalkan
    );
    if !ended {
        return None;
    }
    let status = request.summary.status;
    request
        .history
        .iter()
        .rev()
        .find(|change| change.status == status)
        .map(|change| change.at)
        .or_else(|| Timestamp::from_millisecond(request.filed_at_ms).ok())
}

fn days(n: u32) -> SignedDuration {
    SignedDuration::from_hours(24 * i64::from(n))
}

/// Runs every retention rule once, as of `now`, and writes what it removed to the audit log.
/// Safe to run at any time and again: what is gone is not counted twice.
pub fn sweep(store: &Store, policy: &RetentionPolicy, now: Timestamp) -> Result<Swept> {
    let mut swept = Swept::default();
    let photo_cutoff = now - days(policy.photo_days);
    for request in store.requests_with_photos()? {
        let Some(ended) = purpose_ended(&request) else {
            continue;
        };
        if ended > photo_cutoff {
            continue;
        }
        let number = request.summary.number.to_string();
        let files = store.erase_request_photos(&number, now)?;
        store.append_audit(&AuditEntry {
            at: now,
            actor: "loket".into(),
            action: AuditAction::PhotosErased,
            target: Some(number.clone()),
            photo: None,
            detail: Some(format!(
                "{} foto dilepas, {files} berkas dihapus ({} hari setelah {})",
                request.photos.len(),
                policy.photo_days,
                request.summary.status.id()
            )),
        })?;
        swept.photo_files += files;
        swept.requests.push(number);
    }
    let log_cutoff = (now - days(policy.log_days)).as_millisecond();
    swept.outbox_payloads = store.erase_outbox_payloads(log_cutoff)?;
    swept.log = store.compact_inbound_log(log_cutoff)?;
    swept.orphan_files = store.sweep_orphan_photos(ORPHAN_GRACE)?;
    if !swept.is_empty() {
        store.append_audit(&AuditEntry {
            at: now,
            actor: "loket".into(),
            action: AuditAction::RetentionSweep,
            target: None,
            photo: None,
            detail: Some(swept.describe()),
        })?;
    }
    Ok(swept)
}
