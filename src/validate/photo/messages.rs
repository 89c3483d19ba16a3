//! What the parent (and the officer) is told about a photo: a stable code, a short plain
//! instruction in Bahasa Indonesia, the same in English, and the figures behind it.

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
    /// Pas foto background could not be compared: the child's birth year is unknown. Warning.
    pub const BACKGROUND_UNCHECKED: &str = "background_unchecked";
    /// The accepted photo could not be turned into the copy to store. Refusal (never expected).
    pub const NOT_STORED: &str = "not_stored";
}

fn finding(
    code: &str,
    severity: Severity,
    message_id: String,
    message_en: String,
    figures: Vec<(String, f64)>,
) -> Finding {
    Finding {
        code: code.to_owned(),
        severity,
        message_id,
        message_en,
        figures,
    }
}

pub(crate) fn fig(name: &str, value: f64) -> (String, f64) {
    (name.to_owned(), value)
}

pub(crate) fn file_too_large(bytes: usize, max_bytes: usize) -> Finding {
    let mb = max_bytes as f64 / (1024.0 * 1024.0);
    finding(
        codes::FILE_TOO_LARGE,
        Severity::Refusal,
        format!(
            "Ukuran file terlalu besar (maksimal {mb:.0} MB). Mohon kirim sebagai foto biasa \
             lewat WhatsApp, bukan sebagai dokumen."
        ),
        format!(
            "The file is too large (at most {mb:.0} MB). Please send it as an ordinary WhatsApp \
             photo, not as a document."
        ),
        vec![
            fig("bytes", bytes as f64),
            fig("max_bytes", max_bytes as f64),
        ],
    )
}

pub(crate) fn not_a_photo(kind: DocumentKind, file: FileKind) -> Finding {
    let (label_id, label_en) = (kind.label_id(), kind.label_en());
    let (id, en) = match file {
        FileKind::Pdf => (
            format!(
                "File yang dikirim berupa PDF. Mohon kirim sebagai foto, bukan PDF: foto \
                 {label_id} yang asli dengan kamera HP, lalu kirim."
            ),
            format!(
                "The file is a PDF. Please send a photo, not a PDF: take a picture of the \
                 original {label_en} with your phone camera and send it."
            ),
        ),
        FileKind::OfficeDocument => (
            format!(
                "File yang dikirim berupa dokumen (Word/Excel/ZIP), bukan foto. Mohon foto \
                 {label_id} yang asli dengan kamera HP, lalu kirim sebagai foto."
            ),
            format!(
                "The file is a document (Word/Excel/ZIP), not a photo. Please take a picture of \
                 the original {label_en} and send it as a photo."
            ),
        ),
        FileKind::Video => (
            format!("File yang dikirim berupa video. Mohon kirim foto {label_id}, bukan video."),
            format!("The file is a video. Please send a photo of the {label_en}, not a video."),
        ),
        FileKind::Audio => (
            format!("File yang dikirim berupa suara/audio. Mohon kirim foto {label_id}."),
            format!("The file is audio. Please send a photo of the {label_en}."),
        ),
        FileKind::UnsupportedImage => (
            "Format gambar ini (misalnya HEIC) belum bisa kami buka. Mohon kirim lewat Kamera \
             atau Galeri di WhatsApp sebagai foto, bukan sebagai dokumen."
                .to_owned(),
            "We cannot open this picture format (e.g. HEIC). Please send it through the \
             WhatsApp Camera or Gallery as a photo, not as a document."
                .to_owned(),
        ),
        FileKind::Other | FileKind::Jpeg | FileKind::Png | FileKind::Webp => (
            format!("File ini bukan foto. Mohon kirim foto {label_id} (format JPG atau PNG)."),
            format!(
                "This file is not a photo. Please send a photo of the {label_en} (JPG or PNG)."
            ),
        ),
    };
    finding(codes::NOT_A_PHOTO, Severity::Refusal, id, en, Vec::new())
}

pub(crate) fn damaged_file(figures: Vec<(String, f64)>) -> Finding {
    finding(
        codes::DAMAGED_FILE,
        Severity::Refusal,
        "Foto tidak bisa dibuka (file rusak atau terpotong).".to_owned(),
        "The photo cannot be opened (the file is damaged or incomplete).".to_owned(),
        figures,
    )
}

