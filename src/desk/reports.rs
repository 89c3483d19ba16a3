//! The daily report: per officer, what they did on one office day and how fast they answered
//! parents (in office minutes, against the inbox's service levels).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::Result;
use super::escalations::SlaClock;
use crate::domain::account::{AuditAction, Role, Session};
use crate::store::Store;

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OfficerDay {
    pub officer: String,
    /// Escalations taken (by the officer, or given to them in turn).
    pub claimed: usize,
    /// Escalations the officer answered for the first time that day.
    pub first_replies: usize,
    /// Median office minutes from escalation to first answer.
    pub median_first_reply_minutes: Option<u64>,
    /// First answers later than the service level.
    pub first_reply_late: usize,
    /// Conversations handed back to the bot.
    pub handed_back: usize,
    /// Of those, open longer than the resolution service level.
    pub resolution_late: usize,
    pub replies_sent: usize,
    pub approved: usize,
    pub returned: usize,
    pub rejected: usize,
    pub printed: usize,
    pub walk_ins: usize,
    pub notes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DailyReport {
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub first_reply_minutes: u32,
    pub resolution_minutes: u32,
    pub officers: Vec<OfficerDay>,
}

pub fn daily(store: &Store, clock: &SlaClock, who: &Session, date: Date) -> Result<DailyReport> {
    super::accounts::require(who, Role::Supervisor)?;
    let on_date = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned(clock.time_zone.clone()).date() == date)
            .unwrap_or(false)
    };
    let mut days: BTreeMap<String, OfficerDay> = BTreeMap::new();
    fn day<'d>(days: &'d mut BTreeMap<String, OfficerDay>, name: &str) -> &'d mut OfficerDay {
        days.entry(name.to_string()).or_insert_with(|| OfficerDay {
            officer: name.to_string(),
            ..OfficerDay::default()
        })
    }
    for entry in store.audit() {
        let (_, entry) = entry?;
        if !on_date(entry.at.as_millisecond()) || entry.actor == "loket" {
            // loket's own entries (assignments in turn) are counted by the officer below.
            if entry.action == AuditAction::EscalationClaimed
                && on_date(entry.at.as_millisecond())
                && let Some(officer) = entry
                    .detail
                    .as_deref()
                    .and_then(|d| d.strip_prefix("assigned in turn to "))
            {
                day(&mut days, officer).claimed += 1;
            }
            continue;
        }
        let d = day(&mut days, &entry.actor);
        match entry.action {
            AuditAction::EscalationClaimed => d.claimed += 1,
            AuditAction::EscalationReplied => d.replies_sent += 1,
            AuditAction::EscalationHandedBack => d.handed_back += 1,
            AuditAction::RequestApproved => d.approved += 1,
            AuditAction::DocumentsReturned => d.returned += 1,
            AuditAction::RequestRejected => d.rejected += 1,
            AuditAction::RequestPrinted => d.printed += 1,
            AuditAction::WalkInFiled => d.walk_ins += 1,
            AuditAction::NoteAdded => d.notes += 1,
            _ => {}
        }
    }
    let mut first_reply_times: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for record in store.all_escalations()? {
        let Some(officer) = record.claimed_by.clone() else {
            continue;
        };
        if let Some(at) = record.first_reply_at_ms
            && on_date(at)
        {
            let minutes = clock.minutes(record.at_ms, at);
            let d = day(&mut days, &officer);
            d.first_replies += 1;
            if minutes > u64::from(clock.policy.first_reply_minutes) {
                d.first_reply_late += 1;
            }
            first_reply_times
                .entry(officer.clone())
                .or_default()
                .push(minutes);
        }
        if let Some(at) = record.closed_at_ms
            && on_date(at)
            && clock.minutes(record.at_ms, at) > u64::from(clock.policy.resolution_minutes)
        {
            day(&mut days, &officer).resolution_late += 1;
        }
    }
    for (officer, mut times) in first_reply_times {
        times.sort_unstable();
        if let Some(d) = days.get_mut(&officer) {
            d.median_first_reply_minutes = times.get(times.len() / 2).copied();
        }
    }
    // Sign-ins alone are not work: officers who only signed in are left out.
    let officers = days
        .into_values()
        .filter(|d| {
            d.claimed
                + d.first_replies
                + d.handed_back
                + d.replies_sent
                + d.approved
                + d.returned
                + d.rejected
                + d.printed
                + d.walk_ins
                + d.notes
                > 0
        })
        .collect();
    Ok(DailyReport {
        date,
        first_reply_minutes: clock.policy.first_reply_minutes,
        resolution_minutes: clock.policy.resolution_minutes,
        officers,
    })
}
