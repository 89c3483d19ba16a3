//! Wiring: open the store, start the workers and the HTTP server, drain on shutdown.

use std::{
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpServer, dev::ServerHandle, web};
use anyhow::Context;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    bundle,
    channel::{
        graph::GraphClient,
        outbox::{self, OutboxSettings},
    },
    config::{Mode, Settings},
    desk::escalations::AllowedTemplate,
    flow::FlowError,
    http::{self, AppState},
    lane::{Conversations, FlowConversations, LaneSettings, Runtime},
    sim::{self, SimNumber, Simulator, SimulatorConfig},
    store::{Store, StoreError, StoreOptions},
};

/// Choices that tests and benchmarks make differently from production.
pub struct AppOptions {
    /// Record webhooks durably (false only for the benchmark's no-storage variant).
    pub durable: bool,
    pub conversations: Option<Arc<dyn Conversations>>,
    pub http_workers: usize,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            durable: true,
            conversations: None,
            http_workers: 2,
        }
    }
}

/// Housekeeping, every `LOKET_JOB_INTERVAL_MS`: claims nobody answered go back to the queue,
/// waiting escalations are given to officers in turn (when the office turned it on), and cards
/// held past their date go back to the office (through each parent's lane).
async fn housekeeping(
    store: Store,
    runtime: Runtime,
    flows: Arc<crate::flow::FlowSet>,
    every: std::time::Duration,
    auto_manifests: bool,
    retention: crate::privacy::retention::RetentionPolicy,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut last_sweep: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
        let span = tracing::info_span!("job", name = "housekeeping");
        tracing::Instrument::instrument(housekeep(&store, &runtime, &flows, auto_manifests), span)
            .await;
        if last_sweep.is_none_or(|at| at.elapsed() >= RETENTION_SWEEP_EVERY) {
            last_sweep = Some(std::time::Instant::now());
            let span = tracing::info_span!("job", name = "retention");
            tracing::Instrument::instrument(retention_sweep(&store, retention), span).await;
        }
    }
}

/// Retention runs at the first housekeeping after start, then hourly: its periods are days.
const RETENTION_SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

async fn retention_sweep(store: &Store, policy: crate::privacy::retention::RetentionPolicy) {
    let swept = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            crate::privacy::retention::sweep(&store, &policy, jiff::Timestamp::now())
        })
        .await
    };
    match swept {
        Ok(Ok(swept)) if swept.is_empty() => {}
        Ok(Ok(swept)) => {
            tracing::info!(removed = %swept.describe(), "retention sweep");
            if let Err(e) = store.commit().await {
                tracing::error!(error = %e, "cannot make the retention sweep durable");
            }
        }
        Ok(Err(e)) => tracing::error!(error = %e, "retention sweep failed"),
        Err(e) => tracing::error!(error = %e, "retention sweep stopped"),
    }
}

