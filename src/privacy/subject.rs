//! A citizen's rights over their data (UU 27/2022, answered within 3 × 24 hours): a
//! supervisor exports everything loket holds about a WhatsApp number or a child's NIK (JSON
//! and the photos, in a zip) and erases it, except what the office must keep, which the export
//! states.

use std::io::Write;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

use super::{PrivacyError, Result};
use crate::{
    domain::{
        account::{AuditAction, AuditEntry},
        nik::Nik,
        phone::normalize_mobile,
    },
    store::{ContactErased, Store, StoredRequest},
};

/// Whose data: a parent's WhatsApp number, or a child's NIK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSubject {
    Phone(String),
    Nik(String),
}

impl DataSubject {
    /// From what a supervisor typed: a mobile number in any usual form, or a 16-digit NIK.
    pub fn parse(phone: Option<&str>, nik: Option<&str>, today: jiff::civil::Date) -> Result<Self> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        match (given(phone), given(nik)) {
            (Some(phone), None) => normalize_mobile(phone)
                .map(DataSubject::Phone)
                .map_err(|_| {
                    PrivacyError::Invalid(
                        "nomor WhatsApp tidak dikenali (contoh: 0812-3456-7890) / not an \
                         Indonesian mobile number"
                            .into(),
                    )
                }),
            (None, Some(nik)) => Nik::parse(nik, today)
                .map(|n| DataSubject::Nik(n.as_str().to_string()))
                .map_err(|e| PrivacyError::Invalid(format!("NIK: {e}"))),
            _ => Err(PrivacyError::Invalid(
                "isi nomor WhatsApp atau NIK, salah satu / give a phone number or a NIK, one of \
                 them"
                    .into(),
            )),
        }
    }

    /// For the audit log and the file name: never whole.
    pub fn masked(&self) -> String {
        match self {
            DataSubject::Phone(p) => mask(p, 4, 4),
            DataSubject::Nik(n) => mask(n, 4, 4),
        }
    }
}

fn mask(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - head - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(hidden));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// What the office keeps after an erasure, and why: said in every export and erasure.
pub const KEPT_BY_LAW_ID: &str = "Setelah penghapusan, loket tetap menyimpan: nomor permohonan, \
layanan, tanggal pengajuan, riwayat status (kapan dan oleh petugas siapa), biaya dan catatan \
pengiriman serta setoran tunai kurir, dan log audit akses petugas. Itu arsip pelayanan \
administrasi kependudukan (UU 24/2013) dan pertanggungjawaban keuangan kantor, serta rekaman \
kegiatan pemrosesan yang diwajibkan UU 27/2022. Tanpa nama, NIK, nomor KK, tanggal lahir, \
alamat, nomor WhatsApp, foto dokumen, atau isi percakapan. Data di SIAK (database kependudukan) \
tidak disentuh loket.";
pub const KEPT_BY_LAW_EN: &str = "After an erasure loket keeps: the request numbers, services, \
filing dates, status history (when and by which officer), fees, the delivery and courier cash \
records, and the audit log of officers' access. They are the office's record of civil-registry \
services (UU 24/2013), its cash accounts, and the record of processing UU 27/2022 requires. \
Without names, NIK, KK numbers, birth dates, addresses, WhatsApp numbers, document photos or \
chat content. The population database (SIAK) is not touched by loket.";

/// Everything loket holds about one data subject.
struct Held {
    contacts: Vec<crate::store::Contact>,
    requests: Vec<StoredRequest>,
}

fn held(store: &Store, subject: &DataSubject) -> Result<Held> {
    let (contacts, requests) = match subject {
        DataSubject::Phone(phone) => {
            let contacts = store.contacts_with_phone(phone)?;
            let mut requests = Vec::new();
            for contact in &contacts {
                requests.extend(store.requests_of(contact.id)?);
            }
            (contacts, requests)
        }
        // A child's records: their requests. The parent's own chat stays the parent's (they
        // may have other children); erase it by their number.
        DataSubject::Nik(nik) => (Vec::new(), store.requests_with_nik(nik)?),
    };
    if contacts.is_empty() && requests.is_empty() {
        return Err(PrivacyError::NotFound);
    }
    Ok(Held { contacts, requests })
}

