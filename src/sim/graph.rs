//! Meta's side of the Graph API (docs/whatsapp-cloud-api.md §8-§10): sending messages,
//! mark-as-read, media info and media download, with Meta's limits and Graph-style errors, so
//! that a reply loket could not send to Meta fails here too.

use std::collections::HashSet;

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::StatusCode, web};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Simulator,
    state::{Choice, Content, Row, Section},
};

/// A Graph-style error body: `{"error":{"message","type","code","error_data","fbtrace_id"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphFault {
    pub status: u16,
    pub code: i64,
    pub message: String,
    pub details: String,
}

impl GraphFault {
    /// Missing or malformed parameter (code 100).
    pub(crate) fn param(details: impl Into<String>) -> GraphFault {
        GraphFault {
            status: 400,
            code: 100,
            message: "(#100) Invalid parameter".into(),
            details: details.into(),
        }
    }

    /// A value outside WhatsApp's limits, or an unknown wamid (code 131009).
    pub(crate) fn value(details: impl Into<String>) -> GraphFault {
        GraphFault {
            status: 400,
            code: 131009,
            message: "(#131009) Parameter value is not valid".into(),
            details: details.into(),
        }
    }

    fn auth() -> GraphFault {
        GraphFault {
            status: 401,
            code: 190,
            message: "Invalid OAuth access token - Cannot parse access token".into(),
            details: "the bearer token does not match WA_ACCESS_TOKEN".into(),
        }
    }

    fn no_object(id: &str) -> GraphFault {
        GraphFault {
            status: 400,
            code: 100,
            message: format!(
                "Unsupported request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
            ),
            details: format!("unknown object {id}"),
        }
    }
}

impl std::fmt::Display for GraphFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.details)
    }
}

impl ResponseError for GraphFault {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(json!({
            "error": {
                "message": self.message,
                "type": "OAuthException",
                "code": self.code,
                "error_data": {"messaging_product": "whatsapp", "details": self.details},
                "fbtrace_id": format!("SIM{}", fastrand::u64(..)),
            }
        }))
    }
}

/// Accepts the configured token; with an empty one (simulator mode), a missing header or an
/// empty `Bearer`.
fn check_token(request: &HttpRequest, expected: &str) -> Result<(), GraphFault> {
    let given = match request.headers().get("authorization") {
        None => "",
        Some(value) => {
            let value = value.to_str().map_err(|_| GraphFault::auth())?.trim();
            match value.get(..6) {
                Some(scheme) if scheme.eq_ignore_ascii_case("bearer") => value[6..].trim(),
                _ => return Err(GraphFault::auth()),
            }
        }
    };
    // An empty token would let anyone who reaches the port send as the office.
    if !expected.is_empty()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            given.as_bytes(),
            expected.as_bytes(),
        ))
    {
        Ok(())
    } else {
        Err(GraphFault::auth())
    }
}

fn check_version(version: &str) -> Result<(), GraphFault> {
    let ok = version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(GraphFault::param(format!(
            "unknown Graph API version {version:?}"
        )))
    }
}

/// Send requests are small; Meta's own limit on a request body is far above any message.
const MAX_SEND_BODY: usize = 1024 * 1024;

