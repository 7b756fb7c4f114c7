//! Crashes and damage: a lost or garbled index is rebuilt from the journal; a journal cut
//! anywhere inside its last record, or followed by garbage, opens with that record gone and
//! everything before it intact; damage in the middle of the journal is refused (at open when
//! the index does not cover it, else by whatever reads the whole journal), then cut by
//! `repair` with the bytes kept. Opening reads only what the index has not indexed.
#![cfg(feature = "store")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use hotline::bundle;
use hotline::entry::{Body, Definition, EntryId, SignedEntry, Timestamp};
use hotline::example::{self, T0, test_key};
use hotline::store::{Store, StoreError};
use hotline::verify::Options;

fn definition(term: &str) -> Body {
    Body::Definition(Definition {
        term: term.into(),
        text: format!("what {term} means"),
        supersedes: None,
    })
}

/// Alpha's store with its charter entry and `n` definitions.
fn alpha_store(dir: &Path, n: u64) -> Store {
    let charter = example::charter();
    let mut s = Store::create(dir, &charter).unwrap();
    let key = test_key("alpha");
    s.append(&key, &Body::Charter(charter), Timestamp(T0))
        .unwrap();
    for i in 0..n {
        s.append(
            &key,
            &definition(&format!("term {i}")),
            Timestamp(T0 + 60 * (i + 1)),
        )
        .unwrap();
    }
    s
}

/// Everything a reader can see of a store, to compare before and after.
fn state(s: &Store) -> (Vec<Vec<u8>>, Vec<EntryId>, Vec<Option<SignedEntry>>) {
    let entries = s.entries().unwrap();
    let ids: Vec<EntryId> = entries
        .iter()
        .map(|b| SignedEntry::decode(b).unwrap().id().unwrap())
        .collect();
    let got = ids.iter().map(|id| s.get(id).unwrap()).collect();
    (entries, ids, got)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            fs::copy(&p, &target).unwrap();
        }
    }
}

fn says_repair(e: &StoreError) -> bool {
    e.to_string().contains("hotline repair")
}

#[test]
fn a_deleted_index_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let before = state(&alpha_store(&dir, 4));
    fs::remove_dir_all(dir.join("index")).unwrap();

    let s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().records_indexed, 5);
    assert_eq!(state(&s), before);
    drop(s);

    fs::remove_dir_all(dir.join("index")).unwrap();
    let r = Store::repair(&dir).unwrap();
    assert_eq!(r.entries_indexed, 5);
    assert_eq!((r.torn_bytes_cut, r.records_dropped), (0, 0));
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().records_indexed, 0);
    assert_eq!(state(&s), before);
    assert!(s.verify(Options::default()).unwrap().ok);
}

/// Overwrite `f` with deterministic garbage, from byte `from` on (at least 64 bytes).
fn garble(f: &Path, from: usize, salt: usize) {
    let mut bytes = fs::read(f).unwrap();
    let len = bytes.len().max(from + 64);
    bytes.resize(len, 0);
    for (i, b) in bytes.iter_mut().enumerate().skip(from) {
        *b = (i.wrapping_mul(2_654_435_761).wrapping_add(salt) >> 7) as u8;
    }
    fs::write(f, bytes).unwrap();
}

#[test]
fn a_garbled_index_is_reported_then_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let before = state(&alpha_store(&dir, 4));
    let alpha = test_key("alpha").party();
    let view = Store::open(&dir).unwrap().feed_view(&alpha).unwrap();
    let index = dir.join("index");
    let names = |index: &Path| -> Vec<String> {
        files_under(index)
            .iter()
            .map(|f| f.strip_prefix(index).unwrap().display().to_string())
            .collect()
    };
    let found = names(&index);
    assert!(found.iter().any(|n| n == "db"), "{found:?}");

    // Every file garbled; every file but sled's `conf`; sled's files one kind at a time,
    // whole or past their first 512 bytes (a header that still parses, then garbage).
    type Pick = fn(&str) -> bool;
    let mut cases: Vec<(&str, Pick, usize)> =
        vec![("all", |_| true, 0), ("all but conf", |n| n != "conf", 0)];
    for from in [0, 512] {
        cases.push(("db", |n| n == "db", from));
        cases.push(("conf", |n| n == "conf", from));
        cases.push(("snapshots", |n| n.starts_with("snap"), from));
    }
    for (k, (which, pick, from)) in cases.into_iter().enumerate() {
        for n in names(&index).iter().filter(|n| pick(n)) {
            garble(&index.join(n), from, k);
        }
        match Store::open(&dir) {
            Err(e @ (StoreError::IndexUnusable { .. } | StoreError::IndexDisagrees { .. })) => {
                assert!(says_repair(&e), "{e}");
            }
            // sled may take the damage for an empty or older database; then the index is
            // rebuilt or checked against the journal like any other.
            Ok(s) => assert_eq!(state(&s), before, "{which} from {from}"),
            Err(other) => panic!("{which} from {from}: {other}"),
        }
        let r = Store::repair(&dir).unwrap();
        assert_eq!(r.entries_indexed, 5);
        let s = Store::open(&dir).unwrap();
        assert_eq!(state(&s), before);
        assert_eq!(s.feed_view(&alpha).unwrap(), view);
    }
}

