//! Crashes and damage: a lost or garbled index is rebuilt from the journal; a journal cut
//! anywhere inside its last write (one record, or a batch of them), or followed by garbage,
//! opens with that write gone whole and everything before it intact; damage in the middle of
//! the journal is refused (at open when the index does not cover it, else by whatever reads
//! the whole journal, and by every write), then mended by `repair` from the journal's whole
//! records and the index's copies, with the damaged bytes kept. Opening reads only what the
//! index has not indexed.
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
use std::path::{Path, PathBuf};

use hotline::bundle;
use hotline::entry::{Body, Definition, EntryId, Seq, SignedEntry, Timestamp};
use hotline::example::{self, T0, test_key};
use hotline::store::{NoteMeta, Store, StoreError};
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

/// sled writes a snapshot while it opens a database; a process killed then leaves
/// `snap.<lsn>.generating`, which the next sled takes for its newest snapshot and refuses.
#[test]
fn a_snapshot_left_half_written_by_a_kill_does_not_stop_the_store_opening() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let mut before = state(&alpha_store(&dir, 3));
    for (i, contents) in [&b""[..], &[0x5a; 300][..]].into_iter().enumerate() {
        fs::write(dir.join("index/snap.00000000000FFFFF.generating"), contents).unwrap();
        let mut s = Store::open(&dir).unwrap();
        assert!(state(&s) == before);
        // The index was not set aside: only sled's leftover went.
        assert_eq!(s.open_report().index_set_aside, None);
        assert!(!dir.join("index/snap.00000000000FFFFF.generating").exists());
        assert!(s.verify(Options::default()).unwrap().ok);
        s.append(
            &test_key("alpha"),
            &definition(&format!("after {i}")),
            Timestamp(T0 + 999 + i as u64),
        )
        .unwrap();
        before = state(&s);
    }
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.entries().unwrap().len(), 6);
}

/// An index sled cannot open at all is set aside, once the whole journal has been read and
/// found sound, and the journal indexed anew.
#[test]
fn an_index_sled_cannot_open_is_set_aside_when_the_journal_is_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let before = state(&alpha_store(&dir, 3));
    // A snapshot by its final name that fails its check: not a leftover, sled refuses it.
    let bad = dir.join("index/snap.FFFFFFFFFFFFFFF0");
    fs::write(&bad, [0x5a; 300]).unwrap();
    let mut s = Store::open(&dir).unwrap();
    let aside = dir.join("index.unusable");
    assert_eq!(
        s.open_report().index_set_aside.as_deref(),
        Some(aside.as_path())
    );
    assert_eq!(s.open_report().records_indexed, 4);
    assert_eq!(
        fs::read(aside.join("snap.FFFFFFFFFFFFFFF0")).unwrap(),
        [0x5a; 300]
    );
    assert_eq!(state(&s), before);
    s.append(
        &test_key("alpha"),
        &definition("after"),
        Timestamp(T0 + 999),
    )
    .unwrap();
    drop(s);
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.open_report().index_set_aside, None);
    assert_eq!(s.entries().unwrap().len(), before.0.len() + 1);
}

/// A process killed while it built the index from the journal (a repair, or an open after
/// the index was lost) leaves records indexed but no position record; found by the crash
/// harness, this once needed `repair`.
#[test]
fn an_index_whose_building_was_cut_short_is_set_aside_and_built_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let before = state(&alpha_store(&dir, 3));
    {
        let db = sled::open(dir.join("index")).unwrap();
        db.open_tree("meta").unwrap().remove("indexed").unwrap();
        db.flush().unwrap();
    }
    let mut s = Store::open(&dir).unwrap();
    assert_eq!(
        s.open_report().index_set_aside.as_deref(),
        Some(dir.join("index.unusable").as_path())
    );
    assert!(state(&s) == before);
    s.append(
        &test_key("alpha"),
        &definition("after"),
        Timestamp(T0 + 999),
    )
    .unwrap();
}

