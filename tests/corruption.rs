//! The corruption harness: a small store (two parties, a batch import, a note, a configured
//! identity) has every byte of each of its files flipped, and each file cut at every offset,
//! one damage at a time. For each:
//!
//! - nothing panics;
//! - what the store says — through [`Store::open_read_only`] and [`Store::open`]: the journal's
//!   entries, each feed and its tree, the notes, the verifier's report, the identity and the
//!   guard against signing a seq twice — is either exactly what it was, or an error names the
//!   damage (and, for the journal and `config.json`, the way out: `hotline repair`);
//! - after damage was found, [`Store::repair`] succeeds and the store says again exactly what it
//!   said before (every record has a copy: the journal's in the index, the charter in the
//!   founder's seq-0 entry, the index in the journal), except what had no copy: a damaged
//!   `config.json`'s identity, when it no longer names a party and a key file that exists. The
//!   guard is never lowered.
//!
//! sled's own files are large, so by default every byte of `journal` and `config.json` is
//! flipped (one bit each, the bit turning with the offset) and cut, and the index's files at
//! a deterministic stride. `HOTLINE_CORRUPTION_FULL=1` flips every bit of every byte of every
//! file and cuts each at every offset (run it by hand, with `--nocapture` for the counts; a
//! tmpfs `TMPDIR` makes it much faster). A sample of the cases is also run through the binary.
#![cfg(all(feature = "store", feature = "cli", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

#[path = "support/run.rs"]
mod run;

use std::collections::BTreeMap;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use hotline::entry::{Acceptance, Body, Definition, EntryId, FeedView, Seq, Timestamp};
use hotline::example::{self, T0, test_key};
use hotline::keys::PartyId;
use hotline::store::{NoteMeta, RepairReport, Store, StoredNote};
use hotline::verify::{Options, Report};
use run::hotline;

fn definition(term: &str) -> Body {
    Body::Definition(Definition {
        term: term.into(),
        text: format!("what {term} means"),
        supersedes: None,
    })
}

/// Alpha's store in `dir`: the charter, two definitions; beta's acceptance and definition
/// imported in one batch; a definition after it; a note (opaque bytes to the store: the
/// binary's `verify` checks notes as checkpoints, so its sample goes without); alpha's
/// identity, with its key file at `key_file`.
fn build(dir: &Path, key_file: &Path, with_note: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let charter = example::charter();
    let alpha = test_key("alpha");
    let beta = test_key("beta");
    let mut a = Store::create(dir, &charter).unwrap();
    a.append(&alpha, &Body::Charter(charter.clone()), Timestamp(T0))
        .unwrap();
    for i in 0..2 {
        a.append(
            &alpha,
            &definition(&format!("term {i}")),
            Timestamp(T0 + 60 * (i + 1)),
        )
        .unwrap();
    }
    let mut b = Store::create(&tmp.path().join("beta"), &charter).unwrap();
    b.import(&a.export(&BTreeMap::new()).unwrap(), None)
        .unwrap();
    let accept = Body::Acceptance(Acceptance {
        charter: charter.id().unwrap(),
    });
    b.append(&beta, &accept, Timestamp(T0 + 300)).unwrap();
    b.append(&beta, &definition("beta's"), Timestamp(T0 + 360))
        .unwrap();
    assert_eq!(
        a.import(&b.export(&BTreeMap::new()).unwrap(), None)
            .unwrap()
            .new_entries,
        2
    );
    a.append(&alpha, &definition("after"), Timestamp(T0 + 600))
        .unwrap();
    let note = b"example.org/alpha\n4\nroot\n\n\xe2\x80\x94 sig\n".to_vec();
    let meta = NoteMeta::stating("example.org/alpha", 4, [4; 32]);
    if with_note {
        assert_eq!(a.add_notes(&[(meta, note)]).unwrap(), 1);
    }
    fs::write(key_file, "stand-in: the store only keeps the path").unwrap();
    a.set_identity("alpha", key_file).unwrap();
}

