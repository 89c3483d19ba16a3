//! The office side of delivery in the console: making the day's manifests now and fetching
//! their PDF and CSV (officers, from the *Pengantaran* page), and settling couriers' cash
//! (*Setoran*, supervisors): each courier's day with the cash expected, a form to close it
//! with the cash counted, and the reports as CSV.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;

use super::{csrf_ok, error_box, esc, forbidden_form, local, page, redirect, signed_in, to_login};
use crate::delivery::manifests;
use crate::delivery::settlement::{self, Count};
use crate::domain::account::Session;
use crate::domain::rupiah::Rupiah;
use crate::http::AppState;

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    csrf: String,
}

/// "Buat manifes sekarang": today's manifests for every route with cards waiting.
pub(super) async fn make_now(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        return to_login();
    };
    if !csrf_ok(&session, &form.csrf) {
        return forbidden_form(&session);
    }
    match state.make_manifests(None, &session.username).await {
        Ok(made) => {
            // Up to two seconds for the lanes to send the cards out, so the list shows them out.
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
            let numbers: Vec<&str> = made
                .manifests
                .iter()
                .flat_map(|m| m.lines.iter().map(|l| l.number.as_str()))
                .collect();
            while tokio::time::Instant::now() < deadline {
                let waiting = numbers.iter().any(|n| {
                    state
                        .store
                        .delivery_task(n)
                        .ok()
                        .flatten()
                        .is_some_and(|t| t.state == crate::domain::delivery::TaskState::Waiting)
                });
                if !waiting {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let first = made.manifests.first().map(|m| m.number.clone());
            redirect(&format!(
                "/console/kurir?made={}{}",
                made.manifests.len(),
                first.map_or(String::new(), |n| format!("&m={n}"))
            ))
        }
        Err(e) => page("Pengantaran", Some(&session), &error_box(&e)),
    }
}

/// A manifest's PDF or CSV, to couriers and officers.
pub(super) async fn file(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let Some(session) = super::session_of(&state, &request) else {
        return to_login();
    };
    let (number, format) = path.into_inner();
    let manifest = match manifests::one(&state.store, &number) {
        Ok(m) => m,
        Err(e) => {
            let mut response = page("Manifes", Some(&session), &error_box(&e));
            *response.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
            return response;
        }
    };
    let (bytes, content_type) = match format.as_str() {
        "pdf" => {
            let rendered =
                web::block(move || crate::delivery::pdf::render(&manifest).map(|b| (b, manifest)))
                    .await;
            match rendered {
                Ok(Ok((bytes, _))) => (bytes, "application/pdf"),
                _ => {
                    let mut response = page(
                        "Manifes",
                        Some(&session),
                        "<p class=\"err\" role=\"alert\">PDF tidak dapat dibuat; coba lagi.</p>",
                    );
                    *response.status_mut() = actix_web::http::StatusCode::SERVICE_UNAVAILABLE;
                    return response;
                }
            }
        }
        "csv" => match crate::domain::manifest::to_csv(&manifest) {
            Ok(bytes) => (bytes, "text/csv; charset=utf-8"),
            Err(_) => {
                return page(
                    "Manifes",
                    Some(&session),
                    "<p class=\"err\" role=\"alert\">CSV tidak dapat dibuat.</p>",
                );
            }
        },
        _ => {
            let mut response = page(
                "Manifes",
                Some(&session),
                "<p class=\"err\" role=\"alert\">Format tidak dikenal.</p>",
            );
            *response.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
            return response;
        }
    };
    let number: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{number}.{format}\""),
        ))
        .body(bytes)
}

// ---- settlements (supervisors) --------------------------------------------------------------

#[derive(Deserialize)]
pub(super) struct DayQuery {
    date: Option<String>,
    closed: Option<String>,
}

pub(super) async fn settlements_page(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<DayQuery>,
) -> HttpResponse {
    let session = match super::supervisor::supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let query = query.into_inner();
    let date = query
        .date
        .as_deref()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| state.today());
    let flash = query
        .closed
        .map(|c| {
            format!(
                "<p class=\"note\" role=\"status\">Setoran {} ditutup.</p>",
                esc(&c)
            )
        })
        .unwrap_or_default();
    render_settlements(&state, &session, date, &flash)
}

