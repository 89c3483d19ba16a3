//! Supervisors' pages: *Pengumuman* (notices and their delivery counts), *Pengguna* (accounts)
//! and *Audit* (the log, and its CSV export).

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;

use super::{csrf_ok, error_box, esc, forbidden_form, local, page, redirect, signed_in, to_login};
use crate::desk::{accounts, notices, supervision};
use crate::domain::account::{Role, Session};
use crate::domain::notice::NoticeFilter;
use crate::domain::request::RequestStatus;
use crate::flow::Lang;
use crate::http::AppState;

/// The signed-in supervisor, or the page to show instead.
pub(super) fn supervisor(
    state: &AppState,
    request: &HttpRequest,
) -> Result<Session, Box<HttpResponse>> {
    let session = signed_in(state, request).ok_or_else(|| Box::new(to_login()))?;
    match accounts::require(&session, Role::Supervisor) {
        Ok(()) => Ok(session),
        Err(e) => {
            let mut response = page("Supervisor", Some(&session), &error_box(&e));
            *response.status_mut() = actix_web::http::StatusCode::FORBIDDEN;
            Err(Box::new(response))
        }
    }
}

/// The signed-in supervisor of a form with a valid CSRF value, or the page to show instead.
fn supervisor_form(
    state: &AppState,
    request: &HttpRequest,
    csrf: &str,
) -> Result<Session, Box<HttpResponse>> {
    let session = supervisor(state, request)?;
    if csrf_ok(&session, csrf) {
        Ok(session)
    } else {
        Err(Box::new(forbidden_form(&session)))
    }
}

// ---- notices --------------------------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct SentQuery {
    sent: Option<u64>,
}

pub(super) async fn notices_page(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<SentQuery>,
) -> HttpResponse {
    let session = match supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    render_notices(&state, &session, query.sent, None, "")
}

fn render_notices(
    state: &AppState,
    session: &Session,
    sent: Option<u64>,
    error: Option<&crate::desk::DeskError>,
    text: &str,
) -> HttpResponse {
    let mut body = String::from("<h1>Pengumuman</h1>");
    if let Some(e) = error {
        body.push_str(&error_box(e));
    }
    if let Some(id) = sent {
        body.push_str(&format!(
            "<p class=\"note\" role=\"status\">Pengumuman #{id} diantrekan. Angka terkirim/diterima/dibaca \
             bertambah saat WhatsApp melaporkannya.</p>"
        ));
    }
    let mut statuses = String::from("<option value=\"\">Semua yang sedang diproses</option>");
    for s in RequestStatus::ALL {
        statuses.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            s.id(),
            s.label_id()
        ));
    }
    let mut services = String::from("<option value=\"\">Semua</option>");
    for s in &state.flows.services {
        services.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            esc(&s.id),
            esc(s.title.get(Lang::Id))
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/console/notices\" class=\"panel\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label for=\"text\">Isi pengumuman <small>(dikirim apa adanya; di luar jendela 24 jam lewat templat {})</small></label>\
         <textarea id=\"text\" name=\"text\" rows=\"3\" maxlength=\"{}\" required>{}</textarea>\
         <div class=\"grid\"><div><label for=\"status\">Penerima: status permohonan</label><select id=\"status\" name=\"status\">{statuses}</select></div>\
         <div><label for=\"service\">Layanan</label><select id=\"service\" name=\"service\">{services}</select></div>\
         <div><label for=\"kecamatan\">Kecamatan</label><input type=\"text\" id=\"kecamatan\" name=\"kecamatan\" placeholder=\"nama atau kode; kosong: semua\"></div></div>\
         <p><button type=\"submit\">Kirim pengumuman</button></p></form>",
        esc(&session.csrf),
        esc(&state.flows.settings.notice_template.name),
        notices::MAX_TEXT,
        esc(text)
    ));
    match notices::list(&state.store) {
        Ok(list) => {
            let mut table = String::from(
                "<table><thead><tr><th>#</th><th>Waktu</th><th>Oleh</th><th>Isi</th><th>Penerima</th>\
                 <th>Antre</th><th>Terkirim</th><th>Diterima</th><th>Dibaca</th><th>Gagal</th></tr></thead><tbody>",
            );
            for v in &list {
                let c = v.counts;
                table.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    v.notice.id,
                    local(state, v.notice.at),
                    esc(&v.notice.by),
                    esc(&v.notice.text),
                    v.notice.recipients.len(),
                    c.queued,
                    c.sent,
                    c.delivered,
                    c.read,
                    c.failed
                ));
            }
            if list.is_empty() {
                table.push_str("<tr><td colspan=\"10\">Belum ada pengumuman.</td></tr>");
            }
            table.push_str("</tbody></table>");
            body.push_str(&format!(
                "<h2>Terkirim <a href=\"/console/notices\" style=\"font-size:14px\">(muat ulang)</a></h2>{table}"
            ));
        }
        Err(e) => body.push_str(&error_box(&e)),
    }
    page("Pengumuman", Some(session), &body)
}