async fn housekeep(
    store: &Store,
    runtime: &Runtime,
    flows: &crate::flow::FlowSet,
    auto_manifests: bool,
) {
    let policy = flows.settings.escalations;
    let now = jiff::Timestamp::now();
    let released = crate::desk::escalations::release_stale(store, &policy, now);
    let assigned = crate::desk::escalations::auto_assign(store, &policy, now);
    match (released, assigned) {
        (Ok(released), Ok(assigned)) => {
            if !released.is_empty() || !assigned.is_empty() {
                tracing::info!(
                    released = released.len(),
                    assigned = assigned.len(),
                    "escalations shared out"
                );
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "cannot share out escalations")
        }
    }
    let today = flows.local_date(now);
    let office_now = now.to_zoned(flows.settings.time_zone.clone());
    let made_today = store.manifests_made_on().ok().flatten() == Some(today.to_string());
    if auto_manifests && !made_today && office_now.time() >= flows.settings.delivery.manifest_time {
        let office = crate::delivery::manifests::Office {
            name: flows.settings.office_name.get(crate::flow::Lang::Id),
            kecamatan: &flows.kecamatan,
        };
        match crate::delivery::manifests::make(store, &office, None, today, "loket", now) {
            Ok(made) => {
                tracing::info!(manifests = made.manifests.len(), "the morning's manifests");
                if let Err(e) = store.set_manifests_made_on(&today.to_string()) {
                    tracing::error!(error = %e, "cannot note the manifests made");
                }
                if let Err(e) = store.commit().await {
                    tracing::error!(error = %e, "cannot make the manifests durable");
                    return;
                }
                for lane in made.lanes {
                    runtime.wake(lane);
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot make the morning's manifests"),
        }
    }
    match crate::delivery::tasks::end_holds(store, &flows.settings.delivery, today, now) {
        Ok(contacts) if !contacts.is_empty() => {
            tracing::info!(
                cards = contacts.len(),
                "holds ended: cards go back to the office"
            );
            if let Err(e) = store.commit().await {
                tracing::error!(error = %e, "cannot make ended holds durable");
                return;
            }
            for contact in contacts {
                runtime.wake(contact);
            }
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "cannot end holds"),
    }
}

/// Why the flows were refused, and where they came from.
pub fn flows_refused(settings: &Settings, error: &FlowError) -> String {
    match &settings.flows_dir {
        Some(dir) => format!(
            "the flows in {} (LOKET_FLOWS_DIR) are not valid:\n{error}",
            dir.display()
        ),
        None => format!("the built-in flows are not valid (a bug of this build):\n{error}"),
    }
}

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    /// The operator's socket (`loket backup`), served beside the HTTP server.
    admin: Option<(ServerHandle, JoinHandle<std::io::Result<()>>)>,
    store: Store,
    runtime: Runtime,
    shutdown: watch::Sender<bool>,
    outbox_task: JoinHandle<()>,
    workers_running: Arc<AtomicBool>,
    simulator: Option<Simulator>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Application::build_with(settings, AppOptions::default()).await
    }

    pub async fn build_with(
        mut settings: Settings,
        options: AppOptions,
    ) -> anyhow::Result<Application> {
        // Counters recorded from the start count at the first scrape.
        crate::telemetry::metrics();
        for note in &settings.ignored {
            tracing::warn!("{note}");
        }
        // A broken flow file is refused first, with its file, line and reason, before anything
        // is opened or bound.
        let flows = Arc::new(
            bundle::load_flows(settings.flows_dir.as_deref())
                .map_err(|e| anyhow::anyhow!("{}", flows_refused(&settings, &e)))?,
        );
        match &settings.flows_dir {
            Some(dir) => tracing::info!("flows: {} (LOKET_FLOWS_DIR)", dir.display()),
            None => tracing::info!("flows: built in (set LOKET_FLOWS_DIR for the office's own)"),
        }
        // The office's numbers, for the simulator to play them all, and the templates officers
        // may send.
        let numbers = flows.numbers.clone();
        let office = &flows.settings;
        let time_zone = office.time_zone.clone();
        let templates = vec![
            AllowedTemplate {
                name: office.reply_template.name.clone(),
                language: office.reply_template.language.clone(),
                params: 1,
            },
            AllowedTemplate {
                name: office.status_template.name.clone(),
                language: office.status_template.language.clone(),
                params: 3,
            },
        ];
        let conversations = match options.conversations {
            Some(c) => c,
            None => Arc::new(FlowConversations::new(flows.clone())) as Arc<dyn Conversations>,
        };
        let keys = settings
            .data_key
            .source()
            .map_err(|reason| anyhow::anyhow!("{reason}"))?;
        let store = Store::open(
            &settings.data_dir,
            &StoreOptions {
                cache_bytes: settings.store_cache_bytes,
                flush_every_ms: settings.store_flush_every_ms,
                keys,
            },
        )
        .map_err(|e| match e {
            // Says which folder and what to do already.
            StoreError::InUse { .. } | StoreError::Key(_) => anyhow::Error::new(e),
            e => anyhow::Error::new(e).context(format!(
                "cannot open the store in {} (LOKET_DATA_DIR)",
                settings.data_dir.display()
            )),
        })?;

        if settings.discard_webhooks {
            tracing::warn!(
                "LOKET_DISCARD_WEBHOOKS is set: webhooks are acknowledged WITHOUT being stored (benchmark only)"
            );
        }
        let listener = TcpListener::bind(settings.bind).with_context(|| {
            format!(
                "cannot listen on {} (LOKET_BIND): is another loket or another program using \
                     it? Stop it, or set LOKET_BIND to another port, e.g. 127.0.0.1:8081",
                settings.bind
            )
        })?;
        let local = listener.local_addr()?;
        let port = local.port();
        // The address loket reaches itself on (0.0.0.0 and :: become loopback).
        let mut reachable = local;
        if reachable.ip().is_unspecified() {
            reachable.set_ip(if local.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        // Simulator mode with the default Graph URL: the simulator lives on the port bound.
        if settings.mode == Mode::Simulator
            && settings.graph_url == format!("http://{}/sim/graph/v25.0", settings.bind)
        {
            settings.graph_url = format!("http://{reachable}/sim/graph/v25.0");
        }
        // The simulator's Graph routes take loket's sends only with a token, made up at each
        // start: anyone else who reaches the port cannot send as the office.
        let graph_token = match settings.mode {
            Mode::Production => settings.access_token.expose().to_string(),
            Mode::Simulator => {
                let mut bytes = [0u8; 24];
                rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
                hex::encode(bytes)
            }
        };
        let simulator = match settings.mode {
            Mode::Simulator => {
                let mut config = SimulatorConfig::new(
                    format!("http://{reachable}/webhook"),
                    settings.app_secret.expose(),
                    settings.phone_number_id.clone(),
                    graph_token.clone(),
                );
                for number in &numbers {
                    let label = format!("{} · {}", number.label.id, number.display);
                    if number.phone_number_id == config.phone_number_id {
                        config.label = label;
                        config.display_phone_number = international_digits(&number.display);
                    } else {
                        config.other_numbers.push(SimNumber {
                            phone_number_id: number.phone_number_id.clone(),
                            display_phone_number: international_digits(&number.display),
                            label,
                        });
                    }
                }
                Some(Simulator::with_config(config)?)
            }
            Mode::Production => None,
        };
        if simulator.is_some() {
            tracing::info!(chat = %format!("http://{reachable}/sim"), "simulator chat page");
        }

        let graph = GraphClient::new(
            &settings.graph_url,
            &settings.phone_number_id,
            &graph_token,
            settings.graph_timeout,
        )?;
        let (outbox_handle, outbox_worker) = outbox::outbox(
            store.clone(),
            graph.clone(),
            OutboxSettings {
                rate_per_sec: settings.send_rate_per_sec,
                retry_for: settings.send_retry_for,
                first_retry: settings.send_first_retry,
                concurrency: 32,
            },
        );
        let (shutdown, shutdown_rx) = watch::channel(false);
        let workers_running = Arc::new(AtomicBool::new(true));
        let running = workers_running.clone();
        let outbox_task = tokio::spawn(async move {
            outbox_worker.run(shutdown_rx).await;
            running.store(false, Ordering::Relaxed);
        });

        let runtime = Runtime::new(
            store.clone(),
            graph,
            outbox_handle,
            LaneSettings {
                debounce: settings.lane_debounce,
                mark_read: settings.mark_read,
                media_max_bytes: settings.media_max_bytes,
                max_active: settings.lanes,
                flood_after: settings.flood_after,
                flood_delay: settings.flood_delay,
            },
            conversations,
        );
        tokio::spawn(runtime.clone().run_wakeups(shutdown.subscribe()));
        let mailer = crate::mail::Mailer::new(&settings.mail, &settings.data_dir)?;
        match &settings.mail.smtp_host {
            Some(host) => tracing::info!(
                "manifests are mailed through {host}:{}",
                settings.mail.smtp_port
            ),
            None => tracing::info!(
                "no LOKET_SMTP_HOST: manifests are written to {}",
                settings.data_dir.join("mail").display()
            ),
        }
        tokio::spawn(crate::mail::run(
            mailer,
            store.clone(),
            shutdown.subscribe(),
        ));
        tokio::spawn(housekeeping(
            store.clone(),
            runtime.clone(),
            flows.clone(),
            settings.job_interval,
            settings.auto_manifests,
            settings.retention,
            shutdown.subscribe(),
        ));
        let resumed = runtime.resume()?;
        if resumed > 0 {
            tracing::info!(
                lanes = resumed,
                "resuming messages left from the previous run"
            );
        }

        let state = web::Data::new(AppState {
            settings: settings.clone(),
            store: store.clone(),
            runtime: runtime.clone(),
            durable: options.durable && !settings.discard_webhooks,
            workers_running: workers_running.clone(),
            templates,
            time_zone,
            flows: flows.clone(),
            webhook_budget: http::body::BodyBudget::new(
                settings
                    .webhook_budget_bytes
                    .max(settings.webhook_max_bytes),
            ),
            sign_ins: http::throttle::SignInThrottle::default(),
        });
        let sim_data = simulator.clone().map(web::Data::new);
        let body_timeout = settings.body_timeout;
        let server = HttpServer::new(move || {
            let sim_data = sim_data.clone();
            App::new()
                .wrap_fn(move |mut request, service| {
                    http::deadline::limit_body_time(&mut request, body_timeout);
                    actix_web::dev::Service::call(service, request)
                })
                .app_data(state.clone())
                .configure(http::configure)
                // In production the simulator's routes do not exist at all.
                .configure(move |cfg| {
                    if let Some(sim_data) = sim_data {
                        sim::configure(cfg, sim_data);
                    }
                })
                .default_service(web::to(http::error::not_found))
        })
        .workers(options.http_workers.max(1))
        .disable_signals()
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        #[cfg(unix)]
        let admin = Some(admin_socket(&settings.data_dir, &store)?);
        #[cfg(not(unix))]
        let admin = None;

        Ok(Application {
            port,
            server,
            admin,
            store,
            runtime,
            shutdown,
            outbox_task,
            workers_running,
            simulator,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The simulator, in simulator mode: stop it before the server so open chat pages let go.
    pub fn simulator(&self) -> Option<Simulator> {
        self.simulator.clone()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until the server is stopped (see [`Application::handle`]), then drains the
    /// lanes and the outbox and flushes the store.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // A store that failed a write for good (a full disk) stops loket, with an error, so its
        // service manager starts it again, which reopens the store once there is room. Until
        // then every webhook has been answered 503 (Meta delivers them again) and nothing
        // unstored acknowledged.
        let watcher = {
            let (store, handle) = (self.store.clone(), self.server.handle());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if let Some(reason) = store.write_failure() {
                        tracing::error!(
                            %reason,
                            "the store cannot make writes durable any more (is the disk full?): \
                             loket stops so that it is started again once there is room"
                        );
                        handle.stop(true).await;
                        return;
                    }
                }
            })
        };
        self.server.await?;
        watcher.abort();
        let store_failed = self.store.write_failure();
        if let Some((handle, task)) = self.admin {
            handle.stop(true).await;
            let _ = task.await;
        }
        tracing::info!("HTTP server stopped; draining work in flight");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.runtime.active_lanes() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.shutdown.send(true);
        if tokio::time::timeout(Duration::from_secs(15), self.outbox_task)
            .await
            .is_err()
        {
            tracing::warn!("outbox did not drain in time; unsent messages stay queued");
        }
        self.workers_running.store(false, Ordering::Relaxed);
        if let Some(reason) = store_failed {
            anyhow::bail!(
                "the store could not make writes durable ({reason}): free space in the data \
                 folder's disk and start loket again (nothing it acknowledged is lost)"
            );
        }
        self.store.flush_now()?;
        tracing::info!("store flushed; bye");
        Ok(())
    }
}

/// Serves the operator's socket in the data folder (for `loket backup` while loket runs).
#[cfg(unix)]
fn admin_socket(
    data_dir: &std::path::Path,
    store: &Store,
) -> anyhow::Result<(ServerHandle, JoinHandle<std::io::Result<()>>)> {
    let path = data_dir.join(http::admin::SOCKET);
    // Left by a crash: the store's lock, already held, says no other loket serves it.
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).context("cannot replace the old admin socket"),
    }
    let store = web::Data::new(store.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            .configure(http::admin::configure)
            .default_service(web::to(http::error::not_found))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(30)
    .bind_uds(&path)
    .with_context(|| format!("cannot serve the admin socket {}", path.display()))?
    .run();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    let handle = server.handle();
    Ok((handle, tokio::spawn(server)))
}

/// `0811-0000-0003` as WhatsApp writes it: `6281100000003`.
fn international_digits(display: &str) -> String {
    let digits: String = display.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix('0') {
        Some(rest) => format!("62{rest}"),
        None => digits,
    }
}
