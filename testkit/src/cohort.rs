//! A scripted cohort of parents, run against a real `loket` through the simulator's page API,
//! as a parent's phone would: each parent reads what loket said and answers the way that parent
//! does (taps or types, with typos, the wrong paper first, a PDF first, asking the requirements
//! half-way, a printed pas foto photographed on the table). Reports who filed without an
//! officer and how many messages each sent.
//!
//! The small form runs in `tests/cohort.rs`; the whole cohort with
//! `cargo test --release --test cohort -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How a parent answers a list or buttons.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Style {
    /// Taps the button or row.
    Taps,
    /// Types the option's title as seen.
    TypesTitle,
    /// Types its number ("1") or number and title ("1. Baru").
    TypesNumber,
    /// Types, with a small typo or in other words.
    TypesLoosely,
}

/// One simulated parent.
#[derive(Clone, Debug)]
pub struct Parent {
    pub who: &'static str,
    pub first_message: &'static str,
    pub style: Style,
    pub child_name: &'static str,
    /// 16 digits, maybe with spaces.
    pub nik: &'static str,
    /// Whether the child is 5 or older (a pas foto is asked) and the birth year is odd (red).
    pub odd_year: bool,
    /// As typed at the kelurahan question.
    pub kelurahan: &'static str,
    /// As typed at the street question (maybe with RT/RW).
    pub street: &'static str,
    pub wrong_paper_first: bool,
    pub pdf_first: bool,
    pub blurry_first: bool,
    pub asks_requirements: bool,
    pub all_photos_at_once: bool,
    /// Photographs the printed pas foto lying on the table.
    pub print_on_table: bool,
}

/// How one parent's request ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub who: &'static str,
    pub filed: bool,
    pub escalated: bool,
    /// Messages the parent sent (one per photo).
    pub messages: usize,
    pub transcript: String,
}

/// Talks to one simulated chat of a running loket.
struct Chat {
    client: reqwest::Client,
    base: String,
    phone: String,
    cursor: u64,
    sent: usize,
    transcript: String,
    /// The newest message loket sent.
    last: Option<Said>,
}

/// One message of loket's: its choices (id, title) and its id, for a tap.
#[derive(Clone)]
struct Said {
    choices: Vec<(String, String)>,
    message_id: String,
}

impl Chat {
    async fn post(&mut self, body: Value) {
        self.sent += 1;
        let url = format!("{}/sim/api/chats/{}/messages", self.base, self.phone);
        let shown = match body["type"].as_str() {
            Some("text") => body["text"].as_str().unwrap_or("").to_string(),
            Some("sample") => format!("[foto {}]", body["file"].as_str().unwrap_or("")),
            _ => format!("[tap {}]", body["id"].as_str().unwrap_or("")),
        };
        self.transcript.push_str(&format!("> {shown}\n"));
        let _ = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
    }

    async fn say(&mut self, text: &str) {
        self.post(json!({"type": "text", "text": text})).await;
    }

    async fn photo(&mut self, file: &str) {
        self.post(json!({"type": "sample", "file": file})).await;
    }

    /// Taps the choice titled `title` (or containing it) in loket's newest message.
    async fn tap(&mut self, title: &str) -> bool {
        let Some(Said {
            choices,
            message_id,
        }) = self.last.clone()
        else {
            return false;
        };
        let wanted = title.to_lowercase();
        let Some((id, _)) = choices
            .iter()
            .find(|(_, t)| t.to_lowercase() == wanted)
            .or_else(|| {
                choices
                    .iter()
                    .find(|(_, t)| t.to_lowercase().contains(&wanted))
            })
        else {
            return false;
        };
        let id = id.clone();
        self.post(json!({"type": "reply", "message_id": message_id, "id": id}))
            .await;
        true
    }

