//! What a check found, as data: a stable code, the figures behind it, and the parameters its
//! text needs (the document, the file kind, colours, sizes). The texts themselves are in the
//! flows' message catalog (`photo_<code>`, `flows/messages.toml`), where office staff edit them,
//! and are rendered when the reply is sent (`FlowSet::finding_text`).

use std::collections::BTreeMap;

use crate::domain::document::DocumentKind;
use crate::domain::photo::{Finding, Severity};

use super::{Colour, FileKind, Resolution};

/// Stable reason codes. The conversation engine and the operator pages match on these.
pub mod codes {
    /// The file is bigger than the byte cap. Refusal.
    pub const FILE_TOO_LARGE: &str = "file_too_large";
    /// A PDF, an office document, a video, audio, an unsupported picture format or anything
    /// else that is not a JPEG/PNG/WebP photo. Refusal.
    pub const NOT_A_PHOTO: &str = "not_a_photo";
    /// A photo format, but corrupt or truncated. Refusal.
    pub const DAMAGED_FILE: &str = "damaged_file";
    /// Declares more pixels (or memory) than we decode: a decompression bomb or a huge original.
    pub const IMAGE_TOO_LARGE: &str = "image_too_large";
    /// Fewer pixels than the document kind needs to be readable. Refusal.
    pub const TOO_SMALL: &str = "too_small";
    /// Out of focus or shaken. Refusal.
    pub const BLURRY: &str = "blurry";
    /// Underexposed. Refusal.
    pub const TOO_DARK: &str = "too_dark";
    /// A large blown-out patch (reflection on a laminated card, flash). Refusal.
    pub const GLARE: &str = "glare";
    /// Pas foto background is not the colour the office requires. Refusal.
    pub const WRONG_BACKGROUND: &str = "wrong_background";
    /// Same (or nearly the same) picture as one sent for another document. Refusal.
    pub const DUPLICATE_PHOTO: &str = "duplicate_photo";
    /// The document does not have the shape of its kind. Warning only.
    pub const UNEXPECTED_SHAPE: &str = "unexpected_shape";
    /// The picture clearly shows another kind of document (a KK's landscape sheet where the akta
    /// was asked, a blue ID card where paper was): `found` names its shape. A warning to the
    /// checks; the conversation asks the parent before accepting it.
    pub const OTHER_DOCUMENT: &str = "other_document";
    /// Pas foto background could not be compared: the child's birth year is unknown. Warning.
    pub const BACKGROUND_UNCHECKED: &str = "background_unchecked";
    /// The accepted photo could not be turned into the copy to store. Refusal (never expected).
    pub const NOT_STORED: &str = "not_stored";
}

fn finding(
    code: &str,
    severity: Severity,
    params: &[(&str, String)],
    figures: Vec<(String, f64)>,
) -> Finding {
    Finding {
        code: code.to_owned(),
        severity,
        params: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        figures,
    }
}

fn document(kind: &DocumentKind) -> (&'static str, String) {
    ("document", kind.id().to_owned())
}

fn variant(name: &str) -> (&'static str, String) {
    ("variant", name.to_owned())
}

fn colour(colour: Colour) -> String {
    match colour {
        Colour::Red => "red",
        Colour::Blue => "blue",
    }
    .to_owned()
}

pub(crate) fn fig(name: &str, value: f64) -> (String, f64) {
    (name.to_owned(), value)
}

pub(crate) fn file_too_large(bytes: usize, max_bytes: usize) -> Finding {
    let mb = max_bytes as f64 / (1024.0 * 1024.0);
    finding(
        codes::FILE_TOO_LARGE,
        Severity::Refusal,
        &[("max_mb", format!("{mb:.0}"))],
        vec![
            fig("bytes", bytes as f64),
            fig("max_bytes", max_bytes as f64),
        ],
    )
}

pub(crate) fn not_a_photo(kind: &DocumentKind, file: FileKind) -> Finding {
    let mut params = vec![document(kind)];
    match file {
        FileKind::Pdf => params.push(variant("pdf")),
        FileKind::OfficeDocument => params.push(variant("office")),
        FileKind::Video => params.push(variant("video")),
        FileKind::Audio => params.push(variant("audio")),
        FileKind::UnsupportedImage => params.push(variant("unsupported_image")),
        FileKind::Other | FileKind::Jpeg | FileKind::Png | FileKind::Webp => {}
    }
    finding(codes::NOT_A_PHOTO, Severity::Refusal, &params, Vec::new())
}

