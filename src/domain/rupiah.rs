//! Money: whole rupiah, shown as citizens read it, "Rp 10.000" (dot as thousands separator, no
//! decimals).

use serde::{Deserialize, Serialize};

/// An amount in whole rupiah (the COD fee, a courier's cash). Stored as a plain number.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Rupiah(pub u64);

impl Rupiah {
    pub const ZERO: Rupiah = Rupiah(0);

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl std::fmt::Display for Rupiah {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_rupiah(self.0))
    }
}

impl PartialEq<u64> for Rupiah {
    fn eq(&self, other: &u64) -> bool {
        self.0 == *other
    }
}

/// Formats a whole-rupiah amount, e.g. `10000` → `"Rp 10.000"`.
pub fn format_rupiah(amount: u64) -> String {
    let digits = amount.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("Rp {grouped}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_by_thousands_with_dots() {
        assert_eq!(format_rupiah(0), "Rp 0");
        assert_eq!(format_rupiah(500), "Rp 500");
        assert_eq!(format_rupiah(10_000), "Rp 10.000");
        assert_eq!(format_rupiah(1_250_000), "Rp 1.250.000");
        assert_eq!(format_rupiah(100_000), "Rp 100.000");
        assert_eq!(Rupiah(10_000).to_string(), "Rp 10.000");
        assert_eq!(serde_json::to_string(&Rupiah(10_000)).unwrap(), "10000");
    }
}
