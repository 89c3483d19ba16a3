//! Shrinking and turning the decoded picture.
//!
//! Every shrink is an area average (a box filter as wide as the scale factor): the right filter
//! for shrinking, since fine print averages out instead of aliasing into moiré. It runs on
//! fast_image_resize's SIMD convolution, a few milliseconds for a 12 MP phone photo.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{
    FilterType, ImageBufferError, PixelType, ResizeAlg, ResizeOptions, Resizer,
};
use image::{GrayImage, RgbImage};

#[derive(Debug, thiserror::Error)]
pub(crate) enum ResizeError {
    #[error(transparent)]
    Buffer(#[from] ImageBufferError),
    #[error(transparent)]
    Resize(#[from] fast_image_resize::ResizeError),
    #[error("the resized buffer does not match {width}x{height}")]
    Size { width: u32, height: u32 },
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

/// Shrinks a colour image so its longer side is at most `long_side`; `None` when it already
/// fits (the caller keeps using the original, no copy made).
pub(crate) fn shrink_rgb(
    image: &RgbImage,
    long_side: u32,
) -> Result<Option<RgbImage>, ResizeError> {
    let (w, h) = image.dimensions();
    let size = fit_within(w, h, long_side);
    if size == (w, h) {
        return Ok(None);
    }
    resize_rgb(image, size).map(Some)
}

/// Area-averages a colour image down (or, if asked, up) to exactly `width` x `height`.
pub(crate) fn resize_rgb(
    image: &RgbImage,
    (width, height): (u32, u32),
) -> Result<RgbImage, ResizeError> {
    let source = ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        PixelType::U8x3,
    )?;
    let mut target = Image::new(width.max(1), height.max(1), PixelType::U8x3);
    Resizer::new().resize(
        &source,
        &mut target,
        &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box)),
    )?;
    let (width, height) = (target.width(), target.height());
    RgbImage::from_raw(width, height, target.into_vec()).ok_or(ResizeError::Size { width, height })
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
    // Writing into a sized buffer lets the loop vectorise (collecting from `map` does not).
    let mut data = vec![0u8; image.as_raw().len() / 3];
    for (out, p) in data.iter_mut().zip(image.as_raw().chunks_exact(3)) {
        *out = luma(p[0], p[1], p[2]);
    }
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
        let small = shrink_rgb(&flat, 333).unwrap().unwrap();
        assert_eq!(small.dimensions(), (333, 252));
        assert!(small.pixels().all(|p| p.0 == [200, 100, 7]));
    }

    #[test]
    fn an_exact_halving_averages_each_two_by_two_block() {
        let image = RgbImage::from_raw(
            4,
            2,
            [[0, 100, 10], [20, 0, 0], [10, 10, 10], [30, 30, 30]]
                .into_iter()
                .chain([[200, 100, 30], [40, 0, 0], [50, 50, 50], [70, 70, 70]])
                .flatten()
                .collect(),
        )
        .unwrap();
        let half = resize_rgb(&image, (2, 1)).unwrap();
        let expected = [65, 50, 10, 40, 40, 40];
        for (got, want) in half.as_raw().iter().zip(expected) {
            assert!(
                got.abs_diff(want) <= 1,
                "{:?} != {expected:?}",
                half.as_raw()
            );
        }
    }

    #[test]
    fn a_large_shrink_is_the_area_average_of_each_output_pixel() {
        // Smooth content (a photo, not a test pattern of single-pixel stripes), 2.5 to 1.
        let image = RgbImage::from_fn(1000, 750, |x, y| {
            let (fx, fy) = (f64::from(x) / 40.0, f64::from(y) / 30.0);
            image::Rgb([
                (128.0 + 120.0 * fx.sin()) as u8,
                (128.0 + 120.0 * fy.cos()) as u8,
                90,
            ])
        });
        let small = shrink_rgb(&image, 400).unwrap().unwrap();
        assert_eq!(small.dimensions(), (400, 300));
        let mut worst = 0.0f64;
        for (x, y, pixel) in small.enumerate_pixels() {
            // Output pixel (x, y) covers source [2.5x, 2.5x + 2.5) on each axis.
            let covered = |o: u32, s: u32| {
                let (a, b) = (f64::from(o) * 2.5, f64::from(o) * 2.5 + 2.5);
                (a.floor() as u32..b.ceil() as u32)
                    .filter(move |&i| i < s)
                    .map(move |i| {
                        (
                            i,
                            (b.min(f64::from(i) + 1.0) - a.max(f64::from(i))).max(0.0),
                        )
                    })
            };
            for c in 0..3 {
                let mut sum = 0.0;
                for (sx, wx) in covered(x, 1000) {
                    for (sy, wy) in covered(y, 750) {
                        sum += wx * wy * f64::from(image.get_pixel(sx, sy).0[c]);
                    }
                }
                worst = worst.max((sum / 6.25 - f64::from(pixel.0[c])).abs());
            }
        }
        assert!(worst <= 2.0, "worst difference {worst}");
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
        assert!(shrink_rgb(&image, 800).unwrap().is_none());
        assert_eq!(fit_within(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit_within(3000, 4000, 1600), (1200, 1600));
        assert_eq!(fit_within(5000, 1, 1000), (1000, 1));
    }
}
