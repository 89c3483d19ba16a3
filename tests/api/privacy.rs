//! The children's data at rest: sealed under the data key, in a folder for loket's user alone.

use std::path::{Path, PathBuf};

use crate::helpers::*;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.push(path.clone());
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn after_a_filed_request_the_data_folder_holds_no_nik_name_street_or_photo_in_plain_form() {
    let app = spawn_app().await;
    let transcript =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/01_kia_anak_enam_tahun.txt");
    crate::transcripts::run(&app, &transcript, "6285700000001")
        .await
        .unwrap();
    assert_eq!(
        app.store.all_requests().unwrap().len(),
        1,
        "the request is filed"
    );
    let data = app.store.dir().to_path_buf();
    let kept = app.stop().await;

    let photos: Vec<Vec<u8>> = [
        "akta.jpg",
        "kk.jpg",
        "ktp_ayah.jpg",
        "ktp_ibu.jpg",
        "pas_foto_red.jpg",
    ]
    .iter()
    .map(|name| {
        std::fs::read(format!(
            "{}/fixtures/photos/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    })
    .collect();
    let plain: [&[u8]; 5] = [
        b"6371051203190001",
        b"Ahmad Fauzi",
        b"AHMAD FAUZI",
        b"Pramuka Gg. Mawar",
        b"JFIF",
    ];
    let mut looked = 0;
    for path in files_under(&data) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
        }
        // Folders, and the admin socket (no content; its mode is checked above).
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        looked += bytes.len();
        for value in plain {
            assert!(
                !bytes.windows(value.len()).any(|w| w == value),
                "{} holds {:?} in plain form",
                path.display(),
                String::from_utf8_lossy(value)
            );
        }
        assert!(
            !bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            "{} is a JPEG",
            path.display()
        );
        for photo in &photos {
            // Any 64 bytes from inside the photo, e.g. its quantisation tables.
            let sample = &photo[photo.len() / 2..photo.len() / 2 + 64];
            assert!(
                !bytes.windows(64).any(|w| w == sample),
                "{} holds a photo's bytes",
                path.display()
            );
        }
    }
    assert!(looked > 10_000, "the folder was read ({looked} bytes)");
    drop(kept);
}

/// Every run of 16 digits not inside a hex string (a hash): a NIK or a KK number, whole.
fn whole_numbers(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"(?:^|[^0-9a-fA-F])(\d{16})(?:[^0-9a-fA-F]|$)").unwrap();
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

#[tokio::test]
async fn no_nik_or_kk_number_is_whole_in_the_log_the_audit_log_manifests_or_reports() {
    use loket::domain::account::Role;
    use serde_json::json;
    // The check itself: a NIK is found, a hash with a digit run in it is not.
    assert_eq!(whole_numbers("nik=6371051203190001,"), ["6371051203190001"]);
    assert!(whole_numbers("sha 9f6371051203190001aa").is_empty());
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let parent = "6285700000091";
    let (number, officer) = crate::deliveries::printed_card(&app, parent).await;
    let (status, body) = app.post_api("/manifests", &officer, json!({})).await;
    assert_eq!(status, 201, "{body}");
    let manifest = body["manifests"][0]["number"].as_str().unwrap().to_string();
    app.add_account("rina", Role::Supervisor);
    let supervisor = app.token("rina").await;
    let month = jiff::Zoned::now().strftime("%Y-%m").to_string();
    let mut seen = String::new();
    for path in [
        format!("/manifests/{manifest}/csv"),
        format!("/manifests/{manifest}"),
        format!("/deliveries/{number}"),
        "/audit".to_string(),
        "/reports/daily".to_string(),
        format!("/reports/monthly?month={month}"),
        format!("/reports/monthly?month={month}&format=csv"),
        format!("/reports/settlements?period={month}"),
    ] {
        let response = app
            .client
            .get(format!("{}/api/v1{path}", app.address))
            .bearer_auth(&supervisor)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        seen.push_str(&response.text().await.unwrap());
    }
    // The audit log as the console exports it.
    let audit_csv = app
        .client
        .get(format!("{}/api/v1/audit?format=csv", app.address))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert!(audit_csv.status().is_success());
    seen.push_str(&audit_csv.text().await.unwrap());
    assert!(seen.contains("************0001"), "the masked NIK is there");
    assert_eq!(whole_numbers(&seen), Vec::<String>::new());
    let log = captured_log();
    assert!(log.contains(&number), "the log was captured");
    assert_eq!(whole_numbers(&log), Vec::<String>::new());
    app.stop().await;
}
