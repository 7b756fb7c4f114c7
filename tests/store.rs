//! The store: create, open, append, exchange bundles both ways, refuse what does not verify
//! without writing a byte (an append checked alone against the index, as the verifier would
//! check it), keep forks as evidence, lock, resolve id prefixes.
#![cfg(all(feature = "store", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use hotline::bundle::{self, RecordKind};
use hotline::chain;
use hotline::charter::Charter;
use hotline::encoding::{tag, tagged_hash};
use hotline::entry::{
    Acceptance, AckState, Body, Definition, Entry, EntryId, EntryRef, Kind, Notice, Seq,
    SignedEntry, Stage, Timestamp,
};
use hotline::example::{self, T0, test_key};
use hotline::store::{Store, StoreError};
use hotline::verify::{FindingKind, Options};
use hotline::{PartyId, SecretKey};

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

fn notice(incident: &str) -> Body {
    Body::Notice(Notice {
        incident: incident.into(),
        stage: Stage::Initial,
        severity: "high".into(),
        category: "exfiltration".into(),
        summary: "data left a research network".into(),
        detail: String::new(),
        detected_at: None,
        indicators: vec![],
        requested_action: "investigate".into(),
        handling: "TLP:AMBER".into(),
        ack_by: Some(at(30)),
        respond_by: None,
        refs: vec![],
    })
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

fn ids(store: &Store) -> BTreeSet<EntryId> {
    store
        .entries()
        .unwrap()
        .iter()
        .map(|b| SignedEntry::decode(b).unwrap().id().unwrap())
        .collect()
}

fn journal(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("journal")).unwrap()
}

fn party(name: &str) -> PartyId {
    test_key(name).party()
}

