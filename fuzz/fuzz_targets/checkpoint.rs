//! Checkpoint body parsing: never a panic; a body that parses prints back to itself.
#![no_main]

use hotline::checkpoint::Checkpoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(
            cp.body(),
            text,
            "a parsed checkpoint does not print back to its text"
        );
    }
});
