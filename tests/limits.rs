//! Bounded resources on every input: bundles cut short, one byte over the size limit, one
//! record over the count limit, length fields claiming gigabytes, FIFOs, directories,
//! devices and standard input, each refused with its own error and, where a store is
//! involved (`import`, `join`, `recover`), the store left byte for byte as it was; and forks
//! beyond the two that prove them counted, not kept, by the verifier and the store.
#![cfg(all(feature = "cli", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#[path = "support/run.rs"]
mod run;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use hotline::bundle::{self, BundleError, Limits, RecordKind};
use hotline::chain;
use hotline::entry::{Acceptance, Body, Definition, SignedEntry, Timestamp};
use hotline::example::{self, T0, test_key};
use hotline::store::Store;
use hotline::verify::{self, FindingKind, Options};
use run::{Run, fails, fails_env, hotline_stdin, ok, ok_env};

const TRUST: [&str; 4] = ["--trust", "alpha.pub", "--trust", "beta.pub"];

/// Alpha's and beta's stores `a` and `b` of channel `ab`, and `good.bundle`, alpha's export.
fn channel() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(p, &["keygen", "alpha", "--dir", "."]);
    ok(p, &["keygen", "beta", "--dir", "."]);
    run::found_and_join(p, "alpha.key", "alpha.pub");
    ok(p, &["--store", "a", "export", "--out", "good.bundle"]);
    dir
}

/// Every file under `dir` (lock files aside) and its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else if e.file_name() != "lock" {
                out.insert(e.path(), fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

fn verify_args(file: &str) -> Vec<&str> {
    let mut v = vec!["verify", file];
    v.extend(TRUST);
    v
}

/// `verify FILE` fails with `code` and `needle`; so do `import FILE` into `b`, `join FILE`
/// into a new store and `recover --from FILE --replace` over `b`, and each leaves every store
/// as it was (a store it would have made is not made).
fn refused_everywhere(p: &Path, file: &str, vars: &[(&str, &str)], code: i32, needle: &str) {
    let with_home: Vec<(&str, &str)> = std::iter::once(("HOTLINE_HOME", p.to_str().unwrap()))
        .chain(vars.iter().copied())
        .collect();
    fails_env(p, &verify_args(file), &with_home, code, needle);
    let before = snapshot(&p.join("b"));
    fails_env(
        p,
        &["--store", "b", "import", file],
        &with_home,
        code,
        needle,
    );
    assert_eq!(snapshot(&p.join("b")), before, "import of {file}");
    fails_env(
        p,
        &[
            "--store",
            "c",
            "join",
            file,
            "--key",
            "beta.key",
            "--trust",
            "alpha.pub",
        ],
        &with_home,
        code,
        needle,
    );
    assert!(!p.join("c").exists(), "join of {file} made a store");
    fails_env(
        p,
        &[
            "--store",
            "b",
            "recover",
            "--from",
            file,
            "--key",
            "beta.key",
            "--replace",
        ],
        &with_home,
        code,
        needle,
    );
    assert_eq!(snapshot(&p.join("b")), before, "recover from {file}");
    let aside: Vec<_> = fs::read_dir(p)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("b.replaced"))
        .collect();
    assert!(
        aside.is_empty(),
        "recover from {file} moved the store aside"
    );
}

fn good(p: &Path) -> Vec<u8> {
    fs::read(p.join("good.bundle")).unwrap()
}

#[test]
fn a_truncated_bundle_is_refused_at_the_record_it_cuts() {
    let dir = channel();
    let p = dir.path();
    let g = good(p);
    let records = bundle::scan(&g).unwrap().records;
    let last = records.last().unwrap();
    fs::write(p.join("cut.bundle"), &g[..g.len() - 3]).unwrap();
    let needle = format!(
        "record {} at byte offset {} is truncated: it needs {} bytes, only {} remain",
        last.index,
        last.offset,
        last.payload.len() + bundle::RECORD_OVERHEAD,
        last.payload.len() + bundle::RECORD_OVERHEAD - 3
    );
    refused_everywhere(p, "cut.bundle", &[], 1, &needle);
}

