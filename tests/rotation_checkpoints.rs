//! Checkpoints across key rotation and revocation (docs/FORMAT.md §9): a party's checkpoint of
//! its feed at size n is signed by its key in force after entry n − 1; cosignatures are made
//! with the cosigner's key in force and count under any key of its history but a revoked one.
//! Library tests first, then the real binary end to end.
#![cfg(feature = "example")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use hotline::entry::{Body, Notice, Revoke, Rotate, Seq, SignedEntry, Stage, Timestamp};
use hotline::example::{self, T0, test_key_at};
use hotline::keys::{PartyId, SecretKey};
use hotline::merkle::{self, Hash};
use hotline::verify::{FindingKind, Options, Report, verify_with_notes};
use hotline::witness::{self, CheckedNote, Held, Signing, WitnessError};

const H: u64 = 3600;
const T: u64 = T0 + 200 * H;

fn notice(incident: &str) -> Body {
    Body::Notice(Notice {
        incident: incident.into(),
        stage: Stage::Initial,
        severity: "high".into(),
        category: "intrusion".into(),
        summary: "a notice".into(),
        detail: String::new(),
        detected_at: None,
        indicators: vec![],
        requested_action: String::new(),
        handling: "TLP:AMBER".into(),
        ack_by: None,
        respond_by: None,
        refs: vec![],
    })
}

fn key(name: &str, n: u32) -> SecretKey {
    test_key_at(name, n)
}

fn rotate_to(name: &str, n: u32) -> Body {
    Body::Rotate(Rotate {
        key: key(name, n).party(),
        next: key(name, n + 1).party().digest(),
    })
}

/// The example channel; then alpha writes a notice, rotates to its second key and writes
/// another notice with it. `rotated_at` is the rotation's seq.
struct Sim {
    ex: example::Example,
    entries: Vec<SignedEntry>,
    rotated_at: u64,
}

impl Sim {
    fn rotated() -> Sim {
        let ex = example::build().unwrap();
        let entries = ex.entries.iter().map(|(_, e)| e.clone()).collect();
        let mut sim = Sim {
            ex,
            entries,
            rotated_at: 0,
        };
        sim.alpha(T, notice("ALPHA-2026-0300"));
        sim.rotated_at = sim.ex.alpha.leaves.len() as u64;
        sim.alpha(T + 1, rotate_to("alpha", 1));
        sim.ex.alpha.key = key("alpha", 1);
        sim.alpha(T + 2, notice("ALPHA-2026-0301"));
        sim
    }

    /// [`Sim::rotated`], then alpha's key 1 is stolen and alpha revokes it from the next seq
    /// with its key 2. Returns the revocation's `from` and the stolen key.
    fn revoked() -> (Sim, u64, SecretKey) {
        let mut sim = Sim::rotated();
        let from = sim.size();
        sim.ex.alpha.key = key("alpha", 2);
        sim.alpha(
            T + H,
            Body::Revoke(Revoke {
                from: Seq(from),
                next: key("alpha", 3).party().digest(),
                reason: "key 1 was copied".into(),
            }),
        );
        (sim, from, key("alpha", 1))
    }

    fn alpha(&mut self, t: u64, body: Body) -> SignedEntry {
        let views = self.ex.beta.seen();
        let e = self.ex.alpha.append(t, views, body).unwrap();
        self.entries.push(e.clone());
        e
    }

    fn beta(&mut self, t: u64, body: Body) -> SignedEntry {
        let views = self.ex.alpha.seen();
        let e = self.ex.beta.append(t, views, body).unwrap();
        self.entries.push(e.clone());
        e
    }

    fn size(&self) -> u64 {
        self.ex.alpha.leaves.len() as u64
    }

    fn root(&self, size: u64) -> Hash {
        merkle::root(&self.ex.alpha.leaves[..size as usize])
    }

    /// Alpha's checkpoint at `size`, signed by `with`, as the true root.
    fn note(&self, with: &SecretKey, size: u64) -> Vec<u8> {
        let alpha = key("alpha", 0).party();
        witness::sign_checkpoint_for(&self.ex.charter, &alpha, with, size, self.root(size)).unwrap()
    }

