//! Printed cards on their way: the hand-over code only the family has, couriers' attempts,
//! holds and returns, each step told to the parent.

use std::path::Path;

use loket::domain::account::Role;
use loket::domain::delivery::TaskState;
use serde_json::{Value, json};

use crate::desk::error_code;
use crate::helpers::*;

/// A request filed by chat (transcript 01), approved and printed by officer `siti`: its
/// number and siti's token.
pub(crate) async fn printed_card(app: &TestApp, parent: &str) -> (String, String) {
    let transcript =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/01_kia_anak_enam_tahun.txt");
    crate::transcripts::run(app, &transcript, parent)
        .await
        .unwrap();
    app.add_account("siti", Role::Officer);
    let token = app.token("siti").await;
    let number = app.store.all_requests().unwrap()[0]
        .summary
        .number
        .to_string();
    for step in ["approve", "printed"] {
        let (status, body) = app
            .post_api(&format!("/requests/{number}/{step}"), &token, json!({}))
            .await;
        assert_eq!(status, 200, "{step}: {body}");
    }
    (number, token)
}

impl TestApp {
    /// A file the API serves (a CSV, a PDF): checks it is 200 with that content type.
    async fn file(&self, path: &str, token: &str, content_type: &str) -> Vec<u8> {
        let response = self
            .client
            .get(format!("{}/api/v1{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let served = response.headers()["content-type"].to_str().unwrap();
        assert!(served.starts_with(content_type), "{path}: {served}");
        response.bytes().await.unwrap().to_vec()
    }

    async fn step(&self, number: &str, token: &str, body: Value) -> (u16, Value) {
        self.post_api(&format!("/deliveries/{number}/steps"), token, body)
            .await
    }
}

/// The 6-digit code in the last message to `parent` that carries one.
pub(crate) fn code_told(app: &TestApp, parent: &str) -> String {
    let re = regex::Regex::new(r"Kode serah terima: \*(\d{6})\*").unwrap();
    app.graph
        .texts_to(parent)
        .iter()
        .rev()
        .find_map(|t| re.captures(t).map(|c| c[1].to_string()))
        .expect("a message with a hand-over code")
}

#[tokio::test]
async fn only_the_familys_code_hands_the_card_over_and_a_repeated_submit_changes_nothing() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000021";
    let (number, officer) = printed_card(&app, parent).await;
    app.add_account("budi", Role::Courier);
    let courier = app.token("budi").await;

    // Couriers do not send cards out; officers do. The parent gets the fee and a code.
    let (status, body) = app
        .step(&number, &courier, json!({"action": "dispatch"}))
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"), "{body}");
    let (status, body) = app
        .step(&number, &officer, json!({"action": "dispatch"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["delivery"]["state"], "out");
    assert_eq!(body["delivery"]["status"], "dikirim");
    let told = app.told(parent, "Kode serah terima").await;
    assert!(
        told.contains("*Sedang dikirim*") && told.contains("Rp 10.000"),
        "{told}"
    );
    let code = code_told(&app, parent);
    // Only its hash is kept; no log holds it.
    let task = app.store.delivery_task(&number).unwrap().unwrap();
    assert!(task.code.as_ref().unwrap().hash.starts_with("$argon2id$"));
    for entry in app.store.lane_log() {
        let (_, entry) = entry.unwrap();
        let logged = serde_json::to_string(&entry.synthetic).unwrap();
        assert!(
            !logged.contains(&code),
            "the code is in the lane log: {logged}"
        );
    }

    // The courier's list shows the card, the masked NIK, the fee; never the code.
    let (status, list) = app
        .api(
            reqwest::Method::GET,
            "/deliveries?state=out",
            Some(&courier),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let listed = &list["deliveries"][0];
    assert_eq!(listed["number"], number.as_str());
    assert_eq!(listed["nik"], "************0001");
    assert_eq!(listed["cod"], 10_000);
    assert!(!list.to_string().contains(&code));

    // A malformed code is a 400; a wrong one is refused and counted; the card stays out.
    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "hand_over", "code": "12ab"}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "hand_over", "code": wrong}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (422, "wrong_code"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("4 tries left")
    );
    let task = app.store.delivery_task(&number).unwrap().unwrap();
    assert!(matches!(task.state, TaskState::Out { .. }));

    // The right code, typed with a space, delivers; the same submit again is harmless.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let hand_over = json!({"action": "hand_over", "code": spaced, "id": "budi-0001-serah"});
    let (status, body) = app.step(&number, &courier, hand_over.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["delivery"]["state"], "delivered");
    assert_eq!(body["delivery"]["status"], "diterima");
    assert_eq!(body["delivery"]["delivered_by"], "budi");
    app.told(parent, "*Sudah diterima*").await;

    // The card in hand, the parent is asked how it went: a list of the four IKM scores, after
    // the news (which says no more than it needs to).
    let is_survey = |m: &Value| {
        m["interactive"]["type"] == "list"
            && m["interactive"]["body"]["text"]
                .as_str()
                .is_some_and(|b| b.contains("Bagaimana layanan kami"))
    };
    app.eventually("the survey is asked", |app| {
        app.graph.messages_to(parent).iter().any(is_survey)
    })
    .await;
    let sent = app.graph.messages_to(parent);
    let news = sent
        .iter()
        .position(|m| {
            m["text"]["body"]
                .as_str()
                .is_some_and(|b| b.contains("*Sudah diterima*"))
        })
        .unwrap();
    let survey = sent.iter().position(is_survey).unwrap();
    assert!(news < survey, "{sent:#?}");
    let news = sent[news]["text"]["body"].as_str().unwrap();
    assert_eq!(news.matches("Terima kasih").count(), 1, "{news}");

    let sent_before = app.graph.messages_to(parent).len();
    let (status, again) = app.step(&number, &courier, hand_over).await;
    assert_eq!((status, &again["id"]), (200, &json!("budi-0001-serah")));
    // Single use: the code does nothing once the card is handed over.
    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "hand_over", "code": code}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");
    let task = app.store.delivery_task(&number).unwrap().unwrap();
    assert!(task.code.is_none());
    let hand_overs = task
        .actions
        .iter()
        .filter(|a| a.action.id() == "hand_over")
        .count();
    assert_eq!(
        hand_overs, 2,
        "the wrong and the right code; the repeat and the spent code are no new steps: {task:?}"
    );

    // Nothing was sent for the repeated submit or the spent code.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.graph.messages_to(parent).len(), sent_before);
    app.post_signed(&message_body(
        "wamid.del.ikm.1",
        parent,
        now(),
        "interactive",
        json!({"type": "list_reply", "list_reply": {"id": "ikm.4", "title": "4 · Sangat puas"}}),
    ))
    .await;
    app.told(parent, "Ada saran untuk kami").await;
    app.post_signed(&text_body(
        "wamid.del.ikm.2",
        parent,
        now(),
        "Kurirnya ramah, terima kasih",
    ))
    .await;
    app.told(parent, "masukan Anda kami catat").await;
    let answer = app.store.survey(&number).unwrap().unwrap();
    assert_eq!(
        (answer.score, answer.comment.as_deref()),
        (4, Some("Kurirnya ramah, terima kasih"))
    );
    // The parent's `status` shows it.
    app.post_signed(&text_body("wamid.del.status.1", parent, now(), "status"))
        .await;
    app.told(parent, "Status: *Sudah diterima*").await;

    // The day's cash: the courier owes the card's COD; a supervisor closes the day, a
    // difference only with a note, and once.
    app.add_account("rina", Role::Supervisor);
    let supervisor = app.token("rina").await;
    let (status, body) = app
        .api(reqwest::Method::GET, "/settlements", Some(&courier))
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    let (status, body) = app
        .api(reqwest::Method::GET, "/settlements", Some(&supervisor))
        .await;
    assert_eq!(status, 200, "{body}");
    let day = &body["settlements"][0];
    assert_eq!(
        (&day["courier"], &day["state"], &day["expected"]),
        (&json!("budi"), &json!("open"), &json!(10_000)),
        "{body}"
    );
    assert_eq!(day["cards"], json!([number]));
    let (status, body) = app
        .post_api(
            "/settlements",
            &supervisor,
            json!({"courier": "budi", "handed_in": 5000}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("note"));
    let (status, body) = app
        .post_api(
            "/settlements",
            &supervisor,
            json!({"courier": "budi", "handed_in": 5000, "note": "Rp 5.000 menyusul besok"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let day = &body["settlements"][0];
    assert_eq!(
        (&day["state"], &day["difference"], &day["closed_by"]),
        (&json!("closed"), &json!(-5000), &json!("rina"))
    );
    let (status, _) = app
        .post_api(
            "/settlements",
            &supervisor,
            json!({"courier": "budi", "handed_in": 10000}),
        )
        .await;
    assert_eq!(status, 409, "a closed day stays closed");
    let date = day["date"].as_str().unwrap().to_string();
    let csv_bytes = app
        .file(
            &format!("/reports/settlements?period={}", &date[..7]),
            &supervisor,
            "text/csv",
        )
        .await;
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let budi = rows.iter().find(|r| &r[1] == "budi").expect("budi's day");
    assert_eq!(
        (&budi[0], &budi[2], &budi[4], &budi[5], &budi[6]),
        (date.as_str(), "closed", "10000", "5000", "-5000")
    );
    assert_eq!(&rows.last().unwrap()[0], "TOTAL");
    app.stop().await;
}

#[tokio::test]
async fn five_wrong_codes_lock_the_card_until_a_supervisor_unlocks_it_with_a_new_code() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000022";
    let (number, officer) = printed_card(&app, parent).await;
    app.add_account("budi", Role::Courier);
    app.add_account("rina", Role::Supervisor);
    let courier = app.token("budi").await;
    let supervisor = app.token("rina").await;
    app.step(&number, &officer, json!({"action": "dispatch"}))
        .await;
    app.told(parent, "Kode serah terima").await;
    let first = code_told(&app, parent);

    // An officer sends a new code: the old one stops working.
    let (status, body) = app
        .step(&number, &officer, json!({"action": "resend_code"}))
        .await;
    assert_eq!(status, 200, "{body}");
    app.told(parent, "Kode lama tidak berlaku lagi").await;
    let second = code_told(&app, parent);
    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "hand_over", "code": first}),
        )
        .await;
    let old_works = first == second;
    assert!(
        old_works || (status, error_code(&body)) == (422, "wrong_code"),
        "{body}"
    );

    // Five wrong codes in all (the old code was the first, unless the new one is the same).
    let wrong = if second == "999999" {
        "999998"
    } else {
        "999999"
    };
    let mut last = (0, Value::Null);
    for _ in 0..(if old_works { 5 } else { 4 }) {
        last = app
            .step(
                &number,
                &courier,
                json!({"action": "hand_over", "code": wrong}),
            )
            .await;
    }
    assert_eq!((last.0, error_code(&last.1)), (422, "locked"), "{}", last.1);
    // Locked: even the right code is refused, and only a supervisor unlocks.
    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "hand_over", "code": second}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");
    let (status, _) = app
        .step(&number, &officer, json!({"action": "unlock"}))
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .step(&number, &supervisor, json!({"action": "unlock"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["delivery"]["locked"], false);
    app.eventually("a third code is sent", |app| {
        app.graph
            .texts_to(parent)
            .iter()
            .filter(|t| t.contains("Kode serah terima"))
            .count()
            == 3
    })
    .await;
    let third = code_told(&app, parent);
    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "hand_over", "code": third}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Unhappy, the parent types a low score: an officer is to call back.
    app.told(parent, "*Sudah diterima*").await;
    app.post_signed(&text_body("wamid.del.ikm.3", parent, now(), "1"))
        .await;
    app.told(parent, "Mohon maaf atas pengalaman").await;
    assert_eq!(app.store.survey(&number).unwrap().unwrap().score, 1);
    let (_, inbox) = app
        .api(reqwest::Method::GET, "/escalations", Some(&supervisor))
        .await;
    let reasons: Vec<&str> = inbox["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"low_satisfaction"), "{inbox}");

    // The month's report: one card, on the first attempt, scored 1 (IKM 25).
    let (status, report) = app
        .api(
            reqwest::Method::GET,
            &format!("/reports/monthly?month={}", this_month()),
            Some(&supervisor),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            &report["handed_over"],
            &report["first_attempt_share"],
            &report["survey_answers"],
            &report["ikm"]
        ),
        (&json!(1), &json!(1.0), &json!(1), &json!(25.0)),
        "{report}"
    );
    assert!(report["average_days_to_hand_over"].as_f64().unwrap() < 1.0);
    app.stop().await;
}

/// The office's month (`YYYY-MM`, WITA).
fn this_month() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Makassar").unwrap())
        .strftime("%Y-%m")
        .to_string()
}

