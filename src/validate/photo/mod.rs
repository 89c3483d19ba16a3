//! Is this picture a usable photo of the document the parent says it is?
//!
//! `check_photo` takes the bytes as they came from WhatsApp and returns a verdict (reason codes,
//! a plain instruction for the parent, the figures for officers) and, when accepted, the copy to
//! store: a JPEG without EXIF (no location or device data), its longest side capped.
//!
//! The pipeline decodes once under hard limits, shrinks once right away (to the stored size,
//! then to a small analysis copy) and runs every measurement on the small copy, so a full check
//! costs little more than the decode itself. Nothing here does IO.

mod analysis;
mod decode;
mod hash;
mod jpeg_markers;
mod messages;
mod resample;
mod sniff;

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, RgbImage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::document::{DocumentKind, DocumentShape};
use crate::domain::photo::{Finding, PhotoVerdict};

use analysis::Region;
use decode::{DecodeError, Decoded};
use hash::PerceptualHash;
use messages::fig;

pub use hash::perceptual_hash_distance;
pub use messages::codes;
pub use sniff::{FileKind, sniff};

pub use crate::domain::photo::{BackgroundRule, Colour};

/// A number of pixels on the long and on the short side of a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub long_side: u32,
    pub short_side: u32,
}

/// The least resolution at which the text of each kind of document is still readable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MinResolution {
    pub id_card: Resolution,
    /// KK: a dense table of small print on a landscape A4.
    pub a4_landscape: Resolution,
    pub a4_portrait: Resolution,
    pub paper: Resolution,
    pub pas_foto: Resolution,
}

impl Default for MinResolution {
    fn default() -> MinResolution {
        let r = |long_side, short_side| Resolution {
            long_side,
            short_side,
        };
        MinResolution {
            id_card: r(640, 400),
            a4_landscape: r(1200, 850),
            a4_portrait: r(1000, 700),
            paper: r(1000, 700),
            pas_foto: r(400, 300),
        }
    }
}

impl MinResolution {
    pub fn for_shape(&self, shape: DocumentShape) -> Resolution {
        match shape {
            DocumentShape::IdCard => self.id_card,
            DocumentShape::A4Landscape => self.a4_landscape,
            DocumentShape::A4Portrait => self.a4_portrait,
            DocumentShape::Paper => self.paper,
            DocumentShape::PasFoto => self.pas_foto,
        }
    }
}

/// Decision thresholds. The defaults were calibrated on the labelled fixtures (see
/// `fixtures/photos/README.md` and the `photo_checks` test, which prints the distributions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Documents below this edge narrowness (see `analysis::Sharpness`) are blurred.
    pub min_sharpness_document: f64,
    /// Pas fotos have few, soft edges (a face on a plain backdrop): a lower bar.
    pub min_sharpness_pas_foto: f64,
    /// Documents whose edges are less steep than this in some direction (see
    /// `analysis::Sharpness::edge_steepness`; 1 crisp, 0.25 smeared) are blurred: camera shake.
    pub min_steepness_document: f64,
    /// The same for pas fotos, whose face and hair have soft edges.
    pub min_steepness_pas_foto: f64,
    /// Too dark when even the brightest 5% of the picture is darker than this (0 to 255).
    pub dark_when_p95_below: f64,
    /// Glare when one blown-out patch covers at least this share of the frame.
    pub glare_min_patch: f64,
    /// Relative tolerance on a document's aspect ratio before the shape hint fires.
    pub shape_tolerance: f64,
    /// Two hashes at most this many bits apart (of 512) are the same picture.
    pub duplicate_max_distance: u32,
    /// A pas foto backdrop must be this uniform (share of border samples of one colour).
    pub background_min_uniformity: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            min_sharpness_document: 0.05,
            min_sharpness_pas_foto: 0.03,
            min_steepness_document: 0.40,
            min_steepness_pas_foto: 0.33,
            dark_when_p95_below: 70.0,
            glare_min_patch: 0.015,
            shape_tolerance: 0.07,
            duplicate_max_distance: 64,
            background_min_uniformity: 0.6,
        }
    }
}

