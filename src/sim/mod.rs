//! The local WhatsApp simulator (simulator mode: no Meta credentials).
//!
//! It plays Meta's side of the contract through the same front door Meta uses: every parent
//! message is a signed webhook POSTed to loket's `/webhook`; loket fetches media from the
//! simulator's Graph endpoints and sends its replies through its real Graph client to
//! `/sim/graph/{version}/...`; the simulator answers like Meta and reports `sent`, `delivered`
//! and `read` back as status webhooks. The chat page at `/sim` lets a person act as a parent.
//!
//! Routes (all under `/sim`, mounted only in simulator mode):
//! - `GET /sim` the chat page, `GET /sim/assets/*` its script and style;
//! - `/sim/api/...` the page's JSON API (see `page.rs`);
//! - `POST /sim/graph/{version}/{phone_number_id}/messages`, `GET /sim/graph/{version}/{media_id}`
//!   and `GET /sim/media/{media_id}`: Meta's side (see `graph.rs`).

mod delivery;
mod envelope;
mod graph;
pub use graph::{GraphFault, check_send};
mod page;
mod samples;
pub use samples::is_sample_name;
mod state;

use std::{
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use actix_web::web;
use serde_json::Value;
use thiserror::Error;
use tokio::sync::{Notify, mpsc::UnboundedSender};

use delivery::Delivery;
use envelope::{Business, Failure, Inbound, Parent};
use page::PageError;
use state::{ChatMessage, Content, Media, State, Status};

/// Everything the simulator needs to know; `SimulatorConfig::new` fills sensible defaults.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// Where loket receives webhooks, e.g. `http://127.0.0.1:8080/webhook`.
    pub webhook_url: String,
    /// Signs every webhook (`X-Hub-Signature-256`).
    pub app_secret: String,
    /// The only phone number id the Graph routes accept.
    pub phone_number_id: String,
    /// The bearer token loket sends (in simulator mode, one made up at each start). Required
    /// on every Graph route; empty refuses every call.
    pub access_token: String,
    /// The business number shown in envelopes (`metadata.display_phone_number`).
    pub display_phone_number: String,
    /// The WhatsApp Business Account id (`entry[].id`).
    pub waba_id: String,
    /// The name in the chat header.
    pub business_name: String,
    /// The office's other numbers in the same business account (`flows/numbers.toml`): the
    /// page offers each as a chat of its own, and the Graph routes answer for each.
    pub other_numbers: Vec<SimNumber>,
    /// How the page names `phone_number_id` when there are other numbers.
    pub label: String,
}

/// Another business number of the office, as the simulator plays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimNumber {
    pub phone_number_id: String,
    /// Digits only, as in `metadata.display_phone_number`.
    pub display_phone_number: String,
    pub label: String,
}

impl SimulatorConfig {
    pub fn new(
        webhook_url: impl Into<String>,
        app_secret: impl Into<String>,
        phone_number_id: impl Into<String>,
        access_token: impl Into<String>,
    ) -> SimulatorConfig {
        SimulatorConfig {
            webhook_url: webhook_url.into(),
            app_secret: app_secret.into(),
            phone_number_id: phone_number_id.into(),
            access_token: access_token.into(),
            display_phone_number: "6281100000001".into(),
            waba_id: "100000000000002".into(),
            business_name: "Disdukcapil".into(),
            other_numbers: Vec::new(),
            label: String::new(),
        }
    }
}

#[derive(Debug, Error)]
pub enum SimError {
    #[error("the simulator cannot start its webhook sender: {0}")]
    Start(std::io::Error),
}

/// The simulator: cheap to clone, all state in memory.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: SimulatorConfig,
    /// The configured number first, then the others.
    businesses: Vec<Business>,
    /// Origin of the webhook URL (`http://host:port`), for media URLs in webhooks.
    origin: String,
    /// Random per process: keeps wamids unique across restarts (loket dedupes by wamid).
    session: String,
    session_digits: u64,
    state: Mutex<State>,
    /// Wakes long polls after any change.
    changed: Notify,
    /// Set by [`Simulator::shutdown`]: polls answer at once.
    closing: AtomicBool,
    outbox: UnboundedSender<Delivery>,
}

