//! A manifest as a printable A4 PDF (landscape): the office, the manifest's number, route and
//! date, page numbers, a row per card with a blank signature box, and the totals with the
//! hand-over signatures on the last page. The font is embedded (DejaVu Sans Condensed, in
//! `assets/fonts`), so Indonesian text renders anywhere and `pdftotext` reads it back; krilla
//! writes no date or random id, so the same manifest gives the same bytes.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};

use crate::domain::manifest::{Manifest, ManifestLine};

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansCondensed.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansCondensed-Bold.ttf");

const WIDTH: f32 = 841.89;
const HEIGHT: f32 = 595.28;
const LEFT: f32 = 30.0;
const RIGHT: f32 = WIDTH - 30.0;
const TABLE_TOP: f32 = 118.0;
const ROW: f32 = 30.0;
const ROWS_PER_PAGE: usize = 14;
/// Rows on the last page leave room for the totals and signatures.
const ROWS_ON_LAST: usize = 10;

/// Column left edges: no, request, recipient/child, NIK, phone, address, COD, signature.
const COLUMNS: [f32; 8] = [LEFT, 52.0, 180.0, 330.0, 415.0, 500.0, 690.0, 745.0];

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font does not load")]
    Font,
    #[error("cannot write the PDF: {0}")]
    Write(String),
}

/// The manifest's pages: full pages of rows, the last one shorter.
fn pages(lines: &[ManifestLine]) -> Vec<&[ManifestLine]> {
    let mut pages = Vec::new();
    let mut rest = lines;
    while rest.len() > ROWS_ON_LAST {
        let take = rest.len().min(ROWS_PER_PAGE);
        // Never leave the totals alone on a page of their own with too many rows before.
        let take = if rest.len() - take == 0 && take > ROWS_ON_LAST {
            take - 1
        } else {
            take
        };
        pages.push(&rest[..take]);
        rest = &rest[take..];
    }
    pages.push(rest);
    pages
}

/// How many pages a manifest of `lines` cards takes.
pub fn page_count(lines: &[ManifestLine]) -> usize {
    pages(lines).len()
}

