//! Changing keys through the real binary: a rotation, a thief's notice left out, revoked and
//! attributed to the stolen key, and the attacks and accidents that once left a party unable
//! to sign, revoke or keep its next key.
#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#[path = "support/run.rs"]
mod run;
use run::{Run, fails, hotline, ok};
use serde_json::Value;
use std::path::Path;

fn store(p: &Path, name: &str, args: &[&str]) -> Run {
    let mut v = vec!["--store", name];
    v.extend_from_slice(args);
    ok(p, &v)
}
fn try_store(p: &Path, name: &str, args: &[&str]) -> Run {
    let mut v = vec!["--store", name];
    v.extend_from_slice(args);
    hotline(p, &v)
}
fn send(p: &Path, from: &str, to: &str) -> Run {
    store(p, from, &["export", "--out", "x.bundle", "--force"]);
    try_store(p, to, &["--json", "import", "x.bundle"])
}
fn notify(p: &Path, name: &str, summary: &str, extra: &[&str]) -> Run {
    let mut v = vec![
        "--json",
        "notify",
        "--severity",
        "high",
        "--category",
        "intrusion",
        "--summary",
        summary,
    ];
    v.extend_from_slice(extra);
    try_store(p, name, &v)
}
fn channel() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir(p.join("ka")).unwrap();
    ok(p, &["keygen", "alpha", "--dir", "ka"]);
    ok(p, &["keygen", "beta", "--dir", "."]);
    run::found_and_join(p, "ka/alpha.key", "ka/alpha.pub");
    assert_eq!(send(p, "b", "a").code, 0);
    dir
}
fn show(r: &Run) -> String {
    format!("code {}\n{}\n{}", r.code, r.stdout, r.stderr)
}

/// Old key K0 copied before a routine rotation: the thief signs at the rotation's seq. Alpha's
/// store refuses to build on it, and alpha revokes from that seq with the key after next.
#[test]
fn a_rotated_party_revokes_an_old_key_that_forked_its_feed() {
    let dir = channel();
    let p = dir.path();
    assert_eq!(notify(p, "a", "genuine", &[]).code, 0);
    assert_eq!(send(p, "a", "b").code, 0);
    run::copy_dir(&p.join("a"), &p.join("t"));
    std::fs::create_dir(p.join("kt")).unwrap();
    std::fs::copy(p.join("ka/alpha.key"), p.join("kt/alpha.key")).unwrap();
    let config = std::fs::read_to_string(p.join("t/config.json")).unwrap();
    std::fs::write(
        p.join("t/config.json"),
        config.replace("/ka/alpha.key", "/kt/alpha.key"),
    )
    .unwrap();
    let rot = store(p, "a", &["--json", "rotate"]).json();
    let r = rot["seq"].as_u64().unwrap();
    assert_eq!(notify(p, "a", "after rotation", &[]).code, 0);
    assert_eq!(send(p, "a", "b").code, 0);
    // The thief, with K0 and the store as it was before the rotation, signs at seq r.
    let fake = notify(p, "t", "fake", &["--key", "kt/alpha.key"]);
    assert_eq!(fake.code, 0, "{}", show(&fake));
    assert_eq!(fake.json()["seq"].as_u64().unwrap(), r);
    send(p, "t", "b");
    let back = send(p, "b", "a");
    assert_eq!(
        back.json()["not_signed_here"][0]["seq"],
        r,
        "{}",
        show(&back)
    );
    // Alpha cannot sign over it, but can revoke from there, and then signs on.
    assert_eq!(notify(p, "a", "over it?", &[]).code, 2);
    let rs = r.to_string();
    let rv = try_store(
        p,
        "a",
        &[
            "--json",
            "revoke",
            "--from",
            &rs,
            "--reason",
            "old key copied",
        ],
    );
    assert_eq!(rv.code, 0, "{}", show(&rv));
    assert_eq!(notify(p, "a", "after the revocation", &[]).code, 0);
    assert_eq!(send(p, "a", "b").code, 0);
    let v = hotline(p, &["--store", "b", "--json", "verify"]).json();
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(kinds, ["compromised"], "{v}");
}