/// What a store says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Says {
    channel: hotline::entry::ChannelId,
    entries: Vec<Vec<u8>>,
    count: u64,
    feeds: Vec<(Vec<EntryId>, FeedView, Option<EntryId>)>,
    held: Vec<Option<hotline::entry::SignedEntry>>,
    notes: Vec<StoredNote>,
    report: Report,
    /// Only for a store opened for writing: the identity, and the guard's mark per party.
    identity: Option<Option<(String, PathBuf)>>,
    marks: Option<Vec<Option<Seq>>>,
}

fn parties() -> Vec<PartyId> {
    vec![test_key("alpha").party(), test_key("beta").party()]
}

fn says(s: &Store, writable: bool) -> Result<Says, String> {
    let e = |e: hotline::store::StoreError| e.to_string();
    // What opening reports it left out or cut is reported, not silent.
    let opened = s.open_report();
    if opened.torn_bytes_ignored > 0 || opened.torn_bytes_cut > 0 {
        return Err(format!("opening reports a torn tail: {opened:?}"));
    }
    let entries = s.entries().map_err(e)?;
    let mut feeds = Vec::new();
    let mut held = Vec::new();
    for p in parties() {
        let feed = s.feed(&p).map_err(e)?;
        let ids: Vec<EntryId> = feed.iter().map(|f| f.id().unwrap()).collect();
        for id in &ids {
            held.push(s.get(id).map_err(e)?);
        }
        let head = s.head(&p).map_err(e)?.map(|h| h.id);
        feeds.push((ids, s.feed_view(&p).map_err(e)?, head));
    }
    let report = s.verify(Options::default()).map_err(e)?;
    if !report.ok {
        return Err(format!("verify found a problem: {:?}", report.findings));
    }
    Ok(Says {
        channel: s.channel(),
        entries,
        count: s.entry_count(),
        feeds,
        held,
        notes: s.all_notes().map_err(e)?,
        report,
        identity: writable.then(|| s.identity()),
        marks: writable.then(|| parties().iter().map(|p| s.signed_here(p)).collect()),
    })
}

/// The store's files (not its lock), by path relative to it, with their bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, at: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(at).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.file_name().unwrap() != "lock" {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn put(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) {
    if dir.exists() {
        fs::remove_dir_all(dir).unwrap();
    }
    for (rel, bytes) in files {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Both readers said exactly what the store said before.
    Unchanged,
    /// An error named the damage; repair brought back everything.
    Repaired,
    /// An error named the damage; repair brought back everything but the identity, which a
    /// damaged `config.json` held alone.
    RepairedIdentityLost,
    /// Only the key file's path changed, to one where there is no file: nothing can be
    /// signed until the identity is set again (the check value does not cover the path).
    KeyPathBroken,
    /// The journal cut at a record boundary: opening for writing finds it (the index says how
    /// far the journal went) and repair mends it, but a store opened read-only, which reads
    /// the journal alone, shows the shorter journal.
    ReadOnlyMissesBoundaryCut,
    // What must never happen:
    Panic,
    Silent,
    NoWayOut,
    RepairFailed,
    WrongAfterRepair,
}

impl Outcome {
    fn bad(self) -> bool {
        self >= Outcome::Panic
    }
}

struct Harness {
    _tmp: tempfile::TempDir,
    pristine: BTreeMap<PathBuf, Vec<u8>>,
    ro: Says,
    rw: Says,
    case: PathBuf,
}

impl Harness {
    fn new(with_note: bool) -> Harness {
        // A tmpfs, where there is one, spares the thousands of cases their fsyncs.
        let shm = Path::new("/dev/shm");
        let tmp = if shm.is_dir() {
            tempfile::tempdir_in(shm).unwrap()
        } else {
            tempfile::tempdir().unwrap()
        };
        let built = tmp.path().join("built");
        build(&built, &tmp.path().join("alpha.key"), with_note);
        let pristine = files(&built);
        let ro = says(&Store::open_read_only(&built).unwrap(), false).unwrap();
        let rw = says(&Store::open(&built).unwrap(), true).unwrap();
        let case = tmp.path().join("case");
        Harness {
            _tmp: tmp,
            pristine,
            ro,
            rw,
            case,
        }
    }

