//! *Daftar di loket*: the walk-in form, built from the service's flow file (the same steps,
//! labels and options the chat asks), photos from the office's camera or scanner.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;

use super::{csrf_ok, error_box, esc, forbidden_form, page, redirect, signed_in, to_login};
use crate::desk::DeskError;
use crate::desk::walk_in::{MAX_PHOTO_BYTES, Upload, WalkInInput};
use crate::domain::account::Session;
use crate::domain::lang::Lang;
use crate::domain::walk_in::FormProblem;
use crate::flow::{Service, StepKind, Validator};
use crate::http::AppState;

/// Everything a form may carry (five scanned photos and the fields).
const FORM_LIMIT: usize = 80 * 1024 * 1024;

#[derive(Deserialize)]
pub(super) struct FormQuery {
    service: Option<String>,
}

pub(super) async fn form_page(
    state: web::Data<AppState>,
    request: HttpRequest,
    query: web::Query<FormQuery>,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        return to_login();
    };
    match query
        .service
        .as_deref()
        .and_then(|id| state.flows.service(id))
    {
        Some(service) => render(&state, &session, service, &Filled::default(), &[]),
        None => choose_service(&state, &session),
    }
}

fn choose_service(state: &AppState, session: &Session) -> HttpResponse {
    let mut list = String::new();
    for service in &state.flows.services {
        list.push_str(&format!(
            "<li><a href=\"/console/walk-in?service={}\">{}</a></li>",
            esc(&service.id),
            esc(service.title.get(Lang::Id))
        ));
    }
    page(
        "Daftar di loket",
        Some(session),
        &format!(
            "<h1>Daftar di loket</h1><p>Untuk warga tanpa ponsel pintar: isi dari formulir kertas, \
             foto dokumen dengan kamera atau pemindai kantor. Pemeriksaan sama dengan di WhatsApp.</p>\
             <div class=\"panel\"><h2>Pilih layanan</h2><ul>{list}</ul></div>"
        ),
    )
}

/// What the officer typed, to fill the form again after a problem.
#[derive(Default)]
struct Filled {
    answers: BTreeMap<String, String>,
    phone: String,
    consent: bool,
    language: Lang,
}

