//! `loket backup` and `loket restore`: one tar file holding every record (sealed frames, so
//! phone numbers in keys are sealed too) and every photo file (already sealed), with a
//! manifest of counts and SHA-256 sums. The snapshot is one point in the sequence of writes:
//! the store's gate is closed while the records are read and the photo files listed.

use std::{
    collections::BTreeMap,
    io::{Read, Write},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Result, Store, StoreError, seal::Sealer};

/// The manifest, the tar's last member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format: u32,
    pub loket_version: String,
    pub created_at: jiff::Timestamp,
    /// Records per sled tree at the snapshot.
    pub trees: BTreeMap<String, u64>,
    /// Every other member (the record frames, each photo file) with its size and SHA-256.
    pub members: BTreeMap<String, Member>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub bytes: u64,
    pub sha256: String,
}

impl Member {
    fn of(bytes: &[u8]) -> Member {
        Member {
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        }
    }
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupSummary {
    pub file: PathBuf,
    pub records: u64,
    pub photo_files: usize,
    pub bytes: u64,
    /// SHA-256 of the whole file (also in `<file>.sha256`, for `sha256sum -c`).
    pub sha256: String,
    /// How long writers waited while the snapshot was taken.
    pub paused_ms: u64,
}

/// What a restore put back and checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreSummary {
    pub records: u64,
    pub photo_files: usize,
    pub created_at: jiff::Timestamp,
}

const FORMAT: u32 = 1;
const PREFIX: &str = "loket-backup";
const FRAMES: &str = "store.frames";
const MANIFEST: &str = "MANIFEST.json";
/// Records are sealed together in frames of about this many bytes.
const FRAME_BYTES: usize = 1 << 20;

