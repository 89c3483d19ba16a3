//! The officers' web console under `/console`: server-rendered pages in Bahasa Indonesia, no
//! external assets. It signs in with the same accounts as the API, keeps the session in an
//! HttpOnly SameSite=Strict cookie, and checks a per-session CSRF value on every form. Each
//! page calls the same desk use cases as the API.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{AppState, escape_html as esc};
use crate::desk::{
    self, DeskError, accounts,
    escalations::{self, Reply},
    requests::{self, RequestFilter},
};
use crate::domain::account::{AuditAction, AuditEntry, Role, Session};
use crate::domain::document::DocumentKind;
use crate::domain::request::{Decision, RequestStatus, ReturnedDocument};
use crate::flow::Lang;

mod courier;
mod data_subject;
mod office_delivery;
mod supervisor;
mod walk_in;

const COOKIE: &str = "loket_session";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console")
            .route("", web::get().to(dashboard))
            .route("/", web::get().to(dashboard))
            .route("/login", web::get().to(login_page))
            .route("/login", web::post().to(login))
            .route("/logout", web::post().to(logout))
            .route("/requests", web::get().to(queue))
            .route("/requests/{number}", web::get().to(request_page))
            .route("/requests/{number}/decide", web::post().to(decide))
            .route("/photos/{number}/{sha}", web::get().to(photo))
            .route("/walk-in", web::get().to(walk_in::form_page))
            .route("/walk-in", web::post().to(walk_in::submit))
            .route("/notices", web::get().to(supervisor::notices_page))
            .route("/notices", web::post().to(supervisor::send_notice))
            .route("/users", web::get().to(supervisor::users_page))
            .route("/users", web::post().to(supervisor::create_user))
            .route(
                "/users/{name}/{action}",
                web::post().to(supervisor::user_action),
            )
            .route("/audit", web::get().to(supervisor::audit_page))
            .route("/report", web::get().to(supervisor::report_page))
            .route("/audit.csv", web::get().to(supervisor::audit_csv))
            .route("/data-warga", web::get().to(data_subject::data_page))
            .route("/data-warga/export", web::post().to(data_subject::export))
            .route("/data-warga/erase", web::post().to(data_subject::erase))
            .route("/kurir", web::get().to(courier::courier_page))
            .route("/kurir/{number}", web::post().to(courier::step))
            .route("/manifests", web::post().to(office_delivery::make_now))
            .route(
                "/manifests/{number}/{format}",
                web::get().to(office_delivery::file),
            )
            .route("/setoran", web::get().to(office_delivery::settlements_page))
            .route("/setoran", web::post().to(office_delivery::close))
            .route("/setoran.csv", web::get().to(office_delivery::report_csv))
            .route(
                "/laporan-bulanan.csv",
                web::get().to(office_delivery::report_csv),
            )
            .route("/inbox", web::get().to(inbox))
            .route("/inbox/{id}", web::post().to(inbox_action)),
    );
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// The session a console request carries in its cookie.
pub fn cookie_token(request: &HttpRequest) -> Option<String> {
    let header = request.headers().get(header::COOKIE)?.to_str().ok()?;
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

/// Whoever the cookie's session belongs to.
fn session_of(state: &AppState, request: &HttpRequest) -> Option<Session> {
    let token = cookie_token(request)?;
    accounts::session(&state.store, &token, now()).ok()
}

/// An officer or supervisor: the desk's pages are not a courier's.
fn signed_in(state: &AppState, request: &HttpRequest) -> Option<Session> {
    session_of(state, request).filter(|s| s.role.includes(Role::Officer))
}

fn to_login() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/console/login"))
        .finish()
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// A time as officers read it: the office's local date and time.
fn local(state: &AppState, at: jiff::Timestamp) -> String {
    at.to_zoned(state.time_zone.clone())
        .strftime("%d-%m-%Y %H:%M")
        .to_string()
}

/// Why the bot handed the conversation over, in the officers' words.
fn reason_label(reason: &str, step: Option<&str>) -> String {
    match reason {
        "requested" => "orang tua meminta petugas".into(),
        "repeated_failure" => format!("gagal berulang di langkah {}", step.unwrap_or("-")),
        "not_understood" => "pesan tidak dipahami bot".into(),
        "fault" => "gangguan sistem".into(),
        "low_satisfaction" => format!(
            "nilai kepuasan rendah untuk {} (hubungi kembali)",
            step.unwrap_or("-")
        ),
        other => other.into(),
    }
}

/// What the photo checks found, in the officers' words.
fn finding_label(code: &str) -> String {
    match code {
        "blurry" => "agak buram".into(),
        "too_dark" => "agak gelap".into(),
        "glare" => "ada pantulan cahaya".into(),
        "wrong_background" => "warna latar tidak sesuai".into(),
        "background_unchecked" => "warna latar tidak dapat diperiksa".into(),
        "duplicate_photo" => "mirip foto dokumen lain di permohonan ini".into(),
        "unexpected_shape" => "bentuk tidak seperti dokumen ini".into(),
        "other_document" => "tampak seperti dokumen lain".into(),
        "too_small" => "resolusi kecil".into(),
        other => other.replace('_', " "),
    }
}

fn csrf_ok(session: &Session, sent: &str) -> bool {
    !sent.is_empty() && bool::from(session.csrf.as_bytes().ct_eq(sent.as_bytes()))
}

const STYLE: &str = "
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2b36;background:#f4f6f8}
header{background:#0b6b57;color:#fff;display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;padding:10px 20px}
header a{color:#fff;text-decoration:none;font-weight:500}header a:focus,header a:hover{text-decoration:underline}
header .who{margin-left:auto;font-size:14px;opacity:.9}header form{margin:0}
main{max-width:1200px;margin:0 auto;padding:18px 20px}
h1{font-size:22px;margin:6px 0 14px}h2{font-size:18px;margin:18px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:8px 10px;border-bottom:1px solid #e3e8ec;text-align:left;vertical-align:top}
th{background:#eef2f5;font-weight:600;font-size:14px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #dfe5ea;border-radius:8px;padding:12px 16px;min-width:160px}
.card b{display:block;font-size:26px}
.docs{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.doc{background:#fff;border:1px solid #dfe5ea;border-radius:8px;padding:10px}.doc img{width:100%;height:auto;border-radius:4px;background:#ddd}
.warn{color:#8a5300}.ok{color:#0b6b57}.err{background:#fdecea;border:1px solid #f5c2bd;padding:8px 12px;border-radius:6px}
.note{background:#e8f5ef;border:1px solid #bfe3d3;padding:8px 12px;border-radius:6px}
form.inline{display:inline}button,input[type=submit]{font:inherit;padding:7px 14px;border-radius:6px;border:1px solid #0b6b57;background:#0b6b57;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b6b57}button.danger{background:#b3261e;border-color:#b3261e}
input[type=text],input[type=tel],input[type=number],input[type=password],textarea,select{font:inherit;padding:7px 9px;border:1px solid #b8c4cc;border-radius:6px;width:100%}
label{display:block;margin:8px 0 4px;font-weight:500}
:focus-visible{outline:3px solid #f2b705;outline-offset:2px}
.row{display:flex;gap:16px;flex-wrap:wrap}.row>*{flex:1;min-width:280px}
.panel{background:#fff;border:1px solid #dfe5ea;border-radius:8px;padding:12px 16px;margin-bottom:12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}dt{color:#5b6b77}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:4px 18px}
form.filters{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:end}form.filters>div{min-width:180px}
tr.overdue td{background:#fff6e5}.card.warn b{color:#b3261e}
small{font-weight:400;color:#5b6b77}
ul.chat{list-style:none;padding:0;margin:4px 0;max-height:260px;overflow:auto;border:1px solid #e3e8ec;border-radius:6px;background:#fafbfc}
ul.chat li{padding:4px 8px;white-space:pre-wrap}ul.chat li.in{background:#fff}ul.chat li.out{background:#e8f5ef}
ol.tasks{list-style:none;padding:0;margin:8px 0}li.task{background:#fff;border:1px solid #dfe5ea;border-radius:8px;padding:10px 12px;margin-bottom:10px}
li.task.done{background:#f0f4f2}li.task .head{display:flex;gap:10px;align-items:flex-start}
.seq{flex:none;width:30px;height:30px;border-radius:50%;background:#0b6b57;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600}
p.addr{margin:6px 0}a.call{display:inline-block;padding:8px 12px;border:1px solid #0b6b57;border-radius:6px;color:#0b6b57;text-decoration:none;font-weight:600}
.code{display:flex;gap:8px}.code input{font-size:20px;letter-spacing:3px;max-width:10em}.code button{font-size:17px}
nav.manifests{display:flex;flex-direction:column;gap:6px;margin-bottom:8px}nav.manifests a{background:#fff;border:1px solid #dfe5ea;border-radius:6px;padding:8px 10px;color:#1d2b36;text-decoration:none}
nav.manifests a[aria-current]{border-color:#0b6b57;border-width:2px;font-weight:600}details{margin-top:8px}summary{cursor:pointer;color:#b3261e;font-weight:500}
.late{color:#b3261e;font-weight:600}.sla{margin:0 0 8px}ul.notes{margin:4px 0;padding-left:18px}h3{font-size:15px;margin:12px 0 4px}
";

fn page(title: &str, session: Option<&Session>, body: &str) -> HttpResponse {
    let nav = match session {
        Some(s) if !s.role.includes(crate::domain::account::Role::Officer) => format!(
            "<header><strong>loket</strong><a href=\"/console/kurir\">Pengantaran</a>\
             <span class=\"who\">{} ({})</span>\
             <form method=\"post\" action=\"/console/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button class=\"secondary\" type=\"submit\">Keluar</button></form></header>",
            esc(&s.username),
            s.role.label_id(),
            esc(&s.csrf)
        ),
        Some(s) => format!(
            "<header><strong>loket</strong><a href=\"/console\">Beranda</a>\
             <a href=\"/console/inbox\">Eskalasi</a><a href=\"/console/requests\">Permohonan</a>\
             <a href=\"/console/walk-in\">Daftar di loket</a><a href=\"/console/kurir\">Pengantaran</a>{}\
             <span class=\"who\">{} ({})</span>\
             <form method=\"post\" action=\"/console/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button class=\"secondary\" type=\"submit\">Keluar</button></form></header>",
            if s.role.includes(crate::domain::account::Role::Supervisor) {
                "<a href=\"/console/notices\">Pengumuman</a><a href=\"/console/setoran\">Setoran</a><a href=\"/console/users\">Pengguna</a>\
                 <a href=\"/console/report\">Laporan</a><a href=\"/console/audit\">Audit</a>\
                 <a href=\"/console/data-warga\">Data warga</a>"
            } else {
                ""
            },
            esc(&s.username),
            s.role.label_id(),
            esc(&s.csrf)
        ),
        None => "<header><strong>loket</strong></header>".to_string(),
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("x-frame-options", "DENY"))
        .insert_header((
            "content-security-policy",
            "default-src 'self'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'",
        ))
        .body(format!(
            "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{} · loket</title><style>{STYLE}</style></head><body>{nav}<main>{body}</main></body></html>",
            esc(title)
        ))
}

/// A desk error as a console page shows it (never a 500 page).
fn error_box(e: &DeskError) -> String {
    let text = match e {
        DeskError::BadCredentials => "Nama pengguna atau kata sandi salah.".to_string(),
        DeskError::Locked { until } => {
            let left = until.as_second() - jiff::Timestamp::now().as_second();
            let minutes = super::throttle::minutes_to_wait(std::time::Duration::from_secs(
                left.max(0).unsigned_abs(),
            ));
            format!(
                "Terlalu banyak percobaan gagal: akun dikunci. Coba lagi dalam {minutes} menit."
            )
        }
        DeskError::Conflict(reason) | DeskError::Invalid(reason) => {
            format!("Tidak dapat dilakukan: {reason}")
        }
        DeskError::NotFound(what) => format!("Tidak ditemukan ({what})."),
        DeskError::Forbidden { .. } => "Peran Anda tidak mengizinkan tindakan ini.".to_string(),
        DeskError::SignedOut => "Silakan masuk lagi.".to_string(),
        DeskError::Form(problems) => problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join(" "),
        DeskError::Store(_) => {
            "Penyimpanan sedang bermasalah; coba lagi sebentar lagi.".to_string()
        }
    };
    format!("<p class=\"err\" role=\"alert\">{}</p>", esc(&text))
}

// ---- signing in ----------------------------------------------------------------------------

async fn login_page() -> HttpResponse {
    page("Masuk", None, &login_form("", ""))
}

/// The sign-in form; after a failure it keeps the name typed and puts the cursor on the password.
fn login_form(message: &str, username: &str) -> String {
    let (name_focus, password_focus) = if username.is_empty() {
        (" autofocus", "")
    } else {
        ("", " autofocus")
    };
    format!(
        "<h1>Masuk ke meja petugas</h1>{message}\
         <form method=\"post\" action=\"/console/login\" class=\"panel\" style=\"max-width:380px\">\
         <label for=\"username\">Nama pengguna</label><input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" value=\"{}\" required{name_focus}>\
         <label for=\"password\">Kata sandi</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{password_focus}>\
         <p><button type=\"submit\">Masuk</button></p></form>",
        esc(username)
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(
    request: actix_web::HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let address = state.client_address(&request);
    let LoginForm { username, password } = form.into_inner();
    if let Err(minutes) = state.sign_ins.check(address) {
        return login_refused(
            &format!(
                "<p class=\"err\" role=\"alert\">Terlalu banyak percobaan masuk yang gagal dari \
                 alamat ini. Coba lagi dalam {minutes} menit.</p>"
            ),
            &username,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let policy = state.sign_in_policy();
    let store = state.store.clone();
    let typed = username.clone();
    let signed =
        web::block(move || accounts::sign_in(&store, &policy, username.trim(), &password, now()))
            .await;
    let _ = state.store.commit().await;
    match &signed {
        Ok(Ok(_)) => state.sign_ins.succeeded(address),
        Ok(Err(_)) => state.sign_ins.failed(address),
        Err(_) => {}
    }
    match signed {
        Ok(Ok(signed)) => {
            // Couriers land on their delivery list; officers on the desk.
            let home = if signed.session.role.includes(Role::Officer) {
                "/console"
            } else {
                "/console/kurir"
            };
            let secure = if state.settings.mode == crate::config::Mode::Production {
                "; Secure"
            } else {
                ""
            };
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, home))
                .insert_header((
                    header::SET_COOKIE,
                    format!(
                        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
                        signed.token,
                        state.settings.session_length.as_secs()
                    ),
                ))
                .finish()
        }
        Ok(Err(e)) => login_refused(
            &error_box(&e),
            &typed,
            match e {
                DeskError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            },
        ),
        // The blocking pool is shutting down: loket is stopping.
        Err(_) => login_refused(
            "<p class=\"err\" role=\"alert\">Masuk belum bisa diproses; coba lagi sebentar \
             lagi.</p>",
            &typed,
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    }
}

/// The sign-in form again, with why it did not work and the name already typed.
fn login_refused(message: &str, username: &str, status: StatusCode) -> HttpResponse {
    let mut response = page("Masuk", None, &login_form(message, username));
    *response.status_mut() = status;
    response
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    if let (Some(session), Some(token)) = (signed_in(&state, &request), cookie_token(&request))
        && csrf_ok(&session, &form.csrf)
    {
        let _ = accounts::sign_out(&state.store, &token, now());
        let _ = state.store.commit().await;
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/console/login"))
        .insert_header((
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        ))
        .finish()
}

// ---- dashboard and queue -------------------------------------------------------------------

async fn dashboard(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        if session_of(&state, &request).is_some() {
            return redirect("/console/kurir");
        }
        return to_login();
    };
    let counts = match requests::counts(&state.store, state.today()) {
        Ok(counts) => counts,
        Err(e) => return page("Beranda", Some(&session), &error_box(&e)),
    };
    let open = escalations::open(&state.store, &state.sla_clock(), now()).unwrap_or_default();
    let open_escalations = open.len();
    // The inbox's service levels at a glance: late first answers, and ones about to be.
    let late = open
        .iter()
        .filter(|e| e.sla.first_reply == escalations::SlaLevel::Missed)
        .count();
    let soon = open
        .iter()
        .filter(|e| e.sla.first_reply == escalations::SlaLevel::Warning)
        .count();
    let mut cards = format!(
        "<div class=\"card\"><b>{open_escalations}</b><a href=\"/console/inbox\">eskalasi terbuka</a></div>\
         <div class=\"card{}\"><b>{late}</b><a href=\"/console/inbox\">terlambat dibalas</a></div>\
         <div class=\"card\"><b>{soon}</b><a href=\"/console/inbox\">hampir lewat batas balasan</a></div>\
         <div class=\"card{}\"><b>{}</b><a href=\"/console/requests?status=semua&amp;overdue=1\">lewat perkiraan selesai</a></div>",
        if late > 0 { " warn" } else { "" },
        if counts.overdue > 0 { " warn" } else { "" },
        counts.overdue
    );
    for (status, n) in &counts.by_status {
        cards.push_str(&format!(
            "<div class=\"card\"><b>{n}</b><a href=\"/console/requests?status={}\">{}</a></div>",
            status.id(),
            status.label_id()
        ));
    }
    page(
        "Beranda",
        Some(&session),
        &format!("<h1>Beranda</h1><div class=\"cards\">{cards}</div>"),
    )
}

#[derive(Deserialize)]
struct QueueQuery {
    status: Option<String>,
    service: Option<String>,
    kecamatan: Option<String>,
    overdue: Option<String>,
    after: Option<String>,
}

/// Rows on one page of the console's queue.
const QUEUE_PAGE: usize = 100;

async fn queue(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<QueueQuery>,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        return to_login();
    };
    let status = query
        .status
        .as_deref()
        .and_then(|id| RequestStatus::ALL.into_iter().find(|s| s.id() == id))
        .or(if query.status.is_none() {
            Some(RequestStatus::Diajukan)
        } else {
            None
        });
    let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let filter = RequestFilter {
        status,
        service: non_empty(&query.service),
        kecamatan: non_empty(&query.kecamatan),
        overdue: query
            .overdue
            .as_deref()
            .is_some_and(|v| v == "1" || v == "on"),
    };
    let page_rows = match requests::list(
        &state.store,
        &filter,
        QUEUE_PAGE,
        query.after.as_deref().filter(|s| !s.is_empty()),
        state.today(),
    ) {
        Ok(rows) => rows,
        Err(e) => return page("Permohonan", Some(&session), &error_box(&e)),
    };
    let mut options = String::from("<option value=\"semua\">Semua</option>");
    for s in RequestStatus::ALL {
        options.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            s.id(),
            if Some(s) == status { " selected" } else { "" },
            s.label_id()
        ));
    }
    let mut services = String::from("<option value=\"\">Semua</option>");
    for service in &state.flows.services {
        services.push_str(&format!(
            "<option value=\"{}\"{}>{}</option>",
            esc(&service.id),
            if filter.service.as_deref() == Some(service.id.as_str()) {
                " selected"
            } else {
                ""
            },
            esc(service.title.get(Lang::Id))
        ));
    }
    let mut table = String::from(
        "<table><thead><tr><th>Nomor</th><th>Layanan</th><th>Nama</th><th>Diajukan</th><th>Perkiraan selesai</th><th>Kecamatan</th><th>Status</th></tr></thead><tbody>",
    );
    for r in &page_rows.requests {
        table.push_str(&format!(
            "<tr{}><td><a href=\"/console/requests/{n}\">{n}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            if r.overdue { " class=\"overdue\"" } else { "" },
            esc(&state.service_title(&r.service)),
            esc(&r.name),
            local(&state, r.submitted_at),
            r.due_date.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
            if r.overdue { " ⚠ lewat" } else { "" },
            esc(r.kecamatan.as_deref().unwrap_or("-")),
            r.status.label_id(),
            n = esc(&r.number),
        ));
    }
    if page_rows.requests.is_empty() {
        table.push_str("<tr><td colspan=\"7\">Tidak ada permohonan.</td></tr>");
    }
    table.push_str("</tbody></table>");
    if let Some(next) = &page_rows.next {
        let mut link = format!(
            "/console/requests?status={}&amp;after={}",
            status.map_or("semua", |s| s.id()),
            esc(next)
        );
        for (key, value) in [
            ("service", &filter.service),
            ("kecamatan", &filter.kecamatan),
        ] {
            if let Some(v) = value {
                link.push_str(&format!("&amp;{key}={}", esc(&urlencode(v))));
            }
        }
        if filter.overdue {
            link.push_str("&amp;overdue=1");
        }
        table.push_str(&format!(
            "<p><a href=\"{link}\">Berikutnya ({QUEUE_PAGE} lagi) →</a></p>"
        ));
    }
    page(
        "Permohonan",
        Some(&session),
        &format!(
            "<h1>Permohonan (terlama dulu)</h1>\
             <form method=\"get\" action=\"/console/requests\" class=\"panel filters\">\
             <div><label for=\"status\">Status</label><select id=\"status\" name=\"status\">{options}</select></div>\
             <div><label for=\"service\">Layanan</label><select id=\"service\" name=\"service\">{services}</select></div>\
             <div><label for=\"kecamatan\">Kecamatan</label><input id=\"kecamatan\" name=\"kecamatan\" value=\"{}\" placeholder=\"nama atau kode\"></div>\
             <div><label><input type=\"checkbox\" name=\"overdue\" value=\"1\"{}> Hanya yang lewat perkiraan selesai</label></div>\
             <div><button type=\"submit\">Tampilkan</button></div></form>{table}",
            esc(filter.kecamatan.as_deref().unwrap_or("")),
            if filter.overdue { " checked" } else { "" },
        ),
    )
}

// ---- one request ----------------------------------------------------------------------------

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn request_page(
    state: web::Data<AppState>,
    request: HttpRequest,
    number: web::Path<String>,
    done: web::Query<DoneQuery>,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        return to_login();
    };
    render_request(&state, &session, &number, done.done.as_deref(), None).await
}

async fn render_request(
    state: &AppState,
    session: &Session,
    number: &str,
    done: Option<&str>,
    error: Option<&DeskError>,
) -> HttpResponse {
    let view = match requests::detail(&state.store, session, number, now()) {
        Ok(view) => view,
        Err(e) => return page("Permohonan", Some(session), &error_box(&e)),
    };
    let _ = state.store.commit().await;
    let mut body = format!(
        "<h1>{} · {}</h1>",
        esc(&view.number),
        view.status.label_id()
    );
    if let Some(e) = error {
        body.push_str(&error_box(e));
    }
    if let Some(done) = done {
        body.push_str(&format!(
            "<p class=\"note\" role=\"status\">Tersimpan: {}. {}</p>",
            esc(done),
            if view.reachable {
                "Orang tua sudah diberi tahu."
            } else {
                "Warga tanpa WhatsApp: beri tahu langsung (telepon atau surat)."
            }
        ));
    }
    let mut data = format!(
        "<dl><dt>Layanan</dt><dd>{}</dd><dt>Nama</dt><dd>{}</dd><dt>NIK</dt><dd>{}</dd>\
         <dt>Tanggal lahir</dt><dd>{}</dd><dt>Nomor KK</dt><dd>{}</dd><dt>Diajukan</dt><dd>{}</dd>\
         <dt>Perkiraan selesai</dt><dd>{}</dd>",
        esc(&state.service_title(&view.service)),
        esc(&view.subject.name),
        esc(view.subject.nik.as_deref().unwrap_or("-")),
        view.subject
            .birth_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into()),
        esc(view.nomor_kk.as_deref().unwrap_or("-")),
        match &view.walk_in {
            Some(w) => format!(
                "{} (di loket, oleh {})",
                local(state, view.submitted_at),
                esc(&w.by)
            ),
            None => local(state, view.submitted_at),
        },
        view.due_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into()),
    );
    if let Some(a) = &view.address {
        data.push_str(&format!(
            "<dt>Alamat</dt><dd>{}, RT/RW {}, {}, {} {}</dd>",
            esc(&a.street),
            esc(&a.rt_rw),
            esc(&a.kelurahan),
            esc(&a.kecamatan),
            esc(&a.postal_code)
        ));
    }
    for (step, answer) in &view.answers {
        data.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            esc(&state.step_label(&view.service, step)),
            esc(&state.answer_text(&view.service, step, answer))
        ));
    }
    data.push_str("</dl>");
    body.push_str(&format!(
        "<div class=\"panel\">{data}</div><h2>Dokumen</h2><div class=\"docs\">"
    ));
    for d in &view.documents {
        let picture = match &d.sha256 {
            Some(sha) => format!(
                "<a href=\"/console/photos/{n}/{sha}\" target=\"_blank\" rel=\"noopener\"><img alt=\"Foto {k}\" src=\"/console/photos/{n}/{sha}\"></a>",
                n = esc(&view.number),
                sha = esc(sha),
                k = esc(&d.kind)
            ),
            None => match view.photos_erased_at {
                Some(at) => format!(
                    "<p>Foto sudah dihapus {} (masa simpan berakhir). \
                     <span lang=\"en\">Photo deleted: retention period ended.</span></p>",
                    esc(&local(state, at))
                ),
                None => "<p class=\"warn\">Foto tidak tersimpan.</p>".to_string(),
            },
        };
        let findings = d
            .verdict
            .as_ref()
            .map(|v| {
                v.findings
                    .iter()
                    .map(|f| esc(&finding_label(&f.code)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|s| !s.is_empty())
            .map(|s| format!("<p class=\"warn\">Catatan pemeriksaan: {s}</p>"))
            .unwrap_or_else(|| "<p class=\"ok\">Lolos pemeriksaan foto.</p>".to_string());
        let elsewhere = if d.also_in.is_empty() {
            String::new()
        } else {
            let links: Vec<String> = d
                .also_in
                .iter()
                .map(|n| format!("<a href=\"/console/requests/{n}\">{n}</a>", n = esc(n)))
                .collect();
            format!(
                "<p class=\"warn\" role=\"alert\">⚠ Foto yang sama ada di permohonan keluarga lain: {}</p>",
                links.join(", ")
            )
        };
        body.push_str(&format!(
            "<div class=\"doc\"><strong>{}</strong>{picture}{findings}{elsewhere}</div>",
            esc(&state.document_name(&d.kind))
        ));
    }
    body.push_str("</div><h2>Keputusan</h2>");
    let csrf = esc(&session.csrf);
    let versions: String = view
        .documents
        .iter()
        .filter_map(|d| d.sha256.as_ref().map(|s| format!("{}={}", d.kind, s)))
        .collect::<Vec<_>>()
        .join(" ");
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"versions\" value=\"{}\">",
        esc(&versions)
    );
    let mut returns = String::new();
    for d in &view.documents {
        returns.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"return\" value=\"{k}\"> {name}</label>\
             <input type=\"text\" name=\"reason_{k}\" aria-label=\"Alasan {name}\" placeholder=\"Alasan untuk orang tua\">",
            k = esc(&d.kind),
            name = esc(&state.document_name(&d.kind))
        ));
    }
    body.push_str(&format!(
        "<div class=\"row\">\
         <form method=\"post\" action=\"/console/requests/{n}/decide\" class=\"panel\">{hidden}<input type=\"hidden\" name=\"decision\" value=\"approve\">\
         <p>Semua dokumen benar dan terbaca.</p><button type=\"submit\">Setujui</button></form>\
         <form method=\"post\" action=\"/console/requests/{n}/decide\" class=\"panel\">{hidden}<input type=\"hidden\" name=\"decision\" value=\"return\">\
         <p>Kembalikan dokumen untuk difoto ulang:</p>{returns}<p><button type=\"submit\" class=\"secondary\">Kembalikan</button></p></form>\
         <form method=\"post\" action=\"/console/requests/{n}/decide\" class=\"panel\">{hidden}<input type=\"hidden\" name=\"decision\" value=\"reject\">\
         <label for=\"reject-reason\">Tolak, dengan alasan</label><input id=\"reject-reason\" type=\"text\" name=\"reason\">\
         <p><button type=\"submit\" class=\"danger\">Tolak</button></p></form>\
         <form method=\"post\" action=\"/console/requests/{n}/decide\" class=\"panel\">{hidden}<input type=\"hidden\" name=\"decision\" value=\"printed\">\
         <p>Kartu sudah dicetak.</p><button type=\"submit\" class=\"secondary\">Tandai dicetak</button></form></div>",
        n = esc(&view.number)
    ));
    let mut history = String::from("<h2>Riwayat</h2><table><tbody>");
    for h in &view.history {
        history.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            local(state, h.at),
            h.status.label_id(),
            esc(&h.by),
            esc(h.note.as_deref().unwrap_or(""))
        ));
    }
    history.push_str("</tbody></table>");
    body.push_str(&history);
    page(&view.number, Some(session), &body)
}

async fn decide(
    state: web::Data<AppState>,
    request: HttpRequest,
    number: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        return to_login();
    };
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    if !csrf_ok(&session, field("csrf")) {
        return forbidden_form(&session);
    }
    let seen: Vec<requests::SeenVersion> = field("versions")
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(kind, sha)| requests::SeenVersion {
            kind: kind.to_string(),
            sha256: sha.to_string(),
        })
        .collect();
    let decision = match field("decision") {
        "approve" => Decision::Approve,
        "printed" => Decision::Printed,
        "reject" => Decision::Reject {
            reason: field("reason").trim().to_string(),
        },
        "return" => Decision::Return {
            documents: form
                .iter()
                .filter(|(k, _)| k == "return")
                .map(|(_, kind)| ReturnedDocument {
                    kind: DocumentKind::new(kind.as_str()),
                    reason: field(&format!("reason_{kind}")).trim().to_string(),
                })
                .collect(),
        },
        _ => return redirect(&format!("/console/requests/{number}")),
    };
    let wanted = decision.status();
    let done = wanted.label_id();
    match requests::decide(&state.store, &session, &number, decision, &seen, now()) {
        Ok(decided) => {
            // A moment for the parent's lane, so the page shows the new status.
            let _ = state
                .settle_decision(decided, &number, wanted, std::time::Duration::from_secs(1))
                .await;
            redirect(&format!(
                "/console/requests/{number}?done={}",
                urlencode(done)
            ))
        }
        Err(e) => {
            let mut response = render_request(&state, &session, &number, None, Some(&e)).await;
            *response.status_mut() = match e {
                DeskError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            response
        }
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn forbidden_form(session: &Session) -> HttpResponse {
    let mut response = page(
        "Formulir kedaluwarsa",
        Some(session),
        "<p class=\"err\" role=\"alert\">Formulir ini tidak sah atau sudah kedaluwarsa (CSRF). Muat ulang halaman dan coba lagi.</p>",
    );
    *response.status_mut() = StatusCode::FORBIDDEN;
    response
}

/// A photo of a request, only to signed-in officers, never cached; every view is audited.
async fn photo(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request).filter(|s| s.role.includes(Role::Officer))
    else {
        return HttpResponse::Unauthorized()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
    };
    let (number, sha) = path.into_inner();
    // Only a photo the request keeps: a hash of anything else in the store gets nothing.
    let kept = state
        .store
        .request(&number)
        .ok()
        .flatten()
        .is_some_and(|r| r.photos.contains(&sha));
    let bytes = kept
        .then(|| state.store.blobs().get(&sha).ok().flatten())
        .flatten();
    let Some(bytes) = bytes else {
        return HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
    };
    let _ = state.store.append_audit(&AuditEntry {
        at: now(),
        actor: session.username.clone(),
        action: AuditAction::PhotoViewed,
        target: Some(number),
        photo: Some(sha),
        detail: None,
    });
    HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

// ---- escalations ----------------------------------------------------------------------------

#[derive(Deserialize)]
struct InboxQuery {
    fragment: Option<String>,
    done: Option<String>,
}

async fn inbox(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<InboxQuery>,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        return to_login();
    };
    let list = inbox_list(&state, &session);
    if query.fragment.is_some() {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(list);
    }
    let done = query
        .done
        .as_deref()
        .map(|d| format!("<p class=\"note\" role=\"status\">{}</p>", esc(d)))
        .unwrap_or_default();
    // New escalations appear without reloading: the list is fetched again every 10 s.
    let script = "<script>const bottom=()=>document.querySelectorAll('ul.chat').forEach(u=>u.scrollTop=u.scrollHeight);bottom();setInterval(async()=>{try{const r=await fetch('/console/inbox?fragment=1',{credentials:'same-origin'});if(r.ok){const el=document.getElementById('inbox');const typing=[...el.querySelectorAll('textarea')].some(t=>t.value.trim());if(!typing&&!el.contains(document.activeElement)){el.innerHTML=await r.text();bottom();}}}catch(e){}},10000);</script>";
    page(
        "Eskalasi",
        Some(&session),
        &format!(
            "<h1>Eskalasi (terlama menunggu dulu)</h1>{done}<div id=\"inbox\">{list}</div>{script}"
        ),
    )
}

/// Where an escalation stands against its service levels, in office minutes.
fn sla_line(e: &escalations::EscalationView) -> String {
    use escalations::SlaLevel;
    let first = match (e.sla.first_reply, e.first_reply_minutes) {
        (SlaLevel::Met, Some(m)) => {
            format!("<span class=\"ok\">dibalas dalam {m} menit kantor</span>")
        }
        (SlaLevel::Missed, _) => format!(
            "<span class=\"late\">⛔ balasan pertama terlambat {} menit</span>",
            -e.sla.first_reply_left_minutes
        ),
        (SlaLevel::Warning, _) => format!(
            "<span class=\"warn\">⚠ balasan pertama jatuh tempo {} menit lagi</span>",
            e.sla.first_reply_left_minutes
        ),
        _ => format!(
            "balasan pertama: {} menit lagi",
            e.sla.first_reply_left_minutes
        ),
    };
    let resolution = match e.sla.resolution {
        SlaLevel::Missed => format!(
            "<span class=\"late\">⛔ penyelesaian terlambat {} menit</span>",
            -e.sla.resolution_left_minutes
        ),
        SlaLevel::Warning => format!(
            "<span class=\"warn\">⚠ selesaikan dalam {} menit</span>",
            e.sla.resolution_left_minutes
        ),
        _ => format!("selesai: {} menit lagi", e.sla.resolution_left_minutes),
    };
    format!(
        "<p class=\"sla\">Menunggu {} menit kantor · {first} · {resolution}</p>",
        e.waiting_minutes
    )
}

fn inbox_list(state: &AppState, session: &Session) -> String {
    let open = match escalations::open(&state.store, &state.sla_clock(), now()) {
        Ok(open) => open,
        Err(e) => return error_box(&e),
    };
    if open.is_empty() {
        return "<p>Tidak ada eskalasi terbuka.</p>".to_string();
    }
    let now = now();
    let csrf = esc(&session.csrf);
    let mut out = String::new();
    for e in &open {
        let sla = sla_line(e);
        let canned: String = escalations::canned_replies(&state.store, &state.flows, e.id)
            .unwrap_or_default()
            .iter()
            .map(|r| {
                format!(
                    "<option value=\"{}\" data-text=\"{}\">{}</option>",
                    esc(&r.id),
                    esc(&r.text),
                    esc(&r.title)
                )
            })
            .collect();
        let chat: String = e
            .chat
            .iter()
            .map(|line| {
                format!(
                    "<li class=\"{}\"><small>{}</small> {}</li>",
                    if line.from_parent { "in" } else { "out" },
                    local(state, line.at),
                    esc(&line.text)
                )
            })
            .collect();
        let draft_data: String = e
            .draft_answers
            .iter()
            .map(|(step, answer)| {
                let service = e.draft.as_deref().unwrap_or("");
                format!(
                    "<dt>{}</dt><dd>{}</dd>",
                    esc(&state.step_label(service, step)),
                    esc(&state.answer_text(service, step, answer))
                )
            })
            .chain(std::iter::once(format!(
                "<dt>Foto diterima</dt><dd>{}</dd>",
                if e.draft_documents.is_empty() {
                    "-".to_string()
                } else {
                    e.draft_documents
                        .iter()
                        .map(|d| esc(&state.document_name(d)))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )))
            .collect();
        let notes: String = e
            .notes
            .iter()
            .map(|n| {
                format!(
                    "<li><b>{}</b> {}: {}</li>",
                    esc(&n.by),
                    local(state, n.at),
                    esc(&n.text)
                )
            })
            .collect();
        let window = match e.window_open_until {
            Some(until) if until > now => {
                format!(
                    "boleh pesan bebas sampai {}",
                    until.to_zoned(state.time_zone.clone()).strftime("%H:%M")
                )
            }
            _ => "di luar 24 jam: hanya template".to_string(),
        };
        let phone = e
            .wa_id
            .as_deref()
            .map(|p| {
                let keep = p.len().saturating_sub(4);
                format!("{}****", &p[..keep])
            })
            .unwrap_or_else(|| "-".into());
        let owner = match &e.claimed_by {
            Some(owner) => format!("diambil {}", esc(owner)),
            None => format!(
                "<form method=\"post\" action=\"/console/inbox/{id}\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"action\" value=\"claim\"><button type=\"submit\">Ambil</button></form>",
                id = e.id
            ),
        };
        let requests = e
            .requests
            .iter()
            .map(|n| format!("<a href=\"/console/requests/{n}\">{n}</a>", n = esc(n)))
            .collect::<Vec<_>>()
            .join(", ");
        let templates: String = state
            .templates
            .iter()
            .map(|t| format!("<option value=\"{n}\">{n}</option>", n = esc(&t.name)))
            .collect();
        out.push_str(&format!(
            "<div class=\"panel\" id=\"escalation-{id}\"><h2>#{id} · {reason}</h2>{sla}\
             <dl><dt>Orang tua</dt><dd>{name} ({phone})</dd><dt>Permohonan</dt><dd>{requests}</dd>\
             <dt>Sedang diisi</dt><dd>{draft}</dd><dt>Jendela WhatsApp</dt><dd>{window}</dd><dt>Petugas</dt><dd>{owner}</dd></dl>\
             <details><summary>Isian yang sedang diisi</summary><dl>{draft_data}</dl></details>\
             <h3>Percakapan terakhir</h3><ul class=\"chat\">{chat}</ul>\
             <form method=\"post\" action=\"/console/inbox/{id}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"action\" value=\"reply\">\
             <label for=\"canned-{id}\">Balasan siap pakai</label><select id=\"canned-{id}\" onchange=\"const t=this.selectedOptions[0].dataset.text;if(t){{this.form.text.value=t;}}\"><option value=\"\">—</option>{canned}</select>\
             <label for=\"text-{id}\">Balasan</label><textarea id=\"text-{id}\" name=\"text\" rows=\"3\"></textarea>\
             <label for=\"template-{id}\">atau template (di luar 24 jam)</label><select id=\"template-{id}\" name=\"template\"><option value=\"\">—</option>{templates}</select>\
             <p><button type=\"submit\">Kirim</button></p></form>\
             <form method=\"post\" action=\"/console/inbox/{id}\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"action\" value=\"hand_back\">\
             <button type=\"submit\" class=\"secondary\">Kembalikan ke bot</button></form>\
             <h3>Catatan petugas <small>(tidak dikirim ke orang tua)</small></h3><ul class=\"notes\">{notes}</ul>\
             <form method=\"post\" action=\"/console/inbox/{id}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"action\" value=\"note\">\
             <label for=\"note-{id}\">Catatan baru</label><textarea id=\"note-{id}\" name=\"text\" rows=\"2\"></textarea>\
             <p><button type=\"submit\" class=\"secondary\">Simpan catatan</button></p></form></div>",
            id = e.id,
            reason = esc(&reason_label(e.reason, e.step.as_deref())),
            name = esc(e.name.as_deref().unwrap_or("-")),
            draft = esc(&e.draft.as_deref().map_or_else(|| "-".into(), |d| state.service_title(d))),
        ));
    }
    out
}

#[derive(Deserialize)]
struct InboxForm {
    csrf: String,
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    template: String,
}

async fn inbox_action(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<u64>,
    form: web::Form<InboxForm>,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        return to_login();
    };
    if !csrf_ok(&session, &form.csrf) {
        return forbidden_form(&session);
    }
    let id = *id;
    let result: desk::Result<&str> = match form.action.as_str() {
        "claim" => escalations::claim(&state.store, &state.sla_clock(), &session, id, now())
            .map(|_| "Eskalasi diambil."),
        "reply" => {
            let reply = if form.template.is_empty() {
                Reply::Text(form.text.clone())
            } else {
                Reply::Template {
                    name: form.template.clone(),
                    params: vec![form.text.trim().to_string()],
                }
            };
            escalations::reply(&state.store, &session, id, reply, &state.templates, now()).map(
                |contact| {
                    state.runtime.wake(contact);
                    "Balasan dikirim."
                },
            )
        }
        "note" => escalations::add_note(
            &state.store,
            &state.sla_clock(),
            &session,
            id,
            &form.text,
            now(),
        )
        .map(|_| "Catatan disimpan."),
        "hand_back" => {
            escalations::hand_back(&state.store, &session, id, now()).and_then(|contact| {
                state.runtime.hand_back(contact)?;
                Ok("Percakapan dikembalikan ke bot.")
            })
        }
        _ => Err(DeskError::Invalid("unknown action".into())),
    };
    let _ = state.store.commit().await;
    match result {
        Ok(done) => redirect(&format!("/console/inbox?done={}", urlencode(done))),
        Err(e) => {
            let mut response = page(
                "Eskalasi",
                Some(&session),
                &format!(
                    "<h1>Eskalasi</h1>{}<div id=\"inbox\">{}</div>",
                    error_box(&e),
                    inbox_list(&state, &session)
                ),
            );
            *response.status_mut() = match e {
                DeskError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            response
        }
    }
}
