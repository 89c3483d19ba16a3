//! A loopback stand-in for Meta's Graph API: the only stand-in the tests use. It speaks the
//! documented contract (messages, mark-as-read, media info, media download with the bearer
//! token), checks every send with the simulator's checks of that contract
//! (`loket::sim::check_send`), records what it was sent, and can be told to fail the way Meta
//! fails.

use std::{
    collections::{HashMap, VecDeque},
    net::TcpListener,
    sync::{Arc, Mutex},
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

pub const TOKEN: &str = "test-access-token";
pub const PHONE_NUMBER_ID: &str = "118273645509876";
/// A second number of the same business account: the death-certificate number of the built-in
/// `flows/numbers.toml`.
pub const SECOND_PHONE_NUMBER_ID: &str = "100000000000003";

#[derive(Default)]
struct State {
    sent: Vec<Value>,
    /// The business number each of `sent` went out from.
    senders: Vec<String>,
    /// Scripted answers for the next sends: (HTTP status, Graph error code).
    send_failures: VecDeque<(u16, i64)>,
    media: HashMap<String, (Vec<u8>, String)>,
    /// Media ids whose next N downloads answer 404 (an expired URL).
    expired_downloads: HashMap<String, u32>,
    /// Media ids whose download URL redirects to itself, for ever.
    redirect_loops: Vec<String>,
    media_info_calls: HashMap<String, u32>,
    download_calls: HashMap<String, u32>,
    download_without_auth: u32,
    next_wamid: u64,
}

#[derive(Clone)]
pub struct GraphStandIn {
    state: Arc<Mutex<State>>,
    pub base_url: String,
    handle: actix_web::dev::ServerHandle,
}

impl GraphStandIn {
    pub async fn start() -> GraphStandIn {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let base_url = format!("http://127.0.0.1:{port}");
        let data = web::Data::new(Shared {
            state: state.clone(),
            base_url: base_url.clone(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/v25.0/{phone}/messages", web::post().to(messages))
                .route("/v25.0/{media_id}", web::get().to(media_info))
                .route("/download/{media_id}", web::get().to(download))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        GraphStandIn {
            state,
            base_url: format!("{base_url}/v25.0"),
            handle,
        }
    }

    pub fn sent(&self) -> Vec<Value> {
        self.state.lock().unwrap().sent.clone()
    }

    /// What was sent from one business number (its phone number ID).
    pub fn sent_from(&self, phone_number_id: &str) -> Vec<Value> {
        let state = self.state.lock().unwrap();
        state
            .sent
            .iter()
            .zip(&state.senders)
            .filter(|(_, from)| *from == phone_number_id)
            .map(|(body, _)| body.clone())
            .collect()
    }

    /// Messages sent to `to`, excluding read receipts.
    pub fn messages_to(&self, to: &str) -> Vec<Value> {
        self.sent().into_iter().filter(|m| m["to"] == to).collect()
    }

    /// The bodies of what `to` was sent: texts and interactive messages alike.
    pub fn texts_to(&self, to: &str) -> Vec<String> {
        self.messages_to(to)
            .iter()
            .filter_map(|m| {
                m.pointer("/text/body")
                    .or_else(|| m.pointer("/interactive/body/text"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect()
    }

    pub fn read_receipts(&self) -> Vec<String> {
        self.sent()
            .iter()
            .filter(|m| m["status"] == "read")
            .filter_map(|m| m["message_id"].as_str().map(str::to_string))
            .collect()
    }

    pub fn fail_next_sends(&self, failures: &[(u16, i64)]) {
        self.state
            .lock()
            .unwrap()
            .send_failures
            .extend(failures.iter().copied());
    }

    pub fn add_media(&self, id: &str, bytes: Vec<u8>, mime: &str) {
        self.state
            .lock()
            .unwrap()
            .media
            .insert(id.into(), (bytes, mime.into()));
    }

    pub fn expire_next_downloads(&self, id: &str, times: u32) {
        self.state
            .lock()
            .unwrap()
            .expired_downloads
            .insert(id.into(), times);
    }

    /// The download URL of media `id` answers 302 to itself, as a broken CDN might.
    pub fn loop_downloads(&self, id: &str) {
        self.state.lock().unwrap().redirect_loops.push(id.into());
    }

    pub fn media_info_calls(&self, id: &str) -> u32 {
        *self
            .state
            .lock()
            .unwrap()
            .media_info_calls
            .get(id)
            .unwrap_or(&0)
    }

    pub fn download_calls(&self, id: &str) -> u32 {
        *self
            .state
            .lock()
            .unwrap()
            .download_calls
            .get(id)
            .unwrap_or(&0)
    }

    pub fn downloads_without_auth(&self) -> u32 {
        self.state.lock().unwrap().download_without_auth
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

struct Shared {
    state: Arc<Mutex<State>>,
    base_url: String,
}

fn authorized(req: &HttpRequest) -> bool {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"))
}

fn graph_error(status: u16, code: i64) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({
        "error": {"message": format!("(#{code}) scripted failure"), "type": "OAuthException", "code": code,
                  "error_data": {"messaging_product": "whatsapp", "details": "scripted by the test"},
                  "fbtrace_id": "Atest"}
    }))
}

async fn messages(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Value>,
    shared: web::Data<Shared>,
) -> HttpResponse {
    if !authorized(&req) {
        return graph_error(401, 190);
    }
    let from = path.into_inner();
    if from != PHONE_NUMBER_ID && from != SECOND_PHONE_NUMBER_ID {
        return graph_error(400, 100);
    }
    let body = body.into_inner();
    // What Meta would refuse is refused here too, by the simulator's own checks of the contract.
    if let Err(fault) = loket::sim::check_send(&body) {
        return actix_web::ResponseError::error_response(&fault);
    }
    let mut state = shared.state.lock().unwrap();
    if let Some((status, code)) = state.send_failures.pop_front() {
        return graph_error(status, code);
    }
    let is_read = body["status"] == "read";
    state.sent.push(body.clone());
    state.senders.push(from);
    if is_read {
        return HttpResponse::Ok().json(json!({"success": true}));
    }
    state.next_wamid += 1;
    let wamid = format!("wamid.out.{}", state.next_wamid);
    HttpResponse::Ok().json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
        "messages": [{"id": wamid, "message_status": "accepted"}]
    }))
}

async fn media_info(
    req: HttpRequest,
    path: web::Path<String>,
    shared: web::Data<Shared>,
) -> HttpResponse {
    if !authorized(&req) {
        return graph_error(401, 190);
    }
    let id = path.into_inner();
    let mut state = shared.state.lock().unwrap();
    *state.media_info_calls.entry(id.clone()).or_default() += 1;
    let Some((bytes, mime)) = state.media.get(&id) else {
        return graph_error(400, 100);
    };
    HttpResponse::Ok().json(json!({
        "messaging_product": "whatsapp",
        "url": format!("{}/download/{id}", shared.base_url),
        "mime_type": mime, "sha256": "x", "file_size": bytes.len(), "id": id
    }))
}

async fn download(
    req: HttpRequest,
    path: web::Path<String>,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let id = path.into_inner();
    let mut state = shared.state.lock().unwrap();
    *state.download_calls.entry(id.clone()).or_default() += 1;
    if !authorized(&req) || req.headers().get("user-agent").is_none() {
        state.download_without_auth += 1;
        return HttpResponse::Unauthorized().body("<html>login</html>");
    }
    if let Some(left) = state.expired_downloads.get_mut(&id)
        && *left > 0
    {
        *left -= 1;
        return HttpResponse::NotFound().body("URL expired");
    }
    if state.redirect_loops.contains(&id) {
        return HttpResponse::Found()
            .insert_header(("location", format!("{}/download/{id}", shared.base_url)))
            .finish();
    }
    match state.media.get(&id) {
        Some((bytes, mime)) => HttpResponse::Ok()
            .content_type(mime.as_str())
            .body(bytes.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}
