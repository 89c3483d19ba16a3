//! The storage room: the only code that knows sled.
//!
//! "Acknowledged" means flushed: callers write, then `await` [`Store::commit`], which batches
//! every concurrent caller behind one fsync (group commit). Photo bytes live as files named by
//! their hash (`blobs`), never as sled values, because large values inflate sled's space use.

mod accounts;
pub mod backup;
mod blobs;
mod delivery;
mod gate;
mod inbound;
mod mail;
mod manifests;
mod notices;
mod outbox;
mod queue;
mod requests;
mod retention;
pub mod seal;
mod settlements;
mod subject;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use serde::{Serialize, de::DeserializeOwned};

use crate::flow::Conversation;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

pub use crate::domain::contact::{Contact, ContactId};
pub use blobs::{BlobPin, BlobStore};
pub use inbound::{
    DeadLetter, Handled, Ingested, LaneCommit, LaneRecords, PendingMessage, ProcessedRecord,
    StoredStatus,
};
pub use mail::{MailItem, MailState};
pub use outbox::{NewOutboxItem, OutboxItem, OutboxOutcome, OutboxRecord};
pub use queue::{QueueCursor, QueueRow};
pub use requests::{EscalationRecord, LaneLogEntry, RequestChange, StoredRequest};
pub use retention::Compacted;
pub use subject::ContactErased;

// The causes are part of the message, not `source()`, so a report that prints the chain does
// not say them twice.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("storage failure: {0}")]
    Sled(sled::Error),
    #[error("file storage failure: {0}")]
    Io(std::io::Error),
    #[error(
        "another loket is already using {} (one loket per data folder): stop it first, or set \
         LOKET_DATA_DIR to another folder",
        dir.display()
    )]
    InUse { dir: PathBuf },
    #[error("a stored record is unreadable ({what}): {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("the store is shutting down")]
    Closed,
    /// The data key is missing, wrong or unreadable: loket refuses to start rather than write
    /// under a key that cannot read what is there.
    #[error("data key: {0}")]
    Key(String),
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Sled(e)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

type FlushWaiter = oneshot::Sender<std::result::Result<(), String>>;

/// Handle to the embedded database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    /// Raw webhook bodies, by arrival sequence: the log a damaged database is rebuilt from.
    journal: gate::Tree,
    /// wamid -> journal sequence: the atomic claim that makes each message processed once.
    seen: gate::Tree,
    /// Messages waiting for their sender's lane, keyed (contact, timestamp, arrival).
    pending: gate::Tree,
    /// wamid -> when and for whom it was processed.
    processed: gate::Tree,
    contacts: gate::Tree,
    /// `p:<phone>` / `u:<bsuid>` -> contact id.
    aliases: gate::Tree,
    /// Outbound wamid -> delivery status (monotonic).
    statuses: gate::Tree,
    outbox: gate::Tree,
    outbox_done: gate::Tree,
    /// Media id -> what became of its download.
    media: gate::Tree,
    conversations: gate::Tree,
    dead_letters: gate::Tree,
    alerts: gate::Tree,
    /// Lane decisions written whole before they are applied (see `commit_lane`).
    intents: gate::Tree,
    /// Request number -> request; (contact, number) index; `service:nik` -> open number.
    requests: gate::Tree,
    request_index: gate::Tree,
    open_niks: gate::Tree,
    /// The review queue: `<filed at><number>` and `<status>\0<filed at><number>` -> row.
    queue_by_time: gate::Tree,
    queue_by_status: gate::Tree,
    /// `<due date>\0<number>` of open requests: the overdue ones are a range.
    open_by_due: gate::Tree,
    /// Office-local date -> last request sequence given out.
    sequences: gate::Tree,
    escalations: gate::Tree,
    /// Contact -> when its conversation wants to be woken (ms).
    wakeups: gate::Tree,
    /// Inputs for a lane that are not messages (wake-ups, hand-backs).
    synthetic: gate::Tree,
    /// Original photo hash -> its check and the stored (re-encoded) copy.
    photos: gate::Tree,
    /// `<photo file hash><owner>`: the photo files a filed request (owner: its number) or an
    /// unfinished draft (owner: `draft:<contact>`) keeps. Files are named by content, so one
    /// file can have several owners (siblings share a KK photo).
    kept_photos: gate::Tree,
    /// How every lane batch was decided (for `loket replay`).
    lane_log: gate::Tree,
    /// Username -> account; SHA-256 of a session token -> session; sequence -> audit entry.
    accounts: gate::Tree,
    sessions: gate::Tree,
    audit: gate::Tree,
    /// Notice id -> notice; `<notice id><outbox id>`: the messages that carry it.
    notices: gate::Tree,
    notice_sends: gate::Tree,
    /// `<contact><intent><n>` -> a line of the chat, both ways (the officers' view).
    chat: gate::Tree,
    /// Request number -> its delivery task (one per printed card).
    delivery_tasks: gate::Tree,
    /// Couriers' daily lists, by number.
    manifests: gate::Tree,
    /// Their mails to the courier, by manifest number.
    mail: gate::Tree,
    /// Couriers' closed days, by date and courier.
    settlements: gate::Tree,
    /// Satisfaction survey answers, by request number.
    surveys: gate::Tree,
    /// Small desk bookkeeping (whom auto-assignment gave an escalation to last).
    desk_state: gate::Tree,
    /// The store's own facts: the index key (sealed), which migrations have run.
    meta: gate::Tree,
    sealer: Arc<seal::Sealer>,
    /// Passed by every write; closed by a backup while it takes its snapshot.
    gate: gate::Gate,
    flush_tx: mpsc::UnboundedSender<FlushWaiter>,
    flush_stats: Arc<FlushCounters>,
    blobs: BlobStore,
    dir: PathBuf,
    /// Held while the store is open: one loket per data folder. Last, so sled closes first.
    _lock: std::fs::File,
}

