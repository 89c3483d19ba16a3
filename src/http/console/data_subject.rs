//! *Data warga*: a supervisor answers a citizen's request over their data (UU 27/2022, within
//! 3 × 24 hours): download everything loket holds about a WhatsApp number or a child's NIK as
//! a zip, or erase it but for what the office must keep.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{esc, page, supervisor::supervisor};
use crate::http::AppState;
use crate::privacy::{
    PrivacyError,
    subject::{self, DataSubject, KEPT_BY_LAW_ID},
};

pub(super) async fn data_page(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let session = match supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    render(&session, None, "", "", "")
}

fn render(
    session: &crate::domain::account::Session,
    message: Option<&str>,
    phone: &str,
    nik: &str,
    done: &str,
) -> HttpResponse {
    let mut body = String::from(
        "<h1>Data warga</h1><p>Permintaan warga atas datanya dijawab paling lambat 3 × 24 jam \
         (UU 27/2022). Cari dengan nomor WhatsApp orang tua, atau NIK anak. \
         <span lang=\"en\">A citizen's request over their data: export or erase.</span></p>",
    );
    if let Some(message) = message {
        body.push_str(&format!(
            "<p class=\"err\" role=\"alert\">{}</p>",
            esc(message)
        ));
    }
    body.push_str(done);
    let csrf = esc(&session.csrf);
    let fields = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <div class=\"grid\"><div><label for=\"phone-{{f}}\">Nomor WhatsApp</label>\
         <input type=\"tel\" id=\"phone-{{f}}\" name=\"phone\" value=\"{}\" placeholder=\"0812-3456-7890\"></div>\
         <div><label for=\"nik-{{f}}\">atau NIK anak</label>\
         <input type=\"text\" id=\"nik-{{f}}\" name=\"nik\" value=\"{}\" inputmode=\"numeric\" placeholder=\"16 angka\"></div></div>",
        esc(phone),
        esc(nik)
    );
    body.push_str(&format!(
        "<form method=\"post\" action=\"/console/data-warga/export\" class=\"panel\">\
         <h2>Unduh data (zip)</h2>{}\
         <p><button type=\"submit\">Unduh data</button></p></form>",
        fields.replace("{f}", "export")
    ));
    body.push_str(&format!(
        "<form method=\"post\" action=\"/console/data-warga/erase\" class=\"panel\">\
         <h2>Hapus data</h2>{}\
         <p>{}</p>\
         <label for=\"confirm\">Ketik <b>HAPUS</b> untuk menghapus (tidak dapat dibatalkan; unduh dulu)</label>\
         <input type=\"text\" id=\"confirm\" name=\"confirm\" autocomplete=\"off\">\
         <p><button type=\"submit\" class=\"danger\">Hapus data</button></p></form>",
        fields.replace("{f}", "erase"),
        esc(KEPT_BY_LAW_ID)
    ));
    page("Data warga", Some(session), &body)
}

#[derive(Deserialize)]
pub(super) struct DataForm {
    csrf: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    confirm: String,
}

/// A privacy error as the console says it.
fn said(e: &PrivacyError) -> String {
    match e {
        PrivacyError::Invalid(reason) => reason.clone(),
        PrivacyError::NotFound => {
            "loket tidak menyimpan data apa pun tentang nomor/NIK ini.".into()
        }
        PrivacyError::StillOpen { number, status } => format!(
            "Permohonan {number} masih berjalan ({status}): selesaikan, tolak, atau batalkan dulu, \
             lalu hapus."
        ),
        PrivacyError::InConversation => {
            "Orang tua sedang mengisi formulir di WhatsApp: hapus setelah formulir diajukan atau \
             dibatalkan."
                .into()
        }
        PrivacyError::Export(_) | PrivacyError::Store(_) => {
            "Penyimpanan sedang bermasalah; coba lagi sebentar lagi.".into()
        }
    }
}

fn subject_of(state: &AppState, form: &DataForm) -> Result<DataSubject, PrivacyError> {
    let today = jiff::Timestamp::now()
        .to_zoned(state.time_zone.clone())
        .date();
    let given = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
    DataSubject::parse(
        given(&form.phone).as_deref(),
        given(&form.nik).as_deref(),
        today,
    )
}

