//! The conversation transcripts of `tests/transcripts/`, run end to end: every parent line is a
//! signed webhook, photos are real fixture files fetched by loket through the Graph stand-in and
//! judged by the real photo checks, and every answer is read back from what loket sent.
//!
//! The engine test (`tests/flow_transcripts.rs`) runs the same files with a pinned clock; here the
//! clock is real, so a request number is matched by its shape and long dates are not compared.
//! Transcripts that move the clock (`@ jam +N`) run only against the engine.

use std::{path::Path, time::Duration};

use futures_util::future::join_all;
use regex::Regex;
use serde_json::{Value, json};

use crate::helpers::*;
use loket_testkit::transcript::{PhotoLine, photo_line};

/// The photo a transcript's file name stands for: a labelled fixture, or for documents the
/// fixture set has no picture of (witnesses' KTPs, letters) a distinct synthetic one.
fn photo_for(name: &str, blurry: bool) -> Vec<u8> {
    let fixture = match (name, blurry) {
        (n, true) if n.contains("ayah") => "ktp_ayah_blurred.jpg",
        (_, true) => "kk_blurred.jpg",
        ("akta.jpg", _) => "akta.jpg",
        ("kk.jpg", _) => "kk.jpg",
        // Upright, small enough and with nothing to strip: the stored copy is the file itself.
        ("kk_tanpa_metadata.jpg", _) => return without_app_segments(&photo_bytes("kk.jpg")),
        ("akta_tanpa_metadata.jpg", _) => {
            return without_app_segments(&synthetic_document("akta tanpa metadata", false));
        }
        ("ktp_ayah.jpg" | "ayah.jpg" | "ayah2.jpg", _) => "ktp_ayah.jpg",
        ("ktp_ibu.jpg" | "ibu.jpg", _) => "ktp_ibu.jpg",
        ("pasfoto.jpg" | "pas_foto.jpg", _) => "pas_foto_red.jpg",
        (n, _) => return synthetic_document(n, n.contains("saksi")),
    };
    photo_bytes(fixture)
}

/// A sharp, well-lit photo of a document on a dark table: a light-blue ID card or an A4 letter with
/// lines of "text" whose lengths come from the name, so every name gives a different picture.
fn synthetic_document(name: &str, card: bool) -> Vec<u8> {
    let (w, h) = (1600u32, 1200u32);
    let mut seed = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (dw, dh) = if card { (1000, 630) } else { (760, 1075) };
    let (x0, y0) = ((w - dw) / 2, (h - dh) / 2);
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([62, 44, 30]));
    // A KTP-el is light blue; letters are white paper.
    let face = if card {
        [178, 212, 238]
    } else {
        [236, 234, 226]
    };
    for y in y0..y0 + dh {
        for x in x0..x0 + dw {
            img.put_pixel(x, y, image::Rgb(face));
        }
    }
    let mut y = y0 + 40;
    while y + 14 < y0 + dh - 30 {
        let len = 120 + (next() % u64::from(dw - 200)) as u32;
        for yy in y..y + 10 {
            for x in x0 + 40..(x0 + 40 + len).min(x0 + dw - 40) {
                if (x / 9 + yy / 4) % 5 != 0 {
                    img.put_pixel(x, yy, image::Rgb([25, 25, 35]));
                }
            }
        }
        y += 28 + (next() % 20) as u32;
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// Answers that differ inside and outside service hours (the engine test pins the clock).
const CLOCK_DEPENDENT: [&str; 1] = ["petugas akan segera membalas"];

struct Chat<'a> {
    app: &'a TestApp,
    phone: String,
    seen: usize,
    next_id: u64,
    media_id: u64,
    clock: i64,
}

