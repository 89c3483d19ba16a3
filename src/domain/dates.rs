//! Calendar dates as Indonesian parents type and read them.

use jiff::civil::{Date, Weekday};
use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("not a date in a known format")]
    Unreadable,
    #[error("no such day in the calendar")]
    NoSuchDay,
}

impl DateError {
    pub fn code(&self) -> &'static str {
        match self {
            DateError::Unreadable => "date_unreadable",
            DateError::NoSuchDay => "date_no_such_day",
        }
    }
}

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

// Abbreviations and common spellings, Indonesian and English (lower case).
fn month_from_word(word: &str) -> Option<i8> {
    let w = word.trim_end_matches('.').to_lowercase();
    let month = match w.as_str() {
        "januari" | "january" | "jan" => 1,
        "februari" | "pebruari" | "february" | "feb" | "peb" => 2,
        "maret" | "march" | "mar" | "mrt" => 3,
        "april" | "apr" => 4,
        "mei" | "may" => 5,
        "juni" | "june" | "jun" => 6,
        "juli" | "july" | "jul" => 7,
        "agustus" | "august" | "agu" | "agt" | "ags" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "oktober" | "october" | "okt" | "oct" => 10,
        "november" | "nopember" | "nov" | "nop" => 11,
        "desember" | "december" | "des" | "dec" => 12,
        _ => return None,
    };
    Some(month)
}

// Literal patterns: compiling them cannot fail at run time.
static NUMERIC_DMY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$").unwrap());
static NUMERIC_YMD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})$").unwrap());
static WORDED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{1,2})\s*[-/.\s]\s*([a-zA-Z]+\.?)\s*[-/.\s]\s*(\d{4})$").unwrap()
});

/// Reads `12-03-2019`, `12/3/2019`, `12.03.2019`, `12 Maret 2019`, `12 mar 2019`, `2019-03-12`.
/// Day first, as Indonesians write it; a four-digit year is required (no guessing centuries).
pub fn parse_date(input: &str) -> Result<Date, DateError> {
    let text = input.trim();
    let (y, m, d) = if let Some(c) = NUMERIC_DMY.captures(text) {
        (c[3].parse::<i16>(), c[2].parse::<i8>(), c[1].parse::<i8>())
    } else if let Some(c) = NUMERIC_YMD.captures(text) {
        (c[1].parse::<i16>(), c[2].parse::<i8>(), c[3].parse::<i8>())
    } else if let Some(c) = WORDED.captures(text) {
        let month = month_from_word(&c[2]).ok_or(DateError::Unreadable)?;
        (c[3].parse::<i16>(), Ok(month), c[1].parse::<i8>())
    } else {
        return Err(DateError::Unreadable);
    };
    match (y, m, d) {
        (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).map_err(|_| DateError::NoSuchDay),
        _ => Err(DateError::Unreadable),
    }
}

/// "8 April 2026".
/// A recent day said in words, as people say when something happened: "hari ini", "tadi
/// pagi", "kemarin", "kemarin lusa", "3 hari yang lalu". `None` for anything else.
pub fn parse_recent_day(input: &str, today: Date) -> Option<Date> {
    let words: Vec<String> = input
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let days_ago: i64 = match words.as_slice() {
        ["hari", "ini"] | ["tadi"] | ["tadi", _] | ["today"] => 0,
        ["kemarin" | "kemaren" | "kmrn" | "yesterday"]
        | ["kemarin" | "kemaren", "pagi" | "siang" | "sore" | "malam"] => 1,
        ["kemarin" | "kemaren", "lusa"] | ["2", "hari", "lalu"] => 2,
        [n, "hari", "lalu"] | [n, "hari", "yang", "lalu"] | [n, "days", "ago"] => {
            let n: i64 = n.parse().ok()?;
            if !(0..=366).contains(&n) {
                return None;
            }
            n
        }
        _ => return None,
    };
    today.checked_sub(jiff::Span::new().days(days_ago)).ok()
}