/// How photos are judged and stored; a per-office setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhotoPolicy {
    /// Files above this size are refused before they are parsed.
    pub max_bytes: usize,
    /// Header-declared width x height above this is refused before decoding (bombs, 50 MP).
    pub max_pixels: u64,
    /// Either side above this is refused before decoding.
    pub max_side: u32,
    /// Cap on what the decoder may allocate.
    pub max_alloc: u64,
    /// Longest side of the stored copy.
    pub store_max_side: u32,
    /// JPEG quality of a re-encoded stored copy.
    pub store_jpeg_quality: u8,
    /// Store an upright JPEG that already fits by copying its image data and dropping all its
    /// metadata (lossless, nearly free) instead of decoding and re-encoding it.
    pub store_lossless_when_possible: bool,
    pub background: BackgroundRule,
    pub min_resolution: MinResolution,
    pub thresholds: Thresholds,
}

impl Default for PhotoPolicy {
    fn default() -> PhotoPolicy {
        PhotoPolicy {
            max_bytes: 16 * 1024 * 1024,
            max_pixels: 25_000_000,
            max_side: 12_000,
            max_alloc: 128 * 1024 * 1024,
            store_max_side: 1600,
            store_jpeg_quality: 85,
            store_lossless_when_possible: true,
            background: BackgroundRule::default(),
            min_resolution: MinResolution::default(),
            thresholds: Thresholds::default(),
        }
    }
}

/// One photo to judge, with what it is meant to be and what came before in the same request.
#[derive(Debug, Clone, Copy)]
pub struct PhotoToCheck<'a> {
    pub bytes: &'a [u8],
    pub kind: &'a DocumentKind,
    /// What a photo of `kind` should show (`flows/documents.toml`).
    pub shape: DocumentShape,
    /// Needed to judge a pas foto's background; `None` when not known yet.
    pub child_birth_year: Option<i32>,
    /// Photos already accepted for this request, to catch the same picture sent twice.
    pub earlier: &'a [EarlierPhoto],
}

/// A photo accepted earlier in the same request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierPhoto {
    pub kind: DocumentKind,
    pub perceptual_hash: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedPhoto {
    pub verdict: PhotoVerdict,
    /// `Some` exactly when `verdict.accepted()`.
    pub accepted: Option<AcceptedPhoto>,
}

/// What the store files for an accepted photo.
#[derive(Clone, PartialEq, Eq)]
pub struct AcceptedPhoto {
    /// Upright JPEG without EXIF/XMP/ICC/comments, longest side at most `store_max_side`.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// sha256 of the bytes as received, lowercase hex.
    pub original_sha256: String,
    pub perceptual_hash: String,
}

impl std::fmt::Debug for AcceptedPhoto {
    // The JPEG bytes would flood any log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcceptedPhoto")
            .field("jpeg_bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("original_sha256", &self.original_sha256)
            .field("perceptual_hash", &self.perceptual_hash)
            .finish()
    }
}

/// Side of the copy all measurements run on: enough to see blur and glare, small enough that
/// measuring costs a fraction of decoding.
const ANALYSIS_LONG_SIDE: u32 = 800;
/// Rough side of the copy the document is located on (a whole-block average of the analysis
/// copy, so between 200 and 400 pixels).
const REGION_LONG_SIDE: u32 = 200;

/// Judges one photo. Never panics: whatever the bytes, the answer is a verdict.
pub fn check_photo(photo: &PhotoToCheck, policy: &PhotoPolicy) -> CheckedPhoto {
    // Defence in depth: the decoders parse hostile input, and a bug there must cost the parent
    // one refused photo, not the worker. (The panic message still reaches the log.)
    catch_unwind(AssertUnwindSafe(|| check(photo, policy))).unwrap_or_else(|_| {
        refused(
            vec![fig("bytes", photo.bytes.len() as f64)],
            messages::damaged_file(vec![fig("decoder_panicked", 1.0)]),
        )
    })
}

fn refused(figures: Vec<(String, f64)>, finding: Finding) -> CheckedPhoto {
    CheckedPhoto {
        verdict: PhotoVerdict {
            findings: vec![finding],
            figures,
        },
        accepted: None,
    }
}

