//! Posting signed webhooks to loket's front door, one at a time and in order, from a thread of
//! its own: the page's request returns at once, the order of events for one chat is the order
//! in which they happened, and the sender works whatever runtime (or none) built the simulator.

use std::{
    sync::Weak,
    time::{Duration, Instant},
};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::Inner;
use crate::channel::signature;

/// One webhook POST.
#[derive(Debug)]
pub(crate) struct Delivery {
    /// The exact bytes that are signed and sent.
    pub body: Vec<u8>,
    /// The parent's message this webhook carries, to tick or fail it: (phone, position).
    pub track: Option<(String, usize)>,
    /// Not before this instant (a `sent` status comes a moment after the send call returns).
    pub not_before: Option<Instant>,
}

/// Backoff between attempts; Meta retries for days, the simulator gives up after a few seconds
/// so that the page can show the failure.
const RETRY_DELAYS_MS: [u64; 3] = [300, 1000, 3000];

pub(crate) fn start(
    webhook_url: String,
    app_secret: Vec<u8>,
    sim: Weak<Inner>,
) -> std::io::Result<UnboundedSender<Delivery>> {
    let (tx, rx) = unbounded_channel();
    std::thread::Builder::new()
        .name("sim-webhooks".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    tracing::error!(error = %e, "simulator: cannot start the webhook sender");
                    return;
                }
            };
            runtime.block_on(run(webhook_url, app_secret, rx, sim));
        })?;
    Ok(tx)
}

async fn run(url: String, secret: Vec<u8>, mut rx: UnboundedReceiver<Delivery>, sim: Weak<Inner>) {
    let client = match reqwest::Client::builder()
        .user_agent("facebookexternalua")
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(3))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "simulator: cannot build the webhook HTTP client");
            return;
        }
    };
    // Ends when the simulator is dropped (its sender goes with it).
    while let Some(delivery) = rx.recv().await {
        if let Some(at) = delivery.not_before {
            tokio::time::sleep_until(at.into()).await;
        }
        let result = post(&client, &url, &secret, &delivery.body).await;
        if let Err(error) = &result {
            tracing::warn!(%error, "simulator: loket did not accept a webhook");
        }
        match sim.upgrade() {
            Some(inner) => inner.webhook_done(delivery.track, result),
            None => return,
        }
    }
}

/// POSTs with retries on network trouble and 5xx/429; other answers are final.
async fn post(
    client: &reqwest::Client,
    url: &str,
    secret: &[u8],
    body: &[u8],
) -> Result<(), String> {
    let header = signature::sign(secret, body);
    let mut attempt = 0;
    loop {
        let outcome = client
            .post(url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", &header)
            .body(body.to_vec())
            .send()
            .await;
        let (error, retry) = match outcome {
            Ok(response) if response.status().as_u16() == 200 => return Ok(()),
            Ok(response) => {
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                let text: String = text.chars().take(200).collect();
                (
                    format!("loket menjawab HTTP {status}: {text}"),
                    status >= 500 || status == 429,
                )
            }
            Err(e) => (format!("loket tidak terjangkau: {}", e.without_url()), true),
        };
        match RETRY_DELAYS_MS.get(attempt) {
            Some(ms) if retry => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(*ms)).await;
            }
            _ => return Err(error),
        }
    }
}
