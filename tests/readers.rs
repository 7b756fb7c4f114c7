//! Commands that only read a store: they take no lock (so never wait for a writer), change
//! no file of the store and make none, and read a store in a directory they may not write.
//! And a store opens, for reading and for writing, after sled was killed mid-snapshot.
#![cfg(all(feature = "cli", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#[path = "support/run.rs"]
mod run;
use run::{hotline, ok};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Alpha's store `a` and beta's `b`, each holding the other's entries, a notice of alpha's
/// and a checkpoint of each feed, cosigned.
fn channel() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha", "--dir", "."]);
    ok(p, &["keygen", "beta", "--dir", "."]);
    run::found_and_join(p, "alpha.key", "alpha.pub");
    let notice = ok(
        p,
        &[
            "--store",
            "a",
            "--json",
            "notify",
            "--severity",
            "high",
            "--category",
            "intrusion",
            "--summary",
            "seen",
        ],
    )
    .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(p, &["--store", "a", "checkpoint"]);
    ok(p, &["--store", "b", "checkpoint"]);
    ok(p, &["--store", "a", "export", "--out", "a.bundle"]);
    ok(p, &["--store", "b", "import", "a.bundle"]);
    ok(p, &["--store", "b", "cosign"]);
    ok(p, &["--store", "b", "export", "--out", "b.bundle"]);
    ok(p, &["--store", "a", "import", "b.bundle"]);
    (dir, notice)
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.insert(p.clone(), Vec::new());
            out.extend(files(&p));
        } else {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    out
}

fn read_verbs(notice: &str) -> Vec<Vec<String>> {
    let v = |args: &[&str]| args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        v(&["log"]),
        v(&["show", notice]),
        v(&["verify"]),
        v(&["audit"]),
        v(&["--json", "audit"]),
        v(&["export", "--out", "../out.bundle", "--force"]),
        v(&[
            "export",
            "--out",
            "../since.bundle",
            "--force",
            "--since",
            "alpha=1",
        ]),
        v(&["charter"]),
        v(&["parties"]),
        v(&["quarantine"]),
        v(&["prove", notice, "--out", "../notice.proof", "--force"]),
    ]
}

fn run_in(p: &Path, store: &str, args: &[String]) -> run::Run {
    let mut v = vec!["--store", store];
    v.extend(args.iter().map(String::as_str));
    hotline(p, &v)
}

#[test]
fn a_read_only_command_changes_no_file_of_the_store_and_makes_none() {
    let (dir, notice) = channel();
    let p = dir.path();
    for store in ["a", "b"] {
        // What a writer's open does once (index the tail, cut nothing) is done before.
        ok(p, &["--store", store, "verify"]);
        let before = files(&p.join(store));
        for args in read_verbs(&notice) {
            let r = run_in(p, store, &args);
            assert_eq!(r.code, 0, "{store} {args:?}: {}{}", r.stdout, r.stderr);
            let after = files(&p.join(store));
            assert_eq!(
                before.keys().collect::<Vec<_>>(),
                after.keys().collect::<Vec<_>>(),
                "{store} {args:?} made or removed a file"
            );
            for (f, bytes) in &before {
                assert!(
                    after[f] == *bytes,
                    "{store} {args:?} changed {}",
                    f.display()
                );
            }
        }
    }
}

/// The lock a writer holds, taken here as a writer would.
fn hold_lock(store: &Path) -> std::fs::File {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(store.join("lock"))
        .unwrap();
    f.try_lock().unwrap();
    f
}

#[test]
fn a_reader_runs_while_a_writer_holds_the_store() {
    let (dir, notice) = channel();
    let p = dir.path();
    let lock = hold_lock(&p.join("a"));
    for args in read_verbs(&notice) {
        let r = run_in(p, "a", &args);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    }
    // A writer is still kept out.
    run::fails(
        p,
        &["--store", "a", "define", "term", "--text", "t"],
        2,
        "in use",
    );
    drop(lock);
    ok(p, &["--store", "a", "define", "term", "--text", "t"]);
}

#[cfg(unix)]
fn set_mode_under(dir: &Path, dirs: u32, files: u32) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            set_mode_under(&p, dirs, files);
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(files)).unwrap();
        }
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(dirs)).unwrap();
}

