//! What operators watch: `GET /metrics` (Prometheus text format) and `GET /readyz`.
//!
//! Counters are recorded where things happen (webhooks, store flushes, the outbox, photo
//! checks); what is waiting (lanes, queues, requests by status, escalations, mail, memory) is
//! read at each scrape, so it is never stale. Nothing personal is a label.

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let handle = crate::telemetry::metrics();
    let state = state.clone();
    // The store's counts walk a few trees: off the request thread.
    match web::block(move || record_gauges(&state)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "some metrics could not be read"),
        Err(e) => tracing::warn!(error = %e, "some metrics could not be read"),
    }
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

fn record_gauges(state: &AppState) -> Result<(), crate::store::StoreError> {
    use metrics::gauge;
    gauge!("loket_lanes_active").set(state.runtime.active_lanes() as f64);
    gauge!("loket_webhook_budget_free_bytes").set(state.webhook_budget.available() as f64);
    if let Some(kib) = resident_kib() {
        gauge!("loket_process_resident_bytes").set((kib * 1024) as f64);
    }
    let backlog = state.store.backlog()?;
    gauge!("loket_pending_messages").set(backlog.pending_messages as f64);
    gauge!("loket_outbox_queued").set(backlog.outbox_queued as f64);
    gauge!("loket_mail_waiting").set(backlog.mail_waiting as f64);
    gauge!("loket_dead_letters").set(backlog.dead_letters as f64);
    gauge!("loket_store_disk_bytes").set(backlog.store_bytes as f64);
    for (status, count) in state.store.queue_counts()? {
        gauge!("loket_requests", "status" => status.id()).set(count as f64);
    }
    let escalations = state.store.open_escalations()?;
    let claimed = escalations
        .iter()
        .filter(|e| e.claimed_by.is_some())
        .count();
    gauge!("loket_escalations_open", "claimed" => "no").set((escalations.len() - claimed) as f64);
    gauge!("loket_escalations_open", "claimed" => "yes").set(claimed as f64);
    Ok(())
}

/// The resident memory of this process (Linux), in KiB.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Ready to take traffic: the workers run, the store takes a write and makes it durable, and the
/// data folder has room. A load balancer stops sending while this answers 503; `/healthz` says
/// whether the process should be restarted.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let workers = state.workers_running.load(Ordering::Relaxed);
    let store = state.store.probe_write().is_ok() && state.store.commit().await.is_ok();
    let free = free_bytes(state.store.dir());
    let room = free.is_none_or(|b| b >= MIN_FREE_BYTES);
    let ready = workers && store && room;
    let body = json!({
        "ready": ready,
        "workers": workers,
        "store_writable": store,
        "disk_free_bytes": free,
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(body)
    }
}

/// Below this, webhooks may soon fail to journal: not ready.
const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;

fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
        // SAFETY: `path` is a valid C string and `stat` is written by statvfs before it is read.
        let stat = unsafe {
            if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
                return None;
            }
            stat.assume_init()
        };
        Some(stat.f_bavail as u64 * stat.f_frsize as u64)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}