fn check(photo: &PhotoToCheck, policy: &PhotoPolicy) -> CheckedPhoto {
    let bytes = photo.bytes;
    let mut figures = vec![fig("bytes", bytes.len() as f64)];
    if bytes.len() > policy.max_bytes {
        return refused(
            figures,
            messages::file_too_large(bytes.len(), policy.max_bytes),
        );
    }
    let file = sniff(bytes);
    if !file.is_photo() {
        return refused(figures, messages::not_a_photo(photo.kind, file));
    }
    let Decoded {
        rgb: full,
        orientation,
        jpeg_segments,
    } = match decode::decode(bytes, file, policy) {
        Ok(decoded) => decoded,
        Err(error) => return refused(figures, decode_refusal(&error, policy)),
    };
    let (stored_w, stored_h) = full.dimensions();
    let (width, height) = if swaps_sides(orientation) {
        (stored_h, stored_w)
    } else {
        (stored_w, stored_h)
    };
    figures.push(fig("width", f64::from(width)));
    figures.push(fig("height", f64::from(height)));
    figures.push(fig("exif_orientation", decode::exif_number(orientation)));

    // An upright JPEG that already fits is stored by rewriting its segments, not re-encoding.
    let lossless = policy.store_lossless_when_possible
        && orientation == Orientation::NoTransforms
        && stored_w.max(stored_h) <= policy.store_max_side;
    let lossless_segments = jpeg_segments.filter(|_| lossless);

    let copies = match Copies::make(full, orientation, policy.store_max_side) {
        Ok(copies) => copies,
        Err(error) => return refused(figures, messages::not_stored(&error.to_string())),
    };
    let (working, grey) = (&copies.working, &copies.grey);
    let mut findings = measure(photo, policy, &copies, (width, height), &mut figures);

    let hash = PerceptualHash::of(grey);
    if let Some((distance, earlier)) = nearest_earlier(photo, hash) {
        figures.push(fig("nearest_earlier_distance", f64::from(distance)));
        if distance <= policy.thresholds.duplicate_max_distance {
            findings.push(messages::duplicate_photo(
                photo.kind,
                &earlier,
                vec![fig("hash_distance", f64::from(distance))],
            ));
        }
    }

    // Refusals first: the conversation tells the parent the first one.
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut verdict = PhotoVerdict { findings, figures };
    if !verdict.accepted() {
        return CheckedPhoto {
            verdict,
            accepted: None,
        };
    }

    let stored = match lossless_segments {
        Some(segments) => Ok(jpeg_markers::without_metadata(bytes, &segments)),
        None => encode_jpeg(working, policy.store_jpeg_quality),
    };
    match stored {
        Ok(jpeg) => CheckedPhoto {
            accepted: Some(AcceptedPhoto {
                jpeg,
                width: working.width(),
                height: working.height(),
                original_sha256: hex::encode(Sha256::digest(bytes)),
                perceptual_hash: hash.to_text(),
            }),
            verdict,
        },
        Err(error) => {
            verdict.findings.insert(0, messages::not_stored(&error));
            CheckedPhoto {
                verdict,
                accepted: None,
            }
        }
    }
}

/// The small copies every measurement runs on, made right after decoding.
struct Copies {
    /// Upright, longest side at most the stored size: what is stored (when re-encoded).
    working: RgbImage,
    /// At most `ANALYSIS_LONG_SIDE`; `None` when `working` is already that small.
    analysis: Option<RgbImage>,
    grey: GrayImage,
}

impl Copies {
    fn make(
        full: RgbImage,
        orientation: Orientation,
        store_max_side: u32,
    ) -> Result<Copies, resample::ResizeError> {
        // The one early shrink: the full-size pixels are dropped as soon as it is done.
        let working = upright(
            resample::shrink_rgb(&full, store_max_side)?.unwrap_or(full),
            orientation,
        );
        let analysis = resample::shrink_rgb(&working, ANALYSIS_LONG_SIDE)?;
        let grey = resample::grey(analysis.as_ref().unwrap_or(&working));
        Ok(Copies {
            working,
            analysis,
            grey,
        })
    }

    fn analysis(&self) -> &RgbImage {
        self.analysis.as_ref().unwrap_or(&self.working)
    }
}