#[test]
fn create_append_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let alpha = party("alpha");
    let (entries, head, view) = {
        let mut s = alpha_store(&dir, 2);
        assert_eq!(s.channel(), example::charter().id().unwrap());
        assert_eq!(s.charter(), &example::charter());
        assert_eq!(s.dir(), dir.as_path());
        assert_eq!(s.entry_count(), 3);
        assert_eq!(s.feed_len(&alpha).unwrap(), 3);
        assert_eq!(s.feed_len(&party("beta")).unwrap(), 0);
        assert_eq!(s.head(&party("beta")).unwrap(), None);
        let head = s.head(&alpha).unwrap().unwrap();
        assert_eq!(head.seq, Seq(2));
        assert_eq!(head.time, at(2));
        let e = s.get(&head.id).unwrap().unwrap();
        assert_eq!(e.id().unwrap(), head.id);
        assert_eq!(s.get(&EntryId([7; 32])).unwrap(), None);
        assert_eq!(s.of_kind(Kind::Definition).unwrap().len(), 2);
        assert_eq!(s.feed(&alpha).unwrap().len(), 3);

        // The view is the RFC 6962 root of the feed's entries.
        let view = s.feed_view(&alpha).unwrap();
        let leaves: Vec<_> = s
            .entries()
            .unwrap()
            .iter()
            .map(|b| hotline::merkle::leaf_hash(b))
            .collect();
        assert_eq!(view.size, 3);
        assert_eq!(view.root, hotline::merkle::root(&leaves));

        assert_eq!(s.identity(), None);
        s.set_identity("alpha", Path::new("/keys/alpha.key"))
            .unwrap();
        assert!(matches!(
            s.set_identity("gamma", Path::new("x")),
            Err(StoreError::UnknownParty { .. })
        ));
        let report = s.verify(Options::default()).unwrap();
        assert!(report.ok && report.findings.is_empty(), "{report:?}");
        (s.entries().unwrap(), head, view)
    };

    let mut s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().torn_bytes_cut, 0);
    assert_eq!(s.open_report().records_indexed, 0);
    assert_eq!(s.entries().unwrap(), entries);
    assert_eq!(s.head(&alpha).unwrap(), Some(head));
    assert_eq!(s.feed_view(&alpha).unwrap(), view);
    assert_eq!(
        s.identity(),
        Some(("alpha".to_owned(), "/keys/alpha.key".into()))
    );
    // The clock running behind does not make the feed go backwards.
    let e = s
        .append(&test_key("alpha"), &definition("late"), Timestamp(0))
        .unwrap();
    assert_eq!(e.header().seq, Seq(3));
    assert_eq!(e.header().time, at(2));
    drop(s);

    assert!(matches!(
        Store::create(&dir, &example::charter()),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert!(matches!(
        Store::open(&tmp.path().join("nothing")),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(Store::open(&dir).unwrap().entry_count(), 4);
}

#[test]
fn append_refuses_what_would_not_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("beta");
    let mut s = Store::create(&dir, &example::charter()).unwrap();
    let before = journal(&dir);

    // Not a party.
    let stranger = SecretKey::from_seed("gamma", &[9; 32]);
    assert!(matches!(
        s.append(&stranger, &definition("x"), at(0)),
        Err(StoreError::NotAParty { .. })
    ));
    // Beta's first entry must be its acceptance.
    match s.append(&test_key("beta"), &definition("x"), at(0)) {
        Err(StoreError::Rejected { findings }) => {
            assert!(findings.iter().any(|f| f.kind == FindingKind::Placement));
        }
        other => panic!("{other:?}"),
    }
    // An acknowledgement of an entry the store does not hold.
    let ack = example::ack(
        EntryRef {
            author: party("beta"),
            seq: Seq(0),
            id: EntryId([1; 32]),
        },
        AckState::Received,
        "",
    );
    let err = s.append(&test_key("alpha"), &ack, at(0)).unwrap_err();
    assert!(matches!(err, StoreError::Rejected { .. }));
    assert!(err.to_string().contains("nothing was written"), "{err}");
    assert_eq!(journal(&dir), before);
    assert!(s.entries().unwrap().is_empty());
}

#[test]
fn two_stores_exchange_bundles_both_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let mut a = alpha_store(&da, 1);
    let mut b = beta_store(&db);
    let (alpha, beta) = (party("alpha"), party("beta"));
    let ka = test_key("alpha");
    let kb = test_key("beta");

    let n = a.append(&ka, &notice("A-1"), at(10)).unwrap();
    let notice_ref = example::entry_ref(&n).unwrap();

    // alpha → beta: everything alpha has of its own feed.
    let since = BTreeMap::from([(beta, b.feed_len(&beta).unwrap())]);
    let r = b.import(&a.export(&since).unwrap(), Some(at(11))).unwrap();
    assert_eq!((r.new_entries, r.already_held), (3, 0));
    assert_eq!(r.new_ids.len(), 3);
    assert!(r.forks.is_empty() && r.warnings.is_empty());
    assert_eq!(b.feed_len(&alpha).unwrap(), 3);

    // beta acknowledges the notice with its view of alpha's feed.
    let view = b.feed_view(&alpha).unwrap();
    assert_eq!(view, a.feed_view(&alpha).unwrap());
    b.append(
        &kb,
        &example::ack(notice_ref, AckState::Received, ""),
        at(11),
    )
    .unwrap();

    // beta → alpha: what alpha lacks, and the notice beta's ack names (an export cannot know
    // its receiver holds it).
    let since = BTreeMap::from([(alpha, a.feed_len(&alpha).unwrap())]);
    let bundle_bytes = b.export(&since).unwrap();
    assert_eq!(bundle::read(&bundle_bytes).unwrap().entries.len(), 3);
    let r = a.import(&bundle_bytes, None).unwrap();
    assert_eq!((r.new_entries, r.already_held), (2, 1));

    assert_eq!(ids(&a), ids(&b));
    for s in [&a, &b] {
        let report = s.verify(Options::default()).unwrap();
        assert!(report.ok && report.findings.is_empty(), "{report:?}");
        assert!(report.in_effect);
        assert_eq!(report.entries_checked, 5);
    }
    // The export filter: seq >= since[author], 0 for authors not named.
    let since = BTreeMap::from([(alpha, 2)]);
    let got: Vec<(PartyId, u64)> = bundle::read(&a.export(&since).unwrap())
        .unwrap()
        .entries
        .iter()
        .map(|e| {
            let h = SignedEntry::decode(e).unwrap().entry.header;
            (h.author, h.seq.0)
        })
        .collect();
    assert_eq!(got, vec![(alpha, 2), (beta, 0), (beta, 1)]);
}

#[test]
fn import_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let a = alpha_store(&tmp.path().join("alpha"), 3);
    let db = tmp.path().join("beta");
    let mut b = beta_store(&db);
    let bytes = a.export(&BTreeMap::new()).unwrap();
    let first = b.import(&bytes, None).unwrap();
    assert_eq!((first.new_entries, first.already_held), (4, 0));
    let j = journal(&db);
    let second = b.import(&bytes, None).unwrap();
    assert_eq!((second.new_entries, second.already_held), (0, 4));
    assert_eq!(journal(&db), j);
    // An entry twice in one bundle is written once.
    let mut entries = bundle::read(&bytes).unwrap().entries;
    entries.push(entries[1].clone());
    let c = beta_store(&tmp.path().join("gamma"));
    drop(c);
    let mut c = Store::open(&tmp.path().join("gamma")).unwrap();
    let r = c
        .import(&bundle::write(&example::charter(), &entries).unwrap(), None)
        .unwrap();
    assert_eq!((r.new_entries, r.already_held), (4, 1));
    assert_eq!(ids(&c), ids(&b));
}

