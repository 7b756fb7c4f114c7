//! `hotline report`: one self-contained HTML file. Parsed with html5ever (through scraper),
//! it has no parse error, no script and no external reference, and it says what the audit
//! says: the verdict, the parties' fingerprints, every notice, the missed deadline, the
//! dispute, with another party's hostile text shown as text.
#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use scraper::{Html, Selector};

#[path = "support/run.rs"]
mod run;
use run::{hotline, ok};

fn entry(r: &run::Run) -> String {
    r.json()["id"].as_str().unwrap().to_owned()
}

#[test]
fn the_report_is_well_formed_self_contained_html_that_says_what_the_audit_says() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for name in ["alpha", "beta"] {
        ok(p, &["keygen", name]);
    }
    ok(
        p,
        &run::create_args("a", "alpha-beta", "alpha.key", "beta.pub"),
    );
    ok(p, &["--store", "a", "export", "--out", "invite.bundle"]);
    ok(
        p,
        &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
    );
    ok(p, &["--store", "b", "export", "--out", "accept.bundle"]);
    ok(p, &["--store", "a", "import", "accept.bundle"]);
    let hostile = "</td><script>alert(1)</script><img src=https://example.com/x.png>";
    let first = entry(&ok(
        p,
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "high",
            "--category",
            "c",
            "--summary",
            hostile,
            "--json",
        ],
    ));
    let second = entry(&ok(
        p,
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "high",
            "--category",
            "c",
            "--summary",
            "Second notice",
            "--json",
        ],
    ));
    ok(
        p,
        &["--store", "a", "export", "--out", "a.bundle", "--force"],
    );
    ok(p, &["--store", "b", "import", "a.bundle"]);
    ok(
        p,
        &[
            "--store", "b", "ack", &first, "--state", "disputed", "--reason", "not us",
        ],
    );
    ok(
        p,
        &["--store", "b", "export", "--out", "b.bundle", "--force"],
    );
    ok(p, &["--store", "a", "import", "b.bundle"]);
    ok(
        p,
        &["--store", "a", "export", "--out", "all.bundle", "--force"],
    );

    // A month on, beta has neither acknowledged nor answered the second notice.
    let r = hotline(
        p,
        &[
            "report",
            "all.bundle",
            "--trust",
            "alpha.pub",
            "--trust",
            "beta.pub",
            "--at",
            "+30d",
            "--out",
            "report.html",
        ],
    );
    assert_eq!(
        r.code, 1,
        "a missed deadline is a problem: {}{}",
        r.stdout, r.stderr
    );
    let html = std::fs::read_to_string(p.join("report.html")).unwrap();

    let doc = Html::parse_document(&html);
    assert!(doc.errors.is_empty(), "parse errors: {:?}", doc.errors);
    // Self-contained: nothing fetched, nothing run. (Raw `<` appears only in markup: the
    // hostile text is escaped.)
    for needle in ["<script", "<link", "<iframe", "<img", "<object", "<embed"] {
        assert!(!html.contains(needle), "{needle} in the report");
    }
    let all = Selector::parse("*").unwrap();
    for el in doc.select(&all) {
        for (name, value) in el.value().attrs() {
            assert!(
                name != "src" && name != "srcset",
                "<{}> has {name}",
                el.value().name()
            );
            if name == "href" || name == "xlink:href" {
                assert!(
                    value.starts_with('#'),
                    "<{}> links to {value}",
                    el.value().name()
                );
            }
        }
    }
    let style: String = doc
        .select(&Selector::parse("style").unwrap())
        .flat_map(|s| s.text())
        .collect();
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "{style}"
    );
    // The hostile summary is text, exactly as signed.
    assert!(
        doc.root_element()
            .text()
            .collect::<String>()
            .contains(hostile)
    );

    // The verdict first, then what it rests on.
    let h1 = Selector::parse("header.verdict h1").unwrap();
    let verdict: String = doc.select(&h1).next().unwrap().text().collect();
    assert_eq!(verdict, "Problems found");
    let body: String = doc.root_element().text().collect();
    for name in ["alpha", "beta"] {
        let pub_text = std::fs::read_to_string(p.join(format!("{name}.pub"))).unwrap();
        let key = hotline::PublicKey::from_file_text(&pub_text).unwrap();
        assert!(body.contains(&key.id.fingerprint()), "{name}'s fingerprint");
    }
    assert!(body.contains("Second notice"));
    assert!(body.contains(&second[..12]) && body.contains(&first[..12]));
    assert!(body.contains("MISSED"), "the second notice's deadlines");
    assert!(body.contains("not us"), "the dispute's reason");
    // One drawing per incident.
    assert_eq!(doc.select(&Selector::parse("svg").unwrap()).count(), 2);
    let deadlines = Selector::parse("#deadlines + table tr").unwrap();
    assert_eq!(
        doc.select(&deadlines).count(),
        1 + 2 * 2,
        "a row per notice and duty"
    );

    // The timeline says the same in text.
    let t = hotline(p, &["--store", "a", "timeline", "--at", "+30d", "--json"]);
    assert_eq!(t.code, 1);
    let v = t.json();
    assert_eq!(v["incidents"].as_array().unwrap().len(), 2);
}
