//! Runs the readable conversation transcripts in `tests/transcripts/*.txt` directly against the
//! engine, with a fake runtime whose photo checks accept every photo except `[foto buram ...]`.
//!
//! Format, one line each:
//! - `> text`: the parent sends text. `> [tombol: Setuju]` taps the button or list row with that
//!   title in the last message. `> [foto kk.jpg]` sends a photo, `> [foto kk.jpg caption: kk]` with
//!   a caption, `> [foto buram ktp.jpg]` a photo the checks refuse as blurry. `> [pdf]` sends a PDF,
//!   `> [suara]` a voice note. Consecutive photo lines are sent together (one batch, one reply).
//! - `< text`: the reply contains this text; `< (diam)`: there is no reply at all.
//! - `# ...`: a comment. `@ jam +3` lets 3 hours pass and fires the scheduled wake-up.

use loket_testkit::media::{media, shape_of, shows_another_document};
use loket_testkit::transcript::{PhotoLine, photo_line};

use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use loket::domain::document::{DocumentKind, DocumentShape};
use loket::domain::photo::{Finding, PhotoVerdict, Severity};
use loket::flow::{
    Context, Conversation, Effect, FlowSet, Input, MediaRef, NoOpenRequests, Outgoing, step_batch,
};
use std::path::{Path, PathBuf};

fn blurry() -> PhotoVerdict {
    PhotoVerdict {
        findings: vec![Finding {
            code: "blurry".into(),
            severity: Severity::Refusal,
            params: Default::default(),
            figures: vec![],
        }],
        figures: vec![],
    }
}

struct Runtime<'f> {
    flows: &'f FlowSet,
    state: Conversation,
    now: Timestamp,
    sequence: u32,
    last: Option<Outgoing>,
}

impl Runtime<'_> {
    fn step(&mut self, inputs: Vec<Input>) -> Vec<Effect> {
        let ctx = Context {
            now: self.now,
            window_open_until: self.now.checked_add(SignedDuration::from_hours(24)).ok(),
            next_sequence: self.sequence,
            requests: &[],
            open_requests: &NoOpenRequests,
            // The API run's main number is not in numbers.toml: every service, as here.
            business_number: None,
        };
        let (state, effects) =
            step_batch(self.flows, std::mem::take(&mut self.state), inputs, &ctx);
        self.state = state;
        for e in &effects {
            match e {
                Effect::FileRequest(_) => self.sequence += 1,
                Effect::Send(out) => self.last = Some(out.clone()),
                _ => {}
            }
        }
        effects
    }

    /// Sends the inputs, answers photo checks batch by batch, returns all reply text.
    fn send(&mut self, inputs: Vec<(Input, bool)>) -> String {
        let blurry_hashes: Vec<String> = inputs
            .iter()
            .filter_map(|(i, b)| match i {
                Input::Photo { media, .. } if *b => Some(media.sha256.clone()),
                _ => None,
            })
            .collect();
        let mut effects = self.step(inputs.into_iter().map(|(i, _)| i).collect());
        let mut replies = bodies(&effects);
        // As the lane does: a verdict may ask for another check (a photo refused for the
        // document it was put in, checked again for the one it shows); a few rounds at most.
        for _ in 0..4 {
            let checks: Vec<Input> = effects
                .iter()
                .filter_map(|e| match e {
                    Effect::CheckPhoto {
                        media, document, ..
                    } => Some(Input::PhotoChecked {
                        media: media.clone(),
                        document: document.clone(),
                        verdict: if blurry_hashes.contains(&media.sha256) {
                            blurry()
                        } else {
                            looks_like(&name_of(media), document)
                        },
                    }),
                    _ => None,
                })
                .collect();
            if checks.is_empty() {
                break;
            }
            effects = self.step(checks);
            replies.extend(bodies(&effects));
        }
        replies.join("\n")
    }

    fn choice_titled(&self, title: &str) -> Option<Input> {
        let found = match self.last.as_ref()? {
            Outgoing::Buttons { buttons, .. } => buttons
                .iter()
                .find(|b| b.title == title)
                .map(|b| (b.id.clone(), b.title.clone())),
            Outgoing::List { rows, .. } => rows
                .iter()
                .find(|r| r.title == title || r.title.ends_with(&format!(". {title}")))
                .map(|r| (r.id.clone(), r.title.clone())),
            Outgoing::Text { .. } => None,
            other => panic!("the engine says only text, buttons and lists: {other:?}"),
        };
        found.map(|(id, title)| Input::Choice { id, title })
    }
}

/// The file name a stand-in media was made from (its hash is the name's bytes in hex).
fn name_of(media: &MediaRef) -> String {
    let hex = media.sha256.trim_start_matches('0');
    let hex = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_string()
    };
    (0..hex.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .map(char::from)
        .collect()
}