async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, GraphFault> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| GraphFault::param(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(GraphFault::param("the request body is too large"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `POST /sim/graph/{version}/{phone_number_id}/messages`.
pub(crate) async fn messages(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    sim: web::Data<Simulator>,
) -> Result<HttpResponse, GraphFault> {
    let (version, phone_number_id) = path.into_inner();
    check_version(&version)?;
    check_token(&request, &sim.config().access_token)?;
    if !sim.plays(&phone_number_id) {
        return Err(GraphFault::no_object(&phone_number_id));
    }
    let body = read_body(payload, MAX_SEND_BODY).await?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| GraphFault::param(format!("the body is not JSON: {e}")))?;
    match parse_outgoing(&value)? {
        Outbound::MarkRead { message_id, typing } => {
            if sim.business_reads(&message_id, typing) {
                Ok(HttpResponse::Ok().json(json!({"success": true})))
            } else {
                Err(GraphFault::value(format!(
                    "message_id {message_id} is not a message this number received"
                )))
            }
        }
        Outbound::Message {
            to_input,
            to,
            content,
            reply_to,
        } => {
            let wamid = sim.business_sends(&phone_number_id, &to, content, reply_to);
            Ok(HttpResponse::Ok().json(json!({
                "messaging_product": "whatsapp",
                "contacts": [{"input": to_input, "wa_id": to}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            })))
        }
    }
}

#[derive(Deserialize)]
struct MediaQuery {
    phone_number_id: Option<String>,
}

/// `GET /sim/graph/{version}/{media_id}`: where to download, as Meta answers.
pub(crate) async fn media_info(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    sim: web::Data<Simulator>,
) -> Result<HttpResponse, GraphFault> {
    let (version, media_id) = path.into_inner();
    check_version(&version)?;
    check_token(&request, &sim.config().access_token)?;
    let query = web::Query::<MediaQuery>::from_query(request.query_string())
        .map_err(|e| GraphFault::param(format!("bad query string: {e}")))?;
    if let Some(id) = &query.phone_number_id
        && !sim.plays(id)
    {
        return Err(GraphFault::param(format!(
            "phone_number_id {id} does not own this media"
        )));
    }
    let media = sim
        .media(&media_id)
        .ok_or_else(|| GraphFault::no_object(&media_id))?;
    let info = request.connection_info();
    // Valid for five minutes, like Meta's lookaside URLs.
    let expires = super::now() + 300;
    let url = format!(
        "{}://{}/sim/media/{media_id}?ext={expires}",
        info.scheme(),
        info.host()
    );
    Ok(HttpResponse::Ok().json(json!({
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": media.mime_type,
        "sha256": media.sha256_hex,
        "file_size": media.bytes.len(),
        "id": media_id,
    })))
}

#[derive(Deserialize)]
struct DownloadQuery {
    ext: Option<i64>,
}

/// `GET /sim/media/{media_id}`: the bytes, with the same bearer token as the Graph calls.
pub(crate) async fn download(
    request: HttpRequest,
    path: web::Path<String>,
    sim: web::Data<Simulator>,
) -> Result<HttpResponse, GraphFault> {
    check_token(&request, &sim.config().access_token)?;
    let media_id = path.into_inner();
    let query = web::Query::<DownloadQuery>::from_query(request.query_string())
        .map_err(|e| GraphFault::param(format!("bad query string: {e}")))?;
    if query.ext.is_some_and(|ext| ext < super::now()) {
        return Err(GraphFault {
            status: 404,
            ..GraphFault::no_object(&media_id)
        });
    }
    let media = sim.media(&media_id).ok_or_else(|| GraphFault {
        status: 404,
        ..GraphFault::no_object(&media_id)
    })?;
    Ok(HttpResponse::Ok()
        .content_type(media.mime_type.clone())
        .insert_header(("content-disposition", "attachment"))
        .insert_header(("content-security-policy", "sandbox"))
        .body(media.bytes.as_ref().clone()))
}

// ---- what loket may send -------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outbound {
    MarkRead {
        message_id: String,
        typing: bool,
    },
    Message {
        /// `to` as given.
        to_input: String,
        /// Digits only, as `wa_id`.
        to: String,
        content: Content,
        reply_to: Option<String>,
    },
}

fn text_at<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// A required non-empty string of at most `max` characters.
fn required(value: &Value, pointer: &str, max: usize) -> Result<String, GraphFault> {
    let name = pointer.trim_start_matches('/').replace('/', ".");
    let text = text_at(value, pointer)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| GraphFault::param(format!("the parameter {name} is required")))?;
    if text.chars().count() > max {
        return Err(GraphFault::value(format!(
            "{name} is longer than {max} characters"
        )));
    }
    Ok(text.to_string())
}

/// An optional string of at most `max` characters.
fn optional(value: &Value, pointer: &str, max: usize) -> Result<Option<String>, GraphFault> {
    match value.pointer(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => required(value, pointer, max).map(Some),
    }
}

/// Checks a send request body the way the Cloud API does (`Err` is Meta's error answer). The
/// tests' Graph stand-in checks loket's sends with this too, so the contract is written once.
pub fn check_send(body: &Value) -> Result<(), GraphFault> {
    parse_outgoing(body).map(|_| ())
}

/// Checks a send request body the way the Cloud API does and turns it into chat content.
pub(crate) fn parse_outgoing(body: &Value) -> Result<Outbound, GraphFault> {
    if !body.is_object() {
        return Err(GraphFault::param("the body must be a JSON object"));
    }
    if text_at(body, "/messaging_product") != Some("whatsapp") {
        return Err(GraphFault::param(
            "the parameter messaging_product is required and must be \"whatsapp\"",
        ));
    }
    if let Some(status) = body.get("status") {
        if status != "read" {
            return Err(GraphFault::param("status must be \"read\""));
        }
        let message_id = required(body, "/message_id", 512)?;
        let typing = match body.get("typing_indicator") {
            None => false,
            Some(t) if text_at(t, "/type") == Some("text") => true,
            Some(_) => {
                return Err(GraphFault::param("typing_indicator.type must be \"text\""));
            }
        };
        return Ok(Outbound::MarkRead { message_id, typing });
    }
    if let Some(kind) = body.get("recipient_type")
        && kind != "individual"
    {
        return Err(GraphFault::param(
            "the simulator only knows recipient_type \"individual\"",
        ));
    }
    let to_input = required(body, "/to", 64)?;
    let to: String = to_input
        .chars()
        .filter(|c| !matches!(c, '+' | ' ' | '-'))
        .collect();
    if !(8..=15).contains(&to.len()) || !to.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GraphFault::param(format!(
            "to {to_input:?} is not a phone number in international format"
        )));
    }
    if let Some(opaque) = text_at(body, "/biz_opaque_callback_data")
        && opaque.chars().count() > 512
    {
        return Err(GraphFault::value(
            "biz_opaque_callback_data is longer than 512 characters",
        ));
    }
    let reply_to = text_at(body, "/context/message_id").map(str::to_string);
    let kind = match body.get("type") {
        None => "text",
        Some(kind) => kind
            .as_str()
            .ok_or_else(|| GraphFault::param("type must be a string"))?,
    };
    let content = match kind {
        "text" => Content::Text {
            body: required(body, "/text/body", 4096)?,
        },
        "interactive" => interactive(body)?,
        "template" => template(body)?,
        other => {
            return Err(GraphFault::param(format!(
                "the simulator does not show messages of type {other:?} (loket sends text, interactive and template)"
            )));
        }
    };
    Ok(Outbound::Message {
        to_input,
        to,
        content,
        reply_to,
    })
}

