//! A signed webhook body as loket reads it: parsed one message at a time, and, for an
//! erasure, rewritten without one party. Neither may panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loket::channel::webhook;

fuzz_target!(|body: &[u8]| {
    let _ = webhook::parse(body);
    let _ = webhook::messages_from(body, "6281234567890");
    if let Ok(Some(rest)) = webhook::without_party(body, "6281234567890") {
        // What is left is JSON again, and holds nothing more of theirs.
        let again = webhook::without_party(&rest, "6281234567890").expect("still JSON");
        assert!(again.is_none(), "a second pass found more of theirs");
    }
});
