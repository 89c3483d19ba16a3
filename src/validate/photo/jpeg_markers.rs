//! A walk over the marker segments of a JPEG stream, without decoding any pixels.
//!
//! Two uses: the decoder we use (zune-jpeg via `image`, in lenient mode) happily fills a
//! truncated file with grey, so truncation is caught here by insisting on a complete stream up
//! to the end-of-image marker; and an accepted JPEG that needs no resizing or rotation is stored
//! by copying its image segments and dropping every metadata segment (EXIF with GPS and device
//! data, XMP, ICC, comments, trailers after the end marker), which costs nothing and loses no
//! quality.

use thiserror::Error;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const COM: u8 = 0xFE;
const APP0: u8 = 0xE0;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum JpegStructureError {
    #[error("the stream does not start with a JPEG start-of-image marker")]
    NoStart,
    #[error("the stream ends at byte {0} before the end-of-image marker (truncated)")]
    Truncated(usize),
    #[error("segment at byte {0} declares an impossible length")]
    BadLength(usize),
    #[error("the stream holds no image data (no start-of-scan)")]
    NoScan,
}

/// One marker segment: `start` is the offset of its 0xFF, `end` is exclusive. A start-of-scan
/// segment includes the entropy-coded data that follows its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub marker: u8,
    pub start: usize,
    pub end: usize,
}

/// Walks the stream from SOI to EOI. Bytes after EOI (phone "motion photo" videos, vendor
/// trailers) are ignored, and so is stray junk between segments, as libjpeg does.
pub(crate) fn segments(bytes: &[u8]) -> Result<Vec<Segment>, JpegStructureError> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != SOI {
        return Err(JpegStructureError::NoStart);
    }
    let len = bytes.len();
    let truncated = JpegStructureError::Truncated(len);
    let mut found = Vec::with_capacity(16);
    let mut saw_scan = false;
    let mut pos = 2;
    loop {
        let ff = find_ff(bytes, pos).ok_or(truncated.clone())?;
        let mut p = ff;
        while p < len && bytes[p] == 0xFF {
            p += 1;
        }
        let marker = *bytes.get(p).ok_or(truncated.clone())?;
        let start = p - 1;
        pos = p + 1;
        match marker {
            EOI => {
                return if saw_scan {
                    Ok(found)
                } else {
                    Err(JpegStructureError::NoScan)
                };
            }
            // Markers without a length; outside a scan they are stray and are skipped.
            0x00 | 0x01 | SOI | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let length_bytes = bytes.get(pos..pos + 2).ok_or(truncated.clone())?;
        let length = usize::from(u16::from_be_bytes([length_bytes[0], length_bytes[1]]));
        if length < 2 {
            return Err(JpegStructureError::BadLength(start));
        }
        let header_end = pos + length;
        if header_end > len {
            return Err(truncated);
        }
        let end = if marker == SOS {
            saw_scan = true;
            end_of_entropy_data(bytes, header_end).ok_or(truncated.clone())?
        } else {
            header_end
        };
        found.push(Segment { marker, start, end });
        pos = end;
    }
}

/// The offset of the first real marker after entropy-coded data: 0xFF followed by anything but
/// a stuffed zero, a restart marker or another fill byte.
fn end_of_entropy_data(bytes: &[u8], from: usize) -> Option<usize> {
    let mut q = from;
    loop {
        let ff = find_ff(bytes, q)?;
        let next = *bytes.get(ff + 1)?;
        match next {
            0x00 | 0xD0..=0xD7 => q = ff + 2,
            0xFF => q = ff + 1,
            _ => return Some(ff),
        }
    }
}

/// The next 0xFF at or after `from`, testing eight bytes at a time (entropy-coded data is
/// most of a JPEG and this walk runs on every photo).
fn find_ff(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let inverted = !word;
        if inverted.wrapping_sub(0x0101_0101_0101_0101) & !inverted & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        offset += 8;
    }
    rest[offset..]
        .iter()
        .position(|&b| b == 0xFF)
        .map(|i| from + offset + i)
}

/// Rebuilds the stream from the segments a decoder needs, dropping all application segments
/// (except Adobe's APP14, which says how the colours were transformed) and comments.
pub(crate) fn without_metadata(bytes: &[u8], segments: &[Segment]) -> Vec<u8> {
    let kept: usize = segments
        .iter()
        .filter(|s| keeps(bytes, s))
        .map(|s| s.end - s.start)
        .sum();
    let mut out = Vec::with_capacity(kept + 4);
    out.extend_from_slice(&[0xFF, SOI]);
    for segment in segments.iter().filter(|s| keeps(bytes, s)) {
        out.extend_from_slice(&bytes[segment.start..segment.end]);
    }
    out.extend_from_slice(&[0xFF, EOI]);
    out
}

fn keeps(bytes: &[u8], segment: &Segment) -> bool {
    match segment.marker {
        APP14 => bytes
            .get(segment.start + 4..segment.start + 9)
            .is_some_and(|id| id == b"Adobe"),
        APP0..=APP15 | COM => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny but complete 8x8 grey JPEG, encoded with `image` and then given an EXIF segment.
    fn tiny_jpeg_with_exif() -> Vec<u8> {
        let grey = image::GrayImage::from_pixel(8, 8, image::Luma([128]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut plain)
            .encode_image(&grey)
            .unwrap();
        let exif = b"Exif\0\0II*\0\x08\0\0\0\0\0\0\0\0\0";
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(exif);
        out.extend_from_slice(&plain[2..]);
        out
    }

    #[test]
    fn a_complete_stream_walks_to_its_end_marker() {
        let jpeg = tiny_jpeg_with_exif();
        let found = segments(&jpeg).unwrap();
        assert!(found.iter().any(|s| s.marker == SOS));
        assert!(found.iter().any(|s| s.marker == 0xE1));
    }

    #[test]
    fn every_strict_prefix_of_a_stream_is_truncated() {
        let jpeg = tiny_jpeg_with_exif();
        for cut in 0..jpeg.len() - 1 {
            assert!(
                segments(&jpeg[..cut]).is_err(),
                "prefix of {cut} bytes passed"
            );
        }
    }

    #[test]
    fn stripping_metadata_drops_exif_and_keeps_a_decodable_image() {
        let jpeg = tiny_jpeg_with_exif();
        let stripped = without_metadata(&jpeg, &segments(&jpeg).unwrap());
        assert!(!stripped.windows(4).any(|w| w == b"Exif"));
        let decoded = image::load_from_memory(&stripped).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (8, 8));
    }

    #[test]
    fn the_next_ff_is_found_at_any_alignment() {
        for len in 0..40 {
            for at in 0..len {
                let mut bytes = vec![0x12u8; len];
                bytes[at] = 0xFF;
                for from in 0..=at {
                    assert_eq!(find_ff(&bytes, from), Some(at));
                }
                assert_eq!(find_ff(&bytes, at + 1), None);
            }
        }
    }

    #[test]
    fn trailing_bytes_after_the_end_marker_are_ignored_and_not_kept() {
        let mut jpeg = tiny_jpeg_with_exif();
        jpeg.extend_from_slice(b"motion photo video trailer");
        let found = segments(&jpeg).unwrap();
        let stripped = without_metadata(&jpeg, &found);
        assert!(stripped.ends_with(&[0xFF, EOI]));
        assert!(!stripped.windows(6).any(|w| w == b"motion"));
    }
}
