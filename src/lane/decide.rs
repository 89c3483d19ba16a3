//! The engine over one batch: the inputs, then the verdicts of the photos they asked to
//! check; and the effects turned into the lane's records and replies. The same code decides
//! live and during replay; only where photo verdicts come from differs.

use std::sync::Arc;

use jiff::Timestamp;

use super::{
    batch::{Arrival, Batch, Conversations, Decision},
    inputs::{input_of, synthetic_input},
    photos::{LiveVerdicts, Verdicts},
};
use crate::{
    channel::{graph, media::MediaRecord},
    domain::{
        delivery::{ActionContext, DeliveryAction, DeliveryNotice, DeliveryTask, HandOverCode},
        document::DocumentKind,
        event::SyntheticInput,
        nik::Nik,
        photo::{PhotoRecord, PhotoVerdict},
        request::{self, RequestNumber, RequestStatus, RequestSummary, StatusChange},
    },
    flow::{self, Context, Conversation, Effect, FlowSet, Input, MediaRef, OpenRequests},
    store::{LaneLogEntry, LaneRecords, RequestChange, Store, StoredRequest},
    validate::PhotoPolicy,
};

/// The flow engine wired to the store and the photo checks.
pub struct FlowConversations {
    pub flows: Arc<FlowSet>,
    pub policy: PhotoPolicy,
}

impl FlowConversations {
    pub fn new(flows: Arc<FlowSet>) -> FlowConversations {
        let policy = photo_policy(&flows);
        FlowConversations { flows, policy }
    }
}

/// The photo checks as the office's flows set them (the pas foto backdrop rule).
pub fn photo_policy(flows: &FlowSet) -> PhotoPolicy {
    PhotoPolicy {
        background: flows.settings.pas_foto_background,
        ..PhotoPolicy::default()
    }
}

/// The store's index of open requests, for the engine's one-request-per-child rule.
pub struct StoreOpenRequests<'a>(pub &'a Store);

impl OpenRequests for StoreOpenRequests<'_> {
    fn open_request(&self, service: &str, nik: &Nik) -> Option<RequestNumber> {
        match self.0.open_request_for(service, nik.as_str()) {
            Ok(number) => number.and_then(|n| n.parse().ok()),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the open-request index");
                None
            }
        }
    }
}

/// One decided batch: the engine's effects plus what was recorded to explain them.
pub struct Decided {
    pub state: Conversation,
    pub effects: Vec<Effect>,
    pub verdicts: Vec<PhotoVerdict>,
    pub photos: Vec<PhotoRecord>,
}

/// Steps the engine through one batch: the inputs, then the verdicts of the photos they asked
/// to check, so several photos get one combined reply.
pub fn decide_batch(
    flows: &FlowSet,
    state: Conversation,
    inputs: Vec<Input>,
    ctx: &Context,
    verdicts: &mut dyn Verdicts,
) -> Decided {
    let (mut state, mut effects) = if inputs.is_empty() {
        (state, Vec::new())
    } else {
        flow::step_batch(flows, state, inputs, ctx)
    };
    let mut recorded = Vec::new();
    let mut photos = Vec::new();
    // A verdict can in principle ask for another check; bounded so a flow bug cannot loop.
    for _ in 0..4 {
        let checks: Vec<(MediaRef, DocumentKind, Option<i32>)> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::CheckPhoto {
                    media,
                    document,
                    child_birth_year,
                } => Some((media.clone(), document.clone(), *child_birth_year)),
                _ => None,
            })
            .filter(|c| !recorded_media(&photos, &c.0, &c.1))
            .collect();
        if checks.is_empty() {
            break;
        }
        let mut answers = Vec::new();
        for (media, document, birth_year) in checks {
            let shape = flows.document_shape(&document);
            let (verdict, record) = verdicts.verdict(&media, &document, shape, birth_year, &state);
            recorded.push(verdict.clone());
            photos.extend(record);
            answers.push(Input::PhotoChecked {
                media,
                document,
                verdict,
            });
        }
        let (next, more) = flow::step_batch(flows, state, answers, ctx);
        state = next;
        effects.retain(|e| !matches!(e, Effect::CheckPhoto { .. }));
        effects.extend(more);
    }
    Decided {
        state,
        effects,
        verdicts: recorded,
        photos,
    }
}

