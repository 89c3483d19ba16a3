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

/// The data folder opened after loket stopped, with the key it ran with.
fn open_store(data: &std::path::Path) -> Store {
    Store::open(
        data,
        &StoreOptions {
            keys: loket::store::seal::KeySource::Given(
                loket::store::seal::DataKey::parse_list(loket_testkit::DATA_KEY).unwrap(),
            ),
            ..StoreOptions::default()
        },
    )
    .unwrap()
}

/// Waits until every acknowledged message has had its read receipt sent (it was processed).
async fn wait_until_read(graph: &GraphStandIn, acked: &HashSet<String>, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let receipts: HashSet<String> = graph.read_receipts().into_iter().collect();
        let missing = acked.iter().filter(|w| !receipts.contains(*w)).count();
        if missing == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{missing} acknowledged messages never processed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
    wait_until_read(&graph, &acked, Duration::from_secs(90)).await;
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful stop after SIGTERM: {status:?}");

    // Assert: every acknowledged message is in the store, processed exactly once.
    let store = open_store(&data);
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

/// A message as Meta sends it: its wamid and signed body.
type Message = (String, Vec<u8>);

/// `kill -9` again and again under load: each round starts loket on the same data, sends new
/// messages (and again those a killed round never answered, as Meta would), and kills it at a
/// random moment. Then it runs to the end, and every message ever answered 200 is processed
/// exactly once. Rounds: `LOKET_KILL_ROUNDS` (3 here and in CI; `scripts/kill-loop.sh N` for
/// more).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_a_loop_under_load_loses_nothing_acknowledged() {
    let rounds: usize = std::env::var("LOKET_KILL_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let graph = GraphStandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut unanswered: Vec<Message> = Vec::new();
    let mut next = 0usize;
    for round in 0..rounds {
        let mut child = start(&data, port, &graph.base_url, &format!("round-{round}.log"));
        wait_healthy(&client, port).await;
        let now = jiff::Timestamp::now().as_second();
        let mut batch = std::mem::take(&mut unanswered);
        for _ in 0..400 {
            let wamid = format!("wamid.loop.{next}");
            batch.push((
                wamid.clone(),
                body(&wamid, &format!("62813{:07}", next % 60), now),
            ));
            next += 1;
        }
        let queue = Arc::new(Mutex::new(batch.into_iter()));
        let left: Arc<Mutex<Vec<Message>>> = Arc::default();
        let mut clients = Vec::new();
        for _ in 0..16 {
            let (queue, acked, left, client) =
                (queue.clone(), acked.clone(), left.clone(), client.clone());
            clients.push(tokio::spawn(async move {
                loop {
                    let Some((wamid, body)) = queue.lock().unwrap().next() else {
                        return;
                    };
                    let sig = signature::sign(SECRET.as_bytes(), &body);
                    let sent = client
                        .post(format!("http://127.0.0.1:{port}/webhook"))
                        .header("x-hub-signature-256", sig)
                        .body(body.clone())
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            acked.lock().unwrap().insert(wamid);
                        }
                        // Not answered 200: Meta delivers it again.
                        _ => left.lock().unwrap().push((wamid, body)),
                    }
                }
            }));
        }
        // Killed somewhere between a few dozen and a few hundred answers into the round.
        let kill_after = acked.lock().unwrap().len() + 30 + fastrand::usize(..250);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while acked.lock().unwrap().len() < kill_after && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        unanswered = std::mem::take(&mut *left.lock().unwrap());
        unanswered.extend(queue.lock().unwrap().by_ref());
    }

    // The last start runs to the end: Meta's redeliveries, then the work left.
    let mut child = start(&data, port, &graph.base_url, "last.log");
    wait_healthy(&client, port).await;
    for (wamid, body) in unanswered {
        let sig = signature::sign(SECRET.as_bytes(), &body);
        let r = client
            .post(format!("http://127.0.0.1:{port}/webhook"))
            .header("x-hub-signature-256", sig)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        acked.lock().unwrap().insert(wamid);
    }
    let acked: HashSet<String> = acked.lock().unwrap().clone();
    wait_until_read(&graph, &acked, Duration::from_secs(120)).await;
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let store = open_store(&data);
    let mut lost = 0;
    for wamid in &acked {
        match store.processed(wamid).unwrap() {
            Some(record) => assert_eq!(record.times, 1, "{wamid} processed {} times", record.times),
            None => lost += 1,
        }
    }
    println!(
        "kill -9 loop: {rounds} rounds, {} messages acknowledged, {lost} lost, 0 processed twice",
        acked.len()
    );
    assert_eq!(lost, 0);
}
