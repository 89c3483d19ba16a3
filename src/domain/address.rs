//! Address lines as parents type them.

use regex::Regex;
use std::sync::LazyLock;

/// "RT 5 RW 2", "RT.005/RW.002", "rt05 rw02", "RT/RW 005/002", "RT 5/2".
static RT_RW: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b rt \s* / \s* rw \.? \s* :? \s* (?P<a>\d{1,3}) \s* / \s* (?P<b>\d{1,3}) \b
        | \b rt \.? \s* :? \s* (?P<c>\d{1,3}) \s* [/,.\-]? \s* rw \.? \s* :? \s* (?P<d>\d{1,3}) \b
        | \b rt \.? \s* :? \s* (?P<e>\d{1,3}) \s* / \s* (?P<f>\d{1,3}) \b",
    )
    .ok()
});

/// Splits the RT/RW out of a street line: (the street without it, RT, RW). None when the line
/// carries no RT/RW, or one out of range (RT and RW are 1 to 999).
pub fn split_rt_rw(line: &str) -> Option<(String, u16, u16)> {
    let re = RT_RW.as_ref()?;
    let caps = re.captures(line)?;
    let pair = [("a", "b"), ("c", "d"), ("e", "f")]
        .iter()
        .find_map(|(x, y)| Some((caps.name(x)?, caps.name(y)?)))?;
    let rt: u16 = pair.0.as_str().parse().ok()?;
    let rw: u16 = pair.1.as_str().parse().ok()?;
    if !(1..=999).contains(&rt) || !(1..=999).contains(&rw) {
        return None;
    }
    let whole = caps.get(0)?;
    let before = line[..whole.start()].trim_end_matches([' ', ',', '.', '-']);
    let after = line[whole.end()..].trim_start_matches([' ', ',', '.', '-']);
    let street = match (before.is_empty(), after.is_empty()) {
        (false, false) => format!("{before}, {after}"),
        (false, true) => before.to_string(),
        (true, _) => after.to_string(),
    };
    Some((
        street.split_whitespace().collect::<Vec<_>>().join(" "),
        rt,
        rw,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rt_rw_written_in_a_street_line_is_read_and_taken_out() {
        for (line, street) in [
            (
                "Jl. Pramuka Gg. Mawar No. 12 RT 5 RW 2",
                "Jl. Pramuka Gg. Mawar No. 12",
            ),
            ("Jl. Pramuka No. 12, RT.005/RW.002", "Jl. Pramuka No. 12"),
            ("jl pramuka 12 rt05 rw02", "jl pramuka 12"),
            (
                "Jl. Pramuka 12 RT/RW 005/002 Kel. Melayu",
                "Jl. Pramuka 12, Kel. Melayu",
            ),
            ("Jl. Pramuka 12 rt 5/2", "Jl. Pramuka 12"),
            ("Jl. Pramuka 12 RT: 5, RW: 2", "Jl. Pramuka 12"),
        ] {
            assert_eq!(
                split_rt_rw(line),
                Some((street.to_string(), 5, 2)),
                "{line}"
            );
        }
    }

    #[test]
    fn a_street_without_rt_rw_or_with_a_word_like_it_is_left_alone() {
        assert_eq!(split_rt_rw("Jl. Pramuka Gg. Mawar No. 12"), None);
        assert_eq!(split_rt_rw("Jl. Artha 12/4"), None);
        assert_eq!(split_rt_rw("Jl. Pramuka RT 0 RW 2"), None);
    }
}