    fn verify(&self, notes: &[&[u8]]) -> Report {
        let encoded: Vec<Vec<u8>> = self.entries.iter().map(|e| e.encode().unwrap()).collect();
        verify_with_notes(&self.ex.charter, &encoded, notes, Options::default())
    }

    /// What beta knows of every party's keys from the entries: the verifier's walk, as a
    /// holder of the whole feed.
    fn histories(&self) -> witness::KeyHistories {
        let mut h = witness::key_histories(&self.ex.charter, &self.entries);
        for p in &self.ex.charter.parties {
            let len = self
                .entries
                .iter()
                .filter(|e| e.header().author == p.key)
                .count() as u64;
            h.get_mut(&p.key).unwrap().held = len;
        }
        h
    }

    /// Beta cosigns `note` with `with`, holding alpha's feed as written.
    fn beta_cosign(&self, with: &SecretKey, note: &[u8], at: u64) -> Result<Vec<u8>, WitnessError> {
        let size = self.size();
        let leaves = self.ex.alpha.leaves.clone();
        let held = move |c: &CheckedNote| Held {
            size,
            root_at_checkpoint: (c.checkpoint.size() <= size)
                .then(|| merkle::root(&leaves[..c.checkpoint.size() as usize])),
            last_cosigned: None,
        };
        let keys = self.histories();
        let me = Signing {
            party: key("beta", 0).party(),
            key: with,
            keys: &keys,
        };
        witness::cosign_for(&self.ex.charter, &me, note, &held, Timestamp(at))
    }
}

fn kinds(r: &Report) -> Vec<FindingKind> {
    r.findings.iter().map(|f| f.kind).collect()
}

#[test]
fn after_a_rotation_the_new_key_signs_and_beta_cosigns_alphas_checkpoint() {
    let sim = Sim::rotated();
    let note = sim.note(&key("alpha", 1), sim.size());
    let cosigned = sim
        .beta_cosign(&key("beta", 0), &note, T + H)
        .expect("beta cosigns alpha's checkpoint signed by its key in force");
    let r = sim.verify(&[&cosigned]);
    assert!(r.ok && r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.checkpoints.len(), 1);
    let cp = &r.checkpoints[0];
    assert_eq!((cp.party.as_str(), cp.size), ("alpha", sim.size()));
    assert!(cp.matches_entries);
    assert_eq!(cp.cosignatures.len(), 1);
    assert_eq!(cp.cosignatures[0].party, "beta");
    // The same note under the charter keys alone does not open: the origin is alpha's, the
    // key is not the one the charter names.
    assert!(witness::check_note(&sim.ex.charter, &note).is_err());
}

#[test]
fn a_checkpoint_after_the_rotation_signed_by_the_old_key_is_not_alphas() {
    let sim = Sim::rotated();
    let size = sim.size();
    let stale = sim.note(&key("alpha", 0), size);
    let r = sim.verify(&[&stale]);
    assert!(!r.ok);
    assert_eq!(kinds(&r), vec![FindingKind::WrongKey], "{:#?}", r.findings);
    assert!(
        r.findings[0].message.contains("rotated out"),
        "{}",
        r.findings[0].message
    );
    assert_eq!(r.findings[0].notes.len(), 1, "the note is kept as evidence");
    assert!(
        r.checkpoints.is_empty(),
        "not counted as alpha's checkpoint"
    );
    // The checkpoint of the size that includes the rotation is the new key's too.
    let at_rotation = sim.note(&key("alpha", 0), sim.rotated_at + 1);
    let r = sim.verify(&[&at_rotation]);
    assert_eq!(kinds(&r), vec![FindingKind::WrongKey], "{:#?}", r.findings);
    // A cosigner refuses it as well.
    let e = sim.beta_cosign(&key("beta", 0), &stale, T + H);
    assert!(
        matches!(e, Err(WitnessError::KeyNotInForce { retired: true, .. })),
        "{e:?}"
    );
}

#[test]
fn a_different_root_signed_by_the_old_key_after_the_rotation_is_no_split_view() {
    let sim = Sim::rotated();
    let alpha = key("alpha", 0).party();
    let good = sim.note(&key("alpha", 1), sim.size());
    let forged = witness::sign_checkpoint_for(
        &sim.ex.charter,
        &alpha,
        &key("alpha", 0),
        sim.size(),
        [9; 32],
    )
    .unwrap();
    let r = sim.verify(&[&good, &forged]);
    assert_eq!(kinds(&r), vec![FindingKind::WrongKey], "{:#?}", r.findings);
    assert_eq!(r.of_kind(FindingKind::SplitView).count(), 0);
    assert_eq!(r.checkpoints.len(), 1);
}