/// What the real checks say of a photo sent for `document`, by what its name says it shows:
/// `kk…` a landscape sheet, `akta…` an upright one, `ktp…`/`ayah…`/`ibu…` an ID card, `pas…` a
/// pas foto. Another document's shape is an `other_document` warning, as the photo checks
/// report it; a pas foto judged as a document is `too_small`.
fn looks_like(name: &str, document: &DocumentKind) -> PhotoVerdict {
    let expected = shape_of(document);
    let shape = match name {
        n if n.starts_with("kk") => Some(DocumentShape::A4Landscape),
        n if n.starts_with("akta") => Some(DocumentShape::A4Portrait),
        n if n.starts_with("ktp") || n.starts_with("ayah") || n.starts_with("ibu") => {
            Some(DocumentShape::IdCard)
        }
        n if n.starts_with("pas") => Some(DocumentShape::PasFoto),
        _ => None,
    };
    match shape {
        // A pas foto judged as a document is far too small for its print.
        Some(DocumentShape::PasFoto) if expected != DocumentShape::PasFoto => {
            let mut verdict = shows_another_document(document, DocumentShape::PasFoto);
            verdict.findings = vec![Finding {
                code: "too_small".into(),
                severity: Severity::Refusal,
                params: [("document".to_string(), document.id().to_string())].into(),
                figures: vec![],
            }];
            verdict
        }
        Some(shape) if shape != expected && expected != DocumentShape::Paper => {
            shows_another_document(document, shape)
        }
        Some(shape) => PhotoVerdict {
            findings: vec![],
            figures: shows_another_document(document, shape).figures,
        },
        None => PhotoVerdict::default(),
    }
}

fn bodies(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(out) => Some(match out {
                Outgoing::Text { body } => body.clone(),
                Outgoing::Buttons { body, buttons } => format!(
                    "{body}\n{}",
                    buttons
                        .iter()
                        .map(|b| format!("[{}]", b.title))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                Outgoing::List { body, rows, .. } => format!(
                    "{body}\n{}",
                    rows.iter()
                        .map(|r| format!("[{}]", r.title))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                other => panic!("the engine says only text, buttons and lists: {other:?}"),
            }),
            _ => None,
        })
        .collect()
}

/// One parent line: the input and whether its photo should be refused as blurry.
fn parse_input(rt: &Runtime, line: &str) -> Result<(Input, bool), String> {
    let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
        return Ok((Input::Text(line.to_string()), false));
    };
    if let Some(title) = inner.strip_prefix("tombol:") {
        return rt
            .choice_titled(title.trim())
            .map(|i| (i, false))
            .ok_or_else(|| format!("no button titled `{}` in the last message", title.trim()));
    }
    if inner == "pdf" {
        return Ok((
            Input::NotAPhoto {
                mime: "application/pdf".into(),
                filename: Some("berkas.pdf".into()),
            },
            false,
        ));
    }
    if inner == "suara" {
        return Ok((
            Input::Unsupported {
                what: "audio".into(),
            },
            false,
        ));
    }
    if let Some(PhotoLine {
        name,
        caption,
        blurry,
    }) = photo_line(inner)
    {
        return Ok((
            Input::Photo {
                media: media(if name.is_empty() { "foto" } else { name }),
                caption,
            },
            blurry,
        ));
    }
    Err(format!("unknown bracket input `[{inner}]`"))
}

fn run_transcript(flows: &FlowSet, path: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut rt = Runtime {
        flows,
        state: Conversation::default(),
        // Monday 13 April 2026, 10:00 WITA.
        now: date(2026, 4, 13)
            .at(10, 0, 0, 0)
            .to_zoned(TimeZone::get("Asia/Makassar").unwrap())
            .unwrap()
            .timestamp(),
        sequence: 42,
        last: None,
    };
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .collect();
    let mut reply = String::new();
    let mut checks = 0;
    let mut i = 0;
    while i < lines.len() {
        let (number, line) = lines[i];
        let fail = |why: String| format!("{}:{number}: {why}", path.display());
        if let Some(sent) = line.strip_prefix("> ") {
            let mut batch = vec![parse_input(&rt, sent.trim()).map_err(fail)?];
            // Photos on consecutive lines travel together.
            while matches!(batch.last(), Some((Input::Photo { .. }, _)))
                && let Some((n, next)) = lines
                    .get(i + 1)
                    .and_then(|(n, l)| l.strip_prefix("> ").map(|s| (*n, s.trim())))
                && next.starts_with("[foto")
            {
                batch.push(
                    parse_input(&rt, next).map_err(|e| format!("{}:{n}: {e}", path.display()))?,
                );
                i += 1;
            }
            reply = rt.send(batch);
        } else if let Some(expected) = line.strip_prefix("< ") {
            checks += 1;
            if expected.trim() == "(diam)" {
                if !reply.is_empty() {
                    return Err(fail(format!("expected silence, got:\n{reply}")));
                }
            } else if !reply.contains(expected.trim()) {
                return Err(fail(format!(
                    "expected the reply to contain `{}`, got:\n{reply}",
                    expected.trim()
                )));
            }
        } else if let Some(hours) = line.strip_prefix("@ jam +") {
            let hours: i64 = hours.trim().parse().map_err(|_| fail("bad hours".into()))?;
            rt.now = rt
                .now
                .checked_add(SignedDuration::from_hours(hours))
                .map_err(|e| fail(e.to_string()))?;
            reply = rt.send(vec![(Input::Tick, false)]);
        } else if !line.is_empty() && !line.starts_with('#') {
            return Err(fail(format!("unknown line `{line}`")));
        }
        i += 1;
    }
    Ok(checks)
}

#[test]
fn every_transcript_runs_against_the_engine() {
    let flows = loket::bundle::load_flows(None).unwrap_or_else(|e| panic!("{e}"));
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
    files.sort();
    assert!(files.len() >= 4, "transcripts missing: {files:?}");
    let mut failures = Vec::new();
    for file in &files {
        match run_transcript(&flows, file) {
            Ok(checks) => assert!(checks > 0, "{} checks nothing", file.display()),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
