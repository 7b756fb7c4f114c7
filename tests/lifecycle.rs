//! Channels that outlive their keys: rotation to pre-committed keys, and revocation of a
//! stolen key, judged by the verifier and the audit from the signed entries alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use hotline::audit::{Audit, Status, audit};
use hotline::entry::{AckState, Body, Notice, Revoke, Rotate, Seq, SignedEntry, Stage, Timestamp};
use hotline::example::{self, T0, Writer, test_key_at};
use hotline::keys::PartyId;
use hotline::verify::{FindingKind, Options, Report, verify};

const H: u64 = 3600;
const T: u64 = T0 + 200 * H;

fn notice(incident: &str, summary: &str) -> Body {
    Body::Notice(Notice {
        incident: incident.into(),
        stage: Stage::Initial,
        severity: "high".into(),
        category: "intrusion".into(),
        summary: summary.into(),
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

fn alpha_key(n: u32) -> PartyId {
    test_key_at("alpha", n).party()
}

fn rotate_to(n: u32) -> Body {
    Body::Rotate(Rotate {
        key: alpha_key(n),
        next: alpha_key(n + 1).digest(),
    })
}

struct Sim {
    ex: example::Example,
    entries: Vec<SignedEntry>,
}

impl Sim {
    fn new() -> Sim {
        let ex = example::build().unwrap();
        let entries = ex.entries.iter().map(|(_, e)| e.clone()).collect();
        Sim { ex, entries }
    }

    fn alpha(&mut self, t: u64, body: Body) -> SignedEntry {
        let views = self.ex.beta.seen();
        let e = self.ex.alpha.append(t, views, body).unwrap();
        self.entries.push(e.clone());
        e
    }

    fn beta_ack(&mut self, t: u64, of: &SignedEntry) -> SignedEntry {
        let views = self.ex.alpha.seen();
        self.beta_ack_seeing(t, of, views)
    }

    fn beta_ack_seeing(
        &mut self,
        t: u64,
        of: &SignedEntry,
        views: Vec<hotline::entry::View>,
    ) -> SignedEntry {
        let body = example::ack(example::entry_ref(of).unwrap(), AckState::Received, "");
        let e = self.ex.beta.append(t, views, body).unwrap();
        self.entries.push(e.clone());
        e
    }

    /// A copy of alpha's writer as it stands now: what a thief who copied alpha's store and
    /// current key holds.
    fn steal_alpha(&self) -> Writer {
        Writer {
            author: self.ex.alpha.author,
            key: test_key_at("alpha", 0),
            channel: self.ex.alpha.channel,
            head: self.ex.alpha.head,
            leaves: self.ex.alpha.leaves.clone(),
        }
    }

    fn encoded(&self) -> Vec<Vec<u8>> {
        self.entries.iter().map(|e| e.encode().unwrap()).collect()
    }

    fn verify(&self) -> Report {
        verify(&self.ex.charter, &self.encoded(), Options::default())
    }

    fn audit(&self, at: u64) -> Audit {
        audit(&self.ex.charter, &self.encoded(), Timestamp(at))
    }
}

fn kinds(r: &Report) -> Vec<FindingKind> {
    r.findings.iter().map(|f| f.kind).collect()
}

fn id(e: &SignedEntry) -> hotline::EntryId {
    e.id().unwrap()
}

#[test]
fn history_before_and_after_a_rotation_verifies() {
    let mut sim = Sim::new();
    let before = sim.alpha(T, notice("ALPHA-2026-0100", "signed with the first key"));
    sim.alpha(T + 1, rotate_to(1));
    sim.ex.alpha.key = test_key_at("alpha", 1);
    let after = sim.alpha(
        T + 2,
        notice("ALPHA-2026-0101", "signed with the second key"),
    );
    assert_eq!(after.header().key, alpha_key(1));
    assert_eq!(after.header().author, alpha_key(0));
    sim.beta_ack(T + H, &before);
    sim.beta_ack(T + H, &after);
    let r = sim.verify();
    assert!(r.ok && r.findings.is_empty(), "{:#?}", r.findings);
    let alpha = &r.feeds[0];
    assert_eq!(alpha.size, sim.ex.alpha.leaves.len() as u64);
    assert_eq!(alpha.current_key, Some(alpha_key(1)));
    // A second rotation moves on to the key the first committed to.
    sim.alpha(T + 3, rotate_to(2));
    sim.ex.alpha.key = test_key_at("alpha", 2);
    sim.alpha(T + 4, notice("ALPHA-2026-0102", "third key"));
    let r = sim.verify();
    assert!(r.ok, "{:#?}", r.findings);
    assert_eq!(r.feeds[0].current_key, Some(alpha_key(2)));
}

#[test]
fn an_entry_signed_by_the_old_key_after_the_rotation_is_rejected() {
    let mut sim = Sim::new();
    sim.alpha(T, rotate_to(1));
    // Whoever kept a copy of the first key signs the next entry with it.
    let mut old = sim.steal_alpha();
    let forged = old
        .append(
            T + 1,
            sim.ex.beta.seen(),
            notice("ALPHA-2026-0200", "forged"),
        )
        .unwrap();
    sim.entries.push(forged.clone());
    let r = sim.verify();
    assert!(!r.ok);
    assert_eq!(kinds(&r), vec![FindingKind::WrongKey], "{:#?}", r.findings);
    let f = &r.findings[0];
    assert_eq!(f.entry, Some(id(&forged)));
    assert!(f.message.contains("rotated out"), "{}", f.message);
    // The forged entry is not alpha's: the feed ends at the rotation, and no notice stands.
    assert_eq!(r.feeds[0].size, sim.ex.alpha.leaves.len() as u64);
    let a = sim.audit(T + 100 * H);
    assert!(a.notices.iter().all(|n| n.id != id(&forged)));
}

#[test]
fn a_rotation_to_a_key_that_was_not_pre_committed_is_rejected() {
    let mut sim = Sim::new();
    let bad = sim.alpha(
        T,
        Body::Rotate(Rotate {
            key: alpha_key(2),
            next: alpha_key(3).digest(),
        }),
    );
    let r = sim.verify();
    assert_eq!(kinds(&r), vec![FindingKind::WrongKey], "{:#?}", r.findings);
    assert_eq!(r.findings[0].entry, Some(id(&bad)));
    assert!(r.findings[0].message.contains("pre-committed"));
}

#[test]
fn a_revocation_signed_by_the_stolen_key_is_rejected() {
    let mut sim = Sim::new();
    let seq = sim.ex.alpha.leaves.len() as u64;
    let bad = sim.alpha(
        T,
        Body::Revoke(Revoke {
            from: Seq(seq),
            next: alpha_key(2).digest(),
            reason: "the thief tries to lock alpha out".into(),
        }),
    );
    let r = sim.verify();
    assert_eq!(kinds(&r), vec![FindingKind::WrongKey], "{:#?}", r.findings);
    assert_eq!(r.findings[0].entry, Some(id(&bad)));
}

/// The compromise scenario: a thief copies alpha's key and store, signs a fake notice at the
/// next seq; alpha revokes the stolen key with its pre-committed next key and keeps signing.
struct Compromise {
    sim: Sim,
    genuine: SignedEntry,
    fake: SignedEntry,
    revoke: SignedEntry,
    later: SignedEntry,
}

fn compromise(beta_acks_the_fake_first: bool) -> Compromise {
    let mut sim = Sim::new();
    let genuine = sim.alpha(T, notice("ALPHA-2026-0300", "genuine"));
    sim.beta_ack(T + H, &genuine);
    let k = sim.ex.alpha.leaves.len() as u64;
    let mut thief = sim.steal_alpha();
    let fake = thief
        .append(
            T + 2 * H,
            sim.ex.beta.seen(),
            notice("ALPHA-2026-0301", "fake: signed by a thief"),
        )
        .unwrap();
    sim.entries.push(fake.clone());
    if beta_acks_the_fake_first {
        let views = thief.seen();
        sim.beta_ack_seeing(T + 3 * H, &fake, views);
    }
    sim.ex.alpha.key = test_key_at("alpha", 1);
    let revoke = sim.alpha(
        T + 4 * H,
        Body::Revoke(Revoke {
            from: Seq(k),
            next: alpha_key(2).digest(),
            reason: "key copied".into(),
        }),
    );
    assert_eq!(revoke.header().seq, Seq(k));
    let later = sim.alpha(T + 5 * H, notice("ALPHA-2026-0302", "after the revocation"));
    if !beta_acks_the_fake_first {
        sim.beta_ack(T + 6 * H, &later);
    }
    Compromise {
        sim,
        genuine,
        fake,
        revoke,
        later,
    }
}

#[test]
fn a_revocation_attributes_the_thiefs_fork_to_the_stolen_key() {
    let c = compromise(false);
    let r = c.sim.verify();
    assert!(r.ok, "{:#?}", r.findings);
    assert_eq!(
        kinds(&r),
        vec![FindingKind::Compromised],
        "{:#?}",
        r.findings
    );
    let f = &r.findings[0];
    assert_eq!(f.entry, Some(id(&c.fake)));
    assert!(f.message.contains("not to alpha"), "{}", f.message);
    // No fork is held against alpha; its feed runs through the revocation to its later entry.
    assert_eq!(r.of_kind(FindingKind::Fork).count(), 0);
    let alpha = &r.feeds[0];
    assert_eq!(alpha.size, c.later.header().seq.0 + 1);
    assert_eq!(alpha.current_key, Some(alpha_key(1)));
    assert_eq!(alpha.revoked.len(), 1);
    assert_eq!(alpha.revoked[0].from, c.revoke.header().seq);
    assert_eq!(alpha.revoked[0].key, alpha_key(0));
}

#[test]
fn the_counterpartys_audit_is_unaffected_by_the_thief() {
    let c = compromise(false);
    let at = T + 100 * H;
    let with = c.sim.audit(at);
    // The same channel without the thief's entry.
    let fake = id(&c.fake);
    let mut clean = Sim::new();
    clean.entries = c
        .sim
        .entries
        .iter()
        .filter(|e| id(e) != fake)
        .cloned()
        .collect();
    let without = clean.audit(at);
    assert!(with.notices.iter().all(|n| n.id != fake));
    let verdicts = |a: &Audit| {
        a.notices
            .iter()
            .map(|n| {
                let b = n.receivers.iter().find(|r| r.party == "beta").unwrap();
                (n.id, b.ack.status, b.respond.status)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&with), verdicts(&without));
    let genuine = with
        .notices
        .iter()
        .find(|n| n.id == id(&c.genuine))
        .unwrap();
    assert_eq!(genuine.receivers[0].ack.status, Status::Met);
    let later = with.notices.iter().find(|n| n.id == id(&c.later)).unwrap();
    assert_eq!(later.receivers[0].ack.status, Status::Met);
    assert_eq!(with.missed, without.missed);
}

#[test]
fn what_a_counterparty_relied_on_before_the_revocation_stands() {
    let c = compromise(true);
    let r = c.sim.verify();
    // Beta acknowledged the fake notice before it saw the revocation: it stays alpha's, so
    // alpha's feed is forked at that seq by alpha's own (stolen) key.
    assert!(!r.ok);
    let relied: Vec<_> = r.of_kind(FindingKind::RevokedKeyRelied).collect();
    assert_eq!(relied.len(), 1, "{:#?}", r.findings);
    assert_eq!(relied[0].entry, Some(id(&c.fake)));
    assert!(relied[0].message.contains("beta relied on it"));
    assert_eq!(r.of_kind(FindingKind::Compromised).count(), 0);
    assert_eq!(r.of_kind(FindingKind::Fork).count(), 1);
    // Beta's acknowledgement of the fake notice counts: the audit still lists the notice.
    let a = c.sim.audit(T + 100 * H);
    assert!(a.notices.iter().any(|n| n.id == id(&c.fake)));
}

#[test]
fn after_a_revocation_only_the_new_key_signs() {
    let mut c = compromise(false);
    // The thief goes on with the stolen key on its own branch, and on alpha's.
    let mut thief = c.sim.steal_alpha();
    let on_alpha = thief
        .append(T + 7 * H, vec![], notice("ALPHA-2026-0303", "thief"))
        .unwrap();
    c.sim.entries.push(on_alpha.clone());
    let r = c.sim.verify();
    assert_eq!(
        r.of_kind(FindingKind::WrongKey)
            .map(|f| f.entry)
            .collect::<Vec<_>>(),
        vec![Some(id(&on_alpha))],
        "{:#?}",
        r.findings
    );
}

#[test]
fn relying_on_a_voided_entry_after_seeing_the_revocation_saves_nothing() {
    let mut c = compromise(false);
    // Beta has acknowledged alpha's entry after the revocation (its view includes it), and
    // only then acknowledges the thief's notice.
    let mut thief_view = c.sim.steal_alpha();
    thief_view.head = None;
    thief_view.leaves = c.sim.ex.alpha.leaves[..c.revoke.header().seq.0 as usize].to_vec();
    thief_view
        .leaves
        .push(hotline::merkle::leaf_hash(&c.fake.encode().unwrap()));
    let views = thief_view.seen();
    let late = c.sim.beta_ack_seeing(T + 8 * H, &c.fake, views);
    let r = c.sim.verify();
    assert_eq!(
        r.of_kind(FindingKind::Compromised)
            .map(|f| f.entry)
            .collect::<Vec<_>>(),
        vec![Some(id(&c.fake))],
        "{:#?}",
        r.findings
    );
    assert_eq!(r.of_kind(FindingKind::RevokedKeyRelied).count(), 0);
    // Beta's late acknowledgement names an entry that is not alpha's.
    assert!(
        r.findings
            .iter()
            .any(|f| f.entry == Some(id(&late)) && f.level == hotline::verify::Level::Error),
        "{:#?}",
        r.findings
    );
}

/// The same, through the real binary: a party rotates, a thief signs with a copied key, the
/// victim's store refuses to build on it, revokes it and signs on; the counterparty's verify
/// and audit attribute the fake notice to the stolen key.
#[cfg(feature = "cli")]
#[path = "support/run.rs"]
mod run;

#[cfg(feature = "cli")]
mod cli {
    use std::path::Path;

    use serde_json::Value;

    use super::run::{Run, fails, hotline, ok};

    fn store(p: &Path, name: &str, args: &[&str]) -> Run {
        let mut v = vec!["--store", name];
        v.extend_from_slice(args);
        ok(p, &v)
    }

    fn send(p: &Path, from: &str, to: &str) -> Value {
        store(p, from, &["export", "--out", "x.bundle", "--force"]);
        store(p, to, &["--json", "import", "x.bundle"]).json()
    }

    fn notify(p: &Path, name: &str, summary: &str) -> Value {
        store(
            p,
            name,
            &[
                "--json",
                "notify",
                "--severity",
                "high",
                "--category",
                "intrusion",
                "--summary",
                summary,
            ],
        )
        .json()
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                copy_dir(&e.path(), &to.join(e.file_name()));
            } else if e.file_name() != "lock" {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }

    fn channel() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir(p.join("ka")).unwrap();
        ok(p, &["keygen", "alpha", "--dir", "ka"]);
        ok(p, &["keygen", "beta", "--dir", "."]);
        store(
            p,
            "a",
            &[
                "channel",
                "create",
                "ab",
                "--key",
                "ka/alpha.key",
                "--party",
                "beta.pub",
            ],
        );
        store(p, "a", &["export", "--out", "invite.bundle"]);
        store(
            p,
            "b",
            &[
                "join",
                "invite.bundle",
                "--key",
                "beta.key",
                "--trust",
                "ka/alpha.pub",
            ],
        );
        send(p, "b", "a");
        dir
    }

    #[test]
    fn rotate_then_sign_with_the_new_key_and_the_old_one_is_gone() {
        let dir = channel();
        let p = dir.path();
        let first = std::fs::read_to_string(p.join("ka/alpha.key")).unwrap();
        let next = std::fs::read_to_string(p.join("ka/alpha.next.key")).unwrap();
        let r = store(p, "a", &["--json", "rotate"]).json();
        assert_eq!(r["ok"], true, "{r}");
        // NAME.next.key became NAME.key, and a fresh next key was made.
        assert_eq!(
            std::fs::read_to_string(p.join("ka/alpha.key")).unwrap(),
            next
        );
        let fresh = std::fs::read_to_string(p.join("ka/alpha.next.key")).unwrap();
        assert!(fresh != next && fresh != first);
        let n = notify(p, "a", "signed after the rotation");
        send(p, "a", "b");
        store(p, "b", &["ack", n["entry"].as_str().unwrap()]);
        send(p, "b", "a");
        let v = hotline(p, &["--store", "b", "--json", "verify"]).json();
        assert_eq!(v["ok"], true, "{v}");
        assert!(v["findings"].as_array().unwrap().is_empty(), "{v}");
        let alpha = &v["feeds"][0];
        assert_eq!(alpha["current_key"], r["key"], "{v}");
        // The retired key signs nothing any more: a copy of it is refused by the store.
        std::fs::write(p.join("old.key"), &first).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p.join("old.key"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        fails(
            p,
            &[
                "--store", "a", "define", "x", "--text", "y", "--key", "old.key",
            ],
            2,
            "no longer alpha's key in force",
        );
    }

    #[test]
    fn a_thiefs_notice_is_left_out_revoked_and_attributed_to_the_stolen_key() {
        let dir = channel();
        let p = dir.path();
        let genuine = notify(p, "a", "genuine");
        send(p, "a", "b");
        // The thief copies alpha's store and key, and signs a fake notice at alpha's next seq.
        copy_dir(&p.join("a"), &p.join("t"));
        std::fs::create_dir(p.join("kt")).unwrap();
        std::fs::copy(p.join("ka/alpha.key"), p.join("kt/alpha.key")).unwrap();
        // On the thief's machine the store's remembered key file is the thief's copy.
        let config = std::fs::read_to_string(p.join("t/config.json")).unwrap();
        std::fs::write(
            p.join("t/config.json"),
            config.replace("/ka/alpha.key", "/kt/alpha.key"),
        )
        .unwrap();
        let fake = store(
            p,
            "t",
            &[
                "--json",
                "notify",
                "--severity",
                "high",
                "--category",
                "intrusion",
                "--summary",
                "fake",
                "--key",
                "kt/alpha.key",
            ],
        )
        .json();
        let k = fake["seq"].as_u64().unwrap();
        store(p, "t", &["export", "--out", "fake.bundle"]);
        store(p, "b", &["import", "fake.bundle"]);
        // Alpha's store, sent beta's copy, leaves the entry out and will not build on it.
        store(p, "b", &["export", "--out", "from-b.bundle"]);
        let r = hotline(p, &["--store", "a", "--json", "import", "from-b.bundle"]);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        let v = r.json();
        assert_eq!(v["not_signed_here"][0]["seq"], k, "{v}");
        let r = fails(
            p,
            &[
                "--store",
                "a",
                "notify",
                "--severity",
                "high",
                "--category",
                "intrusion",
                "--summary",
                "x",
            ],
            2,
            "did not sign",
        );
        assert!(r.stderr.contains("hotline revoke"), "{}", r.stderr);
        // Alpha revokes with its pre-committed next key and signs on.
        let k_s = k.to_string();
        let rv = store(
            p,
            "a",
            &["--json", "revoke", "--from", &k_s, "--reason", "key copied"],
        )
        .json();
        assert_eq!(rv["seq"], k, "{rv}");
        let later = notify(p, "a", "after the revocation");
        assert_eq!(later["seq"], k + 1);
        send(p, "a", "b");
        store(p, "b", &["ack", later["entry"].as_str().unwrap()]);
        // Beta's verify: the fake is the stolen key's, no fork against alpha, ok.
        let v = hotline(p, &["--store", "b", "--json", "verify"]).json();
        assert_eq!(v["ok"], true, "{v}");
        let kinds: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["compromised"], "{v}");
        assert_eq!(v["findings"][0]["entry"], fake["entry"]);
        // Beta's audit holds beta to alpha's notices, not to the thief's.
        let a = hotline(p, &["--store", "b", "--json", "audit"]).json();
        let ids: Vec<&Value> = a["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| &n["id"])
            .collect();
        assert!(
            ids.contains(&&genuine["entry"]) && ids.contains(&&later["entry"]),
            "{a}"
        );
        assert!(!ids.contains(&&fake["entry"]), "{a}");
        // Alpha's store, sent everything back (the thief's entry again among it), leaves the
        // voided entry out without a word and keeps signing.
        store(p, "b", &["export", "--out", "back.bundle"]);
        let r = hotline(p, &["--store", "a", "--json", "import", "back.bundle"]).json();
        assert_eq!(r["not_signed_here"], serde_json::json!([]), "{r}");
        let third = notify(p, "a", "and on");
        assert!(third["seq"].as_u64().unwrap() > k + 1, "{third}");
        send(p, "a", "b");
        let v = hotline(p, &["--store", "b", "--json", "verify"]).json();
        assert_eq!(v["ok"], true, "{v}");
    }
}
