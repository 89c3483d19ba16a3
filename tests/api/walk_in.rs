//! Filing at the counter: an officer's form with photos from the office's camera, checked as
//! the chat checks them, filed through the citizen's lane.

use base64::Engine as _;
use loket::domain::account::Role;
use serde_json::{Value, json};

use crate::desk::error_code;
use crate::helpers::*;

fn photo(name: &str) -> String {
    let bytes = std::fs::read(format!(
        "{}/fixtures/photos/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A KIA form as the officer fills it from the paper form: a seven-year-old boy, delivery by
/// Pos, the five photos.
fn kia_form(nik: &str, phone: Option<&str>) -> Value {
    let mut form = json!({
        "service": "kia",
        "consent": true,
        "answers": {
            "child_name": "Rizky Pratama",
            "child_nik": nik,
            "request_kind": "baru",
            "delivery": "pos",
            "cod_accepted": "setuju",
            "kelurahan": "63.71.05.1009",
            "street": "Jl. Pramuka Gg. Mawar No. 12",
            "rt_rw": "5/2"
        },
        "photos": [
            {"kind": "akta_kelahiran", "data": photo("akta.jpg")},
            {"kind": "kartu_keluarga", "data": photo("kk.jpg")},
            {"kind": "ktp_ayah", "data": photo("ktp_ayah.jpg")},
            {"kind": "ktp_ibu", "data": photo("ktp_ibu.jpg")},
            {"kind": "pas_foto", "data": photo("pas_foto_red.jpg")}
        ]
    });
    if let Some(phone) = phone {
        form["phone"] = json!(phone);
    }
    form
}

#[tokio::test]
async fn a_walk_in_without_a_phone_is_filed_with_the_chats_checks_and_nothing_is_sent() {
    let app = spawn_app().await;
    app.add_account("siti", Role::Officer);
    app.add_account("kurir", Role::Courier);
    let token = app.token("siti").await;
    let courier = app.token("kurir").await;

    let (status, body) = app
        .post_api("/walk-ins", &courier, kia_form("6371051203190005", None))
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));

    let (status, body) = app
        .post_api("/walk-ins", &token, kia_form("6371051203190005", None))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notified"], false);
    let number = body["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("KIA-"), "{number}");

    let (status, view) = app
        .api(
            reqwest::Method::GET,
            &format!("/requests/{number}"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "diajukan");
    // What the NIK and the kelurahan answer, as in the chat.
    assert_eq!(view["subject"]["birth_date"], "2019-03-12");
    assert_eq!(view["subject"]["sex"], "l");
    assert_eq!(view["address"]["kecamatan"], "Banjarmasin Tengah");
    assert_eq!(view["address"]["rt_rw"], "005/002");
    assert_eq!(view["walk_in"]["by"], "siti");
    assert!(view["due_date"].is_string(), "{view}");
    let kinds: Vec<&str> = view["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "akta_kelahiran",
            "kartu_keluarga",
            "ktp_ayah",
            "ktp_ibu",
            "pas_foto"
        ]
    );
    for d in view["documents"].as_array().unwrap() {
        let sha = d["sha256"].as_str().unwrap();
        assert!(
            app.store.blobs().get(sha).unwrap().is_some(),
            "the checked copy is kept"
        );
        assert!(
            app.store
                .blobs()
                .get(d["original_sha256"].as_str().unwrap())
                .unwrap()
                .is_none()
                || d["original_sha256"] == d["sha256"],
            "the upload itself (with its metadata) is not kept"
        );
    }
    assert!(
        app.graph.sent().is_empty(),
        "nobody to tell: {:?}",
        app.graph.sent()
    );

    // The same child again: stopped at the NIK, as in the chat.
    let (status, body) = app
        .post_api("/walk-ins", &token, kia_form("6371051203190005", None))
        .await;
    assert_eq!((status, error_code(&body)), (422, "invalid_form"), "{body}");
    let fields = &body["error"]["fields"];
    assert_eq!(fields[0]["field"], "child_nik", "{body}");
    assert!(
        fields[0]["message"].as_str().unwrap().contains(&number),
        "{body}"
    );

    // Decisions on it go through its lane like any other, and are recorded.
    let (status, body) = app
        .post_api(&format!("/requests/{number}/approve"), &token, json!({}))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("disetujui")),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_walk_in_with_a_phone_tells_the_citizen_by_template_at_each_step() {
    let app = spawn_app().await;
    app.add_account("siti", Role::Officer);
    let token = app.token("siti").await;
    let (status, body) = app
        .post_api(
            "/walk-ins",
            &token,
            kia_form("6371051203190006", Some("0812-3456-7001")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notified"], true);
    let number = body["number"].as_str().unwrap().to_string();
    let citizen = "6281234567001";
    // The citizen never wrote: the window is closed, so the approved status template goes.
    app.eventually("the citizen is told the request is filed", |app| {
        app.graph.messages_to(citizen).iter().any(|m| {
            m["template"]["name"] == "loket_status_update"
                && m["template"]["components"].to_string().contains(&number)
                && m["template"]["components"].to_string().contains("Diajukan")
        })
    })
    .await;
    let (status, _) = app
        .post_api(&format!("/requests/{number}/approve"), &token, json!({}))
        .await;
    assert_eq!(status, 200);
    app.eventually("the citizen is told it is approved", |app| {
        app.graph.messages_to(citizen).iter().any(|m| {
            m["template"]["components"]
                .to_string()
                .contains("Disetujui")
        })
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_form_with_problems_names_every_field_and_files_nothing() {
    let app = spawn_app().await;
    app.add_account("siti", Role::Officer);
    let token = app.token("siti").await;
    let mut form = kia_form("637105120319000", Some("12345"));
    form["consent"] = json!(false);
    form["answers"]["rt_rw"] = json!("");
    // The NIK is wrong, so the birth date and sex are asked, and with them the pas foto.
    form["answers"]["child_birth_date"] = json!("12-03-2019");
    form["answers"]["child_sex"] = json!("l");
    let photos = form["photos"].as_array_mut().unwrap();
    photos[1]["data"] = json!(photo("kk_blurred.jpg"));
    photos.pop(); // no pas foto
    let (status, body) = app.post_api("/walk-ins", &token, form).await;
    assert_eq!((status, error_code(&body)), (422, "invalid_form"), "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for expected in [
        "phone",
        "consent",
        "child_nik",
        "rt_rw",
        "kartu_keluarga",
        "pas_foto",
    ] {
        assert!(fields.contains(&expected), "{expected} missing from {body}");
    }
    for f in body["error"]["fields"].as_array().unwrap() {
        assert!(!f["message"].as_str().unwrap().is_empty(), "{f}");
    }
    let (status, body) = app
        .post_api(
            "/walk-ins",
            &token,
            json!({"service": "kia", "photos": [{"kind": "kk", "data": "%%%"}]}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");
    assert!(app.store.all_requests().unwrap().is_empty());
    app.stop().await;
}
