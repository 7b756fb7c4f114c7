//! Each feed's Merkle tree as the store keeps it: roots, inclusion and consistency proofs from
//! the stored subtrees, for every size and index, against the reference algorithms over the
//! feed's leaves; the same nodes after a rebuild; a fork stops the tree; an acknowledgement
//! whose view disagrees with the tree is refused. And signed notes kept in the journal and
//! the index, exported and imported, a bad one refusing the whole import.
#![cfg(all(feature = "store", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use hotline::bundle;
use hotline::chain;
use hotline::entry::{
    Acceptance, AckState, Body, Definition, EntryId, EntryRef, FeedView, Seq, SignedEntry,
    Timestamp, View,
};
use hotline::example::{self, T0, test_key};
use hotline::merkle::{self, Hash};
use hotline::store::{NoteMeta, Store, StoreError, StoredNote};
use hotline::verify::{FindingKind, Options};
use hotline::{PartyId, witness};

fn at(minutes: u64) -> Timestamp {
    Timestamp(T0 + minutes * 60)
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

fn journal(dir: &Path) -> Vec<u8> {
    fs::read(dir.join("journal")).unwrap()
}

/// A store holding alpha's feed (its charter, then definitions) and beta's (its acceptance,
/// then definitions), `n` entries each, written in turns; after each append the feed's tree
/// is checked against the reference root.
fn two_feeds(dir: &Path, n: u64) -> Store {
    let charter = example::charter();
    let mut s = Store::create(dir, &charter).unwrap();
    let (ka, kb) = (test_key("alpha"), test_key("beta"));
    let accept = Body::Acceptance(Acceptance {
        charter: charter.id().unwrap(),
    });
    for i in 0..n {
        let (a, b) = if i == 0 {
            (Body::Charter(charter.clone()), accept.clone())
        } else {
            (
                definition(&format!("alpha {i}")),
                definition(&format!("beta {i}")),
            )
        };
        for (key, body) in [(&ka, a), (&kb, b)] {
            s.append(key, &body, at(i)).unwrap();
            let leaves = leaves(&s, &key.party());
            assert_eq!(leaves.len() as u64, i + 1);
            assert_eq!(s.tree_size(&key.party()).unwrap(), i + 1);
            assert_eq!(
                s.feed_view(&key.party()).unwrap(),
                FeedView {
                    size: i + 1,
                    root: merkle::root(&leaves)
                }
            );
        }
    }
    s
}

/// The leaf hashes of `party`'s feed, by seq.
fn leaves(s: &Store, party: &PartyId) -> Vec<Hash> {
    s.feed(party)
        .unwrap()
        .iter()
        .map(|e| merkle::leaf_hash(&e.encode().unwrap()))
        .collect()
}

fn ids(s: &Store, party: &PartyId) -> Vec<EntryId> {
    s.feed(party)
        .unwrap()
        .iter()
        .map(|e| e.id().unwrap())
        .collect()
}

#[test]
fn every_proof_at_every_size_matches_the_reference() {
    const N: u64 = 40;
    let tmp = tempfile::tempdir().unwrap();
    let s = two_feeds(&tmp.path().join("s"), N);
    for name in ["alpha", "beta"] {
        let p = party(name);
        let leaves = leaves(&s, &p);
        let ids = ids(&s, &p);
        let entries = s.feed(&p).unwrap();
        assert_eq!(s.tree_size(&p).unwrap(), N);
        assert_eq!(s.root_at(&p, 0).unwrap(), merkle::empty_root());
        for size in 1..=N {
            let root = s.root_at(&p, size).unwrap();
            let prefix = &leaves[..size as usize];
            assert_eq!(root, merkle::root(prefix), "{name} root at {size}");
            for index in 0..size {
                let proof = s.inclusion_proof(&ids[index as usize], Some(size)).unwrap();
                assert_eq!(
                    (proof.party, proof.index, proof.size, proof.root),
                    (p, index, size, root)
                );
                assert_eq!(proof.entry, entries[index as usize].encode().unwrap());
                assert_eq!(
                    proof.path,
                    merkle::inclusion_proof(prefix, index).unwrap(),
                    "{name} inclusion of {index} at {size}"
                );
                merkle::verify_inclusion(index, size, &leaves[index as usize], &proof.path, &root)
                    .unwrap();
                proof.verify().unwrap();
            }
            for old in 1..=size {
                let c = s.consistency_proof(&p, old, size).unwrap();
                assert_eq!(
                    c,
                    merkle::consistency_proof(prefix, old).unwrap(),
                    "{name} consistency {old} → {size}"
                );
                let old_root = s.root_at(&p, old).unwrap();
                merkle::verify_consistency(old, size, &old_root, &root, &c).unwrap();
            }
        }
        // The default size is the tree's.
        let last = s.inclusion_proof(&ids[3], None).unwrap();
        assert_eq!((last.size, last.root), (N, merkle::root(&leaves)));
        // A tampered proof does not verify.
        let mut bad = last.clone();
        bad.path[0][0] ^= 1;
        assert!(bad.verify().is_err());

        // Every perfect subtree inside the tree, and nothing else: 2n − popcount(n) of them.
        let nodes = s.subtrees(&p).unwrap();
        assert_eq!(nodes.len() as u64, 2 * N - u64::from(N.count_ones()));
        for (node, hash) in nodes {
            let range = node.leaves();
            let r = range.start as usize..range.end as usize;
            assert_eq!(hash, merkle::root(&leaves[r]), "{node:?}");
        }

        // Requests outside the tree or without a proof.
        assert!(matches!(
            s.root_at(&p, N + 1),
            Err(StoreError::OutsideTree { tree_size: N, .. })
        ));
        assert!(matches!(
            s.inclusion_proof(&ids[5], Some(N + 1)),
            Err(StoreError::OutsideTree { .. })
        ));
        assert!(matches!(
            s.inclusion_proof(&ids[5], Some(5)),
            Err(StoreError::BadProofRequest { .. })
        ));
        assert!(matches!(
            s.consistency_proof(&p, 0, 5),
            Err(StoreError::BadProofRequest { .. })
        ));
        assert!(matches!(
            s.consistency_proof(&p, 6, 5),
            Err(StoreError::BadProofRequest { .. })
        ));
        assert!(matches!(
            s.consistency_proof(&p, 1, N + 1),
            Err(StoreError::OutsideTree { .. })
        ));
    }
    assert!(matches!(
        s.inclusion_proof(&EntryId([9; 32]), None),
        Err(StoreError::UnknownId { .. })
    ));
    // A feed with no entries has the empty tree.
    let empty = Store::create(&tmp.path().join("empty"), &example::charter()).unwrap();
    let alpha = party("alpha");
    assert_eq!(empty.tree_size(&alpha).unwrap(), 0);
    assert_eq!(
        empty.feed_view(&alpha).unwrap(),
        FeedView {
            size: 0,
            root: merkle::empty_root()
        }
    );
    assert!(empty.subtrees(&alpha).unwrap().is_empty());
    assert!(matches!(
        empty.consistency_proof(&alpha, 1, 1),
        Err(StoreError::OutsideTree { tree_size: 0, .. })
    ));
}

/// Every stored node and size of both parties' trees.
type Trees = Vec<(u64, Vec<(merkle::NodeId, Hash)>)>;

fn trees(s: &Store) -> Trees {
    ["alpha", "beta"]
        .iter()
        .map(|n| {
            let p = party(n);
            (s.tree_size(&p).unwrap(), s.subtrees(&p).unwrap())
        })
        .collect()
}

#[test]
fn the_nodes_are_the_same_after_a_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let before = trees(&two_feeds(&dir, 23));
    assert_eq!(before[0].0, 23);
    assert_eq!(before[0].1.len(), 2 * 23 - 4);

    // By repair.
    Store::repair(&dir).unwrap();
    assert_eq!(trees(&Store::open(&dir).unwrap()), before);
    // By opening with the index gone.
    fs::remove_dir_all(dir.join("index")).unwrap();
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().records_indexed, 46);
    assert_eq!(trees(&s), before);
}

