//! Sample photos and documents the page offers (the repository's `fixtures/photos`, built into
//! the binary by [`crate::bundle`]), so that a first run can show a whole KIA request without a
//! phone full of documents, from any folder.

use serde::Serialize;

use crate::bundle::SAMPLES;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Sample {
    pub name: String,
    /// How the page sends it by default: `image` (a photo) or `document`.
    pub kind: &'static str,
    pub mime_type: &'static str,
    pub size: u64,
    pub label: String,
    /// The ones a happy-path KIA request needs, shown first.
    pub recommended: bool,
}

/// Shown first, with friendly names, in this order.
const RECOMMENDED: [(&str, &str); 8] = [
    ("akta.jpg", "Akta kelahiran"),
    ("kk.jpg", "Kartu Keluarga"),
    ("ktp_ayah.jpg", "KTP ayah"),
    ("ktp_ibu.jpg", "KTP ibu"),
    ("pas_foto_red.jpg", "Pas foto latar merah"),
    ("pas_foto_blue.jpg", "Pas foto latar biru"),
    ("pas_foto_print_red_wood.jpg", "Pas foto cetak di meja"),
    ("akta_scan.pdf", "Akta (PDF)"),
];

/// The MIME type WhatsApp would report for a file name, and whether it goes as a photo.
pub(crate) fn mime_for(name: &str) -> Option<(&'static str, bool)> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => ("image/jpeg", true),
        "png" => ("image/png", true),
        "webp" => ("image/webp", true),
        // WhatsApp turns HEIC into JPEG when sent as a photo; as a file it stays HEIC.
        "heic" => ("image/heic", false),
        "pdf" => ("application/pdf", false),
        "doc" => ("application/msword", false),
        "docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            false,
        ),
        "txt" => ("text/plain", false),
        _ => return None,
    })
}

/// A plain file name: no directories, no hidden files.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
}

/// Whether a file of the samples folder is offered: a plain name of a known type, no notes.
pub fn is_sample_name(name: &str) -> bool {
    is_plain_name(name) && !name.ends_with(".txt") && mime_for(name).is_some()
}

pub(crate) fn list() -> Vec<Sample> {
    let mut samples: Vec<(usize, Sample)> = SAMPLES
        .iter()
        .filter(|(name, _)| is_sample_name(name))
        .filter_map(|(name, bytes)| {
            let (mime_type, photo) = mime_for(name)?;
            let known = RECOMMENDED.iter().position(|(n, _)| n == name);
            Some((
                known.unwrap_or(usize::MAX),
                Sample {
                    label: known.map_or_else(|| name.to_string(), |i| RECOMMENDED[i].1.to_string()),
                    recommended: known.is_some(),
                    kind: if photo { "image" } else { "document" },
                    mime_type,
                    size: bytes.len() as u64,
                    name: name.to_string(),
                },
            ))
        })
        .collect();
    samples.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    samples.into_iter().map(|(_, s)| s).collect()
}

/// One sample's bytes, if `name` is one of the listed samples.
pub(crate) fn read(name: &str) -> Option<(&'static [u8], &'static str)> {
    if !is_sample_name(name) {
        return None;
    }
    let (mime_type, _) = mime_for(name)?;
    let (_, bytes) = SAMPLES.iter().find(|(n, _)| *n == name)?;
    Some((bytes, mime_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_paths_are_refused() {
        assert!(is_plain_name("akta.jpg"));
        for bad in ["", "../Cargo.toml", "a/b.jpg", ".env", "a\\b.jpg"] {
            assert!(!is_plain_name(bad), "{bad}");
        }
        assert_eq!(mime_for("KK.JPG"), Some(("image/jpeg", true)));
        assert_eq!(mime_for("scan.pdf"), Some(("application/pdf", false)));
        assert_eq!(mime_for("labels.json"), None);
    }

    #[test]
    fn the_happy_path_photos_come_first() {
        let names: Vec<String> = list().into_iter().map(|s| s.name).collect();
        assert_eq!(
            names[..8],
            [
                "akta.jpg",
                "kk.jpg",
                "ktp_ayah.jpg",
                "ktp_ibu.jpg",
                "pas_foto_red.jpg",
                "pas_foto_blue.jpg",
                "pas_foto_print_red_wood.jpg",
                "akta_scan.pdf"
            ]
        );
        for sample in list() {
            let (bytes, mime_type) = read(&sample.name).unwrap();
            assert_eq!(bytes.len() as u64, sample.size, "{}", sample.name);
            assert_eq!(mime_type, sample.mime_type, "{}", sample.name);
        }
        assert!(read("message.txt").is_none());
        assert!(read("labels.json").is_none());
        assert!(read("../kk.jpg").is_none());
        assert!(read("kk.jpg").is_some());
    }
}