    /// One damage: `file`'s bytes replaced by `damaged`. Returns the outcome and a line
    /// saying why, for a bad one.
    fn run(&self, file: &Path, damaged: Vec<u8>) -> (Outcome, String) {
        let mut files = self.pristine.clone();
        files.insert(file.to_path_buf(), damaged);
        put(&self.case, &files);
        let dir = self.case.as_path();
        let ro = catch_unwind(AssertUnwindSafe(|| {
            Store::open_read_only(dir)
                .map_err(|e| e.to_string())
                .and_then(|s| says(&s, false))
        }));
        let rw = catch_unwind(AssertUnwindSafe(|| {
            Store::open(dir)
                .map_err(|e| e.to_string())
                .and_then(|s| says(&s, true))
        }));
        let (Ok(ro), Ok(rw)) = (ro, rw) else {
            return (Outcome::Panic, "opening or reading panicked".into());
        };
        let mut errors = Vec::new();
        let mut ro_missed = false;
        for (got, want, how) in [(&ro, &self.ro, "read-only"), (&rw, &self.rw, "for writing")] {
            match got {
                Ok(s) if how == "read-only" && self.boundary_cut(file, s) => ro_missed = true,
                Ok(s) if s == want => {}
                Ok(s) if self.only_key_path_broken(s, want) => {
                    return (Outcome::KeyPathBroken, String::new());
                }
                Ok(s) => return (Outcome::Silent, format!("opened {how}: {}", diff(s, want))),
                Err(e) => errors.push(e.clone()),
            }
        }
        if errors.is_empty() {
            if ro_missed {
                return (Outcome::Silent, "a cut journal opened for writing".into());
            }
            return (Outcome::Unchanged, String::new());
        }
        let ours = !file.starts_with("index");
        if ours && !errors.iter().any(|e| e.contains("hotline repair")) {
            return (Outcome::NoWayOut, errors.join(" | "));
        }
        let repaired = catch_unwind(AssertUnwindSafe(|| Store::repair(dir)));
        let report = match repaired {
            Err(_) => return (Outcome::Panic, "repair panicked".into()),
            Ok(Err(e)) => return (Outcome::RepairFailed, format!("{e} (found: {errors:?})")),
            Ok(Ok(r)) => r,
        };
        let after = catch_unwind(AssertUnwindSafe(|| {
            Store::open(dir)
                .map_err(|e| e.to_string())
                .and_then(|s| says(&s, true))
        }));
        match after {
            Err(_) => (Outcome::Panic, "opening after repair panicked".into()),
            Ok(Err(e)) => (Outcome::WrongAfterRepair, format!("{e} ({report:?})")),
            Ok(Ok(s)) => match self.judge_repaired(&s, &report) {
                (Outcome::Repaired, _) if ro_missed => {
                    (Outcome::ReadOnlyMissesBoundaryCut, String::new())
                }
                other => other,
            },
        }
    }

    /// Whether `got` is what the journal cut at one of its record boundaries says.
    fn boundary_cut(&self, file: &Path, got: &Says) -> bool {
        let fewer_entries = got.entries.len() < self.ro.entries.len()
            && got.entries[..] == self.ro.entries[..got.entries.len()];
        let fewer_notes = got.notes.len() < self.ro.notes.len() && got.entries == self.ro.entries;
        file == Path::new("journal") && (fewer_entries || fewer_notes)
    }

    /// A damaged key file path that leads nowhere, and nothing else changed.
    fn only_key_path_broken(&self, got: &Says, want: &Says) -> bool {
        let (Some(Some((gp, gk))), Some(Some((wp, wk)))) = (&got.identity, &want.identity) else {
            return false;
        };
        let mut same = got.clone();
        same.identity = want.identity.clone();
        same == *want && gp == wp && gk != wk && !gk.exists()
    }