/// How the store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub cache_bytes: u64,
    pub flush_every_ms: u64,
    pub keys: seal::KeySource,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_bytes: 16 * 1024 * 1024,
            flush_every_ms: 500,
            keys: seal::KeySource::InFolder,
        }
    }
}

impl Store {
    /// Opens (or creates) the store in `dir`. Must be called inside a tokio runtime: the group
    /// committer runs as a task.
    pub fn open(dir: &Path, options: &StoreOptions) -> Result<Store> {
        // Children's data lives here: loket's user alone may read what is written, sled's own
        // files (made by sled with the process umask) included.
        #[cfg(unix)]
        // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
        unsafe {
            libc::umask(0o077);
        }
        std::fs::create_dir_all(dir)?;
        private_dir(dir)?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("loket.lock"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::InUse {
                    dir: dir.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
        let keys = match &options.keys {
            seal::KeySource::Given(keys) if keys.is_empty() => {
                return Err(StoreError::Key("no key given".into()));
            }
            seal::KeySource::Given(keys) => keys.clone(),
            seal::KeySource::InFolder => {
                let (key, made) = seal::folder_key(dir)?;
                if made {
                    tracing::warn!(
                        file = %dir.join(seal::FOLDER_KEY_FILE).display(),
                        "no LOKET_DATA_KEY: made a data key beside the data (simulator only; \
                         a deployment keeps its key apart from the data folder)"
                    );
                }
                vec![key]
            }
        };
        let db = sled::Config::new()
            .path(dir.join("db"))
            .cache_capacity(options.cache_bytes)
            .flush_every_ms((options.flush_every_ms > 0).then_some(options.flush_every_ms))
            .open()?;
        if db.was_recovered() {
            tracing::info!(
                size_on_disk = db.size_on_disk().unwrap_or(0),
                "store recovered"
            );
        }
        let gate = gate::Gate::default();
        let tree = |name: &str| db.open_tree(name).map(|t| gate::Tree::new(t, gate.clone()));
        let meta = tree("meta")?;
        let mut sealer = seal::Sealer::new(&keys);
        sealer.set_index_key(index_key(&meta, &sealer)?);
        let sealer = Arc::new(sealer);
        let (flush_tx, flush_rx) = mpsc::unbounded_channel();
        let flush_stats = Arc::new(FlushCounters::default());
        let inner = Inner {
            journal: tree("journal")?,
            seen: tree("seen")?,
            pending: tree("pending")?,
            processed: tree("processed")?,
            contacts: tree("contacts")?,
            aliases: tree("aliases")?,
            statuses: tree("statuses")?,
            outbox: tree("outbox")?,
            outbox_done: tree("outbox_done")?,
            media: tree("media")?,
            conversations: tree("conversations")?,
            dead_letters: tree("dead_letters")?,
            alerts: tree("alerts")?,
            intents: tree("intents")?,
            requests: tree("requests")?,
            request_index: tree("request_index")?,
            open_niks: tree("open_niks")?,
            queue_by_time: tree("queue_by_time")?,
            queue_by_status: tree("queue_by_status")?,
            open_by_due: tree("open_by_due")?,
            sequences: tree("sequences")?,
            escalations: tree("escalations")?,
            wakeups: tree("wakeups")?,
            synthetic: tree("synthetic")?,
            photos: tree("photos")?,
            kept_photos: tree("kept_photos")?,
            lane_log: tree("lane_log")?,
            accounts: tree("accounts")?,
            sessions: tree("sessions")?,
            audit: tree("audit")?,
            notices: tree("notices")?,
            notice_sends: tree("notice_sends")?,
            desk_state: tree("desk_state")?,
            delivery_tasks: tree("delivery_tasks")?,
            manifests: tree("manifests")?,
            mail: tree("mail")?,
            settlements: tree("settlements")?,
            surveys: tree("surveys")?,
            chat: tree("chat")?,
            meta,
            sealer: sealer.clone(),
            blobs: BlobStore::open(&dir.join("blobs"), sealer, gate.clone())?,
            gate,
            dir: dir.to_path_buf(),
            _lock: lock,
            flush_tx,
            flush_stats: flush_stats.clone(),
            db: db.clone(),
        };
        tokio::spawn(group_commit(db, flush_rx, flush_stats));
        let store = Store {
            inner: Arc::new(inner),
        };
        // Photo files from before encryption are sealed and renamed once, at the first start
        // of this version (records are read either way; `loket rekey` seals those).
        if !store.inner.meta.contains_key(b"blobs:sealed")? {
            let files = store.inner.blobs.reseal_all()?;
            store.inner.meta.insert(b"blobs:sealed", &[])?;
            if files > 0 {
                tracing::info!(files, "photo files sealed under the data key");
            }
        }
        let reindexed = store.hash_open_niks()?;
        if reindexed > 0 {
            tracing::info!(reindexed, "the NIK index now holds keyed hashes only");
            store.flush_now()?;
        }
        let replayed = store.replay_intents()?;
        if replayed > 0 {
            tracing::info!(replayed, "re-applied lane commits interrupted by a crash");
            store.flush_now()?;
        }
        let indexed = store.build_queue_index()?;
        if indexed > 0 {
            tracing::info!(indexed, "built the review queue's index");
            store.flush_now()?;
        }
        Ok(store)
    }

    /// Makes every write made before this call durable. Concurrent callers share one fsync.
    pub async fn commit(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .flush_tx
            .send(tx)
            .map_err(|_| StoreError::Closed)?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(StoreError::Io(std::io::Error::other(reason))),
            Err(_) => Err(StoreError::Closed),
        }
    }

    /// Flushes synchronously; for shutdown.
    pub fn flush_now(&self) -> Result<()> {
        self.inner.db.flush()?;
        Ok(())
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Writes a probe record (for `/readyz`): fails when the store cannot take writes.
    pub fn probe_write(&self) -> Result<()> {
        self.inner.meta.insert(
            b"probe",
            &jiff::Timestamp::now().as_millisecond().to_be_bytes(),
        )?;
        Ok(())
    }

    /// True when the database answers reads and has not failed a write for good.
    pub fn is_healthy(&self) -> bool {
        self.write_failure().is_none() && self.inner.db.contains_key(b"__health").is_ok()
    }

    /// Why the store can no longer make writes durable (a full disk, a failing one): sled keeps
    /// the first IO error of a flush until the store is opened again, so loket must restart.
    pub fn write_failure(&self) -> Option<String> {
        self.inner.flush_stats.failed.get().cloned()
    }

    /// The contact's conversation state, as the lane last committed it.
    pub fn conversation(&self, contact: ContactId) -> Result<Option<Conversation>> {
        self.inner
            .conversations
            .get(contact.key())?
            .map(|v| self.decode("conversation", &v))
            .transpose()
    }
}

/// What is waiting in the store, for the operators' metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Messages acknowledged and not yet handled by their lane.
    pub pending_messages: usize,
    /// Messages queued to be sent.
    pub outbox_queued: usize,
    /// Manifest mails waiting for the SMTP server.
    pub mail_waiting: usize,
    pub dead_letters: usize,
    /// Bytes sled takes on disk.
    pub store_bytes: u64,
}

impl Store {
    pub fn backlog(&self) -> Result<Backlog> {
        let i = &self.inner;
        let mut mail_waiting = 0;
        for value in i.mail.iter().values() {
            let item: MailItem = self.decode("mail item", &value?)?;
            mail_waiting += usize::from(matches!(item.state, MailState::Waiting { .. }));
        }
        Ok(Backlog {
            pending_messages: i.pending.len(),
            outbox_queued: i.outbox.len(),
            mail_waiting,
            dead_letters: i.dead_letters.len(),
            store_bytes: i.db.size_on_disk()?,
        })
    }
}

/// The trees whose values are sealed records (the others hold ids, counters or nothing).
const SEALED_TREES: &[&str] = &[
    "journal",
    "pending",
    "processed",
    "contacts",
    "statuses",
    "outbox",
    "outbox_done",
    "media",
    "conversations",
    "dead_letters",
    "alerts",
    "intents",
    "requests",
    "queue_by_time",
    "queue_by_status",
    "escalations",
    "synthetic",
    "photos",
    "lane_log",
    "accounts",
    "sessions",
    "audit",
    "notices",
    "chat",
    "delivery_tasks",
    "manifests",
    "mail",
    "settlements",
    "surveys",
];

/// What `loket rekey` rewrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rekeyed {
    pub records: usize,
    pub files: usize,
    /// Records already sealed under the sealing key.
    pub current: usize,
}

