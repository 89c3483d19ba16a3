//! The OpenAPI 3 document of `/api/v1`, generated from the handlers' `#[utoipa::path]`
//! annotations and their body types (`GET /api/v1/openapi.json`), and a page that shows it
//! (`GET /api/v1/docs`), served from here with no external assets.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::desk::escalations::{AllowedTemplate, EscalationView, FilledReply};
use crate::desk::notices::NoticeView;
use crate::desk::supervision::AccountView;
use crate::domain::account::{AuditEntry, Role};
use crate::domain::request::RequestStatus;
use crate::domain::walk_in::FormProblem;

/// Every error: `{"error": {"code", "message", "fields"?}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `locked`,
    /// `invalid_form`, `payload_too_large`, `unavailable`.
    pub code: String,
    pub message: String,
    /// For `invalid_form`: what is wrong, field by field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FormProblem>>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub role: Role,
    pub username: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: jiff::Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub username: String,
    pub role: Role,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: jiff::Timestamp,
}

/// Where a decision stands: applied (200, `status` is the new one), or queued to the parent's
/// lane (202, `queued` is the status it will take).
#[derive(Serialize, ToSchema)]
pub struct DecisionOutcome {
    pub number: String,
    pub status: Option<RequestStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued: Option<RequestStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct InboxList {
    pub escalations: Vec<EscalationView>,
    /// The templates officers may send once the 24-hour window has closed.
    pub templates: Vec<AllowedTemplate>,
}

#[derive(Serialize, ToSchema)]
pub struct Queued {
    pub queued: bool,
}

#[derive(Serialize, ToSchema)]
pub struct HandedBack {
    pub id: u64,
    pub open: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CannedReplies {
    pub replies: Vec<FilledReply>,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeSent {
    pub id: u64,
    pub recipients: usize,
}

#[derive(Serialize, ToSchema)]
pub struct NoticeList {
    pub notices: Vec<NoticeView>,
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<AccountView>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
}

/// A walk-in filed (201: `number` and `status`) or queued to the citizen's lane (202: `form`).
#[derive(Serialize, ToSchema)]
pub struct WalkInOutcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<RequestStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// Whether the citizen gets WhatsApp notifications (a phone number was given).
    pub notified: bool,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "loket officers' API",
        description = "The officers' desk of loket: sessions, the review queue and decisions, \
                       the escalation inbox, walk-ins, notices, accounts, audit and reports. \
                       Every route but signing in needs `Authorization: Bearer <token>`; every \
                       error is `{\"error\": {\"code\", \"message\"}}`."
    ),
    paths(
        super::session::sign_in,
        super::session::current,
        super::session::sign_out,
        super::requests::list,
        super::requests::detail,
        super::requests::approve,
        super::requests::reject,
        super::requests::send_back,
        super::requests::printed,
        super::walk_ins::file,
        super::escalations::list,
        super::escalations::claim,
        super::escalations::message,
        super::escalations::note,
        super::escalations::replies,
        super::escalations::hand_back,
        super::notices::send,
        super::notices::list,
        super::notices::one,
        super::supervision::users,
        super::supervision::create_user,
        super::supervision::disable,
        super::supervision::enable,
        super::supervision::audit,
        super::subjects::export,
        super::subjects::erase,
        super::supervision::daily_report,
        super::deliveries::list,
        super::deliveries::one,
        super::deliveries::step,
        super::manifests::make,
        super::manifests::list,
        super::manifests::one,
        super::manifests::csv,
        super::manifests::pdf,
        super::settlements::list,
        super::settlements::close,
        super::settlements::report,
        super::settlements::monthly,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "requests", description = "The review queue and decisions"),
        (name = "walk-ins", description = "Requests filed at the counter"),
        (name = "escalations", description = "The escalation inbox"),
        (name = "supervision", description = "Notices, accounts, audit, reports (supervisors)"),
        (name = "deliveries", description = "Printed cards on their way: tasks, hand-overs, attempts"),
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    match ApiDoc::openapi().to_json() {
        Ok(json) => HttpResponse::Ok()
            .content_type("application/json")
            .body(json),
        Err(e) => actix_web::ResponseError::error_response(&super::ApiError::Unavailable(format!(
            "the API document: {e}"
        ))),
    }
}

/// `GET /api/v1/docs`: the document, readable, drawn in the browser from `openapi.json`.
pub async fn docs_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "content-security-policy",
            "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
        ))
        .body(DOCS_PAGE)
}

const DOCS_PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>loket API</title>
<style>
body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1d2b36;background:#f4f6f8}
header{background:#0b6b57;color:#fff;padding:12px 20px}main{max-width:1100px;margin:0 auto;padding:16px 20px}
.op{background:#fff;border:1px solid #dfe5ea;border-radius:8px;margin:10px 0;padding:10px 14px}
.m{display:inline-block;min-width:62px;font-weight:700;text-transform:uppercase}.get{color:#0b6b57}.post{color:#8a5300}.delete{color:#b3261e}
code,pre{font:13px ui-monospace,monospace}pre{background:#f1f4f6;padding:8px;border-radius:6px;overflow:auto;max-height:320px}
details summary{cursor:pointer}h2{margin-top:26px}
</style></head><body><header><strong>loket</strong> · officers' API (<a style="color:#fff" href="/api/v1/openapi.json">openapi.json</a>)</header>
<main id="doc"><p>Loading…</p></main>
<script>
const esc=s=>String(s??'').replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
fetch('/api/v1/openapi.json').then(r=>r.json()).then(doc=>{
  let html=`<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description)}</p>`;
  const byTag={};
  for(const [path,item] of Object.entries(doc.paths)) for(const [method,op] of Object.entries(item)){
    const tag=(op.tags||['other'])[0];(byTag[tag]=byTag[tag]||[]).push({path,method,op});}
  for(const [tag,ops] of Object.entries(byTag)){
    html+=`<h2>${esc(tag)}</h2>`;
    for(const {path,method,op} of ops){
      const params=(op.parameters||[]).map(p=>`<code>${esc(p.name)}</code> (${esc(p.in)}${p.required?', required':''})`).join(', ');
      const responses=Object.entries(op.responses||{}).map(([code,r])=>`<code>${esc(code)}</code> ${esc(r.description)}`).join('<br>');
      const body=op.requestBody?`<details><summary>request body</summary><pre>${esc(JSON.stringify(op.requestBody.content,null,2))}</pre></details>`:'';
      html+=`<div class="op"><span class="m ${method}">${esc(method)}</span> <code>${esc(path)}</code><p>${esc(op.summary||'')} ${esc(op.description||'')}</p>${params?'<p>Parameters: '+params+'</p>':''}${body}<p>${responses}</p></div>`;
    }
  }
  html+=`<h2>Schemas</h2>`;
  for(const [name,schema] of Object.entries((doc.components||{}).schemas||{}))
    html+=`<details class="op"><summary><code>${esc(name)}</code></summary><pre>${esc(JSON.stringify(schema,null,2))}</pre></details>`;
  document.getElementById('doc').innerHTML=html;
}).catch(e=>{document.getElementById('doc').textContent='Cannot load openapi.json: '+e;});
</script></body></html>"#;