#[test]
fn one_byte_over_the_default_size_limit_is_refused_from_the_length_alone() {
    let dir = channel();
    let p = dir.path();
    // A sparse file: nothing of it is read.
    let over = fs::File::create(p.join("over.bundle")).unwrap();
    over.set_len(bundle::DEFAULT_MAX_BUNDLE_BYTES as u64 + 1)
        .unwrap();
    let needle = format!(
        "over.bundle: too large for a bundle: {} bytes, over the {}-byte limit",
        bundle::DEFAULT_MAX_BUNDLE_BYTES + 1,
        bundle::DEFAULT_MAX_BUNDLE_BYTES
    );
    refused_everywhere(p, "over.bundle", &[], 2, &needle);
    // At the limit the file is read: it is then no bundle.
    let at = fs::File::create(p.join("at.bundle")).unwrap();
    at.set_len(bundle::DEFAULT_MAX_BUNDLE_BYTES as u64).unwrap();
    fails(p, &verify_args("at.bundle"), 1, "not a hotline bundle");
}

#[test]
fn the_size_limit_is_configurable_and_exact() {
    let dir = channel();
    let p = dir.path();
    let len = good(p).len();
    let home = p.to_str().unwrap();
    let at = len.to_string();
    ok_env(
        p,
        &verify_args("good.bundle"),
        &[("HOTLINE_HOME", home), ("HOTLINE_MAX_BUNDLE_BYTES", &at)],
    );
    let under = (len - 1).to_string();
    let needle = format!(
        "good.bundle: too large for a bundle: {len} bytes, over the {}-byte limit",
        len - 1
    );
    let r = fails_env(
        p,
        &verify_args("good.bundle"),
        &[("HOTLINE_HOME", home), ("HOTLINE_MAX_BUNDLE_BYTES", &under)],
        2,
        &needle,
    );
    assert!(
        r.stderr.contains("HOTLINE_MAX_BUNDLE_BYTES"),
        "{}",
        r.stderr
    );
    refused_everywhere(
        p,
        "good.bundle",
        &[("HOTLINE_MAX_BUNDLE_BYTES", &under)],
        2,
        &needle,
    );
    // Standard input is bounded the same way: one byte more than the limit is refused.
    let r = hotline_stdin(
        p,
        &verify_args("-"),
        &[("HOTLINE_HOME", home), ("HOTLINE_MAX_BUNDLE_BYTES", &under)],
        fs::File::open(p.join("good.bundle")).unwrap(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "-: too large for a bundle: more than the {}-byte limit",
            len - 1
        )),
        "{}",
        r.stderr
    );
    // A limit that is not a size is refused, not ignored.
    for bad in ["0", "ten", "-1", "1.5MiB"] {
        fails_env(
            p,
            &verify_args("good.bundle"),
            &[("HOTLINE_HOME", home), ("HOTLINE_MAX_BUNDLE_BYTES", bad)],
            2,
            "HOTLINE_MAX_BUNDLE_BYTES=",
        );
    }
    ok_env(
        p,
        &verify_args("good.bundle"),
        &[("HOTLINE_HOME", home), ("HOTLINE_MAX_BUNDLE_BYTES", "1MiB")],
    );
}

#[test]
fn one_record_over_the_count_limit_is_refused() {
    let dir = channel();
    let p = dir.path();
    let g = good(p);
    let n = bundle::scan(&g).unwrap().records.len();
    let home = p.to_str().unwrap();
    let at = n.to_string();
    ok_env(
        p,
        &verify_args("good.bundle"),
        &[("HOTLINE_HOME", home), ("HOTLINE_MAX_RECORDS", &at)],
    );
    let under = (n - 1).to_string();
    let last = bundle::scan(&g).unwrap().records[n - 1];
    let needle = format!(
        "record {} at byte offset {} is one record too many: the limit is {} records",
        n - 1,
        last.offset,
        n - 1
    );
    refused_everywhere(
        p,
        "good.bundle",
        &[("HOTLINE_MAX_RECORDS", &under)],
        2,
        &needle,
    );
}

