//! For the tests and the bench that drive the conversation engine with plain values.

use loket::domain::document::{DocumentKind, DocumentShape};
use loket::domain::photo::{Finding, PhotoVerdict, Severity};
use loket::flow::MediaRef;

/// A stand-in stored photo: a hash derived from the name, so each name is a distinct picture.
pub fn media(name: &str) -> MediaRef {
    MediaRef {
        sha256: format!(
            "{:0>64}",
            name.bytes().map(|b| format!("{b:02x}")).collect::<String>()
        ),
        mime: "image/jpeg".into(),
    }
}

/// What a photo of `kind` should show, as the built-in `flows/documents.toml` declares it
/// (any sheet of paper for a document it does not declare).
pub fn shape_of(kind: &DocumentKind) -> DocumentShape {
    static FLOWS: std::sync::OnceLock<Option<loket::flow::FlowSet>> = std::sync::OnceLock::new();
    FLOWS
        .get_or_init(|| loket::bundle::load_flows(None).ok())
        .as_ref()
        .map_or(DocumentShape::Paper, |f| f.document_shape(kind))
}

/// What the photo checks say of a photo sent for `document` that shows a document of `shape`:
/// an `other_document` warning, and the `looks_like` figure (the shape's place in
/// `DocumentShape::ALL`, from 1).
pub fn shows_another_document(document: &DocumentKind, shape: DocumentShape) -> PhotoVerdict {
    let code = DocumentShape::ALL
        .iter()
        .position(|s| *s == shape)
        .map_or(0.0, |i| (i + 1) as f64);
    PhotoVerdict {
        findings: vec![Finding {
            code: "other_document".into(),
            severity: Severity::Warning,
            params: [
                ("document".to_string(), document.id().to_string()),
                ("looks_like".to_string(), shape.id().to_string()),
            ]
            .into(),
            figures: vec![],
        }],
        figures: vec![("looks_like".into(), code)],
    }
}
