//! For the tests and the bench that drive the conversation engine with plain values.

use std::path::PathBuf;

use loket::flow::MediaRef;

/// The repository's `flows/` folder.
pub fn flows_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("flows")
}

/// A stand-in stored photo: a hash derived from the name, so each name is a distinct picture.
pub fn media(name: &str) -> MediaRef {
    MediaRef {
        sha256: format!(
            "{:0>64}",
            name.bytes().map(|b| format!("{b:02x}")).collect::<String>()
        ),
        mime: "image/jpeg".into(),
    }
}
