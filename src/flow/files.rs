//! The flow files as text, keyed by their path inside the flow folder (`kia.toml`,
//! `data/wilayah_kecamatan.csv`). The loader reads only from here, so loading is pure: the files
//! come from the binary (`crate::bundle`) or from the office's own folder, read at the edge.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowFiles {
    /// Where the files came from; problems are reported as `origin/name`.
    origin: PathBuf,
    files: BTreeMap<String, String>,
}

impl FlowFiles {
    pub fn new(origin: impl Into<PathBuf>) -> FlowFiles {
        FlowFiles {
            origin: origin.into(),
            files: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) one file; `name` uses `/` between folders.
    pub fn insert(&mut self, name: impl Into<String>, text: impl Into<String>) {
        self.files.insert(name.into(), text.into());
    }

    /// A file's text; `./data/x.csv` and `data/x.csv` name the same file.
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.trim_start_matches("./");
        self.files.get(name).map(String::as_str)
    }

    /// The path shown for a file in problems.
    pub fn path(&self, name: &str) -> PathBuf {
        self.origin.join(name.trim_start_matches("./"))
    }

    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// Every file, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }

    /// A content hash of every file and its name (16 hex digits): the same files, the same
    /// version, wherever they were read from.
    pub fn version(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for (name, text) in &self.files {
            for part in [name.as_bytes(), &[0], text.as_bytes(), &[0]] {
                hash.update(part);
            }
        }
        hex::encode(&hash.finalize()[..8])
    }

    /// The `*.toml` files at the top of the folder.
    pub fn top_level_toml(&self) -> impl Iterator<Item = &str> {
        self.files
            .keys()
            .map(String::as_str)
            .filter(|n| !n.contains('/') && n.ends_with(".toml"))
    }
}
