//! Accounts and sign-in: argon2id password hashes, sessions kept by the hash of a random token,
//! a lock after repeated failures, and every sign-in and account change in the audit log.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use super::{DeskError, Result, audit};
use crate::domain::account::{
    Account, AuditAction, MIN_PASSWORD_CHARS, Role, Session, valid_username,
};
use crate::store::Store;

/// How sign-in behaves (settings).
#[derive(Debug, Clone, Copy)]
pub struct SignInPolicy {
    /// How long a session lasts.
    pub session_length: SignedDuration,
    /// Failed sign-ins in a row before the account is locked.
    pub max_failures: u32,
    pub lock_length: SignedDuration,
}

impl Default for SignInPolicy {
    fn default() -> SignInPolicy {
        SignInPolicy {
            session_length: SignedDuration::from_hours(12),
            max_failures: 5,
            lock_length: SignedDuration::from_mins(15),
        }
    }
}

/// A new session: the token is given to the person once and never stored.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: Session,
}

/// An argon2id hash of a password, as a PHC string with a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DeskError::Invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| DeskError::Invalid(format!("cannot hash the password: {e}")))
}

fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash nobody's password matches, verified for unknown names so that a wrong name takes as
/// long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(random_token().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// 32 random bytes, URL-safe base64: a session token, a CSRF value.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps a session under.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates an account (`actor` is the supervisor, or `cli` for `loket user add`).
pub fn add_account(
    store: &Store,
    actor: &str,
    username: &str,
    role: Role,
    password: &str,
    now: Timestamp,
) -> Result<Account> {
    if !valid_username(username) {
        return Err(DeskError::Invalid(
            "a username is 3 to 32 lower case letters, digits, '.', '_' or '-'".into(),
        ));
    }
    let account = Account {
        username: username.to_string(),
        role,
        password_hash: hash_password(password)?,
        disabled: false,
        created_at: now,
        failed_logins: 0,
        locked_until: None,
    };
    if !store.add_account(&account)? {
        return Err(DeskError::Conflict(format!(
            "an account named {username} already exists"
        )));
    }
    audit(
        store,
        now,
        actor,
        AuditAction::AccountCreated,
        Some(username),
        Some(role.id().to_string()),
    )?;
    Ok(account)
}

/// Disables or enables an account; disabling ends its sessions at once.
pub fn set_disabled(
    store: &Store,
    actor: &str,
    username: &str,
    disabled: bool,
    now: Timestamp,
) -> Result<Account> {
    let account = store
        .update_account(username, |mut a| {
            a.disabled = disabled;
            a
        })?
        .ok_or(DeskError::NotFound("account"))?;
    if disabled {
        store.delete_sessions_of(username)?;
    }
    let action = if disabled {
        AuditAction::AccountDisabled
    } else {
        AuditAction::AccountEnabled
    };
    audit(store, now, actor, action, Some(username), None)?;
    Ok(account)
}

/// Checks a name and password and opens a session. After `max_failures` wrong passwords in a
/// row the account is locked for `lock_length`, whatever is typed meanwhile.
pub fn sign_in(
    store: &Store,
    policy: &SignInPolicy,
    username: &str,
    password: &str,
    now: Timestamp,
) -> Result<SignedIn> {
    let Some(account) = store.account(username)? else {
        let _ = password_matches(decoy_hash(), password);
        audit(
            store,
            now,
            username,
            AuditAction::LoginFailed,
            None,
            Some("unknown account".into()),
        )?;
        return Err(DeskError::BadCredentials);
    };
    if let Some(until) = account.locked_until.filter(|until| *until > now) {
        audit(store, now, username, AuditAction::LoginLocked, None, None)?;
        return Err(DeskError::Locked { until });
    }
    if !password_matches(&account.password_hash, password) {
        let max = policy.max_failures;
        let lock_until = now.checked_add(policy.lock_length).unwrap_or(now);
        let updated = store.update_account(username, |mut a| {
            a.failed_logins = a.failed_logins.saturating_add(1);
            if a.failed_logins >= max {
                a.failed_logins = 0;
                a.locked_until = Some(lock_until);
            }
            a
        })?;
        audit(store, now, username, AuditAction::LoginFailed, None, None)?;
        if let Some(until) = updated.and_then(|a| a.locked_until).filter(|u| *u > now) {
            return Err(DeskError::Locked { until });
        }
        return Err(DeskError::BadCredentials);
    }
    if account.disabled {
        audit(
            store,
            now,
            username,
            AuditAction::LoginFailed,
            None,
            Some("disabled".into()),
        )?;
        return Err(DeskError::BadCredentials);
    }
    store.update_account(username, |mut a| {
        a.failed_logins = 0;
        a.locked_until = None;
        a
    })?;
    let token = random_token();
    let session = Session {
        username: account.username.clone(),
        role: account.role,
        created_at: now,
        expires_at: now.checked_add(policy.session_length).unwrap_or(now),
        csrf: random_token(),
    };
    store.put_session(&token_hash(&token), &session)?;
    audit(store, now, username, AuditAction::Login, None, None)?;
    Ok(SignedIn { token, session })
}