#[test]
fn tampered_bundles_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let a = alpha_store(&tmp.path().join("alpha"), 2);
    let db = tmp.path().join("beta");
    let mut b = beta_store(&db);
    let bytes = a.export(&BTreeMap::new()).unwrap();
    let before = (journal(&db), b.entries().unwrap());
    let records = bundle::scan(&bytes).unwrap().records;
    let last = records.last().unwrap();

    // A flipped byte in a record: the record's check catches it, naming where.
    for at in [last.offset + 20, last.offset + 100, bytes.len() - 1] {
        let mut t = bytes.clone();
        t[at] ^= 0x10;
        match b.import(&t, None) {
            Err(StoreError::Bundle(bundle::BundleError::BadCheck { index, offset })) => {
                assert_eq!((index, offset), (last.index, last.offset));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!((journal(&db), b.entries().unwrap()), before);
    }

    // A flipped byte in an entry, re-framed with a good check: the verifier catches it, and
    // the good entries of the same bundle are not written either.
    let mut entries = bundle::read(&bytes).unwrap().entries;
    let n = entries.len();
    for at in [70, 110, entries[n - 1].len() - 1] {
        let mut copy = entries.clone();
        copy[n - 1][at] ^= 0x01;
        let t = bundle::write(&example::charter(), &copy).unwrap();
        match b.import(&t, None) {
            Err(StoreError::Rejected { findings }) => {
                assert!(!findings.is_empty());
                assert!(findings.iter().all(|f| f.kind != FindingKind::Fork));
            }
            other => panic!("byte {at}: {other:?}"),
        }
        assert_eq!((journal(&db), b.entries().unwrap()), before);
    }

    // Junk as an entry.
    entries.push(vec![0xff; 40]);
    let t = bundle::write(&example::charter(), &entries).unwrap();
    assert!(matches!(
        b.import(&t, None),
        Err(StoreError::Rejected { .. })
    ));
    // A gap: alpha's seq 2 without seq 1.
    let gap = vec![entries[0].clone(), entries[2].clone()];
    let t = bundle::write(&example::charter(), &gap).unwrap();
    match b.import(&t, None) {
        Err(StoreError::Rejected { findings }) => {
            assert_eq!(findings[0].kind, FindingKind::Gap);
        }
        other => panic!("{other:?}"),
    }
    // Not a bundle at all.
    assert!(matches!(
        b.import(b"hello", None),
        Err(StoreError::Bundle(_))
    ));
    assert_eq!((journal(&db), b.entries().unwrap()), before);
    // The untouched bundle still imports.
    assert_eq!(b.import(&bytes, None).unwrap().new_entries, 3);
}

#[test]
fn another_channels_bundle_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("beta");
    let mut b = beta_store(&db);
    let mut other: Charter = example::charter();
    other.name = "another channel".into();
    let foreign = {
        let mut s = Store::create(&tmp.path().join("other"), &other).unwrap();
        s.append(&test_key("alpha"), &Body::Charter(other.clone()), at(0))
            .unwrap();
        s.export(&BTreeMap::new()).unwrap()
    };
    let before = journal(&db);
    match b.import(&foreign, None) {
        Err(StoreError::WrongChannel { expected, found }) => {
            assert_eq!(expected, b.channel());
            assert_eq!(found, other.id().unwrap());
        }
        other => panic!("{other:?}"),
    }
    // The same entries framed with this channel's charter: replayed entries are refused.
    let entries = bundle::read(&foreign).unwrap().entries;
    let replay = bundle::write(&example::charter(), &entries).unwrap();
    match b.import(&replay, None) {
        Err(StoreError::Rejected { findings }) => {
            assert_eq!(findings[0].kind, FindingKind::WrongChannel);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(journal(&db), before);
}

/// Alpha signs a different entry at the seq its store just used.
fn equivocate(a: &Store) -> SignedEntry {
    let alpha = party("alpha");
    let feed = a.feed(&alpha).unwrap();
    let prev = &feed[feed.len() - 2];
    let head = chain::Head {
        seq: prev.header().seq,
        id: prev.id().unwrap(),
        time: prev.header().time,
    };
    let (e, _) = chain::sign_next(
        &test_key("alpha"),
        test_key("alpha").party(),
        a.channel(),
        Some(&head),
        at(50),
        prev.header().views.clone(),
        &definition("the other story"),
    )
    .unwrap();
    e
}

/// Everything a store answers, as text: what a read-only open (an index in memory) and a
/// writable one (sled) must agree on.
fn answers(s: &Store) -> Vec<String> {
    let mut out = vec![
        format!("{:?}", s.entries().unwrap()),
        format!(
            "{} {:?} {:?}",
            s.entry_count(),
            s.forks().unwrap(),
            s.all_notes().unwrap()
        ),
    ];
    for k in hotline::entry::Kind::ALL {
        out.push(format!("{k:?}: {:?}", s.of_kind(k).unwrap()));
    }
    for p in [party("alpha"), party("beta")] {
        let size = s.tree_size(&p).unwrap();
        out.push(format!(
            "{:?} {:?} {:?} {size}",
            s.feed(&p).unwrap(),
            s.head(&p).unwrap(),
            s.feed_view(&p).unwrap()
        ));
        for n in 0..=size {
            out.push(format!("{:?}", s.root_at(&p, n).unwrap()));
            if n > 0 {
                out.push(format!("{:?}", s.consistency_proof(&p, n, size).unwrap()));
            }
        }
        for e in s.feed(&p).unwrap() {
            let id = e.id().unwrap();
            out.push(format!(
                "{:?} {:?}",
                s.get(&id).unwrap(),
                s.inclusion_proof(&id, None)
            ));
            out.push(format!("{:?}", s.resolve(&id.to_string()[..12]).unwrap()));
        }
    }
    out
}

/// Alpha's store of `n` definitions and beta's holding them, with a bundle of an entry of
/// alpha's that forks its last, not yet imported.
fn forking(n: u64) -> (tempfile::TempDir, Store, Store, SignedEntry, Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let a = alpha_store(&da, n);
    let mut b = beta_store(&db);
    b.import(&a.export(&BTreeMap::new()).unwrap(), None)
        .unwrap();
    let other = equivocate(&a);
    let fork_bundle = bundle::write(&example::charter(), &[other.encode().unwrap()]).unwrap();
    (tmp, a, b, other, fork_bundle)
}

#[test]
fn a_store_opened_read_only_answers_exactly_as_one_opened_to_write() {
    let (_tmp, mut a, mut b, _, fork_bundle) = forking(9);
    b.import(&fork_bundle, None).unwrap();
    a.import(&b.export(&BTreeMap::new()).unwrap(), None)
        .unwrap();
    for s in [a, b] {
        let reader = Store::open_read_only(s.dir()).unwrap();
        let (got, want) = (answers(&reader), answers(&s));
        assert!(want.len() > 30, "{want:?}");
        assert_eq!(got, want);
    }
}

#[test]
fn a_fork_is_kept_with_its_evidence() {
    let (_tmp, mut a, mut b, other, fork_bundle) = forking(2);
    let alpha = party("alpha");
    let seq = other.header().seq;

    let r = b.import(&fork_bundle, None).unwrap();
    assert_eq!(r.new_entries, 1);
    assert_eq!(r.forks.len(), 1);
    let proof = &r.forks[0];
    assert_eq!((proof.author, proof.seq), (alpha, seq));
    proof.verify(&example::charter()).unwrap();
    // Both entries are in the journal; the index knows the fork.
    assert!(ids(&b).contains(&other.id().unwrap()));
    assert_eq!(b.entry_count(), 5);
    assert_eq!(b.forks().unwrap(), vec![(alpha, seq)]);
    // The view of a forked feed stops before the fork.
    assert_eq!(b.feed_view(&alpha).unwrap().size, seq.0);
    // A verification from scratch finds it, with the evidence.
    let report = b.verify(Options::default()).unwrap();
    let forks: Vec<_> = report.of_kind(FindingKind::Fork).collect();
    assert_eq!(forks.len(), 1);
    assert_eq!(forks[0].evidence.as_ref().unwrap().seq, seq);
    // Importing it again adds nothing and reports no new fork.
    let again = b.import(&fork_bundle, None).unwrap();
    assert_eq!((again.new_entries, again.forks.len()), (0, 0));
    // It survives a reopen (the index rebuilt from the journal agrees).
    let db = b.dir().to_path_buf();
    drop(b);
    let b = Store::open(&db).unwrap();
    assert_eq!(b.forks().unwrap(), vec![(alpha, seq)]);

    // Alpha's own store, shown its own fork, keeps it and will not extend either branch.
    assert_eq!(a.import(&fork_bundle, None).unwrap().forks.len(), 1);
    match a.append(&test_key("alpha"), &definition("more"), at(60)) {
        Err(StoreError::Forked { party, seq: s }) => {
            assert_eq!((party.as_str(), s), ("alpha", seq))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_second_open_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let s = alpha_store(&dir, 0);
    let started = Instant::now();
    match Store::open(&dir) {
        Err(e @ StoreError::Locked { .. }) => {
            assert!(e.to_string().contains("in use"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Store::repair(&dir),
        Err(StoreError::Locked { .. })
    ));
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(s);
    assert_eq!(Store::open(&dir).unwrap().entry_count(), 1);
}

/// The id the next entry of `key`'s feed will have with `body` at `now`.
fn next_id(s: &Store, key: &SecretKey, body: &Body, now: Timestamp) -> EntryId {
    let head = s.head(&key.party()).unwrap();
    let views = s.views_for(&key.party(), body).unwrap();
    let header = chain::next_header(
        s.channel(),
        key.party(),
        key.party(),
        head.as_ref(),
        now,
        views,
    );
    let entry = Entry::new(header, body).unwrap();
    EntryId(tagged_hash(tag::ENTRY_ID, &entry.encode().unwrap()))
}

#[test]
fn resolve_prefixes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = alpha_store(&tmp.path().join("alpha"), 1);
    let key = test_key("alpha");
    let first = s.head(&party("alpha")).unwrap().unwrap().id;
    let hex_first = first.to_string();
    // Search for a definition whose id shares its first 4 hex digits with `first`.
    let (body, twin) = (0u32..)
        .map(|i| definition(&format!("twin {i}")))
        .map(|b| {
            let id = next_id(&s, &key, &b, at(5));
            (b, id)
        })
        .find(|(_, id)| id.0[..2] == first.0[..2])
        .unwrap();
    assert_eq!(s.append(&key, &body, at(5)).unwrap().id().unwrap(), twin);
    let hex_twin = twin.to_string();

    match s.resolve(&hex_first[..4]) {
        Err(StoreError::AmbiguousId { prefix, candidates }) => {
            assert_eq!(prefix, &hex_first[..4]);
            let got: BTreeSet<_> = candidates.into_iter().collect();
            assert_eq!(got, BTreeSet::from([first, twin]));
        }
        other => panic!("{other:?}"),
    }
    // Enough digits to tell them apart, odd or even, any case.
    let differ = hex_first
        .bytes()
        .zip(hex_twin.bytes())
        .position(|(x, y)| x != y)
        .unwrap();
    assert_eq!(s.resolve(&hex_first[..=differ]).unwrap(), first);
    assert_eq!(s.resolve(&hex_twin[..=differ]).unwrap(), twin);
    assert_eq!(s.resolve(&hex_first).unwrap(), first);
    assert_eq!(
        s.resolve(&hex_first[..=differ].to_ascii_uppercase())
            .unwrap(),
        first
    );
    for len in [5, 7, 9, 63] {
        let all: Vec<EntryId> = ids(&s)
            .into_iter()
            .filter(|id| id.to_string().starts_with(&hex_twin[..len]))
            .collect();
        if all.len() == 1 {
            assert_eq!(s.resolve(&hex_twin[..len]).unwrap(), twin, "len {len}");
        }
    }

    // A prefix no id has.
    let unused = (0u32..0x10000)
        .map(|i| format!("{i:04x}"))
        .find(|p| {
            ids(&s)
                .iter()
                .all(|id| !id.to_string().starts_with(p.as_str()))
        })
        .unwrap();
    assert!(matches!(
        s.resolve(&unused),
        Err(StoreError::UnknownId { .. })
    ));
    for bad in ["abc", "", "zzzz", "12 34", &"a".repeat(65)] {
        assert!(
            matches!(s.resolve(bad), Err(StoreError::BadId { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn journal_is_a_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let s = alpha_store(&dir, 2);
    let b = bundle::read(&journal(&dir)).unwrap();
    assert_eq!(b.charter, example::charter());
    assert_eq!(b.entries, s.entries().unwrap());
    let j = journal(&dir);
    let records = bundle::scan(&j).unwrap().records;
    assert_eq!(records[0].kind, RecordKind::Charter);
    // The full export is the journal, byte for byte.
    assert_eq!(s.export(&BTreeMap::new()).unwrap(), journal(&dir));
}

/// Append `body` with `key` and expect a refusal with exactly `want`, nothing written; and the
/// verifier, given the store's entries and the entry, finds the same kinds on it.
fn refused_as(s: &mut Store, dir: &Path, key: &SecretKey, body: &Body, want: &[FindingKind]) {
    let before = journal(dir);
    let got: Vec<FindingKind> = match s.append(key, body, at(40)) {
        Err(StoreError::Rejected { findings }) => {
            for f in &findings {
                assert_eq!(f.author, Some(key.party()));
                assert!(f.entry.is_some() && f.seq.is_some());
            }
            findings.iter().map(|f| f.kind).collect()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(got, want);
    assert_eq!(journal(dir), before);
    let head = s.head(&key.party()).unwrap();
    let views = s.views_for(&key.party(), body).unwrap();
    let (e, _) = chain::sign_next(
        key,
        key.party(),
        s.channel(),
        head.as_ref(),
        at(40),
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
    assert_eq!(found, want, "{:#?}", report.findings);
}

#[test]
fn append_checks_the_entry_alone_as_the_verifier_would() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let mut s = alpha_store(&dir, 2);
    let key = test_key("alpha");
    let defs = s.of_kind(Kind::Definition).unwrap();
    let def = defs[0].id().unwrap();
    let n = s
        .append(&key, &notice("A-1"), at(20))
        .unwrap()
        .id()
        .unwrap();
    let commitment = |cites: Vec<EntryId>, supersedes| {
        Body::Commitment(hotline::entry::Commitment {
            title: "no attacks on hospitals".into(),
            text: "neither side will".into(),
            cites,
            supersedes,
        })
    };

    // References: held, and of the right kind.
    refused_as(
        &mut s,
        &dir,
        &key,
        &commitment(vec![EntryId([1; 32])], None),
        &[FindingKind::UnknownReference],
    );
    refused_as(
        &mut s,
        &dir,
        &key,
        &commitment(vec![n], None),
        &[FindingKind::WrongReferenceKind],
    );
    refused_as(
        &mut s,
        &dir,
        &key,
        &Body::Definition(Definition {
            term: "t".into(),
            text: "x".into(),
            supersedes: Some(n),
        }),
        &[FindingKind::WrongReferenceKind],
    );
    // Content, placement and policy.
    refused_as(
        &mut s,
        &dir,
        &key,
        &commitment(vec![def, def], None),
        &[FindingKind::InvalidBody],
    );
    let mut loud = notice("A-2");
    if let Body::Notice(n) = &mut loud {
        n.severity = "apocalyptic".into();
    }
    refused_as(&mut s, &dir, &key, &loud, &[FindingKind::UnknownSeverity]);
    refused_as(
        &mut s,
        &dir,
        &key,
        &Body::Charter(example::charter()),
        &[FindingKind::Placement],
    );
    let accept = Body::Acceptance(Acceptance {
        charter: s.channel(),
    });
    refused_as(&mut s, &dir, &key, &accept, &[FindingKind::Placement]);

    // What passes.
    s.append(&key, &commitment(vec![def], None), at(41))
        .unwrap();
    let c = s.head(&party("alpha")).unwrap().unwrap().id;
    let mut cites: Vec<EntryId> = defs.iter().map(|d| d.id().unwrap()).collect();
    cites.sort();
    s.append(&key, &commitment(cites, Some(c)), at(42)).unwrap();
    let report = s.verify(Options::default()).unwrap();
    assert!(report.ok && report.findings.is_empty(), "{report:?}");
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

fn no_notes(_: &[u8]) -> Result<hotline::store::NoteMeta, String> {
    Err("no notes here".into())
}

#[test]
fn create_with_makes_the_store_only_if_the_import_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let a = alpha_store(&tmp.path().join("alpha"), 2);
    let charter = example::charter();
    let good = a.export(&BTreeMap::new()).unwrap();
    // A bundle whose framing is whole but whose last entry's signature is not: the verifier,
    // not the reader, refuses it.
    let mut entries = a.entries().unwrap();
    let mut last = SignedEntry::decode(entries.last().unwrap()).unwrap();
    last.signature[5] ^= 1;
    *entries.last_mut().unwrap() = last.encode().unwrap();
    let forged = bundle::write(&charter, &entries).unwrap();
    let mut other: Charter = example::charter();
    other.name = "another channel".into();

    // A directory that does not exist yet is not left behind.
    let fresh = tmp.path().join("beta");
    for (bundle, charter) in [(&forged, &charter), (&good, &other)] {
        match Store::create_with(&fresh, charter, bundle, Some(at(50)), no_notes) {
            Err(StoreError::Rejected { .. } | StoreError::WrongChannel { .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(!fresh.exists());
    }
    // One that exists keeps what it held, and only that.
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join("notes.txt"), "mine").unwrap();
    assert!(Store::create_with(&home, &charter, &forged, Some(at(50)), no_notes).is_err());
    assert_eq!(names(&home), ["notes.txt"]);

    // The retry succeeds, and the store is whole: what the bundle held, ready to sign.
    let (mut s, report) =
        Store::create_with(&home, &charter, &good, Some(at(50)), no_notes).unwrap();
    assert_eq!(report.new_entries, 3);
    assert_eq!(s.entries().unwrap(), a.entries().unwrap());
    let accept = Body::Acceptance(Acceptance {
        charter: charter.id().unwrap(),
    });
    s.append(&test_key("beta"), &accept, at(51)).unwrap();
    drop(s);
    let s = Store::open(&home).unwrap();
    assert_eq!(s.entry_count(), 4);
    assert!(s.verify(Options::default()).unwrap().ok);
    drop(s);
    assert!(!names(&home).iter().any(|n| n.starts_with(".hotline")));
    // A second one refuses, and leaves the store as it is.
    let before = journal(&home);
    assert!(matches!(
        Store::create_with(&home, &charter, &good, None, no_notes),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert_eq!(journal(&home), before);
    // Killed just after the journal moved into place: the index left in the staging
    // directory is not needed, the journal is the store.
    let staging = home.join(".hotline-creating");
    std::fs::create_dir(&staging).unwrap();
    std::fs::rename(home.join("index"), staging.join("index")).unwrap();
    let s = Store::open(&home).unwrap();
    assert_eq!(s.open_report().records_indexed, 5);
    assert!(!staging.exists());
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    out
}

#[test]
fn a_store_opened_read_only_is_read_without_a_lock_or_a_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let mut s = alpha_store(&dir, 3);
    s.set_identity("alpha", Path::new("/keys/alpha.key"))
        .unwrap();
    let entries = s.entries().unwrap();
    let export = s.export(&BTreeMap::new()).unwrap();
    let view = s.feed_view(&party("alpha")).unwrap();
    let last = SignedEntry::decode(entries.last().unwrap())
        .unwrap()
        .id()
        .unwrap();
    drop(s);
    // A writer killed mid-append left a torn tail; another holds the lock now.
    let torn = &bundle::record(RecordKind::Entry, &entries[1]).unwrap()[..40];
    let mut j = journal(&dir);
    j.extend_from_slice(torn);
    std::fs::write(dir.join("journal"), &j).unwrap();
    let holder = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.join("lock"))
        .unwrap();
    holder.try_lock().unwrap();
    let before = files(&dir);

    let mut ro = Store::open_read_only(&dir).unwrap();
    assert!(ro.is_read_only());
    assert_eq!(ro.open_report().torn_bytes_ignored, torn.len() as u64);
    assert_eq!(ro.open_report().torn_bytes_cut, 0);
    assert_eq!(ro.entries().unwrap(), entries);
    assert_eq!(ro.export(&BTreeMap::new()).unwrap(), export);
    assert!(ro.verify(Options::default()).unwrap().ok);
    assert_eq!(ro.feed_view(&party("alpha")).unwrap(), view);
    assert!(ro.inclusion_proof(&last, None).unwrap().verify().is_ok());
    assert_eq!(ro.resolve(&last.to_string()[..8]).unwrap(), last);
    assert_eq!(
        ro.identity(),
        Some(("alpha".into(), Path::new("/keys/alpha.key").to_path_buf()))
    );
    let read_only = |e: StoreError| assert!(matches!(e, StoreError::ReadOnly { .. }), "{e}");
    read_only(
        ro.append(&test_key("alpha"), &definition("no"), at(9))
            .unwrap_err(),
    );
    read_only(ro.import(&export, None).unwrap_err());
    read_only(ro.add_notes(&[]).unwrap_err());
    read_only(ro.set_identity("alpha", Path::new("x")).unwrap_err());
    drop(ro);
    assert_eq!(files(&dir), before);
    drop(holder);

    // In a directory this process may not write to (unless it is root, whom permissions do
    // not bind), opening for writing says to open read-only, which works.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
        };
        mode(&dir.join("lock"), 0o444);
        mode(&dir, 0o555);
        let bound = std::fs::File::create(dir.join("probe")).is_err();
        if bound {
            match Store::open(&dir) {
                Err(e @ StoreError::NotWritable { .. }) => {
                    assert!(e.to_string().contains("read-only"), "{e}");
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(
                Store::open_read_only(&dir).unwrap().entries().unwrap(),
                entries
            );
        } else {
            std::fs::remove_file(dir.join("probe")).unwrap();
        }
        mode(&dir, 0o755);
        mode(&dir.join("lock"), 0o644);
    }
}

#[test]
fn append_refuses_a_foreign_supersedes_and_unreadable_names_as_the_verifier_would() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let mut a = alpha_store(&da, 2);
    let mut b = beta_store(&db);
    let (ka, kb) = (test_key("alpha"), test_key("beta"));
    let defs = a.of_kind(Kind::Definition).unwrap();
    let term0 = defs[0].id().unwrap();
    let since = BTreeMap::from([(party("beta"), b.feed_len(&party("beta")).unwrap())]);
    b.import(&a.export(&since).unwrap(), None).unwrap();
    let superseding = |term: &str, supersedes| {
        Body::Definition(Definition {
            term: term.into(),
            text: "revised".into(),
            supersedes: Some(supersedes),
        })
    };

    // Beta cannot supersede alpha's definition, even of the same term.
    refused_as(
        &mut b,
        &db,
        &kb,
        &superseding("term 0", term0),
        &[FindingKind::BadSupersedes],
    );
    // Alpha cannot supersede its own definition of one term with another term's.
    refused_as(
        &mut a,
        &da,
        &ka,
        &superseding("term 1", term0),
        &[FindingKind::BadSupersedes],
    );
    // Names that do not show what they hold.
    for term in ["term\u{200d}0", "te\u{301}rm", "t\u{435}rm 0"] {
        refused_as(
            &mut a,
            &da,
            &ka,
            &definition(term),
            &[FindingKind::InvalidBody],
        );
    }

    // Its own definition of the same term, in NFC: signed, and the store verifies clean.
    a.append(&ka, &superseding("term 0", term0), at(41))
        .unwrap();
    let report = a.verify(Options::default()).unwrap();
    assert!(report.ok && report.findings.is_empty(), "{report:?}");
}
