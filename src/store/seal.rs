//! Encryption at rest: every record value and every photo file is sealed with
//! XChaCha20-Poly1305 under the office's data key, and the indexes that look personal values up
//! (a child's NIK) use a keyed hash instead of the value.
//!
//! A sealed value is `0xE1, key id (4 bytes), nonce (24 bytes), ciphertext and tag`. The key id
//! names which key sealed it, so keys can be rotated: the first key seals, every key opens, and
//! `loket rekey` re-seals everything under the first. A value that does not start with the
//! marker was written before encryption existed (JSON, or a journal record starting with its
//! time): it is read as it is, and `loket rekey` seals it.

use std::{borrow::Cow, path::Path};

use base64::Engine;
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit},
};
use hmac::{KeyInit as _, Mac};
use rand_core::RngCore;
use sha2::{Digest, Sha256};

use super::{Result, StoreError};

const MARKER: u8 = 0xE1;
const HEADER: usize = 1 + 4 + 24;
/// The key file simulator mode makes in the data folder when no key is given.
pub const FOLDER_KEY_FILE: &str = "loket.key";

/// One 32-byte data key.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({})", self.id_hex())
    }
}

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> DataKey {
        let mut bytes = [0u8; 32];
        rand_core::OsRng.fill_bytes(&mut bytes);
        DataKey(bytes)
    }

    /// A key as written in `LOKET_DATA_KEY` or a key file: 32 bytes in base64 (44 characters)
    /// or hex (64 characters).
    pub fn parse(text: &str) -> Option<DataKey> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).ok()?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()?
        };
        Some(DataKey(bytes.try_into().ok()?))
    }

    /// Several keys, one per line or separated by commas; `#` starts a comment line.
    pub fn parse_list(text: &str) -> std::result::Result<Vec<DataKey>, String> {
        let mut keys = Vec::new();
        for (n, item) in text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            keys.push(
                DataKey::parse(item)
                    .ok_or_else(|| format!("key {} is not 32 bytes in base64 or hex", n + 1))?,
            );
        }
        if keys.is_empty() {
            return Err("no key in it".into());
        }
        Ok(keys)
    }

    /// As written in a key file (base64).
    pub fn to_text(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    fn id(&self) -> [u8; 4] {
        let digest = Sha256::new()
            .chain_update(b"loket data key id\0")
            .chain_update(self.0)
            .finalize();
        [digest[0], digest[1], digest[2], digest[3]]
    }

    /// The key's id as the log and error messages name it (never the key).
    pub fn id_hex(&self) -> String {
        hex::encode(self.id())
    }
}

/// Where the store's keys come from.
#[derive(Debug, Clone, Default)]
pub enum KeySource {
    /// The office's keys (`LOKET_DATA_KEY` or `LOKET_DATA_KEY_FILE`): the first seals.
    Given(Vec<DataKey>),
    /// A key file in the data folder, made on first use (simulator mode and tests only: a key
    /// beside the data protects nothing from whoever copies the folder).
    #[default]
    InFolder,
}

