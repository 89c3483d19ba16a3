//! Delivery tasks and their steps. A step is checked here, so a person gets a clear answer at
//! once, then queued to the parent's lane, which applies it to the task in the same commit as
//! the request's new status and the message to the parent.

use jiff::Timestamp;

use super::{DeskError, Result};
use crate::domain::account::{AuditAction, Role, Session};
use crate::domain::contact::ContactId;
use crate::domain::delivery::{
    DeliveryAction, DeliveryKind, DeliveryPolicy, DeliveryTask, FailReason, TaskAction, TaskState,
};
use crate::domain::event::SyntheticInput;
use crate::store::Store;

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// A route (kecamatan code).
    pub route: Option<String>,
    /// A state id (`waiting`, `out`, `held`, `delivered`, `returned`).
    pub state: Option<String>,
    pub kind: Option<DeliveryKind>,
}

pub const STATES: [&str; 5] = ["waiting", "out", "held", "delivered", "returned"];

/// Tasks by route, then by request number (the order they were printed in a day).
pub fn list(store: &Store, filter: &TaskFilter) -> Result<Vec<DeliveryTask>> {
    if let Some(state) = &filter.state
        && !STATES.contains(&state.as_str())
    {
        return Err(DeskError::Invalid(format!(
            "unknown state {state}: one of {}",
            STATES.join(", ")
        )));
    }
    let mut tasks: Vec<DeliveryTask> = store
        .delivery_tasks()?
        .into_iter()
        .filter(|t| filter.route.as_ref().is_none_or(|r| *r == t.route))
        .filter(|t| filter.state.as_ref().is_none_or(|s| s == t.state.id()))
        .filter(|t| filter.kind.is_none_or(|k| k == t.kind))
        .collect();
    tasks.sort_by(|a, b| (&a.route, &a.number).cmp(&(&b.route, &b.number)));
    Ok(tasks)
}

pub fn one(store: &Store, number: &str) -> Result<DeliveryTask> {
    store
        .delivery_task(number)?
        .ok_or(DeskError::NotFound("delivery task"))
}

/// A step queued to the parent's lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub contact: ContactId,
    pub number: String,
    /// The step's id: its outcome is found under it on the task.
    pub id: String,
}

/// Checks a step and queues it. `id` is the caller's (a courier's page puts one in every form,
/// so a repeated submit is the same step); without one a fresh id is drawn.
pub fn act(
    store: &Store,
    who: &Session,
    number: &str,
    action: DeliveryAction,
    id: Option<String>,
    policy: &DeliveryPolicy,
    now: Timestamp,
) -> Result<Queued> {
    let needed = match action {
        DeliveryAction::Dispatch { .. } | DeliveryAction::ResendCode => Role::Officer,
        DeliveryAction::Unlock => Role::Supervisor,
        DeliveryAction::HandOver { .. } | DeliveryAction::Failed { .. } => Role::Courier,
        DeliveryAction::HoldEnded => {
            return Err(DeskError::Invalid(
                "a hold ends by itself on its date".into(),
            ));
        }
    };
    // Officers hand cards over too (at the counter, at a kecamatan office).
    let allowed =
        who.role.includes(needed) || (needed == Role::Courier && who.role.includes(Role::Officer));
    if !allowed {
        return Err(DeskError::Forbidden { needed });
    }
    let id = match id.map(|i| i.trim().to_string()).filter(|i| !i.is_empty()) {
        Some(id) if valid_id(&id) => id,
        Some(_) => {
            return Err(DeskError::Invalid(
                "id: 8 to 64 letters, digits, '-' or '_'".into(),
            ));
        }
        None => fresh_id(),
    };
    let task = one(store, number)?;
    let contact = task.contact.ok_or_else(|| {
        DeskError::Conflict(format!(
            "request {number} has no contact to tell: hand it over at the counter"
        ))
    })?;
    let queued = Queued {
        contact,
        number: number.to_string(),
        id: id.clone(),
    };
    // A repeated submit: already taken (its outcome is on the task) or still queued.
    if task.action(&id).is_some() || store.synthetic_queued(contact, &id)? {
        return Ok(queued);
    }
    check(&task, &action, policy)?;
    store.queue_synthetic(
        contact,
        SyntheticInput::Delivery {
            id: id.clone(),
            number: number.to_string(),
            action: action.clone(),
            by: who.username.clone(),
            at: now,
            notice: None,
        },
    )?;
    crate::desk::audit(
        store,
        now,
        &who.username,
        AuditAction::DeliveryStep,
        Some(number),
        Some(match &action {
            DeliveryAction::Failed { reason, .. } => format!("failed: {}", reason.id()),
            other => other.id().to_string(),
        }),
    )?;
    Ok(queued)
}

