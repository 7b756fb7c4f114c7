//! The adversarial scenarios of the evidence issue, each judged on evidence, never on a claimed
//! time: in the library (`audit`, `verify`, the store) and through the real binary (`hotline
//! audit BUNDLE --trust …`). `docs/EVIDENCE.md` walks through the same scenarios.
#![cfg(all(feature = "cli", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use hotline::audit::{Audit, Basis, Status, audit, audit_with_notes};
use hotline::bundle;
use hotline::charter::{CHARTER_VERSION, Charter, Policy};
use hotline::entry::{
    Acceptance, AckState, Body, Definition, Kind, Notice, Response, SignedEntry, Stage, Timestamp,
    View,
};
use hotline::example::{self, T0, Writer, test_key, test_party};
use hotline::merkle;
use hotline::store::Store;
use hotline::verify::{FindingKind, Options, verify};
use hotline::witness::{self, CheckedNote, Held};

const H: u64 = 3600;
/// When the scenarios' notices are sent: after the example channel's last entry.
const T: u64 = T0 + 200 * H;

fn notice(severity: &str, summary: &str) -> Body {
    Body::Notice(Notice {
        incident: "ALPHA-2026-0002".into(),
        stage: Stage::Initial,
        severity: severity.into(),
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

fn definition(term: &str) -> Body {
    Body::Definition(Definition {
        term: term.into(),
        text: format!("what {term} means"),
        supersedes: None,
    })
}

/// The example channel, extended entry by entry with times and views chosen by the test.
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

    /// Alpha signs `body` at `t`, having seen all of beta's feed.
    fn alpha(&mut self, t: u64, body: Body) -> SignedEntry {
        let views = self.ex.beta.seen();
        let e = self.ex.alpha.append(t, views, body).unwrap();
        self.entries.push(e.clone());
        e
    }

    /// Beta signs `body` at `t`, having seen all of alpha's feed.
    fn beta(&mut self, t: u64, body: Body) -> SignedEntry {
        let views = self.ex.alpha.seen();
        self.beta_seeing(t, views, body)
    }

    /// Beta signs `body` at `t` with the views given.
    fn beta_seeing(&mut self, t: u64, views: Vec<View>, body: Body) -> SignedEntry {
        let e = self.ex.beta.append(t, views, body).unwrap();
        self.entries.push(e.clone());
        e
    }

    fn ack(&mut self, t: u64, of: &SignedEntry, state: AckState, reason: &str) -> SignedEntry {
        self.beta(
            t,
            example::ack(example::entry_ref(of).unwrap(), state, reason),
        )
    }

    fn receipt(&mut self, t: u64) -> SignedEntry {
        let alpha = test_key("alpha").party();
        self.beta(
            t,
            Body::Receipt(hotline::entry::Receipt { feeds: vec![alpha] }),
        )
    }

    fn encoded(&self) -> Vec<Vec<u8>> {
        self.entries.iter().map(|e| e.encode().unwrap()).collect()
    }

    fn audit(&self, at: u64) -> Audit {
        audit(&self.ex.charter, &self.encoded(), Timestamp(at))
    }

    /// Write the entries as a bundle and audit it with the real binary.
    fn audit_cli(&self, at: u64) -> serde_json::Value {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exchange.bundle");
        std::fs::write(
            &path,
            bundle::write(&self.ex.charter, &self.encoded()).unwrap(),
        )
        .unwrap();
        cli_audit(&path, at)
    }
}

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("keys")
}

fn cli_audit(bundle: &Path, at: u64) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .arg("audit")
        .arg(bundle)
        .arg("--trust")
        .arg(keys().join("alpha.pub"))
        .arg("--trust")
        .arg(keys().join("beta.pub"))
        .args(["--at", &Timestamp(at).to_string(), "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap()
}

/// The last notice's verdicts for beta, from the library and from the binary, which must agree.
fn beta_verdicts(sim: &Sim, at: u64) -> (hotline::audit::Receiver, serde_json::Value) {
    let a = sim.audit(at);
    let r = a.notices.last().unwrap().receivers[0].clone();
    assert_eq!(r.party, "beta");
    let json = sim.audit_cli(at);
    let cli = json["notices"].as_array().unwrap().last().unwrap()["receivers"][0].clone();
    assert_eq!(
        cli["ack"]["status"],
        serde_json::to_value(r.ack.status).unwrap()
    );
    assert_eq!(
        cli["respond"]["status"],
        serde_json::to_value(r.respond.status).unwrap()
    );
    assert_eq!(
        cli["ack"]["basis"],
        serde_json::to_value(r.ack.basis).unwrap()
    );
    (r, cli)
}

#[test]
fn a_sender_that_holds_a_notice_back_cannot_make_the_receiver_late() {
    // Alpha signs a 4-hour notice at T and holds it three days; beta's import signs a receipt
    // at T+72h and beta acknowledges a minute later.
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.receipt(T + 72 * H);
    sim.ack(T + 72 * H + 60, &n, AckState::Received, "");
    let (r, cli) = beta_verdicts(&sim, T + 80 * H);
    assert_eq!(r.ack.status, Status::Met, "{:?}", r.ack);
    assert_eq!(r.ack.basis, Basis::Receiver);
    assert_eq!(r.ack.due, Some(Timestamp(T + 76 * H)), "possession + 4h");
    assert_eq!(r.possession.as_ref().unwrap().via, "receipt");
    assert!(r.ack.reason.contains("receipt"), "{}", r.ack.reason);
    assert_eq!(cli["possession"]["via"], "receipt");
}

#[test]
fn a_backdated_ack_is_judged_by_the_entries_inside_its_views() {
    // Beta's receipt at T+1min shows possession. Alpha signs more at T+10h. Beta acks three
    // days later but claims T+1h; its signed view holds alpha's T+10h entry.
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.receipt(T + 60);
    sim.alpha(T + 10 * H, definition("incident"));
    let ack = sim.ack(T + H, &n, AckState::Received, "");
    let report = verify(&sim.ex.charter, &sim.encoded(), Options::default());
    let flagged: Vec<_> = report.of_kind(FindingKind::TimeBeforeView).collect();
    assert_eq!(flagged.len(), 1, "{:#?}", report.findings);
    assert_eq!(flagged[0].entry, Some(ack.id().unwrap()));
    // Either beta backdated its ack or alpha post-dated its entry: the evidence cannot say
    // which, so the verdict is neither met nor missed.
    let (r, cli) = beta_verdicts(&sim, T + 100 * H);
    assert_eq!(r.ack.status, Status::Undetermined, "{:?}", r.ack);
    assert_eq!(r.ack.basis, Basis::ConflictingClaims);
    assert_eq!(r.ack.at, Some(Timestamp(T + 10 * H)));
    assert!(
        r.ack.reason.contains("mis-stated its time"),
        "{}",
        r.ack.reason
    );
    assert_eq!(
        r.acks[0].time,
        Timestamp(T + H),
        "the claim is kept, and labelled"
    );
    assert_eq!(cli["ack"]["basis"], "conflicting-claims");
}

#[test]
fn a_cosignature_covering_the_notice_is_possession() {
    // Beta never acks, but cosigned alpha's checkpoint that includes the notice.
    let mut sim = Sim::new();
    sim.alpha(T, notice("high", "Intrusion"));
    let charter = sim.ex.charter.clone();
    let size = sim.ex.alpha.leaves.len() as u64;
    let root = merkle::root(&sim.ex.alpha.leaves);
    let note = witness::sign_checkpoint(&charter, &test_key("alpha"), size, root).unwrap();
    let held = move |_: &CheckedNote| Held {
        size,
        root_at_checkpoint: Some(root),
        last_cosigned: None,
    };
    let cosigned =
        witness::cosign(&charter, &test_key("beta"), &note, &held, Timestamp(T + H)).unwrap();
    let a = audit_with_notes(
        &charter,
        &sim.encoded(),
        &[&cosigned],
        Timestamp(T + 10 * H),
    );
    let r = &a.notices.last().unwrap().receivers[0];
    let p = r.possession.as_ref().unwrap();
    assert_eq!((p.via.as_str(), p.time), ("cosignature", Timestamp(T + H)));
    assert_eq!(r.ack.status, Status::Missed, "{:?}", r.ack);
    assert_eq!(r.ack.due, Some(Timestamp(T + 5 * H)));
    assert!(
        r.ack.reason.contains("cosignature") && r.ack.reason.contains("no acknowledgement"),
        "{}",
        r.ack.reason
    );
    // The same through the binary, with the note in the bundle.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.bundle");
    let record = bundle::NoteRecord {
        origin: witness::origin(&charter, &charter.parties[0]).unwrap(),
        size,
        root,
        note: cosigned,
    };
    let records = bundle::write_with_notes(&charter, &sim.encoded(), &[record]).unwrap();
    std::fs::write(&path, records).unwrap();
    let json = cli_audit(&path, T + 10 * H);
    let cli = &json["notices"].as_array().unwrap().last().unwrap()["receivers"][0];
    assert_eq!(cli["possession"]["via"], "cosignature");
    assert_eq!(cli["ack"]["status"], "missed");
}

#[test]
fn an_ack_of_a_later_entry_whose_view_covers_the_notice_is_possession() {
    let mut sim = Sim::new();
    sim.alpha(T, notice("high", "Intrusion"));
    let later = sim.alpha(T + 30 * 60, definition("breach"));
    sim.ack(T + H, &later, AckState::Accepted, "");
    let (r, _) = beta_verdicts(&sim, T + 10 * H);
    let p = r.possession.as_ref().unwrap();
    assert_eq!((p.via.as_str(), p.time), ("ack", Timestamp(T + H)));
    assert!(
        r.acks.is_empty(),
        "the notice itself was never acknowledged"
    );
    assert_eq!(r.ack.status, Status::Missed);
    assert_eq!(r.ack.due, Some(Timestamp(T + 5 * H)));
    // Before the due time it is pending, not missed.
    let (r, _) = beta_verdicts(&sim, T + 2 * H);
    assert_eq!(r.ack.status, Status::Pending);
}

#[test]
fn no_deadline_runs_before_the_receiver_accepts_the_charter() {
    let charter = example::charter();
    let channel = charter.id().unwrap();
    let mut a = Writer::new(test_key("alpha"), channel);
    let mut b = Writer::new(test_key("beta"), channel);
    let c = a
        .append(T0, vec![], Body::Charter(charter.clone()))
        .unwrap();
    // Alpha's notice before beta has accepted anything.
    let n = a
        .append(T0 + H, vec![], notice("critical", "Outage"))
        .unwrap();
    let only_alpha = vec![c.encode().unwrap(), n.encode().unwrap()];
    let r = audit(&charter, &only_alpha, Timestamp(T0 + 500 * H));
    let beta = &r.notices[0].receivers[0];
    assert_eq!(beta.ack.status, Status::NotBound, "{:?}", beta.ack);
    assert_eq!(beta.respond.status, Status::NotBound);
    assert!(r.ok);
    // The same through the binary.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alpha-only.bundle");
    std::fs::write(&path, bundle::write(&charter, &only_alpha).unwrap()).unwrap();
    let json = cli_audit(&path, T0 + 500 * H);
    assert_eq!(
        json["notices"][0]["receivers"][0]["ack"]["status"],
        "not-bound"
    );
    assert_eq!(json["ok"], true);

    // Beta accepts later, having been shown only the charter: the notice never reached it.
    let seen_charter = vec![View {
        party: test_key("alpha").party(),
        size: 1,
        root: merkle::root(&[merkle::leaf_hash(&c.encode().unwrap())]),
    }];
    let acc = b
        .append(
            T0 + 2 * H,
            seen_charter,
            Body::Acceptance(Acceptance { charter: channel }),
        )
        .unwrap();
    let mut both = only_alpha.clone();
    both.push(acc.encode().unwrap());
    let r = audit(&charter, &both, Timestamp(T0 + 500 * H));
    assert_eq!(
        r.notices[0].receivers[0].ack.status,
        Status::Undetermined,
        "{:?}",
        r.notices[0].receivers[0].ack
    );

    // Accepting with the notice in view: the clock runs from the acceptance.
    let mut b2 = Writer::new(test_key("beta"), channel);
    let acc2 = b2
        .append(
            T0 + 3 * H,
            a.seen(),
            Body::Acceptance(Acceptance { charter: channel }),
        )
        .unwrap();
    let mut seen = only_alpha;
    seen.push(acc2.encode().unwrap());
    let r = audit(&charter, &seen, Timestamp(T0 + 500 * H));
    let beta = &r.notices[0].receivers[0];
    assert_eq!(beta.possession.as_ref().unwrap().via, "acceptance");
    assert_eq!(beta.ack.status, Status::Missed);
    assert_eq!(beta.ack.due, Some(Timestamp(T0 + 4 * H)), "acceptance + 1h");
}

#[test]
fn needs_info_pauses_the_respond_by_clock() {
    // High: 72 hours to respond from possession. Beta asks for information an hour in;
    // alpha answers the request 50 hours later; beta responds 100 hours in.
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    let ask = sim.ack(T + H, &n, AckState::NeedsInfo, "Which hosts?");
    let (r, _) = beta_verdicts(&sim, T + 200 * H);
    assert_eq!(r.respond.status, Status::Paused, "{:?}", r.respond);
    assert_eq!(
        r.ack.status,
        Status::Met,
        "needs-info is an acknowledgement"
    );
    let answer = sim.alpha(
        T + 51 * H,
        Body::Response(Response {
            to: ask.id().unwrap(),
            text: "198.51.100.7".into(),
        }),
    );
    // Answered, but until beta signs for the answer, nothing shows it reached beta.
    let (r, _) = beta_verdicts(&sim, T + 200 * H);
    assert_eq!(r.respond.status, Status::Paused, "{:?}", r.respond);
    assert!(r.respond.reason.contains(&answer.id().unwrap().short()));
    sim.receipt(T + 52 * H);
    sim.beta(
        T + 100 * H,
        Body::Response(Response {
            to: n.id().unwrap(),
            text: "Contained.".into(),
        }),
    );
    let (r, _) = beta_verdicts(&sim, T + 200 * H);
    // Due: possession (T+1h) + 72h + the 51 hours until beta held the answer (T+52h).
    assert_eq!(r.respond.due, Some(Timestamp(T + 124 * H)));
    assert_eq!(r.respond.status, Status::Met, "{:?}", r.respond);
}

#[test]
fn an_ack_the_sender_itself_holds_in_time_rests_on_the_senders_word() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.ack(T + H, &n, AckState::Received, "");
    // Alpha's next entry views beta's feed with the ack inside.
    sim.alpha(T + 2 * H, definition("contained"));
    let (r, cli) = beta_verdicts(&sim, T + 10 * H);
    assert_eq!(r.ack.status, Status::Met);
    assert_eq!(r.ack.basis, Basis::Sender);
    assert_eq!(r.acks[0].held_by_sender, Some(Timestamp(T + 2 * H)));
    assert_eq!(cli["ack"]["basis"], "sender");
}

#[test]
fn a_bundle_that_leaves_out_an_acknowledged_entry_is_not_ok_by_silence() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.ack(T + H, &n, AckState::Received, "");
    let mut entries = sim.encoded();
    let at = entries
        .iter()
        .position(|e| *e == n.encode().unwrap())
        .unwrap();
    entries.remove(at);
    let report = verify(&sim.ex.charter, &entries, Options::default());
    let withheld: Vec<_> = report.of_kind(FindingKind::Withheld).collect();
    assert_eq!(withheld.len(), 2, "{:#?}", report.findings);
    assert_eq!(
        withheld[0].party.as_deref(),
        Some("beta"),
        "the ack names it"
    );
    assert!(
        withheld[1].message.contains("1 entries withheld"),
        "{}",
        withheld[1].message
    );
    assert_eq!(report.of_kind(FindingKind::UnknownReference).count(), 0);
    let alpha = &report.feeds[0];
    assert_eq!((alpha.size, alpha.claimed), (7, Some(8)));
}