/// Every check that looks at the pixels; `width` and `height` are the upright original's.
fn measure(
    photo: &PhotoToCheck,
    policy: &PhotoPolicy,
    copies: &Copies,
    (width, height): (u32, u32),
    figures: &mut Vec<(String, f64)>,
) -> Vec<Finding> {
    let (analysis, grey) = (copies.analysis(), &copies.grey);
    let mut findings = Vec::new();
    let kind = photo.kind;
    let shape = photo.shape;
    let t = &policy.thresholds;

    let min = policy.min_resolution.for_shape(shape);
    if width.max(height) < min.long_side || width.min(height) < min.short_side {
        findings.push(messages::too_small(kind, width, height, min));
    }

    let exposure = analysis::exposure(grey);
    let exposure_figures = vec![
        fig("brightness_mean", exposure.mean),
        fig("brightness_p95", exposure.p95),
    ];
    figures.extend(exposure_figures.iter().cloned());
    let too_dark = exposure.p95 < t.dark_when_p95_below;
    if too_dark {
        findings.push(messages::too_dark(kind, exposure_figures));
    }
    let sharpness = analysis::sharpness(grey);
    let sharpness_figures = vec![
        fig("sharpness", sharpness.edge_narrowness),
        fig("edge_steepness", sharpness.edge_steepness),
        fig("blur_direction", sharpness.blur_direction),
        fig("laplacian_variance", sharpness.laplacian_variance),
    ];
    figures.extend(sharpness_figures.iter().cloned());
    let (min_sharpness, min_steepness) = match shape {
        DocumentShape::PasFoto => (t.min_sharpness_pas_foto, t.min_steepness_pas_foto),
        _ => (t.min_sharpness_document, t.min_steepness_document),
    };
    // In the dark, noise and missing contrast make sharpness meaningless; "too dark" says it.
    // Out of focus widens every edge (narrowness); a shaking hand smears them into ramps along
    // its movement (steepness in the worst direction).
    if !too_dark
        && (sharpness.edge_narrowness < min_sharpness || sharpness.edge_steepness < min_steepness)
    {
        findings.push(messages::blurry(kind, sharpness_figures));
    }

    if shape == DocumentShape::PasFoto {
        let aspect = f64::from(width.max(height)) / f64::from(width.min(height).max(1));
        figures.push(fig("frame_aspect", aspect));
        // A studio's file is the pas foto itself, its backdrop at the frame's edge. A print
        // photographed lying on a table, cloth or tiles has the surface there: find the print
        // and judge its shape and its own backdrop.
        let whole = analysis::background(analysis);
        let studio_file = whole.colour.is_some() && whole.uniformity >= t.background_min_uniformity;
        let print = (!studio_file)
            .then(|| find_region(analysis, analysis::print_region))
            .flatten()
            .filter(|r| r.area_fraction < 0.92);
        figures.push(fig("print_found", if print.is_some() { 1.0 } else { 0.0 }));
        let looks = print.as_ref().and_then(|region| {
            analysis::region_crop(analysis, region, 0.06)
                .and_then(|crop| looks_like(region, &crop, t, figures))
        });
        if let Some(found) = looks {
            figures.push(fig("looks_like", looks_like_code(found)));
        }
        match (print, looks) {
            // A KTP or a sheet of paper on the table, not a print of the child.
            (Some(_), Some(found)) if found != DocumentShape::PasFoto => {
                findings.push(messages::other_document(kind, found.id(), Vec::new()));
            }
            (Some(region), _) => {
                figures.push(fig("print_aspect", region.aspect));
                if !ratio_fits(DocumentShape::PasFoto, region.aspect, t.shape_tolerance) {
                    findings.push(messages::unexpected_shape(
                        kind,
                        "pas_foto",
                        vec![fig("print_aspect", region.aspect)],
                    ));
                }
                let sample = analysis::region_crop(analysis, &region, 0.04)
                    .map(|crop| print_backdrop(&crop))
                    .unwrap_or(whole);
                findings.extend(background_findings(photo, policy, sample, figures));
            }
            (None, _) => {
                if let Some(finding) = pas_foto_shape(kind, width, height, t.shape_tolerance) {
                    findings.push(finding);
                }
                findings.extend(background_findings(photo, policy, whole, figures));
            }
        }
    } else {
        // Glare is judged on documents; a pas foto's white shirt or backdrop is not glare.
        let glare = analysis::glare(grey);
        let glare_figures = vec![
            fig("glare_patch", glare.largest_patch_fraction),
            fig("saturated_fraction", glare.saturated_fraction),
        ];
        figures.extend(glare_figures.iter().cloned());
        if glare.largest_patch_fraction >= t.glare_min_patch {
            findings.push(messages::glare(kind, glare_figures));
        }

        let region = find_region(analysis, analysis::document_region);
        figures.push(fig(
            "region_found",
            if region.is_some() { 1.0 } else { 0.0 },
        ));
        if let Some(region) = region {
            figures.extend([
                fig("region_aspect", region.aspect),
                fig("region_angle", region.angle_degrees),
                fig("region_area", region.area_fraction),
                fig("region_fill", region.fill),
            ]);
            let looks = analysis::region_crop(analysis, &region, 0.06)
                .and_then(|crop| looks_like(&region, &crop, t, figures));
            if let Some(found) = looks {
                figures.push(fig("looks_like", looks_like_code(found)));
            }
            match looks {
                Some(found) if !shape.admits(found) => {
                    findings.push(messages::other_document(
                        kind,
                        found.id(),
                        vec![fig("region_aspect", region.aspect)],
                    ));
                }
                // Shape, colour and print agree with the kind: no hint, however it lies.
                Some(_) => {}
                None => {
                    if let Some(finding) = document_shape(kind, shape, region, t.shape_tolerance) {
                        findings.push(finding);
                    }
                }
            }
        } else {
            // No document stands out from the frame's edge: a studio's pas foto file has its
            // plain red or blue backdrop there.
            let edge = analysis::background(analysis);
            if edge.colour.is_some() && edge.uniformity >= t.background_min_uniformity {
                figures.push(fig("looks_like", looks_like_code(DocumentShape::PasFoto)));
                findings.push(messages::other_document(kind, "pas_foto", Vec::new()));
            } else if let Some(found) = close_up_looks_like(analysis, figures) {
                figures.push(fig("looks_like", looks_like_code(found)));
                // Too close for its edges to show: a sheet of print, or a coloured card.
                if !shape.admits(found) {
                    findings.push(messages::other_document(kind, found.id(), Vec::new()));
                }
            }
        }
    }
    findings
}

