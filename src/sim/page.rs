//! The chat page and its JSON API. Errors are `{"error":{"code":"...","message":"..."}}` with a
//! 4xx status; messages are in Indonesian because the page shows them.
//!
//! - `GET  /sim/api/chats/{phone}/messages?since=N&wait=MS` changes after N (long poll, at most
//!   25 s): `{"session","phone","cursor","typing","messages":[...]}`. Fetching delivers loket's
//!   messages (a `delivered` webhook).
//! - `POST /sim/api/chats/{phone}/messages` a JSON body, one of
//!   `{"type":"text","text":"...","name":"..."}`,
//!   `{"type":"reply","message_id":"wamid...","id":"<button or row id>","name":"..."}`,
//!   `{"type":"sample","file":"akta.jpg","as_document":false,"caption":"...","name":"..."}`;
//!   answers `{"message":{...}}`.
//! - `POST /sim/api/chats/{phone}/media?kind=image|document&filename=..&caption=..&name=..`
//!   the file's bytes as the body, its type as `Content-Type` (at most 10 MB).
//! - `POST /sim/api/chats/{phone}/read` the page showed the chat: `read` webhooks.
//! - `GET  /sim/api/samples` the sample photos, `GET /sim/api/samples/{name}` one of them,
//!   `GET /sim/api/media/{media_id}` a sent photo (for the bubble).

use crate::http::escape_html;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::StatusCode, web};
use serde::Deserialize;
use serde_json::json;

use super::{Draft, Simulator, samples};

const INDEX_HTML: &str = include_str!("assets/index.html");
const SIM_CSS: &str = include_str!("assets/sim.css");
const SIM_JS: &str = include_str!("assets/sim.js");

/// Largest photo or document the page may send.
pub(crate) const MAX_UPLOAD: usize = 10 * 1024 * 1024;
const MAX_JSON: usize = 64 * 1024;
const MAX_TEXT: usize = 4096;
const MAX_CAPTION: usize = 1024;
const MAX_WAIT: Duration = Duration::from_secs(25);

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PageError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl PageError {
    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> PageError {
        PageError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn forbidden(code: &'static str, message: impl Into<String>) -> PageError {
        PageError {
            status: StatusCode::FORBIDDEN,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(code: &'static str, message: impl Into<String>) -> PageError {
        PageError {
            status: StatusCode::NOT_FOUND,
            code,
            message: message.into(),
        }
    }

    fn too_large(limit: usize) -> PageError {
        PageError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_large",
            message: format!(
                "Berkas terlalu besar (maksimal {} MB).",
                limit / 1024 / 1024
            ),
        }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .json(json!({"error": {"code": self.code, "message": self.message}}))
    }
}

/// The chat a page path names: a parent's phone, or `phone@phone_number_id` for a chat with
/// another of the office's numbers.
fn chat_of(sim: &Simulator, raw: &str) -> Result<String, PageError> {
    let (phone, number) = match raw.split_once('@') {
        Some((phone, number)) => (phone, Some(number)),
        None => (raw, None),
    };
    let phone = normalize_phone(phone)?;
    match number {
        None => Ok(phone),
        Some(number) if sim.plays(number) => Ok(sim.chat_key(number, &phone)),
        Some(_) => Err(PageError::not_found(
            "unknown_number",
            "Nomor kantor itu tidak ada di simulator.",
        )),
    }
}

/// WhatsApp numbers are international digits; a local `08…` becomes `628…`.
pub(crate) fn normalize_phone(raw: &str) -> Result<String, PageError> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let ok_chars = raw
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    let phone = match digits.strip_prefix('0') {
        Some(rest) => format!("62{rest}"),
        None => digits,
    };
    if !ok_chars || !(10..=15).contains(&phone.len()) || phone.starts_with('0') {
        return Err(PageError::bad_request(
            "bad_phone",
            "Nomor WhatsApp harus 10–15 angka, misalnya 6281234567890.",
        ));
    }
    Ok(phone)
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-cache"))
        .body(body)
}

pub(crate) async fn index(sim: web::Data<Simulator>) -> HttpResponse {
    let config = sim.config();
    html(
        INDEX_HTML
            .replace("{{BUSINESS}}", &escape_html(&config.business_name))
            .replace(
                "{{BUSINESS_PHONE}}",
                &escape_html(&config.display_phone_number),
            )
            .replace("{{OFFICES}}", &offices(config)),
    )
}

/// The office's numbers to chat with, when it has more than one (`flows/numbers.toml`): each
/// is a chat of its own, as on a phone.
fn offices(config: &super::SimulatorConfig) -> String {
    if config.other_numbers.is_empty() {
        return String::new();
    }
    let label =
        |label: &str, fallback: &str| escape_html(if label.is_empty() { fallback } else { label });
    let mut options = format!(
        r#"<option value="">{}</option>"#,
        label(&config.label, &config.display_phone_number)
    );
    for number in &config.other_numbers {
        options.push_str(&format!(
            r#"<option value="{}">{}</option>"#,
            escape_html(&number.phone_number_id),
            label(&number.label, &number.display_phone_number)
        ));
    }
    format!(
        r#"<select id="office" class="office" aria-label="Nomor WhatsApp kantor">{options}</select>"#
    )
}

pub(crate) async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "no-cache"))
        .body(SIM_CSS)
}

