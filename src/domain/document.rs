//! The documents a citizen photographs for a request, and what a photo of each should look like.

use serde::{Deserialize, Serialize};

/// A document a request needs a photo of, by its stable id (`akta_kelahiran`, `kartu_keluarga`,
/// ...). Which documents exist, their names and shapes, is office data: `flows/documents.toml`
/// declares them and service files name them, so a new service brings its own documents
/// without a code change. The id is what store records and the operator API carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocumentKind(String);

impl DocumentKind {
    pub fn new(id: impl Into<String>) -> DocumentKind {
        DocumentKind(id.into())
    }

    /// Stable id used in flow files, store records and the operator API.
    pub fn id(&self) -> &str {
        &self.0
    }

    /// Lower case letters, digits and `_`, starting with a letter: safe in message keys, button
    /// ids (`doubt.<id>`) and file names.
    pub fn is_valid_id(id: &str) -> bool {
        id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && id.len() <= 40
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_stored_as_its_bare_id() {
        let kind = DocumentKind::new("akta_kematian");
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, "\"akta_kematian\"");
        assert_eq!(serde_json::from_str::<DocumentKind>(&json).unwrap(), kind);
    }

    #[test]
    fn document_ids_are_plain_snake_case() {
        for good in ["kartu_keluarga", "ktp_saksi_1", "surat_kematian"] {
            assert!(DocumentKind::is_valid_id(good), "{good}");
        }
        for bad in [
            "",
            "KK",
            "1ktp",
            "surat kematian",
            "akta-kematian",
            "akta.kk",
        ] {
            assert!(!DocumentKind::is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn every_shape_round_trips_through_its_id() {
        for shape in DocumentShape::ALL {
            assert_eq!(DocumentShape::from_id(shape.id()), Some(shape));
        }
    }
}
