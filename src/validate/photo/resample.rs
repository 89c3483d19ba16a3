//! Fast downscaling by area averaging, in fixed point.
//!
//! `image`'s own resizers are generic per-pixel code and cost more than decoding a phone photo;
//! area averaging is both the best filter for shrinking (no aliasing of fine text into moiré)
//! and cheap: a vectorisable pass over the source rows, then a short pass over the columns.

use image::{GrayImage, RgbImage};

/// Weights are in units of 1/256: a source byte times a weight fits 16 bits, so the vertical
/// pass runs on 16-bit lanes (eight per SSE2 register) and the horizontal pass on 32-bit sums.
const WEIGHT_BITS: u32 = 8;
const ONE: u16 = 1 << WEIGHT_BITS;

/// For each destination index, the first source index and `span` weights (zero-padded, summing
/// to exactly `ONE`) of the source samples it covers. A fixed span per axis keeps the inner
/// loops short and branch-free.
struct Taps {
    first: Vec<usize>,
    span: usize,
    weights: Vec<u16>,
}

impl Taps {
    fn new(src: u32, dst: u32) -> Taps {
        let scale = f64::from(src) / f64::from(dst);
        let span = (scale.ceil() as usize + 1).min(src as usize).max(1);
        let mut taps = Taps {
            first: Vec::with_capacity(dst as usize),
            span,
            weights: vec![0; dst as usize * span],
        };
        for o in 0..dst {
            let a = f64::from(o) * scale;
            let b = (a + scale).min(f64::from(src));
            // Shift the window left near the end so `first + span` stays inside the source.
            let first = (a.floor() as usize).min(src as usize - span);
            let row = &mut taps.weights[o as usize * span..(o as usize + 1) * span];
            for (i, w) in row.iter_mut().enumerate() {
                let s = (first + i) as f64;
                let overlap = (b.min(s + 1.0) - a.max(s)).max(0.0);
                *w = (overlap / scale * f64::from(ONE)).round() as u16;
            }
            // Rounding may leave the sum a unit off; fix it on the largest weight.
            let sum: u16 = row.iter().sum();
            if let Some(largest) = row.iter_mut().max_by_key(|w| **w) {
                *largest = (*largest + ONE).saturating_sub(sum);
            }
            taps.first.push(first);
        }
        taps
    }

    fn of(&self, o: usize) -> (usize, &[u16]) {
        (
            self.first[o],
            &self.weights[o * self.span..(o + 1) * self.span],
        )
    }
}

