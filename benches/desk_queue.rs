//! The officers' queue and request pages with a year's worth of requests in the store.
//!
//! Seeds 20,000 filed requests (four checked photos each) through the lane commit, starts the
//! real `loket` binary on that store, signs in an officer and times, over loopback, the API's
//! list (first page, filters, paging through the whole queue) and detail, and the console's
//! queue and request pages. Also times, in process, the list as it was before the queue had
//! an index (every request decoded), so the index's effect shows as a ratio.
//! Run: `cargo bench --bench desk_queue` (REQUESTS=20000, ROUNDS=300 by default).

use std::{
    io::Write,
    process::{Child, Command, Stdio},
    time::Instant,
};

use jiff::ToSpan;
use loket::desk::requests::{self, RequestFilter};
use loket::domain::request::RequestStatus;
use loket::store::{Store, StoreOptions};
use loket_testkit::loopback::{free_port, wait_healthy};
use serde_json::Value;

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Row {
    what: String,
    p50: f64,
    p99: f64,
    max: f64,
    n: usize,
}

fn row(what: &str, mut ms: Vec<f64>) -> Row {
    ms.sort_by(|a, b| a.total_cmp(b));
    Row {
        what: what.into(),
        p50: percentile(&ms, 0.5),
        p99: percentile(&ms, 0.99),
        max: *ms.last().unwrap(),
        n: ms.len(),
    }
}

struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let _ = self.0.wait();
    }
}

async fn timed_get(client: &reqwest::Client, url: &str, auth: (&str, &str)) -> (f64, String) {
    let t = Instant::now();
    let response = client
        .get(url)
        .header(auth.0, auth.1)
        .send()
        .await
        .expect("loket answers");
    let status = response.status();
    let body = response.text().await.expect("a body");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(status.is_success(), "{url}: {status} {body}");
    (ms, body)
}