#[test]
fn a_checkpoint_from_before_the_rotation_signed_by_the_old_key_still_verifies() {
    let sim = Sim::rotated();
    for size in [sim.rotated_at, 1] {
        let old = sim.note(&key("alpha", 0), size);
        let cosigned = sim.beta_cosign(&key("beta", 0), &old, T + H).unwrap();
        let r = sim.verify(&[&cosigned]);
        assert!(r.ok && r.findings.is_empty(), "{size}: {:#?}", r.findings);
        assert_eq!(r.checkpoints[0].size, size);
        assert_eq!(r.checkpoints[0].cosignatures.len(), 1);
        // The new key is not in force before the rotation.
        let early = sim.note(&key("alpha", 1), size);
        let r = sim.verify(&[&early]);
        assert_eq!(kinds(&r), vec![FindingKind::WrongKey], "{:#?}", r.findings);
    }
}

#[test]
fn a_cosigner_that_rotated_cosigns_with_its_new_key_and_its_old_cosignatures_stand() {
    let mut sim = Sim::rotated();
    let early = sim.note(&key("alpha", 0), sim.rotated_at);
    let by_old = sim.beta_cosign(&key("beta", 0), &early, T + H).unwrap();
    sim.beta(T + 2 * H, rotate_to("beta", 1));
    sim.ex.beta.key = key("beta", 1);
    let late = sim.note(&key("alpha", 1), sim.size());
    let by_new = sim.beta_cosign(&key("beta", 1), &late, T + 3 * H).unwrap();
    let r = sim.verify(&[&by_old, &by_new]);
    assert!(r.ok && r.findings.is_empty(), "{:#?}", r.findings);
    let beta1 = key("beta", 1).party();
    let latest = &r.checkpoints[0];
    assert_eq!(latest.size, sim.size());
    assert_eq!(latest.cosignatures.len(), 1);
    assert_eq!(latest.cosignatures[0].party, "beta");
    assert_eq!(
        latest.cosignatures[0].key,
        key("beta", 0).party(),
        "identity"
    );
    assert_eq!(latest.cosignatures[0].signed_with, Some(beta1));
    assert_eq!(
        r.checkpoints[1].cosignatures.len(),
        1,
        "the old key's stands"
    );
    // The cosignature's key name is derived from the key that made it.
    assert!(
        String::from_utf8_lossy(&by_new).contains(&witness::cosigner_name(&beta1)),
        "{}",
        String::from_utf8_lossy(&by_new)
    );
}

#[test]
fn a_revoked_keys_checkpoint_past_the_revocation_is_attributed_to_the_thief() {
    // Alpha's key 1 is stolen; alpha revokes it from the next seq with its next key, 2.
    let (sim, from, thief_key) = Sim::revoked();
    let alpha = key("alpha", 0).party();
    // The thief signs a checkpoint of a longer, different history with the revoked key.
    let forged =
        witness::sign_checkpoint_for(&sim.ex.charter, &alpha, &thief_key, from + 3, [5; 32])
            .unwrap();
    let r = sim.verify(&[&forged]);
    assert_eq!(
        kinds(&r),
        vec![FindingKind::Compromised],
        "{:#?}",
        r.findings
    );
    assert!(r.ok, "attributed to the thief, not an error of alpha's");
    assert_eq!(r.of_kind(FindingKind::SplitView).count(), 0);
    assert!(r.checkpoints.is_empty());
    // What the revoked key signed before it was void still stands, and the key in force
    // after the revocation signs the next checkpoint.
    let before = sim.note(&thief_key, from);
    let after = sim.note(&key("alpha", 2), sim.size());
    let r = sim.verify(&[&before, &after]);
    assert!(r.ok && r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.checkpoints.len(), 2);
}