fn interactive(body: &Value) -> Result<Content, GraphFault> {
    let header = match body.pointer("/interactive/header") {
        None | Some(Value::Null) => None,
        Some(header) if text_at(header, "/type") == Some("text") => {
            Some(required(body, "/interactive/header/text", 60)?)
        }
        Some(_) => {
            return Err(GraphFault::param("the simulator shows only text headers"));
        }
    };
    let text = required(body, "/interactive/body/text", 1024)?;
    let footer = optional(body, "/interactive/footer/text", 60)?;
    match text_at(body, "/interactive/type") {
        Some("button") => {
            let buttons = body
                .pointer("/interactive/action/buttons")
                .and_then(Value::as_array)
                .ok_or_else(|| GraphFault::param("interactive.action.buttons is required"))?;
            if buttons.is_empty() || buttons.len() > 3 {
                return Err(GraphFault::value("a message has 1 to 3 reply buttons"));
            }
            let mut ids = HashSet::new();
            let mut titles = HashSet::new();
            let mut choices = Vec::new();
            for button in buttons {
                if text_at(button, "/type") != Some("reply") {
                    return Err(GraphFault::param("button type must be \"reply\""));
                }
                let id = required(button, "/reply/id", 256)?;
                let title = required(button, "/reply/title", 20)?;
                if id.trim() != id {
                    return Err(GraphFault::value(
                        "a button id may not start or end with spaces",
                    ));
                }
                if !ids.insert(id.clone()) || !titles.insert(title.clone()) {
                    return Err(GraphFault::value("button ids and titles must be unique"));
                }
                choices.push(Choice { id, title });
            }
            Ok(Content::Buttons {
                header,
                body: text,
                footer,
                buttons: choices,
            })
        }
        Some("list") => {
            let button = required(body, "/interactive/action/button", 20)?;
            let sections = body
                .pointer("/interactive/action/sections")
                .and_then(Value::as_array)
                .ok_or_else(|| GraphFault::param("interactive.action.sections is required"))?;
            if sections.is_empty() || sections.len() > 10 {
                return Err(GraphFault::value("a list has 1 to 10 sections"));
            }
            let mut ids = HashSet::new();
            let mut out = Vec::new();
            let mut total = 0;
            for section in sections {
                let title = optional(section, "/title", 24)?;
                if title.is_none() && sections.len() > 1 {
                    return Err(GraphFault::param(
                        "every section needs a title when there are several",
                    ));
                }
                let rows = section
                    .get("rows")
                    .and_then(Value::as_array)
                    .filter(|rows| !rows.is_empty())
                    .ok_or_else(|| GraphFault::param("every section needs rows"))?;
                let mut parsed = Vec::new();
                for row in rows {
                    let id = required(row, "/id", 200)?;
                    if !ids.insert(id.clone()) {
                        return Err(GraphFault::value("row ids must be unique"));
                    }
                    parsed.push(Row {
                        id,
                        title: required(row, "/title", 24)?,
                        description: optional(row, "/description", 72)?,
                    });
                }
                total += parsed.len();
                out.push(Section {
                    title,
                    rows: parsed,
                });
            }
            if total > 10 {
                return Err(GraphFault::value("a list has at most 10 rows in total"));
            }
            Ok(Content::List {
                header,
                body: text,
                footer,
                button,
                sections: out,
            })
        }
        Some(other) => Err(GraphFault::param(format!(
            "the simulator does not show interactive messages of type {other:?}"
        ))),
        None => Err(GraphFault::param("interactive.type is required")),
    }
}

