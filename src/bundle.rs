//! What ships inside the binary, and where an office overrides it: the only code that reads
//! flow files from disk.
//!
//! - The default flows (`flows/` of the repository) are compiled in, so `loket` runs from any
//!   folder. An office that edits its own sets `LOKET_FLOWS_DIR`; that folder then replaces the
//!   built-in set whole (`loket flows export DIR` writes the built-in files as a start), and is
//!   checked at start-up like the built-in one.
//! - The simulator's sample photos (`fixtures/photos/`) are compiled in too, so the simulator
//!   shows a whole KIA request wherever the binary runs.

use std::path::{Path, PathBuf};

use crate::flow::{FlowError, FlowFiles, FlowProblem, FlowSet};

/// The repository's `flows/` folder, file by file (listed by `build.rs`).
const BUILT_IN_FLOWS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/built_in_flows.rs"));

/// The simulator's sample photos and documents: the repository's `fixtures/photos`.
pub const SAMPLES: &[(&str, &[u8])] = &[
    ("akta.jpg", include_bytes!("../fixtures/photos/akta.jpg")),
    (
        "akta_named_jpg.jpg",
        include_bytes!("../fixtures/photos/akta_named_jpg.jpg"),
    ),
    (
        "akta_scan.pdf",
        include_bytes!("../fixtures/photos/akta_scan.pdf"),
    ),
    (
        "akta_shake_24_0.jpg",
        include_bytes!("../fixtures/photos/akta_shake_24_0.jpg"),
    ),
    (
        "akta_shake_28_60.jpg",
        include_bytes!("../fixtures/photos/akta_shake_28_60.jpg"),
    ),
    (
        "akta_shake_41_135.jpg",
        include_bytes!("../fixtures/photos/akta_shake_41_135.jpg"),
    ),
    (
        "akta_shaken.jpg",
        include_bytes!("../fixtures/photos/akta_shaken.jpg"),
    ),
    ("bomb.png", include_bytes!("../fixtures/photos/bomb.png")),
    ("empty.jpg", include_bytes!("../fixtures/photos/empty.jpg")),
    (
        "huge_50mp.jpg",
        include_bytes!("../fixtures/photos/huge_50mp.jpg"),
    ),
    (
        "iphone.heic",
        include_bytes!("../fixtures/photos/iphone.heic"),
    ),
    ("kk.jpg", include_bytes!("../fixtures/photos/kk.jpg")),
    (
        "kk_blurred.jpg",
        include_bytes!("../fixtures/photos/kk_blurred.jpg"),
    ),
    (
        "kk_exif_rotated.jpg",
        include_bytes!("../fixtures/photos/kk_exif_rotated.jpg"),
    ),
    (
        "kk_glare.jpg",
        include_bytes!("../fixtures/photos/kk_glare.jpg"),
    ),
    (
        "kk_portrait_frame.jpg",
        include_bytes!("../fixtures/photos/kk_portrait_frame.jpg"),
    ),
    (
        "kk_scan.doc",
        include_bytes!("../fixtures/photos/kk_scan.doc"),
    ),
    (
        "kk_scan.docx",
        include_bytes!("../fixtures/photos/kk_scan.docx"),
    ),
    (
        "kk_shake_16_110.jpg",
        include_bytes!("../fixtures/photos/kk_shake_16_110.jpg"),
    ),
    (
        "kk_shake_30_20.jpg",
        include_bytes!("../fixtures/photos/kk_shake_30_20.jpg"),
    ),
    (
        "kk_shake_41_70.jpg",
        include_bytes!("../fixtures/photos/kk_shake_41_70.jpg"),
    ),
    (
        "kk_small.jpg",
        include_bytes!("../fixtures/photos/kk_small.jpg"),
    ),
    (
        "kk_steady.jpg",
        include_bytes!("../fixtures/photos/kk_steady.jpg"),
    ),
    (
        "ktp_ayah.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah.jpg"),
    ),
    (
        "ktp_ayah_again_as_ibu.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_again_as_ibu.jpg"),
    ),
    (
        "ktp_ayah_blurred.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_blurred.jpg"),
    ),
    (
        "ktp_ayah_close_up.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_close_up.jpg"),
    ),
    (
        "ktp_ayah_forwarded_as_ibu.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_forwarded_as_ibu.jpg"),
    ),
    (
        "ktp_ayah_shake_24_45.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_shake_24_45.jpg"),
    ),
    (
        "ktp_ayah_shake_36_160.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_shake_36_160.jpg"),
    ),
    (
        "ktp_ayah_small.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_small.jpg"),
    ),
    (
        "ktp_ayah_soft.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_soft.jpg"),
    ),
    (
        "ktp_ayah_steady.jpg",
        include_bytes!("../fixtures/photos/ktp_ayah_steady.jpg"),
    ),
    (
        "ktp_corrupt.jpg",
        include_bytes!("../fixtures/photos/ktp_corrupt.jpg"),
    ),
    (
        "ktp_ibu.jpg",
        include_bytes!("../fixtures/photos/ktp_ibu.jpg"),
    ),
    (
        "ktp_ibu_dark.jpg",
        include_bytes!("../fixtures/photos/ktp_ibu_dark.jpg"),
    ),
    (
        "ktp_ibu_exif_rotated.jpg",
        include_bytes!("../fixtures/photos/ktp_ibu_exif_rotated.jpg"),
    ),
    (
        "ktp_ibu_glare.jpg",
        include_bytes!("../fixtures/photos/ktp_ibu_glare.jpg"),
    ),
    (
        "ktp_ibu_shake_32_90.jpg",
        include_bytes!("../fixtures/photos/ktp_ibu_shake_32_90.jpg"),
    ),
    (
        "ktp_ibu_shake_41_20.jpg",
        include_bytes!("../fixtures/photos/ktp_ibu_shake_41_20.jpg"),
    ),
    (
        "ktp_truncated.jpg",
        include_bytes!("../fixtures/photos/ktp_truncated.jpg"),
    ),
    (
        "pas_foto.png",
        include_bytes!("../fixtures/photos/pas_foto.png"),
    ),
    (
        "pas_foto.webp",
        include_bytes!("../fixtures/photos/pas_foto.webp"),
    ),
    (
        "pas_foto_blue.jpg",
        include_bytes!("../fixtures/photos/pas_foto_blue.jpg"),
    ),
    (
        "pas_foto_blurred.jpg",
        include_bytes!("../fixtures/photos/pas_foto_blurred.jpg"),
    ),
    (
        "pas_foto_landscape.jpg",
        include_bytes!("../fixtures/photos/pas_foto_landscape.jpg"),
    ),
    (
        "pas_foto_print_blue_cloth.jpg",
        include_bytes!("../fixtures/photos/pas_foto_print_blue_cloth.jpg"),
    ),
    (
        "pas_foto_print_blue_tile.jpg",
        include_bytes!("../fixtures/photos/pas_foto_print_blue_tile.jpg"),
    ),
    (
        "pas_foto_print_blue_wood.jpg",
        include_bytes!("../fixtures/photos/pas_foto_print_blue_wood.jpg"),
    ),
    (
        "pas_foto_print_red_cloth.jpg",
        include_bytes!("../fixtures/photos/pas_foto_print_red_cloth.jpg"),
    ),
    (
        "pas_foto_print_red_tile.jpg",
        include_bytes!("../fixtures/photos/pas_foto_print_red_tile.jpg"),
    ),
    (
        "pas_foto_print_red_wood.jpg",
        include_bytes!("../fixtures/photos/pas_foto_print_red_wood.jpg"),
    ),
    (
        "pas_foto_print_sideways.jpg",
        include_bytes!("../fixtures/photos/pas_foto_print_sideways.jpg"),
    ),
    (
        "pas_foto_red.jpg",
        include_bytes!("../fixtures/photos/pas_foto_red.jpg"),
    ),
    (
        "pas_foto_shake_28_60.jpg",
        include_bytes!("../fixtures/photos/pas_foto_shake_28_60.jpg"),
    ),
    (
        "pas_foto_truncated.png",
        include_bytes!("../fixtures/photos/pas_foto_truncated.png"),
    ),
    (
        "pas_foto_white.jpg",
        include_bytes!("../fixtures/photos/pas_foto_white.jpg"),
    ),
];