impl Store {
    /// Seals every record and photo file under the sealing key (the first given): after a new
    /// key was put first, or on data from before encryption. Run with loket stopped; safe to
    /// run again after an interruption. The older keys can be dropped once it has finished.
    pub fn rekey(&self) -> Result<Rekeyed> {
        let i = &self.inner;
        let mut done = Rekeyed::default();
        for name in SEALED_TREES {
            let tree = i.db.open_tree(name)?;
            for item in tree.iter() {
                let (key, stored) = item?;
                if stored.is_empty() || i.sealer.is_current(&stored) {
                    done.current += usize::from(!stored.is_empty());
                    continue;
                }
                let plain = i.sealer.open("record", &stored)?;
                tree.insert(key, i.sealer.seal(&plain))?;
                done.records += 1;
            }
        }
        if let Some(stored) = i.meta.get(b"index_key")?
            && !i.sealer.is_current(&stored)
        {
            let plain = i.sealer.open("index key", &stored)?;
            i.meta.insert(b"index_key", i.sealer.seal(&plain))?;
            done.records += 1;
        }
        done.files = i.blobs.reseal_all()?;
        i.db.flush()?;
        Ok(done)
    }
}

/// The key of the keyed hashes in indexes: made once, kept sealed under the data key. Opening
/// it is also the check that the keys given are the ones the data was sealed with.
fn index_key(meta: &gate::Tree, sealer: &seal::Sealer) -> Result<[u8; 32]> {
    match meta.get(b"index_key")? {
        Some(stored) => {
            let plain = sealer.open("index key", &stored).map_err(|e| match e {
                StoreError::Key(reason) => StoreError::Key(format!(
                    "this data folder was sealed with another key: {reason}"
                )),
                StoreError::Corrupt { .. } => StoreError::Key(
                    "the index key does not open with the key given: a wrong LOKET_DATA_KEY?"
                        .into(),
                ),
                e => e,
            })?;
            plain.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                what: "index key",
                reason: "not 32 bytes".into(),
            })
        }
        None => {
            let mut key = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut key);
            meta.insert(b"index_key", sealer.seal(&key))?;
            Ok(key)
        }
    }
}