fn render(
    state: &AppState,
    session: &Session,
    service: &Service,
    filled: &Filled,
    problems: &[FormProblem],
) -> HttpResponse {
    let problem = |field: &str| -> String {
        problems
            .iter()
            .filter(|p| p.field == field)
            .map(|p| {
                format!(
                    "<p class=\"err\" id=\"err-{}\" role=\"alert\">{}</p>",
                    esc(field),
                    esc(&p.message)
                )
            })
            .collect()
    };
    let mut fields = String::new();
    let nik_fills: Vec<&str> = service
        .steps
        .iter()
        .flat_map(|s| s.fills.iter().map(String::as_str))
        .collect();
    let mut photos = String::new();
    for step in &service.steps {
        let label = esc(step.label.get(Lang::Id));
        let conditional = if step.when.is_some() {
            " <small>(bila berlaku)</small>"
        } else {
            ""
        };
        let id = format!("a_{}", step.id);
        let value = filled.answers.get(&step.id).cloned().unwrap_or_default();
        match &step.kind {
            StepKind::Consent | StepKind::Summary => {}
            StepKind::Text(validator) => {
                let hint = match validator {
                    Validator::Nik { .. } => " <small>(16 angka)</small>",
                    Validator::NomorKk => " <small>(16 angka)</small>",
                    Validator::BirthDate { .. } | Validator::PastDate => {
                        " <small>(tgl-bln-tahun, mis. 12-03-2019)</small>"
                    }
                    Validator::RtRw => " <small>(mis. 005/002)</small>",
                    _ => "",
                };
                let derived = if nik_fills.contains(&step.id.as_str()) {
                    " <small>(boleh kosong: terisi dari NIK)</small>"
                } else {
                    ""
                };
                fields.push_str(&format!(
                    "<div><label for=\"{id}\">{label}{hint}{derived}{conditional}</label>\
                     <input type=\"text\" id=\"{id}\" name=\"{id}\" value=\"{}\">{}</div>",
                    esc(&value),
                    problem(&step.id)
                ));
            }
            StepKind::Choice(options) => {
                let mut select = String::from("<option value=\"\">— pilih —</option>");
                for option in options.iter().filter(|o| o.clears.is_empty()) {
                    select.push_str(&format!(
                        "<option value=\"{}\"{}>{}</option>",
                        esc(&option.id),
                        if value == option.id { " selected" } else { "" },
                        esc(option.title.get(Lang::Id))
                    ));
                }
                let derived = if nik_fills.contains(&step.id.as_str()) {
                    " <small>(boleh kosong: terisi dari NIK)</small>"
                } else {
                    ""
                };
                fields.push_str(&format!(
                    "<div><label for=\"{id}\">{label}{derived}{conditional}</label>\
                     <select id=\"{id}\" name=\"{id}\">{select}</select>{}</div>",
                    problem(&step.id)
                ));
            }
            StepKind::Kecamatan => {
                let mut select =
                    String::from("<option value=\"\">— terisi dari kelurahan —</option>");
                for (code, name) in &state.flows.kecamatan {
                    select.push_str(&format!(
                        "<option value=\"{}\"{}>{}</option>",
                        esc(code),
                        if value == *code { " selected" } else { "" },
                        esc(name)
                    ));
                }
                fields.push_str(&format!(
                    "<div><label for=\"{id}\">{label}{conditional}</label>\
                     <select id=\"{id}\" name=\"{id}\">{select}</select>{}</div>",
                    problem(&step.id)
                ));
            }
            StepKind::Kelurahan => {
                let mut select = String::from("<option value=\"\">— pilih —</option>");
                for (code, kecamatan) in &state.flows.kecamatan {
                    let inside: Vec<_> = state
                        .flows
                        .kelurahan
                        .iter()
                        .filter(|k| k.kecamatan_code == *code)
                        .collect();
                    if inside.is_empty() {
                        continue;
                    }
                    select.push_str(&format!("<optgroup label=\"{}\">", esc(kecamatan)));
                    for k in inside {
                        select.push_str(&format!(
                            "<option value=\"{}\"{}>{}</option>",
                            esc(&k.code),
                            if value == k.code { " selected" } else { "" },
                            esc(&k.name)
                        ));
                    }
                    select.push_str("</optgroup>");
                }
                fields.push_str(&format!(
                    "<div><label for=\"{id}\">{label}{conditional}</label>\
                     <select id=\"{id}\" name=\"{id}\">{select}</select>{}</div>",
                    problem(&step.id)
                ));
            }
            StepKind::Photo { document, .. } => {
                let name = format!("p_{}", document.id());
                photos.push_str(&format!(
                    "<div><label for=\"{name}\">{}{conditional}</label>\
                     <input type=\"file\" id=\"{name}\" name=\"{name}\" accept=\"image/*\" capture=\"environment\">{}</div>",
                    esc(&state.document_name(document.id())),
                    problem(document.id())
                ));
            }
        }
    }
    let mut general = String::new();
    for p in problems
        .iter()
        .filter(|p| matches!(p.field.as_str(), "service" | "form"))
    {
        general.push_str(&format!(
            "<p class=\"err\" role=\"alert\">{}</p>",
            esc(&p.message)
        ));
    }
    let summary = if problems.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"err\" role=\"alert\">Belum dapat diajukan: {} isian perlu diperbaiki (lihat di bawah). \
             Foto perlu diunggah lagi.</p>",
            problems.len()
        )
    };
    page(
        "Daftar di loket",
        Some(session),
        &format!(
            "<h1>Daftar di loket · {title}</h1>{summary}{general}\
             <form method=\"post\" action=\"/console/walk-in\" enctype=\"multipart/form-data\" class=\"walkin\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"service\" value=\"{service}\">\
             <div class=\"panel\"><h2>Data permohonan</h2><div class=\"grid\">{fields}</div></div>\
             <div class=\"panel\"><h2>Foto dokumen</h2><div class=\"grid\">{photos}</div></div>\
             <div class=\"panel\"><h2>Pemberitahuan dan persetujuan</h2>\
             <label for=\"phone\">Nomor WhatsApp warga <small>(boleh kosong; bila diisi, kabar permohonan dikirim lewat WhatsApp)</small></label>\
             <input type=\"text\" id=\"phone\" name=\"phone\" value=\"{phone}\" inputmode=\"tel\">{phone_problem}\
             <label for=\"language\">Bahasa pemberitahuan</label><select id=\"language\" name=\"language\">\
             <option value=\"id\"{id_selected}>Bahasa Indonesia</option><option value=\"en\"{en_selected}>English</option></select>\
             <label><input type=\"checkbox\" name=\"consent\" value=\"1\"{consent}> Warga sudah menandatangani pernyataan persetujuan data pribadi (UU 27/2022)</label>{consent_problem}\
             </div><button type=\"submit\">Ajukan permohonan</button></form>",
            title = esc(service.title.get(Lang::Id)),
            csrf = esc(&session.csrf),
            service = esc(&service.id),
            phone = esc(&filled.phone),
            phone_problem = problem("phone"),
            id_selected = if filled.language == Lang::Id {
                " selected"
            } else {
                ""
            },
            en_selected = if filled.language == Lang::En {
                " selected"
            } else {
                ""
            },
            consent = if filled.consent { " checked" } else { "" },
            consent_problem = problem("consent"),
        ),
    )
}

