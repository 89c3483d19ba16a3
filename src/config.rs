//! Settings, read only from the environment (dotenvy loads `.env` first in `main`).
//! Every variable is documented with its default in `.env.example`.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("Secret(<empty>)")
        } else {
            f.write_str("Secret(<redacted>)")
        }
    }
}

/// How loket reaches the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine or a test server.
    None,
}

/// Manifests by e-mail (`LOKET_SMTP_*`, `LOKET_MAIL_FROM`, `LOKET_MANIFEST_TO`). Without a host
/// they are written as `.eml` files in the data folder's `mail/`.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    pub password: Secret,
    pub from: String,
    /// Recipients by route (a kecamatan code), and `*` for the routes not named.
    pub manifest_to: Vec<(String, Vec<String>)>,
    /// The first retry of a failed send; each next one waits twice as long (at most 15 min).
    pub retry_after: Duration,
}

impl MailSettings {
    /// Who gets a route's manifest.
    pub fn recipients(&self, route: &str) -> Vec<String> {
        self.manifest_to
            .iter()
            .find(|(r, _)| r == route)
            .or_else(|| self.manifest_to.iter().find(|(r, _)| r == "*"))
            .map(|(_, to)| to.clone())
            .unwrap_or_default()
    }
}

/// `63.71.05=a@pos.id,b@pos.id;*=loket@pos.id`.
fn parse_manifest_to(text: &str) -> Option<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (route, to) = part.split_once('=')?;
        let to: Vec<String> = to
            .split(',')
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        if route.trim().is_empty() || to.is_empty() || to.iter().any(|a| !a.contains('@')) {
            return None;
        }
        out.push((route.trim().to_string(), to));
    }
    Some(out)
}

/// Whether loket talks to Meta or plays Meta's side itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `WA_ACCESS_TOKEN` is set: the real Graph API.
    Production,
    /// No Meta credentials: a local WhatsApp simulator plays Meta's side.
    Simulator,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// The key(s) the children's data is sealed with.
    pub data_key: DataKeySetting,
    /// The office's own flow folder; `None` uses the flows built into the binary.
    pub flows_dir: Option<PathBuf>,
    pub verify_token: Secret,
    pub app_secret: Secret,
    pub access_token: Secret,
    pub phone_number_id: String,
    /// Graph API base including the version, e.g. `https://graph.facebook.com/v25.0`.
    pub graph_url: String,
    pub mark_read: bool,
    pub webhook_max_bytes: usize,
    /// What all webhook bodies being received together may hold in memory.
    pub webhook_budget_bytes: usize,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
    pub media_max_bytes: usize,
    /// Global cap on Graph sends per second.
    pub send_rate_per_sec: u32,
    /// How long a message is tried again after failures that may pass (Graph down).
    pub send_retry_for: Duration,
    /// The first retry's delay (doubling to five minutes).
    pub send_first_retry: Duration,
    pub graph_timeout: Duration,
    /// How long a lane waits for more messages of the same sender before handling them together.
    pub lane_debounce: Duration,
    /// How often the housekeeping jobs run (escalations shared out, holds ended).
    pub job_interval: Duration,
    pub mail: MailSettings,
    /// Whether the day's manifests are made at the flows' `manifest_time` (else only on
    /// demand).
    pub auto_manifests: bool,
    /// sled page cache size; sled's RSS grows well past it, so keep it small.
    pub store_cache_bytes: u64,
    /// Backstop for sled's own periodic flush (acknowledgement never relies on it).
    pub store_flush_every_ms: u64,
    /// Lanes handling messages at the same time. Processing faster than Meta lets us answer
    /// (80 messages/s) gains nothing; fewer lanes leave CPU and disk to acknowledging webhooks.
    pub lanes: usize,
    /// Messages a sender may send in a minute before being answered more slowly.
    pub flood_after: u32,
    pub flood_delay: Duration,
    /// Take the client's address from `Forwarded`/`X-Forwarded-For` (behind nginx).
    pub trust_forwarded: bool,
    /// Benchmark only: acknowledge webhooks without storing them, to show what durability
    /// costs. Needs the exact value `benchmark-only`; never set it in a deployment.
    pub discard_webhooks: bool,
    /// How long an officer's session lasts before signing in again.
    pub session_length: Duration,
    /// How long photos and logs are kept (`LOKET_PHOTO_RETENTION_DAYS`,
    /// `LOKET_LOG_RETENTION_DAYS`).
    pub retention: crate::privacy::retention::RetentionPolicy,
    /// Settings that were given but are not used, each a sentence for the start-up log.
    pub ignored: Vec<String>,
}

