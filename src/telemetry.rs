//! Logging setup, and masking of personal data in logs.

use tracing_subscriber::{EnvFilter, fmt};

/// Logs to stderr, filtered by `RUST_LOG` (default `info`, without actix's start-up chatter),
/// coloured only on a terminal; one JSON object per line with `LOKET_LOG_FORMAT=json` (for a
/// log collector). Safe to call more than once.
pub fn init() {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    if std::env::var("LOKET_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        let _ = fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .log_internal_errors(false)
            .with_writer(std::io::stderr)
            .try_init();
        return;
    }
    let _ = fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        // A log line that cannot be written (stderr closed: `loket | head`, a journal restart)
        // is dropped. Reporting it would `eprintln!` to the same closed stderr, which panics,
        // and a panic in the signal task would leave loket unable to stop.
        .log_internal_errors(false)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The process's metrics recorder (Prometheus text format), installed on first use. One per
/// process: every loket in a test process shares it.
pub fn metrics() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("loket_store_flush_seconds".into()),
                &[
                    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics shows loket's alone");
        }
        handle
    })
}

/// Keeps the first `keep_start` and last `keep_end` characters: `6371********0001`.
pub fn mask(value: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..keep_start].iter().collect();
    out.push_str(&"*".repeat(chars.len() - keep_start - keep_end));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn masking_keeps_only_the_ends() {
        assert_eq!(super::mask("6371010101010001", 4, 4), "6371********0001");
        assert_eq!(super::mask("123", 4, 4), "***");
    }
}
