//! An office's flow folder with one file replaced by arbitrary text: loading it either
//! succeeds or names the problem; it never panics.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use loket::flow::FlowFiles;

static BUILT_IN: LazyLock<FlowFiles> =
    LazyLock::new(|| loket::bundle::flow_files(None).expect("the built-in flows"));

fuzz_target!(|data: &[u8]| {
    let Some((&which, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let names: Vec<String> = BUILT_IN
        .iter()
        .map(|(name, _)| name.to_string())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    let name = &names[usize::from(which) % names.len()];
    let mut files = BUILT_IN.clone();
    files.insert(name.clone(), text);
    match loket::flow::check(&files) {
        Ok(_) => {}
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
