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
