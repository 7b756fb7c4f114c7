//! Recovery, through the real binary: a lost store rebuilt from a counterparty's export; a
//! stale copy of a whole store directory that may not sign until it is recovered; evidence in
//! the store itself that the party's feed is longer elsewhere; a damaged charter record
//! rebuilt by `repair`.
#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use hotline::SignedEntry;
use serde_json::Value;

#[path = "support/run.rs"]
mod run;
use run::{Run, fails, hotline, ok};

/// Alpha (store `a`) and beta (store `b`), after the invitation and the acceptance.
fn channel() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha"]);
    ok(p, &["keygen", "beta"]);
    run::found_and_join(p, "alpha.key", "alpha.pub");
    send(p, "b", "a");
    dir
}

fn store(p: &Path, name: &str, args: &[&str]) -> Run {
    let mut v = vec!["--store", name];
    v.extend_from_slice(args);
    ok(p, &v)
}

/// Everything `from` holds, imported by `to` (which signs its receipt).
fn send(p: &Path, from: &str, to: &str) -> Value {
    store(p, from, &["export", "--out", "x.bundle", "--force"]);
    store(p, to, &["--json", "import", "x.bundle"]).json()
}

fn define(p: &Path, name: &str, term: &str) -> Value {
    store(
        p,
        name,
        &["--json", "define", term, "--text", "what it means"],
    )
    .json()
}

/// The signed entries of `author` a full export of `name` carries, byte for byte.
fn own_feed(p: &Path, name: &str, author: &str) -> Vec<Vec<u8>> {
    store(p, name, &["export", "--out", "own.bundle", "--force"]);
    let b = hotline::bundle::read(&std::fs::read(p.join("own.bundle")).unwrap()).unwrap();
    let key = b.charter.party_named(author).unwrap().key;
    b.entries
        .into_iter()
        .filter(|e| SignedEntry::decode(e).unwrap().header().author == key)
        .collect()
}

fn no_fork_or_split(p: &Path, name: &str) {
    let v = hotline(p, &["--store", name, "--json", "verify"]).json();
    assert_eq!(v["ok"], true, "{v}");
    for f in v["findings"].as_array().unwrap() {
        let kind = f["kind"].as_str().unwrap();
        assert!(kind != "fork" && kind != "split-view", "{f}");
    }
}

#[test]
fn a_deleted_store_is_rebuilt_from_the_counterpartys_export_and_signs_on_without_a_fork() {
    let dir = channel();
    let p = dir.path();
    define(p, "a", "one");
    define(p, "a", "two");
    send(p, "a", "b");
    define(p, "b", "three");
    send(p, "b", "a");
    // Beta does not hold alpha's receipt for "three" yet.
    store(p, "b", &["export", "--out", "lacking.bundle"]);
    send(p, "a", "b");
    let before = own_feed(p, "a", "alpha");
    assert_eq!(before.len(), 5, "charter, two definitions, two receipts");

    std::fs::remove_dir_all(p.join("a")).unwrap();
    // Recovering from it would make alpha's next entry a second seq 4: refused, nothing made.
    fails(
        p,
        &[
            "--store",
            "a",
            "recover",
            "--from",
            "lacking.bundle",
            "--key",
            "alpha.key",
        ],
        2,
        "older than your own signatures",
    );
    assert!(!p.join("a").exists());
    store(p, "b", &["export", "--out", "from-b.bundle"]);
    // No --trust: alpha's own signed charter entry in the bundle vouches for the charter.
    let r = store(
        p,
        "a",
        &[
            "--json",
            "recover",
            "--from",
            "from-b.bundle",
            "--key",
            "alpha.key",
        ],
    )
    .json();
    assert_eq!(r["recovered"], true);
    assert_eq!(r["party"], "alpha");
    assert_eq!(r["own"]["size"], 5);
    assert_eq!(r["own"]["head"]["seq"], 4);
    assert_eq!(r["others"][0]["party"], "beta");
    assert_eq!(r["others"][0]["size"], 3);
    assert_eq!(own_feed(p, "a", "alpha"), before, "own feed byte for byte");

    // The identity is set as join sets it: no --key needed to sign, at the next seq.
    let next = define(p, "a", "four");
    assert_eq!(next["seq"], 5);
    let imported = send(p, "a", "b");
    assert_eq!(imported["new_entries"], 1);
    assert_eq!(imported["forks"], serde_json::json!([]));
    no_fork_or_split(p, "b");
    no_fork_or_split(p, "a");

    // The text report names the feeds; a directory holding a store is refused.
    let r = fails(
        p,
        &[
            "--store",
            "a",
            "recover",
            "--from",
            "from-b.bundle",
            "--key",
            "alpha.key",
        ],
        2,
        "already holds",
    );
    assert!(r.stderr.contains("--replace"), "{}", r.stderr);
    // The text report names the feeds (from a fresh export: the one above lacks "four").
    store(p, "b", &["export", "--out", "fresh.bundle"]);
    let t = store(
        p,
        "a2",
        &["recover", "--from", "fresh.bundle", "--key", "alpha.key"],
    );
    assert!(
        t.stdout.contains("your feed: alpha: 6 entries, head seq 5"),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout.contains("other feed: beta: 4 entries"),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout.contains("your next entry is seq 6"),
        "{}",
        t.stdout
    );
}