/// Shrinks interleaved 8-bit samples (`C` per pixel) to `dw` x `dh` by area averaging.
/// Callers guarantee `1 <= dw <= sw`, `1 <= dh <= sh` and `src.len() == sw * sh * C`.
fn shrink<const C: usize>(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Vec<u8> {
    let stride = sw as usize * C;
    let rows = Taps::new(sh, dh);
    let cols = Taps::new(sw, dw);
    let mut out = vec![0u8; dw as usize * dh as usize * C];
    let mut acc = vec![0u16; stride];
    for (y, out_row) in out.chunks_exact_mut(dw as usize * C).enumerate() {
        let (first, weights) = rows.of(y);
        acc.iter_mut().for_each(|a| *a = 0);
        for (i, &w) in weights.iter().enumerate().filter(|(_, w)| **w > 0) {
            let row = &src[(first + i) * stride..(first + i + 1) * stride];
            for (a, &s) in acc.iter_mut().zip(row) {
                *a += w * u16::from(s);
            }
        }
        horizontal_pass::<C>(&acc, &cols, out_row);
    }
    out
}

fn horizontal_pass<const C: usize>(acc: &[u16], cols: &Taps, out_row: &mut [u8]) {
    match cols.span {
        2 => horizontal::<C, 2>(acc, cols, out_row),
        3 => horizontal::<C, 3>(acc, cols, out_row),
        4 => horizontal::<C, 4>(acc, cols, out_row),
        _ => horizontal_any::<C>(acc, cols, out_row),
    }
}

const ROUND: u32 = 1 << (2 * WEIGHT_BITS - 1);

fn horizontal<const C: usize, const T: usize>(acc: &[u16], cols: &Taps, out_row: &mut [u8]) {
    for ((out, &first), weights) in out_row
        .chunks_exact_mut(C)
        .zip(&cols.first)
        .zip(cols.weights.chunks_exact(T))
    {
        let (Some(span), Ok(weights)) = (
            acc.get(first * C..(first + T) * C),
            <&[u16; T]>::try_from(weights),
        ) else {
            continue;
        };
        let mut sum = [ROUND; C];
        for (pixel, &w) in span.chunks_exact(C).zip(weights) {
            let w = u32::from(w);
            for c in 0..C {
                sum[c] += w * u32::from(pixel[c]);
            }
        }
        for c in 0..C {
            out[c] = (sum[c] >> (2 * WEIGHT_BITS)).min(255) as u8;
        }
    }
}

fn horizontal_any<const C: usize>(acc: &[u16], cols: &Taps, out_row: &mut [u8]) {
    for (x, out) in out_row.chunks_exact_mut(C).enumerate() {
        let (first, weights) = cols.of(x);
        let span = &acc[first * C..(first + weights.len()) * C];
        let mut sum = [ROUND; C];
        for (pixel, &w) in span.chunks_exact(C).zip(weights) {
            for c in 0..C {
                sum[c] += u32::from(w) * u32::from(pixel[c]);
            }
        }
        for c in 0..C {
            out[c] = (sum[c] >> (2 * WEIGHT_BITS)).min(255) as u8;
        }
    }
}

/// Averages each `k` x `k` block (remainder rows and columns dropped): the cheap first step of
/// a large shrink, adds only.
fn box_shrink<const C: usize>(src: &[u8], sw: u32, sh: u32, k: u32) -> (Vec<u8>, u32, u32) {
    let (dw, dh) = (sw / k, sh / k);
    let stride = sw as usize * C;
    let mut out = vec![0u8; dw as usize * dh as usize * C];
    let mut acc = vec![0u16; stride];
    for (y, out_row) in out.chunks_exact_mut(dw as usize * C).enumerate() {
        box_row::<C>(src, stride, k as usize, y, &mut acc, out_row);
    }
    (out, dw, dh)
}

/// Row `y` of the `k` x `k` block average: source rows `y*k` to `y*k+k-1` into `out`, which
/// holds as many blocks as fit the width.
fn box_row<const C: usize>(
    src: &[u8],
    stride: usize,
    k: usize,
    y: usize,
    acc: &mut [u16],
    out: &mut [u8],
) {
    let rows = &src[y * k * stride..(y * k + k) * stride];
    let blocks = out.len() / C;
    if k == 2 && C == 3 {
        // The common halving of colour pictures, in one pass over both source rows.
        let n = blocks * 3;
        let (top, bottom) = rows.split_at(stride);
        let (top, bottom, out) = (&top[..2 * n], &bottom[..2 * n], &mut out[..n]);
        for x in 0..blocks {
            let (i, o) = (x * 6, x * 3);
            for c in 0..3 {
                let sum = u16::from(top[i + c])
                    + u16::from(top[i + 3 + c])
                    + u16::from(bottom[i + c])
                    + u16::from(bottom[i + 3 + c]);
                out[o + c] = ((sum + 2) >> 2) as u8;
            }
        }
        return;
    }
    acc.iter_mut().for_each(|a| *a = 0);
    for row in rows.chunks_exact(stride) {
        for (a, &s) in acc.iter_mut().zip(row) {
            *a += u16::from(s);
        }
    }
    let scale = (1u32 << 16) / (k * k) as u32;
    for (out, block) in out.chunks_exact_mut(C).zip(acc.chunks_exact(k * C)) {
        let mut sum = [0u32; C];
        for pixel in block.chunks_exact(C) {
            for c in 0..C {
                sum[c] += u32::from(pixel[c]);
            }
        }
        for c in 0..C {
            out[c] = ((sum[c] * scale + (1 << 15)) >> 16).min(255) as u8;
        }
    }
}

/// Block-averages by `k`, then area-resamples to `dw` x `dh`, making each block-averaged row
/// only when the resampler first needs it: the block-averaged picture (9 MB for a 12 MP photo)
/// is never held, which saves memory, page faults and a pass over memory.
fn box_then_shrink<const C: usize>(
    src: &[u8],
    (sw, sh): (u32, u32),
    k: u32,
    (dw, dh): (u32, u32),
) -> Vec<u8> {
    let (bw, bh) = (sw / k, sh / k);
    let (dw, dh) = (dw.min(bw), dh.min(bh));
    let stride = sw as usize * C;
    let rows = Taps::new(bh, dh);
    let cols = Taps::new(bw, dw);
    // Consecutive output rows share at most one source row, so span + 1 slots never evict a
    // row still needed.
    let slots = rows.span + 1;
    let mut cache: Vec<(usize, Vec<u8>)> = (0..slots)
        .map(|_| (usize::MAX, vec![0u8; bw as usize * C]))
        .collect();
    let mut box_acc = vec![0u16; stride];
    let mut acc = vec![0u16; bw as usize * C];
    let mut out = vec![0u8; dw as usize * dh as usize * C];
    for (y, out_row) in out.chunks_exact_mut(dw as usize * C).enumerate() {
        let (first, weights) = rows.of(y);
        acc.iter_mut().for_each(|a| *a = 0);
        for (i, &w) in weights.iter().enumerate().filter(|(_, w)| **w > 0) {
            let r = first + i;
            let (cached, row) = &mut cache[r % slots];
            if *cached != r {
                box_row::<C>(src, stride, k as usize, r, &mut box_acc, row);
                *cached = r;
            }
            for (a, &s) in acc.iter_mut().zip(row.iter()) {
                *a += w * u16::from(s);
            }
        }
        horizontal_pass::<C>(&acc, &cols, out_row);
    }
    out
}

/// The size that fits `long_side` on the longer side, keeping the aspect ratio, never larger
/// than the source.
pub(crate) fn fit_within(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let long_side = long_side.max(1);
    let long = width.max(height);
    if long <= long_side || long == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(long_side) / f64::from(long);
    let w = ((f64::from(width) * scale).round() as u32).clamp(1, long_side);
    let h = ((f64::from(height) * scale).round() as u32).clamp(1, long_side);
    (w, h)
}

/// Shrinks a colour image so its longer side is at most `long_side`; returns `None` when it
/// already fits (the caller keeps using the original, no copy made). Large factors go through a
/// whole-block average first, so the weighted pass only covers the last factor below 2.
pub(crate) fn shrink_rgb(image: &RgbImage, long_side: u32) -> Option<RgbImage> {
    let (w, h) = image.dimensions();
    let (dw, dh) = fit_within(w, h, long_side);
    if (dw, dh) == (w, h) {
        return None;
    }
    // Block sums are 16-bit: at most 256 rows of 255 fit.
    let k = (w / dw).min(h / dh).clamp(1, 256);
    if k < 2 {
        return RgbImage::from_raw(dw, dh, shrink::<3>(image.as_raw(), w, h, dw, dh));
    }
    if (w / k, h / k) == (dw, dh) {
        let (data, bw, bh) = box_shrink::<3>(image.as_raw(), w, h, k);
        return RgbImage::from_raw(bw, bh, data);
    }
    let (dw, dh) = (dw.min(w / k), dh.min(h / k));
    RgbImage::from_raw(
        dw,
        dh,
        box_then_shrink::<3>(image.as_raw(), (w, h), k, (dw, dh)),
    )
}

/// Halves a colour image and makes its grey copy in the same pass (the analysis copy of a
/// 1600x1200 photo, the most common input). `None` when the image is smaller than 2x2.
pub(crate) fn halve_with_grey(image: &RgbImage) -> Option<(RgbImage, GrayImage)> {
    let (w, h) = image.dimensions();
    let (dw, dh) = (w as usize / 2, h as usize / 2);
    if dw == 0 || dh == 0 {
        return None;
    }
    let stride = w as usize * 3;
    let src = image.as_raw();
    let mut rgb = vec![0u8; dw * dh * 3];
    let mut grey = vec![0u8; dw * dh];
    // Three plain passes the compiler vectorises: the two rows summed, each sum added to the
    // one a pixel to its right, then every other pixel kept.
    let mut column_sums = vec![0u16; dw * 6];
    let mut pair_sums = vec![0u16; dw * 6];
    for (y, (rgb_row, grey_row)) in rgb
        .chunks_exact_mut(dw * 3)
        .zip(grey.chunks_exact_mut(dw))
        .enumerate()
    {
        let top = &src[2 * y * stride..2 * y * stride + dw * 6];
        let bottom = &src[(2 * y + 1) * stride..(2 * y + 1) * stride + dw * 6];
        for ((sum, &t), &b) in column_sums.iter_mut().zip(top).zip(bottom) {
            *sum = u16::from(t) + u16::from(b);
        }
        for ((pair, &left), &right) in pair_sums
            .iter_mut()
            .zip(&column_sums)
            .zip(&column_sums[3..])
        {
            *pair = left + right;
        }
        for ((sums, out), grey_pixel) in pair_sums
            .chunks_exact(6)
            .zip(rgb_row.chunks_exact_mut(3))
            .zip(grey_row.iter_mut())
        {
            let [r, g, b] = [sums[0], sums[1], sums[2]];
            out[0] = ((r + 2) >> 2) as u8;
            out[1] = ((g + 2) >> 2) as u8;
            out[2] = ((b + 2) >> 2) as u8;
            // The luma weights of `luma` on sums of four pixels.
            *grey_pixel =
                ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 512) >> 10) as u8;
        }
    }
    Some((
        RgbImage::from_raw(dw as u32, dh as u32, rgb)?,
        GrayImage::from_raw(dw as u32, dh as u32, grey)?,
    ))
}