/// While the journal is damaged, an index sled cannot open stays where it is (a repair looks
/// for copies in it), and opening says to repair.
#[test]
fn an_index_sled_cannot_open_is_left_alone_while_the_journal_is_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    drop(alpha_store(&dir, 3));
    let bad = dir.join("index/snap.FFFFFFFFFFFFFFF0");
    fs::write(&bad, [0x5a; 300]).unwrap();
    let mut j = fs::read(dir.join("journal")).unwrap();
    let at = bundle::scan(&j).unwrap().records[2].offset + 30;
    j[at] ^= 0x04;
    fs::write(dir.join("journal"), &j).unwrap();
    let before = files_under(&dir)
        .into_iter()
        .map(|f| (f.clone(), fs::read(f).unwrap()))
        .collect::<Vec<_>>();
    let e = Store::open(&dir).unwrap_err();
    assert!(matches!(e, StoreError::JournalCorrupt { .. }), "{e:?}");
    assert!(says_repair(&e), "{e}");
    assert!(!dir.join("index.unusable").exists());
    let after = files_under(&dir)
        .into_iter()
        .map(|f| (f.clone(), fs::read(f).unwrap()))
        .collect::<Vec<_>>();
    assert_eq!(before, after);
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
    // The two journals agree as far as the shorter goes (the same key signed the same entries
    // at the same times), so this index is, to the repair, that of a journal whose tail the
    // disk lost: its copies of the rest are signed entries of this channel, and come back.
    let r = Store::repair(&d2).unwrap();
    assert_eq!((r.entries_recovered, r.records_lost), (2, 0));
    assert_eq!(r.index_not_used, None);
    let s = Store::open(&d2).unwrap();
    assert_eq!(s.entry_count(), 4);
    assert_eq!(
        s.entries().unwrap(),
        bundle::read(&fs::read(d1.join("journal")).unwrap())
            .unwrap()
            .entries
    );
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
    // The index's copy of the entry the journal lost puts it back.
    let r = Store::repair(&dir).unwrap();
    assert_eq!(r.torn_bytes_cut, 0);
    assert_eq!((r.entries_recovered, r.records_lost), (1, 0));
    assert_eq!(r.entries_indexed, t.earlier.0.len() as u64 + 2);
    assert_eq!(fs::read(dir.join("journal")).unwrap(), j);
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.entries().unwrap().len(), t.earlier.0.len() + 2);
    assert!(s.verify(Options::default()).unwrap().ok);
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

    // Repair keeps every whole record, before the damage and after it, and takes the damaged
    // one from the index's copy; with no index, that one is lost and said to be.
    let all = bundle::read(&t.full).unwrap().entries;
    for (dir, indexed) in [(bare, false), (dir, true)] {
        let r = Store::repair(&dir).unwrap();
        assert_eq!(r.records_dropped, 0);
        assert_eq!(r.torn_bytes_cut, 0);
        assert_eq!(r.damaged_bytes, (victim.end() - victim.offset) as u64);
        assert_eq!(r.entries_recovered, u64::from(indexed));
        assert_eq!(r.records_lost, u64::from(!indexed));
        let kept = r.damaged_kept_in.unwrap();
        assert_eq!(fs::read(kept).unwrap(), &j[victim.offset..]);
        let s = Store::open(&dir).unwrap();
        let mut want = all.clone();
        if !indexed {
            want.remove(1);
        }
        assert_eq!(s.entries().unwrap(), want);
        assert!(s.export(&BTreeMap::new()).is_ok());
        if indexed {
            assert_eq!(fs::read(dir.join("journal")).unwrap(), t.full);
            assert!(s.verify(Options::default()).unwrap().ok);
        }
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
    // The index has no copy of the damaged record: it is lost, the records after it kept.
    let r = Store::repair(&dir).unwrap();
    assert_eq!((r.records_lost, r.entries_recovered), (1, 0));
    assert_eq!((r.records_dropped, r.entries_indexed), (0, 5));
    assert_eq!(Store::open(&dir).unwrap().entry_count(), 5);
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

/// Alpha's store with its charter entry and three definitions, its identity set (with a key
/// file that exists), and the journal's bytes.
fn configured_store(tmp: &Path) -> (PathBuf, Vec<u8>) {
    let dir = tmp.join("alpha");
    let key_file = tmp.join("alpha.key");
    fs::write(&key_file, "stand-in").unwrap();
    let mut s = alpha_store(&dir, 3);
    s.set_identity("alpha", &key_file).unwrap();
    drop(s);
    let good = alpha_journal(&dir);
    (dir, good)
}

#[test]
fn a_damaged_header_or_charter_is_refused_then_rebuilt_by_repair() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, good) = configured_store(tmp.path());
    let before = state(&Store::open(&dir).unwrap());
    let records = bundle::scan(&good).unwrap().records;
    let (charter, founder) = (records[0], records[1]);
    let founder_id = SignedEntry::decode(founder.payload).unwrap().id().unwrap();
    let flip = |at: &[usize]| {
        let mut j = good.clone();
        for &i in at {
            j[i] ^= 0x04;
        }
        j
    };
    let cases: Vec<(&str, Vec<u8>, Option<EntryId>)> = vec![
        ("the magic", flip(&[0]), None),
        ("the version", flip(&[8]), None),
        (
            "the charter record",
            flip(&[charter.offset + 40]),
            Some(founder_id),
        ),
        ("its length", flip(&[charter.offset + 3]), Some(founder_id)),
        // The founder's entry in the journal is damaged too: the index's copy has it.
        (
            "the charter and the founder's entry",
            flip(&[charter.offset + 40, founder.offset + 40]),
            Some(founder_id),
        ),
        (
            "a cut inside the charter",
            good[..charter.offset + 50].to_vec(),
            Some(founder_id),
        ),
        (
            "a cut inside the header",
            good[..5].to_vec(),
            Some(founder_id),
        ),
        ("an empty journal", Vec::new(), Some(founder_id)),
    ];
    for (what, j, rebuilt) in cases {
        let case = tmp.path().join(what.replace(' ', "-"));
        copy_dir(&dir, &case);
        fs::write(case.join("journal"), &j).unwrap();
        let e = Store::open(&case).unwrap_err();
        assert!(
            matches!(e, StoreError::JournalCorrupt { .. }),
            "{what}: {e}"
        );
        assert!(says_repair(&e), "{what}: {e}");
        if let Ok(s) = Store::open_read_only(&case) {
            panic!("{what}: read-only {:?}", s.open_report());
        }
        let r = Store::repair(&case).unwrap();
        assert_eq!(r.charter_rebuilt_from, rebuilt, "{what}: {r:?}");
        assert_eq!((r.records_lost, r.records_dropped), (0, 0), "{what}: {r:?}");
        assert!(r.feeds_behind.is_empty(), "{what}: {r:?}");
        assert_eq!(alpha_journal(&case), good, "{what}");
        let s = Store::open(&case).unwrap();
        assert_eq!(state(&s), before, "{what}");
        assert!(s.verify(Options::default()).unwrap().ok, "{what}");
    }

    // With no copy of the founder's entry anywhere, the charter cannot be rebuilt: repair
    // refuses and changes nothing.
    let j = flip(&[charter.offset + 40, founder.offset + 40]);
    let case = tmp.path().join("no-copy");
    copy_dir(&dir, &case);
    fs::remove_dir_all(case.join("index")).unwrap();
    fs::write(case.join("journal"), &j).unwrap();
    let e = Store::repair(&case).unwrap_err();
    assert!(matches!(e, StoreError::JournalCorrupt { .. }), "{e}");
    assert!(e.to_string().contains("cannot be rebuilt"), "{e}");
    assert_eq!(alpha_journal(&case), j);
}

