//! A deterministic mutation loop over bundles, checkpoint notes and tlog-proofs, and a
//! differential check of every entry signature against `ed25519_dalek`'s `verify_strict`.
//!
//! `tests/tamper.rs` flips each byte of each entry handed to the verifier directly; this file
//! mutates whole inputs as they arrive from another party: a bundle's bytes (framing, and
//! payloads re-framed with correct check values, which anyone can compute), a note's text and
//! signature lines, a proof file. For each mutated input: no panic, and if it is accepted,
//! nothing it reports differs from what the original reports — every entry is one the
//! parties signed, every checkpoint (origin, size, root) one they signed, every cosignature
//! one of the original's (a cosignature line can always be stripped, so fewer is allowed; a
//! different one never). That covers mutations of signed bytes and of unsigned bytes that
//! change a reported fact (a note record's origin, size or root; a signature line's key name;
//! a proof's hashes, index or entry).
//!
//! Fixed seed, so a failure reproduces; the counts are asserted so the loop cannot silently
//! shrink. `HOTLINE_MUTATIONS=N` multiplies the counts by N, for a longer run by hand.
#![cfg(feature = "example")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::{BTreeMap, BTreeSet};

use ed25519_dalek::{Signature, VerifyingKey};
use hotline::bundle::{self, ConsistencyRecord, NoteRecord};
use hotline::checkpoint::Note;
use hotline::example::{self, T0, test_key};
use hotline::merkle::{self, Hash};
use hotline::proof::{OfflineProof, verify_offline};
use hotline::verify::{self, FindingKind, Level, Options, Report};
use hotline::witness::{self, Held};
use hotline::{Charter, SignedEntry, Timestamp};

/// xorshift64*: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// One random edit of `bytes`: flip bits of a byte, set a byte, insert or delete a run, cut,
/// duplicate a run, or write a "interesting" value (0, 0xff, a length-like integer).
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    let at = rng.below(len);
    match rng.below(8) {
        0 => {
            if let Some(b) = bytes.get_mut(at) {
                *b ^= 1 << rng.below(8);
            }
        }
        1 => {
            if let Some(b) = bytes.get_mut(at) {
                *b = rng.byte();
            }
        }
        2 => {
            let n = 1 + rng.below(8);
            for _ in 0..n {
                let b = rng.byte();
                bytes.insert(at.min(bytes.len()), b);
            }
        }
        3 => {
            let n = (1 + rng.below(8)).min(len.saturating_sub(at));
            bytes.drain(at..at + n);
        }
        4 => bytes.truncate(at),
        5 => {
            let n = (1 + rng.below(16)).min(len.saturating_sub(at));
            let run: Vec<u8> = bytes[at..at + n].to_vec();
            let to = rng.below(bytes.len());
            bytes.splice(to..to, run);
        }
        6 => {
            let v: [u8; 8] = match rng.below(4) {
                0 => [0; 8],
                1 => [0xff; 8],
                2 => (1u64 << 30).to_le_bytes(),
                _ => (rng.below(300) as u64).to_le_bytes(),
            };
            let n = (1 + rng.below(8)).min(len.saturating_sub(at));
            bytes[at..at + n].copy_from_slice(&v[..n]);
        }
        _ => {
            // A text-level edit: swap in a character that matters to line formats.
            let c = [b'\n', b' ', b'=', b'+', b'/', b'0', b'A', 0xe2][rng.below(8)];
            if let Some(b) = bytes.get_mut(at) {
                *b = c;
            }
        }
    }
}

/// The example channel with checkpoints of alpha's feed, each cosigned by beta.
struct Sample {
    charter: Charter,
    entries: Vec<Vec<u8>>,
    alpha: Vec<Vec<u8>>,
    notes: Vec<Vec<u8>>,
    records: Vec<NoteRecord>,
    proofs: Vec<ConsistencyRecord>,
    bundle: Vec<u8>,
}

