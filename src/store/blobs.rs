//! Files named by the SHA-256 of their content: photos and documents citizens sent.
//!
//! Written to a temporary name, fsynced, then renamed, so a crash never leaves half a photo
//! under a real name; the same content is stored once.

use std::{
    collections::HashMap,
    io::Write,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard},
};

use sha2::{Digest, Sha256};

use super::{Result, seal::Sealer};

/// Photo files are sealed like records, and named by a keyed hash of their content's hash:
/// neither the bytes nor the name tell what picture a file holds.
#[derive(Clone)]
pub struct BlobStore {
    dir: PathBuf,
    sealer: Arc<Sealer>,
    gate: super::gate::Gate,
    /// Files a lane is working with right now, by hash, with how many lanes. Two parents can
    /// send the very same picture at once; one lane's clean-up must not delete it under the
    /// other's photo check.
    pins: Arc<Mutex<HashMap<String, usize>>>,
}

/// Keeps a file from being deleted while it lives.
#[derive(Debug)]
pub struct BlobPin {
    pins: Arc<Mutex<HashMap<String, usize>>>,
    hash: String,
}

impl Drop for BlobPin {
    fn drop(&mut self) {
        let mut pins = lock(&self.pins);
        if let Some(count) = pins.get_mut(&self.hash) {
            *count -= 1;
            if *count == 0 {
                pins.remove(&self.hash);
            }
        }
    }
}

