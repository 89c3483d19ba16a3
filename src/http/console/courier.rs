//! The couriers' page, for a phone on a slow connection: today's manifests, each card in the
//! courier's order with its address, a call button and the fee; the hand-over against the
//! family's code, or a failed attempt with its reason. Plain forms, no script, no images; each
//! form carries the step's id, so a repeated submit (a double tap, a resend on a bad network)
//! is the same step.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{csrf_ok, error_box, esc, forbidden_form, local, page, redirect, to_login};
use crate::delivery::{manifests, tasks};
use crate::domain::account::{Role, Session};
use crate::domain::delivery::{ActionOutcome, DeliveryAction, DeliveryTask, FailReason, TaskState};
use crate::domain::manifest::Manifest;
use crate::http::AppState;

/// A courier, or an officer (who may hand cards over at a counter).
fn delivery_session(state: &AppState, request: &HttpRequest) -> Option<Session> {
    super::session_of(state, request)
        .filter(|s| s.role.includes(Role::Courier) || s.role.includes(Role::Officer))
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    /// The manifest shown.
    m: Option<String>,
    /// The card the last step was on, and how it went.
    r: Option<String>,
    o: Option<String>,
    /// Manifests an officer just made.
    made: Option<usize>,
}

pub(super) async fn courier_page(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<PageQuery>,
) -> HttpResponse {
    let Some(session) = delivery_session(&state, &request) else {
        return to_login();
    };
    let query = query.into_inner();
    let mut message = flash(&query);
    if let Some(n) = query.made {
        message.push_str(&if n == 0 {
            "<p class=\"note\" role=\"status\">Tidak ada kartu baru untuk manifes.</p>".to_string()
        } else {
            format!(
                "<p class=\"note\" role=\"status\">{n} manifes dibuat; kartunya dikirim dan orang tua menerima kodenya.</p>"
            )
        });
    }
    render(&state, &session, query.m.as_deref(), message, "")
}

fn render(
    state: &AppState,
    session: &Session,
    chosen: Option<&str>,
    flash: String,
    error: &str,
) -> HttpResponse {
    let today = state.today();
    let todays = match manifests::list(&state.store, Some(today)) {
        Ok(m) => m,
        Err(e) => return page("Pengantaran", Some(session), &error_box(&e)),
    };
    let mut body = format!(
        "<h1>Pengantaran hari ini <small>{}</small></h1>{flash}{error}",
        today.strftime("%d-%m-%Y")
    );
    let officer = session.role.includes(Role::Officer);
    if officer {
        // Officers make the day's lists now (the morning job makes them too).
        body.push_str(&format!(
            "<form method=\"post\" action=\"/console/manifests\" class=\"panel\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\">Buat manifes sekarang</button> \
             <small>untuk kartu yang sudah dicetak dan belum ada di manifes hari ini</small></form>",
            esc(&session.csrf)
        ));
    }
    if todays.is_empty() {
        body.push_str("<p class=\"panel\">Belum ada manifes hari ini.</p>");
        return page("Pengantaran", Some(session), &body);
    }
    let shown = chosen
        .and_then(|n| todays.iter().find(|m| m.number == n))
        .or(todays.first());
    body.push_str("<nav class=\"manifests\" aria-label=\"Manifes\">");
    for m in &todays {
        let current = shown.is_some_and(|s| s.number == m.number);
        body.push_str(&format!(
            "<a href=\"/console/kurir?m={n}\"{aria}>{route} <small>{n} · {count} kiriman</small></a>",
            n = esc(&m.number),
            aria = if current { " aria-current=\"page\"" } else { "" },
            route = esc(&m.route_name),
            count = m.lines.len(),
        ));
    }
    body.push_str("</nav>");
    if let Some(m) = shown {
        let mail = match state.store.mail_item(&m.number) {
            Ok(Some(item)) => match item.state {
                crate::store::MailState::Sent { to, .. } => {
                    format!("surel terkirim ke {}", esc(&to.join(", ")))
                }
                crate::store::MailState::Written { .. } => {
                    "surel disimpan sebagai berkas (SMTP belum diatur)".into()
                }
                crate::store::MailState::NoRecipient { .. } => {
                    "surel tidak dikirim: alamat rute belum diatur".into()
                }
                crate::store::MailState::Waiting {
                    last_error: Some(_),
                    ..
                } => {
                    format!("surel menunggu dikirim ulang (percobaan {})", item.attempts)
                }
                crate::store::MailState::Waiting { .. } => "surel sedang dikirim".into(),
            },
            _ => String::new(),
        };
        body.push_str(&format!(
            "<p><a href=\"/console/manifests/{n}/pdf\">Cetak (PDF)</a> · <a href=\"/console/manifests/{n}/csv\">CSV</a>{mail}</p>",
            n = esc(&m.number),
            mail = if mail.is_empty() { String::new() } else { format!(" · <small>{mail}</small>") },
        ));
    }
    if let Some(manifest) = shown {
        body.push_str(&manifest_html(state, session, manifest));
    }
    page("Pengantaran", Some(session), &body)
}

