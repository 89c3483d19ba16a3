//! NIK (Nomor Induk Kependudukan): 16 digits = region (6) + birth date DDMMYY (+40 on the day for
//! women) + serial (4). There is no check digit: a well-formed NIK proves nothing, only SIAK can,
//! so we reject what is certainly wrong and warn about what is merely unusual.

use crate::domain::dates::age_in_years;
use crate::domain::region::RegionTable;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Laki-laki.
    Male,
    /// Perempuan.
    Female,
}

impl Sex {
    pub fn label_id(self) -> &'static str {
        match self {
            Sex::Male => "Laki-laki",
            Sex::Female => "Perempuan",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Sex::Male => "Male",
            Sex::Female => "Female",
        }
    }
}

/// A well-formed NIK. Stored whole (serde), but `Debug`/`Display` mask it so it can never be logged
/// by accident: `6371********0001`. Use [`Nik::as_str`] where the whole number is really needed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nik(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    #[error("a NIK has 16 digits, got {found}")]
    Length { found: usize },
    #[error("a NIK has only digits")]
    NotDigits,
    #[error("day {day} is not a NIK birth day (01-31, or 41-71 for women)")]
    Day { day: u8 },
    #[error("month {month} does not exist")]
    Month { month: u8 },
    #[error("the birth date in the NIK does not exist")]
    NoSuchDate,
}

impl NikError {
    /// Stable code; the citizen-facing text for it lives in `flows/messages.toml`.
    pub fn code(&self) -> &'static str {
        match self {
            NikError::Length { .. } => "nik_length",
            NikError::NotDigits => "nik_digits",
            NikError::Day { .. } => "nik_day",
            NikError::Month { .. } => "nik_month",
            NikError::NoSuchDate => "nik_date",
        }
    }
}

/// Something a NIK and what the parent told us disagree on: refused at intake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikMismatch {
    #[error("the birth date in the NIK differs from the stated birth date")]
    BirthDate,
    #[error("the NIK's day (+40 for women) does not match the stated sex")]
    Sex,
    #[error("the NIK belongs to someone aged 17 or more")]
    TooOld,
}

impl NikMismatch {
    pub fn code(&self) -> &'static str {
        match self {
            NikMismatch::BirthDate => "nik_birth_date_mismatch",
            NikMismatch::Sex => "nik_sex_mismatch",
            NikMismatch::TooOld => "nik_too_old",
        }
    }
}

/// Unusual but possible: accepted, recorded for the officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NikWarning {
    SerialZero,
    /// The kecamatan code is not in the Kemendagri table (e.g. issued before a region split).
    UnknownRegion {
        code: String,
    },
}

impl NikWarning {
    pub fn code(&self) -> &'static str {
        match self {
            NikWarning::SerialZero => "nik_serial_zero",
            NikWarning::UnknownRegion { .. } => "nik_region_unknown",
        }
    }
}