fn template(body: &Value) -> Result<Content, GraphFault> {
    let name = required(body, "/template/name", 512)?;
    let language = required(body, "/template/language/code", 15)?;
    let mut params = Vec::new();
    if let Some(components) = body.pointer("/template/components") {
        let components = components
            .as_array()
            .ok_or_else(|| GraphFault::param("template.components must be a list"))?;
        for component in components {
            for parameter in component
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let shown = match text_at(parameter, "/type") {
                    Some("text") => required(parameter, "/text", 32768)?,
                    Some(kind @ ("currency" | "date_time")) => {
                        text_at(parameter, &format!("/{kind}/fallback_value"))
                            .unwrap_or(kind)
                            .to_string()
                    }
                    Some(kind) => format!("[{kind}]"),
                    None => return Err(GraphFault::param("template parameters need a type")),
                };
                params.push(shown);
            }
        }
    }
    Ok(Content::Template {
        name,
        language,
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Draft, SimulatorConfig};
    use actix_web::{App, test as awt};

    fn fault(body: Value) -> GraphFault {
        parse_outgoing(&body).unwrap_err()
    }

    #[test]
    fn what_loket_sends_is_accepted() {
        let text = json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"+62 81","type":"text","text":{"body":"Halo","preview_url":false},"biz_opaque_callback_data":"o:1"});
        let err = parse_outgoing(&text).unwrap_err();
        assert_eq!(err.code, 100, "too short to be a number");
        let text = json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"+62 812-1111-2222","type":"text","text":{"body":"Halo"}});
        let Outbound::Message { to, content, .. } = parse_outgoing(&text).unwrap() else {
            panic!()
        };
        assert_eq!(to, "6281211112222");
        assert_eq!(
            content,
            Content::Text {
                body: "Halo".into()
            }
        );

        let buttons = json!({"messaging_product":"whatsapp","to":"6281211112222","type":"interactive","interactive":{"type":"button","body":{"text":"Setuju?"},"action":{"buttons":[{"type":"reply","reply":{"id":"ya","title":"Setuju"}},{"type":"reply","reply":{"id":"tidak","title":"Tidak setuju"}}]}}});
        let Outbound::Message { content, .. } = parse_outgoing(&buttons).unwrap() else {
            panic!()
        };
        assert!(matches!(content, Content::Buttons { ref buttons, .. } if buttons.len() == 2));

        let list = json!({"messaging_product":"whatsapp","to":"6281211112222","type":"interactive","interactive":{"type":"list","body":{"text":"Pilih"},"action":{"button":"Pilih layanan","sections":[{"title":"Pilih layanan","rows":[{"id":"kia","title":"KIA (Kartu Anak)","description":"Untuk anak"}]}]}}});
        let Outbound::Message { content, .. } = parse_outgoing(&list).unwrap() else {
            panic!()
        };
        let Content::List { sections, .. } = content else {
            panic!()
        };
        assert_eq!(
            sections[0].rows[0].description.as_deref(),
            Some("Untuk anak")
        );

        let template = json!({"messaging_product":"whatsapp","to":"6281211112222","type":"template","template":{"name":"kia_status","language":{"code":"id"},"components":[{"type":"body","parameters":[{"type":"text","text":"Budi"}]}]}});
        let Outbound::Message { content, .. } = parse_outgoing(&template).unwrap() else {
            panic!()
        };
        assert_eq!(
            content,
            Content::Template {
                name: "kia_status".into(),
                language: "id".into(),
                params: vec!["Budi".into()]
            }
        );

        let read = json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.1"});
        assert_eq!(
            parse_outgoing(&read).unwrap(),
            Outbound::MarkRead {
                message_id: "wamid.1".into(),
                typing: false
            }
        );
    }

    #[test]
    fn what_meta_would_refuse_is_refused_with_its_codes() {
        assert_eq!(
            fault(json!({"to":"6281211112222","text":{"body":"x"}})).code,
            100
        );
        assert_eq!(
            fault(json!({"messaging_product":"whatsapp","to":"6281211112222","type":"text","text":{"body":""}})).code,
            100
        );
        let long = "x".repeat(4097);
        assert_eq!(
            fault(
                json!({"messaging_product":"whatsapp","to":"6281211112222","text":{"body":long}})
            )
            .code,
            131009
        );
        let title = "Judul tombol yang terlalu panjang";
        assert_eq!(
            fault(json!({"messaging_product":"whatsapp","to":"6281211112222","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":title}}]}}})).code,
            131009
        );
        let four: Vec<Value> = (0..4)
            .map(|i| json!({"type":"reply","reply":{"id":format!("b{i}"),"title":format!("B{i}")}}))
            .collect();
        assert_eq!(
            fault(json!({"messaging_product":"whatsapp","to":"6281211112222","type":"interactive","interactive":{"type":"button","body":{"text":"x"},"action":{"buttons":four}}})).code,
            131009
        );
        let rows: Vec<Value> = (0..11)
            .map(|i| json!({"id":format!("r{i}"),"title":format!("R{i}")}))
            .collect();
        assert_eq!(
            fault(json!({"messaging_product":"whatsapp","to":"6281211112222","type":"interactive","interactive":{"type":"list","body":{"text":"x"},"action":{"button":"Pilih","sections":[{"title":"a","rows":rows}]}}})).code,
            131009
        );
        assert_eq!(
            fault(json!({"messaging_product":"whatsapp","to":"6281211112222","type":"sticker","sticker":{"id":"1"}})).code,
            100
        );
        assert_eq!(
            fault(json!({"messaging_product":"whatsapp","status":"read"})).code,
            100
        );
    }

    #[test]
    fn tokens_are_checked_and_an_empty_one_accepts_nothing() {
        let req = |header: Option<&str>| {
            let mut r = awt::TestRequest::default();
            if let Some(h) = header {
                r = r.insert_header(("authorization", h));
            }
            r.to_http_request()
        };
        assert!(check_token(&req(Some("Bearer ")), "").is_err());
        assert!(check_token(&req(None), "").is_err());
        assert!(check_token(&req(Some("Bearer x")), "").is_err());
        assert!(check_token(&req(Some("Bearer tok")), "tok").is_ok());
        assert!(check_token(&req(None), "tok").is_err());
        assert!(check_token(&req(Some("Basic tok")), "tok").is_err());
    }

    /// A simulator whose webhooks go nowhere (nothing listens on port 9); the Graph handlers
    /// do not depend on them.
    fn simulator() -> web::Data<Simulator> {
        let config =
            SimulatorConfig::new("http://127.0.0.1:9/webhook", "s", "100000000000001", "tok");
        web::Data::new(Simulator::with_config(config).unwrap())
    }

    #[actix_web::test]
    async fn the_graph_routes_answer_like_meta() {
        let sim = simulator();
        let app =
            awt::init_service(App::new().configure(|cfg| crate::sim::configure(cfg, sim.clone())))
                .await;

        // A parent writes first, with a photo.
        let view = sim
            .parent_sends(
                "6281211112222",
                Some("Ibu Sari"),
                Draft::Media {
                    as_document: false,
                    bytes: b"jpeg bytes".to_vec(),
                    mime_type: "image/jpeg".into(),
                    filename: "kk.jpg".into(),
                    caption: None,
                },
            )
            .unwrap();
        let parent_wamid = view["id"].as_str().unwrap().to_string();
        let media_id = view["content"]["media_id"].as_str().unwrap().to_string();

        // Media info, then the bytes at the URL it gives.
        let info: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::get()
                .uri(&format!(
                    "/sim/graph/v25.0/{media_id}?phone_number_id=100000000000001"
                ))
                .insert_header(("authorization", "Bearer tok"))
                .to_request(),
        )
        .await;
        assert_eq!(info["mime_type"], "image/jpeg");
        assert_eq!(info["file_size"], 10);
        assert_eq!(info["sha256"], envelope_hex(b"jpeg bytes"));
        let url = info["url"].as_str().unwrap();
        let path = &url[url.find("/sim/media/").unwrap()..];
        let bytes = awt::call_and_read_body(
            &app,
            awt::TestRequest::get()
                .uri(path)
                .insert_header(("authorization", "Bearer tok"))
                .to_request(),
        )
        .await;
        assert_eq!(&bytes[..], b"jpeg bytes");

        let unknown = awt::call_service(
            &app,
            awt::TestRequest::get()
                .uri("/sim/graph/v25.0/999")
                .insert_header(("authorization", "Bearer tok"))
                .to_request(),
        )
        .await;
        assert_eq!(unknown.status(), 400);
        let body: Value = awt::read_body_json(unknown).await;
        assert_eq!(body["error"]["code"], 100);

        // A reply with buttons.
        let sent: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::post()
                .uri("/sim/graph/v25.0/100000000000001/messages")
                .insert_header(("authorization", "Bearer tok"))
                .set_json(json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"6281211112222","type":"interactive","interactive":{"type":"button","body":{"text":"Setuju?"},"action":{"buttons":[{"type":"reply","reply":{"id":"ya","title":"Setuju"}}]}}}))
                .to_request(),
        )
        .await;
        assert_eq!(sent["messaging_product"], "whatsapp");
        assert_eq!(sent["contacts"][0]["wa_id"], "6281211112222");
        let bot_wamid = sent["messages"][0]["id"].as_str().unwrap().to_string();
        assert!(bot_wamid.starts_with("wamid.SIM"));

        // The wrong phone number id, a wrong token, a malformed body.
        for (uri, auth, body, status, code) in [
            (
                "/sim/graph/v25.0/123/messages",
                "Bearer tok",
                "{}",
                400,
                100,
            ),
            (
                "/sim/graph/v25.0/100000000000001/messages",
                "Bearer nope",
                "{}",
                401,
                190,
            ),
            (
                "/sim/graph/v25.0/100000000000001/messages",
                "Bearer tok",
                "not json",
                400,
                100,
            ),
        ] {
            let response = awt::call_service(
                &app,
                awt::TestRequest::post()
                    .uri(uri)
                    .insert_header(("authorization", auth))
                    .insert_header(("content-type", "application/json"))
                    .set_payload(body)
                    .to_request(),
            )
            .await;
            assert_eq!(response.status(), status, "{uri} {auth} {body}");
            let body: Value = awt::read_body_json(response).await;
            assert_eq!(body["error"]["code"], code);
        }

        // Mark-as-read of the parent's photo turns its ticks blue; a wrong wamid is refused.
        let read: Value = awt::call_and_read_body_json(
            &app,
            awt::TestRequest::post()
                .uri("/sim/graph/v25.0/100000000000001/messages")
                .insert_header(("authorization", "Bearer tok"))
                .set_json(json!({"messaging_product":"whatsapp","status":"read","message_id":parent_wamid}))
                .to_request(),
        )
        .await;
        assert_eq!(read, json!({"success": true}));
        let bad = awt::call_service(
            &app,
            awt::TestRequest::post()
                .uri("/sim/graph/v25.0/100000000000001/messages")
                .insert_header(("authorization", "Bearer tok"))
                .set_json(
                    json!({"messaging_product":"whatsapp","status":"read","message_id":bot_wamid}),
                )
                .to_request(),
        )
        .await;
        assert_eq!(bad.status(), 400);

        let chat = sim
            .poll("6281211112222", 0, std::time::Duration::ZERO)
            .await;
        let messages = chat["messages"].as_array().unwrap();
        assert_eq!(messages[0]["status"], "read");
        assert_eq!(messages[1]["from"], "business");
        assert_eq!(messages[1]["status"], "delivered", "the page fetched it");
    }

    fn envelope_hex(bytes: &[u8]) -> String {
        crate::sim::envelope::sha256_hex(bytes)
    }
}