#[test]
fn a_rewritten_history_is_a_contradiction_between_two_signatures_not_the_receivers_fault() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.ack(T + H, &n, AckState::Received, "");
    // Alpha re-signs its seq 7 with other content and presents that instead.
    let mut rewritten = n.entry.clone();
    rewritten.kind = Kind::Definition.code();
    rewritten.body = definition("nothing happened").encode().unwrap();
    let rewritten = rewritten.sign(&test_key("alpha")).unwrap();
    let entries: Vec<Vec<u8>> = sim
        .entries
        .iter()
        .map(|e| {
            if e == &n {
                rewritten.encode().unwrap()
            } else {
                e.encode().unwrap()
            }
        })
        .collect();
    let report = verify(&sim.ex.charter, &entries, Options::default());
    assert!(!report.ok);
    let contradictions: Vec<_> = report.of_kind(FindingKind::ViewContradictsFeed).collect();
    assert_eq!(contradictions.len(), 2, "{:#?}", report.findings);
    for f in &contradictions {
        assert!(
            f.message.contains("or the acknowledgement is false")
                || f.message.contains("or beta signed a false view"),
            "neutral wording: {}",
            f.message
        );
    }
    assert_eq!(report.of_kind(FindingKind::UnknownReference).count(), 0);
}

/// The charter of alpha, beta and gamma, their writers, and the charter and both
/// acceptances signed.
fn three_party_channel() -> (Charter, [Writer; 3], Vec<SignedEntry>) {
    let charter = three_party_charter("gamma");
    let ch = charter.id().unwrap();
    let (mut a, mut b, mut g) = (
        Writer::new(test_key("alpha"), ch),
        Writer::new(test_key("beta"), ch),
        Writer::new(test_key("gamma"), ch),
    );
    let accept = || Body::Acceptance(Acceptance { charter: ch });
    let out = vec![
        a.append(T0, vec![], Body::Charter(charter.clone()))
            .unwrap(),
        b.append(T0 + 1, a.seen(), accept()).unwrap(),
        g.append(T0 + 2, a.seen(), accept()).unwrap(),
    ];
    (charter, [a, b, g], out)
}