fn main() {
    let n = env_number("REQUESTS", 20_000);
    let rounds = env_number("ROUNDS", 300) as usize;
    let dir = tempfile::tempdir().unwrap();
    let start = jiff::Timestamp::now() - (30 * 24).hours();

    // Seeding, then the in-process baseline on the store reopened (as the service will find
    // it), each on a runtime that ends and closes the store before the next opens it.
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let seed_s = runtime().block_on(async {
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let t = Instant::now();
        loket_testkit::requests::seed(&store, n, start).await;
        t.elapsed().as_secs_f64()
    });
    let (scan_ms, index_ms) = runtime().block_on(async {
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let today = jiff::Zoned::now().date();
        let filter = RequestFilter {
            status: Some(RequestStatus::Diajukan),
            ..RequestFilter::default()
        };
        // The index first: the full scans evict it from sled's cache.
        let mut index = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let page = requests::list(&store, &filter, 50, None, today).unwrap();
            index.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(page.requests.len(), 50);
        }
        let first = requests::list(&store, &filter, 50, None, today).unwrap();
        let mut scan = Vec::new();
        for _ in 0..5 {
            // Before the index: every request decoded, filtered and sorted for one page.
            let t = Instant::now();
            let mut all: Vec<_> = store
                .all_requests()
                .unwrap()
                .into_iter()
                .filter(|r| r.summary.status == RequestStatus::Diajukan)
                .collect();
            all.sort_by_key(|r| r.filed_at_ms);
            all.truncate(50);
            scan.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(first.requests[0].number, all[0].summary.number.to_string());
        }
        (row("scan", scan).p50, row("index", index).p50)
    });

    let loket = env!("CARGO_BIN_EXE_loket");
    let mut add = Command::new(loket)
        .args([
            "user",
            "add",
            "bench",
            "--role",
            "officer",
            "--password-stdin",
        ])
        .env_clear()
        .env("LOKET_DATA_DIR", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"kata-sandi-bench-panjang\n")
        .unwrap();
    assert!(add.wait().unwrap().success(), "loket user add");

    let port = free_port();
    let _service = Service(
        Command::new(loket)
            .env_clear()
            .env("LOKET_BIND", format!("127.0.0.1:{port}"))
            .env("LOKET_DATA_DIR", dir.path())
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let rows = runtime().block_on(async {
        let client = reqwest::Client::new();
        wait_healthy(&client, port).await;
        let session: Value = client
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"username": "bench", "password": "kata-sandi-bench-panjang"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = session["token"].as_str().expect("a token").to_string();
        let bearer = format!("Bearer {token}");
        let api = ("authorization", bearer.as_str());
        let cookie = format!("loket_session={token}");
        let console = ("cookie", cookie.as_str());
        let mut rows = Vec::new();

        let lists = [
            (
                "API list: waiting, first 50",
                "/api/v1/requests?status=diajukan&limit=50",
            ),
            (
                "API list: all statuses, first 100",
                "/api/v1/requests?limit=100",
            ),
            (
                "API list: one kecamatan, overdue, 50",
                "/api/v1/requests?status=diajukan&kecamatan=637103&overdue=true&limit=50",
            ),
            (
                "console queue page (100 rows)",
                "/console/requests?status=diajukan",
            ),
            ("console dashboard (counts every request)", "/console"),
        ];
        for (what, path) in lists {
            let auth = if path.starts_with("/console") {
                console
            } else {
                api
            };
            let mut ms = Vec::new();
            for _ in 0..rounds {
                ms.push(timed_get(&client, &format!("{base}{path}"), auth).await.0);
            }
            rows.push(row(what, ms));
        }

        // Every page of the waiting queue, 100 at a time, following `next`.
        let (mut ms, mut seen, mut numbers) = (Vec::new(), 0, Vec::new());
        let mut url = format!("{base}/api/v1/requests?status=diajukan&limit=100");
        loop {
            let (t, body) = timed_get(&client, &url, api).await;
            ms.push(t);
            let page: Value = serde_json::from_str(&body).unwrap();
            let rows = page["requests"].as_array().unwrap();
            seen += rows.len();
            numbers.extend(
                rows.iter()
                    .map(|r| r["number"].as_str().unwrap().to_string()),
            );
            match page["next"].as_str() {
                Some(next) => {
                    url = format!("{base}/api/v1/requests?status=diajukan&limit=100&after={next}")
                }
                None => break,
            }
        }
        let pages = ms.len();
        rows.push(row(&format!("API list: all {pages} pages of 100"), ms));

        for (what, prefix, auth) in [
            ("API detail (audited, flushed)", "/api/v1/requests/", api),
            ("console request page", "/console/requests/", console),
        ] {
            let mut ms = Vec::new();
            for i in 0..rounds {
                let number = &numbers[(i * 7919) % numbers.len()];
                ms.push(
                    timed_get(&client, &format!("{base}{prefix}{number}"), auth)
                        .await
                        .0,
                );
            }
            rows.push(row(what, ms));
        }
        (rows, seen)
    });
    let (rows, waiting) = rows;
    println!(
        "\ndesk queue: {n} requests in the store ({waiting} waiting), seeded in {seed_s:.1} s; \
         loopback, 2 cores shared by service and client"
    );
    println!(
        "{:<40} {:>7} {:>9} {:>9} {:>9}",
        "page", "n", "p50 ms", "p99 ms", "max ms"
    );
    for r in &rows {
        println!(
            "{:<40} {:>7} {:>9.2} {:>9.2} {:>9.2}",
            r.what, r.n, r.p50, r.p99, r.max
        );
    }
    println!(
        "in process, one page of 50 waiting: every request decoded {scan_ms:.1} ms, from the index \
         {index_ms:.2} ms (ratio {:.0}x)",
        scan_ms / index_ms
    );
    let worst = rows.iter().map(|r| r.p99).fold(0.0, f64::max);
    println!(
        "target: p99 < 50 ms on every page: {} (worst p99 {worst:.2} ms)",
        worst < 50.0
    );
}