/// The document (or print) in the picture, looked for on a copy of about `REGION_LONG_SIDE`.
fn find_region(
    analysis: &RgbImage,
    find: fn(&RgbImage) -> Option<analysis::Region>,
) -> Option<analysis::Region> {
    let factor = (analysis.width().max(analysis.height()) / REGION_LONG_SIDE).max(1);
    let size = (analysis.width() / factor, analysis.height() / factor);
    // The region is only a hint: should the shrink fail, it is looked for on the larger copy.
    let region_copy = (size != analysis.dimensions())
        .then(|| resample::resize_rgb(analysis, size).ok())
        .flatten();
    find(region_copy.as_ref().unwrap_or(analysis))
}

/// A print's backdrop, whichever way up it lies: the child's head is where the backdrop is
/// most uniform (the shoulders fill the bottom), so each quarter turn is sampled and the most
/// uniform kept.
fn print_backdrop(crop: &RgbImage) -> analysis::BackgroundSample {
    let turns = [
        crop.clone(),
        image::imageops::rotate90(crop),
        image::imageops::rotate180(crop),
        image::imageops::rotate270(crop),
    ];
    let mut best = analysis::background(crop);
    for turned in turns.iter().skip(1) {
        let sample = analysis::background(turned);
        if sample.uniformity > best.uniformity {
            best = sample;
        }
    }
    best
}

/// What the document in the picture clearly is, by shape, colour and the run of its print:
/// a coloured card of ID-card proportions is an ID card; white paper of A4/F4 proportions is a
/// landscape sheet (a KK) when its lines run along the long side, an upright one (an akta) when
/// they run along the short side. `None` when it is not clear.
fn looks_like(
    region: &analysis::Region,
    crop: &RgbImage,
    t: &Thresholds,
    figures: &mut Vec<(String, f64)>,
) -> Option<DocumentShape> {
    const ID_CARD: f64 = 85.60 / 53.98;
    let tolerance = t.shape_tolerance;
    // A photo print: pas foto proportions and a plain studio backdrop around the child.
    if ratio_fits(DocumentShape::PasFoto, region.aspect, tolerance) {
        let backdrop = print_backdrop(crop);
        if backdrop.colour.is_some() && backdrop.uniformity >= t.background_min_uniformity {
            return Some(DocumentShape::PasFoto);
        }
    }
    let saturation = analysis::mean_saturation(crop)?;
    let lines = analysis::lines_run_across(crop);
    figures.push(fig("region_saturation", saturation));
    figures.push(fig(
        "lines_across",
        match lines {
            Some(true) => 1.0,
            Some(false) => 0.0,
            None => 0.5,
        },
    ));
    // Colour tells card from paper better than proportions, which perspective bends.
    let card_ratio = (region.aspect / ID_CARD - 1.0).abs() <= 0.08;
    if card_ratio && saturation >= CARD_MIN_SATURATION {
        return Some(DocumentShape::IdCard);
    }
    if saturation < PAPER_MAX_SATURATION
        && ratio_fits(DocumentShape::A4Landscape, region.aspect, tolerance)
    {
        let crop_landscape = crop.width() >= crop.height();
        let landscape = match lines {
            // Print runs along a KK's long side, across an akta's short side.
            Some(across) => across == crop_landscape,
            None => region.landscape,
        };
        return Some(if landscape {
            DocumentShape::A4Landscape
        } else {
            DocumentShape::A4Portrait
        });
    }
    None
}