#[test]
fn a_cosignature_by_a_revoked_key_does_not_count() {
    let mut sim = Sim::rotated();
    let note = sim.note(&key("alpha", 1), sim.size());
    let cosigned = sim.beta_cosign(&key("beta", 0), &note, T + H).unwrap();
    let r = sim.verify(&[&cosigned]);
    assert_eq!(r.checkpoints[0].cosignatures.len(), 1);
    // beta revokes its first key (from its latest seq) with its pre-committed next key: a
    // cosignature carries no seq, so nothing tells its honest ones from a thief's.
    let from = sim.ex.beta.leaves.len() as u64 - 1;
    sim.ex.beta.key = key("beta", 1);
    sim.beta(
        T + 2 * H,
        Body::Revoke(Revoke {
            from: Seq(from),
            next: key("beta", 2).party().digest(),
            reason: "copied".into(),
        }),
    );
    let r = sim.verify(&[&cosigned]);
    assert!(
        r.checkpoints[0].cosignatures.is_empty(),
        "{:#?}",
        r.checkpoints
    );
    let history = &sim.histories()[&key("beta", 0).party()];
    assert_eq!(
        history.cosigning_keys().copied().collect::<Vec<PartyId>>(),
        vec![key("beta", 1).party()]
    );
}

#[test]
fn a_checkpoint_beyond_the_entries_held_is_judged_by_the_key_in_force_at_their_end() {
    let sim = Sim::rotated();
    let alpha = key("alpha", 0).party();
    let beyond = sim.size() + 4;
    let new =
        witness::sign_checkpoint_for(&sim.ex.charter, &alpha, &key("alpha", 1), beyond, [3; 32])
            .unwrap();
    let r = sim.verify(&[&new]);
    assert_eq!(kinds(&r), vec![FindingKind::Withheld], "{:#?}", r.findings);
    let old =
        witness::sign_checkpoint_for(&sim.ex.charter, &alpha, &key("alpha", 0), beyond, [3; 32])
            .unwrap();
    let r = sim.verify(&[&old]);
    assert_eq!(kinds(&r), vec![FindingKind::WrongKey], "{:#?}", r.findings);
}

#[cfg(feature = "cli")]
#[path = "support/run.rs"]
mod run;

/// The real binary, end to end.
#[cfg(feature = "cli")]
mod cli {
    use std::path::Path;

    use super::run::{fails, ok};

    fn keygen(dir: &Path, name: &str) {
        ok(dir, &["keygen", name, "--dir", "keys"]);
    }

