//! The escalation inbox beyond claim and answer: service levels in office time, private notes,
//! canned replies, claims that time out, sharing out in turn, and the daily report.

use loket::desk::escalations;
use loket::domain::account::Role;
use loket::flow::EscalationPolicy;
use loket_testkit::envelope::{now, text_body};
use serde_json::json;

use crate::desk::error_code;
use crate::helpers::*;

async fn escalate(app: &TestApp, parent: &str) -> u64 {
    app.post_signed(&text_body(
        &format!("wamid.{parent}.1"),
        parent,
        now(),
        "halo",
    ))
    .await;
    app.post_signed(&text_body(
        &format!("wamid.{parent}.2"),
        parent,
        now(),
        "petugas",
    ))
    .await;
    app.told(parent, "teruskan ke petugas").await;
    app.store
        .open_escalations()
        .unwrap()
        .into_iter()
        .find(|e| {
            app.store
                .contact(e.contact)
                .unwrap()
                .and_then(|c| c.wa_id)
                .as_deref()
                == Some(parent)
        })
        .unwrap()
        .id
}

#[tokio::test]
async fn notes_stay_private_canned_replies_are_filled_and_the_sla_clock_shows() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000050";
    let id = escalate(&app, parent).await;
    app.add_account("siti", Role::Officer);
    let siti = app.token("siti").await;

    let (status, body) = app
        .api(reqwest::Method::GET, "/escalations", Some(&siti))
        .await;
    assert_eq!(status, 200);
    let e = &body["escalations"][0];
    assert!(e["waiting_minutes"].is_u64(), "{e}");
    assert!(
        ["ok", "warning", "missed"].contains(&e["sla"]["first_reply"].as_str().unwrap()),
        "{e}"
    );
    assert!(e["sla"]["resolution_left_minutes"].is_i64(), "{e}");
    // The chat both ways, beside the escalation.
    let chat = e["chat"].as_array().unwrap();
    assert!(
        chat.iter()
            .any(|l| l["from_parent"] == true && l["text"] == "petugas"),
        "{e}"
    );
    assert!(
        chat.iter().any(|l| l["from_parent"] == false
            && l["text"].as_str().unwrap().contains("teruskan ke petugas")),
        "{e}"
    );

    let sent_before = app.graph.messages_to(parent).len();
    let (status, body) = app
        .post_api(
            &format!("/escalations/{id}/notes"),
            &siti,
            json!({"text": "Ibu ini sudah telepon kantor tadi pagi; KK-nya hilang."}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notes"][0]["by"], "siti");
    let (status, body) = app
        .post_api(
            &format!("/escalations/{id}/notes"),
            &siti,
            json!({"text": " "}),
        )
        .await;
    assert_eq!((status, error_code(&body)), (400, "bad_request"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.graph.messages_to(parent).len(),
        sent_before,
        "a note never reaches the parent"
    );

    let (status, body) = app
        .api(
            reqwest::Method::GET,
            &format!("/escalations/{id}/replies"),
            Some(&siti),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let salam = body["replies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "salam")
        .unwrap();
    assert_eq!(
        salam["text"],
        "Selamat siang, Warga. Saya petugas Disdukcapil Kota Banjarmasin, siap membantu."
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unanswered_claim_goes_back_and_waiting_escalations_are_shared_in_turn() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let first = escalate(&app, "6285700000061").await;
    let second = escalate(&app, "6285700000062").await;
    let third = escalate(&app, "6285700000063").await;
    app.add_account("siti", Role::Officer);
    app.add_account("budi", Role::Officer);
    app.add_account("kepala", Role::Supervisor);
    let siti = app.token("siti").await;
    let _budi = app.token("budi").await;
    let kepala = app.token("kepala").await;

    // Siti claims the first and does not answer.
    let (status, _) = app
        .post_api(&format!("/escalations/{first}/claim"), &siti, json!({}))
        .await;
    assert_eq!(status, 200);
    let policy = EscalationPolicy {
        claim_timeout_minutes: 15,
        auto_assign: true,
        max_per_officer: 1,
        ..EscalationPolicy::default()
    };
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5);
    assert!(
        escalations::release_stale(&app.store, &policy, soon)
            .unwrap()
            .is_empty()
    );
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(16);
    assert_eq!(
        escalations::release_stale(&app.store, &policy, later).unwrap(),
        [first]
    );
    assert_eq!(
        app.store.escalation(first).unwrap().unwrap().claimed_by,
        None
    );

    // In turn, one each (the cap), to officers signed in; the supervisor is not in the turn.
    let assigned = escalations::auto_assign(&app.store, &policy, later).unwrap();
    assert_eq!(assigned.len(), 2, "{assigned:?}");
    let owners: Vec<&str> = assigned.iter().map(|(_, o)| o.as_str()).collect();
    assert!(
        owners.contains(&"siti") && owners.contains(&"budi"),
        "{owners:?}"
    );
    assert_eq!(assigned[0].0, first, "longest waiting first");
    let waiting: Vec<u64> = app
        .store
        .open_escalations()
        .unwrap()
        .into_iter()
        .filter(|e| e.claimed_by.is_none())
        .map(|e| e.id)
        .collect();
    assert_eq!(waiting, [third]);
    let _ = second;

    // The day's report counts what each did.
    let (status, report) = app
        .api(reqwest::Method::GET, "/reports/daily", Some(&kepala))
        .await;
    assert_eq!(status, 200, "{report}");
    let rows = report["officers"].as_array().unwrap();
    let siti_row = rows.iter().find(|r| r["officer"] == "siti").unwrap();
    assert_eq!(
        siti_row["claimed"], 2,
        "her own claim and one in turn: {report}"
    );
    let (status, body) = app
        .api(reqwest::Method::GET, "/reports/daily", Some(&siti))
        .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    let (status, _) = app
        .api(
            reqwest::Method::GET,
            "/reports/daily?date=kemarin",
            Some(&kepala),
        )
        .await;
    assert_eq!(status, 400);
    app.stop().await;
}