#[test]
fn a_damaged_mark_in_config_is_refused_and_repair_rebuilds_it_from_the_feed() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = configured_store(tmp.path());
    let alpha = test_key("alpha").party();
    let identity = Store::open(&dir).unwrap().identity();
    assert_eq!(Store::open(&dir).unwrap().signed_here(&alpha), Some(Seq(3)));
    let config = dir.join("config.json");
    let text = fs::read_to_string(&config).unwrap();
    let mark = format!("\"{}\": 3", hex::encode(alpha.0));
    assert!(text.contains(&mark), "{text}");
    // One digit turned into a lower one still parses: the guard would be silently lost.
    fs::write(&config, text.replace(&mark, &mark.replace(": 3", ": 1"))).unwrap();

    let refused = |e: StoreError| {
        let m = e.to_string();
        assert!(matches!(e, StoreError::Config { .. }), "{m}");
        assert!(
            m.contains("check value") && m.contains("hotline repair"),
            "{m}"
        );
    };
    refused(Store::open(&dir).unwrap_err());
    // A reader is told too: verify names it.
    refused(
        Store::open_read_only(&dir)
            .unwrap()
            .verify(Options::default())
            .unwrap_err(),
    );

    let r = Store::repair(&dir).unwrap();
    assert_eq!(
        r.config_kept_in.as_deref(),
        Some(dir.join("config.json.unreadable").as_path())
    );
    assert!(r.identity_kept, "{r:?}");
    assert_eq!(r.marks_rebuilt, vec![("alpha".to_owned(), 3)]);
    let mut s = Store::open(&dir).unwrap();
    assert_eq!(s.signed_here(&alpha), Some(Seq(3)));
    assert_eq!(s.identity(), identity);
    assert!(s.verify(Options::default()).unwrap().ok);
    let e = s
        .append(
            &test_key("alpha"),
            &definition("next"),
            Timestamp(T0 + 9999),
        )
        .unwrap();
    assert_eq!(e.header().seq, Seq(4));
    drop(s);
    // The new file carries its check value: the same damage is found again.
    let text = fs::read_to_string(&config).unwrap();
    let mark = format!("\"{}\": 4", hex::encode(alpha.0));
    fs::write(&config, text.replace(&mark, &mark.replace(": 4", ": 0"))).unwrap();
    refused(Store::open(&dir).unwrap_err());
}