fn sample() -> Sample {
    let (charter, entries) = example::channel().unwrap();
    let me = test_key("alpha").party();
    let alpha: Vec<Vec<u8>> = entries
        .iter()
        .filter(|e| SignedEntry::decode(e).unwrap().header().author == me)
        .cloned()
        .collect();
    let leaves: Vec<Hash> = alpha.iter().map(|e| merkle::leaf_hash(e)).collect();
    let mut notes = Vec::new();
    for size in [2, leaves.len()] {
        let root = merkle::root(&leaves[..size]);
        let note =
            witness::sign_checkpoint(&charter, &test_key("alpha"), size as u64, root).unwrap();
        let held = |_: &witness::CheckedNote| Held {
            size: leaves.len() as u64,
            root_at_checkpoint: Some(root),
            last_cosigned: None,
        };
        notes.push(
            witness::cosign(
                &charter,
                &test_key("beta"),
                &note,
                &held,
                Timestamp(T0 + 7200),
            )
            .unwrap(),
        );
    }
    let records: Vec<NoteRecord> = notes
        .iter()
        .map(|n| {
            let c = witness::check_note(&charter, n).unwrap();
            NoteRecord {
                origin: c.checkpoint.origin().to_owned(),
                size: c.checkpoint.size(),
                root: *c.checkpoint.root(),
                note: n.clone(),
            }
        })
        .collect();
    let proofs = vec![ConsistencyRecord {
        origin: records[0].origin.clone(),
        old_size: records[0].size,
        new_size: records[1].size,
        proof: merkle::consistency_proof(&leaves, records[0].size).unwrap(),
    }];
    let bundle = bundle::write_with_proofs(&charter, &entries, &records, &proofs).unwrap();
    Sample {
        charter,
        entries,
        alpha,
        notes,
        records,
        proofs,
        bundle,
    }
}

/// Every signature line of `note` that carries the key id of one of `originals`' lines
/// carries that line's key name too: a key name is unsigned, and altering it must not pass.
fn names_intact(note: &[u8], originals: &[Vec<u8>]) -> bool {
    let known: Vec<(u32, String)> = originals
        .iter()
        .flat_map(|n| Note::parse(n).unwrap().signatures().to_vec())
        .map(|s| (s.key_id(), s.name().to_owned()))
        .collect();
    let Ok(parsed) = Note::parse(note) else {
        return true;
    };
    parsed.signatures().iter().all(|s| {
        known
            .iter()
            .filter(|(id, _)| *id == s.key_id())
            .all(|(_, name)| name == s.name())
    })
}

/// What a report says that a mutation must not change: the checkpoints (origin, size, root)
/// with their cosignatures (who, with which key, when).
type Facts = BTreeMap<(String, u64, String), BTreeSet<(String, [u8; 32], u64)>>;

fn facts(r: &Report) -> Facts {
    r.checkpoints
        .iter()
        .map(|c| {
            (
                (c.origin.clone(), c.size, c.root.clone()),
                c.cosignatures
                    .iter()
                    .map(|s| (s.party.clone(), s.key.0, s.time.0))
                    .collect(),
            )
        })
        .collect()
}

/// Whether every fact of `got` is one of `want`'s.
fn within(got: &Facts, want: &Facts) -> bool {
    got.iter()
        .all(|(k, cos)| want.get(k).is_some_and(|w| cos.is_subset(w)))
}

fn verify_bundle(bytes: &[u8]) -> Option<(bundle::Bundle, Report)> {
    let b = bundle::read(bytes).ok()?;
    let r = verify::verify_with_notes(&b.charter, &b.entries, &b.notes, Options::default());
    Some((b, r))
}

/// A bundle rebuilt from parts, framed correctly (check values recomputed), with or without
/// the consistency proof (which ties the note records' roots to each other: without it, only
/// the verifier ties a record to its note).
fn reframe(
    s: &Sample,
    entries: &[Vec<u8>],
    records: &[NoteRecord],
    proofs: bool,
) -> Option<Vec<u8>> {
    let proofs = if proofs { &s.proofs[..] } else { &[] };
    bundle::write_with_proofs(&s.charter, entries, records, proofs).ok()
}

struct Tally {
    tried: usize,
    accepted: usize,
}

/// Check one mutated bundle: if it verifies clean, it shows only what the parties signed.
fn check_bundle(s: &Sample, want: &Facts, bytes: &[u8], t: &mut Tally) {
    t.tried += 1;
    let Some((b, report)) = verify_bundle(bytes) else {
        return;
    };
    let errors = report.findings.iter().any(|f| f.level == Level::Error);
    assert_eq!(report.ok, !errors);
    differential(&b.entries, &report);
    if !report.ok {
        return;
    }
    t.accepted += 1;
    assert_eq!(
        b.charter, s.charter,
        "a clean report under an altered charter"
    );
    for e in &b.entries {
        assert!(
            s.entries.contains(e),
            "a clean report with an entry the parties never signed"
        );
    }
    let got = facts(&report);
    assert!(
        within(&got, want),
        "a clean report with a checkpoint or cosignature never signed: {got:?}"
    );
    for n in &b.notes {
        assert!(
            s.records.iter().any(|r| (&r.origin, r.size, &r.root)
                == (&n.record.origin, n.record.size, &n.record.root)),
            "a clean report with a note record stating what no note states"
        );
        assert!(
            names_intact(&n.record.note, &s.notes),
            "a clean report with an altered key name"
        );
    }
}

