//! tlog-proof parsing and offline verification: never a panic; a file that parses re-encodes
//! to its bytes; a proof that verifies under the example parties' keys proves an entry of
//! alpha's feed.
#![no_main]

use hotline::proof::{OfflineProof, verify_offline};
use hotline_fuzz::context;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = OfflineProof::parse(data) else {
        return;
    };
    assert_eq!(
        p.encode(),
        data,
        "a parsed proof does not re-encode to its bytes"
    );
    let cx = context();
    if verify_offline(&p, &cx.trusted).is_ok() {
        assert!(
            cx.alpha_feed.contains(&p.entry),
            "a proof of an entry never signed"
        );
    }
});