/// Refuses at once what the lane would refuse, in words the person can act on. (The lane
/// checks again: another step may come first.)
fn check(task: &DeliveryTask, action: &DeliveryAction, policy: &DeliveryPolicy) -> Result<()> {
    let number = &task.number;
    let conflict = |why: String| Err(DeskError::Conflict(why));
    match action {
        DeliveryAction::Dispatch { .. } => {
            if !matches!(task.state, TaskState::Waiting | TaskState::Returned { .. }) {
                return conflict(format!(
                    "{number} is {}: it is not at the office",
                    task.state.id()
                ));
            }
        }
        DeliveryAction::ResendCode => {
            if !task.state.awaits_hand_over() {
                return conflict(format!("{number} is {}: no code is out", task.state.id()));
            }
            if task.locked {
                return conflict(format!("{number} is locked: a supervisor unlocks it"));
            }
        }
        DeliveryAction::Unlock => {
            if !task.locked {
                return conflict(format!("{number} is not locked"));
            }
        }
        DeliveryAction::HandOver { code } => {
            let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DeskError::Invalid("the hand-over code has 6 digits".into()));
            }
            if !task.state.awaits_hand_over() {
                return conflict(format!(
                    "{number} is {}: it is not waiting for a hand-over",
                    task.state.id()
                ));
            }
            if task.locked {
                return conflict(format!(
                    "{number} is locked after {} wrong codes: a supervisor unlocks it",
                    policy.wrong_codes_before_lock
                ));
            }
        }
        DeliveryAction::Failed { reason, note } => {
            if task.kind == DeliveryKind::Collection {
                return conflict(format!("{number} is for collection, not taken to the door"));
            }
            if !matches!(task.state, TaskState::Out { .. }) {
                return conflict(format!(
                    "{number} is {}: it is not out with a courier",
                    task.state.id()
                ));
            }
            if *reason == FailReason::Other && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(DeskError::Invalid(
                    "say what happened: 'other' needs a note".into(),
                ));
            }
        }
        DeliveryAction::HoldEnded => {}
    }
    Ok(())
}

/// The outcome of a queued step, once the lane has taken it.
pub fn outcome(store: &Store, queued: &Queued) -> Result<Option<(TaskAction, DeliveryTask)>> {
    let task = one(store, &queued.number)?;
    Ok(task.action(&queued.id).cloned().map(|a| (a, task)))
}

/// Holds past their date, and cards for collection nobody came for, go back to the office:
/// queued to each parent's lane (once: the step's id names the hold). Returns the lanes to
/// wake.
pub fn end_holds(
    store: &Store,
    policy: &DeliveryPolicy,
    today: jiff::civil::Date,
    now: Timestamp,
) -> Result<Vec<ContactId>> {
    let mut woken = Vec::new();
    for task in store.delivery_tasks()? {
        let (over, since) = match &task.state {
            TaskState::Held { until, since, .. } => (today > *until, *since),
            TaskState::Out { since, .. } if task.kind == DeliveryKind::Collection => (
                now.duration_since(*since).as_hours() / 24 >= i64::from(policy.collection_days),
                *since,
            ),
            _ => continue,
        };
        let Some(contact) = task.contact.filter(|_| over) else {
            continue;
        };
        let id = format!("hold-ended-{}", since.as_millisecond());
        if task.action(&id).is_some() || store.synthetic_queued(contact, &id)? {
            continue;
        }
        store.queue_synthetic(
            contact,
            SyntheticInput::Delivery {
                id,
                number: task.number.clone(),
                action: DeliveryAction::HoldEnded,
                by: "loket".into(),
                at: now,
                notice: None,
            },
        )?;
        woken.push(contact);
    }
    Ok(woken)
}

fn valid_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn fresh_id() -> String {
    use rand_core::RngCore;
    let mut bytes = [0u8; 12];
    rand_core::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
