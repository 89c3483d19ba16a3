//! A filed request: its number and status as citizens and officers see them, and everything
//! the parent filed (the child, the documents, delivery and address, the fee).

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use super::document::DocumentKind;
use super::kk::NomorKk;
use super::lang::Lang;
use super::media::MediaRef;
use super::nik::{Nik, Sex};
use super::photo::Finding;
use super::rupiah::Rupiah;

/// `KIA-6371-260412-0042`: service prefix, office region code, local filing date YYMMDD, daily
/// sequence. The sequence is allocated by the store (see `flow` module docs); the engine only formats.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestNumber {
    pub prefix: String,
    pub region: String,
    pub date: Date,
    pub sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestNumberError {
    #[error("a request number looks like KIA-6371-260412-0042")]
    Shape,
}

impl RequestNumber {
    pub fn new(prefix: &str, region: &str, date: Date, sequence: u32) -> RequestNumber {
        RequestNumber {
            prefix: prefix.to_string(),
            region: region.to_string(),
            date,
            sequence,
        }
    }
}

impl fmt::Display for RequestNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:02}{:02}{:02}-{:04}",
            self.prefix,
            self.region,
            self.date.year().rem_euclid(100),
            self.date.month(),
            self.date.day(),
            self.sequence
        )
    }
}

impl From<RequestNumber> for String {
    fn from(number: RequestNumber) -> String {
        number.to_string()
    }
}

impl TryFrom<String> for RequestNumber {
    type Error = RequestNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl std::str::FromStr for RequestNumber {
    type Err = RequestNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split('-').collect();
        let [prefix, region, date, sequence] = parts.as_slice() else {
            return Err(RequestNumberError::Shape);
        };
        let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
        if prefix.is_empty()
            || !digits(region)
            || date.len() != 6
            || !digits(date)
            || !digits(sequence)
        {
            return Err(RequestNumberError::Shape);
        }
        let part = |r: std::ops::Range<usize>| -> Result<i8, RequestNumberError> {
            date.get(r)
                .and_then(|t| t.parse().ok())
                .ok_or(RequestNumberError::Shape)
        };
        let date = Date::new(2000 + i16::from(part(0..2)?), part(2..4)?, part(4..6)?)
            .map_err(|_| RequestNumberError::Shape)?;
        Ok(RequestNumber {
            prefix: prefix.to_string(),
            region: region.to_string(),
            date,
            sequence: sequence.parse().map_err(|_| RequestNumberError::Shape)?,
        })
    }
}

