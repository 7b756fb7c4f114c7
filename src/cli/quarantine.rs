//! The quarantine in the CLI: what a refused `import` kept, the quarantine section of
//! `verify`, and `hotline quarantine`, which lists it. Every piece is re-verified against the
//! store's charter before it is shown.

use std::fmt::Write as _;
use std::path::Path;

use crate::charter::Charter;
use crate::entry::SignedEntry;
use crate::store::{
    Evidence, EvidenceError, MAX_BYTES_PER_IMPORT, MAX_ITEMS_PER_IMPORT, QuarantineReport,
    Quarantined, Store,
};
use serde_json::{Value, json};

use super::render;
use super::shared::store_failure;
use super::{Failure, OK, Output, PROBLEM};

fn label(q: &Quarantined) -> String {
    q.kind.name().replace('-', " ").to_uppercase()
}

/// One piece of evidence on one line, with its verdict.
fn line(q: &Quarantined, verdict: &Result<(), EvidenceError>, note: &str) -> String {
    let checked = match verdict {
        Ok(()) => "re-verified".to_owned(),
        Err(e) => format!("DOES NOT VERIFY: {e}"),
    };
    format!(
        "  {}: {} ({checked}{note}) [quarantine/{}]",
        label(q),
        q.what,
        q.name
    )
}

fn item_json(charter: &Charter, q: &Quarantined, verdict: &Result<(), EvidenceError>) -> Value {
    let (entries, notes): (Vec<String>, Vec<String>) = match &q.evidence {
        Evidence::Fork(p) | Evidence::DoubleSignature(p) => {
            (vec![hex::encode(&p.a), hex::encode(&p.b)], Vec::new())
        }
        Evidence::SplitView { notes, entries } => (
            entries.iter().map(hex::encode).collect(),
            notes
                .iter()
                .map(|n| String::from_utf8_lossy(&n.note).into_owned())
                .collect(),
        ),
        Evidence::Checkpoint(n) => (
            Vec::new(),
            vec![String::from_utf8_lossy(&n.note).into_owned()],
        ),
    };
    let seq = match &q.evidence {
        Evidence::Fork(p) | Evidence::DoubleSignature(p) => Some(p.seq.0),
        _ => None,
    };
    let ids: Vec<String> = match &q.evidence {
        Evidence::Fork(p) | Evidence::DoubleSignature(p) => [&p.a, &p.b]
            .into_iter()
            .filter_map(|b| SignedEntry::decode(b).ok().and_then(|e| e.id().ok()))
            .map(|id| id.to_string())
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "name": q.name,
        "kind": q.kind.name(),
        "party": q.party().map(|p| charter.label(&p)),
        "seq": seq,
        "ids": ids,
        "what": q.what,
        "verified": verdict.is_ok(),
        "error": verdict.as_ref().err().map(ToString::to_string),
        "bundle_sha256": hex::encode(q.bundle),
        "received": q.received.map(render::time),
        "refused": q.refused,
        "entries": entries,
        "notes": notes,
    })
}

/// Whether this piece of evidence is a problem: a proof of equivocation that holds, or
/// evidence that no longer verifies.
fn is_problem(q: &Quarantined, verdict: &Result<(), EvidenceError>) -> bool {
    verdict.is_err() || q.kind.is_equivocation()
}

/// A refused import's failure, with what the refusal kept in quarantine.
pub(super) fn refused(store: &Store, mut f: Failure) -> Failure {
    let Some(r) = store.last_quarantine() else {
        return f;
    };
    let charter = store.charter();
    let (text, items) = report_lines(charter, r);
    if !text.is_empty() {
        f.message.push('\n');
        f.message.push_str(text.trim_end());
    }
    f.with_json("quarantined", Value::Array(items))
        .with_json("quarantine_over_limit", json!(r.over_limit))
        .with_json("quarantine_failed", json!(r.failed))
}

