//! Checkpoint notes as `verify` and `import` see them, which must agree: a note record whose
//! unsigned origin, size or root disagrees with its signed note, and a signature line whose
//! key name was altered, are refused by import and are error-level findings of verify (the
//! library, `hotline verify BUNDLE` and `hotline verify` of a store); notes of one checkpoint
//! are capped in the verifier and in the store; non-canonical base64 in notes, checkpoints,
//! proofs and witness requests is refused with an error that says so.
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

use std::path::{Path, PathBuf};

use hotline::bundle::{self, NoteRecord};
use hotline::checkpoint::{Checkpoint, Note};
use hotline::example::{self, T0, test_key};
use hotline::merkle::{self, Hash};
use hotline::proof::OfflineProof;
use hotline::store::{NoteMeta, Store, StoreError};
use hotline::tlog_witness::{AddCheckpoint, RequestError};
use hotline::verify::{self, FindingKind, Level, MAX_NOTES_PER_CHECKPOINT, Options};
use hotline::witness::{self, Held};
use hotline::{Charter, SignedEntry, Timestamp};
use run::hotline as hotline_run;

/// The example channel, alpha's feed and its leaves.
struct Channel {
    charter: Charter,
    entries: Vec<Vec<u8>>,
    alpha: Vec<Vec<u8>>,
}

fn channel() -> Channel {
    let (charter, entries) = example::channel().unwrap();
    let me = test_key("alpha").party();
    let alpha = entries
        .iter()
        .filter(|e| SignedEntry::decode(e).unwrap().header().author == me)
        .cloned()
        .collect();
    Channel {
        charter,
        entries,
        alpha,
    }
}

impl Channel {
    fn leaves(&self) -> Vec<Hash> {
        self.alpha.iter().map(|e| merkle::leaf_hash(e)).collect()
    }

    /// Alpha's checkpoint at `size` with `root`, cosigned by beta.
    fn note_with_root(&self, size: usize, root: Hash) -> Vec<u8> {
        self.note_cosigned_at(size, root, T0 + 3600)
    }

    /// Alpha's checkpoint at `size` with `root`, cosigned by beta at `time`.
    fn note_cosigned_at(&self, size: usize, root: Hash, time: u64) -> Vec<u8> {
        let note =
            witness::sign_checkpoint(&self.charter, &test_key("alpha"), size as u64, root).unwrap();
        let held = |_: &witness::CheckedNote| Held {
            size: self.alpha.len() as u64,
            root_at_checkpoint: Some(root),
            last_cosigned: None,
        };
        witness::cosign(
            &self.charter,
            &test_key("beta"),
            &note,
            &held,
            Timestamp(time),
        )
        .unwrap()
    }

    /// Alpha's true checkpoint at `size`, cosigned by beta.
    fn note(&self, size: usize) -> Vec<u8> {
        self.note_with_root(size, merkle::root(&self.leaves()[..size]))
    }

    fn record(&self, note: &[u8]) -> NoteRecord {
        let c = witness::check_note(&self.charter, note).unwrap();
        NoteRecord {
            origin: c.checkpoint.origin().to_owned(),
            size: c.checkpoint.size(),
            root: *c.checkpoint.root(),
            note: note.to_vec(),
        }
    }

    fn bundle(&self, records: &[NoteRecord]) -> Vec<u8> {
        bundle::write_with_notes(&self.charter, &self.entries, records).unwrap()
    }

    fn verify(&self, bundle_bytes: &[u8]) -> verify::Report {
        let b = bundle::read(bundle_bytes).unwrap();
        verify::verify_with_notes(&b.charter, &b.entries, &b.notes, Options::default())
    }
}

fn kinds(r: &verify::Report) -> Vec<FindingKind> {
    r.findings.iter().map(|f| f.kind).collect()
}

/// The three ways a record's unsigned fields can be altered.
fn altered_records(c: &Channel) -> Vec<(&'static str, NoteRecord)> {
    let good = c.record(&c.note(3));
    let mut origin = good.clone();
    origin.origin.push('x');
    let mut size = good.clone();
    size.size = 2;
    let mut root = good.clone();
    root.root[0] ^= 1;
    vec![("origin", origin), ("size", size), ("root", root)]
}