#[test]
fn entries_imported_out_of_order_grow_the_tree_when_the_gap_closes() {
    let tmp = tempfile::tempdir().unwrap();
    let a = two_feeds(&tmp.path().join("a"), 9);
    let alpha = party("alpha");
    let mut entries = bundle::read(&a.export(&BTreeMap::new()).unwrap())
        .unwrap()
        .entries;
    entries.reverse();
    let mut b = Store::create(&tmp.path().join("b"), &example::charter()).unwrap();
    let r = b
        .import(&bundle::write(&example::charter(), &entries).unwrap(), None)
        .unwrap();
    assert_eq!(r.new_entries, 18);
    assert_eq!(trees(&b), trees(&a));
    assert_eq!(b.feed_view(&alpha).unwrap(), a.feed_view(&alpha).unwrap());
}

/// An entry signed by `key` at `seq`, linked to `prev`, as an equivocating party would.
fn sign_at(key: &hotline::SecretKey, s: &Store, prev: &SignedEntry, body: &Body) -> SignedEntry {
    let head = chain::Head {
        seq: prev.header().seq,
        id: prev.id().unwrap(),
        time: prev.header().time,
    };
    chain::sign_next(
        key,
        key.party(),
        s.channel(),
        Some(&head),
        at(500),
        prev.header().views.clone(),
        body,
    )
    .unwrap()
    .0
}