/// Waits for flush requests and answers every request queued so far with one fsync.
async fn group_commit(
    db: sled::Db,
    mut rx: mpsc::UnboundedReceiver<FlushWaiter>,
    stats: Arc<FlushCounters>,
) {
    let mut waiters = Vec::new();
    while let Some(first) = rx.recv().await {
        waiters.push(first);
        while let Ok(next) = rx.try_recv() {
            waiters.push(next);
        }
        let started = std::time::Instant::now();
        let result = db
            .flush_async()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
        if let Err(reason) = &result {
            // sled keeps an IO error for good: nothing written from now on becomes durable.
            stats.failed.get_or_init(|| reason.clone());
        }
        stats.record(waiters.len(), started.elapsed());
        metrics::histogram!("loket_store_flush_seconds").record(started.elapsed().as_secs_f64());
        metrics::counter!("loket_store_flushes_total", "outcome" => if result.is_ok() { "ok" } else { "failed" })
            .increment(1);
        metrics::counter!("loket_store_acknowledgements_total").increment(waiters.len() as u64);
        if let Err(reason) = &result {
            tracing::error!(%reason, "store flush failed");
        }
        for waiter in waiters.drain(..) {
            let _ = waiter.send(result.clone());
        }
    }
}

/// Group-commit figures since start: how many fsyncs, how many acknowledgements they
/// covered, and how long they took.
#[derive(Default)]
struct FlushCounters {
    /// The first flush failure: the store takes no durable write until it is reopened.
    failed: std::sync::OnceLock<String>,
    flushes: std::sync::atomic::AtomicU64,
    waiters: std::sync::atomic::AtomicU64,
    total_us: std::sync::atomic::AtomicU64,
    max_us: std::sync::atomic::AtomicU64,
}

