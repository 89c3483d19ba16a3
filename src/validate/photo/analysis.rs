//! Measurements on the small analysis copy: sharpness, exposure, glare, where the document is
//! and what shape it has, and the colour of a pas foto's background.
//!
//! Each function only measures; the decisions (thresholds) live with the policy in `mod.rs`.

use image::{GrayImage, RgbImage};

use super::Colour;

/// How sharp the picture is, from the grey analysis copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sharpness {
    /// Variance of the 4-neighbour Laplacian: high when there are crisp edges (text). Depends on
    /// how much text there is, so it is reported but not decided on.
    pub laplacian_variance: f64,
    /// How narrow the strongest edges are, in the blurrier of the two directions (0 to about 1;
    /// a crisp step is 1). Independent of contrast and of how many edges there are, and the
    /// per-direction minimum catches camera shake, which blurs one direction only.
    pub edge_narrowness: f64,
    /// How steep the strongest edges are, in the blurriest of four directions (left-right,
    /// up-down and both diagonals): the largest one-pixel step over the four-pixel rise across
    /// the edge, 1 for a crisp edge, 0.25 for an edge smeared over four pixels or more. Camera
    /// shake smears edges into straight ramps whose ends stay crisp, which the narrowness above
    /// misses; this sees the ramp in whatever direction the hand moved.
    pub edge_steepness: f64,
    /// The direction (degrees, 0 left-right, 90 up-down) of that blurriest one.
    pub blur_direction: f64,
}

/// Per-direction sums over pixels bucketed by squared gradient (log scale): how many, summed
/// squared second derivative, summed squared gradient.
struct EdgeBuckets {
    count: [u64; 64],
    second: [u64; 64],
    first: [u64; 64],
}

impl EdgeBuckets {
    fn new() -> EdgeBuckets {
        EdgeBuckets {
            count: [0; 64],
            second: [0; 64],
            first: [0; 64],
        }
    }

    fn add(&mut self, gradient: i32, second: i32) {
        let g = (gradient * gradient) as u32;
        // Two buckets per power of two of the squared gradient (at most 2^18).
        let bits = 32 - g.leading_zeros();
        let half = if bits >= 2 { (g >> (bits - 2)) & 1 } else { 0 };
        let bucket = ((bits * 2 + half) as usize).min(63);
        self.count[bucket] += 1;
        self.second[bucket] += (second * second) as u64;
        self.first[bucket] += u64::from(g);
    }

    /// Second over first derivative energy on the strongest `share` of pixels (at least 50):
    /// falls as edges widen.
    fn narrowness(&self, total: u64, share: f64) -> f64 {
        let wanted = ((total as f64 * share) as u64).max(50);
        let (mut taken, mut second, mut first) = (0u64, 0u64, 0u64);
        for b in (0..64).rev() {
            if taken >= wanted {
                break;
            }
            taken += self.count[b];
            second += self.second[b];
            first += self.first[b];
        }
        if first > 0 {
            second as f64 / first as f64
        } else {
            0.0
        }
    }
}

pub(crate) fn sharpness(grey: &GrayImage) -> Sharpness {
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let px = grey.as_raw();
    if w < 3 || h < 3 {
        return Sharpness {
            laplacian_variance: 0.0,
            edge_narrowness: 0.0,
            edge_steepness: 0.0,
            blur_direction: 0.0,
        };
    }
    let (mut sum, mut sum_sq) = (0i64, 0u64);
    let mut across_columns = EdgeBuckets::new();
    let mut across_rows = EdgeBuckets::new();
    // Every other row and column: the statistics of the strongest edges need no more (derivatives
    // still use the direct neighbours), and this is the costliest measurement.
    for y in (1..h - 1).step_by(2) {
        let above = &px[(y - 1) * w..y * w];
        let row = &px[y * w..(y + 1) * w];
        let below = &px[(y + 1) * w..(y + 2) * w];
        for x in (1..w - 1).step_by(2) {
            let c = i32::from(row[x]);
            let (l, r) = (i32::from(row[x - 1]), i32::from(row[x + 1]));
            let (u, d) = (i32::from(above[x]), i32::from(below[x]));
            let (dxx, dyy) = (l + r - 2 * c, u + d - 2 * c);
            let lap = dxx + dyy;
            sum += i64::from(lap);
            sum_sq += (lap * lap) as u64;
            across_columns.add(r - l, dxx);
            across_rows.add(d - u, dyy);
        }
    }
    let count = ((w - 2).div_ceil(2) * (h - 2).div_ceil(2)) as u64;
    let mean = sum as f64 / count as f64;
    let (edge_steepness, blur_direction) = DIRECTIONS
        .iter()
        .map(|&(dx, dy, degrees)| (steepness(grey, dx, dy), degrees))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap_or((0.0, 0.0));
    Sharpness {
        laplacian_variance: (sum_sq as f64 / count as f64 - mean * mean).max(0.0),
        edge_narrowness: across_columns
            .narrowness(count, 0.01)
            .min(across_rows.narrowness(count, 0.01)),
        edge_steepness,
        blur_direction,
    }
}

