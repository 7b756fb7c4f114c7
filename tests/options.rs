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
