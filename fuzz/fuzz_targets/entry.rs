//! Signed-entry decoding: never a panic; what decodes re-encodes to the same bytes (the
//! encoding is canonical), and its id, signature check and body decode never panic.
#![no_main]

use hotline::SignedEntry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(signed) = SignedEntry::decode(data) else {
        return;
    };
    assert_eq!(signed.encode().ok().as_deref(), Some(data), "not canonical");
    let _ = signed.id();
    let _ = signed.verify_signature();
    if let Ok(body) = signed.entry.body() {
        let _ = body.check_content();
        let _ = body.references();
    }
});
