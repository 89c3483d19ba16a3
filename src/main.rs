//! `loket` serves by default; `loket help` lists the other commands.

use std::process::ExitCode;

use loket::{app::Application, config::Settings, telemetry};

const HELP: &str = "loket — the WhatsApp desk for KIA requests

usage:
  loket            serve (settings from the environment and .env; see .env.example)
  loket help       this text";

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => serve(),
        Some("help" | "-h" | "--help") => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command {other:?}\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}

fn serve() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("loket stopped: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    match settings.mode {
        loket::config::Mode::Simulator => tracing::info!(
            "simulator mode: no Meta credentials (WA_ACCESS_TOKEN unset); loket plays WhatsApp's side itself"
        ),
        loket::config::Mode::Production => {
            tracing::info!(graph = %settings.graph_url, "production mode")
        }
    }
    let app = Application::build(settings.clone()).await?;
    tracing::info!(address = %format!("http://{}:{}/", settings.bind.ip(), app.port()), "loket is listening");
    let handle = app.handle();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stop signal received");
        handle.stop(true).await;
    });
    app.run_until_stopped().await
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