fn lock(pins: &Mutex<HashMap<String, usize>>) -> MutexGuard<'_, HashMap<String, usize>> {
    // A panic elsewhere while holding it leaves the map intact: carry on with it.
    pins.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl BlobStore {
    pub(super) fn open(
        dir: &Path,
        sealer: Arc<Sealer>,
        gate: super::gate::Gate,
    ) -> Result<BlobStore> {
        std::fs::create_dir_all(dir)?;
        Ok(BlobStore {
            dir: dir.to_path_buf(),
            sealer,
            gate,
            pins: Arc::default(),
        })
    }

    /// Keeps the file `hash` (present or not) from deletion until the pin is dropped.
    pub fn pin(&self, hash: &str) -> BlobPin {
        *lock(&self.pins).entry(hash.to_string()).or_default() += 1;
        BlobPin {
            pins: self.pins.clone(),
            hash: hash.to_string(),
        }
    }

    /// [`BlobStore::put`], pinned before the file is written, so no deletion can come between.
    pub fn put_pinned(&self, bytes: &[u8]) -> Result<(String, BlobPin)> {
        let hash = Self::hash(bytes);
        let pin = self.pin(&hash);
        self.write(&hash, bytes)?;
        Ok((hash, pin))
    }

    /// Hex SHA-256 of `bytes`.
    pub fn hash(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    fn path_of(&self, hash: &str) -> Option<PathBuf> {
        // Only our own hex names: a hash from anywhere else must not escape the folder.
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let name = self.sealer.index_hash(&hash.to_ascii_lowercase());
        Some(self.dir.join(&name[..2]).join(name))
    }

    /// Stores `bytes` durably and returns their hash.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let hash = Self::hash(bytes);
        self.write(&hash, bytes)?;
        Ok(hash)
    }

    fn write(&self, hash: &str, bytes: &[u8]) -> Result<()> {
        let Some(path) = self.path_of(hash) else {
            unreachable!("a SHA-256 hex digest is always a valid blob name")
        };
        if path.exists() {
            // Reused: it counts as just written, so the orphan sweep's grace covers it until
            // the record that keeps it is committed.
            let touched = std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(std::time::SystemTime::now()));
            if let Err(e) = touched {
                tracing::warn!(error = %e, "could not refresh a reused photo file's time");
            }
            return Ok(());
        }
        self.write_sealed(&path, bytes)
    }

    /// Seals `plain` into `path`: written to a temporary name, fsynced, then renamed.
    fn write_sealed(&self, path: &Path, plain: &[u8]) -> Result<()> {
        let _pass = self.gate.pass();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = path.with_extension(format!("tmp{}", fastrand::u64(..)));
        {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            // A photo of a child's documents: its owner alone reads it.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&tmp)?;
            file.write_all(&self.sealer.seal(plain))?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    pub fn get(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        let Some(path) = self.path_of(hash) else {
            return Ok(None);
        };
        match std::fs::read(path) {
            Ok(stored) => Ok(Some(self.sealer.open("photo file", &stored)?.into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a blob (personal data whose purpose has ended), unless a lane has it pinned:
    /// that lane deletes it itself when it is done with it.
    pub fn remove(&self, hash: &str) -> Result<bool> {
        let Some(path) = self.path_of(hash) else {
            return Ok(false);
        };
        // Held while deleting, so a pin cannot be taken between the check and the unlink.
        let pins = lock(&self.pins);
        let _pass = self.gate.pass();
        if pins.contains_key(hash) {
            return Ok(false);
        }
        match std::fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

impl BlobStore {
    /// Every photo file now: its name in a backup (`blobs/<shard>/<name>`) and its path.
    pub(super) fn files(&self) -> Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        for shard in std::fs::read_dir(&self.dir)? {
            let shard = shard?;
            if !shard.file_type()?.is_dir() {
                continue;
            }
            let shard_name = shard.file_name().to_string_lossy().into_owned();
            for file in std::fs::read_dir(shard.path())? {
                let file = file?;
                let name = file.file_name().to_string_lossy().into_owned();
                if name.contains(".tmp") {
                    continue;
                }
                out.push((format!("blobs/{shard_name}/{name}"), file.path()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Where a backup's `<shard>/<name>` goes under `dir`: only names this store makes (two
    /// hex characters, then a hex name starting with them), never a path out of the folder.
    pub(super) fn restore_path(dir: &Path, relative: &str) -> Option<PathBuf> {
        let (shard, name) = relative.split_once('/')?;
        let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
        (shard.len() == 2 && hex(shard) && hex(name) && name.starts_with(shard))
            .then(|| dir.join(shard).join(name))
    }

    /// Deletes the files whose content hash is not in `kept` and that no lane has pinned, last
    /// written more than `grace` ago (a file being written or just reused is younger). Returns
    /// how many files were deleted.
    pub(super) fn remove_unowned(
        &self,
        kept: &std::collections::HashSet<String>,
        grace: std::time::Duration,
    ) -> Result<usize> {
        let mut names: std::collections::HashSet<String> =
            kept.iter().map(|sha| self.sealer.index_hash(sha)).collect();
        // Held throughout, so no lane pins (and reuses) a file between the check and the unlink.
        let pins = lock(&self.pins);
        let _pass = self.gate.pass();
        names.extend(
            pins.keys()
                .map(|sha| self.sealer.index_hash(&sha.to_ascii_lowercase())),
        );
        let cutoff = std::time::SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(std::time::UNIX_EPOCH);
        let mut deleted = 0;
        for shard in std::fs::read_dir(&self.dir)? {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&shard)? {
                let file = file?;
                let Some(name) = file.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                if names.contains(&name) || file.metadata()?.modified()? > cutoff {
                    continue;
                }
                match std::fs::remove_file(file.path()) {
                    Ok(()) => deleted += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(deleted)
    }

    /// Every photo file, sealed under the sealing key and named by its keyed name: files from
    /// before encryption (plain bytes, named by their SHA-256) and files sealed under an older
    /// key are rewritten. Returns how many files were rewritten.
    pub(super) fn reseal_all(&self) -> Result<usize> {
        let mut rewritten = 0;
        for shard in std::fs::read_dir(&self.dir)? {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&shard)? {
                let path = file?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if name.contains(".tmp") {
                    // Left by a crash mid-write: never renamed, so never referenced.
                    std::fs::remove_file(&path)?;
                    continue;
                }
                let stored = std::fs::read(&path)?;
                let legacy_name = name.len() == 64;
                if !legacy_name && self.sealer.is_current(&stored) {
                    continue;
                }
                let plain = self.sealer.open("photo file", &stored)?.into_owned();
                let hash = if legacy_name {
                    name.to_string()
                } else {
                    Self::hash(&plain)
                };
                let Some(target) = self.path_of(&hash) else {
                    continue;
                };
                self.write_sealed(&target, &plain)?;
                if target != path {
                    std::fs::remove_file(&path)?;
                }
                rewritten += 1;
            }
        }
        Ok(rewritten)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_file_survives_removal_until_its_last_pin_goes() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(
            dir.path(),
            Arc::new(Sealer::new(&[super::super::seal::DataKey::generate()])),
            Default::default(),
        )
        .unwrap();
        let (hash, first) = blobs.put_pinned(b"the same picture").unwrap();
        let second = blobs.pin(&hash);
        assert!(!blobs.remove(&hash).unwrap(), "pinned twice");
        drop(first);
        assert!(!blobs.remove(&hash).unwrap(), "still pinned once");
        assert!(blobs.get(&hash).unwrap().is_some());
        drop(second);
        assert!(blobs.remove(&hash).unwrap());
        assert!(blobs.get(&hash).unwrap().is_none());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_data_folder_and_every_photo_are_for_loket_s_user_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let store = crate::store::Store::open(&data, &Default::default()).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        let hash = store.blobs().put(b"a photo of a KK").unwrap();
        let path = store.blobs().path_of(&hash).unwrap();
        assert_eq!(mode(&path), 0o600);
        // Sealed, and named without the content's hash.
        let stored = std::fs::read(&path).unwrap();
        assert!(!stored.windows(6).any(|w| w == b"photo "));
        assert!(!path.to_string_lossy().contains(&hash));
        assert_eq!(
            store.blobs().get(&hash).unwrap().unwrap(),
            b"a photo of a KK"
        );
    }
}
