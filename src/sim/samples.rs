//! Sample photos and documents the page offers (the repository's `fixtures/photos`), so that a
//! first run can show a whole KIA request without a phone full of documents.

use std::path::Path;

use serde::Serialize;

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
const RECOMMENDED: [(&str, &str); 7] = [
    ("akta.jpg", "Akta kelahiran"),
    ("kk.jpg", "Kartu Keluarga"),
    ("ktp_ayah.jpg", "KTP ayah"),
    ("ktp_ibu.jpg", "KTP ibu"),
    ("pas_foto_red.jpg", "Pas foto latar merah"),
    ("pas_foto_blue.jpg", "Pas foto latar biru"),
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

pub(crate) async fn list(dir: &Path) -> Vec<Sample> {
    let mut samples = Vec::new();
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return Vec::new();
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Notes and labels in that folder are not samples.
        if !is_plain_name(&name) || name.ends_with(".txt") {
            continue;
        }
        let Some((mime_type, photo)) = mime_for(&name) else {
            continue;
        };
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let known = RECOMMENDED.iter().position(|(n, _)| *n == name);
        samples.push((
            known.unwrap_or(usize::MAX),
            Sample {
                label: known.map_or_else(|| name.clone(), |i| RECOMMENDED[i].1.to_string()),
                recommended: known.is_some(),
                kind: if photo { "image" } else { "document" },
                mime_type,
                size: meta.len(),
                name,
            },
        ));
    }
    samples.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    samples.into_iter().map(|(_, s)| s).collect()
}

/// One sample's bytes, if `name` is one of the listed samples.
pub(crate) async fn read(dir: &Path, name: &str) -> Option<(Vec<u8>, &'static str)> {
    if !is_plain_name(name) || name.ends_with(".txt") {
        return None;
    }
    let (mime_type, _) = mime_for(name)?;
    let bytes = tokio::fs::read(dir.join(name)).await.ok()?;
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

    #[actix_web::test]
    async fn the_happy_path_photos_come_first() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["zz.png", "kk.jpg", "akta.jpg", "labels.json", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let names: Vec<String> = list(dir.path()).await.into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["akta.jpg", "kk.jpg", "zz.png"]);
        assert!(read(dir.path(), "notes.txt").await.is_none());
        assert!(read(dir.path(), "../kk.jpg").await.is_none());
        assert!(read(dir.path(), "kk.jpg").await.is_some());
    }
}
