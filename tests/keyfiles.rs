//! Key files people can keep: passphrase-protected secret keys (age, scrypt), changing the
//! passphrase in place, the default key directory, `HOTLINE_KEY`, and files of signed
//! material that only their owner can read. Every test runs the real binary.
#![cfg(all(unix, feature = "cli"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use base64::Engine;

#[path = "support/run.rs"]
mod run;
use run::{Run, fails, fails_env, hotline_env, ok, ok_env};

/// A low scrypt work factor, so that sealing and opening take milliseconds, not a second.
const FAST: (&str, &str) = ("HOTLINE_TEST_SCRYPT_WORK_FACTOR", "10");
const ARMOR: &str = "-----BEGIN AGE ENCRYPTED FILE-----\n";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn home(dir: &Path) -> (&'static str, &str) {
    ("HOTLINE_HOME", dir.to_str().unwrap())
}

/// The age header of an armored age file: the version line and the stanzas.
fn age_header(armored: &str) -> String {
    let body: String = armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let end = bytes.windows(4).position(|w| w == b"\n---").unwrap();
    String::from_utf8(bytes[..end].to_vec()).unwrap()
}

/// The scrypt work factor (log2 N) of an age file with one scrypt stanza, which must be its
/// only one.
fn scrypt_work_factor(armored: &str) -> u32 {
    let header = age_header(armored);
    let mut lines = header.lines();
    assert_eq!(lines.next(), Some("age-encryption.org/v1"), "{header}");
    let stanzas: Vec<&str> = lines.filter(|l| l.starts_with("-> ")).collect();
    assert_eq!(stanzas.len(), 1, "{header}");
    let args: Vec<&str> = stanzas[0].split(' ').collect();
    assert_eq!(args[1], "scrypt", "{header}");
    args[3].parse().unwrap()
}

fn entries(dir: &Path) -> usize {
    let r = ok(dir, &["--store", "a", "log", "--json"]);
    r.json()["entries"].as_array().unwrap().len()
}

fn notify(dir: &Path, vars: &[(&str, &str)]) -> Run {
    hotline_env(
        dir,
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "high",
            "--category",
            "exfiltration",
            "--summary",
            "Data left",
        ],
        vars,
    )
}

