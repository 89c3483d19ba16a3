//! Typed answers against the choices shown. Parents who type instead of tapping type what they
//! see: "4", "4. Teluk Dalam", "Teluk Dalam", "teluk dalem", "antar ke rumah", or a sentence
//! that names the choice ("saya mau buat KIA anak"). Each is matched against every shown option:
//! its number, its title with or without the number, its id and aliases, a unique prefix, and
//! small typos. Only a truly ambiguous answer is asked again, naming the candidates.

use super::understand::{typo_within, words};

/// One option as the matcher sees it: the titles and aliases it answers to.
pub(super) struct Choice<'x> {
    pub names: Vec<&'x str>,
    /// Named in a sentence, it counts only when no other option is: "mau tanya bikin KIA"
    /// means the KIA, not the menu's "questions" entry.
    pub weak: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Typed {
    /// The index of the one option meant.
    One(usize),
    /// Several options fit equally well: their indexes, in list order.
    Ambiguous(Vec<usize>),
    Nothing,
}

/// Typos allowed in a name of this many characters: none in short words ("ya" must not become
/// "yb"), one in a word, two in a longer name, three in a long one.
fn allowance(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=6 => 1,
        7..=12 => 2,
        _ => 3,
    }
}

/// Words before a number that only say "number" or "choose".
const NUMBER_FILLERS: &[&str] = &["no", "nomor", "nomer", "nmr", "pilih", "pilihan", "angka"];

/// `text` against `choices` (in the order shown, numbered from 1).
pub(super) fn match_choice(text: &str, choices: &[Choice]) -> Typed {
    let typed = words(text);
    if typed.is_empty() {
        return Typed::Nothing;
    }
    let mut tokens: Vec<&str> = typed.split(' ').collect();
    while tokens.len() > 1 && NUMBER_FILLERS.contains(&tokens[0]) {
        tokens.remove(0);
    }
    // A leading number: the option's number, alone or followed by its title.
    if let Some(first) = tokens.first()
        && first.chars().all(|c| c.is_ascii_digit())
        && first.len() <= 3
    {
        let numbered = first
            .parse::<usize>()
            .ok()
            .and_then(|k| k.checked_sub(1))
            .filter(|i| *i < choices.len());
        let rest = tokens[1..].join(" ");
        if rest.is_empty() {
            return numbered.map_or(Typed::Nothing, Typed::One);
        }
        // The title typed after the number wins (the number may be from another page);
        // a title that says nothing leaves the number.
        return match by_name(&rest, choices) {
            Typed::Nothing => numbered.map_or(Typed::Nothing, Typed::One),
            Typed::Ambiguous(candidates) => match numbered {
                Some(i) if candidates.contains(&i) => Typed::One(i),
                _ => Typed::Ambiguous(candidates),
            },
            one => one,
        };
    }
    by_name(&tokens.join(" "), choices)
}