#[test]
fn a_note_record_that_disagrees_with_its_note_is_an_error_finding() {
    let c = channel();
    let clean = c.verify(&c.bundle(&[c.record(&c.note(3))]));
    assert!(clean.ok, "{:?}", clean.findings);
    assert_eq!(clean.checkpoints.len(), 1);
    for (what, r) in altered_records(&c) {
        let report = c.verify(&c.bundle(&[r]));
        assert_eq!(
            kinds(&report),
            [FindingKind::NoteRecordMismatch],
            "{what}: {:?}",
            report.findings
        );
        let f = &report.findings[0];
        assert_eq!(f.level, Level::Error);
        assert!(!report.ok);
        assert!(f.message.contains(" at byte offset "), "{}", f.message);
        assert_eq!(f.party.as_deref(), Some("alpha"));
    }
}

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("keys")
}

fn trust_args(bundle: &str) -> Vec<String> {
    let k = keys();
    vec![
        "verify".into(),
        bundle.into(),
        "--trust".into(),
        k.join("alpha.pub").display().to_string(),
        "--trust".into(),
        k.join("beta.pub").display().to_string(),
        "--json".into(),
    ]
}

fn cli_findings(dir: &Path, args: &[String]) -> (i32, Vec<String>) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = hotline_run(dir, &args);
    let json = r.json();
    let kinds = json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {json}"))
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect();
    (r.code, kinds)
}

/// A store of the example channel holding its entries, as the library writes one.
fn store_with_entries(c: &Channel, dir: &Path) -> Store {
    let mut s = Store::create(dir, &c.charter).unwrap();
    s.import(&bundle::write(&c.charter, &c.entries).unwrap(), None)
        .unwrap();
    s
}

fn check_note(charter: &Charter) -> impl FnMut(&[u8]) -> Result<NoteMeta, String> + '_ {
    move |note| {
        let c = witness::check_note(charter, note).map_err(|e| e.to_string())?;
        Ok(NoteMeta::from(&c))
    }
}