#[test]
fn a_fork_cuts_the_tree_back_and_stops_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let mut s = two_feeds(&dir, 10);
    let alpha = party("alpha");
    let ka = test_key("alpha");
    let feed = s.feed(&alpha).unwrap();
    let leaves = leaves(&s, &alpha);
    let root5 = s.root_at(&alpha, 5).unwrap();
    // Alpha signs another seq 5, and a seq 6 after it.
    let other5 = sign_at(&ka, &s, &feed[4], &definition("the other story"));
    let other6 = sign_at(&ka, &s, &other5, &definition("and more of it"));
    let bytes = bundle::write(
        &example::charter(),
        &[other5.encode().unwrap(), other6.encode().unwrap()],
    )
    .unwrap();
    let r = s.import(&bytes, None).unwrap();
    // Both seqs now hold two entries.
    assert_eq!(r.new_entries, 2);
    let seqs: Vec<Seq> = r.forks.iter().map(|f| f.seq).collect();
    assert_eq!(seqs, vec![Seq(5), Seq(6)]);

    assert_eq!(s.tree_size(&alpha).unwrap(), 5);
    assert_eq!(s.root_at(&alpha, 5).unwrap(), root5);
    assert_eq!(
        s.feed_view(&alpha).unwrap(),
        FeedView {
            size: 5,
            root: merkle::root(&leaves[..5])
        }
    );
    let nodes = s.subtrees(&alpha).unwrap();
    assert_eq!(nodes.len(), 2 * 5 - 2);
    assert!(nodes.iter().all(|(n, _)| n.leaves().end <= 5));
    for id in [
        feed[5].id().unwrap(),
        other5.id().unwrap(),
        feed[7].id().unwrap(),
    ] {
        assert!(matches!(
            s.inclusion_proof(&id, None),
            Err(StoreError::OutsideTree { tree_size: 5, .. })
        ));
    }
    assert!(s.inclusion_proof(&feed[4].id().unwrap(), None).is_ok());
    assert!(matches!(
        s.root_at(&alpha, 6),
        Err(StoreError::OutsideTree { .. })
    ));
    // The verifier's view of the feed agrees.
    let report = s.verify(Options::default()).unwrap();
    let summary = report.feeds.iter().find(|f| f.key == alpha).unwrap();
    assert_eq!((summary.size, summary.root), (5, root5));
    // Beta's tree is untouched, and the store refuses to extend alpha's feed.
    assert_eq!(s.tree_size(&party("beta")).unwrap(), 10);
    assert!(matches!(
        s.append(&ka, &definition("x"), at(600)),
        Err(StoreError::Forked { .. })
    ));

    let before = trees(&s);
    drop(s);
    Store::repair(&dir).unwrap();
    assert_eq!(trees(&Store::open(&dir).unwrap()), before);
}