#[test]
fn recovery_needs_the_keys_own_feed_and_matching_trust() {
    let dir = channel();
    let p = dir.path();
    ok(p, &["keygen", "mallory"]);
    store(p, "b", &["export", "--out", "from-b.bundle"]);
    // Not a party.
    fails(
        p,
        &[
            "--store",
            "m",
            "recover",
            "--from",
            "from-b.bundle",
            "--key",
            "mallory.key",
        ],
        2,
        "not a party",
    );
    // A --trust key that is not the charter's.
    fails(
        p,
        &[
            "--store",
            "m",
            "recover",
            "--from",
            "from-b.bundle",
            "--key",
            "alpha.key",
            "--trust",
            "mallory.pub",
        ],
        1,
        "mallory",
    );
    // A bundle without alpha's seq 0 (only beta's feed).
    store(
        p,
        "b",
        &["export", "--out", "beta-only.bundle", "--since", "alpha=99"],
    );
    fails(
        p,
        &[
            "--store",
            "m",
            "recover",
            "--from",
            "beta-only.bundle",
            "--key",
            "alpha.key",
        ],
        1,
        "no seq-0 entry signed by alpha",
    );
    assert!(!p.join("m").join("journal").exists());
}

#[test]
fn a_stale_store_directory_may_not_sign_or_checkpoint_until_recovered() {
    let dir = channel();
    let p = dir.path();
    define(p, "a", "one");
    store(p, "a", &["checkpoint"]);
    send(p, "a", "b");
    // An export of beta's from before alpha's later entries: stale.
    store(p, "b", &["export", "--out", "stale-b.bundle"]);
    run::copy_dir(&p.join("a"), &p.join("a.backup"));

    define(p, "a", "two");
    let cp = store(p, "a", &["--json", "checkpoint"]).json();
    let signed_size = cp["size"].as_u64().unwrap();
    send(p, "a", "b");

    // The whole directory, config.json included, put back from the backup.
    std::fs::remove_dir_all(p.join("a")).unwrap();
    std::fs::rename(p.join("a.backup"), p.join("a")).unwrap();
    let journal = std::fs::read(p.join("a").join("journal")).unwrap();
    for args in [
        &["--store", "a", "define", "three", "--text", "x"][..],
        &["--store", "a", "checkpoint"][..],
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "high",
            "--category",
            "c",
            "--summary",
            "s",
        ][..],
    ] {
        let r = fails(p, args, 2, "behind its high-water mark");
        assert!(r.stderr.contains("hint: "), "{}", r.stderr);
        assert!(r.stderr.contains("hotline recover"), "{}", r.stderr);
    }
    let v = hotline(p, &["--store", "a", "--json", "checkpoint"]).json();
    assert_eq!(v["ok"], false);
    assert!(v["hint"].as_str().unwrap().contains("hotline recover"));
    assert_eq!(
        std::fs::read(p.join("a").join("journal")).unwrap(),
        journal,
        "a refused signature wrote nothing"
    );

    // A stale export would rebuild the same stale feed: refused, and the store left as it is.
    fails(
        p,
        &[
            "--store",
            "a",
            "recover",
            "--replace",
            "--from",
            "stale-b.bundle",
            "--key",
            "alpha.key",
        ],
        2,
        "older than your own signatures",
    );
    assert!(!p.join("a.replaced-1").exists());
    assert_eq!(std::fs::read(p.join("a").join("journal")).unwrap(), journal);

    store(p, "b", &["export", "--out", "from-b.bundle"]);
    let r = store(
        p,
        "a",
        &[
            "--json",
            "recover",
            "--replace",
            "--from",
            "from-b.bundle",
            "--key",
            "alpha.key",
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
        ],
    )
    .json();
    assert_eq!(r["own"]["size"], 4);
    assert!(r["replaced"].as_str().unwrap().ends_with("a.replaced-1"));
    assert_eq!(
        std::fs::read(p.join("a.replaced-1").join("journal")).unwrap(),
        journal,
        "the old store is kept"
    );
    // The next checkpoint is consistent with the one signed before the backup was put back.
    let cp2 = store(p, "a", &["--json", "checkpoint"]).json();
    assert!(cp2["size"].as_u64().unwrap() >= signed_size);
    define(p, "a", "three");
    let imported = send(p, "a", "b");
    assert_eq!(imported["forks"], serde_json::json!([]));
    assert_eq!(imported["split_views"], serde_json::json!([]));
    no_fork_or_split(p, "b");
    no_fork_or_split(p, "a");
}

