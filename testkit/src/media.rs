//! For the tests and the bench that drive the conversation engine with plain values.

use loket::flow::MediaRef;

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
