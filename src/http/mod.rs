//! The HTTP edge: routes, the shared application state and error mapping. Handlers stay thin.

#[cfg(unix)]
pub mod admin;
mod api;
#[cfg(fuzzing)]
pub use api::fuzzing;
pub mod body;
mod console;
pub mod deadline;
pub mod error;
mod ops;
pub mod throttle;
mod webhook;

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::{
    config::{Mode, Settings},
    lane::Runtime,
    store::Store,
};

pub struct AppState {
    pub settings: Settings,
    pub store: Store,
    pub runtime: Runtime,
    /// False only in the load benchmark's "no storage" variant, to show durability's cost.
    pub durable: bool,
    /// Set while the background workers run.
    pub workers_running: Arc<AtomicBool>,
    /// The templates officers may send (from the flows' settings).
    pub templates: Vec<crate::desk::escalations::AllowedTemplate>,
    /// The office's time zone (from the flows' settings), for times officers read.
    pub time_zone: jiff::tz::TimeZone,
    /// The flows loaded at start: service titles, step labels and the walk-in form's fields.
    pub flows: Arc<crate::flow::FlowSet>,
    /// Memory shared by the webhook bodies being received.
    pub webhook_budget: body::BodyBudget,
    /// Failed sign-ins per address.
    pub sign_ins: throttle::SignInThrottle,
}

impl AppState {
    /// The client's address, for limits per address.
    pub fn client_address(&self, request: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
        throttle::client_address(request, self.settings.trust_forwarded)
    }
}