    /// Everything loket said since the last call, once it has been quiet for a moment.
    async fn replies(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut text = String::new();
        let mut quiet_since: Option<Instant> = None;
        loop {
            let url = format!(
                "{}/sim/api/chats/{}/messages?since={}&wait=300",
                self.base, self.phone, self.cursor
            );
            let view: Value = match self.client.get(url).send().await {
                Ok(r) => r
                    .text()
                    .await
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or(Value::Null),
                Err(_) => Value::Null,
            };
            let mut got = false;
            if let Some(cursor) = view["cursor"].as_u64() {
                self.cursor = cursor;
            }
            for m in view["messages"].as_array().into_iter().flatten() {
                if m["from"] != "business" {
                    continue;
                }
                got = true;
                let c = &m["content"];
                let body = c["body"].as_str().unwrap_or("").to_string();
                let mut choices = Vec::new();
                for b in c["buttons"].as_array().into_iter().flatten() {
                    choices.push((str_of(&b["id"]), str_of(&b["title"])));
                }
                for s in c["sections"].as_array().into_iter().flatten() {
                    for r in s["rows"].as_array().into_iter().flatten() {
                        choices.push((str_of(&r["id"]), str_of(&r["title"])));
                    }
                }
                let titles: Vec<String> = choices.iter().map(|(_, t)| format!("[{t}]")).collect();
                self.transcript.push_str(&format!(
                    "< {}\n  {}\n",
                    body.replace('\n', "\n  "),
                    titles.join(" ")
                ));
                text.push_str(&body);
                text.push('\n');
                self.last = Some(Said {
                    choices,
                    message_id: str_of(&m["id"]),
                });
            }
            if got {
                quiet_since = Some(Instant::now());
            }
            match quiet_since {
                Some(since) if since.elapsed() > Duration::from_millis(700) => return text,
                _ => {}
            }
            if Instant::now() > deadline {
                return text;
            }
        }
    }
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// Runs one parent to the end: filed, handed to an officer, or stuck.
pub async fn run_parent(base: &str, phone: &str, p: &Parent) -> Outcome {
    let mut chat = Chat {
        client: reqwest::Client::new(),
        base: base.to_string(),
        phone: phone.to_string(),
        cursor: 0,
        sent: 0,
        transcript: String::new(),
        last: None,
    };
    let (mut wrong_paper, mut pdf, mut blurry, mut syarat) = (
        p.wrong_paper_first,
        p.pdf_first,
        p.blurry_first,
        p.asks_requirements,
    );
    // The document the last photo really showed, for "which document is that photo?".
    let mut last_shown = "";
    let mut all_sent = false;
    chat.say(p.first_message).await;
    let mut unclear = 0;
    let (mut filed, mut escalated) = (false, false);
    for _ in 0..60 {
        let reply = chat.replies().await;
        let r = reply.to_lowercase();
        if r.contains("nomor permohonan") {
            filed = true;
            break;
        }
        if r.contains("petugas akan") || r.contains("teruskan ke petugas") {
            escalated = true;
            break;
        }
        let answer = |style: Style,
                      title: &'static str,
                      number: &'static str,
                      loose: &'static str| match style {
            Style::TypesTitle | Style::Taps => title,
            Style::TypesNumber => number,
            Style::TypesLoosely => loose,
        };
        if r.contains("foto tadi dokumen apa") {
            let title = format!("Itu {last_shown}");
            if p.style == Style::Taps {
                chat.tap(&title).await;
            } else {
                chat.say(&format!("ini {last_shown}")).await;
            }
        } else if r.contains("persetujuan data pribadi") {
            match p.style {
                Style::Taps => {
                    chat.tap("Setuju").await;
                }
                _ => {
                    chat.say(answer(p.style, "Setuju", "1", "iya saya setuju"))
                        .await
                }
            }
        } else if r.contains("silakan pilih layanan") {
            match p.style {
                Style::Taps => {
                    chat.tap("KIA (Kartu Anak)").await;
                }
                _ => {
                    chat.say(answer(p.style, "KIA (Kartu Anak)", "1", "kartu anak"))
                        .await
                }
            }
        } else if r.contains("nama lengkap anak") {
            if syarat {
                syarat = false;
                chat.say("syaratnya apa saja?").await;
            } else {
                chat.say(p.child_name).await;
            }
        } else if r.contains("ketik *nik*") {
            chat.say(p.nik).await;
        } else if r.contains("permohonan kia apa") {
            match p.style {
                Style::Taps => {
                    chat.tap("Baru").await;
                }
                _ => {
                    chat.say(answer(p.style, "Baru", "1. Baru", "yang baru"))
                        .await
                }
            }
        } else if r.contains("ongkos kirim") && r.contains("apakah anda setuju") {
            match p.style {
                Style::Taps => {
                    chat.tap("Setuju").await;
                }
                _ => chat.say(answer(p.style, "Setuju", "1", "oke setuju")).await,
            }
        } else if r.contains("ada beberapa kelurahan") || r.contains("tidak kami temukan") {
            chat.say(p.kelurahan.split('|').nth(1).unwrap_or(p.kelurahan))
                .await;
        } else if r.contains("*kelurahan* mana") {
            chat.say(p.kelurahan.split('|').next().unwrap_or(p.kelurahan))
                .await;
        } else if r.contains("nama jalan") {
            chat.say(p.street).await;
        } else if r.contains("berapa *rt/rw*") {
            chat.say("rt 3 rw 2").await;
        } else if r.contains("ringkasan permohonan") {
            match p.style {
                Style::Taps => {
                    chat.tap("Kirim").await;
                }
                _ => chat.say("kirim").await,
            }
        } else if r.contains("foto akta kelahiran")
            || r.contains("kirim ulang fotonya") && last_shown == "akta"
        {
            if pdf {
                pdf = false;
                chat.photo("akta_scan.pdf").await;
                last_shown = "akta";
            } else if wrong_paper {
                wrong_paper = false;
                chat.photo("kk.jpg").await;
                last_shown = "KK";
            } else if p.all_photos_at_once && !all_sent {
                all_sent = true;
                for f in ["akta.jpg", "kk.jpg", "ktp_ayah.jpg", "ktp_ibu.jpg"] {
                    chat.photo(f).await;
                }
                if let Some(pas) = pas_foto(p) {
                    chat.photo(pas).await;
                }
                last_shown = "akta";
            } else {
                chat.photo("akta.jpg").await;
                last_shown = "akta";
            }
        } else if r.contains("foto kartu keluarga") {
            chat.photo("kk.jpg").await;
            last_shown = "KK";
        } else if r.contains("foto ktp ayah") {
            if blurry {
                blurry = false;
                chat.photo("ktp_ayah_blurred.jpg").await;
            } else {
                chat.photo("ktp_ayah.jpg").await;
            }
            last_shown = "KTP ayah";
        } else if r.contains("foto ktp ibu") {
            chat.photo("ktp_ibu.jpg").await;
            last_shown = "KTP ibu";
        } else if r.contains("pas foto") {
            match pas_foto(p) {
                Some(pas) => chat.photo(pas).await,
                None => chat.say("anak saya belum 5 tahun").await,
            }
            last_shown = "pas foto";
        } else {
            unclear += 1;
            if unclear >= 3 {
                break;
            }
            chat.say("halo?").await;
            continue;
        }
        unclear = 0;
    }
    Outcome {
        who: p.who,
        filed,
        escalated,
        messages: chat.sent,
        transcript: chat.transcript,
    }
}

