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

use crate::{
    channel::{
        graph::{GraphClient, Outgoing},
        media::{self, MediaRecord},
        outbox::OutboxHandle,
    },
    domain::event::{InboundMessage, MessageKind},
    store::{Contact, ContactId, LaneCommit, NewOutboxItem, PendingMessage, Store},
};

/// One message as the conversation sees it: with its media already fetched.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub message: InboundMessage,
    pub media: Option<MediaRecord>,
}

/// What the conversation decided for a batch of arrivals.
#[derive(Debug, Default)]
pub struct Decision {
    /// New conversation state, if it changed.
    pub state: Option<Vec<u8>>,
    pub replies: Vec<Outgoing>,
}

/// The conversation behind the lanes. Pure decisions over stored state: no sending here.
pub trait Conversations: Send + Sync + 'static {
    fn decide(
        &self,
        contact: &Contact,
        state: Option<&[u8]>,
        arrivals: &[Arrival],
        store: &Store,
    ) -> Decision;
}

#[derive(Debug, Clone)]
pub struct LaneSettings {
    pub debounce: Duration,
    pub mark_read: bool,
    pub media_max_bytes: usize,
    /// Lanes working at the same time.
    pub max_active: usize,
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
                tokio: tokio::runtime::Handle::current(),
            }),
        }
    }

    /// Starts lanes for messages left waiting by an earlier run (crash or restart).
    pub fn resume(&self) -> crate::store::Result<usize> {
        let contacts = self.inner.store.contacts_with_pending()?;
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
        let mut failures = 0u32;
        loop {
            tokio::time::sleep(self.inner.settings.debounce).await;
            self.set_dirty(contact, false);
            let result = match self.inner.permits.acquire().await {
                Ok(_permit) => self.handle_pending(contact).await,
                Err(_) => return,
            };
            match result {
                Ok(()) => failures = 0,
                Err(e) => {
                    // The messages stay queued; try again later rather than lose them.
                    failures += 1;
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

    fn set_dirty(&self, contact: ContactId, dirty: bool) {
        if let Ok(mut lanes) = self.inner.lanes.lock()
            && let Some(flag) = lanes.get_mut(&contact)
        {
            *flag = dirty;
        }
    }

    async fn handle_pending(&self, contact_id: ContactId) -> crate::store::Result<()> {
        let store = &self.inner.store;
        let pending: Vec<PendingMessage> = store.pending_for(contact_id)?;
        if pending.is_empty() {
            return Ok(());
        }
        let Some(contact) = store.contact(contact_id)? else {
            tracing::error!("pending messages of an unknown contact");
            return Ok(());
        };
        let mut arrivals = Vec::with_capacity(pending.len());
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
                        &self.inner.graph,
                        store,
                        attachment,
                        self.inner.settings.media_max_bytes,
                    )
                    .instrument(span)
                    .await;
                    if let Ok(json) = serde_json::to_vec(&record) {
                        commit.media.push((attachment.id.clone(), json));
                    }
                    Some(record)
                }
                None => None,
            };
            arrivals.push(Arrival {
                message: p.message.clone(),
                media,
            });
            commit
                .handled
                .push((p.key.clone(), p.message.id.clone(), p.journal_seq));
            commit.last_inbound_at = commit.last_inbound_at.max(Some(p.message.timestamp));
        }
        let mut seen_contact = contact.clone();
        seen_contact.last_inbound_at = seen_contact.last_inbound_at.max(commit.last_inbound_at);

        let state = store.conversation(contact_id)?;
        let conversations = self.inner.conversations.clone();
        let store_for_decision = store.clone();
        let decision = tokio::task::spawn_blocking(move || {
            conversations.decide(
                &seen_contact,
                state.as_deref(),
                &arrivals,
                &store_for_decision,
            )
        })
        .await
        .map_err(|e| {
            crate::store::StoreError::Io(std::io::Error::other(format!(
                "conversation task failed: {e}"
            )))
        })?;

        let Some(to) = contact.address().map(str::to_string) else {
            return Err(crate::store::StoreError::Corrupt {
                what: "contact",
                reason: "no address".into(),
            });
        };
        if self.inner.settings.mark_read {
            for p in &pending {
                commit.outbox.push(item(
                    contact_id,
                    &to,
                    &Outgoing::MarkRead {
                        message_id: p.message.id.clone(),
                    },
                ));
            }
        }
        for reply in decision.replies {
            for part in reply.fit_to_limits() {
                commit.outbox.push(item(contact_id, &to, &part));
            }
        }
        commit.conversation = decision.state;
        let ids = store.commit_lane(commit)?;
        store.commit().await?;
        self.inner.outbox.queued(ids);
        tracing::info!(messages = pending.len(), "handled");
        Ok(())
    }
}

fn item(contact: ContactId, to: &str, message: &Outgoing) -> NewOutboxItem {
    NewOutboxItem {
        contact: Some(contact),
        to: to.to_string(),
        payload: serde_json::to_value(message).unwrap_or_default(),
    }
}

/// The channel's own answers until the conversation engine takes over: a greeting that names
/// the office for any text, and a polite request for a photo when a PDF arrives.
pub struct Greeter {
    pub office_name: String,
}

impl Conversations for Greeter {
    fn decide(
        &self,
        contact: &Contact,
        _state: Option<&[u8]>,
        arrivals: &[Arrival],
        _store: &Store,
    ) -> Decision {
        let mut replies = Vec::new();
        let name = contact
            .name
            .as_deref()
            .map(|n| format!(" {n}"))
            .unwrap_or_default();
        for arrival in arrivals {
            let reply = match &arrival.message.kind {
                MessageKind::Text { .. } => format!(
                    "Halo{name}, terima kasih telah menghubungi layanan WhatsApp {}. Pesan Anda sudah kami terima.\n\n(Hello, thank you for contacting {}.)",
                    self.office_name, self.office_name
                ),
                MessageKind::Document { media } if !media.mime_type.as_deref().unwrap_or("").starts_with("image/") => {
                    "Mohon maaf, berkas PDF/dokumen belum bisa kami terima. Silakan kirim dokumen sebagai *foto* (kamera), bukan PDF.\n\n(Please send the document as a photo, not a PDF.)".to_string()
                }
                MessageKind::Unsupported { .. } | MessageKind::Unknown { .. } => {
                    "Mohon maaf, jenis pesan ini belum bisa kami baca. Silakan kirim sebagai teks atau foto.\n\n(Sorry, we cannot read this kind of message. Please send text or a photo.)".to_string()
                }
                _ => continue,
            };
            if !replies
                .iter()
                .any(|r| matches!(r, Outgoing::Text { body } if *body == reply))
            {
                replies.push(Outgoing::Text { body: reply });
            }
        }
        Decision {
            state: None,
            replies,
        }
    }
}