#[test]
fn an_index_from_another_journal_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (d1, d2) = (tmp.path().join("one"), tmp.path().join("two"));
    drop(alpha_store(&d1, 3));
    drop(alpha_store(&d2, 1));
    // Swap in the index of a longer journal: it claims more than this journal holds.
    fs::remove_dir_all(d2.join("index")).unwrap();
    copy_dir(&d1.join("index"), &d2.join("index"));
    match Store::open(&d2) {
        Err(e @ StoreError::IndexDisagrees { .. }) => assert!(says_repair(&e), "{e}"),
        other => panic!("{other:?}"),
    }
    Store::repair(&d2).unwrap();
    assert_eq!(Store::open(&d2).unwrap().entry_count(), 2);
}

/// A store whose last write was torn at every possible point: a snapshot of the store before
/// the write, and the journal as the write would have left it.
struct Torn {
    _tmp: tempfile::TempDir,
    snapshot: PathBuf,
    full: Vec<u8>,
    /// Journal length before the last write.
    before: usize,
    earlier: (Vec<Vec<u8>>, Vec<EntryId>, Vec<Option<SignedEntry>>),
}

fn torn() -> Torn {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let snapshot = tmp.path().join("snapshot");
    let s = alpha_store(&dir, 3);
    let earlier = state(&s);
    drop(s);
    copy_dir(&dir, &snapshot);
    let before = fs::metadata(dir.join("journal")).unwrap().len() as usize;
    let mut s = Store::open(&dir).unwrap();
    s.append(
        &test_key("alpha"),
        &definition("the last"),
        Timestamp(T0 + 3600),
    )
    .unwrap();
    drop(s);
    Torn {
        full: fs::read(dir.join("journal")).unwrap(),
        _tmp: tmp,
        snapshot,
        before,
        earlier,
    }
}

/// The snapshot, with `journal` as the journal, in a fresh directory.
fn restore(t: &Torn, name: &str, journal: &[u8]) -> PathBuf {
    let dir = t.snapshot.with_file_name(name);
    let _ = fs::remove_dir_all(&dir);
    copy_dir(&t.snapshot, &dir);
    fs::write(dir.join("journal"), journal).unwrap();
    dir
}

#[test]
fn a_journal_cut_inside_its_last_record_loses_only_that_record() {
    let t = torn();
    assert!(t.full.len() > t.before + bundle::RECORD_OVERHEAD);
    for cut in t.before..t.full.len() {
        let dir = restore(&t, "cut", &t.full[..cut]);
        let mut s = Store::open(&dir).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(s.open_report().torn_bytes_cut, (cut - t.before) as u64);
        assert_eq!(state(&s), t.earlier, "cut at {cut}");
        assert_eq!(
            fs::metadata(dir.join("journal")).unwrap().len() as usize,
            t.before
        );
        // Every few cuts, check the store goes on working, including after a reopen.
        if cut % 23 == 0 || cut + 1 == t.full.len() || cut == t.before + 1 {
            let e = s
                .append(
                    &test_key("alpha"),
                    &definition("again"),
                    Timestamp(T0 + 7200),
                )
                .unwrap();
            drop(s);
            let s = Store::open(&dir).unwrap();
            assert_eq!(s.open_report().torn_bytes_cut, 0);
            assert_eq!(s.entry_count(), t.earlier.0.len() as u64 + 1);
            assert_eq!(
                s.head(&test_key("alpha").party()).unwrap().unwrap().id,
                e.id().unwrap()
            );
            assert!(s.verify(Options::default()).unwrap().ok);
        }
    }
}

