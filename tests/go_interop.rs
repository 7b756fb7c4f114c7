//! Interoperability with the reference implementation of signed notes and transparency logs,
//! Go's `golang.org/x/mod/sumdb/note` and `sumdb/tlog`: hotline's checkpoints, cosignatures,
//! offline proofs and Merkle proofs are fed to `tests/interop/verify.go`, which must accept
//! them, must reject tampered copies, and must sign a note to the same bytes as hotline. See
//! `tests/interop/README.md` for what is reference code there and what is not.
//!
//! Without Go these tests print that they were skipped and pass, unless `HOTLINE_REQUIRE_GO`
//! is set (as `.ci/run` does), in which case they fail.
#![cfg(feature = "example")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Once, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hotline::Timestamp;
use hotline::charter::Charter;
use hotline::checkpoint::{self, Checkpoint, Signer};
use hotline::example::{self, test_key};
use hotline::merkle::{self, Hash};
use hotline::proof::OfflineProof;
use hotline::witness::{self, CheckedNote, Held};
use serde_json::{Value, json};

const INSTALL_HINT: &str = "install Go and golang.org/x/mod, e.g. on Debian or Ubuntu \
     `apt-get install golang-go golang-golang-x-mod-dev`, or set GOPATH to a tree holding \
     src/golang.org/x/mod (version 0.7.0 or later)";

/// When beta cosigns alpha's checkpoint.
const COSIGNED_AT: u64 = example::T0 + 500_000;

/// The entry of alpha's feed the offline proof is for.
const PROVEN: usize = 3;

/// Go's test signer, from `golang.org/x/mod/sumdb/note/example_test.go`.
const GO_TEST_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_TEST_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEST_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                            then you don't know what your problem is.\n";
const GO_TEST_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
     then you don't know what your problem is.\n\
     \n\
     \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

// ---------------------------------------------------------------------------------------------
// The Go program

/// The directory holding `src/golang.org/x/mod/sumdb`: the first of `$GOPATH`'s entries that
/// has it, else Debian's `/usr/share/gocode`.
fn find_gopath() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("GOPATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    candidates.push(PathBuf::from("/usr/share/gocode"));
    candidates.into_iter().find(|p| {
        let sumdb = p.join("src/golang.org/x/mod/sumdb");
        sumdb.join("note/note.go").is_file() && sumdb.join("tlog/tlog.go").is_file()
    })
}

fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-interop")
}

/// `go` in GOPATH mode: no module proxy, no network, no cgo, a build cache under the target
/// directory.
fn go_command(gopath: &Path) -> Command {
    let mut cmd = Command::new("go");
    cmd.env("GO111MODULE", "off")
        .env("GOPATH", gopath)
        .env("GOCACHE", work_dir().join("gocache"))
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("CGO_ENABLED", "0");
    cmd
}

/// Build `tests/interop/verify.go`. `Err` says why Go is not available; a program that does
/// not compile is a defect and panics whether or not Go is required.
fn build_verifier() -> Result<PathBuf, String> {
    let version = match Command::new("go")
        .arg("version")
        .env("GOTOOLCHAIN", "local")
        .output()
    {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        Ok(o) => {
            return Err(format!(
                "`go version` failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Err(e) => return Err(format!("the `go` command could not be run ({e})")),
    };
    let gopath = find_gopath().ok_or_else(|| {
        format!(
            "{version} is installed, but neither $GOPATH nor /usr/share/gocode holds \
             src/golang.org/x/mod/sumdb"
        )
    })?;
    std::fs::create_dir_all(work_dir()).unwrap();
    let bin = work_dir().join("hotline-interop-verify");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/verify.go");
    let out = go_command(&gopath)
        .arg("build")
        .arg("-o")
        .arg(&bin)
        .arg(&source)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`go build {}` failed; this is a defect in the interop program, not a missing tool:\n{}",
        source.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "Go reference: {version}, golang.org/x/mod from {}",
        gopath.display()
    );
    Ok(bin)
}

/// The built Go verifier, or `None` (after saying so on stderr) if Go is unavailable and not
/// required.
fn go_verifier() -> Option<&'static Path> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build_verifier) {
        Ok(bin) => Some(bin),
        Err(why) => {
            assert!(
                std::env::var_os("HOTLINE_REQUIRE_GO").is_none(),
                "HOTLINE_REQUIRE_GO is set, but the Go reference implementation is not \
                 available: {why}. To fix: {INSTALL_HINT}."
            );
            // Once, and straight to stderr past the test harness's capture, so that the skip
            // is seen.
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                let line = format!(
                    "\ngo_interop: SKIPPED, Go reference implementation not available: {why}. \
                     To run it: {INSTALL_HINT}. Set HOTLINE_REQUIRE_GO=1 to make this a \
                     failure.\n"
                );
                std::io::stderr().write_all(line.as_bytes()).unwrap();
            });
            None
        }
    }
}