/// Averages `k` x `k` blocks of a colour image (a rough small copy, e.g. to locate the
/// document); `None` when `k` is 1 or the image is smaller than one block.
pub(crate) fn shrink_rgb_by(image: &RgbImage, k: u32) -> Option<RgbImage> {
    let (w, h) = image.dimensions();
    if k < 2 || w < k || h < k {
        return None;
    }
    let (data, dw, dh) = box_shrink::<3>(image.as_raw(), w, h, k);
    RgbImage::from_raw(dw, dh, data)
}

/// Turns a colour image a quarter clockwise (or anticlockwise), in tiles so both sides of the
/// copy stay in cache.
pub(crate) fn turn(image: &RgbImage, clockwise: bool) -> RgbImage {
    const TILE: usize = 32;
    let (w, h) = (image.width() as usize, image.height() as usize);
    let src = image.as_raw();
    let mut out = vec![0u8; w * h * 3];
    // Destination is h wide and w high.
    for ty in (0..w).step_by(TILE) {
        for tx in (0..h).step_by(TILE) {
            for dy in ty..(ty + TILE).min(w) {
                for dx in tx..(tx + TILE).min(h) {
                    let (sx, sy) = if clockwise {
                        (dy, h - 1 - dx)
                    } else {
                        (w - 1 - dy, dx)
                    };
                    let (i, o) = ((sy * w + sx) * 3, (dy * h + dx) * 3);
                    out[o..o + 3].copy_from_slice(&src[i..i + 3]);
                }
            }
        }
    }
    RgbImage::from_raw(h as u32, w as u32, out).unwrap_or_else(|| RgbImage::new(h as u32, w as u32))
}