fn scale() -> usize {
    std::env::var("HOTLINE_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

#[test]
fn mutated_bundles_are_refused_or_say_only_what_was_signed() {
    let s = sample();
    let original = verify_bundle(&s.bundle).unwrap().1;
    assert!(original.ok, "{:?}", original.findings);
    let want = facts(&original);
    assert_eq!(want.len(), 2);
    let mut rng = Rng(0x68_6f74_6c69_6e65);
    let mut t = Tally {
        tried: 0,
        accepted: 0,
    };
    let n = 4000 * scale();
    // The file's bytes as they are: framing, check values, lengths.
    for _ in 0..n {
        let mut bytes = s.bundle.clone();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut bytes);
        }
        check_bundle(&s, &want, &bytes, &mut t);
    }
    // Payloads edited and re-framed, as an adversary who computes check values would.
    while t.tried < 2 * n {
        let mut entries = s.entries.clone();
        let mut records = s.records.clone();
        match rng.below(5) {
            0 | 1 => {
                let i = rng.below(entries.len());
                mutate(&mut rng, &mut entries[i]);
            }
            2 => {
                // The record's encoding: its unsigned origin, size and root, or the note.
                let i = rng.below(records.len());
                let mut bytes = records[i].encode().unwrap();
                mutate(&mut rng, &mut bytes);
                match NoteRecord::decode(&bytes) {
                    Ok(r) => records[i] = r,
                    Err(_) => continue,
                }
            }
            _ => {
                let i = rng.below(records.len());
                mutate(&mut rng, &mut records[i].note);
            }
        }
        if let Some(bytes) = reframe(&s, &entries, &records, rng.below(2) == 0) {
            check_bundle(&s, &want, &bytes, &mut t);
        }
    }
    eprintln!(
        "bundles: {} mutated, {} accepted (each showing only what was signed)",
        t.tried, t.accepted
    );
}

#[test]
fn mutated_notes_are_refused_or_state_only_what_was_signed() {
    let s = sample();
    let mut want: Facts = Facts::new();
    for n in &s.notes {
        let c = witness::check_note(&s.charter, n).unwrap();
        want.insert(
            (
                c.checkpoint.origin().to_owned(),
                c.checkpoint.size(),
                hex::encode(c.checkpoint.root()),
            ),
            c.cosignatures
                .iter()
                .map(|x| (x.party.clone(), x.key.0, x.time.0))
                .collect(),
        );
    }
    let mut rng = Rng(0x6e6f_7465_7321);
    let (mut tried, mut accepted) = (0usize, 0usize);
    for _ in 0..8000 * scale() {
        let i = rng.below(s.notes.len());
        let mut note = s.notes[i].clone();
        for _ in 0..1 + rng.below(2) {
            mutate(&mut rng, &mut note);
        }
        tried += 1;
        let Ok(c) = witness::check_note(&s.charter, &note) else {
            continue;
        };
        if note != s.notes[i] {
            accepted += 1;
        }
        assert!(
            names_intact(&note, &s.notes),
            "a mutated note with an altered key name checks:\n{}",
            String::from_utf8_lossy(&note)
        );
        let key = (
            c.checkpoint.origin().to_owned(),
            c.checkpoint.size(),
            hex::encode(c.checkpoint.root()),
        );
        let cos: BTreeSet<_> = c
            .cosignatures
            .iter()
            .map(|x| (x.party.clone(), x.key.0, x.time.0))
            .collect();
        assert!(
            want.get(&key).is_some_and(|w| cos.is_subset(w)),
            "a mutated note checks with facts never signed: {key:?} {cos:?}\n{}",
            String::from_utf8_lossy(&note)
        );
    }
    eprintln!("notes: {tried} mutated, {accepted} accepted (each stating only what was signed)");
}