#[test]
fn verify_of_a_bundle_and_import_agree_on_an_altered_note_record() {
    let c = channel();
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("good"), c.bundle(&[c.record(&c.note(3))])).unwrap();
    let (code, found) = cli_findings(t.path(), &trust_args("good"));
    assert_eq!((code, found), (0, Vec::<String>::new()));
    for (what, r) in altered_records(&c) {
        let bytes = c.bundle(&[r]);
        std::fs::write(t.path().join(what), &bytes).unwrap();
        let (code, found) = cli_findings(t.path(), &trust_args(what));
        assert_eq!(code, 1, "{what}");
        assert_eq!(found, ["note-record-mismatch"], "{what}");
        // Import refuses it and writes nothing.
        let mut s = store_with_entries(&c, &t.path().join(format!("s-{what}")));
        let before = s.all_notes().unwrap().len();
        match s.import_with(&bytes, None, check_note(&c.charter)) {
            Err(StoreError::BadNote { reason, .. }) => {
                assert!(reason.contains("the record says"), "{reason}")
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(s.all_notes().unwrap().len(), before);
    }
}

#[test]
fn verify_of_a_store_reports_a_note_record_that_disagrees_with_its_note() {
    // A library caller hands the store a wrong NoteMeta (the store does not parse notes):
    // verify of the store must say so, as import of its export would refuse it.
    let c = channel();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("s");
    let note = c.note(3);
    {
        let mut s = store_with_entries(&c, &dir);
        let mut meta = check_note(&c.charter)(&note).unwrap();
        meta.size = 2;
        assert_eq!(s.add_notes(&[(meta, note)]).unwrap(), 1);
    }
    let r = hotline_run(t.path(), &["--store", "s", "verify", "--json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let json = r.json();
    let found: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["note-record-mismatch"]);
}

/// `note` with the key name of its `line`-th signature line (from 0) changed by one
/// character.
fn rename_signature(note: &[u8], line: usize) -> Vec<u8> {
    let text = String::from_utf8(note.to_vec()).unwrap();
    let (body, sigs) = text.split_once("\n\n").unwrap();
    let mut lines: Vec<String> = sigs.lines().map(str::to_owned).collect();
    let (name, rest) = lines[line]
        .strip_prefix("— ")
        .unwrap()
        .split_once(' ')
        .unwrap();
    let mut renamed = name.to_owned();
    let last = renamed.pop().unwrap();
    renamed.push(if last == 'a' { 'b' } else { 'a' });
    lines[line] = format!("— {renamed} {rest}");
    format!("{body}\n\n{}\n", lines.join("\n")).into_bytes()
}

#[test]
fn an_altered_cosignature_key_name_is_refused_by_import_and_a_finding_of_verify() {
    let c = channel();
    let note = c.note(3);
    assert_eq!(Note::parse(&note).unwrap().signatures().len(), 2);
    let t = tempfile::tempdir().unwrap();
    // Line 1 is beta's cosignature; line 0 the owner's signature.
    for line in [1, 0] {
        let altered = rename_signature(&note, line);
        let mut r = c.record(&note);
        r.note = altered.clone();
        let bytes = c.bundle(&[r]);
        let report = c.verify(&bytes);
        assert_eq!(
            kinds(&report),
            [FindingKind::AlteredSignatureLine],
            "line {line}: {:?}",
            report.findings
        );
        assert_eq!(report.findings[0].level, Level::Error);
        assert!(report.checkpoints.is_empty());
        let name = format!("renamed-{line}");
        std::fs::write(t.path().join(&name), &bytes).unwrap();
        let (code, found) = cli_findings(t.path(), &trust_args(&name));
        assert_eq!(
            (code, found),
            (1, vec!["altered-signature-line".to_owned()])
        );
        let mut s = store_with_entries(&c, &t.path().join(format!("s{line}")));
        match s.import_with(&bytes, None, check_note(&c.charter)) {
            Err(StoreError::BadNote { reason, .. }) => {
                assert!(reason.contains("the line was altered"), "{reason}")
            }
            other => panic!("line {line}: {other:?}"),
        }
        assert!(s.all_notes().unwrap().is_empty());
    }
    // A line of a key no one here knows (another name and id) is still ignored, as C2SP asks.
    let text = String::from_utf8(note.clone()).unwrap();
    let stranger = format!("{text}— someone.example/x AAAAAQAB\n");
    let report = c.verify(&c.bundle(&[NoteRecord {
        note: stranger.into_bytes(),
        ..c.record(&note)
    }]));
    assert!(report.ok, "{:?}", report.findings);
    assert_eq!(report.checkpoints[0].cosignatures.len(), 1);
}

/// `n` variants of one note: the same signed checkpoint with one more line of a key no one
/// knows (which C2SP says to ignore), each a different byte string.
fn variants(note: &[u8], n: usize, tag: &str) -> Vec<Vec<u8>> {
    let text = String::from_utf8(note.to_vec()).unwrap();
    (0..n)
        .map(|i| format!("{text}— junk.example/{tag}{i} AAAAAQAB\n").into_bytes())
        .collect()
}

#[test]
fn notes_of_one_checkpoint_are_capped_in_the_verifier_and_the_store() {
    let c = channel();
    let extra = 8;
    let many = variants(&c.note(3), MAX_NOTES_PER_CHECKPOINT + extra, "a");
    let records: Vec<NoteRecord> = many.iter().map(|n| c.record(n)).collect();
    let bytes = c.bundle(&records);
    let report = c.verify(&bytes);
    assert_eq!(kinds(&report), [FindingKind::NotesCapped]);
    assert_eq!(report.findings[0].level, Level::Warning);
    assert!(
        report.findings[0]
            .message
            .starts_with(&format!("{extra} checkpoint note(s)")),
        "{}",
        report.findings[0].message
    );
    assert!(report.ok);
    assert_eq!(report.checkpoints.len(), 1);

    let t = tempfile::tempdir().unwrap();
    let mut s = store_with_entries(&c, &t.path().join("s"));
    let r = s.import_with(&bytes, None, check_note(&c.charter)).unwrap();
    assert_eq!(
        (r.new_notes, r.notes_left_out),
        (MAX_NOTES_PER_CHECKPOINT, extra)
    );
    // Another import of other variants adds none: the store holds the checkpoint's quota.
    let more = variants(&c.note(3), 5, "b");
    let records: Vec<NoteRecord> = more.iter().map(|n| c.record(n)).collect();
    let r = s
        .import_with(&c.bundle(&records), None, check_note(&c.charter))
        .unwrap();
    assert_eq!((r.new_notes, r.notes_left_out), (0, 5));
    assert_eq!(s.all_notes().unwrap().len(), MAX_NOTES_PER_CHECKPOINT);
    // Notes of another checkpoint are kept as before.
    let r = s
        .import_with(
            &c.bundle(&[c.record(&c.note(2))]),
            None,
            check_note(&c.charter),
        )
        .unwrap();
    assert_eq!((r.new_notes, r.notes_left_out), (1, 0));
    // add_notes keeps to the same cap.
    let meta = check_note(&c.charter)(&c.note(3)).unwrap();
    let again: Vec<(NoteMeta, Vec<u8>)> = variants(&c.note(3), 3, "c")
        .into_iter()
        .map(|n| (meta.clone(), n))
        .collect();
    assert_eq!(s.add_notes(&again).unwrap(), 0);
}

/// Alpha's true checkpoint at `size`, signed by alpha alone.
fn uncosigned(c: &Channel, size: usize) -> Vec<u8> {
    let root = merkle::root(&c.leaves()[..size]);
    witness::sign_checkpoint(&c.charter, &test_key("alpha"), size as u64, root).unwrap()
}

#[test]
fn past_the_cap_a_note_that_brings_a_new_cosigner_is_still_kept_by_the_verifier() {
    let c = channel();
    let root = merkle::root(&c.leaves()[..3]);
    let mut notes = variants(&uncosigned(&c, 3), MAX_NOTES_PER_CHECKPOINT + 1, "a");
    // Past the cap: beta's first cosignature is kept; beta's cosignature at another time
    // brings no new cosigner and is left out (one cosigner can state endless times).
    notes.push(c.note_cosigned_at(3, root, T0 + 7200));
    notes.push(c.note_cosigned_at(3, root, T0 + 7300));
    let records: Vec<NoteRecord> = notes.iter().map(|n| c.record(n)).collect();
    let report = c.verify(&c.bundle(&records));
    assert_eq!(kinds(&report), [FindingKind::NotesCapped]);
    assert!(
        report.findings[0]
            .message
            .starts_with("2 checkpoint note(s)"),
        "{}",
        report.findings[0].message
    );
    let times: Vec<u64> = report.checkpoints[0]
        .cosignatures
        .iter()
        .map(|x| x.time.0)
        .collect();
    assert_eq!(times, [T0 + 7200]);
}

#[test]
fn of_one_size_the_notes_of_two_roots_are_kept_and_a_third_root_is_left_out() {
    let c = channel();
    let roots: Vec<Hash> = (0..3u8).map(|i| [i; 32]).collect();
    let records: Vec<NoteRecord> = roots
        .iter()
        .map(|r| c.record(&c.note_with_root(6, *r)))
        .collect();
    let report = c.verify(&c.bundle(&records));
    let found = kinds(&report);
    assert!(found.contains(&FindingKind::SplitView), "{found:?}");
    assert!(found.contains(&FindingKind::NotesCapped), "{found:?}");
    let capped = report.of_kind(FindingKind::NotesCapped).next().unwrap();
    assert!(
        capped.message.starts_with("1 checkpoint note(s)"),
        "{}",
        capped.message
    );
}

/// The base64 `b64` with its last digit before the padding moved to the next one that decodes
/// to the same bytes, if the encoding has unused bits (a non-canonical encoding).
fn non_canonical(b64: &str) -> String {
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let trimmed = b64.trim_end_matches('=');
    let pad = &b64[trimmed.len()..];
    assert!(!pad.is_empty(), "{b64} has no unused bits");
    let (head, last) = trimmed.split_at(trimmed.len() - 1);
    let d = alphabet.find(last).unwrap();
    format!("{head}{}{pad}", &alphabet[d + 1..d + 2])
}

#[test]
fn non_canonical_base64_is_refused_in_notes_checkpoints_proofs_and_witness_requests() {
    const FAULT: &str = "non-canonical base64: the last digit has unused bits set";
    let c = channel();
    let note = String::from_utf8(c.note(3)).unwrap();
    let (body, sigs) = note.split_once("\n\n").unwrap();
    let body = format!("{body}\n");

    // A note's signature line.
    let (name, sig) = sigs.lines().next().unwrap()[4..].split_once(' ').unwrap();
    let bad = note.replacen(sig, &non_canonical(sig), 1);
    assert_ne!(bad, note);
    let e = Note::parse(bad.as_bytes()).unwrap_err().to_string();
    assert!(e.contains(FAULT), "{e}");
    assert!(!name.is_empty());

    // A checkpoint's root line.
    let root = body.lines().nth(2).unwrap();
    let e = Checkpoint::parse(&body.replacen(root, &non_canonical(root), 1))
        .unwrap_err()
        .to_string();
    assert!(e.contains(FAULT), "{e}");

    // A proof's hash lines and its extra line.
    let leaves = c.leaves();
    let proof = OfflineProof {
        entry: c.alpha[1].clone(),
        index: 1,
        path: merkle::inclusion_proof(&leaves, 1).unwrap(),
        note: c.note(leaves.len()),
    };
    let text = String::from_utf8(proof.encode()).unwrap();
    assert!(OfflineProof::parse(text.as_bytes()).is_ok());
    let hash = text.lines().nth(3).unwrap();
    let e = OfflineProof::parse(text.replacen(hash, &non_canonical(hash), 1).as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("line 4: proof hash: {FAULT}")), "{e}");
    let extra = text.lines().nth(1).unwrap().strip_prefix("extra ").unwrap();
    if extra.ends_with('=') {
        let e = OfflineProof::parse(text.replacen(extra, &non_canonical(extra), 1).as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("line 2: extra: {FAULT}")), "{e}");
    }

    // A witness request's consistency-proof lines.
    let req = AddCheckpoint {
        old_size: 2,
        proof: merkle::consistency_proof(&leaves, 2).unwrap(),
        checkpoint: c.note(leaves.len()),
    };
    let text = String::from_utf8(req.encode()).unwrap();
    let line = text.lines().nth(1).unwrap();
    match AddCheckpoint::parse(text.replacen(line, &non_canonical(line), 1).as_bytes()) {
        Err(RequestError::BadProofLine { line: 2, reason }) => assert_eq!(reason, FAULT),
        other => panic!("{other:?}"),
    }
}

