//! Bundle reading and verification: never a panic. A bundle that reads is verified with its
//! own charter, entries and notes (what `hotline verify BUNDLE` does), and a bundle of the
//! example channel's charter must never verify clean with an entry the channel never signed.
#![no_main]

use hotline::bundle;
use hotline::verify::{self, Options};
use hotline_fuzz::context;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(b) = bundle::read(data) else {
        return;
    };
    let report = verify::verify_with_notes(&b.charter, &b.entries, &b.notes, Options::default());
    let cx = context();
    if b.charter == cx.charter && report.ok {
        for e in &b.entries {
            assert!(
                cx.entries.contains(e),
                "a clean report with an entry never signed"
            );
        }
    }
});