pub(crate) async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "no-cache"))
        .body(SIM_JS)
}

pub(crate) async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::not_found(
        "not_found",
        "Alamat ini tidak ada di simulator.",
    ))
}

pub(crate) async fn samples() -> HttpResponse {
    let list = samples::list();
    HttpResponse::Ok().json(json!({ "samples": list }))
}

pub(crate) async fn sample_file(path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let (bytes, mime_type) = samples::read(&path)
        .ok_or_else(|| PageError::not_found("unknown_sample", "Contoh itu tidak ada."))?;
    Ok(HttpResponse::Ok()
        .content_type(mime_type)
        .insert_header(("cache-control", "max-age=300"))
        .body(bytes))
}

pub(crate) async fn media(
    path: web::Path<String>,
    sim: web::Data<Simulator>,
) -> Result<HttpResponse, PageError> {
    let media = sim
        .media(&path)
        .ok_or_else(|| PageError::not_found("unknown_media", "Berkas itu sudah tidak ada."))?;
    // What a parent uploaded is never a page of the simulator's origin: an HTML or SVG
    // "document" is downloaded, not rendered (an <img> still shows a picture).
    Ok(HttpResponse::Ok()
        .content_type(media.mime_type.clone())
        .insert_header(("cache-control", "max-age=3600"))
        .insert_header(("content-disposition", "attachment"))
        .insert_header(("content-security-policy", "sandbox"))
        .body(media.bytes.as_ref().clone()))
}

#[derive(Deserialize)]
pub(crate) struct PollQuery {
    since: Option<u64>,
    wait: Option<u64>,
}

pub(crate) async fn poll(
    request: HttpRequest,
    path: web::Path<String>,
    sim: web::Data<Simulator>,
) -> Result<HttpResponse, PageError> {
    let phone = chat_of(&sim, &path)?;
    let query = web::Query::<PollQuery>::from_query(request.query_string())
        .map_err(|_| PageError::bad_request("bad_query", "since dan wait harus angka."))?;
    let wait = Duration::from_millis(query.wait.unwrap_or(0)).min(MAX_WAIT);
    let view = sim.poll(&phone, query.since.unwrap_or(0), wait).await;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view))
}