fn report_lines(charter: &Charter, r: &QuarantineReport) -> (String, Vec<Value>) {
    let mut text = String::new();
    let mut items = Vec::new();
    let all = r.kept.iter().map(|q| (q, "")).chain(
        r.already_kept
            .iter()
            .map(|q| (q, "; already in quarantine")),
    );
    let mut first = true;
    for (q, note) in all {
        if first {
            text.push_str(
                "kept in quarantine, as evidence (the journal is unchanged; see `hotline quarantine`):\n",
            );
            first = false;
        }
        let verdict = q.verify(charter);
        let _ = writeln!(text, "{}", line(q, &verdict, note));
        let mut v = item_json(charter, q, &verdict);
        if let Some(o) = v.as_object_mut() {
            o.insert("new".into(), json!(note.is_empty()));
        }
        items.push(v);
    }
    if r.over_limit > 0 {
        let _ = writeln!(
            text,
            "{} piece(s) of evidence NOT kept: one import keeps at most {} MiB and {} pieces",
            r.over_limit,
            MAX_BYTES_PER_IMPORT / (1024 * 1024),
            MAX_ITEMS_PER_IMPORT
        );
    }
    if let Some(why) = &r.failed {
        let _ = writeln!(text, "the evidence could NOT all be kept: {why}");
    }
    (text, items)
}

/// What the quarantine holds, re-verified: its text, its JSON items, and whether it holds a
/// problem.
fn section(store: &Store) -> (String, Value, bool) {
    let charter = store.charter();
    let items = match store.quarantine() {
        Ok(items) => items,
        Err(e) => {
            let f = store_failure(e);
            return (
                format!("quarantine: UNREADABLE: {}\n", f.message),
                json!({ "error": f.message }),
                true,
            );
        }
    };
    let mut text = String::new();
    let mut json_items = Vec::new();
    let mut problems = 0usize;
    for q in &items {
        let verdict = q.verify(charter);
        if is_problem(q, &verdict) {
            problems = problems.saturating_add(1);
        }
        let received = q
            .received
            .map(|t| format!("; received {}", render::time(t)))
            .unwrap_or_default();
        let _ = writeln!(text, "{}", line(q, &verdict, &received));
        json_items.push(item_json(charter, q, &verdict));
    }
    (text, Value::Array(json_items), problems > 0)
}

/// `hotline verify` on a store: the report, then the quarantine. Evidence of equivocation in
/// the quarantine, or evidence that does not verify, is a problem (exit 1).
pub(super) fn add_to_verify(store: &Store, mut out: Output) -> Output {
    let (text, items, problem) = section(store);
    let count = items.as_array().map_or(0, Vec::len);
    if count > 0 || !text.is_empty() {
        let _ = writeln!(
            out.text,
            "quarantine: {count} piece(s) of evidence that refused imports kept"
        );
        out.text.push_str(&text);
    }
    if problem {
        out.text.push_str(
            "FAILED: the quarantine holds evidence of equivocation (or evidence that no longer verifies)\n",
        );
        out.code = PROBLEM;
        if let Some(o) = out.json.as_object_mut() {
            o.insert("ok".into(), json!(false));
        }
    }
    if let Some(o) = out.json.as_object_mut() {
        o.insert("quarantine".into(), items);
    }
    out
}

/// `hotline quarantine`.
pub(super) fn list(dir: &Path) -> Result<Output, Failure> {
    let store = super::shared::open_to_read(dir)?;
    let (text, items, problem) = section(&store);
    let count = items.as_array().map_or(0, Vec::len);
    let text = if count == 0 && text.is_empty() {
        "the quarantine is empty: no refused import kept any evidence\n".to_owned()
    } else {
        format!("{count} piece(s) of evidence that refused imports kept:\n{text}")
    };
    Ok(Output {
        text,
        json: json!({ "ok": !problem, "quarantine": items }),
        code: if problem { PROBLEM } else { OK },
    })
}
