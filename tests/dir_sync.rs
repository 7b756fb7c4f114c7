//! Directory entries a success depends on are synced, so that the power-loss promise in the
//! README holds: the real binary, built for tests, writes every directory it syncs, with the
//! names it held then, to the file named by `HOTLINE_TEST_SYNC_LOG` (a hook of debug builds
//! only, in `src/durable.rs`), and each test checks that a command synced the directory of
//! each new file and directory after making it.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/run.rs"]
mod run;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each directory synced, with the names it held at each sync.
type Synced = BTreeMap<PathBuf, Vec<BTreeSet<String>>>;

/// Run `hotline ARGS` in `cwd`; it must succeed. Returns the directories it synced.
fn synced(cwd: &Path, args: &[&str]) -> Synced {
    let log = cwd.join("sync.log");
    let _ = std::fs::remove_file(&log);
    let r = run::hotline_env(
        cwd,
        args,
        &[("HOTLINE_TEST_SYNC_LOG", log.to_str().unwrap())],
    );
    assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    let mut out = Synced::new();
    for line in std::fs::read_to_string(&log).unwrap_or_default().lines() {
        let mut fields = line.split('\t');
        let dir = PathBuf::from(fields.next().unwrap());
        out.entry(dir)
            .or_default()
            .push(fields.map(str::to_owned).collect());
    }
    out
}

/// `dir` was synced while it held `name`.
fn has(s: &Synced, dir: &Path, name: &str) {
    let dir = std::fs::canonicalize(dir).unwrap();
    let held = s
        .get(&dir)
        .into_iter()
        .flatten()
        .any(|names| names.contains(name));
    assert!(
        held,
        "{} was not synced after {name} was made in it; synced: {s:#?}",
        dir.display()
    );
}

/// The hook exists in debug builds only.
fn hooked() -> bool {
    cfg!(debug_assertions)
}

#[test]
fn keygen_syncs_the_key_directory_and_the_entry_of_each_directory_it_creates() {
    if !hooked() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    let s = synced(p, &["keygen", "alpha", "--dir", "keys/deep"]);
    has(&s, &p.join("keys/deep"), "alpha.key");
    has(&s, &p.join("keys/deep"), "alpha.pub");
    has(&s, &p.join("keys"), "deep");
    has(&s, p, "keys");
}

#[test]
fn a_new_store_directory_is_synced_in_its_parent_by_create_and_join() {
    if !hooked() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let p = t.path();
    run::ok(p, &["keygen", "alpha", "--dir", "."]);
    run::ok(p, &["keygen", "beta", "--dir", "."]);
    let s = synced(
        p,
        &run::create_args("stores/a", "ab", "alpha.key", "beta.pub"),
    );
    has(&s, &p.join("stores"), "a");
    has(&s, p, "stores");
    has(&s, &p.join("stores/a"), "journal");

    let s = synced(
        p,
        &["--store", "stores/a", "export", "--out", "invite.bundle"],
    );
    has(&s, p, "invite.bundle");

    let s = synced(
        p,
        &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
    );
    has(&s, p, "b");
    has(&s, &p.join("b"), "journal");
}
