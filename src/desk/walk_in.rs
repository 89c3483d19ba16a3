//! Filing at the counter for a citizen without a smartphone: the officer's form and photos
//! from the office's camera or scanner go through the chat's own checks (the same validators
//! in the flow's order, the same photo checks), then into the citizen's lane like any input.
//! With a phone number, the citizen's WhatsApp gets the notifications; without one, the
//! request has a contact of its own that nothing is sent to.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::{DeskError, Result};
use crate::domain::account::{AuditAction, Session};
use crate::domain::contact::ContactId;
use crate::domain::dates::parse_date;
use crate::domain::document::DocumentKind;
use crate::domain::event::SyntheticInput;
use crate::domain::lang::Lang;
use crate::domain::media::MediaRef;
use crate::domain::nik::Nik;
use crate::domain::phone::normalize_mobile;
use crate::domain::photo::PhotoRecord;
use crate::domain::walk_in::{FormProblem, WalkInForm, WalkInPhoto};
use crate::flow::{Context, FlowSet};
use crate::lane::StoreOpenRequests;
use crate::store::Store;
use crate::validate::{EarlierPhoto, PhotoPolicy, PhotoToCheck, check_photo};

/// The largest photo the form takes (a scanner's A4 at 300 dpi is about 2 MB as JPEG).
pub const MAX_PHOTO_BYTES: usize = 15 * 1024 * 1024;

/// One uploaded photo, for the document it was put in.
#[derive(Debug, Clone)]
pub struct Upload {
    /// As in `DocumentKind::id`.
    pub kind: String,
    pub bytes: Vec<u8>,
    pub mime: String,
}

/// The form as the officer sent it.
#[derive(Debug, Clone, Default)]
pub struct WalkInInput {
    pub service: String,
    /// By step id: typed text, or an option's id, or a kecamatan or kelurahan code.
    pub answers: BTreeMap<String, String>,
    pub uploads: Vec<Upload>,
    /// Optional: the citizen's WhatsApp number, for notifications.
    pub phone: Option<String>,
    pub consent: bool,
    pub language: Lang,
}

/// A form checked and queued to the citizen's lane, which files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkInQueued {
    pub contact: ContactId,
    pub form: String,
    /// Whether the citizen gets WhatsApp notifications.
    pub notified: bool,
}