impl Chat<'_> {
    fn messages(&self) -> Vec<Value> {
        self.app
            .graph
            .messages_to(&self.phone)
            .into_iter()
            .filter(|m| m["status"] != "read")
            .collect()
    }

    /// The newest message's buttons or list rows: (id, title, is a list row).
    fn choices(&self) -> Vec<(String, String, bool)> {
        let messages = self.messages();
        let Some(last) = messages.last().filter(|m| m["type"] == "interactive") else {
            return Vec::new();
        };
        let action = &last["interactive"]["action"];
        let mut out = Vec::new();
        for b in action["buttons"].as_array().into_iter().flatten() {
            out.push((
                b["reply"]["id"].as_str().unwrap_or("").to_string(),
                b["reply"]["title"].as_str().unwrap_or("").to_string(),
                false,
            ));
        }
        for section in action["sections"].as_array().into_iter().flatten() {
            for r in section["rows"].as_array().into_iter().flatten() {
                out.push((
                    r["id"].as_str().unwrap_or("").to_string(),
                    r["title"].as_str().unwrap_or("").to_string(),
                    true,
                ));
            }
        }
        out
    }

    /// Every message is stamped a second after the one before at the latest, as the parent's
    /// phone stamps them in the order they were sent: photos posted together (concurrently, so
    /// they reach loket in any order) keep the order the transcript sends them in.
    fn body(&mut self, kind: &str, payload: Value) -> Vec<u8> {
        self.next_id += 1;
        self.clock = now().max(self.clock + 1);
        message_body(
            &format!("wamid.{}.{}", self.phone, self.next_id),
            &self.phone,
            self.clock,
            kind,
            payload,
        )
    }

    fn parse(&mut self, line: &str) -> Result<Vec<u8>, String> {
        let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
            return Ok(self.body("text", json!({"body": line})));
        };
        if let Some(title) = inner.strip_prefix("tombol:") {
            let title = title.trim();
            let found = self
                .choices()
                .into_iter()
                .find(|(_, t, _)| t.trim_end_matches('…') == title || t == title);
            return Ok(match found {
                Some((id, title, true)) => self.body(
                    "interactive",
                    json!({"type": "list_reply", "list_reply": {"id": id, "title": title}}),
                ),
                Some((id, title, false)) => self.body(
                    "interactive",
                    json!({"type": "button_reply", "button_reply": {"id": id, "title": title}}),
                ),
                // A long message comes as numbered text instead of buttons: the parent types.
                None => self.body("text", json!({"body": title})),
            });
        }
        if inner == "pdf" {
            self.media_id += 1;
            let id = format!("{}{}", &self.phone[5..], self.media_id);
            self.app
                .graph
                .add_media(&id, photo_bytes("akta_scan.pdf"), "application/pdf");
            return Ok(self.body("document", json!({"id": id, "mime_type": "application/pdf", "filename": "akta.pdf", "sha256": "x"})));
        }
        if inner == "suara" {
            return Ok(self.body(
                "audio",
                json!({"id": "999", "mime_type": "audio/ogg; codecs=opus", "voice": true}),
            ));
        }
        if let Some(PhotoLine {
            name,
            caption,
            blurry,
        }) = photo_line(inner)
        {
            self.media_id += 1;
            let id = format!("{}{}", &self.phone[5..], self.media_id);
            self.app
                .graph
                .add_media(&id, photo_for(name, blurry), "image/jpeg");
            let mut image = json!({"id": id, "mime_type": "image/jpeg", "sha256": "x"});
            if let Some(caption) = caption {
                image["caption"] = json!(caption);
            }
            return Ok(self.body("image", image));
        }
        Err(format!("unknown bracket input `[{inner}]`"))
    }

    /// Sends a batch (concurrently, as WhatsApp does for photos sent together) and returns the
    /// text of everything loket answered.
    async fn send(&mut self, bodies: Vec<Vec<u8>>) -> String {
        let responses = join_all(bodies.iter().map(|b| self.app.post_signed(b))).await;
        assert!(responses.iter().all(|r| r.status() == 200));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
        let mut last_count = self.messages().len();
        let mut quiet_since = tokio::time::Instant::now();
        // An answer is complete once nothing new has arrived for a while after the first part.
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let count = self.messages().len();
            if count != last_count {
                last_count = count;
                quiet_since = tokio::time::Instant::now();
            }
            if count > self.seen && quiet_since.elapsed() > Duration::from_millis(500) {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                break;
            }
        }
        let messages = self.messages();
        let reply = messages[self.seen.min(messages.len())..]
            .iter()
            .map(render)
            .collect::<Vec<_>>()
            .join("\n");
        self.seen = messages.len();
        reply
    }
}

fn render(m: &Value) -> String {
    if let Some(body) = m.pointer("/text/body").and_then(Value::as_str) {
        return body.to_string();
    }
    let i = &m["interactive"];
    let mut titles = Vec::new();
    for b in i["action"]["buttons"].as_array().into_iter().flatten() {
        titles.push(format!("[{}]", b["reply"]["title"].as_str().unwrap_or("")));
    }
    for s in i["action"]["sections"].as_array().into_iter().flatten() {
        for r in s["rows"].as_array().into_iter().flatten() {
            titles.push(format!("[{}]", r["title"].as_str().unwrap_or("")));
        }
    }
    format!(
        "{}\n{}",
        i["body"]["text"].as_str().unwrap_or(""),
        titles.join(" ")
    )
}