#[test]
fn past_the_cap_a_note_that_brings_a_new_cosigner_is_still_kept_by_the_store() {
    let c = channel();
    let root = merkle::root(&c.leaves()[..3]);
    let mut notes = variants(&uncosigned(&c, 3), MAX_NOTES_PER_CHECKPOINT + 4, "a");
    notes.push(c.note_cosigned_at(3, root, T0 + 7200));
    let records: Vec<NoteRecord> = notes.iter().map(|n| c.record(n)).collect();
    let t = tempfile::tempdir().unwrap();
    let mut s = store_with_entries(&c, &t.path().join("s"));
    let r = s
        .import_with(&c.bundle(&records), None, check_note(&c.charter))
        .unwrap();
    assert_eq!(
        (r.new_notes, r.notes_left_out),
        (MAX_NOTES_PER_CHECKPOINT + 1, 4)
    );
    // In later imports, against the notes held (re-checked for what they bring): beta's
    // cosignatures at other times bring no new cosigner, however many times are stated.
    let later: Vec<Vec<u8>> = (1..=5)
        .map(|k| c.note_cosigned_at(3, root, T0 + 7200 + k))
        .collect();
    let records: Vec<NoteRecord> = later.iter().map(|n| c.record(n)).collect();
    let r = s
        .import_with(&c.bundle(&records), None, check_note(&c.charter))
        .unwrap();
    assert_eq!((r.new_notes, r.notes_left_out), (0, 5));
    let held: Vec<Vec<u8>> = s.all_notes().unwrap().into_iter().map(|n| n.note).collect();
    assert!(held.contains(&notes[notes.len() - 1]));
    assert_eq!(held.len(), MAX_NOTES_PER_CHECKPOINT + 1);
}