pub(crate) async fn read(
    path: web::Path<String>,
    sim: web::Data<Simulator>,
) -> Result<HttpResponse, PageError> {
    let phone = chat_of(&sim, &path)?;
    let read = sim.parent_reads(&phone);
    Ok(HttpResponse::Ok().json(json!({ "read": read })))
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum SendBody {
    Text {
        text: String,
        name: Option<String>,
    },
    Reply {
        message_id: String,
        id: String,
        name: Option<String>,
    },
    Sample {
        file: String,
        #[serde(default)]
        as_document: Option<bool>,
        caption: Option<String>,
        name: Option<String>,
    },
}

/// The chat page runs on one laptop; a minute covers a large photo over a slow link.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

async fn read_payload(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, PageError> {
    use crate::http::body::BodyError;
    crate::http::body::read_limited(request, payload, limit, BODY_TIMEOUT, None)
        .await
        .map(|(body, _)| body)
        .map_err(|e| match e {
            BodyError::TooLarge { limit } => PageError::too_large(limit),
            BodyError::TooSlow { .. } | BodyError::Busy | BodyError::Unreadable(_) => {
                PageError::bad_request("unreadable_body", "Kiriman tidak terbaca; coba lagi.")
            }
        })
}

fn caption_of(caption: Option<String>) -> Result<Option<String>, PageError> {
    let caption = caption
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if caption
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_CAPTION)
    {
        return Err(PageError::bad_request(
            "caption_too_long",
            format!("Keterangan paling panjang {MAX_CAPTION} karakter."),
        ));
    }
    Ok(caption)
}

pub(crate) async fn send(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    sim: web::Data<Simulator>,
) -> Result<HttpResponse, PageError> {
    let phone = chat_of(&sim, &path)?;
    let body = read_payload(&request, payload, MAX_JSON).await?;
    let body: SendBody = serde_json::from_slice(&body).map_err(|e| {
        PageError::bad_request("bad_json", format!("Isi permintaan tidak dimengerti: {e}"))
    })?;
    let (draft, name) = match body {
        SendBody::Text { text, name } => {
            let text = text.trim().to_string();
            if text.is_empty() {
                return Err(PageError::bad_request("empty", "Pesan masih kosong."));
            }
            if text.chars().count() > MAX_TEXT {
                return Err(PageError::bad_request(
                    "too_long",
                    format!("Pesan paling panjang {MAX_TEXT} karakter."),
                ));
            }
            (Draft::Text(text), name)
        }
        SendBody::Reply {
            message_id,
            id,
            name,
        } => (Draft::Reply { message_id, id }, name),
        SendBody::Sample {
            file,
            as_document,
            caption,
            name,
        } => {
            let (bytes, mime_type) = samples::read(&file)
                .ok_or_else(|| PageError::not_found("unknown_sample", "Contoh itu tidak ada."))?;
            let photo = samples::mime_for(&file).is_some_and(|(_, photo)| photo);
            let draft = Draft::Media {
                as_document: as_document.unwrap_or(!photo),
                bytes: bytes.to_vec(),
                mime_type: mime_type.to_string(),
                filename: file,
                caption: caption_of(caption)?,
            };
            (draft, name)
        }
    };
    let message = sim.parent_sends(&phone, name.as_deref(), draft)?;
    Ok(HttpResponse::Ok().json(json!({ "message": message })))
}

#[derive(Deserialize)]
pub(crate) struct UploadQuery {
    kind: Option<String>,
    filename: Option<String>,
    caption: Option<String>,
    name: Option<String>,
}

/// A file from the page's file picker, sent as a photo or as a document.
pub(crate) async fn upload(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    sim: web::Data<Simulator>,
) -> Result<HttpResponse, PageError> {
    let phone = chat_of(&sim, &path)?;
    let query = web::Query::<UploadQuery>::from_query(request.query_string())
        .map_err(|_| PageError::bad_request("bad_query", "Parameter kiriman tidak terbaca."))?
        .into_inner();
    let as_document = match query.kind.as_deref() {
        Some("image") | None => false,
        Some("document") => true,
        Some(_) => {
            return Err(PageError::bad_request(
                "bad_kind",
                "kind harus image atau document.",
            ));
        }
    };
    let filename: String = query
        .filename
        .as_deref()
        .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f).trim())
        .filter(|f| !f.is_empty())
        .unwrap_or(if as_document { "dokumen" } else { "foto.jpg" })
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let declared = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|v| !v.is_empty() && v != "application/octet-stream");
    let mime_type = declared
        .or_else(|| samples::mime_for(&filename).map(|(m, _)| m.to_string()))
        .unwrap_or_else(|| "application/octet-stream".into());
    if !as_document && !mime_type.starts_with("image/") {
        return Err(PageError::bad_request(
            "not_an_image",
            "Berkas ini bukan gambar; kirim lewat menu Dokumen.",
        ));
    }
    let caption = caption_of(query.caption)?;
    let bytes = read_payload(&request, payload, MAX_UPLOAD).await?;
    if bytes.is_empty() {
        return Err(PageError::bad_request("empty_file", "Berkasnya kosong."));
    }
    let message = sim.parent_sends(
        &phone,
        query.name.as_deref(),
        Draft::Media {
            as_document,
            bytes,
            mime_type,
            filename,
            caption,
        },
    )?;
    Ok(HttpResponse::Ok().json(json!({ "message": message })))
}

#[cfg(test)]
mod tests {
    use std::{
        net::TcpListener,
        sync::{Arc, Mutex},
    };

    use actix_web::{App, HttpServer, test as awt};
    use serde_json::Value;

    use super::*;
    use crate::channel::signature;
    use crate::sim::SimulatorConfig;

    #[test]
    fn phone_numbers_are_normalized_or_refused() {
        assert_eq!(normalize_phone("081234567890").unwrap(), "6281234567890");
        assert_eq!(
            normalize_phone("+62 812-3456-7890").unwrap(),
            "6281234567890"
        );
        for bad in ["", "123", "62812abc45678", "0", "6281234567890123456"] {
            assert!(normalize_phone(bad).is_err(), "{bad}");
        }
    }

    type Received = Arc<Mutex<Vec<(Value, bool)>>>;

