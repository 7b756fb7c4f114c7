//! Directory entries a success depends on are synced, so that the power-loss promise in the
//! README holds: the real binary, built for tests, writes every directory it syncs to the file
//! named by `HOTLINE_TEST_SYNC_LOG` (a hook of debug builds only, in `src/durable.rs`), and
//! each test checks that a command synced the directories its new files and directories are
//! named in.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/run.rs"]
mod run;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Run `hotline ARGS` in `cwd`; it must succeed. Returns the directories it synced.
fn synced(cwd: &Path, args: &[&str]) -> BTreeSet<PathBuf> {
    let log = cwd.join("sync.log");
    let _ = std::fs::remove_file(&log);
    let r = run::hotline_env(
        cwd,
        args,
        &[("HOTLINE_TEST_SYNC_LOG", log.to_str().unwrap())],
    );
    assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(PathBuf::from)
        .collect()
}

/// `dir` is among the directories synced.
fn has(set: &BTreeSet<PathBuf>, dir: &Path, what: &str) {
    let dir = std::fs::canonicalize(dir).unwrap();
    assert!(
        set.contains(&dir),
        "{what}: {} was not synced; synced: {set:#?}",
        dir.display()
    );
}

#[test]
fn keygen_syncs_the_key_directory_and_the_entry_of_each_directory_it_creates() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    let s = synced(p, &["keygen", "alpha", "--dir", "keys/deep"]);
    has(
        &s,
        &p.join("keys/deep"),
        "the directory of the new key files",
    );
    has(
        &s,
        &p.join("keys"),
        "the directory naming the new keys/deep",
    );
    has(&s, p, "the directory naming the new keys");
}

#[test]
fn a_new_store_directory_is_synced_in_its_parent_by_create_and_join() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    run::ok(p, &["keygen", "alpha", "--dir", "."]);
    run::ok(p, &["keygen", "beta", "--dir", "."]);
    let s = synced(
        p,
        &run::create_args("stores/a", "ab", "alpha.key", "beta.pub"),
    );
    has(
        &s,
        &p.join("stores"),
        "the directory naming the new store a",
    );
    has(&s, p, "the directory naming the new stores");
    has(&s, &p.join("stores/a"), "the new store's own files");

    let s = synced(
        p,
        &["--store", "stores/a", "export", "--out", "invite.bundle"],
    );
    has(&s, p, "the directory of the exported bundle");

    let s = synced(
        p,
        &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
    );
    has(&s, p, "the directory naming the new store b");
    has(&s, &p.join("b"), "the new store's own files");
}
