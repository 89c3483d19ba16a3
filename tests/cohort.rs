//! Parents finish alone: scripted parents (see `loket_testkit::cohort`) talk to the real `loket`
//! binary through its simulator, the way they use WhatsApp: typing instead of tapping, with
//! typos, the wrong paper or a PDF first, asking the requirements half-way, a printed pas foto
//! photographed on the table. The goals: at least 90% file without an officer, with a median of
//! at most 15 messages (one photo per message).
//!
//! The small cohort runs with every `cargo test`; all 24 parents with
//! `cargo test --release --test cohort -- --ignored --nocapture`.

use std::process::{Child, Command, Stdio};

use loket_testkit::cohort::{self, Parent, Report};
use loket_testkit::loopback::{free_port, wait_healthy};

/// The real binary in simulator mode, from an empty folder, on a free loopback port.
async fn serve(folder: &std::path::Path) -> (Child, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_loket"))
        .current_dir(folder)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOKET_BIND", format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(&reqwest::Client::new(), port).await;
    (child, format!("http://127.0.0.1:{port}"))
}

async fn run(parents: &[Parent]) -> Report {
    let folder = tempfile::tempdir().unwrap();
    let (mut child, base) = serve(folder.path()).await;
    let report = cohort::run(&base, parents).await;
    let _ = child.kill();
    let _ = child.wait();
    report.print();
    for o in report.outcomes.iter().filter(|o| !o.filed) {
        println!("\n--- {} ---\n{}", o.who, o.transcript);
    }
    report
}

fn assert_goals(report: &Report) {
    let n = report.outcomes.len();
    let alone = report.filed_alone();
    let stuck: Vec<&str> = report
        .outcomes
        .iter()
        .filter(|o| !o.filed)
        .map(|o| o.who)
        .collect();
    assert!(
        alone * 10 >= n * 9,
        "{alone} of {n} filed alone; not: {stuck:?}"
    );
    let median = report.median_messages().unwrap_or(f64::MAX);
    assert!(median <= 15.0, "median messages {median}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_misspelling_and_wrong_paper_parents_file_without_an_officer() {
    // One of each kind of trouble: the whole cohort is the ignored test below.
    let everyone = cohort::cohort();
    let small: Vec<Parent> = [3, 4, 6, 9, 13]
        .iter()
        .filter_map(|i| everyone.get(*i).cloned())
        .collect();
    let report = run(&small).await;
    assert_eq!(
        report.filed_alone(),
        small.len(),
        "every one of them files alone"
    );
    assert_goals(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the whole cohort: cargo test --release --test cohort -- --ignored --nocapture"]
async fn the_whole_cohort_files_without_an_officer() {
    let report = run(&cohort::cohort()).await;
    assert!(report.outcomes.len() >= 20);
    assert_goals(&report);
}
