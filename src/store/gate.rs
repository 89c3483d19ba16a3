//! Every write to the store passes a gate that a backup closes for the moment it takes its
//! snapshot: the snapshot is one point in the sequence of writes, as a crash would leave it,
//! which the store is built to recover from (intents are re-applied, queues resume).

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use sled::IVec;

/// Shared by every tree and the photo files of one store.
#[derive(Clone, Default)]
pub(crate) struct Gate(Arc<RwLock<()>>);

impl Gate {
    /// Held by a writer for one write.
    pub(crate) fn pass(&self) -> RwLockReadGuard<'_, ()> {
        // Nothing is guarded but the moment: a panic elsewhere does not make it unsafe.
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Held by a backup while it reads: no write starts or is half done.
    pub(crate) fn close(&self) -> RwLockWriteGuard<'_, ()> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A sled tree whose writes pass the gate; reads go straight through.
#[derive(Clone)]
pub(crate) struct Tree {
    tree: sled::Tree,
    gate: Gate,
}

impl Tree {
    pub(crate) fn new(tree: sled::Tree, gate: Gate) -> Tree {
        Tree { tree, gate }
    }

    pub(crate) fn get<K: AsRef<[u8]>>(&self, key: K) -> sled::Result<Option<IVec>> {
        self.tree.get(key)
    }

    pub(crate) fn contains_key<K: AsRef<[u8]>>(&self, key: K) -> sled::Result<bool> {
        self.tree.contains_key(key)
    }

    pub(crate) fn iter(&self) -> sled::Iter {
        self.tree.iter()
    }

    pub(crate) fn scan_prefix<P: AsRef<[u8]>>(&self, prefix: P) -> sled::Iter {
        self.tree.scan_prefix(prefix)
    }

    pub(crate) fn range<K: AsRef<[u8]>, R: std::ops::RangeBounds<K>>(
        &self,
        range: R,
    ) -> sled::Iter {
        self.tree.range(range)
    }

    pub(crate) fn len(&self) -> usize {
        self.tree.len()
    }

    pub(crate) fn insert<K: AsRef<[u8]>, V: Into<IVec>>(
        &self,
        key: K,
        value: V,
    ) -> sled::Result<Option<IVec>> {
        let _pass = self.gate.pass();
        self.tree.insert(key, value)
    }

    pub(crate) fn remove<K: AsRef<[u8]>>(&self, key: K) -> sled::Result<Option<IVec>> {
        let _pass = self.gate.pass();
        self.tree.remove(key)
    }

    pub(crate) fn clear(&self) -> sled::Result<()> {
        let _pass = self.gate.pass();
        self.tree.clear()
    }

    pub(crate) fn compare_and_swap<K, OV, NV>(
        &self,
        key: K,
        old: Option<OV>,
        new: Option<NV>,
    ) -> sled::Result<std::result::Result<(), sled::CompareAndSwapError>>
    where
        K: AsRef<[u8]>,
        OV: AsRef<[u8]>,
        NV: Into<IVec>,
    {
        let _pass = self.gate.pass();
        self.tree.compare_and_swap(key, old, new)
    }

    pub(crate) fn update_and_fetch<K, V, F>(&self, key: K, f: F) -> sled::Result<Option<IVec>>
    where
        K: AsRef<[u8]>,
        F: FnMut(Option<&[u8]>) -> Option<V>,
        IVec: From<V>,
    {
        let _pass = self.gate.pass();
        self.tree.update_and_fetch(key, f)
    }
}