    /// A stand-in for loket's /webhook that records bodies and whether the signature held.
    async fn webhook_receiver() -> (String, Received) {
        let received: Received = Arc::default();
        let store = received.clone();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let store = store.clone();
            App::new().route(
                "/webhook",
                web::post().to(move |request: HttpRequest, body: web::Bytes| {
                    let store = store.clone();
                    async move {
                        let header = request
                            .headers()
                            .get("x-hub-signature-256")
                            .and_then(|v| v.to_str().ok());
                        let signed = signature::verify(b"secret", &body, header).is_ok();
                        let value: Value = serde_json::from_slice(&body).unwrap();
                        store
                            .lock()
                            .unwrap()
                            .push((value, signed && body.is_ascii()));
                        HttpResponse::Ok().finish()
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        (format!("http://127.0.0.1:{port}/webhook"), received)
    }

    async fn wait_for(received: &Received, count: usize) -> Vec<(Value, bool)> {
        for _ in 0..200 {
            if received.lock().unwrap().len() >= count {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        received.lock().unwrap().clone()
    }

    #[actix_web::test]
    async fn the_page_api_sends_signed_webhooks_and_follows_ticks() {
        let (url, received) = webhook_receiver().await;
        let config = SimulatorConfig::new(url, "secret", "100000000000001", "tok");
        let sim = web::Data::new(Simulator::with_config(config).unwrap());
        let app =
            awt::init_service(App::new().configure(|cfg| crate::sim::configure(cfg, sim.clone())))
                .await;

        let page = awt::call_service(&app, awt::TestRequest::get().uri("/sim").to_request()).await;
        assert_eq!(page.status(), 200);
        let page = awt::read_body(page).await;
        let page = String::from_utf8_lossy(&page);
        assert!(page.contains("Disdukcapil"));
        // No external assets: nothing is fetched from another host.
        for text in [&page[..], SIM_CSS, SIM_JS] {
            for pattern in [
                "src=\"http",
                "href=\"http",
                "url(http",
                "//cdn",
                "fetch(\"http",
            ] {
                assert!(!text.contains(pattern), "{pattern}");
            }
        }

        // Text, with a name.
        let sent: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::post()
                .uri("/sim/api/chats/081211112222/messages")
                .set_json(json!({"type":"text","text":"Halo 👋","name":"Ibu Sari"}))
                .to_request(),
        )
        .await;
        assert_eq!(sent["message"]["status"], "sent");
        assert_eq!(sent["message"]["content"]["body"], "Halo 👋");

        // A sample photo with a caption.
        let sent: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::post()
                .uri("/sim/api/chats/6281211112222/messages")
                .set_json(json!({"type":"sample","file":"kk.jpg","caption":"kk"}))
                .to_request(),
        )
        .await;
        assert_eq!(sent["message"]["content"]["type"], "image");

        // A PDF from the file picker, as a document.
        let sent: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::post()
                .uri("/sim/api/chats/6281211112222/media?kind=document&filename=C%3A%5Cakta.pdf")
                .insert_header(("content-type", "application/pdf"))
                .set_payload(&b"%PDF-1.4"[..])
                .to_request(),
        )
        .await;
        assert_eq!(sent["message"]["content"]["type"], "document");
        assert_eq!(sent["message"]["content"]["filename"], "akta.pdf");

        let webhooks = wait_for(&received, 3).await;
        assert_eq!(webhooks.len(), 3);
        assert!(
            webhooks.iter().all(|(_, signed)| *signed),
            "signed and ASCII"
        );
        let value = |i: usize| webhooks[i].0["entry"][0]["changes"][0]["value"].clone();
        assert_eq!(value(0)["contacts"][0]["profile"]["name"], "Ibu Sari");
        assert_eq!(value(0)["contacts"][0]["wa_id"], "6281211112222");
        assert_eq!(value(0)["messages"][0]["text"]["body"], "Halo 👋");
        assert_eq!(value(1)["messages"][0]["image"]["caption"], "kk");
        assert_eq!(
            value(1)["messages"][0]["image"]["sha256"],
            crate::sim::envelope::sha256_base64(super::samples::read("kk.jpg").unwrap().0)
        );
        assert_eq!(
            value(2)["messages"][0]["document"]["mime_type"],
            "application/pdf"
        );
        assert_eq!(value(0)["metadata"]["phone_number_id"], "100000000000001");

        // Accepted by "loket": two grey ticks.
        let chat = sim.poll("6281211112222", 0, Duration::ZERO).await;
        assert!(
            chat["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["status"] == "delivered"),
            "{chat}"
        );

        // loket answers with a list; the page fetches it (delivered), shows it (read), taps a row.
        let list = json!({"messaging_product":"whatsapp","to":"6281211112222","type":"interactive","interactive":{"type":"list","body":{"text":"Pilih layanan"},"action":{"button":"Pilih","sections":[{"title":"Layanan","rows":[{"id":"kia","title":"KIA (Kartu Anak)"}]}]}}});
        let answer: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::post()
                .uri("/sim/graph/v25.0/100000000000001/messages")
                .insert_header(("authorization", "Bearer tok"))
                .set_json(list)
                .to_request(),
        )
        .await;
        let wamid = answer["messages"][0]["id"].as_str().unwrap().to_string();
        let cursor = chat["cursor"].as_u64().unwrap();
        let polled: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::get()
                .uri(&format!(
                    "/sim/api/chats/6281211112222/messages?since={cursor}&wait=2000"
                ))
                .to_request(),
        )
        .await;
        assert_eq!(polled["messages"][0]["id"], wamid.as_str());
        assert_eq!(polled["messages"][0]["content"]["type"], "list");
        let read: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::post()
                .uri("/sim/api/chats/6281211112222/read")
                .to_request(),
        )
        .await;
        assert_eq!(read["read"], 1);
        let tapped: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::post()
                .uri("/sim/api/chats/6281211112222/messages")
                .set_json(json!({"type":"reply","message_id":wamid,"id":"kia"}))
                .to_request(),
        )
        .await;
        assert_eq!(tapped["message"]["content"]["title"], "KIA (Kartu Anak)");
        assert_eq!(tapped["message"]["quote"]["id"], wamid.as_str());

        // sent (after a moment), delivered, read, then the tap.
        let webhooks = wait_for(&received, 7).await;
        let statuses: Vec<String> = webhooks
            .iter()
            .filter_map(|(v, _)| {
                v.pointer("/entry/0/changes/0/value/statuses/0/status")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        assert_eq!(statuses, ["sent", "delivered", "read"]);
        let last = &webhooks.last().unwrap().0["entry"][0]["changes"][0]["value"]["messages"][0];
        assert_eq!(last["interactive"]["list_reply"]["id"], "kia");
        assert_eq!(last["context"]["id"], wamid.as_str());
    }

    #[actix_web::test]
    async fn the_page_api_refuses_what_whatsapp_would_not_send() {
        let config = SimulatorConfig::new("http://127.0.0.1:9/webhook", "s", "100000000000001", "");
        let sim = web::Data::new(Simulator::with_config(config).unwrap());
        let app =
            awt::init_service(App::new().configure(|cfg| crate::sim::configure(cfg, sim.clone())))
                .await;
        let cases: Vec<(awt::TestRequest, u16, &str)> = vec![
            (
                awt::TestRequest::post()
                    .uri("/sim/api/chats/12/messages")
                    .set_json(json!({"type":"text","text":"x"})),
                400,
                "bad_phone",
            ),
            (
                awt::TestRequest::post()
                    .uri("/sim/api/chats/6281211112222/messages")
                    .set_json(json!({"type":"text","text":"   "})),
                400,
                "empty",
            ),
            (
                awt::TestRequest::post()
                    .uri("/sim/api/chats/6281211112222/messages")
                    .set_json(json!({"type":"reply","message_id":"wamid.nope","id":"x"})),
                404,
                "unknown_message",
            ),
            (
                awt::TestRequest::post()
                    .uri("/sim/api/chats/6281211112222/messages")
                    .set_json(json!({"type":"sample","file":"../Cargo.toml"})),
                404,
                "unknown_sample",
            ),
            (
                awt::TestRequest::post()
                    .uri("/sim/api/chats/6281211112222/messages")
                    .insert_header(("content-type", "application/json"))
                    .set_payload("{"),
                400,
                "bad_json",
            ),
            (
                awt::TestRequest::post()
                    .uri("/sim/api/chats/6281211112222/media?kind=image&filename=a.pdf")
                    .insert_header(("content-type", "application/pdf"))
                    .set_payload("%PDF"),
                400,
                "not_an_image",
            ),
            (
                awt::TestRequest::post()
                    .uri("/sim/api/chats/6281211112222/media?kind=image")
                    .insert_header(("content-type", "image/jpeg"))
                    .set_payload(vec![0u8; MAX_UPLOAD + 1]),
                413,
                "too_large",
            ),
            (awt::TestRequest::get().uri("/sim/nope"), 404, "not_found"),
        ];
        for (request, status, code) in cases {
            let response = awt::call_service(&app, request.to_request()).await;
            assert_eq!(response.status().as_u16(), status, "{code}");
            let body: Value = awt::read_body_json(response).await;
            assert_eq!(body["error"]["code"], code);
            assert!(body["error"]["message"].is_string());
        }
    }
}