impl FlushCounters {
    fn record(&self, waiters: usize, took: std::time::Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        let us = took.as_micros() as u64;
        self.flushes.fetch_add(1, Relaxed);
        self.waiters.fetch_add(waiters as u64, Relaxed);
        self.total_us.fetch_add(us, Relaxed);
        self.max_us.fetch_max(us, Relaxed);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FlushStats {
    pub flushes: u64,
    pub acknowledgements: u64,
    pub mean_flush_ms: f64,
    pub max_flush_ms: f64,
}

impl Store {
    pub fn flush_stats(&self) -> FlushStats {
        use std::sync::atomic::Ordering::Relaxed;
        let c = &self.inner.flush_stats;
        let flushes = c.flushes.load(Relaxed);
        FlushStats {
            flushes,
            acknowledgements: c.waiters.load(Relaxed),
            mean_flush_ms: c.total_us.load(Relaxed) as f64 / flushes.max(1) as f64 / 1000.0,
            max_flush_ms: c.max_us.load(Relaxed) as f64 / 1000.0,
        }
    }
}

// ---- how records are encoded: the one place (and where encryption at rest will hook in) ----

/// Makes a folder readable by its owner alone (0700).
pub(crate) fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl Store {
    /// A record as stored: JSON, sealed under the data key.
    fn encode<T: Serialize>(&self, value: &T) -> Result<Vec<u8>> {
        let plain = serde_json::to_vec(value).map_err(|e| StoreError::Corrupt {
            what: "encoding",
            reason: e.to_string(),
        })?;
        Ok(self.inner.sealer.seal(&plain))
    }

    /// A record that does not open or decode is an error, logged here and returned: never taken
    /// as absent.
    fn decode<T: DeserializeOwned>(&self, what: &'static str, bytes: &[u8]) -> Result<T> {
        let plain = self.inner.sealer.open(what, bytes).inspect_err(|e| {
            tracing::error!(record = what, reason = %e, "a stored record does not open");
        })?;
        serde_json::from_slice(&plain).map_err(|e| {
            tracing::error!(record = what, reason = %e, "a stored record does not decode");
            StoreError::Corrupt {
                what,
                reason: e.to_string(),
            }
        })
    }
}

impl Store {
    /// Reads, changes and writes one record atomically (sled's compare-and-swap loop). `change`
    /// gets the current record (`None` when absent) and returns the new one (`None` removes it).
    /// A record that does not decode is left as it is and the error returned, so an unreadable
    /// record is never overwritten or deleted by accident.
    fn update<T: Serialize + DeserializeOwned>(
        &self,
        tree: &gate::Tree,
        what: &'static str,
        key: &[u8],
        change: impl Fn(Option<T>) -> Option<T>,
    ) -> Result<Option<T>> {
        let mut failure = None;
        let written = tree.update_and_fetch(key, |old| {
            // sled may run this more than once (compare-and-swap retries): the last run counts.
            failure = None;
            let current = match old.map(|bytes| self.decode::<T>(what, bytes)) {
                None => None,
                Some(Ok(value)) => Some(value),
                Some(Err(e)) => {
                    failure = Some(e);
                    return old.map(<[u8]>::to_vec);
                }
            };
            match change(current).map(|next| self.encode(&next)) {
                None => None,
                Some(Ok(bytes)) => Some(bytes),
                Some(Err(e)) => {
                    failure = Some(e);
                    old.map(<[u8]>::to_vec)
                }
            }
        })?;
        if let Some(error) = failure {
            tracing::error!(record = what, %error, "a stored record was not updated");
            return Err(error);
        }
        written.map(|bytes| self.decode(what, &bytes)).transpose()
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn u64_from_key(key: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = key.len().min(8);
    buf[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(buf)
}

/// Key of one owner's hold on one photo file (hashes have a fixed length, so prefixes work).
fn keeper_key(sha: &str, owner: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(sha.len() + owner.len());
    key.extend_from_slice(sha.as_bytes());
    key.extend_from_slice(owner.as_bytes());
    key
}