#[test]
fn a_passphrase_protected_key_signs_only_with_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let right = ("HOTLINE_PASSPHRASE", "correct horse battery staple");
    let r = ok_env(
        p,
        &["keygen", "alpha", "--dir", ".", "--passphrase", "--json"],
        &[right, FAST],
    );
    assert_eq!(r.json()["passphrase"], true);
    let key = p.join("alpha.key");
    let sealed = std::fs::read_to_string(&key).unwrap();
    assert!(sealed.starts_with(ARMOR), "{sealed}");
    assert_eq!(scrypt_work_factor(&sealed), 10);
    assert!(
        !sealed.contains("seed") && !sealed.contains("hotline"),
        "{sealed}"
    );
    assert_eq!(mode(&key), 0o600);
    let text = ok_env(p, &["keygen", "beta", "--dir", "."], &[]).stdout;
    assert!(!text.contains("passphrase-protected"), "{text}");

    // The founder's key opens with the passphrase from the environment, and the store
    // remembers the file, so later commands need no --key.
    ok_env(
        p,
        &run::create_args("a", "alpha-beta", "alpha.key", "beta.pub"),
        &[right],
    );
    assert_eq!(entries(p), 1);

    let wrong = notify(
        p,
        &[("HOTLINE_PASSPHRASE", "correct horse battery stapler")],
    );
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(
        wrong.stderr.starts_with("error: wrong passphrase for ")
            && wrong.stderr.contains("nothing was signed")
            && wrong
                .stderr
                .contains("\nhint: HOTLINE_PASSPHRASE holds another passphrase"),
        "{}",
        wrong.stderr
    );
    // Without one, and with no terminal to ask on, it refuses and says how to give one.
    let none = notify(p, &[]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(
        none.stderr.contains("protected by a passphrase")
            && none.stderr.contains("no terminal")
            && none.stderr.contains("set HOTLINE_PASSPHRASE"),
        "{}",
        none.stderr
    );
    assert_eq!(entries(p), 1, "a refused key signs nothing");
    let signed = notify(p, &[right]);
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    assert!(
        signed.stdout.contains("as alpha at seq 1"),
        "{}",
        signed.stdout
    );
    assert_eq!(entries(p), 2);

    // A protected key file others can read is refused like a plain one, before any
    // passphrase is asked for.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loose = notify(p, &[right]);
    assert_eq!(loose.code, 2);
    assert!(
        loose.stderr.contains("can be read by other users"),
        "{}",
        loose.stderr
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();

    // What the age file holds is the plain key file text, and nothing of it showed: the
    // sealed file, and every command's output, lack the seed.
    ok_env(p, &["key", "passphrase", "alpha.key", "--remove"], &[right]);
    let plain = std::fs::read_to_string(&key).unwrap();
    let seed = plain
        .lines()
        .find_map(|l| l.strip_prefix("seed: "))
        .unwrap();
    assert_eq!(seed.len(), 64);
    for shown in [&sealed, &signed.stdout, &signed.stderr, &wrong.stderr] {
        assert!(!shown.to_lowercase().contains(seed), "{shown}");
    }
}

#[test]
fn adding_changing_and_removing_the_passphrase_keeps_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha", "--dir", "."]);
    let key = p.join("alpha.key");
    let original = std::fs::read_to_string(&key).unwrap();
    let public = std::fs::read_to_string(p.join("alpha.pub")).unwrap();
    let party = public
        .lines()
        .find_map(|l| l.strip_prefix("key: "))
        .unwrap()
        .to_owned();
    let one = ("HOTLINE_PASSPHRASE", "one");
    let two = ("HOTLINE_PASSPHRASE", "two");

    // Add: the new passphrase is HOTLINE_NEW_PASSPHRASE's.
    let r = ok_env(
        p,
        &["key", "passphrase", "alpha.key", "--json"],
        &[("HOTLINE_NEW_PASSPHRASE", "one"), FAST],
    );
    assert_eq!(r.json()["key"], party.as_str());
    assert_eq!(r.json()["passphrase"], true);
    let first = std::fs::read_to_string(&key).unwrap();
    assert!(first.starts_with(ARMOR), "{first}");
    assert_eq!(mode(&key), 0o600);

    // Change: opened with HOTLINE_PASSPHRASE, sealed anew with HOTLINE_NEW_PASSPHRASE.
    let r = ok_env(
        p,
        &["key", "passphrase", "alpha.key"],
        &[one, ("HOTLINE_NEW_PASSPHRASE", "two"), FAST],
    );
    assert!(
        r.stdout.starts_with("changed the passphrase of alpha.key"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("WARNING"),
        "the test work factor is called out: {}",
        r.stdout
    );
    let second = std::fs::read_to_string(&key).unwrap();
    assert!(second.starts_with(ARMOR) && second != first);
    assert_eq!(mode(&key), 0o600);
    // The old passphrase no longer opens it, and a refused change leaves the file as it was.
    fails_env(
        p,
        &["key", "passphrase", "alpha.key", "--remove"],
        &[one],
        2,
        "wrong passphrase for alpha.key",
    );
    assert_eq!(std::fs::read_to_string(&key).unwrap(), second);

    // Remove: the very text keygen wrote, the same key, still 0600, no temporary file left.
    let r = ok_env(
        p,
        &["key", "passphrase", "alpha.key", "--remove", "--json"],
        &[two],
    );
    assert_eq!(r.json()["key"], party.as_str());
    assert_eq!(r.json()["passphrase"], false);
    assert_eq!(std::fs::read_to_string(&key).unwrap(), original);
    assert_eq!(mode(&key), 0o600);
    let mut names: Vec<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["alpha.key", "alpha.next.key", "alpha.pub"]);
    fails(
        p,
        &["key", "passphrase", "alpha.key", "--remove"],
        2,
        "no passphrase to remove",
    );
    // A public key file is not taken for the secret one.
    fails_env(
        p,
        &["key", "passphrase", "alpha.pub"],
        &[("HOTLINE_NEW_PASSPHRASE", "x")],
        2,
        "is a public key file",
    );
}

