//! Load generator: unique, properly signed webhooks over loopback against the real `loket`
//! binary (release build), which does its full durable work (journal, claim, group-commit
//! flush, lanes, outbox, read receipts and replies to a Graph stand-in).
//!
//! Prints sustained throughput, latency percentiles at a fixed 1,000 webhooks/s, the service's
//! peak memory, and the same run with storage skipped, so durability's cost shows as a ratio.
//! Run: `cargo bench --bench webhook_load` (LOAD_SECS=10 by default).

use std::{
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use loket::channel::signature;
use loket_testkit::loopback::{free_port, wait_healthy};
use loket_testkit::{
    envelope::text_body,
    graph::{GraphStandIn, PHONE_NUMBER_ID, TOKEN},
};

const SECRET: &str = "load-secret";

struct Service {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

fn start(graph: &str, discard: bool) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loket"));
    cmd.env_clear()
        .env("LOKET_BIND", format!("127.0.0.1:{port}"))
        .env("LOKET_DATA_DIR", dir.path())
        .env("WA_ACCESS_TOKEN", TOKEN)
        .env("LOKET_DATA_KEY", loket_testkit::DATA_KEY)
        .env("WA_APP_SECRET", SECRET)
        .env("WA_VERIFY_TOKEN", "v")
        .env("WA_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .env("WA_GRAPH_URL", graph)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    // Store tuning can be tried without editing the bench.
    for k in [
        "LOKET_STORE_FLUSH_EVERY_MS",
        "LOKET_STORE_CACHE_BYTES",
        "LOKET_LANES",
    ] {
        if let Ok(v) = std::env::var(k) {
            cmd.env(k, v);
        }
    }
    if discard {
        cmd.env("LOKET_DISCARD_WEBHOOKS", "benchmark-only");
    }
    Service {
        child: cmd.spawn().unwrap(),
        port,
        _dir: dir,
    }
}

impl Service {
    fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn body(n: u64, now: i64) -> (Vec<u8>, String) {
    let from = format!("62813{:07}", n % 5000);
    let body = text_body(
        &format!("wamid.load.{n}"),
        &from,
        now,
        "halo, mau tanya syarat KIA",
    );
    let sig = signature::sign(SECRET.as_bytes(), &body);
    (body, sig)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Outcome {
    rate: f64,
    p50: f64,
    p99: f64,
    max: f64,
    errors: u64,
}

fn summarize(mut lat: Vec<f64>, elapsed: Duration, errors: u64) -> Outcome {
    lat.sort_by(|a, b| a.total_cmp(b));
    Outcome {
        rate: lat.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&lat, 0.50),
        p99: percentile(&lat, 0.99),
        max: lat.last().copied().unwrap_or(f64::NAN),
        errors,
    }
}

/// As fast as 64 keep-alive connections go.
async fn sustained(
    client: &reqwest::Client,
    port: u16,
    secs: u64,
    counter: Arc<AtomicU64>,
) -> Outcome {
    let stop = Arc::new(AtomicBool::new(false));
    let now = jiff::Timestamp::now().as_second();
    let url = format!("http://127.0.0.1:{port}/webhook");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (client, stop, counter, url) =
            (client.clone(), stop.clone(), counter.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0u64);
            while !stop.load(Ordering::Relaxed) {
                let (body, sig) = body(counter.fetch_add(1, Ordering::Relaxed), now);
                let t = Instant::now();
                match client
                    .post(&url)
                    .header("x-hub-signature-256", sig)
                    .body(body)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 200 => lat.push(t.elapsed().as_secs_f64() * 1000.0),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (lat, e) = t.await.unwrap();
        all.extend(lat);
        errors += e;
    }
    summarize(all, elapsed, errors)
}

/// Open loop: one webhook every millisecond whatever the answers do.
async fn fixed_rate(
    client: &reqwest::Client,
    port: u16,
    secs: u64,
    per_sec: u64,
    counter: Arc<AtomicU64>,
) -> Outcome {
    let now = jiff::Timestamp::now().as_second();
    let url = format!("http://127.0.0.1:{port}/webhook");
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_sec as u32);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..secs * per_sec {
        tick.tick().await;
        let (client, url) = (client.clone(), url.clone());
        let (body, sig) = body(counter.fetch_add(1, Ordering::Relaxed), now);
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            match client
                .post(&url)
                .header("x-hub-signature-256", sig)
                .body(body)
                .send()
                .await
            {
                Ok(r) if r.status() == 200 => Some(t.elapsed().as_secs_f64() * 1000.0),
                _ => None,
            }
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        match t.await.unwrap() {
            Some(ms) => lat.push(ms),
            None => errors += 1,
        }
    }
    let elapsed = started.elapsed();
    summarize(lat, elapsed, errors)
}

fn main() {
    let secs: u64 = std::env::var("LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let graph = GraphStandIn::start().await;
        let client = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();
        let mut rows = Vec::new();
        for (name, discard) in [("durable", false), ("no storage", true)] {
            // Steady state first, on a fresh service: 1,000/s is sustainable, so lanes and the
            // outbox keep up while it is measured. Then the burst, which leaves a backlog.
            let service = start(&graph.base_url, discard);
            wait_healthy(&client, service.port).await;
            let counter = Arc::new(AtomicU64::new(if discard { 10_000_000 } else { 0 }));
            let f = fixed_rate(&client, service.port, secs, 1000, counter.clone()).await;
            let rss_steady = service.peak_rss_mb();
            tokio::time::sleep(Duration::from_secs(1)).await;
            let s = sustained(&client, service.port, secs, counter).await;
            let rss = service.peak_rss_mb();
            if let Ok(r) = client.get(format!("http://127.0.0.1:{}/healthz", service.port)).send().await
                && let Ok(health) = r.json::<serde_json::Value>().await {
                    println!("{name}: group commit {}", health["flush"]);
                }
            service.stop();
            rows.push((name, s, f, rss_steady, rss));
        }
        println!("\nwebhook load, {secs} s per phase, 2 cores shared by service and load generator");
        println!("{:<11} {:>12} {:>9} {:>9} {:>7} | {:>10} {:>9} {:>9} {:>9} {:>7} | {:>14} {:>14}",
            "variant", "sustained/s", "p50 ms", "p99 ms", "errors", "1000/s: ok/s", "p50 ms", "p99 ms", "max ms", "errors", "peak MB 1000/s", "peak MB burst");
        for (name, s, f, rss_steady, rss) in &rows {
            println!("{:<11} {:>12.0} {:>9.2} {:>9.2} {:>7} | {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>7} | {:>14.1} {:>14.1}",
                name, s.rate, s.p50, s.p99, s.errors, f.rate, f.p50, f.p99, f.max, f.errors, rss_steady, rss);
        }
        let (d, n) = (&rows[0], &rows[1]);
        println!("durability cost: sustained throughput ratio durable/no-storage = {:.2}, p99 at 1000/s ratio = {:.2}",
            d.1.rate / n.1.rate, d.2.p99 / n.2.p99);
        println!("targets: sustained >= 5000/s: {}; p99 at 1000/s < 25 ms: {}; peak memory < 100 MB at 1000/s: {}, after the burst: {}",
            d.1.rate >= 5000.0, d.2.p99 < 25.0, d.3 < 100.0, d.4 < 100.0);
    });
}
