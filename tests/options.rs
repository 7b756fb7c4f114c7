//! The verifier's defaults are the safe ones: `Options::default()` judges claimed times
//! against this machine's clock, so an entry claiming a time far ahead is reported; only
//! `Options::without_clock()` skips that check, by name.
#![cfg(feature = "example")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hotline::FindingKind;
use hotline::entry::Body;
use hotline::example::{Writer, charter, test_key};
use hotline::verify::{Options, verify};

#[test]
fn the_default_options_use_the_clock_and_report_a_time_far_ahead() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let d = Options::default();
    let clock = d.now.expect("the default has a clock").0;
    assert!(clock >= now && clock <= now + 60, "{clock} vs {now}");
    assert_eq!(Options::without_clock().now, None);
    assert_eq!(
        Options::at(hotline::Timestamp(5)).now,
        Some(hotline::Timestamp(5))
    );

    // The founder's charter entry, claimed in 2100.
    let c = charter();
    let mut alpha = Writer::new(test_key("alpha"), c.id().unwrap());
    let far = 4_102_444_800; // 2100-01-01T00:00:00Z
    let e = alpha.append(far, vec![], Body::Charter(c.clone())).unwrap();
    let entries = vec![e.encode().unwrap()];
    let flagged = verify(&c, &entries, Options::default());
    assert_eq!(
        flagged.of_kind(FindingKind::FutureTime).count(),
        1,
        "{:?}",
        flagged.findings
    );
    let unclocked = verify(&c, &entries, Options::without_clock());
    assert_eq!(unclocked.of_kind(FindingKind::FutureTime).count(), 0);
}

/// A clean report is not a channel in effect: with nobody's acceptance, or only the founder's,
/// the report is clean (nothing signed is wrong) but says who has not accepted, and
/// `in_effect` is false until every founding party has.
#[test]
fn a_clean_report_names_the_parties_who_have_not_accepted_the_charter() {
    use hotline::entry::Acceptance;
    let c = charter();
    let channel = c.id().unwrap();
    let nobody: [Vec<u8>; 0] = [];
    let r = verify(&c, &nobody, Options::without_clock());
    assert!(r.is_clean(), "{:?}", r.findings);
    assert!(!r.in_effect);
    assert_eq!(r.awaiting, ["alpha", "beta"]);

    let mut alpha = Writer::new(test_key("alpha"), channel);
    let founding = alpha.append(1, vec![], Body::Charter(c.clone())).unwrap();
    let mut entries = vec![founding.encode().unwrap()];
    let r = verify(&c, &entries, Options::without_clock());
    assert!(r.is_clean() && !r.in_effect, "{:?}", r.findings);
    assert_eq!(r.awaiting, ["beta"]);

    let mut beta = Writer::new(test_key("beta"), channel);
    let accepted = beta
        .append(
            2,
            alpha.seen(),
            Body::Acceptance(Acceptance { charter: channel }),
        )
        .unwrap();
    entries.push(accepted.encode().unwrap());
    let r = verify(&c, &entries, Options::without_clock());
    assert!(r.is_clean() && r.in_effect, "{:?}", r.findings);
    assert!(r.awaiting.is_empty());
}
