//! Charter amendments and the close (docs/FORMAT.md §11, docs/EVIDENCE.md "Amendments and
//! the close"): an amendment adding a third party and changing a window, one not ratified by
//! everyone, a bad one, and a close — in the library, on the example channel extended by hand.
#![cfg(feature = "example")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hotline::audit::{Audit, Basis, Status, audit};
use hotline::charter::Charter;
use hotline::entry::{
    Acceptance, AckState, Amend, Body, Close, EntryRef, Notice, Ratify, Receipt, SignedEntry,
    Stage, Timestamp,
};
use hotline::example::{self, T0, test_key, test_party};
use hotline::verify::{FindingKind, Options, Report, verify};

const H: u64 = 3600;
/// After the example channel's last entry.
const T: u64 = T0 + 200 * H;

fn notice(incident: &str) -> Body {
    Body::Notice(Notice {
        incident: incident.into(),
        stage: Stage::Initial,
        severity: "high".into(),
        category: "intrusion".into(),
        summary: "Intrusion traced to your network".into(),
        detail: String::new(),
        detected_at: None,
        indicators: vec![],
        requested_action: String::new(),
        handling: String::new(),
        ack_by: None,
        respond_by: None,
        refs: vec![],
    })
}

fn r(e: &SignedEntry) -> EntryRef {
    example::entry_ref(e).unwrap()
}

#[path = "support/three.rs"]
mod three;
use three::Sim;

impl Sim {
    fn receipt(&mut self, who: &str, t: u64, of: &[&str]) -> SignedEntry {
        let mut feeds: Vec<_> = of.iter().map(|n| test_key(n).party()).collect();
        feeds.sort();
        self.sign(who, t, Body::Receipt(Receipt { feeds }))
    }

