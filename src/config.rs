//! Settings, read only from the environment (dotenvy loads `.env` first in `main`).
//! Every variable is documented with its default in `.env.example`.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use thiserror::Error;

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
    pub flows_dir: PathBuf,
    pub verify_token: Secret,
    pub app_secret: Secret,
    pub access_token: Secret,
    pub phone_number_id: String,
    /// Graph API base including the version, e.g. `https://graph.facebook.com/v25.0`.
    pub graph_url: String,
    pub mark_read: bool,
    pub webhook_max_bytes: usize,
    pub media_max_bytes: usize,
    /// Global cap on Graph sends per second.
    pub send_rate_per_sec: u32,
    pub send_max_attempts: u32,
    pub graph_timeout: Duration,
    /// How long a lane waits for more messages of the same sender before handling them together.
    pub lane_debounce: Duration,
    /// sled page cache size; sled's RSS grows well past it, so keep it small.
    pub store_cache_bytes: u64,
    /// Backstop for sled's own periodic flush (acknowledgement never relies on it).
    pub store_flush_every_ms: u64,
    /// Lanes handling messages at the same time. Processing faster than Meta lets us answer
    /// (80 messages/s) gains nothing; fewer lanes leave CPU and disk to acknowledging webhooks.
    pub lanes: usize,
    /// Benchmark only: acknowledge webhooks without storing them, to show what durability
    /// costs. Needs the exact value `benchmark-only`; never set it in a deployment.
    pub discard_webhooks: bool,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{name} has an invalid value {value:?}: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("{name} must be set when WA_ACCESS_TOKEN is set (production mode)")]
    Missing { name: &'static str },
}

/// Default Graph API base; a setting because Meta retires versions every two years.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com/v25.0";

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass a map instead of the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let access_token = Secret::new(get("WA_ACCESS_TOKEN").unwrap_or_default());
        let mode = if access_token.is_empty() {
            Mode::Simulator
        } else {
            Mode::Production
        };
        let bind = parse("LOKET_BIND", get("LOKET_BIND"), "127.0.0.1:8080")?;
        let data_dir = PathBuf::from(get("LOKET_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let flows_dir = PathBuf::from(get("LOKET_FLOWS_DIR").unwrap_or_else(|| "./flows".into()));

        let mut verify_token = Secret::new(get("WA_VERIFY_TOKEN").unwrap_or_default());
        let mut app_secret = Secret::new(get("WA_APP_SECRET").unwrap_or_default());
        let mut phone_number_id = get("WA_PHONE_NUMBER_ID").unwrap_or_default();
        let graph_url_set = get("WA_GRAPH_URL");
        let graph_url;
        match mode {
            Mode::Production => {
                for (name, value) in [
                    ("WA_APP_SECRET", app_secret.expose()),
                    ("WA_VERIFY_TOKEN", verify_token.expose()),
                    ("WA_PHONE_NUMBER_ID", phone_number_id.as_str()),
                ] {
                    if value.is_empty() {
                        return Err(ConfigError::Missing { name });
                    }
                }
                graph_url = graph_url_set.unwrap_or_else(|| DEFAULT_GRAPH_URL.into());
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
                graph_url =
                    graph_url_set.unwrap_or_else(|| format!("http://{bind}/sim/graph/v25.0"));
            }
        }
        let graph_url = graph_url.trim_end_matches('/').to_string();
        if !(graph_url.starts_with("http://") || graph_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: "WA_GRAPH_URL",
                value: graph_url,
                reason: "must start with http:// or https://".into(),
            });
        }

        let discard_webhooks = match get("LOKET_DISCARD_WEBHOOKS").as_deref() {
            None => false,
            Some("benchmark-only") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "LOKET_DISCARD_WEBHOOKS",
                    value: other.into(),
                    reason: "only the value benchmark-only is accepted (it loses every message)"
                        .into(),
                });
            }
        };
        Ok(Settings {
            lanes: positive("LOKET_LANES", get("LOKET_LANES"), "8")?,
            discard_webhooks,
            mode,
            bind,
            data_dir,
            flows_dir,
            verify_token,
            app_secret,
            access_token,
            phone_number_id,
            graph_url,
            mark_read: parse_bool("WA_MARK_READ", get("WA_MARK_READ"), true)?,
            webhook_max_bytes: parse(
                "LOKET_WEBHOOK_MAX_BYTES",
                get("LOKET_WEBHOOK_MAX_BYTES"),
                "3145728",
            )?,
            media_max_bytes: parse(
                "LOKET_MEDIA_MAX_BYTES",
                get("LOKET_MEDIA_MAX_BYTES"),
                "16777216",
            )?,
            send_rate_per_sec: positive("WA_SEND_RATE", get("WA_SEND_RATE"), "80")?,
            send_max_attempts: positive("WA_SEND_MAX_ATTEMPTS", get("WA_SEND_MAX_ATTEMPTS"), "8")?,
            graph_timeout: Duration::from_millis(positive(
                "WA_GRAPH_TIMEOUT_MS",
                get("WA_GRAPH_TIMEOUT_MS"),
                "15000",
            )?),
            lane_debounce: Duration::from_millis(parse(
                "LOKET_LANE_DEBOUNCE_MS",
                get("LOKET_LANE_DEBOUNCE_MS"),
                "400",
            )?),
            store_cache_bytes: parse(
                "LOKET_STORE_CACHE_BYTES",
                get("LOKET_STORE_CACHE_BYTES"),
                "16777216",
            )?,
            store_flush_every_ms: parse(
                "LOKET_STORE_FLUSH_EVERY_MS",
                get("LOKET_STORE_FLUSH_EVERY_MS"),
                "500",
            )?,
        })
    }
}

fn parse<T: std::str::FromStr>(
    name: &'static str,
    value: Option<String>,
    default: &str,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let raw = value.unwrap_or_else(|| default.to_string());
    raw.trim().parse::<T>().map_err(|e| ConfigError::Invalid {
        name,
        value: raw.clone(),
        reason: e.to_string(),
    })
}

fn positive<T>(name: &'static str, value: Option<String>, default: &str) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + Default + std::fmt::Display,
    T::Err: std::fmt::Display,
{
    let parsed: T = parse(name, value, default)?;
    if parsed <= T::default() {
        return Err(ConfigError::Invalid {
            name,
            value: parsed.to_string(),
            reason: "must be greater than zero".into(),
        });
    }
    Ok(parsed)
}

fn parse_bool(
    name: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(ConfigError::Invalid {
            name,
            value: v,
            reason: "expected true or false".into(),
        }),
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
        assert_eq!(s.graph_url, "http://127.0.0.1:8080/sim/graph/v25.0");
        assert!(!s.app_secret.is_empty());
        assert_eq!(s.webhook_max_bytes, 3 * 1024 * 1024);
        assert!(s.mark_read);
    }

    #[test]
    fn production_mode_requires_the_meta_credentials() {
        let err = settings(&[("WA_ACCESS_TOKEN", "tok")]).unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        let s = settings(&[
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
    fn bad_values_name_the_variable() {
        let err = settings(&[("WA_SEND_RATE", "0")]).unwrap_err().to_string();
        assert!(err.contains("WA_SEND_RATE"), "{err}");
        let err = settings(&[("WA_MARK_READ", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("WA_MARK_READ"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = settings(&[("WA_APP_SECRET", "super-secret-value")]).unwrap();
        assert!(!format!("{s:?}").contains("super-secret-value"));
    }
}