#[test]
fn a_store_keeps_its_own_cosignature_past_a_flood_of_variants() {
    // As the CLI's cosign does: add_notes_with, with the note checker.
    let c = channel();
    let root = merkle::root(&c.leaves()[..3]);
    let flood = variants(&uncosigned(&c, 3), MAX_NOTES_PER_CHECKPOINT, "a");
    let records: Vec<NoteRecord> = flood.iter().map(|n| c.record(n)).collect();
    let t = tempfile::tempdir().unwrap();
    let mut s = store_with_entries(&c, &t.path().join("s"));
    s.import_with(&c.bundle(&records), None, check_note(&c.charter))
        .unwrap();
    let mine = c.note_cosigned_at(3, root, T0 + 9900);
    // What the caller says the note brings is not taken on trust: add_notes counts by what it
    // states, add_notes_with by what the checker finds.
    let mut claimed = NoteMeta::stating(c.record(&mine).origin, 3, root);
    claimed.signatures = vec![hotline::store::NoteSignature::Cosigner(
        test_key("beta").party(),
        Timestamp(T0 + 1),
    )];
    let pair = [(claimed.clone(), mine.clone())];
    assert_eq!(s.add_notes(&pair).unwrap(), 0);
    assert_eq!(s.add_notes_with(&pair, |_: &[u8]| None).unwrap(), 0);
    let mut recheck = check_note(&c.charter);
    assert_eq!(
        s.add_notes_with(&pair, |n: &[u8]| recheck(n).ok()).unwrap(),
        1
    );
}