    fn ack(&mut self, who: &str, t: u64, of: &SignedEntry) -> SignedEntry {
        self.sign(who, t, example::ack(r(of), AckState::Received, ""))
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

/// The founding charter with gamma added and the `high` acknowledgement window raised from 4
/// to 12 hours.
fn with_gamma(founding: &Charter) -> Charter {
    let mut c = founding.clone();
    c.name = "alpha-beta-gamma cyber hotline".into();
    c.parties.push(test_party("gamma", "point-of-contact"));
    for s in &mut c.policy.severities {
        if s.name == "high" {
            s.ack_within = 12 * H;
        }
    }
    c
}

fn amend(charter: Charter) -> Body {
    Body::Amend(Box::new(Amend {
        charter,
        amends: None,
    }))
}

fn ratify(of: &SignedEntry) -> Body {
    Body::Ratify(Ratify { proposal: r(of) })
}

fn kinds(report: &Report) -> Vec<(FindingKind, Option<String>, Option<u64>)> {
    report
        .findings
        .iter()
        .map(|f| (f.kind, f.party.clone(), f.seq))
        .collect()
}

/// Alpha's notice N1, beta's receipt of it, then alpha's amendment (and, if `ratified`,
/// beta's ratification), gamma's acceptance, alpha's notice N2, and receipts and acks of N2.
/// Beta acknowledges N1 5 hours after its receipt: late under the founding 4-hour window,
/// in time under the amendment's 12 hours.
fn scenario(ratified: bool) -> (Sim, SignedEntry, SignedEntry) {
    let mut s = Sim::new();
    let n1 = s.sign("alpha", T, notice("ALPHA-2026-0010"));
    s.receipt("beta", T + H, &["alpha"]);
    let proposal = s.sign("alpha", T + 2 * H, amend(with_gamma(&s.ex.charter)));
    if ratified {
        s.sign("beta", T + 3 * H, ratify(&proposal));
    }
    let channel = s.ex.charter.id().unwrap();
    s.sign(
        "gamma",
        T + 4 * H,
        Body::Acceptance(Acceptance { charter: channel }),
    );
    s.ack("beta", T + 6 * H, &n1);
    let n2 = s.sign("alpha", T + 7 * H, notice("ALPHA-2026-0011"));
    s.receipt("beta", T + 8 * H, &["alpha"]);
    s.receipt("gamma", T + 9 * H, &["alpha"]);
    s.ack("gamma", T + 10 * H, &n2);
    s.ack("beta", T + 14 * H, &n2);
    (s, n1, n2)
}

#[test]
fn an_amendment_adds_a_party_and_old_notices_keep_the_old_window() {
    let (s, n1, n2) = scenario(true);
    let report = s.verify();
    assert!(report.ok, "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let [a] = report.amendments.as_slice() else {
        panic!("one amendment: {:#?}", report.amendments)
    };
    assert!(a.in_effect);
    assert_eq!(a.added, ["gamma"]);
    assert!(a.removed.is_empty());
    assert_eq!(a.proposer, "alpha");
    let by: Vec<&str> = a.accepted_by.iter().map(|x| x.party.as_str()).collect();
    assert_eq!(by, ["alpha", "beta"]);
    // Each acceptance binds its own feed's size and root there.
    assert_eq!(a.accepted_by[1].seq, 6);
    assert!(a.accepted_by.iter().all(|x| x.root.is_some()));
    // Gamma's feed verifies as a party's.
    let gamma = report.feeds.iter().find(|f| f.party == "gamma").unwrap();
    assert!(gamma.accepted);
    assert_eq!(gamma.size, 3);
    // N1 is governed by the founding charter, N2 by the amendment.
    assert_eq!(report.governed(&n1.id().unwrap()).amendment, None);
    assert_eq!(report.governed(&n2.id().unwrap()).amendment, Some(a.entry));

    let audit = s.audit(T + 30 * H);
    let one = audit
        .notices
        .iter()
        .find(|n| n.id == n1.id().unwrap())
        .unwrap();
    let receivers: Vec<&str> = one.receivers.iter().map(|r| r.party.as_str()).collect();
    assert_eq!(receivers, ["beta"], "gamma owes nothing for N1");
    // Receipt at T+1h, 4-hour window: due T+5h; the ack at T+6h is late.
    assert_eq!(one.receivers[0].ack.status, Status::Missed);
    assert_eq!(one.receivers[0].ack.due, Some(Timestamp(T + 5 * H)));
    let two = audit
        .notices
        .iter()
        .find(|n| n.id == n2.id().unwrap())
        .unwrap();
    let receivers: Vec<&str> = two.receivers.iter().map(|r| r.party.as_str()).collect();
    assert_eq!(receivers, ["beta", "gamma"]);
    // Receipt at T+8h, 12-hour window: due T+20h; the ack at T+14h is in time.
    let beta = &two.receivers[0];
    assert_eq!(
        (beta.ack.status, beta.ack.due),
        (Status::Met, Some(Timestamp(T + 20 * H)))
    );
    let gamma = &two.receivers[1];
    assert_eq!(
        (gamma.ack.status, gamma.ack.due),
        (Status::Met, Some(Timestamp(T + 21 * H)))
    );
    assert_eq!(audit.missed, 1);
}

#[test]
fn an_amendment_not_ratified_by_everyone_is_not_in_force() {
    let (s, _, n2) = scenario(false);
    let report = s.verify();
    let [a] = report.amendments.as_slice() else {
        panic!("one amendment: {:#?}", report.amendments)
    };
    assert!(!a.in_effect);
    assert_eq!(a.awaiting, ["beta"]);
    // Gamma's three entries are not a party's.
    let outsiders: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::NotAParty)
        .map(|f| (f.party.as_deref(), f.seq))
        .collect();
    assert_eq!(
        outsiders,
        [
            (Some("gamma"), Some(0)),
            (Some("gamma"), Some(1)),
            (Some("gamma"), Some(2))
        ]
    );
    assert!(!report.ok);
    assert!(report.feeds.iter().all(|f| f.party != "gamma"));
    assert_eq!(report.governed(&n2.id().unwrap()).amendment, None);

    // N2 is judged by the founding charter: beta alone, 4 hours from its receipt at T+8h.
    let audit = s.audit(T + 30 * H);
    let two = audit
        .notices
        .iter()
        .find(|n| n.id == n2.id().unwrap())
        .unwrap();
    let receivers: Vec<&str> = two.receivers.iter().map(|r| r.party.as_str()).collect();
    assert_eq!(receivers, ["beta"]);
    assert_eq!(
        (two.receivers[0].ack.status, two.receivers[0].ack.due),
        (Status::Missed, Some(Timestamp(T + 12 * H)))
    );
}

#[test]
fn an_amendment_changing_a_partys_key_is_reported_and_not_in_force() {
    let mut s = Sim::new();
    let mut c = s.ex.charter.clone();
    c.parties[1].key = test_key("mallory").party();
    let proposal = s.sign("alpha", T, amend(c));
    s.sign("beta", T + H, ratify(&proposal));
    let report = s.verify();
    assert_eq!(
        kinds(&report),
        [(FindingKind::BadAmendment, Some("alpha".into()), Some(7))]
    );
    let msg = &report.findings[0].message;
    assert!(msg.contains("key changes only by rotation"), "{msg}");
    assert!(!report.ok);
    assert!(report.amendments.is_empty());
}

#[test]
fn ratifications_that_break_a_rule_are_reported() {
    let mut s = Sim::new();
    let n = s.sign("alpha", T, notice("ALPHA-2026-0012"));
    // A ratification of a notice.
    s.sign("beta", T + H, ratify(&n));
    // Two proposals of the founding charter: beta accepts the first, then the second.
    let first = s.sign("alpha", T + 2 * H, amend(with_gamma(&s.ex.charter)));
    let mut other = s.ex.charter.clone();
    other.name = "renamed".into();
    let second = s.sign("alpha", T + 3 * H, amend(other));
    s.sign("beta", T + 4 * H, ratify(&first));
    s.sign("beta", T + 5 * H, ratify(&second));
    // A duplicate ratification is fine.
    s.sign("beta", T + 6 * H, ratify(&first));
    let report = s.verify();
    assert_eq!(
        kinds(&report),
        [
            (FindingKind::BadAmendment, Some("alpha".into()), Some(9)),
            (FindingKind::BadAmendment, Some("beta".into()), Some(7)),
            (FindingKind::BadAmendment, Some("beta".into()), Some(5)),
        ],
        "{:#?}",
        report.findings
    );
    let [a, b] = report.amendments.as_slice() else {
        panic!("{:#?}", report.amendments)
    };
    assert!(a.in_effect, "the first proposal is in force");
    assert!(
        !b.in_effect,
        "alpha accepted the first, so the second cannot be"
    );
}

#[test]
fn a_close_voids_later_notices_and_keeps_earlier_obligations() {
    let mut s = Sim::new();
    let n1 = s.sign("alpha", T, notice("ALPHA-2026-0013"));
    s.receipt("beta", T + H, &["alpha"]);
    let successor = example::other_channel_id();
    let close = s.sign(
        "alpha",
        T + 2 * H,
        Body::Close(Close {
            successor: Some(successor),
            reason: "moving to a three-party channel".into(),
        }),
    );
    s.sign("beta", T + 3 * H, ratify(&close));
    let n2 = s.sign("alpha", T + 4 * H, notice("ALPHA-2026-0014"));
    s.ack("beta", T + 5 * H, &n1);
    let report = s.verify();
    assert!(report.ok, "{:#?}", report.findings);
    assert_eq!(
        kinds(&report),
        [(FindingKind::AfterClose, Some("alpha".into()), Some(9))]
    );
    let c = report.close.as_ref().unwrap();
    assert!(c.in_effect);
    assert_eq!(c.successor, Some(successor));
    assert_eq!(c.entry, close.id().unwrap());
    // Beta's ack, after the close, is no after-close entry: it answers an earlier notice.
    assert_eq!(
        report.governed(&n2.id().unwrap()).closed,
        Some(close.id().unwrap())
    );

    let audit = s.audit(T + 30 * H);
    let one = &audit.notices[audit.notices.len() - 2];
    assert_eq!(one.id, n1.id().unwrap());
    assert_eq!(one.receivers[0].ack.status, Status::Met);
    let two = audit.notices.last().unwrap();
    assert_eq!(two.id, n2.id().unwrap());
    let beta = &two.receivers[0];
    assert_eq!(
        (beta.ack.status, beta.ack.basis),
        (Status::Void, Basis::Charter)
    );
    assert_eq!(beta.respond.status, Status::Void);
    assert!(beta.ack.reason.contains("closed"), "{}", beta.ack.reason);
    // The respond-by deadline of N1 still runs (72 h for high), and nothing is missed.
    assert_eq!(one.receivers[0].respond.status, Status::Pending);
    assert_eq!(audit.missed, 0);
}

#[test]
fn a_close_not_ratified_is_not_in_force() {
    let mut s = Sim::new();
    s.sign(
        "alpha",
        T,
        Body::Close(Close {
            successor: None,
            reason: String::new(),
        }),
    );
    let n = s.sign("alpha", T + H, notice("ALPHA-2026-0015"));
    let report = s.verify();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let c = report.close.as_ref().unwrap();
    assert!(!c.in_effect);
    assert_eq!(c.awaiting, ["beta"]);
    assert_eq!(report.governed(&n.id().unwrap()).closed, None);
}

/// The verbs, through the real binary: alpha amends the high window, beta ratifies, the
/// charter in force changes; alpha closes naming a successor, beta ratifies, and nothing more
/// can be proposed.
#[cfg(feature = "cli")]
#[path = "support/run.rs"]
mod run;

#[cfg(feature = "cli")]
mod cli {
    use super::run::{fails, ok};
    use std::path::Path;