/// Unit steps of the four directions steepness is measured in, with their angle.
const DIRECTIONS: [(isize, isize, f64); 4] =
    [(1, 0, 0.0), (1, 1, 45.0), (0, 1, 90.0), (-1, 1, 135.0)];

/// Steepness of the strongest edges along one direction: over the pixels whose four-step rise
/// `|I(p+2d) - I(p-2d)|` is in the top 1% (at least 50), the sum of the largest single step
/// inside that window over the sum of the rises. Contrast and the number of edges cancel out.
fn steepness(grey: &GrayImage, dx: isize, dy: isize) -> f64 {
    let (w, h) = (grey.width() as isize, grey.height() as isize);
    let px = grey.as_raw();
    let margin = 3;
    if w <= 2 * margin || h <= 2 * margin {
        return 0.0;
    }
    let at = |x: isize, y: isize| i32::from(px[(y * w + x) as usize]);
    // (rise, largest step) of every other pixel, bucketed by rise for the top-1% cut.
    let mut rise_count = [0u64; 256];
    let mut rise_sum = [0u64; 256];
    let mut step_sum = [0u64; 256];
    let mut total = 0u64;
    for y in (margin..h - margin).step_by(2) {
        for x in (margin..w - margin).step_by(2) {
            let v = [-2isize, -1, 0, 1, 2].map(|k| at(x + k * dx, y + k * dy));
            let rise = (v[4] - v[0]).unsigned_abs();
            let step = v
                .windows(2)
                .map(|p| (p[1] - p[0]).unsigned_abs())
                .max()
                .unwrap_or(0);
            let bucket = (rise as usize).min(255);
            rise_count[bucket] += 1;
            rise_sum[bucket] += u64::from(rise);
            step_sum[bucket] += u64::from(step.min(rise));
            total += 1;
        }
    }
    let wanted = ((total as f64 * 0.01) as u64).max(50);
    let (mut taken, mut rises, mut steps) = (0u64, 0u64, 0u64);
    for b in (1..256).rev() {
        if taken >= wanted {
            break;
        }
        taken += rise_count[b];
        rises += rise_sum[b];
        steps += step_sum[b];
    }
    if rises == 0 {
        0.0
    } else {
        steps as f64 / rises as f64
    }
}

/// Brightness of the grey analysis copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Exposure {
    pub mean: f64,
    /// The level 95% of pixels stay below: the brightest things in the picture (paper, card).
    pub p95: f64,
}

pub(crate) fn exposure(grey: &GrayImage) -> Exposure {
    let mut histogram = [0u64; 256];
    for &v in grey.as_raw() {
        histogram[usize::from(v)] += 1;
    }
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return Exposure {
            mean: 0.0,
            p95: 0.0,
        };
    }
    let weighted: u64 = histogram
        .iter()
        .enumerate()
        .map(|(v, &n)| v as u64 * n)
        .sum();
    Exposure {
        mean: weighted as f64 / total as f64,
        p95: percentile(&histogram, total, 0.95),
    }
}

fn percentile(histogram: &[u64; 256], total: u64, q: f64) -> f64 {
    let target = (total as f64 * q).ceil() as u64;
    let mut seen = 0;
    for (v, &n) in histogram.iter().enumerate() {
        seen += n;
        if seen >= target {
            return v as f64;
        }
    }
    255.0
}