/// An auditor's copy in a directory it may not write. (Run as root, the modes do not stop a
/// write; that no file changes is then what shows nothing was written.)
#[cfg(unix)]
#[test]
fn a_reader_reads_a_store_it_may_not_write() {
    let (dir, notice) = channel();
    let p = dir.path();
    run::copy_dir(&p.join("a"), &p.join("copy"));
    let before = files(&p.join("copy"));
    set_mode_under(&p.join("copy"), 0o555, 0o444);
    for args in read_verbs(&notice) {
        let r = run_in(p, "copy", &args);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    }
    set_mode_under(&p.join("copy"), 0o755, 0o644);
    assert!(files(&p.join("copy")) == before);
}

/// sled writes a snapshot while it opens a database; a kill then leaves an empty
/// `snap.<lsn>.generating` in `index/`, which once made every command exit 2 until `repair`.
#[test]
fn a_store_opens_after_sled_was_killed_writing_a_snapshot() {
    let (dir, _) = channel();
    let p = dir.path();
    std::fs::write(p.join("a/index/snap.00000000000FFFFF.generating"), b"").unwrap();
    ok(p, &["--store", "a", "log"]);
    ok(p, &["--store", "a", "verify"]);
    ok(p, &["--store", "a", "define", "term", "--text", "t"]);
    ok(p, &["--store", "a", "verify"]);
    assert!(!p.join("a/index.unusable").exists());
}

/// Readers running while a writer appends each see a whole store (it verifies), and never
/// fewer entries than a reader before them.
#[test]
fn readers_racing_a_writer_each_see_a_whole_prefix() {
    let (dir, _) = channel();
    let p = dir.path().to_path_buf();
    let writer = std::thread::spawn({
        let p = p.clone();
        move || {
            for i in 0..8 {
                let term = format!("term {i}");
                ok(&p, &["--store", "a", "define", &term, "--text", "t"]);
            }
        }
    });
    let mut counts = Vec::new();
    while !writer.is_finished() || counts.len() < 8 {
        let v = hotline(&p, &["--store", "a", "verify"]);
        assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
        let log = ok(&p, &["--store", "a", "--json", "log"]).json();
        counts.push(log["entries"].as_array().unwrap().len());
    }
    writer.join().unwrap();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    let last = ok(&p, &["--store", "a", "--json", "log"]).json();
    assert!(*counts.last().unwrap() <= last["entries"].as_array().unwrap().len());
}

/// A read-only `verify` of a store that a command was killed inside its write passes: the
/// torn tail is what a kill leaves (never reported as done; the next write cuts it), and the
/// reader must not tell the user to repair a store that needs nothing.
#[test]
fn a_reader_verifies_a_store_left_with_a_killed_writes_torn_tail() {
    use std::io::Write;
    let (dir, _) = channel();
    let p = dir.path();
    let journal = p.join("a").join("journal");
    let before = std::fs::read(&journal).unwrap();
    // The start of an entry record: kind, then a length the bytes after it do not fill.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    f.write_all(&[2, 0, 0, 1, 0, 9, 9, 9]).unwrap();
    drop(f);
    let v = ok(p, &["--store", "a", "verify"]);
    assert!(v.stdout.contains("OK"), "{}", v.stdout);
    // The reader changed nothing: the tail is there for the next writer to cut.
    assert_eq!(std::fs::read(&journal).unwrap().len(), before.len() + 8);
    ok(
        p,
        &[
            "--store",
            "a",
            "define",
            "after",
            "--text",
            "a kill",
            "--key",
            "alpha.key",
        ],
    );
    ok(p, &["--store", "a", "verify"]);
}

/// A reader that opened the store before a writer's append verifies what it read: the mark
/// of the later write in `config.json` is not taken for entries lost from the journal.
#[test]
fn a_reader_opened_before_a_write_verifies_what_it_read() {
    use hotline::entry::{Body, Definition, Timestamp};
    use hotline::example::{self, T0, test_key};
    use hotline::store::Store;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("s");
    let key = test_key("alpha");
    {
        let charter = example::charter();
        let mut s = Store::create(&dir, &charter).unwrap();
        s.set_identity("alpha", &d.path().join("alpha.key"))
            .unwrap();
        s.append(&key, &Body::Charter(charter), Timestamp(T0))
            .unwrap();
    }
    let reader = Store::open_read_only(&dir).unwrap();
    {
        // Waits out a lock a sibling test's child holds between its fork and its exec.
        let mut w = Store::open_within(&dir, std::time::Duration::from_secs(10)).unwrap();
        w.append(
            &key,
            &Body::Definition(Definition {
                term: "x".into(),
                text: "y".into(),
                supersedes: None,
            }),
            Timestamp(T0 + 60),
        )
        .unwrap();
    }
    let r = reader.verify(hotline::verify::Options::default());
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(r.unwrap().entries_checked, 1);
}
