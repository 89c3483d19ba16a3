//! For tests and benches that start a real `loket` on loopback.

use std::time::Duration;

/// A port free at this moment (the listener is dropped at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `/healthz` answers 200, failing after 10 s.
pub async fn wait_healthy(client: &reqwest::Client, port: u16) {
    for _ in 0..400 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("loket did not become healthy on port {port}");
}
