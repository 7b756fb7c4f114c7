//! Every command's `--json` output, as a shape (each value replaced by its JSON type, every
//! array by the union of its items' shapes), kept as an insta snapshot, and `log`'s text with
//! its times and ids masked. `docs/JSON.md` is generated from the same shapes (as JSON Schema)
//! and checked for drift: `HOTLINE_BLESS=1 cargo test --test json_shapes` rewrites it, and
//! `INSTA_UPDATE=always` the snapshots, when a change is deliberate.
#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

#[path = "support/run.rs"]
mod run;
use run::{hotline, ok};

/// The JSON type of every value, arrays as the union of their items.
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(n) if n.is_u64() || n.is_i64() => json!("integer"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(a) => match a.iter().map(shape).reduce(|x, y| merge(&x, &y)) {
            Some(item) => json!([item]),
            None => json!([]),
        },
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
    }
}

/// The union of two shapes: objects by key, arrays by item, anything else as `a|b`.
fn merge(a: &Value, b: &Value) -> Value {
    match (a, b) {
        _ if a == b => a.clone(),
        (Value::Object(x), Value::Object(y)) => {
            let mut out = x.clone();
            for (k, v) in y {
                let merged = match out.get(k) {
                    Some(w) => merge(w, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(x), Value::Array(y)) => match (x.first(), y.first()) {
            (Some(p), Some(q)) => json!([merge(p, q)]),
            (Some(_), None) => a.clone(),
            _ => b.clone(),
        },
        // A value that is sometimes null: the object's or the array's shape, marked so.
        (Value::String(n), Value::Object(_) | Value::Array(_)) if n == "null" => nullable(b),
        (Value::Object(_) | Value::Array(_), Value::String(n)) if n == "null" => nullable(a),
        _ => {
            let mut kinds: Vec<String> = [a, b]
                .iter()
                .flat_map(|v| match v {
                    Value::String(s) => s.split('|').map(str::to_owned).collect::<Vec<_>>(),
                    other => vec![other.to_string()],
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            json!(kinds.join("|"))
        }
    }
}

/// The key that marks an object's or an array's shape as sometimes null.
const NULLABLE: &str = "(or null)";

fn nullable(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut m = m.clone();
            m.insert(NULLABLE.into(), json!(true));
            Value::Object(m)
        }
        Value::Array(a) => {
            json!({ NULLABLE: true, "(items)": a.first().cloned().unwrap_or(Value::Null) })
        }
        other => other.clone(),
    }
}

/// A shape as JSON Schema (draft 2020-12): what a consumer may rely on.
fn schema(s: &Value) -> Value {
    if let Value::Object(m) = s
        && m.contains_key(NULLABLE)
    {
        let mut inner = m.clone();
        inner.remove(NULLABLE);
        let mut sch = match inner.remove("(items)") {
            Some(item) => schema(&json!([item])),
            None => schema(&Value::Object(inner)),
        };
        if let Some(t) = sch.get("type").cloned() {
            sch["type"] = json!([t, "null"]);
        }
        return sch;
    }
    match s {
        Value::String(t) => {
            let types: Vec<&str> = t.split('|').collect();
            match types.as_slice() {
                [one] => json!({ "type": one }),
                many => json!({ "type": many }),
            }
        }
        Value::Array(a) => match a.first() {
            Some(item) => json!({ "type": "array", "items": schema(item) }),
            None => json!({ "type": "array" }),
        },
        Value::Object(m) => {
            let props: Map<String, Value> = m.iter().map(|(k, v)| (k.clone(), schema(v))).collect();
            json!({ "type": "object", "properties": props })
        }
        other => json!({ "const": other }),
    }
}

/// One command's JSON: a command that ran exits 0 or 1 (a problem found); a failure exits 2.
fn run_json(dir: &Path, args: &[&str], failure: bool) -> Value {
    let mut v = args.to_vec();
    v.push("--json");
    let r = hotline(dir, &v);
    if failure {
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
    } else {
        assert!(
            r.code == 0 || r.code == 1,
            "{args:?}: {}{}",
            r.stdout,
            r.stderr
        );
    }
    r.json()
}

/// The scenario: two parties, every verb with JSON output, in order.
fn outputs() -> (BTreeMap<String, Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut rec = |name: &str, args: &[&str]| -> Value {
        let v = run_json(p, args, name == "error");
        out.entry(name.to_owned()).or_default().push(v.clone());
        v
    };
    rec("keygen", &["keygen", "alpha"]);
    rec("keygen", &["keygen", "beta"]);
    rec(
        "channel create",
        &run::create_args("a", "alpha-beta", "alpha.key", "beta.pub"),
    );
    rec(
        "export",
        &["--store", "a", "export", "--out", "invite.bundle"],
    );
    rec(
        "join",
        &run::join_args("b", "invite.bundle", "beta.key", "alpha.pub"),
    );
    ok(p, &["--store", "b", "export", "--out", "accept.bundle"]);
    rec("import", &["--store", "a", "import", "accept.bundle"]);
    let def = rec(
        "define",
        &["--store", "a", "define", "incident", "--text", "An event."],
    );
    let def = def["id"].as_str().unwrap().to_owned();
    rec(
        "commit",
        &[
            "--store",
            "a",
            "commit",
            "Notify",
            "--text",
            "Within 4h.",
            "--cites",
            &def,
        ],
    );
    let notice = rec(
        "notify",
        &[
            "--store",
            "a",
            "notify",
            "--severity",
            "high",
            "--category",
            "exfiltration",
            "--summary",
            "Data left",
            "--indicator",
            "198.51.100.23",
            "--handling",
            "TLP:AMBER",
            "--detected-at",
            "-1h",
        ],
    );
    let notice = notice["id"].as_str().unwrap().to_owned();
    ok(
        p,
        &["--store", "a", "export", "--out", "a.bundle", "--force"],
    );
    rec("import", &["--store", "b", "import", "a.bundle"]);
    rec(
        "ack",
        &["--store", "b", "ack", &notice, "--state", "received"],
    );
    rec(
        "ack",
        &[
            "--store",
            "b",
            "ack",
            &notice,
            "--state",
            "accepted",
            "--dry-run",
        ],
    );
    rec(
        "respond",
        &["--store", "b", "respond", &notice, "--text", "Done."],
    );
    ok(
        p,
        &["--store", "b", "export", "--out", "b.bundle", "--force"],
    );
    ok(p, &["--store", "a", "import", "b.bundle"]);
    rec("checkpoint", &["--store", "a", "checkpoint"]);
    ok(
        p,
        &["--store", "a", "export", "--out", "a.bundle", "--force"],
    );
    ok(p, &["--store", "b", "import", "a.bundle"]);
    rec("cosign", &["--store", "b", "cosign"]);
    ok(
        p,
        &["--store", "b", "export", "--out", "b.bundle", "--force"],
    );
    ok(p, &["--store", "a", "import", "b.bundle"]);
    rec(
        "prove",
        &["--store", "a", "prove", &notice, "--out", "n.proof"],
    );
    let trust = ["--trust", "alpha.pub", "--trust", "beta.pub"];
    let with = |verb: &[&'static str]| {
        let mut v = verb.to_vec();
        v.extend_from_slice(&trust);
        v
    };
    rec("verify-proof", &with(&["verify-proof", "n.proof"]));
    ok(p, &["--store", "a", "export", "--out", "all.bundle"]);
    rec("log", &["--store", "a", "log"]);
    rec("log", &with(&["log", "all.bundle"]));
    rec("show", &["--store", "a", "show", &notice]);
    rec("show", &["--store", "a", "show", &def]);
    rec("verify", &["--store", "a", "verify"]);
    rec("verify", &with(&["verify", "all.bundle"]));
    rec("audit", &["--store", "a", "audit"]);
    rec("audit", &with(&["audit", "all.bundle", "--at", "+30d"]));
    rec("status", &["--store", "a", "status"]);
    rec("sync", &["--store", "a", "sync", "--out", "sync.bundle"]);
    rec("timeline", &["--store", "a", "timeline"]);
    rec(
        "timeline",
        &with(&["timeline", "all.bundle", "--at", "+30d"]),
    );
    rec("report", &["--store", "a", "report", "--out", "r.html"]);
    rec("parties", &["--store", "a", "parties"]);
    rec("charter", &["--store", "a", "charter"]);
    rec("charter", &with(&["charter", "all.bundle"]));
    rec("quarantine", &["--store", "a", "quarantine"]);
    rec("repair", &["--store", "b", "repair"]);
    rec("completions", &["completions", "fish"]);
    rec("man", &["man", "--dir", "man"]);
    // Errors share one shape.
    rec("error", &["--store", "a", "show", "ffff"]);
    rec("error", &["--store", "nowhere", "log"]);

    let log = hotline(p, &["--store", "a", "log"]).stdout;
    let shapes = out
        .into_iter()
        .map(|(k, vs)| {
            let merged = vs.iter().map(shape).reduce(|x, y| merge(&x, &y)).unwrap();
            (k, merged)
        })
        .collect();
    (shapes, mask(&log))
}

/// `log`'s text with what changes from run to run masked: times, ids, and the channel name's
/// column widths stay.
fn mask(text: &str) -> String {
    text.lines()
        .map(|l| {
            l.split(' ')
                .map(|w| {
                    let hex = w.len() >= 12 && w.bytes().all(|b| b.is_ascii_hexdigit());
                    let time =
                        w.len() == 20 && w.ends_with('Z') && w.as_bytes().get(10) == Some(&b'T');
                    if hex {
                        "<id>".to_owned()
                    } else if time {
                        "<time>".to_owned()
                    } else {
                        w.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn doc(shapes: &BTreeMap<String, Value>) -> String {
    let mut md = String::from(include_str!("json_doc_head.md"));
    for (name, s) in shapes {
        let title = if name == "error" {
            "Any command that fails".to_owned()
        } else {
            format!("`hotline {name} --json`")
        };
        md.push_str(&format!(
            "\n## {title}\n\n```json\n{}\n```\n",
            serde_json::to_string_pretty(&schema(s)).unwrap()
        ));
    }
    md
}

#[test]
fn json_shapes_and_log_text_are_as_snapshotted_and_documented() {
    let (shapes, log) = outputs();
    for (name, s) in &shapes {
        let snap = format!("json-{}", name.replace(' ', "-"));
        insta::assert_snapshot!(snap, serde_json::to_string_pretty(s).unwrap());
    }
    insta::assert_snapshot!("log-text", log);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/JSON.md");
    let want = doc(&shapes);
    if std::env::var_os("HOTLINE_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/JSON.md differs from the shapes: run HOTLINE_BLESS=1 cargo test --all-features --test json_shapes"
    );
}

#[test]
fn shapes_merge_by_key_and_by_type() {
    let a = shape(&json!({ "x": 1, "y": [ { "k": "s" }, { "k": null, "m": true } ] }));
    assert_eq!(
        a,
        json!({ "x": "integer", "y": [ { "k": "null|string", "m": "boolean" } ] })
    );
    assert_eq!(
        schema(&json!("null|string")),
        json!({ "type": ["null", "string"] })
    );
    assert_eq!(
        mask("2026-01-01T00:00:00Z  alpha  #1  0123456789ab  x"),
        "<time>  alpha  #1  <id>  x\n"
    );
}