fn ack(author: PartyId, seq: u64, id: EntryId) -> Body {
    example::ack(
        EntryRef {
            author,
            seq: Seq(seq),
            id,
        },
        AckState::Received,
        "",
    )
}

/// The findings of a refused append, after checking nothing was written.
fn refused(s: &mut Store, dir: &Path, key: &hotline::SecretKey, body: &Body) -> Vec<FindingKind> {
    let before = journal(dir);
    let count = s.entry_count();
    let kinds = match s.append(key, body, at(900)) {
        Err(StoreError::Rejected { findings }) => findings.iter().map(|f| f.kind).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(journal(dir), before);
    assert_eq!(s.entry_count(), count);
    // The verifier, given the store's entries and the entry, finds the same.
    let head = s.head(&key.party()).unwrap();
    let views = s.views_for(&key.party(), body).unwrap();
    let (e, _) = chain::sign_next(
        key,
        key.party(),
        s.channel(),
        head.as_ref(),
        at(900),
        views,
        body,
    )
    .unwrap();
    let mut all = s.entries().unwrap();
    all.push(e.encode().unwrap());
    let report = hotline::verify::verify(&example::charter(), &all, Options::default());
    let found: Vec<FindingKind> = report
        .findings
        .iter()
        .filter(|f| f.index == Some(all.len() - 1))
        .map(|f| f.kind)
        .collect();
    assert_eq!(found, kinds, "{:#?}", report.findings);
    kinds
}

#[test]
fn an_ack_must_name_its_entry_truly_and_the_store_signs_its_own_views() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let mut s = two_feeds(&dir, 8);
    let (alpha, beta, kb) = (party("alpha"), party("beta"), test_key("beta"));
    let target = ids(&s, &alpha)[3];
    let contradicts = vec![FindingKind::AckContradictsFeed];

    // The right id under another seq, or another author.
    assert_eq!(
        refused(&mut s, &dir, &kb, &ack(alpha, 4, target)),
        contradicts
    );
    // Acknowledging one's own entry.
    let own = ids(&s, &beta)[2];
    assert_eq!(refused(&mut s, &dir, &kb, &ack(beta, 2, own)), contradicts);
    // An entry the store does not hold, where alpha's feed holds another.
    assert_eq!(
        refused(&mut s, &dir, &kb, &ack(alpha, 3, EntryId([3; 32]))),
        vec![FindingKind::ViewContradictsFeed]
    );

    // The acknowledgement the store signs views alpha's whole feed as held.
    let e = s.append(&kb, &ack(alpha, 3, target), at(901)).unwrap();
    let view = s.feed_view(&alpha).unwrap();
    assert_eq!(
        e.header().views,
        vec![View {
            party: alpha,
            size: view.size,
            root: view.root
        }]
    );
    let report = s.verify(Options::default()).unwrap();
    assert!(report.ok && report.findings.is_empty(), "{report:?}");
    let summary = report.feeds.iter().find(|f| f.key == alpha).unwrap();
    assert_eq!(
        summary.endorsed, 8,
        "beta's views cover all of alpha's feed"
    );
}

/// A stand-in for a checkpoint note, and the checker that reads it back: the store treats
/// notes as opaque bytes.
fn fake_note(origin: &str, size: u64, tag: u8) -> (NoteMeta, Vec<u8>) {
    let root = [tag; 32];
    let text = format!("{origin}\n{size}\n{}\n\n— sig {tag}\n", hex::encode(root));
    (NoteMeta::stating(origin, size, root), text.into_bytes())
}

fn read_fake(note: &[u8]) -> Result<NoteMeta, String> {
    let text = std::str::from_utf8(note).map_err(|e| e.to_string())?;
    let mut lines = text.lines();
    let origin = lines.next().ok_or("no origin")?.to_owned();
    let size = lines.next().and_then(|l| l.parse().ok()).ok_or("no size")?;
    let root = lines
        .next()
        .and_then(|l| hex::decode(l).ok())
        .and_then(|r| r.try_into().ok())
        .ok_or("no root")?;
    Ok(NoteMeta::stating(origin, size, root))
}