fn by_name(typed: &str, choices: &[Choice]) -> Typed {
    let folded: Vec<Vec<String>> = choices
        .iter()
        .map(|c| {
            let mut names: Vec<String> = Vec::new();
            for name in &c.names {
                let full = words(name);
                // "Antar ke rumah (Pos)" also answers to "antar ke rumah".
                let bare = words(&strip_brackets(name));
                for n in [full, bare] {
                    if !n.is_empty() && !names.contains(&n) {
                        names.push(n);
                    }
                }
            }
            names
        })
        .collect();
    let pick = |hits: Vec<usize>| -> Typed {
        match hits.as_slice() {
            [] => Typed::Nothing,
            [one] => Typed::One(*one),
            _ => Typed::Ambiguous(hits),
        }
    };
    // 1. Exactly a title, id or alias.
    let exact: Vec<usize> = indexes(&folded, |n| n == typed);
    if !exact.is_empty() {
        return pick(exact);
    }
    // 2. The beginning of a name, every typed word the start of the name's words in turn:
    //    "antar ke rumah", "teluk", "kel sel" for "Kelayan Selatan".
    if typed.chars().count() >= 3 {
        let prefix = indexes(&folded, |n| word_prefix(typed, n));
        if !prefix.is_empty() {
            return pick(prefix);
        }
    }
    // 3. Small typos, against the whole name or its first words: "teluk dalem", "antar kerumah".
    let mut best: Option<(usize, Vec<usize>)> = None;
    for (i, names) in folded.iter().enumerate() {
        let Some(d) = names.iter().filter_map(|n| typo_fit(typed, n)).min() else {
            continue;
        };
        match &mut best {
            Some((bd, hits)) if d == *bd => hits.push(i),
            Some((bd, _)) if d > *bd => {}
            _ => best = Some((d, vec![i])),
        }
    }
    if let Some((_, hits)) = best {
        return pick(hits);
    }
    // 4. A sentence that names an option: "saya mau buat KIA anak", "yang baru saja". A name
    //    found only inside another option's longer name does not count, so "saya tidak setuju"
    //    is not read as "setuju"; two options named apart are ambiguous.
    let spans: Vec<Vec<(usize, usize)>> = folded
        .iter()
        .map(|names| {
            names
                .iter()
                .filter(|n| n.chars().count() >= 2)
                .flat_map(|n| spans_of(typed, n))
                .collect()
        })
        .collect();
    let named: Vec<usize> = (0..spans.len())
        .filter(|&i| {
            spans[i].iter().any(|&(a, b)| {
                !spans.iter().enumerate().any(|(j, other)| {
                    j != i
                        && other
                            .iter()
                            .any(|&(c, d)| c <= a && b <= d && (d - c) > (b - a))
                })
            })
        })
        .collect();
    let strong: Vec<usize> = named
        .iter()
        .copied()
        .filter(|&i| !choices[i].weak)
        .collect();
    pick(if strong.is_empty() { named } else { strong })
}

fn indexes(folded: &[Vec<String>], test: impl Fn(&str) -> bool) -> Vec<usize> {
    folded
        .iter()
        .enumerate()
        .filter(|(_, names)| names.iter().any(|n| test(n)))
        .map(|(i, _)| i)
        .collect()
}

