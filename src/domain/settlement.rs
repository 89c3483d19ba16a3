//! A courier's cash at the end of a day: what the cards they handed over say they collected
//! (the COD of each), against what they hand in. A difference needs a note; a supervisor
//! closes the day.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::delivery::{DeliveryTask, TaskState};
use super::rupiah::Rupiah;

/// A closed day of one courier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub courier: String,
    pub date: Date,
    /// The cards handed over that day, by request number.
    pub cards: Vec<String>,
    pub expected: Rupiah,
    pub handed_in: Rupiah,
    /// Why the cash differs (required when it does).
    pub note: Option<String>,
    pub closed_by: String,
    pub closed_at: jiff::Timestamp,
}

impl Settlement {
    /// Handed in minus expected: negative when cash is missing.
    pub fn difference(&self) -> i64 {
        self.handed_in.0 as i64 - self.expected.0 as i64
    }
}

/// What one courier's hand-overs of a day add up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expected {
    pub cards: Vec<String>,
    pub cash: Rupiah,
}

/// The cards `courier` handed over on `date` (office time) and their COD.
pub fn expected<'a>(
    tasks: impl IntoIterator<Item = &'a DeliveryTask>,
    courier: &str,
    date: Date,
    tz: &jiff::tz::TimeZone,
) -> Expected {
    let mut out = Expected::default();
    for task in tasks {
        if let TaskState::Delivered { at, by } = &task.state
            && by == courier
            && at.to_zoned(tz.clone()).date() == date
        {
            out.cards.push(task.number.clone());
            out.cash = Rupiah(out.cash.0 + task.cod.0);
        }
    }
    out.cards.sort();
    out
}

/// Everyone who handed a card over on `date`.
pub fn couriers_of_day<'a>(
    tasks: impl IntoIterator<Item = &'a DeliveryTask>,
    date: Date,
    tz: &jiff::tz::TimeZone,
) -> Vec<String> {
    let mut names: Vec<String> = tasks
        .into_iter()
        .filter_map(|t| match &t.state {
            TaskState::Delivered { at, by } if at.to_zoned(tz.clone()).date() == date => {
                Some(by.clone())
            }
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}
