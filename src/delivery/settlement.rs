//! Settling couriers' cash: per courier and day, the COD of the cards they handed over against
//! the cash they hand in; a supervisor closes the day, a difference only with a note. Reports
//! per day and per month, as CSV.

use jiff::Timestamp;
use jiff::civil::Date;

use super::{DeskError, Result};
use crate::domain::account::{AuditAction, Role, Session};
use crate::domain::rupiah::Rupiah;
use crate::domain::settlement::{self, Settlement};
use crate::store::Store;

/// One courier's day, open or closed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SettlementView {
    pub courier: String,
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// `open` (to be settled) or `closed`.
    pub state: String,
    /// Cards handed over that day.
    pub cards: Vec<String>,
    /// Their COD: the cash the courier should hand in.
    pub expected: Rupiah,
    pub handed_in: Option<Rupiah>,
    /// Handed in minus expected (negative: cash missing).
    pub difference: Option<i64>,
    pub note: Option<String>,
    pub closed_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<Timestamp>,
    /// Cards handed over that day after it was closed: to settle by hand.
    pub after_closing: Vec<String>,
}

/// Every courier's day on `date`: the closed ones as closed, the others with what they owe.
pub fn day(store: &Store, date: Date, tz: &jiff::tz::TimeZone) -> Result<Vec<SettlementView>> {
    let tasks = store.delivery_tasks()?;
    let closed = store.settlements(&date.to_string())?;
    let mut couriers = settlement::couriers_of_day(&tasks, date, tz);
    couriers.extend(closed.iter().map(|s| s.courier.clone()));
    couriers.sort();
    couriers.dedup();
    Ok(couriers
        .into_iter()
        .map(|courier| {
            let now = settlement::expected(&tasks, &courier, date, tz);
            match closed.iter().find(|s| s.courier == courier) {
                Some(s) => SettlementView {
                    courier,
                    date,
                    state: "closed".into(),
                    after_closing: now
                        .cards
                        .iter()
                        .filter(|n| !s.cards.contains(n))
                        .cloned()
                        .collect(),
                    cards: s.cards.clone(),
                    expected: s.expected,
                    handed_in: Some(s.handed_in),
                    difference: Some(s.difference()),
                    note: s.note.clone(),
                    closed_by: Some(s.closed_by.clone()),
                    closed_at: Some(s.closed_at),
                },
                None => SettlementView {
                    courier,
                    date,
                    state: "open".into(),
                    cards: now.cards,
                    expected: now.cash,
                    handed_in: None,
                    difference: None,
                    note: None,
                    closed_by: None,
                    closed_at: None,
                    after_closing: Vec::new(),
                },
            }
        })
        .collect())
}

/// What a supervisor counted.
pub struct Count {
    pub courier: String,
    pub date: Date,
    pub handed_in: Rupiah,
    pub note: Option<String>,
}

/// Closes a courier's day with the cash counted. A difference needs a note.
pub fn close(
    store: &Store,
    who: &Session,
    count: Count,
    today: Date,
    tz: &jiff::tz::TimeZone,
    now: Timestamp,
) -> Result<Settlement> {
    crate::desk::accounts::require(who, Role::Supervisor)?;
    if count.date > today {
        return Err(DeskError::Invalid(format!(
            "{} has not come yet: a day is settled once it is over or under way",
            count.date
        )));
    }
    if store.account(&count.courier)?.is_none() {
        return Err(DeskError::NotFound("courier"));
    }
    let tasks = store.delivery_tasks()?;
    let expected = settlement::expected(&tasks, &count.courier, count.date, tz);
    let note = count
        .note
        .map(|n| n.trim().chars().take(500).collect::<String>())
        .filter(|n| !n.is_empty());
    if count.handed_in != expected.cash && note.is_none() {
        let difference = count.handed_in.0 as i64 - expected.cash.0 as i64;
        return Err(DeskError::Invalid(format!(
            "the cash handed in ({}) differs from the {} expected by {}{}: say why in a note",
            count.handed_in,
            expected.cash,
            if difference < 0 { "-" } else { "+" },
            Rupiah(difference.unsigned_abs())
        )));
    }
    let closed = Settlement {
        courier: count.courier.clone(),
        date: count.date,
        cards: expected.cards,
        expected: expected.cash,
        handed_in: count.handed_in,
        note,
        closed_by: who.username.clone(),
        closed_at: now,
    };
    if !store.put_settlement(&closed)? {
        return Err(DeskError::Conflict(format!(
            "{}'s {} is closed already",
            count.courier, count.date
        )));
    }
    crate::desk::audit(
        store,
        now,
        &who.username,
        AuditAction::SettlementClosed,
        Some(&format!("{}|{}", count.courier, count.date)),
        Some(format!(
            "expected {} handed in {}",
            closed.expected.0, closed.handed_in.0
        )),
    )?;
    Ok(closed)
}

/// The days of a report: one, or a month up to today.
pub fn days(period: &str, today: Date) -> Result<Vec<Date>> {
    if let Ok(date) = period.parse::<Date>() {
        return Ok(vec![date]);
    }
    let first: Date = format!("{period}-01")
        .parse()
        .map_err(|_| DeskError::Invalid(format!("bad period {period:?}: YYYY-MM or YYYY-MM-DD")))?;
    let mut days = Vec::new();
    let mut day = first;
    while day.month() == first.month() && day <= today {
        days.push(day);
        day = match day.tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    Ok(days)
}

/// The report as CSV: a row per courier and day, then the totals.
pub fn report_csv(store: &Store, days: &[Date], tz: &jiff::tz::TimeZone) -> Result<Vec<u8>> {
    let failed = |e: csv::Error| DeskError::Invalid(format!("cannot write the CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "tanggal",
        "kurir",
        "status",
        "kartu_diserahkan",
        "cod_seharusnya",
        "disetor",
        "selisih",
        "catatan",
        "ditutup_oleh",
    ])
    .map_err(failed)?;
    let (mut cards, mut expected, mut handed_in) = (0usize, 0u64, 0u64);
    for date in days {
        for v in day(store, *date, tz)? {
            cards += v.cards.len();
            expected += v.expected.0;
            handed_in += v.handed_in.map_or(0, |r| r.0);
            out.write_record([
                v.date.to_string(),
                v.courier,
                v.state,
                v.cards.len().to_string(),
                v.expected.0.to_string(),
                v.handed_in.map(|r| r.0.to_string()).unwrap_or_default(),
                v.difference.map(|d| d.to_string()).unwrap_or_default(),
                v.note.unwrap_or_default(),
                v.closed_by.unwrap_or_default(),
            ])
            .map_err(failed)?;
        }
    }
    out.write_record([
        "TOTAL".to_string(),
        String::new(),
        String::new(),
        cards.to_string(),
        expected.to_string(),
        handed_in.to_string(),
        String::new(),
        String::new(),
        String::new(),
    ])
    .map_err(failed)?;
    out.into_inner()
        .map_err(|e| DeskError::Invalid(format!("cannot write the CSV: {e}")))
}