#[test]
fn mutated_proofs_are_refused_or_prove_only_what_was_signed() {
    let s = sample();
    let leaves: Vec<Hash> = s.alpha.iter().map(|e| merkle::leaf_hash(e)).collect();
    let trusted = [test_key("alpha").public(), test_key("beta").public()];
    let proofs: Vec<Vec<u8>> = (0..s.alpha.len())
        .map(|i| {
            OfflineProof {
                entry: s.alpha[i].clone(),
                index: i as u64,
                path: merkle::inclusion_proof(&leaves, i as u64).unwrap(),
                note: s.notes[1].clone(),
            }
            .encode()
        })
        .collect();
    for p in &proofs {
        verify_offline(&OfflineProof::parse(p).unwrap(), &trusted).unwrap();
    }
    let mut rng = Rng(0x7072_6f6f_6673);
    let (mut tried, mut accepted) = (0usize, 0usize);
    for _ in 0..5000 * scale() {
        let i = rng.below(proofs.len());
        let mut bytes = proofs[i].clone();
        for _ in 0..1 + rng.below(2) {
            mutate(&mut rng, &mut bytes);
        }
        tried += 1;
        let Ok(p) = OfflineProof::parse(&bytes) else {
            continue;
        };
        let Ok(proven) = verify_offline(&p, &trusted) else {
            continue;
        };
        if bytes != proofs[i] {
            accepted += 1;
        }
        // Only the original entry at its own seq, in the checkpoint alpha signed.
        let j = proven.seq as usize;
        assert_eq!(p.entry, s.alpha[j], "a proof of an entry never signed");
        assert_eq!(p.index, proven.seq);
        assert_eq!(proven.checkpoint_size, leaves.len() as u64);
        assert_eq!(proven.cosignatures.len(), 1);
        assert_eq!(proven.cosignatures[0].time, Timestamp(T0 + 7200));
    }
    eprintln!("proofs: {tried} mutated, {accepted} accepted (each proving only what was signed)");
}

// ---------------------------------------------------------------------------------------
// Differential check of entry signatures.

/// The bytes an entry's author signs (docs/FORMAT.md §4), built here, not by the library.
fn signed_message(e: &SignedEntry) -> Vec<u8> {
    let mut m = b"hotline/v2/entry-signature\0".to_vec();
    m.extend(e.entry.encode().unwrap());
    m
}

/// `ed25519_dalek`'s `verify_strict` of the entry's signature under its header key, alone.
fn dalek_strict(e: &SignedEntry) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(&e.entry.header.key.0) else {
        return false;
    };
    key.verify_strict(&signed_message(e), &Signature::from_bytes(&e.signature))
        .is_ok()
}

/// Whether 32 bytes are the canonical encoding of a field element (y < p, sign bit aside):
/// hotline refuses non-canonical `A` and `R` (RFC 8032 §5.1.3, §5.1.7), which dalek's
/// `verify_strict` does not check for `A`, and checks for `R` only through the hash.
fn canonical(b: &[u8; 32]) -> bool {
    let mut y = *b;
    y[31] &= 0x7f;
    // p = 2^255 - 19: non-canonical iff y >= p, i.e. y = 2^255 - 19 + k for k in 0..19.
    !(y[31] == 0x7f && y[1..31].iter().all(|&x| x == 0xff) && y[0] >= 0xed)
}

/// A signature path of the library: a decision on each entry's signature. A batch or
/// parallel verifier, when there is one, is added to [`paths`] and is held to the same
/// equality with `verify_strict`.
type SigPath = fn(&[SignedEntry]) -> Vec<bool>;

fn single(entries: &[SignedEntry]) -> Vec<bool> {
    entries
        .iter()
        .map(|e| e.verify_signature().is_ok())
        .collect()
}

fn paths() -> Vec<(&'static str, SigPath)> {
    vec![("SignedEntry::verify_signature", single)]
}

/// Every signature path agrees with `verify_strict` on every entry that decodes, and the
/// verifier never reports a clean entry whose signature `verify_strict` refuses (nor a
/// `bad-signature` on one it accepts).
fn differential<B: AsRef<[u8]>>(entries: &[B], report: &Report) {
    let decoded: Vec<(usize, SignedEntry)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, b)| SignedEntry::decode(b.as_ref()).ok().map(|e| (i, e)))
        .collect();
    let signed: Vec<SignedEntry> = decoded.iter().map(|(_, e)| e.clone()).collect();
    let strict: Vec<bool> = signed.iter().map(dalek_strict).collect();
    let canon: Vec<bool> = signed
        .iter()
        .map(|e| canonical(&e.entry.header.key.0) && canonical(e.signature.first_chunk().unwrap()))
        .collect();
    for (name, path) in paths() {
        let got = path(&signed);
        for (k, ((g, s), c)) in got.iter().zip(&strict).zip(&canon).enumerate() {
            assert!(
                *g == (*s && *c),
                "{name} says {g} on entry {}, verify_strict {s} (canonical {c})",
                decoded[k].0
            );
        }
    }
    for ((i, _), (s, c)) in decoded.iter().zip(strict.iter().zip(&canon)) {
        let bad_sig = report
            .findings
            .iter()
            .any(|f| f.index == Some(*i) && f.kind == FindingKind::BadSignature);
        let clean = !report
            .findings
            .iter()
            .any(|f| f.index == Some(*i) && f.level == Level::Error);
        assert!(
            !clean || *s,
            "entry {i}: clean in the report, refused by verify_strict"
        );
        assert!(
            !(bad_sig && *s && *c),
            "entry {i}: bad-signature, but verify_strict accepts"
        );
    }
}