fn manifest_html(state: &AppState, session: &Session, m: &Manifest) -> String {
    let tasks: Vec<Option<DeliveryTask>> = m
        .lines
        .iter()
        .map(|l| tasks::one(&state.store, &l.number).ok())
        .collect();
    let delivered: Vec<&DeliveryTask> = tasks
        .iter()
        .flatten()
        .filter(|t| matches!(t.state, TaskState::Delivered { .. }))
        .collect();
    let cash: u64 = delivered.iter().map(|t| t.cod.0).sum();
    let mut out = format!(
        "<p class=\"summary\"><b>{}</b> dari {} diserahkan · COD terkumpul <b>{}</b></p><ol class=\"tasks\">",
        delivered.len(),
        m.lines.len(),
        crate::domain::rupiah::Rupiah(cash)
    );
    for (line, task) in m.lines.iter().zip(&tasks) {
        let Some(task) = task else { continue };
        let done = matches!(
            task.state,
            TaskState::Delivered { .. } | TaskState::Returned { .. }
        );
        out.push_str(&format!(
            "<li class=\"task{}\" id=\"t-{number}\"><div class=\"head\"><span class=\"seq\">{seq}</span>\
             <div><b>{recipient}</b> <small>untuk</small> <b>{name}</b><br><small>{number}{nik}</small></div></div>\
             <p class=\"addr\">{address}{postal}</p>",
            if done { " done" } else { "" },
            number = esc(&line.number),
            seq = line.sequence,
            recipient = esc(&line.recipient),
            name = esc(&line.name),
            nik = if line.nik.is_empty() {
                String::new()
            } else {
                format!(" · NIK {}", esc(&line.nik))
            },
            address = esc(&line.address),
            postal = if line.postal_code.is_empty() {
                String::new()
            } else {
                format!(" {}", esc(&line.postal_code))
            },
        ));
        if !line.phone.is_empty() {
            out.push_str(&format!(
                "<a class=\"call\" href=\"tel:+{p}\">📞 Telepon +{p}</a>",
                p = esc(&line.phone)
            ));
        }
        out.push_str(&format!(
            "<p>COD: <b>{}</b>{}</p>",
            task.cod,
            if line.again { " · antar ulang" } else { "" }
        ));
        out.push_str(&state_html(state, task));
        if task.state.awaits_hand_over() && !task.locked {
            out.push_str(&forms_html(session, m, task));
        }
        out.push_str("</li>");
    }
    out.push_str("</ol>");
    out
}

fn state_html(state: &AppState, task: &DeliveryTask) -> String {
    let text = match &task.state {
        TaskState::Delivered { at, by } => {
            format!("✅ Diserahkan {} oleh {}", local(state, *at), esc(by))
        }
        TaskState::Held { until, place, .. } => format!(
            "📦 Disimpan di {} sampai {}",
            esc(place),
            until.strftime("%d-%m-%Y")
        ),
        TaskState::Returned { .. } => "↩ Kembali ke kantor Disdukcapil".into(),
        TaskState::Waiting => "Belum dikirim".into(),
        TaskState::Out { .. } if task.locked => {
            "🔒 Terkunci: terlalu banyak kode salah. Hubungi supervisor.".into()
        }
        TaskState::Out { .. } => {
            let failed = task.failed_attempts();
            if failed > 0 {
                format!("Percobaan gagal: {failed}")
            } else {
                return String::new();
            }
        }
    };
    format!("<p class=\"state\">{text}</p>")
}

fn forms_html(session: &Session, m: &Manifest, task: &DeliveryTask) -> String {
    let id = fresh_step_id();
    let number = esc(&task.number);
    let hidden = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
         <input type=\"hidden\" name=\"m\" value=\"{}\">",
        esc(&session.csrf),
        esc(&m.number)
    );
    let reasons: String = FailReason::ALL
        .iter()
        .map(|r| format!("<option value=\"{}\">{}</option>", r.id(), r.label_id()))
        .collect();
    let fail = if task.kind == crate::domain::delivery::DeliveryKind::Courier
        && matches!(task.state, TaskState::Out { .. })
    {
        format!(
            "<details><summary>Tidak berhasil diantar</summary>\
             <form method=\"post\" action=\"/console/kurir/{number}\">{hidden}\
             <input type=\"hidden\" name=\"action\" value=\"failed\">\
             <label for=\"r-{number}\">Alasan</label><select id=\"r-{number}\" name=\"reason\">{reasons}</select>\
             <label for=\"n-{number}\">Keterangan <small>(wajib untuk Lainnya)</small></label>\
             <input id=\"n-{number}\" name=\"note\" type=\"text\" maxlength=\"200\">\
             <p><button class=\"danger\" type=\"submit\">Catat gagal antar</button></p></form></details>"
        )
    } else {
        String::new()
    };
    format!(
        "<form method=\"post\" action=\"/console/kurir/{number}\" class=\"handover\">{hidden}\
         <input type=\"hidden\" name=\"action\" value=\"hand_over\">\
         <label for=\"c-{number}\">Kode serah terima dari penerima</label>\
         <div class=\"code\"><input id=\"c-{number}\" name=\"code\" type=\"text\" inputmode=\"numeric\" \
         autocomplete=\"one-time-code\" pattern=\"[0-9 ]*\" maxlength=\"7\" placeholder=\"6 angka\" required>\
         <button type=\"submit\">Serahkan</button></div></form>{fail}"
    )
}