/// Blown-out areas: glare on a laminated card, a flash reflection, a lamp.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Glare {
    /// Share of pixels that are blown out (near-white, grey level 248 or more).
    pub saturated_fraction: f64,
    /// Share of the frame covered by the largest connected blown-out patch.
    pub largest_patch_fraction: f64,
}

const GLARE_CELL: usize = 8;
/// Blown out: white near the top of the range (glare is white, whatever the card's colour).
const SATURATED: u8 = 248;

pub(crate) fn glare(grey: &GrayImage) -> Glare {
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let (cw, ch) = (w / GLARE_CELL, h / GLARE_CELL);
    if cw == 0 || ch == 0 {
        return Glare {
            saturated_fraction: 0.0,
            largest_patch_fraction: 0.0,
        };
    }
    let mut cell_counts = vec![0u32; cw * ch];
    let mut saturated = 0u64;
    for (y, row) in grey
        .as_raw()
        .chunks_exact(w)
        .enumerate()
        .take(ch * GLARE_CELL)
    {
        let cells = &mut cell_counts[(y / GLARE_CELL) * cw..(y / GLARE_CELL + 1) * cw];
        for (cell, span) in cells.iter_mut().zip(row.chunks_exact(GLARE_CELL)) {
            let n = span.iter().filter(|&&v| v >= SATURATED).count() as u32;
            *cell += n;
            saturated += u64::from(n);
        }
    }
    // A cell is blown out when nearly all of it is: text or texture inside breaks the patch.
    let full = (GLARE_CELL * GLARE_CELL) as u32 * 9 / 10;
    let blown: Vec<bool> = cell_counts.iter().map(|&n| n >= full).collect();
    let largest = largest_component(&blown, cw, ch).len();
    Glare {
        saturated_fraction: saturated as f64 / (cw * ch * GLARE_CELL * GLARE_CELL) as f64,
        largest_patch_fraction: largest as f64 / (cw * ch) as f64,
    }
}

/// Indices of the largest 4-connected set of `true` cells (iterative, no recursion).
fn largest_component(mask: &[bool], w: usize, h: usize) -> Vec<usize> {
    let mut seen = vec![false; mask.len()];
    let mut best = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        let mut component = Vec::new();
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            component.push(i);
            let (x, y) = (i % w, i / w);
            let mut visit = |j: usize| {
                if mask[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < w {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - w);
            }
            if y + 1 < h {
                visit(i + w);
            }
        }
        if component.len() > best.len() {
            best = component;
        }
    }
    best
}

/// The document found against its background (table, bed, floor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Region {
    /// Long side over short side of the smallest rectangle around the document.
    pub aspect: f64,
    /// Whether the long side runs left-right (within 45 degrees).
    pub landscape: bool,
    /// Angle of the long side against the horizontal, degrees in [0, 180).
    pub angle_degrees: f64,
    /// Share of the frame the document covers.
    pub area_fraction: f64,
    /// Share of that rectangle the document fills (near 1 for a flat, whole document).
    pub fill: f64,
    /// The rectangle itself, in pixels of the picture it was found in: its u axis runs at
    /// `rect_degrees` from the horizontal, v at right angles; u = x cos + y sin, v = -x sin + y cos.
    pub rect_degrees: f64,
    pub u: (f64, f64),
    pub v: (f64, f64),
    /// Width of the picture it was found in (to scale the rectangle to another copy).
    pub found_in_width: u32,
}

/// Finds the document as the largest patch that differs from the colour of the frame's border,
/// then fits the smallest rotated rectangle around it. `None` when no clean, whole document
/// stands out (it fills the frame, is cut off, or the background is as busy as the document).
pub(crate) fn document_region(rgb: &RgbImage) -> Option<Region> {
    region_against_border(rgb, u8::MAX)
}

/// A photo print on a surface: like [`document_region`], but a print is many colours (backdrop,
/// face, clothes), so everything clearly off the surface's colour is print, not only what the
/// histogram split puts on the paper's side.
pub(crate) fn print_region(rgb: &RgbImage) -> Option<Region> {
    region_against_border(rgb, PRINT_CONTRAST)
}

/// Off the surface by more than this (mean per channel) is print: above wood grain and tile
/// grout, below any studio backdrop against any table.
const PRINT_CONTRAST: u8 = 40;