/// Small-order points (the eight torsion points' encodings) and non-canonical encodings.
fn weak_points() -> Vec<[u8; 32]> {
    let hex = [
        // identity, y = 1
        "0100000000000000000000000000000000000000000000000000000000000000",
        // y = -1 (order 2)
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        // order 4: y = 0, both signs
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        // order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        // non-canonical: y = p (≡ 0), y = p + 1 (≡ 1, the identity), with and without sign
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        // y = p + 3 (≡ 3; on the curve with the sign bit either way? whichever, it is refused)
        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    hex.iter()
        .map(|h| hex::decode(h).unwrap().try_into().unwrap())
        .collect()
}

/// ℓ, the order of the base point, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn add_le(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for k in 0..32 {
        let s = u16::from(a[k]) + u16::from(b[k]) + carry;
        out[k] = s as u8;
        carry = s >> 8;
    }
    out
}

#[test]
fn every_signature_decision_equals_verify_strict_on_edge_cases_and_mutations() {
    let s = sample();
    let originals: Vec<SignedEntry> = s
        .entries
        .iter()
        .map(|e| SignedEntry::decode(e).unwrap())
        .collect();
    let mut cases: Vec<SignedEntry> = originals.clone();
    for e in &originals {
        // Malleated S + ℓ: the same point equation, a non-canonical scalar.
        let mut m = e.clone();
        let s_plus = add_le(&e.signature[32..], &ELL);
        m.signature[32..].copy_from_slice(&s_plus);
        cases.push(m);
        for p in weak_points() {
            // A weak or non-canonical R, the signature otherwise the author's.
            let mut r = e.clone();
            r.signature[..32].copy_from_slice(&p);
            cases.push(r);
            // A weak or non-canonical key with R = the same point and S = 0, which the
            // unbatched, non-strict equation [S]B = R + [k]A accepts for small-order A and R.
            let mut k = e.clone();
            k.entry.header.key = hotline::PartyId(p);
            k.signature = [0; 64];
            k.signature[..32].copy_from_slice(&p);
            cases.push(k);
        }
    }
    // Random single-byte edits of the signature and of the signed bytes.
    let mut rng = Rng(0x6469_6666);
    for _ in 0..2000 * scale() {
        let mut e = originals[rng.below(originals.len())].clone();
        if rng.below(2) == 0 {
            e.signature[rng.below(64)] ^= 1 << rng.below(8);
        } else {
            e.entry.header.time.0 ^= 1 << rng.below(64);
        }
        cases.push(e);
    }
    let strict: Vec<bool> = cases.iter().map(dalek_strict).collect();
    // The originals verify; S + ℓ and the weak cases never do.
    assert!(strict[..originals.len()].iter().all(|&b| b));
    let per = 1 + 2 * weak_points().len();
    for k in 0..originals.len() {
        let at = originals.len() + k * per;
        assert!(!strict[at], "S + ℓ accepted by verify_strict");
        assert!(
            strict[at + 1..at + per].iter().all(|&b| !b),
            "a weak point accepted"
        );
    }
    for (name, path) in paths() {
        let got = path(&cases);
        for (i, (g, want)) in got.iter().zip(&strict).enumerate() {
            let c = &cases[i];
            let canon =
                canonical(&c.entry.header.key.0) && canonical(c.signature.first_chunk().unwrap());
            assert_eq!(*g, *want && canon, "{name} disagrees on case {i}");
        }
    }
    // The verifier on each case as an entry of the channel (encoded, as a bundle carries
    // it): an entry the strict check refuses is never clean.
    let encoded: Vec<Vec<u8>> = cases.iter().filter_map(|c| c.encode().ok()).collect();
    for chunk in encoded.chunks(64) {
        let mut all = s.entries.clone();
        all.extend(chunk.iter().cloned());
        let report = verify::verify(&s.charter, &all, Options::default());
        differential(&all, &report);
    }
    eprintln!(
        "signatures: {} cases, every path equal to verify_strict",
        cases.len()
    );
}