pub(crate) fn image_too_large(width: u32, height: u32, max_pixels: u64) -> Finding {
    let megapixels = f64::from(width) * f64::from(height) / 1e6;
    finding(
        codes::IMAGE_TOO_LARGE,
        Severity::Refusal,
        format!(
            "Gambar terlalu besar untuk diproses ({megapixels:.0} megapiksel). Mohon kirim \
             sebagai foto biasa lewat WhatsApp, bukan sebagai dokumen."
        ),
        format!(
            "The picture is too large to process ({megapixels:.0} megapixels). Please send it \
             as an ordinary WhatsApp photo, not as a document."
        ),
        vec![
            fig("width", f64::from(width)),
            fig("height", f64::from(height)),
            fig("max_pixels", max_pixels as f64),
        ],
    )
}

/// The decoder would need more memory than allowed (the header looked fine).
pub(crate) fn over_decoder_limit(figures: Vec<(String, f64)>) -> Finding {
    finding(
        codes::IMAGE_TOO_LARGE,
        Severity::Refusal,
        "Gambar terlalu besar untuk diproses. Mohon kirim sebagai foto biasa lewat WhatsApp, \
         bukan sebagai dokumen."
            .to_owned(),
        "The picture is too large to process. Please send it as an ordinary WhatsApp photo, \
         not as a document."
            .to_owned(),
        figures,
    )
}

pub(crate) fn too_small(kind: DocumentKind, width: u32, height: u32, min: Resolution) -> Finding {
    finding(
        codes::TOO_SMALL,
        Severity::Refusal,
        format!(
            "Foto {} terlalu kecil ({width}x{height} piksel), tulisannya tidak akan terbaca. \
             Mohon foto ulang lebih dekat dan kirim dengan ukuran asli (minimal {}x{} piksel).",
            kind.label_id(),
            min.long_side,
            min.short_side
        ),
        format!(
            "The photo of the {} is too small ({width}x{height} pixels) for the text to be \
             read. Please take it again from closer and send it at full size (at least {}x{}).",
            kind.label_en(),
            min.long_side,
            min.short_side
        ),
        vec![
            fig("width", f64::from(width)),
            fig("height", f64::from(height)),
            fig("min_long_side", f64::from(min.long_side)),
            fig("min_short_side", f64::from(min.short_side)),
        ],
    )
}

pub(crate) fn blurry(kind: DocumentKind, figures: Vec<(String, f64)>) -> Finding {
    finding(
        codes::BLURRY,
        Severity::Refusal,
        format!(
            "Foto {} kurang jelas (buram). Mohon foto ulang di tempat terang, pegang HP dengan \
             stabil, pastikan semua tulisan terbaca.",
            kind.label_id()
        ),
        format!(
            "The photo of the {} is blurred. Please take it again in good light, hold the \
             phone steady and make sure all the text can be read.",
            kind.label_en()
        ),
        figures,
    )
}

pub(crate) fn too_dark(kind: DocumentKind, figures: Vec<(String, f64)>) -> Finding {
    finding(
        codes::TOO_DARK,
        Severity::Refusal,
        format!(
            "Foto {} terlalu gelap. Mohon foto ulang di tempat yang lebih terang, misalnya dekat \
             jendela atau di bawah lampu.",
            kind.label_id()
        ),
        format!(
            "The photo of the {} is too dark. Please take it again somewhere brighter, e.g. near \
             a window or under a lamp.",
            kind.label_en()
        ),
        figures,
    )
}

pub(crate) fn glare(kind: DocumentKind, figures: Vec<(String, f64)>) -> Finding {
    finding(
        codes::GLARE,
        Severity::Refusal,
        format!(
            "Ada pantulan cahaya yang menutupi sebagian {}. Mohon foto ulang tanpa lampu kilat \
             (flash) dan miringkan sedikit dokumennya agar tidak silau.",
            kind.label_id()
        ),
        format!(
            "A reflection hides part of the {}. Please take it again without the flash and tilt \
             the document a little so the light does not reflect.",
            kind.label_en()
        ),
        figures,
    )
}