fn pas_foto(p: &Parent) -> Option<&'static str> {
    Some(match (p.print_on_table, p.odd_year) {
        (true, true) => "pas_foto_print_red_wood.jpg",
        (true, false) => "pas_foto_print_blue_cloth.jpg",
        (false, true) => "pas_foto_red.jpg",
        (false, false) => "pas_foto_blue.jpg",
    })
}

/// Twenty-four parents as the field studies describe them: most type, many misspell, some send
/// the wrong paper or a PDF first, ask for the requirements half-way, photograph the printed pas
/// foto on the table, or send every photo at once. Children born 2016 to 2019 (all need a pas
/// foto; odd years red, even blue).
pub fn cohort() -> Vec<Parent> {
    let base = Parent {
        who: "",
        first_message: "halo",
        style: Style::Taps,
        child_name: "Ahmad Fauzi",
        nik: "6371051203190001",
        odd_year: true,
        kelurahan: "Melayu",
        street: "Jl. Pramuka Gg. Mawar No. 12 RT 5 RW 2",
        wrong_paper_first: false,
        pdf_first: false,
        blurry_first: false,
        asks_requirements: false,
        all_photos_at_once: false,
        print_on_table: false,
    };
    vec![
        Parent {
            who: "taps everything",
            ..base.clone()
        },
        Parent {
            who: "first message names KIA, types titles",
            first_message: "Halo, saya mau buat KIA anak",
            style: Style::TypesTitle,
            nik: "6371 0545 0717 0009",
            odd_year: true,
            kelurahan: "Kelayan Tengah",
            ..base.clone()
        },
        Parent {
            who: "types numbers",
            first_message: "selamat pagi bu",
            style: Style::TypesNumber,
            nik: "6371050101150007",
            kelurahan: "teluk dalam",
            street: "Jl. Veteran No. 7",
            ..base.clone()
        },
        Parent {
            who: "types loosely with typos",
            first_message: "mau bikin kartu idenitas anak",
            style: Style::TypesLoosely,
            nik: "6371054603190005",
            kelurahan: "teluk dalem",
            street: "jl teluk dalam gg amal no 3 rt 4 rw 1",
            ..base.clone()
        },
        Parent {
            who: "wrong paper first (KK for the akta), taps",
            wrong_paper_first: true,
            nik: "6371050702190006",
            ..base.clone()
        },
        Parent {
            who: "wrong paper first, types which it is",
            first_message: "assalamualaikum",
            style: Style::TypesTitle,
            wrong_paper_first: true,
            nik: "6371055106190004",
            kelurahan: "Pekauman",
            ..base.clone()
        },
        Parent {
            who: "a PDF first",
            pdf_first: true,
            style: Style::TypesTitle,
            first_message: "kia",
            nik: "6371050308190003",
            ..base.clone()
        },
        Parent {
            who: "a blurry KTP first",
            blurry_first: true,
            nik: "6371051507170011",
            kelurahan: "Kuin Utara",
            ..base.clone()
        },
        Parent {
            who: "asks the requirements half-way",
            asks_requirements: true,
            style: Style::TypesTitle,
            first_message: "mau daftar KIA",
            nik: "6371052009170012",
            ..base.clone()
        },
        Parent {
            who: "print of the pas foto on the table (red)",
            print_on_table: true,
            nik: "6371051111170013",
            ..base.clone()
        },
        Parent {
            who: "print on the table (blue), types",
            print_on_table: true,
            odd_year: false,
            style: Style::TypesTitle,
            nik: "6371056305180014",
            kelurahan: "Sungai Miai",
            ..base.clone()
        },
        Parent {
            who: "all photos at once",
            all_photos_at_once: true,
            nik: "6371050404190015",
            ..base.clone()
        },
        Parent {
            who: "all photos at once, even year",
            all_photos_at_once: true,
            odd_year: false,
            style: Style::TypesNumber,
            nik: "6371054412160016",
            kelurahan: "Kebun Bunga",
            ..base.clone()
        },
        Parent {
            who: "ambiguous kelurahan, then the full name",
            style: Style::TypesTitle,
            kelurahan: "kelayan|Kelayan Barat",
            nik: "6371050909170017",
            ..base.clone()
        },
        Parent {
            who: "misspelt kelurahan",
            style: Style::TypesLoosely,
            kelurahan: "sungai lulud",
            nik: "6371052110180018",
            odd_year: false,
            ..base.clone()
        },
        Parent {
            who: "street without RT/RW",
            street: "Jl. Sutoyo S No. 44",
            nik: "6371050112190019",
            ..base.clone()
        },
        Parent {
            who: "NIK with spaces, greeting first",
            first_message: "Assalamualaikum wr wb, selamat siang",
            nik: "6371 0512 0117 0020",
            ..base.clone()
        },
        Parent {
            who: "everything at once: wrong paper, print, typos",
            style: Style::TypesLoosely,
            wrong_paper_first: true,
            print_on_table: true,
            nik: "6371051708190021",
            kelurahan: "pasar lama",
            ..base.clone()
        },
        Parent {
            who: "PDF and blurry, types numbers",
            style: Style::TypesNumber,
            pdf_first: true,
            blurry_first: true,
            nik: "6371052502170022",
            ..base.clone()
        },
        Parent {
            who: "asks requirements, print on the table, even year",
            asks_requirements: true,
            print_on_table: true,
            odd_year: false,
            nik: "6371051006160023",
            kelurahan: "Alalak Utara",
            ..base.clone()
        },
        Parent {
            who: "first message in other words",
            first_message: "permisi, mau urus kartu anak",
            style: Style::TypesTitle,
            nik: "6371054104190024",
            ..base.clone()
        },
        Parent {
            who: "taps, kelurahan typed in capitals",
            kelurahan: "BELITUNG SELATAN",
            nik: "6371050606170025",
            ..base.clone()
        },
        Parent {
            who: "all at once with the wrong paper first",
            wrong_paper_first: true,
            all_photos_at_once: true,
            style: Style::TypesTitle,
            nik: "6371053003190026",
            ..base.clone()
        },
        Parent {
            who: "types loosely, street with RT/RW in another form",
            style: Style::TypesLoosely,
            street: "Gg. Sepakat RT.07/RW.03 No. 2",
            nik: "6371052812160027",
            odd_year: false,
            kelurahan: "pemurus dalam",
            ..base
        },
    ]
}