/// The JPEG without its APPn and comment segments (EXIF, JFIF, ICC, ...), as some encoders write.
fn without_app_segments(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let mut at = 2;
    while jpeg[at] == 0xFF && matches!(jpeg[at + 1], 0xE0..=0xEF | 0xFE) {
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    out.extend_from_slice(&jpeg[at..]);
    out
}

fn photo_bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/photos/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub(crate) async fn run(app: &TestApp, path: &Path, phone: &str) -> Result<(usize, usize), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let number = Regex::new(r"^[A-Z]{2,4}-\d{4}-\d{6}-\d{4}$").unwrap();
    let long_date =
        Regex::new(r"^(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} \w+ \d{4}$").unwrap();
    let any_number = Regex::new(r"[A-Z]{2,4}-\d{4}-\d{6}-\d{4}").unwrap();
    let mut chat = Chat {
        app,
        phone: phone.to_string(),
        seen: 0,
        next_id: 0,
        media_id: 0,
        clock: 0,
    };
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .collect();
    let (mut checked, mut skipped) = (0, 0);
    let mut reply = String::new();
    let mut i = 0;
    while i < lines.len() {
        let (n, line) = lines[i];
        let fail = |why: String| format!("{}:{n}: {why}", path.display());
        if let Some(sent) = line.strip_prefix("> ") {
            let mut batch = vec![chat.parse(sent.trim()).map_err(fail)?];
            // Photos on consecutive lines travel together.
            while sent.trim().starts_with("[foto")
                && let Some((_, next)) = lines.get(i + 1)
                && let Some(next) = next.strip_prefix("> ")
                && next.trim().starts_with("[foto")
            {
                batch.push(chat.parse(next.trim()).map_err(fail)?);
                i += 1;
            }
            reply = chat.send(batch).await;
        } else if let Some(expected) = line.strip_prefix("< ") {
            let expected = expected.trim();
            if expected == "(diam)" {
                checked += 1;
                if !reply.is_empty() {
                    return Err(fail(format!("expected silence, got:\n{reply}")));
                }
            } else if number.is_match(expected) {
                checked += 1;
                if !any_number.is_match(&reply) {
                    return Err(fail(format!("expected a request number, got:\n{reply}")));
                }
            } else if long_date.is_match(expected) || CLOCK_DEPENDENT.contains(&expected) {
                skipped += 1; // depends on the day and hour the test runs
            } else {
                checked += 1;
                if !reply.contains(expected) {
                    return Err(fail(format!(
                        "expected the reply to contain `{expected}`, got:\n{reply}"
                    )));
                }
            }
        }
        i += 1;
    }
    Ok((checked, skipped))
}

#[tokio::test]
async fn every_transcript_runs_end_to_end_through_the_webhook_and_replays_identically() {
    let app = spawn_app().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // Each transcript is its own parent, so they run side by side, as parents do.
    let runs = files.iter().enumerate().filter_map(|(k, path)| {
        let text = std::fs::read_to_string(path).unwrap();
        if text.lines().any(|l| l.starts_with("@ jam")) || text.contains("# engine-only") {
            return None;
        }
        let phone = format!("6285{:08}", 10_000 + k);
        let app = &app;
        Some(async move { (path, run(app, path, &phone).await) })
    });
    let mut ran = 0;
    for (path, outcome) in join_all(runs).await {
        match outcome {
            Ok((checked, skipped)) => {
                println!(
                    "{}: {checked} answers checked, {skipped} date lines not compared",
                    path.display()
                );
                ran += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(ran >= 3, "ran {ran} transcripts");

    // A request was filed with a real number and its photos stored without their originals.
    let requests = app.store.all_requests().unwrap();
    assert!(!requests.is_empty());
    for request in &requests {
        let filed = serde_json::to_value(&request.filed).unwrap();
        // Including a photo another draft used and then dropped (06: siblings share a KK).
        let documents = filed["documents"].as_array().unwrap().len();
        assert_eq!(
            request.photos.len(),
            documents,
            "{}",
            request.summary.number
        );
        for sha in &request.photos {
            assert!(
                app.store.blobs().get(sha).unwrap().is_some(),
                "{}: photo {sha} is gone",
                request.summary.number
            );
        }
        for doc in filed["documents"].as_array().unwrap() {
            let sha = doc["media"]["sha256"].as_str().unwrap();
            let record: Value =
                serde_json::to_value(app.store.photo_record(sha).unwrap().unwrap()).unwrap();
            let stored = record["stored_sha256"].as_str().unwrap();
            assert!(
                app.store.blobs().get(stored).unwrap().is_some(),
                "the accepted copy is kept"
            );
            // Unless the file had no metadata to strip: then it is its own stored copy.
            assert!(
                stored == sha || app.store.blobs().get(sha).unwrap().is_none(),
                "the original with its EXIF is not"
            );
        }
    }

    // Replaying the journal through the engine rebuilds every conversation exactly.
    let flows = loket::bundle::load_flows(None).unwrap();
    let report = loket::lane::replay(&flows, &app.store).unwrap();
    assert!(report.batches > 20, "{report:?}");
    assert_eq!(report.differing, vec![], "{report:?}");
    assert_eq!(report.identical, report.conversations);

    // Every batch records the version of the flows that decided it; replayed with flows an
    // office has edited since, replay says which batches a difference may come from.
    for entry in app.store.lane_log() {
        let (_, entry) = entry.unwrap();
        assert_eq!(entry.flows_version.as_deref(), Some(flows.version.as_str()));
    }
    assert!(report.other_flows.is_empty(), "{report:?}");
    let mut files = loket::bundle::built_in_flows();
    let faq = format!(
        "{}\n# edited by the office\n",
        files.get("faq.toml").unwrap()
    );
    files.insert("faq.toml", faq);
    let edited = loket::flow::FlowSet::load(&files).unwrap();
    assert_ne!(edited.version, flows.version);
    let report = loket::lane::replay(&edited, &app.store).unwrap();
    assert_eq!(
        report.other_flows.get(&flows.version),
        Some(&report.batches),
        "{report:?}"
    );
    app.stop().await;
}
