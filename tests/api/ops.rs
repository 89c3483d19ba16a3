//! What an operator watches: Prometheus metrics and readiness.

use crate::helpers::*;

/// The value of the first sample of `name` whose labels contain `labels`.
fn sample(metrics: &str, name: &str, labels: &str) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(name) && l.contains(labels))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_webhooks_flushes_sends_and_what_is_waiting() {
    let app = spawn_app().await;
    let scrape = || async {
        let response = app.get("/metrics").await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        response.text().await.unwrap()
    };
    let before = scrape().await;
    let unsigned_before =
        sample(&before, "loket_webhooks_total", "outcome=\"unsigned\"").unwrap_or(0.0);

    let body = text_body("wamid.metrics.1", "6281600000001", now(), "halo");
    assert_eq!(app.post_signed(&body).await.status(), 200);
    assert_eq!(app.post_webhook(&body, None).await.status(), 401);
    app.eventually("the greeting is sent", |app| {
        !app.graph.texts_to("6281600000001").is_empty()
    })
    .await;

    let after = scrape().await;
    assert!(sample(&after, "loket_webhooks_total", "outcome=\"ok\"").unwrap() >= 1.0);
    assert_eq!(
        sample(&after, "loket_webhooks_total", "outcome=\"unsigned\"").unwrap(),
        unsigned_before + 1.0
    );
    for (name, labels) in [
        ("loket_store_flush_seconds_bucket", "le="),
        ("loket_store_flushes_total", "outcome=\"ok\""),
        ("loket_outbox_sent_total", ""),
        ("loket_pending_messages", ""),
        ("loket_outbox_queued", ""),
        ("loket_lanes_active", ""),
        ("loket_mail_waiting", ""),
        ("loket_escalations_open", "claimed=\"no\""),
        ("loket_process_resident_bytes", ""),
    ] {
        assert!(
            sample(&after, name, labels).is_some(),
            "{name}{{{labels}}} missing from:\n{after}"
        );
    }
    // Nothing personal in a label: not the parent's number, not their words.
    assert!(!after.contains("6281600000001") && !after.contains("halo"));
    app.stop().await;
}

#[tokio::test]
async fn ready_means_the_store_takes_writes_and_the_workers_run() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["ready"], true);
    assert_eq!(body["store_writable"], true);
    assert!(body["disk_free_bytes"].as_u64().unwrap() > 0);
    app.stop().await;
}
