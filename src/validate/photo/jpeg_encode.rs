//! The JPEG written for storage: baseline, 4:2:0 chroma, standard tables, no metadata at all.
//!
//! `image`'s encoder writes 4:4:4 through generic per-pixel code and took ~60 ms for a
//! 1600x1200 copy, more than decoding a phone photo; this one does the same job in a fraction of
//! that (4:2:0 halves the chroma work, the DCT is the float AAN one of libjpeg's jfdctflt.c).
//! It only ever encodes pixels we decoded ourselves, never parses input.

use image::RgbImage;

#[rustfmt::skip]
const LUMA_QUANT: [u8; 64] = [
    16, 11, 10, 16,  24,  40,  51,  61,
    12, 12, 14, 19,  26,  58,  60,  55,
    14, 13, 16, 24,  40,  57,  69,  56,
    14, 17, 22, 29,  51,  87,  80,  62,
    18, 22, 37, 56,  68, 109, 103,  77,
    24, 35, 55, 64,  81, 104, 113,  92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103,  99,
];

#[rustfmt::skip]
const CHROMA_QUANT: [u8; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
];

/// Zigzag position k -> natural (row-major) index.
#[rustfmt::skip]
const ZIGZAG: [usize; 64] = [
     0,  1,  8, 16,  9,  2,  3, 10,
    17, 24, 32, 25, 18, 11,  4,  5,
    12, 19, 26, 33, 40, 48, 41, 34,
    27, 20, 13,  6,  7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36,
    29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46,
    53, 60, 61, 54, 47, 55, 62, 63,
];

// Huffman tables of the JPEG standard, Annex K.3 (code counts per length, then symbols).
const LUMA_DC_COUNTS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const CHROMA_DC_COUNTS: [u8; 16] = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_SYMBOLS: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const LUMA_AC_COUNTS: [u8; 16] = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D];
#[rustfmt::skip]
const LUMA_AC_SYMBOLS: [u8; 162] = [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
    0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5,
    0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2,
    0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
    0xF9, 0xFA,
];
const CHROMA_AC_COUNTS: [u8; 16] = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
#[rustfmt::skip]
const CHROMA_AC_SYMBOLS: [u8; 162] = [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0,
    0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26,
    0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5,
    0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3,
    0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA,
    0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
    0xF9, 0xFA,
];

/// Code and length for each of the 256 possible symbols of one Huffman table.
struct HuffmanTable {
    codes: [(u16, u8); 256],
}

impl HuffmanTable {
    fn new(counts: &[u8; 16], symbols: &[u8]) -> HuffmanTable {
        let mut codes = [(0u16, 0u8); 256];
        let mut code = 0u16;
        let mut next = 0;
        for (length, &count) in counts.iter().enumerate() {
            for _ in 0..count {
                if let Some(&symbol) = symbols.get(next) {
                    codes[usize::from(symbol)] = (code, length as u8 + 1);
                }
                next += 1;
                code += 1;
            }
            code <<= 1;
        }
        HuffmanTable { codes }
    }
}

struct BitWriter {
    out: Vec<u8>,
    bits: u64,
    count: u32,
}

impl BitWriter {
    /// Appends the low `length` (at most 32) bits of `value`; whole 32-bit words go out at once.
    #[inline(always)]
    fn put(&mut self, value: u32, length: u8) {
        let length = u32::from(length);
        self.bits = (self.bits << length) | (u64::from(value) & ((1u64 << length) - 1));
        self.count += length;
        if self.count >= 32 {
            self.count -= 32;
            self.emit((self.bits >> self.count) as u32, 4);
        }
    }

    /// Writes the top `bytes` bytes of `word`; 0xFF in entropy-coded data is followed by a
    /// stuffed zero.
    fn emit(&mut self, word: u32, bytes: usize) {
        let inverted = !word;
        let has_ff = inverted.wrapping_sub(0x0101_0101) & !inverted & 0x8080_8080 != 0;
        let all = word.to_be_bytes();
        if !has_ff && bytes == 4 {
            self.out.extend_from_slice(&all);
            return;
        }
        for &byte in &all[..bytes] {
            self.out.push(byte);
            if byte == 0xFF {
                self.out.push(0);
            }
        }
    }

    /// Pads the last byte with one-bits, as the standard asks, and writes what is left.
    fn flush(&mut self) {
        let pad = (8 - self.count % 8) % 8;
        self.bits = (self.bits << pad) | ((1u64 << pad) - 1);
        self.count += pad;
        let bytes = (self.count / 8) as usize;
        if bytes > 0 {
            let word = (self.bits << (32 - self.count)) as u32;
            self.emit(word, bytes);
        }
        self.count = 0;
    }
}

