//! Hostile bundles: each is refused with an error that names what is wrong, and the store it
//! was offered to is left byte for byte as it was, through the library and through the
//! binary. The bundles are built from the verify fixtures (`fixtures/channel/*.json`), whose
//! defective entries were signed by the generator, and from byte edits of a valid one.
#![cfg(all(feature = "cli", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

#[path = "support/run.rs"]
mod run;
mod support;

use std::collections::BTreeMap;
use std::path::Path;

use hotline::bundle::{self, BundleError, RecordKind};
use hotline::charter::Charter;
use hotline::entry::{Body, Definition, Timestamp};
use hotline::example::test_key;
use hotline::store::{Store, StoreError};
use run::{copy_dir, hotline};
use support::fixtures::Case;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn case(name: &str) -> (Charter, Vec<Vec<u8>>) {
    let path = root().join(format!("fixtures/channel/{name}.json"));
    let case: Case = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let charter = Charter::decode(&hex::decode(&case.charter).unwrap()).unwrap();
    let entries = case
        .entries
        .iter()
        .map(|e| hex::decode(e).unwrap())
        .collect();
    (charter, entries)
}

/// The valid channel, and how many of its entries the store under attack holds: all but the
/// last (alpha's seq 6), which the defective fixtures replace.
fn valid() -> (Charter, Vec<Vec<u8>>, usize) {
    let (charter, entries) = case("valid");
    let held = entries.len() - 1;
    (charter, entries, held)
}

/// Every file under `dir` (lock files aside) and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            } else if e.file_name() != "lock" {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A store of the valid channel holding all its entries but alpha's last, made through the
/// library and then closed, so that every later open finds it at rest.
fn base_store(dir: &Path) {
    let (charter, entries, held) = valid();
    let mut store = Store::create(dir, &charter).unwrap();
    let bundle = bundle::write(&charter, &entries[..held]).unwrap();
    store.import(&bundle, None).unwrap();
}

/// One hostile bundle and what it must be refused with.
struct Hostile {
    name: &'static str,
    bundle: Vec<u8>,
    /// The library's error, as a test on the `StoreError`.
    lib: fn(&StoreError) -> bool,
    /// What the binary's error must say (besides exiting 1 or 2).
    cli: String,
    /// Findings of this kind: the library's refusal holds them, the binary's error names them.
    refused: Option<&'static str>,
}

impl Hostile {
    /// A bundle the library refuses for findings of `kind`, and the binary's error names.
    fn refused(name: &'static str, bundle: Vec<u8>, kind: &'static str) -> Hostile {
        Hostile {
            name,
            bundle,
            lib: |_| true,
            cli: kind.into(),
            refused: Some(kind),
        }
    }

    /// The library's error is the one expected.
    fn holds(&self, e: &StoreError) -> bool {
        (self.lib)(e) && self.refused.is_none_or(|kind| rejected_for(e, kind))
    }
}

/// A refusal for these findings, and only error-level ones of this kind.
fn rejected_for(e: &StoreError, kind: &str) -> bool {
    match e {
        StoreError::Rejected { findings } => findings
            .iter()
            .any(|f| serde_json::to_value(f.kind).unwrap() == kind),
        _ => false,
    }
}

/// The fixture's bundle: the charter and all its entries, the defective ones included.
fn from_fixture(name: &str) -> Vec<u8> {
    let (charter, entries) = case(name);
    bundle::write(&charter, &entries).unwrap()
}

/// The valid channel's bundle with alpha's last entry replaced by `edit` of it.
fn edited(edit: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let (charter, mut entries, held) = valid();
    edit(&mut entries[held]);
    bundle::write(&charter, &entries).unwrap()
}

/// Byte offsets in an encoded entry (docs/FORMAT.md section 4).
const AUTHOR: usize = 33;
const KEY: usize = 65;

/// The signature's place at the end of a signed entry.
fn signature(entry: &mut [u8]) -> &mut [u8] {
    let len = entry.len();
    &mut entry[len - 64..]
}