/// Reads the folder's key file, making it (0600) if there is none. Returns the key and
/// whether it was just made.
pub fn folder_key(dir: &Path) -> Result<(DataKey, bool)> {
    let path = dir.join(FOLDER_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => DataKey::parse_list(&text)
            .map(|mut keys| (keys.remove(0), false))
            .map_err(|reason| StoreError::Key(format!("{}: {reason}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = DataKey::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&path)?;
            std::io::Write::write_all(&mut file, format!("{}\n", key.to_text()).as_bytes())?;
            file.sync_all()?;
            Ok((key, true))
        }
        Err(e) => Err(e.into()),
    }
}

/// Seals and opens values with the store's keys.
pub struct Sealer {
    keys: Vec<([u8; 4], XChaCha20Poly1305)>,
    /// The keyed hash's key for indexes (kept sealed in the store; see `Store::open`).
    index_key: [u8; 32],
}

impl Sealer {
    pub(super) fn new(keys: &[DataKey]) -> Sealer {
        Sealer {
            keys: keys
                .iter()
                .map(|k| (k.id(), XChaCha20Poly1305::new((&k.0).into())))
                .collect(),
            index_key: [0; 32],
        }
    }

    pub(super) fn set_index_key(&mut self, key: [u8; 32]) {
        self.index_key = key;
    }

    /// The sealing key's id, in hex.
    pub fn sealing_key_id(&self) -> String {
        self.keys
            .first()
            .map(|k| hex::encode(k.0))
            .unwrap_or_default()
    }

    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let Some((id, cipher)) = self.keys.first() else {
            unreachable!("a sealer always has a key: Store::open refuses an empty list")
        };
        let mut nonce = [0u8; 24];
        rand_core::OsRng.fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(HEADER + plain.len() + 16);
        out.push(MARKER);
        out.extend_from_slice(id);
        out.extend_from_slice(&nonce);
        match cipher.encrypt(XNonce::from_slice(&nonce), plain) {
            Ok(sealed) => out.extend_from_slice(&sealed),
            // Encryption fails only for inputs of 256 GiB and more.
            Err(_) => unreachable!("a record is far smaller than XChaCha20's limit"),
        }
        out
    }

    /// The plain bytes of a stored value; a value written before encryption is returned as it
    /// is. A value sealed with a key not given, or altered, is an error.
    pub fn open<'a>(&self, what: &'static str, stored: &'a [u8]) -> Result<Cow<'a, [u8]>> {
        if stored.first() != Some(&MARKER) {
            return Ok(Cow::Borrowed(stored));
        }
        if stored.len() < HEADER + 16 {
            return Err(StoreError::Corrupt {
                what,
                reason: "a sealed value too short to be one".into(),
            });
        }
        let id = &stored[1..5];
        let Some((_, cipher)) = self.keys.iter().find(|(k, _)| k == id) else {
            return Err(StoreError::Key(format!(
                "a {what} was sealed with key {}, which is not among the keys given \
                 (LOKET_DATA_KEY / LOKET_DATA_KEY_FILE)",
                hex::encode(id)
            )));
        };
        cipher
            .decrypt(XNonce::from_slice(&stored[5..HEADER]), &stored[HEADER..])
            .map(Cow::Owned)
            .map_err(|_| StoreError::Corrupt {
                what,
                reason: "the sealed value fails its authentication (altered or damaged)".into(),
            })
    }

    /// Whether `stored` is sealed under the sealing key (else `loket rekey` rewrites it).
    pub fn is_current(&self, stored: &[u8]) -> bool {
        stored.first() == Some(&MARKER)
            && self
                .keys
                .first()
                .is_some_and(|(id, _)| stored.get(1..5) == Some(&id[..]))
    }

    /// A keyed hash of a personal value for an index key: equal values meet, and the index
    /// shows nothing without the key.
    pub fn index_hash(&self, value: &str) -> String {
        let mut mac = match hmac::Hmac::<Sha256>::new_from_slice(&self.index_key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes a key of any length"),
        };
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_and_not_without_it() {
        let old = DataKey::generate();
        let new = DataKey::generate();
        let before = Sealer::new(std::slice::from_ref(&old));
        let sealed = before.seal(b"{\"nik\":\"6371051203190001\"}");
        assert!(!sealed.windows(16).any(|w| w == b"6371051203190001"));
        // Rotation: the new key seals, the old one still opens.
        let rotated = Sealer::new(&[new.clone(), old.clone()]);
        assert_eq!(
            &*rotated.open("test", &sealed).unwrap(),
            b"{\"nik\":\"6371051203190001\"}"
        );
        assert!(!rotated.is_current(&sealed));
        assert!(rotated.is_current(&rotated.seal(b"x")));
        // Without the old key: a clear error naming the key's id.
        let without = Sealer::new(&[new]);
        let error = without.open("request", &sealed).unwrap_err().to_string();
        assert!(error.contains(&old.id_hex()), "{error}");
        // Altered: refused, never read as something else.
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(before.open("request", &altered).is_err());
        // Written before encryption: read as it is.
        assert_eq!(&*before.open("request", b"{}").unwrap(), b"{}");
    }

    #[test]
    fn keys_are_read_in_base64_or_hex_and_lists_keep_their_order() {
        let a = DataKey::generate();
        let b = DataKey::generate();
        let text = format!(
            "# the office's keys\n{}\n{}\n",
            a.to_text(),
            hex::encode(b.0)
        );
        let keys = DataKey::parse_list(&text).unwrap();
        assert_eq!(keys[0].id_hex(), a.id_hex());
        assert_eq!(keys[1].id_hex(), b.id_hex());
        assert!(DataKey::parse_list("short").is_err());
        assert!(DataKey::parse_list("").is_err());
    }

    /// Opens the store, waiting for the previous one on the folder to let go of sled's lock.
    async fn reopen(dir: &Path, keys: &[&DataKey]) -> crate::store::Result<crate::store::Store> {
        for _ in 0..100 {
            match crate::store::Store::open(dir, &options(keys)) {
                Err(StoreError::Sled(e)) if e.to_string().contains("lock") => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                other => return other,
            }
        }
        crate::store::Store::open(dir, &options(keys))
    }

    fn options(keys: &[&DataKey]) -> crate::store::StoreOptions {
        crate::store::StoreOptions {
            keys: KeySource::Given(keys.iter().map(|k| (*k).clone()).collect()),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_new_key_seals_old_keys_still_open_and_rekey_lets_the_old_one_go() {
        use crate::store::Store;
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (DataKey::generate(), DataKey::generate());
        let photo = {
            let store = Store::open(dir.path(), &options(&[&old])).unwrap();
            store
                .append_audit(&crate::domain::account::AuditEntry {
                    at: jiff::Timestamp::now(),
                    actor: "tester".into(),
                    action: crate::domain::account::AuditAction::Login,
                    target: None,
                    photo: None,
                    detail: None,
                })
                .unwrap();
            let photo = store.blobs().put(b"a photo of an akta").unwrap();
            store.flush_now().unwrap();
            photo
        };
        // Rotation: the new key first; what the old one sealed still reads.
        {
            let store = reopen(dir.path(), &[&new, &old]).await.unwrap();
            assert_eq!(store.audit().count(), 1);
            let done = store.rekey().unwrap();
            assert!(done.records >= 2 && done.files == 1, "{done:?}");
            assert_eq!(
                store.rekey().unwrap().records,
                0,
                "a second run has nothing to do"
            );
        }
        // After rekey the old key can go.
        {
            let store = reopen(dir.path(), &[&new]).await.unwrap();
            assert_eq!(store.audit().count(), 1);
            assert_eq!(
                store.blobs().get(&photo).unwrap().unwrap(),
                b"a photo of an akta"
            );
        }
        // The old key alone, or a stranger's, is refused at open, naming what is missing.
        for wrong in [&old, &DataKey::generate()] {
            let error = reopen(dir.path(), &[wrong])
                .await
                .err()
                .expect("refused")
                .to_string();
            assert!(error.contains(&new.id_hex()), "{error}");
        }
    }
}