fn corrupt(reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        what: "backup",
        reason: reason.into(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of a file, read in pieces.
fn file_sha256(path: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    let mut reader = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Appends `(tree, key, value)` to a frame's plain bytes.
fn put_record(frame: &mut Vec<u8>, tree: &[u8], key: &[u8], value: &[u8]) {
    for part in [tree, key, value] {
        frame.extend_from_slice(&(part.len() as u32).to_be_bytes());
        frame.extend_from_slice(part);
    }
}

/// The records of one frame's plain bytes.
fn records(mut plain: &[u8]) -> Result<Vec<[Vec<u8>; 3]>> {
    let mut out = Vec::new();
    while !plain.is_empty() {
        let mut record: [Vec<u8>; 3] = Default::default();
        for part in &mut record {
            let (len, rest) = plain
                .split_first_chunk::<4>()
                .ok_or_else(|| corrupt("a record frame ends early"))?;
            let len = u32::from_be_bytes(*len) as usize;
            let value = rest
                .get(..len)
                .ok_or_else(|| corrupt("a record frame ends early"))?;
            *part = value.to_vec();
            plain = &rest[len..];
        }
        out.push(record);
    }
    Ok(out)
}

fn seal_frame(sealer: &Sealer, plain: &[u8], out: &mut Vec<u8>) {
    let sealed = sealer.seal(plain);
    out.extend_from_slice(&(sealed.len() as u32).to_be_bytes());
    out.extend_from_slice(&sealed);
}

fn append(builder: &mut tar::Builder<std::fs::File>, name: &str, bytes: &[u8]) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_cksum();
    builder.append_data(&mut header, format!("{PREFIX}/{name}"), bytes)?;
    Ok(())
}

impl Store {
    /// Writes a backup of the whole store into `dir` while loket runs. Returns what it wrote.
    pub fn backup_to(&self, dir: &Path, now: jiff::Timestamp) -> Result<BackupSummary> {
        let i = &self.inner;
        std::fs::create_dir_all(dir)?;
        let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
        let file = dir.join(format!("loket-backup-{stamp}.tar"));
        let part = dir.join(format!(".loket-backup-{stamp}.tar.part"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut builder = tar::Builder::new(options.open(&part)?);
        let mut members = BTreeMap::new();

        // The photo files there now, copied without stopping anyone (a file never changes
        // under its name); the snapshot below says which of them it keeps.
        let mut copied = std::collections::HashSet::new();
        for (name, path) in i.blobs.files()? {
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            append(&mut builder, &name, &bytes)?;
            members.insert(name.clone(), Member::of(&bytes));
            copied.insert(name);
        }

        // The snapshot: no write starts while every record is read and the files are listed.
        let mut frames = Vec::new();
        let mut trees = BTreeMap::new();
        let mut late_files = Vec::new();
        let paused = std::time::Instant::now();
        {
            let _closed = i.gate.close();
            let mut frame = Vec::with_capacity(FRAME_BYTES + 4096);
            for name in i.db.tree_names() {
                let tree = i.db.open_tree(&name)?;
                let mut count = 0u64;
                for item in tree.iter() {
                    let (key, value) = item?;
                    put_record(&mut frame, &name, &key, &value);
                    count += 1;
                    if frame.len() >= FRAME_BYTES {
                        seal_frame(&i.sealer, &frame, &mut frames);
                        frame.clear();
                    }
                }
                trees.insert(String::from_utf8_lossy(&name).into_owned(), count);
            }
            if !frame.is_empty() {
                seal_frame(&i.sealer, &frame, &mut frames);
            }
            let now_there: BTreeMap<String, PathBuf> = i.blobs.files()?.into_iter().collect();
            members.retain(|name, _| now_there.contains_key(name));
            for (name, path) in now_there {
                if !copied.contains(&name) {
                    late_files.push((name, std::fs::read(&path)?));
                }
            }
        }
        let paused_ms = paused.elapsed().as_millis() as u64;
        for (name, bytes) in late_files {
            append(&mut builder, &name, &bytes)?;
            members.insert(name, Member::of(&bytes));
        }
        append(&mut builder, FRAMES, &frames)?;
        let photo_files = members.len();
        members.insert(FRAMES.into(), Member::of(&frames));
        let records = trees.values().sum();
        let manifest = BackupManifest {
            format: FORMAT,
            loket_version: env!("CARGO_PKG_VERSION").into(),
            created_at: now,
            trees,
            members,
        };
        let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| corrupt(e.to_string()))?;
        append(&mut builder, MANIFEST, &manifest)?;
        let out = builder.into_inner()?;
        out.sync_all()?;
        drop(out);
        let sha256 = file_sha256(&part)?;
        std::fs::rename(&part, &file)?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut sum = options.open(dir.join(format!("{name}.sha256")))?;
        writeln!(sum, "{sha256}  {name}")?;
        sum.sync_all()?;
        let bytes = std::fs::metadata(&file)?.len();
        Ok(BackupSummary {
            file,
            records,
            photo_files,
            bytes,
            sha256,
            paused_ms,
        })
    }
}

/// Puts a backup back into `data_dir`, which must be empty or absent, and checks it: every
/// member against the manifest's sums, every record count, and (`Store::verify`) that every
/// record opens with the keys given. The file's own `.sha256`, when beside it, is checked first.
pub fn restore(
    file: &Path,
    data_dir: &Path,
    keys: &super::seal::KeySource,
) -> Result<(RestoreSummary, BackupManifest)> {
    if data_dir.exists() && std::fs::read_dir(data_dir)?.next().is_some() {
        return Err(corrupt(format!(
            "{} is not empty: restore only into an empty data folder",
            data_dir.display()
        )));
    }
    let sidecar = PathBuf::from(format!("{}.sha256", file.display()));
    if let Ok(expected) = std::fs::read_to_string(&sidecar) {
        let expected = expected.split_whitespace().next().unwrap_or_default();
        if expected != file_sha256(file)? {
            return Err(corrupt(format!(
                "{} does not match {}: the file is damaged or not the one summed",
                file.display(),
                sidecar.display()
            )));
        }
    }
    std::fs::create_dir_all(data_dir)?;
    super::private_dir(data_dir)?;
    let blobs_dir = data_dir.join("blobs");
    // Photo files go straight to their place (a backup can be larger than memory); the record
    // frames and the manifest are read into memory.
    let mut small: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut files: BTreeMap<String, (PathBuf, Member)> = BTreeMap::new();
    let mut archive = tar::Archive::new(std::io::BufReader::new(std::fs::File::open(file)?));
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.to_string_lossy().into_owned();
        let Some(name) = path.strip_prefix(&format!("{PREFIX}/")) else {
            return Err(corrupt(format!("{path} is not part of a loket backup")));
        };
        let name = name.to_string();
        if let Some(relative) = name.strip_prefix("blobs/") {
            let target = super::blobs::BlobStore::restore_path(&blobs_dir, relative)
                .ok_or_else(|| corrupt(format!("{name}: not a photo file's name")))?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut out = options.open(&target)?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            let mut bytes = 0u64;
            loop {
                let n = entry.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n])?;
                bytes += n as u64;
            }
            out.sync_all()?;
            let member = Member {
                bytes,
                sha256: hex::encode(hasher.finalize()),
            };
            files.insert(name, (target, member));
        } else {
            let mut bytes = Vec::with_capacity(entry.size() as usize);
            entry.read_to_end(&mut bytes)?;
            small.insert(name, bytes);
        }
    }
    let manifest: BackupManifest = serde_json::from_slice(
        small
            .get(MANIFEST)
            .ok_or_else(|| corrupt("no manifest: the file is cut short or not a backup"))?,
    )
    .map_err(|e| corrupt(format!("the manifest does not read: {e}")))?;
    if manifest.format != FORMAT {
        return Err(corrupt(format!(
            "backup format {} (this loket reads {FORMAT})",
            manifest.format
        )));
    }
    let frames = small
        .get(FRAMES)
        .ok_or_else(|| corrupt("no record frames"))?;
    let mut photo_files = 0;
    for (name, member) in &manifest.members {
        let matches = if name == FRAMES {
            Member::of(frames) == *member
        } else {
            photo_files += 1;
            files.get(name).is_some_and(|(_, got)| got == member)
        };
        if !matches {
            return Err(corrupt(format!(
                "{name} is missing or does not match its sum"
            )));
        }
    }
    // Files copied before the snapshot and deleted by the time it was taken are not in it.
    for (name, (path, _)) in &files {
        if !manifest.members.contains_key(name) {
            std::fs::remove_file(path)?;
        }
    }

    // The records, straight into sled (they stay sealed as they were).
    let key_list = match keys {
        super::seal::KeySource::Given(keys) => keys.clone(),
        super::seal::KeySource::InFolder => {
            return Err(StoreError::Key(
                "restore needs the data key the backup was made under (LOKET_DATA_KEY or \
                 LOKET_DATA_KEY_FILE)"
                    .into(),
            ));
        }
    };
    let sealer = Sealer::new(&key_list);
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    {
        let db = sled::Config::new().path(data_dir.join("db")).open()?;
        let mut rest = frames.as_slice();
        while !rest.is_empty() {
            let (len, after) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| corrupt("the record frames end early"))?;
            let len = u32::from_be_bytes(*len) as usize;
            let sealed = after
                .get(..len)
                .ok_or_else(|| corrupt("the record frames end early"))?;
            rest = &after[len..];
            let plain = sealer.open("backup frame", sealed)?;
            for [tree, key, value] in records(&plain)? {
                db.open_tree(&tree)?.insert(key, value)?;
                *counts
                    .entry(String::from_utf8_lossy(&tree).into_owned())
                    .or_default() += 1;
            }
        }
        db.flush()?;
    }
    for (tree, expected) in &manifest.trees {
        let got = counts.get(tree).copied().unwrap_or(0);
        if got != *expected {
            return Err(corrupt(format!(
                "tree {tree}: {got} records restored, {expected} in the manifest"
            )));
        }
    }
    Ok((
        RestoreSummary {
            records: counts.values().sum(),
            photo_files,
            created_at: manifest.created_at,
        },
        manifest,
    ))
}

impl Store {
    /// Opens every sealed record and photo file a request or draft keeps: the check after a
    /// restore (a wrong key or a damaged record is an error naming it). Returns how many
    /// records and files it opened.
    pub fn verify(&self) -> Result<(u64, usize)> {
        let i = &self.inner;
        let mut records = 0;
        for name in super::SEALED_TREES {
            let tree = i.db.open_tree(name)?;
            for item in tree.iter() {
                let (_, value) = item?;
                if !value.is_empty() {
                    i.sealer.open(name, &value)?;
                    records += 1;
                }
            }
        }
        let mut files = 0;
        let mut seen = std::collections::HashSet::new();
        for key in i.kept_photos.iter().keys() {
            let key = key?;
            let Some(sha) = key.get(..64) else { continue };
            let sha = String::from_utf8_lossy(sha).into_owned();
            if seen.insert(sha.clone()) {
                if i.blobs.get(&sha)?.is_none() {
                    return Err(corrupt(format!(
                        "a kept photo file is missing ({}…)",
                        &sha[..12]
                    )));
                }
                files += 1;
            }
        }
        Ok((records, files))
    }
}
