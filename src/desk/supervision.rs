//! What only supervisors do: accounts while loket runs, and the audit log (viewed and exported
//! as CSV; the export is itself audited).

use jiff::Timestamp;
use serde::Serialize;

use super::{DeskError, Result, accounts};
use crate::domain::account::{Account, AuditAction, AuditEntry, Role, Session};
use crate::store::Store;

/// An account as supervisors see it (never its password hash).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub locked_until: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> AccountView {
        AccountView {
            username: a.username.clone(),
            role: a.role,
            disabled: a.disabled,
            locked_until: a.locked_until,
            created_at: a.created_at,
        }
    }
}

fn supervisor(who: &Session) -> Result<()> {
    accounts::require(who, Role::Supervisor)
}

pub fn list_accounts(store: &Store, who: &Session) -> Result<Vec<AccountView>> {
    supervisor(who)?;
    Ok(store.accounts()?.iter().map(AccountView::from).collect())
}

pub fn create_account(
    store: &Store,
    who: &Session,
    username: &str,
    role: Role,
    password: &str,
    now: Timestamp,
) -> Result<AccountView> {
    supervisor(who)?;
    let account = accounts::add_account(store, &who.username, username, role, password, now)?;
    Ok(AccountView::from(&account))
}

pub fn set_disabled(
    store: &Store,
    who: &Session,
    username: &str,
    disabled: bool,
    now: Timestamp,
) -> Result<AccountView> {
    supervisor(who)?;
    if disabled && username == who.username {
        return Err(DeskError::Conflict(
            "you cannot disable your own account; ask another supervisor".into(),
        ));
    }
    let account = accounts::set_disabled(store, &who.username, username, disabled, now)?;
    Ok(AccountView::from(&account))
}

/// The audit log, newest first, at most `limit` entries.
pub fn audit(store: &Store, who: &Session, limit: usize) -> Result<Vec<AuditEntry>> {
    supervisor(who)?;
    let mut entries: Vec<AuditEntry> = store
        .audit()
        .map(|e| e.map(|(_, entry)| entry))
        .collect::<std::result::Result<_, _>>()?;
    entries.reverse();
    entries.truncate(limit);
    Ok(entries)
}

/// The whole audit log as CSV (oldest first); the export is recorded in the log.
pub fn audit_csv(store: &Store, who: &Session, now: Timestamp) -> Result<Vec<u8>> {
    supervisor(who)?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| DeskError::Invalid(format!("cannot write the CSV: {e}"));
    writer
        .write_record(["at", "actor", "action", "target", "photo", "detail"])
        .map_err(fail)?;
    for entry in store.audit() {
        let (_, e) = entry?;
        writer
            .write_record([
                e.at.to_string(),
                e.actor,
                e.action.id().to_string(),
                e.target.unwrap_or_default(),
                e.photo.unwrap_or_default(),
                e.detail.unwrap_or_default(),
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| DeskError::Invalid(format!("cannot write the CSV: {e}")))?;
    super::audit(
        store,
        now,
        &who.username,
        AuditAction::AuditExported,
        None,
        None,
    )?;
    Ok(bytes)
}