/// The header and charter record of `g`, then a record of `kind` whose length field says
/// `len`, followed by 16 bytes.
fn claiming(g: &[u8], len: u32) -> Vec<u8> {
    let charter = bundle::scan(g).unwrap().records[0];
    let mut out = g[..charter.end()].to_vec();
    out.push(RecordKind::Entry.code());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&[0xAB; 16]);
    out
}

#[test]
fn length_fields_claiming_gigabytes_are_refused_without_reading_on() {
    let dir = channel();
    let p = dir.path();
    let g = good(p);
    let offset = bundle::scan(&g).unwrap().records[0].end();
    for len in [1u32 << 30, u32::MAX] {
        fs::write(p.join("claim.bundle"), claiming(&g, len)).unwrap();
        let needle = format!(
            "record 1 at byte offset {offset} claims {len} bytes, over the 262144-byte limit"
        );
        refused_everywhere(p, "claim.bundle", &[], 1, &needle);
    }
    // Within the record limit but not present: truncated, by what is there.
    fs::write(p.join("claim.bundle"), claiming(&g, 200_000)).unwrap();
    let needle = format!(
        "record 1 at byte offset {offset} is truncated: it needs 200013 bytes, only 21 remain"
    );
    refused_everywhere(p, "claim.bundle", &[], 1, &needle);
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = channel();
    let p = dir.path();
    let made = std::process::Command::new("mkfifo")
        .arg(p.join("pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    // No one ever writes to the FIFO: reading it would block for ever.
    refused_everywhere(
        p,
        "pipe",
        &[],
        2,
        "pipe is a FIFO (named pipe), not a regular file",
    );
    // So is every other input given as a FIFO.
    fails(
        p,
        &["verify", "good.bundle", "--trust", "pipe"],
        2,
        "pipe is a FIFO (named pipe), not a regular file: a public key file is read only from a regular file",
    );
    fails(
        p,
        &[
            "--store",
            "a",
            "define",
            "term",
            "--file",
            "pipe",
            "--key",
            "alpha.key",
        ],
        2,
        "pipe is a FIFO (named pipe), not a regular file: an entry's text is read only",
    );
    fails(
        p,
        &[
            "--store", "a", "define", "term", "--text", "t", "--key", "pipe",
        ],
        2,
        "pipe is a FIFO (named pipe), not a regular file: a secret key file is read only",
    );
    fails(
        p,
        &["verify-proof", "pipe", "--trust", "alpha.pub"],
        2,
        "pipe is a FIFO (named pipe), not a regular file: a proof is read only",
    );
}

#[test]
fn a_directory_is_refused() {
    let dir = channel();
    let p = dir.path();
    fs::create_dir(p.join("dir.bundle")).unwrap();
    refused_everywhere(
        p,
        "dir.bundle",
        &[],
        2,
        "dir.bundle is a directory, not a regular file: a bundle is read only from a regular file, or from standard input as `-`",
    );
}

#[test]
fn dev_zero_is_refused_as_a_file_and_bounded_as_standard_input() {
    let dir = channel();
    let p = dir.path();
    refused_everywhere(
        p,
        "/dev/zero",
        &[],
        2,
        "/dev/zero is a character device, not a regular file",
    );
    let r = hotline_stdin(
        p,
        &verify_args("-"),
        &[("HOTLINE_HOME", p.to_str().unwrap())],
        fs::File::open("/dev/zero").unwrap(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "error: -: too large for a bundle: more than the {}-byte limit",
            bundle::DEFAULT_MAX_BUNDLE_BYTES
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn standard_input_is_read_as_dash() {
    let dir = channel();
    let p = dir.path();
    let home = [("HOTLINE_HOME", p.to_str().unwrap())];
    let file = || fs::File::open(p.join("good.bundle")).unwrap();
    let r: Run = hotline_stdin(p, &verify_args("-"), &home, file());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("OK"), "{}", r.stdout);
    let r = hotline_stdin(p, &["--store", "b", "import", "-"], &home, file());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("imported"), "{}", r.stdout);
    // A text too: one byte over an entry's whole size is refused as it is read.
    let big = vec![b'x'; hotline::encoding::MAX_ENCODED_LEN + 1];
    fs::write(p.join("big.txt"), &big).unwrap();
    let before = snapshot(&p.join("a"));
    let r = hotline_stdin(
        p,
        &[
            "--store",
            "a",
            "define",
            "term",
            "--file",
            "-",
            "--key",
            "alpha.key",
        ],
        &home,
        fs::File::open(p.join("big.txt")).unwrap(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("-: too large for an entry's text: more than the 262144-byte limit"),
        "{}",
        r.stderr
    );
    fails(
        p,
        &[
            "--store",
            "a",
            "define",
            "term",
            "--file",
            "big.txt",
            "--key",
            "alpha.key",
        ],
        2,
        "big.txt: too large for an entry's text: 262145 bytes, over the 262144-byte limit",
    );
    assert_eq!(snapshot(&p.join("a")), before);
}

#[test]
fn the_library_reader_counts_records_before_it_allocates_for_them() {
    let (charter, entries) = example::channel().unwrap();
    let bytes = bundle::write(&charter, &entries).unwrap();
    let n = entries.len() + 1;
    let exact = Limits {
        max_bytes: bytes.len(),
        max_records: n,
    };
    assert_eq!(bundle::read_with(&bytes, &exact).unwrap().entries, entries);
    let fewer = Limits {
        max_records: n - 1,
        ..exact
    };
    let last = bundle::scan(&bytes).unwrap().records[n - 1];
    assert_eq!(
        bundle::read_with(&bytes, &fewer),
        Err(BundleError::TooManyRecords {
            index: n - 1,
            offset: last.offset,
            limit: n - 1
        })
    );
    let shorter = Limits {
        max_bytes: bytes.len() - 1,
        ..exact
    };
    assert_eq!(
        bundle::read_with(&bytes, &shorter),
        Err(BundleError::TooLarge {
            len: bytes.len(),
            limit: bytes.len() - 1
        })
    );
    // One record over the default count, each the smallest there is (an empty entry record).
    let mut many = bundle::write(&charter, &[] as &[Vec<u8>]).unwrap();
    let empty = bundle::record(RecordKind::Entry, &[]).unwrap();
    for _ in 0..bundle::DEFAULT_MAX_RECORDS {
        many.extend_from_slice(&empty);
    }
    assert!(many.len() < bundle::DEFAULT_MAX_BUNDLE_BYTES);
    match bundle::read(&many) {
        Err(BundleError::TooManyRecords { index, limit, .. }) => {
            assert_eq!(
                (index, limit),
                (bundle::DEFAULT_MAX_RECORDS, bundle::DEFAULT_MAX_RECORDS)
            );
        }
        other => panic!("{:?}", other.map(|b| b.entries.len())),
    }
    assert_eq!(
        bundle::check_framing(&many, &Limits::DEFAULT),
        bundle::read(&many).map(|_| ())
    );
}

/// Alpha's seq-0 charter entry, and `n` different entries alpha signs at seq 1 after it.
fn forks(n: usize) -> (SignedEntry, Vec<SignedEntry>) {
    let charter = example::charter();
    let channel = charter.id().unwrap();
    let key = test_key("alpha");
    let (first, head) = chain::sign_next(
        &key,
        key.party(),
        channel,
        None,
        Timestamp(T0),
        vec![],
        &Body::Charter(charter),
    )
    .unwrap();
    let branches = (0..n)
        .map(|i| {
            let body = Body::Definition(Definition {
                term: format!("term {i}"),
                text: format!("branch {i}"),
                supersedes: None,
            });
            chain::sign_next(
                &key,
                key.party(),
                channel,
                Some(&head),
                Timestamp(T0 + 60),
                vec![],
                &body,
            )
            .unwrap()
            .0
        })
        .collect();
    (first, branches)
}

fn encoded(entries: &[&SignedEntry]) -> Vec<Vec<u8>> {
    entries.iter().map(|e| e.encode().unwrap()).collect()
}

#[test]
fn the_verifier_keeps_two_entries_of_a_forked_seq_and_counts_the_rest() {
    let (first, branches) = forks(5);
    let all: Vec<&SignedEntry> = std::iter::once(&first).chain(&branches).collect();
    let report = verify::verify(&example::charter(), &encoded(&all), Options::default());
    let found: Vec<_> = report.of_kind(FindingKind::Fork).collect();
    assert_eq!(found.len(), 1, "{:?}", report.findings);
    assert_eq!(report.not_kept, 3);
    let (a, b) = (branches[0].id().unwrap(), branches[1].id().unwrap());
    assert_eq!(
        found[0].message,
        format!(
            "alpha signed 5 different entries at seq 1: {} and {}, kept as evidence, and 3 more, counted but not kept",
            a.short(),
            b.short()
        )
    );
    let proof = found[0].evidence.as_ref().unwrap();
    proof.verify(&example::charter()).unwrap();
    assert_eq!(
        (proof.a.clone(), proof.b.clone()),
        (branches[0].encode().unwrap(), branches[1].encode().unwrap())
    );
    // The entries past the first two are not checked further: nothing else is said of them.
    for e in &branches[2..] {
        let id = e.id().unwrap();
        assert!(
            report.findings.iter().all(|f| f.entry != Some(id)),
            "{:?}",
            report.findings
        );
    }
    // With only two there is nothing to count.
    let two: Vec<&SignedEntry> = std::iter::once(&first).chain(&branches[..2]).collect();
    let report = verify::verify(&example::charter(), &encoded(&two), Options::default());
    assert_eq!(report.not_kept, 0);
    assert_eq!(
        report.of_kind(FindingKind::Fork).next().unwrap().message,
        format!(
            "alpha signed 2 different entries at seq 1: {} and {}",
            a.short(),
            b.short()
        )
    );
}

#[test]
fn a_store_keeps_two_entries_of_a_forked_seq_across_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("beta");
    let charter = example::charter();
    let mut s = Store::create(&dir, &charter).unwrap();
    let accept = Body::Acceptance(Acceptance {
        charter: charter.id().unwrap(),
    });
    s.append(&test_key("beta"), &accept, Timestamp(T0 + 30))
        .unwrap();
    let (first, branches) = forks(8);
    let alpha = test_key("alpha").party();

    let batch: Vec<&SignedEntry> = std::iter::once(&first).chain(&branches[..5]).collect();
    let r = s
        .import(&bundle::write(&charter, &encoded(&batch)).unwrap(), None)
        .unwrap();
    assert_eq!((r.new_entries, r.not_kept, r.forks.len()), (3, 3, 1));
    assert_eq!(s.entry_count(), 4);
    let held: Vec<_> = s
        .feed(&alpha)
        .unwrap()
        .iter()
        .map(|e| e.id().unwrap())
        .collect();
    assert_eq!(
        held,
        vec![
            first.id().unwrap(),
            branches[0].id().unwrap(),
            branches[1].id().unwrap()
        ]
    );
    // More branches of the same seq later add nothing to the journal.
    let journal = fs::read(dir.join("journal")).unwrap();
    let more: Vec<&SignedEntry> = branches[5..].iter().collect();
    let r = s
        .import(&bundle::write(&charter, &encoded(&more)).unwrap(), None)
        .unwrap();
    assert_eq!((r.new_entries, r.not_kept), (0, 3));
    assert_eq!(fs::read(dir.join("journal")).unwrap(), journal);
    let report = s.verify(Options::default()).unwrap();
    assert_eq!(report.of_kind(FindingKind::Fork).count(), 1);
    assert_eq!(report.not_kept, 0);
}

#[test]
fn a_store_exports_past_the_default_limit_and_says_what_a_receiver_needs() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys");
    for k in ["alpha.pub", "beta.pub"] {
        fs::copy(keys.join(k), p.join(k)).unwrap();
    }
    let charter = example::charter();
    let key = test_key("alpha");
    {
        let mut s = Store::create(&p.join("a"), &charter).unwrap();
        s.append(&key, &Body::Charter(charter.clone()), Timestamp(T0))
            .unwrap();
        let text = "a".repeat(250_000);
        let mut i = 0u64;
        while fs::metadata(p.join("a/journal")).unwrap().len()
            <= bundle::DEFAULT_MAX_BUNDLE_BYTES as u64
        {
            let body = Body::Definition(Definition {
                term: format!("term {i}"),
                text: text.clone(),
                supersedes: None,
            });
            s.append(&key, &body, Timestamp(T0 + 60 + i)).unwrap();
            i += 1;
        }
    }
    let r = ok(p, &["--store", "a", "export", "--out", "all.bundle"]);
    assert!(
        r.stdout.contains(&format!(
            "note: this bundle is over the default limits a receiver reads within ({} bytes, {} records)",
            bundle::DEFAULT_MAX_BUNDLE_BYTES,
            bundle::DEFAULT_MAX_RECORDS
        )),
        "{}",
        r.stdout
    );
    fails(
        p,
        &verify_args("all.bundle"),
        2,
        &format!("over the {}-byte limit", bundle::DEFAULT_MAX_BUNDLE_BYTES),
    );
    // The receiver raises the limit and reads it (the founder alone: beta has not accepted).
    let r = hotline_stdin(
        p,
        &verify_args("all.bundle"),
        &[
            ("HOTLINE_HOME", p.to_str().unwrap()),
            ("HOTLINE_MAX_BUNDLE_BYTES", "64MiB"),
        ],
        std::process::Stdio::null(),
    );
    assert!(
        !r.stderr.contains("limit"),
        "code {}: {}{}",
        r.code,
        r.stdout,
        r.stderr
    );
    assert!(r.stdout.contains("entries checked"), "{}", r.stdout);
}

/// Entries under a key that is not the party's, at the party's seq, do not take the places
/// the fork cap keeps for its own: the cap counts per signing key, and the genuine feed stays
/// whole (review finding: two forged entries put first used to push the genuine one out).
#[test]
fn entries_under_another_key_do_not_crowd_a_partys_own_out_of_the_fork_cap() {
    use hotline::entry::SignedEntry;
    use hotline::keys::SecretKey;
    use hotline::verify::{self, FindingKind, Options};
    let (charter, entries) = hotline::example::channel().unwrap();
    let clean = verify::verify(&charter, &entries, Options::default());
    let target = entries
        .iter()
        .map(|b| SignedEntry::decode(b).unwrap())
        .find(|e| e.header().seq.0 == 1)
        .unwrap();
    let mallory = SecretKey::generate("mallory");
    let mut input = Vec::new();
    for t in 0..3u64 {
        let mut e = target.entry.clone();
        e.header.key = mallory.party();
        e.header.time.0 += 1 + t;
        input.push(e.sign(&mallory).unwrap().encode().unwrap());
    }
    input.extend(entries.iter().cloned());
    let r = verify::verify(&charter, &input, Options::default());
    // Every genuine feed is what it was.
    assert_eq!(
        serde_json::to_value(&r.feeds).unwrap(),
        serde_json::to_value(&clean.feeds).unwrap()
    );
    // The forgeries are refused as signed with a key that is not the author's; none of the
    // genuine entries is reported missing or withheld.
    assert!(
        r.findings.iter().any(|f| f.kind == FindingKind::WrongKey),
        "{:?}",
        r.findings
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| matches!(f.kind, FindingKind::Gap | FindingKind::Withheld)),
        "{:?}",
        r.findings
    );
    // Only the third forgery, past two under mallory's key, is set aside.
    assert_eq!(r.not_kept, 1);
}
