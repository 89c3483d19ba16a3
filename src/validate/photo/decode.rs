//! Bounded decoding of untrusted photos: dimensions are read from the header and checked before
//! a single pixel buffer is allocated, and the decoder itself runs under `image::Limits`.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};
use thiserror::Error;

use super::jpeg_markers::{self, JpegStructureError, Segment};
use super::{FileKind, PhotoPolicy};

#[derive(Debug, Error)]
pub(crate) enum DecodeError {
    #[error("{width}x{height} is over the pixel or side limit")]
    TooLarge { width: u32, height: u32 },
    #[error("decoding needs {needed} bytes, over the {limit} byte limit")]
    TooMuchMemory { needed: u64, limit: u64 },
    #[error("JPEG structure: {0}")]
    Structure(JpegStructureError),
    #[error("the image has no pixels")]
    Empty,
    #[error("not a decodable photo format")]
    NotAPhoto,
    #[error("decoder limit: {0}")]
    Limit(ImageError),
    #[error("decoder: {0}")]
    Decoder(ImageError),
}

impl From<JpegStructureError> for DecodeError {
    fn from(e: JpegStructureError) -> Self {
        DecodeError::Structure(e)
    }
}

impl From<ImageError> for DecodeError {
    fn from(error: ImageError) -> DecodeError {
        match error {
            // Only the dimension and allocation caps we set raise limit errors.
            ImageError::Limits(_) => DecodeError::Limit(error),
            other => DecodeError::Decoder(other),
        }
    }
}

/// A decoded photo as stored in the file (not yet turned upright).
pub(crate) struct Decoded {
    pub rgb: RgbImage,
    pub orientation: Orientation,
    /// For JPEG input: its segments, so the stored copy can be rewritten without metadata.
    pub jpeg_segments: Option<Vec<Segment>>,
}

pub(crate) fn decode(
    bytes: &[u8],
    kind: FileKind,
    policy: &PhotoPolicy,
) -> Result<Decoded, DecodeError> {
    let format = match kind {
        FileKind::Jpeg => ImageFormat::Jpeg,
        FileKind::Png => ImageFormat::Png,
        FileKind::Webp => ImageFormat::WebP,
        _ => return Err(DecodeError::NotAPhoto),
    };
    // zune-jpeg (lenient mode) decodes a truncated file into a half-grey picture without an
    // error, so completeness is checked on the stream itself first.
    let jpeg_segments = match kind {
        FileKind::Jpeg => Some(jpeg_markers::segments(bytes)?),
        _ => None,
    };

    let mut limits = Limits::default();
    limits.max_image_width = Some(policy.max_side);
    limits.max_image_height = Some(policy.max_side);
    limits.max_alloc = Some(policy.max_alloc);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);

    // Only the header has been parsed once the decoder exists.
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        ImageError::Limits(_) => header_dimensions(bytes, format)
            .map(|(width, height)| DecodeError::TooLarge { width, height })
            .unwrap_or(DecodeError::TooLarge {
                width: 0,
                height: 0,
            }),
        other => DecodeError::Decoder(other),
    })?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(DecodeError::Empty);
    }
    if u64::from(width) * u64::from(height) > policy.max_pixels
        || width > policy.max_side
        || height > policy.max_side
    {
        return Err(DecodeError::TooLarge { width, height });
    }
    let needed = decoder.total_bytes();
    if needed > policy.max_alloc {
        return Err(DecodeError::TooMuchMemory {
            needed,
            limit: policy.max_alloc,
        });
    }
    // A broken EXIF block must not cost the parent their photo: treat it as upright.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder)?;
    Ok(Decoded {
        rgb: into_rgb(image),
        orientation,
        jpeg_segments,
    })
}

/// Dimensions from the header alone, for the message when the decoder refused on limits.
fn header_dimensions(bytes: &[u8], format: ImageFormat) -> Option<(u32, u32)> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    reader.into_dimensions().ok()
}

/// Flattens any colour type to 8-bit RGB; transparent parts become white, as on paper.
fn into_rgb(image: DynamicImage) -> RgbImage {
    match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        DynamicImage::ImageRgba8(rgba) => {
            let (w, h) = rgba.dimensions();
            let data = rgba
                .as_raw()
                .chunks_exact(4)
                .flat_map(|p| {
                    let a = u32::from(p[3]);
                    [0, 1, 2].map(|c| ((u32::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8)
                })
                .collect();
            RgbImage::from_raw(w, h, data).unwrap_or_else(|| RgbImage::new(w, h))
        }
        other => other.to_rgb8(),
    }
}

/// The EXIF orientation number (1 to 8), for the figures.
pub(crate) fn exif_number(orientation: Orientation) -> f64 {
    match orientation {
        Orientation::NoTransforms => 1.0,
        Orientation::FlipHorizontal => 2.0,
        Orientation::Rotate180 => 3.0,
        Orientation::FlipVertical => 4.0,
        Orientation::Rotate90FlipH => 5.0,
        Orientation::Rotate90 => 6.0,
        Orientation::Rotate270FlipH => 7.0,
        Orientation::Rotate270 => 8.0,
    }
}