/// Where the data key comes from.
#[derive(Debug, Clone)]
pub enum DataKeySetting {
    /// `LOKET_DATA_KEY`: one or more keys, the first seals.
    Given(Vec<crate::store::seal::DataKey>),
    /// `LOKET_DATA_KEY_FILE`: a file holding them, one per line.
    File(PathBuf),
    /// Simulator mode without a key: one made in the data folder.
    InFolder,
}

impl DataKeySetting {
    /// The keys for the store, reading the key file if there is one.
    pub fn source(&self) -> Result<crate::store::seal::KeySource, String> {
        use crate::store::seal::{DataKey, KeySource};
        match self {
            DataKeySetting::Given(keys) => Ok(KeySource::Given(keys.clone())),
            DataKeySetting::InFolder => Ok(KeySource::InFolder),
            DataKeySetting::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    format!(
                        "cannot read the key file {} (LOKET_DATA_KEY_FILE): {e}",
                        path.display()
                    )
                })?;
                DataKey::parse_list(&text)
                    .map(KeySource::Given)
                    .map_err(|e| {
                        format!("the key file {} (LOKET_DATA_KEY_FILE): {e}", path.display())
                    })
            }
        }
    }
}

/// One setting that cannot be used: which, what was written, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    pub name: &'static str,
    /// What was written; `None` when the setting is missing.
    pub value: Option<String>,
    pub hint: String,
}

impl std::fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={value:?}: {}", self.name, self.hint),
            None => write!(f, "{} is not set: {}", self.name, self.hint),
        }
    }
}

/// Every problem of the settings at once, so one edit of `.env` can fix them all.
#[derive(Debug)]
pub struct ConfigError {
    pub problems: Vec<SettingProblem>,
}

impl std::error::Error for ConfigError {}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} settings need a change:", many.len())?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

/// Default Graph API base; a setting because Meta retires versions every two years.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com/v25.0";

/// Reads one environment through `lookup`, collecting every problem instead of stopping at the
/// first.
struct Reader<F> {
    lookup: F,
    problems: Vec<SettingProblem>,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    /// The value, `None` when unset or blank.
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    fn problem(&mut self, name: &'static str, value: Option<String>, hint: impl Into<String>) {
        self.problems.push(SettingProblem {
            name,
            value,
            hint: hint.into(),
        });
    }

    /// A value parsed by `parse`, or `default` (also after a problem, so reading goes on).
    fn read<T>(
        &mut self,
        name: &'static str,
        default: T,
        hint: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> T {
        let Some(raw) = self.get(name) else {
            return default;
        };
        match parse(raw.trim()) {
            Some(value) => value,
            None => {
                self.problem(name, Some(raw), hint);
                default
            }
        }
    }

    fn whole(&mut self, name: &'static str, default: u64, example: &str) -> u64 {
        let hint = format!("write a whole number, e.g. {example}");
        self.read(name, default, &hint, |v| v.parse().ok())
    }

    fn positive(&mut self, name: &'static str, default: u64, example: &str) -> u64 {
        let hint = format!("write a whole number greater than zero, e.g. {example}");
        self.read(name, default, &hint, |v| v.parse().ok().filter(|n| *n > 0))
    }

    fn millis(&mut self, name: &'static str, default: u64, example: &str) -> Duration {
        let hint = format!("write a whole number of milliseconds, e.g. {example}");
        Duration::from_millis(self.read(name, default, &hint, |v| {
            v.strip_suffix("ms").unwrap_or(v).trim().parse().ok()
        }))
    }

    fn bytes(&mut self, name: &'static str, default: u64) -> u64 {
        let hint = format!(
            "write a size in bytes ({default}) or with a unit: KB or MB, e.g. {}MB \
             (1 MB = 1,048,576 bytes)",
            default / MB
        );
        self.read(name, default, &hint, parse_size)
    }

    fn flag(&mut self, name: &'static str, default: bool) -> bool {
        self.read(name, default, "write true or false", |v| {
            match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Some(true),
                "0" | "false" | "no" | "off" => Some(false),
                _ => None,
            }
        })
    }
}

