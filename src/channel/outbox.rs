//! The outbox worker: sends what the store queued, in order per recipient, under a global rate
//! cap, retrying transient failures with backoff and jitter and recording permanent ones.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
    time::Duration,
};

use tokio::{
    sync::{Mutex, mpsc, watch},
    task::JoinSet,
    time::Instant,
};
use tracing::Instrument;

use super::graph::{GraphClient, GraphError, Outgoing, PAIR_RATE_CODE};
use crate::domain::event::DeliveryStatus;
use crate::store::{OutboxItem, OutboxOutcome, Store, StoredStatus};

const FULL_SCAN_EVERY: Duration = Duration::from_secs(60);

/// Local code for "not sent: the 24-hour window is closed" (Meta's own code for it).
pub const OUTSIDE_WINDOW_CODE: i64 = 131047;

#[derive(Debug, Clone)]
pub struct OutboxSettings {
    pub rate_per_sec: u32,
    /// How long a message is tried again after failures that may pass (Graph down, 5xx,
    /// throttling) before it is given up: an outage of minutes or hours loses nothing.
    pub retry_for: Duration,
    /// The first retry's delay; each next one doubles, to at most five minutes.
    pub first_retry: Duration,
    /// Sends in flight at once (to different recipients).
    pub concurrency: usize,
}