/// Whether this batch already checked (and recorded) the photo for that document. A photo
/// refused for one document may be checked again for the document it shows.
fn recorded_media(photos: &[PhotoRecord], media: &MediaRef, document: &DocumentKind) -> bool {
    photos
        .iter()
        .any(|p| p.original_sha256 == media.sha256 && p.document == *document)
}

impl Conversations for FlowConversations {
    /// The conversation is marked escalated (the bot stays silent until an officer hands it
    /// back), the parent is told in their language, and the desk gets a `Fault` escalation.
    /// The lane log records the hand-over, so replay does the same instead of running the
    /// engine on these messages again.
    fn hand_over(&self, batch: Batch<'_>) -> Decision {
        let state = handed_over(batch.state.cloned().unwrap_or_default(), batch.now);
        Decision {
            replies: vec![graph::Outgoing::Text {
                body: self.flows.message("fault").get(state.lang).to_string(),
            }],
            records: LaneRecords {
                conversation: Some(state),
                escalations: vec![flow::EscalationReason::Fault],
                log: Some(LaneLogEntry {
                    contact: batch.contact.id,
                    now_ms: batch.now.as_millisecond(),
                    wamids: batch
                        .arrivals
                        .iter()
                        .map(|a| a.message.id.clone())
                        .collect(),
                    synthetic: batch.synthetic.to_vec(),
                    verdicts: Vec::new(),
                    next_sequence: 0,
                    handed_over: true,
                    flows_version: Some(self.flows.version.clone()),
                }),
                ..LaneRecords::default()
            },
            ..Decision::default()
        }
    }