fn region_against_border(rgb: &RgbImage, max_threshold: u8) -> Option<Region> {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    if w < 16 || h < 16 {
        return None;
    }
    let px = rgb.as_raw();
    let ring = ((w.min(h) as f64 * 0.03).round() as usize).max(2);
    let in_ring = |x: usize, y: usize| x < ring || y < ring || x >= w - ring || y >= h - ring;

    let mut channel_histograms = [[0u32; 256]; 3];
    for y in 0..h {
        for x in 0..w {
            if in_ring(x, y) {
                let p = &px[(y * w + x) * 3..(y * w + x) * 3 + 3];
                for c in 0..3 {
                    channel_histograms[c][usize::from(p[c])] += 1;
                }
            }
        }
    }
    let background = channel_histograms.map(|hist| median(&hist));

    let distance: Vec<u8> = px
        .chunks_exact(3)
        .map(|p| {
            let d: u32 = (0..3)
                .map(|c| u32::from(p[c].abs_diff(background[c])))
                .sum();
            (d / 3).min(255) as u8
        })
        .collect();
    let threshold = otsu(&distance)
        .min(max_threshold)
        .max(MIN_DOCUMENT_CONTRAST);
    let mask: Vec<bool> = distance.iter().map(|&d| d > threshold).collect();
    // Opening (erode, then dilate): one-pixel lines such as tile grout or a table's seams no
    // longer join the document to the frame's edge.
    let mask = dilate(&erode(&mask, w, h), w, h);
    let component = largest_component(&mask, w, h);
    let area = component.len();
    if (area as f64) < 0.04 * (w * h) as f64 {
        return None;
    }

    let mut in_component = vec![false; w * h];
    for &i in &component {
        in_component[i] = true;
    }
    let ring_total = w * h - (w - 2 * ring) * (h - 2 * ring);
    let ring_hits = component.iter().filter(|&&i| in_ring(i % w, i / w)).count();
    // A document cut off by the frame edge, or a "document" that is really the background.
    if ring_hits as f64 > 0.15 * ring_total as f64 {
        return None;
    }

    let boundary: Vec<(f64, f64)> = component
        .iter()
        .copied()
        .filter(|&i| {
            let (x, y) = (i % w, i / w);
            x == 0
                || y == 0
                || x + 1 == w
                || y + 1 == h
                || !in_component[i - 1]
                || !in_component[i + 1]
                || !in_component[i - w]
                || !in_component[i + w]
        })
        .map(|i| ((i % w) as f64 + 0.5, (i / w) as f64 + 0.5))
        .collect();

    // Smallest-area rectangle over rotations: 3-degree steps, then half degrees around the best.
    let bounds = |degrees: f64| {
        let (s, c) = degrees.to_radians().sin_cos();
        let (mut umin, mut umax, mut vmin, mut vmax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in &boundary {
            let u = x * c + y * s;
            let v = -x * s + y * c;
            umin = umin.min(u);
            umax = umax.max(u);
            vmin = vmin.min(v);
            vmax = vmax.max(v);
        }
        ((umin, umax), (vmin, vmax))
    };
    let extents = |degrees: f64| {
        let ((umin, umax), (vmin, vmax)) = bounds(degrees);
        (umax - umin + 1.0, vmax - vmin + 1.0)
    };
    let mut best: Option<(f64, f64, f64)> = None; // (area, extent along u, extent along v)
    let mut best_angle = 0.0;
    let coarse = (0..30).map(|step| f64::from(step) * 3.0);
    for degrees in coarse {
        let (du, dv) = extents(degrees);
        if best.is_none_or(|(a, _, _)| du * dv < a) {
            best = Some((du * dv, du, dv));
            best_angle = degrees;
        }
    }
    let around = best_angle;
    for step in -5..=5 {
        let degrees = (around + f64::from(step) * 0.5).rem_euclid(90.0);
        let (du, dv) = extents(degrees);
        if best.is_none_or(|(a, _, _)| du * dv < a) {
            best = Some((du * dv, du, dv));
            best_angle = degrees;
        }
    }
    let (rect_area, du, dv) = best?;
    let fill = area as f64 / rect_area;
    if fill < 0.75 {
        return None;
    }
    let angle = if du >= dv {
        best_angle
    } else {
        best_angle + 90.0
    };
    let (u, v) = bounds(best_angle);
    Some(Region {
        aspect: du.max(dv) / du.min(dv),
        landscape: !(45.0..=135.0).contains(&angle),
        angle_degrees: angle,
        area_fraction: area as f64 / (w * h) as f64,
        fill,
        rect_degrees: best_angle,
        u,
        v,
        found_in_width: rgb.width(),
    })
}

/// The inside of `region` cut out of `rgb` (any copy of the same picture) and turned square
/// to the frame: the axis closer to the frame's vertical becomes the crop's height. `inset`
/// (a share of each side) keeps the edge of the print and the table out.
pub(crate) fn region_crop(rgb: &RgbImage, region: &Region, inset: f64) -> Option<RgbImage> {
    let scale = f64::from(rgb.width()) / f64::from(region.found_in_width.max(1));
    let (s, c) = region.rect_degrees.to_radians().sin_cos();
    // Frame position of rectangle coordinates (u, v).
    let at = |u: f64, v: f64| ((u * c - v * s) * scale, (u * s + v * c) * scale);
    let (u0, u1) = region.u;
    let (v0, v1) = region.v;
    // Which axis runs down the frame, and which way is right.
    let u_down = s > c;
    let (down, across) = if u_down {
        ((u0, u1), (v1, v0))
    } else {
        ((v0, v1), (u0, u1))
    };
    let height = ((down.1 - down.0).abs() * scale * (1.0 - 2.0 * inset)).round() as u32;
    let width = ((across.1 - across.0).abs() * scale * (1.0 - 2.0 * inset)).round() as u32;
    if width < 8 || height < 8 {
        return None;
    }
    let (fw, fh) = (rgb.width() as i64, rgb.height() as i64);
    let mut out = RgbImage::new(width, height);
    for (i, j, pixel) in out.enumerate_pixels_mut() {
        let fi = inset + (f64::from(i) + 0.5) / f64::from(width) * (1.0 - 2.0 * inset);
        let fj = inset + (f64::from(j) + 0.5) / f64::from(height) * (1.0 - 2.0 * inset);
        let a = across.0 + (across.1 - across.0) * fi;
        let d = down.0 + (down.1 - down.0) * fj;
        let (x, y) = if u_down { at(d, a) } else { at(a, d) };
        let (x, y) = ((x as i64).clamp(0, fw - 1), (y as i64).clamp(0, fh - 1));
        *pixel = *rgb.get_pixel(x as u32, y as u32);
    }
    Some(out)
}

/// Mean saturation (0 to 1) of the bright pixels among every fourth: near 0 for white paper
/// with black print, about 0.29 for a light-blue KTP. `None` when under a fifth are bright
/// (a dark photo says nothing about the paper's colour).
pub(crate) fn mean_saturation(rgb: &RgbImage) -> Option<f64> {
    let (mut sum, mut bright, mut all) = (0.0, 0u64, 0u64);
    for p in rgb.as_raw().chunks_exact(3).step_by(4) {
        let (_, saturation, value) = hsv([p[0], p[1], p[2]]);
        all += 1;
        // Dark ink says nothing about the paper's colour.
        if value > 0.45 {
            sum += saturation;
            bright += 1;
        }
    }
    (bright * 5 >= all && bright > 0).then(|| sum / bright as f64)
}

/// Which way the lines of print run: `Some(true)` left-right, `Some(false)` up-down, `None`
/// when neither clearly (a photo, a blank sheet). Lines of text make the row averages swing
/// between ink and gap; across the lines the column averages stay flat.
pub(crate) fn lines_run_across(rgb: &RgbImage) -> Option<bool> {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    if w < 16 || h < 16 {
        return None;
    }
    let px = rgb.as_raw();
    let mut rows = vec![0.0f64; h];
    let mut cols = vec![0.0f64; w];
    for (y, row) in rows.iter_mut().enumerate() {
        for (x, col) in cols.iter_mut().enumerate() {
            let i = (y * w + x) * 3;
            let v = (u32::from(px[i]) + u32::from(px[i + 1]) + u32::from(px[i + 2])) as f64 / 3.0;
            *row += v / w as f64;
            *col += v / h as f64;
        }
    }
    // Swing around a local average (lighting changes slowly, lines quickly).
    let swing = |profile: &[f64]| {
        let r = (profile.len() / 24).max(2);
        let mut total = 0.0;
        for i in 0..profile.len() {
            let lo = i.saturating_sub(r);
            let hi = (i + r + 1).min(profile.len());
            let local = profile[lo..hi].iter().sum::<f64>() / (hi - lo) as f64;
            total += (profile[i] - local).powi(2);
        }
        total / profile.len() as f64
    };
    let (across, down) = (swing(&rows), swing(&cols));
    if across > 1.8 * down && across > 0.5 {
        Some(true)
    } else if down > 1.8 * across && down > 0.5 {
        Some(false)
    } else {
        None
    }
}

/// A cell stays set when it and its four neighbours are set.
fn erode(mask: &[bool], w: usize, h: usize) -> Vec<bool> {
    (0..mask.len())
        .map(|i| {
            let (x, y) = (i % w, i / w);
            mask[i]
                && x > 0
                && y > 0
                && x + 1 < w
                && y + 1 < h
                && mask[i - 1]
                && mask[i + 1]
                && mask[i - w]
                && mask[i + w]
        })
        .collect()
}

/// A cell is set when it or one of its four neighbours is set.
fn dilate(mask: &[bool], w: usize, h: usize) -> Vec<bool> {
    (0..mask.len())
        .map(|i| {
            let (x, y) = (i % w, i / w);
            mask[i]
                || (x > 0 && mask[i - 1])
                || (x + 1 < w && mask[i + 1])
                || (y > 0 && mask[i - w])
                || (y + 1 < h && mask[i + w])
        })
        .collect()
}

/// Below this mean per-channel difference from the border colour, a pixel is background even
/// when the histogram split says otherwise (it only separates noise on a plain table).
const MIN_DOCUMENT_CONTRAST: u8 = 24;

fn median(histogram: &[u32; 256]) -> u8 {
    let total: u32 = histogram.iter().sum();
    let mut seen = 0;
    for (v, &n) in histogram.iter().enumerate() {
        seen += n;
        if seen * 2 >= total {
            return v as u8;
        }
    }
    0
}

/// Otsu's threshold: the split that best separates the histogram into two classes.
fn otsu(values: &[u8]) -> u8 {
    let mut histogram = [0u64; 256];
    for &v in values {
        histogram[usize::from(v)] += 1;
    }
    let total = values.len() as f64;
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut weight_low, mut sum_low) = (0.0, 0.0);
    let (mut best, mut best_variance) = (0u8, -1.0);
    for (t, &n) in histogram.iter().enumerate() {
        weight_low += n as f64;
        sum_low += t as f64 * n as f64;
        let weight_high = total - weight_low;
        if weight_low == 0.0 || weight_high == 0.0 {
            continue;
        }
        let mean_low = sum_low / weight_low;
        let mean_high = (sum_all - sum_low) / weight_high;
        let variance = weight_low * weight_high * (mean_low - mean_high).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best = t as u8;
        }
    }
    best
}

