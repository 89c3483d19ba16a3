//! Rupiah amounts as citizens read them: "Rp 10.000" (dot as thousands separator, no decimals).

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
    }
}