/// Where a request stands. Changes after `Diajukan` are made by officers and couriers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Filed by the citizen, waiting for an officer.
    Diajukan,
    /// An officer is checking the file.
    Diperiksa,
    /// Sent back to the citizen with a reason (a document to redo).
    Dikembalikan,
    Disetujui,
    Dicetak,
    /// With the courier.
    Dikirim,
    /// Waiting for the family at the kecamatan office (collection) or at the post office
    /// (after failed courier attempts).
    SiapDiambil,
    /// Handed over to the citizen.
    Diterima,
    /// Nobody received it: back at the Disdukcapil office.
    Diretur,
    Dibatalkan,
    /// Refused by an officer, with a reason (not a correction: the request ends).
    Ditolak,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 11] = [
        RequestStatus::Diajukan,
        RequestStatus::Diperiksa,
        RequestStatus::Dikembalikan,
        RequestStatus::Disetujui,
        RequestStatus::Dicetak,
        RequestStatus::Dikirim,
        RequestStatus::SiapDiambil,
        RequestStatus::Diterima,
        RequestStatus::Diretur,
        RequestStatus::Dibatalkan,
        RequestStatus::Ditolak,
    ];

    /// Stable id, also the key of the status texts in `flows/messages.toml`.
    pub fn id(self) -> &'static str {
        match self {
            RequestStatus::Diajukan => "diajukan",
            RequestStatus::Diperiksa => "diperiksa",
            RequestStatus::Dikembalikan => "dikembalikan",
            RequestStatus::Disetujui => "disetujui",
            RequestStatus::Dicetak => "dicetak",
            RequestStatus::Dikirim => "dikirim",
            RequestStatus::SiapDiambil => "siap_diambil",
            RequestStatus::Diterima => "diterima",
            RequestStatus::Diretur => "diretur",
            RequestStatus::Dibatalkan => "dibatalkan",
            RequestStatus::Ditolak => "ditolak",
        }
    }

    pub fn label_id(self) -> &'static str {
        match self {
            RequestStatus::Diajukan => "Diajukan",
            RequestStatus::Diperiksa => "Sedang diperiksa",
            RequestStatus::Dikembalikan => "Dikembalikan untuk diperbaiki",
            RequestStatus::Disetujui => "Disetujui",
            RequestStatus::Dicetak => "Sudah dicetak",
            RequestStatus::Dikirim => "Sedang dikirim",
            RequestStatus::SiapDiambil => "Siap diambil",
            RequestStatus::Diterima => "Sudah diterima",
            RequestStatus::Diretur => "Kembali ke kantor Disdukcapil",
            RequestStatus::Dibatalkan => "Dibatalkan",
            RequestStatus::Ditolak => "Ditolak",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RequestStatus::Diajukan => "Submitted",
            RequestStatus::Diperiksa => "Being checked",
            RequestStatus::Dikembalikan => "Sent back for correction",
            RequestStatus::Disetujui => "Approved",
            RequestStatus::Dicetak => "Printed",
            RequestStatus::Dikirim => "Out for delivery",
            RequestStatus::SiapDiambil => "Ready for collection",
            RequestStatus::Diterima => "Delivered",
            RequestStatus::Diretur => "Back at the Disdukcapil office",
            RequestStatus::Dibatalkan => "Cancelled",
            RequestStatus::Ditolak => "Rejected",
        }
    }

    /// Open requests block a second KIA request for the same child.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            RequestStatus::Diterima | RequestStatus::Dibatalkan | RequestStatus::Ditolak
        )
    }
}

/// An officer's decision on a filed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Approve,
    /// Send documents back: the parent resends just these photos, each with why.
    Return {
        documents: Vec<ReturnedDocument>,
    },
    Reject {
        reason: String,
    },
    /// The card is printed: it goes to delivery or collection.
    Printed,
}

impl Decision {
    /// The status the request has after it.
    pub fn status(&self) -> RequestStatus {
        match self {
            Decision::Approve => RequestStatus::Disetujui,
            Decision::Return { .. } => RequestStatus::Dikembalikan,
            Decision::Reject { .. } => RequestStatus::Ditolak,
            Decision::Printed => RequestStatus::Dicetak,
        }
    }

    /// Whether it may be taken on a request in `current`: approve or reject what is waiting
    /// for an officer, mark printed what was approved.
    pub fn allowed_from(&self, current: RequestStatus) -> bool {
        use RequestStatus::*;
        match self {
            Decision::Approve | Decision::Return { .. } => matches!(current, Diajukan | Diperiksa),
            Decision::Reject { .. } => matches!(current, Diajukan | Diperiksa | Dikembalikan),
            Decision::Printed => current == Disetujui,
        }
    }