/// The colour behind the child on a pas foto, sampled where the background shows: the top
/// strip and the sides of the upper half (the shoulders and clothes fill the bottom).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BackgroundSample {
    pub rgb: [u8; 3],
    pub hue: f64,
    pub saturation: f64,
    pub value: f64,
    /// `None` when it is neither red nor blue (white, grey, green, patterned ...).
    pub colour: Option<Colour>,
    /// Share of sampled pixels of that same colour class: low for a busy background.
    pub uniformity: f64,
}

pub(crate) fn background(rgb: &RgbImage) -> BackgroundSample {
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let strip_y = ((h as f64 * 0.06).round() as usize).max(1);
    let strip_x = ((w as f64 * 0.06).round() as usize).max(1);
    let px = rgb.as_raw();
    let mut samples: Vec<[u8; 3]> = Vec::new();
    for y in 0..h / 2 {
        for x in 0..w {
            if y < strip_y || x < strip_x || x + strip_x >= w {
                let i = (y * w + x) * 3;
                samples.push([px[i], px[i + 1], px[i + 2]]);
            }
        }
    }
    let mut histograms = [[0u32; 256]; 3];
    for s in &samples {
        for c in 0..3 {
            histograms[c][usize::from(s[c])] += 1;
        }
    }
    let rgb_median = histograms.map(|hist| median(&hist));
    let (hue, saturation, value) = hsv(rgb_median);
    let colour = classify(hue, saturation, value);
    let same = samples
        .iter()
        .filter(|s| {
            let (h, s, v) = hsv(**s);
            classify(h, s, v) == colour
        })
        .count();
    BackgroundSample {
        rgb: rgb_median,
        hue,
        saturation,
        value,
        colour,
        uniformity: if samples.is_empty() {
            0.0
        } else {
            same as f64 / samples.len() as f64
        },
    }
}

