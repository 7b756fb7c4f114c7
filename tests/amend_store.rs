//! A party added by a charter amendment, in the store (docs/FORMAT.md §11, "Membership"): its
//! entries are refused on import until the amendment is in force and a party's from then on;
//! its key state starts from its `Party` entry in the amendment; other parties' entries view
//! its feed. And through the real binary: it joins from a bundle, acknowledges, and the audit
//! judges each notice by the charter that governs it.
#![cfg(all(feature = "store", feature = "example"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hotline::bundle;
use hotline::charter::Charter;
use hotline::entry::{Acceptance, Amend, Body, Kind, Ratify, Receipt, SignedEntry, Timestamp};
use hotline::example::{self, T0, test_key, test_party};
use hotline::store::{Store, StoreError};
use hotline::verify::FindingKind;

const H: u64 = 3600;
/// After the example channel's last entry.
const T: u64 = T0 + 200 * H;

#[path = "support/three.rs"]
mod three;
use three::Sim;

impl Sim {
    fn bundle(&self, entries: &[&SignedEntry]) -> Vec<u8> {
        let bytes: Vec<Vec<u8>> = entries.iter().map(|e| e.encode().unwrap()).collect();
        bundle::write(&self.ex.charter, &bytes).unwrap()
    }
}

fn no_notes(_: &[u8]) -> Result<hotline::store::NoteMeta, String> {
    Err("no notes here".into())
}

/// The founding charter with gamma added.
fn with_gamma(founding: &Charter) -> Charter {
    let mut c = founding.clone();
    c.name = "alpha-beta-gamma cyber hotline".into();
    c.parties.push(test_party("gamma", "point-of-contact"));
    c
}

/// Open a store this process just closed. The other test in this file starts `hotline`
/// processes meanwhile, and a child holds a copy of every open descriptor of this process
/// (the store's lock among them) from its fork until its exec, so the lock can outlive the
/// handle that dropped it by that moment: wait it out, as the CLI's own open does.
fn reopen(dir: &std::path::Path) -> Store {
    Store::open_within(dir, std::time::Duration::from_secs(10)).unwrap()
}

#[test]
fn an_added_partys_entries_are_refused_until_the_amendment_is_in_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let mut s = Sim::new();
    let all: Vec<SignedEntry> = s.ex.entries.iter().map(|(_, e)| e.clone()).collect();
    let founding = s.ex.charter.clone();
    let (mut store, _) = Store::create_with(
        &dir,
        &founding,
        &s.bundle(&all.iter().collect::<Vec<_>>()),
        None,
        no_notes,
    )
    .unwrap();
    let gamma = test_key("gamma");
    let gid = gamma.party();
    let alpha = test_key("alpha").party();

    let proposal = s.sign(
        "alpha",
        T,
        Body::Amend(Box::new(Amend {
            charter: with_gamma(&founding),
            amends: None,
        })),
    );
    let channel = founding.id().unwrap();
    let accept = s.sign(
        "gamma",
        T + H,
        Body::Acceptance(Acceptance { charter: channel }),
    );

    // Proposed, not ratified: gamma is nobody's party yet.
    let refused = store
        .import(&s.bundle(&[&proposal, &accept]), None)
        .unwrap_err();
    let StoreError::Rejected { findings } = &refused else {
        panic!("{refused:?}")
    };
    assert_eq!(
        findings
            .iter()
            .map(|f| (f.kind, f.author, f.seq))
            .collect::<Vec<_>>(),
        [(FindingKind::NotAParty, Some(gid), Some(0))],
        "{findings:#?}"
    );
    assert_eq!(store.entry_count(), all.len() as u64, "nothing was written");
    assert_eq!(store.roster().unwrap().parties.len(), 2);
    assert!(matches!(
        store.key_state(&gid),
        Err(StoreError::NotAParty { .. })
    ));
    // The proposal alone is a founding party's entry, and changes nobody's membership.
    store.import(&s.bundle(&[&proposal]), None).unwrap();
    assert!(store.roster().unwrap().party(&gid).is_none());
    assert!(store.import(&s.bundle(&[&accept]), None).is_err());

    // Beta ratifies: the amendment is in force and gamma a party.
    let ratify = s.sign(
        "beta",
        T + 2 * H,
        Body::Ratify(Ratify {
            proposal: example::entry_ref(&proposal).unwrap(),
        }),
    );
    let imported = store.import(&s.bundle(&[&ratify, &accept]), None).unwrap();
    assert_eq!(imported.new_entries, 2);
    let roster = store.roster().unwrap();
    assert_eq!(roster.label(&gid), "gamma");
    assert_eq!(
        store.charter().parties.len(),
        2,
        "the founding charter stays"
    );
    assert_eq!(
        store.charter_in_force().unwrap().name,
        with_gamma(&founding).name
    );
    // Gamma's key state starts from its Party entry in the amendment.
    let state = store.key_state(&gid).unwrap();
    assert_eq!(state.current, gid);
    assert_eq!(state.next, test_party("gamma", "").next);

    // Opened again, the store still knows gamma (the roster is the verifier's, from the
    // journal), and alpha's next entry views gamma's feed.
    drop(store);
    let mut store = reopen(&dir);
    let receipt = Body::Receipt(Receipt { feeds: vec![alpha] });
    let views = store.views_for(&alpha, &receipt).unwrap();
    assert!(
        views.iter().any(|v| v.party == gid && v.size == 1),
        "{views:?}"
    );
    // Gamma's key signs for gamma, and its next entry goes into its feed.
    assert_eq!(store.signer_for(&gamma, &receipt).unwrap(), gid);
    let e = store
        .append(&gamma, &receipt, Timestamp(T + 3 * H))
        .unwrap();
    assert_eq!((e.header().author, e.header().seq.0), (gid, 1));
    assert!(e.header().view_of(&alpha).is_some());
    assert_eq!(store.feed(&gid).unwrap().len(), 2);
    assert_eq!(store.of_kind(Kind::Ratify).unwrap().len(), 1);
    let report = store.verify(hotline::verify::Options::default()).unwrap();
    assert!(report.ok, "{:#?}", report.findings);
    assert!(
        report
            .feeds
            .iter()
            .any(|f| f.party == "gamma" && f.size == 2)
    );
}

