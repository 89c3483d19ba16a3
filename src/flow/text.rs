//! Citizen-facing text from flow files: Indonesian always, English where staff wrote it, and
//! `{placeholder}` templates filled by the engine.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

pub use crate::domain::lang::Lang;

/// A text in Indonesian with an optional English version. In TOML either a plain string
/// (`prompt = "..."`) or a table (`prompt.id = "..."`, `prompt.en = "..."`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalText {
    pub id: String,
    pub en: Option<String>,
}

impl LocalText {
    pub fn new(id: &str) -> LocalText {
        LocalText {
            id: id.to_string(),
            en: None,
        }
    }

    /// English falls back to Indonesian where staff have not translated.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => self.en.as_deref().unwrap_or(&self.id),
        }
    }

    pub fn variants(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.en.as_deref())
    }
}

impl<'de> Deserialize<'de> for LocalText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = LocalText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a string, or a table with `id` (Indonesian) and optional `en` (English)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LocalText, E> {
                Ok(LocalText::new(v))
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<LocalText, M::Error> {
                let (mut id, mut en) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "id" => id = Some(map.next_value::<String>()?),
                        "en" => en = Some(map.next_value::<String>()?),
                        other => {
                            return Err(de::Error::unknown_field(other, &["id", "en"]));
                        }
                    }
                }
                let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
                Ok(LocalText { id, en })
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// Names used as `{name}` in a template, in order of appearance.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    names.push(name);
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    names
}

/// Fills `{name}` from `lookup`; an unknown name stays visible rather than vanishing silently.
pub fn fill(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_and_unknown_names_stay_visible() {
        let lookup = |name: &str| (name == "nama").then(|| "Budi".to_string());
        assert_eq!(fill("Halo {nama}, {x} {", &lookup), "Halo Budi, {x} {");
        assert_eq!(
            placeholders("a {nama} b {tanggal_selesai} {}"),
            ["nama", "tanggal_selesai"]
        );
    }

    #[test]
    fn text_reads_from_a_string_or_an_id_en_table() {
        #[derive(Deserialize)]
        struct T {
            a: LocalText,
            b: LocalText,
        }
        let t: T = toml::from_str("a = \"Halo\"\nb.id = \"Halo\"\nb.en = \"Hello\"\n").unwrap();
        assert_eq!(t.a.get(Lang::En), "Halo");
        assert_eq!(t.b.get(Lang::En), "Hello");
        assert!(toml::from_str::<T>("a = \"x\"\nb.fr = \"y\"\n").is_err());
    }
}
