//! Peak memory of `hotline verify` on hostile and on largest input stays under the bound that
//! README.md and docs/FORMAT.md state ("Limits"): `/dev/zero` as a file and as standard
//! input, a record claiming 1 GiB, and files at the size limit (junk records, the most the
//! count limit allows, and a valid channel of large entries).
//!
//! Each case runs in its own child process of this test binary (this one test, re-run with
//! the case named in the environment), which runs the binary once and reports
//! `getrusage(RUSAGE_CHILDREN).ru_maxrss`: the peak resident set of that one run alone, no
//! other child's. A bound on memory, not on time: nothing here is timed.
#![cfg(all(feature = "cli", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hotline::bundle::{self, RecordKind};
use hotline::entry::{Body, Definition};
use hotline::example::{self, T0};

const CASE: &str = "HOTLINE_TEST_MEMORY_CASE";
const DIR: &str = "HOTLINE_TEST_MEMORY_DIR";
const TEST: &str = "peak_memory_of_verify_stays_under_the_documented_bound";

/// The documented bound on the peak resident memory of `hotline verify` within the default
/// limits (README.md, docs/FORMAT.md "Limits"), in KiB.
const BOUND_KIB: i64 = 768 * 1024;

/// One case: the file given to `verify` (`-` reads `stdin`), what it must say, and its
/// standard input.
struct Case {
    name: &'static str,
    file: String,
    stdin: Option<PathBuf>,
    code: i32,
    needle: String,
}

/// Make the input files of the cases in `dir`.
fn make_inputs(dir: &Path) {
    let limit = bundle::DEFAULT_MAX_BUNDLE_BYTES;
    let (charter, entries) = example::channel().unwrap();
    let small = bundle::write(&charter, &entries).unwrap();
    fs::write(dir.join("small.bundle"), &small).unwrap();
    let head = bundle::write(&charter, &[] as &[Vec<u8>]).unwrap();

    // A record that claims 1 GiB, and a few bytes of it.
    let mut claim = head.clone();
    claim.push(RecordKind::Entry.code());
    claim.extend_from_slice(&(1u32 << 30).to_be_bytes());
    claim.extend_from_slice(&[0xAB; 64]);
    fs::write(dir.join("claim.bundle"), &claim).unwrap();

    // Exactly the size limit in exactly the record limit: junk entry records of ~51 bytes,
    // each well framed, so every one reaches the verifier and costs it a finding.
    let records = bundle::DEFAULT_MAX_RECORDS - 1;
    let room = limit - head.len() - records * bundle::RECORD_OVERHEAD;
    let mut junk = head.clone();
    junk.reserve(limit - junk.len());
    for i in 0..records {
        let len = room / records + usize::from(i < room % records);
        let payload: Vec<u8> = (0..len).map(|j| ((i + j) % 251) as u8).collect();
        junk.extend_from_slice(&bundle::record(RecordKind::Entry, &payload).unwrap());
    }
    assert_eq!(junk.len(), limit);
    fs::write(dir.join("junk.bundle"), &junk).unwrap();
    drop(junk);

    // A valid channel of large entries, as close under the size limit as they go.
    let large = bundle::write(&charter, &filled(&charter, limit, &"a".repeat(250_000))).unwrap();
    // A valid channel of small entries, as many as the record limit allows.
    let many = filled(&charter, limit, "short");
    fs::write(
        dir.join("many.bundle"),
        bundle::write(&charter, &many).unwrap(),
    )
    .unwrap();
    assert!(large.len() <= limit && large.len() > limit - 300_000);
    fs::write(dir.join("large.bundle"), &large).unwrap();
}

/// The example channel, then alpha's definitions with `text` appended while the bundle stays
/// within `limit` bytes and the record limit: its entries.
fn filled(charter: &hotline::Charter, limit: usize, text: &str) -> Vec<Vec<u8>> {
    let mut ex = example::build().unwrap();
    let mut out: Vec<Vec<u8>> = ex
        .entries
        .iter()
        .map(|(_, e)| e.encode().unwrap())
        .collect();
    let mut total = bundle::write(charter, &out).unwrap().len();
    let mut i = 0u64;
    while out.len() + 1 < bundle::DEFAULT_MAX_RECORDS {
        let e = ex
            .alpha
            .append(
                T0 + 200 * 3600 + i,
                ex.beta.seen(),
                Body::Definition(Definition {
                    term: format!("term {i}"),
                    text: text.to_owned(),
                    supersedes: None,
                }),
            )
            .unwrap()
            .encode()
            .unwrap();
        total += e.len() + bundle::RECORD_OVERHEAD;
        if total > limit {
            break;
        }
        out.push(e);
        i += 1;
    }
    out
}

