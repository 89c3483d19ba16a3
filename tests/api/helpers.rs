//! `spawn_app()`: the real application on a random loopback port with a temporary data folder,
//! talking to the Graph stand-in; and helpers that sign payloads the way Meta does.

use std::{sync::Arc, time::Duration};

use loket::{
    app::{AppOptions, Application},
    channel::signature,
    config::Settings,
    lane::Conversations,
    store::Store,
};

pub use loket_testkit::envelope::{fresh, message_body, message_body_to, now, text_body};
pub use loket_testkit::graph::{GraphStandIn, PHONE_NUMBER_ID, SECOND_PHONE_NUMBER_ID, TOKEN};

pub const APP_SECRET: &str = "test-app-secret";
pub const VERIFY_TOKEN: &str = "kia-bjm-verify-7f3e9c";

pub struct TestApp {
    pub address: String,
    pub graph: GraphStandIn,
    pub store: Store,
    pub client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: Option<tempfile::TempDir>,
}

#[derive(Default)]
pub struct Options {
    pub extra_env: Vec<(&'static str, String)>,
    pub data_dir: Option<std::path::PathBuf>,
    /// In place of the flow conversation (to make it fail, say).
    pub conversations: Option<Arc<dyn Conversations>>,
}

impl Options {
    /// Read receipts off, so the Graph stand-in sees only the replies.
    pub fn without_read_receipts() -> Options {
        Options {
            extra_env: vec![("WA_MARK_READ", "false".into())],
            ..Options::default()
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// Everything loket logs in this test binary (its debug level included), for the tests that
/// check what a log may never hold.
pub fn captured_log() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

fn log_buffer() -> &'static Arc<std::sync::Mutex<Vec<u8>>> {
    static BUFFER: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer: Arc<std::sync::Mutex<Vec<u8>>> = Arc::default();
        let sink = buffer.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("loket=debug"))
            .with_ansi(false)
            .with_writer(move || LogSink(sink.clone()))
            .try_init();
        buffer
    })
}

struct LogSink(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    log_buffer();
    let graph = GraphStandIn::start().await;
    let (dir, data_dir) = match options.data_dir {
        Some(path) => (None, path),
        None => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().to_path_buf();
            (Some(dir), path)
        }
    };
    let mut env: Vec<(&str, String)> = vec![
        ("LOKET_BIND", "127.0.0.1:0".into()),
        ("LOKET_DATA_DIR", data_dir.display().to_string()),
        ("WA_ACCESS_TOKEN", TOKEN.into()),
        ("LOKET_DATA_KEY", loket_testkit::DATA_KEY.into()),
        ("WA_APP_SECRET", APP_SECRET.into()),
        ("WA_VERIFY_TOKEN", VERIFY_TOKEN.into()),
        ("WA_PHONE_NUMBER_ID", PHONE_NUMBER_ID.into()),
        ("WA_GRAPH_URL", graph.base_url.clone()),
        ("LOKET_LANE_DEBOUNCE_MS", "150".into()),
        ("WA_SEND_RATE", "1000".into()),
        // Cards go out when a test sends them, not when the clock passes the morning.
        ("LOKET_AUTO_MANIFESTS", "false".into()),
    ];
    for (k, v) in options.extra_env {
        env.retain(|(name, _)| *name != k);
        env.push((k, v));
    }
    let settings =
        Settings::from_lookup(|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()))
            .unwrap();
    // A previous app on the same folder may still be letting go of sled's lock.
    let mut tries = 0;
    let app = loop {
        let app_options = AppOptions {
            conversations: options.conversations.clone(),
            ..AppOptions::default()
        };
        match Application::build_with(settings.clone(), app_options).await {
            Ok(app) => break app,
            Err(e)
                if tries < 50 && {
                    let e = format!("{e:#}");
                    e.contains("already using") || e.contains("lock")
                } =>
            {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e:#}"),
        }
    };
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store().clone();
    let handle = app.handle();
    let task = tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        graph,
        store,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            // actix closes idle connections after 5 s; reusing one at that very moment fails
            // the request (Meta would simply redeliver, a test would fail).
            .pool_idle_timeout(Duration::from_secs(3))
            .build()
            .unwrap(),
        handle,
        task,
        _dir: dir,
    }
}

impl TestApp {
    /// POSTs `body` signed with the app secret, as Meta does.
    pub async fn post_signed(&self, body: &[u8]) -> reqwest::Response {
        let header = signature::sign(APP_SECRET.as_bytes(), body);
        self.post_webhook(body, Some(&header)).await
    }

    pub async fn post_webhook(&self, body: &[u8], signature: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/webhook", self.address))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// Waits until `check` holds, failing the test after 15 s.
    pub async fn eventually<F: FnMut(&TestApp) -> bool>(&self, what: &str, mut check: F) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while !check(self) {
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "timed out waiting until {what}; Graph saw: {:#?}",
                    self.graph.sent()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Stops the app gracefully and waits for it to drain.
    pub async fn stop(self) -> Option<tempfile::TempDir> {
        self.handle.stop(true).await;
        self.task.await.unwrap().unwrap();
        self.graph.stop().await;
        self._dir
    }
}

impl TestApp {
    /// Waits for the application to stop on its own (as it does when its store fails), and
    /// returns how it ended and its data folder.
    #[allow(dead_code)]
    pub async fn ended_by_itself(
        self,
        within: Duration,
    ) -> (anyhow::Result<()>, Option<tempfile::TempDir>) {
        let ended = tokio::time::timeout(within, self.task)
            .await
            .expect("the application did not stop by itself")
            .unwrap();
        self.graph.stop().await;
        (ended, self._dir)
    }
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/wa/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}