    fn store<'a>(name: &'a str, args: &[&'a str]) -> Vec<&'a str> {
        let mut v = vec!["--store", name];
        v.extend_from_slice(args);
        v
    }

    /// alpha and beta in one channel, each with its store ("a", "b"), each holding the other's
    /// feed.
    fn channel(dir: &Path) {
        keygen(dir, "alpha");
        keygen(dir, "beta");
        ok(
            dir,
            &store(
                "a",
                &[
                    "channel",
                    "create",
                    "ab",
                    "--key",
                    "keys/alpha.key",
                    "--party",
                    "keys/beta.pub",
                ],
            ),
        );
        ok(dir, &store("a", &["export", "--out", "invite.bundle"]));
        ok(
            dir,
            &store(
                "b",
                &[
                    "join",
                    "invite.bundle",
                    "--key",
                    "keys/beta.key",
                    "--trust",
                    "keys/alpha.pub",
                ],
            ),
        );
        exchange(dir, "b", "a");
    }

    /// Export `from`'s store and import it into `to`'s.
    fn exchange(dir: &Path, from: &str, to: &str) {
        let file = format!("{from}-to-{to}.bundle");
        ok(dir, &store(from, &["export", "--out", &file, "--force"]));
        ok(dir, &store(to, &["import", &file]));
    }

    #[test]
    fn checkpoint_and_cosign_work_after_hotline_rotate() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path();
        channel(dir);
        let before = ok(dir, &store("a", &["--json", "parties"])).json();
        let old_vkey = before["parties"][0]["checkpoint_verifier_key"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(dir, &store("a", &["rotate", "--key", "keys/alpha.key"]));

        // alpha's checkpoint is signed by its key in force, under its origin as before.
        let cp = ok(
            dir,
            &store("a", &["--json", "checkpoint", "--key", "keys/alpha.key"]),
        )
        .json();
        let vkey = cp["verifier_key"].as_str().unwrap();
        assert_ne!(vkey, old_vkey, "the verifier key follows the key in force");
        assert_eq!(
            vkey.split('+').next(),
            old_vkey.split('+').next(),
            "the key name (the origin) stays"
        );
        let parties = ok(dir, &store("a", &["--json", "parties"])).json();
        assert_eq!(parties["parties"][0]["checkpoint_verifier_key"], vkey);
        assert!(parties["parties"][0]["key_in_force"].is_string());
        assert!(
            parties["parties"][1]["key_in_force"].is_null(),
            "beta did not rotate"
        );
        let text = ok(dir, &store("a", &["parties"])).stdout;
        assert!(text.contains("key in force"), "{text}");

        // beta imports the rotation and the checkpoint, and cosigns it.
        exchange(dir, "a", "b");
        let co = ok(
            dir,
            &store("b", &["--json", "cosign", "--key", "keys/beta.key"]),
        )
        .json();
        assert_eq!(co["cosigned"][0]["party"], "alpha", "{co}");
        assert_eq!(co["refused"].as_array().unwrap().len(), 0);

        // Back to alpha: the cosigned checkpoint verifies in alpha's store.
        exchange(dir, "b", "a");
        let r = ok(dir, &store("a", &["--json", "verify"])).json();
        assert_eq!(r["ok"], true, "{r}");
        let cps = r["checkpoints"].as_array().unwrap();
        let alpha_cp = cps.iter().find(|c| c["party"] == "alpha").unwrap();
        assert_eq!(alpha_cp["cosignatures"][0]["party"], "beta", "{r}");
        assert_eq!(alpha_cp["matches_entries"], true);

        // And a proof of alpha's last entry (the rotation) can be made from it.
        let head = r["feeds"][0]["head"].as_str().unwrap().to_owned();
        let proof = ok(
            dir,
            &store(
                "a",
                &["--json", "prove", &head, "--out", "rotation.tlog-proof"],
            ),
        )
        .json();
        assert_eq!(proof["cosignatures"][0]["party"], "beta", "{proof}");
        let text = std::fs::read_to_string(dir.join("rotation.tlog-proof")).unwrap();
        assert!(text.contains(vkey.split('+').next().unwrap()), "{text}");
    }

    #[test]
    fn beta_cosigns_with_its_key_in_force_after_its_own_rotation() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path();
        channel(dir);
        ok(dir, &store("b", &["rotate", "--key", "keys/beta.key"]));
        ok(dir, &store("a", &["checkpoint", "--key", "keys/alpha.key"]));
        exchange(dir, "a", "b");
        ok(dir, &store("b", &["cosign", "--key", "keys/beta.key"]));
        exchange(dir, "b", "a");
        let r = ok(dir, &store("a", &["--json", "verify"])).json();
        assert_eq!(r["ok"], true, "{r}");
        let cps = r["checkpoints"].as_array().unwrap();
        let alpha_cp = cps.iter().find(|c| c["party"] == "alpha").unwrap();
        let cs = &alpha_cp["cosignatures"][0];
        assert_eq!(cs["party"], "beta", "{r}");
        assert!(
            cs["signed_with"].is_string(),
            "made with beta's new key: {cs}"
        );
    }

    #[test]
    fn the_rotated_out_key_can_no_longer_sign_a_checkpoint() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path();
        channel(dir);
        std::fs::copy(dir.join("keys/alpha.key"), dir.join("old-alpha.key")).unwrap();
        ok(dir, &store("a", &["rotate", "--key", "keys/alpha.key"]));
        fails(
            dir,
            &store("a", &["checkpoint", "--key", "old-alpha.key"]),
            2,
            "no longer alpha's key in force",
        );
        // Nothing was kept: the store holds no checkpoint note of alpha's.
        let r = ok(dir, &store("a", &["--json", "verify"])).json();
        assert!(r["checkpoints"].as_array().unwrap().is_empty(), "{r}");
    }
}