fn render_settlements(
    state: &AppState,
    session: &Session,
    date: jiff::civil::Date,
    message: &str,
) -> HttpResponse {
    let days = match settlement::day(&state.store, date, &state.time_zone) {
        Ok(d) => d,
        Err(e) => return page("Setoran", Some(session), &error_box(&e)),
    };
    let mut body = format!(
        "<h1>Setoran kurir</h1>{message}\
         <form method=\"get\" action=\"/console/setoran\" class=\"filters\"><div><label for=\"date\">Tanggal</label>\
         <input id=\"date\" name=\"date\" type=\"date\" value=\"{date}\"></div><div><button type=\"submit\">Tampilkan</button></div></form>\
         <p><a href=\"/console/setoran.csv?period={month}\">Laporan setoran bulan {month} (CSV)</a> · \
         <a href=\"/console/setoran.csv?period={date}\">hari ini (CSV)</a> · \
         <a href=\"/console/laporan-bulanan.csv?month={month}\">Laporan pengantaran bulan {month} (CSV)</a></p>",
        month = date.strftime("%Y-%m"),
    );
    if days.is_empty() {
        body.push_str(
            "<p class=\"panel\">Tidak ada kartu yang diserahkan kurir pada tanggal ini.</p>",
        );
        return page("Setoran", Some(session), &body);
    }
    body.push_str(
        "<table><thead><tr><th>Kurir</th><th>Kartu</th><th>COD seharusnya</th><th>Disetor</th>\
         <th>Selisih</th><th>Catatan</th><th>Status</th></tr></thead><tbody>",
    );
    for d in &days {
        let status = match (&d.closed_by, d.closed_at) {
            (Some(by), Some(at)) => format!("ditutup oleh {} {}", esc(by), local(state, at)),
            _ => format!(
                "<form method=\"post\" action=\"/console/setoran\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"courier\" value=\"{courier}\">\
                 <input type=\"hidden\" name=\"date\" value=\"{date}\">\
                 <label for=\"h-{courier}\">Uang disetor (Rp)</label>\
                 <input id=\"h-{courier}\" name=\"handed_in\" type=\"text\" inputmode=\"numeric\" required value=\"{expected}\">\
                 <label for=\"n-{courier}\">Catatan <small>(wajib jika selisih)</small></label>\
                 <input id=\"n-{courier}\" name=\"note\" type=\"text\" maxlength=\"300\">\
                 <p><button type=\"submit\">Tutup setoran</button></p></form>",
                csrf = esc(&session.csrf),
                courier = esc(&d.courier),
                expected = d.expected.0,
            ),
        };
        let difference = d.difference.map_or(String::new(), |x| {
            let text = if x < 0 {
                format!("−{}", Rupiah(x.unsigned_abs()))
            } else if x > 0 {
                format!("+{}", Rupiah(x.unsigned_abs()))
            } else {
                "0".into()
            };
            if x == 0 {
                text
            } else {
                format!("<span class=\"late\">{text}</span>")
            }
        });
        let late = if d.after_closing.is_empty() {
            String::new()
        } else {
            format!(
                "<br><span class=\"warn\">Diserahkan setelah ditutup: {}</span>",
                esc(&d.after_closing.join(", "))
            )
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}{late}</td><td>{}</td><td>{}</td><td>{difference}</td><td>{}</td><td>{status}</td></tr>",
            esc(&d.courier),
            d.cards.len(),
            d.expected,
            d.handed_in.map_or(String::new(), |r| r.to_string()),
            esc(d.note.as_deref().unwrap_or("")),
        ));
    }
    body.push_str("</tbody></table>");
    page("Setoran", Some(session), &body)
}

#[derive(Deserialize)]
pub(super) struct CloseForm {
    csrf: String,
    courier: String,
    date: String,
    handed_in: String,
    note: Option<String>,
}

pub(super) async fn close(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<CloseForm>,
) -> HttpResponse {
    let session = match super::supervisor::supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let form = form.into_inner();
    if !csrf_ok(&session, &form.csrf) {
        return forbidden_form(&session);
    }
    let date = form.date.parse().unwrap_or_else(|_| state.today());
    // "10.000", "Rp 10.000", "10000": the digits.
    let digits: String = form
        .handed_in
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let Ok(handed_in) = digits.parse::<u64>() else {
        let e =
            crate::desk::DeskError::Invalid("tulis jumlah uang yang disetor, mis. 30000".into());
        let mut response = render_settlements(&state, &session, date, &error_box(&e));
        *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
        return response;
    };
    match settlement::close(
        &state.store,
        &session,
        Count {
            courier: form.courier.clone(),
            date,
            handed_in: Rupiah(handed_in),
            note: form.note,
        },
        state.today(),
        &state.time_zone,
        jiff::Timestamp::now(),
    ) {
        Ok(_) => {
            let _ = state.store.commit().await;
            redirect(&format!(
                "/console/setoran?date={date}&closed={}",
                form.courier
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
                    .collect::<String>()
            ))
        }
        Err(e) => {
            let mut response = render_settlements(&state, &session, date, &error_box(&e));
            *response.status_mut() = match e {
                crate::desk::DeskError::Conflict(_) => actix_web::http::StatusCode::CONFLICT,
                crate::desk::DeskError::NotFound(_) => actix_web::http::StatusCode::NOT_FOUND,
                _ => actix_web::http::StatusCode::BAD_REQUEST,
            };
            response
        }
    }
}

#[derive(Deserialize)]
pub(super) struct PeriodQuery {
    period: Option<String>,
    month: Option<String>,
}

/// The settlement report (`period`) or the monthly delivery report (`month`) as CSV.
pub(super) async fn report_csv(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<PeriodQuery>,
) -> HttpResponse {
    let session = match super::supervisor::supervisor(&state, &request) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let query = query.into_inner();
    let (csv, name) = if let Some(month) = query.month {
        let report = crate::delivery::reports::monthly(&state.store, &month, &state.time_zone);
        (
            report.and_then(|r| crate::delivery::reports::monthly_csv(&r)),
            format!("laporan-{month}"),
        )
    } else {
        let period = query.period.unwrap_or_else(|| state.today().to_string());
        let csv = settlement::days(&period, state.today())
            .and_then(|days| settlement::report_csv(&state.store, &days, &state.time_zone));
        (csv, format!("setoran-{period}"))
    };
    match csv {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}.csv\"",
                    name.chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect::<String>()
                ),
            ))
            .body(bytes),
        Err(e) => {
            let mut response = page("Setoran", Some(&session), &error_box(&e));
            *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
            response
        }
    }
}