    fn judge_repaired(&self, s: &Says, report: &RepairReport) -> (Outcome, String) {
        let want = &self.rw;
        let (Some(got_marks), Some(want_marks)) = (&s.marks, &want.marks) else {
            return (Outcome::WrongAfterRepair, "no marks".into());
        };
        let lowered = got_marks
            .iter()
            .zip(want_marks)
            .any(|(g, w)| w.is_some_and(|w| g.is_none_or(|g| g < w)));
        if lowered || report.records_lost > 0 || !report.feeds_behind.is_empty() {
            return (
                Outcome::WrongAfterRepair,
                format!("marks {got_marks:?} for {want_marks:?}: {report:?}"),
            );
        }
        let mut same = s.clone();
        same.marks = want.marks.clone();
        if same == *want {
            return (Outcome::Repaired, String::new());
        }
        same.identity = want.identity.clone();
        if same == *want
            && s.identity == Some(None)
            && report.config_kept_in.is_some()
            && !report.identity_kept
        {
            return (Outcome::RepairedIdentityLost, String::new());
        }
        (
            Outcome::WrongAfterRepair,
            format!("{} ({report:?})", diff(s, want)),
        )
    }
}

fn diff(got: &Says, want: &Says) -> String {
    let mut out = Vec::new();
    macro_rules! field {
        ($f:ident) => {
            if got.$f != want.$f {
                out.push(format!(
                    "{}: {:?} for {:?}",
                    stringify!($f),
                    got.$f,
                    want.$f
                ));
            }
        };
    }
    field!(channel);
    field!(count);
    field!(feeds);
    field!(notes);
    field!(identity);
    field!(marks);
    if got.entries != want.entries {
        out.push("entries differ".into());
    }
    if got.held != want.held {
        out.push("held entries differ".into());
    }
    if got.report != want.report {
        out.push("the verifier's report differs".into());
    }
    out.join("; ")
}

/// The two tests of this file take turns: a child process forked by one holds, until it
/// execs, the lock file descriptions the other's thread has open, and the other's next
/// `Store::repair` would find the store in use.
static TURNS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn full() -> bool {
    std::env::var_os("HOTLINE_CORRUPTION_FULL").is_some_and(|v| v == "1")
}

/// The damages of one file of `len` bytes: (what, offset, bit mask or `None` for a cut).
fn damages(len: usize, every: bool, stride: usize) -> Vec<(usize, Option<u8>)> {
    let mut out = Vec::new();
    let offsets: Vec<usize> = if every {
        (0..len).collect()
    } else {
        (0..len).step_by(stride.max(1)).collect()
    };
    for &at in &offsets {
        if full() {
            out.extend((0..8).map(|b| (at, Some(1u8 << b))));
        } else {
            out.push((at, Some(1u8 << (at % 8))));
        }
    }
    out.extend(offsets.iter().map(|&at| (at, None)));
    out
}

