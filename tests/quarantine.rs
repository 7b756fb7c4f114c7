//! Evidence is never thrown away: a refused import keeps what it verified in the quarantine
//! (forks, split views, signed checkpoints), an incremental export carries what its entries
//! reference, and an import's warnings reach its report.
#![cfg(all(feature = "store", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::Path;

use hotline::bundle::{self, NoteRecord};
use hotline::chain;
use hotline::entry::{Acceptance, Body, Commitment, Definition, SignedEntry, Timestamp};
use hotline::example::{self, T0, test_key};
use hotline::store::{Evidence, EvidenceKind, NoteMeta, Store, StoreError};
use hotline::verify::FindingKind;
use hotline::{PartyId, witness};

fn at(hours: u64) -> Timestamp {
    Timestamp(T0 + hours * 3600)
}

fn definition(term: &str) -> Body {
    Body::Definition(Definition {
        term: term.into(),
        text: format!("what {term} means"),
        supersedes: None,
    })
}

fn party(name: &str) -> PartyId {
    test_key(name).party()
}

/// Alpha's store with its charter entry and `n` definitions.
fn alpha_store(dir: &Path, n: u64) -> Store {
    let charter = example::charter();
    let mut s = Store::create(dir, &charter).unwrap();
    let key = test_key("alpha");
    s.append(&key, &Body::Charter(charter), at(0)).unwrap();
    for i in 0..n {
        s.append(&key, &definition(&format!("term {i}")), at(1 + i))
            .unwrap();
    }
    s
}

/// Beta's store with its acceptance.
fn beta_store(dir: &Path) -> Store {
    let charter = example::charter();
    let mut s = Store::create(dir, &charter).unwrap();
    let accept = Body::Acceptance(Acceptance {
        charter: charter.id().unwrap(),
    });
    s.append(&test_key("beta"), &accept, at(1)).unwrap();
    s
}

fn journal(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("journal")).unwrap()
}

/// Alpha signs a different entry at the seq of its last one.
fn equivocate(a: &Store) -> SignedEntry {
    let feed = a.feed(&party("alpha")).unwrap();
    let prev = &feed[feed.len() - 2];
    let head = chain::Head {
        seq: prev.header().seq,
        id: prev.id().unwrap(),
        time: prev.header().time,
    };
    chain::sign_next(
        &test_key("alpha"),
        test_key("alpha").party(),
        a.channel(),
        Some(&head),
        at(50),
        prev.header().views.clone(),
        &definition("the other story"),
    )
    .unwrap()
    .0
}

/// A copy of a signed entry with one signature byte flipped: refused as a bad signature.
fn bad_signature(entry: &[u8]) -> Vec<u8> {
    let mut e = entry.to_vec();
    let last = e.len() - 1;
    e[last] ^= 0x01;
    e
}

fn check_note(note: &[u8]) -> Result<NoteMeta, String> {
    let c = witness::check_note(&example::charter(), note).map_err(|e| e.to_string())?;
    Ok(NoteMeta::from(&c))
}

/// Alpha's signed checkpoint of its feed at `size` with `root`, as a bundle's note record.
fn checkpoint(size: u64, root: [u8; 32]) -> NoteRecord {
    let note =
        witness::sign_checkpoint(&example::charter(), &test_key("alpha"), size, root).unwrap();
    let meta = check_note(&note).unwrap();
    NoteRecord {
        origin: meta.origin,
        size,
        root,
        note,
    }
}

