//! Working days and service hours of the office.
//!
//! Holidays (libur nasional + cuti bersama) are decreed per year and amended mid-year, so they come
//! from an editable CSV (`date,type,name`). A deadline that would run through a year with no data is
//! refused rather than guessed.

use crate::domain::region::{RegionError, csv_rows};
use jiff::Zoned;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("holiday list line {line}: {reason}")]
    Csv { line: usize, reason: String },
    #[error("no holiday data for {year}: cannot count working days in that year")]
    NoHolidayData { year: i16 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    LiburNasional,
    CutiBersama,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub kind: HolidayKind,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct HolidayCalendar {
    holidays: BTreeMap<Date, Holiday>,
    years: BTreeSet<i16>,
}

impl HolidayCalendar {
    /// A year counts as covered as soon as the file lists one date in it.
    pub fn from_csv(text: &str) -> Result<HolidayCalendar, CalendarError> {
        let rows = csv_rows(text, "date,type,name", 3).map_err(|e| match e {
            RegionError::Columns { line, .. } => CalendarError::Csv {
                line,
                reason: "expected 3 columns: date,type,name".into(),
            },
            RegionError::Header { line, .. } => CalendarError::Csv {
                line,
                reason: "the header must be `date,type,name`".into(),
            },
        })?;
        let mut calendar = HolidayCalendar::default();
        for (line, row) in rows {
            let [date, kind, name] = row.as_slice() else {
                continue;
            };
            let date: Date = date.parse().map_err(|_| CalendarError::Csv {
                line,
                reason: format!("`{date}` is not a date (YYYY-MM-DD)"),
            })?;
            let kind = match *kind {
                "libur_nasional" => HolidayKind::LiburNasional,
                "cuti_bersama" => HolidayKind::CutiBersama,
                other => {
                    return Err(CalendarError::Csv {
                        line,
                        reason: format!("unknown type `{other}` (libur_nasional or cuti_bersama)"),
                    });
                }
            };
            calendar.years.insert(date.year());
            calendar.holidays.insert(
                date,
                Holiday {
                    kind,
                    name: name.to_string(),
                },
            );
        }
        Ok(calendar)
    }

    pub fn covers(&self, year: i16) -> bool {
        self.years.contains(&year)
    }

    pub fn holiday(&self, date: Date) -> Option<&Holiday> {
        self.holidays.get(&date)
    }

    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarError> {
        if !self.covers(date.year()) {
            return Err(CalendarError::NoHolidayData { year: date.year() });
        }
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        Ok(!weekend && !self.holidays.contains_key(&date))
    }

    /// The completion date: `working_days` counted from the first working day *after* `submitted`
    /// (day 1), as the office counts: a file completed today starts the clock tomorrow, and one
    /// completed on a Saturday starts it on Monday.
    pub fn due_date(&self, submitted: Date, working_days: u32) -> Result<Date, CalendarError> {
        let mut day = submitted;
        let mut counted = 0;
        while counted < working_days {
            day = next_day(day, &self.years)?;
            if self.is_working_day(day)? {
                counted += 1;
            }
        }
        Ok(day)
    }
}

fn next_day(day: Date, years: &BTreeSet<i16>) -> Result<Date, CalendarError> {
    day.tomorrow().map_err(|_| CalendarError::NoHolidayData {
        year: years.last().copied().unwrap_or(day.year()),
    })
}

/// Opening hours per weekday, in the office's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHours {
    /// Index 0 = Monday. `None` = closed all day.
    days: [Option<(Time, Time)>; 7],
}

impl ServiceHours {
    pub fn closed() -> ServiceHours {
        ServiceHours { days: [None; 7] }
    }

    pub fn with_day(mut self, day: Weekday, open: Time, close: Time) -> ServiceHours {
        if let Some(slot) = self.days.get_mut(weekday_index(day)) {
            *slot = Some((open, close));
        }
        self
    }

    pub fn hours_on(&self, day: Weekday) -> Option<(Time, Time)> {
        self.days.get(weekday_index(day)).copied().flatten()
    }