const KB: u64 = 1024;
const MB: u64 = 1024 * 1024;

/// `3145728`, `3MB`, `3 MiB`, `512KB`, `512k`: a size in bytes (units are powers of 1024).
///
/// ```
/// use loket::config::parse_size;
/// assert_eq!(parse_size("3MB"), Some(3 * 1024 * 1024));
/// assert_eq!(parse_size("512 KiB"), Some(512 * 1024));
/// assert_eq!(parse_size("3145728"), Some(3_145_728));
/// assert_eq!(parse_size("3 megs"), None);
/// ```
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => KB,
        "m" | "mb" | "mib" => MB,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// `LOKET_FLOWS_DIR`, blank meaning unset: the office's own flow folder, `None` for the built-in
/// flows. `loket check-flows` reads it this way too, without the other settings.
pub fn flows_dir_of(lookup: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    lookup("LOKET_FLOWS_DIR")
        .filter(|v| !v.trim().is_empty())
        .map(PathBuf::from)
}

/// Whether a Graph URL points at this machine (a loopback stand-in or the simulator).
fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass a map instead of the environment.
    /// Every problem is reported at once.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let mut env = Reader {
            lookup,
            problems: Vec::new(),
        };
        let mut ignored = Vec::new();
        if env.get("WA_SEND_MAX_ATTEMPTS").is_some() {
            ignored.push(
                "WA_SEND_MAX_ATTEMPTS is no longer used: a send that fails for a reason that may \
                 pass is tried again for WA_SEND_RETRY_HOURS (24), so an outage of Meta's API \
                 loses nothing"
                    .to_string(),
            );
        }
        let access_token = Secret::new(env.get("WA_ACCESS_TOKEN").unwrap_or_default());
        let mode = if access_token.is_empty() {
            Mode::Simulator
        } else {
            Mode::Production
        };
        let bind = env.read(
            "LOKET_BIND",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
            "write an address and port, e.g. 127.0.0.1:8080 (0.0.0.0:8080 listens on every interface)",
            |v| v.parse().ok(),
        );
        let data_dir = PathBuf::from(env.get("LOKET_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let flows_dir = flows_dir_of(|name| env.get(name));
        let data_key = match (env.get("LOKET_DATA_KEY"), env.get("LOKET_DATA_KEY_FILE")) {
            (Some(keys), _) => match crate::store::seal::DataKey::parse_list(&keys) {
                Ok(keys) => DataKeySetting::Given(keys),
                Err(reason) => {
                    // The value is a secret: named, never repeated.
                    env.problem(
                        "LOKET_DATA_KEY",
                        Some("<hidden>".into()),
                        format!(
                            "{reason}: write the key `loket key new` printed (32 bytes in \
                             base64), several separated by commas, the sealing one first"
                        ),
                    );
                    DataKeySetting::InFolder
                }
            },
            (None, Some(file)) => DataKeySetting::File(PathBuf::from(file)),
            (None, None) if mode == Mode::Simulator => DataKeySetting::InFolder,
            (None, None) => {
                env.problem(
                    "LOKET_DATA_KEY",
                    None,
                    "the children's data is sealed with the office's own key: make one with \
                     `loket key new`, set LOKET_DATA_KEY to it (or LOKET_DATA_KEY_FILE to a file \
                     holding it), and keep a copy apart from the server and its backups",
                );
                DataKeySetting::InFolder
            }
        };

        let mut verify_token = Secret::new(env.get("WA_VERIFY_TOKEN").unwrap_or_default());
        let mut app_secret = Secret::new(env.get("WA_APP_SECRET").unwrap_or_default());
        let mut phone_number_id = env.get("WA_PHONE_NUMBER_ID").unwrap_or_default();
        let graph_url_set = env.get("WA_GRAPH_URL");
        let graph_url = match mode {
            Mode::Production => {
                for (name, missing, hint) in [
                    (
                        "WA_APP_SECRET",
                        app_secret.is_empty(),
                        "the app secret, from the App Dashboard (App settings > Basic)",
                    ),
                    (
                        "WA_VERIFY_TOKEN",
                        verify_token.is_empty(),
                        "the verify token you type in the App Dashboard's webhook settings",
                    ),
                    (
                        "WA_PHONE_NUMBER_ID",
                        phone_number_id.is_empty(),
                        "the phone number ID, from WhatsApp > API Setup",
                    ),
                ] {
                    if missing {
                        env.problem(
                            name,
                            None,
                            format!(
                                "write {hint} (needed because WA_ACCESS_TOKEN is set; without it \
                                 loket runs the simulator)"
                            ),
                        );
                    }
                }
                graph_url_set.unwrap_or_else(|| DEFAULT_GRAPH_URL.into())
            }
            Mode::Simulator => {
                // The simulator signs and answers with these, so they only need to agree with
                // themselves; a real deployment always sets its own.
                if app_secret.is_empty() {
                    app_secret = Secret::new("loket-simulator-secret");
                }
                if verify_token.is_empty() {
                    verify_token = Secret::new("loket-simulator-verify");
                }
                if phone_number_id.is_empty() {
                    phone_number_id = "100000000000001".into();
                }
                let simulator = format!("http://{bind}/sim/graph/v25.0");
                match graph_url_set {
                    // Without a token nothing can be sent to Meta: every reply would fail and
                    // stay queued. The simulator is the Graph API in this mode.
                    Some(url) if !is_loopback_url(&url) => {
                        ignored.push(format!(
                            "WA_GRAPH_URL={url} is ignored: WA_ACCESS_TOKEN is empty, so loket \
                             runs the simulator and it answers the Graph API calls"
                        ));
                        simulator
                    }
                    Some(url) => url,
                    None => simulator,
                }
            }
        };
        let graph_url = graph_url.trim_end_matches('/').to_string();
        if !(graph_url.starts_with("http://") || graph_url.starts_with("https://")) {
            env.problem(
                "WA_GRAPH_URL",
                Some(graph_url.clone()),
                format!("write a URL starting with http:// or https://, e.g. {DEFAULT_GRAPH_URL}"),
            );
        }

        let discard_webhooks = env.read(
            "LOKET_DISCARD_WEBHOOKS",
            false,
            "leave it unset; only the value benchmark-only is accepted (it loses every message)",
            |v| (v == "benchmark-only").then_some(true),
        );
        let settings = Settings {
            lanes: env.positive("LOKET_LANES", 8, "8") as usize,
            discard_webhooks,
            mode,
            bind,
            data_dir,
            data_key,
            flows_dir,
            verify_token,
            app_secret,
            access_token,
            phone_number_id,
            graph_url,
            mark_read: env.flag("WA_MARK_READ", true),
            auto_manifests: env.flag("LOKET_AUTO_MANIFESTS", true),
            mail: {
                let security = env.read(
                    "LOKET_SMTP_SECURITY",
                    SmtpSecurity::StartTls,
                    "write starttls, tls or none",
                    |v| match v.to_ascii_lowercase().as_str() {
                        "starttls" => Some(SmtpSecurity::StartTls),
                        "tls" => Some(SmtpSecurity::Tls),
                        "none" => Some(SmtpSecurity::None),
                        _ => None,
                    },
                );
                let default_port = match security {
                    SmtpSecurity::Tls => 465,
                    _ => 587,
                };
                MailSettings {
                    smtp_host: env.get("LOKET_SMTP_HOST").map(|h| h.trim().to_string()),
                    smtp_port: env.read(
                        "LOKET_SMTP_PORT",
                        default_port,
                        "write a port number, e.g. 587",
                        |v| v.parse().ok().filter(|p| *p > 0),
                    ),
                    security,
                    user: env.get("LOKET_SMTP_USER"),
                    password: Secret::new(env.get("LOKET_SMTP_PASSWORD").unwrap_or_default()),
                    from: env.read(
                        "LOKET_MAIL_FROM",
                        "loket <loket@localhost>".to_string(),
                        "write an address, e.g. loket <loket@disdukcapil.example.go.id>",
                        |v| v.contains('@').then(|| v.to_string()),
                    ),
                    manifest_to: env.read(
                        "LOKET_MANIFEST_TO",
                        Vec::new(),
                        "write route=address,address;*=address, e.g. 63.71.05=kurir@pos.id;*=pos@pos.id",
                        parse_manifest_to,
                    ),
                    retry_after: env.millis("LOKET_MAIL_RETRY_MS", 30_000, "30000"),
                }
            },
            webhook_max_bytes: env.bytes("LOKET_WEBHOOK_MAX_BYTES", 3 * MB) as usize,
            webhook_budget_bytes: env.bytes("LOKET_WEBHOOK_BUDGET_BYTES", 32 * MB) as usize,
            body_timeout: Duration::from_millis(env.positive(
                "LOKET_BODY_TIMEOUT_MS",
                10_000,
                "10000",
            )),
            media_max_bytes: env.bytes("LOKET_MEDIA_MAX_BYTES", 16 * MB) as usize,
            send_rate_per_sec: u32::try_from(env.positive("WA_SEND_RATE", 80, "80"))
                .unwrap_or(u32::MAX),
            send_retry_for: Duration::from_secs(
                env.positive("WA_SEND_RETRY_HOURS", 24, "24")
                    .saturating_mul(3600),
            ),
            send_first_retry: env.millis("WA_SEND_FIRST_RETRY_MS", 1_000, "1000"),
            graph_timeout: Duration::from_millis(env.positive(
                "WA_GRAPH_TIMEOUT_MS",
                15_000,
                "15000",
            )),
            lane_debounce: env.millis("LOKET_LANE_DEBOUNCE_MS", 400, "400"),
            flood_after: u32::try_from(env.positive("LOKET_FLOOD_AFTER", 40, "40"))
                .unwrap_or(u32::MAX),
            flood_delay: env.millis("LOKET_FLOOD_DELAY_MS", 5_000, "5000"),
            trust_forwarded: env.flag("LOKET_TRUST_FORWARDED", false),
            job_interval: Duration::from_millis(env.positive(
                "LOKET_JOB_INTERVAL_MS",
                15_000,
                "15000",
            )),
            store_cache_bytes: env.bytes("LOKET_STORE_CACHE_BYTES", 16 * MB),
            store_flush_every_ms: env.whole("LOKET_STORE_FLUSH_EVERY_MS", 500, "500 (0 = off)"),
            session_length: Duration::from_secs(
                env.positive("LOKET_SESSION_HOURS", 12, "12")
                    .saturating_mul(3600),
            ),
            retention: crate::privacy::retention::RetentionPolicy {
                photo_days: u32::try_from(env.whole("LOKET_PHOTO_RETENTION_DAYS", 30, "30"))
                    .unwrap_or(u32::MAX),
                log_days: u32::try_from(env.positive("LOKET_LOG_RETENTION_DAYS", 90, "90"))
                    .unwrap_or(u32::MAX),
            },
            ignored,
        };
        if env.problems.is_empty() {
            Ok(settings)
        } else {
            Err(ConfigError {
                problems: env.problems,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn no_access_token_means_simulator_mode_with_working_defaults() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.mode, Mode::Simulator);
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.flows_dir, None, "the built-in flows");
        assert_eq!(s.graph_url, "http://127.0.0.1:8080/sim/graph/v25.0");
        assert!(!s.app_secret.is_empty());
        assert_eq!(s.webhook_max_bytes, 3 * 1024 * 1024);
        assert!(s.mark_read);
        assert!(s.ignored.is_empty());
    }

    #[test]
    fn a_copied_env_example_gives_a_working_simulator() {
        let example = include_str!("../.env.example");
        let map: HashMap<String, String> = example
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let s = Settings::from_lookup(|k| map.get(k).cloned()).unwrap();
        assert_eq!(s.mode, Mode::Simulator);
        assert_eq!(s.graph_url, "http://127.0.0.1:8080/sim/graph/v25.0");
        assert!(s.ignored.is_empty(), "{:?}", s.ignored);
    }

    #[test]
    fn simulator_mode_ignores_a_meta_graph_url_and_says_so() {
        let s = settings(&[("WA_GRAPH_URL", DEFAULT_GRAPH_URL)]).unwrap();
        assert_eq!(s.graph_url, "http://127.0.0.1:8080/sim/graph/v25.0");
        assert_eq!(s.ignored.len(), 1);
        assert!(s.ignored[0].contains("WA_GRAPH_URL"), "{:?}", s.ignored);
        // A loopback Graph stand-in is still honoured.
        let s = settings(&[("WA_GRAPH_URL", "http://127.0.0.1:9999/v25.0")]).unwrap();
        assert_eq!(s.graph_url, "http://127.0.0.1:9999/v25.0");
    }

    #[test]
    fn production_mode_names_every_missing_credential_at_once() {
        let err = settings(&[("WA_ACCESS_TOKEN", "tok")]).unwrap_err();
        let names: Vec<&str> = err.problems.iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "LOKET_DATA_KEY",
                "WA_APP_SECRET",
                "WA_VERIFY_TOKEN",
                "WA_PHONE_NUMBER_ID"
            ]
        );
        let text = err.to_string();
        assert!(text.starts_with("4 settings need a change:"), "{text}");
        assert!(text.contains("loket key new"), "{text}");
        // A key that is not one is named, and never repeated.
        let err = settings(&[("LOKET_DATA_KEY", "hunter2")]).unwrap_err();
        assert_eq!(err.problems[0].name, "LOKET_DATA_KEY");
        assert!(!err.to_string().contains("hunter2"));
        let s = settings(&[
            (
                "LOKET_DATA_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
            ("WA_ACCESS_TOKEN", "tok"),
            ("WA_APP_SECRET", "sec"),
            ("WA_VERIFY_TOKEN", "ver"),
            ("WA_PHONE_NUMBER_ID", "123"),
        ])
        .unwrap();
        assert_eq!(s.mode, Mode::Production);
        assert_eq!(s.graph_url, DEFAULT_GRAPH_URL);
    }

    #[test]
    fn sizes_take_units_and_a_bad_size_says_what_to_write() {
        let s = settings(&[("LOKET_WEBHOOK_MAX_BYTES", "3MB")]).unwrap();
        assert_eq!(s.webhook_max_bytes, 3 * 1024 * 1024);
        let s = settings(&[("LOKET_MEDIA_MAX_BYTES", "512 KB")]).unwrap();
        assert_eq!(s.media_max_bytes, 512 * 1024);
        let err = settings(&[("LOKET_WEBHOOK_MAX_BYTES", "3 megs")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "LOKET_WEBHOOK_MAX_BYTES=\"3 megs\": write a size in bytes (3145728) or with a unit: \
             KB or MB, e.g. 3MB (1 MB = 1,048,576 bytes)"
        );
        assert!(!err.contains("invalid digit"), "{err}");
    }

    #[test]
    fn bad_values_name_the_variable_and_every_one_is_reported() {
        let err = settings(&[
            ("WA_SEND_RATE", "0"),
            ("WA_MARK_READ", "maybe"),
            ("LOKET_LANE_DEBOUNCE_MS", "half a second"),
            ("LOKET_BIND", "8080"),
        ])
        .unwrap_err();
        let names: Vec<&str> = err.problems.iter().map(|p| p.name).collect();
        for name in [
            "WA_SEND_RATE",
            "WA_MARK_READ",
            "LOKET_LANE_DEBOUNCE_MS",
            "LOKET_BIND",
        ] {
            assert!(names.contains(&name), "{name} missing from {err}");
        }
        assert!(err.to_string().contains("greater than zero"), "{err}");
        assert!(err.to_string().contains("e.g. 127.0.0.1:8080"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = settings(&[("WA_APP_SECRET", "super-secret-value")]).unwrap();
        assert!(!format!("{s:?}").contains("super-secret-value"));
    }
}