/// A document photographed too close for its edges to show, judged on the middle of the frame:
/// white paper with lines of print, or a coloured card. `None` when neither is clear.
fn close_up_looks_like(
    analysis: &RgbImage,
    figures: &mut Vec<(String, f64)>,
) -> Option<DocumentShape> {
    let (w, h) = analysis.dimensions();
    let middle = image::imageops::crop_imm(analysis, w / 5, h / 5, w * 3 / 5, h * 3 / 5).to_image();
    let saturation = analysis::mean_saturation(&middle)?;
    figures.push(fig("middle_saturation", saturation));
    if saturation >= CARD_MIN_SATURATION {
        return Some(DocumentShape::IdCard);
    }
    if saturation >= PAPER_MAX_SATURATION {
        return None;
    }
    // A close-up of a sheet: its lines run along the frame's long side on a landscape sheet
    // held to fill the frame. A grid of print (a KK's table) says only "paper".
    Some(match analysis::lines_run_across(&middle) {
        Some(across) if across == (w >= h) => DocumentShape::A4Landscape,
        Some(_) => DocumentShape::A4Portrait,
        None => DocumentShape::Paper,
    })
}

/// A KTP-el's light blue measures about 0.29; white paper with its print 0.03 to 0.09.
const CARD_MIN_SATURATION: f64 = 0.18;
const PAPER_MAX_SATURATION: f64 = 0.15;

/// `looks_like` as a figure (figures are numbers): the shape's place in
/// [`DocumentShape::ALL`], from 1 (ID card) to 5 (pas foto). [`looks_like_of`] reads it back.
fn looks_like_code(shape: DocumentShape) -> f64 {
    DocumentShape::ALL
        .iter()
        .position(|s| *s == shape)
        .map_or(0.0, |i| (i + 1) as f64)
}

/// What the checks saw in a photo (a shape id), from its verdict's `looks_like` figure.
pub fn looks_like_of(verdict: &PhotoVerdict) -> Option<&'static str> {
    let (_, value) = verdict.figures.iter().find(|(n, _)| n == "looks_like")?;
    let index = (*value as usize).checked_sub(1)?;
    DocumentShape::ALL.get(index).map(|s| s.id())
}

fn decode_refusal(error: &DecodeError, policy: &PhotoPolicy) -> Finding {
    match error {
        DecodeError::TooLarge { width, height } => {
            messages::image_too_large(*width, *height, policy.max_pixels)
        }
        DecodeError::TooMuchMemory { needed, limit } => messages::over_decoder_limit(vec![
            fig("decoder_bytes_needed", *needed as f64),
            fig("max_alloc", *limit as f64),
        ]),
        DecodeError::Limit(_) => messages::over_decoder_limit(Vec::new()),
        DecodeError::Structure(_)
        | DecodeError::Empty
        | DecodeError::NotAPhoto
        | DecodeError::Decoder(_) => messages::damaged_file(Vec::new()),
    }
}

fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The stored copy: baseline JPEG with 4:2:0 chroma and a bare JFIF header, no other metadata.
fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    let (width, height) = image.dimensions();
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(format!("{width}x{height} is larger than JPEG allows"));
    };
    let mut jpeg = Vec::with_capacity(image.as_raw().len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, quality.clamp(1, 100));
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| e.to_string())?;
    Ok(jpeg)
}

/// Applies the EXIF orientation (on the already shrunk copy: same result, a fraction of the cost).
fn upright(image: RgbImage, orientation: Orientation) -> RgbImage {
    match orientation {
        Orientation::NoTransforms => image,
        // The two turns phones write, done directly on the buffer (`image`'s generic rotate
        // costs several milliseconds per megapixel).
        Orientation::Rotate90 => resample::turn(&image, true),
        Orientation::Rotate270 => resample::turn(&image, false),
        other => {
            let mut image = DynamicImage::ImageRgb8(image);
            image.apply_orientation(other);
            image.into_rgb8()
        }
    }
}

