//! The office's monthly delivery report: cards handed over, the IKM figure of the satisfaction
//! survey, the share of couriers' cards delivered on the first attempt, the average days from
//! filing to hand-over, and why attempts failed.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::{DeskError, Result};
use crate::domain::delivery::{ActionOutcome, DeliveryAction, DeliveryKind, FailReason, TaskState};
use crate::domain::survey::ikm;
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MonthlyReport {
    /// `YYYY-MM`.
    pub month: String,
    /// Cards handed over in the month (by courier and at kecamatan offices).
    pub handed_over: usize,
    pub by_courier: usize,
    pub collected: usize,
    /// Of the couriers' cards, the share handed over without a failed attempt (0 to 1).
    pub first_attempt_share: Option<f64>,
    /// Days from filing to hand-over, on average.
    pub average_days_to_hand_over: Option<f64>,
    /// Survey answers given in the month, and their IKM figure (25 to 100).
    pub survey_answers: usize,
    pub ikm: Option<f64>,
    /// Failed attempts in the month, by reason.
    pub failed_attempts: BTreeMap<String, usize>,
    /// Cards that went back to the office in the month.
    pub returned: usize,
}

/// The first day of `month` (`YYYY-MM`).
pub fn month_start(month: &str) -> Result<Date> {
    format!("{month}-01")
        .parse()
        .map_err(|_| DeskError::Invalid(format!("bad month {month:?}: YYYY-MM")))
}

pub fn monthly(store: &Store, month: &str, tz: &jiff::tz::TimeZone) -> Result<MonthlyReport> {
    let start = month_start(month)?;
    let in_month = |at: jiff::Timestamp| {
        let d = at.to_zoned(tz.clone()).date();
        d.year() == start.year() && d.month() == start.month()
    };
    let mut report = MonthlyReport {
        month: start.strftime("%Y-%m").to_string(),
        handed_over: 0,
        by_courier: 0,
        collected: 0,
        first_attempt_share: None,
        average_days_to_hand_over: None,
        survey_answers: 0,
        ikm: None,
        failed_attempts: FailReason::ALL
            .iter()
            .map(|r| (r.id().to_string(), 0))
            .collect(),
        returned: 0,
    };
    let mut first_attempt = 0usize;
    let mut days = Vec::new();
    for task in store.delivery_tasks()? {
        for action in &task.actions {
            if let (DeliveryAction::Failed { reason, .. }, ActionOutcome::Done) =
                (&action.action, &action.outcome)
                && in_month(action.at)
            {
                *report
                    .failed_attempts
                    .entry(reason.id().to_string())
                    .or_default() += 1;
            }
        }
        match &task.state {
            TaskState::Returned { at } if in_month(*at) => report.returned += 1,
            TaskState::Delivered { at, .. } if in_month(*at) => {
                report.handed_over += 1;
                match task.kind {
                    DeliveryKind::Courier => {
                        report.by_courier += 1;
                        let failed = task.actions.iter().any(|a| {
                            matches!(a.action, DeliveryAction::Failed { .. })
                                && a.outcome == ActionOutcome::Done
                        });
                        first_attempt += usize::from(!failed);
                    }
                    DeliveryKind::Collection => report.collected += 1,
                }
                if let Some(request) = store.request(&task.number)? {
                    let waited = at.duration_since(request.filed.submitted_at);
                    days.push(waited.as_secs_f64() / 86_400.0);
                }
            }
            _ => {}
        }
    }
    if report.by_courier > 0 {
        report.first_attempt_share = Some(first_attempt as f64 / report.by_courier as f64);
    }
    if !days.is_empty() {
        report.average_days_to_hand_over = Some(days.iter().sum::<f64>() / days.len() as f64);
    }
    let scores: Vec<u8> = store
        .surveys()?
        .into_iter()
        .filter(|s| in_month(s.at))
        .map(|s| s.score)
        .collect();
    report.survey_answers = scores.len();
    report.ikm = ikm(&scores);
    Ok(report)
}

/// The report as CSV: one `measure,value` row each, failed attempts by reason last.
pub fn monthly_csv(report: &MonthlyReport) -> Result<Vec<u8>> {
    let failed = |e: csv::Error| DeskError::Invalid(format!("cannot write the CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    let opt = |v: Option<f64>, digits: usize| v.map_or(String::new(), |v| format!("{v:.digits$}"));
    let rows: Vec<(String, String)> = [
        ("bulan".to_string(), report.month.clone()),
        ("kartu_diserahkan".into(), report.handed_over.to_string()),
        ("diantar_kurir".into(), report.by_courier.to_string()),
        ("diambil_di_kecamatan".into(), report.collected.to_string()),
        (
            "diterima_percobaan_pertama".into(),
            opt(report.first_attempt_share, 3),
        ),
        (
            "rata_rata_hari_sampai_diterima".into(),
            opt(report.average_days_to_hand_over, 1),
        ),
        ("jawaban_survei".into(), report.survey_answers.to_string()),
        ("ikm".into(), opt(report.ikm, 1)),
        ("kembali_ke_kantor".into(), report.returned.to_string()),
    ]
    .into_iter()
    .chain(
        report
            .failed_attempts
            .iter()
            .map(|(reason, n)| (format!("gagal_{reason}"), n.to_string())),
    )
    .collect();
    out.write_record(["ukuran", "nilai"]).map_err(failed)?;
    for (measure, value) in rows {
        out.write_record([measure, value]).map_err(failed)?;
    }
    out.into_inner()
        .map_err(|e| DeskError::Invalid(format!("cannot write the CSV: {e}")))
}