    fn decide(&self, batch: Batch<'_>, store: &Store) -> anyhow::Result<Decision> {
        let state = batch.state.cloned().unwrap_or_default();
        let mut inputs: Vec<Input> = Vec::new();
        if batch.flooding {
            inputs.push(Input::Flooding);
        }
        let mut wamids = Vec::new();
        // Files that are not pictures (a PDF, a Word file) are refused and nothing uses them.
        let mut not_pictures = Vec::new();
        for Arrival { message, media } in batch.arrivals {
            wamids.push(message.id.clone());
            inputs.extend(input_of(message, media.as_ref()));
            if let Some(MediaRecord::Stored {
                sha256,
                image: false,
                ..
            }) = media
            {
                not_pictures.push(sha256.clone());
            }
        }
        // Officers' decisions that still apply (another officer may have decided first, or the
        // request moved on) are recorded and told; the others are dropped, and not logged, so
        // a replay sees what happened.
        let mut synthetic = Vec::with_capacity(batch.synthetic.len());
        let mut live = Vec::with_capacity(batch.synthetic.len());
        let mut request_changes = Vec::new();
        let mut delivery_tasks = Vec::new();
        let mut delivery_updates: Vec<DeliveryTask> = Vec::new();
        let today = self.flows.local_date(batch.now);
        for input in batch.synthetic {
            if let SyntheticInput::Delivery {
                id,
                number,
                action,
                by,
                at,
                ..
            } = input
            {
                let Some(step) = delivery_step(
                    store,
                    &mut delivery_updates,
                    DeliveryInput {
                        contact: batch.contact.id,
                        id,
                        number,
                        action,
                        by,
                        at: *at,
                        today,
                        policy: &self.flows.settings.delivery,
                    },
                )?
                else {
                    continue;
                };
                request_changes.extend(step.change);
                synthetic.push(SyntheticInput::Delivery {
                    id: id.clone(),
                    number: number.clone(),
                    action: action.redacted(),
                    by: by.clone(),
                    at: *at,
                    notice: step.notice.clone(),
                });
                live.extend(step.notice.map(|notice| Input::Delivery {
                    number: number.clone(),
                    code: step.code.filter(|_| notice.carries_code()),
                    notice,
                }));
                continue;
            }
            if let SyntheticInput::Decided {
                number,
                decision,
                by,
                at,
            } = input
            {
                let current = store.request(number)?;
                let applies = current.as_ref().is_some_and(|r| {
                    r.contact == Some(batch.contact.id) && decision.allowed_from(r.summary.status)
                });
                if !applies {
                    tracing::warn!(%number, "an officer's decision no longer applies; dropped");
                    continue;
                }
                request_changes.push(RequestChange::status(
                    number,
                    StatusChange {
                        status: decision.status(),
                        at: *at,
                        by: by.clone(),
                        note: decision.reason(),
                    },
                ));
                // A card printed goes out: exactly one delivery task (the store keeps the
                // first if this is ever applied twice).
                if let (request::Decision::Printed, Some(request)) = (decision, current.as_ref()) {
                    let mut task = DeliveryTask::for_printed(
                        &request.filed,
                        Some(batch.contact.id),
                        batch.contact.wa_id.clone(),
                        *at,
                    );
                    task.recipient.clone_from(&batch.contact.name);
                    delivery_tasks.push(task);
                }
            }
            live.extend(synthetic_input(input));
            synthetic.push(input.clone());
        }
        inputs.extend(live);

        let now = batch.now;
        let date = self.flows.local_date(now).to_string();
        let summaries: Vec<RequestSummary> = store
            .requests_of(batch.contact.id)?
            .into_iter()
            .map(|r| r.summary)
            .collect();
        let open = StoreOpenRequests(store);
        let window = batch
            .contact
            .window_closes_at()
            .and_then(|s| Timestamp::from_second(s).ok());

        // A request number is taken by compare-and-swap; if another parent took it first,
        // decide again with the next one (the engine is pure, so this is safe).
        let mut next_sequence = store.next_sequence(&date)?;
        let decided = loop {
            let ctx = Context {
                now,
                window_open_until: window,
                next_sequence,
                requests: &summaries,
                open_requests: &open,
                business_number: batch.contact.business_number.as_deref(),
            };
            let mut verdicts = LiveVerdicts {
                store,
                policy: &self.policy,
            };
            let decided = decide_batch(
                &self.flows,
                state.clone(),
                inputs.clone(),
                &ctx,
                &mut verdicts,
            );
            let files = decided
                .effects
                .iter()
                .any(|e| matches!(e, Effect::FileRequest(_)));
            if !files || store.claim_sequence(&date, next_sequence)? {
                break decided;
            }
            next_sequence = store.next_sequence(&date)?;
        };

        // The checked copy of a received photo: from this batch's checks, else from the store.
        let walk_in_photos: Vec<&PhotoRecord> = synthetic
            .iter()
            .filter_map(|s| match s {
                SyntheticInput::WalkIn(form) => Some(form.photos.iter().map(|p| &p.record)),
                _ => None,
            })
            .flatten()
            .collect();
        let stored_copy = |sha: &str| match decided
            .photos
            .iter()
            .chain(walk_in_photos.iter().copied())
            .find(|p| p.original_sha256 == sha)
        {
            Some(record) => record.stored_sha256.clone(),
            None => store
                .photo_record(sha)
                .ok()
                .flatten()
                .and_then(|record| record.stored_sha256),
        };
        let mut out = Decision {
            forget_blobs: not_pictures,
            ..Decision::default()
        };
        let records = &mut out.records;
        records.conversation = Some(decided.state);
        records.request_changes = request_changes;
        records.delivery_tasks = delivery_tasks;
        records.delivery_updates = delivery_updates;
        for photo in &decided.photos {
            if let Some(stored) = &photo.stored_sha256 {
                // The copy without EXIF is kept (by this draft); the original (location,
                // device) is not, unless it is that very copy (a JPEG without metadata).
                records.keep_photos.push(stored.clone());
                out.forget_blobs.push(photo.original_sha256.clone());
            }
        }
        records.photos.clone_from(&decided.photos);
        // Forms filed at the counter bring their checked photos; one that could not be filed
        // (a race the desk's own check could not see) leaves nothing behind.
        for input in &synthetic {
            let SyntheticInput::WalkIn(form) = input else {
                continue;
            };
            let filed = decided.effects.iter().any(|e| {
                matches!(e, Effect::FileRequest(f) if f.walk_in.as_ref().is_some_and(|w| w.form == form.id))
            });
            for photo in &form.photos {
                if filed {
                    records.photos.push(photo.record.clone());
                } else {
                    out.forget_blobs
                        .extend(photo.record.stored_sha256.iter().cloned());
                }
            }
        }
        for effect in decided.effects {
            match effect {
                Effect::Send(reply) => out.replies.push(reply),
                Effect::FileRequest(filed) => {
                    tracing::info!(number = %filed.number, service = %filed.service, "request filed");
                    let photos: Vec<String> = filed
                        .documents
                        .iter()
                        .filter_map(|document| stored_copy(&document.media.sha256))
                        .collect();
                    // From now on the request keeps them, not the draft (a form filed at the
                    // counter never was in the chat's draft).
                    if filed.walk_in.is_none() {
                        records.release_photos.extend(photos.iter().cloned());
                    }
                    records.requests.push(StoredRequest {
                        summary: filed.summary(),
                        contact: Some(batch.contact.id),
                        nik: filed.subject.nik.as_ref().map(|n| n.as_str().to_string()),
                        filed: *filed,
                        filed_at_ms: now.as_millisecond(),
                        photos,
                        history: Vec::new(),
                        photos_erased_at: None,
                    });
                }
                Effect::Escalate { reason } => records.escalations.push(reason),
                Effect::WakeAt(at) => records.wake_at_ms = Some(Some(at.as_millisecond())),
                Effect::ForgetMedia(media) => {
                    for m in media {
                        if let Some(stored) = stored_copy(&m.sha256) {
                            records.release_photos.push(stored.clone());
                            out.forget_blobs.push(stored);
                        }
                        out.forget_blobs.push(m.sha256);
                    }
                }
                Effect::DiscardUpload(media) => out.forget_blobs.push(media.sha256),
                Effect::Resubmit {
                    number,
                    documents,
                    due_date,
                } => {
                    let Some(request) = store.request(&number)? else {
                        tracing::warn!(%number, "photos sent back for a request that is gone");
                        continue;
                    };
                    if request.contact != Some(batch.contact.id)
                        || request.summary.status != RequestStatus::Dikembalikan
                    {
                        tracing::warn!(%number, "photos sent back for a request no longer waiting for them");
                        continue;
                    }
                    let new: Vec<String> = documents
                        .iter()
                        .filter_map(|d| stored_copy(&d.media.sha256))
                        .collect();
                    let old: Vec<String> = request
                        .filed
                        .documents
                        .iter()
                        .filter(|d| documents.iter().any(|n| n.kind == d.kind))
                        .filter_map(|d| stored_copy(&d.media.sha256))
                        .filter(|sha| !new.contains(sha))
                        .collect();
                    // From now on the request keeps the new photos, not the draft; the old
                    // versions go (their hashes stay in the history of decisions).
                    records.release_photos.extend(new.iter().cloned());
                    out.forget_blobs.extend(old.iter().cloned());
                    let kinds: Vec<&str> = documents.iter().map(|d| d.kind.id()).collect();
                    records.request_changes.push(RequestChange {
                        number,
                        change: StatusChange {
                            status: RequestStatus::Diajukan,
                            at: now,
                            by: "warga".into(),
                            note: Some(format!("foto dikirim ulang: {}", kinds.join(", "))),
                        },
                        documents,
                        keep_photos: new,
                        release_photos: old,
                        due_date,
                    });
                }
                Effect::SurveyAnswered {
                    number,
                    score,
                    comment,
                } => records.surveys.push(crate::domain::survey::SurveyAnswer {
                    number,
                    contact: batch.contact.id,
                    score,
                    comment,
                    at: now,
                }),
                Effect::CheckPhoto { .. } => {}
            }
        }
        records.log = Some(LaneLogEntry {
            contact: batch.contact.id,
            now_ms: now.as_millisecond(),
            wamids,
            synthetic,
            verdicts: decided.verdicts,
            next_sequence,
            handed_over: false,
            flows_version: Some(self.flows.version.clone()),
        });
        Ok(out)
    }
}