#[test]
fn garbage_after_the_journal_is_cut() {
    let t = torn();
    let mut junk = t.full.clone();
    let garbage: Vec<u8> = (0..777u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    junk.extend(&garbage);
    // Also the zero-filled tail some file systems leave after a crash.
    for (name, tail) in [("garbage", garbage.clone()), ("zeros", vec![0u8; 4096])] {
        let mut j = t.full.clone();
        j.extend(&tail);
        let dir = restore(&t, name, &j);
        let mut s = Store::open(&dir).unwrap();
        assert_eq!(s.open_report().torn_bytes_cut, tail.len() as u64);
        assert_eq!(s.open_report().records_indexed, 1);
        assert_eq!(s.entries().unwrap().len(), t.earlier.0.len() + 1);
        assert_eq!(fs::read(dir.join("journal")).unwrap(), t.full);
        s.append(
            &test_key("alpha"),
            &definition("after"),
            Timestamp(T0 + 7200),
        )
        .unwrap();
        assert!(s.verify(Options::default()).unwrap().ok);
    }
}

#[test]
fn a_cut_journal_under_an_index_that_has_its_last_entry_needs_repair() {
    // The index saw the entry, but the journal lost it: the disk broke its promise.
    let t = torn();
    let dir = t.snapshot.with_file_name("lied");
    copy_dir(&t.snapshot, &dir);
    fs::write(dir.join("journal"), &t.full).unwrap();
    let mut s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().records_indexed, 1);
    s.append(
        &test_key("alpha"),
        &definition("indexed"),
        Timestamp(T0 + 7200),
    )
    .unwrap();
    drop(s);
    let j = fs::read(dir.join("journal")).unwrap();
    fs::write(dir.join("journal"), &j[..j.len() - 5]).unwrap();
    match Store::open(&dir) {
        Err(e @ StoreError::IndexDisagrees { .. }) => assert!(says_repair(&e), "{e}"),
        other => panic!("{other:?}"),
    }
    // The torn tail was cut before the index was checked.
    assert_eq!(fs::read(dir.join("journal")).unwrap(), t.full);
    let r = Store::repair(&dir).unwrap();
    assert_eq!(r.torn_bytes_cut, 0);
    assert_eq!(r.entries_indexed, t.earlier.0.len() as u64 + 1);
    assert_eq!(
        Store::open(&dir).unwrap().entries().unwrap().len(),
        t.earlier.0.len() + 1
    );
}

#[test]
fn damage_in_the_middle_is_refused_then_cut_by_repair_with_the_bytes_kept() {
    let t = torn();
    let records = bundle::scan(&t.full).unwrap().records;
    let victim = records[2];
    let mut j = t.full.clone();
    j[victim.offset + 30] ^= 0x04;
    let is_the_damage = |e: StoreError| match e {
        StoreError::JournalCorrupt { offset, record, .. } => {
            assert_eq!((offset, record), (victim.offset as u64, 2))
        }
        other => panic!("{other:?}"),
    };

    // With no index to vouch for the journal, opening reads all of it and refuses.
    let bare = restore(&t, "rot-bare", &j);
    fs::remove_dir_all(bare.join("index")).unwrap();
    is_the_damage(Store::open(&bare).unwrap_err());
    // Nothing was cut by the refused open.
    assert_eq!(fs::read(bare.join("journal")).unwrap(), j);

    // Under an index that has indexed the damaged record, opening reads only the tail past
    // the index's position, so the store opens and answers from the index; whatever reads
    // the whole journal finds the damage.
    let dir = restore(&t, "rot", &j);
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().records_indexed, 1);
    for (id, entry) in t.earlier.1.iter().zip(&t.earlier.2) {
        assert_eq!(&s.get(id).unwrap(), entry);
    }
    is_the_damage(s.entries().unwrap_err());
    is_the_damage(s.verify(Options::default()).unwrap_err());
    is_the_damage(s.export(&BTreeMap::new()).unwrap_err());
    let err = s.entries().unwrap_err().to_string();
    assert!(says_repair_journal(&err), "{err}");
    drop(s);
    assert_eq!(fs::read(dir.join("journal")).unwrap(), j);

    for dir in [bare, dir] {
        let r = Store::repair(&dir).unwrap();
        assert_eq!(r.records_dropped, (records.len() - 3) as u64);
        assert_eq!(r.torn_bytes_cut, (j.len() - victim.offset) as u64);
        let kept = r.damaged_kept_in.unwrap();
        assert_eq!(fs::read(kept).unwrap(), &j[victim.offset..]);
        let s = Store::open(&dir).unwrap();
        assert_eq!(s.entries().unwrap(), t.earlier.0[..1].to_vec());
        assert!(s.export(&BTreeMap::new()).is_ok());
    }
}

fn says_repair_journal(message: &str) -> bool {
    message.contains("hotline repair") && message.contains("side file")
}

