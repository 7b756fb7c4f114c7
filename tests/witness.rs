//! Witnesses end to end, with the real `hotline` binary: a C2SP tlog-witness written here from
//! the spec alone (c2sp.org/tlog-witness add-checkpoint, c2sp.org/tlog-cosignature
//! cosignature/v1, c2sp.org/signed-note, RFC 9162 consistency proofs) answers what
//! `hotline witness request` writes; `hotline witness accept` turns its answer into evidence
//! that `hotline verify` shows; and `hotline witness cosign` applies the witness rules itself.
#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[path = "support/run.rs"]
mod run;
use run::{Run, fails, hotline, ok};

// ---- The witness, from the specs alone ----------------------------------------------------

const W1: &str = "witness.example.com/w1";

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// signed-note: key id = SHA-256(name ‖ "\n" ‖ type ‖ key)[:4].
fn key_id(name: &str, type_byte: u8, key: &[u8; 32]) -> [u8; 4] {
    sha256(&[name.as_bytes(), b"\n", &[type_byte], key])[..4]
        .try_into()
        .unwrap()
}

/// signed-note vkey: name+hex(key id)+base64(type ‖ key).
fn vkey(name: &str, type_byte: u8, key: &[u8; 32]) -> String {
    let mut typed = vec![type_byte];
    typed.extend_from_slice(key);
    format!(
        "{name}+{}+{}",
        hex::encode(key_id(name, type_byte, key)),
        B64.encode(typed)
    )
}

fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    sha256(&[&[1], l, r])
}