    /// The reason told to the parent and kept in the history.
    pub fn reason(&self) -> Option<String> {
        match self {
            Decision::Reject { reason } => Some(reason.clone()),
            Decision::Return { documents } => Some(
                documents
                    .iter()
                    .map(|d| d.reason.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => None,
        }
    }

    /// The documents sent back (empty unless `Return`).
    pub fn returned(&self) -> &[ReturnedDocument] {
        match self {
            Decision::Return { documents } => documents,
            _ => &[],
        }
    }
}

/// A document an officer sends back, and why (in the parent's words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnedDocument {
    #[schema(value_type = String)]
    pub kind: DocumentKind,
    pub reason: String,
}

/// One change of a request's status: what, when, by whom, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: RequestStatus,
    pub at: Timestamp,
    /// The officer's account, or `warga` for the citizen.
    pub by: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// What the runtime tells the engine about one of the contact's requests (for `status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub number: RequestNumber,
    /// Flow id of the service, e.g. `kia`.
    pub service: String,
    /// The subject's name as filed (shown back to the parent who filed it).
    #[serde(alias = "child_name")]
    pub name: String,
    pub status: RequestStatus,
    pub due_date: Option<Date>,
    /// The officer's reason when sent back (`Dikembalikan`), in Indonesian.
    #[serde(default)]
    pub note: Option<String>,
}

// ---- what a parent files ------------------------------------------------------------------

/// Whom the request is about: the child for a KIA or an akta kelahiran, the deceased for an
/// akta kematian. Each service names the steps that collect it (`[subject]` in its flow file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    #[serde(default)]
    pub birth_date: Option<Date>,
    #[serde(default)]
    pub sex: Option<Sex>,
    /// Masked in `Debug`; serialised whole for the store.
    #[serde(default)]
    pub nik: Option<Nik>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Delivery {
    /// Postal courier to the KK address; the parent explicitly accepted the COD fee.
    Courier { cod_fee: Rupiah },
    /// Collection at the kecamatan office.
    PickupAtKecamatan {
        kecamatan_code: String,
        kecamatan: String,
    },
}

/// The address as on the KK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Address {
    pub street: String,
    pub rt_rw: String,
    pub kelurahan_code: String,
    pub kelurahan: String,
    pub kecamatan_code: String,
    pub kecamatan: String,
    pub postal_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiledDocument {
    pub kind: DocumentKind,
    pub media: MediaRef,
    /// Warnings the checks found; the photo was accepted.
    pub warnings: Vec<Finding>,
}

/// Everything a filed request carries to the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiledRequest {
    pub number: RequestNumber,
    /// Flow id, e.g. `kia`.
    pub service: String,
    /// The `request_kind` answer (`baru`, `perpanjangan`, `hilang`, `rusak`) where the flow asks it.
    pub kind: Option<String>,
    /// Filed before services named their subject as `child`.
    #[serde(alias = "child")]
    pub subject: Subject,
    pub delivery: Option<Delivery>,
    pub address: Option<Address>,
    /// What the citizen pays (the COD fee, or 0).
    pub fee: Rupiah,
    pub documents: Vec<FiledDocument>,
    /// Family card number, where the flow asks it (masked in `Debug`, whole in serde).
    pub nomor_kk: Option<NomorKk>,
    /// Every answer by step id as text, for the officer's view. NIK and KK numbers appear masked
    /// here (their whole values are in `child.nik` and `nomor_kk`), so this map is safe to log.
    pub answers: BTreeMap<String, String>,
    /// Codes of data warnings (e.g. `nik_region_unknown`) for the officer.
    pub data_warnings: Vec<String>,
    /// When the parent agreed to the personal-data statement (UU 27/2022), and in which language.
    pub consent_at: Timestamp,
    pub language: Lang,
    pub submitted_at: Timestamp,
    /// `None` when the holiday data does not reach far enough to promise a date.
    pub due_date: Option<Date>,
    pub status: RequestStatus,
    /// Filed at the counter by an officer (`None`: by the parent in the chat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk_in: Option<super::walk_in::WalkInMark>,
}

/// What stands in for a name erased at the citizen's request.
pub const ERASED: &str = "(dihapus)";

