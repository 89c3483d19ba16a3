//! Indonesian mobile numbers, normalised to the WhatsApp id form (`62812…`, no "+").

use regex::Regex;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("not an Indonesian mobile number")]
    NotMobile,
}

impl PhoneError {
    pub fn code(&self) -> &'static str {
        "phone_invalid"
    }
}

// National mobile numbers after the leading 0 / 62 (see domain.md).
static MOBILE: LazyLock<Regex> = LazyLock::new(|| {
    // A literal pattern: compiling it cannot fail at run time.
    Regex::new(r"^8[1-35-9]\d{7,10}$").unwrap()
});

/// `0812-3456-7890`, `+62 812 3456 7890`, `62812…` and `812…` all become `6281234567890`.
pub fn normalize_mobile(input: &str) -> Result<String, PhoneError> {
    let digits: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'))
        .collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(PhoneError::NotMobile);
    }
    let national = digits
        .strip_prefix("62")
        .or_else(|| digits.strip_prefix('0'))
        .unwrap_or(&digits);
    if MOBILE.is_match(national) {
        Ok(format!("62{national}"))
    } else {
        Err(PhoneError::NotMobile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_international_and_bare_forms_normalise_to_the_whatsapp_id() {
        for input in [
            "0812-3456-7890",
            "+62 812 3456 7890",
            "6281234567890",
            "81234567890",
        ] {
            assert_eq!(
                normalize_mobile(input).as_deref(),
                Ok("6281234567890"),
                "{input}"
            );
        }
    }

    #[test]
    fn landlines_short_numbers_and_letters_are_refused() {
        for input in ["0511-3352-000", "0812", "0812abc4567", "", "0840123456789"] {
            assert_eq!(
                normalize_mobile(input),
                Err(PhoneError::NotMobile),
                "{input}"
            );
        }
    }
}