/// An encoding of y = p + 3 (p = 2^255 − 19): non-canonical, a large-order point that
/// ed25519-dalek alone decodes as y = 3.
fn p_plus_3() -> [u8; 32] {
    let mut y = [0xff; 32];
    y[0] = 0xf0;
    y[31] = 0x7f;
    y
}

/// The identity point (y = 1), of order 1: the weakest key there is.
fn identity() -> [u8; 32] {
    let mut y = [0; 32];
    y[0] = 1;
    y
}

fn cases() -> Vec<Hostile> {
    let (charter, entries, held) = valid();
    let mut out = vec![
        Hostile {
            name: "unknown entry version",
            bundle: from_fixture("unknown-version"),
            lib: |e| {
                rejected_for(e, "malformed")
                    && e.to_string().contains("unknown entry format version 1")
            },
            cli: "unknown entry format version 1".into(),
            refused: None,
        },
        Hostile {
            name: "trailing bytes after an entry",
            bundle: from_fixture("trailing-bytes"),
            lib: |e| rejected_for(e, "malformed") && e.to_string().contains("1 trailing byte(s)"),
            cli: "1 trailing byte(s)".into(),
            refused: None,
        },
        Hostile {
            name: "a length field claiming 2^40 bytes",
            bundle: from_fixture("oversize-length"),
            lib: |e| {
                rejected_for(e, "malformed")
                    && e.to_string().contains("a length field claims more than")
            },
            cli: "a length field claims more than".into(),
            refused: None,
        },
        Hostile::refused(
            "malleated signature (S + L)",
            from_fixture("malleated-signature"),
            "bad-signature",
        ),
        Hostile::refused(
            "tampered byte",
            from_fixture("tampered-byte"),
            "bad-signature",
        ),
        Hostile::refused(
            "signed with another party's key",
            from_fixture("wrong-key"),
            "bad-signature",
        ),
        Hostile::refused(
            "non-canonical encoding (a set listing one id twice)",
            from_fixture("non-canonical-encoding"),
            "invalid-body",
        ),
        Hostile::refused(
            "an entry of another channel",
            from_fixture("cross-channel-replay"),
            "wrong-channel",
        ),
        Hostile::refused(
            "an entry by a key outside the charter",
            from_fixture("not-a-party"),
            "not-a-party",
        ),
        Hostile::refused(
            "a view of a feed outside the charter",
            from_fixture("invalid-view"),
            "invalid-view",
        ),
        Hostile::refused(
            "an ack state that does not exist",
            from_fixture("invalid-ack-state"),
            "invalid-body",
        ),
        Hostile::refused(
            "a broken hash chain",
            from_fixture("broken-link"),
            "broken-link",
        ),
        // Byte edits of alpha's last entry.
        Hostile::refused(
            "R of small order (the identity)",
            edited(|e| signature(e)[..32].copy_from_slice(&identity())),
            "bad-signature",
        ),
        Hostile::refused(
            "R not canonical (y = p + 3)",
            edited(|e| signature(e)[..32].copy_from_slice(&p_plus_3())),
            "bad-signature",
        ),
        Hostile::refused(
            "S of all ones (S >= L)",
            edited(|e| signature(e)[32..].fill(0xff)),
            "bad-signature",
        ),
        Hostile {
            name: "signing key of small order",
            bundle: edited(|e| e[KEY..KEY + 32].copy_from_slice(&identity())),
            lib: |e| rejected_for(e, "wrong-key") || rejected_for(e, "bad-signature"),
            cli: "alpha".into(),
            refused: None,
        },
        Hostile {
            name: "signing key not canonical (y = p + 3)",
            bundle: edited(|e| e[KEY..KEY + 32].copy_from_slice(&p_plus_3())),
            lib: |e| rejected_for(e, "wrong-key") || rejected_for(e, "bad-signature"),
            cli: "alpha".into(),
            refused: None,
        },
        Hostile::refused(
            "author not canonical (y = p + 3)",
            edited(|e| e[AUTHOR..AUTHOR + 32].copy_from_slice(&p_plus_3())),
            "not-a-party",
        ),
        Hostile::refused(
            "author of small order",
            edited(|e| e[AUTHOR..AUTHOR + 32].copy_from_slice(&identity())),
            "not-a-party",
        ),
    ];

    // Huge counts: alpha's last entry claiming 2^64 - 1 views, and a body claiming 2^60
    // bytes. Both refused as length claims over the limit, before anything is allocated.
    out.push(Hostile {
        name: "a header claiming 2^64 - 1 views",
        bundle: edited(|e| e[145..153].fill(0xff)),
        lib: |e| {
            rejected_for(e, "malformed")
                && e.to_string().contains("a length field claims more than")
        },
        cli: "a length field claims more than".into(),
        refused: None,
    });

    // Bundle-level damage of the valid bundle.
    let good = bundle::write(&charter, &entries).unwrap();
    let mut version = good.clone();
    version[bundle::MAGIC.len()] = bundle::BUNDLE_VERSION + 1;
    out.push(Hostile {
        name: "unknown bundle version",
        bundle: version,
        lib: |e| {
            matches!(
                e,
                StoreError::Bundle(BundleError::UnknownVersion { found: 3 })
            )
        },
        cli: "unknown bundle version 3 at byte offset 8".into(),
        refused: None,
    });
    let mut garbage = good.clone();
    garbage.extend_from_slice(b"garbage after the last record");
    out.push(Hostile {
        name: "trailing garbage after the last record",
        bundle: garbage,
        lib: |e| matches!(e, StoreError::Bundle(BundleError::UnknownKind { .. })),
        cli: format!(
            "record 13 at byte offset {} has unknown kind 103",
            good.len()
        ),
        refused: None,
    });
    // A well-formed record of a kind no version defines, its check value right.
    let mut unknown = good.clone();
    let payload = b"what is this";
    let len = (payload.len() as u32).to_be_bytes();
    unknown.push(99);
    unknown.extend_from_slice(&len);
    unknown.extend_from_slice(payload);
    unknown.extend_from_slice(&bundle::check(99, len, payload));
    out.push(Hostile {
        name: "a record of an unknown kind",
        bundle: unknown,
        lib: |e| matches!(e, StoreError::Bundle(BundleError::UnknownKind { .. })),
        cli: format!(
            "record 13 at byte offset {} has unknown kind 99",
            good.len()
        ),
        refused: None,
    });
    // A second charter record.
    let mut two = good.clone();
    two.extend_from_slice(
        &bundle::record(RecordKind::Charter, &charter.encode().unwrap()).unwrap(),
    );
    out.push(Hostile {
        name: "a second charter record",
        bundle: two,
        lib: |e| matches!(e, StoreError::Bundle(BundleError::SecondCharter { .. })),
        cli: format!(
            "record 13 at byte offset {} is a second charter",
            good.len()
        ),
        refused: None,
    });
    // Another channel: the same parties under another name.
    let mut other = charter.clone();
    other.name.push_str(" (replayed)");
    out.push(Hostile {
        name: "a bundle of another channel",
        bundle: bundle::write(&other, &entries).unwrap(),
        lib: |e| matches!(e, StoreError::WrongChannel { .. }),
        cli: format!("the bundle is for channel {}", other.id().unwrap()),
        refused: None,
    });
    let _ = held;
    out
}