#[derive(Deserialize)]
pub(super) struct NoticeForm {
    csrf: String,
    text: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    kecamatan: String,
}

pub(super) async fn send_notice(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<NoticeForm>,
) -> HttpResponse {
    let session = match supervisor_form(&state, &request, &form.csrf) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let filled = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let filter = NoticeFilter {
        status: RequestStatus::ALL
            .into_iter()
            .find(|s| s.id() == form.status),
        service: filled(&form.service),
        kecamatan: filled(&form.kecamatan),
    };
    match notices::send(&state.store, &session, &form.text, filter, super::now()) {
        Ok(notice) => {
            if let Err(e) = state.store.commit().await {
                return render_notices(&state, &session, None, Some(&e.into()), &form.text);
            }
            for contact in &notice.recipients {
                state.runtime.wake(*contact);
            }
            redirect(&format!("/console/notices?sent={}", notice.id))
        }
        Err(e) => render_notices(&state, &session, None, Some(&e), &form.text),
    }
}

// ---- accounts -------------------------------------------------------------------------------

pub(super) async fn users_page(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let session = match supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    render_users(&state, &session, None, None)
}

fn render_users(
    state: &AppState,
    session: &Session,
    done: Option<&str>,
    error: Option<&crate::desk::DeskError>,
) -> HttpResponse {
    let mut body = String::from("<h1>Pengguna</h1>");
    if let Some(e) = error {
        body.push_str(&error_box(e));
    }
    if let Some(done) = done {
        body.push_str(&format!(
            "<p class=\"note\" role=\"status\">{}</p>",
            esc(done)
        ));
    }
    let csrf = esc(&session.csrf);
    match supervision::list_accounts(&state.store, session) {
        Ok(accounts) => {
            let mut table = String::from(
                "<table><thead><tr><th>Nama pengguna</th><th>Peran</th><th>Keadaan</th><th>Dibuat</th><th></th></tr></thead><tbody>",
            );
            for a in &accounts {
                let state_text = if a.disabled {
                    "nonaktif".to_string()
                } else if let Some(until) = a.locked_until.filter(|u| *u > super::now()) {
                    format!("terkunci sampai {}", local(state, until))
                } else {
                    "aktif".to_string()
                };
                let (action, label, class) = if a.disabled {
                    ("enable", "Aktifkan", "secondary")
                } else {
                    ("disable", "Nonaktifkan", "danger")
                };
                let button = if a.username == session.username {
                    String::new()
                } else {
                    format!(
                        "<form method=\"post\" action=\"/console/users/{u}/{action}\" class=\"inline\">\
                         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button class=\"{class}\" type=\"submit\">{label}</button></form>",
                        u = esc(&a.username)
                    )
                };
                table.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{button}</td></tr>",
                    esc(&a.username),
                    a.role.label_id(),
                    state_text,
                    local(state, a.created_at)
                ));
            }
            table.push_str("</tbody></table>");
            body.push_str(&table);
        }
        Err(e) => body.push_str(&error_box(&e)),
    }
    body.push_str(&format!(
        "<h2>Akun baru</h2><form method=\"post\" action=\"/console/users\" class=\"panel\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><div class=\"grid\">\
         <div><label for=\"username\">Nama pengguna</label><input type=\"text\" id=\"username\" name=\"username\" required autocomplete=\"off\"></div>\
         <div><label for=\"role\">Peran</label><select id=\"role\" name=\"role\">\
         <option value=\"officer\">Petugas</option><option value=\"supervisor\">Supervisor</option><option value=\"courier\">Kurir</option></select></div>\
         <div><label for=\"password\">Kata sandi awal <small>(paling sedikit 10 karakter)</small></label>\
         <input type=\"password\" id=\"password\" name=\"password\" required minlength=\"10\" autocomplete=\"new-password\"></div></div>\
         <p><button type=\"submit\">Buat akun</button></p></form>"
    ));
    page("Pengguna", Some(session), &body)
}

#[derive(Deserialize)]
pub(super) struct NewUserForm {
    csrf: String,
    username: String,
    role: String,
    password: String,
}

