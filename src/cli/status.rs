//! `hotline status`: where the store stands, in one screen, and the one line of what needs
//! attention (deadlines due soon or missed, disputes, evidence of misbehaviour).

use std::path::Path;

use crate::audit::Status;
use serde_json::json;

use super::render::{line, time};
use super::shared::{note_bytes, now, open_to_read, store_failure};
use super::{Failure, Output};

/// How soon a deadline is "due soon".
const SOON: u64 = 24 * 3600;

/// `hotline status`.
pub(super) fn status(dir: &Path) -> Result<Output, Failure> {
    let store = open_to_read(dir)?;
    let at = now();
    let in_force = store.charter_in_force().map_err(store_failure)?.clone();
    let me = store.identity();
    let mut text = String::new();
    text.push_str(&format!(
        "store     {}{}\n",
        dir.display(),
        match &me {
            Some((name, key)) => format!(" ({name}'s, key {})", key.display()),
            None => " (no key remembered)".into(),
        }
    ));
    text.push_str(&format!(
        "channel   {:?} ({})\n",
        in_force.name,
        store.channel().short()
    ));

    // Everything the audit knows; its verification covers forks, split views and the rest.
    let entries = store.entries().map_err(store_failure)?;
    let notes = note_bytes(&store)?;
    let audit = crate::audit::audit_with_notes(store.charter(), &entries, &notes, at);
    let report = &audit.verification;
    let checkpoints = store.checkpoint_summaries(at).map_err(store_failure)?;

    let mut parties = Vec::new();
    for p in &in_force.parties {
        let head = store.head(&p.key).map_err(store_failure)?;
        let held = store.feed_len(&p.key).map_err(store_failure)?;
        let feed = report.feeds.iter().find(|f| f.key == p.key);
        let latest = checkpoints
            .iter()
            .filter(|c| c.party == p.name && c.matches_entries)
            .max_by_key(|c| c.size);
        let mine = me.as_ref().is_some_and(|(n, _)| *n == p.name);
        text.push_str(&format!(
            "party     {}{} key {}: {}{}\n",
            p.name,
            if mine { " (you)" } else { "" },
            p.key.fingerprint(),
            match &head {
                Some(h) => format!(
                    "{held} entries, head {} (seq {}) at {}",
                    h.id.short(),
                    h.seq,
                    time(h.time)
                ),
                None => "no entries held".into(),
            },
            if feed.is_some_and(|f| !f.accepted) {
                "; has not accepted the charter"
            } else {
                ""
            }
        ));
        if let Some(c) = latest {
            let by: Vec<String> = c
                .cosignatures
                .iter()
                .map(|s| format!("{} at {}", s.party, time(s.time)))
                .collect();
            text.push_str(&format!(
                "          latest checkpoint: size {}, cosigned by {}\n",
                c.size,
                if by.is_empty() {
                    "nobody yet".into()
                } else {
                    by.join(", ")
                }
            ));
        }
        parties.push(json!({
            "name": p.name,
            "key": p.key,
            "fingerprint": p.key.fingerprint(),
            "you": mine,
            "entries": held,
            "head": head.map(|h| json!({ "seq": h.seq, "id": h.id, "time": h.time })),
            "accepted": feed.map(|f| f.accepted),
            "endorsed": feed.map(|f| f.endorsed),
            "latest_checkpoint": latest.map(|c| json!({
                "size": c.size,
                "root": c.root,
                "cosigned_by": c.cosignatures.iter().map(|s| json!({ "party": s.party, "time": s.time })).collect::<Vec<_>>(),
            })),
        }));
    }

    // What needs attention.
    let mut due_soon = Vec::new();
    for n in &audit.notices {
        for r in &n.receivers {
            for (what, v) in [("acknowledge", &r.ack), ("respond", &r.respond)] {
                if v.status == Status::Pending
                    && let Some(due) = v.due
                    && due.0 <= at.0.saturating_add(SOON)
                {
                    due_soon.push(json!({
                        "notice": n.id, "incident": n.incident, "receiver": r.party,
                        "what": what, "due": due,
                    }));
                }
            }
        }
    }
    let errors: Vec<&crate::Finding> = report
        .findings
        .iter()
        .filter(|f| f.level == crate::verify::Level::Error)
        .collect();
    let mut attention = Vec::new();
    if audit.missed > 0 {
        attention.push(format!("{} deadline(s) missed", audit.missed));
    }
    if !due_soon.is_empty() {
        attention.push(format!("{} due within 24h", due_soon.len()));
    }
    if !audit.disputes.is_empty() {
        attention.push(format!("{} dispute(s)", audit.disputes.len()));
    }
    if !errors.is_empty() {
        attention.push(format!(
            "{} verification error(s) (forks, split views, ...: `hotline verify`)",
            errors.len()
        ));
    }
    if audit.undetermined > 0 {
        attention.push(format!(
            "{} deadline(s) with no evidence of delivery yet",
            audit.undetermined
        ));
    }
    text.push_str(&format!(
        "attention {}\n",
        if attention.is_empty() {
            "nothing: no deadline missed or due within 24h, no dispute, no evidence".to_owned()
        } else {
            attention.join("; ")
        }
    ));
    for d in &due_soon {
        text.push_str(&format!(
            "          {} must {} {} ({}) by {}\n",
            d["receiver"].as_str().unwrap_or_default(),
            d["what"].as_str().unwrap_or_default(),
            d["notice"]
                .as_str()
                .map(|s| s.get(..12).unwrap_or(s))
                .unwrap_or_default(),
            line(d["incident"].as_str().unwrap_or_default()),
            d["due"]
                .as_u64()
                .map(|t| time(crate::Timestamp(t)))
                .unwrap_or_default()
        ));
    }
    let json = json!({
        "ok": audit.ok,
        "store": dir,
        "identity": me.as_ref().map(|(n, k)| json!({ "party": n, "key_file": k })),
        "channel": { "id": store.channel(), "name": in_force.name, "in_effect": report.in_effect },
        "parties": parties,
        "attention": {
            "missed": audit.missed,
            "due_soon": due_soon,
            "undetermined": audit.undetermined,
            "disputes": audit.disputes.len(),
            "findings": errors,
        },
        "at": at,
    });
    let code = if audit.ok { super::OK } else { super::PROBLEM };
    Ok(Output { text, json, code })
}