#[cfg(feature = "cli")]
#[path = "support/run.rs"]
mod run;

#[cfg(feature = "cli")]
mod cli {
    use super::run::{fails, ok};
    use serde_json::Value;
    use std::path::Path;

    fn exchange(dir: &Path, from: &str, to: &str) {
        let file = format!("{from}-to-{to}.bundle");
        ok(dir, &["--store", from, "export", "--out", &file, "--force"]);
        ok(dir, &["--store", to, "import", &file]);
    }

    fn notice(dir: &Path, incident: &str) -> String {
        let n = ok(
            dir,
            &[
                "--store",
                "a",
                "--json",
                "notify",
                "--severity",
                "high",
                "--category",
                "intrusion",
                "--summary",
                "traced to your network",
                "--incident",
                incident,
            ],
        )
        .json();
        n["id"].as_str().unwrap().to_owned()
    }

    /// The receivers of notice `id` in `audit`, each with its acknowledgement window (due
    /// minus the time its possession was shown) and status.
    fn receivers(audit: &Value, id: &str) -> Vec<(String, Option<u64>, String)> {
        let n = audit["notices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .unwrap_or_else(|| panic!("notice {id} not audited: {audit:#}"));
        n["receivers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let window = r["ack"]["due"]
                    .as_u64()
                    .zip(r["possession"]["time"].as_u64())
                    .map(|(due, from)| due - from);
                (
                    r["party"].as_str().unwrap().to_owned(),
                    window,
                    r["ack"]["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn a_party_added_by_amendment_joins_acknowledges_and_is_audited() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        for p in ["alpha", "beta", "gamma"] {
            ok(d, &["keygen", p]);
        }
        super::run::found_and_join(d, "alpha.key", "alpha.pub");
        exchange(d, "b", "a");
        // N1, under the founding charter (high: acknowledge within 4 hours).
        let n1 = notice(d, "N1");
        exchange(d, "a", "b");
        let proposed = ok(
            d,
            &[
                "--store",
                "a",
                "--json",
                "amend",
                "--add-party",
                "gamma.pub",
                "--severity",
                "high:2h:3d",
            ],
        )
        .json();
        let amendment = proposed["id"].as_str().unwrap().to_owned();
        exchange(d, "a", "b");

        // Not yet in force: gamma cannot join from this bundle.
        ok(d, &["--store", "a", "export", "--out", "early.bundle"]);
        let early = fails(
            d,
            &[
                "--store",
                "g",
                "join",
                "early.bundle",
                "--key",
                "gamma.key",
                "--trust",
                "alpha.pub",
                "--trust",
                "beta.pub",
            ],
            2,
            "is not a party of channel",
        );
        assert!(early.stderr.contains("awaiting beta"), "{}", early.stderr);
        assert!(!d.join("g").exists(), "a refused join writes nothing");

        ok(d, &["--store", "b", "ratify", &amendment[..12]]);
        exchange(d, "b", "a");
        exchange(d, "a", "b");
        ok(d, &["--store", "a", "export", "--out", "gamma-inv.bundle"]);
        // Gamma must trust every party of the charter in force, not the founder alone.
        fails(
            d,
            &crate::run::join_args("g", "gamma-inv.bundle", "gamma.key", "alpha.pub"),
            1,
            "whose key is not among the --trust keys",
        );
        let joined = ok(
            d,
            &[
                "--store",
                "g",
                "join",
                "gamma-inv.bundle",
                "--key",
                "gamma.key",
                "--trust",
                "alpha.pub",
                "--trust",
                "beta.pub",
            ],
        );
        let text = &joined.stdout;
        assert!(text.contains("charter in force"), "{text}");
        assert!(text.contains("high      acknowledge within   2h"), "{text}");
        assert!(text.contains("adds gamma; in force"), "{text}");
        assert!(
            text.contains(&format!(
                "joined channel \"ab\" as gamma (added by amendment {})",
                &amendment[..12]
            )),
            "{text}"
        );
        // Its first entry is its acceptance naming the channel.
        let log = ok(d, &["--store", "g", "log"]).stdout;
        assert!(log.contains("gamma    #0"), "{log}");
        assert!(log.contains("accepts the charter"), "{log}");

        exchange(d, "g", "a");
        exchange(d, "g", "b");
        // N2, under the amended charter (high: 2 hours), to beta and gamma.
        let n2 = notice(d, "N2");
        exchange(d, "a", "g");
        exchange(d, "a", "b");
        ok(d, &["--store", "g", "ack", &n2[..12]]);
        exchange(d, "g", "a");
        exchange(d, "b", "a");

        // Alpha's store names gamma, and its audit judges each notice by its own charter.
        let log = ok(d, &["--store", "a", "log"]).stdout;
        assert!(log.contains("gamma    #2"), "{log}");
        assert!(!log.contains("unknown key"), "{log}");
        let audit = ok(d, &["--store", "a", "--json", "audit"]).json();
        let four = Some(4 * 3600);
        let two = Some(2 * 3600);
        let one = receivers(&audit, &n1);
        assert_eq!(
            one.iter().map(|r| (r.0.as_str(), r.1)).collect::<Vec<_>>(),
            [("beta", four)],
            "gamma owes nothing for N1"
        );
        let two_r = receivers(&audit, &n2);
        assert_eq!(
            two_r
                .iter()
                .map(|r| (r.0.as_str(), r.1, r.2.as_str()))
                .collect::<Vec<_>>(),
            [("beta", two, "pending"), ("gamma", two, "met")]
        );
        let text = ok(d, &["--store", "a", "audit"]).stdout;
        assert!(text.contains("  gamma: held it by"), "{text}");

        // The exchanged bundle verifies on its own, gamma's feed a party's.
        ok(d, &["--store", "a", "export", "--out", "all.bundle"]);
        let v = ok(
            d,
            &[
                "--json",
                "verify",
                "all.bundle",
                "--trust",
                "alpha.pub",
                "--trust",
                "beta.pub",
            ],
        )
        .json();
        assert_eq!(v["ok"], true, "{v:#}");
        let gamma = v["feeds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["party"] == "gamma")
            .unwrap_or_else(|| panic!("{v:#}"));
        assert_eq!(gamma["size"], 3);
        let store = ok(d, &["--store", "a", "--json", "verify"]).json();
        assert_eq!(store["ok"], true, "{store:#}");
        // `hotline parties` lists the parties of the charter in force, gamma among them.
        let parties = ok(d, &["--store", "a", "--json", "parties"]).json();
        let names: Vec<&str> = parties["parties"]
            .as_array()
            .unwrap_or_else(|| panic!("{parties:#}"))
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["alpha", "beta", "gamma"], "{parties:#}");
    }
}