/// Import `bundle` into a copy of the base store through the library and through the binary;
/// return the library's result, the binary's run and the two stores.
fn import_both(
    dir: &Path,
    base: &Path,
    name: &str,
    bundle: &[u8],
) -> (
    Result<hotline::store::ImportReport, StoreError>,
    run::Run,
    std::path::PathBuf,
    std::path::PathBuf,
) {
    let lib = dir.join(format!("{name}-lib"));
    let cli = dir.join(format!("{name}-cli"));
    copy_dir(base, &lib);
    copy_dir(base, &cli);
    let got = Store::open(&lib).unwrap().import(bundle, None);
    let file = dir.join(format!("{name}.bundle"));
    std::fs::write(&file, bundle).unwrap();
    let r = hotline(
        dir,
        &[
            "--store",
            cli.to_str().unwrap(),
            "import",
            file.to_str().unwrap(),
            "--no-receipt",
        ],
    );
    (got, r, lib, cli)
}

/// The store's files other than its quarantine.
fn outside_quarantine(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(dir);
    files.retain(|k, _| !k.starts_with("quarantine"));
    files
}

#[test]
fn a_double_signature_is_refused_and_kept_as_evidence_outside_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    base_store(&base);
    let control = outside_quarantine(&{
        let c = dir.path().join("control");
        copy_dir(&base, &c);
        drop(Store::open(&c).unwrap());
        c
    });
    let (got, r, lib, cli) = import_both(
        dir.path(),
        &base,
        "double",
        &from_fixture("double-signature"),
    );
    let err = got.unwrap_err();
    assert!(rejected_for(&err, "double-signature"), "{err:?}");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("double-signature"), "{}", r.stderr);
    assert!(r.stderr.contains("quarantine"), "{}", r.stderr);
    for store in [&lib, &cli] {
        // The journal and the index are as an open and close leave them; the proof is kept.
        assert_eq!(outside_quarantine(store), control, "{}", store.display());
        let s = Store::open(store).unwrap();
        assert!(!s.quarantine().unwrap().is_empty(), "{}", store.display());
    }
}