impl AppState {
    /// After an officer's decision: makes it durable, wakes the parent's lane, and waits up to
    /// `within` for the lane to apply it, so the officer sees the new status. Returns the
    /// request's status by then.
    pub(crate) async fn settle_decision(
        &self,
        decided: crate::desk::requests::Decided,
        number: &str,
        wanted: crate::domain::request::RequestStatus,
        within: std::time::Duration,
    ) -> Result<Option<crate::domain::request::RequestStatus>, crate::store::StoreError> {
        self.store.commit().await?;
        if let crate::desk::requests::Decided::Queued(contact) = decided {
            self.runtime.wake(contact);
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let status = self.store.request(number)?.map(|r| r.summary.status);
            if status == Some(wanted) || tokio::time::Instant::now() > deadline {
                return Ok(status);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// After a delivery step: makes it durable, wakes the parent's lane and waits up to
    /// `within` for the lane to take it. Returns the step as taken, with the task after it.
    pub(crate) async fn settle_delivery(
        &self,
        queued: &crate::delivery::tasks::Queued,
        within: std::time::Duration,
    ) -> Result<
        Option<(
            crate::domain::delivery::TaskAction,
            crate::domain::delivery::DeliveryTask,
        )>,
        crate::desk::DeskError,
    > {
        self.store.commit().await?;
        self.runtime.wake(queued.contact);
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let taken = crate::delivery::tasks::outcome(&self.store, queued)?;
            if taken.is_some() || tokio::time::Instant::now() > deadline {
                return Ok(taken);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Makes today's manifests now (one route or all), makes them durable and wakes the lanes
    /// that send their cards out.
    pub(crate) async fn make_manifests(
        &self,
        route: Option<&str>,
        who: &str,
    ) -> Result<crate::delivery::manifests::Made, crate::desk::DeskError> {
        let office = &self.flows.settings;
        let made = crate::delivery::manifests::make(
            &self.store,
            &crate::delivery::manifests::Office {
                name: office.office_name.get(crate::flow::Lang::Id),
                kecamatan: &self.flows.kecamatan,
            },
            route,
            self.today(),
            who,
            jiff::Timestamp::now(),
        )?;
        self.store.commit().await?;
        for lane in &made.lanes {
            self.runtime.wake(*lane);
        }
        Ok(made)
    }

    /// A service's title as officers read it ("KIA (Kartu Identitas Anak)"), its id if unknown.
    pub fn service_title(&self, id: &str) -> String {
        self.flows.service(id).map_or_else(
            || id.to_string(),
            |s| s.title.get(crate::flow::Lang::Id).to_string(),
        )
    }

    /// A document's name as officers read it ("KK"), its id if unknown.
    pub fn document_name(&self, id: &str) -> String {
        let kind = crate::domain::document::DocumentKind::new(id);
        if self.flows.documents.contains_key(&kind) {
            self.flows
                .document_short(&kind, crate::flow::Lang::Id)
                .to_string()
        } else {
            id.to_string()
        }
    }

    /// A step's label in a service ("Nama anak"), its id if unknown.
    pub fn step_label(&self, service: &str, step: &str) -> String {
        self.flows
            .service(service)
            .and_then(|s| s.step(step))
            .map_or_else(
                || step.to_string(),
                |s| s.label.get(crate::flow::Lang::Id).to_string(),
            )
    }

    /// After a form filed at the counter: makes it durable, wakes the citizen's lane and waits
    /// up to `within` for the lane to file it. Returns the request number by then.
    pub(crate) async fn settle_walk_in(
        &self,
        queued: &crate::desk::walk_in::WalkInQueued,
        within: std::time::Duration,
    ) -> Result<Option<String>, crate::desk::DeskError> {
        self.store.commit().await?;
        self.runtime.wake(queued.contact);
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let number = crate::desk::walk_in::filed_number(&self.store, queued)?;
            if number.is_some() || tokio::time::Instant::now() > deadline {
                return Ok(number);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// An answer as officers read it: an option's title, a kecamatan's or kelurahan's name,
    /// else the text as filed.
    pub fn answer_text(&self, service: &str, step: &str, answer: &str) -> String {
        use crate::flow::StepKind;
        let lang = crate::flow::Lang::Id;
        let kind = self
            .flows
            .service(service)
            .and_then(|s| s.step(step))
            .map(|s| &s.kind);
        let found = match kind {
            Some(StepKind::Choice(options)) => options
                .iter()
                .find(|o| o.id == answer)
                .map(|o| o.title.get(lang).to_string()),
            Some(StepKind::Kecamatan) => self
                .flows
                .kecamatan
                .iter()
                .find(|(code, _)| code == answer)
                .map(|(_, name)| name.clone()),
            Some(StepKind::Kelurahan) => self
                .flows
                .kelurahan
                .iter()
                .find(|k| k.code == answer)
                .map(|k| k.name.clone()),
            _ => None,
        };
        found.unwrap_or_else(|| answer.to_string())
    }

    /// The office's clock for the escalations' service levels.
    pub fn sla_clock(&self) -> crate::desk::escalations::SlaClock<'_> {
        crate::desk::escalations::SlaClock::of(&self.flows)
    }

    /// Today in the office's time zone (due dates are office dates).
    pub fn today(&self) -> jiff::civil::Date {
        jiff::Timestamp::now()
            .to_zoned(self.time_zone.clone())
            .date()
    }

    pub fn sign_in_policy(&self) -> crate::desk::accounts::SignInPolicy {
        crate::desk::accounts::SignInPolicy {
            session_length: jiff::SignedDuration::try_from(self.settings.session_length)
                .unwrap_or(jiff::SignedDuration::from_hours(12)),
            ..Default::default()
        }
    }
}

/// Escapes text for HTML (the console's pages and the simulator's).
pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(api::configure);
    cfg.configure(console::configure);
    cfg.route("/healthz", web::get().to(health))
        .route("/readyz", web::get().to(ops::ready))
        .route("/metrics", web::get().to(ops::metrics))
        .route("/", web::get().to(start_page))
        .service(
            web::resource("/webhook")
                .route(web::get().to(webhook::verify))
                .route(web::post().to(webhook::receive)),
        )
        .app_data(web::PathConfig::default().error_handler(|_, _| error::ApiError::NotFound.into()))
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            error::ApiError::BadRequest(format!("bad query string: {e}")).into()
        }))
        .app_data(web::JsonConfig::default().error_handler(|e, _| {
            error::ApiError::BadRequest(format!("bad JSON body: {e}")).into()
        }));
}

async fn health(state: web::Data<AppState>) -> HttpResponse {
    let store_ok = state.store.is_healthy();
    let workers_ok = state.workers_running.load(Ordering::Relaxed);
    let body = json!({
        "status": if store_ok && workers_ok { "ok" } else { "unavailable" },
        "store": store_ok,
        "workers": workers_ok,
        "flush": state.store.flush_stats(),
        "mode": match state.settings.mode { Mode::Production => "production", Mode::Simulator => "simulator" },
    });
    if store_ok && workers_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn start_page(state: web::Data<AppState>) -> HttpResponse {
    let mode = match state.settings.mode {
        Mode::Production => "<p>Mode produksi: terhubung ke WhatsApp Cloud API.</p>".to_string(),
        Mode::Simulator => "<p><strong>Mode simulator</strong>: belum ada akun Meta yang diatur (WA_ACCESS_TOKEN kosong). \
             loket memainkan peran WhatsApp sendiri: buka <a href=/sim>/sim</a> untuk mengobrol sebagai orang tua.</p>"
            .to_string(),
    };
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=id><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>loket</title><body style='font-family:sans-serif;max-width:40em;margin:2em auto'>\
         <h1>loket</h1><p>Layanan WhatsApp permohonan KIA.</p>{mode}<p><a href=/healthz>/healthz</a></p></body></html>"
    ))
}
