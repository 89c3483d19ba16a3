//! Nomor KK (family card number): 16 digits = issuing kecamatan (6) + recording date DDMMYY
//! (no +40) + serial (4). It changes when a family moves or splits, so it may be newer than an akta.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NomorKk(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KkError {
    #[error("a KK number has 16 digits, got {found}")]
    Length { found: usize },
    #[error("a KK number has only digits")]
    NotDigits,
    #[error("the recording date in the KK number does not exist")]
    Date,
    #[error("the recording date in the KK number is in the future")]
    Future,
}

impl KkError {
    pub fn code(&self) -> &'static str {
        match self {
            KkError::Length { .. } => "kk_length",
            KkError::NotDigits => "kk_digits",
            KkError::Date => "kk_date",
            KkError::Future => "kk_future",
        }
    }
}

impl NomorKk {
    pub fn parse(input: &str, today: Date) -> Result<NomorKk, KkError> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(KkError::NotDigits);
        }
        if digits.len() != 16 {
            return Err(KkError::Length {
                found: digits.len(),
            });
        }
        let kk = NomorKk(digits);
        let recorded = kk.recording_date(today)?;
        if recorded > today {
            return Err(KkError::Future);
        }
        Ok(kk)
    }

    fn number(&self, range: std::ops::Range<usize>) -> i16 {
        self.0.get(range).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    pub fn recording_date(&self, today: Date) -> Result<Date, KkError> {
        let day = i8::try_from(self.number(6..8)).map_err(|_| KkError::Date)?;
        let month = i8::try_from(self.number(8..10)).map_err(|_| KkError::Date)?;
        let yy = self.number(10..12);
        let year = if 2000 + yy <= today.year() {
            2000 + yy
        } else {
            1900 + yy
        };
        Date::new(year, month, day).map_err(|_| KkError::Date)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        format!(
            "{}********{}",
            self.0.get(0..4).unwrap_or(""),
            self.0.get(12..16).unwrap_or("")
        )
    }
}

impl fmt::Debug for NomorKk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NomorKk({})", self.masked())
    }
}

impl fmt::Display for NomorKk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl From<NomorKk> for String {
    fn from(kk: NomorKk) -> String {
        kk.0
    }
}

impl TryFrom<String> for NomorKk {
    type Error = KkError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.len() != 16 {
            return Err(KkError::Length { found: value.len() });
        }
        if !value.chars().all(|c| c.is_ascii_digit()) {
            return Err(KkError::NotDigits);
        }
        Ok(NomorKk(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 4, 12);

    #[test]
    fn a_kk_number_carries_its_recording_date_without_the_plus_forty_rule() {
        let kk = NomorKk::parse("6371 0105 0821 0003", TODAY).unwrap();
        assert_eq!(kk.recording_date(TODAY), Ok(date(2021, 8, 5)));
        assert_eq!(kk.to_string(), "6371********0003");
    }

    #[test]
    fn malformed_kk_numbers_are_refused_with_a_reason() {
        let cases = [
            ("637101050821000", KkError::Length { found: 15 }),
            ("63710105082100x3", KkError::NotDigits),
            ("6371014508210003", KkError::Date),
            ("6371013102210003", KkError::Date),
            ("6371011304260003", KkError::Future),
        ];
        for (input, expected) in cases {
            assert_eq!(NomorKk::parse(input, TODAY), Err(expected), "{input}");
        }
    }
}
