//! The edge to e-mail: each manifest goes to its route's courier with its CSV and PDF
//! attached, over SMTP (STARTTLS or TLS through rustls), or as an `.eml` file in the data
//! folder when no SMTP server is configured. Sends come from the store's mail queue, so a
//! manifest is never lost: a failed send waits and is tried again, however long the server is
//! down.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

use crate::config::{MailSettings, SmtpSecurity};
use crate::domain::manifest::{Manifest, to_csv};
use crate::store::{MailItem, MailState, Store};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("LOKET_MAIL_FROM is not an address: {0}")]
    From(String),
    #[error("cannot reach the SMTP server {host}: {reason}")]
    Server { host: String, reason: String },
    #[error("cannot compose the mail: {0}")]
    Compose(String),
    #[error("cannot write {path}: {reason}")]
    File { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

pub struct Mailer {
    settings: MailSettings,
    from: Mailbox,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    /// Where `.eml` files go without an SMTP server.
    dir: PathBuf,
}

impl Mailer {
    pub fn new(settings: &MailSettings, data_dir: &Path) -> Result<Mailer, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| MailError::From(format!("{}: {e}", settings.from)))?;
        let transport = match &settings.smtp_host {
            None => None,
            Some(host) => {
                let server = |e: lettre::transport::smtp::Error| MailError::Server {
                    host: host.clone(),
                    reason: e.to_string(),
                };
                let builder = match settings.security {
                    SmtpSecurity::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                            .map_err(server)?
                    }
                    SmtpSecurity::Tls => {
                        AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(server)?
                    }
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
                    }
                };
                let mut builder = builder
                    .port(settings.smtp_port)
                    .timeout(Some(Duration::from_secs(30)));
                if let Some(user) = &settings.user {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        settings.password.expose().to_string(),
                    ));
                }
                Some(builder.build())
            }
        };
        Ok(Mailer {
            settings: settings.clone(),
            from,
            transport,
            dir: data_dir.join("mail"),
        })
    }

    /// The mail of a manifest: a short text in Indonesian and English, the CSV and the PDF.
    /// Its Message-ID names the manifest, so a copy sent twice (a crash between the server's
    /// acceptance and our record of it) is recognisable as the same mail.
    pub fn compose(&self, manifest: &Manifest, to: &[Mailbox]) -> Result<Message, MailError> {
        let compose = |e: String| MailError::Compose(e);
        let csv = to_csv(manifest).map_err(|e| compose(e.to_string()))?;
        let pdf = crate::delivery::pdf::render(manifest).map_err(|e| compose(e.to_string()))?;
        let date = manifest.date.strftime("%d-%m-%Y").to_string();
        let subject = format!(
            "{} {} — {}, {date} ({} kiriman, COD {})",
            manifest.title(),
            manifest.number,
            manifest.route_name,
            manifest.lines.len(),
            manifest.total_cod()
        );
        let body = format!(
            "Yth. petugas {route},\n\nTerlampir {title} nomor {number} tanggal {date}: {n} kiriman, \
             total COD {cod}. Berkas CSV dan PDF (untuk dicetak) terlampir.\n\nKode serah terima \
             hanya diketahui penerima: kartu diserahkan setelah penerima menyebutkan kodenya.\n\n\
             ---\n\nAttached: manifest {number} of {date}, {n} cards, COD {cod} in total, as CSV \
             and as PDF. Hand a card over only against the recipient's hand-over code.\n\n{office}\n",
            route = manifest.route_name,
            title = manifest.title().to_lowercase(),
            number = manifest.number,
            n = manifest.lines.len(),
            cod = manifest.total_cod(),
            office = manifest.office,
        );
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(Some(format!("<{}@loket>", manifest.number)));
        for mailbox in to {
            builder = builder.to(mailbox.clone());
        }
        let csv_type =
            ContentType::parse("text/csv; charset=utf-8").map_err(|e| compose(e.to_string()))?;
        let pdf_type = ContentType::parse("application/pdf").map_err(|e| compose(e.to_string()))?;
        builder
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body))
                    .singlepart(
                        Attachment::new(format!("{}.csv", manifest.number)).body(csv, csv_type),
                    )
                    .singlepart(
                        Attachment::new(format!("{}.pdf", manifest.number)).body(pdf, pdf_type),
                    ),
            )
            .map_err(|e| compose(e.to_string()))
    }

    /// Sends every mail whose time has come. Returns how many went out.
    pub async fn send_due(&self, store: &Store) -> Result<usize, MailError> {
        let now_ms = jiff::Timestamp::now().as_millisecond();
        let mut sent = 0;
        for item in store.mail_due(now_ms)? {
            let span = tracing::info_span!("mail", manifest = %item.manifest);
            let went =
                tracing::Instrument::instrument(self.send_one(store, item, now_ms), span).await?;
            sent += usize::from(went);
        }
        Ok(sent)
    }

    async fn send_one(
        &self,
        store: &Store,
        mut item: MailItem,
        now_ms: i64,
    ) -> Result<bool, MailError> {
        let Some(manifest) = store.manifest(&item.manifest)? else {
            tracing::error!("a mail for a manifest that does not exist");
            item.state = MailState::NoRecipient { at_ms: now_ms };
            store.put_mail_item(&item)?;
            return Ok(false);
        };
        let addresses = self.settings.recipients(&manifest.route);
        let mut to: Vec<Mailbox> = addresses.iter().filter_map(|a| a.parse().ok()).collect();
        item.attempts += 1;
        let outcome = match &self.transport {
            Some(_) if to.is_empty() => {
                tracing::warn!(route = %manifest.route, "no LOKET_MANIFEST_TO for this route: the manifest is not mailed");
                MailState::NoRecipient { at_ms: now_ms }
            }
            Some(transport) => {
                let message = self.compose(&manifest, &to)?;
                match transport.send(message).await {
                    Ok(_) => {
                        tracing::info!(to = ?addresses, "manifest mailed");
                        MailState::Sent {
                            at_ms: now_ms,
                            to: addresses.clone(),
                        }
                    }
                    Err(e) => {
                        let wait = self.retry_wait(item.attempts);
                        tracing::warn!(error = %e, attempt = item.attempts, retry_in_ms = wait.as_millis() as u64, "the manifest's mail failed; it waits and is tried again");
                        MailState::Waiting {
                            next_at_ms: now_ms + wait.as_millis() as i64,
                            last_error: Some(e.to_string()),
                        }
                    }
                }
            }
            None => {
                // No server: the office's own address gets it, as a file to open or forward.
                if to.is_empty() {
                    to.push(self.from.clone());
                }
                let message = self.compose(&manifest, &to)?;
                let path = self.dir.join(format!("{}.eml", manifest.number));
                write_file(&path, &message.formatted()).await?;
                tracing::info!(path = %path.display(), "no SMTP server: manifest written as a mail file");
                MailState::Written {
                    at_ms: now_ms,
                    path: path.display().to_string(),
                }
            }
        };
        let went = !matches!(outcome, MailState::Waiting { .. });
        item.state = outcome;
        store.put_mail_item(&item)?;
        // Recorded durably at once: a send the server accepted is not sent again.
        store.commit().await?;
        Ok(went)
    }

    fn retry_wait(&self, attempts: u32) -> Duration {
        let doubled = self
            .settings
            .retry_after
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(16));
        doubled.min(Duration::from_secs(15 * 60))
    }
}

async fn write_file(path: &Path, bytes: &[u8]) -> Result<(), MailError> {
    let file = |e: std::io::Error| MailError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(file)?;
        // Manifests name families and their addresses.
        crate::store::private_dir(dir).map_err(file)?;
    }
    // Written whole, then renamed: a reader never sees half a mail.
    let partial = path.with_extension("eml.partial");
    tokio::fs::write(&partial, bytes).await.map_err(file)?;
    tokio::fs::rename(&partial, path).await.map_err(file)
}

/// The mail worker: every second, what is due goes out.
pub async fn run(mailer: Mailer, store: Store, mut shutdown: watch::Receiver<bool>) {
    match store.queue_missing_mail(jiff::Timestamp::now().as_millisecond()) {
        Ok(0) => {}
        Ok(n) => tracing::warn!(manifests = n, "manifests without a mail: queued now"),
        Err(e) => tracing::error!(error = %e, "cannot check the mail queue"),
    }
    loop {
        if let Err(e) = mailer.send_due(&store).await {
            tracing::error!(error = %e, "the mail queue failed; it tries again");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