/// Number of bits of |v| and the bits the standard writes for v (one's complement if negative).
fn magnitude(v: i32) -> (u8, u16) {
    let size = 32 - v.unsigned_abs().leading_zeros();
    let bits = if v < 0 { v - 1 } else { v };
    (size as u8, (bits as u32 & ((1u32 << size) - 1)) as u16)
}

/// Divisors for the AAN DCT output: quantisation step times the AAN scale factors.
fn quant_table(base: &[u8; 64], quality: u8) -> ([u8; 64], [f32; 64]) {
    let quality = u32::from(quality.clamp(1, 100));
    let scale = if quality < 50 {
        5000 / quality
    } else {
        200 - quality * 2
    };
    const AAN: [f32; 8] = [
        1.0,
        1.387_039_8,
        1.306_563,
        1.175_875_6,
        1.0,
        0.785_694_96,
        0.541_196_1,
        0.275_899_38,
    ];
    let mut table = [0u8; 64];
    let mut reciprocal = [0f32; 64];
    for i in 0..64 {
        let q = ((u32::from(base[i]) * scale + 50) / 100).clamp(1, 255);
        table[i] = q as u8;
        reciprocal[i] = 1.0 / (q as f32 * AAN[i / 8] * AAN[i % 8] * 8.0);
    }
    (table, reciprocal)
}

/// One-dimensional float AAN forward DCT on 8 values `stride` apart.
#[inline(always)]
fn fdct_1d(d: &mut [f32; 64], start: usize, stride: usize) {
    let at = |k: usize| start + k * stride;
    let (t0, t7) = (d[at(0)] + d[at(7)], d[at(0)] - d[at(7)]);
    let (t1, t6) = (d[at(1)] + d[at(6)], d[at(1)] - d[at(6)]);
    let (t2, t5) = (d[at(2)] + d[at(5)], d[at(2)] - d[at(5)]);
    let (t3, t4) = (d[at(3)] + d[at(4)], d[at(3)] - d[at(4)]);
    let (t10, t13) = (t0 + t3, t0 - t3);
    let (t11, t12) = (t1 + t2, t1 - t2);
    d[at(0)] = t10 + t11;
    d[at(4)] = t10 - t11;
    let z1 = (t12 + t13) * std::f32::consts::FRAC_1_SQRT_2;
    d[at(2)] = t13 + z1;
    d[at(6)] = t13 - z1;
    let (t10, t11, t12) = (t4 + t5, t5 + t6, t6 + t7);
    let z5 = (t10 - t12) * 0.382_683_43;
    let z2 = 0.541_196_1 * t10 + z5;
    let z4 = 1.306_563 * t12 + z5;
    let z3 = t11 * std::f32::consts::FRAC_1_SQRT_2;
    let (z11, z13) = (t7 + z3, t7 - z3);
    d[at(5)] = z13 + z2;
    d[at(3)] = z13 - z2;
    d[at(1)] = z11 + z4;
    d[at(7)] = z11 - z4;
}

/// Rounds to the nearest integer by adding 1.5 * 2^23, which leaves the integer in the low
/// mantissa bits. `f32::round` is a libm call on baseline x86-64 and a saturating `as` cast
/// costs compares; together they dominated the encoder. Exact for |v| < 2^22, and quantised
/// DCT coefficients stay below 2^11.
#[inline(always)]
fn round(v: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0;
    ((v + MAGIC).to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32)
}

/// A Huffman code followed by the magnitude bits it announces (at most 16 + 11 bits).
#[inline(always)]
fn with_bits(code: u16, bits: u16, size: u8) -> u32 {
    (u32::from(code) << size) | u32::from(bits)
}

struct Component<'a> {
    reciprocal: [f32; 64],
    dc: &'a HuffmanTable,
    ac: &'a HuffmanTable,
    previous_dc: i32,
}

fn encode_block(block: &mut [f32; 64], component: &mut Component, writer: &mut BitWriter) {
    for row in 0..8 {
        fdct_1d(block, row * 8, 1);
    }
    for column in 0..8 {
        fdct_1d(block, column, 8);
    }
    let mut coefficients = [0i32; 64];
    // Bit k set when zigzag coefficient k is not zero: the AC loop then jumps from one non-zero
    // coefficient to the next instead of testing all 63.
    let mut nonzero = 0u64;
    for (k, &natural) in ZIGZAG.iter().enumerate() {
        let c = round(block[natural] * component.reciprocal[natural]);
        coefficients[k] = c;
        nonzero |= u64::from(c != 0) << k;
    }
    let (size, bits) = magnitude(coefficients[0] - component.previous_dc);
    component.previous_dc = coefficients[0];
    let (code, length) = component.dc.codes[usize::from(size)];
    writer.put(with_bits(code, bits, size), length + size);
    let mut remaining = nonzero >> 1;
    let mut k = 1usize;
    while remaining != 0 {
        let zeros = remaining.trailing_zeros();
        let mut run = zeros;
        k += zeros as usize;
        while run >= 16 {
            let (code, length) = component.ac.codes[0xF0];
            writer.put(u32::from(code), length);
            run -= 16;
        }
        let (size, bits) = magnitude(coefficients[k]);
        let (code, length) = component.ac.codes[((run as usize) << 4) | usize::from(size)];
        writer.put(with_bits(code, bits, size), length + size);
        remaining = (remaining >> zeros) >> 1;
        k += 1;
    }
    if k < 64 {
        // End of block: the rest are zeros.
        let (code, length) = component.ac.codes[0x00];
        writer.put(u32::from(code), length);
    }
}

fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn huffman_segment_body(class_and_id: u8, counts: &[u8; 16], symbols: &[u8], body: &mut Vec<u8>) {
    body.push(class_and_id);
    body.extend_from_slice(counts);
    body.extend_from_slice(symbols);
}

/// Encodes 8-bit RGB as a baseline JFIF JPEG with 4:2:0 chroma subsampling. Images larger than
/// 65535 on a side cannot be JPEG and are rejected; an empty image gives an empty result.
pub(crate) fn encode(image: &RgbImage, quality: u8) -> Result<Vec<u8>, EncodeError> {
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 {
        return Err(EncodeError::Empty);
    }
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(EncodeError::TooLarge {
            width: w,
            height: h,
        });
    };
    let (luma_table, luma_reciprocal) = quant_table(&LUMA_QUANT, quality);
    let (chroma_table, chroma_reciprocal) = quant_table(&CHROMA_QUANT, quality);
    let luma_dc = HuffmanTable::new(&LUMA_DC_COUNTS, &DC_SYMBOLS);
    let luma_ac = HuffmanTable::new(&LUMA_AC_COUNTS, &LUMA_AC_SYMBOLS);
    let chroma_dc = HuffmanTable::new(&CHROMA_DC_COUNTS, &DC_SYMBOLS);
    let chroma_ac = HuffmanTable::new(&CHROMA_AC_COUNTS, &CHROMA_AC_SYMBOLS);

    let mut out = Vec::with_capacity(image.as_raw().len() / 10 + 1024);
    out.extend_from_slice(&[0xFF, 0xD8]);
    segment(
        &mut out,
        0xE0,
        b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    );
    let mut dqt = vec![0u8];
    dqt.extend(ZIGZAG.iter().map(|&n| luma_table[n]));
    dqt.push(1);
    dqt.extend(ZIGZAG.iter().map(|&n| chroma_table[n]));
    segment(&mut out, 0xDB, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&h16.to_be_bytes());
    sof.extend_from_slice(&w16.to_be_bytes());
    sof.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    segment(&mut out, 0xC0, &sof);
    let mut dht = Vec::new();
    huffman_segment_body(0x00, &LUMA_DC_COUNTS, &DC_SYMBOLS, &mut dht);
    huffman_segment_body(0x10, &LUMA_AC_COUNTS, &LUMA_AC_SYMBOLS, &mut dht);
    huffman_segment_body(0x01, &CHROMA_DC_COUNTS, &DC_SYMBOLS, &mut dht);
    huffman_segment_body(0x11, &CHROMA_AC_COUNTS, &CHROMA_AC_SYMBOLS, &mut dht);
    segment(&mut out, 0xC4, &dht);
    segment(&mut out, 0xDA, &[3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

    let mut writer = BitWriter {
        out,
        bits: 0,
        count: 0,
    };
    let mut y_component = Component {
        reciprocal: luma_reciprocal,
        dc: &luma_dc,
        ac: &luma_ac,
        previous_dc: 0,
    };
    let mut cb_component = Component {
        reciprocal: chroma_reciprocal,
        dc: &chroma_dc,
        ac: &chroma_ac,
        previous_dc: 0,
    };
    let mut cr_component = Component {
        reciprocal: chroma_reciprocal,
        dc: &chroma_dc,
        ac: &chroma_ac,
        previous_dc: 0,
    };

    // One row of 16x16 macroblocks at a time: level-shifted Y, and Cb/Cr averaged over 2x2.
    let (w, h) = (w as usize, h as usize);
    let mcus = w.div_ceil(16);
    let padded = mcus * 16;
    let mut y_rows = vec![0f32; 16 * padded];
    let mut cb_rows = vec![0f32; 8 * padded / 2];
    let mut cr_rows = vec![0f32; 8 * padded / 2];
    let raw = image.as_raw();
    let mut block = [0f32; 64];
    // Per chroma sample: the summed RGB of its 2x2 pixels (colour conversion is linear, so
    // converting the average once equals averaging four conversions).
    let mut rgb_sums = vec![[0f32; 3]; 8 * padded / 2];
    for mcu_y in 0..h.div_ceil(16) {
        rgb_sums.iter_mut().for_each(|v| *v = [0.0; 3]);
        for r in 0..16 {
            // Rows past the bottom edge repeat the last one; columns past the right edge too.
            let y = (mcu_y * 16 + r).min(h - 1);
            let source = &raw[y * w * 3..(y + 1) * w * 3];
            let y_row = &mut y_rows[r * padded..(r + 1) * padded];
            let sums = &mut rgb_sums[(r / 2) * padded / 2..(r / 2 + 1) * padded / 2];
            let last = [source[3 * w - 3], source[3 * w - 2], source[3 * w - 1]];
            let pixels = source
                .chunks_exact(3)
                .chain(std::iter::repeat_n(&last[..], padded - w));
            for (x, (luma, pixel)) in y_row.iter_mut().zip(pixels).enumerate() {
                let (red, green, blue) = (
                    f32::from(pixel[0]),
                    f32::from(pixel[1]),
                    f32::from(pixel[2]),
                );
                *luma = 0.299 * red + 0.587 * green + 0.114 * blue - 128.0;
                let sum = &mut sums[x / 2];
                sum[0] += red;
                sum[1] += green;
                sum[2] += blue;
            }
        }
        // The +128 chroma offset and the -128 level shift cancel.
        for ((sum, cb), cr) in rgb_sums
            .iter()
            .zip(cb_rows.iter_mut())
            .zip(cr_rows.iter_mut())
        {
            let [red, green, blue] = sum.map(|v| v * 0.25);
            *cb = -0.168_736 * red - 0.331_264 * green + 0.5 * blue;
            *cr = 0.5 * red - 0.418_688 * green - 0.081_312 * blue;
        }
        for mcu_x in 0..mcus {
            for (by, bx) in [(0, 0), (0, 8), (8, 0), (8, 8)] {
                for r in 0..8 {
                    let start = (by + r) * padded + mcu_x * 16 + bx;
                    block[r * 8..r * 8 + 8].copy_from_slice(&y_rows[start..start + 8]);
                }
                encode_block(&mut block, &mut y_component, &mut writer);
            }
            for (rows, component) in [(&cb_rows, &mut cb_component), (&cr_rows, &mut cr_component)]
            {
                for r in 0..8 {
                    let start = r * padded / 2 + mcu_x * 8;
                    block[r * 8..r * 8 + 8].copy_from_slice(&rows[start..start + 8]);
                }
                encode_block(&mut block, component, &mut writer);
            }
        }
    }
    writer.flush();
    let mut out = writer.out;
    out.extend_from_slice(&[0xFF, 0xD9]);
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum EncodeError {
    #[error("an empty image cannot be encoded")]
    Empty,
    #[error("{width}x{height} is larger than JPEG allows")]
    TooLarge { width: u32, height: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
        let mse: f64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
            .sum::<f64>()
            / a.as_raw().len() as f64;
        10.0 * (255.0 * 255.0 / mse.max(1e-9)).log10()
    }

    fn smooth(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (f64::from(x) / 23.0, f64::from(y) / 17.0);
            Rgb([
                (128.0 + 100.0 * fx.sin()) as u8,
                (128.0 + 100.0 * fy.cos()) as u8,
                (128.0 + 60.0 * (fx + fy).sin()) as u8,
            ])
        })
    }

    #[test]
    fn what_we_encode_decodes_back_to_nearly_the_same_picture() {
        for (w, h) in [(320, 240), (17, 9), (1, 1), (33, 65)] {
            let original = smooth(w, h);
            let jpeg = encode(&original, 90).unwrap();
            let decoded = image::load_from_memory(&jpeg).unwrap().to_rgb8();
            assert_eq!(decoded.dimensions(), (w, h));
            let quality = psnr(&original, &decoded);
            assert!(quality > 30.0, "{w}x{h}: PSNR {quality:.1} dB");
        }
    }

    #[test]
    fn flat_colours_survive_exactly_enough() {
        for colour in [[0, 0, 0], [255, 255, 255], [200, 30, 40], [38, 92, 196]] {
            let original = RgbImage::from_pixel(48, 32, Rgb(colour));
            let decoded = image::load_from_memory(&encode(&original, 85).unwrap())
                .unwrap()
                .to_rgb8();
            for (a, b) in decoded.pixels().zip(original.pixels()) {
                for c in 0..3 {
                    assert!(a.0[c].abs_diff(b.0[c]) <= 3, "{colour:?} became {:?}", a.0);
                }
            }
        }
    }

    #[test]
    fn an_empty_image_is_an_error_not_a_panic() {
        assert_eq!(encode(&RgbImage::new(0, 0), 85), Err(EncodeError::Empty));
    }
}
