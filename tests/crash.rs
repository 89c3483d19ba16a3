//! Crash safety: `kill -9` the real `loket` process during a burst of signed webhooks, restart
//! it, and check that every message that was answered 200 is processed exactly once and has
//! its read receipt sent: nothing acknowledged is lost.

use std::{
    collections::{HashMap, HashSet},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use loket::{
    channel::signature,
    store::{Store, StoreOptions},
};
use loket_testkit::loopback::{free_port, wait_healthy};
use loket_testkit::{
    envelope::text_body,
    graph::{GraphStandIn, PHONE_NUMBER_ID, TOKEN},
};

const SECRET: &str = "crash-test-secret";

fn start(data: &std::path::Path, port: u16, graph: &str, log: &str) -> Child {
    let log = std::fs::File::create(data.parent().unwrap().join(log)).unwrap();
    Command::new(env!("CARGO_BIN_EXE_loket"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOKET_BIND", format!("127.0.0.1:{port}"))
        .env("LOKET_DATA_DIR", data)
        .env("WA_ACCESS_TOKEN", TOKEN)
        .env("LOKET_DATA_KEY", loket_testkit::DATA_KEY)
        .env("WA_APP_SECRET", SECRET)
        .env("WA_VERIFY_TOKEN", "v")
        .env("WA_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .env("WA_GRAPH_URL", graph)
        .env("WA_SEND_RATE", "2000")
        .env("LOKET_LANE_DEBOUNCE_MS", "20")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn body(wamid: &str, from: &str, ts: i64) -> Vec<u8> {
    text_body(wamid, from, ts, "halo")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_survives_kill_9_and_is_processed_exactly_once() {
    let graph = GraphStandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    let mut child = start(&data, port, &graph.base_url, "first.log");
    wait_healthy(&client, port).await;

    // Arrange: 800 messages from 80 parents, sent by 32 concurrent clients.
    let now = jiff::Timestamp::now().as_second();
    let messages: Vec<(String, Vec<u8>)> = (0..800)
        .map(|i| {
            let wamid = format!("wamid.crash.{i}");
            let from = format!("62812{:07}", i % 80);
            let b = body(&wamid, &from, now + (i / 80) as i64);
            (wamid, b)
        })
        .collect();
    let queue = Arc::new(Mutex::new(messages.into_iter()));
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();

    // Act: kill -9 once 300 messages have been acknowledged.
    let mut clients = Vec::new();
    for _ in 0..32 {
        let (queue, acked, client) = (queue.clone(), acked.clone(), client.clone());
        clients.push(tokio::spawn(async move {
            loop {
                let Some((wamid, body)) = queue.lock().unwrap().next() else {
                    return;
                };
                let sig = signature::sign(SECRET.as_bytes(), &body);
                let sent = client
                    .post(format!("http://127.0.0.1:{port}/webhook"))
                    .header("x-hub-signature-256", sig)
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => {
                        acked.lock().unwrap().insert(wamid);
                    }
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let acked: HashSet<String> = acked.lock().unwrap().clone();
    let receipts_before = graph.read_receipts().len();

    // Restart on the same data and let it finish the work.
    let mut child = start(&data, port, &graph.base_url, "second.log");
    wait_healthy(&client, port).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let receipts: HashSet<String> = graph.read_receipts().into_iter().collect();
        let missing = acked.iter().filter(|w| !receipts.contains(*w)).count();
        if missing == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{missing} acknowledged messages never processed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful stop after SIGTERM: {status:?}");

    // Assert: every acknowledged message is in the store, processed exactly once.
    let store = Store::open(
        &data,
        &StoreOptions {
            keys: loket::store::seal::KeySource::Given(
                loket::store::seal::DataKey::parse_list(loket_testkit::DATA_KEY).unwrap(),
            ),
            ..StoreOptions::default()
        },
    )
    .unwrap();
    for wamid in &acked {
        let record = store
            .processed(wamid)
            .unwrap()
            .unwrap_or_else(|| panic!("{wamid} lost"));
        assert_eq!(record.times, 1, "{wamid} processed {} times", record.times);
    }
    // Read receipts are sent at least once; a send in flight at the kill may repeat.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for w in graph.read_receipts() {
        *counts.entry(w).or_default() += 1;
    }
    let repeated = counts.values().filter(|&&n| n > 1).count();
    println!(
        "acknowledged before kill: {}, receipts before kill: {receipts_before}, processed after restart: {}, repeated receipts: {repeated}",
        acked.len(),
        store.processed_count()
    );
    assert!(
        repeated <= 32,
        "only sends in flight at the kill may repeat ({repeated})"
    );
}