    /// Open at this moment: a weekday with hours, not a holiday, between opening and closing.
    /// A day of a year without holiday data counts by its weekday alone.
    pub fn is_open(&self, at: &Zoned, calendar: &HolidayCalendar) -> bool {
        let date = at.date();
        if calendar.holiday(date).is_some() {
            return false;
        }
        match self.hours_on(date.weekday()) {
            Some((open, close)) => at.time() >= open && at.time() < close,
            None => false,
        }
    }

    /// Office time between two moments: only the service hours of working days count, so a
    /// question asked on Friday at 10:00 and answered on Monday at 08:30 waited one hour (30
    /// minutes on Friday, 30 on Monday). Zero when `to` is not after `from`; counts at most a
    /// year of days.
    pub fn office_time(
        &self,
        from: &Zoned,
        to: &Zoned,
        calendar: &HolidayCalendar,
    ) -> jiff::SignedDuration {
        let mut total = jiff::SignedDuration::ZERO;
        if to <= from {
            return total;
        }
        let tz = from.time_zone().clone();
        let to = to.with_time_zone(tz.clone());
        let mut date = from.date();
        for _ in 0..366 {
            if date > to.date() {
                break;
            }
            if calendar.holiday(date).is_none()
                && let Some((open, close)) = self.hours_on(date.weekday())
                && let (Ok(open), Ok(close)) = (
                    date.to_datetime(open).to_zoned(tz.clone()),
                    date.to_datetime(close).to_zoned(tz.clone()),
                )
            {
                let start = if *from > open { from.clone() } else { open };
                let end = if to < close { to.clone() } else { close };
                if end > start {
                    total += end.timestamp().duration_since(start.timestamp());
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        total
    }

    /// The next moment officers are at the desk (now, if open now). Looks up to 60 days ahead.
    pub fn next_opening(&self, now: &Zoned, calendar: &HolidayCalendar) -> Option<Zoned> {
        if self.is_open(now, calendar) {
            return Some(now.clone());
        }
        let tz: TimeZone = now.time_zone().clone();
        let mut date = now.date();
        for _ in 0..60 {
            if calendar.holiday(date).is_none()
                && let Some((open, _close)) = self.hours_on(date.weekday())
            {
                let opening = date.to_datetime(open).to_zoned(tz.clone()).ok()?;
                if opening > *now {
                    return Some(opening);
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }
}

fn weekday_index(day: Weekday) -> usize {
    usize::try_from(day.to_monday_zero_offset()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    const HOLIDAYS: &str = include_str!("../../flows/data/id_holidays_2025_2027.csv");

    fn calendar() -> HolidayCalendar {
        HolidayCalendar::from_csv(HOLIDAYS).unwrap()
    }

    fn banjarmasin_hours() -> ServiceHours {
        let mut hours = ServiceHours::closed();
        for day in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
        ] {
            hours = hours.with_day(day, time(8, 0, 0, 0), time(15, 0, 0, 0));
        }
        hours.with_day(Weekday::Friday, time(8, 0, 0, 0), time(10, 30, 0, 0))
    }

    fn wita(y: i16, m: i8, d: i8, h: i8, min: i8) -> Zoned {
        date(y, m, d)
            .at(h, min, 0, 0)
            .to_zoned(TimeZone::get("Asia/Makassar").unwrap())
            .unwrap()
    }

    #[test]
    fn published_due_dates_skip_weekends_holidays_and_cuti_bersama() {
        let cal = calendar();
        // Nyepi and Idul Fitri with cuti bersama (18–24 March) and Good Friday (3 April).
        assert_eq!(cal.due_date(date(2026, 3, 11), 14), Ok(date(2026, 4, 8)));
        // Ascension (14–15 May), Idul Adha (27–28 May), Pancasila (1 June).
        assert_eq!(cal.due_date(date(2026, 5, 11), 14), Ok(date(2026, 6, 5)));
    }

    #[test]
    fn a_file_completed_on_a_weekend_starts_counting_on_monday() {
        let cal = calendar();
        assert_eq!(cal.due_date(date(2026, 4, 11), 1), Ok(date(2026, 4, 13)));
        assert_eq!(cal.due_date(date(2026, 4, 10), 1), Ok(date(2026, 4, 13)));
    }

    #[test]
    fn no_date_is_promised_in_a_year_without_holiday_data() {
        let cal = calendar();
        assert_eq!(
            cal.due_date(date(2027, 12, 20), 14),
            Err(CalendarError::NoHolidayData { year: 2028 })
        );
        assert_eq!(
            cal.due_date(date(2024, 6, 3), 14),
            Err(CalendarError::NoHolidayData { year: 2024 })
        );
    }

    #[test]
    fn a_broken_holiday_line_is_reported_with_its_number() {
        let err = HolidayCalendar::from_csv(
            "date,type,name\n2026-01-01,libur_nasional,Tahun Baru\n2026-13-01,libur_nasional,X\n",
        )
        .unwrap_err();
        assert!(matches!(err, CalendarError::Csv { line: 3, .. }), "{err:?}");
        let err = HolidayCalendar::from_csv("date,type,name\n2026-01-01,libur,X\n").unwrap_err();
        assert!(matches!(err, CalendarError::Csv { line: 2, .. }), "{err:?}");
    }

    #[test]
    fn office_time_counts_only_service_hours_of_working_days() {
        let (cal, hours) = (calendar(), banjarmasin_hours());
        let minutes = |a, b| hours.office_time(&a, &b, &cal).as_secs() / 60;
        // Monday 09:00 to 09:45: all of it.
        assert_eq!(
            minutes(wita(2026, 4, 13, 9, 0), wita(2026, 4, 13, 9, 45)),
            45
        );
        // Friday 10:00 (the desk closes 10:30) to Monday 08:30: 30 + 30 minutes.
        assert_eq!(
            minutes(wita(2026, 4, 17, 10, 0), wita(2026, 4, 20, 8, 30)),
            60
        );
        // Asked in the evening, answered before opening: no office time at all.
        assert_eq!(
            minutes(wita(2026, 4, 13, 19, 0), wita(2026, 4, 14, 7, 55)),
            0
        );
        // Backwards: nothing.
        assert_eq!(minutes(wita(2026, 4, 14, 9, 0), wita(2026, 4, 13, 9, 0)), 0);
    }

    #[test]
    fn office_time_skips_public_holidays() {
        let (cal, hours) = (calendar(), banjarmasin_hours());
        // Wednesday 24 December 2025 14:00 to Monday 29 December 09:00: 1 h on the 24th,
        // Christmas (25th) and cuti bersama (26th) closed, weekend closed, 1 h on Monday.
        let waited = hours.office_time(&wita(2025, 12, 24, 14, 0), &wita(2025, 12, 29, 9, 0), &cal);
        assert_eq!(waited.as_secs() / 60, 120);
    }

    #[test]
    fn the_desk_is_open_in_service_hours_only() {
        let (cal, hours) = (calendar(), banjarmasin_hours());
        assert!(hours.is_open(&wita(2026, 4, 13, 8, 0), &cal)); // Monday
        assert!(!hours.is_open(&wita(2026, 4, 13, 15, 0), &cal));
        assert!(hours.is_open(&wita(2026, 4, 17, 10, 29), &cal)); // Friday
        assert!(!hours.is_open(&wita(2026, 4, 17, 10, 30), &cal));
        assert!(!hours.is_open(&wita(2026, 4, 18, 9, 0), &cal)); // Saturday
        assert!(!hours.is_open(&wita(2026, 4, 3, 9, 0), &cal)); // Good Friday
    }

    #[test]
    fn the_next_opening_skips_closing_time_weekends_and_holidays() {
        let (cal, hours) = (calendar(), banjarmasin_hours());
        assert_eq!(
            hours.next_opening(&wita(2026, 4, 17, 11, 0), &cal),
            Some(wita(2026, 4, 20, 8, 0))
        );
        assert_eq!(
            hours.next_opening(&wita(2026, 4, 13, 7, 0), &cal),
            Some(wita(2026, 4, 13, 8, 0))
        );
        // Thursday evening before Good Friday 2026: Friday is a holiday, so Monday.
        assert_eq!(
            hours.next_opening(&wita(2026, 4, 2, 16, 0), &cal),
            Some(wita(2026, 4, 6, 8, 0))
        );
        let now = wita(2026, 4, 14, 9, 0);
        assert_eq!(hours.next_opening(&now, &cal), Some(now));
    }
}