#[test]
fn an_entry_given_twice_is_one_entry() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    base_store(&base);
    let (charter, entries, held) = valid();
    let mut twice = entries.clone();
    twice.push(entries[held].clone());
    twice.extend(entries[..held].iter().cloned());
    let bundle = bundle::write(&charter, &twice).unwrap();
    let (got, r, lib, cli) = import_both(dir.path(), &base, "twice", &bundle);
    let report = got.unwrap();
    assert_eq!(report.new_entries, 1, "{report:?}");
    assert_eq!(r.code, 0, "{}", r.stderr);
    for store in [&lib, &cli] {
        let s = Store::open(store).unwrap();
        assert_eq!(s.entries().unwrap(), entries, "{}", store.display());
        assert!(s.verify(Default::default()).unwrap().ok);
    }
}

/// A claimed time at the end of `u64`: only a claim (docs/EVIDENCE.md), so it is imported
/// with the future-time warning, and every command that shows or audits it still works.
#[test]
fn an_absurd_claimed_time_is_imported_with_a_warning_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    base_store(&base);
    // Alpha signs its seq 6 at the end of time, in a copy of the store.
    let scratch = dir.path().join("scratch");
    copy_dir(&base, &scratch);
    let charter = Store::open(&scratch).unwrap().charter().clone();
    let signed = {
        let mut s = Store::open(&scratch).unwrap();
        let body = Body::Definition(Definition {
            term: "forever".into(),
            text: "x".into(),
            supersedes: None,
        });
        s.append(&test_key("alpha"), &body, Timestamp(u64::MAX))
            .unwrap()
    };
    let id = signed.id().unwrap().to_string();
    let entry = signed.encode().unwrap();
    let mut entries = valid().1;
    let held = valid().2;
    entries.truncate(held);
    entries.push(entry);
    let bundle = bundle::write(&charter, &entries).unwrap();
    let (got, r, _lib, cli) = import_both(dir.path(), &base, "absurd", &bundle);
    let report = got.unwrap();
    assert_eq!(report.new_entries, 1);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("[future-time]"), "{}", r.stdout);
    let store = cli.to_str().unwrap();
    for args in [&["log"][..], &["audit"], &["verify"], &["show", &id]] {
        let mut v = vec!["--store", store];
        v.extend_from_slice(args);
        let r = hotline(dir.path(), &v);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
    }
    let r = hotline(dir.path(), &["--store", store, "show", &id]);
    assert!(r.stdout.contains("forever"), "{}", r.stdout);
}

