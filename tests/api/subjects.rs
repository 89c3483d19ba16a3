//! A citizen's rights over their data: a supervisor exports everything loket holds about a
//! WhatsApp number as a zip, and erases it once their request is over, keeping only what the
//! office must (which both say).

use std::{io::Read, path::Path};

use loket::domain::account::{AuditAction, Role};
use serde_json::{Value, json};

use crate::desk::error_code;
use crate::helpers::*;

const NIK: &str = "6371051203190001";

impl TestApp {
    async fn export(&self, token: &str, body: Value) -> (u16, Vec<u8>) {
        let response = self
            .client
            .post(format!("{}/api/v1/subjects/export", self.address))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 200 {
            assert_eq!(response.headers()["content-type"], "application/zip");
            let disposition = response.headers()["content-disposition"].to_str().unwrap();
            assert!(disposition.starts_with("attachment;"), "{disposition}");
        }
        (status, response.bytes().await.unwrap().to_vec())
    }
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        out.insert(file.name().to_string(), content);
    }
    out
}

#[tokio::test]
async fn a_parent_s_data_is_exported_whole_then_erased_but_for_what_the_office_must_keep() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000081";
    let transcript =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/01_kia_anak_enam_tahun.txt");
    crate::transcripts::run(&app, &transcript, parent)
        .await
        .unwrap();
    let number = app.store.all_requests().unwrap()[0]
        .summary
        .number
        .to_string();
    app.add_account("rina", Role::Supervisor);
    app.add_account("siti", Role::Officer);
    let supervisor = app.token("rina").await;
    let officer = app.token("siti").await;

    // Officers cannot; what is not a number or a NIK is a 400; nobody known is a 404.
    let (status, _) = app.export(&officer, json!({"phone": parent})).await;
    assert_eq!(status, 403);
    let (status, body) = app.export(&supervisor, json!({"phone": "halo"})).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let (status, _) = app
        .export(&supervisor, json!({"phone": "0811-0000-9999"}))
        .await;
    assert_eq!(status, 404);

    // The export, asked in the local form of the number: everything, whole.
    let (status, zip) = app
        .export(&supervisor, json!({"phone": "0857-0000-0081"}))
        .await;
    assert_eq!(status, 200);
    let files = unzip(&zip);
    let data: Value = serde_json::from_slice(&files["data.json"]).unwrap();
    let text = data.to_string();
    assert!(text.contains(NIK), "the child's NIK, whole");
    assert!(text.contains("Ahmad Fauzi") || text.contains("AHMAD FAUZI"));
    assert_eq!(data["subject"]["whatsapp_number"], parent);
    assert!(
        !data["contacts"][0]["messages_received"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(!data["contacts"][0]["chat"].as_array().unwrap().is_empty());
    assert_eq!(
        data["requests"][0]["request"]["summary"]["number"],
        number.as_str()
    );
    let photos = files.keys().filter(|k| k.starts_with("foto/")).count();
    let request = app.store.request(&number).unwrap().unwrap();
    assert_eq!(photos, request.filed.documents.len(), "{:?}", files.keys());
    for (name, bytes) in &files {
        if name.ends_with(".jpg") {
            assert_eq!(&bytes[..2], &[0xFF, 0xD8], "{name} is a JPEG");
        }
    }
    let readme = String::from_utf8(files["BACA-SAYA.txt"].clone()).unwrap();
    assert!(
        readme.contains("UU 24/2013") && readme.contains("UU 27/2022"),
        "{readme}"
    );

    // While the request is under way, it cannot be erased; nor without confirming.
    let (status, body) = app
        .post_api(
            "/subjects/erase",
            &supervisor,
            json!({"phone": parent, "confirm": true}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");
    assert!(body.to_string().contains(&number), "{body}");
    let (status, body) = app
        .post_api(
            &format!("/requests/{number}/reject"),
            &officer,
            json!({"reason": "Atas permintaan warga, data dihapus."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.told(parent, "*Ditolak*").await;
    let (status, body) = app
        .post_api("/subjects/erase", &supervisor, json!({"phone": parent}))
        .await;
    assert_eq!(status, 400, "{body}");

    let contact = app.store.contacts_with_phone(parent).unwrap()[0].id;
    let (status, erased) = app
        .post_api(
            "/subjects/erase",
            &supervisor,
            json!({"phone": parent, "confirm": true}),
        )
        .await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased["requests"], json!([number]));
    assert_eq!(erased["contacts"], 1);
    assert!(erased["photo_files"].as_u64().unwrap() > 0, "{erased}");
    assert!(
        erased["kept"][0]
            .as_str()
            .unwrap()
            .contains("nomor permohonan")
    );

    // What stays: the request's number, service, history and fee, nobody's data.
    let kept = app.store.request(&number).unwrap().unwrap();
    assert_eq!(kept.summary.name, "(dihapus)");
    assert!(kept.nik.is_none() && kept.contact.is_none() && kept.photos.is_empty());
    assert!(kept.filed.address.is_none() && kept.filed.documents.is_empty());
    assert!(!kept.history.is_empty());
    for sha in &request.photos {
        assert!(app.store.blobs().get(sha).unwrap().is_none());
    }
    // Nothing else of theirs is left: contact, chat, journal, outbox, audit.
    assert!(app.store.contacts_with_phone(parent).unwrap().is_empty());
    for entry in app.store.journal() {
        let body = String::from_utf8_lossy(&entry.unwrap().2).into_owned();
        assert!(!body.contains(parent) && !body.contains(NIK), "{body}");
    }
    for record in app.store.outbox_history(1000).unwrap() {
        let text = serde_json::to_string(&record).unwrap();
        assert!(!text.contains(parent) && !text.contains("Ahmad"), "{text}");
    }
    assert!(
        app.store
            .lane_log()
            .all(|e| e.unwrap().1.contact != contact)
    );
    assert!(app.store.recent_chat(contact, 100).unwrap().is_empty());
    assert!(app.store.conversation(contact).unwrap().is_none());
    let audit: Vec<_> = app.store.audit().map(|e| e.unwrap().1).collect();
    for entry in &audit {
        let text = serde_json::to_string(entry).unwrap();
        assert!(!text.contains(parent) && !text.contains(NIK), "{text}");
    }
    assert!(
        audit
            .iter()
            .any(|e| e.action == AuditAction::SubjectExported)
    );
    let erasure = audit
        .iter()
        .find(|e| e.action == AuditAction::SubjectErased)
        .unwrap();
    assert_eq!(erasure.target.as_deref(), Some("6285*****0081"));
    assert_eq!(erasure.actor, "rina");

    // Asked again: nothing is held about them any more.
    let (status, _) = app.export(&supervisor, json!({"phone": parent})).await;
    assert_eq!(status, 404);
    let (status, _) = app.export(&supervisor, json!({"nik": NIK})).await;
    assert_eq!(status, 404);

    // Writing again, they are a new parent: greeted, nothing remembered.
    app.post_signed(&text_body("wamid.after.erase", parent, now(), "halo"))
        .await;
    app.eventually("the parent is greeted afresh", |app| {
        app.store
            .contacts_with_phone(parent)
            .unwrap()
            .first()
            .is_some_and(|c| app.store.requests_of(c.id).unwrap().is_empty())
    })
    .await;
    app.stop().await;
}