#[test]
fn evidence_in_the_store_refuses_signing_even_without_a_high_water_mark() {
    let dir = channel();
    let p = dir.path();
    define(p, "a", "one");
    run::copy_dir(&p.join("a"), &p.join("a.backup"));
    define(p, "a", "two");
    define(p, "a", "three");
    // Beta's receipt views alpha's feed at its full size.
    send(p, "a", "b");
    std::fs::remove_dir_all(p.join("a")).unwrap();
    std::fs::rename(p.join("a.backup"), p.join("a")).unwrap();
    for e in std::fs::read_dir(p).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.starts_with("hotline-mark.") {
            std::fs::remove_file(p.join(name)).unwrap();
        }
    }
    // Only beta's entries: its receipt's view of alpha's feed is larger than alpha holds.
    store(
        p,
        "b",
        &["export", "--out", "beta-only.bundle", "--since", "alpha=99"],
    );
    store(p, "a", &["import", "beta-only.bundle", "--no-receipt"]);
    let r = fails(
        p,
        &["--store", "a", "define", "four", "--text", "x"],
        2,
        "alpha's feed is longer elsewhere: this store holds 3 of its entries, but beta's signed view",
    );
    assert!(
        r.stderr.contains("hint: ask beta for a full export"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hotline recover"), "{}", r.stderr);
    fails(p, &["--store", "a", "checkpoint"], 2, "longer elsewhere");
    // The store's answer is the verifier's: the furthest size claimed beyond the feed held.
    {
        let s = hotline::store::Store::open_read_only(&p.join("a")).unwrap();
        let alpha = s.charter().party_named("alpha").unwrap().key;
        let report = hotline::verify(
            s.charter(),
            &s.entries().unwrap(),
            hotline::verify::Options::default(),
        );
        let claimed = report
            .feeds
            .iter()
            .find(|f| f.key == alpha)
            .unwrap()
            .claimed;
        match s.may_sign(&alpha) {
            Err(hotline::store::StoreError::BehindElsewhere { held, seen, .. }) => {
                assert_eq!((held, Some(seen)), (3, claimed));
            }
            other => panic!("{other:?}"),
        }
    }
    // A receipt is a signature too.
    store(
        p,
        "b",
        &["export", "--out", "b2.bundle", "--since", "alpha=99"],
    );
    define(p, "b", "more");
    store(
        p,
        "b",
        &["export", "--out", "b3.bundle", "--since", "alpha=99"],
    );
    fails(
        p,
        &["--store", "a", "import", "b3.bundle"],
        2,
        "longer elsewhere",
    );

    // Importing the entries it lacks does not lift it: an import never extends the store's own
    // feed from entries it did not sign (they could be a thief's), it reports them.
    store(p, "b", &["export", "--out", "from-b.bundle"]);
    let r = hotline(
        p,
        &["--store", "a", "import", "from-b.bundle", "--no-receipt"],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("NOT SIGNED HERE"), "{}", r.stdout);
    assert!(r.stdout.contains("hotline recover"), "{}", r.stdout);
    fails(
        p,
        &["--store", "a", "define", "four", "--text", "x"],
        2,
        "did not sign",
    );
    // Recovering, a deliberate act, does.
    store(
        p,
        "a",
        &[
            "recover",
            "--replace",
            "--from",
            "from-b.bundle",
            "--key",
            "alpha.key",
        ],
    );
    assert_eq!(define(p, "a", "four")["seq"], 5);
    send(p, "a", "b");
    no_fork_or_split(p, "b");
}

#[test]
fn the_high_water_mark_is_beside_the_key_and_a_second_join_with_the_key_is_refused() {
    let dir = channel();
    let p = dir.path();
    let e = define(p, "a", "one");
    let v = store(p, "a", &["--json", "verify"]).json();
    let channel = v["channel"].as_str().unwrap().to_owned();
    let alpha =
        hotline::PublicKey::from_file_text(&std::fs::read_to_string(p.join("alpha.pub")).unwrap())
            .unwrap()
            .id;
    let mark = std::fs::read_to_string(p.join(format!("hotline-mark.{channel}.{alpha}"))).unwrap();
    assert_eq!(
        mark,
        format!(
            "hotline high-water mark v1\nchannel {channel}\nparty {alpha}\nseq 2\nentry {}\ncheckpoint 0\n",
            e["id"].as_str().unwrap()
        )
    );
    // A mark that is not as hotline writes it refuses signing.
    std::fs::write(
        p.join(format!("hotline-mark.{channel}.{alpha}")),
        mark.replace("seq 2", "seq 02"),
    )
    .unwrap();
    fails(
        p,
        &["--store", "a", "define", "two", "--text", "x"],
        2,
        "unreadable",
    );
    std::fs::write(p.join(format!("hotline-mark.{channel}.{alpha}")), &mark).unwrap();
    define(p, "a", "two");

    // Beta joined with this key already: a second store would sign a second seq 0.
    fails(
        p,
        &run::join_args("b2", "invite.bundle", "beta.key", "alpha.pub"),
        2,
        "behind its high-water mark",
    );
    assert!(!p.join("b2").join("journal").exists());
}

#[test]
fn repair_rebuilds_a_damaged_charter_record_from_the_founders_entry() {
    let dir = channel();
    let p = dir.path();
    define(p, "a", "one");
    let channel = store(p, "a", &["--json", "verify"]).json()["channel"].clone();
    let path = p.join("a").join("journal");
    let good = std::fs::read(&path).unwrap();
    let charter = hotline::bundle::parse_record(&good, hotline::bundle::HEADER_LEN, 0).unwrap();
    let mut bad = good.clone();
    bad[hotline::bundle::HEADER_LEN + 20] ^= 0x01;
    std::fs::write(&path, &bad).unwrap();
    hotline(p, &["--store", "a", "verify"]);
    let r = store(p, "a", &["--json", "repair"]).json();
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["records_lost"], 0);
    assert!(r["charter_rebuilt_from"].is_string(), "{r}");
    let v = store(p, "a", &["--json", "verify"]).json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["channel"], channel);
    assert_eq!(v["entries_checked"], 4);
    define(p, "a", "two");
    send(p, "a", "b");
    no_fork_or_split(p, "b");

    // The charter record and the founder's entry both damaged, and no index to hold a copy of
    // the entry: nothing to rebuild from, said plainly, and the hint does not send the user
    // back to repair.
    let mut worse = good.clone();
    worse[hotline::bundle::HEADER_LEN + 20] ^= 0x01;
    worse[charter.end() + 30] ^= 0x01;
    std::fs::write(&path, &worse).unwrap();
    std::fs::remove_dir_all(p.join("a").join("index")).unwrap();
    let r = fails(p, &["--store", "a", "repair"], 2, "cannot be rebuilt");
    assert!(
        r.stderr
            .contains("neither the journal nor the index holds an intact charter entry"),
        "{}",
        r.stderr
    );
    let hint = r.stderr.lines().find(|l| l.starts_with("hint: ")).unwrap();
    assert!(!hint.contains("run `hotline repair`"), "{hint}");
    assert!(hint.contains("hotline recover"), "{hint}");
    assert_eq!(std::fs::read(&path).unwrap(), worse, "left as it was");
}
