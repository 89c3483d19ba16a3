//! Closed courier days, keyed `YYYY-MM-DD|courier` (so a month is a prefix scan), and the
//! satisfaction survey's answers, by request number.

use super::{Result, Store};
use crate::domain::settlement::Settlement;
use crate::domain::survey::SurveyAnswer;

fn key(s: &Settlement) -> String {
    format!("{}|{}", s.date, s.courier)
}

impl Store {
    /// Files a closed day unless it is closed already (two supervisors at once: one wins).
    pub fn put_settlement(&self, settlement: &Settlement) -> Result<bool> {
        Ok(self
            .inner
            .settlements
            .compare_and_swap(
                key(settlement).as_bytes(),
                None as Option<&[u8]>,
                Some(self.encode(settlement)?),
            )?
            .is_ok())
    }

    /// Closed days whose date starts with `prefix` (`2026-11`, `2026-11-30`).
    pub fn settlements(&self, prefix: &str) -> Result<Vec<Settlement>> {
        self.inner
            .settlements
            .scan_prefix(prefix.as_bytes())
            .values()
            .map(|v| self.decode("settlement", &v?))
            .collect()
    }
}

impl Store {
    /// Records a survey answer; a comment given later joins the score given first.
    pub fn put_survey(&self, answer: &SurveyAnswer) -> Result<()> {
        let key = answer.number.as_bytes();
        let merged = match self.inner.surveys.get(key)? {
            Some(old) if answer.comment.is_some() => {
                let mut old: SurveyAnswer = self.decode("survey answer", &old)?;
                old.comment.clone_from(&answer.comment);
                old
            }
            _ => answer.clone(),
        };
        self.inner.surveys.insert(key, self.encode(&merged)?)?;
        Ok(())
    }

    pub fn survey(&self, number: &str) -> Result<Option<SurveyAnswer>> {
        self.inner
            .surveys
            .get(number.as_bytes())?
            .map(|v| self.decode("survey answer", &v))
            .transpose()
    }

    /// Every survey answer.
    pub fn surveys(&self) -> Result<Vec<SurveyAnswer>> {
        self.inner
            .surveys
            .iter()
            .values()
            .map(|v| self.decode("survey answer", &v?))
            .collect()
    }
}