/// The flows compiled into the binary; problems name them as `flows/…` of the repository.
pub fn built_in_flows() -> FlowFiles {
    let mut files = FlowFiles::new("flows");
    for (name, text) in BUILT_IN_FLOWS {
        files.insert(*name, *text);
    }
    files
}

/// The office's folder (`LOKET_FLOWS_DIR`) or, without one, the built-in flows.
pub fn flow_files(dir: Option<&Path>) -> Result<FlowFiles, FlowError> {
    match dir {
        Some(dir) => read_flow_dir(dir),
        None => Ok(built_in_flows()),
    }
}

/// Reads and checks the flows: every problem of every file at once.
pub fn load_flows(dir: Option<&Path>) -> Result<FlowSet, FlowError> {
    FlowSet::load(&flow_files(dir)?)
}

fn problem(file: &Path, reason: String) -> FlowProblem {
    FlowProblem {
        file: file.to_path_buf(),
        line: None,
        reason,
    }
}

/// Reads every file of `dir` and of its sub-folders one level down (`data/`).
pub fn read_flow_dir(dir: &Path) -> Result<FlowFiles, FlowError> {
    let refuse = |reason: String| FlowError {
        problems: vec![problem(dir, reason)],
    };
    if !dir.is_dir() {
        return Err(refuse(format!(
            "the flow folder does not exist (LOKET_FLOWS_DIR). Unset LOKET_FLOWS_DIR to use the \
             built-in flows, or create it with `loket flows export {}`",
            dir.display()
        )));
    }
    let mut files = FlowFiles::new(dir);
    let mut problems = Vec::new();
    let mut folders = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) => {
                problems.push(problem(&folder, format!("cannot list the folder: {e}")));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    problems.push(problem(&folder, format!("cannot list the folder: {e}")));
                    continue;
                }
            };
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                problems.push(problem(&path, "the file name is not UTF-8".into()));
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                if prefix.is_empty() {
                    folders.push((path, format!("{name}/")));
                }
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(text) => files.insert(format!("{prefix}{name}"), text),
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    problems.push(problem(&path, "not a UTF-8 text file".into()))
                }
                Err(e) => problems.push(problem(&path, format!("cannot read: {e}"))),
            }
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(FlowError { problems })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{} already exists; export into an empty or new folder so no edited file is overwritten", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes the built-in flows into `dir` (created if needed), refusing to overwrite any file.
pub fn export_flows(dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let targets: Vec<(PathBuf, &str)> = BUILT_IN_FLOWS
        .iter()
        .map(|(name, text)| (dir.join(name), *text))
        .collect();
    if let Some((path, _)) = targets.iter().find(|(path, _)| path.exists()) {
        return Err(ExportError::Exists(path.clone()));
    }
    for (path, text) in &targets {
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)
        };
        write().map_err(|source| ExportError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(targets.into_iter().map(|(path, _)| path).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(folder: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(folder)
    }

    #[test]
    fn every_file_of_the_flows_folder_is_built_in_as_it_is() {
        let on_disk = read_flow_dir(&repository("flows")).unwrap();
        let built_in = built_in_flows();
        let names = |f: &FlowFiles| f.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names(&built_in),
            names(&on_disk),
            "build.rs lists every flow file"
        );
        for (name, text) in on_disk.iter() {
            assert_eq!(built_in.get(name), Some(text), "{name}");
        }
        FlowSet::load(&built_in).unwrap();
    }

    #[test]
    fn every_sample_photo_is_built_in() {
        let mut on_disk: Vec<String> = std::fs::read_dir(repository("fixtures/photos"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| crate::sim::is_sample_name(n))
            .collect();
        on_disk.sort();
        let built_in: Vec<&str> = SAMPLES.iter().map(|(n, _)| *n).collect();
        assert_eq!(built_in, on_disk);
    }

    #[test]
    fn an_exported_folder_loads_like_the_built_in_flows_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("flows");
        let written = export_flows(&target).unwrap();
        assert_eq!(written.len(), BUILT_IN_FLOWS.len());
        let exported = read_flow_dir(&target).unwrap();
        assert_eq!(
            exported.iter().collect::<Vec<_>>(),
            built_in_flows().iter().collect::<Vec<_>>()
        );
        std::fs::write(target.join("settings.toml"), "edited").unwrap();
        let err = export_flows(&target).unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(
            std::fs::read_to_string(target.join("settings.toml")).unwrap(),
            "edited"
        );
    }

    #[test]
    fn a_missing_flow_folder_says_what_to_do() {
        let err = load_flows(Some(Path::new("/nonexistent/flows")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("LOKET_FLOWS_DIR"), "{err}");
        assert!(
            err.contains("loket flows export /nonexistent/flows"),
            "{err}"
        );
    }

    #[test]
    fn a_folder_without_a_required_file_names_it() {
        let dir = tempfile::tempdir().unwrap();
        export_flows(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join("messages.toml")).unwrap();
        let err = load_flows(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("messages.toml"), "{err}");
        assert!(err.contains("missing"), "{err}");
    }
}