#[tokio::test]
async fn two_failed_attempts_hold_the_card_then_it_returns_to_the_office_the_parent_told_each_time()
{
    let app = spawn_app_with(Options {
        extra_env: vec![
            ("WA_MARK_READ", "false".into()),
            ("LOKET_JOB_INTERVAL_MS", "200".into()),
        ],
        ..Options::default()
    })
    .await;
    let parent = "6285700000023";
    let (number, officer) = printed_card(&app, parent).await;
    app.add_account("budi", Role::Courier);
    let courier = app.token("budi").await;
    app.step(&number, &officer, json!({"action": "dispatch"}))
        .await;
    app.told(parent, "Kode serah terima").await;

    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "failed", "reason": "other"}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "bad_request"),
        "'other' needs a note: {body}"
    );
    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "failed", "reason": "not_home"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["delivery"]["failed_attempts"], 1);
    let told = app.told(parent, "percobaan 1 dari 2").await;
    assert!(told.contains("Penerima tidak di rumah"), "{told}");

    let (status, body) = app
        .step(
            &number,
            &courier,
            json!({"action": "failed", "reason": "address_not_found"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["delivery"]["state"], "held");
    assert_eq!(body["delivery"]["status"], "siap_diambil");
    let told = app.told(parent, "*Siap diambil*").await;
    assert!(told.contains("Kantor Pos Banjarmasin"), "{told}");
    // A held card is not taken to the door again.
    let (status, _) = app
        .step(
            &number,
            &courier,
            json!({"action": "failed", "reason": "not_home"}),
        )
        .await;
    assert_eq!(status, 409);
    app.post_signed(&text_body("wamid.del.status.2", parent, now(), "status"))
        .await;
    app.told(parent, "Tempat pengambilan: Kantor Pos Banjarmasin")
        .await;

    // Seven days pass with nobody coming (the hold's date is moved into the past).
    let mut task = app.store.delivery_task(&number).unwrap().unwrap();
    let TaskState::Held { until, .. } = &mut task.state else {
        panic!("not held: {task:?}")
    };
    *until = jiff::civil::date(2026, 1, 1);
    app.store.update_delivery_task(&task).unwrap();
    let told = app.told(parent, "*Kembali ke kantor Disdukcapil*").await;
    assert!(told.contains("belum diambil"), "{told}");
    let task = app.store.delivery_task(&number).unwrap().unwrap();
    assert!(matches!(task.state, TaskState::Returned { .. }), "{task:?}");
    assert!(task.code.is_none());
    let request = app.store.request(&number).unwrap().unwrap();
    let statuses: Vec<&str> = request.history.iter().map(|h| h.status.id()).collect();
    assert_eq!(
        statuses,
        [
            "disetujui",
            "dicetak",
            "dikirim",
            "dikirim",
            "siap_diambil",
            "diretur"
        ]
    );

    // The month's report counts the failed attempts by reason, and the return.
    app.add_account("rina", Role::Supervisor);
    let supervisor = app.token("rina").await;
    let csv_bytes = app
        .file(
            &format!("/reports/monthly?month={}&format=csv", this_month()),
            &supervisor,
            "text/csv",
        )
        .await;
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    for (measure, value) in [
        ("kartu_diserahkan", "0"),
        ("kembali_ke_kantor", "1"),
        ("gagal_not_home", "1"),
        ("gagal_address_not_found", "1"),
        ("gagal_refused", "0"),
    ] {
        assert!(
            rows.contains(&(measure.to_string(), value.to_string())),
            "{measure}={value} not in {rows:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_days_manifest_lists_the_card_sends_it_out_and_prints_the_same_csv_every_time() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000024";
    let (number, officer) = printed_card(&app, parent).await;
    app.add_account("budi", Role::Courier);
    let courier = app.token("budi").await;

    let (status, _) = app.post_api("/manifests", &courier, json!({})).await;
    assert_eq!(status, 403, "couriers do not make manifests");
    let (status, body) = app.post_api("/manifests", &officer, json!({})).await;
    assert_eq!(status, 201, "{body}");
    let made = body["manifests"].as_array().unwrap();
    assert_eq!(made.len(), 1, "{body}");
    let manifest = &made[0];
    let manifest_number = manifest["number"].as_str().unwrap().to_string();
    assert!(manifest_number.starts_with("MNF-"), "{manifest_number}");
    assert!(manifest_number.ends_with("-637105-01"), "{manifest_number}");
    assert_eq!(manifest["route_name"], "Banjarmasin Tengah");
    assert_eq!(manifest["lines"][0]["number"], number.as_str());
    // The card went out with it: the parent has the fee and the code.
    let told = app.told(parent, "Kode serah terima").await;
    assert!(told.contains("Rp 10.000"), "{told}");
    let task = app.store.delivery_task(&number).unwrap().unwrap();
    assert!(
        matches!(&task.state, TaskState::Out { manifest: Some(m), .. } if *m == manifest_number),
        "{task:?}"
    );
    // Made again the same day: nothing new to list.
    let (status, body) = app.post_api("/manifests", &officer, json!({})).await;
    assert_eq!(
        (status, body["manifests"].as_array().unwrap().len()),
        (201, 0)
    );

    // The CSV: a header, the card, the totals; the same bytes every time.
    let csv_path = format!("/manifests/{manifest_number}/csv");
    let first = app.file(&csv_path, &courier, "text/csv").await;
    assert_eq!(
        first,
        app.file(&csv_path, &courier, "text/csv").await,
        "a manifest prints the same bytes"
    );
    let mut reader = csv::Reader::from_reader(first.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..3], ["no", "nomor_permohonan", "penerima"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(&rows[0][1], number.as_str());
    assert_eq!(&rows[0][4], "************0001");
    assert!(rows[0][6].contains("Jl. Pramuka"), "{rows:?}");
    assert_eq!((&rows[1][1], &rows[1][8]), ("TOTAL", "10000"));

    // The A4 PDF reads back (poppler's pdftotext) with its Indonesian text, and is the same
    // bytes every time.
    let pdf_path = format!("/manifests/{manifest_number}/pdf");
    let pdf = app.file(&pdf_path, &courier, "application/pdf").await;
    assert_eq!(
        pdf,
        app.file(&pdf_path, &courier, "application/pdf").await,
        "a manifest prints the same bytes"
    );
    // Kept for a person to look at, like the browser tests' screenshots.
    let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sim-screenshots");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::write(keep.join("manifest.pdf"), &pdf).unwrap();
    let text = pdf_text(&pdf);
    for expected in [
        "Disdukcapil Kota Banjarmasin",
        "Manifes Pengantaran KIA",
        manifest_number.as_str(),
        "Banjarmasin Tengah",
        "Halaman 1 dari 1",
        number.as_str(),
        "************0001",
        "untuk Ahmad Fauzi",
        "Jumlah kiriman: 1",
        "Total COD: Rp 10.000",
        "Diterima oleh (kurir)",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} is not in the PDF:\n{text}"
        );
    }

    // No SMTP server is configured here: the mail is written as a file in the data folder.
    let mut mail = Value::Null;
    for _ in 0..200 {
        let (_, view) = app
            .api(
                reqwest::Method::GET,
                &format!("/manifests/{manifest_number}"),
                Some(&courier),
            )
            .await;
        mail = view["mail"].clone();
        if mail["state"] == "written" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(mail["state"], "written", "{mail}");
    let eml = std::fs::read_to_string(mail["path"].as_str().unwrap()).unwrap();
    assert!(
        eml.contains(&format!("Message-ID: <{manifest_number}@loket>")),
        "{eml}"
    );
    assert!(eml.contains("application/pdf") && eml.contains("text/csv"));
    app.stop().await;
}

#[tokio::test]
async fn the_manifest_is_mailed_with_csv_and_pdf_and_a_send_while_smtp_is_down_goes_out_once_back()
{
    use loket_testkit::smtp::{SmtpServer, free_port};
    let port = free_port();
    let maildir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(Options {
        extra_env: vec![
            ("WA_MARK_READ", "false".into()),
            ("LOKET_SMTP_HOST", "127.0.0.1".into()),
            ("LOKET_SMTP_PORT", port.to_string()),
            ("LOKET_SMTP_SECURITY", "none".into()),
            (
                "LOKET_MAIL_FROM",
                "Disdukcapil Banjarmasin <loket@disdukcapil.test>".into(),
            ),
            (
                "LOKET_MANIFEST_TO",
                "63.71.05=kurir.tengah@pos.test;*=pos@pos.test".into(),
            ),
            ("LOKET_MAIL_RETRY_MS", "200".into()),
        ],
        ..Options::default()
    })
    .await;
    let parent = "6285700000025";
    let (number, officer) = printed_card(&app, parent).await;

    // The SMTP server is down when the manifest is made: the send fails and waits.
    let (status, body) = app.post_api("/manifests", &officer, json!({})).await;
    assert_eq!(status, 201, "{body}");
    let manifest_number = body["manifests"][0]["number"].as_str().unwrap().to_string();
    app.eventually("two sends have failed", |app| {
        app.store
            .mail_item(&manifest_number)
            .unwrap()
            .is_some_and(|m| m.attempts >= 2)
    })
    .await;
    let item = app.store.mail_item(&manifest_number).unwrap().unwrap();
    assert!(
        matches!(
            &item.state,
            loket::store::MailState::Waiting {
                last_error: Some(_),
                ..
            }
        ),
        "{item:?}"
    );

    // It comes back: the manifest goes out, once.
    let server = SmtpServer::start(port, maildir.path().join("maildir"));
    for _ in 0..100 {
        if !server.received().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    let item = app.store.mail_item(&manifest_number).unwrap().unwrap();
    assert!(!server.received().is_empty(), "not received: {item:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let received = server.received();
    assert_eq!(received.len(), 1, "sent once: {received:#?}");
    let mail = &received[0];
    assert!(mail.to.contains("kurir.tengah@pos.test"), "{}", mail.to);
    assert!(mail.subject.contains(&manifest_number), "{}", mail.subject);
    assert_eq!(mail.message_id, format!("<{manifest_number}@loket>"));
    assert!(mail.text.contains("kode serah terima") || mail.text.contains("Kode serah terima"));
    let (_, kind, csv_bytes) = mail
        .attachments
        .iter()
        .find(|(name, _, _)| name.ends_with(".csv"))
        .expect("the CSV attached");
    assert_eq!(kind, "text/csv");
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][1], number.as_str());
    let (_, kind, pdf) = mail
        .attachments
        .iter()
        .find(|(name, _, _)| name.ends_with(".pdf"))
        .expect("the PDF attached");
    assert_eq!(kind, "application/pdf");
    let text = pdf_text(pdf);
    assert!(
        text.contains(&number) && text.contains("Total COD: Rp 10.000"),
        "{text}"
    );
    let (_, view) = app
        .api(
            reqwest::Method::GET,
            &format!("/manifests/{manifest_number}"),
            Some(&officer),
        )
        .await;
    assert_eq!(view["mail"]["state"], "sent", "{view}");
    app.stop().await;
}

/// The text of a PDF as poppler's `pdftotext` reads it.
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manifest.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed by ./test.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_card_for_collection_waits_at_the_kecamatan_office_free_and_is_handed_over_with_the_code()
{
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000026";
    // Filed at the counter for collection at a kecamatan office (the Way Kanan way); the
    // parent never wrote, so the window is closed and messages go as the status template.
    let contact = app
        .store
        .contact_for_walk_in(Some(PHONE_NUMBER_ID), Some(parent), now() * 1000)
        .unwrap();
    let number = loket_testkit::requests::file_waiting(&app.store, contact, 3, |request| {
        request.filed.delivery = Some(loket::domain::request::Delivery::PickupAtKecamatan {
            kecamatan_code: "63.71.05".into(),
            kecamatan: "Banjarmasin Tengah".into(),
        });
        request.filed.fee = loket::domain::rupiah::Rupiah::ZERO;
    });
    app.add_account("siti", Role::Officer);
    let officer = app.token("siti").await;
    for step in ["approve", "printed"] {
        let (status, body) = app
            .post_api(&format!("/requests/{number}/{step}"), &officer, json!({}))
            .await;
        assert_eq!(status, 200, "{step}: {body}");
    }
    let (status, body) = app.post_api("/manifests", &officer, json!({})).await;
    assert_eq!(status, 201, "{body}");
    let list = &body["manifests"][0];
    assert_eq!(list["kind"], "collection");
    assert_eq!(list["lines"][0]["cod"], 0);

    // The parent is told where, free, with the code (in the template's third parameter).
    let re = regex::Regex::new(r"Kode serah terima: \*(\d{6})\*").unwrap();
    let mut told = String::new();
    app.eventually("the parent gets the collection template", |app| {
        app.graph.messages_to(parent).iter().any(|m| {
            let params = m["template"]["components"].to_string();
            if params.contains("Kantor Kecamatan Banjarmasin Tengah") {
                told = params;
                true
            } else {
                false
            }
        })
    })
    .await;
    assert!(
        told.contains("gratis") && told.contains("Siap diambil"),
        "{told}"
    );
    let code = re.captures(&told).expect("the code")[1].to_string();
    let task = app.store.delivery_task(&number).unwrap().unwrap();
    assert_eq!(
        app.store.request(&number).unwrap().unwrap().summary.status,
        loket::domain::request::RequestStatus::SiapDiambil,
        "{task:?}"
    );
    // Nobody takes a card for collection to a door.
    let (status, _) = app
        .step(
            &number,
            &officer,
            json!({"action": "failed", "reason": "not_home"}),
        )
        .await;
    assert_eq!(status, 409);
    // At the kecamatan office, against the same code, no fee.
    let (status, body) = app
        .step(
            &number,
            &officer,
            json!({"action": "hand_over", "code": code}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["delivery"]["state"], &body["delivery"]["cod"]),
        (&json!("delivered"), &json!(0))
    );
    app.stop().await;
}