fn stored(n: &(NoteMeta, Vec<u8>)) -> StoredNote {
    StoredNote {
        origin: n.0.origin.clone(),
        size: n.0.size,
        root: n.0.root,
        note: n.1.clone(),
    }
}

#[test]
fn notes_round_trip_through_the_journal_export_and_import() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("a"), tmp.path().join("b"));
    let mut a = two_feeds(&da, 3);
    let n1 = fake_note("example.org/alpha", 2, 1);
    let n2 = fake_note("example.org/beta", 3, 2);
    let n3 = fake_note("example.org/alpha", 3, 3);
    // A note given twice in one call, or again later, is kept once.
    assert_eq!(
        a.add_notes(&[n1.clone(), n2.clone(), n1.clone()]).unwrap(),
        2
    );
    assert_eq!(a.add_notes(std::slice::from_ref(&n2)).unwrap(), 0);
    a.append(&test_key("alpha"), &definition("between"), at(50))
        .unwrap();
    assert_eq!(a.add_notes(std::slice::from_ref(&n3)).unwrap(), 1);
    assert_eq!(a.add_notes(&[]).unwrap(), 0);

    assert_eq!(
        a.notes("example.org/alpha").unwrap(),
        vec![stored(&n1), stored(&n3)]
    );
    assert_eq!(a.notes("example.org/beta").unwrap(), vec![stored(&n2)]);
    assert_eq!(a.notes("example.org/alph").unwrap(), vec![]);
    let all = vec![stored(&n1), stored(&n2), stored(&n3)];
    assert_eq!(a.all_notes().unwrap(), all);
    assert_eq!(a.all_notes().unwrap()[0].meta(), n1.0);

    // The journal is a bundle holding them, in the order written; the export holds them
    // after the entries.
    let j = bundle::read(&journal(&da)).unwrap();
    assert_eq!(j.notes.len(), 3);
    assert_eq!(j.entries, a.entries().unwrap());
    let export = a.export(&BTreeMap::new()).unwrap();
    let e = bundle::read(&export).unwrap();
    assert_eq!(e.entries, j.entries);
    let exported: Vec<StoredNote> = e.notes.iter().map(|n| n.record.clone().into()).collect();
    assert_eq!(exported, all);
    let records = bundle::scan(&export).unwrap().records;
    assert!(
        records[1..=e.entries.len()]
            .iter()
            .all(|r| r.kind == bundle::RecordKind::Entry)
    );

    // They survive a reopen and a rebuild of the index.
    drop(a);
    let a = Store::open(&da).unwrap();
    assert_eq!(a.all_notes().unwrap(), all);
    drop(a);
    Store::repair(&da).unwrap();
    let a = Store::open(&da).unwrap();
    assert_eq!(a.all_notes().unwrap(), all);
    assert_eq!(a.notes("example.org/alpha").unwrap().len(), 2);

    // Imported with a note checker.
    let mut b = Store::create(&db, &example::charter()).unwrap();
    let mut checked = Vec::new();
    let r = b
        .import_with(&export, None, |n| {
            checked.push(n.to_vec());
            read_fake(n)
        })
        .unwrap();
    assert_eq!((r.new_entries, r.new_notes), (7, 3));
    assert_eq!(checked.len(), 3);
    assert_eq!(b.all_notes().unwrap(), all);
    assert_eq!(b.export(&BTreeMap::new()).unwrap(), export);
    let again = b.import_with(&export, None, read_fake).unwrap();
    assert_eq!((again.new_entries, again.new_notes), (0, 0));
    assert_eq!(b.export(&BTreeMap::new()).unwrap(), export);
    // With entries and notes written in that order, the journal is the export, but for the
    // batch marker before the import's records (exports hold none).
    let j = journal(&db);
    let records = bundle::scan(&j).unwrap().records;
    let markers: Vec<_> = records
        .iter()
        .filter(|r| r.kind == bundle::RecordKind::Batch)
        .collect();
    assert_eq!(markers.len(), 1);
    assert_eq!(markers[0].payload, 10u32.to_be_bytes());
    let mut without = j[..markers[0].offset].to_vec();
    without.extend_from_slice(&j[markers[0].end()..]);
    assert_eq!(without, export);
}