/// RFC 9162 §2.1.4.2, written out again from the RFC.
fn consistent(first: u64, second: u64, h1: [u8; 32], h2: [u8; 32], proof: &[[u8; 32]]) -> bool {
    if first == second {
        return proof.is_empty() && h1 == h2;
    }
    if first == 0 || first > second {
        return false;
    }
    let mut path = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, h1);
    }
    let Some((&seed, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node(c, &fr);
            sr = node(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && fr == h1 && sr == h2
}

/// A witness as c2sp.org/tlog-witness describes one: one key, the logs it knows, and for each
/// origin the latest (size, root) it cosigned.
struct SpecWitness {
    key: SigningKey,
    logs: HashMap<String, [u8; 32]>,
    state: HashMap<String, (u64, [u8; 32])>,
}

#[derive(Debug, PartialEq)]
enum Answer {
    Ok(String),
    Status(u16, String),
}

impl SpecWitness {
    fn add_checkpoint(&mut self, body: &[u8], time: u64) -> Answer {
        let fail = |code: u16| Answer::Status(code, String::new());
        let Ok(body) = std::str::from_utf8(body) else {
            return fail(400);
        };
        // old line, proof lines, an empty line, then the checkpoint note.
        let Some((head, note)) = body.split_once("\n\n") else {
            return fail(400);
        };
        let mut lines = head.split('\n');
        let Some(old) = lines.next().and_then(|l| l.strip_prefix("old ")) else {
            return fail(400);
        };
        if old.is_empty() || (old.len() > 1 && old.starts_with('0')) {
            return fail(400);
        }
        let Ok(old) = old.parse::<u64>() else {
            return fail(400);
        };
        let mut proof = Vec::new();
        for l in lines {
            let Some(h) = B64
                .decode(l)
                .ok()
                .and_then(|h| <[u8; 32]>::try_from(h).ok())
            else {
                return fail(400);
            };
            proof.push(h);
        }
        if proof.len() > 63 {
            return fail(400);
        }
        // The note: text up to the last blank line, then signature lines.
        let Some(split) = note.rfind("\n\n") else {
            return fail(400);
        };
        let (text, sigs) = (&note[..=split], &note[split + 2..]);
        let cp: Vec<&str> = text.strip_suffix('\n').unwrap().split('\n').collect();
        let (origin, size, root) = (cp[0], cp[1].parse::<u64>().unwrap(), cp[2]);
        let root: [u8; 32] = B64.decode(root).unwrap().try_into().unwrap();
        let Some(log_key) = self.logs.get(origin) else {
            return fail(404);
        };
        let log_id = key_id(origin, 0x01, log_key);
        let log = VerifyingKey::from_bytes(log_key).unwrap();
        let mut signed = false;
        for line in sigs.lines() {
            let (name, b64) = line.strip_prefix("— ").unwrap().split_once(' ').unwrap();
            let raw = B64.decode(b64).unwrap();
            if name != origin || raw[..4] != log_id {
                continue; // unknown keys are ignored
            }
            let sig = ed25519_dalek::Signature::from_slice(&raw[4..]).unwrap();
            if log.verify_strict(text.as_bytes(), &sig).is_err() {
                return fail(403);
            }
            signed = true;
        }
        if !signed {
            return fail(403);
        }
        if old > size {
            return fail(400);
        }
        let (have, have_root) = self.state.get(origin).copied().unwrap_or((0, [0; 32]));
        if old != have {
            return Answer::Status(409, format!("{have}\n"));
        }
        if size == 0 && root != sha256(&[]) {
            return fail(422);
        }
        let fine = if old == 0 {
            proof.is_empty()
        } else {
            consistent(old, size, have_root, root, &proof)
        };
        if !fine {
            return fail(422);
        }
        self.state.insert(origin.to_owned(), (size, root));
        // cosignature/v1: sign "cosignature/v1\ntime <t>\n" ‖ checkpoint body.
        let msg = format!("cosignature/v1\ntime {time}\n{text}");
        let sig = self.key.sign(msg.as_bytes());
        let pk = self.key.verifying_key().to_bytes();
        let mut raw = key_id(W1, 0x04, &pk).to_vec();
        raw.extend_from_slice(&time.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        Answer::Ok(format!("— {W1} {}\n", B64.encode(raw)))
    }
}

// ---- The channel -------------------------------------------------------------------------

fn pub_key(dir: &Path, name: &str) -> [u8; 32] {
    let text = std::fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap();
    let line = text.lines().find_map(|l| l.strip_prefix("key: ")).unwrap();
    hex::decode(line.trim()).unwrap().try_into().unwrap()
}

struct Setup {
    dir: tempfile::TempDir,
    witness: SpecWitness,
    origin: String,
}

impl Setup {
    fn a(&self, args: &[&str]) -> Run {
        let mut all = vec!["--store", "a"];
        all.extend_from_slice(args);
        ok(self.dir.path(), &all)
    }

    fn p(&self) -> &Path {
        self.dir.path()
    }

    fn read(&self, file: &str) -> Vec<u8> {
        std::fs::read(self.p().join(file)).unwrap()
    }

    fn write(&self, file: &str, bytes: &[u8]) {
        std::fs::write(self.p().join(file), bytes).unwrap();
    }

    fn verify(&self) -> Value {
        self.a(&["verify", "--json"]).json()
    }
}

/// alpha and beta, with two charter witnesses: W1 (a key given as a vkey string, held by the
/// test's witness) and w2 (a hotline key pair, given as a .pub file), quorum 1.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for n in ["alpha", "beta", "w2"] {
        ok(p, &["keygen", n]);
    }
    let key = SigningKey::from_bytes(&[0x77; 32]);
    let w1 = format!("{W1}={}", vkey(W1, 0x04, &key.verifying_key().to_bytes()));
    ok(
        p,
        &[
            "--store",
            "a",
            "channel",
            "create",
            "alpha-beta",
            "--key",
            "alpha.key",
            "--party",
            "beta.pub",
            "--witness",
            &w1,
            "--witness",
            "w2=w2.pub",
            "--witness-quorum",
            "1",
        ],
    );
    ok(p, &["--store", "a", "export", "--out", "invite.bundle"]);
    let join = ok(
        p,
        &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
    );
    // The charter shown on joining names the witnesses and the quorum.
    assert!(
        join.stdout.contains("witnesses (2; a checkpoint needs 1"),
        "{}",
        join.stdout
    );
    assert!(
        join.stdout.contains(W1) && join.stdout.contains("w2"),
        "{}",
        join.stdout
    );
    let parties = ok(p, &["--store", "a", "parties", "--json"]).json();
    // The witnesses are listed with the verifier keys their cosignatures check under: W1's is
    // the vkey the charter was given.
    assert_eq!(parties["witness_quorum"], 1);
    assert_eq!(parties["witnesses"][0]["name"], W1);
    assert_eq!(
        parties["witnesses"][0]["cosigner_verifier_key"],
        w1.split_once('=').unwrap().1
    );
    assert_eq!(parties["witnesses"][1]["name"], "w2");
    let log_vkey = parties["parties"][0]["checkpoint_verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let origin = log_vkey.split('+').next().unwrap().to_owned();
    let mut logs = HashMap::new();
    logs.insert(origin.clone(), pub_key(p, "alpha"));
    Setup {
        dir,
        witness: SpecWitness {
            key,
            logs,
            state: HashMap::new(),
        },
        origin,
    }
}

fn checkpoint_of(v: &Value, size: u64) -> &Value {
    v["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["party"] == "alpha" && c["size"] == size)
        .unwrap_or_else(|| panic!("no checkpoint of alpha at size {size}: {v}"))
}

#[test]
fn a_request_is_answered_by_a_spec_witness_and_its_answer_becomes_evidence() {
    let mut s = setup();
    s.a(&["checkpoint"]);
    let before = s.verify();
    assert_eq!(checkpoint_of(&before, 1)["quorum_met"], false);

    // First contact: old 0, no proof.
    let req = s.a(&["witness", "request", "--for", W1, "--json"]).json();
    assert_eq!(
        (req["old_size"].as_u64(), req["size"].as_u64()),
        (Some(0), Some(1))
    );
    s.a(&["witness", "request", "--for", W1, "--out", "r1"]);
    let r1 = s.read("r1");
    assert!(
        r1.starts_with(b"old 0\n\n"),
        "{}",
        String::from_utf8_lossy(&r1)
    );
    let Answer::Ok(resp) = s.witness.add_checkpoint(&r1, 1_800_000_000) else {
        panic!("the witness refused {}", String::from_utf8_lossy(&r1))
    };
    s.write("w1.resp", resp.as_bytes());
    let acc = s
        .a(&["witness", "accept", "w1.resp", "--for", W1, "--json"])
        .json();
    assert_eq!(acc["size"], 1);
    assert_eq!(acc["cosignatures"][0]["time"], 1_800_000_000u64);

    // verify shows it as a witness cosignature, and the quorum met at its time.
    let v = s.verify();
    assert_eq!(v["ok"], true, "{v}");
    let cp = checkpoint_of(&v, 1);
    assert_eq!(cp["cosignatures"][0]["party"], W1);
    assert_eq!(cp["cosignatures"][0]["cosigner"], "witness");
    assert_eq!(cp["quorum_met"], true);
    assert_eq!(cp["quorum_time"], 1_800_000_000u64);
    let text = s.a(&["verify"]).stdout;
    assert!(text.contains(&format!("witness {W1} at")), "{text}");
    assert!(text.contains("witness quorum 1 met at"), "{text}");

    // The feed grows; the next request starts from the size the witness cosigned, with a
    // consistency proof that the test's own RFC 9162 verifier checks.
    for t in ["one", "two", "three", "four"] {
        s.a(&["define", t, "--text", "a term"]);
    }
    s.a(&["checkpoint"]);
    s.a(&["witness", "request", "--for", W1, "--out", "r2"]);
    let r2 = s.read("r2");
    let head = String::from_utf8_lossy(&r2).into_owned();
    assert!(head.starts_with("old 1\n"), "{head}");
    let proof_lines = head.split("\n\n").next().unwrap().lines().count() - 1;
    assert!(proof_lines >= 2, "{head}");

    // A stale old size (the witness has 1): 409 with the size it holds.
    let stale = s
        .a(&["witness", "request", "--for", W1, "--old", "0"])
        .stdout;
    assert_eq!(
        s.witness.add_checkpoint(stale.as_bytes(), 1_800_000_100),
        Answer::Status(409, "1\n".into())
    );
    // A proof with one hash changed: 422, and the witness's state is unchanged.
    let mut bad = head.clone();
    let line = bad.lines().nth(1).unwrap().to_owned();
    let mut h = B64.decode(&line).unwrap();
    h[0] ^= 1;
    bad = bad.replacen(&line, &B64.encode(h), 1);
    assert_eq!(
        s.witness.add_checkpoint(bad.as_bytes(), 1_800_000_100),
        Answer::Status(422, String::new())
    );
    assert_eq!(s.witness.state[&s.origin].0, 1);

    let Answer::Ok(resp) = s.witness.add_checkpoint(&r2, 1_800_000_200) else {
        panic!("the witness refused the consistent request")
    };
    assert_eq!(s.witness.state[&s.origin].0, 5);
    s.write("w1b.resp", resp.as_bytes());
    s.a(&["witness", "accept", "w1b.resp"]);
    let v = s.verify();
    assert_eq!(checkpoint_of(&v, 5)["quorum_time"], 1_800_000_200u64);
    // The next request knows the witness is at 5.
    let r3 = s.a(&["witness", "request", "--for", W1]).stdout;
    assert!(r3.starts_with("old 5\n\n"), "{r3}");

    // An export carries the consistency proofs between alpha's checkpoints (sizes 1 and 5);
    // a bundle whose proof does not verify is refused, naming the record.
    s.a(&["export", "--out", "all.bundle"]);
    let b = hotline::bundle::read(&s.read("all.bundle")).unwrap();
    assert_eq!(b.proofs.len(), 1, "{:?}", b.proofs);
    assert_eq!((b.proofs[0].old_size, b.proofs[0].new_size), (1, 5));
    assert_eq!(b.proofs[0].origin, s.origin);
    ok(
        s.p(),
        &[
            "verify",
            "all.bundle",
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
        ],
    );
    let mut proofs = b.proofs.clone();
    proofs[0].proof[0][3] ^= 1;
    let notes: Vec<_> = b.notes.iter().map(|n| n.record.clone()).collect();
    let bad = hotline::bundle::write_with_proofs(&b.charter, &b.entries, &notes, &proofs).unwrap();
    s.write("bad.bundle", &bad);
    let r = fails(
        s.p(),
        &["--store", "b", "import", "bad.bundle", "--no-receipt"],
        1,
        "is a bad consistency proof",
    );
    let index = 1 + b.entries.len() + b.notes.len();
    assert!(
        r.stderr.contains(&format!("record {index} ")),
        "{}",
        r.stderr
    );

    // A response that is not the witness's, or for no checkpoint held, is refused.
    let forged = resp.replace(&resp[resp.len() - 10..resp.len() - 1], "AAAAAAAAA");
    s.write("forged.resp", forged.as_bytes());
    fails(
        s.p(),
        &["--store", "a", "witness", "accept", "forged.resp"],
        1,
        "verify over no checkpoint",
    );
    fails(
        s.p(),
        &["--store", "a", "witness", "request", "--for", "nobody"],
        2,
        "not a witness of this channel",
    );
}

fn state_size(s: &Setup, origin: &str) -> u64 {
    let v: Value = serde_json::from_slice(&s.read("w2.state")).unwrap();
    v["logs"][origin]["size"].as_u64().unwrap()
}

#[test]
fn hotline_as_a_witness_refuses_stale_sizes_and_bad_proofs_and_never_goes_back() {
    let s = setup();
    let log = ok(s.p(), &["--store", "a", "parties", "--json"]).json()["parties"][0]
        ["checkpoint_verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let beta_log = ok(s.p(), &["--store", "a", "parties", "--json"]).json()["parties"][1]
        ["checkpoint_verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let cosign = |req: &str, log: &str| -> Run {
        hotline(
            s.p(),
            &[
                "--json", "witness", "cosign", req, "--key", "w2.key", "--state", "w2.state",
                "--log", log,
            ],
        )
    };
    let small = s.a(&["checkpoint", "--json"]).json()["note"]
        .as_str()
        .unwrap()
        .to_owned();
    s.a(&["define", "x", "--text", "a term"]);
    s.a(&["define", "y", "--text", "a term"]);
    s.a(&["checkpoint"]);
    s.a(&["witness", "request", "--for", "w2", "--out", "q1"]);

    // A witness that does not know the origin: 404, and no state written.
    let r = cosign("q1", &beta_log);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["status"], 404);
    assert!(!s.p().join("w2.state").exists());

    // First cosignature: recorded at 3; the text output is the response body itself.
    let r = hotline(
        s.p(),
        &[
            "witness", "cosign", "q1", "--key", "w2.key", "--state", "w2.state", "--log", &log,
            "--out", "w2.resp",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("— w2 ") && r.stdout.ends_with('\n'),
        "{}",
        r.stdout
    );
    assert_eq!(state_size(&s, &s.origin), 3);
    s.a(&["witness", "accept", "w2.resp", "--for", "w2"]);
    let v = s.verify();
    let cp = checkpoint_of(&v, 3);
    assert_eq!(cp["cosignatures"][0]["party"], "w2");
    assert_eq!(cp["quorum_met"], true);

    // The same request again: its old size 0 is stale; 409 names the recorded size.
    let r = cosign("q1", &log);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["status"], 409);
    assert_eq!(r.json()["recorded_size"], 3);
    let text = hotline(
        s.p(),
        &[
            "witness", "cosign", "q1", "--key", "w2.key", "--state", "w2.state", "--log", &log,
        ],
    );
    assert!(
        text.stderr.contains("409 Conflict") && text.stderr.contains("which is 3"),
        "{}",
        text.stderr
    );
    assert_eq!(state_size(&s, &s.origin), 3);

    // Going back to the checkpoint at size 1: refused (old 3 is above its size), state kept.
    s.write("back", format!("old 3\n\n{small}").as_bytes());
    let r = cosign("back", &log);
    assert_eq!(r.json()["status"], 400, "{}", r.stdout);
    assert_eq!(state_size(&s, &s.origin), 3);

    // The feed grows to 5; a request with a changed proof hash is refused with 422.
    s.a(&["define", "z", "--text", "a term"]);
    s.a(&["define", "w", "--text", "a term"]);
    s.a(&["checkpoint"]);
    s.a(&["witness", "request", "--for", "w2", "--out", "q2"]);
    let q2 = String::from_utf8(s.read("q2")).unwrap();
    assert!(q2.starts_with("old 3\n"), "{q2}");
    let line = q2.lines().nth(1).unwrap().to_owned();
    let mut h = B64.decode(&line).unwrap();
    h[31] ^= 0x80;
    s.write("q2bad", q2.replacen(&line, &B64.encode(h), 1).as_bytes());
    let r = cosign("q2bad", &log);
    assert_eq!(r.json()["status"], 422, "{}", r.stdout);
    assert_eq!(state_size(&s, &s.origin), 3);
    // A proof line dropped is refused too.
    s.write(
        "q2short",
        q2.replacen(&format!("{line}\n"), "", 1).as_bytes(),
    );
    assert_eq!(cosign("q2short", &log).json()["status"], 422);

    // The honest request moves it forward to 5, durably (no temporary file is left).
    let r = cosign("q2", &log);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["size"], 5);
    assert_eq!(state_size(&s, &s.origin), 5);
    assert!(!s.p().join("w2.state.tmp").exists() && !s.p().join("w2.state.lock").exists());
    // And never back: the size-3 request, now stale, is refused with the size 5.
    assert_eq!(cosign("q1", &log).json()["recorded_size"], 5);
    assert_eq!(state_size(&s, &s.origin), 5);

    // The state belongs to one witness key.
    let r = hotline(
        s.p(),
        &[
            "witness", "cosign", "q2", "--key", "beta.key", "--state", "w2.state", "--log", &log,
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is the state of the witness"),
        "{}",
        r.stderr
    );
}

#[test]
fn channel_create_checks_the_witnesses() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for n in ["alpha", "beta", "w2"] {
        ok(p, &["keygen", n]);
    }
    let create = |store: &str, extra: &[&str]| {
        let mut args = vec![
            "--store",
            store,
            "channel",
            "create",
            "c",
            "--key",
            "alpha.key",
            "--party",
            "beta.pub",
        ];
        args.extend_from_slice(extra);
        hotline(p, &args)
    };
    let r = create("s1", &["--witness", "w2=w2.pub", "--witness-quorum", "2"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("witness quorum is 2"), "{}", r.stderr);
    let r = create("s2", &["--witness", "w2=beta.pub"]);
    assert!(r.stderr.contains("key of party beta"), "{}", r.stderr);
    let r = create("s3", &["--witness", "w 2=w2.pub"]);
    assert!(r.stderr.contains("witness name"), "{}", r.stderr);
    // A vkey of type 0x01 (a log key), or made for another name, is refused.
    let key = pub_key(p, "w2");
    let r = create(
        "s4",
        &["--witness", &format!("w2={}", vkey("w2", 0x01, &key))],
    );
    assert!(r.stderr.contains("cosignature/v1"), "{}", r.stderr);
    let r = create(
        "s5",
        &["--witness", &format!("w2={}", vkey("w3", 0x04, &key))],
    );
    assert!(r.stderr.contains("for the name"), "{}", r.stderr);
    assert!(!p.join("s1").exists() && !p.join("s2").exists());
    let r = create(
        "s6",
        &["--witness", &format!("w2={}", vkey("w2", 0x04, &key))],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn witness_cosignatures_accepted_are_evidence_the_audit_uses() {
    let mut s = setup();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // alpha's notice, witnessed: third-party evidence that it existed.
    let notice = s
        .a(&[
            "notify",
            "--severity",
            "high",
            "--category",
            "c",
            "--summary",
            "Down",
            "--json",
        ])
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.a(&["checkpoint"]);
    s.a(&["witness", "request", "--for", W1, "--out", "ra"]);
    let Answer::Ok(resp) = s.witness.add_checkpoint(&s.read("ra"), now) else {
        panic!("the witness refused alpha's checkpoint")
    };
    s.write("ra.resp", resp.as_bytes());
    s.a(&["witness", "accept", "ra.resp"]);
    let audit = s.a(&["audit", "--json"]).json();
    let n = &audit["notices"][0];
    assert_eq!(n["witness_quorum"]["time"], now, "{audit}");
    assert_eq!(n["witness_quorum"]["witnesses"][0]["by"], W1);
    assert!(
        s.a(&["audit"])
            .stdout
            .contains("on the word of a quorum of 1 witness(es)"),
        "the text names the third party"
    );

    // beta receives it, acknowledges, and has the witness cosign its own feed with the ack.
    let dir = s.p().to_path_buf();
    let b = |args: &[&str]| {
        let mut v = vec!["--store", "b"];
        v.extend_from_slice(args);
        ok(&dir, &v)
    };
    s.a(&["export", "--out", "to-b.bundle"]);
    b(&["import", "to-b.bundle"]);
    b(&["ack", &notice]);
    b(&["checkpoint"]);
    let parties = b(&["parties", "--json"]).json();
    let beta_vkey = parties["parties"][1]["checkpoint_verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let beta_origin = beta_vkey.split('+').next().unwrap().to_owned();
    s.witness.logs.insert(beta_origin, pub_key(s.p(), "beta"));
    b(&["witness", "request", "--for", W1, "--out", "rb"]);
    let Answer::Ok(resp) = s.witness.add_checkpoint(&s.read("rb"), now) else {
        panic!("the witness refused beta's checkpoint")
    };
    s.write("rb.resp", resp.as_bytes());
    b(&["witness", "accept", "rb.resp"]);
    b(&["export", "--out", "to-a.bundle"]);
    s.a(&["import", "to-a.bundle", "--no-receipt"]);
    // The acknowledgement's verdict now rests on the witnesses, not on beta's claim.
    let audit = s.a(&["audit", "--json"]).json();
    let r = &audit["notices"][0]["receivers"][0];
    assert_eq!(r["ack"]["status"], "met", "{r}");
    assert_eq!(r["ack"]["basis"], "witness", "{r}");
    assert_eq!(r["acks"][0]["witnessed"], now);
}

#[test]
fn a_party_or_a_third_party_can_witness_a_bundle_from_its_own_entries() {
    let s = setup();
    let log = ok(s.p(), &["--store", "a", "parties", "--json"]).json()["parties"][0]
        ["checkpoint_verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let cosign = |bundle: &str| -> Run {
        hotline(
            s.p(),
            &[
                "--json", "witness", "cosign", "--bundle", bundle, "--key", "w2.key", "--state",
                "w2.state", "--log", &log,
            ],
        )
    };
    s.a(&["define", "x", "--text", "a term"]);
    s.a(&["checkpoint"]);
    s.a(&["export", "--out", "b1"]);
    let r = cosign("b1");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let answers = r.json()["answers"].as_array().unwrap().clone();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0]["size"], 2);
    assert_eq!(state_size(&s, &s.origin), 2);
    // The feed grows: the witness proves consistency from size 2 with the bundle's entries.
    for t in ["y", "z", "w"] {
        s.a(&["define", t, "--text", "a term"]);
    }
    s.a(&["checkpoint"]);
    s.a(&["export", "--out", "b2"]);
    let r = cosign("b2");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["answers"][0]["old_size"], 2);
    assert_eq!(state_size(&s, &s.origin), 5);
    // The answer is evidence the store accepts.
    std::fs::write(
        s.p().join("b2.resp"),
        r.json()["answers"][0]["response"].as_str().unwrap(),
    )
    .unwrap();
    s.a(&["witness", "accept", "b2.resp", "--for", "w2"]);
    assert_eq!(checkpoint_of(&s.verify(), 5)["quorum_met"], true);
    // Never back: the older bundle's checkpoint is below what the witness holds (C2SP: 400,
    // the old size above the checkpoint's), and the state stays at 5.
    let r = cosign("b1");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["status"], 400);
    assert_eq!(state_size(&s, &s.origin), 5);
    // A bundle without the feed's entries cannot be witnessed from its entries.
    s.a(&["define", "v", "--text", "a term"]);
    s.a(&["checkpoint"]);
    s.a(&[
        "export", "--out", "b3", "--since", "alpha=6", "--since", "beta=1",
    ]);
    let r = cosign("b3");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("needs its entries up to seq 5"),
        "{}",
        r.stderr
    );
}
