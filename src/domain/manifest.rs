//! A courier's daily list: one manifest per route and day, numbered, its lines frozen when it
//! is made, so printing it again (CSV or PDF) gives the same bytes.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::delivery::{DeliveryKind, DeliveryTask};
use super::rupiah::Rupiah;

/// One card on a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ManifestLine {
    /// 1, 2, 3 … in the order the courier goes.
    pub sequence: u32,
    pub number: String,
    /// The parent (their WhatsApp name), who receives the card.
    pub recipient: String,
    /// The child the card is for.
    pub name: String,
    /// The child's NIK masked to its last 4 digits.
    pub nik: String,
    pub phone: String,
    /// Street, RT/RW, kelurahan on one line.
    pub address: String,
    pub postal_code: String,
    pub cod: Rupiah,
    /// A card that was out before (a second attempt).
    pub again: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Manifest {
    /// `MNF-261130-637105-01`: date, route, the day's count for the route.
    pub number: String,
    pub kind: DeliveryKind,
    /// The route's code (a kecamatan) and name.
    pub route: String,
    pub route_name: String,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub office: String,
    pub lines: Vec<ManifestLine>,
    /// Who made it (`loket` for the morning job).
    pub made_by: String,
}

impl Manifest {
    pub fn number_for(date: Date, route: &str, nth: u32) -> String {
        let route: String = route.chars().filter(char::is_ascii_alphanumeric).collect();
        format!("MNF-{}-{route}-{nth:02}", date.strftime("%y%m%d"))
    }

    pub fn total_cod(&self) -> Rupiah {
        Rupiah(self.lines.iter().map(|l| l.cod.0).sum())
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            DeliveryKind::Courier => "Manifes Pengantaran KIA",
            DeliveryKind::Collection => "Daftar Pengambilan KIA di Kantor Kecamatan",
        }
    }
}

impl ManifestLine {
    pub fn of(sequence: u32, task: &DeliveryTask, again: bool) -> ManifestLine {
        let (address, postal_code) = match &task.address {
            Some(a) => (
                format!("{}, RT/RW {}, {}", a.street, a.rt_rw, a.kelurahan),
                a.postal_code.clone(),
            ),
            None => (String::new(), String::new()),
        };
        ManifestLine {
            sequence,
            number: task.number.clone(),
            recipient: task
                .recipient
                .clone()
                .unwrap_or_else(|| "Orang tua/wali".into()),
            name: task.name.clone(),
            nik: task
                .nik_last4
                .as_ref()
                .map_or_else(String::new, |l| format!("************{l}")),
            phone: task.phone.clone().unwrap_or_default(),
            address,
            postal_code,
            cod: task.cod,
            again,
        }
    }
}

/// The manifest as CSV (UTF-8, a header row, a line per card, then the totals).
pub fn to_csv(manifest: &Manifest) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "no",
        "nomor_permohonan",
        "penerima",
        "untuk_anak",
        "nik",
        "telepon",
        "alamat",
        "kode_pos",
        "cod_rupiah",
        "tanda_tangan",
    ])?;
    for l in &manifest.lines {
        out.write_record([
            l.sequence.to_string().as_str(),
            &l.number,
            &l.recipient,
            &l.name,
            &l.nik,
            &l.phone,
            &l.address,
            &l.postal_code,
            l.cod.0.to_string().as_str(),
            "",
        ])?;
    }
    out.write_record([
        "",
        "TOTAL",
        &format!("{} kiriman", manifest.lines.len()),
        "",
        "",
        "",
        "",
        "",
        manifest.total_cod().0.to_string().as_str(),
        "",
    ])?;
    out.into_inner().map_err(|e| e.into_error().into())
}
