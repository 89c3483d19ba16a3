//! Requests as officers see them: the review queue, and one request whole (its data, each
//! document with the exact photo version and what the checks found).

use jiff::Timestamp;
use serde::Serialize;

use super::{DeskError, Result};
use crate::domain::account::{AuditAction, Session};
use crate::domain::photo::PhotoVerdict;
use crate::domain::request::{Address, Delivery, RequestStatus};
use crate::domain::rupiah::Rupiah;
use crate::store::{Store, StoredRequest};

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub status: Option<RequestStatus>,
    pub service: Option<String>,
    /// Kemendagri code of the kecamatan of the KK address.
    pub kecamatan: Option<String>,
}

impl RequestFilter {
    fn admits(&self, r: &StoredRequest) -> bool {
        self.status.is_none_or(|s| r.summary.status == s)
            && self
                .service
                .as_deref()
                .is_none_or(|s| r.summary.service == s)
            && self.kecamatan.as_deref().is_none_or(|k| {
                r.filed
                    .address
                    .as_ref()
                    .is_some_and(|a| a.kecamatan_code == k)
            })
    }
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRow {
    pub number: String,
    pub service: String,
    pub status: RequestStatus,
    /// The subject's name (the child, the deceased).
    pub name: String,
    pub submitted_at: Timestamp,
    pub due_date: Option<jiff::civil::Date>,
    pub kecamatan: Option<String>,
}

/// The queue: oldest first, as officers work it.
pub fn list(store: &Store, filter: &RequestFilter) -> Result<Vec<RequestRow>> {
    let mut rows: Vec<(i64, RequestRow)> = store
        .all_requests()?
        .into_iter()
        .filter(|r| filter.admits(r))
        .map(|r| {
            (
                r.filed_at_ms,
                RequestRow {
                    number: r.summary.number.to_string(),
                    service: r.summary.service.clone(),
                    status: r.summary.status,
                    name: r.filed.subject.name.clone(),
                    submitted_at: r.filed.submitted_at,
                    due_date: r.filed.due_date,
                    kecamatan: r.filed.address.as_ref().map(|a| a.kecamatan.clone()),
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.number.cmp(&b.1.number)));
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

/// One document of a request: the photo version officers judge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentView {
    /// As in `DocumentKind::id` (`kartu_keluarga`).
    pub kind: String,
    /// The stored copy (upright, without metadata): the version a decision names.
    pub sha256: Option<String>,
    /// The file as the parent sent it (deleted once checked; its hash stays).
    pub original_sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub verdict: Option<PhotoVerdict>,
    /// What the checks warned about when the photo was taken.
    pub warnings: Vec<String>,
}

/// Who the request is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectView {
    pub name: String,
    /// Whole: officers enter it in the population register. Shown only to signed-in officers
    /// and every view is audited.
    pub nik: Option<String>,
    pub birth_date: Option<jiff::civil::Date>,
    pub sex: Option<&'static str>,
}

/// A change of status, who made it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub status: RequestStatus,
    pub at: Timestamp,
    pub by: String,
    pub note: Option<String>,
}

/// One request whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestView {
    pub number: String,
    pub service: String,
    pub kind: Option<String>,
    pub status: RequestStatus,
    pub subject: SubjectView,
    pub nomor_kk: Option<String>,
    pub delivery: Option<Delivery>,
    pub address: Option<Address>,
    pub fee: Rupiah,
    /// Every answer by step id (NIK and KK number masked; whole above).
    pub answers: std::collections::BTreeMap<String, String>,
    pub data_warnings: Vec<String>,
    pub documents: Vec<DocumentView>,
    pub submitted_at: Timestamp,
    pub consent_at: Timestamp,
    pub due_date: Option<jiff::civil::Date>,
    pub language: crate::domain::lang::Lang,
    pub history: Vec<HistoryEntry>,
}

/// One request, for an officer; the view is written to the audit log.
pub fn detail(store: &Store, who: &Session, number: &str, now: Timestamp) -> Result<RequestView> {
    let stored = store
        .request(number)?
        .ok_or(DeskError::NotFound("request"))?;
    let filed = &stored.filed;
    let mut documents = Vec::with_capacity(filed.documents.len());
    for d in &filed.documents {
        let record = store.photo_record(&d.media.sha256)?;
        documents.push(DocumentView {
            kind: d.kind.id().to_string(),
            sha256: record.as_ref().and_then(|r| r.stored_sha256.clone()),
            original_sha256: d.media.sha256.clone(),
            width: record.as_ref().and_then(|r| r.width),
            height: record.as_ref().and_then(|r| r.height),
            verdict: record.map(|r| r.verdict),
            warnings: d.warnings.iter().map(|f| f.code.clone()).collect(),
        });
    }
    super::audit(
        store,
        now,
        &who.username,
        AuditAction::RequestViewed,
        Some(number),
        None,
    )?;
    Ok(RequestView {
        number: stored.summary.number.to_string(),
        service: stored.summary.service.clone(),
        kind: filed.kind.clone(),
        status: stored.summary.status,
        subject: SubjectView {
            name: filed.subject.name.clone(),
            nik: filed.subject.nik.as_ref().map(|n| n.as_str().to_string()),
            birth_date: filed.subject.birth_date,
            sex: filed.subject.sex.map(|s| match s {
                crate::domain::nik::Sex::Male => "l",
                crate::domain::nik::Sex::Female => "p",
            }),
        },
        nomor_kk: filed.nomor_kk.as_ref().map(|k| k.as_str().to_string()),
        delivery: filed.delivery.clone(),
        address: filed.address.clone(),
        fee: filed.fee,
        answers: filed.answers.clone(),
        data_warnings: filed.data_warnings.clone(),
        documents,
        submitted_at: filed.submitted_at,
        consent_at: filed.consent_at,
        due_date: filed.due_date,
        language: filed.language,
        history: std::iter::once(HistoryEntry {
            status: RequestStatus::Diajukan,
            at: filed.submitted_at,
            by: "warga".into(),
            note: None,
        })
        .chain(stored.history.iter().map(|c| HistoryEntry {
            status: c.status,
            at: c.at,
            by: c.by.clone(),
            note: c.note.clone(),
        }))
        .collect(),
    })
}

