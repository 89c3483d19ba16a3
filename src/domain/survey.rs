//! The satisfaction survey after a hand-over (IKM, the public-service satisfaction index):
//! a score from 1 (not satisfied) to 4 (very satisfied), and an optional comment.

use serde::{Deserialize, Serialize};

use super::contact::ContactId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SurveyAnswer {
    /// The request the card was for.
    pub number: String,
    pub contact: ContactId,
    pub score: u8,
    pub comment: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
}

/// The IKM figure of some scores: their mean on the 1–4 scale times 25, as the
/// PermenPANRB 14/2017 index reads it (25 to 100). `None` without scores.
pub fn ikm(scores: &[u8]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let sum: u32 = scores.iter().map(|s| u32::from(*s)).sum();
    Some(f64::from(sum) / scores.len() as f64 * 25.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ikm_figure_is_the_mean_score_times_25() {
        assert_eq!(super::ikm(&[]), None);
        assert_eq!(super::ikm(&[4, 4]), Some(100.0));
        assert_eq!(super::ikm(&[3, 4, 2, 3]), Some(75.0));
        assert_eq!(super::ikm(&[1]), Some(25.0));
    }
}