/// One delivery step as the lane has it.
struct DeliveryInput<'a> {
    contact: crate::domain::contact::ContactId,
    id: &'a str,
    number: &'a str,
    action: &'a DeliveryAction,
    by: &'a str,
    at: Timestamp,
    today: jiff::civil::Date,
    policy: &'a crate::domain::delivery::DeliveryPolicy,
}

/// What a delivery step changed: the request's status, what the parent is told, and the new
/// code (live only).
struct DeliveryStepDone {
    change: Option<RequestChange>,
    notice: Option<DeliveryNotice>,
    code: Option<String>,
}

/// Applies one delivery step to its task (as changed earlier in this batch, else as stored).
/// `None`: the step is not for this contact's task, or was taken already (a repeated submit).
fn delivery_step(
    store: &Store,
    updates: &mut Vec<DeliveryTask>,
    input: DeliveryInput<'_>,
) -> anyhow::Result<Option<DeliveryStepDone>> {
    let found = match updates.iter().position(|t| t.number == input.number) {
        Some(i) => Some(updates.remove(i)),
        None => store.delivery_task(input.number)?,
    };
    let Some(mut task) = found else {
        tracing::warn!(number = %input.number, "a delivery step for a task that does not exist; dropped");
        return Ok(None);
    };
    if task.contact != Some(input.contact) || task.action(input.id).is_some() {
        updates.push(task);
        return Ok(None);
    }
    let code = input.action.issues_code().then(new_hand_over_code);
    let applied = task.apply(
        input.action.clone(),
        ActionContext {
            id: input.id,
            by: input.by,
            at: input.at,
            today: input.today,
            policy: input.policy,
            new_code: code
                .as_ref()
                .and_then(|code| HandOverCode::new(code, &random_salt(), input.at)),
        },
    );
    tracing::info!(number = %input.number, action = input.action.id(), outcome = ?applied.outcome, "delivery step");
    let change = applied.notice.as_ref().and_then(|notice| {
        let note = match notice {
            DeliveryNotice::AttemptFailed {
                reason, attempt, ..
            } => Some(format!("percobaan {attempt} gagal: {}", reason.label_id())),
            DeliveryNotice::Held { place, until, .. } => {
                Some(format!("{place} (sampai {})", until.strftime("%d-%m-%Y")))
            }
            DeliveryNotice::OnItsWay { place, .. } => place.clone(),
            _ => None,
        };
        let status = notice
            .status()
            .or_else(|| note.as_ref().map(|_| RequestStatus::Dikirim))?;
        Some(RequestChange::status(
            input.number,
            StatusChange {
                status,
                at: input.at,
                by: input.by.to_string(),
                note,
            },
        ))
    });
    updates.push(task);
    Ok(Some(DeliveryStepDone {
        change,
        notice: applied.notice,
        code,
    }))
}

/// Six digits from the OS's random source.
fn new_hand_over_code() -> String {
    use rand_core::RngCore;
    // Below the largest multiple of 10^6 that fits, so every code is equally likely.
    loop {
        let n = rand_core::OsRng.next_u32();
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

fn random_salt() -> [u8; 16] {
    use rand_core::RngCore;
    let mut salt = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut salt);
    salt
}

/// A conversation the bot failed on, given to the officers: silent until handed back.
pub(super) fn handed_over(mut state: Conversation, now: Timestamp) -> Conversation {
    state.escalation = Some(flow::Escalation {
        reason: flow::EscalationReason::Fault,
        at: now,
    });
    state
}