#[test]
fn the_default_work_factor_is_ages_own() {
    // One seal and one open at age's own work factor (about a second each): the knob the
    // other tests use is the only thing that lowers it.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let pass = ("HOTLINE_PASSPHRASE", "slow and steady");
    let r = ok_env(
        p,
        &["keygen", "alpha", "--dir", ".", "--passphrase"],
        &[pass],
    );
    assert!(!r.stdout.contains("WARNING"), "{}", r.stdout);
    let sealed = std::fs::read_to_string(p.join("alpha.key")).unwrap();
    let n = scrypt_work_factor(&sealed);
    assert!(n >= 14, "age picked 2^{n}");
    ok_env(p, &["key", "passphrase", "alpha.key", "--remove"], &[pass]);
    assert!(
        std::fs::read_to_string(p.join("alpha.key"))
            .unwrap()
            .starts_with("hotline secret key v1\n")
    );
}

#[test]
fn keygen_without_dir_writes_to_the_key_directory_and_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // $HOTLINE_HOME, with parents that do not exist yet: all made 0700.
    let keys = p.join("missing/parents/keys");
    let r = ok_env(p, &["keygen", "alpha", "--json"], &[home(&keys)]);
    assert_eq!(
        r.json()["secret_file"],
        keys.join("alpha.key").to_str().unwrap()
    );
    assert_eq!(mode(&keys.join("alpha.key")), 0o600);
    assert_eq!(mode(&keys.join("alpha.pub")), 0o644);
    for d in ["missing", "missing/parents", "missing/parents/keys"] {
        assert_eq!(mode(&p.join(d)), 0o700, "{d}");
    }
    assert!(!p.join("alpha.key").exists());
    // An explicit --dir that does not exist is created too.
    ok_env(p, &["keygen", "beta", "--dir", "new/dir"], &[home(&keys)]);
    assert!(p.join("new/dir/beta.key").is_file() && !keys.join("beta.key").exists());
    assert_eq!(mode(&p.join("new/dir")), 0o700);
    // Without HOTLINE_HOME: $XDG_CONFIG_HOME/hotline, else ~/.config/hotline.
    let xdg = p.join("xdg");
    let xdg_s = xdg.to_str().unwrap().to_owned();
    let fake_home = p.join("home");
    let home_s = fake_home.to_str().unwrap().to_owned();
    ok_env(
        p,
        &["keygen", "gamma"],
        &[("XDG_CONFIG_HOME", &xdg_s), ("HOME", &home_s)],
    );
    assert!(xdg.join("hotline/gamma.key").is_file());
    ok_env(
        p,
        &["keygen", "delta"],
        &[("XDG_CONFIG_HOME", ""), ("HOME", &home_s)],
    );
    assert!(fake_home.join(".config/hotline/delta.key").is_file());
    // A key pair already in the key directory is not replaced.
    fails_env(p, &["keygen", "alpha"], &[home(&keys)], 2, "already exists");
}