#[test]
fn a_config_written_before_its_check_value_is_read_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    drop(alpha_store(&dir, 1));
    let alpha = test_key("alpha").party();
    fs::write(
        dir.join("config.json"),
        format!(
            "{{\"party\": \"alpha\", \"signed\": {{\"{}\": 1}}}}",
            hex::encode(alpha.0)
        ),
    )
    .unwrap();
    let s = Store::open(&dir).unwrap();
    assert_eq!(s.signed_here(&alpha), Some(Seq(1)));
    assert!(s.verify(Options::default()).unwrap().ok);
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

fn alpha_journal(dir: &Path) -> Vec<u8> {
    fs::read(dir.join("journal")).unwrap()
}

/// Two notes for `add_notes`: the store keeps notes as opaque bytes.
fn two_notes() -> Vec<(NoteMeta, Vec<u8>)> {
    (1..=2u8)
        .map(|i| {
            (
                NoteMeta::stating("example.org/alpha", u64::from(i), [i; 32]),
                format!("example.org/alpha\n{i}\nroot\n\n— sig {i}\n").into_bytes(),
            )
        })
        .collect()
}

/// The record of `journal` that holds byte `offset`.
fn record_holding(journal: &[u8], offset: usize) -> bundle::Record<'_> {
    *bundle::scan(journal)
        .unwrap()
        .records
        .iter()
        .find(|r| r.offset <= offset && offset < r.end())
        .unwrap()
}

#[test]
fn a_write_reads_only_what_no_store_found_sound_while_the_file_is_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let mut s = alpha_store(&dir, 12);
    let key = test_key("alpha");
    // This write reads the whole journal first (nothing was checked yet), then records that
    // the journal is sound to its new end, with the file's modification time.
    s.append(&key, &definition("first"), Timestamp(T0 + 9000))
        .unwrap();
    drop(s);
    let good = alpha_journal(&dir);
    let victim = record_holding(&good, 1500);
    let f = fs::OpenOptions::new()
        .write(true)
        .open(dir.join("journal"))
        .unwrap();
    let modified = f.metadata().unwrap().modified().unwrap();
    let mut j = good.clone();
    j[1500] ^= 0x10;
    fs::write(dir.join("journal"), &j).unwrap();

    // Damage made with the modification time put back (as a disk fault leaves it): the next
    // write does not read what was found sound, so it is signed on top; a whole read (verify,
    // export, entries) still finds the damage, and then writes are refused.
    f.set_modified(modified).unwrap();
    let mut s = Store::open(&dir).unwrap();
    s.append(&key, &definition("second"), Timestamp(T0 + 9001))
        .unwrap();
    match s.verify(Options::default()).unwrap_err() {
        StoreError::JournalCorrupt { offset, .. } => assert_eq!(offset, victim.offset as u64),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.append(&key, &definition("third"), Timestamp(T0 + 9002)),
        Err(StoreError::JournalCorrupt { .. })
    ));
    drop(s);
    // A changed modification time (something else wrote the file) means reading it whole.
    let f = fs::OpenOptions::new()
        .write(true)
        .open(dir.join("journal"))
        .unwrap();
    f.set_modified(modified + std::time::Duration::from_secs(1))
        .unwrap();
    drop(f);
    let mut s = Store::open(&dir).unwrap();
    assert!(matches!(
        s.append(&key, &definition("third"), Timestamp(T0 + 9002)),
        Err(StoreError::JournalCorrupt { .. })
    ));
}

