//! Channels that outlive their keys: rotation to pre-committed keys, and revocation of a
//! stolen key, judged by the verifier and the audit from the signed entries alone.
#![cfg(feature = "example")]
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
use hotline::verify::{FindingKind, Options, Report, verify, verify_with_notes};

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

    /// Sign `body` on writer `w` (a thief's, say) with beta's views, and keep it.
    fn on(&mut self, w: &mut Writer, t: u64, body: Body) -> SignedEntry {
        let e = w.append(t, self.ex.beta.seen(), body).unwrap();
        self.entries.push(e.clone());
        e
    }

    fn beta(&mut self, t: u64, views: Vec<hotline::entry::View>, body: Body) -> SignedEntry {
        let e = self.ex.beta.append(t, views, body).unwrap();
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
        self.ex.alpha.with_key(test_key_at("alpha", 0))
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

fn revoke(from: u64, next_n: u32) -> Body {
    Body::Revoke(Revoke {
        from: Seq(from),
        next: alpha_key(next_n).digest(),
        reason: "stolen".into(),
    })
}

fn found(r: &Report) -> Vec<(FindingKind, Option<String>, Option<u64>)> {
    r.findings
        .iter()
        .map(|f| (f.kind, f.party.clone(), f.seq))
        .collect()
}

/// A copy of `w` as it stands now, signing with `key`: a thief's.
fn snapshot(w: &Writer, key: hotline::keys::SecretKey) -> Writer {
    w.with_key(key)
}

// Attacks on key state, each a test that once failed: a thief holding one of a party's keys
// must not take its feed over, lock it out, or change what its counterparties are held to.

/// A thief holding only alpha's *current* key K1 (after a routine rotation K0->K1; it does
/// not have K2) forks the feed just below the rotation with a `revoke` signed by K1: on that
/// branch K1 is still "the pre-committed next key". The verifier accepts it, voids alpha's own
/// genuine rotation, and alpha's real entries after it no longer link.
#[test]
fn current_key_thief_revokes_on_a_branch_below_the_rotation() {
    let mut sim = Sim::new();
    let n1 = sim.alpha(T, notice("ALPHA-2026-0400", "genuine before rotation"));
    let before_rotation = snapshot(&sim.ex.alpha, test_key_at("alpha", 1)); // thief: K1 only
    let rot = sim.alpha(T + 1, rotate_to(1));
    sim.ex.alpha.key = test_key_at("alpha", 1);
    let n2 = sim.alpha(T + 2, notice("ALPHA-2026-0401", "genuine after rotation"));
    // The thief copies K1 (the current key). It signs, with K1, a revoke at the rotation's seq
    // whose prev is n1, and commits to its own next key (alpha key 99).
    let mut thief = before_rotation;
    let r_thief = sim.on(&mut thief, T + 3, revoke(rot.header().seq.0, 99));
    let fake = sim.on(
        &mut thief,
        T + 4,
        notice("ALPHA-2026-0402", "thief's notice"),
    );
    let r = sim.verify();
    eprintln!("{:#?}", found(&r));
    let _ = &n1;
    let kinds_of = |e: &SignedEntry| {
        r.findings
            .iter()
            .filter(|f| f.entry == Some(id(e)))
            .map(|f| f.kind)
            .collect::<Vec<_>>()
    };
    eprintln!(
        "rotation: {:?}, n2: {:?}, thief revoke: {:?}, fake: {:?}",
        kinds_of(&rot),
        kinds_of(&n2),
        kinds_of(&r_thief),
        kinds_of(&fake)
    );
    eprintln!(
        "alpha summary size={} current_key={:?} revoked={:?}",
        r.feeds[0].size,
        r.feeds[0].current_key.map(|k| k.fingerprint()),
        r.feeds[0].revoked
    );
    // What the design promises: a thief with the current key cannot revoke.
    assert!(
        kinds_of(&r_thief).contains(&FindingKind::WrongKey),
        "thief's revoke was accepted as alpha's"
    );
}

/// Same thief; the fake notice is then in alpha's audit as alpha's own notice.
#[test]
fn current_key_thief_notice_in_audit() {
    let mut sim = Sim::new();
    sim.alpha(T, notice("ALPHA-2026-0400", "genuine before rotation"));
    let mut thief = snapshot(&sim.ex.alpha, test_key_at("alpha", 1));
    let rot = sim.alpha(T + 1, rotate_to(1));
    sim.ex.alpha.key = test_key_at("alpha", 1);
    sim.alpha(T + 2, notice("ALPHA-2026-0401", "genuine after rotation"));
    sim.on(&mut thief, T + 3, revoke(rot.header().seq.0, 99));
    let fake = sim.on(
        &mut thief,
        T + 4,
        notice("ALPHA-2026-0402", "thief's notice"),
    );
    let a = audit(&sim.ex.charter, &sim.encoded(), Timestamp(T + 100 * H));
    let listed = a.notices.iter().any(|n| n.id == id(&fake));
    eprintln!("fake notice listed as alpha's in the audit: {listed}");
    assert!(!listed, "the thief's notice is audited as alpha's");
}

/// After a rotation K0->K1, whoever still holds K0 forks below the rotation and goes on
/// signing with K0 far past it (FORMAT: "cannot sign past a rotation"), and no revocation
/// can void K0 any more (a revoke voids only the key in force, from >= since).
#[test]
fn old_key_fork_after_rotation_is_permanent_and_unrevocable() {
    let mut sim = Sim::new();
    sim.alpha(T, notice("ALPHA-2026-0500", "genuine"));
    let mut old = snapshot(&sim.ex.alpha, test_key_at("alpha", 0));
    let rot = sim.alpha(T + 1, rotate_to(1));
    sim.ex.alpha.key = test_key_at("alpha", 1);
    sim.alpha(T + 2, notice("ALPHA-2026-0501", "genuine, K1"));
    let f1 = sim.on(
        &mut old,
        T + 3,
        notice("ALPHA-2026-0502", "old-key fork at the rotation's seq"),
    );
    let f2 = sim.on(
        &mut old,
        T + 4,
        notice("ALPHA-2026-0503", "old key, past the rotation"),
    );
    let f3 = sim.on(
        &mut old,
        T + 5,
        notice("ALPHA-2026-0504", "old key, further"),
    );
    // alpha now revokes with K2 from the earliest seq allowed (since of K1).
    sim.ex.alpha.key = test_key_at("alpha", 2);
    let from = rot.header().seq.0 + 1;
    sim.alpha(T + 6, revoke(from, 3));
    let r = sim.verify();
    eprintln!("{:#?}", found(&r));
    let wrong: Vec<_> = r
        .of_kind(FindingKind::WrongKey)
        .chain(r.of_kind(FindingKind::Compromised))
        .filter_map(|f| f.entry)
        .collect();
    eprintln!("forks: {}", r.of_kind(FindingKind::Fork).count());
    assert!(
        wrong.contains(&id(&f2)) && wrong.contains(&id(&f3)),
        "old-key entries past the rotation stand as alpha's"
    );
    let _ = f1;
}

/// A verification with the rotation in a gap: alpha's genuine post-rotation entries become
/// wrong-key errors ("not the author's").
#[test]
fn a_gap_over_a_rotation_turns_genuine_entries_into_wrong_key() {
    let mut sim = Sim::new();
    let rot = sim.alpha(T, rotate_to(1));
    sim.ex.alpha.key = test_key_at("alpha", 1);
    let a = sim.alpha(T + 1, notice("ALPHA-2026-0600", "K1"));
    let b = sim.alpha(T + 2, notice("ALPHA-2026-0601", "K1 again"));
    sim.entries.retain(|e| id(e) != id(&rot));
    let r = sim.verify();
    eprintln!("{:#?}", found(&r));
    let wk: Vec<_> = r
        .of_kind(FindingKind::WrongKey)
        .filter_map(|f| f.entry)
        .collect();
    assert!(
        !wk.contains(&id(&a)) && !wk.contains(&id(&b)),
        "genuine entries after a gap are wrong-key"
    );
}

/// Honest beta receipted the thief's (longer) branch before the revocation; once it views
/// alpha's real branch it gets a view-shrinks error, though EVIDENCE says its audit/report is
/// as without the thief.
#[test]
fn honest_counterparty_gets_view_shrinks_after_a_revocation() {
    let mut sim = Sim::new();
    sim.alpha(T, notice("ALPHA-2026-0700", "genuine"));
    let k = sim.ex.alpha.leaves.len() as u64;
    let mut thief = snapshot(&sim.ex.alpha, test_key_at("alpha", 0));
    sim.on(&mut thief, T + 1, notice("ALPHA-2026-0701", "fake 1"));
    sim.on(&mut thief, T + 2, notice("ALPHA-2026-0702", "fake 2"));
    sim.on(&mut thief, T + 3, notice("ALPHA-2026-0703", "fake 3"));
    // beta's store receipts the import (views the thief's branch: size k+3).
    let rc = Body::Receipt(hotline::entry::Receipt {
        feeds: vec![sim.ex.alpha.author],
    });
    sim.beta(T + 4, thief.seen(), rc);
    sim.ex.alpha.key = test_key_at("alpha", 1);
    sim.alpha(T + 5, revoke(k, 2));
    let later = sim.alpha(T + 6, notice("ALPHA-2026-0704", "after"));
    let v = sim.ex.alpha.seen();
    sim.beta_ack_seeing(T + 7, &later, v);
    let r = sim.verify();
    eprintln!("{:#?}", found(&r));
    assert!(r.ok, "honest beta reported with an error");
}

/// Withholding alpha's entries after the revocation makes beta's late acknowledgement of
/// the thief's notice count as reliance: the thief's notice becomes alpha's.
#[test]
fn withholding_later_entries_turns_a_late_ack_into_reliance() {
    let mut sim = Sim::new();
    sim.alpha(T, notice("ALPHA-2026-0800", "genuine"));
    let k = sim.ex.alpha.leaves.len() as u64;
    let mut thief = snapshot(&sim.ex.alpha, test_key_at("alpha", 0));
    let fake = sim.on(&mut thief, T + 1, notice("ALPHA-2026-0801", "fake"));
    sim.ex.alpha.key = test_key_at("alpha", 1);
    sim.alpha(T + 2, revoke(k, 2));
    let later = sim.alpha(T + 3, notice("ALPHA-2026-0802", "after"));
    let v = sim.ex.alpha.seen();
    sim.beta_ack_seeing(T + 4, &later, v); // beta saw R (and later)
    let tv = thief.seen();
    let late = sim.beta_ack_seeing(T + 5, &fake, tv); // then acks the fake
    let full = sim.verify();
    eprintln!("full: {:#?}", found(&full));
    assert_eq!(full.of_kind(FindingKind::Compromised).count(), 1);
    // Same evidence, minus alpha's `later`.
    sim.entries.retain(|e| id(e) != id(&later));
    let cut = sim.verify();
    eprintln!("cut: {:#?}", found(&cut));
    let _ = late;
    assert_eq!(
        cut.of_kind(FindingKind::RevokedKeyRelied).count(),
        0,
        "withholding alpha's later entry makes the fake alpha's"
    );
}

/// The relying "acknowledgement" may itself be voided: a thief holding both parties' current
/// keys acks its own fake with beta's stolen key. Beta's revocation voids that ack
/// (`compromised`), yet because alpha is walked first, alpha's fake stands as alpha's.
#[test]
fn a_voided_ack_still_counts_as_reliance() {
    let mut sim = Sim::new();
    sim.alpha(T, notice("ALPHA-2026-1000", "genuine"));
    let k = sim.ex.alpha.leaves.len() as u64;
    let kb = sim.ex.beta.leaves.len() as u64;
    let mut ta = snapshot(&sim.ex.alpha, test_key_at("alpha", 0));
    let mut tb = snapshot(&sim.ex.beta, test_key_at("beta", 0));
    let fake = sim.on(&mut ta, T + 1, notice("ALPHA-2026-1001", "fake"));
    let body = example::ack(example::entry_ref(&fake).unwrap(), AckState::Received, "");
    let tack = tb.append(T + 2, ta.seen(), body).unwrap();
    sim.entries.push(tack.clone());
    // Both revoke.
    sim.ex.alpha.key = test_key_at("alpha", 1);
    sim.alpha(T + 3, revoke(k, 2));
    sim.ex.beta.key = test_key_at("beta", 1);
    let v = sim.ex.alpha.seen();
    let rb = Body::Revoke(Revoke {
        from: Seq(kb),
        next: test_key_at("beta", 2).party().digest(),
        reason: "stolen".into(),
    });
    sim.beta(T + 4, v, rb);
    let r = sim.verify();
    eprintln!("{:#?}", found(&r));
    let of = |e: &SignedEntry| {
        r.findings
            .iter()
            .filter(|f| f.entry == Some(id(e)))
            .map(|f| f.kind)
            .collect::<Vec<_>>()
    };
    eprintln!("fake: {:?}  thief's ack: {:?}", of(&fake), of(&tack));
    assert!(
        !of(&fake).contains(&FindingKind::RevokedKeyRelied),
        "a compromised ack made the fake alpha's"
    );
}
/// Checkpoints ignore key state: the revoked key still signs valid checkpoints of alpha's
/// feed, so a thief makes an unrevocable split-view error against alpha.
#[test]
fn revoked_key_still_signs_checkpoints() {
    let mut sim = Sim::new();
    sim.alpha(T, notice("ALPHA-2026-0900", "genuine"));
    let k = sim.ex.alpha.leaves.len() as u64;
    let mut thief = snapshot(&sim.ex.alpha, test_key_at("alpha", 0));
    sim.on(&mut thief, T + 1, notice("ALPHA-2026-0901", "fake"));
    sim.ex.alpha.key = test_key_at("alpha", 1);
    sim.alpha(T + 2, revoke(k, 2));
    sim.alpha(T + 3, notice("ALPHA-2026-0902", "after"));
    // The thief signs a checkpoint of its branch with the revoked key, after the revocation.
    let v = thief.view();
    let note = hotline::witness::sign_checkpoint(
        &sim.ex.charter,
        &test_key_at("alpha", 0),
        v.size,
        v.root,
    )
    .unwrap();
    let r = verify_with_notes(&sim.ex.charter, &sim.encoded(), &[note], Options::default());
    eprintln!("{:#?}", found(&r));
    // And alpha, with its key in force (K1), cannot sign a checkpoint at all.
    let mine = hotline::witness::sign_checkpoint_for(
        &sim.ex.charter,
        &sim.ex.alpha.author,
        &test_key_at("alpha", 1),
        sim.ex.alpha.view().size,
        sim.ex.alpha.view().root,
    );
    eprintln!(
        "alpha's own checkpoint with K1: {:?}",
        mine.as_ref().map(|_| "ok").map_err(|e| e.to_string())
    );
    assert!(r.ok, "a revoked key's checkpoint is an error against alpha");
    let mine = mine.expect("alpha checkpoints with its key in force");
    let r = verify_with_notes(&sim.ex.charter, &sim.encoded(), &[mine], Options::default());
    assert!(r.ok && r.checkpoints.len() == 1, "{:#?}", found(&r));
}