/// Red and blue as a photo studio's backdrop: clearly coloured, neither washed out nor black.
fn classify(hue: f64, saturation: f64, value: f64) -> Option<Colour> {
    if saturation < 0.30 || value < 0.20 {
        return None;
    }
    if !(20.0..=335.0).contains(&hue) {
        Some(Colour::Red)
    } else if (185.0..=255.0).contains(&hue) {
        Some(Colour::Blue)
    } else {
        None
    }
}

/// Hue in degrees [0, 360), saturation and value in [0, 1].
fn hsv([r, g, b]: [u8; 3]) -> (f64, f64, f64) {
    let (r, g, b) = (
        f64::from(r) / 255.0,
        f64::from(g) / 255.0,
        f64::from(b) / 255.0,
    );
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = max - min;
    let hue = if delta == 0.0 {
        0.0
    } else if max == r {
        60.0 * ((g - b) / delta).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / delta + 2.0)
    } else {
        60.0 * ((r - g) / delta + 4.0)
    };
    let saturation = if max == 0.0 { 0.0 } else { delta / max };
    (hue, saturation, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn card_on_table(card_w: u32, card_h: u32) -> RgbImage {
        let mut img = RgbImage::from_pixel(320, 240, Rgb([90, 60, 40]));
        let (x0, y0) = ((320 - card_w) / 2, (240 - card_h) / 2);
        for y in y0..y0 + card_h {
            for x in x0..x0 + card_w {
                img.put_pixel(x, y, Rgb([220, 225, 235]));
            }
        }
        img
    }

    #[test]
    fn a_card_on_a_table_is_found_with_its_aspect_ratio() {
        let region = document_region(&card_on_table(159, 100)).unwrap();
        assert!((region.aspect - 1.59).abs() < 0.05, "{region:?}");
        assert!(region.landscape);
        assert!(region.fill > 0.95);
    }

    #[test]
    fn a_portrait_sheet_is_not_landscape() {
        let region = document_region(&card_on_table(141, 200)).unwrap();
        assert!((region.aspect - 1.41).abs() < 0.05, "{region:?}");
        assert!(!region.landscape);
    }

    #[test]
    fn a_plain_frame_has_no_document() {
        assert!(document_region(&RgbImage::from_pixel(320, 240, Rgb([90, 60, 40]))).is_none());
    }

    #[test]
    fn studio_red_and_blue_are_told_from_white() {
        let of = |rgb: [u8; 3]| background(&RgbImage::from_pixel(60, 80, Rgb(rgb))).colour;
        assert_eq!(of([200, 30, 40]), Some(Colour::Red));
        assert_eq!(of([40, 90, 200]), Some(Colour::Blue));
        assert_eq!(of([120, 180, 235]), Some(Colour::Blue));
        assert_eq!(of([240, 240, 240]), None);
        assert_eq!(of([60, 160, 70]), None);
    }

    #[test]
    fn a_flat_grey_picture_has_no_sharpness_and_a_crisp_edge_has_some() {
        let flat = GrayImage::from_pixel(64, 64, image::Luma([128]));
        assert_eq!(sharpness(&flat).laplacian_variance, 0.0);
        let square = GrayImage::from_fn(64, 64, |x, y| {
            let inside = (16..48).contains(&x) && (16..48).contains(&y);
            image::Luma([if inside { 230 } else { 20 }])
        });
        assert!(sharpness(&square).edge_narrowness > 0.5);
    }
}