/// The signed-in supervisor of a form with a valid CSRF value, and whom it asks about; or the
/// page to show instead.
fn asked(
    state: &AppState,
    request: &HttpRequest,
    form: &DataForm,
) -> Result<(crate::domain::account::Session, DataSubject), Box<HttpResponse>> {
    let session = match supervisor(state, request) {
        Ok(s) if super::csrf_ok(&s, &form.csrf) => s,
        Ok(s) => return Err(Box::new(super::forbidden_form(&s))),
        Err(page) => return Err(page),
    };
    match subject_of(state, form) {
        Ok(who) => Ok((session, who)),
        Err(e) => Err(Box::new(bad(&session, &e, form))),
    }
}

pub(super) async fn export(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<DataForm>,
) -> HttpResponse {
    let (session, who) = match asked(&state, &request, &form) {
        Ok(asked) => asked,
        Err(page) => return *page,
    };
    let store = state.store.clone();
    let by = session.username.clone();
    let result = web::block(move || subject::export(&store, &who, &by, jiff::Timestamp::now()))
        .await
        .unwrap_or_else(|e| Err(PrivacyError::Export(e.to_string())));
    match result {
        Ok(export) => {
            if let Err(e) = state.store.commit().await {
                tracing::error!(error = %e, "the export's audit entry is not durable");
            }
            HttpResponse::Ok()
                .content_type("application/zip")
                .insert_header(("cache-control", "no-store"))
                .insert_header((
                    "content-disposition",
                    format!("attachment; filename=\"{}\"", export.file_name),
                ))
                .body(export.zip)
        }
        Err(e) => bad(&session, &e, &form),
    }
}

pub(super) async fn erase(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<DataForm>,
) -> HttpResponse {
    let (session, who) = match asked(&state, &request, &form) {
        Ok(asked) => asked,
        Err(page) => return *page,
    };
    if form.confirm.trim() != "HAPUS" {
        let mut response = render(
            &session,
            Some("Ketik HAPUS di kolom konfirmasi untuk menghapus."),
            &form.phone,
            &form.nik,
            "",
        );
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
        return response;
    }
    let store = state.store.clone();
    let by = session.username.clone();
    let masked = who.masked();
    let result = web::block(move || subject::erase(&store, &who, &by, jiff::Timestamp::now()))
        .await
        .unwrap_or_else(|e| Err(PrivacyError::Export(e.to_string())));
    match result {
        Ok(erased) => {
            if let Err(e) = state.store.commit().await {
                tracing::error!(error = %e, "the erasure is not durable yet");
            }
            let done = format!(
                "<p class=\"note\" role=\"status\">Data {} dihapus: {} kontak, {} baris chat, {} \
                 pesan masuk, {} pesan keluar, {} eskalasi, {} foto. {} permohonan disimpan tanpa \
                 data pribadi{}.</p>",
                esc(&masked),
                erased.contacts,
                erased.chat_lines,
                erased.messages,
                erased.outbox_records,
                erased.escalations,
                erased.photo_files,
                erased.requests.len(),
                if erased.requests.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", esc(&erased.requests.join(", ")))
                }
            );
            render(&session, None, "", "", &done)
        }
        Err(e) => bad(&session, &e, &form),
    }
}

fn bad(
    session: &crate::domain::account::Session,
    e: &PrivacyError,
    form: &DataForm,
) -> HttpResponse {
    let mut response = render(session, Some(&said(e)), &form.phone, &form.nik, "");
    *response.status_mut() = match e {
        PrivacyError::Invalid(_) => actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        PrivacyError::NotFound => actix_web::http::StatusCode::NOT_FOUND,
        PrivacyError::StillOpen { .. } | PrivacyError::InConversation => {
            actix_web::http::StatusCode::CONFLICT
        }
        PrivacyError::Export(_) | PrivacyError::Store(_) => {
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE
        }
    };
    response
}
