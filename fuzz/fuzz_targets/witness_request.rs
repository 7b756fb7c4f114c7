//! The witness protocol: parsing an add-checkpoint request body and applying the witness's
//! rules to it, and parsing a witness's response. Never a panic; a request that parses
//! re-encodes to its bytes; a witness cosigns only a checkpoint alpha signed.
#![no_main]

use hotline::tlog_witness::{self, AddCheckpoint, Recorded};
use hotline_fuzz::context;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tlog_witness::parse_response(data);
    let Ok(req) = AddCheckpoint::parse(data) else {
        return;
    };
    assert_eq!(
        req.encode(),
        data,
        "a parsed request does not re-encode to its bytes"
    );
    let _ = req.origin();
    let cx = context();
    let leaves = cx.leaves();
    let recorded = (req.old_size > 0 && req.old_size <= leaves.len() as u64).then(|| Recorded {
        size: req.old_size,
        root: hotline::merkle::root(leaves.get(..req.old_size as usize).unwrap_or_default()),
    });
    if let Ok(c) = tlog_witness::add_checkpoint(&req, &cx.alpha_log, recorded, &cx.witness(), 1) {
        assert!(c.checkpoint.size() >= req.old_size);
    }
});
