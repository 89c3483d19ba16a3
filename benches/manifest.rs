//! A busy morning's manifest: 2,000 printed cards on one route.
//!
//! Times, in process: making the manifest through the store (choosing the cards, filing the
//! manifest, queueing 2,000 dispatches to the parents' lanes), writing its CSV, and laying out
//! its A4 PDF; and, in a child process, the peak memory of the PDF and CSV for that manifest.
//! Run: `cargo bench --bench manifest` (CARDS=2000, ROUNDS=5 by default).

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use loket::delivery::manifests::{self, Office};
use loket::domain::contact::ContactId;
use loket::domain::delivery::DeliveryTask;
use loket::domain::manifest::{Manifest, ManifestLine, to_csv};
use loket::store::{Store, StoreOptions};

fn env_number(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `i`th printed card, all on route 63.71.05.
fn task(i: u32) -> DeliveryTask {
    let (stored, _) = loket_testkit::requests::filed_request(i, jiff::Timestamp::now());
    let mut filed = stored.filed;
    if let Some(a) = filed.address.as_mut() {
        a.kecamatan_code = "63.71.05".into();
        a.kelurahan = format!("Kelurahan {}", i % 12);
    }
    let mut task = DeliveryTask::for_printed(
        &filed,
        Some(ContactId(u64::from(i) + 1)),
        Some(format!("62812{:08}", i)),
        jiff::Timestamp::now(),
    );
    task.recipient = Some(format!("Orang Tua Anak {i}"));
    task.nik_last4 = Some(format!("{:04}", i % 10_000));
    task
}

fn manifest(cards: u32) -> Manifest {
    Manifest {
        number: "MNF-261130-637105-01".into(),
        kind: loket::domain::delivery::DeliveryKind::Courier,
        route: "63.71.05".into(),
        route_name: "Banjarmasin Tengah".into(),
        date: jiff::civil::date(2026, 11, 30),
        office: "Disdukcapil Kota Banjarmasin".into(),
        lines: (0..cards)
            .map(|i| ManifestLine::of(i + 1, &task(i), false))
            .collect(),
        made_by: "loket".into(),
    }
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cards = env_number("CARDS", 2000);
    if args.iter().any(|a| a == "--peak-memory") {
        let m = manifest(cards);
        let before = loket_testkit::memory::vm_hwm_kib();
        let pdf = loket::delivery::pdf::render(&m).expect("the PDF");
        let csv = to_csv(&m).expect("the CSV");
        println!(
            "{before} {} {} {}",
            loket_testkit::memory::vm_hwm_kib(),
            pdf.len(),
            csv.len()
        );
        return;
    }
    let rounds = env_number("ROUNDS", 5) as usize;

    // Making it through the store: a fresh store with the cards waiting, each round.
    let runtime = tokio::runtime::Runtime::new().expect("tokio");
    let mut make_times = Vec::new();
    let mut lines = 0;
    for round in 0..rounds {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = runtime
            .block_on(async { Store::open(dir.path(), &StoreOptions::default()) })
            .expect("store");
        for i in 0..cards {
            store.put_delivery_task(&task(i)).expect("a task");
        }
        let kecamatan = vec![("63.71.05".to_string(), "Banjarmasin Tengah".to_string())];
        let office = Office {
            name: "Disdukcapil Kota Banjarmasin",
            kecamatan: &kecamatan,
        };
        let start = Instant::now();
        let made = manifests::make(
            &store,
            &office,
            None,
            jiff::civil::date(2026, 11, 30),
            "loket",
            jiff::Timestamp::now(),
        )
        .expect("making the manifest");
        make_times.push(start.elapsed());
        lines = made.manifests[0].lines.len();
        assert_eq!(lines, cards as usize, "round {round}: every card on it");
    }

    let m = manifest(cards);
    let mut csv_times = Vec::new();
    let mut pdf_times = Vec::new();
    let (mut csv_len, mut pdf_len) = (0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        csv_len = black_box(to_csv(black_box(&m)).expect("the CSV")).len();
        csv_times.push(start.elapsed());
        let start = Instant::now();
        pdf_len = black_box(loket::delivery::pdf::render(black_box(&m)).expect("the PDF")).len();
        pdf_times.push(start.elapsed());
    }
    let same = loket::delivery::pdf::render(&m).expect("the PDF")
        == loket::delivery::pdf::render(&m).expect("the PDF");

    let output = Command::new(std::env::current_exe().expect("own path"))
        .arg("--peak-memory")
        .env("CARDS", cards.to_string())
        .output()
        .expect("the peak-memory child");
    let numbers: Vec<u64> = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let (base, peak) = match numbers[..] {
        [base, peak, ..] => (base, peak),
        _ => (0, 0),
    };

    println!(
        "manifest of {cards} cards, median of {rounds} rounds, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("{:<52} {:>10} {:>12}", "step", "median", "per card");
    let per = |d: Duration| ms(d) * 1e3 / f64::from(cards);
    for (what, d) in [
        (
            "make (choose, file, queue the dispatches; sled)",
            median(make_times),
        ),
        ("CSV", median(csv_times)),
        ("A4 PDF (krilla, embedded font)", median(pdf_times)),
    ] {
        println!("{what:<52} {:>8.1}ms {:>9.1}µs", ms(d), per(d));
    }
    println!(
        "lines {lines}; CSV {:.1} KiB; PDF {:.1} KiB, {} pages; the same bytes twice: {same}",
        csv_len as f64 / 1024.0,
        pdf_len as f64 / 1024.0,
        loket::delivery::pdf::page_count(&m.lines)
    );
    println!(
        "peak memory of the PDF and CSV: {:.1} MiB above the {:.1} MiB the process had before",
        (peak.saturating_sub(base)) as f64 / 1024.0,
        base as f64 / 1024.0
    );
}
