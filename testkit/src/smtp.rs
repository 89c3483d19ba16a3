//! A real SMTP server for the tests: Debian's python3-aiosmtpd on a loopback port, keeping
//! every message it accepts in a maildir; and a reader that parses them back (with Python's
//! own e-mail parser) into subject, recipients, text and attachments.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python with python3-aiosmtpd (Debian's, not a pyenv one).
const PYTHON: &str = "/usr/bin/python3";

pub struct SmtpServer {
    pub port: u16,
    child: Option<Child>,
    dir: PathBuf,
}

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub subject: String,
    pub to: String,
    pub message_id: String,
    pub text: String,
    /// (file name, content type, bytes)
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl SmtpServer {
    /// Starts the server on `port`, keeping mail in the maildir `dir` (which it creates: give a
    /// path that does not exist yet; a restart on the same folder keeps what came before), and
    /// waits until it accepts connections.
    pub fn start(port: u16, dir: PathBuf) -> SmtpServer {
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd (installed by ./test.sh) starts");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the SMTP server did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            port,
            child: Some(child),
            dir,
        }
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let reader = concat!(env!("CARGO_MANIFEST_DIR"), "/src/smtp_sink.py");
        let out = Command::new(PYTHON)
            .arg(reader)
            .arg(&self.dir)
            .output()
            .expect("python3 reads the maildir");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                ReceivedMail {
                    subject: s("subject"),
                    to: s("to"),
                    message_id: s("message_id"),
                    text: s("text"),
                    attachments: v["attachments"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            let data = a["data"].as_str().unwrap_or_default();
                            (
                                a["filename"].as_str().unwrap_or_default().to_string(),
                                a["content_type"].as_str().unwrap_or_default().to_string(),
                                base64_decode(data),
                            )
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// Stops the server (an outage); the maildir stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64 from the reader")
}