/// A three-party charter: alpha (founder), beta, and `third`.
fn three_party_charter(third: &str) -> Charter {
    let party = |name: &str| test_party(name, "point-of-contact");
    Charter {
        version: CHARTER_VERSION,
        name: "three-way hotline".into(),
        parties: vec![party("alpha"), party("beta"), party(third)],
        policy: Policy::default_scale(),
        created: Timestamp(T0),
        witnesses: vec![],
        witness_quorum: 0,
    }
}

#[test]
fn a_third_partys_unverifiable_view_never_blocks_another_partys_entries() {
    let charter = three_party_charter("gamma");
    let channel = charter.id().unwrap();
    let mut a = Writer::new(test_key("alpha"), channel);
    let mut g = Writer::new(test_key("gamma"), channel);
    let enc = |e: &SignedEntry| e.encode().unwrap();
    let mut alpha_entries = vec![enc(&a
        .append(T0, vec![], Body::Charter(charter.clone()))
        .unwrap())];
    let accept = Body::Acceptance(Acceptance { charter: channel });
    let g0 = g.append(T0 + H, a.seen(), accept).unwrap();
    // Gamma's entry claims a view of alpha's feed at size 5 with a made-up root.
    let bogus = vec![View {
        party: test_key("alpha").party(),
        size: 5,
        root: [0x5a; 32],
    }];
    let g1 = g
        .append(T0 + 2 * H, bogus, definition("gamma's view"))
        .unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::create(&tmp.path().join("beta"), &charter).unwrap();
    let first = bundle::write(&charter, &[alpha_entries[0].clone(), enc(&g0), enc(&g1)]).unwrap();
    let r = store.import(&first, None).unwrap();
    assert_eq!(r.new_entries, 3);
    assert!(
        r.warnings.iter().any(|f| f.kind == FindingKind::Withheld),
        "{:#?}",
        r.warnings
    );
    // Alpha's honest entries up to size 6 arrive: accepted, and gamma's claim is now checked
    // and kept as evidence against one of the two signers.
    for i in 1..6 {
        alpha_entries.push(enc(&a
            .append(T0 + 3 * H + i, g.seen(), definition(&format!("d{i}")))
            .unwrap()));
    }
    let second = bundle::write(&charter, &alpha_entries[1..]).unwrap();
    let r = store.import(&second, None).unwrap();
    assert_eq!(r.new_entries, 5);
    assert_eq!(r.evidence.len(), 1, "{:#?}", r.evidence);
    assert_eq!(r.evidence[0].kind, FindingKind::ViewContradictsFeed);
    assert_eq!(r.evidence[0].party.as_deref(), Some("gamma"));
    assert_eq!(store.feed_len(&test_key("alpha").party()).unwrap(), 6);
    // And alpha's next entry, in another bundle, is not refused either.
    alpha_entries.push(enc(&a
        .append(T0 + 5 * H, g.seen(), definition("d6"))
        .unwrap()));
    let third = bundle::write(&charter, &alpha_entries[6..]).unwrap();
    assert_eq!(store.import(&third, None).unwrap().new_entries, 1);
}

