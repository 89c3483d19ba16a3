//! What a file really is, judged from its first bytes: WhatsApp's declared mime type is the
//! sender's word, and a parent may well send a PDF or a video "as a photo".

use serde::{Deserialize, Serialize};

/// The kind of file, sniffed from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
    /// Word/Excel/OpenDocument files, and any other zip or OLE container.
    OfficeDocument,
    Video,
    Audio,
    /// A picture in a format we do not decode (HEIC/HEIF, AVIF, GIF, BMP, TIFF): usually a photo
    /// sent "as a document", so the parent gets a hint on how to send it as a photo instead.
    UnsupportedImage,
    Other,
}

impl FileKind {
    /// Only these are decoded; everything else is refused before any parser sees it.
    pub fn is_photo(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png | FileKind::Webp)
    }

    /// Stable id for logs, labels and figures.
    pub fn id(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
            FileKind::OfficeDocument => "office_document",
            FileKind::Video => "video",
            FileKind::Audio => "audio",
            FileKind::UnsupportedImage => "unsupported_image",
            FileKind::Other => "other",
        }
    }
}

/// Sniffs the file kind from its content. Never reads past the first 1 KiB.
pub fn sniff(bytes: &[u8]) -> FileKind {
    let head = &bytes[..bytes.len().min(1024)];
    let at = |offset: usize, magic: &[u8]| {
        head.get(offset..offset + magic.len())
            .is_some_and(|s| s == magic)
    };

    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return FileKind::Jpeg;
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return FileKind::Png;
    }
    if at(0, b"RIFF") {
        return if at(8, b"WEBP") {
            FileKind::Webp
        } else if at(8, b"WAVE") {
            FileKind::Audio
        } else if at(8, b"AVI ") {
            FileKind::Video
        } else {
            FileKind::Other
        };
    }
    // The PDF header may follow some junk; readers accept it within the first 1 KiB.
    if head.windows(5).any(|w| w == b"%PDF-") {
        return FileKind::Pdf;
    }
    if at(0, b"PK\x03\x04") || at(0, b"PK\x05\x06") || at(0, &OLE_MAGIC) || at(0, b"{\\rtf") {
        return FileKind::OfficeDocument;
    }
    if at(4, b"ftyp") {
        return iso_media_kind(head.get(8..12).unwrap_or_default());
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        // Matroska / WebM.
        return FileKind::Video;
    }
    if at(0, b"OggS") || at(0, b"ID3") || at(0, b"#!AMR") || at(0, b"fLaC") {
        return FileKind::Audio;
    }
    // MPEG audio / ADTS AAC frame sync (11 set bits). JPEG (FF D8) was handled above.
    if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 {
        return FileKind::Audio;
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") || at(0, b"II*\0") || at(0, b"MM\0*") {
        return FileKind::UnsupportedImage;
    }
    if at(0, b"BM") && head.len() >= 26 && at(6, &[0, 0, 0, 0]) {
        return FileKind::UnsupportedImage;
    }
    FileKind::Other
}

const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// ISO base media files (MP4, 3GP, MOV, M4A, HEIC, AVIF) name their flavour in the `ftyp` brand.
fn iso_media_kind(brand: &[u8]) -> FileKind {
    match brand {
        b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" | b"avif"
        | b"avis" => FileKind::UnsupportedImage,
        b"M4A " | b"M4B " | b"M4P " | b"F4A " => FileKind::Audio,
        _ => FileKind::Video,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_recognised_by_their_magic_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), FileKind::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), FileKind::Png);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), FileKind::Webp);
    }

    #[test]
    fn a_pdf_is_found_even_after_leading_junk() {
        assert_eq!(sniff(b"%PDF-1.7\n"), FileKind::Pdf);
        assert_eq!(sniff(b"\r\n\r\ngarbage %PDF-1.4\n"), FileKind::Pdf);
    }

    #[test]
    fn office_documents_videos_and_audio_are_told_apart() {
        assert_eq!(sniff(b"PK\x03\x04\x14\0\0\0"), FileKind::OfficeDocument);
        assert_eq!(sniff(&OLE_MAGIC), FileKind::OfficeDocument);
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\x02\0"), FileKind::Video);
        assert_eq!(sniff(b"\0\0\0\x18ftyp3gp4\0\0\x02\0"), FileKind::Video);
        assert_eq!(sniff(b"\0\0\0\x18ftypM4A \0\0\x02\0"), FileKind::Audio);
        assert_eq!(sniff(b"OggS\0\x02"), FileKind::Audio);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), FileKind::Audio);
    }

    #[test]
    fn heic_and_gif_are_pictures_we_do_not_read() {
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            FileKind::UnsupportedImage
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), FileKind::UnsupportedImage);
    }

    #[test]
    fn empty_and_short_files_are_other() {
        assert_eq!(sniff(b""), FileKind::Other);
        assert_eq!(sniff(&[0xFF]), FileKind::Other);
        assert_eq!(sniff(b"hello"), FileKind::Other);
    }
}