/// What the cohort came to.
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn filed_alone(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.filed && !o.escalated)
            .count()
    }

    /// Median messages of the parents who filed.
    pub fn median_messages(&self) -> Option<f64> {
        let mut m: Vec<usize> = self
            .outcomes
            .iter()
            .filter(|o| o.filed)
            .map(|o| o.messages)
            .collect();
        m.sort_unstable();
        match m.len() {
            0 => None,
            n if n % 2 == 1 => Some(m[n / 2] as f64),
            n => Some((m[n / 2 - 1] + m[n / 2]) as f64 / 2.0),
        }
    }

    pub fn print(&self) {
        println!("{:<52} {:>6} {:>9}", "parent", "filed", "messages");
        for o in &self.outcomes {
            println!(
                "{:<52} {:>6} {:>9}{}",
                o.who,
                if o.filed { "yes" } else { "NO" },
                o.messages,
                if o.escalated { "  (officer)" } else { "" }
            );
        }
        println!(
            "filed without an officer: {} / {} ({:.0}%), median messages {}",
            self.filed_alone(),
            self.outcomes.len(),
            100.0 * self.filed_alone() as f64 / self.outcomes.len().max(1) as f64,
            self.median_messages()
                .map_or("-".into(), |m| format!("{m:.1}"))
        );
    }
}

/// Runs `parents` against the loket at `base`, each on its own phone number, four at a time.
pub async fn run(base: &str, parents: &[Parent]) -> Report {
    let mut outcomes = Vec::new();
    for (chunk_index, chunk) in parents.chunks(4).enumerate() {
        let mut handles = Vec::new();
        for (i, p) in chunk.iter().enumerate() {
            let (p, base) = (p.clone(), base.to_string());
            let phone = format!("62812{:07}", 5_000_000 + chunk_index * 4 + i);
            handles.push(tokio::spawn(
                async move { run_parent(&base, &phone, &p).await },
            ));
        }
        for h in handles {
            if let Ok(outcome) = h.await {
                outcomes.push(outcome);
            }
        }
    }
    Report { outcomes }
}
