//! One ordered lane per sender: a sender's messages are handled one batch at a time, in
//! timestamp-then-arrival order, while different senders run in parallel.
//!
//! Three photos sent together arrive as three concurrent webhooks; the lane waits a moment
//! (debounce) so they are seen together and in order, then hands them to the conversation.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::Semaphore;
use tracing::Instrument;

use super::batch::{Arrival, Batch, Conversations};
use crate::domain::message::ChatLine;
use crate::{
    channel::{
        graph::{GraphClient, Outgoing},
        media,
        outbox::OutboxHandle,
    },
    domain::event::SyntheticInput,
    store::{ContactId, Handled, LaneCommit, NewOutboxItem, PendingMessage, Store},
};

/// Why a lane could not finish a batch.
#[derive(Debug, thiserror::Error)]
enum LaneError {
    /// The batch stays queued and is tried again, however long the store needs.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The conversation failed on this batch (a panic, or an error of its own).
    #[error("the conversation failed: {0}")]
    Conversation(String),
}

/// Attempts at a batch the conversation fails on before it is handed to an officer.
const CONVERSATION_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone)]
pub struct LaneSettings {
    pub debounce: Duration,
    pub mark_read: bool,
    pub media_max_bytes: usize,
    /// Lanes working at the same time.
    pub max_active: usize,
    /// Messages a sender may send in a minute before their lane slows down (and they are told).
    pub flood_after: u32,
    /// How long a flooding sender's lane waits before each batch: what arrived meanwhile is
    /// answered together, in one reply.
    pub flood_delay: Duration,
}

/// The most messages one batch takes: a sender with hundreds waiting holds a lane (and its
/// photo checks) for a bounded time, then yields to the others.
const MAX_BATCH: usize = 20;

/// One sender's recent messages, for the flood limit.
#[derive(Default)]
struct Rate {
    /// When each message handled in the last minute was handled.
    recent: std::collections::VecDeque<std::time::Instant>,
    /// Told since they last went quiet.
    told: bool,
}

impl Rate {
    fn forget_older_than_a_minute(&mut self, now: std::time::Instant) {
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
        {
            self.recent.pop_front();
        }
    }
}

#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    store: Store,
    graph: GraphClient,
    outbox: OutboxHandle,
    settings: LaneSettings,
    conversations: Arc<dyn Conversations>,
    /// Active lanes; the flag says more work arrived since the lane last looked.
    lanes: Mutex<HashMap<ContactId, bool>>,
    permits: Semaphore,
    /// Senders' recent message counts (the flood limit); a sender quiet for a minute is dropped.
    rates: Mutex<HashMap<ContactId, Rate>>,
    /// The main runtime: lanes must outlive the HTTP workers that wake them.
    tokio: tokio::runtime::Handle,
}

impl Runtime {
    /// Must be called inside the main tokio runtime.
    pub fn new(
        store: Store,
        graph: GraphClient,
        outbox: OutboxHandle,
        settings: LaneSettings,
        conversations: Arc<dyn Conversations>,
    ) -> Runtime {
        let permits = Semaphore::new(settings.max_active.max(1));
        Runtime {
            inner: Arc::new(RuntimeInner {
                store,
                graph,
                outbox,
                settings,
                conversations,
                lanes: Mutex::new(HashMap::new()),
                permits,
                rates: Mutex::new(HashMap::new()),
                tokio: tokio::runtime::Handle::current(),
            }),
        }
    }

    /// Starts lanes for messages left waiting by an earlier run (crash or restart).
    pub fn resume(&self) -> crate::store::Result<usize> {
        let mut contacts = self.inner.store.contacts_with_pending()?;
        contacts.extend(self.inner.store.contacts_with_synthetic()?);
        contacts.sort_unstable();
        contacts.dedup();
        let n = contacts.len();
        for contact in contacts {
            self.wake(contact);
        }
        Ok(n)
    }