pub(super) async fn submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    mut payload: Multipart,
) -> HttpResponse {
    let Some(session) = signed_in(&state, &request) else {
        return to_login();
    };
    let mut csrf = String::new();
    let mut service = String::new();
    let mut filled = Filled::default();
    let mut uploads = Vec::new();
    let mut total = 0usize;
    let mut trouble: Option<String> = None;
    while let Some(field) = payload.next().await {
        let mut field = match field {
            Ok(field) => field,
            Err(e) => {
                trouble = Some(format!("formulir tidak terbaca: {e}"));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let mime = field
            .content_type()
            .map(|m| m.essence_str().to_string())
            .unwrap_or_else(|| "image/jpeg".into());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            match chunk {
                Ok(chunk) => {
                    total += chunk.len();
                    if total > FORM_LIMIT || bytes.len() + chunk.len() > MAX_PHOTO_BYTES + 1 {
                        trouble = Some(format!(
                            "foto terlalu besar (paling besar {} MB per foto)",
                            MAX_PHOTO_BYTES / 1_048_576
                        ));
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Err(e) => {
                    trouble = Some(format!("formulir tidak terbaca: {e}"));
                    break;
                }
            }
        }
        if trouble.is_some() {
            break;
        }
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "csrf" => csrf = text(),
            "service" => service = text(),
            "phone" => filled.phone = text(),
            "consent" => filled.consent = text() == "1",
            "language" => filled.language = if text() == "en" { Lang::En } else { Lang::Id },
            _ => {
                if let Some(step) = name.strip_prefix("a_") {
                    filled.answers.insert(step.to_string(), text());
                } else if let Some(kind) = name.strip_prefix("p_")
                    && !bytes.is_empty()
                {
                    uploads.push(Upload {
                        kind: kind.to_string(),
                        bytes,
                        mime,
                    });
                }
            }
        }
    }
    if !csrf_ok(&session, &csrf) {
        return forbidden_form(&session);
    }
    let Some(flow) = state.flows.service(&service) else {
        return choose_service(&state, &session);
    };
    if let Some(reason) = trouble {
        let problems = [FormProblem {
            field: "form".into(),
            message: format!("Tidak dapat diajukan: {reason}."),
        }];
        return render(&state, &session, flow, &filled, &problems);
    }
    let input = WalkInInput {
        service: service.clone(),
        answers: filled.answers.clone(),
        uploads,
        phone: Some(filled.phone.clone()),
        consent: filled.consent,
        language: filled.language,
    };
    let queued = match crate::http::api::submit_walk_in(&state, session.clone(), input).await {
        Ok(queued) => queued,
        Err(DeskError::Form(problems)) => {
            return render(&state, &session, flow, &filled, &problems);
        }
        Err(e) => return page("Daftar di loket", Some(&session), &error_box(&e)),
    };
    match state
        .settle_walk_in(&queued, std::time::Duration::from_secs(3))
        .await
    {
        Ok(Some(number)) => redirect(&format!(
            "/console/requests/{number}?done={}",
            super::urlencode("Diajukan di loket")
        )),
        Ok(None) => page(
            "Daftar di loket",
            Some(&session),
            "<p class=\"note\" role=\"status\">Formulir diterima dan sedang diajukan. \
             Nomor permohonan muncul di daftar Permohonan sebentar lagi.</p>",
        ),
        Err(e) => page("Daftar di loket", Some(&session), &error_box(&e)),
    }
}
