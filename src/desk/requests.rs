//! Requests as officers see them: the review queue, and one request whole (its data, each
//! document with the exact photo version and what the checks found).

use jiff::{Timestamp, civil::Date};
use serde::Serialize;

use super::{DeskError, Result};
use crate::domain::account::{AuditAction, Session};
use crate::domain::photo::PhotoVerdict;
use crate::domain::request::{Address, Delivery, RequestStatus};
use crate::domain::rupiah::Rupiah;
use crate::store::{QueueCursor, QueueRow, Store, StoredRequest};

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub status: Option<RequestStatus>,
    pub service: Option<String>,
    /// Kemendagri code of the kecamatan of the KK address, or its name.
    pub kecamatan: Option<String>,
    /// Only open requests past their due date.
    pub overdue: bool,
}

impl RequestFilter {
    pub(crate) fn admits(&self, r: &QueueRow, today: Date) -> bool {
        self.service.as_deref().is_none_or(|s| r.service == s)
            && self.kecamatan.as_deref().is_none_or(|k| {
                r.kecamatan_code.as_deref() == Some(k)
                    || r.kecamatan
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(k))
            })
            && (!self.overdue || is_overdue(r.status, r.due_date, today))
    }
}

/// Open and past its due date.
pub fn is_overdue(status: RequestStatus, due: Option<Date>, today: Date) -> bool {
    status.is_open() && due.is_some_and(|d| d < today)
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RequestRow {
    pub number: String,
    pub service: String,
    pub status: RequestStatus,
    /// The subject's name (the child, the deceased).
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: Timestamp,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    pub kecamatan: Option<String>,
    pub kecamatan_code: Option<String>,
    pub overdue: bool,
}

/// A page of the queue, and where the next one starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RequestPage {
    pub requests: Vec<RequestRow>,
    pub next: Option<String>,
}

/// The most rows one page holds.
pub const MAX_PAGE: usize = 500;

/// The queue: oldest first, as officers work it, `limit` rows from after `after` (a `next`
/// of an earlier page).
pub fn list(
    store: &Store,
    filter: &RequestFilter,
    limit: usize,
    after: Option<&str>,
    today: Date,
) -> Result<RequestPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    let cursor = after.map(parse_cursor).transpose()?;
    let mut rows = Vec::with_capacity(limit);
    let mut next = None;
    for row in store.queue(filter.status, cursor.as_ref()) {
        let row = row?;
        if !filter.admits(&row, today) {
            continue;
        }
        if rows.len() == limit {
            next = rows.last().map(|last: &(QueueCursor, RequestRow)| {
                format!("{}-{}", last.0.filed_at_ms, last.0.number)
            });
            break;
        }
        let overdue = is_overdue(row.status, row.due_date, today);
        rows.push((
            row.cursor(),
            RequestRow {
                number: row.number,
                service: row.service,
                status: row.status,
                name: row.name,
                submitted_at: row.submitted_at,
                due_date: row.due_date,
                kecamatan: row.kecamatan,
                kecamatan_code: row.kecamatan_code,
                overdue,
            },
        ));
    }
    Ok(RequestPage {
        requests: rows.into_iter().map(|(_, row)| row).collect(),
        next,
    })
}

fn parse_cursor(text: &str) -> Result<QueueCursor> {
    text.split_once('-')
        .and_then(|(ms, number)| {
            Some(QueueCursor {
                filed_at_ms: ms.parse().ok()?,
                number: number.to_string(),
            })
        })
        .filter(|c| !c.number.is_empty())
        .ok_or_else(|| DeskError::Invalid(format!("{text:?} is not a page of this list")))
}

/// What the dashboard counts: requests per status, and the open ones past their due date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueCounts {
    pub by_status: Vec<(RequestStatus, usize)>,
    pub overdue: usize,
}

pub fn counts(store: &Store, today: Date) -> Result<QueueCounts> {
    Ok(QueueCounts {
        by_status: store.queue_counts()?,
        overdue: store.overdue_count(today)?,
    })
}

/// One document of a request: the photo version officers judge.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
    /// Other families' requests holding this very photo (a forwarded picture), for the
    /// officer to look at before approving. Siblings' requests (same KK, or the same parent)
    /// are not listed: they share a KK photo by right.
    pub also_in: Vec<String>,
}

/// Who the request is about.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SubjectView {
    pub name: String,
    /// Whole: officers enter it in the population register. Shown only to signed-in officers
    /// and every view is audited.
    pub nik: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<jiff::civil::Date>,
    pub sex: Option<&'static str>,
}

/// A change of status, who made it and when.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub status: RequestStatus,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub by: String,
    pub note: Option<String>,
}

/// One request whole.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub consent_at: Timestamp,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<jiff::civil::Date>,
    pub language: crate::domain::lang::Lang,
    pub history: Vec<HistoryEntry>,
    /// Filed at the counter, by whom (`None`: by the parent in the chat).
    pub walk_in: Option<crate::domain::walk_in::WalkInMark>,
    /// Whether the citizen can be told on WhatsApp.
    pub reachable: bool,
    /// When retention deleted the photos (their purpose ended); the record stays.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub photos_erased_at: Option<Timestamp>,
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
        let also_in = match record.as_ref().and_then(|r| r.stored_sha256.as_deref()) {
            Some(sha) => other_families_with(store, &stored, sha)?,
            None => Vec::new(),
        };
        documents.push(DocumentView {
            also_in,
            kind: d.kind.id().to_string(),
            sha256: record
                .as_ref()
                .and_then(|r| r.stored_sha256.clone())
                .filter(|_| stored.photos_erased_at.is_none()),
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
        walk_in: filed.walk_in.clone(),
        photos_erased_at: stored.photos_erased_at,
        reachable: match stored.contact {
            Some(contact) => store
                .contact(contact)?
                .is_some_and(|c| c.address().is_some()),
            None => false,
        },
        history: std::iter::once(HistoryEntry {
            status: RequestStatus::Diajukan,
            at: filed.submitted_at,
            by: filed
                .walk_in
                .as_ref()
                .map_or_else(|| "warga".into(), |w| w.by.clone()),
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

/// Requests of other families that keep the photo file `sha`.
fn other_families_with(store: &Store, this: &StoredRequest, sha: &str) -> Result<Vec<String>> {
    let number = this.summary.number.to_string();
    let mut out = Vec::new();
    for other in store.requests_keeping_photo(sha)? {
        if other == number {
            continue;
        }
        let Some(other_request) = store.request(&other)? else {
            continue;
        };
        let same_family = match (&this.filed.nomor_kk, &other_request.filed.nomor_kk) {
            (Some(a), Some(b)) => a == b,
            _ => this.contact.is_some() && this.contact == other_request.contact,
        };
        if !same_family {
            out.push(other);
        }
    }
    Ok(out)
}

/// A photo version the officer judged: a decision names them so that one taken on a photo the
/// parent has since replaced is refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
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
            if decision == Decision::Printed {
                store.put_delivery_task(&crate::domain::delivery::DeliveryTask::for_printed(
                    &stored.filed,
                    None,
                    None,
                    now,
                ))?;
            }
            Decided::Recorded
        }
    };
    super::audit(store, now, &who.username, action, Some(number), detail)?;
    Ok(decided)
}