impl Nik {
    /// Parses a NIK as typed (spaces, dots and dashes are ignored). `today` decides the century of
    /// the two-digit year: 20yy unless that is after this year (the holder would not be born yet).
    ///
    /// ```
    /// use jiff::civil::date;
    /// use loket::domain::nik::{Nik, NikError, Sex};
    ///
    /// let today = date(2026, 11, 30);
    /// // Born 12 March 2019; a girl's day of birth is written plus 40.
    /// let nik = Nik::parse("6371 0552 0319 0001", today).unwrap();
    /// assert_eq!(nik.decode(today).unwrap(), (date(2019, 3, 12), Sex::Female));
    /// assert_eq!(nik.masked(), "6371********0001");
    /// assert_eq!(nik.region_code_dotted(), "63.71.05");
    /// assert_eq!(
    ///     Nik::parse("637105520319", today),
    ///     Err(NikError::Length { found: 12 })
    /// );
    /// ```
    pub fn parse(input: &str, today: Date) -> Result<Nik, NikError> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(NikError::NotDigits);
        }
        if digits.len() != 16 {
            return Err(NikError::Length {
                found: digits.len(),
            });
        }
        let nik = Nik(digits);
        nik.decode(today)?;
        Ok(nik)
    }

    /// The whole number. Do not log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit kecamatan code, e.g. `637101`.
    pub fn region_code(&self) -> &str {
        self.0.get(0..6).unwrap_or("")
    }

    /// Region code with dots as in the Kemendagri table: `63.71.01`.
    pub fn region_code_dotted(&self) -> String {
        let r = self.region_code();
        format!(
            "{}.{}.{}",
            r.get(0..2).unwrap_or(""),
            r.get(2..4).unwrap_or(""),
            r.get(4..6).unwrap_or("")
        )
    }

    fn number(&self, range: std::ops::Range<usize>) -> u8 {
        self.0.get(range).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    /// Birth date and sex encoded in the number.
    pub fn decode(&self, today: Date) -> Result<(Date, Sex), NikError> {
        let raw_day = self.number(6..8);
        let month = self.number(8..10);
        let yy = i16::from(self.number(10..12));
        let (day, sex) = match raw_day {
            1..=31 => (raw_day, Sex::Male),
            41..=71 => (raw_day - 40, Sex::Female),
            _ => return Err(NikError::Day { day: raw_day }),
        };
        if !(1..=12).contains(&month) {
            return Err(NikError::Month { month });
        }
        let year = if 2000 + yy <= today.year() {
            2000 + yy
        } else {
            1900 + yy
        };
        let day = i8::try_from(day).map_err(|_| NikError::NoSuchDate)?;
        let month = i8::try_from(month).map_err(|_| NikError::NoSuchDate)?;
        let date = Date::new(year, month, day).map_err(|_| NikError::NoSuchDate)?;
        Ok((date, sex))
    }

    /// Warnings that do not stop intake: serial 0000 and a region code missing from the table.
    pub fn warnings(&self, regions: &RegionTable) -> Vec<NikWarning> {
        let mut warnings = Vec::new();
        if self.0.get(12..16) == Some("0000") {
            warnings.push(NikWarning::SerialZero);
        }
        if !regions.has_kecamatan(&self.region_code_dotted()) {
            warnings.push(NikWarning::UnknownRegion {
                code: self.region_code_dotted(),
            });
        }
        warnings
    }

    /// The NIK must agree with the stated birth date and sex, and belong to someone younger than
    /// `max_age_years` where there is a limit (a KIA is for children under 17).
    pub fn cross_check(
        &self,
        birth_date: Option<Date>,
        sex: Option<Sex>,
        max_age_years: Option<i32>,
        today: Date,
    ) -> Result<(), NikMismatch> {
        let (nik_birth, nik_sex) = self.decode(today).map_err(|_| NikMismatch::BirthDate)?;
        if birth_date.is_some_and(|d| d != nik_birth) {
            return Err(NikMismatch::BirthDate);
        }
        if sex.is_some_and(|s| s != nik_sex) {
            return Err(NikMismatch::Sex);
        }
        if max_age_years.is_some_and(|max| age_in_years(nik_birth, today) >= max) {
            return Err(NikMismatch::TooOld);
        }
        Ok(())
    }

    /// `6371********0001`: enough for a parent or officer to recognise, useless to a thief.
    pub fn masked(&self) -> String {
        format!(
            "{}********{}",
            self.0.get(0..4).unwrap_or(""),
            self.0.get(12..16).unwrap_or("")
        )
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl From<Nik> for String {
    fn from(nik: Nik) -> String {
        nik.0
    }
}

impl TryFrom<String> for Nik {
    type Error = NikError;
    /// Shape only (16 digits): a stored NIK was fully checked when it was first taken in.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.len() != 16 {
            return Err(NikError::Length { found: value.len() });
        }
        if !value.chars().all(|c| c.is_ascii_digit()) {
            return Err(NikError::NotDigits);
        }
        Ok(Nik(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 4, 12);

    fn regions() -> RegionTable {
        RegionTable::from_csv("code,name,level\n63,Kalimantan Selatan,provinsi\n63.71,Kota Banjarmasin,kabkota\n63.71.01,Banjarmasin Selatan,kecamatan\n").unwrap()
    }

    #[test]
    fn a_boys_nik_encodes_his_birth_date() {
        let nik = Nik::parse("6371011203190001", TODAY).unwrap();
        assert_eq!(nik.decode(TODAY), Ok((date(2019, 3, 12), Sex::Male)));
    }

    #[test]
    fn a_girls_nik_adds_forty_to_the_day() {
        let nik = Nik::parse("6371 0152 0319 0002", TODAY).unwrap();
        assert_eq!(nik.decode(TODAY), Ok((date(2019, 3, 12), Sex::Female)));
    }

    #[test]
    fn a_two_digit_year_after_this_year_is_read_as_nineteen_hundred() {
        let nik = Nik::parse("6371011203300001", TODAY).unwrap();
        assert_eq!(nik.decode(TODAY).unwrap().0, date(1930, 3, 12));
        let nik = Nik::parse("6371011203260001", TODAY).unwrap();
        assert_eq!(nik.decode(TODAY).unwrap().0, date(2026, 3, 12));
    }

    #[test]
    fn malformed_niks_are_refused_with_a_reason() {
        let cases = [
            ("637101120319000", NikError::Length { found: 15 }),
            ("63710112031900011", NikError::Length { found: 17 }),
            ("63710112031900O1", NikError::NotDigits),
            ("6371010003190001", NikError::Day { day: 0 }),
            ("6371013203190001", NikError::Day { day: 32 }),
            ("6371014003190001", NikError::Day { day: 40 }),
            ("6371017203190001", NikError::Day { day: 72 }),
            ("6371011213190001", NikError::Month { month: 13 }),
            ("6371011200190001", NikError::Month { month: 0 }),
            ("6371012902190001", NikError::NoSuchDate),
            ("6371017102190001", NikError::NoSuchDate),
        ];
        for (input, expected) in cases {
            assert_eq!(Nik::parse(input, TODAY), Err(expected), "{input}");
        }
    }

    #[test]
    fn the_twenty_ninth_of_february_is_fine_in_a_leap_year() {
        let nik = Nik::parse("6371016902200001", TODAY).unwrap();
        assert_eq!(nik.decode(TODAY), Ok((date(2020, 2, 29), Sex::Female)));
    }

    #[test]
    fn serial_zero_and_unknown_regions_are_warnings_not_refusals() {
        let nik = Nik::parse("6371011203190000", TODAY).unwrap();
        assert_eq!(nik.warnings(&regions()), vec![NikWarning::SerialZero]);
        let nik = Nik::parse("6399011203190001", TODAY).unwrap();
        assert_eq!(
            nik.warnings(&regions()),
            vec![NikWarning::UnknownRegion {
                code: "63.99.01".into()
            }]
        );
    }

    #[test]
    fn the_nik_must_agree_with_the_stated_birth_date_sex_and_age() {
        let nik = Nik::parse("6371015203190002", TODAY).unwrap();
        assert_eq!(
            nik.cross_check(Some(date(2019, 3, 12)), Some(Sex::Female), Some(17), TODAY),
            Ok(())
        );
        assert_eq!(
            nik.cross_check(Some(date(2019, 3, 13)), Some(Sex::Female), Some(17), TODAY),
            Err(NikMismatch::BirthDate)
        );
        assert_eq!(
            nik.cross_check(Some(date(2019, 3, 12)), Some(Sex::Male), Some(17), TODAY),
            Err(NikMismatch::Sex)
        );
        let adult = Nik::parse("6371011203050001", TODAY).unwrap();
        assert_eq!(
            adult.cross_check(None, None, Some(17), TODAY),
            Err(NikMismatch::TooOld)
        );
        assert_eq!(
            adult.cross_check(None, None, None, TODAY),
            Ok(()),
            "no limit, no refusal"
        );
    }

    #[test]
    fn debug_and_display_never_show_the_whole_number() {
        let nik = Nik::parse("6371011203190001", TODAY).unwrap();
        assert_eq!(nik.to_string(), "6371********0001");
        assert_eq!(format!("{nik:?}"), "Nik(6371********0001)");
        assert!(!format!("{:?}", Some(&nik)).contains("120319"));
        assert_eq!(nik.as_str(), "6371011203190001");
    }

    #[test]
    fn serde_keeps_the_whole_number_for_the_store() {
        let nik = Nik::parse("6371011203190001", TODAY).unwrap();
        let json = serde_json::to_string(&nik).unwrap();
        assert_eq!(json, "\"6371011203190001\"");
        assert_eq!(serde_json::from_str::<Nik>(&json).unwrap(), nik);
        assert!(serde_json::from_str::<Nik>("\"123\"").is_err());
    }
}
