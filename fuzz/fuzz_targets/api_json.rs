//! Bytes as the JSON bodies of the officers' API (delivery steps, notices, data-subject
//! requests, walk-in forms through the engine's checks): refused with a reason or accepted,
//! never a panic.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static FLOWS: LazyLock<loket::flow::FlowSet> =
    LazyLock::new(|| loket::bundle::load_flows(None).expect("the built-in flows"));

fuzz_target!(|data: &[u8]| {
    loket::http::fuzzing::api_bodies(data, &FLOWS);
});
