//! Fixtures: they are what the generator writes, each yields exactly its stated verdict, and
//! the documented byte layout (docs/FORMAT.md) reproduces their ids, signing bytes and roots.
#![cfg(feature = "example")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod support;

use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};
use hotline::charter::Charter;
use hotline::verify::{ForkProof, Options, verify};
use sha2::{Digest, Sha256};
use support::fixtures::{self, Case, ChannelVectors, Expected};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn fixtures_match_the_generator() {
    let files = fixtures::generate();
    assert!(
        files.len() >= 20,
        "generator wrote only {} files",
        files.len()
    );
    let bless = std::env::var_os("HOTLINE_BLESS").is_some();
    let mut stale = Vec::new();
    for (path, text) in &files {
        let full = root().join(path);
        let on_disk = std::fs::read_to_string(&full).unwrap_or_default();
        if on_disk != *text {
            if bless {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(&full, text).unwrap();
            } else {
                stale.push(path.clone());
            }
        }
    }
    let binary = fixtures::generate_binary();
    for (path, bytes) in &binary {
        let full = root().join(path);
        if std::fs::read(&full).ok().as_ref() != Some(bytes) {
            if bless {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(&full, bytes).unwrap();
            } else {
                stale.push(path.clone());
            }
        }
    }
    // Nothing in fixtures/channel or fixtures/bundle may be left over from an older generator.
    for dir in ["fixtures/channel", "fixtures/bundle"] {
        for f in std::fs::read_dir(root().join(dir)).unwrap() {
            let rel = format!("{dir}/{}", f.unwrap().file_name().to_string_lossy());
            if !files.contains_key(&rel) && !binary.contains_key(&rel) {
                stale.push(format!("{rel} (not generated)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "fixtures differ from what the generator writes: {stale:?}\nrun HOTLINE_BLESS=1 cargo test --test vectors if the change is deliberate"
    );
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for f in std::fs::read_dir(root().join("fixtures/channel")).unwrap() {
        let path = f.unwrap().path();
        if path.file_name().unwrap() == "vectors.json" {
            continue;
        }
        out.push(serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap());
    }
    out.sort_by(|a: &Case, b| a.name.cmp(&b.name));
    out
}

fn load(case: &Case) -> (Charter, Vec<Vec<u8>>) {
    let charter = Charter::decode(&hex::decode(&case.charter).unwrap()).unwrap();
    let entries = case
        .entries
        .iter()
        .map(|e| hex::decode(e).unwrap())
        .collect();
    (charter, entries)
}

#[test]
fn every_case_yields_exactly_its_stated_verdict() {
    let cases = cases();
    assert!(cases.len() >= 18, "only {} cases", cases.len());
    assert!(cases.iter().any(|c| c.name == "valid"));
    for case in &cases {
        let (charter, entries) = load(case);
        let opts = Options {
            now: case.now.map(hotline::Timestamp),
            ..Options::default()
        };
        let report = verify(&charter, &entries, opts);
        let got: Vec<Expected> = report
            .findings
            .iter()
            .map(|f| {
                let want = case.expect.findings.first();
                Expected {
                    kind: serde_json::to_value(f.kind)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    party: f.party.clone(),
                    seq: f.seq,
                    // Compare positions only where the case states one.
                    index: want.and_then(|w| w.index).and(f.index),
                }
            })
            .collect();
        assert_eq!(
            got, case.expect.findings,
            "case {}: {:#?}",
            case.name, report.findings
        );
        assert_eq!(report.ok, case.expect.ok, "case {}", case.name);
        assert_eq!(report.entries_checked, entries.len());
    }
}

#[test]
fn fork_evidence_stands_on_its_own() {
    let case = cases().into_iter().find(|c| c.name == "fork").unwrap();
    let (charter, entries) = load(&case);
    let report = verify(&charter, &entries, Options::default());
    let proof: ForkProof = report.findings[0]
        .evidence
        .clone()
        .expect("a fork carries evidence");
    // Only the charter is needed to check it.
    proof.verify(&charter).unwrap();
    // It is not fooled: the same entry twice, a wrong charter, or a tampered entry.
    let mut same = proof.clone();
    same.b = same.a.clone();
    assert!(same.verify(&charter).is_err());
    let mut other = charter.clone();
    other.name = "another channel".into();
    assert!(proof.verify(&other).is_err());
    let mut tampered = proof.clone();
    let n = tampered.b.len();
    tampered.b[n - 70] ^= 1;
    assert!(tampered.verify(&charter).is_err());
    // The same content under two signatures is evidence of the same kind.
    let case = cases()
        .into_iter()
        .find(|c| c.name == "double-signature")
        .unwrap();
    let (charter2, entries2) = load(&case);
    let report = verify(&charter2, &entries2, Options::default());
    let double = report.findings[0]
        .evidence
        .clone()
        .expect("carries evidence");
    double.verify(&charter2).unwrap();
    assert_ne!(double.a, double.b);
    // And it survives a JSON round trip of its hex bytes.
    let json = serde_json::to_value(&proof).unwrap();
    assert_eq!(hex::decode(json["a"].as_str().unwrap()).unwrap(), proof.a);
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// An independent reading of docs/FORMAT.md: offsets and tags written out here, not taken
/// from the library.
#[test]
fn documented_layout_reproduces_ids_signatures_and_roots() {
    // RFC 6962 root, computed here from the definition.
    fn mth(l: &[[u8; 32]]) -> [u8; 32] {
        match l.len() {
            0 => sha256(&[]),
            1 => l[0],
            n => {
                let k = n.next_power_of_two() / 2;
                sha256(&[&[1u8], &mth(&l[..k]), &mth(&l[k..])])
            }
        }
    }
    let text = std::fs::read_to_string(root().join("fixtures/channel/vectors.json")).unwrap();
    let v: ChannelVectors = serde_json::from_str(&text).unwrap();
    let charter = hex::decode(&v.charter).unwrap();
    let channel = sha256(&[b"hotline/v2/channel-id\0", &charter]);
    assert_eq!(hex::encode(channel), v.channel_id);
    let mut leaves: std::collections::BTreeMap<String, Vec<[u8; 32]>> = Default::default();
    assert_eq!(v.entries.len(), 12);
    for e in &v.entries {
        let signed = hex::decode(&e.signed).unwrap();
        let (entry, sig) = signed.split_at(signed.len() - 64);
        assert_eq!(hex::encode(entry), e.entry);
        assert_eq!(hex::encode(sig), e.signature);
        // Header: version u8, channel [32], author [32], key [32], seq u64 BE, prev [32],
        // time u64 BE, then the views: a u64 BE count, each party [32] ‖ size u64 BE ‖
        // root [32].
        assert_eq!(entry[0], 2, "{}", e.label);
        assert_eq!(&entry[1..33], &channel);
        let author: [u8; 32] = entry[33..65].try_into().unwrap();
        assert_eq!(hex::encode(author), v.parties[&e.author]);
        // The example feeds never rotate: every entry is signed by the author's first key.
        let signer: [u8; 32] = entry[65..97].try_into().unwrap();
        assert_eq!(signer, author, "{}", e.label);
        assert_eq!(
            u64::from_be_bytes(entry[97..105].try_into().unwrap()),
            e.seq
        );
        let views = u64::from_be_bytes(entry[145..153].try_into().unwrap()) as usize;
        let mut last_party = None;
        for i in 0..views {
            let at = 153 + 72 * i;
            let party = hex::encode(&entry[at..at + 32]);
            let size = u64::from_be_bytes(entry[at + 32..at + 40].try_into().unwrap()) as usize;
            let root = hex::encode(&entry[at + 40..at + 72]);
            // Ascending by key, never the author itself, each the root of that party's first
            // `size` entries as written so far.
            assert!(last_party.as_ref() < Some(&party), "{}", e.label);
            assert_ne!(party, hex::encode(author), "{}", e.label);
            let name = v.parties.iter().find(|(_, k)| **k == party).unwrap().0;
            let seen = leaves.get(name).map(Vec::as_slice).unwrap_or_default();
            assert!(size >= 1 && size <= seen.len(), "{}", e.label);
            assert_eq!(hex::encode(mth(&seen[..size])), root, "{}", e.label);
            last_party = Some(party);
        }
        let k = 153 + 72 * views;
        // kind u16 BE, then body length u64 BE and exactly that many bytes.
        let kind = u16::from_be_bytes(entry[k..k + 2].try_into().unwrap());
        let want_kind = [
            "charter",
            "acceptance",
            "definition",
            "commitment",
            "notice",
            "response",
            "ack",
            "receipt",
            "rotate",
            "revoke",
            "amend",
            "ratify",
            "close",
        ]
        .iter()
        .position(|k| *k == e.kind)
        .unwrap() as u16
            + 1;
        assert_eq!(kind, want_kind, "{}", e.label);
        let body_len = u64::from_be_bytes(entry[k + 2..k + 10].try_into().unwrap()) as usize;
        assert_eq!(entry.len(), k + 10 + body_len, "{}", e.label);
        // Signing message and id.
        let message = [b"hotline/v2/entry-signature\0".as_slice(), entry].concat();
        assert_eq!(hex::encode(&message), e.signing_message);
        let id = sha256(&[b"hotline/v2/entry-id\0", entry]);
        assert_eq!(hex::encode(id), e.id, "{}", e.label);
        let key = VerifyingKey::from_bytes(&signer).unwrap();
        key.verify_strict(&message, &Signature::from_bytes(sig.try_into().unwrap()))
            .unwrap();
        let leaf = sha256(&[&[0u8], &signed]);
        assert_eq!(hex::encode(leaf), e.leaf_hash);
        leaves.entry(e.author.clone()).or_default().push(leaf);
    }
    // RFC 6962 root of each feed, computed here from the definition.
    for (party, view) in &v.feeds {
        assert_eq!(leaves[party].len() as u64, view.size);
        assert_eq!(hex::encode(mth(&leaves[party])), view.root, "{party}");
    }
}