pub fn render(manifest: &Manifest) -> Result<Vec<u8>, PdfError> {
    let regular = Font::new(REGULAR.into(), 0).ok_or(PdfError::Font)?;
    let bold = Font::new(BOLD.into(), 0).ok_or(PdfError::Font)?;
    let mut document = Document::new_with(SerializeSettings {
        xmp_metadata: false,
        ..Default::default()
    });
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", manifest.title(), manifest.number))
            .language("id".to_string())
            .document_id(manifest.number.clone()),
    );
    let pages = pages(&manifest.lines);
    let count = pages.len();
    let settings = PageSettings::from_wh(WIDTH, HEIGHT).ok_or(PdfError::Font)?;
    for (i, rows) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut pen = Pen {
            surface: &mut surface,
            regular: &regular,
            bold: &bold,
        };
        pen.header(manifest, i + 1, count);
        let mut y = TABLE_TOP;
        pen.table_header(y);
        for line in rows {
            y += ROW;
            pen.row(line, y);
        }
        if i + 1 == count {
            pen.totals(manifest, y + 28.0);
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

struct Pen<'s, 'p> {
    surface: &'s mut Surface<'p>,
    regular: &'s Font,
    bold: &'s Font,
}

impl Pen<'_, '_> {
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        if text.is_empty() {
            return;
        }
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(Fill {
            paint: rgb::Color::new(0, 0, 0).into(),
            ..Default::default()
        }));
        let font = if bold { self.bold } else { self.regular };
        self.surface.draw_text(
            Point::from_xy(x, y),
            font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        let mut path = PathBuilder::new();
        path.move_to(x1, y1);
        path.line_to(x2, y2);
        let Some(path) = path.finish() else {
            return;
        };
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke {
            width,
            paint: rgb::Color::new(0, 0, 0).into(),
            ..Default::default()
        }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
    }

    fn header(&mut self, m: &Manifest, page: usize, of: usize) {
        self.text(LEFT, 40.0, 13.0, true, &m.office);
        self.text(LEFT, 58.0, 11.0, true, m.title());
        let route = format!("{} ({})", m.route_name, m.route);
        self.text(
            LEFT,
            78.0,
            9.5,
            false,
            &format!(
                "Nomor: {}    Rute: {}    Tanggal: {}",
                m.number,
                route,
                m.date.strftime("%d-%m-%Y")
            ),
        );
        self.text(
            RIGHT - 80.0,
            40.0,
            9.0,
            false,
            &format!("Halaman {page} dari {of}"),
        );
    }

    fn table_header(&mut self, y: f32) {
        let titles = [
            "No",
            "Nomor permohonan",
            "Penerima / untuk anak",
            "NIK anak",
            "Telepon",
            "Alamat",
            "COD",
            "Tanda tangan",
        ];
        for (x, title) in COLUMNS.iter().zip(titles) {
            self.text(*x + 2.0, y - 6.0, 8.5, true, title);
        }
        self.rule(LEFT, y, RIGHT, y, 0.8);
    }

    fn row(&mut self, l: &ManifestLine, bottom: f32) {
        let first = bottom - 17.0;
        let second = bottom - 6.0;
        let c = COLUMNS;
        self.text(c[0] + 2.0, first, 8.5, false, &l.sequence.to_string());
        self.text(c[1] + 2.0, first, 8.5, false, &l.number);
        if l.again {
            self.text(c[1] + 2.0, second, 7.5, false, "(antar ulang)");
        }
        self.text(c[2] + 2.0, first, 8.5, false, &clip(&l.recipient, 30));
        self.text(
            c[2] + 2.0,
            second,
            7.5,
            false,
            &clip(&format!("untuk {}", l.name), 34),
        );
        self.text(c[3] + 2.0, first, 8.5, false, &l.nik);
        self.text(c[4] + 2.0, first, 8.5, false, &l.phone);
        let (street, rest) = split_address(&l.address, 40);
        self.text(c[5] + 2.0, first, 8.0, false, &street);
        let rest = [rest, l.postal_code.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        self.text(c[5] + 2.0, second, 8.0, false, &clip(&rest, 44));
        self.text(c[6] + 2.0, first, 8.5, false, &l.cod.to_string());
        self.rule(LEFT, bottom, RIGHT, bottom, 0.3);
        // The signature box's sides.
        self.rule(c[7], bottom - ROW + 2.0, c[7], bottom - 2.0, 0.3);
    }

    fn totals(&mut self, m: &Manifest, y: f32) {
        self.text(
            LEFT,
            y,
            10.0,
            true,
            &format!(
                "Jumlah kiriman: {}    Total COD: {}",
                m.lines.len(),
                m.total_cod()
            ),
        );
        let sign = y + 24.0;
        self.text(
            LEFT,
            sign,
            9.0,
            false,
            "Diserahkan oleh (petugas Disdukcapil):",
        );
        self.text(420.0, sign, 9.0, false, "Diterima oleh (kurir):");
        self.rule(LEFT, sign + 42.0, LEFT + 200.0, sign + 42.0, 0.5);
        self.rule(420.0, sign + 42.0, 620.0, sign + 42.0, 0.5);
        self.text(LEFT, sign + 54.0, 8.0, false, "Nama, tanda tangan, tanggal");
        self.text(
            420.0,
            sign + 54.0,
            8.0,
            false,
            "Nama, tanda tangan, tanggal",
        );
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The address on two lines: up to the last comma that fits on the first, the rest below.
fn split_address(address: &str, max: usize) -> (String, String) {
    if address.chars().count() <= max {
        return (address.to_string(), String::new());
    }
    let parts: Vec<&str> = address.split(", ").collect();
    let mut first = String::new();
    let mut n = 0;
    for part in &parts {
        let next = if first.is_empty() {
            part.to_string()
        } else {
            format!("{first}, {part}")
        };
        if next.chars().count() > max && !first.is_empty() {
            break;
        }
        first = next;
        n += 1;
    }
    (clip(&first, max), parts[n..].join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: u32) -> Vec<ManifestLine> {
        (1..=n)
            .map(|i| ManifestLine {
                sequence: i,
                number: format!("KIA-6371-261130-{i:04}"),
                recipient: "Ibu Siti".into(),
                name: "Budi".into(),
                nik: "************0001".into(),
                phone: "6281234567890".into(),
                address: "Jl. Veteran No. 5, RT/RW 005/002, Melayu".into(),
                postal_code: "70234".into(),
                cod: crate::domain::rupiah::Rupiah(10_000),
                again: false,
            })
            .collect()
    }

    #[test]
    fn every_line_is_on_one_page_and_the_last_page_has_room_for_the_totals() {
        for n in [0, 1, 10, 11, 14, 15, 28, 100] {
            let all = lines(n);
            let pages = pages(&all);
            assert_eq!(pages.iter().map(|p| p.len()).sum::<usize>(), n as usize);
            assert!(pages.iter().all(|p| p.len() <= ROWS_PER_PAGE));
            assert!(pages.last().unwrap().len() <= ROWS_ON_LAST, "{n}");
        }
    }

    #[test]
    fn a_long_address_goes_on_two_lines_at_a_comma() {
        let (a, b) = split_address("Jl. Pramuka Gg. Mawar No. 12, RT/RW 005/002, Melayu", 40);
        assert_eq!(a, "Jl. Pramuka Gg. Mawar No. 12");
        assert_eq!(b, "RT/RW 005/002, Melayu");
    }
}
