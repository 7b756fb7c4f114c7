//! The library's public API is a deliberate list. rustdoc, run here with the features an
//! integrator uses (`--no-default-features`), documents every public item; this test collects
//! from its pages every item (`all.html`), every re-export, and each item's members (fields,
//! variants, methods, associated items and trait implementations: all but the auto traits and
//! the blanket implementations every type gets) and compares them with `tests/api.txt`, so
//! that nothing joins or leaves the API unnoticed. After a deliberate change:
//! `HOTLINE_BLESS=1 cargo test --test api`.
//!
//! Items marked `#[doc(hidden)]` (the modules the `hotline` command, tests and benches share,
//! and the bundle's record framing) are not in the list: the crate docs say they are not API.
//! Nor are the modules of the `store` and `example` features.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every `<li><a href="...">path</a></li>` of rustdoc's `all.html`: (kind, path, page).
fn items(all_html: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for piece in all_html.split("<li><a href=\"").skip(1) {
        let Some((href, rest)) = piece.split_once("\">") else {
            continue;
        };
        let Some((name, _)) = rest.split_once("</a>") else {
            continue;
        };
        if href.starts_with('#') {
            continue; // the sidebar's links to the sections
        }
        // The href names the kind: `verify/struct.Report.html`, `fn.verify.html`.
        let file = href.rsplit('/').next().unwrap_or(href);
        let kind = file.split('.').next().unwrap_or("?");
        out.push((kind.to_owned(), name.to_owned(), href.to_owned()));
    }
    out.sort();
    out.dedup();
    out
}

/// Each `id="PREFIX.NAME"` and `id="impl-..."` of an item's page before its auto-trait and
/// blanket implementations: `field awaiting`, `method is_clean`, `impl Clone-for-Report`.
fn members(page: &str) -> Vec<String> {
    let end = [
        "id=\"synthetic-implementations",
        "id=\"blanket-implementations",
    ]
    .iter()
    .filter_map(|m| page.find(m))
    .min()
    .unwrap_or(page.len());
    let mut out = Vec::new();
    for piece in page[..end].split(" id=\"").skip(1) {
        let Some((id, _)) = piece.split_once('"') else {
            continue;
        };
        let member = if let Some(rest) = id.strip_prefix("impl-") {
            format!("impl {rest}")
        } else if let Some((prefix, name)) = id.split_once('.') {
            let kind = match prefix {
                "structfield" => "field",
                "variant" => "variant",
                "method" | "tymethod" => "method",
                "associatedconstant" => "const",
                "associatedtype" => "type",
                "reexport" => "reexport",
                _ => continue,
            };
            format!("{kind} {name}")
        } else {
            continue;
        };
        out.push(member);
    }
    out.sort();
    out.dedup();
    out
}

/// The public API as lines: each item, each of its members, and each module's re-exports.
fn api(doc: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(doc.join("all.html")).expect("all.html");
    let mut out = Vec::new();
    let mut modules = vec![(String::new(), doc.join("index.html"))];
    for (kind, name, href) in items(&html) {
        out.push(format!("{kind} {name}"));
        let page = std::fs::read_to_string(doc.join(&href)).unwrap_or_default();
        for m in members(&page) {
            out.push(format!("{kind} {name}: {m}"));
        }
        if let Some((module, _)) = name.split_once("::") {
            modules.push((module.to_owned(), doc.join(module).join("index.html")));
        }
    }
    modules.sort();
    modules.dedup();
    for (module, index) in modules {
        let page = std::fs::read_to_string(index).unwrap_or_default();
        for m in members(&page) {
            if m.starts_with("reexport ") {
                out.push(if module.is_empty() {
                    m
                } else {
                    format!("{m} in {module}")
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_public_api_is_the_listed_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A directory of this test's own under the target directory, wherever that is.
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("api-doc");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "doc",
            "--no-deps",
            "--lib",
            "--no-default-features",
            "--offline",
            "--locked",
            "-q",
        ])
        .arg("--target-dir")
        .arg(&target)
        // The host's docs as they are: not the flags or the target the outer build was given.
        .env_remove("RUSTDOCFLAGS")
        .env_remove("CARGO_ENCODED_RUSTDOCFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo doc --no-default-features failed");
    let found = api(&target.join("doc").join("hotline"));
    for expected in [
        "fn verify::verify_bundle",
        "struct verify::Report: field awaiting",
        "struct verify::Report: method is_clean",
        "struct verify::Report: impl Clone-for-Report",
        "enum verify::FindingKind: variant Withheld",
        "reexport Charter",
    ] {
        assert!(
            found.iter().any(|i| i == expected),
            "rustdoc's pages did not parse as expected: no {expected:?} in {found:?}"
        );
    }

    let listed_path = root.join("tests/api.txt");
    if std::env::var_os("HOTLINE_BLESS").is_some() {
        let mut text = String::from(
            "# The public API with default-features = false, generated by tests/api.rs from\n\
             # rustdoc's pages: items, their members, re-exports. Regenerate after a\n\
             # deliberate change:  HOTLINE_BLESS=1 cargo test --test api\n",
        );
        for i in &found {
            text.push_str(i);
            text.push('\n');
        }
        std::fs::write(&listed_path, text).expect("write tests/api.txt");
        return;
    }
    let listed: Vec<String> = std::fs::read_to_string(&listed_path)
        .expect("tests/api.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_owned)
        .collect();
    let added: Vec<&String> = found.iter().filter(|i| !listed.contains(i)).collect();
    let removed: Vec<&String> = listed.iter().filter(|i| !found.contains(i)).collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "the public API changed.\n  new: {added:?}\n  gone: {removed:?}\n\
         if deliberate, document them and run HOTLINE_BLESS=1 cargo test --test api"
    );
}

#[test]
fn items_reads_rustdoc_lists() {
    let html = r##"<li><a href="#structs" title="Structs">Structs</a></li><h3 id="structs">Structs</h3><ul class="all-items"><li><a href="verify/struct.Report.html">verify::Report</a></li><li><a href="fn.verify_bundle.html">verify_bundle</a></li></ul>"##;
    let names: Vec<String> = items(html)
        .into_iter()
        .map(|(k, n, _)| format!("{k} {n}"))
        .collect();
    assert_eq!(names, vec!["fn verify_bundle", "struct verify::Report"]);
}

#[test]
fn members_stop_before_the_auto_and_blanket_implementations() {
    let page = r#"<span id="structfield.ok"></span><section id="method.is_clean"></section><section id="impl-Clone-for-Report"></section><section id="method.clone"></section><h2 id="synthetic-implementations"></h2><section id="impl-Send-for-Report"></section><h2 id="blanket-implementations"></h2><section id="method.into"></section>"#;
    assert_eq!(
        members(page),
        vec![
            "field ok",
            "impl Clone-for-Report",
            "method clone",
            "method is_clean"
        ]
    );
}
