//! Charter decoding: never a panic; what decodes re-encodes to the same bytes, and its id
//! and rule check never panic.
#![no_main]

use hotline::Charter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(charter) = Charter::decode(data) else {
        return;
    };
    assert_eq!(
        charter.encode().ok().as_deref(),
        Some(data),
        "not canonical"
    );
    let _ = charter.id();
    let _ = charter.check();
});