impl FiledRequest {
    /// The request as the office keeps it after its citizen's data was erased at their
    /// request: which service, when, how it went and for what fee (the office's own record
    /// under UU 24/2013 and its cash accounts), and nothing about the person: no name, NIK,
    /// birth date, KK number, address, answers or documents.
    pub fn erased(&self) -> FiledRequest {
        FiledRequest {
            subject: Subject {
                name: ERASED.into(),
                birth_date: None,
                sex: None,
                nik: None,
            },
            address: None,
            documents: Vec::new(),
            nomor_kk: None,
            answers: BTreeMap::new(),
            data_warnings: Vec::new(),
            ..self.clone()
        }
    }

    /// The request as the parent's `status` and the officers' lists show it.
    pub fn summary(&self) -> RequestSummary {
        RequestSummary {
            number: self.number.clone(),
            service: self.service.clone(),
            name: self.subject.name.clone(),
            status: self.status,
            due_date: self.due_date,
            note: None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiff::civil::date;

    /// A filed KIA request with no documents, for tests of the rooms that keep requests.
    pub(crate) fn sample_filed_request() -> FiledRequest {
        let at: Timestamp = "2026-11-23T02:00:00Z".parse().unwrap();
        FiledRequest {
            number: RequestNumber::new("KIA", "6371", date(2026, 11, 23), 1),
            service: "kia".into(),
            kind: Some("baru".into()),
            subject: Subject {
                name: "Budi".into(),
                birth_date: Some(date(2019, 3, 12)),
                sex: Some(Sex::Male),
                nik: None,
            },
            delivery: Some(Delivery::Courier {
                cod_fee: Rupiah(10_000),
            }),
            address: None,
            fee: Rupiah(10_000),
            documents: Vec::new(),
            nomor_kk: None,
            answers: BTreeMap::new(),
            data_warnings: Vec::new(),
            consent_at: at,
            language: Lang::Id,
            submitted_at: at,
            due_date: None,
            status: RequestStatus::Diajukan,
            walk_in: None,
        }
    }

    #[test]
    fn a_filed_request_reads_back_from_its_stored_form() {
        let filed = sample_filed_request();
        let json = serde_json::to_string(&filed).unwrap();
        assert!(json.contains("\"fee\":10000"), "{json}");
        assert_eq!(serde_json::from_str::<FiledRequest>(&json).unwrap(), filed);
        assert_eq!(filed.summary().number, filed.number);
    }

    #[test]
    fn a_request_filed_before_services_named_their_subject_still_reads() {
        let mut json = serde_json::to_value(sample_filed_request()).unwrap();
        let subject = json.as_object_mut().unwrap().remove("subject").unwrap();
        json["child"] = subject;
        let old: FiledRequest = serde_json::from_value(json).unwrap();
        assert_eq!(old, sample_filed_request());
        let summary: RequestSummary = serde_json::from_value(serde_json::json!({
            "number": "KIA-6371-261122-0001", "service": "kia", "child_name": "Budi",
            "status": "diajukan", "due_date": null
        }))
        .unwrap();
        assert_eq!(summary.name, "Budi");
    }

    #[test]
    fn the_number_reads_prefix_region_date_and_daily_sequence() {
        let number = RequestNumber::new("KIA", "6371", date(2026, 4, 12), 42);
        assert_eq!(number.to_string(), "KIA-6371-260412-0042");
        assert_eq!("KIA-6371-260412-0042".parse(), Ok(number));
        assert_eq!(
            RequestNumber::new("AKL", "6371", date(2026, 4, 12), 12345).to_string(),
            "AKL-6371-260412-12345"
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "KIA-6371-260412",
            "KIA-6371-261312-0001",
            "KIA-63x1-260412-0001",
        ] {
            assert!(bad.parse::<RequestNumber>().is_err(), "{bad}");
        }
    }

    #[test]
    fn delivered_and_cancelled_requests_are_closed() {
        let open: Vec<_> = RequestStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .count()
            .to_string()
            .chars()
            .collect();
        assert_eq!(open, ['8']);
        assert_eq!(RequestStatus::Dikembalikan.id(), "dikembalikan");
    }
}
