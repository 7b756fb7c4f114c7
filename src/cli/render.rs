//! Human and JSON renderings of entries, reports and audits.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use crate::audit::{Audit, Basis, Status, Verdict};
use crate::charter::Charter;
use crate::entry::{Body, EntryId, SignedEntry, Stage, Timestamp, View};
use crate::keys::PartyId;
use crate::verify::{CheckpointSummary, FeedSummary, Finding, Level, Report};
use serde_json::{Value, json};

use super::{OK, Output, PROBLEM};

/// RFC 3339 in UTC, to the second.
pub fn time(t: Timestamp) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(t.0.min(253_402_300_799)))
        .to_string()
}

/// A window of seconds in the largest unit that divides it, as `--severity` takes it:
/// `3d`, `4h`, `90m`, `45s`.
pub fn window(secs: u64) -> String {
    match secs {
        0 => "0s".into(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// What a party is asked to accept: the channel, every party (the founder marked, and `me`
/// if given), and the severity policy with its windows. Text and JSON.
pub fn charter(c: &Charter, me: Option<&PartyId>) -> (String, Value) {
    let id = c
        .id()
        .map(|i| i.to_string())
        .unwrap_or_else(|e| format!("(cannot be computed: {e})"));
    let mut text = format!(
        "channel {:?}
  id      {id}
  created {}
",
        c.name,
        time(c.created)
    );
    let (terms, mut json) = charter_terms(c, crate::chain::founder(c), me);
    text.push_str(&terms);
    if let Some(o) = json.as_object_mut() {
        o.insert("name".into(), json!(c.name));
        o.insert("id".into(), json!(id));
        o.insert("created".into(), json!(time(c.created)));
    }
    (text, json)
}

/// The channel founded by `founding` as amended: its name, id and creation, the charter in
/// force (the last amendment in force, its parties, policy and witnesses) and every amendment
/// proposed, with who accepted it.
pub fn charter_in_force(
    founding: &Charter,
    report: &Report,
    me: Option<&PartyId>,
) -> (String, Value) {
    let (mut text, mut json) = charter(founding, me);
    let in_force = report.charter_in_force(founding);
    let by = report
        .amendments
        .iter()
        .rfind(|a| a.in_effect)
        .map(|a| format!("amendment {} by {}", a.entry.short(), a.proposer))
        .unwrap_or_else(|| "the founding charter".into());
    let _ = writeln!(text, "charter in force: {:?} ({by})", in_force.name);
    let (terms, terms_json) = charter_terms(in_force, crate::chain::founder(founding), me);
    text.push_str(&terms);
    let mut amendments = Vec::new();
    for a in &report.amendments {
        let accepted: Vec<String> = a
            .accepted_by
            .iter()
            .map(|x| format!("{} (seq {})", x.party, x.seq))
            .collect();
        let state = if a.in_effect {
            "in force".to_owned()
        } else {
            format!("not in force, awaiting {}", a.awaiting.join(", "))
        };
        let changes = [("adds", &a.added), ("removes", &a.removed)]
            .iter()
            .filter(|(_, who)| !who.is_empty())
            .map(|(what, who)| format!("{what} {}", who.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(
            text,
            "amendment {} by {} (seq {}): {:?}{}{}; {state}; accepted by {}",
            a.entry.short(),
            a.proposer,
            a.seq,
            a.name,
            if changes.is_empty() { "" } else { ", " },
            changes,
            if accepted.is_empty() {
                "nobody".to_owned()
            } else {
                accepted.join(", ")
            }
        );
        amendments.push(json!({
            "entry": a.entry, "proposer": a.proposer, "seq": a.seq, "name": a.name,
            "added": a.added, "removed": a.removed, "in_effect": a.in_effect,
            "accepted_by": a.accepted_by, "awaiting": a.awaiting,
        }));
    }
    if let Some(o) = json.as_object_mut() {
        o.insert("in_force".into(), terms_json);
        o.insert("amendments".into(), Value::Array(amendments));
    }
    (text, json)
}

/// `c`'s parties (marking `founder` and `me`), severities and witnesses, as text lines and
/// JSON.
fn charter_terms(c: &Charter, founder: Option<PartyId>, me: Option<&PartyId>) -> (String, Value) {
    let mut text = String::new();
    let width = c.parties.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let _ = writeln!(text, "parties ({}):", c.parties.len());
    let mut parties = Vec::new();
    for p in &c.parties {
        let is_founder = founder == Some(p.key);
        let is_me = me == Some(&p.key);
        let mark = match (is_founder, is_me) {
            (true, true) => "  (founder; you)",
            (true, false) => "  (founder)",
            (false, true) => "  (you)",
            (false, false) => "",
        };
        let _ = writeln!(
            text,
            "  {:width$}  key {}  role {}{mark}",
            p.name,
            p.key.fingerprint(),
            line(&p.role)
        );
        parties.push(json!({
            "name": p.name, "key": p.key, "fingerprint": p.key.fingerprint(),
            "role": p.role, "founder": is_founder, "you": is_me,
        }));
    }
    let width = c
        .policy
        .severities
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(text, "severities (lowest first):");
    let mut severities = Vec::new();
    for s in &c.policy.severities {
        let (ack, respond) = (window(s.ack_within), window(s.respond_within));
        let _ = writeln!(
            text,
            "  {:width$}  acknowledge within {ack:>4}, respond within {respond:>4}",
            line(&s.name)
        );
        severities.push(json!({
            "name": s.name, "ack_within": s.ack_within, "respond_within": s.respond_within,
            "ack_within_text": ack, "respond_within_text": respond,
        }));
    }
    let mut witnesses = Vec::new();
    if c.witnesses.is_empty() {
        let _ = writeln!(text, "witnesses: none");
    } else {
        let _ = writeln!(
            text,
            "witnesses ({}; a checkpoint needs {} of them for third-party evidence):",
            c.witnesses.len(),
            c.witness_quorum
        );
    }
    for w in &c.witnesses {
        let _ = writeln!(
            text,
            "  {}  key {}  role {}",
            line(&w.name),
            w.key.fingerprint(),
            line(&w.role)
        );
        witnesses.push(json!({
            "name": w.name, "key": w.key, "fingerprint": w.key.fingerprint(), "role": w.role,
        }));
    }
    let json = json!({
        "name": c.name,
        "parties": parties, "severities": severities,
        "witnesses": witnesses, "witness_quorum": c.witness_quorum,
    });
    (text, json)
}

/// A report stage's name.
pub fn stage(s: Stage) -> &'static str {
    match s {
        Stage::Initial => "initial",
        Stage::Update => "update",
        Stage::Final => "final",
    }
}

/// A decoded entry with its id, as the renderers use it.
pub struct Item {
    pub id: EntryId,
    pub signed: SignedEntry,
    pub body: Option<Body>,
}

/// Entries by id, for the lines that name the entry another refers to.
pub type ById<'a> = std::collections::HashMap<EntryId, &'a Item>;

/// The entries of `items` by id.
pub fn by_id(items: &[Item]) -> ById<'_> {
    items.iter().map(|i| (i.id, i)).collect()
}

/// Decode the store's entries (they were verified on the way in).
pub fn items(entries: &[Vec<u8>]) -> Vec<Item> {
    entries
        .iter()
        .filter_map(|b| SignedEntry::decode(b).ok())
        .filter_map(|signed| {
            let id = signed.id().ok()?;
            let body = signed.entry.body().ok();
            Some(Item { id, signed, body })
        })
        .collect()
}

/// Text another party signed, for one line of output: every control character (newline,
/// carriage return and tab included), every Unicode direction control and line or paragraph
/// separator shown as an escape, so that a signed summary cannot begin a row of its own or
/// reorder the row it is in. The escapes are Rust's (`\n`, `\u{202e}`), unambiguous and
/// ASCII.
pub fn line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || is_invisible_control(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Signed text of several lines, for `show`: each line escaped as by [`line`] and every line
/// after the first indented under the field it belongs to, so that no signed line can pass
/// for a field of its own.
pub fn block(s: &str) -> String {
    s.split('\n')
        .map(line)
        .collect::<Vec<_>>()
        .join("\n          | ")
}

/// Characters that change how text around them is shown without showing themselves: the
/// direction embeddings, overrides, isolates and marks (Unicode's `Bidi_Control`), and the
/// line and paragraph separators.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
    )
}

/// One line about a body.
pub fn summary(body: Option<&Body>, views: &[View], items: &ById<'_>, charter: &Charter) -> String {
    let h_view =
        |views: &[View], p: &PartyId| views.iter().find(|v| v.party == *p).map_or(0, |v| v.size);
    let who = |id: &EntryId| {
        items
            .get(id)
            .map(|i| {
                format!(
                    "{}'s {} {}",
                    charter.label(&i.signed.header().author),
                    i.body.as_ref().map_or("entry", |b| b.kind().name()),
                    id.short()
                )
            })
            .unwrap_or_else(|| format!("entry {}", id.short()))
    };
    match body {
        None => "(a kind this version does not know)".into(),
        Some(Body::Charter(c)) => format!("charter {:?} ({} parties)", c.name, c.parties.len()),
        Some(Body::Acceptance(_)) => "accepts the charter".into(),
        Some(Body::Definition(d)) => format!("defines {:?}", d.term),
        Some(Body::Commitment(c)) => format!("commits to {:?}", c.title),
        Some(Body::Notice(n)) => format!(
            "{} notice {} [{}]: {}",
            stage(n.stage),
            n.incident,
            n.severity,
            n.summary
        ),
        Some(Body::Response(r)) => format!("responds to {}", who(&r.to)),
        Some(Body::Ack(a)) => {
            let reason = if a.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", a.reason)
            };
            format!(
                "acknowledges {} as {}{reason}",
                who(&a.of.id),
                a.state.name()
            )
        }
        Some(Body::Receipt(r)) => format!(
            "receipt for {}",
            r.feeds
                .iter()
                .map(|p| {
                    let size = h_view(views, p);
                    format!("{}'s feed up to size {size}", charter.label(p))
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(_) => "(another kind)".into(),
    }
}

/// How a new entry refers to an earlier one, for the echo before signing: the body field
/// (`"of"`, `"to"`, `"cites"`, `"supersedes"`, `"refs"`) and the words for people.
#[derive(Clone, Copy)]
pub struct Role {
    pub field: &'static str,
    pub words: &'static str,
}

/// The line and JSON object that name an entry a command is about to sign about: its id, its
/// author, its kind, and its term, title or summary, so that the signer sees what the id
/// resolved to.
pub fn target(
    charter: &Charter,
    role: Role,
    id: &EntryId,
    signed: &SignedEntry,
) -> (String, Value) {
    let author = charter.label(&signed.header().author);
    let body = signed.entry.body().ok();
    let kind = body
        .as_ref()
        .map_or("entry of an unknown kind", |b| b.kind().name());
    let about = match &body {
        Some(Body::Definition(d)) => format!("{:?}", d.term),
        Some(Body::Commitment(c)) => format!("{:?}", c.title),
        Some(Body::Notice(n)) => format!(
            "\"{}\" ({} {}, {})",
            line(&n.summary),
            stage(n.stage),
            line(&n.severity),
            line(&n.incident)
        ),
        other => line(&summary(
            other.as_ref(),
            &signed.header().views,
            &ById::new(),
            charter,
        )),
    };
    let line = format!("{} {author}'s {kind} {}: {about}\n", role.words, id.short());
    let about_json = match &body {
        Some(Body::Definition(d)) => json!({ "term": d.term }),
        Some(Body::Commitment(c)) => json!({ "title": c.title }),
        Some(Body::Notice(n)) => json!({ "summary": n.summary }),
        other => {
            json!({ "summary": summary(other.as_ref(), &signed.header().views, &ById::new(), charter) })
        }
    };
    let mut v = json!({
        "role": role.field,
        "id": id,
        "author": author,
        "author_key": signed.header().author,
        "kind": body.as_ref().map(|b| b.kind().name()),
    });
    if let (Some(obj), Value::Object(extra)) = (v.as_object_mut(), about_json) {
        obj.extend(extra);
    }
    (line, v)
}

/// Which entries `hotline log` lists: each field given narrows it (all empty: every entry).
#[derive(Debug, Default)]
pub struct Filter {
    /// Authors.
    pub parties: Vec<PartyId>,
    /// Kinds.
    pub kinds: Vec<crate::entry::Kind>,
    /// The notices of this incident, and acks and responses of them.
    pub incident: Option<String>,
    /// Claimed at or after.
    pub since: Option<Timestamp>,
    /// Claimed at or before.
    pub until: Option<Timestamp>,
    /// Acknowledgements in this state.
    pub state: Option<crate::entry::AckState>,
    /// At most this many, the latest.
    pub last: Option<usize>,
}

impl Filter {
    fn admits(&self, i: &Item, ids: &ById<'_>) -> bool {
        let h = i.signed.header();
        let kind = i.body.as_ref().map(Body::kind);
        let incident_of = |id: &EntryId| match ids.get(id).and_then(|t| t.body.as_ref()) {
            Some(Body::Notice(n)) => Some(n.incident.as_str()),
            _ => None,
        };
        let incident = match &i.body {
            Some(Body::Notice(n)) => Some(n.incident.as_str()),
            Some(Body::Ack(a)) => incident_of(&a.of.id),
            Some(Body::Response(r)) => incident_of(&r.to),
            _ => None,
        };
        (self.parties.is_empty() || self.parties.contains(&h.author))
            && (self.kinds.is_empty() || kind.is_some_and(|k| self.kinds.contains(&k)))
            && self
                .incident
                .as_deref()
                .is_none_or(|want| incident == Some(want))
            && self.since.is_none_or(|t| h.time >= t)
            && self.until.is_none_or(|t| h.time <= t)
            && self
                .state
                .is_none_or(|s| matches!(&i.body, Some(Body::Ack(a)) if a.state == s))
    }
}

/// `hotline log`: a row for every entry `filter` admits, in the journal's order.
pub fn log(charter: &Charter, entries: &[Vec<u8>], filter: &Filter) -> Output {
    let items = items(entries);
    let ids = by_id(&items);
    let admitted: Vec<&Item> = items.iter().filter(|i| filter.admits(i, &ids)).collect();
    let skip = filter.last.map_or(0, |n| admitted.len().saturating_sub(n));
    let mut text = String::new();
    let mut rows = Vec::new();
    for i in admitted.iter().skip(skip) {
        let h = i.signed.header();
        let party = charter.label(&h.author);
        let line = summary(i.body.as_ref(), &h.views, &ids, charter);
        let _ = writeln!(
            text,
            "{}  {:<8} #{:<3} {}  {}",
            time(h.time),
            party,
            h.seq.0,
            i.id.short(),
            self::line(&line)
        );
        rows.push(json!({
            "id": i.id, "author": party, "seq": h.seq, "time": h.time, "time_rfc3339": time(h.time),
            "kind": i.body.as_ref().map(|b| b.kind().name()), "summary": line,
        }));
    }
    if rows.is_empty() {
        text.push_str(if items.is_empty() {
            "(no entries)\n"
        } else {
            "(no entries pass the filters)\n"
        });
    }
    Output::ok(
        text,
        json!({ "ok": true, "entries": rows, "total": items.len(), "shown": rows.len() }),
    )
}

/// Every signed field of a body, as lines of `text` (each field under its label, signed text
/// escaped) and as JSON.
pub fn body_fields(text: &mut String, body: Option<&Body>) -> Value {
    match body {
        Some(Body::Notice(n)) => {
            let _ = writeln!(
                text,
                "incident  {} ({}, {})",
                line(&n.incident),
                stage(n.stage),
                line(&n.severity)
            );
            let _ = writeln!(text, "category  {}", line(&n.category));
            if !n.detail.is_empty() {
                let _ = writeln!(text, "detail    {}", block(&n.detail));
            }
            if let Some(t) = n.detected_at {
                let _ = writeln!(text, "detected  {} (the author's claim)", time(t));
            }
            if !n.handling.is_empty() {
                let _ = writeln!(text, "handling  {}", line(&n.handling));
            }
            if !n.indicators.is_empty() {
                let shown: Vec<String> = n.indicators.iter().map(|i| line(i)).collect();
                let _ = writeln!(text, "indicators {}", shown.join(", "));
            }
            if !n.requested_action.is_empty() {
                let _ = writeln!(text, "requested {}", block(&n.requested_action));
            }
            // What `audit` holds each receiver to (docs/EVIDENCE.md): the later of the
            // notice's own deadline and the receiver's evidence of delivery plus the policy's
            // window, so the notice's value alone is only a floor.
            let rule = |own: Option<Timestamp>| match own {
                Some(t) => format!(
                    "{} or the policy's window for {} after each receiver's evidence of delivery, whichever is later (`hotline audit` judges each receiver)",
                    time(t),
                    line(&n.severity)
                ),
                None => format!(
                    "the policy's window for {} after each receiver's evidence of delivery (`hotline audit` judges each receiver)",
                    line(&n.severity)
                ),
            };
            let _ = writeln!(text, "ack by    {}", rule(n.ack_by));
            let _ = writeln!(text, "respond by {}", rule(n.respond_by));
            json!({ "incident": n.incident, "stage": n.stage, "severity": n.severity, "category": n.category,
                    "summary": n.summary, "detail": n.detail, "indicators": n.indicators,
                    "requested_action": n.requested_action, "handling": n.handling, "detected_at": n.detected_at,
                    "ack_by": n.ack_by, "respond_by": n.respond_by, "refs": n.refs })
        }
        Some(Body::Definition(d)) => {
            let _ = writeln!(text, "text      {}", block(&d.text));
            json!({ "term": d.term, "text": d.text, "supersedes": d.supersedes })
        }
        Some(Body::Commitment(c)) => {
            let _ = writeln!(text, "text      {}", block(&c.text));
            json!({ "title": c.title, "text": c.text, "cites": c.cites, "supersedes": c.supersedes })
        }
        Some(Body::Response(r)) => {
            let _ = writeln!(text, "text      {}", block(&r.text));
            json!({ "to": r.to, "text": r.text })
        }
        Some(Body::Ack(a)) => {
            let _ = writeln!(
                text,
                "of        entry {} (seq {} of the feed of key {})",
                a.of.id,
                a.of.seq,
                a.of.author.fingerprint()
            );
            let _ = writeln!(text, "state     {}", a.state.name());
            if !a.reason.is_empty() {
                let _ = writeln!(text, "reason    {}", block(&a.reason));
            }
            json!({ "of": a.of, "state": a.state, "reason": a.reason })
        }
        Some(Body::Receipt(r)) => json!({ "feeds": r.feeds }),
        Some(Body::Charter(c)) => {
            let _ = writeln!(
                text,
                "charter   {:?}: {}; `hotline charter` shows it in full",
                c.name,
                c.parties
                    .iter()
                    .map(|p| format!("{} ({})", p.name, p.key.fingerprint()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            json!(c)
        }
        Some(Body::Acceptance(a)) => json!(a),
        Some(Body::Rotate(r)) => json!(r),
        Some(Body::Revoke(r)) => json!(r),
        Some(Body::Amend(a)) => json!(a),
        Some(Body::Ratify(r)) => json!(r),
        Some(Body::Close(c)) => json!(c),
        _ => Value::Null,
    }
}

/// `hotline show ID`.
pub fn show(
    charter: &Charter,
    entries: &[Vec<u8>],
    id: &EntryId,
    checkpoints: &[CheckpointSummary],
) -> Option<Output> {
    let items = items(entries);
    let item = items.iter().find(|i| i.id == *id)?;
    let h = item.signed.header();
    let mut text = String::new();
    let _ = writeln!(text, "entry     {}", item.id);
    let _ = writeln!(
        text,
        "author    {} ({})",
        charter.label(&h.author),
        h.author.fingerprint()
    );
    let _ = writeln!(text, "seq       {}", h.seq);
    let _ = writeln!(text, "time      {} (the author's claim)", time(h.time));
    let _ = writeln!(text, "prev      {}", h.prev);
    for v in &h.views {
        let _ = writeln!(
            text,
            "views     {}'s feed at size {}, root {} (the author's signed receipt for those entries)",
            charter.label(&v.party),
            v.size,
            hex::encode(v.root)
        );
    }
    let _ = writeln!(
        text,
        "summary   {}",
        line(&summary(
            item.body.as_ref(),
            &h.views,
            &by_id(&items),
            charter
        ))
    );
    let body_json = body_fields(&mut text, item.body.as_ref());
    // The "when" evidence: other parties' signed acknowledgements of this entry.
    let mut acks = Vec::new();
    for i in &items {
        if let Some(Body::Ack(a)) = &i.body
            && a.of.id == *id
        {
            let t = i.signed.header().time;
            let who = charter.label(&i.signed.header().author);
            let _ = writeln!(
                text,
                "acked     by {who} as {} at {} (their claim; signed evidence they held it by then)",
                a.state.name(),
                time(t)
            );
            acks.push(json!({ "author": who, "state": a.state, "time": t, "id": i.id }));
        }
    }
    if acks.is_empty() {
        text.push_str("acked     not yet acknowledged by any other party in this store\n");
    }
    // The entries it refers to, and the responses to it, each named.
    let ids = by_id(&items);
    let name = |id: &EntryId| match ids.get(id) {
        Some(t) => format!(
            "{}'s {} {}",
            charter.label(&t.signed.header().author),
            t.body.as_ref().map_or("entry", |b| b.kind().name()),
            id.short()
        ),
        None => format!("entry {} (not held here)", id.short()),
    };
    if let Some(b) = &item.body {
        for (field, target) in b.references() {
            if !matches!(b, Body::Ack(_)) {
                let _ = writeln!(text, "{field:<9} {}", name(&target));
            }
        }
    }
    let mut responses = Vec::new();
    for i in &items {
        if let Some(Body::Response(r)) = &i.body
            && r.to == *id
        {
            let t = i.signed.header().time;
            let who = charter.label(&i.signed.header().author);
            let _ = writeln!(
                text,
                "response  by {who} at {} ({}): {}",
                time(t),
                i.id.short(),
                block(&r.text)
            );
            responses.push(json!({ "author": who, "time": t, "id": i.id, "text": r.text }));
        }
    }
    let witnessed =
        CheckpointSummary::earliest_witness(checkpoints, &charter.label(&h.author), h.seq.0);
    match &witnessed {
        Some(w) => {
            let _ = writeln!(
                text,
                "witnessed {}",
                super::witness::witnessed_line(&w.by, w.time, w.size)
            );
        }
        None => text.push_str("witnessed no cosigned checkpoint held here includes it yet\n"),
    }
    Some(Output::ok(
        text,
        json!({
            "ok": true, "id": item.id, "author": charter.label(&h.author), "author_key": h.author,
            "seq": h.seq, "time": h.time, "prev": h.prev, "views": h.views,
            "kind": item.body.as_ref().map(|b| b.kind().name()), "body": body_json, "acks": acks,
            "responses": responses, "witnessed": witnessed,
        }),
    ))
}

/// One finding, on one line.
pub fn finding_line(f: &Finding) -> String {
    let level = match f.level {
        Level::Error => "ERROR",
        Level::Warning => "warning",
    };
    let mut at = Vec::new();
    if let Some(p) = &f.party {
        at.push(p.clone());
    }
    if let Some(s) = f.seq {
        at.push(format!("seq {s}"));
    }
    if let Some(e) = &f.entry {
        at.push(format!("entry {}", e.short()));
    }
    if let Some(i) = f.index {
        at.push(format!("input #{i}"));
    }
    let kind = serde_json::to_value(f.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!("  {level} {kind} [{}]: {}", at.join(", "), line(&f.message))
}

/// `hotline verify`.
/// How far other parties' signatures cover a feed, and what rests on its author's word alone.
fn endorsement_line(f: &FeedSummary) -> String {
    let by: Vec<String> = f
        .endorsements
        .iter()
        .map(|e| format!("{} ({} via {})", e.by, e.size, e.via))
        .collect();
    let mut line = if by.is_empty() {
        "endorsed by no one else's signature".to_owned()
    } else {
        format!("endorsed up to {} by {}", f.endorsed, by.join(", "))
    };
    if f.size > f.endorsed {
        let last = f.size - 1;
        let which = if f.endorsed == last {
            format!("seq {last} rests")
        } else {
            format!("seqs {} to {last} rest", f.endorsed)
        };
        let _ = write!(line, "; {which} on {}'s word alone", f.party);
    }
    if let Some(c) = f.claimed {
        let _ = write!(
            line,
            "; others' signatures claim {c} entries: {} WITHHELD or not received",
            c.saturating_sub(f.size)
        );
    }
    line
}

pub fn report(charter: &Charter, r: &Report) -> Output {
    let mut text = String::new();
    let _ = writeln!(text, "channel {:?} ({})", charter.name, r.channel.short());
    for f in &r.feeds {
        let _ = writeln!(
            text,
            "  {:<10} {} entries, root {}{}",
            f.party,
            f.size,
            hex::encode(f.root.get(..8).unwrap_or_default()),
            if f.accepted {
                ""
            } else {
                "  (has not accepted the charter in what is held)"
            }
        );
        let _ = writeln!(text, "             {}", endorsement_line(f));
    }
    for c in &r.checkpoints {
        let cos: Vec<String> = c
            .cosignatures
            .iter()
            .map(|s| {
                let by = match s.cosigner {
                    crate::witness::CosignerKind::Party => "",
                    crate::witness::CosignerKind::Witness => "witness ",
                };
                format!("{by}{} at {}", s.party, time(s.time))
            })
            .collect();
        let quorum = match (charter.witness_quorum, c.quorum_time) {
            (0, _) => String::new(),
            (q, Some(t)) => format!("; witness quorum {q} met at {}", time(t)),
            (q, None) => format!("; witness quorum {q} not met"),
        };
        let _ = writeln!(
            text,
            "  checkpoint {} size {} root {}, cosigned by {}{quorum}",
            c.party,
            c.size,
            c.root.get(..16).unwrap_or_default(),
            if cos.is_empty() {
                "nobody".into()
            } else {
                cos.join(", ")
            }
        );
    }
    for f in &r.findings {
        let _ = writeln!(text, "{}", finding_line(f));
    }
    let errors = r
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .count();
    let warnings = r.findings.len() - errors;
    // A report of a channel not yet in effect says so on the verdict line: the charter binds
    // no one until every founding party accepts it.
    let awaiting = if r.awaiting.is_empty() {
        String::new()
    } else {
        format!(
            "; not in effect: {} {} not accepted the charter",
            r.awaiting.join(", "),
            if r.awaiting.len() == 1 { "has" } else { "have" }
        )
    };
    let _ = writeln!(
        text,
        "{}: {} entries checked, {errors} error(s), {warnings} warning(s){awaiting}",
        if r.ok { "OK" } else { "FAILED" },
        r.entries_checked
    );
    Output {
        text,
        json: serde_json::to_value(r).unwrap_or(Value::Null),
        code: if r.ok { OK } else { PROBLEM },
    }
}

/// A verdict's status in a word: upper case where it needs attention.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::Missed => "MISSED",
        Status::Pending => "PENDING",
        Status::Paused => "PAUSED",
        Status::Undetermined => "UNDETERMINED",
        Status::Void => "VOID",
        Status::NotBound => "not bound",
        Status::None => "none",
    }
}

pub fn verdict(v: &Verdict) -> String {
    let mut out = status_word(v.status).to_owned();
    if let Some(at) = v.at {
        let _ = write!(out, " at {}", time(at));
    }
    if let Some(due) = v.due {
        let _ = write!(out, " (due {})", time(due));
    }
    let _ = write!(
        out,
        "\n      on the word of: {}; {}",
        basis(v.basis),
        line(&v.reason)
    );
    out
}

pub fn basis(b: Basis) -> &'static str {
    match b {
        Basis::Receiver => "the receiver's signatures",
        Basis::Sender => "the sender's own signature",
        Basis::Witness => "a quorum of the charter's witnesses",
        Basis::ConflictingClaims => "two parties' conflicting claimed times",
        Basis::Fork => "the sender's fork",
        Basis::NoEvidence => "no one: no evidence of delivery",
        Basis::Charter => "the charter",
    }
}

/// `hotline audit`.
pub fn audit(charter: &Charter, a: &Audit) -> Output {
    let mut text = String::new();
    let _ = writeln!(text, "audit of {:?} at {}", charter.name, time(a.at));
    for n in &a.notices {
        let _ = writeln!(
            text,
            "notice {} by {} (seq {}), {} [{}]: {}\n  sent {} (the sender's claim)",
            n.id.short(),
            n.author,
            n.seq,
            line(&n.incident),
            line(&n.severity),
            line(&n.summary),
            time(n.sent)
        );
        if let Some(q) = &n.witness_quorum {
            let by: Vec<&str> = q.witnesses.iter().map(|w| w.by.as_str()).collect();
            let _ = writeln!(
                text,
                "  existed by {} on the word of a quorum of {} witness(es): {} (third-party evidence)",
                time(q.time),
                q.quorum,
                by.join(", ")
            );
        }
        if let Some(w) = &n.witnessed {
            let _ = writeln!(
                text,
                "  witnessed {}",
                super::witness::witnessed_line(&w.by, w.time, w.size)
            );
        }
        for r in &n.receivers {
            let acks: Vec<String> = r
                .acks
                .iter()
                .map(|x| {
                    let mut s = format!("{} at {} (its claim)", x.state.name(), time(x.time));
                    if x.effective > x.time {
                        let _ = write!(
                            s,
                            ", signed no earlier than {} (inside its views)",
                            time(x.effective)
                        );
                    }
                    if let Some(t) = x.held_by_sender {
                        let _ = write!(s, ", held by the sender by {} (its claim)", time(t));
                    }
                    s
                })
                .collect();
            let held = match &r.possession {
                Some(p) => format!(
                    "held it by {} (its signed {}{})",
                    time(p.time),
                    p.via,
                    p.seq.map(|s| format!(", seq {s}")).unwrap_or_default()
                ),
                None => "no signed evidence that it holds it".into(),
            };
            let _ = writeln!(
                text,
                "  {}: {held}; acknowledged {}\n    acknowledge-by: {}\n    respond-by:     {}",
                r.party,
                if acks.is_empty() {
                    "never".into()
                } else {
                    acks.join(", ")
                },
                verdict(&r.ack),
                verdict(&r.respond)
            );
        }
    }
    for d in &a.disputes {
        let _ = writeln!(
            text,
            "dispute: {} marked {}'s {} {} as {} at {}: {}",
            d.by,
            d.of_author,
            d.of_kind.map_or("entry", |k| k.name()),
            d.of.short(),
            d.ack.state.name(),
            time(d.ack.time),
            line(&d.ack.reason)
        );
    }
    for f in &a.verification.findings {
        let _ = writeln!(text, "{}", finding_line(f));
    }
    let _ = writeln!(
        text,
        "{}: {} notice(s), {} deadline(s) missed, {} pending, {} undetermined, {} paused, {} void, {} dispute(s), {} finding(s)",
        if a.ok { "OK" } else { "PROBLEMS" },
        a.notices.len(),
        a.missed,
        a.pending,
        a.undetermined,
        a.paused,
        a.void,
        a.disputes.len(),
        a.verification.findings.len()
    );
    let mut json = serde_json::to_value(a).unwrap_or(Value::Null);
    if let Some(obj) = json.as_object_mut() {
        obj.insert(
            "entries_checked".into(),
            json!(a.verification.entries_checked),
        );
        obj.insert(
            "findings".into(),
            serde_json::to_value(&a.verification.findings).unwrap_or(Value::Null),
        );
    }
    Output {
        text,
        json,
        code: if a.ok { OK } else { PROBLEM },
    }
}
