//! The documents a citizen photographs for a request, and what a photo of each should look like.

use serde::{Deserialize, Serialize};

/// A document a request needs a photo of. Flow files name them by their snake_case id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    AktaKelahiran,
    KartuKeluarga,
    KtpAyah,
    KtpIbu,
    PasFoto,
    /// Police loss report (surat keterangan kehilangan), for a lost KIA.
    SuratKehilangan,
    /// The damaged card itself, for a damaged KIA.
    KiaRusak,
    /// Birth letter from the hospital or midwife (surat keterangan lahir).
    SuratKeteranganLahir,
    /// Marriage book or certificate (buku nikah / akta perkawinan).
    BukuNikah,
    #[serde(rename = "ktp_saksi_1")]
    KtpSaksi1,
    #[serde(rename = "ktp_saksi_2")]
    KtpSaksi2,
}

/// The physical shape a photo of a document is expected to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentShape {
    /// ID-1 card, 85.60 x 53.98 mm, landscape (ratio 1.586).
    IdCard,
    /// A4 paper held landscape (ratio 1.414), e.g. a KK since 2020.
    A4Landscape,
    /// A4 paper held portrait, e.g. an akta since 2020.
    A4Portrait,
    /// Any A4/F4-ish paper, either orientation (letters, police reports).
    Paper,
    /// Portrait pas foto (2x3, 3x4, 4x6 cm: ratio 0.667 to 0.75).
    PasFoto,
}

impl DocumentShape {
    /// In the order of the photo checks' `looks_like` figure (1 to 5).
    pub const ALL: [DocumentShape; 5] = [
        DocumentShape::IdCard,
        DocumentShape::A4Landscape,
        DocumentShape::A4Portrait,
        DocumentShape::Paper,
        DocumentShape::PasFoto,
    ];

    pub fn id(self) -> &'static str {
        match self {
            DocumentShape::IdCard => "id_card",
            DocumentShape::A4Landscape => "a4_landscape",
            DocumentShape::A4Portrait => "a4_portrait",
            DocumentShape::Paper => "paper",
            DocumentShape::PasFoto => "pas_foto",
        }
    }

    pub fn from_id(id: &str) -> Option<DocumentShape> {
        DocumentShape::ALL.into_iter().find(|s| s.id() == id)
    }

    /// Whether a photo showing `found` may be a document of this shape: the same shape, or a
    /// sheet where any sheet of paper will do.
    pub fn admits(self, found: DocumentShape) -> bool {
        let paper = |s: DocumentShape| {
            matches!(
                s,
                DocumentShape::A4Landscape | DocumentShape::A4Portrait | DocumentShape::Paper
            )
        };
        self == found
            || (self == DocumentShape::Paper && paper(found))
            || (found == DocumentShape::Paper && paper(self))
    }
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 11] = [
        DocumentKind::AktaKelahiran,
        DocumentKind::KartuKeluarga,
        DocumentKind::KtpAyah,
        DocumentKind::KtpIbu,
        DocumentKind::PasFoto,
        DocumentKind::SuratKehilangan,
        DocumentKind::KiaRusak,
        DocumentKind::SuratKeteranganLahir,
        DocumentKind::BukuNikah,
        DocumentKind::KtpSaksi1,
        DocumentKind::KtpSaksi2,
    ];

    /// Stable id used in flow files, store records and the operator API.
    pub fn id(self) -> &'static str {
        match self {
            DocumentKind::AktaKelahiran => "akta_kelahiran",
            DocumentKind::KartuKeluarga => "kartu_keluarga",
            DocumentKind::KtpAyah => "ktp_ayah",
            DocumentKind::KtpIbu => "ktp_ibu",
            DocumentKind::PasFoto => "pas_foto",
            DocumentKind::SuratKehilangan => "surat_kehilangan",
            DocumentKind::KiaRusak => "kia_rusak",
            DocumentKind::SuratKeteranganLahir => "surat_keterangan_lahir",
            DocumentKind::BukuNikah => "buku_nikah",
            DocumentKind::KtpSaksi1 => "ktp_saksi_1",
            DocumentKind::KtpSaksi2 => "ktp_saksi_2",
        }
    }

    pub fn from_id(id: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.id() == id)
    }

    pub fn shape(self) -> DocumentShape {
        match self {
            DocumentKind::KtpAyah
            | DocumentKind::KtpIbu
            | DocumentKind::KtpSaksi1
            | DocumentKind::KtpSaksi2
            | DocumentKind::KiaRusak => DocumentShape::IdCard,
            DocumentKind::KartuKeluarga => DocumentShape::A4Landscape,
            DocumentKind::AktaKelahiran => DocumentShape::A4Portrait,
            DocumentKind::SuratKehilangan
            | DocumentKind::SuratKeteranganLahir
            | DocumentKind::BukuNikah => DocumentShape::Paper,
            DocumentKind::PasFoto => DocumentShape::PasFoto,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_id() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_id(kind.id()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.id()));
        }
    }
}