#[test]
fn peak_memory_of_verify_stays_under_the_documented_bound() {
    if let Ok(name) = std::env::var(CASE) {
        return child(&name, Path::new(&std::env::var(DIR).unwrap()));
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys");
    for k in ["alpha.pub", "beta.pub"] {
        fs::copy(keys.join(k), dir.join(k)).unwrap();
    }
    make_inputs(dir);
    let cases = cases();
    let mut report = String::new();
    for c in &cases {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CASE, c.name)
            .env(DIR, dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {stdout}{}",
            c.name,
            String::from_utf8_lossy(&out.stderr)
        );
        // libtest prints the child's line after its own "test NAME ... ".
        let peak: i64 = stdout
            .split_once("peak_rss_kib=")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("{}: no figure in {stdout}", c.name))
            .parse()
            .unwrap();
        report.push_str(&format!("{:>10} KiB  {}\n", peak, c.name));
        assert!(
            peak < BOUND_KIB,
            "{}: peak {peak} KiB, over the {BOUND_KIB} KiB bound",
            c.name
        );
    }
    // Shown with --nocapture: the figures README.md quotes.
    println!("peak resident memory of `hotline verify`:\n{report}");
}

/// Run `hotline verify` on the case named `name` once, check what it says, and print the
/// peak resident memory of that run.
fn child(name: &str, dir: &Path) {
    // The parent made the inputs in `dir`.
    let c = cases().into_iter().find(|c| c.name == name).unwrap();
    let stdin = match &c.stdin {
        Some(p) => Stdio::from(fs::File::open(p).unwrap()),
        None => Stdio::null(),
    };
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args([
            "verify",
            &c.file,
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
        ])
        .current_dir(dir)
        .env_remove("HOTLINE_MAX_BUNDLE_BYTES")
        .env_remove("HOTLINE_MAX_RECORDS")
        .stdin(stdin)
        .output()
        .unwrap();
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    // The last lines say enough (the junk case lists a million findings).
    let tail = |b: &[u8]| {
        let t = String::from_utf8_lossy(b);
        let cut = t.len().saturating_sub(2000);
        t.get(cut..).unwrap_or_default().to_owned()
    };
    let (stdout, stderr) = (tail(&out.stdout), tail(&out.stderr));
    assert_eq!(out.status.code(), Some(c.code), "{name}: {stdout}{stderr}");
    assert!(
        stdout.contains(&c.needle) || stderr.contains(&c.needle),
        "{name}: neither output mentions {:?}: {stdout}{stderr}",
        c.needle
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Linux reports ru_maxrss in KiB.
    println!("peak_rss_kib={}", usage.max_rss());
}

/// The cases, whose files [`make_inputs`] makes.
fn cases() -> Vec<Case> {
    let limit = bundle::DEFAULT_MAX_BUNDLE_BYTES;
    let s = |x: &str| x.to_owned();
    vec![
        Case {
            name: "small valid bundle (baseline)",
            file: s("small.bundle"),
            stdin: None,
            code: 0,
            needle: s("OK"),
        },
        Case {
            name: "/dev/zero as a file",
            file: s("/dev/zero"),
            stdin: None,
            code: 2,
            needle: s("/dev/zero is a character device, not a regular file"),
        },
        Case {
            name: "/dev/zero as standard input",
            file: s("-"),
            stdin: Some(PathBuf::from("/dev/zero")),
            code: 2,
            needle: format!("too large for a bundle: more than the {limit}-byte limit"),
        },
        Case {
            name: "a record claiming 1 GiB",
            file: s("claim.bundle"),
            stdin: None,
            code: 1,
            needle: s("claims 1073741824 bytes, over the 262144-byte limit"),
        },
        Case {
            name: "junk at the size and record limits",
            file: s("junk.bundle"),
            stdin: None,
            code: 1,
            needle: format!(
                "FAILED: {n} entries checked, {n} error(s)",
                n = bundle::DEFAULT_MAX_RECORDS - 1
            ),
        },
        Case {
            name: "valid small entries at the size limit",
            file: s("many.bundle"),
            stdin: None,
            code: 0,
            needle: s("OK"),
        },
        Case {
            name: "valid large entries at the size limit",
            file: s("large.bundle"),
            stdin: None,
            code: 0,
            needle: s("OK"),
        },
    ]
}