fn quarantine_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir.join("quarantine")) {
        Ok(l) => l
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

#[test]
fn a_refused_bundle_keeps_its_fork_in_quarantine() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let a = alpha_store(&da, 2);
    let mut b = beta_store(&db);
    b.import(&a.export(&BTreeMap::new()).unwrap(), None)
        .unwrap();
    assert!(b.quarantine().unwrap().is_empty());

    // An incremental bundle: alpha's fork of its seq 2, and one entry with a bad signature.
    let fork = equivocate(&a);
    let held = a.entries().unwrap();
    let refused = bundle::write(
        &example::charter(),
        &[fork.encode().unwrap(), bad_signature(&held[1])],
    )
    .unwrap();
    let before = journal(&db);
    match b.import(&refused, Some(at(60))) {
        Err(StoreError::Rejected { findings }) => {
            assert!(findings.iter().any(|f| f.kind == FindingKind::BadSignature));
        }
        other => panic!("{other:?}"),
    }
    // The journal is as it was; the fork is in quarantine, durable, re-verifiable.
    assert_eq!(journal(&db), before);
    assert!(b.forks().unwrap().is_empty());
    let kept = b.last_quarantine().unwrap().clone();
    assert_eq!(kept.kept.len(), 1, "{kept:?}");
    assert_eq!((kept.over_limit, kept.failed.clone()), (0, None));
    let q = &kept.kept[0];
    assert_eq!(q.kind, EvidenceKind::Fork);
    assert_eq!(q.received, Some(at(60)));
    assert_eq!(q.party(), Some(party("alpha")));
    assert!(q.refused.contains("refused"), "{}", q.refused);
    let Evidence::Fork(proof) = &q.evidence else {
        panic!("{q:?}")
    };
    assert_eq!(proof.seq, fork.header().seq);
    proof.verify(&example::charter()).unwrap();
    q.verify(&example::charter()).unwrap();
    let hash: [u8; 32] = sha2_of(&refused);
    assert_eq!(q.bundle, hash);
    assert_eq!(b.quarantine().unwrap(), kept.kept);
    assert_eq!(quarantine_files(&db), vec![q.name.clone()]);
    assert!(q.name.starts_with("fork-"));

    // The same refused bundle again: refused, nothing added, the evidence named as held.
    assert!(matches!(
        b.import(&refused, Some(at(61))),
        Err(StoreError::Rejected { .. })
    ));
    let again = b.last_quarantine().unwrap();
    assert!(again.kept.is_empty());
    assert_eq!(again.already_kept, kept.kept);
    assert_eq!(quarantine_files(&db), vec![q.name.clone()]);
    assert_eq!(journal(&db), before);

    // A successful import clears the last refusal; the quarantine survives a reopen.
    b.import(&a.export(&BTreeMap::new()).unwrap(), None)
        .unwrap();
    assert!(b.last_quarantine().is_none());
    drop(b);
    let b = Store::open(&db).unwrap();
    let listed = b.quarantine().unwrap();
    assert_eq!(listed, kept.kept);
    listed[0].verify(b.charter()).unwrap();
    // The evidence stands on its own as a bundle: the verifier finds the fork in it.
    let alone = bundle::read(&listed[0].to_bundle().unwrap()).unwrap();
    let r = hotline::verify::verify(&alone.charter, &alone.entries, Default::default());
    assert_eq!(r.of_kind(FindingKind::Fork).count(), 1);
    drop(b);

    // A changed byte in a quarantine file: it no longer matches its name, and says so.
    let path = db.join("quarantine").join(&q.name);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len() - 3;
    bytes[n] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let b = Store::open(&db).unwrap();
    match b.quarantine() {
        Err(StoreError::QuarantineDamaged { path: p, .. }) => assert_eq!(p, path),
        other => panic!("{other:?}"),
    }
}

fn sha2_of(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[test]
fn a_refused_bundle_keeps_its_split_view_and_verified_checkpoints() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let a = alpha_store(&da, 1);
    let mut b = beta_store(&db);
    b.import(&a.export(&BTreeMap::new()).unwrap(), None)
        .unwrap();
    // Alpha's checkpoint at size 2 whose root is not its entries': a split view, sent with an
    // entry that is refused.
    let forged = checkpoint(2, [0x55; 32]);
    let held = a.entries().unwrap();
    let refused = bundle::write_with_notes(
        &example::charter(),
        &[bad_signature(&held[0])],
        std::slice::from_ref(&forged),
    )
    .unwrap();
    let before = journal(&db);
    assert!(matches!(
        b.import_with(&refused, None, check_note),
        Err(StoreError::Rejected { .. })
    ));
    assert_eq!(journal(&db), before);
    assert!(b.all_notes().unwrap().is_empty());
    let kept = b.last_quarantine().unwrap().kept.clone();
    let kinds: Vec<EvidenceKind> = kept.iter().map(|q| q.kind).collect();
    assert_eq!(
        kinds,
        [EvidenceKind::SplitView, EvidenceKind::Checkpoint],
        "{kept:?}"
    );
    for q in &kept {
        q.verify(&example::charter()).unwrap();
        assert_eq!(q.party(), Some(party("alpha")));
    }
    // The split view carries alpha's entries it contradicts, so it stands on its own.
    let Evidence::SplitView { notes, entries } = &kept[0].evidence else {
        panic!("{kept:?}")
    };
    assert_eq!(notes[0].note, forged.note);
    assert_eq!(entries, &held);
    assert!(
        kept[0].what.contains("own signed entries"),
        "{}",
        kept[0].what
    );
    // Twice: deduped. Reopened: still there.
    let _ = b.import_with(&refused, None, check_note);
    assert_eq!(b.last_quarantine().unwrap().already_kept.len(), 2);
    drop(b);
    let b = Store::open(&db).unwrap();
    assert_eq!(b.quarantine().unwrap().len(), 2);
    assert_eq!(quarantine_files(&db).len(), 2);
}

