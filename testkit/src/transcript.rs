//! The transcript syntax (`tests/transcripts/*.txt`) that both runners read: the engine's
//! (`tests/flow_transcripts.rs`) and the end-to-end one (`tests/api/transcripts.rs`).

/// A photo the parent sends: `[foto kk.jpg]`, `[foto kk.jpg caption: kk]`, or
/// `[foto buram ktp.jpg]`, one the checks refuse as blurry.
pub struct PhotoLine<'a> {
    pub name: &'a str,
    pub caption: Option<String>,
    pub blurry: bool,
}

/// Reads the inside of a `[foto …]` bracket; `None` for any other bracket.
pub fn photo_line(inner: &str) -> Option<PhotoLine<'_>> {
    let rest = inner.strip_prefix("foto")?;
    let (rest, blurry) = match rest.trim().strip_prefix("buram") {
        Some(r) => (r.trim(), true),
        None => (rest.trim(), false),
    };
    let (name, caption) = match rest.split_once("caption:") {
        Some((n, c)) => (n.trim(), Some(c.trim().to_string())),
        None => (rest, None),
    };
    Some(PhotoLine {
        name,
        caption,
        blurry,
    })
}