/// A data export: the zip's bytes and name.
#[derive(Debug)]
pub struct Export {
    pub file_name: String,
    pub zip: Vec<u8>,
    pub requests: usize,
    pub photos: usize,
}

/// Everything loket holds about `subject`, as a zip of `data.json`, the photos and a
/// `BACA-SAYA.txt` that says what it is and what the office keeps after an erasure. The export
/// is written to the audit log.
pub fn export(store: &Store, subject: &DataSubject, by: &str, now: Timestamp) -> Result<Export> {
    let held = held(store, subject)?;
    let mut photos: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add_photo = |folder: &str, kind: &str, original: &str| -> Result<()> {
        let stored = store
            .photo_record(original)?
            .and_then(|r| r.stored_sha256)
            .unwrap_or_else(|| original.to_string());
        if let Some(bytes) = store.blobs().get(&stored)? {
            let n = photos
                .iter()
                .filter(|(name, _)| name.starts_with(&format!("foto/{folder}/{kind}")))
                .count();
            let suffix = if n == 0 {
                String::new()
            } else {
                format!("-{}", n + 1)
            };
            photos.push((format!("foto/{folder}/{kind}{suffix}.jpg"), bytes));
        }
        Ok(())
    };
    let mut requests = Vec::new();
    let mut numbers = Vec::new();
    for request in &held.requests {
        let number = request.summary.number.to_string();
        if request.photos_erased_at.is_none() {
            for d in &request.filed.documents {
                add_photo(&number, d.kind.id(), &d.media.sha256)?;
            }
        }
        requests.push(json!({
            "request": request,
            "delivery_task": store.delivery_task(&number)?,
            "survey": store.survey(&number)?,
        }));
        numbers.push(number);
    }
    let mut contacts = Vec::new();
    for contact in &held.contacts {
        let conversation = store.conversation(contact.id)?;
        if let Some(draft) = conversation.as_ref().and_then(|c| c.draft.as_ref()) {
            for d in &draft.documents {
                add_photo("draf", d.kind.id(), &d.media.sha256)?;
            }
        }
        let journal = store.journal_entries_of(&[contact.id])?;
        let sent: Vec<Value> = match &contact.wa_id {
            Some(wa_id) => journal
                .iter()
                .flat_map(|(_, _, body)| crate::channel::webhook::messages_from(body, wa_id))
                .collect(),
            None => Vec::new(),
        };
        let (queued, done) = match &contact.wa_id {
            Some(wa_id) => store.outbox_to(wa_id)?,
            None => Default::default(),
        };
        contacts.push(json!({
            "contact": contact,
            "conversation": conversation,
            "chat": store.recent_chat(contact.id, usize::MAX)?,
            "messages_received": sent,
            "messages_queued": queued,
            "messages_sent": done,
            "escalations": store.escalations_of(contact.id)?,
        }));
    }
    let data = json!({
        "exported_at": now,
        "exported_by": by,
        "subject": match subject {
            DataSubject::Phone(p) => json!({ "whatsapp_number": p }),
            DataSubject::Nik(n) => json!({ "nik": n }),
        },
        "kept_after_erasure": { "id": KEPT_BY_LAW_ID, "en": KEPT_BY_LAW_EN },
        "contacts": contacts,
        "requests": requests,
        "officers_access": store.audit_of(&numbers)?,
    });
    let readme = format!(
        "Data pribadi yang disimpan loket (layanan WhatsApp Disdukcapil)\n\
         Dibuat {now} oleh {by}, untuk {}.\n\n\
         data.json: semua catatan (kontak, percakapan, pesan masuk dan keluar, permohonan, \
         pengiriman, survei, akses petugas).\nfoto/: foto dokumen yang masih disimpan.\n\n{}\n\n\
         ---\nPersonal data held by loket. data.json: every record; foto/: the document photos \
         still kept.\n\n{}\n",
        subject.masked(),
        KEPT_BY_LAW_ID,
        KEPT_BY_LAW_EN
    );
    let zip =
        write_zip(&data, &readme, &photos).map_err(|e| PrivacyError::Export(e.to_string()))?;
    store.append_audit(&AuditEntry {
        at: now,
        actor: by.to_string(),
        action: AuditAction::SubjectExported,
        target: Some(subject.masked()),
        photo: None,
        detail: Some(format!(
            "{} permohonan, {} kontak, {} foto",
            held.requests.len(),
            held.contacts.len(),
            photos.len()
        )),
    })?;
    let stamp = now.strftime("%Y%m%d").to_string();
    Ok(Export {
        file_name: format!("data-{}-{stamp}.zip", subject.masked().replace('*', "x")),
        zip,
        requests: held.requests.len(),
        photos: photos.len(),
    })
}

