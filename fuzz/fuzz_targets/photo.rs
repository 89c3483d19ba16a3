//! Any bytes as a photo of any document: the checks answer a verdict, and an accepted photo
//! comes with its stored copy. Never a panic (the fuzzer aborts on one even inside the checks'
//! own catch_unwind).
#![no_main]

use libfuzzer_sys::fuzz_target;
use loket::domain::document::{DocumentKind, DocumentShape};
use loket::validate::{PhotoPolicy, PhotoToCheck, check_photo};

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let kinds = ["kartu_keluarga", "akta_kelahiran", "ktp_ayah", "pas_foto"];
    let kind = DocumentKind::new(kinds[usize::from(which % 4)]);
    let shape = DocumentShape::ALL[usize::from(which / 4) % DocumentShape::ALL.len()];
    let policy = PhotoPolicy {
        // Small budgets: the fuzzer explores parsing, not large decodes.
        max_pixels: 4_000_000,
        max_alloc: 64 * 1024 * 1024,
        ..PhotoPolicy::default()
    };
    let checked = check_photo(
        &PhotoToCheck {
            bytes,
            kind: &kind,
            shape,
            child_birth_year: Some(2019),
            earlier: &[],
        },
        &policy,
    );
    assert_eq!(checked.accepted.is_some(), checked.verdict.accepted());
});