/// How long WhatsApp lets a business answer freely after the parent's last message.
const SERVICE_WINDOW_SECS: i64 = 24 * 60 * 60;
/// Meta clears a typing indicator after this long, or with the next message.
const TYPING_SECS: i64 = 25;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Simulator {
    /// A simulator with default business details; see [`SimulatorConfig`].
    pub fn new(
        webhook_url: &str,
        app_secret: &str,
        phone_number_id: &str,
        access_token: &str,
    ) -> Result<Simulator, SimError> {
        Simulator::with_config(SimulatorConfig::new(
            webhook_url,
            app_secret,
            phone_number_id,
            access_token,
        ))
    }

    pub fn with_config(config: SimulatorConfig) -> Result<Simulator, SimError> {
        let origin = origin_of(&config.webhook_url);
        let businesses: Vec<Business> = std::iter::once(Business {
            waba_id: config.waba_id.clone(),
            phone_number_id: config.phone_number_id.clone(),
            display_phone_number: config.display_phone_number.clone(),
        })
        .chain(config.other_numbers.iter().map(|n| Business {
            waba_id: config.waba_id.clone(),
            phone_number_id: n.phone_number_id.clone(),
            display_phone_number: n.display_phone_number.clone(),
        }))
        .collect();
        let mut start_error = None;
        let inner = Arc::new_cyclic(|weak| {
            let outbox = match delivery::start(
                config.webhook_url.clone(),
                config.app_secret.clone().into_bytes(),
                weak.clone(),
            ) {
                Ok(tx) => tx,
                Err(e) => {
                    start_error = Some(e);
                    // A sender whose receiver is gone: sends fail, nothing else breaks.
                    tokio::sync::mpsc::unbounded_channel().0
                }
            };
            Inner {
                config,
                businesses,
                origin,
                session: (0..8).map(|_| fastrand::alphanumeric()).collect::<String>(),
                session_digits: fastrand::u64(100_000_000..1_000_000_000),
                state: Mutex::new(State::default()),
                changed: Notify::new(),
                closing: AtomicBool::new(false),
                outbox,
            }
        });
        if let Some(e) = start_error {
            return Err(SimError::Start(e));
        }
        Ok(Simulator { inner })
    }

    pub fn config(&self) -> &SimulatorConfig {
        &self.inner.config
    }

    /// Whether the simulator plays this business number (its phone number ID).
    pub(crate) fn plays(&self, phone_number_id: &str) -> bool {
        self.inner
            .businesses
            .iter()
            .any(|b| b.phone_number_id == phone_number_id)
    }

    /// The chat of a parent with one of the numbers: the configured number's chats are keyed
    /// by the parent's phone, the others' by `phone@phone_number_id`.
    pub(crate) fn chat_key(&self, phone_number_id: &str, phone: &str) -> String {
        if phone_number_id == self.inner.config.phone_number_id {
            phone.to_string()
        } else {
            format!("{phone}@{phone_number_id}")
        }
    }

    /// Ends the page's long polls now and answers later ones at once, so that a graceful stop
    /// of the HTTP server does not wait for them. Call it just before stopping the server.
    pub fn shutdown(&self) {
        self.inner.closing.store(true, Ordering::Relaxed);
        self.inner.changed.notify_waiters();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock()
    }

    fn wamid(&self, n: u64) -> String {
        format!(
            "wamid.SIM{}{n:010X}",
            self.inner.session.to_ascii_uppercase()
        )
    }

    /// Meta's media ids are digits; 16 of them, unique per process run.
    fn media_id(&self, n: u64) -> String {
        format!("{}{n:07}", self.inner.session_digits)
    }

    /// A parent sends something: store it, then POST it to loket as a signed webhook.
    /// Returns the page's view of the new message.
    pub(crate) fn parent_sends(
        &self,
        phone: &str,
        name: Option<&str>,
        draft: Draft,
    ) -> Result<Value, PageError> {
        // Hashing 10 MB takes a while; not under the lock.
        let digests = match &draft {
            Draft::Media { bytes, .. } => Some(envelope::sha256_both(bytes)),
            _ => None,
        };
        // `phone` is the chat's key: the parent's phone, and the number unless the first.
        let key = phone;
        let (phone, business) = self.inner.parts(key);
        let mut state = self.lock();
        let chat = state.chats.entry(key.to_string()).or_default();
        if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
            chat.name = name.chars().take(60).collect();
        } else if chat.name.is_empty() {
            chat.name = "Orang tua".into();
        }
        let parent_name = chat.name.clone();

        let mut media_sha256 = None;
        let (content, reply_to) = match draft {
            Draft::Text(body) => (Content::Text { body }, None),
            Draft::Reply { message_id, id } => {
                let content = reply_for(&state, key, &message_id, &id)?;
                (content, Some(message_id))
            }
            Draft::Media {
                as_document,
                bytes,
                mime_type,
                filename,
                caption,
            } => {
                let n = state.next();
                let media_id = self.media_id(n);
                let size = bytes.len();
                let (base64, hex) = digests.unwrap_or_default();
                media_sha256 = Some(base64);
                state.add_media(
                    media_id.clone(),
                    Media {
                        sha256_hex: hex,
                        bytes: Arc::new(bytes),
                        mime_type: mime_type.clone(),
                    },
                );
                let content = if as_document {
                    Content::Document {
                        media_id,
                        mime_type,
                        filename,
                        caption,
                        size,
                    }
                } else {
                    Content::Image {
                        media_id,
                        mime_type,
                        caption,
                        size,
                    }
                };
                (content, None)
            }
        };

        let n = state.next();
        let wamid = self.wamid(n);
        let timestamp = now();
        let inbound = Inbound {
            wamid: &wamid,
            timestamp,
            content: &content,
            media_sha256: media_sha256.as_deref(),
            reply_to: reply_to.as_deref(),
        };
        let parent = Parent {
            phone,
            name: &parent_name,
        };
        let body = envelope::inbound_message(business, &parent, &inbound, &self.inner.origin)
            .map(|message| envelope::message_envelope(business, &parent, message))
            .map(|value| envelope::to_wire(&value))
            .ok_or_else(|| {
                PageError::bad_request("not_sendable", "Isi pesan ini tidak bisa dikirim.")
            })?;

        let position = state.push(
            key,
            ChatMessage {
                wamid,
                from_parent: true,
                timestamp,
                status: Status::Sent,
                version: 0,
                content,
                reply_to,
                error: None,
            },
        );
        // Enqueued under the lock, so webhooks leave in the order the state changed.
        self.inner.enqueue(Delivery {
            body,
            track: Some((key.to_string(), position)),
            not_before: None,
        });
        let view = state
            .changes(key, state.cursor().saturating_sub(1))
            .pop()
            .unwrap_or(Value::Null);
        drop(state);
        self.inner.changed.notify_waiters();
        Ok(view)
    }

    /// loket sends a message from one of the numbers (accepted by the Graph route). Returns the
    /// new wamid.
    pub(crate) fn business_sends(
        &self,
        phone_number_id: &str,
        to: &str,
        content: Content,
        reply_to: Option<String>,
    ) -> String {
        let key = self.chat_key(phone_number_id, to);
        let to = key.as_str();
        let template = matches!(content, Content::Template { .. });
        let mut state = self.lock();
        let n = state.next();
        let wamid = self.wamid(n);
        let timestamp = now();
        // Free-form messages need the parent's message in the last 24 hours. A chat the
        // simulator has not seen since it started gets the benefit of the doubt.
        let outside_window = !template
            && state
                .chats
                .get(to)
                .and_then(|c| c.last_inbound)
                .is_some_and(|at| timestamp - at > SERVICE_WINDOW_SECS);
        let position = state.push(
            to,
            ChatMessage {
                wamid: wamid.clone(),
                from_parent: false,
                timestamp,
                status: Status::Sent,
                version: 0,
                content,
                reply_to,
                error: None,
            },
        );
        let failure = outside_window.then(|| Failure {
            code: 131047,
            title: "Re-engagement message".into(),
            details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.".into(),
        });
        if let Some(failure) = &failure {
            state.fail(
                to,
                position,
                format!(
                    "tidak terkirim ({}): di luar jendela layanan 24 jam",
                    failure.code
                ),
            );
        }
        let status = if failure.is_some() { "failed" } else { "sent" };
        self.inner.status_webhook(
            &mut state,
            to,
            &wamid,
            status,
            template,
            failure.as_ref(),
            Some(Instant::now() + Duration::from_millis(150)),
        );
        drop(state);
        self.inner.changed.notify_waiters();
        wamid
    }

    /// loket marked a parent's message read: it and every earlier one of that chat turn blue.
    pub(crate) fn business_reads(&self, wamid: &str, typing: bool) -> bool {
        let mut state = self.lock();
        let Some((phone, position)) = state.locate(wamid) else {
            return false;
        };
        if !state
            .message(&phone, position)
            .is_some_and(|m| m.from_parent)
        {
            return false;
        }
        for at in 0..=position {
            if state.message(&phone, at).is_some_and(|m| m.from_parent) {
                state.advance(&phone, at, Status::Read);
            }
        }
        if typing && let Some(chat) = state.chats.get_mut(&phone) {
            chat.typing_until = Some(now() + TYPING_SECS);
            state.touch(&phone);
        }
        drop(state);
        self.inner.changed.notify_waiters();
        true
    }

    /// The page fetches changes of a chat after `since`: loket's messages it receives are
    /// delivered (two grey ticks, a `delivered` webhook). Waits up to `wait` for a change.
    pub(crate) async fn poll(&self, phone: &str, since: u64, wait: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.inner.changed.notified();
            tokio::pin!(notified);
            // Registered before looking, so a change in between is not missed.
            notified.as_mut().enable();
            {
                let mut state = self.lock();
                self.inner
                    .advance_business_messages(&mut state, phone, Status::Delivered);
                let messages = state.changes(phone, since);
                let typing = state
                    .chats
                    .get(phone)
                    .and_then(|c| c.typing_until)
                    .is_some_and(|until| until > now());
                if !messages.is_empty()
                    || tokio::time::Instant::now() >= deadline
                    || self.inner.closing.load(Ordering::Relaxed)
                {
                    return serde_json::json!({
                        "session": self.inner.session,
                        "phone": phone,
                        "cursor": state.cursor(),
                        "typing": typing,
                        "messages": messages,
                    });
                }
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    /// The page showed the chat: loket's messages are read (blue ticks on loket's side).
    pub(crate) fn parent_reads(&self, phone: &str) -> usize {
        let mut state = self.lock();
        let changed = self
            .inner
            .advance_business_messages(&mut state, phone, Status::Read);
        drop(state);
        if changed > 0 {
            self.inner.changed.notify_waiters();
        }
        changed
    }

    pub(crate) fn media(&self, media_id: &str) -> Option<Media> {
        self.lock().media(media_id).cloned()
    }
}

/// What a parent sends, before the simulator gives it ids.
pub(crate) enum Draft {
    Text(String),
    /// A tap on a reply button or a list row of loket's message `message_id`.
    Reply {
        message_id: String,
        id: String,
    },
    Media {
        as_document: bool,
        bytes: Vec<u8>,
        mime_type: String,
        filename: String,
        caption: Option<String>,
    },
}

/// The reply a tap produces; only buttons and rows loket actually sent can be tapped.
fn reply_for(state: &State, phone: &str, message_id: &str, id: &str) -> Result<Content, PageError> {
    let message = state
        .locate(message_id)
        .filter(|(p, _)| p == phone)
        .and_then(|(p, at)| state.message(&p, at).cloned())
        .filter(|m| !m.from_parent)
        .ok_or_else(|| {
            PageError::not_found("unknown_message", "Pesan itu tidak ada di chat ini.")
        })?;
    let unknown =
        || PageError::bad_request("unknown_choice", "Pilihan itu tidak ada di pesan ini.");
    match message.content {
        Content::Buttons { buttons, .. } => buttons
            .into_iter()
            .find(|b| b.id == id)
            .map(|b| Content::ButtonReply {
                id: b.id,
                title: b.title,
            })
            .ok_or_else(unknown),
        Content::List { sections, .. } => sections
            .into_iter()
            .flat_map(|s| s.rows)
            .find(|r| r.id == id)
            .map(|r| Content::ListReply {
                id: r.id,
                title: r.title,
                description: r.description,
            })
            .ok_or_else(unknown),
        _ => Err(PageError::bad_request(
            "not_interactive",
            "Pesan itu tidak punya tombol atau daftar.",
        )),
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the simulator down with it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A chat key's parent phone and business number (see [`Simulator::chat_key`]).
    fn parts<'k>(&self, key: &'k str) -> (&'k str, &Business) {
        let (phone, number) = match key.split_once('@') {
            Some((phone, number)) => (phone, Some(number)),
            None => (key, None),
        };
        let business = number
            .and_then(|n| self.businesses.iter().find(|b| b.phone_number_id == n))
            .unwrap_or(&self.businesses[0]);
        (phone, business)
    }

    fn enqueue(&self, delivery: Delivery) {
        if self.outbox.send(delivery).is_err() {
            tracing::error!("simulator: the webhook sender has stopped");
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn status_webhook(
        &self,
        state: &mut State,
        key: &str,
        wamid: &str,
        status: &str,
        template: bool,
        failure: Option<&Failure>,
        not_before: Option<Instant>,
    ) {
        let name = state
            .chats
            .get(key)
            .map(|c| c.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Orang tua".into());
        let (phone, business) = self.parts(key);
        let parent = Parent { phone, name: &name };
        let value =
            envelope::status_envelope(business, &parent, wamid, status, now(), template, failure);
        self.enqueue(Delivery {
            body: envelope::to_wire(&value),
            track: None,
            not_before,
        });
    }

    /// Moves loket's messages in a chat to `status` (delivered or read) and reports each move.
    fn advance_business_messages(&self, state: &mut State, phone: &str, status: Status) -> usize {
        let pending: Vec<(usize, String, bool)> = state
            .chats
            .get(phone)
            .map(|chat| {
                chat.messages
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| {
                        !m.from_parent
                            && matches!(
                                (m.status, status),
                                (Status::Sent, Status::Delivered | Status::Read)
                                    | (Status::Delivered, Status::Read)
                            )
                    })
                    .map(|(at, m)| {
                        (
                            at,
                            m.wamid.clone(),
                            matches!(m.content, Content::Template { .. }),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (at, wamid, template) in &pending {
            if state.advance(phone, *at, status) {
                // Meta: when delivery and reading happen together, only `read` is sent.
                self.status_webhook(state, phone, wamid, status.as_str(), *template, None, None);
            }
        }
        pending.len()
    }

    /// The webhook sender's report on a parent's message.
    fn webhook_done(&self, track: Option<(String, usize)>, result: Result<(), String>) {
        let Some((phone, position)) = track else {
            return;
        };
        let mut state = self.lock();
        let changed = match result {
            Ok(()) => state.advance(&phone, position, Status::Delivered),
            Err(error) => state.fail(&phone, position, error),
        };
        drop(state);
        if changed {
            self.changed.notify_waiters();
        }
    }
}

/// `http://host:port` of a URL (everything before the path).
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => url[..after_scheme + slash].to_string(),
        None => url.trim_end_matches('/').to_string(),
    }
}

/// Mounts the simulator under `/sim`. Call only in simulator mode.
pub fn configure(cfg: &mut web::ServiceConfig, sim: web::Data<Simulator>) {
    cfg.service(
        web::scope("/sim")
            .wrap(actix_web::middleware::from_fn(guard))
            .app_data(sim)
            .route("", web::get().to(page::index))
            .route("/", web::get().to(page::index))
            .route("/assets/sim.css", web::get().to(page::css))
            .route("/assets/sim.js", web::get().to(page::js))
            .route("/api/samples", web::get().to(page::samples))
            .route("/api/samples/{name}", web::get().to(page::sample_file))
            .route("/api/media/{media_id}", web::get().to(page::media))
            .service(
                web::resource("/api/chats/{phone}/messages")
                    .route(web::get().to(page::poll))
                    .route(web::post().to(page::send)),
            )
            .route("/api/chats/{phone}/media", web::post().to(page::upload))
            .route("/api/chats/{phone}/read", web::post().to(page::read))
            .route(
                "/graph/{version}/{phone_number_id}/messages",
                web::post().to(graph::messages),
            )
            .route(
                "/graph/{version}/{media_id}",
                web::get().to(graph::media_info),
            )
            .route("/media/{media_id}", web::get().to(graph::download))
            .default_service(web::to(page::not_found)),
    );
}

/// The simulator runs on people's laptops, where any web page they open can reach loopback:
/// a request must name this machine (an IP address or `localhost`, so a DNS name rebound to
/// 127.0.0.1 is refused), a browser's request that changes something must come from the
/// simulator's own page, and nothing it serves may be sniffed into a script.
async fn guard(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if let Err(refused) = allowed(request.request()) {
        return Ok(request.error_response(refused).map_into_right_body());
    }
    let mut response = next.call(request).await?;
    response.headers_mut().insert(
        actix_web::http::header::X_CONTENT_TYPE_OPTIONS,
        actix_web::http::header::HeaderValue::from_static("nosniff"),
    );
    Ok(response.map_into_left_body())
}

fn allowed(request: &actix_web::HttpRequest) -> Result<(), page::PageError> {
    let refused = |message: &str| page::PageError::forbidden("foreign_origin", message);
    let host = request
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| request.connection_info().host().to_string());
    if !is_local_host(&host) {
        return Err(refused(
            "Simulator hanya melayani alamat IP atau localhost (bukan nama domain).",
        ));
    }
    let safe = matches!(
        *request.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    if let Some(origin) = request.headers().get(actix_web::http::header::ORIGIN)
        && !safe
    {
        let origin = origin.to_str().unwrap_or("");
        let same = origin
            .split_once("://")
            .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && rest == host);
        if !same {
            return Err(refused("Kiriman dari halaman lain ditolak."));
        }
    }
    Ok(())
}

/// `localhost`, `127.0.0.1:8080`, `[::1]:8080`, `192.168.1.5`: names that no DNS can rebind.
fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((v6, port)) if port.is_empty() || port.starts_with(':') => {
                return v6.parse::<std::net::Ipv6Addr>().is_ok();
            }
            _ => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::Ipv4Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_and_localhost_are_hosts_of_the_simulator() {
        for host in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "[::1]",
            "192.168.1.5",
        ] {
            assert!(is_local_host(host), "{host}");
        }
        for host in [
            "evil.example:8080",
            "127.0.0.1.nip.io",
            "[::1",
            "",
            "localhost.evil.example",
        ] {
            assert!(!is_local_host(host), "{host}");
        }
    }

    #[test]
    fn the_origin_is_what_comes_before_the_path() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/webhook"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin_of("http://localhost:1"), "http://localhost:1");
    }

    #[actix_web::test]
    async fn a_long_poll_wakes_on_news_and_ends_on_shutdown() {
        let sim = Simulator::new("http://127.0.0.1:9/webhook", "s", "1", "").unwrap();
        let waiting = sim.clone();
        let poll = actix_web::rt::spawn(async move {
            waiting
                .poll("6281211112222", 0, Duration::from_secs(20))
                .await
        });
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        sim.business_sends(
            &sim.config().phone_number_id.clone(),
            "6281211112222",
            Content::Text {
                body: "Halo".into(),
            },
            None,
        );
        let answer = tokio::time::timeout(Duration::from_secs(2), poll)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(answer["messages"][0]["content"]["body"], "Halo");

        let cursor = answer["cursor"].as_u64().unwrap();
        let waiting = sim.clone();
        let poll = actix_web::rt::spawn(async move {
            waiting
                .poll("6281211112222", cursor, Duration::from_secs(20))
                .await
        });
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        sim.shutdown();
        let answer = tokio::time::timeout(Duration::from_secs(2), poll)
            .await
            .unwrap()
            .unwrap();
        assert!(answer["messages"].as_array().unwrap().is_empty());
    }

    #[actix_web::test]
    async fn each_office_number_is_a_chat_of_its_own() {
        let mut config = SimulatorConfig::new("http://127.0.0.1:9/webhook", "s", "1", "");
        config.other_numbers.push(SimNumber {
            phone_number_id: "3".into(),
            display_phone_number: "6281100000003".into(),
            label: "Akta kematian".into(),
        });
        let sim = Simulator::with_config(config).unwrap();
        assert!(sim.plays("1") && sim.plays("3") && !sim.plays("4"));
        let body = |text: &str| Content::Text { body: text.into() };
        sim.business_sends("3", "6281211112222", body("dari nomor 3"), None);
        sim.business_sends("1", "6281211112222", body("dari nomor 1"), None);
        let second = sim
            .poll("6281211112222@3", 0, Duration::from_millis(0))
            .await;
        let first = sim.poll("6281211112222", 0, Duration::from_millis(0)).await;
        assert_eq!(second["messages"].as_array().unwrap().len(), 1);
        assert_eq!(second["messages"][0]["content"]["body"], "dari nomor 3");
        assert_eq!(first["messages"][0]["content"]["body"], "dari nomor 1");
        // The parent writing in that chat reaches loket as a message to number 3.
        let (phone, business) = sim.inner.parts("6281211112222@3");
        assert_eq!(
            (phone, business.phone_number_id.as_str()),
            ("6281211112222", "3")
        );
        assert_eq!(business.display_phone_number, "6281100000003");
    }
}
