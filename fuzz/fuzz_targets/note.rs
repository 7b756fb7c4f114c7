//! Signed-note parsing and opening: never a panic; a note that parses re-encodes to its
//! bytes; opening against the example channel's keys, and checking it as a checkpoint of the
//! channel, never panics, and a note that checks was signed by alpha over a checkpoint text.
#![no_main]

use hotline::checkpoint::{self, Note};
use hotline::witness;
use hotline_fuzz::context;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(note) = Note::parse(data) else {
        return;
    };
    assert_eq!(
        note.encode(),
        data,
        "a parsed note does not re-encode to its bytes"
    );
    let cx = context();
    let mut known = vec![cx.alpha_log.clone()];
    known.extend(cx.cosigners.iter().cloned());
    if let Ok(v) = checkpoint::open(data, &known) {
        let _ = v.checkpoint();
    }
    if let Ok(c) = witness::check_note(&cx.charter, data) {
        let signed = cx.notes.iter().any(|n| {
            witness::check_note(&cx.charter, n).is_ok_and(|k| k.checkpoint == c.checkpoint)
        });
        assert!(signed, "a checkpoint alpha never signed checks");
    }
});