pub fn format_date_id(date: Date) -> String {
    format!(
        "{} {} {}",
        date.day(),
        month_name(MONTHS_ID, date),
        date.year()
    )
}

/// "8 April 2026" in English month names.
pub fn format_date_en(date: Date) -> String {
    format!(
        "{} {} {}",
        date.day(),
        month_name(MONTHS_EN, date),
        date.year()
    )
}

fn month_name(names: [&'static str; 12], date: Date) -> &'static str {
    let index = usize::try_from(date.month() - 1).unwrap_or(0);
    names.get(index).copied().unwrap_or("")
}

pub fn weekday_id(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Senin",
        Weekday::Tuesday => "Selasa",
        Weekday::Wednesday => "Rabu",
        Weekday::Thursday => "Kamis",
        Weekday::Friday => "Jumat",
        Weekday::Saturday => "Sabtu",
        Weekday::Sunday => "Minggu",
    }
}

pub fn weekday_en(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// Whole years between `birth` and `today` (a 29 February birthday counts from 1 March).
pub fn age_in_years(birth: Date, today: Date) -> i32 {
    let mut years = i32::from(today.year()) - i32::from(birth.year());
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_recent_day_may_be_said_in_words() {
        let today = jiff::civil::date(2026, 4, 13);
        assert_eq!(parse_recent_day("hari ini", today), Some(today));
        assert_eq!(
            parse_recent_day("Kemarin.", today),
            Some(jiff::civil::date(2026, 4, 12))
        );
        assert_eq!(
            parse_recent_day("kemarin lusa", today),
            Some(jiff::civil::date(2026, 4, 11))
        );
        assert_eq!(
            parse_recent_day("3 hari yang lalu", today),
            Some(jiff::civil::date(2026, 4, 10))
        );
        for other in [
            "12 Maret 2026",
            "besok",
            "kemarin dulu sekali",
            "999 hari lalu",
            "",
        ] {
            assert_eq!(parse_recent_day(other, today), None, "{other}");
        }
    }

    use super::*;
    use jiff::civil::date;

    #[test]
    fn common_indonesian_formats_are_read_day_first() {
        let expected = date(2019, 3, 12);
        for input in [
            "12-03-2019",
            "12/3/2019",
            "12.03.2019",
            "12 Maret 2019",
            "12 maret 2019",
            "12 Mar 2019",
            "12 mrt 2019",
            "12-Mar-2019",
            "2019-03-12",
            " 12 MARET 2019 ",
            "12 March 2019",
        ] {
            assert_eq!(parse_date(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn impossible_days_and_unreadable_text_are_told_apart() {
        assert_eq!(parse_date("29-02-2019"), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("31/04/2020"), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("12/13/2019"), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("29-02-2020"), Ok(date(2020, 2, 29)));
        for input in ["kemarin", "12-03-19", "12 Maretan 2019", "", "2019"] {
            assert_eq!(parse_date(input), Err(DateError::Unreadable), "{input}");
        }
    }

    #[test]
    fn dates_are_written_with_indonesian_month_names() {
        assert_eq!(format_date_id(date(2026, 4, 8)), "8 April 2026");
        assert_eq!(format_date_id(date(2026, 8, 17)), "17 Agustus 2026");
        assert_eq!(format_date_en(date(2026, 8, 17)), "17 August 2026");
    }

    #[test]
    fn age_counts_whole_years_and_leap_day_birthdays_move_to_march() {
        assert_eq!(age_in_years(date(2019, 3, 12), date(2024, 3, 11)), 4);
        assert_eq!(age_in_years(date(2019, 3, 12), date(2024, 3, 12)), 5);
        assert_eq!(age_in_years(date(2020, 2, 29), date(2021, 2, 28)), 0);
        assert_eq!(age_in_years(date(2020, 2, 29), date(2021, 3, 1)), 1);
    }
}