/// An invitation whose charter lists a key of small order, or a non-canonical one, for
/// beta: `join` refuses it, naming the rule, and leaves no store; the library's charter
/// decoder refuses it too.
#[test]
fn an_invitation_with_a_weak_or_non_canonical_party_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let (charter, _, _) = valid();
    for file in ["alpha.pub", "beta.key"] {
        std::fs::copy(root().join("keys").join(file), p.join(file)).unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(p.join("beta.key"), private).unwrap();
    }
    for (name, key, needle) in [
        ("weak", identity(), "weak point of small order"),
        ("noncanonical", p_plus_3(), "not canonical"),
    ] {
        let mut bad = charter.clone();
        bad.parties[1].key = hotline::PartyId(key);
        let file = p.join(format!("{name}.bundle"));
        // The charter record carries the bytes as they are; only a reader checks them.
        let mut bytes = bundle::header();
        bytes.extend_from_slice(
            &bundle::record(RecordKind::Charter, &bad.encode().unwrap()).unwrap(),
        );
        std::fs::write(&file, &bytes).unwrap();
        let store = p.join(format!("{name}-store"));
        let r = hotline(
            p,
            &[
                "--store",
                store.to_str().unwrap(),
                "join",
                file.to_str().unwrap(),
                "--key",
                "beta.key",
                "--trust",
                "alpha.pub",
            ],
        );
        assert!(r.code == 1 || r.code == 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(needle), "{name}: {}", r.stderr);
        assert!(!store.exists());
        assert!(Charter::decode(&bad.encode().unwrap()).is_err(), "{name}");
    }
}

/// The files of `base` as they are after the store is opened for writing and closed with
/// nothing done: sled rewrites its own files (`index/db`, its snapshot) whenever it is opened
/// and closed, so that, not `base` as it lies, is what an import that wrote nothing leaves.
fn opened_and_closed(dir: &Path, base: &Path, i: usize) -> BTreeMap<String, Vec<u8>> {
    let control = dir.join(format!("control{i}"));
    copy_dir(base, &control);
    drop(Store::open(&control).unwrap());
    snapshot(&control)
}

/// What went wrong with one hostile bundle, if anything.
fn try_case(dir: &Path, base: &Path, i: usize, h: &Hostile) -> Result<(), String> {
    let before = opened_and_closed(dir, base, i);
    // Through the library.
    let lib = dir.join(format!("lib{i}"));
    copy_dir(base, &lib);
    {
        let mut store = Store::open(&lib).unwrap();
        match store.import(&h.bundle, None) {
            Ok(r) => return Err(format!("the library accepted it: {r:?}")),
            Err(e) if !h.holds(&e) => return Err(format!("the library said {e:?}: {e}")),
            Err(_) => {}
        }
    }
    let after = snapshot(&lib);
    if after != before {
        let changed: Vec<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        return Err(format!("the library changed the store: {changed:?}"));
    }

    // Through the binary.
    let cli = dir.join(format!("cli{i}"));
    copy_dir(base, &cli);
    let file = dir.join(format!("hostile{i}.bundle"));
    std::fs::write(&file, &h.bundle).unwrap();
    let r = hotline(
        dir,
        &[
            "--store",
            cli.to_str().unwrap(),
            "import",
            file.to_str().unwrap(),
            "--no-receipt",
        ],
    );
    if !(r.code == 1 || r.code == 2) {
        return Err(format!(
            "the binary exited {}: {}{}",
            r.code, r.stdout, r.stderr
        ));
    }
    if !(r.stderr.starts_with("error: ") && r.stderr.contains(&h.cli)) {
        return Err(format!("the binary did not say {:?}: {}", h.cli, r.stderr));
    }
    // The binary frames a bundle before it opens the store, so a bundle refused at framing
    // leaves the store exactly as it lay; one refused later leaves it as a plain open does.
    let after = snapshot(&cli);
    if after != before && after != snapshot(base) {
        let changed: Vec<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        return Err(format!("the binary changed the store: {changed:?}"));
    }
    // Both still open, verify and hold what they held.
    for store in [&lib, &cli] {
        let s = Store::open(store).unwrap();
        if s.entry_count() != valid().2 as u64 {
            return Err(format!(
                "{} holds {} entries",
                store.display(),
                s.entry_count()
            ));
        }
    }
    Ok(())
}

#[test]
fn hostile_bundles_are_refused_by_name_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    base_store(&base);
    let cases = cases();
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            try_case(dir.path(), &base, i, h)
                .err()
                .map(|e| format!("{}: {e}", h.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