/// The session a token opens, if it has not expired.
pub fn session(store: &Store, token: &str, now: Timestamp) -> Result<Session> {
    match store.session(&token_hash(token))? {
        Some(session) if session.expires_at > now => Ok(session),
        Some(_) => {
            store.delete_session(&token_hash(token))?;
            Err(DeskError::SignedOut)
        }
        None => Err(DeskError::SignedOut),
    }
}

pub fn sign_out(store: &Store, token: &str, now: Timestamp) -> Result<()> {
    if let Some(session) = store.session(&token_hash(token))? {
        store.delete_session(&token_hash(token))?;
        audit(
            store,
            now,
            &session.username,
            AuditAction::Logout,
            None,
            None,
        )?;
    }
    Ok(())
}

/// Refuses a session without the role.
pub fn require(session: &Session, needed: Role) -> Result<()> {
    if session.role.includes(needed) {
        Ok(())
    } else {
        Err(DeskError::Forbidden { needed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_764_000_000 + minutes * 60).unwrap()
    }

    #[tokio::test]
    async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let policy = SignInPolicy::default();
        add_account(
            &store,
            "cli",
            "siti",
            Role::Officer,
            "rahasia-siti-1",
            at(0),
        )
        .unwrap();
        assert!(matches!(
            add_account(
                &store,
                "cli",
                "siti",
                Role::Officer,
                "rahasia-siti-1",
                at(0)
            ),
            Err(DeskError::Conflict(_))
        ));
        assert!(matches!(
            add_account(&store, "cli", "budi", Role::Officer, "pendek", at(0)),
            Err(DeskError::Invalid(_))
        ));

        let signed = sign_in(&store, &policy, "siti", "rahasia-siti-1", at(1)).unwrap();
        assert_eq!(
            session(&store, &signed.token, at(2)).unwrap().username,
            "siti"
        );
        assert!(
            store.session(&signed.token).unwrap().is_none(),
            "the token itself is not a key"
        );
        for _ in 0..4 {
            assert!(matches!(
                sign_in(&store, &policy, "siti", "salah", at(3)),
                Err(DeskError::BadCredentials)
            ));
        }
        assert!(matches!(
            sign_in(&store, &policy, "siti", "salah", at(3)),
            Err(DeskError::Locked { .. })
        ));
        // Locked: even the right password waits.
        assert!(matches!(
            sign_in(&store, &policy, "siti", "rahasia-siti-1", at(10)),
            Err(DeskError::Locked { .. })
        ));
        assert!(sign_in(&store, &policy, "siti", "rahasia-siti-1", at(19)).is_ok());
        assert!(matches!(
            sign_in(&store, &policy, "nobody", "rahasia-siti-1", at(19)),
            Err(DeskError::BadCredentials)
        ));

        // Expired sessions open nothing; a disabled account's sessions end at once.
        assert!(matches!(
            session(&store, &signed.token, at(13 * 60)),
            Err(DeskError::SignedOut)
        ));
        let again = sign_in(&store, &policy, "siti", "rahasia-siti-1", at(20)).unwrap();
        set_disabled(&store, "kepala", "siti", true, at(21)).unwrap();
        assert!(matches!(
            session(&store, &again.token, at(22)),
            Err(DeskError::SignedOut)
        ));
        assert!(matches!(
            sign_in(&store, &policy, "siti", "rahasia-siti-1", at(23)),
            Err(DeskError::BadCredentials)
        ));
        let actions: Vec<AuditAction> = store.audit().map(|e| e.unwrap().1.action).collect();
        assert!(actions.contains(&AuditAction::LoginLocked));
        assert!(actions.contains(&AuditAction::AccountDisabled));
        assert_eq!(actions[0], AuditAction::AccountCreated);
    }

    #[test]
    fn roles_are_checked_with_a_supervisor_counting_as_an_officer() {
        let session = |role| Session {
            username: "x".into(),
            role,
            created_at: at(0),
            expires_at: at(1),
            csrf: String::new(),
        };
        assert!(require(&session(Role::Supervisor), Role::Officer).is_ok());
        assert!(matches!(
            require(&session(Role::Courier), Role::Officer),
            Err(DeskError::Forbidden { .. })
        ));
    }
}