#[test]
fn a_bundle_refused_for_one_bad_note_keeps_the_notes_that_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let a = alpha_store(&da, 1);
    let mut b = beta_store(&db);
    let view = a.feed_view(&party("alpha")).unwrap();
    let honest = checkpoint(view.size, view.root);
    let mut broken = checkpoint(1, [0x11; 32]);
    let n = broken.note.len() - 5;
    broken.note[n] ^= 0x01; // its signature no longer verifies
    let bytes = a.export(&BTreeMap::new()).unwrap();
    let entries = bundle::read(&bytes).unwrap().entries;
    let refused =
        bundle::write_with_notes(&example::charter(), &entries, &[honest.clone(), broken]).unwrap();
    let before = journal(&db);
    match b.import_with(&refused, None, check_note) {
        Err(StoreError::BadNote { index, .. }) => assert_eq!(index, entries.len() + 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(journal(&db), before);
    let kept = b.quarantine().unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].kind, EvidenceKind::Checkpoint);
    let Evidence::Checkpoint(n) = &kept[0].evidence else {
        panic!()
    };
    assert_eq!(n.note, honest.note);
    kept[0].verify(&example::charter()).unwrap();
    // A refusal with nothing verified to keep writes no quarantine at all.
    let tmp2 = tempfile::tempdir().unwrap();
    let mut c = beta_store(&tmp2.path().join("c"));
    let junk = bundle::write(&example::charter(), &[vec![0xff; 40]]).unwrap();
    assert!(c.import(&junk, None).is_err());
    assert_eq!(c.last_quarantine().unwrap().kept.len(), 0);
    assert!(!tmp2.path().join("c").join("quarantine").exists());
}

#[test]
fn an_import_reports_a_claimed_time_in_the_future_as_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let mut a = alpha_store(&da, 1);
    a.append(&test_key("alpha"), &definition("later"), at(48))
        .unwrap();
    let mut b = beta_store(&db);
    // Beta's clock says it is hour 2: alpha's entry of hour 48 claims a time 46 hours ahead.
    let r = b
        .import(&a.export(&BTreeMap::new()).unwrap(), Some(at(2)))
        .unwrap();
    assert_eq!(r.new_entries, 3);
    let future: Vec<_> = r
        .warnings
        .iter()
        .filter(|f| f.kind == FindingKind::FutureTime)
        .collect();
    assert_eq!(future.len(), 1, "{:?}", r.warnings);
    assert_eq!(future[0].seq, Some(2));
    assert!(future[0].message.contains("ahead"), "{}", future[0].message);
}

#[test]
fn an_export_since_carries_the_entries_its_entries_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let mut a = alpha_store(&da, 0);
    let key = test_key("alpha");
    let def = a.append(&key, &definition("incident"), at(1)).unwrap();
    for i in 0..3 {
        a.append(&key, &definition(&format!("filler {i}")), at(2 + i))
            .unwrap();
    }
    // Seq 5 cites seq 1.
    let commit = Body::Commitment(Commitment {
        title: "notify".into(),
        text: "we notify".into(),
        cites: vec![def.id().unwrap()],
        supersedes: None,
    });
    a.append(&key, &commit, at(6)).unwrap();
    a.append(&key, &definition("last"), at(7)).unwrap();
    let alpha = party("alpha");
    let since = BTreeMap::from([(alpha, 5)]);
    let out = bundle::read(&a.export(&since).unwrap()).unwrap();
    let seqs: Vec<u64> = out
        .entries
        .iter()
        .map(|e| SignedEntry::decode(e).unwrap().header().seq.0)
        .collect();
    // The cited entry, and the rest of its feed from there, so the receiver has no gap.
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    // A cut with nothing referenced below it is exact.
    let since = BTreeMap::from([(alpha, 6)]);
    let n = bundle::read(&a.export(&since).unwrap())
        .unwrap()
        .entries
        .len();
    assert_eq!(n, 1);

    // A receiver that holds alpha's seq 0 only imports the incremental bundle and verifies.
    let mut b = beta_store(&db);
    let first = a.entries().unwrap()[0].clone();
    b.import(&bundle::write(&example::charter(), &[first]).unwrap(), None)
        .unwrap();
    let r = b
        .import(&a.export(&BTreeMap::from([(alpha, 5)])).unwrap(), None)
        .unwrap();
    assert_eq!(r.new_entries, 6);
    assert!(b.verify(Default::default()).unwrap().ok);
}

#[test]
fn a_full_quarantine_keeps_no_more() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let a = alpha_store(&da, 2);
    let mut b = beta_store(&db);
    b.import(&a.export(&BTreeMap::new()).unwrap(), None)
        .unwrap();
    // The quarantine is at its limit of files already.
    let q = db.join("quarantine");
    std::fs::create_dir_all(&q).unwrap();
    for i in 0..hotline::store::MAX_FILES {
        std::fs::write(q.join(format!("filler-{i}")), b"x").unwrap();
    }
    let fork = equivocate(&a);
    let held = a.entries().unwrap();
    let refused = bundle::write(
        &example::charter(),
        &[fork.encode().unwrap(), bad_signature(&held[1])],
    )
    .unwrap();
    assert!(b.import(&refused, None).is_err());
    let kept = b.last_quarantine().unwrap().clone();
    assert_eq!((kept.kept.len(), kept.over_limit), (0, 1), "{kept:?}");
    assert_eq!(
        std::fs::read_dir(&q).unwrap().count(),
        hotline::store::MAX_FILES
    );
}
