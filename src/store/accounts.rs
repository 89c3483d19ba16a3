//! Accounts, sessions and the audit log: the desk's records.

use super::*;
use crate::domain::account::{Account, AuditEntry, Session};

impl Store {
    /// Adds an account unless one of that name exists (compare-and-swap: of two at once, one
    /// wins). Returns whether it was added.
    pub fn add_account(&self, account: &Account) -> Result<bool> {
        let added = self.inner.accounts.compare_and_swap(
            account.username.as_bytes(),
            None as Option<&[u8]>,
            Some(self.encode(account)?),
        )?;
        Ok(added.is_ok())
    }

    pub fn account(&self, username: &str) -> Result<Option<Account>> {
        match self.inner.accounts.get(username.as_bytes())? {
            Some(bytes) => self.decode("account", &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        self.inner
            .accounts
            .iter()
            .values()
            .map(|v| self.decode("account", &v?))
            .collect()
    }

    /// Changes one account atomically; `None` when there is no such account.
    pub fn update_account(
        &self,
        username: &str,
        change: impl Fn(Account) -> Account,
    ) -> Result<Option<Account>> {
        self.update(
            &self.inner.accounts,
            "account",
            username.as_bytes(),
            |old: Option<Account>| old.map(&change),
        )
    }

    /// Stores a session under its token's hash (the caller hashes).
    pub fn put_session(&self, token_hash: &str, session: &Session) -> Result<()> {
        self.inner
            .sessions
            .insert(token_hash.as_bytes(), self.encode(session)?)?;
        Ok(())
    }

    pub fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        match self.inner.sessions.get(token_hash.as_bytes())? {
            Some(bytes) => self.decode("session", &bytes).map(Some),
            None => Ok(None),
        }
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.inner.sessions.remove(token_hash.as_bytes())?;
        Ok(())
    }

    /// Ends every session of one account (disabled, or its password changed).
    pub fn delete_sessions_of(&self, username: &str) -> Result<usize> {
        let mut ended = 0;
        for item in self.inner.sessions.iter() {
            let (key, value) = item?;
            let session: Session = self.decode("session", &value)?;
            if session.username == username {
                self.inner.sessions.remove(key)?;
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Forgets sessions that have expired; returns how many.
    pub fn purge_sessions(&self, now: jiff::Timestamp) -> Result<usize> {
        let mut purged = 0;
        for item in self.inner.sessions.iter() {
            let (key, value) = item?;
            // An unreadable session opens nothing: it goes too.
            let expired = self
                .decode::<Session>("session", &value)
                .map_or(true, |s| s.expires_at <= now);
            if expired {
                self.inner.sessions.remove(key)?;
                purged += 1;
            }
        }
        Ok(purged)
    }

    /// Usernames with a live session: the officers on shift.
    pub fn signed_in_accounts(
        &self,
        now: jiff::Timestamp,
    ) -> Result<std::collections::BTreeSet<String>> {
        let mut names = std::collections::BTreeSet::new();
        for value in self.inner.sessions.iter().values() {
            // An unreadable session opens nothing; it is purged with the expired ones.
            if let Ok(session) = self.decode::<Session>("session", &value?)
                && session.expires_at > now
            {
                names.insert(session.username);
            }
        }
        Ok(names)
    }

    /// The officer auto-assignment gave an escalation to last (round robin).
    pub fn last_assigned(&self) -> Result<Option<String>> {
        Ok(self
            .inner
            .desk_state
            .get(b"last_assigned")?
            .map(|v| String::from_utf8_lossy(&v).to_string()))
    }

    pub fn set_last_assigned(&self, username: &str) -> Result<()> {
        self.inner
            .desk_state
            .insert(b"last_assigned", username.as_bytes())?;
        Ok(())
    }

    /// Appends to the audit log; entries are never changed or removed.
    pub fn append_audit(&self, entry: &AuditEntry) -> Result<u64> {
        let seq = self.inner.db.generate_id()?;
        self.inner
            .audit
            .insert(seq.to_be_bytes(), self.encode(entry)?)?;
        Ok(seq)
    }

    /// The audit log, oldest first.
    pub fn audit(&self) -> impl Iterator<Item = Result<(u64, AuditEntry)>> + '_ {
        self.inner.audit.iter().map(|item| {
            let (key, value) = item?;
            Ok((u64_from_key(&key), self.decode("audit entry", &value)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::{AuditAction, Role};

    fn account(name: &str) -> Account {
        Account {
            username: name.into(),
            role: Role::Officer,
            password_hash: "$argon2id$v=19$x".into(),
            disabled: false,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            failed_logins: 0,
            locked_until: None,
        }
    }

    #[tokio::test]
    async fn an_account_name_is_taken_once_and_sessions_expire() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        assert!(store.add_account(&account("siti")).unwrap());
        assert!(!store.add_account(&account("siti")).unwrap(), "taken");
        let locked = store
            .update_account("siti", |mut a| {
                a.failed_logins = 5;
                a
            })
            .unwrap()
            .unwrap();
        assert_eq!(locked.failed_logins, 5);
        assert_eq!(store.update_account("nobody", |a| a).unwrap(), None);

        let now = jiff::Timestamp::from_second(1_764_000_000).unwrap();
        let session = |expires: i64| Session {
            username: "siti".into(),
            role: Role::Officer,
            created_at: now,
            expires_at: jiff::Timestamp::from_second(expires).unwrap(),
            csrf: "c".into(),
        };
        store.put_session("old", &session(1_763_999_999)).unwrap();
        store.put_session("new", &session(1_764_000_600)).unwrap();
        assert_eq!(store.purge_sessions(now).unwrap(), 1);
        assert!(store.session("old").unwrap().is_none());
        assert!(store.session("new").unwrap().is_some());
        assert_eq!(store.delete_sessions_of("siti").unwrap(), 1);

        let entry = AuditEntry {
            at: now,
            actor: "siti".into(),
            action: AuditAction::Login,
            target: None,
            photo: None,
            detail: None,
        };
        store.append_audit(&entry).unwrap();
        store.append_audit(&entry).unwrap();
        let log: Vec<_> = store.audit().collect::<Result<_>>().unwrap();
        assert_eq!(log.len(), 2);
        assert!(log[0].0 < log[1].0, "in order");
    }
}