#[test]
fn every_damage_to_every_file_is_found_or_harmless_and_repair_mends_it() {
    let _turn = TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let h = Harness::new(true);
    let started = std::time::Instant::now();
    let mut counts: BTreeMap<(String, Outcome), u64> = BTreeMap::new();
    let mut bad = Vec::new();
    for (file, bytes) in &h.pristine {
        let ours = !file.starts_with("index");
        // sled's files: about 40 offsets each, unless the full run was asked for.
        let stride = if ours || full() {
            1
        } else {
            (bytes.len() / 40).max(1)
        };
        for (at, flip) in damages(bytes.len(), ours || full(), stride) {
            let mut damaged = bytes.clone();
            match flip {
                Some(mask) => damaged[at] ^= mask,
                None => damaged.truncate(at),
            }
            let (outcome, why) = h.run(file, damaged);
            *counts
                .entry((file.display().to_string(), outcome))
                .or_default() += 1;
            if outcome.bad() {
                bad.push(format!(
                    "{} {} at {at}: {outcome:?}: {why}",
                    file.display(),
                    flip.map_or("cut".to_owned(), |m| format!("flip {m:#04x}"))
                ));
            }
        }
    }
    let mut table = String::new();
    for (file, bytes) in &h.pristine {
        table.push_str(&format!("{:<24} {} bytes\n", file.display(), bytes.len()));
    }
    for ((file, outcome), n) in &counts {
        table.push_str(&format!("{file:<24} {outcome:<22?} {n}\n"));
    }
    eprintln!(
        "corruption harness ({}): {} cases in {:.1?}\n{table}",
        if full() { "full" } else { "sampled" },
        counts.values().sum::<u64>(),
        started.elapsed()
    );
    assert!(
        bad.is_empty(),
        "{} bad outcomes, the first ones:\n{}",
        bad.len(),
        bad.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
    // The harness damaged something that mattered, and repair mended it.
    for file in ["journal", "config.json"] {
        assert!(
            counts.contains_key(&(file.to_owned(), Outcome::Repaired)),
            "{file}: {counts:?}"
        );
    }
}

/// A sample of the damages through the binary: `verify` refuses and names `hotline repair`,
/// `repair` mends, and `verify` and `log` then say what they said before.
#[test]
fn a_sample_through_the_binary_names_repair_and_repair_mends_it() {
    let _turn = TURNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let h = Harness::new(false);
    let cwd = h._tmp.path();
    let store = h.case.to_str().unwrap().to_owned();
    let cli = |args: &[&str]| {
        let mut all = vec!["--store", store.as_str()];
        all.extend_from_slice(args);
        hotline(cwd, &all)
    };
    put(&h.case, &h.pristine);
    let log = cli(&["log"]);
    assert_eq!(log.code, 0, "{}", log.stderr);
    let v = cli(&["verify"]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);

    let journal = &h.pristine[Path::new("journal")];
    let records = hotline::bundle::scan(journal).unwrap().records;
    let config = Path::new("config.json");
    let mark = format!("\"{}\": 3", hex::encode(test_key("alpha").party().0));
    let lowered = String::from_utf8(h.pristine[config].clone())
        .unwrap()
        .replace(&mark, &mark.replace(": 3", ": 2"));
    let alphas_last = records
        .iter()
        .rev()
        .find(|r| {
            r.kind == hotline::bundle::RecordKind::Entry
                && hotline::entry::SignedEntry::decode(r.payload)
                    .is_ok_and(|e| e.entry.header.author == test_key("alpha").party())
        })
        .unwrap();
    let flip = |at: usize| {
        let mut j = journal.clone();
        j[at] ^= 0x10;
        j
    };
    let cases: Vec<(&str, &Path, Vec<u8>)> = vec![
        ("the magic", Path::new("journal"), flip(1)),
        (
            "the charter record",
            Path::new("journal"),
            flip(records[0].offset + 30),
        ),
        (
            "an entry",
            Path::new("journal"),
            flip(records[2].offset + 30),
        ),
        (
            // Inside alpha's last entry: a read-only open takes it for a killed write's torn
            // tail, and the seq config.json says this store signed shows the loss.
            "a cut",
            Path::new("journal"),
            journal[..alphas_last.offset + 7].to_vec(),
        ),
        ("a mark", config, lowered.into_bytes()),
        (
            // At a record boundary the journal alone looks whole: what shows the loss is the
            // seq config.json says this store signed.
            "a cut before alpha's last entry",
            Path::new("journal"),
            journal[..alphas_last.offset].to_vec(),
        ),
    ];
    for (what, file, damaged) in cases {
        let mut files = h.pristine.clone();
        files.insert(file.to_path_buf(), damaged);
        put(&h.case, &files);
        let v = cli(&["verify"]);
        assert_ne!(v.code, 0, "{what}: {}", v.stdout);
        assert!(v.stderr.contains("hotline repair"), "{what}: {}", v.stderr);
        let r = cli(&["repair"]);
        assert_eq!(r.code, 0, "{what}: {}{}", r.stdout, r.stderr);
        let v = cli(&["verify"]);
        assert_eq!(v.code, 0, "{what}: {}{}", v.stdout, v.stderr);
        let after = cli(&["log"]);
        assert_eq!(after.stdout, log.stdout, "{what}");
    }
}
