//! Supervisors' notices: to every parent with a request in progress, or a filtered few, by
//! text inside the 24-hour window and by template after it, with delivery counts.

use loket::domain::account::Role;
use loket::domain::request::{RequestStatus, StatusChange};
use loket::store::RequestChange;
use loket_testkit::envelope::{now, status_body, text_body};
use serde_json::{Value, json};

use crate::desk::error_code;
use crate::helpers::*;

/// A parent of this phone with a request in kecamatan `kecamatan` (Kemendagri code).
fn parent_with_request(app: &TestApp, phone: &str, i: u32, kecamatan: &str) -> String {
    let contact = app
        .store
        .contact_for_walk_in(
            Some(loket_testkit::graph::PHONE_NUMBER_ID),
            Some(phone),
            now() * 1000,
        )
        .unwrap();
    loket_testkit::requests::file_waiting(&app.store, contact, i, |request| {
        if let Some(address) = request.filed.address.as_mut() {
            address.kecamatan_code = kecamatan.into();
        }
    })
}

/// The wamid Meta gave the notice's message to `phone` (from the outbox's record).
fn notice_wamid(app: &TestApp, phone: &str, notice: u64) -> Option<String> {
    app.store
        .outbox_history(1000)
        .unwrap()
        .into_iter()
        .find(|r| r.item.to == phone && r.item.notice == Some(notice))
        .and_then(|r| match r.outcome {
            loket::store::OutboxOutcome::Sent { wamid } => wamid,
            _ => None,
        })
}

#[tokio::test]
async fn a_notice_reaches_parents_with_open_requests_by_text_or_template_and_is_counted() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let (chatting, silent, done, elsewhere) = (
        "6281300000001",
        "6281300000002",
        "6281300000003",
        "6281300000004",
    );
    parent_with_request(&app, chatting, 1, "637103");
    parent_with_request(&app, silent, 2, "637103");
    let closed = parent_with_request(&app, done, 3, "637103");
    app.store
        .change_request(&RequestChange::status(
            &closed,
            StatusChange {
                status: RequestStatus::Diterima,
                at: jiff::Timestamp::now(),
                by: "kurir".into(),
                note: None,
            },
        ))
        .unwrap();
    parent_with_request(&app, elsewhere, 4, "637101");
    // One parent wrote a moment ago: their window is open.
    app.post_signed(&text_body("wamid.notice.1", chatting, now(), "halo"))
        .await;
    app.eventually("the chatting parent is answered", |app| {
        !app.graph.messages_to(chatting).is_empty()
    })
    .await;

    app.add_account("siti", Role::Officer);
    app.add_account("kepala", Role::Supervisor);
    let officer = app.token("siti").await;
    let supervisor = app.token("kepala").await;
    let notice = json!({
        "text": "Layanan KIA tutup Jumat, 4 Desember, karena pemadaman listrik.\nPermohonan tetap diproses.",
        "filter": {"kecamatan": "637103"}
    });
    let (status, body) = app.post_api("/notices", &officer, notice.clone()).await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    let (status, body) = app
        .post_api("/notices", &supervisor, json!({"text": "   "}))
        .await;
    assert_eq!((status, error_code(&body)), (400, "bad_request"));

    let (status, body) = app.post_api("/notices", &supervisor, notice).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["recipients"], 2,
        "open requests in that kecamatan only: {body}"
    );
    let id = body["id"].as_u64().unwrap();

    app.eventually("both parents get the notice", |app| {
        let text = app.graph.messages_to(chatting).iter().any(|m| {
            m["text"]["body"]
                .as_str()
                .is_some_and(|b| b.contains("pemadaman listrik"))
        });
        let template = app.graph.messages_to(silent).iter().any(|m| {
            m["template"]["name"] == "loket_notice"
                && m["template"]["components"]
                    .to_string()
                    .contains("pemadaman listrik")
        });
        text && template
    })
    .await;
    assert!(
        app.graph.messages_to(done).is_empty(),
        "a finished request is not in progress"
    );
    assert!(
        app.graph.messages_to(elsewhere).is_empty(),
        "another kecamatan"
    );

    // Meta reports how far each got. (The outbox records a send just after Meta answers.)
    app.eventually("the outbox records both sends", |app| {
        notice_wamid(app, chatting, id).is_some() && notice_wamid(app, silent, id).is_some()
    })
    .await;
    let to_chatting = notice_wamid(&app, chatting, id).unwrap();
    let to_silent = notice_wamid(&app, silent, id).unwrap();
    app.post_signed(&status_body(&to_chatting, chatting, "read", now()))
        .await;
    app.post_signed(&status_body(&to_silent, silent, "delivered", now()))
        .await;
    let mut counts = Value::Null;
    for _ in 0..100 {
        let (status, view) = app
            .api(
                reqwest::Method::GET,
                &format!("/notices/{id}"),
                Some(&supervisor),
            )
            .await;
        assert_eq!(status, 200, "{view}");
        counts = view["counts"].clone();
        if counts["read"] == 1 && counts["delivered"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        counts,
        json!({"queued": 0, "sent": 0, "delivered": 1, "read": 1, "failed": 0})
    );
    let (_, list) = app
        .api(reqwest::Method::GET, "/notices", Some(&supervisor))
        .await;
    assert_eq!(list["notices"][0]["by"], "kepala");
    assert!(
        app.store
            .audit()
            .map(|e| e.unwrap().1)
            .any(|e| e.action == loket::domain::account::AuditAction::NoticeSent)
    );
    app.stop().await;
}