fn write_zip(
    data: &Value,
    readme: &str,
    photos: &[(String, Vec<u8>)],
) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o600);
    zip.start_file("BACA-SAYA.txt", options)?;
    zip.write_all(readme.as_bytes())?;
    zip.start_file("data.json", options)?;
    zip.write_all(&serde_json::to_vec_pretty(data)?)?;
    for (name, bytes) in photos {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// What an erasure removed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Erased {
    /// Requests kept without their personal data.
    pub requests: Vec<String>,
    pub photo_files: usize,
    pub contacts: usize,
    pub chat_lines: usize,
    pub messages: usize,
    pub outbox_records: usize,
    pub escalations: usize,
    /// What the office keeps, and why (Indonesian, then English).
    pub kept: [&'static str; 2],
}

/// Erases what loket holds about `subject`, except what the office must keep (see
/// [`KEPT_BY_LAW_ID`]). Refused while one of their requests is still under way, or while the
/// parent is in the middle of a form (erase when it is done, or cancel it first). Written to
/// the audit log. Running it again after an interruption finishes it.
pub fn erase(store: &Store, subject: &DataSubject, by: &str, now: Timestamp) -> Result<Erased> {
    let held = held(store, subject)?;
    if let Some(open) = held.requests.iter().find(|r| r.is_open()) {
        return Err(PrivacyError::StillOpen {
            number: open.summary.number.to_string(),
            status: open.summary.status.id(),
        });
    }
    for contact in &held.contacts {
        let busy = store
            .conversation(contact.id)?
            .is_some_and(|c| c.draft.is_some())
            || !store.pending_for(contact.id)?.is_empty();
        if busy {
            return Err(PrivacyError::InConversation);
        }
    }
    let mut erased = Erased {
        kept: [KEPT_BY_LAW_ID, KEPT_BY_LAW_EN],
        ..Erased::default()
    };
    for request in &held.requests {
        let number = request.summary.number.to_string();
        erased.photo_files += store.erase_request(&number, now)?;
        erased.requests.push(number);
    }
    for contact in &held.contacts {
        let wa_id = contact.wa_id.clone().unwrap_or_default();
        let done: ContactErased = store.erase_contact(contact, |body| {
            crate::channel::webhook::without_party(body, &wa_id).map_err(|e| e.to_string())
        })?;
        erased.contacts += 1;
        erased.chat_lines += done.chat_lines;
        erased.messages += done.messages_forgotten;
        erased.outbox_records += done.outbox_records;
        erased.escalations += done.escalations;
    }
    store.append_audit(&AuditEntry {
        at: now,
        actor: by.to_string(),
        action: AuditAction::SubjectErased,
        target: Some(subject.masked()),
        photo: None,
        detail: Some(format!(
            "{} permohonan disimpan tanpa data pribadi ({}), {} foto, {} kontak, {} baris chat, \
             {} pesan masuk, {} pesan keluar, {} eskalasi dihapus",
            erased.requests.len(),
            erased.requests.join(", "),
            erased.photo_files,
            erased.contacts,
            erased.chat_lines,
            erased.messages,
            erased.outbox_records,
            erased.escalations
        )),
    })?;
    Ok(erased)
}
