//! The officers' JSON API: signing in, roles, and requests as officers see them.

use std::path::Path;

use loket::desk::accounts;
use loket::domain::account::{AuditAction, Role};
use serde_json::{Value, json};

use crate::helpers::*;

pub(crate) const PASSWORD: &str = "kata-sandi-panjang";

impl TestApp {
    pub(crate) fn add_account(&self, name: &str, role: Role) {
        accounts::add_account(
            &self.store,
            "test",
            name,
            role,
            PASSWORD,
            jiff::Timestamp::now(),
        )
        .unwrap();
    }

    pub(crate) async fn sign_in(&self, name: &str, password: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/v1/session", self.address))
            .json(&json!({"username": name, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn token(&self, name: &str) -> String {
        let response = self.sign_in(name, PASSWORD).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    pub(crate) async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}

pub(crate) fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn an_officer_signs_in_and_sees_the_queue_and_a_request_with_its_photo_versions() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    // A parent files a KIA request through the signed webhook.
    let transcript =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/01_kia_anak_enam_tahun.txt");
    crate::transcripts::run(&app, &transcript, "6285700000001")
        .await
        .unwrap();
    app.add_account("siti", Role::Officer);
    app.add_account("kurir", Role::Courier);

    // Without a session, and with the wrong role.
    let (status, body) = app.api(reqwest::Method::GET, "/requests", None).await;
    assert_eq!((status, error_code(&body)), (401, "unauthorized"));
    let courier = app.token("kurir").await;
    let (status, body) = app
        .api(reqwest::Method::GET, "/requests", Some(&courier))
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));

    let token = app.token("siti").await;
    let (status, body) = app
        .api(
            reqwest::Method::GET,
            "/requests?status=diajukan",
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let rows = body["requests"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(rows[0]["service"], "kia");
    assert_eq!(rows[0]["status"], "diajukan");
    let number = rows[0]["number"].as_str().unwrap().to_string();
    let (status, body) = app
        .api(
            reqwest::Method::GET,
            "/requests?status=dicetak",
            Some(&token),
        )
        .await;
    assert_eq!(
        (status, body["requests"].as_array().unwrap().len()),
        (200, 0)
    );
    let (status, body) = app
        .api(
            reqwest::Method::GET,
            "/requests?status=unknown",
            Some(&token),
        )
        .await;
    assert_eq!((status, error_code(&body)), (400, "bad_request"));

    let (status, view) = app
        .api(
            reqwest::Method::GET,
            &format!("/requests/{number}"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["subject"]["nik"].as_str().unwrap().len(), 16);
    let documents = view["documents"].as_array().unwrap();
    let kinds: Vec<&str> = documents
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"kartu_keluarga") && kinds.contains(&"akta_kelahiran"),
        "{kinds:?}"
    );
    for d in documents {
        assert_eq!(d["sha256"].as_str().unwrap().len(), 64, "{d}");
        assert!(
            d["verdict"]["figures"]
                .as_array()
                .is_some_and(|f| !f.is_empty()),
            "{d}"
        );
    }
    assert_eq!(view["history"][0]["status"], "diajukan");
    let viewed =
        app.store.audit().map(|e| e.unwrap().1).any(|e| {
            e.action == AuditAction::RequestViewed && e.target.as_deref() == Some(&number)
        });
    assert!(viewed, "every view is audited");
    let (status, body) = app
        .api(
            reqwest::Method::GET,
            "/requests/KIA-6371-200101-0001",
            Some(&token),
        )
        .await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));

    // Signing out ends the token.
    let (status, _) = app
        .api(reqwest::Method::DELETE, "/session", Some(&token))
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .api(reqwest::Method::GET, "/requests", Some(&token))
        .await;
    assert_eq!(status, 401);
    app.stop().await;
}

#[tokio::test]
async fn wrong_passwords_get_401_then_a_15_minute_lock_with_429() {
    let app = spawn_app().await;
    app.add_account("budi", Role::Supervisor);
    for _ in 0..4 {
        let response = app.sign_in("budi", "salah-sekali-ini").await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "unauthorized");
    }
    let response = app.sign_in("budi", "salah-sekali-ini").await;
    assert_eq!(response.status(), 429);
    // Locked: the right password waits too.
    let response = app.sign_in("budi", PASSWORD).await;
    assert_eq!(response.status(), 429);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "locked");
    // The console's form says so with the minutes left, and keeps the name typed.
    let form = app
        .client
        .post(format!("{}/console/login", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=budi&password={PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 429);
    let page = form.text().await.unwrap();
    assert!(
        page.contains("akun dikunci. Coba lagi dalam 15 menit."),
        "{page}"
    );
    assert!(page.contains(r#"value="budi""#), "{page}");
    // An unknown name is refused like a wrong password; a malformed body is a 400.
    assert_eq!(app.sign_in("nobody", PASSWORD).await.status(), 401);
    let response = app
        .client
        .post(format!("{}/api/v1/session", app.address))
        .json(&json!({"user": "budi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let (status, body) = app.api(reqwest::Method::GET, "/nothing-here", None).await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));
    app.stop().await;
}

/// The photo versions of a request as `GET /requests/{number}` shows them.
fn versions(view: &Value) -> Value {
    Value::Array(
        view["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| json!({"kind": d["kind"], "sha256": d["sha256"]}))
            .collect(),
    )
}

impl TestApp {
    pub(crate) async fn post_api(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/api/v1{path}", self.address))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Waits for a text to `to` containing `phrase`.
    pub(crate) async fn told(&self, to: &str, phrase: &str) -> String {
        let phrase = phrase.to_string();
        self.eventually(&format!("the parent is told {phrase:?}"), |app| {
            app.graph.texts_to(to).iter().any(|t| t.contains(&phrase))
        })
        .await;
        self.graph
            .texts_to(to)
            .into_iter()
            .rev()
            .find(|t| t.contains(&phrase))
            .unwrap()
    }
}

#[tokio::test]
async fn approve_then_printed_and_a_rejection_are_told_to_the_parent_and_recorded() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let transcript =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/01_kia_anak_enam_tahun.txt");
    let parent = "6285700000002";
    crate::transcripts::run(&app, &transcript, parent)
        .await
        .unwrap();
    app.add_account("siti", Role::Officer);
    let token = app.token("siti").await;
    let number = app.store.all_requests().unwrap()[0]
        .summary
        .number
        .to_string();
    let (_, view) = app
        .api(
            reqwest::Method::GET,
            &format!("/requests/{number}"),
            Some(&token),
        )
        .await;

    // Printed before approval is refused; so is a decision on a photo version since replaced.
    let (status, body) = app
        .post_api(&format!("/requests/{number}/printed"), &token, json!({}))
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");
    let stale = json!({"versions": [{"kind": "kartu_keluarga", "sha256": "0".repeat(64)}]});
    let (status, body) = app
        .post_api(&format!("/requests/{number}/approve"), &token, stale)
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");

    let (status, body) = app
        .post_api(
            &format!("/requests/{number}/approve"),
            &token,
            json!({"versions": versions(&view)}),
        )
        .await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("disetujui")),
        "{body}"
    );
    let told = app.told(parent, "*Disetujui*").await;
    assert!(
        told.contains(&number) && told.contains("kartu dicetak"),
        "{told}"
    );
    // Twice is refused: the first officer's decision stands.
    let (status, _) = app
        .post_api(&format!("/requests/{number}/approve"), &token, json!({}))
        .await;
    assert_eq!(status, 409);

    let (status, body) = app
        .post_api(&format!("/requests/{number}/printed"), &token, json!({}))
        .await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("dicetak")),
        "{body}"
    );
    app.told(parent, "*Sudah dicetak*").await;
    // The printed card becomes exactly one delivery task, also when pressed twice.
    let (status, _) = app
        .post_api(&format!("/requests/{number}/printed"), &token, json!({}))
        .await;
    assert_eq!(status, 409);
    let tasks = app.store.delivery_tasks().unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(task.number, number);
    assert_eq!(task.kind, loket::domain::delivery::DeliveryKind::Courier);
    assert_eq!(task.cod, 10_000);
    assert_eq!(task.phone.as_deref(), Some(parent));
    assert_eq!(task.name, "Ahmad Fauzi");
    assert_eq!(task.nik_last4.as_deref(), Some("0001"));
    let address = task.address.as_ref().unwrap();
    assert_eq!(task.route, address.kecamatan_code);
    assert_eq!(address.postal_code, "70234");

    // The history says who did what; the parent's `status` shows it.
    let (_, view) = app
        .api(
            reqwest::Method::GET,
            &format!("/requests/{number}"),
            Some(&token),
        )
        .await;
    let history: Vec<(&str, &str)> = view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["status"].as_str().unwrap(), h["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        history,
        [
            ("diajukan", "warga"),
            ("disetujui", "siti"),
            ("dicetak", "siti")
        ]
    );
    let audit: Vec<AuditAction> = app.store.audit().map(|e| e.unwrap().1.action).collect();
    assert!(
        audit.contains(&AuditAction::RequestApproved)
            && audit.contains(&AuditAction::RequestPrinted)
    );

    // A rejection needs a reason, and the parent reads it.
    let other = "6285700000003";
    let birth =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/04_akta_kelahiran.txt");
    crate::transcripts::run(&app, &birth, other).await.unwrap();
    let second = app
        .store
        .all_requests()
        .unwrap()
        .into_iter()
        .find(|r| r.summary.number.to_string() != number)
        .unwrap()
        .summary
        .number
        .to_string();
    let (status, _) = app
        .post_api(
            &format!("/requests/{second}/reject"),
            &token,
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = app
        .post_api(
            &format!("/requests/{second}/reject"),
            &token,
            json!({"reason": "Anak sudah memiliki KIA yang masih berlaku."}),
        )
        .await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("ditolak")),
        "{body}"
    );
    let told = app.told(other, "*Ditolak*").await;
    assert!(told.contains("Alasan: Anak sudah memiliki KIA"), "{told}");
    app.stop().await;
}

#[tokio::test]
async fn an_escalation_is_claimed_once_answered_and_handed_back_to_the_bot() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000010";
    app.post_signed(&text_body("wamid.esc.1", parent, now(), "halo"))
        .await;
    app.post_signed(&text_body("wamid.esc.2", parent, now(), "petugas"))
        .await;
    app.told(parent, "teruskan ke petugas").await;
    app.add_account("siti", Role::Officer);
    app.add_account("budi", Role::Officer);
    let (siti, budi) = (app.token("siti").await, app.token("budi").await);

    let (status, body) = app
        .api(reqwest::Method::GET, "/escalations", Some(&siti))
        .await;
    assert_eq!(status, 200, "{body}");
    let inbox = body["escalations"].as_array().unwrap();
    assert_eq!(inbox.len(), 1, "{body}");
    assert_eq!(inbox[0]["wa_id"], parent);
    assert_eq!(inbox[0]["reason"], "requested");
    let id = inbox[0]["id"].as_u64().unwrap();

    // Of two officers, one has it.
    let (status, _) = app
        .post_api(&format!("/escalations/{id}/claim"), &budi, json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post_api(&format!("/escalations/{id}/claim"), &siti, json!({}))
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");
    let (status, _) = app
        .post_api(
            &format!("/escalations/{id}/messages"),
            &siti,
            json!({"text": "Halo"}),
        )
        .await;
    assert_eq!(status, 409, "only the officer who has it answers");

    let (status, body) = app
        .post_api(
            &format!("/escalations/{id}/messages"),
            &budi,
            json!({"text": "Selamat siang, Ibu. KIA anak Ibu bisa diurus lewat chat ini."}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    app.told(parent, "👤 *Petugas*: Selamat siang, Ibu.").await;
    let through_the_lane = app.store.lane_log().any(|entry| {
        entry.unwrap().1.synthetic.iter().any(|input| {
            matches!(
                input,
                loket::domain::event::SyntheticInput::OfficerReply { escalation, .. } if *escalation == id
            )
        })
    });
    assert!(
        through_the_lane,
        "the answer went through the parent's lane and its log"
    );
    let (status, body) = app
        .post_api(
            &format!("/escalations/{id}/messages"),
            &budi,
            json!({"template": "tidak_ada", "params": ["x"]}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");

    // Handed back: the bot says so and takes the conversation again.
    let (status, _) = app
        .post_api(&format!("/escalations/{id}/hand-back"), &budi, json!({}))
        .await;
    assert_eq!(status, 200);
    app.told(parent, "Mari kita lanjutkan").await;
    let (_, body) = app
        .api(reqwest::Method::GET, "/escalations", Some(&siti))
        .await;
    assert!(body["escalations"].as_array().unwrap().is_empty(), "{body}");
    app.post_signed(&text_body("wamid.esc.3", parent, now(), "syarat"))
        .await;
    app.told(parent, "Foto akta kelahiran").await;
    let actions: Vec<AuditAction> = app.store.audit().map(|e| e.unwrap().1.action).collect();
    for action in [
        AuditAction::EscalationClaimed,
        AuditAction::EscalationReplied,
        AuditAction::EscalationHandedBack,
    ] {
        assert!(actions.contains(&action), "{action:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn after_twenty_four_hours_a_text_is_refused_before_sending_and_the_template_goes() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000011";
    // The parent's last message is two days old: the window has closed.
    let two_days_ago = now() - 2 * 24 * 3600;
    app.post_signed(&text_body("wamid.old.1", parent, two_days_ago, "petugas"))
        .await;
    app.eventually("the escalation is open", |app| {
        !app.store.open_escalations().unwrap().is_empty()
    })
    .await;
    app.add_account("siti", Role::Officer);
    let token = app.token("siti").await;
    let id = app.store.open_escalations().unwrap()[0].id;
    let (status, body) = app
        .post_api(
            &format!("/escalations/{id}/messages"),
            &token,
            json!({"text": "Halo"}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("loket_officer_reply"),
        "the error names the template to use: {body}"
    );
    let (status, body) = app
        .post_api(
            &format!("/escalations/{id}/messages"),
            &token,
            json!({"template": "loket_officer_reply", "params": ["Mohon kirim ulang foto KK Ibu."]}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    app.eventually("the template is sent", |app| {
        app.graph
            .messages_to(parent)
            .iter()
            .any(|m| m["template"]["name"] == "loket_officer_reply")
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_returned_kk_is_asked_again_resent_and_the_request_comes_back_to_the_queue() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let transcript =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/01_kia_anak_enam_tahun.txt");
    let parent = "6285700000020";
    crate::transcripts::run(&app, &transcript, parent)
        .await
        .unwrap();
    app.add_account("siti", Role::Officer);
    let token = app.token("siti").await;
    let number = app.store.all_requests().unwrap()[0]
        .summary
        .number
        .to_string();
    let (_, before) = app
        .api(
            reqwest::Method::GET,
            &format!("/requests/{number}"),
            Some(&token),
        )
        .await;
    let kk_before = before["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "kartu_keluarga")
        .unwrap()["sha256"]
        .clone();

    // Sending back needs a document of the request and a reason.
    let (status, _) = app
        .post_api(
            &format!("/requests/{number}/return"),
            &token,
            json!({"documents": [{"kind": "buku_nikah", "reason": "x"}]}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = app
        .post_api(
            &format!("/requests/{number}/return"),
            &token,
            json!({"documents": [{"kind": "kartu_keluarga", "reason": "Foto KK terpotong di bagian bawah."}]}),
        )
        .await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("dikembalikan")),
        "{body}"
    );
    let told = app.told(parent, "*Dikembalikan untuk diperbaiki*").await;
    assert!(
        told.contains("• *Kartu Keluarga (KK)*: Foto KK terpotong di bagian bawah."),
        "{told}"
    );
    // The chat asks for just that photo.
    app.told(parent, "foto Kartu Keluarga (KK)").await;

    // The parent sends a new photo of the KK.
    let photo = std::fs::read(format!(
        "{}/fixtures/photos/kk_exif_rotated.jpg",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    app.graph.add_media("7700001", photo, "image/jpeg");
    let body = message_body(
        "wamid.resend.1",
        parent,
        now(),
        "image",
        json!({"id": "7700001", "mime_type": "image/jpeg", "sha256": "x"}),
    );
    assert_eq!(app.post_signed(&body).await.status(), 200);
    let told = app.told(parent, "foto pengganti sudah lengkap").await;
    assert!(told.contains(&number), "{told}");

    // Back in the queue with the new KK; the history says what happened.
    let (_, after) = app
        .api(
            reqwest::Method::GET,
            &format!("/requests/{number}"),
            Some(&token),
        )
        .await;
    assert_eq!(after["status"], "diajukan");
    let kk_after = after["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "kartu_keluarga")
        .unwrap()["sha256"]
        .clone();
    assert_ne!(kk_after, kk_before, "the new photo replaced the old one");
    assert_eq!(
        after["documents"].as_array().unwrap().len(),
        before["documents"].as_array().unwrap().len()
    );
    let history: Vec<&str> = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["diajukan", "dikembalikan", "diajukan"]);
    // The old KK's file is gone; the new one is kept.
    assert!(
        app.store
            .blobs()
            .get(kk_before.as_str().unwrap())
            .unwrap()
            .is_none()
    );
    assert!(
        app.store
            .blobs()
            .get(kk_after.as_str().unwrap())
            .unwrap()
            .is_some()
    );

    // Approve on the new version, then printed: the parent is told each time.
    let (status, _) = app
        .post_api(
            &format!("/requests/{number}/approve"),
            &token,
            json!({"versions": versions(&after)}),
        )
        .await;
    assert_eq!(status, 200);
    app.told(parent, "*Disetujui*").await;
    let (status, _) = app
        .post_api(&format!("/requests/{number}/printed"), &token, json!({}))
        .await;
    assert_eq!(status, 200);
    app.told(parent, "*Sudah dicetak*").await;
    app.stop().await;
}

#[tokio::test]
async fn the_console_needs_a_session_a_csrf_value_and_serves_photos_only_to_officers() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let transcript =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/01_kia_anak_enam_tahun.txt");
    crate::transcripts::run(&app, &transcript, "6285700000030")
        .await
        .unwrap();
    app.add_account("siti", Role::Officer);
    app.add_account("kurir", Role::Courier);
    let stored = app.store.all_requests().unwrap().remove(0);
    let number = stored.summary.number.to_string();
    let photo = format!("/console/photos/{number}/{}", stored.photos[0]);
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: String, cookie: Option<String>| {
        let mut request = plain.get(format!("{}{path}", app.address));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };

    // Signed out: pages send to the login, photos are refused.
    let response = get("/console".into(), None).await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/console/login");
    assert_eq!(get(photo.clone(), None).await.unwrap().status(), 401);

    let sign_in = |name: &'static str| {
        plain
            .post(format!("{}/console/login", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("username={name}&password={PASSWORD}"))
            .send()
    };
    // A courier lands on the delivery list and has no business in the officers' pages.
    let response = sign_in("kurir").await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/console/kurir");
    let courier = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let response = get("/console".into(), Some(courier.clone())).await.unwrap();
    assert_eq!(response.headers()["location"], "/console/kurir");
    let response = get("/console/requests".into(), Some(courier.clone()))
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/console/login");
    assert_eq!(
        get(photo.clone(), Some(courier)).await.unwrap().status(),
        401
    );
    let response = sign_in("siti").await.unwrap();
    assert_eq!(response.status(), 303);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    // The supervisors' pages are not an officer's.
    for path in [
        "/console/users",
        "/console/notices",
        "/console/audit",
        "/console/audit.csv",
    ] {
        let response = get(path.into(), Some(cookie.clone())).await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
    }
    // A form without its CSRF value changes nothing.
    let response = plain
        .post(format!("{}/console/walk-in", app.address))
        .header("cookie", cookie.clone())
        .header("content-type", "multipart/form-data; boundary=X")
        .body("--X\r\nContent-Disposition: form-data; name=\"service\"\r\n\r\nkia\r\n--X--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    let response = get(photo.clone(), Some(cookie.clone())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let viewed = app
        .store
        .audit()
        .map(|e| e.unwrap().1)
        .any(|e| e.action == AuditAction::PhotoViewed);
    assert!(viewed, "every photo view is audited");
    // A hash the request does not keep gets nothing, whatever the store holds.
    let other = format!("/console/photos/{number}/{}", "a".repeat(64));
    assert_eq!(
        get(other, Some(cookie.clone())).await.unwrap().status(),
        404
    );

    // A form without the session's CSRF value is refused and decides nothing.
    let response = plain
        .post(format!("{}/console/requests/{number}/decide", app.address))
        .header("cookie", cookie.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("decision=approve&csrf=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        app.store.request(&number).unwrap().unwrap().summary.status,
        loket::domain::request::RequestStatus::Diajukan
    );
    let page = get(format!("/console/requests/{number}"), Some(cookie))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Setujui") && page.contains(&number), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn a_supervisor_manages_accounts_and_exports_the_audit_log_an_officer_cannot() {
    let app = spawn_app().await;
    app.add_account("kepala", Role::Supervisor);
    app.add_account("siti", Role::Officer);
    let (boss, siti) = (app.token("kepala").await, app.token("siti").await);

    let (status, body) = app
        .post_api(
            "/users",
            &boss,
            json!({"username": "budi", "role": "officer", "password": PASSWORD}),
        )
        .await;
    assert_eq!((status, &body["role"]), (201, &json!("officer")), "{body}");
    assert!(body.get("password_hash").is_none());
    let (status, body) = app
        .post_api(
            "/users",
            &boss,
            json!({"username": "budi", "role": "officer", "password": PASSWORD}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));
    let (status, _) = app
        .post_api(
            "/users",
            &boss,
            json!({"username": "Budi Santoso", "role": "officer", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 400);
    // An officer may not.
    let (status, body) = app
        .post_api(
            "/users",
            &siti,
            json!({"username": "x-y-z", "role": "supervisor", "password": PASSWORD}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    let (status, _) = app.api(reqwest::Method::GET, "/audit", Some(&siti)).await;
    assert_eq!(status, 403);

    // Disabling ends the account's sessions at once.
    let budi = app.token("budi").await;
    let (status, body) = app.post_api("/users/budi/disable", &boss, json!({})).await;
    assert_eq!((status, &body["disabled"]), (200, &json!(true)), "{body}");
    let (status, _) = app
        .api(reqwest::Method::GET, "/requests", Some(&budi))
        .await;
    assert_eq!(status, 401);
    let (status, _) = app
        .post_api("/users/kepala/disable", &boss, json!({}))
        .await;
    assert_eq!(status, 409, "not one's own account");

    let (status, body) = app.api(reqwest::Method::GET, "/users", Some(&boss)).await;
    assert_eq!(status, 200);
    assert_eq!(body["users"].as_array().unwrap().len(), 3, "{body}");

    let response = app
        .client
        .get(format!("{}/api/v1/audit?format=csv", app.address))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    assert!(
        csv.starts_with("at,actor,action,target,photo,detail"),
        "{csv}"
    );
    assert!(csv.contains("kepala,account_created,budi"), "{csv}");
    assert!(csv.contains("kepala,account_disabled,budi"), "{csv}");
    let (_, body) = app
        .api(reqwest::Method::GET, "/audit?limit=1", Some(&boss))
        .await;
    assert_eq!(
        body["entries"][0]["action"], "audit_exported",
        "the export is audited: {body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_queue_pages_oldest_first_filters_and_flags_a_photo_in_another_familys_request() {
    let app = spawn_app().await;
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30 * 24);
    loket_testkit::requests::seed(&app.store, 250, start).await;
    // Two families' requests holding one and the same picture (a forwarded KK).
    let (mut first, photos) = loket_testkit::requests::filed_request(1000, start);
    let (mut second, _) = loket_testkit::requests::filed_request(1001, start);
    let shared = photos[1].stored_sha256.clone().unwrap();
    first.photos = vec![shared.clone()];
    second.filed.documents[1] = first.filed.documents[1].clone();
    second.photos = vec![shared];
    app.store
        .commit_lane(loket::store::LaneCommit {
            records: loket::store::LaneRecords {
                requests: vec![first.clone(), second.clone()],
                photos,
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    app.add_account("siti", Role::Officer);
    let token = app.token("siti").await;

    // Every waiting request once, oldest first, 100 to a page.
    let mut numbers = Vec::new();
    let mut times = Vec::new();
    let mut path = "/requests?status=diajukan&limit=100".to_string();
    let mut pages = 0;
    loop {
        let (status, body) = app.api(reqwest::Method::GET, &path, Some(&token)).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        for row in body["requests"].as_array().unwrap() {
            assert_eq!(row["status"], "diajukan");
            numbers.push(row["number"].as_str().unwrap().to_string());
            times.push(row["submitted_at"].as_str().unwrap().to_string());
        }
        match body["next"].as_str() {
            Some(next) => path = format!("/requests?status=diajukan&limit=100&after={next}"),
            None => break,
        }
    }
    // 60 % of the made-up requests wait for review, and the two with the shared photo.
    assert_eq!((numbers.len(), pages), (152, 2));
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), numbers.len(), "no request on two pages");
    let parsed: Vec<jiff::Timestamp> = times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "oldest first");

    // One kecamatan, and the overdue ones (filed a month ago, due 20 days after filing).
    let (status, body) = app
        .api(
            reqwest::Method::GET,
            "/requests?kecamatan=637103&limit=500",
            Some(&token),
        )
        .await;
    assert_eq!(status, 200);
    let rows = body["requests"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["kecamatan_code"] == "637103"));
    let (_, body) = app
        .api(
            reqwest::Method::GET,
            "/requests?overdue=true&limit=500",
            Some(&token),
        )
        .await;
    let today = jiff::Zoned::now().date();
    let overdue = body["requests"].as_array().unwrap();
    assert!(!overdue.is_empty());
    for row in overdue {
        let due: jiff::civil::Date = row["due_date"].as_str().unwrap().parse().unwrap();
        assert!(due < today && row["overdue"] == true, "{row}");
        assert!(!["diterima", "ditolak", "dibatalkan"].contains(&row["status"].as_str().unwrap()));
    }
    let (status, body) = app
        .api(
            reqwest::Method::GET,
            "/requests?after=not-a-page",
            Some(&token),
        )
        .await;
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");

    // The officer is warned about the forwarded photo, on both requests.
    let first_number = first.summary.number.to_string();
    let second_number = second.summary.number.to_string();
    let (status, view) = app
        .api(
            reqwest::Method::GET,
            &format!("/requests/{first_number}"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["documents"][1]["also_in"], json!([second_number]));
    assert_eq!(view["documents"][0]["also_in"], json!([]));
    app.stop().await;
}
