//! Checkpoints in verification: cosignatures as "when" evidence, split views kept with both
//! notes as evidence, and bad notes reported.
#![cfg(feature = "example")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use hotline::entry::Timestamp;
use hotline::example::{self, T0, test_key};
use hotline::merkle::{self, Hash};
use hotline::verify::{CheckpointSummary, FindingKind, Options, verify_with_notes};
use hotline::witness::{self, CheckedNote, Held, WitnessError};

fn alpha_leaves() -> (hotline::Charter, Vec<Vec<u8>>, Vec<Hash>) {
    let (charter, entries) = example::channel().unwrap();
    let alpha = test_key("alpha").party();
    let leaves = entries
        .iter()
        .filter(|e| hotline::SignedEntry::decode(e).unwrap().header().author == alpha)
        .map(|e| merkle::leaf_hash(e))
        .collect();
    (charter, entries, leaves)
}

fn cosigned(charter: &hotline::Charter, size: u64, root: Hash, at: u64) -> Vec<u8> {
    let note = witness::sign_checkpoint(charter, &test_key("alpha"), size, root).unwrap();
    let held = move |_: &CheckedNote| Held {
        size,
        root_at_checkpoint: Some(root),
        last_cosigned: None,
    };
    witness::cosign(charter, &test_key("beta"), &note, &held, Timestamp(at)).unwrap()
}

#[test]
fn consistent_checkpoints_give_when_evidence() {
    let (charter, entries, leaves) = alpha_leaves();
    let n3 = cosigned(&charter, 3, merkle::root(&leaves[..3]), T0 + 10 * 3600);
    let n7 = cosigned(&charter, 7, merkle::root(&leaves), T0 + 100 * 3600);
    let r = verify_with_notes(&charter, &entries, &[&n7, &n3], Options::default());
    assert!(r.ok && r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.checkpoints.len(), 2);
    assert_eq!(r.checkpoints[0].size, 7, "latest first");
    // Alpha's seq 1 was in its feed no later than beta's cosignature of the size-3 checkpoint.
    let w = CheckpointSummary::earliest_witness(&r.checkpoints, "alpha", 1).unwrap();
    assert_eq!(
        (w.by.as_str(), w.time, w.size),
        ("beta", Timestamp(T0 + 10 * 3600), 3)
    );
    let w = CheckpointSummary::earliest_witness(&r.checkpoints, "alpha", 5).unwrap();
    assert_eq!(w.size, 7);
    assert!(CheckpointSummary::earliest_witness(&r.checkpoints, "alpha", 7).is_none());
}

#[test]
fn two_roots_at_one_size_are_a_split_view_with_both_notes() {
    let (charter, entries, leaves) = alpha_leaves();
    let real = cosigned(&charter, 7, merkle::root(&leaves), T0);
    // Alpha shows someone else a different history of the same size (the entries are not
    // held by that verifier, so only the two notes can expose it).
    let other = witness::sign_checkpoint(&charter, &test_key("alpha"), 9, [0x55; 32]).unwrap();
    let other2 = witness::sign_checkpoint(&charter, &test_key("alpha"), 9, [0x66; 32]).unwrap();
    let r = verify_with_notes(
        &charter,
        &entries,
        &[&real, &other, &other2],
        Options::default(),
    );
    let splits: Vec<_> = r.of_kind(FindingKind::SplitView).collect();
    assert_eq!(splits.len(), 1, "{:#?}", r.findings);
    assert_eq!(splits[0].party.as_deref(), Some("alpha"));
    assert_eq!(splits[0].notes.len(), 2);
    assert!(
        splits[0]
            .notes
            .contains(&String::from_utf8(other.clone()).unwrap())
    );
    assert!(
        splits[0]
            .notes
            .contains(&String::from_utf8(other2.clone()).unwrap())
    );
    assert!(!r.ok);
    // The consistent checkpoint still stands.
    assert_eq!(r.checkpoints.len(), 1);
    // JSON carries the notes.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["findings"][0]["kind"], "split-view");
    assert_eq!(json["findings"][0]["notes"].as_array().unwrap().len(), 2);
}

#[test]
fn a_checkpoint_contradicting_the_signed_entries_is_a_split_view() {
    let (charter, entries, leaves) = alpha_leaves();
    let mut wrong = leaves[..4].to_vec();
    wrong[2] = [9; 32];
    let note =
        witness::sign_checkpoint(&charter, &test_key("alpha"), 4, merkle::root(&wrong)).unwrap();
    let r = verify_with_notes(&charter, &entries, &[&note], Options::default());
    let splits: Vec<_> = r.of_kind(FindingKind::SplitView).collect();
    assert_eq!(splits.len(), 1, "{:#?}", r.findings);
    assert!(splits[0].message.contains("own signed entries"));
    // And beta refuses to cosign it: the root is not the root of what beta holds.
    let held = |_: &CheckedNote| Held {
        size: 7,
        root_at_checkpoint: Some(merkle::root(&leaves[..4])),
        last_cosigned: None,
    };
    let e = witness::cosign(&charter, &test_key("beta"), &note, &held, Timestamp(T0));
    assert!(matches!(e, Err(WitnessError::Inconsistent { .. })), "{e:?}");
}

#[test]
fn bad_notes_are_reported() {
    let (charter, entries, leaves) = alpha_leaves();
    let note = cosigned(&charter, 7, merkle::root(&leaves), T0);
    let mut tampered = note.clone();
    // The size line: "7" becomes "6".
    let at = tampered.iter().position(|b| *b == b'\n').unwrap() + 1;
    tampered[at] = b'6';
    let garbage = b"not a note".to_vec();
    let r = verify_with_notes(
        &charter,
        &entries,
        &[&tampered, &garbage],
        Options::default(),
    );
    assert_eq!(
        r.of_kind(FindingKind::BadCheckpoint).count(),
        2,
        "{:#?}",
        r.findings
    );
    assert!(r.checkpoints.is_empty());
}

#[test]
fn a_checkpoint_beyond_the_entries_held_is_not_when_evidence() {
    // Beta cosigned alpha's checkpoint at size 10; the verifier holds only 7 of alpha's
    // entries, which may not be the ones beta saw: the cosignature says nothing about them.
    let (charter, entries, _) = alpha_leaves();
    let note = cosigned(&charter, 10, [0x42; 32], T0 + 3600);
    let r = verify_with_notes(&charter, &entries, &[&note], Options::default());
    assert!(r.ok, "{:#?}", r.findings);
    assert_eq!(r.checkpoints.len(), 1);
    assert!(!r.checkpoints[0].matches_entries);
    assert!(CheckpointSummary::earliest_witness(&r.checkpoints, "alpha", 1).is_none());
}