#[test]
fn hotline_key_stands_in_for_every_key_option() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha", "--dir", "."]);
    ok(p, &["keygen", "beta", "--dir", "."]);
    let create = [
        "--store",
        "a",
        "channel",
        "create",
        "alpha-beta",
        "--party",
        "beta.pub",
    ];
    fails(p, &create, 2, "--key");
    let r = ok_env(p, &create, &[("HOTLINE_KEY", "alpha.key")]);
    assert!(r.stdout.contains("parties: alpha, beta"), "{}", r.stdout);
    // For a signing command, HOTLINE_KEY comes before the key file the store remembers: a
    // missing one is reported, not passed over.
    let r = notify(p, &[("HOTLINE_KEY", "gone.key")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot read gone.key"), "{}", r.stderr);
    assert_eq!(entries(p), 1);
    let r = notify(p, &[("HOTLINE_KEY", "alpha.key")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // join reads it too.
    ok(p, &["--store", "a", "export", "--out", "invite.bundle"]);
    ok_env(
        p,
        &[
            "--store",
            "b",
            "join",
            "invite.bundle",
            "--trust",
            "alpha.pub",
        ],
        &[("HOTLINE_KEY", "beta.key")],
    );
}

#[test]
fn exports_proofs_and_the_journal_are_for_their_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha", "--dir", "."]);
    ok(p, &["keygen", "beta", "--dir", "."]);
    ok(
        p,
        &run::create_args("a", "alpha-beta", "alpha.key", "beta.pub"),
    );
    assert_eq!(mode(&p.join("a/journal")), 0o600);
    ok(p, &["--store", "a", "export", "--out", "invite.bundle"]);
    assert_eq!(mode(&p.join("invite.bundle")), 0o600);
    let join = [
        "--store",
        "b",
        "join",
        "invite.bundle",
        "--key",
        "beta.key",
        "--trust",
        "alpha.pub",
    ];
    ok(p, &join);
    assert_eq!(mode(&p.join("b/journal")), 0o600);
    // A forced export over a file someone else could read makes it private again.
    std::fs::write(p.join("accept.bundle"), b"old").unwrap();
    std::fs::set_permissions(
        p.join("accept.bundle"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    ok(
        p,
        &[
            "--store",
            "b",
            "export",
            "--out",
            "accept.bundle",
            "--force",
        ],
    );
    assert_eq!(mode(&p.join("accept.bundle")), 0o600);
    ok(p, &["--store", "a", "import", "accept.bundle"]);
    let notice = notify(p, &[]).stdout;
    assert!(notice.contains("signed notice"), "{notice}");
    let id = ok(p, &["--store", "a", "log", "--json"]).json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "notice")
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .unwrap();
    ok(p, &["--store", "a", "checkpoint"]);
    ok(p, &["--store", "a", "export", "--out", "to-b.bundle"]);
    ok(p, &["--store", "b", "import", "to-b.bundle"]);
    ok(p, &["--store", "b", "cosign"]);
    ok(p, &["--store", "b", "export", "--out", "to-a.bundle"]);
    ok(p, &["--store", "a", "import", "to-a.bundle"]);
    ok(p, &["--store", "a", "prove", &id, "--out", "n.tlog-proof"]);
    assert_eq!(mode(&p.join("n.tlog-proof")), 0o600);
    for f in ["to-b.bundle", "to-a.bundle"] {
        assert_eq!(mode(&p.join(f)), 0o600, "{f}");
    }
}

/// A known answer from another implementation: this key file text (of the public test seed
/// 07…07), sealed by age 1.1.1, the Go reference implementation, with `age -p -a` and the
/// passphrase `age interop vector` (work factor 2^18, age's fixed one).
const GO_AGE_SEALED: &str = "\
-----BEGIN AGE ENCRYPTED FILE-----
YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IHNjcnlwdCBkdERTVnZ3WEJpT2phRGx5
a3U4alNnIDE4ClNWSFp0Nm42bEtZVTFSejE3WUNCWjY1b0l0a21aVitGdzN2cEdo
ZnNyYUkKLS0tIE5qV3BidnRvc1lRSVRCbkVIU1pqYUZrOWQrNmNMQVprWC9nUUhh
RWwwL0kK6tpV4pu1obYG2ZPPQ5VFNgC4PjsqQxjJ54gqr9m9HM+vQtEgNnTSyNSM
geGYrdtIGzzvUJREKeGEU/B5YUR1MqeSML1RUY0l5Clzy9pjUjR92LZYUXkeFOz6
z6kEO8ViWF9Zu11zCJJ8SyI1bXXyKzdc0qxePcWFMs47IDuoSQqBau04MI50z9Qo
bsEHTLiiWUh+IYu6PMQGZ5XHXIdS68Jo9b65ewJ1A78I6jIy0Pb0+g7EKwhLTRoc
XML+QT5L1iedy47HtVksPwohfbVTl4Y=
-----END AGE ENCRYPTED FILE-----
";
const GO_AGE_PLAIN: &str = "\
hotline secret key v1
# Keep this file secret (mode 0600). Its public half is in vector.pub.
name: vector
seed: 0707070707070707070707070707070707070707070707070707070707070707
";

#[test]
fn a_key_file_sealed_by_the_go_age_tool_opens() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let key = p.join("vector.key");
    std::fs::write(&key, GO_AGE_SEALED).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(scrypt_work_factor(GO_AGE_SEALED), 18);
    let r = ok_env(
        p,
        &["key", "passphrase", "vector.key", "--remove", "--json"],
        &[("HOTLINE_PASSPHRASE", "age interop vector")],
    );
    assert_eq!(r.json()["name"], "vector");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), GO_AGE_PLAIN);
}