#[test]
fn after_a_senders_fork_the_receiver_can_still_ack_and_the_deadline_is_void() {
    let tmp = tempfile::tempdir().unwrap();
    let charter = example::charter();
    let mut sim = Sim::new();
    // Alpha forks at seq 7: a notice on one branch, a definition on the other, and a notice
    // at seq 8 after the definition.
    let n7 = sim.alpha(T, notice("high", "Intrusion"));
    let base = example::build().unwrap();
    let mut branch = base.alpha;
    let d7 = branch
        .append(T + 60, base.beta.seen(), definition("quiet"))
        .unwrap();
    let n8 = branch
        .append(T + 120, base.beta.seen(), notice("high", "Second"))
        .unwrap();
    let mut entries = sim.encoded();
    entries.push(d7.encode().unwrap());
    entries.push(n8.encode().unwrap());
    let mut store = Store::create(&tmp.path().join("beta"), &charter).unwrap();
    let r = store
        .import(&bundle::write(&charter, &entries).unwrap(), None)
        .unwrap();
    assert_eq!(r.forks.len(), 1);
    // Beta acknowledges the entry at seq 8, on the branch with the definition.
    let ack = store
        .append(
            &test_key("beta"),
            &example::ack(example::entry_ref(&n8).unwrap(), AckState::Received, ""),
            Timestamp(T + H),
        )
        .unwrap();
    let alpha_view = ack.header().view_of(&test_key("alpha").party()).unwrap();
    assert_eq!(
        alpha_view.size, 9,
        "the view follows the acknowledged branch"
    );
    let report = store.verify(Options::default()).unwrap();
    assert_eq!(
        report.of_kind(FindingKind::AckContradictsFeed).count(),
        0,
        "{:#?}",
        report.findings
    );
    assert_eq!(report.of_kind(FindingKind::Fork).count(), 1);
    // Both notices are at or after the fork: void, not the receiver's fault.
    let a = audit(&charter, &store.entries().unwrap(), Timestamp(T + 100 * H));
    let voided: Vec<_> = a
        .notices
        .iter()
        .filter(|n| n.seq >= 7)
        .map(|n| n.receivers[0].ack.status)
        .collect();
    assert_eq!(voided, vec![Status::Void, Status::Void]);
    assert_eq!(a.void, 4);
    // The same through the binary, on the store's export.
    let path = tmp.path().join("forked.bundle");
    std::fs::write(&path, store.export(&Default::default()).unwrap()).unwrap();
    let json = cli_audit(&path, T + 100 * H);
    let statuses: Vec<&serde_json::Value> = json["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["seq"].as_u64().unwrap() >= 7)
        .map(|n| &n["receivers"][0]["ack"]["status"])
        .collect();
    assert_eq!(statuses, ["void", "void"]);
    assert_eq!(json["void"], 4);
    let _ = n7;
}

#[path = "support/run.rs"]
mod run;

/// The binary's exit code, stdout and stderr (it must not panic).
fn hotline(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let r = run::hotline(cwd, args);
    (r.code, r.stdout, r.stderr)
}

/// A copy of the public test key `name` (secret half mode 0600, as the CLI demands) in `dir`.
fn key_files(dir: &Path, name: &str) {
    use std::os::unix::fs::PermissionsExt;
    for ext in ["key", "pub"] {
        let to = dir.join(format!("{name}.{ext}"));
        std::fs::copy(keys().join(format!("{name}.{ext}")), &to).unwrap();
        let mode = if ext == "key" { 0o600 } else { 0o644 };
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

#[test]
fn cli_a_third_partys_unverifiable_view_never_blocks_another_partys_entries() {
    // Alpha, beta and mallory (the third party here); beta's store, driven by the binary.
    let charter = three_party_charter("mallory");
    let channel = charter.id().unwrap();
    let mut a = Writer::new(test_key("alpha"), channel);
    let mut m = Writer::new(test_key("mallory"), channel);
    let enc = |e: &SignedEntry| e.encode().unwrap();
    let c0 = enc(&a
        .append(T0, vec![], Body::Charter(charter.clone()))
        .unwrap());
    let m0 = m
        .append(
            T0 + H,
            a.seen(),
            Body::Acceptance(Acceptance { charter: channel }),
        )
        .unwrap();
    let bogus = vec![View {
        party: test_key("alpha").party(),
        size: 4,
        root: [0x5a; 32],
    }];
    let m1 = m
        .append(T0 + 2 * H, bogus, definition("mallory's claim"))
        .unwrap();
    let honest: Vec<Vec<u8>> = (1..4)
        .map(|i| {
            enc(&a
                .append(T0 + 3 * H + i, m.seen(), definition(&format!("d{i}")))
                .unwrap())
        })
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    key_files(p, "alpha");
    key_files(p, "beta");
    let write = |name: &str, entries: &[Vec<u8>]| {
        std::fs::write(p.join(name), bundle::write(&charter, entries).unwrap()).unwrap();
    };
    write("invite.bundle", &[c0]);
    write("mallory.bundle", &[enc(&m0), enc(&m1)]);
    write("alpha.bundle", &honest);
    let (code, out, err) = hotline(
        p,
        &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = hotline(p, &["--store", "b", "import", "mallory.bundle", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(out.contains("\"withheld\""), "{v}");
    // Alpha's honest entries are imported; mallory's claim becomes evidence against one of the
    // two signers, and the import says so (exit 1: something to look at).
    let (code, out, err) = hotline(p, &["--store", "b", "import", "alpha.bundle"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("imported 3 new entries"), "{out}");
    assert!(
        out.contains("EVIDENCE: mallory's seq 1 signed a view of alpha's feed"),
        "{out}"
    );
    let (_, log, _) = hotline(p, &["--store", "b", "log", "--json"]);
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    // Alpha's 4, mallory's 2, and beta's acceptance and its two receipts.
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 9, "{log}");
    assert_eq!(entries.iter().filter(|e| e["kind"] == "receipt").count(), 2);
}

#[test]
fn cli_verify_names_withheld_and_rewritten_entries_neutrally() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.ack(T + H, &n, AckState::Received, "");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let mut without = sim.encoded();
    without.retain(|e| *e != n.encode().unwrap());
    std::fs::write(
        p.join("w.bundle"),
        bundle::write(&sim.ex.charter, &without).unwrap(),
    )
    .unwrap();
    let alpha = keys().join("alpha.pub");
    let beta = keys().join("beta.pub");
    let verify = |file: &str| {
        let (code, out, err) = hotline(
            p,
            &[
                "verify",
                file,
                "--trust",
                alpha.to_str().unwrap(),
                "--trust",
                beta.to_str().unwrap(),
                "--json",
            ],
        );
        assert!(matches!(code, 0 | 1), "{out}{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let kinds: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap().to_owned())
            .collect();
        (code, kinds, v)
    };
    let (_, kinds, v) = verify("w.bundle");
    assert_eq!(kinds, ["withheld", "withheld"], "{v}");
    assert_eq!(v["feeds"][0]["claimed"], 8);
    // In words: how far beta's signatures cover alpha's feed, and what is missing.
    let (code, text, _) = hotline(
        p,
        &[
            "verify",
            "w.bundle",
            "--trust",
            alpha.to_str().unwrap(),
            "--trust",
            beta.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "warnings only: {text}");
    // Beta's ack views 8 entries, which cannot be checked: its earlier views reach 6.
    assert!(text.contains("endorsed up to 6 by beta"), "{text}");
    assert!(text.contains("seq 6 rests on alpha's word alone"), "{text}");
    assert!(text.contains("claim 8 entries: 1 WITHHELD"), "{text}");

    let mut rewritten = n.entry.clone();
    rewritten.kind = Kind::Definition.code();
    rewritten.body = definition("nothing happened").encode().unwrap();
    let rewritten = rewritten
        .sign(&test_key("alpha"))
        .unwrap()
        .encode()
        .unwrap();
    let swapped: Vec<Vec<u8>> = sim
        .encoded()
        .into_iter()
        .map(|e| {
            if e == n.encode().unwrap() {
                rewritten.clone()
            } else {
                e
            }
        })
        .collect();
    std::fs::write(
        p.join("r.bundle"),
        bundle::write(&sim.ex.charter, &swapped).unwrap(),
    )
    .unwrap();
    let (code, kinds, v) = verify("r.bundle");
    assert_eq!(code, 1);
    assert_eq!(
        kinds,
        ["view-contradicts-feed", "view-contradicts-feed"],
        "{v}"
    );
}

#[test]
fn receipts_cover_what_an_import_brought_and_are_not_receipted() {
    let tmp = tempfile::tempdir().unwrap();
    let charter = example::charter();
    let (alpha, beta) = (test_key("alpha"), test_key("beta"));
    let mut a = Store::create(&tmp.path().join("a"), &charter).unwrap();
    let mut b = Store::create(&tmp.path().join("b"), &charter).unwrap();
    a.append(&alpha, &Body::Charter(charter.clone()), Timestamp(T0))
        .unwrap();
    let r = b
        .import(&a.export(&Default::default()).unwrap(), None)
        .unwrap();
    let acceptance = b
        .append(
            &beta,
            &Body::Acceptance(Acceptance {
                charter: charter.id().unwrap(),
            }),
            Timestamp(T0 + H),
        )
        .unwrap();
    // The acceptance binds what the joiner was shown.
    assert_eq!(
        acceptance.header().view_of(&alpha.party()).unwrap().size,
        1,
        "the charter entry"
    );
    // The acceptance already views alpha's charter; a receipt for the same import says it
    // again, as a receipt.
    let receipt = b
        .sign_receipt(&beta, &r, Timestamp(T0 + H))
        .unwrap()
        .unwrap();
    assert!(
        matches!(receipt.entry.body().unwrap(), Body::Receipt(ref x) if x.feeds == vec![alpha.party()])
    );
    assert_eq!(
        receipt.header().view_of(&alpha.party()).unwrap().feed(),
        b.feed_view(&alpha.party()).unwrap()
    );
    // Alpha imports beta's acceptance and receipt: it receipts the acceptance.
    let r = a
        .import(&b.export(&Default::default()).unwrap(), None)
        .unwrap();
    assert_eq!(r.new_entries, 2);
    let back = a.sign_receipt(&alpha, &r, Timestamp(T0 + 2 * H)).unwrap();
    assert!(back.is_some());
    // Beta imports alpha's receipt alone: nothing to receipt, so the exchange converges.
    let r = b
        .import(&a.export(&Default::default()).unwrap(), None)
        .unwrap();
    assert_eq!(r.new_entries, 1);
    assert!(
        b.sign_receipt(&beta, &r, Timestamp(T0 + 3 * H))
            .unwrap()
            .is_none()
    );
    let report = b.verify(Options::default()).unwrap();
    assert!(
        report.ok && report.findings.is_empty(),
        "{:#?}",
        report.findings
    );
}

#[test]
fn cli_verify_refuses_a_note_record_that_disagrees_with_its_signed_note() {
    let sim = Sim::new();
    let charter = sim.ex.charter.clone();
    let size = sim.ex.alpha.leaves.len() as u64;
    let root = merkle::root(&sim.ex.alpha.leaves);
    let note = witness::sign_checkpoint(&charter, &test_key("alpha"), size, root).unwrap();
    let record = |size| bundle::NoteRecord {
        origin: witness::origin(&charter, &charter.parties[0]).unwrap(),
        size,
        root,
        note: note.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let alpha = keys().join("alpha.pub");
    let beta = keys().join("beta.pub");
    let run = |records: Vec<bundle::NoteRecord>| {
        let bytes = bundle::write_with_notes(&charter, &sim.encoded(), &records).unwrap();
        std::fs::write(p.join("n.bundle"), bytes).unwrap();
        hotline(
            p,
            &[
                "verify",
                "n.bundle",
                "--trust",
                alpha.to_str().unwrap(),
                "--trust",
                beta.to_str().unwrap(),
            ],
        )
    };
    let (code, out, err) = run(vec![record(size)]);
    assert_eq!(code, 0, "{out}{err}");
    // A finding of the report (docs/FORMAT.md §7), as import refuses it.
    let (code, out, err) = run(vec![record(size + 1)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("note-record-mismatch") && out.contains("signed note states"),
        "{out}"
    );
}

#[test]
fn a_checkpoint_beyond_the_entries_presented_is_withheld() {
    let mut sim = Sim::new();
    sim.alpha(T, notice("high", "Intrusion"));
    let charter = sim.ex.charter.clone();
    let size = sim.ex.alpha.leaves.len() as u64;
    let note = witness::sign_checkpoint(
        &charter,
        &test_key("alpha"),
        size,
        merkle::root(&sim.ex.alpha.leaves),
    )
    .unwrap();
    // Present all but alpha's newest entry, with its checkpoint.
    let mut entries = sim.encoded();
    entries.pop();
    let report =
        hotline::verify::verify_with_notes(&charter, &entries, &[&note], Options::default());
    let withheld: Vec<_> = report.of_kind(FindingKind::Withheld).collect();
    assert_eq!(withheld.len(), 1, "{:#?}", report.findings);
    assert!(
        withheld[0]
            .message
            .contains("alpha's own signed checkpoint covers 8 entries"),
        "{}",
        withheld[0].message
    );
    assert_eq!(report.feeds[0].claimed, Some(size));
    assert!(
        report.ok,
        "a warning: the entries may simply not have arrived"
    );
}

// Attacks on the audit's clock, each found in review: the verdict must not rest on the word of
// the party (or stranger) who gains from it.

#[test]
fn a_sender_post_dating_its_own_entry_cannot_make_a_prompt_receiver_late() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.alpha(T + 10 * H, definition("incident")); // post-dated by ten hours
    sim.receipt(T + 60);
    sim.ack(T + 120, &n, AckState::Received, "");
    let (r, _) = beta_verdicts(&sim, T + 20 * H);
    // Possession is judged like the ack, so both move together: in time.
    assert_eq!(r.possession.as_ref().unwrap().time, Timestamp(T + 10 * H));
    assert_eq!(r.ack.status, Status::Met, "{:?}", r.ack);
}

#[test]
fn a_third_party_post_dating_cannot_make_the_receiver_miss() {
    let (charter, [mut a, mut b, mut g], mut out) = three_party_channel();
    let n = a
        .append(
            T,
            [b.seen(), g.seen()].concat(),
            notice("high", "Intrusion"),
        )
        .unwrap();
    out.push(n.clone());
    // Beta's receipt, then gamma post-dates an entry, then beta acks seeing it.
    out.push(
        b.append(
            T + 60,
            [a.seen(), g.seen()].concat(),
            Body::Receipt(hotline::entry::Receipt {
                feeds: vec![test_key("alpha").party()],
            }),
        )
        .unwrap(),
    );
    out.push(g.append(T + 10 * H, a.seen(), definition("gamma")).unwrap());
    out.push(
        b.append(
            T + 120,
            [a.seen(), g.seen()].concat(),
            example::ack(example::entry_ref(&n).unwrap(), AckState::Received, ""),
        )
        .unwrap(),
    );
    let enc: Vec<Vec<u8>> = out.iter().map(|e| e.encode().unwrap()).collect();
    let au = audit(&charter, &enc, Timestamp(T + 20 * H));
    let r = &au.notices[0].receivers[0];
    assert_eq!(r.party, "beta");
    assert_eq!(r.ack.status, Status::Undetermined, "{:?}", r.ack);
    assert_eq!(r.ack.basis, Basis::ConflictingClaims);
    assert_ne!(r.respond.status, Status::Missed);
    // Gamma itself held the notice (its post-dated entry views it) and never acked: that one
    // is gamma's own doing.
    assert_eq!(au.notices[0].receivers[1].ack.status, Status::Missed);
}

#[test]
fn the_senders_own_admission_in_time_settles_an_ack_that_claims_to_be_late() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.receipt(T + 60);
    sim.ack(T + 5 * H, &n, AckState::Received, ""); // claims after the due time
    sim.alpha(T + 3 * H, definition("contained")); // alpha holds the ack, by its own claim in time
    let (r, _) = beta_verdicts(&sim, T + 20 * H);
    assert_eq!(r.ack.status, Status::Met, "{:?}", r.ack);
    assert_eq!(r.ack.basis, Basis::Sender);
    assert_eq!(r.ack.at, Some(Timestamp(T + 3 * H)));
}

#[test]
fn overlapping_requests_for_information_pause_the_clock_once() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    for i in 0..3 {
        sim.ack(T + H + i, &n, AckState::NeedsInfo, "Which hosts?");
    }
    // An update of the incident answers them; beta's receipt shows it held it at T+52h.
    sim.alpha(
        T + 51 * H,
        Body::Notice(Notice {
            refs: vec![n.id().unwrap()],
            stage: Stage::Update,
            ..match notice("high", "Update") {
                Body::Notice(x) => x,
                _ => unreachable!(),
            }
        }),
    );
    sim.receipt(T + 52 * H);
    sim.beta(
        T + 200 * H,
        Body::Response(Response {
            to: n.id().unwrap(),
            text: "Contained.".into(),
        }),
    );
    let a = sim.audit(T + 300 * H);
    let r = &a.notices[a.notices.len() - 2].receivers[0];
    // One pause, from the first ask to beta's receipt: T+1h + 72h + 51h.
    assert_eq!(r.respond.due, Some(Timestamp(T + 124 * H)));
    assert_eq!(r.respond.status, Status::Missed, "{:?}", r.respond);
}

#[test]
fn a_request_for_information_after_the_deadline_rescues_nothing() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.ack(T + H, &n, AckState::Received, "");
    sim.ack(T + 100 * H, &n, AckState::NeedsInfo, "Which hosts?"); // due was T+73h
    let (r, _) = beta_verdicts(&sim, T + 200 * H);
    assert_eq!(r.respond.status, Status::Missed, "{:?}", r.respond);
}

#[test]
fn a_post_dated_request_for_information_does_not_pause_forever() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    let ask = sim.ack(T + 100 * H, &n, AckState::NeedsInfo, "Which hosts?");
    sim.alpha(
        T + 2 * H,
        Body::Response(Response {
            to: ask.id().unwrap(),
            text: "198.51.100.7".into(),
        }),
    );
    sim.receipt(T + 101 * H);
    let (r, _) = beta_verdicts(&sim, T + 1000 * H);
    assert_ne!(r.respond.status, Status::Paused, "{:?}", r.respond);
    assert_eq!(r.respond.status, Status::Missed, "{:?}", r.respond);
}

#[test]
fn a_post_dated_acceptance_does_not_unbind_the_receiver() {
    let charter = example::charter();
    let ch = charter.id().unwrap();
    let (mut a, mut b) = (
        Writer::new(test_key("alpha"), ch),
        Writer::new(test_key("beta"), ch),
    );
    let mut out = vec![
        a.append(T0, vec![], Body::Charter(charter.clone()))
            .unwrap(),
    ];
    // Beta's acceptance claims the year 2100; its later entries claim honest times.
    out.push(
        b.append(
            4_102_444_800,
            a.seen(),
            Body::Acceptance(Acceptance { charter: ch }),
        )
        .unwrap(),
    );
    let n = a.append(T, b.seen(), notice("high", "Intrusion")).unwrap();
    out.push(n.clone());
    b.head.as_mut().unwrap().time = Timestamp(0);
    out.push(
        b.append(
            T + 60,
            a.seen(),
            Body::Receipt(hotline::entry::Receipt {
                feeds: vec![test_key("alpha").party()],
            }),
        )
        .unwrap(),
    );
    let enc: Vec<Vec<u8>> = out.iter().map(|e| e.encode().unwrap()).collect();
    let au = audit(&charter, &enc, Timestamp(T + 500 * H));
    let r = &au.notices[0].receivers[0];
    assert_eq!(r.ack.status, Status::Missed, "{:?}", r.ack);
    assert!(!au.ok);
}

#[test]
fn acking_across_two_branches_of_a_fork_is_not_blamed_on_the_receiver() {
    let tmp = tempfile::tempdir().unwrap();
    let charter = example::charter();
    let mut sim = Sim::new();
    sim.alpha(T, definition("one"));
    sim.alpha(T + 1, definition("two"));
    let a9 = sim.alpha(T + 2, definition("three"));
    let mut store = Store::create(&tmp.path().join("beta"), &charter).unwrap();
    store
        .import(&bundle::write(&charter, &sim.encoded()).unwrap(), None)
        .unwrap();
    let kb = test_key("beta");
    let ack =
        |e: &SignedEntry| example::ack(example::entry_ref(e).unwrap(), AckState::Received, "");
    store.append(&kb, &ack(&a9), Timestamp(T + H)).unwrap();
    // Alpha's other branch from seq 7.
    let base = example::build().unwrap();
    let mut branch = base.alpha;
    let b7 = branch
        .append(T + 60, base.beta.seen(), definition("quiet"))
        .unwrap();
    let b8 = branch
        .append(T + 120, base.beta.seen(), notice("high", "Second"))
        .unwrap();
    let second = vec![b7.encode().unwrap(), b8.encode().unwrap()];
    let r = store
        .import(&bundle::write(&charter, &second).unwrap(), None)
        .unwrap();
    assert!(!r.forks.is_empty());
    let e = store.append(&kb, &ack(&b8), Timestamp(T + 2 * H)).unwrap();
    assert_eq!(
        e.header().view_of(&test_key("alpha").party()).unwrap().size,
        9,
        "the ack views the branch that holds b8"
    );
    let report = store.verify(Options::default()).unwrap();
    assert_eq!(
        report.of_kind(FindingKind::AckContradictsFeed).count(),
        0,
        "{:#?}",
        report.findings
    );
    assert_eq!(
        report.of_kind(FindingKind::ViewShrinks).count(),
        0,
        "{:#?}",
        report.findings
    );
    assert!(report.of_kind(FindingKind::Fork).count() > 0);
}

// A second review's attacks on the clock.

fn update_of(n: &SignedEntry) -> Body {
    let Body::Notice(x) = notice("high", "Update") else {
        unreachable!()
    };
    Body::Notice(Notice {
        refs: vec![n.id().unwrap()],
        stage: Stage::Update,
        ..x
    })
}

/// Beta's verdicts on alpha's notice at `seq`.
fn beta_on(a: &Audit, seq: u64) -> hotline::audit::Receiver {
    let n = a.notices.iter().find(|x| x.seq == seq).unwrap();
    assert_eq!(n.receivers[0].party, "beta");
    n.receivers[0].clone()
}

#[test]
fn the_founder_is_bound_by_its_charter_entry() {
    let mut sim = Sim::new();
    sim.beta(T, notice("high", "From beta"));
    sim.alpha(T + 60, definition("saw it")); // alpha's view holds beta's notice
    let a = sim.audit(T + 500 * H);
    let r = &a
        .notices
        .iter()
        .find(|x| x.author == "beta")
        .unwrap()
        .receivers[0];
    assert_eq!(r.party, "alpha");
    assert_eq!(r.ack.status, Status::Missed, "{:?}", r.ack);
}

#[test]
fn answering_while_the_clock_is_stopped_is_in_time() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.ack(T + H, &n, AckState::NeedsInfo, "Which hosts?");
    assert_eq!(
        beta_on(&sim.audit(T + 200 * H), 7).respond.status,
        Status::Paused
    );
    // Alpha never answers; beta responds anyway, long after the 72 hours.
    sim.beta(
        T + 100 * H,
        Body::Response(Response {
            to: n.id().unwrap(),
            text: "Done.".into(),
        }),
    );
    let r = beta_on(&sim.audit(T + 200 * H), 7);
    assert_eq!(r.respond.status, Status::Met, "{:?}", r.respond);
}

#[test]
fn an_update_sent_before_the_request_does_not_answer_it() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.alpha(T + 60, update_of(&n));
    sim.receipt(T + 120);
    sim.ack(T + H, &n, AckState::NeedsInfo, "Which hosts?");
    let r = beta_on(&sim.audit(T + 200 * H), 7);
    assert_eq!(r.respond.status, Status::Paused, "{:?}", r.respond);
}

#[test]
fn a_post_dated_sender_entry_does_not_void_a_prompt_request() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.receipt(T + 60);
    sim.alpha(T + 100 * H, definition("post-dated"));
    sim.ack(T + H, &n, AckState::NeedsInfo, "Which hosts?");
    let r = beta_on(&sim.audit(T + 300 * H), 7);
    assert_ne!(r.respond.status, Status::Missed, "{:?}", r.respond);
    assert_eq!(r.respond.basis, Basis::ConflictingClaims, "{:?}", r.respond);
}

#[test]
fn a_gap_in_the_receivers_feed_is_not_read_as_no_answer() {
    let mut sim = Sim::new();
    let n = sim.alpha(T, notice("high", "Intrusion"));
    sim.receipt(T + 60);
    let ack = sim.ack(T + 120, &n, AckState::Received, "");
    sim.beta(
        T + 2 * H,
        Body::Response(Response {
            to: n.id().unwrap(),
            text: "Done.".into(),
        }),
    );
    let ack_bytes = ack.encode().unwrap();
    let enc: Vec<Vec<u8>> = sim
        .encoded()
        .into_iter()
        .filter(|e| *e != ack_bytes)
        .collect();
    let a = audit(&sim.ex.charter, &enc, Timestamp(T + 200 * H));
    assert!(a.verification.of_kind(FindingKind::Gap).count() > 0);
    let r = beta_on(&a, 7);
    assert_eq!(r.ack.status, Status::Undetermined, "{:?}", r.ack);
    assert!(r.ack.reason.contains("missing"), "{}", r.ack.reason);
}

#[test]
fn a_third_partys_far_future_entry_gives_the_receiver_no_time() {
    let (charter, [mut a, mut b, mut g], mut out) = three_party_channel();
    out.push(
        g.append(4_102_444_800, a.seen(), definition("year 2100"))
            .unwrap(),
    );
    out.push(
        a.append(
            T,
            [b.seen(), g.seen()].concat(),
            notice("high", "Intrusion"),
        )
        .unwrap(),
    );
    out.push(
        b.append(
            T + 60,
            [a.seen(), g.seen()].concat(),
            Body::Receipt(hotline::entry::Receipt {
                feeds: vec![test_key("alpha").party()],
            }),
        )
        .unwrap(),
    );
    let enc: Vec<Vec<u8>> = out.iter().map(|e| e.encode().unwrap()).collect();
    let au = audit(&charter, &enc, Timestamp(T + 5000 * H));
    let r = &au.notices[0].receivers[0];
    assert_eq!(r.party, "beta");
    assert_eq!(r.ack.status, Status::Missed, "{:?}", r.ack);
    assert_eq!(r.ack.due, Some(Timestamp(T + 60 + 4 * H)));
}

#[test]
fn a_shrink_below_a_fork_point_is_still_a_shrink() {
    let mut sim = Sim::new();
    sim.alpha(T, definition("one")); // alpha's seq 7 on one branch
    let base = example::build().unwrap();
    let mut branch = base.alpha;
    let b7 = branch
        .append(T + 60, base.beta.seen(), definition("quiet"))
        .unwrap();
    sim.entries.push(b7);
    sim.receipt(T + H); // beta views alpha at 8
    let small = vec![View {
        party: test_key("alpha").party(),
        size: 3,
        root: merkle::root(&sim.ex.alpha.leaves[..3]),
    }];
    sim.beta_seeing(T + 2 * H, small, definition("shrunk"));
    let a = sim.audit(T + 10 * H);
    assert!(a.verification.of_kind(FindingKind::Fork).count() > 0);
    assert_eq!(a.verification.of_kind(FindingKind::ViewShrinks).count(), 1);
}