#[test]
fn writes_are_refused_on_a_damaged_journal_and_repair_rebuilds_it_from_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    drop(alpha_store(&dir, 12));
    let key = test_key("alpha");
    let own = Store::open(&dir).unwrap().export(&BTreeMap::new()).unwrap();
    let good = alpha_journal(&dir);
    let records = bundle::scan(&good).unwrap().records;
    // One byte overwritten at offset 1500, in a record with whole records after it.
    let victim = record_holding(&good, 1500);
    assert!(victim.index + 2 < records.len());
    let mut j = good.clone();
    j[1500] ^= 0x10;
    fs::write(dir.join("journal"), &j).unwrap();

    let refused = |e: StoreError| {
        let m = e.to_string();
        match e {
            StoreError::JournalCorrupt { offset, .. } => {
                assert_eq!(offset, victim.offset as u64, "{m}");
                assert!(
                    m.contains("Nothing was written") && m.contains("hotline repair"),
                    "{m}"
                );
            }
            other => panic!("{other:?}"),
        }
    };
    // Opening reads only the tail past the index's position, so the store opens; its first
    // write reads the whole journal first, finds the damage, and refuses — every kind of write.
    let mut s = Store::open(&dir).unwrap();
    refused(
        s.append(&key, &definition("on top"), Timestamp(T0 + 9999))
            .unwrap_err(),
    );
    refused(s.add_notes(&two_notes()).unwrap_err());
    refused(s.import(&own, None).unwrap_err());
    drop(s);
    assert_eq!(alpha_journal(&dir), j);
    // Also when a whole read found the damage first.
    let mut s = Store::open(&dir).unwrap();
    assert!(s.entries().is_err());
    refused(
        s.append(&key, &definition("on top"), Timestamp(T0 + 9999))
            .unwrap_err(),
    );
    drop(s);
    assert_eq!(alpha_journal(&dir), j);

    // Repair takes the damaged record from the index's copy: nothing is lost, nothing moves.
    let r = Store::repair(&dir).unwrap();
    assert_eq!(r.entries_recovered, 1);
    assert_eq!((r.records_lost, r.records_dropped), (0, 0));
    assert_eq!(r.index_not_used, None);
    assert_eq!(r.damaged_bytes, (victim.end() - victim.offset) as u64);
    assert!(r.feeds_behind.is_empty());
    let side = dir.join(format!("journal.damaged-at-{}", victim.offset));
    assert_eq!(r.damaged_kept_in.as_deref(), Some(side.as_path()));
    assert_eq!(fs::read(&side).unwrap(), &j[victim.offset..]);
    assert_eq!(alpha_journal(&dir), good);
    let mut s = Store::open(&dir).unwrap();
    let e = s
        .append(&key, &definition("after"), Timestamp(T0 + 9999))
        .unwrap();
    assert_eq!(e.header().seq.0, 13);
    assert!(s.verify(Options::default()).unwrap().ok);
}

