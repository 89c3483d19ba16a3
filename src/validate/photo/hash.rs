//! A perceptual hash to catch the same picture sent for two documents ("the KTP of the mother is
//! the KTP of the father again"), also after WhatsApp re-compressed or resized it, or when it is
//! a second shot taken a moment later.
//!
//! Difference hash on a 17x17 grid of area averages: one bit per horizontally and per
//! vertically adjacent pair of cells (is the next one brighter?), 512 bits in all. Written as
//! `dh17:` followed by 128 hex digits, so a later change of algorithm is recognisable in stored
//! hashes.

use image::GrayImage;

const PREFIX: &str = "dh17:";
const GRID: usize = 17;
const WORDS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PerceptualHash([u64; WORDS]);

impl PerceptualHash {
    pub(crate) fn of(grey: &GrayImage) -> PerceptualHash {
        let grid = cell_means(grey);
        let g = |x: usize, y: usize| grid[y * GRID + x];
        let mut words = [0u64; WORDS];
        let mut bit = 0usize;
        let mut push = |set: bool| {
            if set {
                words[bit / 64] |= 1 << (bit % 64);
            }
            bit += 1;
        };
        for y in 0..GRID - 1 {
            for x in 0..GRID - 1 {
                push(g(x + 1, y) > g(x, y));
                push(g(x, y + 1) > g(x, y));
            }
        }
        PerceptualHash(words)
    }

    pub(crate) fn to_text(self) -> String {
        let mut text = String::with_capacity(PREFIX.len() + WORDS * 16);
        text.push_str(PREFIX);
        for word in self.0 {
            text.push_str(&format!("{word:016x}"));
        }
        text
    }

    pub(crate) fn parse(text: &str) -> Option<PerceptualHash> {
        let digits = text.strip_prefix(PREFIX)?;
        if digits.len() != WORDS * 16 || !digits.is_ascii() {
            return None;
        }
        let mut words = [0u64; WORDS];
        for (i, word) in words.iter_mut().enumerate() {
            *word = u64::from_str_radix(&digits[i * 16..(i + 1) * 16], 16).ok()?;
        }
        Some(PerceptualHash(words))
    }

    pub(crate) fn distance(self, other: PerceptualHash) -> u32 {
        self.0
            .iter()
            .zip(other.0)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }
}

/// Mean grey level of each cell of a `GRID` x `GRID` split of the picture, unrounded: on flat
/// paper or table, neighbouring cells differ by fractions of a level, and rounding to whole
/// levels first would make their comparison flip from one shot to the next.
fn cell_means(grey: &GrayImage) -> Vec<f32> {
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let mut sums = vec![0u32; GRID * GRID];
    if w == 0 || h == 0 {
        return vec![0.0; GRID * GRID];
    }
    let edges = |n: usize| -> Vec<usize> { (0..=GRID).map(|i| i * n / GRID).collect() };
    let (columns, rows) = (edges(w), edges(h));
    for (y, row) in grey.as_raw().chunks_exact(w).enumerate() {
        let base = (y * GRID / h) * GRID;
        for (cell, span) in columns.windows(2).enumerate() {
            sums[base + cell] += row[span[0]..span[1]]
                .iter()
                .map(|&v| u32::from(v))
                .sum::<u32>();
        }
    }
    let mut means = vec![0.0; GRID * GRID];
    for (cy, band) in rows.windows(2).enumerate() {
        for (cx, span) in columns.windows(2).enumerate() {
            let count = (band[1] - band[0]) * (span[1] - span[0]);
            let i = cy * GRID + cx;
            means[i] = if count == 0 {
                0.0
            } else {
                sums[i] as f32 / count as f32
            };
        }
    }
    means
}

/// Number of differing bits between two stored perceptual hashes (0 = same picture, up to 512),
/// or `None` when either is not a hash this version writes.
pub fn perceptual_hash_distance(a: &str, b: &str) -> Option<u32> {
    Some(PerceptualHash::parse(a)?.distance(PerceptualHash::parse(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth picture: blobs of light and dark, like a document on a table at this scale.
    fn gradient(width: u32, height: u32, phase: u32) -> GrayImage {
        GrayImage::from_fn(width, height, |x, y| {
            let (fx, fy) = (
                f64::from(x) / f64::from(width),
                f64::from(y) / f64::from(height),
            );
            let v = (fx * 9.0 + f64::from(phase)).sin() * (fy * 7.0).cos();
            image::Luma([(128.0 + 100.0 * v) as u8])
        })
    }

    #[test]
    fn a_hash_survives_its_text_form() {
        let hash = PerceptualHash::of(&gradient(400, 300, 0));
        let text = hash.to_text();
        assert!(text.starts_with("dh17:"));
        assert_eq!(PerceptualHash::parse(&text), Some(hash));
        assert_eq!(perceptual_hash_distance(&text, &text), Some(0));
    }

    #[test]
    fn the_same_picture_at_another_size_hashes_alike() {
        let big = gradient(800, 600, 0);
        let small = image::imageops::thumbnail(&big, 400, 300);
        let d = PerceptualHash::of(&big).distance(PerceptualHash::of(&small));
        assert!(d <= 16, "distance {d}");
        let other = PerceptualHash::of(&gradient(800, 600, 2));
        assert!(PerceptualHash::of(&big).distance(other) > 100);
    }

    #[test]
    fn garbage_is_not_a_hash() {
        assert_eq!(perceptual_hash_distance("dh17:zz", "dh17:00"), None);
        assert_eq!(perceptual_hash_distance("", "dh17:"), None);
        assert_eq!(
            PerceptualHash::parse(&format!("dh17:{}", "é".repeat(64))),
            None
        );
    }
}
