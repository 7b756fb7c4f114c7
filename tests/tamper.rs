//! Tampering with the valid channel, byte by byte, never goes unnoticed, and no input makes the
//! verifier panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use hotline::charter::Charter;
use hotline::verify::{Options, verify};

fn valid() -> (Charter, Vec<Vec<u8>>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/channel/valid.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let charter = Charter::decode(&hex::decode(v["charter"].as_str().unwrap()).unwrap()).unwrap();
    let entries: Vec<Vec<u8>> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| hex::decode(e.as_str().unwrap()).unwrap())
        .collect();
    (charter, entries)
}

#[test]
fn flipping_any_byte_of_any_entry_is_reported() {
    let (charter, entries) = valid();
    assert!(
        verify(&charter, &entries, Options::default())
            .findings
            .is_empty()
    );
    let mut flips = 0;
    for i in 0..entries.len() {
        for j in 0..entries[i].len() {
            let mut copy = entries.clone();
            copy[i][j] ^= 0xff;
            let report = verify(&charter, &copy, Options::default());
            assert!(
                !report.ok && !report.findings.is_empty(),
                "flipping byte {j} of entry {i} went unnoticed"
            );
            // The finding points at the entry that was changed.
            assert!(
                report.findings.iter().any(|f| f.index == Some(i)),
                "byte {j} of entry {i}: {:?}",
                report.findings
            );
            flips += 1;
        }
    }
    assert!(flips > 3000, "only {flips} bytes flipped");
}

#[test]
fn truncated_and_extended_entries_are_reported_without_panic() {
    let (charter, entries) = valid();
    for i in 0..entries.len() {
        for cut in 0..entries[i].len() {
            let mut copy = entries.clone();
            copy[i].truncate(cut);
            let report = verify(&charter, &copy, Options::default());
            assert!(!report.ok, "entry {i} cut at {cut}");
        }
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let (charter, entries) = valid();
    // A small deterministic generator: splice random runs into real entries.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2000 {
        let mut copy = entries.clone();
        let i = (next() % copy.len() as u64) as usize;
        let len = copy[i].len().max(1);
        let at = (next() % len as u64) as usize;
        let run = (next() % 16) as usize;
        for k in 0..run {
            if let Some(b) = copy[i].get_mut(at + k) {
                *b = next() as u8;
            }
        }
        if next() % 4 == 0 {
            copy[i].truncate(at);
        }
        let report = verify(&charter, &copy, Options::default());
        if copy[i] != entries[i] {
            assert!(!report.ok);
        }
    }
    // Junk that is not an entry at all.
    let junk: Vec<Vec<u8>> = vec![vec![], vec![0; 10], vec![0xff; 300], vec![1; 1 << 19]];
    let report = verify(&charter, &junk, Options::default());
    assert_eq!(report.findings.len(), 4);
}