pub(crate) fn damaged_file(figures: Vec<(String, f64)>) -> Finding {
    finding(codes::DAMAGED_FILE, Severity::Refusal, &[], figures)
}

pub(crate) fn image_too_large(width: u32, height: u32, max_pixels: u64) -> Finding {
    let megapixels = f64::from(width) * f64::from(height) / 1e6;
    finding(
        codes::IMAGE_TOO_LARGE,
        Severity::Refusal,
        &[
            variant("megapixels"),
            ("megapixels", format!("{megapixels:.0}")),
        ],
        vec![
            fig("width", f64::from(width)),
            fig("height", f64::from(height)),
            fig("max_pixels", max_pixels as f64),
        ],
    )
}

/// The decoder would need more memory than allowed (the header looked fine).
pub(crate) fn over_decoder_limit(figures: Vec<(String, f64)>) -> Finding {
    finding(codes::IMAGE_TOO_LARGE, Severity::Refusal, &[], figures)
}

pub(crate) fn too_small(kind: &DocumentKind, width: u32, height: u32, min: Resolution) -> Finding {
    finding(
        codes::TOO_SMALL,
        Severity::Refusal,
        &[
            document(kind),
            ("width", width.to_string()),
            ("height", height.to_string()),
            ("min_long", min.long_side.to_string()),
            ("min_short", min.short_side.to_string()),
        ],
        vec![
            fig("width", f64::from(width)),
            fig("height", f64::from(height)),
            fig("min_long_side", f64::from(min.long_side)),
            fig("min_short_side", f64::from(min.short_side)),
        ],
    )
}

pub(crate) fn blurry(kind: &DocumentKind, figures: Vec<(String, f64)>) -> Finding {
    finding(codes::BLURRY, Severity::Refusal, &[document(kind)], figures)
}

pub(crate) fn too_dark(kind: &DocumentKind, figures: Vec<(String, f64)>) -> Finding {
    finding(
        codes::TOO_DARK,
        Severity::Refusal,
        &[document(kind)],
        figures,
    )
}

pub(crate) fn glare(kind: &DocumentKind, figures: Vec<(String, f64)>) -> Finding {
    finding(codes::GLARE, Severity::Refusal, &[document(kind)], figures)
}

/// `expected` is `None` when the birth year is unknown (then only red or blue is asked for).
pub(crate) fn wrong_background(
    expected: Option<(Colour, i32)>,
    found: Option<Colour>,
    figures: Vec<(String, f64)>,
) -> Finding {
    let params = match expected {
        Some((expected, year)) => vec![
            variant("for_year"),
            ("expected", colour(expected)),
            ("year", year.to_string()),
            (
                "parity",
                if year.rem_euclid(2) == 1 {
                    "odd"
                } else {
                    "even"
                }
                .to_owned(),
            ),
            ("found", found.map_or_else(|| "other".to_owned(), colour)),
        ],
        None => Vec::new(),
    };
    finding(codes::WRONG_BACKGROUND, Severity::Refusal, &params, figures)
}

pub(crate) fn background_unchecked(found: Colour, figures: Vec<(String, f64)>) -> Finding {
    finding(
        codes::BACKGROUND_UNCHECKED,
        Severity::Warning,
        &[("found", colour(found))],
        figures,
    )
}

pub(crate) fn duplicate_photo(
    kind: &DocumentKind,
    earlier: &DocumentKind,
    figures: Vec<(String, f64)>,
) -> Finding {
    finding(
        codes::DUPLICATE_PHOTO,
        Severity::Refusal,
        &[document(kind), ("earlier", earlier.id().to_owned())],
        figures,
    )
}

/// `shape` names what the document should look like: `id_card`, `a4_landscape`,
/// `a4_portrait`, `paper` or `pas_foto` (`shape_<name>` in the catalog).
pub(crate) fn unexpected_shape(
    kind: &DocumentKind,
    shape: &str,
    figures: Vec<(String, f64)>,
) -> Finding {
    finding(
        codes::UNEXPECTED_SHAPE,
        Severity::Warning,
        &[document(kind), ("shape", shape.to_owned())],
        figures,
    )
}

pub(crate) fn other_document(
    kind: &DocumentKind,
    found: &str,
    figures: Vec<(String, f64)>,
) -> Finding {
    finding(
        codes::OTHER_DOCUMENT,
        Severity::Warning,
        &[document(kind), ("looks_like", found.to_owned())],
        figures,
    )
}

pub(crate) fn not_stored(reason: &str) -> Finding {
    finding(
        codes::NOT_STORED,
        Severity::Refusal,
        &[("reason", reason.to_owned())],
        Vec::new(),
    )
}
