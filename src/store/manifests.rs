//! Manifests, by number; written once, never changed (their lines are the printed list).

use super::{Result, Store};
use crate::domain::manifest::Manifest;

impl Store {
    /// Files a manifest unless its number is taken (two makers at once: one wins).
    pub fn put_manifest(&self, manifest: &Manifest) -> Result<bool> {
        Ok(self
            .inner
            .manifests
            .compare_and_swap(
                manifest.number.as_bytes(),
                None as Option<&[u8]>,
                Some(self.encode(manifest)?),
            )?
            .is_ok())
    }

    pub fn manifest(&self, number: &str) -> Result<Option<Manifest>> {
        self.inner
            .manifests
            .get(number.as_bytes())?
            .map(|v| self.decode("manifest", &v))
            .transpose()
    }

    /// Every manifest, by number (so by day, then route).
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        self.inner
            .manifests
            .iter()
            .values()
            .map(|v| self.decode("manifest", &v?))
            .collect()
    }
}

impl Store {
    /// The last day the morning job made the manifests (`YYYY-MM-DD`).
    pub fn manifests_made_on(&self) -> Result<Option<String>> {
        Ok(self
            .inner
            .desk_state
            .get(b"manifests_made_on")?
            .map(|v| String::from_utf8_lossy(&v).to_string()))
    }

    pub fn set_manifests_made_on(&self, date: &str) -> Result<()> {
        self.inner
            .desk_state
            .insert(b"manifests_made_on", date.as_bytes())?;
        Ok(())
    }
}