#[test]
fn notes_a_revoked_key_signs_take_no_room_from_the_owners_notes() {
    let (sim, _, thief_key) = Sim::revoked();
    let alpha = key("alpha", 0).party();
    let size = sim.size();
    // The thief fills both root slots of the size alpha's real checkpoint has, first.
    let mut notes: Vec<Vec<u8>> = (5..7u8)
        .map(|b| {
            witness::sign_checkpoint_for(&sim.ex.charter, &alpha, &thief_key, size, [b; 32])
                .unwrap()
        })
        .collect();
    notes.push(sim.note(&key("alpha", 2), size));
    let refs: Vec<&[u8]> = notes.iter().map(Vec::as_slice).collect();
    let r = sim.verify(&refs);
    assert_eq!(
        kinds(&r),
        vec![FindingKind::Compromised, FindingKind::Compromised],
        "{:#?}",
        r.findings
    );
    assert_eq!(r.checkpoints.len(), 1, "alpha's own checkpoint is kept");
    assert_eq!(r.checkpoints[0].size, size);
    assert_eq!(r.checkpoints[0].root, hex::encode(sim.root(size)));
}

#[cfg(feature = "store")]
#[test]
fn in_a_store_a_revoked_keys_notes_take_no_room_from_the_owners_notes() {
    use hotline::bundle::{self, NoteRecord};
    use hotline::store::{NoteMeta, Store};
    let (sim, _, thief_key) = Sim::revoked();
    let alpha = key("alpha", 0).party();
    let size = sim.size();
    let charter = sim.ex.charter.clone();
    let histories = sim.histories();
    let check = |n: &[u8]| {
        witness::check_note_keys(&charter, n, &histories)
            .map(|c| NoteMeta::from(&c))
            .map_err(|e| e.to_string())
    };
    let record = |note: Vec<u8>| {
        let m = check(&note).unwrap();
        NoteRecord {
            origin: m.origin,
            size: m.size,
            root: m.root,
            note,
        }
    };
    let encoded: Vec<Vec<u8>> = sim.entries.iter().map(|e| e.encode().unwrap()).collect();
    let t = tempfile::tempdir().unwrap();
    let mut s = Store::create(&t.path().join("s"), &charter).unwrap();
    s.import(&bundle::write(&charter, &encoded).unwrap(), None)
        .unwrap();
    // The thief's notes of two roots at the size alpha's next checkpoint has come first; the
    // store keeps them (evidence) in the stolen key's own slots.
    let forged: Vec<NoteRecord> = (5..7u8)
        .map(|b| {
            record(
                witness::sign_checkpoint_for(&charter, &alpha, &thief_key, size, [b; 32]).unwrap(),
            )
        })
        .collect();
    let r = s
        .import_with(
            &bundle::write_with_notes(&charter, &encoded, &forged).unwrap(),
            None,
            check,
        )
        .unwrap();
    assert_eq!((r.new_notes, r.notes_left_out), (2, 0));
    let real = record(sim.note(&key("alpha", 2), size));
    let r = s
        .import_with(
            &bundle::write_with_notes(&charter, &encoded, std::slice::from_ref(&real)).unwrap(),
            None,
            check,
        )
        .unwrap();
    assert_eq!(
        (r.new_notes, r.notes_left_out),
        (1, 0),
        "alpha's own checkpoint is kept"
    );
}

#[test]
fn the_true_roots_notes_are_kept_after_two_other_roots_of_its_size() {
    // Key 1 was in force for sizes up to the revocation's `from`, and stolen: the thief signs
    // two other roots of size `from` first. Alpha's true checkpoint at that size, signed with
    // key 1 when it was alpha's, still has its slot.
    let (sim, from, thief_key) = Sim::revoked();
    let alpha = key("alpha", 0).party();
    let mut notes: Vec<Vec<u8>> = (5..7u8)
        .map(|b| {
            witness::sign_checkpoint_for(&sim.ex.charter, &alpha, &thief_key, from, [b; 32])
                .unwrap()
        })
        .collect();
    notes.push(sim.note(&thief_key, from));
    let refs: Vec<&[u8]> = notes.iter().map(Vec::as_slice).collect();
    let r = sim.verify(&refs);
    // Nothing is left out unchecked: the two other roots are the split view (each a finding
    // against alpha's own entries), and the true root's note was checked, not capped.
    assert_eq!(
        r.of_kind(FindingKind::NotesCapped).count(),
        0,
        "{:#?}",
        r.findings
    );
    assert!(
        r.of_kind(FindingKind::SplitView).count() >= 2,
        "{:#?}",
        r.findings
    );
}