/// A photo version the officer judged: a decision names them so that one taken on a photo the
/// parent has since replaced is refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SeenVersion {
    pub kind: String,
    pub sha256: String,
}

/// Where a decision went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Queued to the parent's lane, which records it and tells the parent.
    Queued(crate::domain::contact::ContactId),
    /// A request without a chat (filed at the office): recorded at once.
    Recorded,
}

/// An officer decides on a request. The decision takes the same durable path as a message:
/// it is queued to the parent's lane, which checks it again, records it and tells the parent.
pub fn decide(
    store: &Store,
    who: &Session,
    number: &str,
    decision: crate::domain::request::Decision,
    seen: &[SeenVersion],
    now: Timestamp,
) -> Result<Decided> {
    use crate::domain::request::{Decision, StatusChange};
    let stored = store
        .request(number)?
        .ok_or(DeskError::NotFound("request"))?;
    let current = stored.summary.status;
    if !decision.allowed_from(current) {
        return Err(DeskError::Conflict(format!(
            "request {number} is {}: it cannot be {} now",
            current.id(),
            decision.status().id()
        )));
    }
    if let Decision::Reject { reason } = &decision
        && reason.trim().is_empty()
    {
        return Err(DeskError::Invalid(
            "a rejection needs a reason for the parent".into(),
        ));
    }
    for version in seen {
        let now_there = stored
            .filed
            .documents
            .iter()
            .find(|d| d.kind.id() == version.kind)
            .ok_or_else(|| {
                DeskError::Invalid(format!("request {number} has no document {}", version.kind))
            })?;
        let current_copy = store
            .photo_record(&now_there.media.sha256)?
            .and_then(|r| r.stored_sha256)
            .unwrap_or_else(|| now_there.media.sha256.clone());
        if current_copy != version.sha256 && now_there.media.sha256 != version.sha256 {
            return Err(DeskError::Conflict(format!(
                "the photo of {} was replaced since it was judged: look at it again",
                version.kind
            )));
        }
    }
    if let Decision::Return { documents } = &decision {
        if documents.is_empty() {
            return Err(DeskError::Invalid(
                "name at least one document to send back, each with a reason".into(),
            ));
        }
        for returned in documents {
            if !stored
                .filed
                .documents
                .iter()
                .any(|d| d.kind == returned.kind)
            {
                return Err(DeskError::Invalid(format!(
                    "request {number} has no document {}",
                    returned.kind
                )));
            }
            if returned.reason.trim().is_empty() {
                return Err(DeskError::Invalid(format!(
                    "say why {} is sent back: the parent reads the reason",
                    returned.kind
                )));
            }
        }
    }
    let action = match &decision {
        Decision::Approve => AuditAction::RequestApproved,
        Decision::Return { .. } => AuditAction::DocumentsReturned,
        Decision::Reject { .. } => AuditAction::RequestRejected,
        Decision::Printed => AuditAction::RequestPrinted,
    };
    let detail = decision.reason().or_else(|| {
        (!seen.is_empty()).then(|| {
            seen.iter()
                .map(|v| format!("{}={}", v.kind, v.sha256))
                .collect::<Vec<_>>()
                .join(" ")
        })
    });
    let decided = match stored.contact {
        Some(contact) => {
            store.queue_synthetic(
                contact,
                crate::domain::event::SyntheticInput::Decided {
                    number: number.to_string(),
                    decision: decision.clone(),
                    by: who.username.clone(),
                    at: now,
                },
            )?;
            Decided::Queued(contact)
        }
        None => {
            store.change_request(&crate::store::RequestChange::status(
                number,
                StatusChange {
                    status: decision.status(),
                    at: now,
                    by: who.username.clone(),
                    note: decision.reason(),
                },
            ))?;
            Decided::Recorded
        }
    };
    super::audit(store, now, &who.username, action, Some(number), detail)?;
    Ok(decided)
}