    fn exchange(dir: &Path, from: &str, to: &str) {
        let file = format!("{from}-to-{to}.bundle");
        ok(dir, &["--store", from, "export", "--out", &file, "--force"]);
        ok(dir, &["--store", to, "import", &file]);
    }

    #[test]
    fn amend_ratify_charter_and_close() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        ok(d, &["keygen", "alpha"]);
        ok(d, &["keygen", "beta"]);
        super::run::found_and_join(d, "alpha.key", "alpha.pub");
        exchange(d, "b", "a");
        fails(
            d,
            &["--store", "a", "amend"],
            2,
            "the amendment changes nothing",
        );
        let proposed = ok(
            d,
            &[
                "--store",
                "a",
                "--json",
                "amend",
                "--severity",
                "high:12h:72h",
            ],
        )
        .json();
        assert_eq!(proposed["awaiting"], serde_json::json!(["beta"]));
        let id = proposed["id"].as_str().unwrap().to_owned();
        exchange(d, "a", "b");
        let before = ok(d, &["--store", "b", "charter", "--json"]).json();
        assert_eq!(before["amendments"][0]["in_effect"], false);
        let high = |c: &serde_json::Value| {
            c["policy"]["severities"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == "high")
                .unwrap()["ack_within"]
                .clone()
        };
        assert_eq!(high(&before), 4 * 3600);
        // A prefix too short to sign for is refused.
        fails(d, &["--store", "b", "ratify", &id[..6]], 2, "12 hex digits");
        let r = ok(d, &["--store", "b", "ratify", &id[..12]]);
        assert!(r.stdout.contains("it is in force"), "{}", r.stdout);
        let after = ok(d, &["--store", "b", "charter", "--json"]).json();
        assert_eq!(after["amendments"][0]["in_effect"], true);
        assert_eq!(high(&after), 12 * 3600);
        let text = ok(d, &["--store", "b", "charter"]).stdout;
        assert!(text.contains("(amendment "), "{text}");

        exchange(d, "b", "a");
        let successor = "11".repeat(32);
        let closed = ok(
            d,
            &[
                "--store",
                "a",
                "--json",
                "close",
                "--successor",
                &successor,
                "--reason",
                "moving on",
            ],
        )
        .json();
        let cid = closed["id"].as_str().unwrap().to_owned();
        exchange(d, "a", "b");
        ok(d, &["--store", "b", "ratify", &cid]);
        let shown = ok(d, &["--store", "b", "charter", "--json"]).json();
        assert_eq!(shown["close"]["in_effect"], true);
        assert_eq!(shown["close"]["successor"], successor.as_str());
        fails(
            d,
            &["--store", "b", "amend", "--name", "again"],
            2,
            "the channel is closed",
        );
        let v = ok(d, &["--store", "b", "verify", "--json"]).json();
        assert_eq!(v["ok"], true);
    }
}
