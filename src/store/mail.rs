//! The manifests' mail queue: one item per manifest, kept until the mail is out (and after,
//! as the record of when and how it went).

use serde::{Deserialize, Serialize};

use super::{Result, Store};

/// Where a manifest's mail stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MailState {
    /// To be sent at `next_at_ms` (at once for a new one).
    Waiting {
        next_at_ms: i64,
        #[serde(default)]
        last_error: Option<String>,
    },
    /// Accepted by the SMTP server.
    Sent { at_ms: i64, to: Vec<String> },
    /// No SMTP server configured: written as a file in the data folder's `mail/`.
    Written { at_ms: i64, path: String },
    /// Nobody to send it to (no `LOKET_MANIFEST_TO` for the route, no `*`): not retried.
    NoRecipient { at_ms: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MailItem {
    pub manifest: String,
    pub attempts: u32,
    #[serde(flatten)]
    pub state: MailState,
}

impl Store {
    /// Queues a manifest's mail unless it is queued already.
    pub fn queue_manifest_mail(&self, manifest: &str, now_ms: i64) -> Result<()> {
        let item = MailItem {
            manifest: manifest.to_string(),
            attempts: 0,
            state: MailState::Waiting {
                next_at_ms: now_ms,
                last_error: None,
            },
        };
        let _ = self.inner.mail.compare_and_swap(
            manifest.as_bytes(),
            None as Option<&[u8]>,
            Some(self.encode(&item)?),
        )?;
        Ok(())
    }

    pub fn mail_item(&self, manifest: &str) -> Result<Option<MailItem>> {
        self.inner
            .mail
            .get(manifest.as_bytes())?
            .map(|v| self.decode("mail item", &v))
            .transpose()
    }

    pub fn put_mail_item(&self, item: &MailItem) -> Result<()> {
        self.inner
            .mail
            .insert(item.manifest.as_bytes(), self.encode(item)?)?;
        Ok(())
    }

    /// Items waiting whose time has come.
    pub fn mail_due(&self, now_ms: i64) -> Result<Vec<MailItem>> {
        let mut due = Vec::new();
        for value in self.inner.mail.iter().values() {
            let item: MailItem = self.decode("mail item", &value?)?;
            if matches!(item.state, MailState::Waiting { next_at_ms, .. } if next_at_ms <= now_ms) {
                due.push(item);
            }
        }
        Ok(due)
    }

    /// Manifests filed without a mail item (a crash between the two): queued now.
    pub fn queue_missing_mail(&self, now_ms: i64) -> Result<usize> {
        let mut n = 0;
        for key in self.inner.manifests.iter().keys() {
            let key = key?;
            if !self.inner.mail.contains_key(&key)? {
                self.queue_manifest_mail(&String::from_utf8_lossy(&key), now_ms)?;
                n += 1;
            }
        }
        Ok(n)
    }
}