#[test]
fn a_bad_note_refuses_the_whole_import_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("a"), tmp.path().join("b"));
    let mut a = two_feeds(&da, 3);
    let notes = [
        fake_note("example.org/alpha", 2, 1),
        fake_note("example.org/beta", 3, 2),
    ];
    a.add_notes(&notes).unwrap();
    let export = a.export(&BTreeMap::new()).unwrap();
    let placed = bundle::read(&export).unwrap().notes;
    let second = (placed[1].index, placed[1].offset);

    let mut b = Store::create(&db, &example::charter()).unwrap();
    let before = journal(&db);
    let check = |b: &mut Store, e: StoreError, reason: &str| {
        match e {
            StoreError::BadNote {
                index,
                offset,
                reason: r,
            } => {
                assert_eq!((index, offset), second);
                assert!(r.contains(reason), "{r}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(journal(&db), before);
        assert_eq!((b.entry_count(), b.all_notes().unwrap().len()), (0, 0));
    };
    // The checker refuses the second note: nothing at all is written, entries included.
    let e = b
        .import_with(&export, None, |n| {
            let meta = read_fake(n)?;
            if meta.origin.ends_with("beta") {
                Err("signature does not verify".to_owned())
            } else {
                Ok(meta)
            }
        })
        .unwrap_err();
    check(&mut b, e, "signature does not verify");
    // The note states another size than its record.
    let e = b
        .import_with(&export, None, |n| {
            let mut meta = read_fake(n)?;
            if meta.origin.ends_with("beta") {
                meta.size += 1;
            }
            Ok(meta)
        })
        .unwrap_err();
    check(&mut b, e, "size 4");
    // The plain import takes no notes at all.
    match b.import(&export, None) {
        Err(StoreError::BadNote { index, .. }) => assert_eq!(index, placed[0].index),
        other => panic!("{other:?}"),
    }
    assert_eq!(journal(&db), before);
    // The same entries without the notes import.
    let entries = bundle::read(&export).unwrap().entries;
    let plain = bundle::write(&example::charter(), &entries).unwrap();
    assert_eq!(b.import(&plain, None).unwrap().new_entries, 6);
}

#[test]
fn checkpoints_signed_and_checked_by_the_witness_rules_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("a"), tmp.path().join("b"));
    let charter = example::charter();
    let mut a = two_feeds(&da, 5);
    let alpha = party("alpha");
    let check = |n: &[u8]| {
        witness::check_note(&charter, n)
            .map(|c| NoteMeta::from(&c))
            .map_err(|e| e.to_string())
    };
    let mut notes = Vec::new();
    for size in [3, 5] {
        let root = a.root_at(&alpha, size).unwrap();
        let note = witness::sign_checkpoint(&charter, &test_key("alpha"), size, root).unwrap();
        notes.push((check(&note).unwrap(), note));
    }
    assert_eq!(a.add_notes(&notes).unwrap(), 2);
    let origin = notes[0].0.origin.clone();
    let held = a.notes(&origin).unwrap();
    assert_eq!(held.iter().map(|n| n.size).collect::<Vec<_>>(), vec![3, 5]);
    for n in &held {
        assert_eq!(n.root, a.root_at(&alpha, n.size).unwrap());
    }
    let mut b = Store::create(&db, &charter).unwrap();
    let r = b
        .import_with(&a.export(&BTreeMap::new()).unwrap(), None, check)
        .unwrap();
    assert_eq!(r.new_notes, 2);
    assert_eq!(b.notes(&origin).unwrap(), held);
    // A note whose signature was tampered with refuses the import.
    let mut tampered = notes[1].1.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 0x01;
    let meta = notes[1].0.clone();
    let bad = bundle::write_with_notes(
        &charter,
        &Vec::<Vec<u8>>::new(),
        &[bundle::NoteRecord {
            origin: meta.origin,
            size: meta.size,
            root: meta.root,
            note: tampered,
        }],
    )
    .unwrap();
    assert!(matches!(
        b.import_with(&bad, None, check),
        Err(StoreError::BadNote { index: 1, .. })
    ));
}