/// The key after next is written before the change is signed: if it cannot be, nothing is
/// signed, and once the way is clear the rotation goes through.
#[test]
fn a_rotation_that_cannot_keep_its_next_key_signs_nothing() {
    let dir = channel();
    let p = dir.path();
    std::fs::create_dir(p.join("ka/alpha.next.key.pending")).unwrap();
    let r = try_store(p, "a", &["--json", "rotate"]);
    assert_eq!(r.code, 2, "{}", show(&r));
    let v = hotline(p, &["--store", "a", "--json", "verify"]).json();
    assert!(v["feeds"][0]["current_key"].is_null(), "{v}");
    // A leftover pending file is named, not overwritten.
    assert!(r.stderr.contains("did not finish"), "{}", show(&r));
    std::fs::remove_dir(p.join("ka/alpha.next.key.pending")).unwrap();
    let r = store(p, "a", &["--json", "rotate"]).json();
    let v = hotline(p, &["--store", "a", "--json", "verify"]).json();
    assert_eq!(v["feeds"][0]["current_key"], r["key"], "{v}");
    assert!(!p.join("ka/alpha.next.key.pending").exists());
    assert_eq!(notify(p, "a", "with the new key", &[]).code, 0);
}

/// keygen --passphrase: after `rotate` the new NAME.next.key is sealed too.
#[test]
fn rotate_keeps_the_passphrase_of_the_next_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let env = [
        ("HOTLINE_PASSPHRASE", "correct horse"),
        ("HOTLINE_NEW_PASSPHRASE", "correct horse"),
        ("HOTLINE_TEST_SCRYPT_WORK_FACTOR", "10"),
    ];
    let k = run::hotline_env(p, &["keygen", "alpha", "--dir", "ka", "--passphrase"], &env);
    assert_eq!(k.code, 0, "{}", show(&k));
    let before = std::fs::read_to_string(p.join("ka/alpha.next.key")).unwrap();
    ok(p, &["keygen", "beta", "--dir", "."]);
    let c = run::hotline_env(
        p,
        &run::create_args("a", "ab", "ka/alpha.key", "beta.pub"),
        &env,
    );
    assert_eq!(c.code, 0, "{}", show(&c));
    let r = run::hotline_env(p, &["--store", "a", "--json", "rotate"], &env);
    assert_eq!(r.code, 0, "{}", show(&r));
    let after = std::fs::read_to_string(p.join("ka/alpha.next.key")).unwrap();
    assert_ne!(before, after);
    assert_eq!(
        before.lines().next(),
        after.lines().next(),
        "protection of the next key changed"
    );
    assert!(
        !after.contains("hotline secret key"),
        "the next key is written in the clear"
    );
}

#[test]
fn rotate_then_sign_with_the_new_key_and_the_old_one_is_gone() {
    let dir = channel();
    let p = dir.path();
    let first = std::fs::read_to_string(p.join("ka/alpha.key")).unwrap();
    let next = std::fs::read_to_string(p.join("ka/alpha.next.key")).unwrap();
    let r = store(p, "a", &["--json", "rotate"]).json();
    assert_eq!(r["ok"], true, "{r}");
    // NAME.next.key became NAME.key, and a fresh next key was made.
    assert_eq!(
        std::fs::read_to_string(p.join("ka/alpha.key")).unwrap(),
        next
    );
    let fresh = std::fs::read_to_string(p.join("ka/alpha.next.key")).unwrap();
    assert!(fresh != next && fresh != first);
    let n = notify(p, "a", "signed after the rotation", &[]).json();
    send(p, "a", "b");
    store(p, "b", &["ack", n["id"].as_str().unwrap()]);
    send(p, "b", "a");
    let v = hotline(p, &["--store", "b", "--json", "verify"]).json();
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["findings"].as_array().unwrap().is_empty(), "{v}");
    let alpha = &v["feeds"][0];
    assert_eq!(alpha["current_key"], r["key"], "{v}");
    // The retired key signs nothing any more: a copy of it is refused by the store.
    std::fs::write(p.join("old.key"), &first).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p.join("old.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    fails(
        p,
        &[
            "--store", "a", "define", "x", "--text", "y", "--key", "old.key",
        ],
        2,
        "no longer alpha's key in force",
    );
}