fn fresh_step_id() -> String {
    use rand_core::RngCore;
    let mut bytes = [0u8; 9];
    rand_core::OsRng.fill_bytes(&mut bytes);
    format!("web-{}", hex::encode(bytes))
}

/// The result of the last step, from the redirect's query.
fn flash(query: &PageQuery) -> String {
    let (Some(number), Some(outcome)) = (&query.r, &query.o) else {
        return String::new();
    };
    let number = esc(number);
    let (class, text) = match outcome.as_str() {
        "delivered" => ("note", format!("✅ {number}: kartu diserahkan.")),
        "failed" => ("note", format!("Dicatat: {number} tidak berhasil diantar.")),
        "locked" => (
            "err",
            format!("🔒 {number}: terlalu banyak kode salah, kartu dikunci. Hubungi supervisor."),
        ),
        "queued" => (
            "note",
            format!("{number}: sedang diproses, muat ulang sebentar lagi."),
        ),
        wrong if wrong.starts_with("wrong-") => (
            "err",
            format!(
                "❌ {number}: kode salah. Sisa percobaan: {}. Jangan serahkan kartu.",
                esc(wrong.trim_start_matches("wrong-"))
            ),
        ),
        _ => return String::new(),
    };
    format!("<p class=\"{class}\" role=\"status\">{text}</p>")
}

#[derive(Deserialize)]
pub(super) struct StepForm {
    csrf: String,
    id: String,
    m: String,
    action: String,
    code: Option<String>,
    reason: Option<String>,
    note: Option<String>,
}

pub(super) async fn step(
    state: web::Data<AppState>,
    request: HttpRequest,
    number: web::Path<String>,
    form: web::Form<StepForm>,
) -> HttpResponse {
    let Some(session) = delivery_session(&state, &request) else {
        return to_login();
    };
    let form = form.into_inner();
    if !csrf_ok(&session, &form.csrf) {
        return forbidden_form(&session);
    }
    let action = match form.action.as_str() {
        "hand_over" => DeliveryAction::HandOver {
            code: form.code.unwrap_or_default(),
        },
        "failed" => match form.reason.as_deref().and_then(FailReason::parse) {
            Some(reason) => DeliveryAction::Failed {
                reason,
                note: form
                    .note
                    .map(|n| n.trim().chars().take(200).collect::<String>())
                    .filter(|n| !n.is_empty()),
            },
            None => {
                let e = crate::desk::DeskError::Invalid("pilih alasan gagal antar".into());
                return refused(&state, &session, &form.m, &e);
            }
        },
        _ => {
            let e = crate::desk::DeskError::Invalid("tindakan tidak dikenal".into());
            return refused(&state, &session, &form.m, &e);
        }
    };
    let queued = match tasks::act(
        &state.store,
        &session,
        &number,
        action,
        Some(form.id),
        &state.flows.settings.delivery,
        jiff::Timestamp::now(),
    ) {
        Ok(q) => q,
        Err(e) => return refused(&state, &session, &form.m, &e),
    };
    let outcome = match state
        .settle_delivery(&queued, std::time::Duration::from_secs(2))
        .await
    {
        Ok(Some((action, _))) => match action.outcome {
            ActionOutcome::Done => match action.action {
                DeliveryAction::Failed { .. } => "failed".to_string(),
                _ => "delivered".to_string(),
            },
            ActionOutcome::WrongCode { tries_left } => format!("wrong-{tries_left}"),
            ActionOutcome::Locked => "locked".into(),
            ActionOutcome::Refused { why } => {
                let e = crate::desk::DeskError::Conflict(why);
                return refused(&state, &session, &form.m, &e);
            }
        },
        Ok(None) => "queued".into(),
        Err(e) => return refused(&state, &session, &form.m, &e),
    };
    redirect(&format!(
        "/console/kurir?m={}&r={}&o={outcome}#t-{}",
        url_part(&form.m),
        url_part(&number),
        url_part(&number)
    ))
}

/// A step refused before it was taken: the page again with why (a 4xx, not a redirect).
fn refused(
    state: &AppState,
    session: &Session,
    manifest: &str,
    e: &crate::desk::DeskError,
) -> HttpResponse {
    let mut response = render(state, session, Some(manifest), String::new(), &error_box(e));
    *response.status_mut() = match e {
        crate::desk::DeskError::Conflict(_) => actix_web::http::StatusCode::CONFLICT,
        crate::desk::DeskError::Forbidden { .. } => actix_web::http::StatusCode::FORBIDDEN,
        crate::desk::DeskError::NotFound(_) => actix_web::http::StatusCode::NOT_FOUND,
        crate::desk::DeskError::Store(_) => actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        _ => actix_web::http::StatusCode::BAD_REQUEST,
    };
    response
}

/// Request and manifest numbers are letters, digits and dashes; anything else is dropped.
fn url_part(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}