/// Long side over short side of what each shape may look like in a photo: the nominal ratio
/// (and for paper the range from A4 to the older F4 sheets, see domain.md), widened by the
/// policy's tolerance for perspective.
fn expected_ratio(shape: DocumentShape) -> (f64, f64) {
    const ID_CARD: f64 = 85.60 / 53.98;
    const A4: f64 = std::f64::consts::SQRT_2;
    const F4: f64 = 1.54;
    match shape {
        DocumentShape::IdCard => (ID_CARD, ID_CARD),
        DocumentShape::A4Landscape | DocumentShape::A4Portrait | DocumentShape::Paper => (A4, F4),
        // 3x4 is 1.333; 2x3 and 4x6 are 1.5.
        DocumentShape::PasFoto => (4.0 / 3.0, 1.5),
    }
}

fn ratio_fits(shape: DocumentShape, ratio: f64, tolerance: f64) -> bool {
    let (low, high) = expected_ratio(shape);
    ratio >= low * (1.0 - tolerance) && ratio <= high * (1.0 + tolerance)
}

fn pas_foto_shape(kind: &DocumentKind, width: u32, height: u32, tolerance: f64) -> Option<Finding> {
    let ratio = f64::from(height) / f64::from(width.max(1));
    (!ratio_fits(DocumentShape::PasFoto, ratio, tolerance))
        .then(|| messages::unexpected_shape(kind, "pas_foto", vec![fig("frame_aspect", ratio)]))
}

fn document_shape(
    kind: &DocumentKind,
    shape: DocumentShape,
    region: Region,
    tolerance: f64,
) -> Option<Finding> {
    let ratio = ratio_fits(shape, region.aspect, tolerance);
    let (fits, expected) = match shape {
        DocumentShape::IdCard => (ratio, "id_card"),
        DocumentShape::A4Landscape => (ratio && region.landscape, "a4_landscape"),
        DocumentShape::A4Portrait => (ratio && !region.landscape, "a4_portrait"),
        DocumentShape::Paper => (ratio, "paper"),
        DocumentShape::PasFoto => (true, "pas_foto"),
    };
    (!fits).then(|| {
        messages::unexpected_shape(
            kind,
            expected,
            vec![
                fig("region_aspect", region.aspect),
                fig("region_landscape", if region.landscape { 1.0 } else { 0.0 }),
            ],
        )
    })
}

fn background_findings(
    photo: &PhotoToCheck,
    policy: &PhotoPolicy,
    sample: analysis::BackgroundSample,
    figures: &mut Vec<(String, f64)>,
) -> Option<Finding> {
    let plain = sample
        .colour
        .filter(|_| sample.uniformity >= policy.thresholds.background_min_uniformity);
    let found = vec![
        fig("background_red", f64::from(sample.rgb[0])),
        fig("background_green", f64::from(sample.rgb[1])),
        fig("background_blue", f64::from(sample.rgb[2])),
        fig("background_hue", sample.hue),
        fig("background_saturation", sample.saturation),
        fig("background_uniformity", sample.uniformity),
    ];
    figures.extend(found.iter().cloned());
    let expected = photo
        .child_birth_year
        .map(|year| (policy.background.expected_for(year), year));
    match (plain, expected) {
        (None, _) => Some(messages::wrong_background(expected, None, found)),
        (Some(colour), Some((wanted, _))) if colour != wanted => {
            Some(messages::wrong_background(expected, Some(colour), found))
        }
        (Some(colour), None) => Some(messages::background_unchecked(colour, found)),
        (Some(_), Some(_)) => None,
    }
}

/// The closest earlier photo of another document (re-sending the same document is fine).
fn nearest_earlier(photo: &PhotoToCheck, hash: PerceptualHash) -> Option<(u32, DocumentKind)> {
    photo
        .earlier
        .iter()
        .filter(|e| e.kind != *photo.kind)
        .filter_map(|e| {
            Some((
                hash.distance(PerceptualHash::parse(&e.perceptual_hash)?),
                e.kind.clone(),
            ))
        })
        .min_by_key(|(distance, _)| *distance)
}
