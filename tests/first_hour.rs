//! A newcomer's first hour, with the real `loket` binary: started from an empty folder with no
//! settings at all it serves the simulator, its built-in flows and sample photos; what goes
//! wrong is said in words a person can act on; and it always stops when asked.

use std::{
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::Duration,
};

use loket_testkit::loopback::{free_port, wait_healthy};

/// `loket ARGS` in `folder`, with nothing from this machine's environment but `PATH`.
fn loket(folder: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_loket"));
    command
        .current_dir(folder)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    command
}

fn run(folder: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = loket(folder, env);
    command.args(args);
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_with_deadline(child, Duration::from_secs(20))
}

/// Waits for `child`, killing it (and failing) after `limit`.
fn wait_with_deadline(mut child: Child, limit: Duration) -> Output {
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("loket did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `loket` serving from `folder` on a free loopback port, healthy; its log goes to `log`.
async fn serve(folder: &Path, log: Stdio) -> (Child, String) {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let child = loket(folder, &[("LOKET_BIND", bind.as_str())])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_healthy(&reqwest::Client::new(), port).await;
    (child, bind)
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_an_empty_folder_without_settings_it_serves_the_simulator_with_its_samples() {
    let folder = tempfile::tempdir().unwrap();
    let (child, bind) = serve(folder.path(), Stdio::piped()).await;
    let client = reqwest::Client::new();

    let page = client
        .get(format!("http://{bind}/sim"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let samples: serde_json::Value = client
        .get(format!("http://{bind}/sim/api/samples"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = samples["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for needed in [
        "akta.jpg",
        "kk.jpg",
        "ktp_ayah.jpg",
        "ktp_ibu.jpg",
        "pas_foto_red.jpg",
    ] {
        assert!(names.contains(&needed), "{needed} missing from {names:?}");
    }
    let photo = client
        .get(format!("http://{bind}/sim/api/samples/kk.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), 200);
    assert!(photo.bytes().await.unwrap().starts_with(b"\xff\xd8"));

    // The data folder is made where it was started.
    assert!(folder.path().join("data").is_dir());
    terminate(&child);
    let output = wait_with_deadline(child, Duration::from_secs(30));
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(log.contains("simulator mode"), "{log}");
    assert!(log.contains("flows: built in"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "no colour codes in a log that is not a terminal"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_loket_on_the_same_data_folder_is_told_so_once() {
    let folder = tempfile::tempdir().unwrap();
    let (first, _) = serve(folder.path(), Stdio::null()).await;

    let other_port = format!("127.0.0.1:{}", free_port());
    let second = run(folder.path(), &[("LOKET_BIND", other_port.as_str())], &[]);
    assert_eq!(second.status.code(), Some(1));
    let text = stderr(&second);
    let said = "another loket is already using ./data";
    assert_eq!(text.matches(said).count(), 1, "{text}");
    assert!(text.contains("LOKET_DATA_DIR"), "{text}");

    terminate(&first);
    assert!(
        wait_with_deadline(first, Duration::from_secs(30))
            .status
            .success()
    );
}

#[test]
fn every_wrong_setting_is_reported_at_once_with_what_to_write() {
    let folder = tempfile::tempdir().unwrap();
    let output = run(
        folder.path(),
        &[
            ("WA_ACCESS_TOKEN", "token"),
            ("LOKET_WEBHOOK_MAX_BYTES", "3 megs"),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    for expected in [
        "5 settings need a change",
        "LOKET_DATA_KEY is not set",
        "loket key new",
        "WA_APP_SECRET is not set",
        "WA_VERIFY_TOKEN is not set",
        "WA_PHONE_NUMBER_ID is not set",
        "LOKET_WEBHOOK_MAX_BYTES=\"3 megs\": write a size in bytes",
        "see .env.example",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(!text.contains("invalid digit"), "{text}");
    // Nothing was created: loket refused before touching the disk.
    assert!(!folder.path().join("data").exists());
}

#[test]
fn data_sealed_with_one_key_is_never_opened_with_another() {
    let folder = tempfile::tempdir().unwrap();
    let new_key = |folder: &Path| {
        let output = run(folder, &[], &["key", "new"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let id = stderr(&output)
            .split_whitespace()
            .nth(2)
            .unwrap()
            .trim_end_matches(':')
            .to_string();
        (
            String::from_utf8(output.stdout).unwrap().trim().to_string(),
            id,
        )
    };
    let (first, first_id) = new_key(folder.path());
    let (second, _) = new_key(folder.path());
    // The folder is made and sealed with the first key.
    let listed = run(
        folder.path(),
        &[("LOKET_DATA_KEY", &first)],
        &["user", "list"],
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    // Another key: refused, naming the key the data needs (never the key itself).
    let refused = run(
        folder.path(),
        &[("LOKET_DATA_KEY", &second)],
        &["user", "list"],
    );
    assert!(!refused.status.success());
    let text = stderr(&refused);
    assert!(text.contains(&first_id), "{text}");
    assert!(text.contains("sealed with another key"), "{text}");
    assert!(!text.contains(&first) && !text.contains(&second), "{text}");
    // Both, the new one first: opens, and `loket rekey` moves everything to it.
    let both = format!("{second},{first}");
    let rekeyed = run(folder.path(), &[("LOKET_DATA_KEY", &both)], &["rekey"]);
    assert!(rekeyed.status.success(), "{}", stderr(&rekeyed));
    assert!(String::from_utf8_lossy(&rekeyed.stdout).contains("sealed under the first key"));
    let after = run(
        folder.path(),
        &[("LOKET_DATA_KEY", &second)],
        &["user", "list"],
    );
    assert!(after.status.success(), "{}", stderr(&after));
}

#[test]
fn a_flow_folder_that_does_not_exist_says_what_to_set() {
    let folder = tempfile::tempdir().unwrap();
    let output = run(folder.path(), &[("LOKET_FLOWS_DIR", "./flows")], &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("the flow folder does not exist"), "{text}");
    assert!(text.contains("Unset LOKET_FLOWS_DIR"), "{text}");
    assert!(text.contains("loket flows export ./flows"), "{text}");
}

#[test]
fn exported_flows_are_checked_and_used_with_their_problems_named() {
    let folder = tempfile::tempdir().unwrap();
    let exported = run(folder.path(), &[], &["flows", "export", "office"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let checked = run(folder.path(), &[], &["check-flows", "office"]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    let report = String::from_utf8_lossy(&checked.stdout).into_owned();
    assert!(report.contains("service kia"), "{report}");

    let kia = folder.path().join("office/kia.toml");
    let text = std::fs::read_to_string(&kia).unwrap();
    std::fs::write(&kia, text.replacen("prefix = \"KIA\"", "prefix = \"KIA", 1)).unwrap();
    let broken = run(folder.path(), &[("LOKET_FLOWS_DIR", "office")], &[]);
    assert_eq!(broken.status.code(), Some(1));
    let text = stderr(&broken);
    assert!(text.contains("office/kia.toml:"), "{text}");
    assert!(text.contains("(LOKET_FLOWS_DIR) are not valid"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_stops_on_sigterm_even_when_nobody_reads_its_log() {
    let folder = tempfile::tempdir().unwrap();
    // As `loket 2>&1 | head -2`: the reader of the log goes away while loket runs.
    let (mut child, _) = serve(folder.path(), Stdio::piped()).await;
    drop(child.stderr.take());
    terminate(&child);
    let output = wait_with_deadline(child, Duration::from_secs(30));
    assert!(output.status.success(), "{:?}", output.status);
}

/// `loket user add NAME --role ROLE --password-stdin` with `input` on standard input.
fn user_add(folder: &Path, name: &str, role: &str, input: &str) -> Output {
    use std::io::Write;
    let mut child = loket(folder, &[])
        .args(["user", "add", name, "--role", role, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    wait_with_deadline(child, Duration::from_secs(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_account_is_made_on_the_command_line_and_signs_in() {
    let folder = tempfile::tempdir().unwrap();
    let made = user_add(folder.path(), "siti", "supervisor", "kata-sandi-rahasia\n");
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(String::from_utf8_lossy(&made.stdout).contains("account siti (supervisor) created"));
    // What goes wrong is said: a short password, a taken name, a missing role.
    let short = user_add(folder.path(), "budi", "officer", "pendek\n");
    assert_eq!(short.status.code(), Some(1));
    assert!(
        stderr(&short).contains("at least 10 characters"),
        "{}",
        stderr(&short)
    );
    let taken = user_add(folder.path(), "siti", "officer", "kata-sandi-lain-1\n");
    assert!(
        stderr(&taken).contains("already exists"),
        "{}",
        stderr(&taken)
    );
    let no_role = run(
        folder.path(),
        &[],
        &["user", "add", "rina", "--password-stdin"],
    );
    assert_eq!(no_role.status.code(), Some(2));
    assert!(stderr(&no_role).contains("--role"), "{}", stderr(&no_role));
    let list = run(folder.path(), &[], &["user", "list"]);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout),
        "siti\tsupervisor\tactive\n"
    );

    // loket serves, and the account signs in.
    let (child, bind) = serve(folder.path(), Stdio::null()).await;
    let response = reqwest::Client::new()
        .post(format!("http://{bind}/api/v1/session"))
        .json(&serde_json::json!({"username": "siti", "password": "kata-sandi-rahasia"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["role"], "supervisor");
    // While it serves, the data folder is its own: the command line says to stop it first.
    let busy = user_add(folder.path(), "rina", "officer", "kata-sandi-rahasia\n");
    assert!(
        stderr(&busy).contains("another loket is already using"),
        "{}",
        stderr(&busy)
    );
    terminate(&child);
    assert!(
        wait_with_deadline(child, Duration::from_secs(30))
            .status
            .success()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_is_taken_while_loket_serves_kept_n_deep_and_restored_into_an_empty_folder() {
    let folder = tempfile::tempdir().unwrap();
    let (child, _) = serve(folder.path(), Stdio::null()).await;
    // Through the running loket's admin socket (sled allows one process per folder).
    let first = run(
        folder.path(),
        &[],
        &["backup", "--to", "copies", "--keep", "2"],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let said = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(said.starts_with("backup written: "), "{said}");
    for _ in 0..2 {
        // Backups are named by the second they were taken.
        std::thread::sleep(Duration::from_millis(1100));
        let again = run(
            folder.path(),
            &[],
            &["backup", "--to", "copies", "--keep", "2"],
        );
        assert!(again.status.success(), "{}", stderr(&again));
    }
    let mut kept: Vec<String> = std::fs::read_dir(folder.path().join("copies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 4, "two backups and their sums: {kept:?}");
    terminate(&child);
    wait_with_deadline(child, Duration::from_secs(20));

    // Restored elsewhere with the key it was sealed under (the simulator's, from its folder).
    let key = std::fs::read_to_string(folder.path().join("data/loket.key")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let backup = folder.path().join("copies").join(&kept[0]);
    let restored = run(
        elsewhere.path(),
        &[("LOKET_DATA_KEY", key.trim())],
        &["restore", backup.to_str().unwrap()],
    );
    assert!(restored.status.success(), "{}", stderr(&restored));
    let said = String::from_utf8_lossy(&restored.stdout).into_owned();
    assert!(said.contains("checked:"), "{said}");
    // loket opens it with that key.
    let listed = run(
        elsewhere.path(),
        &[("LOKET_DATA_KEY", key.trim())],
        &["user", "list"],
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    // Again into the same folder: refused, it is not empty.
    let again = run(
        elsewhere.path(),
        &[("LOKET_DATA_KEY", key.trim())],
        &["restore", backup.to_str().unwrap()],
    );
    assert!(!again.status.success());
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
}