#[test]
fn damage_past_what_the_index_covers_is_refused_at_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    drop(alpha_store(&dir, 2));
    let indexed = fs::metadata(dir.join("journal")).unwrap().len() as usize;
    let snapshot = tmp.path().join("snapshot");
    copy_dir(&dir, &snapshot);
    let mut s = Store::open(&dir).unwrap();
    for i in 0..3 {
        s.append(
            &test_key("alpha"),
            &definition(&format!("later {i}")),
            Timestamp(T0 + 3600 + i),
        )
        .unwrap();
    }
    drop(s);
    let full = fs::read(dir.join("journal")).unwrap();
    let records = bundle::scan(&full).unwrap().records;
    // The first record the snapshot's index has not indexed, with two whole records after it.
    let victim = records.iter().find(|r| r.offset == indexed).unwrap();
    assert_eq!(victim.index, 4);
    let mut j = full.clone();
    j[victim.offset + 40] ^= 0x20;
    fs::remove_dir_all(&dir).unwrap();
    copy_dir(&snapshot, &dir);
    fs::write(dir.join("journal"), &j).unwrap();
    match Store::open(&dir) {
        Err(StoreError::JournalCorrupt {
            offset,
            record,
            detail,
            ..
        }) => {
            assert_eq!((offset, record), (victim.offset as u64, 4));
            assert!(detail.contains("hotline repair"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(dir.join("journal")).unwrap(), j);
    let r = Store::repair(&dir).unwrap();
    assert_eq!((r.records_dropped, r.entries_indexed), (2, 3));
    assert_eq!(Store::open(&dir).unwrap().entry_count(), 3);
}

#[test]
fn opening_reads_only_what_the_index_has_not_indexed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    drop(alpha_store(&dir, 60));
    let len = fs::metadata(dir.join("journal")).unwrap().len();
    let journal = fs::read(dir.join("journal")).unwrap();
    let records = bundle::scan(&journal).unwrap().records;
    let charter_end = records[0].end() as u64;
    let last = records.last().unwrap();
    let last_len = (last.end() - last.offset) as u64;

    let s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().records_indexed, 0);
    assert_eq!(s.open_report().journal_bytes_read, charter_end + last_len);
    assert!(s.open_report().journal_bytes_read * 10 < len);
    drop(s);

    // With no index, or one of another format, all of it.
    fs::remove_dir_all(dir.join("index")).unwrap();
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().records_indexed, 61);
    assert_eq!(s.open_report().journal_bytes_read, len);
    let view = s.feed_view(&test_key("alpha").party()).unwrap();
    drop(s);
    {
        let db = sled::open(dir.join("index")).unwrap();
        db.open_tree("meta").unwrap().remove("format").unwrap();
        db.flush().unwrap();
    }
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().records_indexed, 61);
    assert_eq!(s.open_report().journal_bytes_read, len);
    assert_eq!(s.feed_view(&test_key("alpha").party()).unwrap(), view);
    assert_eq!(s.entry_count(), 61);
}

#[test]
fn a_damaged_header_or_charter_is_refused_not_cut() {
    let t = torn();
    let mut j = t.full.clone();
    j[0] = b'X';
    let dir = restore(&t, "magic", &j);
    assert!(matches!(
        Store::open(&dir),
        Err(StoreError::JournalCorrupt { offset: 0, .. })
    ));
    assert!(matches!(
        Store::repair(&dir),
        Err(StoreError::JournalCorrupt { .. })
    ));
    assert_eq!(fs::read(dir.join("journal")).unwrap(), j);
}

#[test]
fn an_index_of_another_journal_of_the_same_length_is_refused() {
    // Two journals of the same channel whose records have the same lengths, but not the same
    // entries: the index of one must not pass for the other's.
    let tmp = tempfile::tempdir().unwrap();
    let (d1, d2) = (tmp.path().join("one"), tmp.path().join("two"));
    for (dir, term) in [(&d1, "term a"), (&d2, "term b")] {
        let mut s = alpha_store(dir, 1);
        s.append(&test_key("alpha"), &definition(term), Timestamp(T0 + 3600))
            .unwrap();
    }
    let (j1, j2) = (
        fs::read(d1.join("journal")).unwrap(),
        fs::read(d2.join("journal")).unwrap(),
    );
    assert_eq!(j1.len(), j2.len());
    assert_ne!(j1, j2);
    fs::remove_dir_all(d2.join("index")).unwrap();
    copy_dir(&d1.join("index"), &d2.join("index"));
    match Store::open(&d2) {
        Err(e @ StoreError::IndexDisagrees { .. }) => assert!(says_repair(&e), "{e}"),
        other => panic!("{other:?}"),
    }
    Store::repair(&d2).unwrap();
    let s = Store::open(&d2).unwrap();
    assert_eq!(s.entries().unwrap(), bundle::read(&j2).unwrap().entries);
}