/// What the Go program said.
struct GoRun {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run `verify MODE request.json`.
fn run_go(bin: &Path, mode: &str, request: &Value) -> GoRun {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("request.json");
    std::fs::write(&path, serde_json::to_vec_pretty(request).unwrap()).unwrap();
    let out = Command::new(bin).arg(mode).arg(&path).output().unwrap();
    GoRun {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

// ---------------------------------------------------------------------------------------------
// hotline's side

/// Alpha's feed of the example channel, its checkpoint signed by alpha and cosigned by beta,
/// and an offline proof for one entry.
struct Fixture {
    charter: Charter,
    /// Alpha's entries, encoded: the records of its feed.
    records: Vec<Vec<u8>>,
    leaves: Vec<Hash>,
    /// The checkpoint note signed by alpha alone.
    signed: Vec<u8>,
    /// The same note cosigned by beta.
    cosigned: Vec<u8>,
    proof: OfflineProof,
}

fn fixture() -> Fixture {
    let ex = example::build().unwrap();
    let records: Vec<Vec<u8>> = ex
        .entries
        .iter()
        .filter(|(label, _)| label.starts_with("alpha-"))
        .map(|(_, e)| e.encode().unwrap())
        .collect();
    let leaves: Vec<Hash> = records.iter().map(|r| merkle::leaf_hash(r)).collect();
    assert_eq!(leaves, ex.alpha.leaves, "alpha's records are its feed");
    let (size, root) = (leaves.len() as u64, merkle::root(&leaves));
    let signed = witness::sign_checkpoint(&ex.charter, &test_key("alpha"), size, root).unwrap();
    let held = move |_: &CheckedNote| Held {
        size,
        root_at_checkpoint: Some(root),
        last_cosigned: None,
    };
    let cosigned = witness::cosign(
        &ex.charter,
        &test_key("beta"),
        &signed,
        &held,
        Timestamp(COSIGNED_AT),
    )
    .unwrap();
    let proof = OfflineProof {
        entry: records[PROVEN].clone(),
        index: PROVEN as u64,
        path: merkle::inclusion_proof(&leaves, PROVEN as u64).unwrap(),
        note: cosigned.clone(),
    };
    Fixture {
        charter: ex.charter,
        records,
        leaves,
        signed,
        cosigned,
        proof,
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn b64s(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| BASE64.encode(h)).collect()
}

/// The check request for the fixture: everything hotline made, and the keys to check it with.
fn request(f: &Fixture) -> Value {
    let (owner, cosigner) = (&f.charter.parties[0], &f.charter.parties[1]);
    let n = f.leaves.len() as u64;
    json!({
        "note": text(&f.cosigned),
        "owner_vkey": witness::log_verifier(&f.charter, owner).unwrap().to_string(),
        "owner_key_hex": hex::encode(owner.key.0),
        "cosigner_name": witness::cosigner_name(&cosigner.key),
        "cosigner_key_hex": hex::encode(cosigner.key.0),
        "cosigner_vkey": witness::cosigner_verifier(&cosigner.key).unwrap().to_string(),
        "proof": text(&f.proof.encode()),
        "leaf_hex": hex::encode(&f.proof.entry),
        "leaf_hash_b64": BASE64.encode(merkle::leaf_hash(&f.proof.entry)),
        "feed": {
            "leaves_hex": f.records.iter().map(hex::encode).collect::<Vec<_>>(),
            "inclusion": (0..n)
                .map(|i| b64s(&merkle::inclusion_proof(&f.leaves, i).unwrap()))
                .collect::<Vec<_>>(),
            "consistency": (1..=n)
                .map(|m| b64s(&merkle::consistency_proof(&f.leaves, m).unwrap()))
                .collect::<Vec<_>>(),
        },
    })
}

/// The note's signature line by `name`, and its decoded bytes (key id ‖ signature).
fn sig_line(note: &str, name: &str) -> (String, Vec<u8>) {
    let prefix = format!("\u{2014} {name} ");
    let line = note
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no signature line by {name} in {note:?}"));
    let raw = BASE64.decode(&line[prefix.len()..]).unwrap();
    (line.to_owned(), raw)
}

/// `note` with the signature line by `name` decoded, changed by `change`, and re-encoded.
fn with_sig_bytes(note: &str, name: &str, change: impl FnOnce(&mut Vec<u8>)) -> String {
    let (line, mut raw) = sig_line(note, name);
    change(&mut raw);
    let new = format!("\u{2014} {name} {}", BASE64.encode(&raw));
    replace_once(note, &line, &new)
}

fn replace_once(s: &str, from: &str, to: &str) -> String {
    assert_eq!(s.matches(from).count(), 1, "{from:?} must occur once");
    let out = s.replacen(from, to, 1);
    assert_ne!(out, s, "the change must change something");
    out
}

// ---------------------------------------------------------------------------------------------
// The tests

#[test]
fn go_reference_accepts_hotline_checkpoints_cosignatures_and_proofs() {
    let Some(bin) = go_verifier() else { return };
    let f = fixture();
    let run = run_go(bin, "check", &request(&f));
    assert_eq!(
        run.code,
        Some(0),
        "the Go reference rejected hotline's checkpoint or proof:\n{}{}",
        run.stdout,
        run.stderr
    );
    println!("{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(
        run.stdout.lines().all(|l| l.starts_with("ok ")),
        "{}",
        run.stdout
    );
    let beta = witness::cosigner_name(&f.charter.parties[1].key);
    let n = f.records.len();
    for expected in [
        "checkpoint note opens under note.Open".to_owned(),
        "checkpoint note re-encodes byte for byte under note.Sign".to_owned(),
        format!("checkpoint note cosignature/v1 by {beta} verifies, time {COSIGNED_AT}"),
        format!("proof's checkpoint cosignature/v1 by {beta} verifies, time {COSIGNED_AT}"),
        "is byte-identical to note.NewEd25519VerifierKey's".to_owned(),
        "is byte-identical to tlog.RecordHash's".to_owned(),
        format!(
            "inclusion of record {PROVEN} in the tree of size {n} verifies under tlog.CheckRecord"
        ),
        format!("checkpoint root is byte-identical to tlog.TreeHash over the {n} records"),
        format!("{n} inclusion proofs verify under tlog.CheckRecord and equal tlog.ProveRecord's"),
        format!("{n} consistency proofs verify under tlog.CheckTree and equal tlog.ProveTree's"),
    ] {
        assert!(
            run.stdout.contains(&expected),
            "missing {expected:?} in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn go_reference_rejects_tampered_notes_cosignatures_and_proofs() {
    let Some(bin) = go_verifier() else { return };
    let f = fixture();
    let good = request(&f);
    let note = text(&f.cosigned);
    let alpha = witness::origin(&f.charter, &f.charter.parties[0]).unwrap();
    let beta = witness::cosigner_name(&f.charter.parties[1].key);
    let n = f.records.len();

    let with = |field: &str, value: Value| {
        let mut r = good.clone();
        r[field] = value;
        r
    };
    let with_proof = |p: &OfflineProof| with("proof", json!(text(&p.encode())));

    let mut cases: Vec<(&str, Value, String)> = Vec::new();
    cases.push((
        "a byte of the note's text (the tree size)",
        with(
            "note",
            json!(replace_once(
                &note,
                &format!("\n{n}\n"),
                &format!("\n{}\n", n + 1)
            )),
        ),
        "checkpoint note: note.Open: invalid signature".into(),
    ));
    cases.push((
        "a byte of the owner's signature",
        with(
            "note",
            json!(with_sig_bytes(&note, &alpha, |raw| raw[10] ^= 0x01)),
        ),
        "checkpoint note: note.Open: invalid signature".into(),
    ));
    cases.push((
        "a byte of the cosignature's signature",
        with(
            "note",
            json!(with_sig_bytes(&note, &beta, |raw| raw[40] ^= 0x01)),
        ),
        format!("cosignature by {beta} (time {COSIGNED_AT}) does not verify"),
    ));
    cases.push((
        "a byte of the cosignature's timestamp",
        with(
            "note",
            json!(with_sig_bytes(&note, &beta, |raw| raw[11] ^= 0x01)),
        ),
        format!(
            "cosignature by {beta} (time {}) does not verify",
            COSIGNED_AT ^ 1
        ),
    ));
    cases.push((
        "a byte of the cosignature's key id",
        with(
            "note",
            json!(with_sig_bytes(&note, &beta, |raw| raw[0] ^= 0x01)),
        ),
        format!("cosignature by {beta}: key id"),
    ));
    let (beta_line, _) = sig_line(&note, &beta);
    cases.push((
        "the cosignature removed",
        with(
            "note",
            json!(replace_once(&note, &format!("{beta_line}\n"), "")),
        ),
        format!("no cosignature/v1 line by {beta}"),
    ));
    let mut p = f.proof.clone();
    p.path[0][0] ^= 0x01;
    cases.push((
        "a hash of the inclusion proof",
        with_proof(&p),
        format!("proof: tlog.CheckRecord(index {PROVEN}, size {n}): invalid transparency proof"),
    ));
    let mut p = f.proof.clone();
    p.path.pop();
    cases.push((
        "the inclusion proof's last hash dropped",
        with_proof(&p),
        "proof: tlog.CheckRecord".into(),
    ));
    let mut p = f.proof.clone();
    p.index = PROVEN as u64 - 1;
    cases.push((
        "the proof's index",
        with_proof(&p),
        format!("proof: tlog.CheckRecord(index {}, size {n})", PROVEN - 1),
    ));
    // Another entry of the feed in `extra`, with the expected leaf and its hash changed to
    // match: only the inclusion proof can catch it.
    let mut p = f.proof.clone();
    p.entry = f.records[PROVEN - 1].clone();
    let mut r = with_proof(&p);
    r["leaf_hex"] = json!(hex::encode(&p.entry));
    r["leaf_hash_b64"] = json!(BASE64.encode(merkle::leaf_hash(&p.entry)));
    cases.push((
        "another entry in the proof's extra data",
        r,
        format!("proof: tlog.CheckRecord(index {PROVEN}, size {n}): invalid transparency proof"),
    ));
    let mut p = f.proof.clone();
    p.note = replace_once(&note, &format!("\n{n}\n"), &format!("\n{}\n", n + 1)).into_bytes();
    cases.push((
        "a byte of the proof's checkpoint",
        with_proof(&p),
        "proof's checkpoint: note.Open: invalid signature".into(),
    ));
    let mut r = good.clone();
    let h = r["feed"]["consistency"][2][0].as_str().unwrap().to_owned();
    let mut raw = BASE64.decode(h).unwrap();
    raw[31] ^= 0x80;
    r["feed"]["consistency"][2][0] = json!(BASE64.encode(raw));
    cases.push((
        "a hash of a consistency proof",
        r,
        format!(
            "feed: consistency proof from 3 to {n}: tlog.CheckTree: invalid transparency proof"
        ),
    ));

    for (what, req, expected) in &cases {
        assert_ne!(req, &good, "{what}: the tampered request must differ");
        let run = run_go(bin, "check", req);
        assert_eq!(
            run.code,
            Some(1),
            "{what}: the Go reference must reject it as unverifiable (exit 1):\n{}{}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stderr.contains(expected.as_str()),
            "{what}: expected {expected:?} in the Go reference's complaint, got:\n{}",
            run.stderr
        );
        println!("{what}: rejected: {}", run.stderr.trim());
    }
}

#[test]
fn go_reference_signs_the_same_note_bytes_as_hotline() {
    let Some(bin) = go_verifier() else { return };
    let f = fixture();
    let alpha = &f.charter.parties[0];
    let origin = witness::origin(&f.charter, alpha).unwrap();
    let body = Checkpoint::new(
        &origin,
        f.leaves.len() as u64,
        merkle::root(&f.leaves),
        vec![],
    )
    .unwrap()
    .body();
    let go_sign = |skey: &str, text: &str| -> (String, String) {
        let run = run_go(bin, "sign", &json!({ "private_key": skey, "text": text }));
        assert_eq!(run.code, Some(0), "Go could not sign: {}", run.stderr);
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        (
            v["note"].as_str().unwrap().to_owned(),
            v["vkey"].as_str().unwrap().to_owned(),
        )
    };

    // The harness passes Go's own example through unchanged.
    let (go_note, go_vkey) = go_sign(GO_TEST_SKEY, GO_TEST_TEXT);
    assert_eq!(go_note, GO_TEST_NOTE);
    assert_eq!(go_vkey, GO_TEST_VKEY);

    // Go's test key over a hotline checkpoint body.
    let peter = Signer::from_private_key(GO_TEST_SKEY).unwrap();
    let ours = checkpoint::sign(&body, &[&peter]).unwrap().encode();
    let (go_note, go_vkey) = go_sign(GO_TEST_SKEY, &body);
    assert_eq!(text(&ours), go_note, "PeterNeumann's note over {body:?}");
    assert_eq!(peter.verifier().to_string(), go_vkey);
    assert_eq!(go_vkey, GO_TEST_VKEY);

    // Alpha's own checkpoint, as `witness::sign_checkpoint` made it, from alpha's key string.
    let alpha_signer = Signer::new(&origin, &test_key("alpha")).unwrap();
    let (go_note, go_vkey) = go_sign(&alpha_signer.to_private_key(), &body);
    assert_eq!(text(&f.signed), go_note, "alpha's checkpoint note");
    assert_eq!(
        witness::log_verifier(&f.charter, alpha)
            .unwrap()
            .to_string(),
        go_vkey
    );
}