fn strip_brackets(name: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every typed word starts the name's word at the same position, the name has at least as many.
fn word_prefix(typed: &str, name: &str) -> bool {
    let t: Vec<&str> = typed.split(' ').collect();
    let n: Vec<&str> = name.split(' ').collect();
    t.len() <= n.len() && t.iter().zip(&n).all(|(a, b)| b.starts_with(a))
}

/// The smallest typo distance between `typed` and the name or a leading part of it at least as
/// long as what was typed, within the allowance of the part compared.
fn typo_fit(typed: &str, name: &str) -> Option<usize> {
    let typed_len = typed.chars().count();
    let parts: Vec<&str> = name.split(' ').collect();
    (1..=parts.len())
        .map(|k| parts[..k].join(" "))
        .filter(|part| part.chars().count() + 1 >= typed_len)
        .filter_map(|part| {
            let allowed = allowance(part.chars().count().min(typed_len.max(1)));
            typo_within(typed, &part, allowed)
        })
        .min()
}

/// Where `name` appears as whole words in `typed` (word ranges), each long word allowing its typo.
fn spans_of(typed: &str, name: &str) -> Vec<(usize, usize)> {
    let t: Vec<&str> = typed.split(' ').collect();
    let n: Vec<&str> = name.split(' ').collect();
    if n.len() > t.len() {
        return Vec::new();
    }
    t.windows(n.len())
        .enumerate()
        .filter(|(_, window)| {
            window
                .iter()
                .zip(&n)
                .all(|(a, b)| typo_within(a, b, allowance(b.chars().count())).is_some())
        })
        .map(|(start, _)| (start, start + n.len()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices<'x>(names: &'x [&'x [&'x str]]) -> Vec<Choice<'x>> {
        names
            .iter()
            .map(|n| Choice {
                names: n.to_vec(),
                weak: false,
            })
            .collect()
    }

    const KELURAHAN: &[&[&str]] = &[
        &["Kelayan Selatan"],
        &["Kelayan Barat"],
        &["Pekauman"],
        &["Teluk Dalam"],
        &["Teluk Tiram"],
        &["Melayu"],
    ];

    #[test]
    fn a_typed_choice_is_its_number_its_title_or_both() {
        let c = choices(KELURAHAN);
        for typed in [
            "4",
            "4.",
            "4. Teluk Dalam",
            "no 4",
            "Teluk Dalam",
            "TELUK   DALAM!",
        ] {
            assert_eq!(match_choice(typed, &c), Typed::One(3), "{typed}");
        }
        assert_eq!(match_choice("9", &c), Typed::Nothing);
    }

    #[test]
    fn small_typos_and_unique_prefixes_are_understood() {
        let c = choices(KELURAHAN);
        assert_eq!(match_choice("teluk dalem", &c), Typed::One(3));
        assert_eq!(match_choice("pekauman", &c), Typed::One(2));
        assert_eq!(match_choice("pekaumn", &c), Typed::One(2));
        assert_eq!(match_choice("melay", &c), Typed::One(5));
        assert_eq!(match_choice("kel sel", &c), Typed::One(0));
    }

    #[test]
    fn only_a_truly_ambiguous_answer_names_its_candidates() {
        let c = choices(KELURAHAN);
        assert_eq!(match_choice("teluk", &c), Typed::Ambiguous(vec![3, 4]));
        assert_eq!(match_choice("kelayan", &c), Typed::Ambiguous(vec![0, 1]));
        // The number settles it when it is one of the candidates.
        assert_eq!(match_choice("5 teluk", &c), Typed::One(4));
        assert_eq!(match_choice("kampung baru", &c), Typed::Nothing);
    }

    #[test]
    fn a_title_with_a_bracket_answers_without_it() {
        let c = choices(&[
            &["Antar ke rumah (Pos)", "antar", "pos"],
            &["Ambil di kecamatan", "ambil"],
        ]);
        assert_eq!(match_choice("antar ke rumah", &c), Typed::One(0));
        assert_eq!(match_choice("antar kerumah", &c), Typed::One(0));
        assert_eq!(match_choice("ambil di kecamatan aja", &c), Typed::One(1));
    }

    #[test]
    fn a_sentence_naming_one_choice_chooses_it_and_the_longest_name_wins() {
        let menu = choices(&[
            &[
                "KIA (Kartu Anak)",
                "kia",
                "kartu anak",
                "kartu identitas anak",
            ],
            &["Akta Kelahiran", "akta kelahiran", "akta lahir", "akte"],
        ]);
        assert_eq!(
            match_choice("Halo, saya mau buat KIA anak", &menu),
            Typed::One(0)
        );
        assert_eq!(
            match_choice("mau bikin kartu idenitas anak", &menu),
            Typed::One(0)
        );
        assert_eq!(
            match_choice("mau urus akte kelahiran", &menu),
            Typed::One(1)
        );
        assert_eq!(
            match_choice("KIA dan akta kelahiran", &menu),
            Typed::Ambiguous(vec![0, 1])
        );
        let mut with_faq = choices(&[
            &["KIA (Kartu Anak)", "kia", "kartu anak"],
            &["Pertanyaan umum", "tanya", "faq"],
        ]);
        with_faq[1].weak = true;
        assert_eq!(
            match_choice(
                "pagi bu, mau tanya bikin kia buat anak saya gimana ya",
                &with_faq
            ),
            Typed::One(0)
        );
        assert_eq!(match_choice("mau tanya dulu", &with_faq), Typed::One(1));
        let yes_no = choices(&[&["Setuju", "ya", "setuju"], &["Tidak setuju", "tidak"]]);
        assert_eq!(match_choice("saya tidak setuju", &yes_no), Typed::One(1));
        assert_eq!(match_choice("ya saya setuju", &yes_no), Typed::One(0));
        assert_eq!(match_choice("yb", &yes_no), Typed::Nothing);
    }
}
