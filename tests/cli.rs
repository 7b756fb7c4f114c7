//! End-to-end tests of the real `hotline` binary: two parties, two stores, every error path.
#![cfg(all(feature = "cli", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/run.rs"]
mod run;
use run::{Run, fails, hotline, ok};

/// A channel between alpha and beta, each with its own store, after the charter and the
/// acceptance have been exchanged. Its imports sign no receipts (`--no-receipt`), so the feeds
/// hold only what each test signs; receipts have tests of their own.
struct Channel {
    dir: tempfile::TempDir,
}

impl Channel {
    fn new() -> Channel {
        let dir = invited();
        let p = dir.path();
        ok(
            p,
            &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
        );
        ok(p, &["--store", "b", "export", "--out", "accept.bundle"]);
        ok(
            p,
            &["--store", "a", "import", "accept.bundle", "--no-receipt"],
        );
        Channel { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn a(&self, args: &[&str]) -> Run {
        let mut v = vec!["--store", "a"];
        v.extend_from_slice(args);
        ok(self.path(), &v)
    }

    fn b(&self, args: &[&str]) -> Run {
        let mut v = vec!["--store", "b"];
        v.extend_from_slice(args);
        ok(self.path(), &v)
    }

    /// Send everything `from` holds to `to`.
    fn send(&self, from: &str, to: &str) {
        ok(
            self.path(),
            &["--store", from, "export", "--out", "x.bundle", "--force"],
        );
        ok(
            self.path(),
            &["--store", to, "import", "x.bundle", "--no-receipt"],
        );
    }

    /// alpha signs a notice of `severity` with category "c" and `summary`; its id.
    fn notice(&self, severity: &str, summary: &str) -> String {
        entry_id(&self.a(&[
            "notify",
            "--severity",
            severity,
            "--category",
            "c",
            "--summary",
            summary,
            "--json",
        ]))
    }

    fn journal(&self, store: &str) -> Vec<u8> {
        std::fs::read(self.path().join(store).join("journal")).unwrap()
    }
}

fn entry_id(r: &Run) -> String {
    r.json()["id"].as_str().unwrap().to_owned()
}

#[test]
fn two_parties_exchange_verify_and_audit() {
    let c = Channel::new();
    let def = entry_id(&c.a(&[
        "define",
        "major incident",
        "--text",
        "An incident that …",
        "--json",
    ]));
    let commit = entry_id(&c.a(&[
        "commit",
        "Notify",
        "--text",
        "We notify.",
        "--cites",
        &def[..12],
        "--json",
    ]));
    let notice = entry_id(&c.a(&[
        "notify",
        "--severity",
        "high",
        "--category",
        "exfiltration",
        "--summary",
        "Data left",
        "--ack-within",
        "24h",
        "--ref",
        &commit,
        "--json",
    ]));
    c.send("a", "b");
    // Ids by unique prefix; global options after the subcommand too.
    c.b(&["ack", &notice[..12], "--store", "b"]);
    c.b(&["respond", &notice[..12], "--text", "Investigating."]);
    let update = entry_id(&c.a(&[
        "notify",
        "--severity",
        "high",
        "--category",
        "exfiltration",
        "--stage",
        "update",
        "--summary",
        "More data left",
        "--ref",
        &notice,
        "--json",
    ]));
    c.send("a", "b");
    c.b(&[
        "ack",
        &update,
        "--state",
        "disputed",
        "--reason",
        "Not from here.",
    ]);
    c.send("b", "a");

    for store in ["a", "b"] {
        let v = ok(c.path(), &["verify", "--store", store, "--json"]).json();
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["entries_checked"], 9);
        assert_eq!(v["findings"].as_array().unwrap().len(), 0);
        let text = ok(c.path(), &["--store", store, "verify"]).stdout;
        assert!(text.contains("OK: 9 entries checked"), "{text}");
    }

    let audit = c.a(&["audit", "--json"]).json();
    assert_eq!(audit["ok"], true, "{audit}");
    assert_eq!(audit["entries_checked"], 9);
    assert!(audit["findings"].as_array().unwrap().is_empty());
    assert_eq!(audit["notices"].as_array().unwrap().len(), 2);
    assert_eq!(audit["disputes"][0]["ack"]["state"], "disputed");
    assert_eq!(audit["notices"][0]["receivers"][0]["ack"]["status"], "met");
    // The update has a 4-hour acknowledgement window (the default for high): judged three
    // days later with the dispute it is met; the first notice's ack too.
    let later = c.a(&["audit", "--at", "2099-01-01T00:00:00Z"]);
    assert!(
        later.stdout.contains("0 deadline(s) missed"),
        "{}",
        later.stdout
    );

    let show = c.a(&["show", &notice[..10]]);
    assert!(
        show.stdout.contains("acked     by beta as received"),
        "{}",
        show.stdout
    );
    let log = c.b(&["log", "--json"]).json();
    assert_eq!(log["entries"].as_array().unwrap().len(), 9);

    // A notice nobody answers. Before beta signs anything for it, no deadline runs against
    // beta: undetermined, even years later, and the audit passes.
    c.a(&[
        "notify",
        "--severity",
        "critical",
        "--category",
        "outage",
        "--summary",
        "Down",
    ]);
    let undetermined = c
        .a(&["audit", "--at", "2099-01-01T00:00:00Z", "--json"])
        .json();
    assert_eq!(undetermined["undetermined"], 2, "{undetermined}");
    assert_eq!(undetermined["missed"], 0);
    assert_eq!(
        undetermined["notices"][2]["receivers"][0]["ack"]["basis"],
        "no-evidence"
    );
    // Beta imports it and signs a receipt; once alpha holds the receipt, the clock runs from
    // it: pending now, missed later, and audit exits 1.
    ok(
        c.path(),
        &["--store", "a", "export", "--out", "x.bundle", "--force"],
    );
    ok(c.path(), &["--store", "b", "import", "x.bundle"]);
    c.send("b", "a");
    let pending = c.a(&["audit", "--json"]).json();
    assert_eq!(pending["pending"], 2, "{pending}");
    assert_eq!(
        pending["notices"][2]["receivers"][0]["possession"]["via"],
        "receipt"
    );
    let r = hotline(
        c.path(),
        &["--store", "a", "audit", "--at", "2099-01-01T00:00:00Z"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("MISSED"), "{}", r.stdout);
    assert!(
        r.stdout.contains("shows possession; no acknowledgement"),
        "{}",
        r.stdout
    );
}

#[test]
fn bundle_verifies_with_no_store_and_any_tampered_byte_fails() {
    let c = Channel::new();
    c.a(&["define", "term", "--text", "meaning"]);
    c.a(&[
        "notify",
        "--severity",
        "low",
        "--category",
        "c",
        "--summary",
        "s",
    ]);
    c.send("a", "b");
    ok(c.path(), &["--store", "b", "export", "--out", "all.bundle"]);
    let empty = tempfile::tempdir().unwrap();
    let bundle = c.path().join("all.bundle");
    let bundle = bundle.to_str().unwrap();
    let alpha = c.path().join("alpha.pub");
    let beta = c.path().join("beta.pub");
    let trust = [
        "--trust",
        alpha.to_str().unwrap(),
        "--trust",
        beta.to_str().unwrap(),
    ];
    let mut args = vec!["verify", bundle];
    args.extend_from_slice(&trust);
    args.push("--json");
    let v = ok(empty.path(), &args).json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["entries_checked"], 4);
    assert!(
        !empty.path().join(".hotline").exists(),
        "verify BUNDLE made a store"
    );

    // Missing trust for a party is refused.
    fails(
        empty.path(),
        &["verify", bundle, "--trust", alpha.to_str().unwrap()],
        1,
        "not among the --trust keys",
    );

    // Every byte of every entry record in the bundle: exit 1.
    let bytes = std::fs::read(bundle).unwrap();
    let records = hotline::bundle::scan(&bytes).unwrap().records;
    let tampered = empty.path().join("t.bundle");
    let mut checked = 0;
    for r in records.iter().skip(1) {
        let start = r.offset;
        let end = r.offset + 5 + r.payload.len() + 8;
        for i in start..end {
            let mut copy = bytes.clone();
            copy[i] ^= 0x20;
            std::fs::write(&tampered, &copy).unwrap();
            let mut a = vec!["verify", tampered.to_str().unwrap()];
            a.extend_from_slice(&trust);
            let run = hotline(empty.path(), &a);
            assert_eq!(
                run.code, 1,
                "byte {i} flipped: {}{}",
                run.stdout, run.stderr
            );
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn tampered_bundle_is_refused_and_the_store_is_unchanged() {
    let c = Channel::new();
    c.a(&["define", "term", "--text", "meaning that will be altered"]);
    ok(
        c.path(),
        &["--store", "a", "export", "--out", "good.bundle"],
    );
    let mut bytes = std::fs::read(c.path().join("good.bundle")).unwrap();
    let at = bytes.windows(7).position(|w| w == b"altered").unwrap();
    bytes[at] = b'A';
    std::fs::write(c.path().join("bad.bundle"), &bytes).unwrap();
    let before = c.journal("b");
    let log_before = c.b(&["log", "--json"]).stdout;
    let r = hotline(c.path(), &["--store", "b", "import", "bad.bundle"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("error:"), "{}", r.stderr);
    assert_eq!(c.journal("b"), before, "the journal changed");
    assert_eq!(c.b(&["log", "--json"]).stdout, log_before);
    ok(c.path(), &["--store", "b", "verify"]);
    // The good bundle still imports, and importing it twice is a no-op.
    ok(c.path(), &["--store", "b", "import", "good.bundle"]);
    let again = c.b(&["import", "good.bundle", "--json"]).json();
    assert_eq!(again["new_entries"], 0);
}

#[test]
fn bundle_of_another_channel_is_refused() {
    let c = Channel::new();
    ok(
        c.path(),
        &run::create_args("other", "other", "alpha.key", "beta.pub"),
    );
    ok(
        c.path(),
        &["--store", "other", "export", "--out", "other.bundle"],
    );
    let before = c.journal("b");
    fails(
        c.path(),
        &["--store", "b", "import", "other.bundle"],
        1,
        "channel",
    );
    assert_eq!(c.journal("b"), before);
}

#[test]
fn wrong_keys_are_refused() {
    let c = Channel::new();
    // A key that is not a party of the charter.
    fails(
        c.path(),
        &[
            "--store",
            "a",
            "define",
            "t",
            "--text",
            "x",
            "--key",
            "mallory.key",
        ],
        2,
        "not a party",
    );
    fails(
        c.path(),
        &[
            "--store",
            "m",
            "join",
            "invite.bundle",
            "--key",
            "mallory.key",
        ],
        2,
        "is not a party",
    );
    // A public key file where a secret key file is wanted.
    fails(
        c.path(),
        &[
            "--store",
            "a",
            "define",
            "t",
            "--text",
            "x",
            "--key",
            "alpha.pub",
        ],
        2,
        "alpha.pub",
    );
    // A secret key readable by others.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::copy(c.path().join("alpha.key"), c.path().join("open.key")).unwrap();
        std::fs::set_permissions(
            c.path().join("open.key"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        fails(
            c.path(),
            &[
                "--store", "a", "define", "t", "--text", "x", "--key", "open.key",
            ],
            2,
            "can be read by other users",
        );
    }
    // Another party's key in this store: signing would fork that party's feed.
    fails(
        c.path(),
        &[
            "--store",
            "b",
            "define",
            "t",
            "--text",
            "x",
            "--key",
            "alpha.key",
        ],
        2,
        "this store belongs to beta",
    );
    // Nothing was written by any of these.
    assert_eq!(
        c.a(&["log", "--json"]).json()["entries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn unknown_and_ambiguous_ids() {
    let c = Channel::new();
    fails(
        c.path(),
        &["--store", "a", "show", "ffffffffff"],
        2,
        "ffffffffff",
    );
    fails(c.path(), &["--store", "a", "ack", "zz12"], 2, "zz12");
    // Write entries through the library until two ids share their first 4 hex digits.
    let store_dir = c.path().join("a");
    let key = hotline::keys::SecretKey::from_file_text(
        &std::fs::read_to_string(c.path().join("alpha.key")).unwrap(),
    )
    .unwrap();
    let mut seen = std::collections::HashMap::new();
    let prefix = {
        let mut store = hotline::store::Store::open(&store_dir).unwrap();
        let mut n = 0u64;
        loop {
            let body = hotline::Body::Definition(hotline::entry::Definition {
                term: format!("term {n}"),
                text: "x".into(),
                supersedes: None,
            });
            let e = store
                .append(&key, &body, hotline::Timestamp(1_800_000_000))
                .unwrap();
            let id = e.id().unwrap().to_string();
            if let Some(_other) = seen.insert(id[..4].to_owned(), id.clone()) {
                break id[..4].to_owned();
            }
            n += 1;
            assert!(n < 5000);
        }
    };
    let r = fails(
        c.path(),
        &["--store", "a", "show", &prefix],
        2,
        "ids start with",
    );
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
}

#[test]
fn store_in_use_and_corrupted_store() {
    let c = Channel::new();
    c.a(&["define", "term", "--text", "meaning"]);
    {
        let _held = hotline::store::Store::open(&c.path().join("a")).unwrap();
        let start = std::time::Instant::now();
        fails(
            c.path(),
            &["--store", "a", "define", "t2", "--text", "m"],
            2,
            "in use",
        );
        assert!(start.elapsed().as_secs() < 20, "waited instead of failing");
        // A reader takes no lock, so it does not wait for the writer.
        ok(c.path(), &["--store", "a", "log"]);
    }
    let entries_before = c.a(&["log", "--json"]).json()["entries"].clone();
    // Corrupt every file of the index.
    let index = c.path().join("a").join("index");
    let mut files = vec![index.clone()];
    let mut n = 0;
    while let Some(d) = files.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files.push(p);
            } else {
                let len = std::fs::metadata(&p).unwrap().len() as usize;
                std::fs::write(&p, vec![0xA5; len.max(64)]).unwrap();
                n += 1;
            }
        }
    }
    assert!(n > 0);
    let r = hotline(c.path(), &["--store", "a", "log"]);
    if r.code != 0 {
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains("hotline repair"), "{}", r.stderr);
    }
    ok(c.path(), &["--store", "a", "repair"]);
    assert_eq!(c.a(&["log", "--json"]).json()["entries"], entries_before);
    ok(c.path(), &["--store", "a", "verify"]);
    // No store at all.
    fails(
        c.path(),
        &["--store", "nowhere", "log"],
        2,
        "no hotline store",
    );
}

#[test]
fn keygen_protects_secret_keys() {
    let dir = tempfile::tempdir().unwrap();
    let r = ok(dir.path(), &["keygen", "alpha", "--json"]);
    let secret = std::fs::read_to_string(dir.path().join("alpha.key")).unwrap();
    let seed = secret
        .lines()
        .find_map(|l| l.strip_prefix("seed: "))
        .unwrap();
    assert!(!r.stdout.contains(seed) && !r.stderr.contains(seed));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("alpha.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    fails(dir.path(), &["keygen", "alpha"], 2, "already exists");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("alpha.key")).unwrap(),
        secret
    );
    ok(dir.path(), &["keygen", "alpha", "--force"]);
    assert_ne!(
        std::fs::read_to_string(dir.path().join("alpha.key")).unwrap(),
        secret
    );
    fails(dir.path(), &["keygen", "../evil"], 2, "party name");
    // --dir, as its own --help example gives it, on a machine where it does not exist yet:
    // made, with every directory it needed, readable by the owner alone.
    ok(dir.path(), &["keygen", "beta", "--dir", "fresh/keys"]);
    assert!(dir.path().join("fresh/keys/beta.key").is_file());
    #[cfg(unix)]
    for d in ["fresh", "fresh/keys"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(d))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{d}");
    }
}

#[test]
fn usage_errors_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let r = hotline(dir.path(), &["frobnicate"]);
    assert_eq!(r.code, 2);
    let help = ok(dir.path(), &["--help"]).stdout;
    assert!(
        help.contains("Exit codes") && help.contains("hotline demo"),
        "{help}"
    );
    for cmd in [
        "keygen",
        "channel",
        "join",
        "define",
        "commit",
        "notify",
        "respond",
        "ack",
        "log",
        "show",
        "export",
        "import",
        "verify",
        "audit",
        "repair",
        "demo",
        "checkpoint",
        "cosign",
        "prove",
        "verify-proof",
        "parties",
    ] {
        let help = ok(dir.path(), &[cmd, "--help"]).stdout;
        assert!(help.contains("Example"), "{cmd}: {help}");
    }
    let r = hotline(dir.path(), &["verify", "--json"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.json()["ok"], false);
    // A usage error caught while parsing still answers --json with JSON.
    let r = hotline(dir.path(), &["--json", "show"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.json()["ok"], false);
    assert!(r.stderr.contains("Usage"), "{}", r.stderr);
}

#[test]
fn demo_runs_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let r = ok(dir.path(), &["demo", "--dir", "play"]);
    assert!(r.stdout.contains("Done:"), "{}", r.stdout);
    assert!(r.stdout.contains("as disputed"), "{}", r.stdout);
    let v = ok(dir.path(), &["demo", "--dir", "play2", "--json"]).json();
    assert_eq!(v["ok"], true);
    // Ten signed entries and six receipts, one for each import that brought new entries
    // other than receipts.
    let timeline = v["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 16);
    assert_eq!(
        timeline
            .iter()
            .filter(|e| e.to_string().contains("receipt for"))
            .count(),
        6,
        "{timeline:?}"
    );
    let _: PathBuf = dir.path().join("play/alpha.store/journal");
}

fn secret(c: &Channel, name: &str) -> hotline::SecretKey {
    hotline::keys::SecretKey::from_file_text(
        &std::fs::read_to_string(c.path().join(format!("{name}.key"))).unwrap(),
    )
    .unwrap()
}

#[test]
fn checkpoints_cosignatures_and_offline_proofs() {
    let c = Channel::new();
    let notice = c.notice("high", "s");
    // No checkpoint yet: prove signs this side's (see
    // prove_of_an_own_entry_with_no_cosigned_checkpoint_does_this_sides_part) and says what
    // the others do; no proof is written.
    let r = hotline(c.path(), &["--store", "a", "prove", &notice, "--out", "p"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("--cosign --reply back.bundle"),
        "{}",
        r.stdout
    );
    assert!(!c.path().join("p").exists());
    let cp = c.a(&["checkpoint", "--json"]).json();
    assert_eq!(cp["size"], 2);
    assert!(
        cp["note"]
            .as_str()
            .unwrap()
            .contains("\n\n\u{2014} hotline/")
    );
    c.send("a", "b");
    let cos = c.b(&["cosign", "--json"]).json();
    assert_eq!(cos["cosigned"][0]["party"], "alpha");
    // Cosigning again is a no-op, not a second cosignature.
    assert!(c.b(&["cosign"]).stdout.contains("already cosigned"));
    c.send("b", "a");
    let v = c.a(&["verify", "--json"]).json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["checkpoints"][0]["cosignatures"][0]["party"], "beta");
    let show = c.a(&["show", &notice]).stdout;
    assert!(
        show.contains("witnessed in the author's feed no later than"),
        "{show}"
    );

    c.a(&["prove", &notice, "--out", "n.tlog-proof"]);
    let proof = std::fs::read_to_string(c.path().join("n.tlog-proof")).unwrap();
    assert!(
        proof.starts_with("c2sp.org/tlog-proof@v1\nextra "),
        "{proof}"
    );
    let judge = tempfile::tempdir().unwrap();
    let file = c.path().join("n.tlog-proof");
    let (ap, bp) = (c.path().join("alpha.pub"), c.path().join("beta.pub"));
    let args = |f: &Path| -> Vec<String> {
        vec![
            "verify-proof".into(),
            f.display().to_string(),
            "--trust".into(),
            ap.display().to_string(),
            "--trust".into(),
            bp.display().to_string(),
            "--json".into(),
        ]
    };
    let a = args(&file);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let v = ok(judge.path(), &a).json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["seq"], 1);
    assert_eq!(v["cosignatures"][0]["party"], "beta");
    // Any single changed byte of the proof file: exit 1.
    let bytes = std::fs::read(&file).unwrap();
    let bad = judge.path().join("bad.tlog-proof");
    for i in (0..bytes.len()).step_by(3) {
        let mut copy = bytes.clone();
        copy[i] ^= 0x02;
        std::fs::write(&bad, &copy).unwrap();
        let a = args(&bad);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let r = hotline(judge.path(), &a);
        assert_eq!(r.code, 1, "byte {i}: {}{}", r.stdout, r.stderr);
    }
}

#[test]
fn inconsistent_checkpoints_are_refused_and_split_views_reported() {
    let c = Channel::new();
    c.a(&["define", "term", "--text", "meaning"]);
    c.send("a", "b");
    // Alpha equivocates: a checkpoint of its feed at size 2 whose root is not the root of the
    // entries it signed, sent to beta on its own.
    let charter = hotline::store::Store::open_read_only(&c.path().join("b"))
        .unwrap()
        .charter()
        .clone();
    let alpha = secret(&c, "alpha");
    let forged = hotline::witness::sign_checkpoint(&charter, &alpha, 2, [0x55; 32]).unwrap();
    let meta = hotline::witness::check_note(&charter, &forged).unwrap();
    let record = hotline::bundle::NoteRecord {
        origin: meta.checkpoint.origin().to_owned(),
        size: 2,
        root: [0x55; 32],
        note: forged.clone(),
    };
    let bundle = hotline::bundle::write_with_notes::<Vec<u8>>(&charter, &[], &[record]).unwrap();
    std::fs::write(c.path().join("forged.bundle"), bundle).unwrap();
    let r = hotline(c.path(), &["--store", "b", "import", "forged.bundle"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("SPLIT VIEW"), "{}", r.stdout);
    // Beta refuses to cosign it.
    let r = hotline(c.path(), &["--store", "b", "cosign"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("REFUSED") && r.stdout.contains("split view"),
        "{}",
        r.stdout
    );
    // Alpha's honest checkpoint at the same size arrives: both notes are the evidence.
    c.a(&["checkpoint"]);
    ok(
        c.path(),
        &["--store", "a", "export", "--out", "honest.bundle"],
    );
    let r = hotline(c.path(), &["--store", "b", "import", "honest.bundle"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("signed two checkpoints"), "{}", r.stdout);
    let r = hotline(c.path(), &["--store", "b", "verify", "--json"]);
    assert_eq!(r.code, 1);
    let v = r.json();
    let pair = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "split-view" && f["notes"].as_array().map(Vec::len) == Some(2))
        .unwrap_or_else(|| panic!("no split view with both notes: {v}"));
    assert_eq!(pair["party"], "alpha");
    let notes: Vec<&str> = pair["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(notes.contains(&String::from_utf8(forged).unwrap().as_str()));
    let audit = hotline(c.path(), &["--store", "b", "audit"]);
    assert_eq!(audit.code, 1);
    assert!(audit.stdout.contains("split-view"), "{}", audit.stdout);
}

#[test]
fn parties_prints_c2sp_verifier_keys() {
    let c = Channel::new();
    let v = c.a(&["parties", "--json"]).json();
    let alpha = &v["parties"][0];
    let vkey = alpha["checkpoint_verifier_key"].as_str().unwrap();
    assert!(
        vkey.starts_with("hotline/") && vkey.contains("/alpha+"),
        "{vkey}"
    );
    assert!(hotline::checkpoint::Verifier::parse(vkey).is_ok());
    let co = alpha["cosigner_verifier_key"].as_str().unwrap();
    assert!(co.starts_with("hotline-cosigner/"), "{co}");
}

#[test]
fn hostile_text_is_escaped_and_oversize_text_refused() {
    let c = Channel::new();
    let reason = "r\rOK, accepted\u{1b}[2J\u{202e}";
    let notice = c.notice("low", "s");
    c.send("a", "b");
    c.b(&["ack", &notice, "--state", "disputed", "--reason", reason]);
    c.send("b", "a");
    for args in [&["audit"][..], &["log"][..]] {
        let mut v = vec!["--store", "a"];
        v.extend_from_slice(args);
        let out = hotline(c.path(), &v).stdout;
        assert!(
            !out.contains('\r') && !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{out:?}"
        );
        assert!(out.contains("\\u{1b}"), "{out}");
    }
    // JSON keeps the signed text exactly.
    let v = c.a(&["audit", "--json"]).json();
    assert_eq!(v["disputes"][0]["ack"]["reason"], reason);

    // A summary that would begin a forged row of its own, with DEL, a direction override
    // and a line separator: one row in text, and in JSON only escapes, whose value is the
    // signed text exactly.
    let forged =
        "first\n2026-01-01T00:00:00Z  beta     #9   000000000000  forged\u{7f}\u{202e}\u{2028}";
    let rows_before = hotline(c.path(), &["--store", "a", "log"])
        .stdout
        .lines()
        .count();
    let id = entry_id(&c.a(&[
        "notify",
        "--severity",
        "low",
        "--category",
        "c",
        "--summary",
        forged,
        "--json",
    ]));
    let log = hotline(c.path(), &["--store", "a", "log"]).stdout;
    assert_eq!(log.lines().count(), rows_before + 1, "{log}");
    assert!(log.contains("first\\n2026"), "{log}");
    for verb in [&["log"][..], &["audit"][..], &["show", &id][..]] {
        let mut v = vec!["--store", "a", "--json"];
        v.extend_from_slice(verb);
        let raw = hotline(c.path(), &v).stdout;
        for bad in ['\u{7f}', '\u{202e}', '\u{2028}'] {
            assert!(!raw.contains(bad), "{verb:?}: {bad:?} in {raw}");
        }
        assert!(raw.contains("\\u202e"), "{verb:?}: {raw}");
    }
    let shown = c.a(&["show", &id, "--json"]).json();
    assert_eq!(shown["body"]["summary"], forged);
    let text = c.a(&["show", &id]).stdout;
    assert!(
        text.lines().all(|l| !l.starts_with("2026-01-01")),
        "a signed line passed for a line of its own: {text}"
    );

    let big = "x".repeat(300 * 1024);
    std::fs::write(c.path().join("big.txt"), &big).unwrap();
    fails(
        c.path(),
        &["--store", "a", "define", "big", "--file", "big.txt"],
        2,
        "too large",
    );
}

#[test]
fn a_bundle_with_a_tampered_cosignature_fails_verification() {
    let c = Channel::new();
    c.a(&["checkpoint"]);
    c.send("a", "b");
    c.b(&["cosign"]);
    ok(c.path(), &["--store", "b", "export", "--out", "all.bundle"]);
    let bytes = std::fs::read(c.path().join("all.bundle")).unwrap();
    let mut parsed = hotline::bundle::read(&bytes).unwrap();
    assert_eq!(parsed.notes.len(), 2);
    let trust = ["--trust", "alpha.pub", "--trust", "beta.pub"];
    let mut args = vec!["verify", "all.bundle"];
    args.extend_from_slice(&trust);
    let good = ok(c.path(), &args).stdout;
    assert!(good.contains("cosigned by beta"), "{good}");
    // Change one base64 character of beta's cosignature and re-frame the bundle.
    let note = parsed
        .notes
        .iter_mut()
        .find(|n| String::from_utf8_lossy(&n.record.note).contains("hotline-cosigner/"))
        .unwrap();
    let text = String::from_utf8(note.record.note.clone()).unwrap();
    let at = text.rfind("hotline-cosigner/").unwrap();
    let line_end = text[at..].find('\n').unwrap() + at;
    let mut b = text.into_bytes();
    b[line_end - 6] = if b[line_end - 6] == b'A' { b'B' } else { b'A' };
    note.record.note = b;
    let records: Vec<_> = parsed.notes.iter().map(|n| n.record.clone()).collect();
    let forged =
        hotline::bundle::write_with_notes(&parsed.charter, &parsed.entries, &records).unwrap();
    std::fs::write(c.path().join("forged.bundle"), forged).unwrap();
    let mut args = vec!["verify", "forged.bundle", "--json"];
    args.extend_from_slice(&trust);
    let r = hotline(c.path(), &args);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("bad-checkpoint"), "{}", r.stdout);

    // The library's one entry point says what the CLI says, for both bundles.
    let keys: Vec<hotline::PartyId> = ["alpha.pub", "beta.pub"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(c.path().join(f)).unwrap();
            hotline::PublicKey::from_file_text(&text).unwrap().id
        })
        .collect();
    let opts = hotline::verify::BundleOptions::default();
    assert!(
        hotline::verify_bundle(&bytes, &keys, &opts)
            .unwrap()
            .is_clean()
    );
    let forged = std::fs::read(c.path().join("forged.bundle")).unwrap();
    let report = hotline::verify_bundle(&forged, &keys, &opts).unwrap();
    assert!(!report.is_clean());
    assert!(
        report
            .of_kind(hotline::FindingKind::BadCheckpoint)
            .next()
            .is_some()
    );
    assert!(matches!(
        hotline::verify_bundle(&bytes, &keys[..1], &opts),
        Err(hotline::verify::BundleRefused::Untrusted { .. })
    ));
}

/// The README's step-by-step block, run as it stands with bash and the built binary.
#[test]
fn the_readme_walkthrough_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## A two-party channel, step by step").unwrap()..];
    let start = section.find("```sh\n").unwrap() + 6;
    let script = &section[start..start + section[start..].find("```").unwrap()];
    assert!(script.contains("verify-proof"), "{script}");
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_hotline")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("HOTLINE_STORE")
        .env_remove("HOTLINE_KEY")
        .env_remove("HOTLINE_PASSPHRASE")
        // A keygen the block leaves without --dir would write here, not into a real home.
        .env("HOTLINE_HOME", dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("OK: entry"), "{stdout}");
    assert!(stdout.contains("0 deadline(s) missed"), "{stdout}");
    // Seven signed entries and three receipts (alpha for the acceptance, beta and alpha for
    // the two exchanges of notices and answers).
    assert!(stdout.contains("OK: 10 entries checked"), "{stdout}");
    // The auditor's view: the timeline and the report, from the bundle alone.
    assert!(
        stdout.contains("incident ") && stdout.contains("[the receiver's signature]"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(report.contains("No problem found"), "{report}");
}

#[test]
fn a_refused_join_leaves_nothing_and_can_be_retried() {
    let c = Channel::new();
    let mut bytes = std::fs::read(c.path().join("invite.bundle")).unwrap();
    let n = bytes.len();
    bytes[n - 30] ^= 0x01;
    std::fs::write(c.path().join("bad-invite.bundle"), &bytes).unwrap();
    let r = hotline(
        c.path(),
        &run::join_args("b2", "bad-invite.bundle", "beta.key", "alpha.pub"),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(!c.path().join("b2").join("journal").exists());
    // A bundle whose framing is sound but whose entry is altered: refused, and nothing of it
    // is left.
    let good = std::fs::read(c.path().join("invite.bundle")).unwrap();
    let mut b = hotline::bundle::read(&good).unwrap();
    let last = b.entries[0].len() - 70;
    b.entries[0][last] ^= 0x01;
    let reframed = hotline::bundle::write(&b.charter, &b.entries).unwrap();
    std::fs::write(c.path().join("forged-invite.bundle"), reframed).unwrap();
    let r = hotline(
        c.path(),
        &run::join_args("b2", "forged-invite.bundle", "beta.key", "alpha.pub"),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        !c.path().join("b2").join("journal").exists(),
        "a refused join left a store"
    );
    // Beta joined already with the key in this directory (whose high-water mark refuses a
    // second seq 0); the retry is a fresh party's, its key elsewhere.
    let k2 = c.path().join("k2");
    std::fs::create_dir(&k2).unwrap();
    std::fs::copy(c.path().join("beta.key"), k2.join("beta.key")).unwrap();
    ok(
        c.path(),
        &run::join_args("b2", "invite.bundle", "k2/beta.key", "alpha.pub"),
    );
}

#[test]
fn channel_create_refuses_windows_below_the_floors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha"]);
    ok(p, &["keygen", "beta"]);
    let create = |severity: &'static str| {
        vec![
            "--store",
            "a",
            "channel",
            "create",
            "x",
            "--key",
            "alpha.key",
            "--party",
            "beta.pub",
            "--severity",
            "low:72h:30d",
            "--severity",
            severity,
        ]
    };
    let r = fails(
        p,
        &create("high:0s:1h"),
        2,
        "severity \"high\": ack_within is 0 s",
    );
    assert!(r.stderr.contains("floor is 60 s"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    fails(
        p,
        &create("high:59s:1h"),
        2,
        "severity \"high\": ack_within is 59 s",
    );
    fails(
        p,
        &create("high:4h:1h"),
        2,
        "severity \"high\": respond_within is 3600 s, less than its ack_within of 14400 s",
    );
    assert!(!p.join("a").exists(), "a refused charter left a store");
    // Exactly at the floors is a valid policy.
    ok(p, &create("high:1m:1m"));
}

/// alpha has founded a channel with beta and exported the invitation; beta has not joined.
/// mallory has a key pair too.
fn invited() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for name in ["alpha", "beta", "mallory"] {
        ok(p, &["keygen", name]);
    }
    ok(
        p,
        &run::create_args("a", "alpha-beta", "alpha.key", "beta.pub"),
    );
    ok(p, &["--store", "a", "export", "--out", "invite.bundle"]);
    dir
}

fn fingerprint(dir: &Path, pub_file: &str) -> String {
    let text = std::fs::read_to_string(dir.join(pub_file)).unwrap();
    hotline::PublicKey::from_file_text(&text)
        .unwrap()
        .id
        .fingerprint()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn join_without_trust_off_a_terminal_shows_the_charter_and_writes_nothing() {
    let dir = invited();
    let p = dir.path();
    let before = listing(p);
    let join = ["--store", "b", "join", "invite.bundle", "--key", "beta.key"];
    let r = fails(p, &join, 2, "no --trust key was given");
    // The charter is shown: channel, every party with its fingerprint and role, the founder
    // marked, and every severity with its windows.
    let alpha = fingerprint(p, "alpha.pub");
    let beta = fingerprint(p, "beta.pub");
    for needle in [
        "channel \"alpha-beta\"",
        &format!("alpha  key {alpha}  role point-of-contact  (founder)"),
        &format!("beta   key {beta}  role point-of-contact  (you)"),
        "critical  acknowledge within   1h, respond within   1d",
        "low       acknowledge within   3d, respond within  30d",
        "hint: check the charter, then pass --trust alpha.pub",
    ] {
        assert!(r.stderr.contains(needle), "no {needle:?} in:\n{}", r.stderr);
    }
    // A "yes" piped in is not a person at a terminal.
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(join)
        .current_dir(p)
        .env_remove("HOTLINE_STORE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        // The child may refuse and exit before reading: a broken pipe here is not a failure.
        let _ = child.stdin.take().unwrap().write_all(b"yes\n");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a terminal"));
    // --json: the refusal, with the charter summary.
    let mut json_join = join.to_vec();
    json_join.push("--json");
    let r = hotline(p, &json_join);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["charter"]["name"], "alpha-beta");
    assert_eq!(v["charter"]["parties"][0]["name"], "alpha");
    assert_eq!(v["charter"]["parties"][0]["founder"], true);
    assert_eq!(v["charter"]["parties"][0]["fingerprint"], alpha.as_str());
    assert_eq!(v["charter"]["parties"][1]["founder"], false);
    assert_eq!(v["charter"]["severities"][2]["name"], "high");
    assert_eq!(v["charter"]["severities"][2]["ack_within"], 4 * 3600);
    assert_eq!(v["charter"]["severities"][2]["ack_within_text"], "4h");
    // Nothing was written: no store directory, nothing else.
    assert!(
        !p.join("b").exists(),
        "a refused join left {:?}",
        listing(p)
    );
    assert_eq!(listing(p), before);
}

#[test]
fn join_with_the_founders_trusted_key_signs_and_shows_what_it_accepted() {
    let dir = invited();
    let p = dir.path();
    let r = ok(
        p,
        &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
    );
    let alpha = fingerprint(p, "alpha.pub");
    assert!(
        r.stdout.contains(&format!(
            "alpha  key {alpha}  role point-of-contact  (founder)"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("accepted: the trusted keys of alpha match the charter"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("joined channel \"alpha-beta\" as beta"));
    // The acceptance reaches the founder and the channel is in effect.
    ok(p, &["--store", "b", "export", "--out", "accept.bundle"]);
    ok(p, &["--store", "a", "import", "accept.bundle"]);
    ok(p, &["--store", "a", "verify"]);
    // --json: outcome and charter; trusting every party, one's own key included, is fine.
    // (In another key directory: beta's high-water mark here refuses a second acceptance.)
    std::fs::create_dir(p.join("k2")).unwrap();
    std::fs::copy(p.join("beta.key"), p.join("k2").join("beta.key")).unwrap();
    let v = ok(
        p,
        &[
            "--json",
            "--store",
            "b2",
            "join",
            "invite.bundle",
            "--key",
            "k2/beta.key",
            "--trust",
            "beta.pub",
            "--trust",
            "alpha.pub",
        ],
    )
    .json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["joined"], true);
    assert_eq!(v["author"], "beta");
    assert_eq!(v["accepted"]["by"], "trust");
    assert_eq!(
        v["accepted"]["trusted"],
        serde_json::json!(["alpha", "beta"])
    );
    assert_eq!(v["charter"]["id"], v["channel"]);
    assert_eq!(v["charter"]["parties"][1]["you"], true);
    assert_eq!(v["imported"], 1);
}

#[test]
fn an_invitation_with_a_substituted_founder_key_is_refused_and_writes_nothing() {
    let dir = invited();
    let p = dir.path();
    // mallory makes a key pair named alpha and founds a look-alike channel that adds mallory.
    std::fs::create_dir(p.join("evil")).unwrap();
    ok(p, &["keygen", "alpha", "--dir", "evil"]);
    ok(
        p,
        &[
            "--store",
            "evil/store",
            "channel",
            "create",
            "alpha-beta",
            "--key",
            "evil/alpha.key",
            "--party",
            "beta.pub",
            "--party",
            "mallory.pub",
        ],
    );
    ok(
        p,
        &["--store", "evil/store", "export", "--out", "forged.bundle"],
    );
    let before = listing(p);
    let (real, fake) = (
        fingerprint(p, "alpha.pub"),
        fingerprint(p, "evil/alpha.pub"),
    );
    assert_ne!(real, fake);
    for json in [false, true] {
        let mut args = vec![
            "--store",
            "b",
            "join",
            "forged.bundle",
            "--key",
            "beta.key",
            "--trust",
            "alpha.pub",
        ];
        if json {
            args.push("--json");
        }
        let r = fails(
            p,
            &args,
            1,
            &format!(
                "key mismatch for party alpha: the charter gives key {fake}, --trust alpha.pub gives key {real}"
            ),
        );
        // The charter shown makes the extra party plain to see.
        assert!(r.stderr.contains("mallory  key"), "{}", r.stderr);
        if json {
            let v = r.json();
            assert_eq!(v["ok"], false);
            assert_eq!(v["charter"]["parties"][2]["name"], "mallory");
        }
        assert!(
            !p.join("b").exists(),
            "a refused join left {:?}",
            listing(p)
        );
        assert_eq!(listing(p), before);
    }
}

#[test]
fn a_trusted_key_must_name_a_party_and_the_founder_must_be_trusted() {
    let dir = invited();
    let p = dir.path();
    let mallory = fingerprint(p, "mallory.pub");
    fails(
        p,
        &[
            "--store",
            "b",
            "join",
            "invite.bundle",
            "--key",
            "beta.key",
            "--trust",
            "alpha.pub",
            "--trust",
            "mallory.pub",
        ],
        1,
        &format!(
            "--trust mallory.pub is party mallory (key {mallory}), which the charter does not list"
        ),
    );
    assert!(!p.join("b").exists());
    // The joiner's own key vouches for nothing about the founder.
    let r = fails(
        p,
        &run::join_args("b", "invite.bundle", "beta.key", "beta.pub"),
        1,
        &format!(
            "the founder alpha (key {}) is not among the --trust keys",
            fingerprint(p, "alpha.pub")
        ),
    );
    assert!(
        r.stderr.contains("hint: pass --trust alpha.pub"),
        "{}",
        r.stderr
    );
    assert!(!p.join("b").exists());
}

#[test]
fn every_refused_join_leaves_the_disk_as_it_was() {
    let dir = invited();
    let p = dir.path();
    let join = |store: &'static str, bundle: &'static str| {
        vec![
            "--store",
            store,
            "join",
            bundle,
            "--key",
            "beta.key",
            "--trust",
            "alpha.pub",
        ]
    };
    // The founder's charter entry with its signature altered: it decodes, so it gets as far
    // as the import, which refuses it. The store's parent directories, made for it, go too.
    let good = std::fs::read(p.join("invite.bundle")).unwrap();
    let mut b = hotline::bundle::read(&good).unwrap();
    let n = b.entries[0].len();
    b.entries[0][n - 1] ^= 0x01;
    std::fs::write(
        p.join("badsig.bundle"),
        hotline::bundle::write(&b.charter, &b.entries).unwrap(),
    )
    .unwrap();
    fails(p, &join("x/y/b", "badsig.bundle"), 1, "refused");
    assert!(!p.join("x").exists(), "left {:?}", listing(&p.join("x")));
    // A directory that was there before stays, with what it held, and nothing more.
    std::fs::create_dir(p.join("mine")).unwrap();
    std::fs::write(p.join("mine/notes.txt"), b"keep").unwrap();
    fails(p, &join("mine", "badsig.bundle"), 1, "refused");
    assert_eq!(listing(&p.join("mine")), ["notes.txt"]);
    // A charter with no founder's signature on it: refused before anything is made.
    let unsigned: Vec<Vec<u8>> = Vec::new();
    std::fs::write(
        p.join("unsigned.bundle"),
        hotline::bundle::write(&b.charter, &unsigned).unwrap(),
    )
    .unwrap();
    fails(
        p,
        &join("x/b", "unsigned.bundle"),
        1,
        "no charter entry signed by the founder alpha",
    );
    assert!(!p.join("x").exists());
    // A bundle that already holds beta's acceptance: once, this made the store, imported,
    // then failed to sign and left the store behind.
    ok(p, &join("b", "invite.bundle"));
    ok(p, &["--store", "b", "export", "--out", "all.bundle"]);
    fails(
        p,
        &join("c", "all.bundle"),
        2,
        "beta has joined this channel already",
    );
    assert!(!p.join("c").exists());
    // A bad key file: refused before anything is made.
    fails(
        p,
        &run::join_args("c", "invite.bundle", "beta.pub", "alpha.pub"),
        2,
        "is a public key file",
    );
    assert!(!p.join("c").exists());
}

/// alpha's notice, sent to beta: the channel and the notice's full id.
fn channel_with_notice() -> (Channel, String) {
    let c = Channel::new();
    let notice = entry_id(&c.a(&[
        "notify",
        "--severity",
        "high",
        "--category",
        "exfiltration",
        "--summary",
        "Data left",
        "--json",
    ]));
    c.send("a", "b");
    (c, notice)
}

#[test]
fn signing_commands_refuse_id_prefixes_shorter_than_12_digits() {
    let (c, notice) = channel_with_notice();
    let before = c.journal("b");
    let short = &notice[..11];
    let cases: [&[&str]; 4] = [
        &["ack", short],
        &["respond", short, "--text", "x"],
        &["commit", "t", "--text", "x", "--cites", short],
        &[
            "notify",
            "--severity",
            "high",
            "--category",
            "c",
            "--summary",
            "s",
            "--ref",
            short,
        ],
    ];
    for args in cases {
        let mut v = vec!["--store", "b"];
        v.extend_from_slice(args);
        let r = fails(c.path(), &v, 2, "too short to sign about");
        assert!(r.stderr.contains(short), "{}", r.stderr);
        assert!(r.stderr.contains("at least 12"), "{}", r.stderr);
        assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    }
    let r = hotline(c.path(), &["--store", "b", "ack", short, "--json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("too short to sign about"),
        "{}",
        r.stdout
    );
    assert_eq!(c.journal("b"), before, "a refused command wrote something");
    // Reading needs no more than before; 12 digits sign.
    c.b(&["show", &notice[..4]]);
    c.b(&["ack", &notice[..12]]);
    assert_ne!(c.journal("b"), before);
}

#[test]
fn signing_commands_echo_the_entry_an_id_named() {
    let (c, notice) = channel_with_notice();
    let r = c.b(&["ack", &notice[..12]]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with(&format!(
            "acknowledging alpha's notice {}: \"Data left\" (initial high, INC-",
            &notice[..12]
        )),
        "{}",
        r.stdout
    );
    assert!(lines[1].starts_with("signed ack "), "{}", r.stdout);

    let v = c
        .b(&["respond", &notice, "--text", "Looking.", "--json"])
        .json();
    let t = &v["targets"][0];
    assert_eq!(t["role"], "to", "{v}");
    assert_eq!(t["id"], notice.as_str(), "{v}");
    assert_eq!(t["author"], "alpha", "{v}");
    assert_eq!(t["kind"], "notice", "{v}");
    assert_eq!(t["summary"], "Data left", "{v}");
    assert_eq!(v["targets"].as_array().unwrap().len(), 1, "{v}");

    // A commitment names the term of each definition it cites, and nothing when it cites none.
    let def = entry_id(&c.a(&["define", "major incident", "--text", "…", "--json"]));
    let r = c.a(&["commit", "Notify", "--text", "We do.", "--cites", &def]);
    assert!(
        r.stdout.starts_with(&format!(
            "citing alpha's definition {}: \"major incident\"\n",
            &def[..12]
        )),
        "{}",
        r.stdout
    );
    let v = c.a(&["commit", "Other", "--text", "x", "--json"]).json();
    assert_eq!(v["targets"], serde_json::json!([]), "{v}");
}

/// `.pub` files whose key is an encoding with y ≥ 2^255 − 19: y = p, the identity as y = p + 1,
/// y = p + 1 with the sign bit, and y = p + 3 (a point of large order, the same point as y = 3).
#[test]
fn a_pub_file_with_a_non_canonical_key_is_refused() {
    let c = Channel::new();
    for (i, key) in [
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ]
    .into_iter()
    .enumerate()
    {
        let file = format!("odd{i}.pub");
        std::fs::write(
            c.path().join(&file),
            format!("hotline public key v1\nname: odd\nkey: {key}\n"),
        )
        .unwrap();
        let store = format!("s{i}");
        let r = fails(
            c.path(),
            &[
                "--store",
                &store,
                "channel",
                "create",
                "x",
                "--key",
                "alpha.key",
                "--party",
                &file,
            ],
            2,
            "not canonical",
        );
        assert!(r.stderr.contains(&file), "{}", r.stderr);
        assert!(!c.path().join(&store).join("journal").exists());
        fails(
            c.path(),
            &[
                "verify",
                "invite.bundle",
                "--trust",
                "alpha.pub",
                "--trust",
                &file,
            ],
            2,
            "not canonical",
        );
    }
    // The canonical encoding of the y = p + 3 point is canonical, but the point is not in the
    // prime-order subgroup: refused too, saying why.
    let three = format!("03{}", "00".repeat(31));
    std::fs::write(
        c.path().join("three.pub"),
        format!("hotline public key v1\nname: three\nkey: {three}\n"),
    )
    .unwrap();
    fails(
        c.path(),
        &run::create_args("s9", "x", "alpha.key", "three.pub"),
        2,
        "small-order component",
    );
}

#[test]
fn names_are_signed_in_nfc_and_refused_when_invisible_or_mixed() {
    let c = Channel::new();
    let before = c.journal("a");
    // A zero-width joiner inside a term: refused before anything is signed.
    let r = fails(
        c.path(),
        &[
            "--store",
            "a",
            "define",
            "major\u{200d}incident",
            "--text",
            "x",
        ],
        2,
        "the term holds U+200D at position 5, a default-ignorable code point",
    );
    assert!(r.stderr.contains("\nhint: remove it"), "{}", r.stderr);
    // A direction override in a title, a Cyrillic letter in an incident id.
    fails(
        c.path(),
        &[
            "--store",
            "a",
            "commit",
            "No attacks on \u{202e}slatipsoh",
            "--text",
            "x",
        ],
        2,
        "the title holds U+202E at position 14",
    );
    let r = fails(
        c.path(),
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "high",
            "--category",
            "exfiltration",
            "--summary",
            "s",
            "--incident",
            "\u{410}LPHA-1",
        ],
        2,
        "--incident mixes scripts: U+004C at position 1 is Latin, after text in Cyrillic",
    );
    assert!(
        r.stderr.contains("\nhint: write it in one script"),
        "{}",
        r.stderr
    );
    assert_eq!(c.journal("a"), before, "nothing was written");

    // A term typed in NFD (e, then U+0301) is signed in NFC.
    let id = entry_id(&c.a(&["define", "de\u{301}ni de service", "--text", "x", "--json"]));
    let log = c.a(&["log", "--json"]).json();
    let row = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["summary"], "defines \"d\u{e9}ni de service\"");
    c.a(&["verify"]);
}

#[test]
fn supersedes_only_the_signers_own_definition_of_the_same_term() {
    let c = Channel::new();
    let def = entry_id(&c.a(&["define", "major incident", "--text", "One.", "--json"]));
    c.send("a", "b");
    let before = c.journal("b");
    let r = fails(
        c.path(),
        &[
            "--store",
            "b",
            "define",
            "major incident",
            "--text",
            "Mine.",
            "--supersedes",
            &def[..12],
        ],
        2,
        &format!(
            "--supersedes {} is alpha's entry: a party supersedes only its own entries",
            &def[..12]
        ),
    );
    assert!(
        r.stderr
            .contains("\nhint: answer it with `hotline respond`"),
        "{}",
        r.stderr
    );
    assert_eq!(c.journal("b"), before, "nothing was written");

    let before = c.journal("a");
    let r = fails(
        c.path(),
        &[
            "--store",
            "a",
            "define",
            "minor incident",
            "--text",
            "Two.",
            "--supersedes",
            &def[..12],
        ],
        2,
        "defines \"major incident\", not \"minor incident\": a definition supersedes only one of the same term",
    );
    assert!(
        r.stderr.contains("give the term \"major incident\""),
        "{}",
        r.stderr
    );
    assert_eq!(c.journal("a"), before, "nothing was written");

    // Its own definition of the same term: signed, and the store verifies clean.
    c.a(&[
        "define",
        "major incident",
        "--text",
        "Two.",
        "--supersedes",
        &def[..12],
    ]);
    c.a(&["verify"]);
}

/// Alpha, through the library, signs a second entry at the seq of its last one: a fork.
fn alpha_forks(c: &Channel) -> Vec<u8> {
    let store = hotline::store::Store::open_read_only(&c.path().join("a")).unwrap();
    let me = secret(c, "alpha");
    let feed = store.feed(&me.party()).unwrap();
    let prev = &feed[feed.len() - 2];
    let head = hotline::chain::Head {
        seq: prev.header().seq,
        id: prev.id().unwrap(),
        time: prev.header().time,
    };
    let body = hotline::Body::Definition(hotline::entry::Definition {
        term: "the other story".into(),
        text: "told to beta only".into(),
        supersedes: None,
    });
    let (e, _) = hotline::chain::sign_next(
        &me,
        me.party(),
        store.channel(),
        Some(&head),
        feed.last().unwrap().header().time,
        prev.header().views.clone(),
        &body,
    )
    .unwrap();
    e.encode().unwrap()
}

#[test]
fn a_refused_import_names_the_evidence_it_kept_in_quarantine() {
    let c = Channel::new();
    c.a(&["define", "one", "--text", "first"]);
    c.a(&["define", "two", "--text", "second"]);
    c.send("a", "b");
    // A bundle holding alpha's fork of its last entry and an entry with a broken signature.
    let fork = alpha_forks(&c);
    let (charter, mut bad) = {
        // Read-only: no lock, so nothing waits on the one the previous open just released.
        let s = hotline::store::Store::open_read_only(&c.path().join("a")).unwrap();
        (s.charter().clone(), s.entries().unwrap()[1].clone())
    };
    let n = bad.len() - 1;
    bad[n] ^= 0x01;
    let bytes = hotline::bundle::write(&charter, &[fork, bad]).unwrap();
    std::fs::write(c.path().join("refused.bundle"), bytes).unwrap();
    let before = c.journal("b");
    let args = ["--store", "b", "import", "refused.bundle", "--no-receipt"];
    let r = fails(c.path(), &args, 1, "refused, nothing was written");
    assert!(r.stderr.contains("bad-signature"), "{}", r.stderr);
    assert!(r.stderr.contains("kept in quarantine"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("FORK: alpha signed 2 different entries at seq 2"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("re-verified"), "{}", r.stderr);
    assert!(r.stderr.contains("[quarantine/fork-"), "{}", r.stderr);
    assert_eq!(c.journal("b"), before);

    // Again, in JSON: the same evidence, already kept, not kept twice.
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let r = hotline(c.path(), &json_args);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["ok"], false);
    let kept = v["quarantined"].as_array().unwrap();
    assert_eq!(kept.len(), 1, "{v}");
    assert_eq!(kept[0]["kind"], "fork");
    assert_eq!(kept[0]["party"], "alpha");
    assert_eq!(kept[0]["seq"], 2);
    assert_eq!(kept[0]["verified"], true);
    assert_eq!(kept[0]["new"], false);
    let files = std::fs::read_dir(c.path().join("b").join("quarantine"))
        .unwrap()
        .count();
    assert_eq!(files, 1);
    assert_eq!(c.journal("b"), before);

    // The store reports it: `quarantine` lists it, `verify` counts it a problem.
    let r = hotline(c.path(), &["--store", "b", "quarantine", "--json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["quarantine"][0]["name"], kept[0]["name"]);
    assert_eq!(v["quarantine"][0]["verified"], true);
    let r = hotline(c.path(), &["--store", "b", "verify"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("quarantine: 1 piece(s) of evidence"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("FORK: alpha signed"), "{}", r.stdout);
    let r = hotline(c.path(), &["--store", "b", "verify", "--json"]);
    assert_eq!(r.json()["quarantine"][0]["kind"], "fork");
    // Alpha's own store has an empty quarantine, and says so.
    let r = c.a(&["quarantine"]);
    assert!(r.stdout.contains("the quarantine is empty"), "{}", r.stdout);
}

#[test]
fn an_import_prints_a_claimed_time_in_the_future_as_a_warning() {
    let c = Channel::new();
    // Alpha's clock runs two days fast for one entry, signed through the library.
    let ahead = hotline::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 2 * 86_400,
    );
    let sign = |term: &str| {
        let mut store = hotline::store::Store::open(&c.path().join("a")).unwrap();
        let body = hotline::Body::Definition(hotline::entry::Definition {
            term: term.into(),
            text: "x".into(),
            supersedes: None,
        });
        store.append(&secret(&c, "alpha"), &body, ahead).unwrap();
    };
    sign("early");
    c.a(&["export", "--out", "one.bundle"]);
    let r = hotline(
        c.path(),
        &[
            "--store",
            "b",
            "import",
            "one.bundle",
            "--no-receipt",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["kind"] == "future-time" && w["party"] == "alpha"),
        "{v}"
    );
    // In text, for the next such entry.
    sign("earlier still");
    c.a(&["export", "--out", "two.bundle"]);
    let r = c.b(&["import", "two.bundle", "--no-receipt"]);
    assert!(
        r.stdout.contains("warning: claimed time is") && r.stdout.contains("[future-time]"),
        "{}",
        r.stdout
    );
}

/// Every verb of the tool, as it is typed.
const VERBS: [&[&str]; 36] = [
    &["keygen"],
    &["key", "passphrase"],
    &["channel", "create"],
    &["join"],
    &["define"],
    &["commit"],
    &["notify"],
    &["respond"],
    &["ack"],
    &["rotate"],
    &["revoke"],
    &["log"],
    &["show"],
    &["export"],
    &["import"],
    &["verify"],
    &["audit"],
    &["recover"],
    &["repair"],
    &["checkpoint"],
    &["cosign"],
    &["prove"],
    &["verify-proof"],
    &["witness", "request"],
    &["witness", "accept"],
    &["witness", "cosign"],
    &["parties"],
    &["quarantine"],
    &["amend"],
    &["ratify"],
    &["close"],
    &["charter"],
    &["demo"],
    &["help"],
    &[],
    &["frobnicate"],
];

/// The `--long` options of `verb` that take a value, read off its `--help`.
fn options_with_values(dir: &Path, verb: &[&str]) -> Vec<String> {
    let mut args = verb.to_vec();
    args.push("--help");
    let help = hotline(dir, &args).stdout;
    help.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("-h, ").unwrap_or(l);
            let (opt, rest) = l.split_once(' ')?;
            (opt.starts_with("--") && rest.starts_with('<')).then(|| opt.to_owned())
        })
        .collect()
}

/// Run the binary with arguments that need not be UTF-8; it must exit with a documented code
/// (0, 1 or 2), never panic (101).
#[cfg(unix)]
fn run_os(dir: &Path, args: &[std::ffi::OsString]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .current_dir(dir)
        .env("HOTLINE_HOME", dir)
        .env_remove("HOTLINE_STORE")
        .env_remove("HOTLINE_KEY")
        .env_remove("HOTLINE_PASSPHRASE")
        .env_remove("HOTLINE_NEW_PASSPHRASE")
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        [0, 1, 2].contains(&run.code) && !run.stderr.contains("panicked"),
        "{args:?} exited {}: {}",
        run.code,
        run.stderr
    );
    run
}

#[cfg(unix)]
#[test]
fn a_non_utf8_argument_is_a_usage_error_never_a_panic() {
    use std::ffi::{OsStr, OsString};
    use std::os::unix::ffi::OsStrExt;
    let os = |s: &str| OsString::from(s);
    let bad = OsStr::from_bytes(b"n\xffme").to_owned();

    // The case that was reported: exit 2 with clap's message, and JSON when asked for.
    let c = Channel::new();
    let p = c.path();
    let r = run_os(p, &[os("keygen"), bad.clone()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("UTF-8"), "{}", r.stderr);
    let r = run_os(p, &[os("--json"), os("keygen"), bad.clone()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.json()["ok"], false);

    // Every verb, with the argument as a positional, as the store, and as the value of each
    // option it takes, in a store that holds a channel (so a command gets as far as it can).
    let mut runs = 0;
    for verb in VERBS {
        let base: Vec<OsString> = ["--store", "a"]
            .iter()
            .chain(verb.iter())
            .map(|s| os(s))
            .collect();
        let mut cases = vec![
            [&base[..], std::slice::from_ref(&bad)].concat(),
            [&[os("--store"), bad.clone()], &base[2..]].concat(),
            [&[os("--json")], &base[..], std::slice::from_ref(&bad)].concat(),
        ];
        for opt in options_with_values(p, verb) {
            cases.push([&base[..], &[os(&opt), bad.clone()]].concat());
        }
        for args in cases {
            run_os(p, &args);
            runs += 1;
        }
    }
    assert!(
        runs > 150,
        "only {runs} runs: the option lists were not read"
    );
    // None of it signed anything.
    ok(p, &["--store", "a", "verify"]);

    // The key directory from the environment, when it is not UTF-8.
    let r = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["keygen", "gamma"])
        .current_dir(p)
        .env("HOTLINE_HOME", &bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not UTF-8"), "{stderr}");
    assert!(!p.join(&bad).exists());
}

#[test]
fn a_window_must_be_positive_and_is_refused_as_such() {
    let c = Channel::new();
    let notify = |window: &str, flag: &str| {
        fails(
            c.path(),
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
                flag,
                window,
            ],
            2,
            &format!("{flag} {window:?}: a window must be positive"),
        )
    };
    let before = c.journal("a");
    for window in ["-1h", "-90m", "0s", "0h"] {
        let r = notify(window, "--ack-within");
        assert!(!r.stderr.contains("unexpected argument"), "{}", r.stderr);
        notify(window, "--respond-within");
    }
    assert_eq!(c.journal("a"), before, "a refused notice signed nothing");
    // A positive window is accepted.
    c.a(&[
        "notify",
        "--severity",
        "high",
        "--category",
        "c",
        "--summary",
        "s",
        "--ack-within",
        "1h",
    ]);
}

#[test]
fn an_oversize_text_is_reported_with_its_size_and_the_limit() {
    let c = Channel::new();
    let limit = hotline::encoding::MAX_ENCODED_LEN;
    // Just over what an entry can hold (the encoder measures it), and far over (the input
    // reader refuses the file from its length before reading it).
    for len in [limit - 100, 3 * limit] {
        let big = "x".repeat(len);
        std::fs::write(c.path().join("big.txt"), &big).unwrap();
        let r = fails(
            c.path(),
            &["--store", "a", "define", "big", "--file", "big.txt"],
            2,
            "too large",
        );
        assert!(!r.stderr.contains(&usize::MAX.to_string()), "{}", r.stderr);
        let (size, bound) = if len < limit {
            // Encoded: the two lengths, "big", the text, and the absent `supersedes`.
            (
                format!("{} bytes", 8 + 3 + 8 + len + 1),
                format!("at most {limit} bytes"),
            )
        } else {
            (
                format!("{len} bytes"),
                format!("over the {limit}-byte limit"),
            )
        };
        assert!(r.stderr.contains(&size), "{size}: {}", r.stderr);
        assert!(r.stderr.contains(&bound), "{bound}: {}", r.stderr);
    }
}

/// The key a store remembers, left readable by others: the hint says how to fix the mode,
/// not that the key may have moved.
#[cfg(unix)]
#[test]
fn a_remembered_key_readable_by_others_gets_the_chmod_hint() {
    use std::os::unix::fs::PermissionsExt;
    let c = Channel::new();
    let key = c.path().join("alpha.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = fails(
        c.path(),
        &["--store", "a", "define", "t", "--text", "x"],
        2,
        "can be read by other users (mode 644)",
    );
    assert!(r.stderr.contains("hint: chmod 600 "), "{}", r.stderr);
    assert!(r.stderr.contains("alpha.key"), "{}", r.stderr);
    assert!(!r.stderr.contains("moved"), "{}", r.stderr);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    c.a(&["define", "t", "--text", "x"]);
}

/// `hotline notify --severity low --category c --summary S` plus `extra`, in alpha's store.
fn notify_args<'a>(summary: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "--store",
        "a",
        "notify",
        "--severity",
        "low",
        "--category",
        "c",
        "--summary",
        summary,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn times_are_taken_as_now_relative_unix_seconds_or_rfc3339() {
    let c = Channel::new();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let detected = |extra: &[&str]| {
        let mut args = notify_args("s", extra);
        args.push("--json");
        let id = entry_id(&ok(c.path(), &args));
        c.a(&["show", &id, "--json"]).json()["body"]["detected_at"].as_u64()
    };
    let now = detected(&["--detected-at", "now"]).unwrap();
    assert!(now >= before && now <= before + 60, "{now} vs {before}");
    let ago = detected(&["--detected-at", "-90m"]).unwrap();
    assert!(ago + 5_400 >= before && ago + 5_400 <= before + 60, "{ago}");
    assert_eq!(
        detected(&["--detected-at", "1700000000"]),
        Some(1_700_000_000)
    );
    assert_eq!(
        detected(&["--detected-at", "2023-11-14T22:13:20Z"]),
        Some(1_700_000_000)
    );
    fails(
        c.path(),
        &notify_args("s", &["--detected-at", "yesterday"]),
        2,
        "is not a time",
    );
    // The audit judges at a time in any of these forms.
    for at in ["+24h", "now", "1700000000", "2026-03-01T12:00:00Z"] {
        let v = c.a(&["audit", "--at", at, "--json"]).json();
        assert!(v["at"].is_u64(), "{at}: {v}");
    }
    let v = c.a(&["audit", "--at", "1700000000", "--json"]).json();
    assert_eq!(v["at"], 1_700_000_000);
}

#[test]
fn notices_with_empty_fields_or_an_unknown_tlp_label_are_refused() {
    let c = Channel::new();
    let before = c.journal("a");
    fails(
        c.path(),
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "low",
            "--category",
            "",
            "--summary",
            "s",
        ],
        2,
        "`category` must not be empty",
    );
    for (extra, needle) in [
        (
            &["--indicator", "198.51.100.23", "--indicator", " "][..],
            "`indicators` item 1 is empty",
        ),
        (&["--handling", "TLP:PURPLE"][..], "not a TLP 2.0 label"),
        (&["--handling", "tlp:white"][..], "not a TLP 2.0 label"),
    ] {
        let args = notify_args("s", extra);
        fails(c.path(), &args, 2, needle);
    }
    assert_eq!(c.journal("a"), before, "a refused notice wrote nothing");
    for ok_handling in ["TLP:AMBER+STRICT", "TLP:CLEAR", "internal use only", ""] {
        ok(c.path(), &notify_args("s", &["--handling", ok_handling]));
    }
}

#[test]
fn incident_ids_are_unique_and_updates_follow_their_initial_notice() {
    let c = Channel::new();
    // Two notices in the same second get two ids.
    let first = ok(c.path(), &notify_args("one", &["--json"])).json();
    let second = ok(c.path(), &notify_args("two", &["--json"])).json();
    assert_ne!(first["incident"], second["incident"], "{first} {second}");
    assert_eq!(
        first["incident"],
        format!("INC-alpha-{}", first["seq"].as_u64().unwrap())
    );
    let inc = first["incident"].as_str().unwrap().to_owned();
    // An update names its incident, which the signer opened.
    fails(
        c.path(),
        &notify_args("u", &["--stage", "update"]),
        2,
        "name it with --incident",
    );
    fails(
        c.path(),
        &notify_args("u", &["--stage", "update", "--incident", "NEVER-OPENED"]),
        2,
        "no initial notice of incident NEVER-OPENED",
    );
    ok(
        c.path(),
        &notify_args("u", &["--stage", "update", "--incident", &inc]),
    );
    // ... or by referring to the signer's notice that opened it.
    let first_id = first["id"].as_str().unwrap();
    let update = ok(
        c.path(),
        &notify_args("u", &["--stage", "final", "--ref", first_id, "--json"]),
    )
    .json();
    assert_eq!(update["incident"], inc.as_str(), "{update}");
    // An initial notice opens a new incident only.
    fails(
        c.path(),
        &notify_args("again", &["--incident", &inc]),
        2,
        "already open",
    );
    // Another party's incident is not the signer's to update.
    c.send("a", "b");
    let r = hotline(
        c.path(),
        &[
            "--store",
            "b",
            "notify",
            "--severity",
            "low",
            "--category",
            "c",
            "--summary",
            "u",
            "--stage",
            "update",
            "--incident",
            &inc,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no initial notice"), "{}", r.stderr);
    // A default id never repeats one typed by hand.
    let seq = c.a(&["log", "--json"]).json()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["author"] == "alpha")
        .count();
    let typed = format!("INC-alpha-{}", seq + 1);
    ok(c.path(), &notify_args("typed", &["--incident", &typed]));
    let next = ok(c.path(), &notify_args("default", &["--json"])).json();
    assert_eq!(next["incident"], format!("{typed}-2"), "{next}");
}

#[test]
fn notify_echoes_the_incident_and_the_deadlines_that_apply() {
    let c = Channel::new();
    // The default scale's low severity gives 1d to acknowledge; 1h asked for grants nothing.
    let r = ok(c.path(), &notify_args("s", &["--ack-within", "1h"]));
    assert!(r.stdout.contains("incident INC-alpha-"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("the 1h asked for is shorter and grants nothing"),
        "{}",
        r.stdout
    );
    let v = ok(
        c.path(),
        &notify_args("s", &["--ack-within", "30d", "--json"]),
    )
    .json();
    let d = &v["deadlines"];
    assert_eq!(
        d["ack_by"].as_u64().unwrap()
            - c.a(&["show", v["id"].as_str().unwrap(), "--json"]).json()["time"]
                .as_u64()
                .unwrap(),
        30 * 86_400
    );
    assert!(d["policy_ack_within"].as_u64().unwrap() > 0, "{v}");
}

#[test]
fn a_second_ack_or_a_response_to_ones_own_entry_needs_yes() {
    let (c, notice) = channel_with_notice();
    c.b(&["ack", &notice]);
    // Received, then a substantive answer: the usual course, no warning.
    c.b(&["ack", &notice, "--state", "accepted"]);
    let before = c.journal("b");
    for (state, needle) in [
        ("accepted", "the same state again"),
        ("received", "a receipt now adds nothing"),
        ("disputed", "changes your answer to disputed"),
    ] {
        let mut args = vec!["--store", "b", "ack", &notice, "--state", state];
        if state == "disputed" {
            args.extend(["--reason", "no"]);
        }
        fails(c.path(), &args, 2, needle);
        args.push("--dry-run");
        let r = ok(c.path(), &args);
        assert!(
            r.stdout.contains("nothing was signed") && r.stdout.contains(needle),
            "{}",
            r.stdout
        );
    }
    assert_eq!(c.journal("b"), before, "nothing was signed without --yes");
    c.b(&["ack", &notice, "--state", "accepted", "--yes"]);
    assert_ne!(c.journal("b"), before);

    let own = c
        .a(&["respond", &notice, "--text", "t", "--dry-run", "--json"])
        .json();
    assert_eq!(own["dry_run"], true);
    assert!(
        own["warnings"][0].as_str().unwrap().contains("is your own"),
        "{own}"
    );
    fails(
        c.path(),
        &["--store", "a", "respond", &notice, "--text", "t"],
        2,
        "is your own",
    );
    c.a(&["respond", &notice, "--text", "t", "--yes"]);
    // Another party's entry needs no --yes.
    c.b(&["respond", &notice, "--text", "t"]);
}

#[test]
fn a_dash_is_standard_input_and_output() {
    let (c, notice) = channel_with_notice();
    // export --out - writes the bundle alone to stdout, and its report to stderr.
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["--store", "a", "export", "--out", "-"])
        .current_dir(c.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!c.path().join("-").exists(), "no file named -");
    let bundle = out.stdout;
    assert!(
        hotline::bundle::read(&bundle).is_ok(),
        "stdout is the bundle alone"
    );
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(report.contains("wrote standard output"), "{report}");
    // ... and import - and verify - read it from stdin.
    std::fs::write(c.path().join("piped.bundle"), &bundle).unwrap();
    let piped = |file: &str, args: &[&str]| {
        let stdin = std::fs::File::open(c.path().join(file)).unwrap();
        run::hotline_stdin(c.path(), args, &[], stdin)
    };
    let trusted = |verb: &[&'static str]| {
        let mut v = verb.to_vec();
        v.extend(["-", "--trust", "alpha.pub", "--trust", "beta.pub"]);
        v
    };
    let r = piped("piped.bundle", &trusted(&["verify"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = piped(
        "piped.bundle",
        &["--store", "b", "import", "-", "--no-receipt", "--json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.json()["already_held"].as_u64().unwrap() > 0);
    // prove --out - gives the proof on stdout, which verify-proof - reads back.
    c.b(&["ack", &notice]);
    c.send("b", "a");
    c.a(&["checkpoint"]);
    c.send("a", "b");
    c.b(&["cosign"]);
    c.send("b", "a");
    let proof = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["--store", "a", "prove", &notice, "--out", "-"])
        .current_dir(c.path())
        .output()
        .unwrap();
    assert!(
        proof.status.success(),
        "{}",
        String::from_utf8_lossy(&proof.stderr)
    );
    assert!(!c.path().join("-").exists());
    std::fs::write(c.path().join("piped.proof"), &proof.stdout).unwrap();
    let r = piped("piped.proof", &trusted(&["verify-proof"]));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // verify-proof says what was proven: the entry's signed content.
    assert!(
        r.stdout.contains("what the entry says:") && r.stdout.contains("summary   Data left"),
        "{}",
        r.stdout
    );
    let v = piped("piped.proof", &trusted(&["--json", "verify-proof"])).json();
    assert_eq!(v["body"]["summary"], "Data left", "{v}");
    assert_eq!(v["body"]["category"], "exfiltration", "{v}");
}

#[test]
fn an_auditor_reads_log_and_show_of_a_bundle_with_the_same_checks_as_verify() {
    let (c, notice) = channel_with_notice();
    c.b(&["ack", &notice, "--state", "accepted"]);
    c.send("b", "a");
    ok(c.path(), &["--store", "a", "export", "--out", "all.bundle"]);
    fn with<'a>(verb: &[&'a str]) -> Vec<&'a str> {
        let mut v = verb.to_vec();
        v.extend_from_slice(&["--trust", "alpha.pub", "--trust", "beta.pub"]);
        v
    }
    // The bundle's log is the store's log, row for row.
    let store_log = c.a(&["log"]).stdout;
    let bundle_log = ok(c.path(), &with(&["log", "all.bundle"])).stdout;
    assert_eq!(bundle_log, store_log);
    let j = ok(c.path(), &with(&["log", "all.bundle", "--json"])).json();
    assert_eq!(j, c.a(&["log", "--json"]).json());
    // show, by a prefix, with every signed field of the notice.
    let shown = ok(
        c.path(),
        &with(&["show", &notice[..8], "all.bundle", "--json"]),
    )
    .json();
    assert_eq!(shown["id"], notice.as_str(), "{shown}");
    assert_eq!(shown["body"]["summary"], "Data left");
    assert_eq!(shown, c.a(&["show", &notice, "--json"]).json());
    let text = ok(c.path(), &with(&["show", &notice, "all.bundle"])).stdout;
    assert!(text.contains("accepted"), "{text}");
    assert!(text.contains("whichever is later"), "{text}");
    // hotline charter of the bundle is the store's.
    assert_eq!(
        ok(c.path(), &with(&["charter", "all.bundle", "--json"])).json(),
        c.a(&["charter", "--json"]).json()
    );
    // A charter shows its charter, not null.
    let charter_id = j["entries"][0]["id"].as_str().unwrap().to_owned();
    let ch = ok(
        c.path(),
        &with(&["show", &charter_id, "all.bundle", "--json"]),
    )
    .json();
    assert_eq!(ch["body"]["parties"][0]["name"], "alpha", "{ch}");

    // Without every party's key: refused, as verify refuses.
    fails(
        c.path(),
        &["log", "all.bundle", "--trust", "alpha.pub"],
        1,
        "not among the --trust keys",
    );
    fails(
        c.path(),
        &["log", "all.bundle"],
        2,
        "needs the parties' public keys",
    );
    fails(
        c.path(),
        &[
            "show",
            "zz",
            "all.bundle",
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
        ],
        2,
        "not an entry id",
    );

    // A bundle that fails verification is listed with its errors first, and exits 1.
    let bytes = std::fs::read(c.path().join("all.bundle")).unwrap();
    let parsed = hotline::bundle::read(&bytes).unwrap();
    let mut entries = parsed.entries.clone();
    let mut e = hotline::SignedEntry::decode(&entries[2]).unwrap();
    e.signature[10] ^= 1;
    entries[2] = e.encode().unwrap();
    let bad = hotline::bundle::write(&parsed.charter, &entries).unwrap();
    std::fs::write(c.path().join("bad.bundle"), bad).unwrap();
    let r = hotline(c.path(), &with(&["log", "bad.bundle"]));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("WARNING: this bundle FAILED verification"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("bad-signature"), "{}", r.stdout);
    let r = hotline(c.path(), &with(&["log", "bad.bundle", "--json"]));
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["ok"], false, "the exit status and ok agree");
    assert_eq!(r.json()["verification"]["ok"], false);
}

#[test]
fn completions_and_man_pages_cover_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let verbs = [
        "notify",
        "ack",
        "log",
        "show",
        "verify",
        "audit",
        "completions",
        "man",
    ];
    let bash = ok(p, &["completions", "bash"]).stdout;
    for v in verbs {
        assert!(bash.contains(v), "bash completion lacks {v}");
    }
    std::fs::write(p.join("hotline.bash"), &bash).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(p.join("hotline.bash"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        ok(p, &["completions", "zsh"])
            .stdout
            .starts_with("#compdef hotline")
    );
    assert!(
        ok(p, &["completions", "fish"])
            .stdout
            .contains("complete -c hotline")
    );
    fails(p, &["completions", "tcsh"], 2, "invalid value");

    assert!(ok(p, &["man"]).stdout.contains(".TH hotline 1"));
    let r = ok(p, &["man", "--dir", "man1", "--json"]).json();
    let pages: Vec<&str> = r["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for v in verbs {
        let name = format!("hotline-{v}.1");
        assert!(pages.contains(&name.as_str()), "no {name} in {pages:?}");
        let roff = std::fs::read_to_string(p.join("man1").join(&name)).unwrap();
        assert!(roff.contains(&format!(".TH hotline-{v} 1")), "{roff}");
    }
    // The witness sub-commands have pages of their own.
    assert!(
        pages.iter().any(|n| n.starts_with("hotline-witness-")),
        "{pages:?}"
    );
}

#[test]
fn log_and_audit_filters_choose_what_is_listed() {
    let (c, first) = channel_with_notice();
    let second = c.notice("high", "Second");
    c.send("a", "b");
    // beta's answers to the first notice view alpha's feed with the second: its evidence of
    // holding both.
    c.b(&["ack", &first, "--state", "accepted"]);
    c.b(&["respond", &first, "--text", "Hosts taken down."]);
    c.send("b", "a");
    let ids = |r: Run| -> Vec<String> {
        r.json()["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let log = |extra: &[&str]| {
        let mut v = vec!["--store", "a", "log", "--json"];
        v.extend_from_slice(extra);
        ids(ok(c.path(), &v))
    };
    // show names the responses to an entry, with their text.
    let shown = c.a(&["show", &first]).stdout;
    assert!(
        shown.contains("response  by beta at ") && shown.contains("Hosts taken down."),
        "{shown}"
    );
    let j = c.a(&["show", &first, "--json"]).json();
    assert_eq!(j["responses"][0]["text"], "Hosts taken down.");
    let all = log(&[]);
    let notices = log(&["--kind", "notice"]);
    assert_eq!(notices, vec![first.clone(), second.clone()]);
    let incident = c.a(&["show", &first, "--json"]).json()["body"]["incident"]
        .as_str()
        .unwrap()
        .to_owned();
    let of_first = log(&["--incident", &incident]);
    assert_eq!(
        of_first.len(),
        3,
        "the notice, beta's ack and response: {of_first:?}"
    );
    assert_eq!(of_first[0], first);
    let betas = log(&["--party", "beta"]);
    assert!(!betas.is_empty() && betas.iter().all(|id| !notices.contains(id)));
    assert_eq!(
        log(&["--party", "beta", "--kind", "ack", "--state", "accepted"]).len(),
        1
    );
    assert_eq!(log(&["--last", "2"]), all[all.len() - 2..].to_vec());
    assert!(log(&["--since", "+1d"]).is_empty());
    assert_eq!(log(&["--until", "+1d"]), all);
    let text = c.a(&["log", "--since", "+1d"]).stdout;
    assert_eq!(text, "(no entries pass the filters)\n");
    fails(
        c.path(),
        &["--store", "a", "log", "--kind", "nope"],
        2,
        "is not a kind",
    );
    fails(
        c.path(),
        &["--store", "a", "log", "--party", "gamma"],
        2,
        "not a party",
    );
    fails(
        c.path(),
        &["--store", "a", "log", "--state", "maybe"],
        2,
        "maybe",
    );

    let audit = |extra: &[&str]| {
        let mut v = vec!["--store", "a", "audit", "--json"];
        v.extend_from_slice(extra);
        // Exit 1 when a deadline was missed, anywhere in the channel.
        let r = hotline(c.path(), &v);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        let j = r.json();
        assert_eq!(r.code == 0, j["missed"] == 0, "{j}");
        let listed: Vec<String> = j["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        (listed, j)
    };
    assert_eq!(audit(&[]).0, vec![first.clone(), second.clone()]);
    // Now: the second notice's acknowledgement is still due; the first is answered.
    assert_eq!(audit(&["--open"]).0, vec![second.clone()]);
    assert!(audit(&["--missed"]).0.is_empty());
    // A month on, the second notice's deadlines are missed; the totals stay the channel's.
    let (missed, j) = audit(&["--missed", "--at", "+30d"]);
    assert_eq!(missed, vec![second.clone()]);
    assert_eq!(j["notices_total"], 2);
    assert!(j["missed"].as_u64().unwrap() >= 1);
    // Only alpha sent notices: alpha owes nothing, beta owes both.
    assert!(audit(&["--party", "alpha"]).0.is_empty());
    let (bs, j) = audit(&["--party", "beta"]);
    assert_eq!(bs.len(), 2);
    assert!(
        j["notices"][0]["receivers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["party"] == "beta")
    );
    let text = c.a(&["audit", "--open"]).stdout;
    assert!(text.contains("(the filters chose 1 of 2 notices"), "{text}");
}

#[test]
fn status_shows_the_channel_the_feeds_and_what_needs_attention() {
    let (c, first) = channel_with_notice();
    let quiet = c.a(&["status"]).stdout;
    assert!(quiet.contains("party     alpha (you) key "), "{quiet}");
    assert!(quiet.contains("party     beta key "), "{quiet}");
    assert!(quiet.contains("(alpha's, key "), "{quiet}");
    // beta holds the notice but has signed nothing about it: no evidence of delivery.
    assert!(quiet.contains("no evidence of delivery yet"), "{quiet}");
    let second = c.notice("high", "Second");
    c.send("a", "b");
    // beta's ack of the first views alpha's feed with the second: the second's
    // acknowledgement is now due, within the policy's 4 hours.
    c.b(&["ack", &first, "--state", "disputed", "--reason", "not us"]);
    c.send("b", "a");
    let v = c.a(&["status", "--json"]).json();
    let due = v["attention"]["due_soon"].as_array().unwrap();
    assert!(
        due.iter()
            .any(|d| d["notice"] == second.as_str() && d["what"] == "acknowledge"),
        "{v}"
    );
    assert_eq!(v["attention"]["disputes"], 1);
    assert_eq!(v["channel"]["in_effect"], true);
    let alpha = &v["parties"][0];
    assert_eq!(alpha["you"], true);
    assert_eq!(alpha["entries"], 3, "charter and two notices: {v}");
    let text = c.a(&["status"]).stdout;
    assert!(
        text.contains("due within 24h") && text.contains("1 dispute(s)"),
        "{text}"
    );
    assert!(text.contains("beta must acknowledge"), "{text}");
}

#[test]
fn sync_sends_only_what_the_peer_has_not_signed_for() {
    let (c, first) = channel_with_notice();
    c.b(&["ack", &first]);
    c.send("b", "a");
    // beta's ack views alpha's feed with the first notice: a sync leaves all that out.
    let second = c.notice("low", "Second");
    let v = c.a(&["sync", "--out", "s.bundle", "--json"]).json();
    assert_eq!(v["peer"], "beta", "the only other party: {v}");
    assert_eq!(v["entries"], 1, "{v}");
    let b = hotline::bundle::read(&std::fs::read(c.path().join("s.bundle")).unwrap()).unwrap();
    let id = hotline::SignedEntry::decode(&b.entries[0])
        .unwrap()
        .id()
        .unwrap();
    assert_eq!(id.to_string(), second);
    let r = c
        .b(&["import", "s.bundle", "--no-receipt", "--json"])
        .json();
    assert_eq!(
        (r["new_entries"].as_u64(), r["already_held"].as_u64()),
        (Some(1), Some(0))
    );
    // beta imported the second notice without signing anything since, so a second sync
    // sends it again; beta's import would count it as already held.
    let again = c
        .a(&["sync", "--peer", "beta", "--out", "s2.bundle", "--json"])
        .json();
    assert_eq!(again["entries"], 1, "{again}");
    fails(
        c.path(),
        &[
            "--store", "a", "sync", "--peer", "gamma", "--out", "x.bundle",
        ],
        2,
        "not a party",
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_no_spinner_when_piped() {
    let c = Channel::new();
    ok(c.path(), &["--store", "a", "export", "--out", "all.bundle"]);
    let verify = |extra: &[&str]| {
        let mut v = vec![
            "verify",
            "all.bundle",
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
        ];
        v.extend_from_slice(extra);
        ok(c.path(), &v).stdout
    };
    // Piped, as here: plain, whatever NO_COLOR says.
    assert!(!verify(&[]).contains('\u{1b}'));
    let always = verify(&["--color", "always"]);
    assert!(always.contains("\u{1b}[32;1mOK:\u{1b}[0m"), "{always:?}");
    assert!(!verify(&["--color", "never"]).contains('\u{1b}'));
    // JSON is never coloured.
    assert!(!verify(&["--color", "always", "--json"]).contains('\u{1b}'));
    // A failure is red; a signed word that looks like a verdict stays plain.
    c.a(&[
        "notify",
        "--severity",
        "low",
        "--category",
        "c",
        "--summary",
        "all OK",
    ]);
    let log = c.a(&["log", "--color", "always"]).stdout;
    assert!(log.contains("all OK") && !log.contains('\u{1b}'), "{log:?}");
    let audit = hotline(
        c.path(),
        &["--store", "a", "audit", "--at", "+30d", "--color", "always"],
    );
    // Not delivered: undetermined, in yellow after its label; the summary's "OK" plain.
    assert!(
        audit
            .stdout
            .contains("acknowledge-by: \u{1b}[33;1mUNDETERMINED\u{1b}[0m"),
        "{:?}",
        audit.stdout
    );
    assert!(audit.stdout.contains("]: all OK\n"), "{:?}", audit.stdout);

    // A bundle large enough for the spinner: none on a stderr that is not a terminal.
    let (charter, entries) = hotline::example::synthetic(12_000).unwrap();
    let big = hotline::bundle::write(&charter, &entries).unwrap();
    assert!(big.len() > 4 << 20);
    std::fs::write(c.path().join("big.bundle"), &big).unwrap();
    // Its parties' public key files (the synthetic channel's test keys), over the channel's.
    let mut args = vec!["verify".to_owned(), "big.bundle".to_owned()];
    for p in &charter.parties {
        let f = format!("{}.pub", p.name);
        let mut pk = hotline::example::test_key(&p.name).public();
        pk.next = Some(p.next);
        std::fs::write(c.path().join(&f), pk.to_file_text()).unwrap();
        args.extend(["--trust".to_owned(), f]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = hotline(c.path(), &args);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{:?}", r.stderr);
}

#[test]
fn prove_of_an_own_entry_with_no_cosigned_checkpoint_does_this_sides_part() {
    let (c, notice) = channel_with_notice();
    let r = hotline(
        c.path(),
        &["--store", "a", "prove", &notice, "--out", "n.proof"],
    );
    assert_eq!(r.code, 1, "not written yet: {}{}", r.stdout, r.stderr);
    assert!(!c.path().join("n.proof").exists());
    assert!(
        r.stdout.contains("signed a checkpoint of alpha's feed"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("send n.cosign.bundle to beta"),
        "{}",
        r.stdout
    );
    // The rest is one command on each side, run exactly as the message quotes them: beta's,
    // then alpha's.
    let quoted = quoted_commands(&r.stdout);
    assert_eq!(quoted.len(), 2, "{}", r.stdout);
    assert_eq!(
        quoted[0][..2],
        ["import", "n.cosign.bundle"],
        "{}",
        r.stdout
    );
    // alpha's own command names its store, as this one did.
    assert_eq!(quoted[1][..3], ["--store", "a", "prove"], "{}", r.stdout);

    // Asked again before beta has answered: still no proof, since verify-proof would refuse
    // one without beta's cosignature.
    let again = hotline(
        c.path(),
        &["--store", "a", "prove", &notice, "--out", "n.proof"],
    );
    assert_eq!(again.code, 1, "{}{}", again.stdout, again.stderr);
    assert!(!c.path().join("n.proof").exists(), "{}", again.stdout);
    assert!(
        again.stdout.contains("is cosigned by beta yet"),
        "{}",
        again.stdout
    );

    let beta: Vec<&str> = quoted[0].iter().map(String::as_str).collect();
    let replied = c.b(&beta);
    assert!(
        replied
            .stdout
            .contains("alpha: cosigned its checkpoint at size"),
        "{}",
        replied.stdout
    );
    assert!(
        !replied.stdout.contains("Next: export"),
        "{}",
        replied.stdout
    );
    let alpha: Vec<&str> = quoted[1].iter().map(String::as_str).collect();
    let proved = ok(c.path(), &alpha);
    assert!(
        proved.stdout.contains("cosigned by beta at"),
        "{}",
        proved.stdout
    );
    ok(
        c.path(),
        &[
            "verify-proof",
            "n.proof",
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
        ],
    );
    // Run again, the proof is not overwritten, and the refusal comes before any import.
    fails(c.path(), &alpha, 2, "n.proof exists; nothing was imported");
    // Another party's entry: its author has to do that part.
    let ack = entry_id(&c.b(&["ack", &notice, "--json"]));
    c.send("b", "a");
    fails(
        c.path(),
        &["--store", "a", "prove", &ack, "--out", "ack.proof"],
        2,
        "no checkpoint of beta's feed",
    );
}

#[test]
fn sync_sends_the_fork_evidence_the_peer_lacks() {
    let c = Channel::new();
    c.a(&["define", "one", "--text", "first"]);
    c.a(&["define", "two", "--text", "second"]);
    c.send("a", "b");
    // A copy of alpha's key signs another entry at alpha's last seq, and beta gets it.
    let fork = alpha_forks(&c);
    let fork_id = hotline::SignedEntry::decode(&fork).unwrap().id().unwrap();
    let charter = hotline::store::Store::open_read_only(&c.path().join("a"))
        .unwrap()
        .charter()
        .clone();
    let bytes = hotline::bundle::write(&charter, &[fork]).unwrap();
    std::fs::write(c.path().join("fork.bundle"), bytes).unwrap();
    let r = hotline(
        c.path(),
        &["--store", "b", "import", "fork.bundle", "--no-receipt"],
    );
    assert!(r.stdout.contains("FORK"), "{}{}", r.stdout, r.stderr);
    // beta's views of alpha's feed match one branch, but the other is what alpha lacks.
    c.b(&["sync", "--peer", "alpha", "--out", "s.bundle"]);
    let sent = hotline::bundle::read(&std::fs::read(c.path().join("s.bundle")).unwrap()).unwrap();
    let ids: Vec<hotline::EntryId> = sent
        .entries
        .iter()
        .map(|e| hotline::SignedEntry::decode(e).unwrap().id().unwrap())
        .collect();
    assert!(
        ids.contains(&fork_id),
        "the fork entry is sent back to alpha"
    );
    let r = hotline(
        c.path(),
        &["--store", "a", "import", "s.bundle", "--no-receipt"],
    );
    assert!(
        r.stdout.contains("NOT SIGNED HERE"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    fails(
        c.path(),
        &[
            "--store", "b", "sync", "--peer", "beta", "--out", "x.bundle",
        ],
        2,
        "this store's own party",
    );
}

#[test]
fn a_founders_free_text_cannot_forge_lines_of_the_charter_a_joiner_reads() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha"]);
    ok(p, &["keygen", "beta"]);
    let role = "poc\n  mallory   key 0000000000000000  role point-of-contact  (founder)";
    let mut args = run::create_args("a", "ab", "alpha.key", "beta.pub").to_vec();
    args.extend(["--role", role]);
    ok(p, &args);
    ok(p, &["--store", "a", "export", "--out", "invite.bundle"]);
    // Off a terminal, without --trust: the charter is shown and nothing is written.
    let r = hotline(
        p,
        &["--store", "b", "join", "invite.bundle", "--key", "beta.key"],
    );
    assert!(
        !r.stdout
            .lines()
            .chain(r.stderr.lines())
            .any(|l| l.trim_start().starts_with("mallory")),
        "{}{}",
        r.stdout,
        r.stderr
    );
    assert!(r.stdout.contains("poc\\n  mallory") || r.stderr.contains("poc\\n  mallory"));
    // And a detection time in the future is refused before anything is signed.
    fails(
        p,
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "low",
            "--category",
            "c",
            "--summary",
            "s",
            "--detected-at",
            "+1d",
        ],
        2,
        "is in the future",
    );
}

/// An invitation verifies clean (nothing signed is wrong), but the verdict says the channel is
/// not in effect and who has not accepted, in text and JSON alike; once beta joins, it is.
#[test]
fn verify_of_an_invitation_says_the_channel_is_not_in_effect_and_who_is_awaited() {
    let dir = invited();
    let p = dir.path();
    let trust = [
        "verify",
        "invite.bundle",
        "--trust",
        "alpha.pub",
        "--trust",
        "beta.pub",
    ];
    let r = ok(p, &trust);
    assert!(
        r.stdout
            .contains("OK: 1 entries checked, 0 error(s), 0 warning(s); not in effect: beta has not accepted the charter"),
        "{}",
        r.stdout
    );
    let json: Vec<&str> = trust.iter().copied().chain(["--json"]).collect();
    let v: serde_json::Value = serde_json::from_str(&ok(p, &json).stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["in_effect"], false);
    assert_eq!(v["awaiting"], serde_json::json!(["beta"]));

    ok(
        p,
        &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
    );
    ok(p, &["--store", "b", "export", "--out", "joined.bundle"]);
    let r = ok(
        p,
        &[
            "verify",
            "joined.bundle",
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
        ],
    );
    assert!(!r.stdout.contains("not in effect"), "{}", r.stdout);
    assert!(r.stdout.contains("OK: 2 entries checked"), "{}", r.stdout);
}

/// The commands a message quotes between backticks that start with `hotline `, as arguments.
fn quoted_commands(text: &str) -> Vec<Vec<String>> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|cmd| cmd.strip_prefix("hotline "))
        .map(|cmd| cmd.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// With three parties, `prove` writes a request for each other party and quotes one command
/// for each (naming the owner with --peer, each with its own reply) and one for the owner
/// that imports both replies; run exactly as quoted, they give a proof that verify-proof
/// accepts with all three keys. `--reply` without `--peer`, or onto an existing file, is
/// refused before anything is imported.
#[test]
fn a_witnessed_proof_among_three_parties_runs_as_prove_quotes_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for n in ["alpha", "beta", "gamma"] {
        ok(p, &["keygen", n, "--dir", "."]);
    }
    ok(
        p,
        &[
            "--store",
            "a",
            "channel",
            "create",
            "abg",
            "--key",
            "alpha.key",
            "--party",
            "beta.pub",
            "--party",
            "gamma.pub",
        ],
    );
    ok(p, &["--store", "a", "export", "--out", "invite.bundle"]);
    for (s, k) in [("b", "beta.key"), ("g", "gamma.key")] {
        ok(p, &run::join_args(s, "invite.bundle", k, "alpha.pub"));
        ok(
            p,
            &["--store", s, "export", "--out", "joined.bundle", "--force"],
        );
        ok(p, &["--store", "a", "import", "joined.bundle"]);
    }
    let notice = ok(
        p,
        &[
            "--store",
            "a",
            "--json",
            "notify",
            "--severity",
            "high",
            "--summary",
            "s",
            "--category",
            "c",
        ],
    )
    .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let asked = hotline(p, &["--store", "a", "prove", &notice, "--out", "n.proof"]);
    assert_eq!(asked.code, 1, "{}{}", asked.stdout, asked.stderr);
    let quoted = quoted_commands(&asked.stdout);
    assert_eq!(quoted.len(), 3, "{}", asked.stdout);

    // beta's command without its --peer: refused before the import, which can then run.
    let mut no_peer: Vec<&str> = vec!["--store", "b"];
    no_peer.extend(quoted[0].iter().map(String::as_str).take(5));
    assert_eq!(
        no_peer[2..],
        [
            "import",
            "n.beta.cosign.bundle",
            "--cosign",
            "--reply",
            "back.beta.bundle"
        ]
    );
    let before = std::fs::read(p.join("b").join("journal")).ok();
    fails(
        p,
        &no_peer,
        2,
        "more than one other party; nothing was imported",
    );
    assert_eq!(std::fs::read(p.join("b").join("journal")).ok(), before);

    for (store, cmd) in [("b", &quoted[0]), ("g", &quoted[1])] {
        let mut args = vec!["--store", store];
        args.extend(cmd.iter().map(String::as_str));
        let r = ok(p, &args);
        assert!(
            r.stdout.contains("alpha: cosigned its checkpoint"),
            "{}",
            r.stdout
        );
        // Asked again, the reply file exists: refused before the import.
        fails(p, &args, 2, "the file exists; nothing was imported");
    }
    let own: Vec<&str> = quoted[2].iter().map(String::as_str).collect();
    assert_eq!(
        own.iter().filter(|a| **a == "--import").count(),
        2,
        "{own:?}"
    );
    let r = ok(p, &own);
    assert!(r.stdout.contains("cosigned by beta at"), "{}", r.stdout);
    assert!(r.stdout.contains("gamma at"), "{}", r.stdout);
    ok(
        p,
        &[
            "verify-proof",
            "n.proof",
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
            "--trust",
            "gamma.pub",
        ],
    );
}