/// Luma (BT.601 weights, as JPEG uses) of a colour image.
pub(crate) fn grey(image: &RgbImage) -> GrayImage {
    let (w, h) = image.dimensions();
    let data = image
        .as_raw()
        .chunks_exact(3)
        .map(|p| luma(p[0], p[1], p[2]))
        .collect();
    GrayImage::from_raw(w, h, data).unwrap_or_else(|| GrayImage::new(w, h))
}

pub(crate) fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_image_stays_flat_at_any_ratio() {
        let flat = RgbImage::from_pixel(1001, 757, image::Rgb([200, 100, 7]));
        let small = shrink_rgb(&flat, 333).unwrap();
        assert_eq!(small.dimensions(), (333, 252));
        assert!(small.pixels().all(|p| p.0 == [200, 100, 7]));
    }

    #[test]
    fn halving_averages_each_two_by_two_block() {
        let grey = GrayImage::from_raw(4, 2, vec![0, 100, 10, 20, 200, 100, 30, 40]).unwrap();
        assert_eq!(shrink::<1>(grey.as_raw(), 4, 2, 2, 1), vec![100, 25]);
        let (boxed, w, h) = box_shrink::<1>(grey.as_raw(), 4, 2, 2);
        assert_eq!((boxed, w, h), (vec![100, 25], 2, 1));
    }

    #[test]
    fn a_large_shrink_matches_a_direct_area_average() {
        // Smooth content (a photo, not a test pattern of single-pixel stripes).
        let image = RgbImage::from_fn(1000, 750, |x, y| {
            let (fx, fy) = (f64::from(x) / 40.0, f64::from(y) / 30.0);
            image::Rgb([
                (128.0 + 120.0 * fx.sin()) as u8,
                (128.0 + 120.0 * fy.cos()) as u8,
                90,
            ])
        });
        let two_step = shrink_rgb(&image, 400).unwrap();
        let (boxed, bw, bh) = box_shrink::<3>(image.as_raw(), 1000, 750, 2);
        assert_eq!(
            two_step.as_raw(),
            &shrink::<3>(&boxed, bw, bh, 400, 300),
            "fused = two passes"
        );
        let direct = shrink::<3>(image.as_raw(), 1000, 750, 400, 300);
        assert_eq!(two_step.dimensions(), (400, 300));
        let worst = two_step
            .as_raw()
            .iter()
            .zip(&direct)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(worst <= 6, "worst difference {worst}");
    }

    #[test]
    fn halving_with_grey_agrees_with_the_two_steps() {
        let image = RgbImage::from_fn(101, 60, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 4) as u8, ((x + y) % 256) as u8])
        });
        let (half, grey_half) = halve_with_grey(&image).unwrap();
        assert_eq!(half, shrink_rgb_by(&image, 2).unwrap());
        for (a, b) in grey_half.as_raw().iter().zip(grey(&half).as_raw()) {
            assert!(a.abs_diff(*b) <= 1);
        }
    }

    #[test]
    fn turning_matches_the_image_crate() {
        let image = RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8, y as u8, 7]));
        assert_eq!(turn(&image, true), image::imageops::rotate90(&image));
        assert_eq!(turn(&image, false), image::imageops::rotate270(&image));
    }

    #[test]
    fn an_image_that_already_fits_is_not_copied() {
        let image = RgbImage::new(800, 600);
        assert!(shrink_rgb(&image, 800).is_none());
        assert_eq!(fit_within(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit_within(3000, 4000, 1600), (1200, 1600));
        assert_eq!(fit_within(5000, 1, 1000), (1000, 1));
    }
}