fn colour_id(colour: Colour) -> &'static str {
    match colour {
        Colour::Red => "merah",
        Colour::Blue => "biru",
    }
}

fn colour_en(colour: Colour) -> &'static str {
    match colour {
        Colour::Red => "red",
        Colour::Blue => "blue",
    }
}

/// `expected` is `None` when the birth year is unknown (then only red or blue is asked for).
pub(crate) fn wrong_background(
    expected: Option<(Colour, i32)>,
    found: Option<Colour>,
    figures: Vec<(String, f64)>,
) -> Finding {
    let found_id = found.map_or("warna lain", colour_id);
    let found_en = found.map_or("another colour", colour_en);
    let (id, en) = match expected {
        Some((colour, year)) => {
            let parity_id = if year.rem_euclid(2) == 1 {
                "ganjil"
            } else {
                "genap"
            };
            let parity_en = if year.rem_euclid(2) == 1 {
                "odd"
            } else {
                "even"
            };
            (
                format!(
                    "Latar belakang pas foto harus {} polos untuk anak kelahiran {year} (tahun \
                     {parity_id}), tetapi latar foto ini {found_id}. Mohon kirim pas foto \
                     berlatar {}.",
                    colour_id(colour),
                    colour_id(colour)
                ),
                format!(
                    "The pas foto background must be plain {} for a child born in {year} (an \
                     {parity_en} year), but this one is {found_en}. Please send a pas foto with \
                     a {} background.",
                    colour_en(colour),
                    colour_en(colour)
                ),
            )
        }
        None => (
            "Latar belakang pas foto harus merah atau biru polos. Mohon kirim pas foto dengan \
             latar merah atau biru."
                .to_owned(),
            "The pas foto background must be plain red or blue. Please send a pas foto with a \
             red or blue background."
                .to_owned(),
        ),
    };
    finding(codes::WRONG_BACKGROUND, Severity::Refusal, id, en, figures)
}

pub(crate) fn background_unchecked(found: Colour, figures: Vec<(String, f64)>) -> Finding {
    finding(
        codes::BACKGROUND_UNCHECKED,
        Severity::Warning,
        format!(
            "Latar pas foto {} belum dicocokkan dengan tahun lahir anak (tahun lahir belum \
             diketahui).",
            colour_id(found)
        ),
        format!(
            "The {} pas foto background was not compared with the child's birth year (the year \
             is not known yet).",
            colour_en(found)
        ),
        figures,
    )
}

pub(crate) fn duplicate_photo(
    kind: DocumentKind,
    earlier: DocumentKind,
    figures: Vec<(String, f64)>,
) -> Finding {
    finding(
        codes::DUPLICATE_PHOTO,
        Severity::Refusal,
        format!(
            "Foto {} sama dengan foto {} yang sudah dikirim. Mohon kirim foto {} yang benar.",
            kind.label_id(),
            earlier.label_id(),
            kind.label_id()
        ),
        format!(
            "This photo of the {} is the same as the {} photo already sent. Please send a photo \
             of the right document.",
            kind.label_en(),
            earlier.label_en()
        ),
        figures,
    )
}

pub(crate) fn unexpected_shape(
    kind: DocumentKind,
    expected_id: &str,
    expected_en: &str,
    figures: Vec<(String, f64)>,
) -> Finding {
    finding(
        codes::UNEXPECTED_SHAPE,
        Severity::Warning,
        format!(
            "Bentuk dokumen di foto ini tidak seperti {} ({expected_id}). Pastikan yang difoto \
             memang {} dan seluruh dokumen terlihat utuh.",
            kind.label_id(),
            kind.label_id()
        ),
        format!(
            "The document in this photo does not look like the {} ({expected_en}). Please make \
             sure it is the {} and that the whole document is in the picture.",
            kind.label_en(),
            kind.label_en()
        ),
        figures,
    )
}

pub(crate) fn not_stored(reason: &str) -> Finding {
    finding(
        codes::NOT_STORED,
        Severity::Refusal,
        "Maaf, foto ini tidak dapat kami simpan.".to_owned(),
        format!("Sorry, we could not store this photo ({reason})."),
        Vec::new(),
    )
}