#[test]
fn a_thiefs_notice_is_left_out_revoked_and_attributed_to_the_stolen_key() {
    let dir = channel();
    let p = dir.path();
    let genuine = notify(p, "a", "genuine", &[]).json();
    send(p, "a", "b");
    // The thief copies alpha's store and key, and signs a fake notice at alpha's next seq.
    run::copy_dir(&p.join("a"), &p.join("t"));
    std::fs::create_dir(p.join("kt")).unwrap();
    std::fs::copy(p.join("ka/alpha.key"), p.join("kt/alpha.key")).unwrap();
    // On the thief's machine the store's remembered key file is the thief's copy.
    let config = std::fs::read_to_string(p.join("t/config.json")).unwrap();
    std::fs::write(
        p.join("t/config.json"),
        config.replace("/ka/alpha.key", "/kt/alpha.key"),
    )
    .unwrap();
    let fake = store(
        p,
        "t",
        &[
            "--json",
            "notify",
            "--severity",
            "high",
            "--category",
            "intrusion",
            "--summary",
            "fake",
            "--key",
            "kt/alpha.key",
        ],
    )
    .json();
    let k = fake["seq"].as_u64().unwrap();
    store(p, "t", &["export", "--out", "fake.bundle"]);
    store(p, "b", &["import", "fake.bundle"]);
    // Alpha's store, sent beta's copy, leaves the entry out and will not build on it.
    store(p, "b", &["export", "--out", "from-b.bundle"]);
    let r = hotline(p, &["--store", "a", "--json", "import", "from-b.bundle"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["not_signed_here"][0]["seq"], k, "{v}");
    let r = fails(
        p,
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "high",
            "--category",
            "intrusion",
            "--summary",
            "x",
        ],
        2,
        "did not sign",
    );
    assert!(r.stderr.contains("hotline revoke"), "{}", r.stderr);
    // Alpha revokes with its pre-committed next key and signs on.
    let k_s = k.to_string();
    let rv = store(
        p,
        "a",
        &["--json", "revoke", "--from", &k_s, "--reason", "key copied"],
    )
    .json();
    assert_eq!(rv["seq"], k, "{rv}");
    let later = notify(p, "a", "after the revocation", &[]).json();
    assert_eq!(later["seq"], k + 1);
    send(p, "a", "b");
    store(p, "b", &["ack", later["id"].as_str().unwrap()]);
    // Beta's verify: the fake is the stolen key's, no fork against alpha, ok.
    let v = hotline(p, &["--store", "b", "--json", "verify"]).json();
    assert_eq!(v["ok"], true, "{v}");
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["compromised"], "{v}");
    assert_eq!(v["findings"][0]["entry"], fake["id"]);
    // Beta's audit holds beta to alpha's notices, not to the thief's.
    let a = hotline(p, &["--store", "b", "--json", "audit"]).json();
    let ids: Vec<&Value> = a["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["id"])
        .collect();
    assert!(
        ids.contains(&&genuine["id"]) && ids.contains(&&later["id"]),
        "{a}"
    );
    assert!(!ids.contains(&&fake["id"]), "{a}");
    // Alpha's store, sent everything back (the thief's entry again among it), leaves the
    // voided entry out without a word and keeps signing.
    store(p, "b", &["export", "--out", "back.bundle"]);
    let r = hotline(p, &["--store", "a", "--json", "import", "back.bundle"]).json();
    assert_eq!(r["not_signed_here"], serde_json::json!([]), "{r}");
    let third = notify(p, "a", "and on", &[]).json();
    assert!(third["seq"].as_u64().unwrap() > k + 1, "{third}");
    send(p, "a", "b");
    let v = hotline(p, &["--store", "b", "--json", "verify"]).json();
    assert_eq!(v["ok"], true, "{v}");
}

/// A party that rotated before the other joined: the invitation carries a checkpoint signed by
/// the new key, and the join accepts it (it checks notes against the bundle's own rotations).
#[test]
fn a_join_accepts_a_checkpoint_signed_after_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha", "--dir", "."]);
    ok(p, &["keygen", "beta", "--dir", "."]);
    store(
        p,
        "a",
        &[
            "channel",
            "create",
            "ab",
            "--key",
            "alpha.key",
            "--party",
            "beta.pub",
        ],
    );
    store(p, "a", &["rotate"]);
    store(p, "a", &["checkpoint"]);
    store(p, "a", &["export", "--out", "invite.bundle"]);
    let r = try_store(
        p,
        "b",
        &[
            "--json",
            "join",
            "invite.bundle",
            "--key",
            "beta.key",
            "--trust",
            "alpha.pub",
        ],
    );
    assert_eq!(r.code, 0, "{}", show(&r));
    let v = hotline(p, &["--store", "b", "--json", "verify"]).json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["checkpoints"].as_array().unwrap().len(), 1, "{v}");
}