    /// Tells the contact's lane there is work, starting it if idle.
    pub fn wake(&self, contact: ContactId) {
        let mut lanes = match self.inner.lanes.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(dirty) = lanes.get_mut(&contact) {
            *dirty = true;
            return;
        }
        lanes.insert(contact, false);
        drop(lanes);
        let runtime = self.clone();
        let span = tracing::info_span!("lane", contact = %contact);
        self.inner
            .tokio
            .spawn(async move { runtime.run_lane(contact).await }.instrument(span));
    }

    /// Number of lanes currently active (for health and tests).
    pub fn active_lanes(&self) -> usize {
        self.inner.lanes.lock().map(|l| l.len()).unwrap_or(0)
    }

    async fn run_lane(self, contact: ContactId) {
        let (mut failures, mut conversation_failures) = (0u32, 0u32);
        loop {
            tokio::time::sleep(self.inner.settings.debounce).await;
            if self.over_limit(contact) {
                // Slowed: what the sender adds meanwhile is answered together.
                tokio::time::sleep(self.inner.settings.flood_delay).await;
            }
            self.set_dirty(contact, false);
            let hand_over = conversation_failures >= CONVERSATION_ATTEMPTS;
            let result = match self.inner.permits.acquire().await {
                // Boxed: the batch's work is a future of several KB, and after a burst thousands
                // of lanes wait here for a permit. Only the lanes that hold one allocate it.
                Ok(_permit) => Box::pin(self.handle_pending(contact, hand_over)).await,
                Err(_) => return,
            };
            match result {
                Ok(()) => (failures, conversation_failures) = (0, 0),
                Err(e) => {
                    // The messages stay queued; try again later rather than lose them.
                    if matches!(e, LaneError::Conversation(_)) {
                        conversation_failures += 1;
                    }
                    failures += 1;
                    if self.inner.store.write_failure().is_some() {
                        // Nothing can be made durable until loket restarts (it is stopping):
                        // the messages wait in the store, and the restart resumes them.
                        tracing::error!(error = %e, "lane stopped: the store failed");
                        let mut lanes = match self.inner.lanes.lock() {
                            Ok(l) => l,
                            Err(poisoned) => poisoned.into_inner(),
                        };
                        lanes.remove(&contact);
                        return;
                    }
                    tracing::error!(error = %e, failures, "lane failed, will retry");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(failures.min(50))))
                        .await;
                    self.set_dirty(contact, true);
                }
            }
            let mut lanes = match self.inner.lanes.lock() {
                Ok(l) => l,
                Err(poisoned) => poisoned.into_inner(),
            };
            if lanes.get(&contact) != Some(&true) {
                lanes.remove(&contact);
                return;
            }
        }
    }

    fn rates(&self) -> std::sync::MutexGuard<'_, HashMap<ContactId, Rate>> {
        match self.inner.rates.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Whether the sender passed the flood limit in the last minute.
    fn over_limit(&self, contact: ContactId) -> bool {
        let now = std::time::Instant::now();
        let mut rates = self.rates();
        let Some(rate) = rates.get_mut(&contact) else {
            return false;
        };
        rate.forget_older_than_a_minute(now);
        if rate.recent.is_empty() {
            rates.remove(&contact);
            return false;
        }
        rate.recent.len() > self.inner.settings.flood_after as usize
    }

    /// Counts `n` messages handled for the sender; true when this batch should tell them they
    /// passed the limit (once, until they go quiet for a minute).
    fn count(&self, contact: ContactId, n: usize) -> bool {
        let now = std::time::Instant::now();
        let mut rates = self.rates();
        // Senders quiet for a minute are forgotten, so the map stays as large as the flood.
        if rates.len() > 1024 {
            rates.retain(|_, r| {
                r.forget_older_than_a_minute(now);
                !r.recent.is_empty()
            });
        }
        let rate = rates.entry(contact).or_default();
        rate.forget_older_than_a_minute(now);
        if rate.recent.is_empty() {
            rate.told = false;
        }
        rate.recent.extend(std::iter::repeat_n(now, n));
        let over = rate.recent.len() > self.inner.settings.flood_after as usize;
        let tell = over && !rate.told;
        rate.told |= over;
        if tell {
            metrics::counter!("loket_senders_slowed_total").increment(1);
            tracing::warn!(
                messages = rate.recent.len(),
                "a sender passed the flood limit: answered more slowly"
            );
        }
        tell
    }

    fn set_dirty(&self, contact: ContactId, dirty: bool) {
        if let Ok(mut lanes) = self.inner.lanes.lock()
            && let Some(flag) = lanes.get_mut(&contact)
        {
            *flag = dirty;
        }
    }

    async fn handle_pending(
        &self,
        contact_id: ContactId,
        hand_over: bool,
    ) -> Result<(), LaneError> {
        let store = &self.inner.store;
        let mut pending: Vec<PendingMessage> = store.pending_for(contact_id)?;
        let mut synthetic = store.synthetic_for(contact_id)?;
        if pending.is_empty() && synthetic.is_empty() {
            return Ok(());
        }
        // A form filed at the counter, or a notice, is a batch of its own (see
        // `SyntheticInput::is_solo`); the chat's messages wait for the next round.
        let mut notice = None;
        if let Some(at) = synthetic.iter().position(|(_, s)| s.is_solo()) {
            let walk_in = synthetic.swap_remove(at);
            if !pending.is_empty() || !synthetic.is_empty() {
                self.set_dirty(contact_id, true);
            }
            if let SyntheticInput::Notice { id, .. } = &walk_in.1 {
                notice = Some(*id);
            }
            synthetic = vec![walk_in];
            pending.clear();
        }
        if pending.len() > MAX_BATCH {
            pending.truncate(MAX_BATCH);
            self.set_dirty(contact_id, true);
        }
        let flooding = !pending.is_empty() && self.count(contact_id, pending.len());
        let Some(contact) = store.contact(contact_id)? else {
            tracing::error!("work queued for an unknown contact");
            return Ok(());
        };
        // Media belong to the number they were sent to; replies go out from it too.
        let from = contact.business_number.as_deref();
        let graph = self.inner.graph.for_number(from);
        let mut arrivals = Vec::with_capacity(pending.len());
        // This batch's photo files stay on disk until it is decided, whatever other lanes drop.
        let mut pins = Vec::new();
        let mut commit = LaneCommit {
            contact: Some(contact_id),
            ..LaneCommit::default()
        };
        for p in &pending {
            let span =
                tracing::info_span!("message", kind = p.message.kind.name(), seq = p.journal_seq);
            let media = match p.message.kind.media_to_fetch() {
                Some(attachment) => {
                    let record = media::fetch(
                        &graph,
                        store,
                        attachment,
                        self.inner.settings.media_max_bytes,
                        &mut pins,
                    )
                    .instrument(span)
                    .await;
                    commit.media.push((attachment.id.clone(), record.clone()));
                    Some(record)
                }
                None => None,
            };
            arrivals.push(Arrival {
                message: p.message.clone(),
                media,
            });
            commit.handled.push(Handled {
                key: p.key.clone(),
                wamid: p.message.id.clone(),
                journal_seq: p.journal_seq,
            });
            commit.last_inbound_at = commit.last_inbound_at.max(Some(p.message.timestamp));
        }
        let (synthetic_keys, synthetic_inputs): (Vec<Vec<u8>>, Vec<SyntheticInput>) =
            synthetic.into_iter().unzip();
        commit.synthetic_handled = synthetic_keys;
        let mut seen_contact = contact.clone();
        seen_contact.last_inbound_at = seen_contact.last_inbound_at.max(commit.last_inbound_at);

        let state = store.conversation(contact_id)?;
        let conversations = self.inner.conversations.clone();
        let store_for_decision = store.clone();
        let decision = if hand_over {
            tracing::error!(
                attempts = CONVERSATION_ATTEMPTS,
                "the conversation keeps failing on these messages; handing them to an officer"
            );
            conversations.hand_over(Batch {
                contact: &seen_contact,
                state: state.as_ref(),
                arrivals: &arrivals,
                synthetic: &synthetic_inputs,
                now: lane_clock(),
                flooding,
            })
        } else {
            tokio::task::spawn_blocking(move || {
                let batch = Batch {
                    contact: &seen_contact,
                    state: state.as_ref(),
                    arrivals: &arrivals,
                    synthetic: &synthetic_inputs,
                    now: lane_clock(),
                    flooding,
                };
                conversations.decide(batch, &store_for_decision)
            })
            .await
            .map_err(|e| LaneError::Conversation(e.to_string()))?
            .map_err(|e| match e.downcast::<crate::store::StoreError>() {
                Ok(store) => LaneError::Store(store),
                Err(e) => LaneError::Conversation(format!("{e:#}")),
            })?
        };

        // A citizen filed for at the counter without a phone has nowhere to be told.
        if let Some(to) = contact.address().map(str::to_string) {
            if self.inner.settings.mark_read {
                for p in &pending {
                    commit.outbox.push(item(
                        contact_id,
                        from,
                        &to,
                        &Outgoing::MarkRead {
                            message_id: p.message.id.clone(),
                        },
                    ));
                }
            }
            for reply in decision.replies {
                for part in reply.fit_to_limits() {
                    let mut item = item(contact_id, from, &to, &part);
                    item.notice = notice;
                    commit.outbox.push(item);
                }
            }
        }
        commit.records = decision.records;
        // The chat both ways, for officers: what came in, then what goes out.
        let now = lane_clock();
        for p in &pending {
            commit.records.chat.push(ChatLine {
                at: jiff::Timestamp::from_second(p.message.timestamp).unwrap_or(now),
                from_parent: true,
                text: p.message.kind.chat_text(),
            });
        }
        for item in &commit.outbox {
            if let Some(text) = item.payload.chat_text() {
                commit.records.chat.push(ChatLine {
                    at: now,
                    from_parent: false,
                    text,
                });
            }
        }
        let forget = decision.forget_blobs;
        let ids = store.commit_lane(commit)?;
        store.commit().await?;
        self.inner.outbox.queued(ids);
        // Files go only once the decision that drops them is durable, and this lane's own pins
        // must not keep them.
        drop(pins);
        for sha in forget {
            if let Err(e) = store.forget_photo_file(&sha) {
                tracing::warn!(error = %e, "could not delete a photo file");
            }
        }
        tracing::info!(messages = pending.len(), "handled");
        Ok(())
    }

    /// Fires due wake-ups (reminders, expiry) as inputs to their lanes, every second.
    pub async fn run_wakeups(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            let now = jiff::Timestamp::now().as_millisecond();
            match self.inner.store.due_wakeups(now) {
                Ok(due) => {
                    for (contact, at) in due {
                        match self.inner.store.fire_wakeup(contact, at) {
                            Ok(true) => self.wake(contact),
                            Ok(false) => {}
                            Err(e) => tracing::error!(error = %e, "cannot fire a wake-up"),
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read wake-ups"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// An officer hands the conversation back to the bot (the desk's hook).
    pub fn hand_back(&self, contact: ContactId) -> crate::store::Result<()> {
        self.inner
            .store
            .close_escalations(contact, jiff::Timestamp::now().as_millisecond())?;
        self.inner
            .store
            .queue_synthetic(contact, SyntheticInput::HandBack)?;
        self.wake(contact);
        Ok(())
    }
}

/// Now, in whole milliseconds as the lane log records it, so replay sees the very same clock.
fn lane_clock() -> jiff::Timestamp {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
}

fn item(contact: ContactId, from: Option<&str>, to: &str, message: &Outgoing) -> NewOutboxItem {
    NewOutboxItem {
        contact: Some(contact),
        to: to.to_string(),
        from: from.map(str::to_string),
        payload: message.clone(),
        notice: None,
    }
}
