//! Retention: photos go some days after the card is handed over, outbox contents once
//! delivered, the log of conversations quiet longer than the window, and files nobody owns;
//! each purge is in the audit log.

use std::{path::Path, time::Duration};

use jiff::{SignedDuration, Timestamp};
use loket::{
    domain::{account::AuditAction, request::RequestStatus},
    privacy::retention::{RetentionPolicy, sweep},
    store::OutboxOutcome,
};
use loket_testkit::envelope::status_body;
use serde_json::json;

use crate::deliveries::{code_told, printed_card};
use crate::helpers::*;

fn photo_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(dir.join("blobs")).unwrap() {
        let shard = shard.unwrap().path();
        if shard.is_dir() {
            for file in std::fs::read_dir(shard).unwrap() {
                out.push(file.unwrap().path());
            }
        }
    }
    out
}

fn age(path: &Path, by: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - by)
        .unwrap();
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

#[tokio::test]
async fn photos_go_thirty_days_after_hand_over_and_the_request_stays_without_them() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000051";
    let (number, officer) = printed_card(&app, parent).await;
    app.add_account("budi", loket::domain::account::Role::Courier);
    let courier = app.token("budi").await;
    let steps = format!("/deliveries/{number}/steps");
    let (status, body) = app
        .post_api(&steps, &officer, json!({"action": "dispatch"}))
        .await;
    assert_eq!(status, 200, "{body}");
    app.told(parent, "Kode serah terima").await;
    let code = code_told(&app, parent);
    let (status, body) = app
        .post_api(
            &steps,
            &courier,
            json!({"action": "hand_over", "code": code}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let handed_over = Timestamp::now();
    let request = app.store.request(&number).unwrap().unwrap();
    assert_eq!(request.summary.status, RequestStatus::Diterima);
    assert!(!request.photos.is_empty());
    let data = app.store.dir().to_path_buf();
    let kept_files = photo_files(&data);
    assert_eq!(kept_files.len(), request.photos.len(), "{kept_files:?}");

    // A file nobody owns (a crash between a commit and a deletion), and every file made old:
    // the sweep deletes the stray one only; a stray one just written waits out its grace.
    let stray = app.store.blobs().put(b"left behind by a crash").unwrap();
    let young = app.store.blobs().put(b"an intake in progress").unwrap();
    for file in photo_files(&data) {
        age(&file, Duration::from_secs(3 * 24 * 3600));
    }
    // Taken up again by an intake: a reused file counts as just written.
    app.store.blobs().put(b"an intake in progress").unwrap();
    let policy = RetentionPolicy::default();

    let swept = sweep(&app.store, &policy, handed_over + days(29)).unwrap();
    assert!(swept.requests.is_empty(), "{swept:?}");
    assert_eq!(swept.orphan_files, 1, "{swept:?}");
    assert!(app.store.blobs().get(&stray).unwrap().is_none());
    assert!(app.store.blobs().get(&young).unwrap().is_some());
    for sha in &request.photos {
        assert!(app.store.blobs().get(sha).unwrap().is_some());
    }

    // Thirty days after the hand-over the photos go; the request stays, and says so.
    let swept = sweep(&app.store, &policy, handed_over + days(31)).unwrap();
    assert_eq!(swept.requests, vec![number.clone()]);
    assert_eq!(swept.photo_files, request.photos.len());
    for sha in &request.photos {
        assert!(app.store.blobs().get(sha).unwrap().is_none());
    }
    let (status, view) = app
        .api(
            reqwest::Method::GET,
            &format!("/requests/{number}"),
            Some(&officer),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "diterima");
    assert!(view["photos_erased_at"].is_string(), "{view}");
    assert!(
        view["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["sha256"].is_null()),
        "{view}"
    );
    // Run again, nothing more is counted.
    let again = sweep(&app.store, &policy, handed_over + days(32)).unwrap();
    assert!(
        again.requests.is_empty() && again.photo_files == 0,
        "{again:?}"
    );

    let audit: Vec<_> = app
        .store
        .audit()
        .map(|e| e.unwrap().1)
        .filter(|e| e.actor == "loket")
        .collect();
    let erased = audit
        .iter()
        .find(|e| e.action == AuditAction::PhotosErased)
        .expect("the erasure is audited");
    assert_eq!(erased.target.as_deref(), Some(number.as_str()));
    let sweeps: Vec<_> = audit
        .iter()
        .filter(|e| e.action == AuditAction::RetentionSweep)
        .collect();
    assert_eq!(
        sweeps.len(),
        2,
        "one entry per sweep that removed something"
    );
    assert!(
        sweeps[1].detail.as_deref().unwrap().starts_with(&format!(
            "foto: {} berkas dari 1 permohonan",
            request.photos.len()
        )),
        "{:?}",
        sweeps[1]
    );
}

#[tokio::test]
async fn a_quiet_conversation_s_log_is_compacted_an_active_one_keeps_its_whole_log() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let (quiet, active) = ("6285700000061", "6285700000062");
    app.post_signed(&text_body("wamid.quiet.1", quiet, now(), "halo"))
        .await;
    app.eventually("the quiet parent is greeted", |app| {
        !app.graph.texts_to(quiet).is_empty()
    })
    .await;
    // Unreadable parts of a body are kept as a dead letter, with the quiet parent's time.
    let unreadable = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"100000000000001"},"messages":[{"from":"6285700000063","id":"wamid.bad.1","timestamp":"1","type":"text","text":"not an object"}]}}]}]}"#;
    assert_eq!(app.post_signed(unreadable).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let between = Timestamp::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.post_signed(&text_body("wamid.active.1", active, now(), "halo"))
        .await;
    app.eventually("the active parent is greeted", |app| {
        !app.graph.texts_to(active).is_empty()
    })
    .await;
    let journal_before = app.store.journal().count();
    assert_eq!(journal_before, 3);
    // WhatsApp reports the active parent's greeting delivered: its content can go at once.
    let sent_to_active = |app: &TestApp| {
        app.store
            .outbox_history(100)
            .unwrap()
            .into_iter()
            .find_map(|r| match r.outcome {
                OutboxOutcome::Sent { wamid: Some(w) } if r.item.to == active => Some(w),
                _ => None,
            })
    };
    app.eventually("the greeting's send is recorded", |app| {
        sent_to_active(app).is_some()
    })
    .await;
    let delivered = sent_to_active(&app).unwrap();
    app.post_signed(&status_body(&delivered, active, "delivered", now()))
        .await;
    app.eventually("the delivery is recorded", |app| {
        app.store.status(&delivered).unwrap().is_some()
    })
    .await;

    // A one-day window, a day after `between`: the quiet parent's log is past it.
    let policy = RetentionPolicy {
        photo_days: 30,
        log_days: 1,
    };
    let swept = sweep(&app.store, &policy, between + days(1)).unwrap();
    assert_eq!(swept.log.conversations, 1, "{swept:?}");
    assert_eq!(
        swept.log.journal_entries, 2,
        "the greeting and the dead letter's body"
    );
    assert_eq!(swept.log.dead_letters, 1);
    assert!(swept.log.chat_lines >= 2, "{swept:?}");
    assert_eq!(
        app.store.journal().count(),
        2,
        "the active message and the status"
    );
    assert!(app.store.dead_letters().unwrap().is_empty());
    let records = app.store.outbox_history(100).unwrap();
    for record in &records {
        let erased = record.payload_erased_at_ms.is_some();
        let text = serde_json::to_string(&record.item.payload).unwrap();
        if record.item.to == quiet {
            // Finished before the window: erased whatever its status.
            assert!(erased && !text.contains("Selamat"), "{text}");
        } else if matches!(&record.outcome, OutboxOutcome::Sent { wamid: Some(w) } if *w == delivered)
        {
            assert!(erased && !text.contains("Selamat"), "{text}");
        } else {
            assert!(!erased, "{text}");
        }
    }
    let contact = app
        .store
        .contact_by_phone(Some(PHONE_NUMBER_ID), quiet)
        .unwrap()
        .unwrap();
    assert!(app.store.recent_chat(contact.id, 10).unwrap().is_empty());

    // Replay rebuilds the active conversation whole and says the quiet one is past its horizon.
    let flows = loket::bundle::load_flows(None).unwrap();
    let report = loket::lane::replay(&flows, &app.store).unwrap();
    assert_eq!(report.identical, 1, "{report:?}");
    assert_eq!(report.past_horizon, 1, "{report:?}");
    assert!(report.differing.is_empty(), "{report:?}");
}
