//! Kemendagri region codes (province, regency/city, kecamatan) and the kelurahan of the office's
//! region with their postal codes. Built from CSV text the caller reads (see `flows/data/`).

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("line {line}: expected {expected} comma-separated columns")]
    Columns { line: usize, expected: usize },
    #[error("line {line}: the header must be `{expected}`")]
    Header { line: usize, expected: &'static str },
}

impl RegionError {
    pub fn line(&self) -> usize {
        match self {
            RegionError::Columns { line, .. } | RegionError::Header { line, .. } => *line,
        }
    }
}

/// Region codes with dots (`63.71.01`) to names, from `wilayah_kecamatan.csv` (`code,name,level`).
#[derive(Debug, Clone, Default)]
pub struct RegionTable {
    names: BTreeMap<String, String>,
}

impl RegionTable {
    pub fn from_csv(text: &str) -> Result<RegionTable, RegionError> {
        let mut names = BTreeMap::new();
        for (_, row) in csv_rows(text, "code,name,level", 3)? {
            if let [code, name, _level] = row.as_slice() {
                names.insert(code.to_string(), name.to_string());
            }
        }
        Ok(RegionTable { names })
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    /// `63.71.01`: a kecamatan code (three parts) present in the table.
    pub fn has_kecamatan(&self, dotted: &str) -> bool {
        dotted.split('.').count() == 3 && self.names.contains_key(dotted)
    }

    /// Kecamatan directly under a regency/city code such as `63.71`, in code order.
    pub fn kecamatan_of(&self, city: &str) -> Vec<(String, String)> {
        let prefix = format!("{city}.");
        self.names
            .range(prefix.clone()..)
            .take_while(|(code, _)| code.starts_with(&prefix))
            .filter(|(code, _)| code.split('.').count() == 3)
            .map(|(code, name)| (code.clone(), name.clone()))
            .collect()
    }
}

/// One kelurahan of the office's region (`code,name,kecamatan_code,postal_code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kelurahan {
    pub code: String,
    pub name: String,
    pub kecamatan_code: String,
    pub postal_code: String,
}

pub fn kelurahan_from_csv(text: &str) -> Result<Vec<Kelurahan>, RegionError> {
    let mut list = Vec::new();
    for (_, row) in csv_rows(text, "code,name,kecamatan_code,postal_code", 4)? {
        if let [code, name, kecamatan_code, postal_code] = row.as_slice() {
            list.push(Kelurahan {
                code: code.to_string(),
                name: name.to_string(),
                kecamatan_code: kecamatan_code.to_string(),
                postal_code: postal_code.to_string(),
            });
        }
    }
    Ok(list)
}

/// Rows of a simple CSV (no quoted commas: region names have none) with their 1-based line.
pub(crate) fn csv_rows<'t>(
    text: &'t str,
    header: &'static str,
    columns: usize,
) -> Result<Vec<(usize, Vec<&'t str>)>, RegionError> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if first.trim().trim_start_matches('\u{feff}') == header => {}
        _ => {
            return Err(RegionError::Header {
                line: 1,
                expected: header,
            });
        }
    }
    let mut rows = Vec::new();
    for (index, line) in lines {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != columns {
            return Err(RegionError::Columns {
                line: index + 1,
                expected: columns,
            });
        }
        rows.push((index + 1, fields));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "code,name,level\n63,Kalimantan Selatan,provinsi\n63.71,Kota Banjarmasin,kabkota\n63.71.01,Banjarmasin Selatan,kecamatan\n63.71.02,Banjarmasin Timur,kecamatan\n63.72,Kota Banjarbaru,kabkota\n63.72.01,Landasan Ulin,kecamatan\n";

    #[test]
    fn kecamatan_are_found_by_code_and_listed_per_city() {
        let table = RegionTable::from_csv(TABLE).unwrap();
        assert!(table.has_kecamatan("63.71.01"));
        assert!(!table.has_kecamatan("63.71"));
        assert!(!table.has_kecamatan("63.71.09"));
        assert_eq!(table.name("63.71"), Some("Kota Banjarmasin"));
        let names: Vec<String> = table
            .kecamatan_of("63.71")
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(names, ["Banjarmasin Selatan", "Banjarmasin Timur"]);
    }

    #[test]
    fn a_broken_row_is_reported_with_its_line() {
        let err =
            RegionTable::from_csv("code,name,level\n63,Kalsel,provinsi\n63.71,Kota\n").unwrap_err();
        assert_eq!(
            err,
            RegionError::Columns {
                line: 3,
                expected: 3
            }
        );
        assert!(RegionTable::from_csv("kode,nama\n").is_err());
    }

    #[test]
    fn kelurahan_carry_their_kecamatan_and_postal_code() {
        let list = kelurahan_from_csv(
            "code,name,kecamatan_code,postal_code\n63.71.01.1001,Mantuil,63.71.01,70244\n",
        )
        .unwrap();
        assert_eq!(list[0].name, "Mantuil");
        assert_eq!(list[0].postal_code, "70244");
    }
}
