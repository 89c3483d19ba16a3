//! Filed requests made up in bulk, for the desk's benchmark: a store the size of a busy
//! office's year, written through the same lane commit the conversations use.

use std::collections::BTreeMap;

use jiff::{Timestamp, ToSpan, civil::Date};
use loket::domain::contact::ContactId;
use loket::domain::document::DocumentKind;
use loket::domain::lang::Lang;
use loket::domain::media::MediaRef;
use loket::domain::photo::{PhotoRecord, PhotoVerdict};
use loket::domain::request::{
    Address, Delivery, FiledDocument, FiledRequest, RequestNumber, RequestStatus, Subject,
};
use loket::domain::rupiah::Rupiah;
use loket::store::{LaneCommit, LaneRecords, Store, StoredRequest};

const KECAMATAN: [(&str, &str); 5] = [
    ("637101", "Banjarmasin Selatan"),
    ("637102", "Banjarmasin Timur"),
    ("637103", "Banjarmasin Barat"),
    ("637104", "Banjarmasin Utara"),
    ("637105", "Banjarmasin Tengah"),
];

const DOCUMENTS: [&str; 4] = [
    "akta_kelahiran",
    "kartu_keluarga",
    "ktp_orang_tua",
    "pas_foto",
];

/// The `i`th made-up request: filed `i` minutes after `start`, spread over the kecamatan,
/// most waiting for review and the rest further along.
pub fn filed_request(i: u32, start: Timestamp) -> (StoredRequest, Vec<PhotoRecord>) {
    let at = start + (i64::from(i)).minutes();
    let date: Date = at.to_zoned(jiff::tz::TimeZone::UTC).date();
    let number = RequestNumber::new("KIA", "6371", date, i % 9000 + 1);
    let (kecamatan_code, kecamatan) = KECAMATAN[i as usize % KECAMATAN.len()];
    let status = match i % 10 {
        0..=5 => RequestStatus::Diajukan,
        6 => RequestStatus::Dikembalikan,
        7 => RequestStatus::Disetujui,
        8 => RequestStatus::Dicetak,
        _ => RequestStatus::Diterima,
    };
    let mut documents = Vec::new();
    let mut photos = Vec::new();
    for kind in DOCUMENTS {
        let sha = format!("{:064x}", u64::from(i) * 8 + documents.len() as u64);
        documents.push(FiledDocument {
            kind: DocumentKind::new(kind),
            media: MediaRef {
                sha256: sha.clone(),
                mime: "image/jpeg".into(),
            },
            warnings: Vec::new(),
        });
        photos.push(PhotoRecord {
            original_sha256: sha.clone(),
            document: DocumentKind::new(kind),
            verdict: PhotoVerdict {
                findings: Vec::new(),
                figures: vec![("sharpness".into(), 41.5), ("brightness".into(), 0.52)],
            },
            stored_sha256: Some(sha),
            perceptual_hash: Some(format!("{:016x}", u64::from(i))),
            width: Some(1280),
            height: Some(960),
        });
    }
    let mut answers = BTreeMap::new();
    answers.insert("child_name".into(), format!("Anak Nomor {i}"));
    answers.insert("relation".into(), "ibu".into());
    let filed = FiledRequest {
        number,
        service: "kia".into(),
        kind: Some("baru".into()),
        subject: Subject {
            name: format!("Anak Nomor {i}"),
            birth_date: Some(jiff::civil::date(2019, 3, 12)),
            sex: None,
            nik: None,
        },
        delivery: Some(Delivery::Courier {
            cod_fee: Rupiah(10_000),
        }),
        address: Some(Address {
            street: format!("Jl. Veteran No. {}", i % 200 + 1),
            rt_rw: "005/002".into(),
            kelurahan_code: format!("{kecamatan_code}1001"),
            kelurahan: "Kelurahan".into(),
            kecamatan_code: kecamatan_code.into(),
            kecamatan: kecamatan.into(),
            postal_code: "70111".into(),
        }),
        fee: Rupiah(10_000),
        documents,
        nomor_kk: None,
        answers,
        data_warnings: Vec::new(),
        consent_at: at,
        language: Lang::Id,
        submitted_at: at,
        due_date: Some(date + 20.days()),
        status,
        walk_in: None,
    };
    let request = StoredRequest {
        summary: filed.summary(),
        contact: None,
        nik: None,
        filed,
        filed_at_ms: at.as_millisecond(),
        photos: Vec::new(),
        history: Vec::new(),
        photos_erased_at: None,
    };
    (request, photos)
}

/// Files one made-up request of `contact`, waiting for review (`diajukan`), after `adjust`
/// (a kecamatan, a date) has had its say. Returns its number.
pub fn file_waiting(
    store: &Store,
    contact: ContactId,
    i: u32,
    adjust: impl FnOnce(&mut StoredRequest),
) -> String {
    let (mut request, _) = filed_request(i, Timestamp::now());
    request.contact = Some(contact);
    request.summary.status = RequestStatus::Diajukan;
    request.filed.status = RequestStatus::Diajukan;
    adjust(&mut request);
    let number = request.summary.number.to_string();
    store
        .commit_lane(LaneCommit {
            records: LaneRecords {
                requests: vec![request],
                ..LaneRecords::default()
            },
            ..LaneCommit::default()
        })
        .expect("filing a request");
    number
}

/// Files `n` made-up requests, 500 to a lane commit, and makes them durable.
pub async fn seed(store: &Store, n: u32, start: Timestamp) {
    let mut i = 0;
    while i < n {
        let mut records = LaneRecords::default();
        for j in i..(i + 500).min(n) {
            let (request, photos) = filed_request(j, start);
            records.requests.push(request);
            records.photos.extend(photos);
        }
        i += 500;
        store
            .commit_lane(LaneCommit {
                records,
                ..LaneCommit::default()
            })
            .expect("seeding the store");
    }
    store.commit().await.expect("flushing the seeded store");
}
