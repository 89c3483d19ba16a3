//! Backups: taken while webhooks keep arriving, restored into an empty folder, they hold every
//! message acknowledged before the backup began and every request filed, and loket serves
//! from them.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use loket::store::{Store, StoreOptions, backup, seal};

use crate::helpers::*;

fn keys() -> seal::KeySource {
    seal::KeySource::Given(vec![seal::DataKey::parse(loket_testkit::DATA_KEY).unwrap()])
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_every_acknowledged_message_and_filed_request() {
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let transcript =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/01_kia_anak_enam_tahun.txt");
    crate::transcripts::run(&app, &transcript, "6285700000071")
        .await
        .unwrap();
    let number = app.store.all_requests().unwrap()[0]
        .summary
        .number
        .to_string();

    // Twenty parents keep writing while the backup is taken.
    let acknowledged: Arc<Mutex<Vec<(String, std::time::Instant)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for parent in 0..20 {
        let (client, address) = (app.client.clone(), app.address.clone());
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let from = format!("62857001{parent:05}");
                let wamid = format!("wamid.load.{parent}.{n}");
                let body = text_body(&wamid, &from, now(), "status");
                let signature = loket::channel::signature::sign(APP_SECRET.as_bytes(), &body);
                let sent = client
                    .post(format!("{address}/webhook"))
                    .header("X-Hub-Signature-256", signature)
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send()
                    .await;
                if sent.is_ok_and(|r| r.status() == 200) {
                    acknowledged
                        .lock()
                        .unwrap()
                        .push((wamid, std::time::Instant::now()));
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let folder = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let store = app.store.clone();
    let to = folder.path().to_path_buf();
    let summary = tokio::task::spawn_blocking(move || store.backup_to(&to, jiff::Timestamp::now()))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let before: Vec<String> = acknowledged
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| *at < started)
        .map(|(wamid, _)| wamid.clone())
        .collect();
    let after = acknowledged.lock().unwrap().len() - before.len();
    assert!(
        before.len() > 50,
        "load before the backup: {}",
        before.len()
    );
    assert!(
        after > 0,
        "webhooks were acknowledged while and after it was taken"
    );
    assert!(
        summary.photo_files > 0 && summary.records > 0,
        "{summary:?}"
    );
    // The sum beside it is the file's.
    let sum = std::fs::read_to_string(format!("{}.sha256", summary.file.display())).unwrap();
    assert!(sum.starts_with(&summary.sha256), "{sum}");
    app.stop().await;

    // Restored into an empty folder, checked, every acknowledged message is in the journal.
    let restored_dir = tempfile::tempdir().unwrap();
    let data = restored_dir.path().join("data");
    let (restored, manifest) = backup::restore(&summary.file, &data, &keys()).unwrap();
    assert_eq!(restored.records, summary.records);
    assert_eq!(restored.photo_files, summary.photo_files);
    assert_eq!(manifest.trees.values().sum::<u64>(), summary.records);
    {
        let store = Store::open(
            &data,
            &StoreOptions {
                keys: keys(),
                ..StoreOptions::default()
            },
        )
        .unwrap();
        let (records, files) = store.verify().unwrap();
        assert!(records > 0 && files > 0);
        let mut journal = String::new();
        for entry in store.journal() {
            journal.push_str(&String::from_utf8_lossy(&entry.unwrap().2));
        }
        let missing: Vec<&String> = before
            .iter()
            .filter(|w| !journal.contains(&format!("\"{w}\"")))
            .collect();
        assert!(
            missing.is_empty(),
            "acknowledged but not in the backup: {missing:?}"
        );
        let request = store.request(&number).unwrap().expect("the filed request");
        for sha in &request.photos {
            assert!(store.blobs().get(sha).unwrap().is_some());
        }
        store.flush_now().unwrap();
    }

    // loket serves from it: what was waiting for its lane when the backup was taken is
    // handled now, and every acknowledged message ends up answered once.
    let app = spawn_app_with(Options {
        data_dir: Some(data.clone()),
        ..Options::without_read_receipts()
    })
    .await;
    for wamid in &before {
        let wamid = wamid.clone();
        app.eventually("every message in the backup is handled", move |app| {
            app.store.processed(&wamid).unwrap().is_some()
        })
        .await;
    }
    assert!(app.store.request(&number).unwrap().is_some());
    app.stop().await;
}

#[test]
fn a_damaged_backup_or_a_folder_in_use_is_refused_with_the_reason() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        &dir.path().join("data"),
        &StoreOptions {
            keys: keys(),
            ..StoreOptions::default()
        },
    )
    .unwrap();
    store.blobs().put(b"a photo").unwrap();
    let summary = store
        .backup_to(&dir.path().join("backups"), jiff::Timestamp::now())
        .unwrap();

    // Not into a folder with data in it.
    let error = backup::restore(&summary.file, &dir.path().join("data"), &keys()).unwrap_err();
    assert!(error.to_string().contains("not empty"), "{error}");

    // One byte changed: the sum beside it says so.
    let mut bytes = std::fs::read(&summary.file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&summary.file, &bytes).unwrap();
    let error = backup::restore(&summary.file, &dir.path().join("one"), &keys()).unwrap_err();
    assert!(error.to_string().contains("does not match"), "{error}");

    // Without the sum beside it, the manifest's sums catch it, or the tar does not read.
    std::fs::remove_file(format!("{}.sha256", summary.file.display())).unwrap();
    assert!(backup::restore(&summary.file, &dir.path().join("two"), &keys()).is_err());

    // Another key opens nothing.
    bytes[middle] ^= 1;
    std::fs::write(&summary.file, &bytes).unwrap();
    let other = seal::KeySource::Given(vec![seal::DataKey::generate()]);
    let error = backup::restore(&summary.file, &dir.path().join("three"), &other).unwrap_err();
    assert!(matches!(error, loket::store::StoreError::Key(_)), "{error}");
}