pub(super) async fn create_user(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<NewUserForm>,
) -> HttpResponse {
    let session = match supervisor_form(&state, &request, &form.csrf) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let Some(role) = Role::from_id(&form.role) else {
        let e = crate::desk::DeskError::Invalid("peran tidak dikenal".into());
        return render_users(&state, &session, None, Some(&e));
    };
    let form = form.into_inner();
    let (store, who) = (state.store.clone(), session.clone());
    // Hashing a password takes a while: off the async workers.
    let created = web::block(move || {
        supervision::create_account(
            &store,
            &who,
            &form.username,
            role,
            &form.password,
            super::now(),
        )
    })
    .await;
    match created {
        Ok(Ok(account)) => {
            let _ = state.store.commit().await;
            let done = format!(
                "Akun {} ({}) dibuat.",
                account.username,
                account.role.label_id()
            );
            render_users(&state, &session, Some(&done), None)
        }
        Ok(Err(e)) => render_users(&state, &session, None, Some(&e)),
        Err(_) => {
            let e = crate::desk::DeskError::Invalid("coba lagi".into());
            render_users(&state, &session, None, Some(&e))
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

pub(super) async fn user_action(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let session = match supervisor_form(&state, &request, &form.csrf) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let (name, action) = path.into_inner();
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return redirect("/console/users"),
    };
    match supervision::set_disabled(&state.store, &session, &name, disable, super::now()) {
        Ok(account) => {
            let _ = state.store.commit().await;
            let done = format!(
                "Akun {} {}.",
                account.username,
                if disable {
                    "dinonaktifkan (sesinya berakhir)"
                } else {
                    "diaktifkan"
                }
            );
            render_users(&state, &session, Some(&done), None)
        }
        Err(e) => render_users(&state, &session, None, Some(&e)),
    }
}

// ---- audit ----------------------------------------------------------------------------------

pub(super) async fn audit_page(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let session = match supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let entries = match supervision::audit(&state.store, &session, 300) {
        Ok(entries) => entries,
        Err(e) => return page("Audit", Some(&session), &error_box(&e)),
    };
    let mut table = String::from(
        "<table><thead><tr><th>Waktu</th><th>Oleh</th><th>Tindakan</th><th>Sasaran</th><th>Foto</th><th>Keterangan</th></tr></thead><tbody>",
    );
    for e in &entries {
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            local(&state, e.at),
            esc(&e.actor),
            e.action.id(),
            esc(e.target.as_deref().unwrap_or("")),
            esc(&e
                .photo
                .as_deref()
                .map(|p| p.chars().take(12).collect::<String>())
                .unwrap_or_default()),
            esc(e.detail.as_deref().unwrap_or(""))
        ));
    }
    table.push_str("</tbody></table>");
    page(
        "Audit",
        Some(&session),
        &format!(
            "<h1>Audit</h1><p>300 catatan terbaru. Catatan tidak dapat diubah atau dihapus. \
             <a href=\"/console/audit.csv\">Unduh semua (CSV)</a></p>{table}"
        ),
    )
}

pub(super) async fn audit_csv(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let session = match supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    match supervision::audit_csv(&state.store, &session, super::now()) {
        Ok(csv) => {
            let _ = state.store.commit().await;
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"loket-audit.csv\"",
                ))
                .body(csv)
        }
        Err(e) => page("Audit", Some(&session), &error_box(&e)),
    }
}

// ---- the daily report -----------------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct ReportQuery {
    date: Option<String>,
}

pub(super) async fn report_page(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<ReportQuery>,
) -> HttpResponse {
    let session = match supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let date = query
        .date
        .as_deref()
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        .unwrap_or_else(|| state.today());
    let report = match crate::desk::reports::daily(&state.store, &state.sla_clock(), &session, date)
    {
        Ok(report) => report,
        Err(e) => return page("Laporan", Some(&session), &error_box(&e)),
    };
    let mut table = String::from(
        "<table><thead><tr><th>Petugas</th><th>Eskalasi diambil</th><th>Balasan pertama</th>\
         <th>Median (menit kantor)</th><th>Terlambat dibalas</th><th>Dikembalikan ke bot</th><th>Terlambat selesai</th>\
         <th>Pesan</th><th>Setuju</th><th>Kembalikan dok.</th><th>Tolak</th><th>Dicetak</th><th>Di loket</th><th>Catatan</th></tr></thead><tbody>",
    );
    for d in &report.officers {
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.officer),
            d.claimed,
            d.first_replies,
            d.median_first_reply_minutes.map_or_else(|| "-".to_string(), |m| m.to_string()),
            d.first_reply_late,
            d.handed_back,
            d.resolution_late,
            d.replies_sent,
            d.approved,
            d.returned,
            d.rejected,
            d.printed,
            d.walk_ins,
            d.notes
        ));
    }
    if report.officers.is_empty() {
        table
            .push_str("<tr><td colspan=\"14\">Tidak ada kegiatan petugas pada hari ini.</td></tr>");
    }
    table.push_str("</tbody></table>");
    page(
        "Laporan",
        Some(&session),
        &format!(
            "<h1>Laporan harian</h1><form method=\"get\" action=\"/console/report\" class=\"panel filters\">\
             <div><label for=\"date\">Tanggal</label><input type=\"date\" id=\"date\" name=\"date\" value=\"{date}\"></div>\
             <div><button type=\"submit\">Tampilkan</button></div></form>\
             <p>Batas layanan: balasan pertama {} menit kantor, selesai {} menit kantor (jam layanan, hari kerja).</p>{table}",
            report.first_reply_minutes, report.resolution_minutes
        ),
    )
}
