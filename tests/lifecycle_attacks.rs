#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]
//! Attacks on key state, each a test that once failed: a thief holding one of a party's keys must
//! not take its feed over, lock it out, or change what its counterparties are held to.

use hotline::audit::audit;
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
fn ak(n: u32) -> PartyId {
    test_key_at("alpha", n).party()
}
fn rotate_to(n: u32) -> Body {
    Body::Rotate(Rotate {
        key: ak(n),
        next: ak(n + 1).digest(),
    })
}
fn revoke(from: u64, next_n: u32) -> Body {
    Body::Revoke(Revoke {
        from: Seq(from),
        next: ak(next_n).digest(),
        reason: "stolen".into(),
    })
}
fn id(e: &SignedEntry) -> hotline::EntryId {
    e.id().unwrap()
}
fn kinds(r: &Report) -> Vec<(FindingKind, Option<String>, Option<u64>)> {
    r.findings
        .iter()
        .map(|f| (f.kind, f.party.clone(), f.seq))
        .collect()
}
fn snapshot(w: &Writer, key: hotline::keys::SecretKey) -> Writer {
    Writer {
        author: w.author,
        key,
        channel: w.channel,
        head: w.head,
        leaves: w.leaves.clone(),
    }
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
    fn beta_ack(
        &mut self,
        t: u64,
        of: &SignedEntry,
        views: Vec<hotline::entry::View>,
    ) -> SignedEntry {
        let body = example::ack(example::entry_ref(of).unwrap(), AckState::Received, "");
        self.beta(t, views, body)
    }
    fn enc(&self) -> Vec<Vec<u8>> {
        self.entries.iter().map(|e| e.encode().unwrap()).collect()
    }
    fn verify(&self) -> Report {
        verify(&self.ex.charter, &self.enc(), Options::default())
    }
}

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
    eprintln!("{:#?}", kinds(&r));
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
    let a = audit(&sim.ex.charter, &sim.enc(), Timestamp(T + 100 * H));
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
    eprintln!("{:#?}", kinds(&r));
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
    eprintln!("{:#?}", kinds(&r));
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
    sim.beta_ack(T + 7, &later, v);
    let r = sim.verify();
    eprintln!("{:#?}", kinds(&r));
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
    sim.beta_ack(T + 4, &later, v); // beta saw R (and later)
    let tv = thief.seen();
    let late = sim.beta_ack(T + 5, &fake, tv); // then acks the fake
    let full = sim.verify();
    eprintln!("full: {:#?}", kinds(&full));
    assert_eq!(full.of_kind(FindingKind::Compromised).count(), 1);
    // Same evidence, minus alpha's `later`.
    sim.entries.retain(|e| id(e) != id(&later));
    let cut = sim.verify();
    eprintln!("cut: {:#?}", kinds(&cut));
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
    eprintln!("{:#?}", kinds(&r));
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
    let r = verify_with_notes(&sim.ex.charter, &sim.enc(), &[note], Options::default());
    eprintln!("{:#?}", kinds(&r));
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
    let r = verify_with_notes(&sim.ex.charter, &sim.enc(), &[mine], Options::default());
    assert!(r.ok && r.checkpoints.len() == 1, "{:#?}", kinds(&r));
}
