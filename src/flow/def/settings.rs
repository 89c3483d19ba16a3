//! `settings.toml`: the office, its hours, fees, rules and reference data.

use super::*;

pub(super) fn load_settings(
    files: &FlowFiles,
    path: &Path,
    text: &str,
    problems: &mut Problems,
) -> Option<(OfficeSettings, HolidayCalendar, RegionTable, Vec<Kelurahan>)> {
    let raw: RawSettings = parse(path, text, problems)?;
    let before = problems.list.len();
    let time_zone = match TimeZone::get(raw.time_zone.get_ref()) {
        Ok(tz) => Some(tz),
        Err(_) => {
            problems.at(
                path,
                text,
                raw.time_zone.span(),
                format!("unknown time zone `{}`", raw.time_zone.get_ref()),
            );
            None
        }
    };
    let background = match raw.pas_foto_background.get_ref().as_str() {
        "red_odd_blue_even" => BackgroundRule::RED_ODD_BLUE_EVEN,
        "blue_odd_red_even" => BackgroundRule::BLUE_ODD_RED_EVEN,
        other => {
            problems.at(
                path,
                text,
                raw.pas_foto_background.span(),
                format!(
                    "unknown background rule `{other}`: use red_odd_blue_even or blue_odd_red_even"
                ),
            );
            BackgroundRule::RED_ODD_BLUE_EVEN
        }
    };
    if !raw
        .number_region
        .get_ref()
        .chars()
        .all(|c| c.is_ascii_digit())
        || raw.number_region.get_ref().len() != 4
    {
        problems.at(
            path,
            text,
            raw.number_region.span(),
            "number_region must be 4 digits, e.g. 6371".into(),
        );
    }
    let hours_limit = |v: i64| (1..24).contains(&v);
    if !hours_limit(*raw.reminder_after_hours.get_ref()) {
        problems.at(
            path,
            text,
            raw.reminder_after_hours.span(),
            "reminder_after_hours must be 1 to 23 (WhatsApp's window is 24 hours)".into(),
        );
    }
    if !(1..=90).contains(raw.expire_after_days.get_ref()) {
        problems.at(
            path,
            text,
            raw.expire_after_days.span(),
            "expire_after_days must be 1 to 90".into(),
        );
    }
    for (value, name) in [
        (&raw.max_attempts, "max_attempts"),
        (&raw.max_unclear, "max_unclear"),
    ] {
        if *value.get_ref() == 0 {
            problems.at(
                path,
                text,
                value.span(),
                format!("{name} must be at least 1"),
            );
        }
    }
    if !(1..=100).contains(raw.sla_working_days.get_ref()) {
        problems.at(
            path,
            text,
            raw.sla_working_days.span(),
            "sla_working_days must be 1 to 100".into(),
        );
    }
    let mut hours = ServiceHours::closed();
    for (day, value) in &raw.hours {
        let weekday = match day.as_str() {
            "monday" => Weekday::Monday,
            "tuesday" => Weekday::Tuesday,
            "wednesday" => Weekday::Wednesday,
            "thursday" => Weekday::Thursday,
            "friday" => Weekday::Friday,
            "saturday" => Weekday::Saturday,
            "sunday" => Weekday::Sunday,
            other => {
                problems.at(
                    path,
                    text,
                    value.span(),
                    format!("unknown day `{other}` (monday … sunday)"),
                );
                continue;
            }
        };
        match parse_hours(value.get_ref()) {
            Some((open, close)) => hours = hours.with_day(weekday, open, close),
            None => problems.at(
                path,
                text,
                value.span(),
                format!(
                    "`{}` is not opening hours like \"08:00-15:00\"",
                    value.get_ref()
                ),
            ),
        }
    }
    let data = |file: &Spanned<String>, problems: &mut Problems| -> Option<(PathBuf, String)> {
        match files.get(file.get_ref()) {
            Some(t) => Some((files.path(file.get_ref()), t.to_string())),
            None => {
                problems.at(
                    path,
                    text,
                    file.span(),
                    format!(
                        "cannot read `{}`: no such file in the flow folder",
                        file.get_ref()
                    ),
                );
                None
            }
        }
    };
    let calendar =
        data(&raw.data.holidays, problems).and_then(|(p, t)| match HolidayCalendar::from_csv(&t) {
            Ok(c) => Some(c),
            Err(e) => {
                let line = match &e {
                    crate::domain::calendar::CalendarError::Csv { line, .. } => Some(*line),
                    _ => None,
                };
                problems.list.push(FlowProblem {
                    file: p,
                    line,
                    reason: e.to_string(),
                });
                None
            }
        });
    let regions = parse_table(
        data(&raw.data.regions, problems),
        RegionTable::from_csv,
        problems,
    );
    let kelurahan = parse_table(
        data(&raw.data.kelurahan, problems),
        kelurahan_from_csv,
        problems,
    );
    if problems.list.len() > before {
        return None;
    }
    let settings = OfficeSettings {
        office_name: raw.office_name,
        number_region: raw.number_region.into_inner(),
        region: raw.region.into_inner(),
        time_zone: time_zone?,
        time_zone_label: raw.time_zone_label,
        hours,
        sla_working_days: raw.sla_working_days.into_inner(),
        cod_fee: Rupiah(raw.cod_fee),
        pickup_at_kecamatan: raw.pickup_at_kecamatan,
        pas_foto_background: background,
        pas_foto_size: raw.pas_foto_size,
        reminder_after: SignedDuration::from_hours(raw.reminder_after_hours.into_inner()),
        expire_after: SignedDuration::from_hours(raw.expire_after_days.into_inner() * 24),
        max_attempts: raw.max_attempts.into_inner(),
        max_unclear: raw.max_unclear.into_inner(),
        reply_template: raw
            .templates
            .as_ref()
            .and_then(|t| t.officer_reply.as_ref())
            .map(|t| Template {
                name: t.name.clone(),
                language: t.language.clone(),
            })
            .unwrap_or_else(|| Template {
                name: "loket_officer_reply".into(),
                language: "id".into(),
            }),
        escalations: raw.escalations.unwrap_or_default(),
        delivery: raw.delivery.unwrap_or_default(),
        survey_template: raw
            .templates
            .as_ref()
            .and_then(|t| t.survey.as_ref())
            .map(|t| Template {
                name: t.name.clone(),
                language: t.language.clone(),
            })
            .unwrap_or_else(|| Template {
                name: "loket_survey".into(),
                language: "id".into(),
            }),
        notice_template: raw
            .templates
            .as_ref()
            .and_then(|t| t.notice.as_ref())
            .map(|t| Template {
                name: t.name.clone(),
                language: t.language.clone(),
            })
            .unwrap_or_else(|| Template {
                name: "loket_notice".into(),
                language: "id".into(),
            }),
        status_template: raw
            .templates
            .and_then(|t| t.status_update)
            .map(|t| Template {
                name: t.name,
                language: t.language,
            })
            .unwrap_or_else(|| Template {
                name: "loket_status_update".into(),
                language: "id".into(),
            }),
    };
    Some((settings, calendar?, regions?, kelurahan?))
}

pub(super) fn parse_hours(value: &str) -> Option<(Time, Time)> {
    let (open, close) = value.split_once('-')?;
    let time = |t: &str| -> Option<Time> {
        let (h, m) = t.trim().split_once(':')?;
        Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
    };
    let (open, close) = (time(open)?, time(close)?);
    (open < close).then_some((open, close))
}