/// Paces sends to at most `rate` per second across all recipients.
struct Pacer {
    period: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    fn new(rate_per_sec: u32) -> Pacer {
        Pacer {
            period: Duration::from_secs(1) / rate_per_sec.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait_turn(&self) {
        let at = {
            let mut next = self.next.lock().await;
            let at = (*next).max(Instant::now());
            *next = at + self.period;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// Handle to wake the worker when new items are queued.
#[derive(Clone)]
pub struct OutboxHandle {
    tx: mpsc::UnboundedSender<Vec<u64>>,
}

impl OutboxHandle {
    pub fn queued(&self, ids: Vec<u64>) {
        if !ids.is_empty() {
            let _ = self.tx.send(ids);
        }
    }
}

pub struct OutboxWorker {
    store: Store,
    graph: GraphClient,
    settings: OutboxSettings,
    rx: mpsc::UnboundedReceiver<Vec<u64>>,
}

pub fn outbox(
    store: Store,
    graph: GraphClient,
    settings: OutboxSettings,
) -> (OutboxHandle, OutboxWorker) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        OutboxHandle { tx },
        OutboxWorker {
            store,
            graph,
            settings,
            rx,
        },
    )
}

/// Delay before attempt `attempt + 1`: exponential from 1 s, capped at 5 minutes, with jitter so
/// that many failed sends do not return at the same instant. The pair-rate limit (131056)
/// waits at least 6 s, growing.
fn backoff(attempt: u32, error: &GraphError, first: Duration) -> Duration {
    let first_ms = first.as_millis().max(1) as u64;
    let base_ms: u64 = if error.code() == Some(PAIR_RATE_CODE) {
        first_ms.saturating_mul(6)
    } else {
        first_ms
    };
    let exp = base_ms.saturating_mul(1u64 << attempt.min(10)).min(300_000);
    Duration::from_millis(exp / 2 + fastrand::u64(0..=exp / 2))
}

/// What the worker keeps in memory per queued message: the item itself stays in the store,
/// so a backlog during an outage costs little memory.
#[derive(Debug, Clone, Copy)]
struct Queued {
    id: u64,
    next_attempt_at_ms: i64,
}

struct Finished {
    id: u64,
    recipient: String,
    /// The item, rescheduled, if it must be tried again.
    retry: Option<Queued>,
}

impl OutboxWorker {
    /// Runs until `shutdown` turns true, then waits for sends in flight.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let pacer = Arc::new(Pacer::new(self.settings.rate_per_sec));
        let mut queues: HashMap<String, VecDeque<Queued>> = HashMap::new();
        let mut known: HashSet<u64> = HashSet::new();
        let mut in_flight: HashSet<String> = HashSet::new();
        let mut sends: JoinSet<Finished> = JoinSet::new();
        // Which send each task is, so a task that panicked still frees its recipient.
        let mut tasks: HashMap<tokio::task::Id, (String, u64)> = HashMap::new();
        let mut last_full_scan = Instant::now() - FULL_SCAN_EVERY * 2;

        loop {
            // A full scan at start and now and then catches anything a wake-up missed.
            // New items arrive through `queued`; this scan (at start, then rarely) is the
            // safety net. It keeps only ids and due times: a backlog after an outage can be
            // a hundred thousand items, and their payloads stay on disk.
            if last_full_scan.elapsed() > FULL_SCAN_EVERY {
                match self.store.outbox_index() {
                    Ok(index) => {
                        for (id, to, due) in index {
                            if !known.contains(&id) {
                                enqueue(&mut queues, &mut known, id, to, due);
                            }
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "cannot read the outbox"),
                }
                last_full_scan = Instant::now();
            }

            let now = jiff::Timestamp::now().as_millisecond();
            let mut next_due: Option<i64> = None;
            let mut ready = Vec::new();
            for (recipient, queue) in &queues {
                if in_flight.contains(recipient)
                    || in_flight.len() + ready.len() >= self.settings.concurrency
                {
                    continue;
                }
                if let Some(head) = queue.front() {
                    if head.next_attempt_at_ms <= now {
                        ready.push(recipient.clone());
                    } else {
                        next_due =
                            Some(next_due.map_or(head.next_attempt_at_ms, |d| {
                                d.min(head.next_attempt_at_ms)
                            }));
                    }
                }
            }
            for recipient in ready {
                let Some(queued) = queues.get_mut(&recipient).and_then(VecDeque::pop_front) else {
                    continue;
                };
                let item = match self.store.outbox_item(queued.id) {
                    Ok(Some(item)) => item,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::error!(error = %e, id = queued.id, "cannot read an outbox item");
                        continue;
                    }
                };
                in_flight.insert(recipient.clone());
                let (store, graph, pacer, max) = (
                    self.store.clone(),
                    self.graph.clone(),
                    pacer.clone(),
                    (self.settings.retry_for, self.settings.first_retry),
                );
                let span =
                    tracing::info_span!("outbox send", id = item.id, attempt = item.attempts + 1);
                let id = item.id;
                let task = sends.spawn(
                    async move {
                        let finished = send_one(store.clone(), graph, pacer, max, item).await;
                        // The outcome is durable before the slot frees: after a crash only the
                        // sends in flight can go out twice, not everything sent since the last
                        // background flush.
                        if let Err(e) = store.commit().await {
                            tracing::error!(error = %e, "cannot make a send's outcome durable");
                        }
                        finished
                    }
                    .instrument(span),
                );
                tasks.insert(task.id(), (recipient, id));
            }

            let sleep = match next_due {
                Some(at) => Duration::from_millis((at - now).clamp(1, 10_000) as u64),
                None => Duration::from_secs(10),
            };
            tokio::select! {
                ids = self.rx.recv() => match ids {
                    Some(ids) => self.take_new(ids, &mut queues, &mut known),
                    None => break,
                },
                Some(joined) = sends.join_next_with_id(), if !sends.is_empty() => match joined {
                    Ok((task, done)) => {
                        tasks.remove(&task);
                        in_flight.remove(&done.recipient);
                        if done.retry.is_none() {
                            known.remove(&done.id);
                        }
                        if let Some(item) = done.retry {
                            // Back at the head: later messages to this person wait for it.
                            queues.entry(done.recipient).or_default().push_front(item);
                        }
                    }
                    Err(failed) => {
                        // A bug, not a Graph answer: the item stays in the outbox, the next
                        // full scan queues it again, and the recipient's later messages go on.
                        if let Some((recipient, id)) = tasks.remove(&failed.id()) {
                            tracing::error!(error = %failed, id, "an outbox send task failed");
                            in_flight.remove(&recipient);
                            known.remove(&id);
                        }
                    }
                },
                _ = tokio::time::sleep(sleep) => {}
                _ = shutdown.changed() => break,
            }
            queues.retain(|_, q| !q.is_empty());
        }
        while sends.join_next().await.is_some() {}
    }

    fn take_new(
        &mut self,
        mut ids: Vec<u64>,
        queues: &mut HashMap<String, VecDeque<Queued>>,
        known: &mut HashSet<u64>,
    ) {
        while let Ok(more) = self.rx.try_recv() {
            ids.extend(more);
        }
        ids.sort_unstable();
        for id in ids {
            if known.contains(&id) {
                continue;
            }
            match self.store.outbox_item(id) {
                Ok(Some(item)) => enqueue(queues, known, item.id, item.to, item.next_attempt_at_ms),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, id, "cannot read an outbox item"),
            }
        }
    }
}

fn enqueue(
    queues: &mut HashMap<String, VecDeque<Queued>>,
    known: &mut HashSet<u64>,
    id: u64,
    to: String,
    next_attempt_at_ms: i64,
) {
    known.insert(id);
    let queue = queues.entry(to).or_default();
    // Keep id order even when a lane that took an earlier id committed later.
    let at = queue.iter().position(|q| q.id > id).unwrap_or(queue.len());
    queue.insert(
        at,
        Queued {
            id,
            next_attempt_at_ms,
        },
    );
}

async fn send_one(
    store: Store,
    graph: GraphClient,
    pacer: Arc<Pacer>,
    (retry_for, first_retry): (Duration, Duration),
    mut item: OutboxItem,
) -> Finished {
    let recipient = item.to.clone();
    let id = item.id;
    let message: Outgoing = item.payload.clone();
    if message.needs_window()
        && let Some(contact) = item.contact.and_then(|c| store.contact(c).ok().flatten())
    {
        let now = jiff::Timestamp::now().as_second();
        if !contact.window_open(now) {
            tracing::warn!(id = item.id, "not sent: the 24-hour window is closed");
            let reason =
                "the 24-hour customer-service window is closed; only a template may be sent".into();
            finish(
                &store,
                item,
                OutboxOutcome::Failed {
                    code: Some(OUTSIDE_WINDOW_CODE),
                    reason,
                },
            );
            return Finished {
                id,
                recipient,
                retry: None,
            };
        }
    }
    pacer.wait_turn().await;
    let opaque = format!("outbox:{}", item.id);
    let graph = graph.for_number(item.from.as_deref());
    match graph.send(&item.to, &message, Some(&opaque)).await {
        Ok(wamid) => {
            if let Some(wamid) = &wamid {
                let accepted = StoredStatus {
                    status: DeliveryStatus::Accepted,
                    timestamp: jiff::Timestamp::now().as_second(),
                    errors: Vec::new(),
                    outbox_id: Some(item.id),
                    recipient: Some(item.to.clone()),
                };
                if let Err(e) = store.merge_status(wamid, accepted) {
                    tracing::error!(error = %e, "cannot record a sent message's status");
                }
            }
            tracing::debug!(id = item.id, "sent");
            finish(&store, item, OutboxOutcome::Sent { wamid });
            Finished {
                id,
                recipient,
                retry: None,
            }
        }
        Err(error) => {
            item.attempts += 1;
            item.last_error = Some(error.to_string());
            let waited = jiff::Timestamp::now().as_millisecond() - item.created_at_ms;
            if error.is_transient() && waited < retry_for.as_millis() as i64 {
                let delay = backoff(item.attempts - 1, &error, first_retry);
                item.next_attempt_at_ms =
                    jiff::Timestamp::now().as_millisecond() + delay.as_millis() as i64;
                tracing::warn!(id = item.id, %error, retry_in_ms = delay.as_millis() as u64, "send failed, will retry");
                if let Err(e) = store.reschedule(&item) {
                    tracing::error!(error = %e, "cannot reschedule an outbox item");
                }
                let queued = Queued {
                    id: item.id,
                    next_attempt_at_ms: item.next_attempt_at_ms,
                };
                Finished {
                    id,
                    recipient,
                    retry: Some(queued),
                }
            } else {
                tracing::error!(id = item.id, %error, code = ?error.code(), "send failed for good");
                let outcome = OutboxOutcome::Failed {
                    code: error.code(),
                    reason: error.to_string(),
                };
                finish(&store, item, outcome);
                Finished {
                    id,
                    recipient,
                    retry: None,
                }
            }
        }
    }
}

fn finish(store: &Store, item: OutboxItem, outcome: OutboxOutcome) {
    match &outcome {
        OutboxOutcome::Sent { .. } => metrics::counter!("loket_outbox_sent_total").increment(1),
        OutboxOutcome::Failed { code, .. } => metrics::counter!(
            "loket_outbox_failed_total",
            "code" => code.map_or_else(|| "none".to_string(), |c| c.to_string())
        )
        .increment(1),
    }
    if let Err(e) = store.finish(item, outcome) {
        tracing::error!(error = %e, "cannot record an outbox outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_respects_the_pair_rate_floor() {
        let net = GraphError::Network("x".into());
        let pair = GraphError::Api {
            http_status: 400,
            code: PAIR_RATE_CODE,
            message: String::new(),
            details: None,
        };
        let first = Duration::from_secs(1);
        for attempt in 0..40 {
            let d = backoff(attempt, &net, first);
            assert!(d <= Duration::from_secs(300));
            assert!(backoff(attempt, &pair, first) >= Duration::from_secs(3));
        }
        assert!(backoff(5, &net, first) >= Duration::from_secs(16));
        // Past the doubling, an outage is probed every 2.5 to 5 minutes, for as long as the
        // retry period lasts.
        assert!(backoff(30, &net, first) >= Duration::from_secs(150));
    }
}