#[test]
fn a_store_that_lost_its_own_entries_refuses_to_sign_until_they_are_imported_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    drop(alpha_store(&dir, 6));
    let key = test_key("alpha");
    let alpha = key.party();
    // What a counterparty holds of alpha's feed.
    let counterparty_copy = Store::open(&dir).unwrap().export(&BTreeMap::new()).unwrap();
    // The index is lost, and the disk garbles the journal's last two records: entries alpha
    // signed (seq 5 and 6) exist nowhere in the store any more.
    let good = alpha_journal(&dir);
    let records = bundle::scan(&good).unwrap().records;
    garble(
        &dir.join("journal"),
        records[records.len() - 2].offset + 3,
        7,
    );
    fs::remove_dir_all(dir.join("index")).unwrap();

    let r = Store::repair(&dir).unwrap();
    assert_eq!(r.entries_indexed, 5);
    assert_eq!(r.feeds_behind.len(), 1, "{r:?}");
    let behind = &r.feeds_behind[0];
    assert_eq!(
        (
            behind.name.as_str(),
            behind.party,
            behind.signed,
            behind.held
        ),
        ("alpha", alpha, 6, 5)
    );
    for _ in 0..2 {
        // Refused, and still refused after reopening: signing seq 5 again would fork the feed.
        let mut s = Store::open(&dir).unwrap();
        assert_eq!(s.feed_len(&alpha).unwrap(), 5);
        let before = alpha_journal(&dir);
        match s.append(&key, &definition("again"), Timestamp(T0 + 9999)) {
            Err(e @ StoreError::FeedWentBack { .. }) => {
                let m = e.to_string();
                assert!(m.contains("went back from seq 6 to seq 4"), "{m}");
                assert!(m.contains("fork") && m.contains("Re-import"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(alpha_journal(&dir), before);
    }
    // Importing the lost entries from the counterparty's copy lifts it.
    let mut s = Store::open(&dir).unwrap();
    assert_eq!(s.import(&counterparty_copy, None).unwrap().new_entries, 2);
    let e = s
        .append(&key, &definition("again"), Timestamp(T0 + 9999))
        .unwrap();
    assert_eq!(e.header().seq.0, 7);
    assert!(s.forks().unwrap().is_empty());
    assert!(s.verify(Options::default()).unwrap().ok);
}

#[test]
fn an_import_torn_anywhere_is_kept_whole_or_not_at_all() {
    let tmp = tempfile::tempdir().unwrap();
    let (da, db) = (tmp.path().join("alpha"), tmp.path().join("beta"));
    let charter = example::charter();
    let a = alpha_store(&da, 2);
    // Beta joins and writes three definitions: alpha's import of them is one write of four
    // records.
    let mut b = Store::create(&db, &charter).unwrap();
    b.import(&a.export(&BTreeMap::new()).unwrap(), None)
        .unwrap();
    let beta = test_key("beta");
    let accept = Body::Acceptance(hotline::entry::Acceptance {
        charter: charter.id().unwrap(),
    });
    b.append(&beta, &accept, Timestamp(T0 + 100)).unwrap();
    for i in 0..3 {
        b.append(
            &beta,
            &definition(&format!("beta {i}")),
            Timestamp(T0 + 200 + i),
        )
        .unwrap();
    }
    let from_beta = b.export(&BTreeMap::new()).unwrap();
    let earlier = state(&a);
    drop(a);
    let snapshot = tmp.path().join("snapshot");
    copy_dir(&da, &snapshot);
    let before = alpha_journal(&da).len();
    let mut a = Store::open(&da).unwrap();
    assert_eq!(a.import(&from_beta, None).unwrap().new_entries, 4);
    let after = state(&a);
    // Exports hold no batch markers; the journal, read as a bundle, reads past them.
    let export = a.export(&BTreeMap::new()).unwrap();
    assert!(
        bundle::scan(&export)
            .unwrap()
            .records
            .iter()
            .all(|r| r.kind != bundle::RecordKind::Batch)
    );
    drop(a);
    let full = alpha_journal(&da);
    assert_eq!(bundle::read(&full).unwrap().entries, after.0);
    let records = bundle::scan(&full).unwrap().records;
    let marker = records.iter().find(|r| r.offset == before).unwrap();
    assert_eq!(marker.kind, bundle::RecordKind::Batch);
    assert_eq!(marker.payload, 4u32.to_be_bytes());
    let boundaries: Vec<usize> = records
        .iter()
        .map(|r| r.offset)
        .filter(|&o| o > before)
        .collect();

    // Every record boundary and the bytes either side of it (where a prefix of whole records
    // would survive if writes were not whole), and every 9th byte between; every single byte
    // of a batch is covered by the unit tests of `store::damage`.
    let cuts: std::collections::BTreeSet<usize> = (before..=full.len())
        .filter(|c| {
            (c - before).is_multiple_of(9)
                || boundaries
                    .iter()
                    .chain([&before, &full.len()])
                    .any(|b| c.abs_diff(*b) <= 1)
        })
        .collect();
    let dir = tmp.path().join("cut");
    for cut in cuts {
        let _ = fs::remove_dir_all(&dir);
        copy_dir(&snapshot, &dir);
        fs::write(dir.join("journal"), &full[..cut]).unwrap();
        // Under the index of before the import, and, at the record boundaries, with no index.
        let bare = [false, true];
        let runs = if boundaries.contains(&cut) {
            &bare[..]
        } else {
            &bare[..1]
        };
        for &no_index in runs {
            if no_index {
                fs::write(dir.join("journal"), &full[..cut]).unwrap();
                fs::remove_dir_all(dir.join("index")).unwrap();
            }
            let s = Store::open(&dir).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
            if cut == full.len() {
                assert_eq!(state(&s), after);
                assert_eq!(s.open_report().torn_bytes_cut, 0);
            } else {
                assert_eq!(state(&s).1, earlier.1, "cut at {cut}, no index: {no_index}");
                assert_eq!(state(&s), earlier);
                assert_eq!(s.open_report().torn_bytes_cut, (cut - before) as u64);
                assert_eq!(alpha_journal(&dir).len(), before);
            }
        }
    }
}

#[test]
fn notes_added_together_are_kept_whole_or_not_at_all() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    drop(alpha_store(&dir, 1));
    let snapshot = tmp.path().join("snapshot");
    copy_dir(&dir, &snapshot);
    let before = alpha_journal(&dir).len();
    let mut s = Store::open(&dir).unwrap();
    assert_eq!(s.add_notes(&two_notes()).unwrap(), 2);
    drop(s);
    let full = alpha_journal(&dir);
    let cut_dir = tmp.path().join("cut");
    let records = bundle::scan(&full).unwrap().records;
    for cut in (before..full.len()).filter(|c| {
        (c - before).is_multiple_of(5) || records.iter().any(|r| c.abs_diff(r.offset) <= 1)
    }) {
        let _ = fs::remove_dir_all(&cut_dir);
        copy_dir(&snapshot, &cut_dir);
        fs::write(cut_dir.join("journal"), &full[..cut]).unwrap();
        let s = Store::open(&cut_dir).unwrap();
        assert!(s.all_notes().unwrap().is_empty(), "cut at {cut}");
        assert_eq!(alpha_journal(&cut_dir).len(), before);
    }
    assert_eq!(Store::open(&dir).unwrap().all_notes().unwrap().len(), 2);
}

#[test]
fn an_unreadable_config_names_its_file_and_repair_sets_it_aside() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alpha");
    let mut s = alpha_store(&dir, 1);
    s.set_identity("alpha", Path::new("/keys/alpha.key"))
        .unwrap();
    drop(s);
    let config = dir.join("config.json");
    fs::write(&config, "{ not json").unwrap();
    let e = Store::open(&dir).unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, StoreError::Config { .. }), "{m}");
    assert!(m.contains(&config.display().to_string()), "{m}");
    assert!(m.contains("damaged") && m.contains("hotline repair"), "{m}");

    let r = Store::repair(&dir).unwrap();
    let aside = dir.join("config.json.unreadable");
    assert_eq!(r.config_kept_in.as_deref(), Some(aside.as_path()));
    assert!(!r.identity_kept);
    assert_eq!(fs::read_to_string(&aside).unwrap(), "{ not json");
    let mut s = Store::open(&dir).unwrap();
    assert_eq!(s.identity(), None);
    // The guard is rebuilt from alpha's feed, not lost with the file.
    assert_eq!(s.signed_here(&test_key("alpha").party()), Some(Seq(1)));
    s.append(
        &test_key("alpha"),
        &definition("after"),
        Timestamp(T0 + 9999),
    )
    .unwrap();
    s.set_identity("alpha", Path::new("/keys/alpha.key"))
        .unwrap();
    drop(s);
    // A deleted one is no more than a store that does not know its key.
    fs::remove_file(&config).unwrap();
    assert_eq!(Store::open(&dir).unwrap().identity(), None);
}