/// Checks the form and its photos as the chat would, and queues it. Photo checks decode
/// images: call from a blocking thread.
pub fn submit(
    store: &Store,
    flows: &FlowSet,
    policy: &PhotoPolicy,
    who: &Session,
    input: WalkInInput,
    configured_number: &str,
    now: Timestamp,
) -> Result<WalkInQueued> {
    let mut problems = Vec::new();
    let today = flows.local_date(now);
    let wa_id = match input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(phone) => match normalize_mobile(phone) {
            Ok(number) => Some(number),
            Err(e) => {
                problems.push(FormProblem {
                    field: "phone".into(),
                    message: flows.message(e.code()).get(input.language).to_string(),
                });
                None
            }
        },
    };
    let birth_year = birth_year(flows, &input, today);
    let mut photos = Vec::new();
    let mut earlier = Vec::new();
    let mut stored = Vec::new();
    for upload in &input.uploads {
        let kind = DocumentKind::new(upload.kind.as_str());
        if !flows.documents.contains_key(&kind) {
            problems.push(FormProblem {
                field: upload.kind.clone(),
                message: format!("unknown document {:?}", upload.kind),
            });
            continue;
        }
        if upload.bytes.len() > MAX_PHOTO_BYTES {
            problems.push(FormProblem {
                field: upload.kind.clone(),
                message: format!(
                    "Foto terlalu besar ({:.1} MB, paling besar {} MB).",
                    upload.bytes.len() as f64 / 1_048_576.0,
                    MAX_PHOTO_BYTES / 1_048_576
                ),
            });
            continue;
        }
        let checked = check_photo(
            &PhotoToCheck {
                bytes: &upload.bytes,
                kind: &kind,
                shape: flows.document_shape(&kind),
                child_birth_year: birth_year,
                earlier: &earlier,
            },
            policy,
        );
        let original = hex::encode(Sha256::digest(&upload.bytes));
        let mut record = PhotoRecord {
            original_sha256: original.clone(),
            document: kind.clone(),
            verdict: checked.verdict,
            stored_sha256: None,
            perceptual_hash: None,
            width: None,
            height: None,
        };
        if let Some(accepted) = checked.accepted {
            let sha = store.blobs().put(&accepted.jpeg)?;
            stored.push(sha.clone());
            record.stored_sha256 = Some(sha);
            record.perceptual_hash = Some(accepted.perceptual_hash.clone());
            record.width = Some(accepted.width);
            record.height = Some(accepted.height);
            earlier.push(EarlierPhoto {
                kind: kind.clone(),
                perceptual_hash: accepted.perceptual_hash,
            });
        }
        photos.push(WalkInPhoto {
            kind,
            media: MediaRef {
                sha256: original,
                mime: upload.mime.clone(),
            },
            record,
        });
    }
    let form = WalkInForm {
        id: form_id(),
        service: input.service.clone(),
        answers: input.answers,
        photos,
        consent: input.consent,
        language: input.language,
        by: who.username.clone(),
    };
    let business_number = Some(business_number(flows, &form.service, configured_number));
    let open = StoreOpenRequests(store);
    let ctx = Context {
        now,
        window_open_until: None,
        next_sequence: store.next_sequence(&today.to_string())?,
        requests: &[],
        open_requests: &open,
        business_number: business_number.as_deref(),
    };
    if let Err(found) = crate::flow::check_walk_in(flows, &form, &ctx) {
        problems.extend(found);
    }
    if !problems.is_empty() {
        for sha in stored {
            store.forget_photo_file(&sha)?;
        }
        return Err(DeskError::Form(problems));
    }
    let contact = store.contact_for_walk_in(
        business_number.as_deref(),
        wa_id.as_deref(),
        now.as_millisecond(),
    )?;
    let form_id = form.id.clone();
    let service = form.service.clone();
    store.queue_synthetic(contact, SyntheticInput::WalkIn(Box::new(form)))?;
    super::audit(
        store,
        now,
        &who.username,
        AuditAction::WalkInFiled,
        Some(&form_id),
        Some(format!(
            "{service}, {}",
            if wa_id.is_some() {
                "with phone"
            } else {
                "no phone"
            }
        )),
    )?;
    Ok(WalkInQueued {
        contact,
        form: form_id,
        notified: wa_id.is_some(),
    })
}

/// The number the citizen is told from: the configured one when it offers the service (a
/// number `numbers.toml` does not list offers every service), else the first listed number
/// that does.
fn business_number(flows: &FlowSet, service: &str, configured: &str) -> String {
    let offers = |n: &&crate::flow::NumberProfile| n.services.iter().any(|s| s == service);
    match flows
        .numbers
        .iter()
        .find(|n| n.phone_number_id == configured)
    {
        Some(listed) if !offers(&listed) => flows
            .numbers
            .iter()
            .find(offers)
            .map_or_else(|| configured.to_string(), |n| n.phone_number_id.clone()),
        _ => configured.to_string(),
    }
}

/// The request a queued form became, once its lane has filed it.
pub fn filed_number(store: &Store, queued: &WalkInQueued) -> Result<Option<String>> {
    Ok(store
        .requests_of(queued.contact)?
        .into_iter()
        .find(|r| {
            r.filed
                .walk_in
                .as_ref()
                .is_some_and(|w| w.form == queued.form)
        })
        .map(|r| r.summary.number.to_string()))
}

/// The subject's birth year, for the pas foto's backdrop rule: from the birth date typed, else
/// from the NIK.
fn birth_year(flows: &FlowSet, input: &WalkInInput, today: jiff::civil::Date) -> Option<i32> {
    let subject = &flows.service(&input.service)?.subject;
    let typed = subject
        .birth_date
        .as_ref()
        .and_then(|step| input.answers.get(step))
        .and_then(|text| parse_date(text).ok());
    let from_nik = || {
        let text = input.answers.get(subject.nik.as_ref()?)?;
        Nik::parse(text, today)
            .ok()?
            .decode(today)
            .ok()
            .map(|(d, _)| d)
    };
    typed.or_else(from_nik).map(|d| i32::from(d.year()))
}

/// A random id for the form (16 bytes from the OS).
fn form_id() -> String {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    format!("walkin-{}", hex::encode(bytes))
}
