//! `loket` serves by default; `loket help` lists the other commands.

use std::process::ExitCode;

use loket::{app::Application, config::Settings, telemetry};

const HELP: &str = "loket — the WhatsApp desk for KIA requests

usage:
  loket                    serve (settings from the environment and .env; see .env.example)
  loket check-flows [DIR]  check the flows without starting: DIR, else LOKET_FLOWS_DIR, else
                           the flows built into this binary
  loket flows export DIR   write the built-in flows into DIR (new or empty) as a start for the
                           office's own; then set LOKET_FLOWS_DIR=DIR
  loket replay [--write]   rebuild every conversation by replaying the inbound journal through
                           the engine and compare with the stored states (--write stores them)
  loket user add NAME --role officer|supervisor|courier --password-stdin
                           create an account (with loket stopped: one process per data folder);
                           the password is read from standard input, one line
  loket user list          the accounts, their roles and whether they are disabled or locked
  loket key new            print a new data key (for LOKET_DATA_KEY), with its id
  loket rekey              with loket stopped: seal every record and photo file under the
                           first key of LOKET_DATA_KEY (after putting a new key first, or on
                           data from before encryption); then the old key may be dropped
  loket backup [--to DIR] [--keep N]
                           write a backup (every record and photo file, sealed, with a
                           manifest of SHA-256 sums) into DIR (default ./backups), while loket
                           runs (through its admin socket) or not; --keep N: then delete all
                           but the N newest backups there
  loket restore FILE       put a backup back into LOKET_DATA_DIR, which must be empty or
                           absent, and check every record opens with LOKET_DATA_KEY
  loket subject export (--phone NUMBER | --nik NIK) --to FILE.zip
                           with loket stopped: everything held about a citizen, as a zip
  loket subject erase (--phone NUMBER | --nik NIK) --yes
                           with loket stopped: erase it, but for what the office must keep
                           (both are also on the console's Data warga page and the API)
  loket help               this text";

fn main() -> ExitCode {
    // A file-size limit (RLIMIT_FSIZE) reached must fail that write, as a full disk does, not
    // kill loket in the middle of it: the store then refuses to acknowledge, and says so.
    #[cfg(unix)]
    // SAFETY: only sets SIGXFSZ's disposition to ignore, before any thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let _ = dotenvy::dotenv();
    telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => serve(),
        Some("check-flows") => check_flows(args.get(1).map(String::as_str)),
        Some("flows") => match (args.get(1).map(String::as_str), args.get(2)) {
            (Some("export"), Some(dir)) => export_flows(dir),
            _ => {
                eprintln!("usage: loket flows export DIR\n\n{HELP}");
                ExitCode::from(2)
            }
        },
        Some("replay") => replay(args.iter().any(|a| a == "--write")),
        Some("user") => user(&args[1..]),
        Some("key") if args.get(1).map(String::as_str) == Some("new") => {
            let key = loket::store::seal::DataKey::generate();
            println!("{}", key.to_text());
            eprintln!(
                "key id {}: set LOKET_DATA_KEY to the line above (to rotate: the new key \
                 first, then the old ones, comma-separated; run `loket rekey`; then drop the \
                 old). Keep a copy apart from the server and its backups: without it the data \
                 cannot be read.",
                key.id_hex()
            );
            ExitCode::SUCCESS
        }
        Some("rekey") => rekey(),
        Some("backup") => backup(&args[1..]),
        Some("subject") => subject(&args[1..]),
        Some("restore") => match args.get(1) {
            Some(file) if args.len() == 2 => restore(std::path::Path::new(file)),
            _ => {
                eprintln!("usage: loket restore FILE\n\n{HELP}");
                ExitCode::from(2)
            }
        },
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

fn check_flows(dir: Option<&str>) -> ExitCode {
    let dir = dir
        .map(std::path::PathBuf::from)
        .or_else(|| loket::config::flows_dir_of(|name| std::env::var(name).ok()));
    let checked = loket::bundle::flow_files(dir.as_deref())
        .and_then(|files| loket::flow::check(&files).map(|report| (files, report)));
    match checked {
        Ok((files, report)) => {
            match &dir {
                Some(dir) => println!("flows in {}: valid", dir.display()),
                None => println!("built-in flows ({}): valid", files.origin().display()),
            }
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn export_flows(dir: &str) -> ExitCode {
    match loket::bundle::export_flows(std::path::Path::new(dir)) {
        Ok(written) => {
            for path in &written {
                println!("wrote {}", path.display());
            }
            println!(
                "{} files. Edit them, check with `loket check-flows {dir}`, then set \
                 LOKET_FLOWS_DIR={dir}",
                written.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// `loket user add NAME --role ROLE --password-stdin` and `loket user list`.
fn user(args: &[String]) -> ExitCode {
    const USAGE: &str = "usage: loket user add NAME --role officer|supervisor|courier --password-stdin\n       loket user list";
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let command = match args {
        [add, name, rest @ ..] if add == "add" => {
            let role = rest
                .windows(2)
                .find(|w| w[0] == "--role")
                .and_then(|w| loket::domain::account::Role::from_id(&w[1]));
            let Some(role) = role else {
                eprintln!("a role is needed: --role officer, supervisor or courier\n{USAGE}");
                return ExitCode::from(2);
            };
            if !rest.iter().any(|a| a == "--password-stdin") {
                eprintln!(
                    "the password is read from standard input (--password-stdin), never from the \
                     command line, where other users could see it\n{USAGE}"
                );
                return ExitCode::from(2);
            }
            let mut password = String::new();
            if let Err(e) = std::io::stdin().read_line(&mut password) {
                eprintln!("cannot read the password: {e}");
                return ExitCode::from(2);
            }
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            UserCommand::Add {
                name: name.clone(),
                role,
                password,
            }
        }
        [list] if list == "list" => UserCommand::List,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = block_on(run_user(settings, command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

enum UserCommand {
    Add {
        name: String,
        role: loket::domain::account::Role,
        password: String,
    },
    List,
}

async fn run_user(settings: Settings, command: UserCommand) -> anyhow::Result<()> {
    let store = open_store(&settings)?;
    let now = jiff::Timestamp::now();
    match command {
        UserCommand::Add {
            name,
            role,
            password,
        } => {
            loket::desk::accounts::add_account(&store, "cli", &name, role, &password, now)?;
            store.flush_now()?;
            println!("account {name} ({}) created", role.id());
        }
        UserCommand::List => {
            for account in store.accounts()? {
                let state = if account.disabled {
                    "disabled"
                } else if account.locked_until.is_some_and(|until| until > now) {
                    "locked"
                } else {
                    "active"
                };
                println!("{}\t{}\t{state}", account.username, account.role.id());
            }
        }
    }
    Ok(())
}

/// Runs one command's async work on a runtime of its own.
fn block_on<T>(work: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(work))
}

/// `loket subject export|erase`: a citizen's data, with loket stopped.
fn subject(args: &[String]) -> ExitCode {
    let usage = || {
        eprintln!(
            "usage: loket subject export (--phone NUMBER | --nik NIK) --to FILE.zip\n       \
             loket subject erase (--phone NUMBER | --nik NIK) --yes"
        );
        ExitCode::from(2)
    };
    let (mut phone, mut nik, mut to, mut yes) = (None, None, None, false);
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--phone" => phone = rest.next().cloned(),
            "--nik" => nik = rest.next().cloned(),
            "--to" => to = rest.next().cloned(),
            "--yes" => yes = true,
            _ => return usage(),
        }
    }
    let action = args.first().map(String::as_str);
    match action {
        Some("export") if to.is_some() => {}
        Some("erase") if yes => {}
        Some("erase") => {
            eprintln!("an erasure cannot be undone: add --yes (export first)");
            return ExitCode::from(2);
        }
        _ => return usage(),
    }
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Only the century of a NIK's two-digit year depends on it.
    let today = jiff::Zoned::now().date();
    let who = match loket::privacy::subject::DataSubject::parse(
        phone.as_deref(),
        nik.as_deref(),
        today,
    ) {
        Ok(who) => who,
        Err(e) => {
            eprintln!("loket subject: {e}");
            return ExitCode::from(2);
        }
    };
    let by = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    let work = async {
        let store = open_store(&settings)?;
        let said = match action {
            Some("export") => {
                let export = loket::privacy::subject::export(
                    &store,
                    &who,
                    &format!("{by} (cli)"),
                    jiff::Timestamp::now(),
                )?;
                let file = std::path::PathBuf::from(to.clone().unwrap_or_default());
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                std::io::Write::write_all(&mut options.open(&file)?, &export.zip)?;
                format!(
                    "exported {}: {} requests, {} photos, into {}",
                    who.masked(),
                    export.requests,
                    export.photos,
                    file.display()
                )
            }
            _ => {
                let erased = loket::privacy::subject::erase(
                    &store,
                    &who,
                    &format!("{by} (cli)"),
                    jiff::Timestamp::now(),
                )?;
                format!(
                    "erased {}: {} contacts, {} chat lines, {} messages received, {} sent, {} \
                     photos; {} requests kept without personal data\n{}",
                    who.masked(),
                    erased.contacts,
                    erased.chat_lines,
                    erased.messages,
                    erased.outbox_records,
                    erased.photo_files,
                    erased.requests.len(),
                    erased.kept[1]
                )
            }
        };
        store.flush_now()?;
        anyhow::Ok(said)
    };
    match block_on(work) {
        Ok(said) => {
            println!("{said}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loket subject: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `loket backup [--to DIR] [--keep N]`.
fn backup(args: &[String]) -> ExitCode {
    let mut to = std::path::PathBuf::from("backups");
    let mut keep: Option<usize> = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match (arg.as_str(), rest.next()) {
            ("--to", Some(dir)) => to = dir.into(),
            ("--keep", Some(n)) => match n.parse() {
                Ok(n) if n > 0 => keep = Some(n),
                _ => {
                    eprintln!("--keep takes a whole number greater than zero, e.g. --keep 14");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("usage: loket backup [--to DIR] [--keep N]\n\n{HELP}");
                return ExitCode::from(2);
            }
        }
    }
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let to = match std::path::absolute(&to) {
        Ok(to) => to,
        Err(e) => {
            eprintln!("loket backup: {}: {e}", to.display());
            return ExitCode::from(2);
        }
    };
    let work = async {
        match open_store(&settings) {
            Ok(store) => {
                let summary = store.backup_to(&to, jiff::Timestamp::now())?;
                anyhow::Ok(serde_json::to_value(summary)?)
            }
            // Running: it makes the backup itself, through its socket.
            Err(e)
                if e.downcast_ref::<loket::store::StoreError>()
                    .is_some_and(|e| matches!(e, loket::store::StoreError::InUse { .. })) =>
            {
                ask_running_loket(&settings.data_dir, &to).await
            }
            Err(e) => Err(e),
        }
    };
    let summary = match block_on(work) {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("loket backup: {e:#}");
            return ExitCode::from(1);
        }
    };
    println!(
        "backup written: {} ({} records, {} photo files, {} bytes, writers paused {} ms)\nsha256 {}",
        summary["file"].as_str().unwrap_or_default(),
        summary["records"],
        summary["photo_files"],
        summary["bytes"],
        summary["paused_ms"],
        summary["sha256"].as_str().unwrap_or_default(),
    );
    if let Some(keep) = keep {
        match prune_backups(&to, keep) {
            Ok(0) => {}
            Ok(n) => println!("deleted {n} older backup(s), kept the {keep} newest"),
            Err(e) => {
                eprintln!(
                    "loket backup: the backup is written, but older ones could not be deleted: {e}"
                );
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}

/// Asks the loket serving `data_dir` to write a backup into `to`, over its admin socket.
#[cfg(unix)]
async fn ask_running_loket(
    data_dir: &std::path::Path,
    to: &std::path::Path,
) -> anyhow::Result<serde_json::Value> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = data_dir.join(loket::http::admin::SOCKET);
    let mut stream = tokio::net::UnixStream::connect(&socket)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "another loket is using {} but its admin socket {} does not answer ({e}): run the \
             backup as loket's user",
                data_dir.display(),
                socket.display()
            )
        })?;
    let body = serde_json::to_vec(&serde_json::json!({ "to": to }))?;
    let head = format!(
        "POST /backup HTTP/1.1\r\nHost: loket\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow::anyhow!("the running loket answered nothing readable"))?;
    let status = head.split_whitespace().nth(1).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| anyhow::anyhow!("the running loket answered {status}: {body}"))?;
    if status != "200" {
        let message = value["error"]["message"].as_str().unwrap_or(body);
        anyhow::bail!("the running loket could not write it: {message}");
    }
    Ok(value)
}

#[cfg(not(unix))]
async fn ask_running_loket(
    data_dir: &std::path::Path,
    _to: &std::path::Path,
) -> anyhow::Result<serde_json::Value> {
    anyhow::bail!(
        "another loket is using {}: stop it first (backups of a running loket need a Unix socket)",
        data_dir.display()
    )
}

/// Deletes all but the `keep` newest `loket-backup-*.tar` files in `dir` (and their sums).
fn prune_backups(dir: &std::path::Path, keep: usize) -> std::io::Result<usize> {
    let mut backups: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("loket-backup-") && n.ends_with(".tar"))
        })
        .collect();
    // Their names hold the UTC time: name order is age order.
    backups.sort();
    let old = backups.len().saturating_sub(keep);
    for path in &backups[..old] {
        std::fs::remove_file(path)?;
        let _ = std::fs::remove_file(format!("{}.sha256", path.display()));
    }
    Ok(old)
}

/// `loket restore FILE`.
fn restore(file: &std::path::Path) -> ExitCode {
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let work = async {
        let keys = settings
            .data_key
            .source()
            .map_err(|reason| anyhow::anyhow!("{reason}"))?;
        let (restored, _) = loket::store::backup::restore(file, &settings.data_dir, &keys)?;
        // Opened as loket opens it (the key checked against the folder), then every record
        // and kept photo file opened.
        let store = open_store(&settings)?;
        let (records, files) = store.verify()?;
        store.flush_now()?;
        anyhow::Ok((restored, records, files))
    };
    match block_on(work) {
        Ok((restored, records, files)) => {
            println!(
                "restored the backup of {} into {}: {} records and {} photo files; checked: {} \
                 sealed records open with the key, {} kept photo files present",
                restored.created_at,
                settings.data_dir.display(),
                restored.records,
                restored.photo_files,
                records,
                files
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loket restore: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `loket rekey`: everything sealed under the first key.
fn rekey() -> ExitCode {
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let work = async {
        let store = open_store(&settings)?;
        let done = store.rekey()?;
        anyhow::Ok(done)
    };
    match block_on(work) {
        Ok(done) => {
            println!(
                "sealed under the first key: {} records and {} photo files rewritten, {} records \
                 already sealed with it",
                done.records, done.files, done.current
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loket rekey: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The store of the data folder, for a command run while loket is stopped.
fn open_store(settings: &Settings) -> anyhow::Result<loket::store::Store> {
    let keys = settings
        .data_key
        .source()
        .map_err(|reason| anyhow::anyhow!("{reason}"))?;
    Ok(loket::store::Store::open(
        &settings.data_dir,
        &loket::store::StoreOptions {
            cache_bytes: settings.store_cache_bytes,
            flush_every_ms: settings.store_flush_every_ms,
            keys,
        },
    )?)
}

/// Settings, or every problem with them on standard error.
fn settings() -> Result<Settings, ExitCode> {
    Settings::from_env().map_err(|e| {
        eprintln!("loket cannot start: {e}\nSettings come from the environment and .env; see .env.example.");
        ExitCode::from(2)
    })
}

fn replay(write: bool) -> ExitCode {
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let result = block_on(run_replay(settings, write));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("replay failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_replay(settings: Settings, write: bool) -> anyhow::Result<bool> {
    let flows = loket::bundle::load_flows(settings.flows_dir.as_deref())
        .map_err(|e| anyhow::anyhow!("{}", loket::app::flows_refused(&settings, &e)))?;
    let store = open_store(&settings)?;
    let report = loket::lane::replay(&flows, &store)?;
    println!(
        "replayed {} batches: {} conversations rebuilt, {} stored, {} identical, {} differ, \
         {} past the replay horizon (quiet longer than the log is kept)",
        report.batches,
        report.rebuilt.len(),
        report.conversations,
        report.identical,
        report.differing.len(),
        report.past_horizon
    );
    for contact in &report.differing {
        println!("  differs: {contact}");
    }
    println!("flows now: version {}", flows.version);
    for (version, batches) in &report.other_flows {
        println!(
            "  {batches} batches were decided by flows version {version}: a difference there may \
             be a flow edit, not a bug"
        );
    }
    if write {
        for (contact, state) in &report.rebuilt {
            store.put_conversation(*contact, state)?;
        }
        store.flush_now()?;
        println!("stored {} rebuilt conversations", report.rebuilt.len());
    }
    Ok(report.differing.is_empty())
}

fn serve() -> ExitCode {
    let settings = match settings() {
        Ok(s) => s,
        Err(code) => return code,
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
            // Once, on standard error: the log goes there too, so logging it would repeat it.
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
    let simulator = app.simulator();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stop signal received");
        if let Some(simulator) = simulator {
            simulator.shutdown();
        }
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
