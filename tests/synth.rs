//! The synthetic channel behind the benchmarks (`hotline::example::synthetic`, written by
//! `cargo run --example synth`) is valid, deterministic, and mixes the kinds it says it does.
#![cfg(feature = "example")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;

use hotline::entry::SignedEntry;
use hotline::example::synthetic;
use hotline::verify::{self, Options};

#[test]
fn a_synthetic_channel_verifies_with_no_finding_and_is_the_same_every_time() {
    let (charter, entries) = synthetic(700).expect("builds");
    assert_eq!(entries.len(), 700);
    let report = verify::verify(&charter, &entries, Options::default());
    assert!(report.ok, "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.in_effect, "both parties accepted the charter");
    let (_, again) = synthetic(700).expect("builds");
    assert_eq!(entries, again, "the same N gives the same bytes");
    // A shorter channel is a prefix of a longer one.
    let (_, shorter) = synthetic(300).expect("builds");
    assert_eq!(shorter[..], entries[..300]);

    let kinds: BTreeSet<u16> = entries
        .iter()
        .map(|b| SignedEntry::decode(b).expect("decodes").entry.kind)
        .collect();
    // charter, acceptance, definition, commitment, notice, response, ack, receipt
    for k in 1..=8u16 {
        assert!(kinds.contains(&k), "kind {k} is in the mix: {kinds:?}");
    }
    let mean = entries.iter().map(Vec::len).sum::<usize>() / entries.len();
    assert!(
        (300..700).contains(&mean),
        "about 500 bytes an entry, not {mean}"
    );
}
