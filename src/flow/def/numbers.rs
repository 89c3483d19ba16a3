//! `numbers.toml` (optional): the office's WhatsApp business numbers, each answering its own
//! services with its own greeting and, where it differs, its own settings. Without the file, or
//! for a number it does not list, every service is offered with `settings.toml` as it is.

use super::*;

pub(super) fn load_numbers(
    path: &Path,
    text: &str,
    base: &OfficeSettings,
    services: &[Service],
    problems: &mut Problems,
) -> Option<Vec<NumberProfile>> {
    let raw: RawNumbersFile = parse(path, text, problems)?;
    let before = problems.list.len();
    let at = |problems: &mut Problems, span: std::ops::Range<usize>, reason: String| {
        problems.at(path, text, span, reason)
    };
    let mut seen = BTreeSet::new();
    let mut numbers = Vec::new();
    for spanned in &raw.numbers {
        let number = spanned.get_ref();
        let id = number.phone_number_id.get_ref();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            at(
                problems,
                number.phone_number_id.span(),
                format!(
                    "phone_number_id `{id}` must be digits: the phone number ID from WhatsApp > \
                     API Setup, not the phone number itself"
                ),
            );
        }
        if !seen.insert(id.clone()) {
            at(
                problems,
                number.phone_number_id.span(),
                format!("phone_number_id `{id}` is listed twice"),
            );
        }
        if number.services.get_ref().is_empty() {
            at(
                problems,
                number.services.span(),
                "a number needs at least one service".into(),
            );
        }
        for service in number.services.get_ref() {
            if !services.iter().any(|s| s.id == *service) {
                let known: Vec<&str> = services.iter().map(|s| s.id.as_str()).collect();
                at(
                    problems,
                    number.services.span(),
                    format!(
                        "unknown service `{service}` (services: {})",
                        known.join(", ")
                    ),
                );
            }
        }
        let no_fields = BTreeSet::new();
        check_length(
            path,
            text,
            &number.label,
            ROW_TITLE_MAX,
            "number label",
            problems,
        );
        check_placeholders(path, text, &number.label, &no_fields, problems);
        if let Some(greeting) = &number.greeting {
            check_placeholders(path, text, greeting, &no_fields, problems);
        }
        let mut settings = base.clone();
        if let Some(own) = &number.settings {
            if let Some(name) = &own.office_name {
                settings.office_name = name.clone();
            }
            if let Some(fee) = own.cod_fee {
                settings.cod_fee = Rupiah(fee);
            }
            if let Some(pickup) = own.pickup_at_kecamatan {
                settings.pickup_at_kecamatan = pickup;
            }
            if let Some(days) = &own.sla_working_days {
                if (1..=100).contains(days.get_ref()) {
                    settings.sla_working_days = *days.get_ref();
                } else {
                    at(
                        problems,
                        days.span(),
                        "sla_working_days must be 1 to 100".into(),
                    );
                }
            }
        }
        let display = number.display.get_ref();
        let digits = display.chars().filter(char::is_ascii_digit).count();
        if !(8..=15).contains(&digits)
            || !display
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'))
        {
            at(
                problems,
                number.display.span(),
                format!(
                    "display `{display}` must be a phone number as parents dial it, e.g. 0811-5000-1234"
                ),
            );
        }
        numbers.push(NumberProfile {
            phone_number_id: id.clone(),
            display: display.clone(),
            label: number.label.get_ref().clone(),
            services: number.services.get_ref().clone(),
            greeting: number.greeting.as_ref().map(|g| g.get_ref().clone()),
            settings,
        });
    }
    (problems.list.len() == before).then_some(numbers)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumbersFile {
    #[serde(default)]
    numbers: Vec<Spanned<RawNumber>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumber {
    phone_number_id: Spanned<String>,
    display: Spanned<String>,
    label: Spanned<LocalText>,
    services: Spanned<Vec<String>>,
    greeting: Option<Spanned<LocalText>>,
    settings: Option<RawOwnSettings>,
}

/// The settings a number may set for itself; the rest are the office's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOwnSettings {
    office_name: Option<LocalText>,
    cod_fee: Option<u64>,
    pickup_at_kecamatan: Option<bool>,
    sla_working_days: Option<Spanned<u32>>,
}
