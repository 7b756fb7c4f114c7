//! The verbs that sign an entry into the party's own feed from what the user typed: `define`,
//! `commit`, `notify`, `respond` and `ack`. Each resolves the entries it names, refuses what
//! the verifier would report, checks the size, then signs and appends.

use std::path::Path;

use crate::chain::{self, SupersedeError};
use crate::entry::{
    Ack, AckState, Body, Commitment, Definition, EntryId, EntryRef, Notice, Receipt, Response,
    Stage,
};
use crate::keys::PartyId;
use crate::store::Store;
use crate::text::{self, NameError};
use serde_json::json;

use super::args::{ConfirmArgs, KeyArg, NotifyArgs, TextArg};
use super::input::Input;
use super::render;
use super::shared::{
    now, open, parse_time, parse_window, read_file, read_text, resolve, roster, signing_key,
    store_failure,
};
use super::{Failure, Output};

/// `hotline define`.
pub(super) fn define(
    dir: &Path,
    term: &str,
    text: &TextArg,
    supersedes: Option<String>,
    key: &KeyArg,
) -> Result<Output, Failure> {
    // Inputs first: one refused never touches the store.
    let text = read_text(text)?;
    let mut store = open(dir)?;
    let term = name_arg("the term", term)?;
    let supersedes = supersedes
        .map(|s| resolve_target(&store, &s, SUPERSEDES))
        .transpose()?;
    let body = Body::Definition(Definition {
        term,
        text,
        supersedes: supersedes.as_ref().map(|t| t.id),
    });
    if let Some(t) = &supersedes {
        may_supersede(&store, key, t, &body)?;
    }
    append(&mut store, key, body, supersedes.as_slice())
}

/// `hotline commit`.
pub(super) fn commit(
    dir: &Path,
    title: &str,
    text: &TextArg,
    cites: &[String],
    supersedes: Option<String>,
    key: &KeyArg,
) -> Result<Output, Failure> {
    let text = read_text(text)?;
    let mut store = open(dir)?;
    let title = name_arg("the title", title)?;
    let mut targets = cites
        .iter()
        .map(|c| resolve_target(&store, c, CITES))
        .collect::<Result<Vec<_>, _>>()?;
    targets.sort_by_key(|t| t.id);
    targets.dedup_by_key(|t| t.id);
    let cites = targets.iter().map(|t| t.id).collect();
    let supersedes = supersedes
        .map(|s| resolve_target(&store, &s, SUPERSEDES))
        .transpose()?;
    let body = Body::Commitment(Commitment {
        title,
        text,
        cites,
        supersedes: supersedes.as_ref().map(|t| t.id),
    });
    if let Some(t) = &supersedes {
        may_supersede(&store, key, t, &body)?;
    }
    targets.extend(supersedes);
    append(&mut store, key, body, &targets)
}

/// `hotline respond`.
pub(super) fn respond(
    dir: &Path,
    id: &str,
    text: &TextArg,
    key: &KeyArg,
    confirm: &ConfirmArgs,
) -> Result<Output, Failure> {
    let text = read_text(text)?;
    let mut store = open(dir)?;
    let to = resolve_target(&store, id, TO)?;
    let sk = signing_key(&store, key)?;
    let me = store.signer_for(&sk, &Body::Receipt(Receipt { feeds: vec![] }));
    let mut warnings = Vec::new();
    if me.as_ref().ok() == Some(&to.author) {
        warnings.push(format!(
            "entry {} is your own: a response answers another party's entry; to correct your own, sign a new one that refers to it",
            to.id.short()
        ));
    }
    let body = Body::Response(Response { to: to.id, text });
    if let Some(out) = confirm_first(confirm, &warnings, &body, std::slice::from_ref(&to))? {
        return Ok(out);
    }
    append(&mut store, key, body, &[to])
}

/// Before signing what one rarely means to: with `--dry-run`, what would be signed and the
/// warnings, and nothing signed (`Some`); with warnings and no `--yes`, a refusal; otherwise
/// `None`, to go on and sign.
fn confirm_first(
    confirm: &ConfirmArgs,
    warnings: &[String],
    body: &Body,
    targets: &[Target],
) -> Result<Option<Output>, Failure> {
    if confirm.dry_run {
        let mut text: String = targets.iter().map(|t| t.line.as_str()).collect();
        for w in warnings {
            text.push_str(&format!("warning: {w}\n"));
        }
        text.push_str(&format!(
            "dry run: would sign this {}; nothing was signed\n",
            body.kind()
        ));
        let targets: Vec<&serde_json::Value> = targets.iter().map(|t| &t.json).collect();
        return Ok(Some(Output::ok(
            text,
            json!({ "ok": true, "dry_run": true, "kind": body.kind(), "warnings": warnings, "targets": targets }),
        )));
    }
    if warnings.is_empty() || confirm.yes {
        return Ok(None);
    }
    Err(Failure::new(format!("not signed: {}", warnings.join("; ")))
        .hint("pass --yes to sign it anyway, or --dry-run to see what would be signed")
        .with_json("warnings", json!(warnings)))
}

/// The fewest hex digits of an entry id that a command which signs accepts. A signature
/// cannot be taken back, and a prefix that is unique today can come to name another entry
/// as entries arrive (among 2^16 entries, two 4-digit prefixes likely collide); 12 digits are
/// what `hotline log` shows.
const MIN_SIGNING_PREFIX: usize = 12;

const OF: render::Role = render::Role {
    field: "of",
    words: "acknowledging",
};
const TO: render::Role = render::Role {
    field: "to",
    words: "responding to",
};
const CITES: render::Role = render::Role {
    field: "cites",
    words: "citing",
};
const SUPERSEDES: render::Role = render::Role {
    field: "supersedes",
    words: "superseding",
};
const REFS: render::Role = render::Role {
    field: "refs",
    words: "referring to",
};

/// An entry that an entry about to be signed refers to, with the echo that names it.
struct Target {
    id: EntryId,
    author: PartyId,
    seq: crate::Seq,
    line: String,
    json: serde_json::Value,
}

/// Resolve an id given to a signing command: at least [`MIN_SIGNING_PREFIX`] hex digits, an
/// entry the store holds, described so the signer sees what the prefix named.
fn resolve_target(store: &Store, prefix: &str, role: render::Role) -> Result<Target, Failure> {
    let digits = prefix.len();
    // Anything that is not hex is left to the store's own message.
    if digits < MIN_SIGNING_PREFIX && prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Failure::new(format!(
            "entry id {prefix:?} is too short to sign about: {digits} hex digit(s), at least {MIN_SIGNING_PREFIX} are needed"
        ))
        .hint(
            "give the 12 hex digits `hotline log` shows, or the whole id: a shorter prefix could name another entry once more arrive",
        ));
    }
    let id = resolve(store, prefix)?;
    let entry = store
        .get(&id)
        .map_err(store_failure)?
        .ok_or_else(|| Failure::new(format!("entry {id} is not in the store")))?;
    let (line, json) = render::target(roster(store)?, role, &id, &entry);
    Ok(Target {
        id,
        author: entry.header().author,
        seq: entry.header().seq,
        line,
        json,
    })
}

/// A name people cite (a term, a title, an incident id) as typed: put in NFC, the form it is
/// signed in, and refused here, with a hint, if the library would refuse it.
fn name_arg(what: &str, typed: &str) -> Result<String, Failure> {
    let name = text::nfc(typed);
    let Err(e) = text::check_name(&name) else {
        return Ok(name);
    };
    let hint = match e {
        NameError::MixedScript { .. } => {
            "write it in one script: a letter of another script that looks like a Latin one (Cyrillic а, Greek ο) makes a name that looks like another and is not"
        }
        NameError::NoScript { .. } => "use assigned, public characters only",
        _ => {
            "remove it: terms, titles and incident ids must show every character they hold, so that two that look alike are the same"
        }
    };
    Err(Failure::new(format!("{what} {e}")).hint(hint))
}

/// Refuse, before anything is signed, a `--supersedes` the verifier would report: another
/// kind, another party's entry, or a definition of another term.
fn may_supersede(store: &Store, key: &KeyArg, target: &Target, body: &Body) -> Result<(), Failure> {
    let me = signing_key(store, key)?.party();
    let held = store
        .get(&target.id)
        .map_err(store_failure)?
        .ok_or_else(|| Failure::new(format!("entry {} is not in the store", target.id)))?;
    let old = held.entry.body().ok();
    let Err(e) = chain::check_supersedes(&me, body, &target.author, old.as_ref()) else {
        return Ok(());
    };
    let short = target.id.short();
    Err(match e {
        SupersedeError::WrongKind { expected, found } => Failure::new(format!(
            "--supersedes {short} is a {found}: a {expected} supersedes only a {expected}"
        ))
        .hint("`hotline log` shows each entry's kind"),
        SupersedeError::OtherAuthor { author } => Failure::new(format!(
            "--supersedes {short} is {}'s entry: a party supersedes only its own entries",
            roster(store)?.label(&author)
        ))
        .hint(
            "answer it with `hotline respond` or `hotline ack --state disputed`, or sign your own without --supersedes",
        ),
        SupersedeError::OtherTerm { term, superseded } => Failure::new(format!(
            "--supersedes {short} defines {superseded:?}, not {term:?}: a definition supersedes only one of the same term"
        ))
        .hint(format!(
            "give the term {superseded:?} to revise that definition, or leave out --supersedes to define a new term"
        )),
    })
}

/// What an entry's header and signature add to its body, at most, for the size check before
/// signing.
const ENTRY_OVERHEAD: usize = 256;

/// The bytes of text a body carries, for the bodies a user writes text into: what the user
/// can shorten (a lower bound of the encoded size, which adds a few bytes per field).
fn text_len(body: &Body) -> Option<usize> {
    let sum = |fields: &[&str]| fields.iter().map(|f| f.len()).sum::<usize>();
    match body {
        Body::Definition(d) => Some(sum(&[&d.term, &d.text])),
        Body::Commitment(c) => Some(sum(&[&c.title, &c.text])),
        Body::Response(r) => Some(r.text.len()),
        Body::Notice(n) => Some(
            sum(&[
                &n.incident,
                &n.severity,
                &n.category,
                &n.summary,
                &n.detail,
                &n.requested_action,
                &n.handling,
            ]) + n.indicators.iter().map(String::len).sum::<usize>(),
        ),
        _ => None,
    }
}

/// Sign `body` and append it. `targets` are the entries it refers to; the output names each
/// (author, kind, term, title or summary) ahead of the line saying what was signed.
fn append(
    store: &mut Store,
    key: &KeyArg,
    body: Body,
    targets: &[Target],
) -> Result<Output, Failure> {
    let sk = signing_key(store, key)?;
    if let Err(msg) = body.check_content() {
        return Err(Failure::new(msg));
    }
    // The entry adds its header and signature to the body. The encoder refuses a body over
    // the limit without measuring it; the user is then told the size of the text it carries,
    // which is what they can shorten.
    let limit = crate::encoding::MAX_ENCODED_LEN;
    let size = match body.encode() {
        Ok(b) if b.len() <= limit - ENTRY_OVERHEAD => None,
        Ok(b) => Some(format!("{} bytes", b.len())),
        Err(_) => Some(match text_len(&body) {
            Some(n) => format!("more than {limit} bytes ({n} bytes of text)"),
            None => format!("more than {limit} bytes"),
        }),
    };
    if let Some(size) = size {
        return Err(Failure::new(format!(
            "the entry is too large: its {} body is {size}, and a whole entry may be at most {limit} bytes, header and signature included (so at most {} bytes of body)",
            body.kind(),
            limit - ENTRY_OVERHEAD
        ))
        .hint("shorten it, or split it into several entries that refer to each other"));
    }
    let kind = body.kind();
    let entry = store.append(&sk, &body, now()).map_err(store_failure)?;
    let id = entry.id().map_err(|e| Failure::new(e.to_string()))?;
    let seq = entry.header().seq;
    let mut text: String = targets.iter().map(|t| t.line.as_str()).collect();
    text.push_str(&format!(
        "signed {kind} {} as {} at seq {seq}\n",
        id.short(),
        sk.name()
    ));
    let targets: Vec<&serde_json::Value> = targets.iter().map(|t| &t.json).collect();
    Ok(Output::ok(
        text,
        json!({ "ok": true, "id": id, "kind": kind, "author": sk.name(), "seq": seq, "targets": targets }),
    ))
}

/// `hotline notify`.
pub(super) fn notify(dir: &Path, a: NotifyArgs) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let in_force = store.charter_in_force().map_err(store_failure)?;
    let Some(sev) = in_force.policy.severity(&a.severity).cloned() else {
        let names: Vec<String> = in_force
            .policy
            .severities
            .iter()
            .map(|s| s.name.clone())
            .collect();
        return Err(Failure::new(format!(
            "severity {:?} is not in the channel's policy",
            a.severity
        ))
        .hint(format!("use one of: {}", names.join(", "))));
    };
    let stage = match a.stage.as_str() {
        "initial" => Stage::Initial,
        "update" => Stage::Update,
        "final" => Stage::Final,
        other => {
            return Err(Failure::new(format!(
                "--stage {other:?}: use initial, update or final"
            )));
        }
    };
    let ack_within = match &a.ack_within {
        Some(d) => parse_window(d, "--ack-within")?,
        None => sev.ack_within,
    };
    let respond_within = match &a.respond_within {
        Some(d) => parse_window(d, "--respond-within")?,
        None => sev.respond_within,
    };
    let detail = match (&a.detail, &a.detail_file) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => String::from_utf8(read_file(p, Input::TEXT)?)
            .map_err(|_| Failure::new(format!("{} is not UTF-8 text", p.display())))?,
        (None, None) => String::new(),
    };
    let mut targets = a
        .refs
        .iter()
        .map(|r| resolve_target(&store, r, REFS))
        .collect::<Result<Vec<_>, _>>()?;
    targets.sort_by_key(|t| t.id);
    targets.dedup_by_key(|t| t.id);
    let refs = targets.iter().map(|t| t.id).collect();
    let sk = signing_key(&store, &a.key)?;
    let me = store
        .signer_for(&sk, &Body::Receipt(Receipt { feeds: vec![] }))
        .map_err(store_failure)?;
    let my_name = roster(&store)?.label(&me);
    let incident = incident_for(
        &store,
        &me,
        &my_name,
        a.incident.as_deref(),
        stage,
        &targets,
    )?;
    let t = now();
    let body = Body::Notice(Notice {
        incident: incident.clone(),
        stage,
        severity: a.severity,
        category: a.category,
        summary: a.summary,
        detail,
        detected_at: match a
            .detected_at
            .as_deref()
            .map(|s| parse_time(s, "--detected-at"))
        {
            Some(Ok(d)) if d.0 > t.0.saturating_add(crate::verify::DEFAULT_MAX_FUTURE_SKEW) => {
                return Err(Failure::new(format!(
                    "--detected-at {} is in the future",
                    render::time(d)
                ))
                .hint("give when it was detected: `now`, `-2h`, or an RFC 3339 time in the past"));
            }
            other => other.transpose()?,
        },
        indicators: a.indicator,
        requested_action: a.action,
        handling: a.handling,
        ack_by: Some(t.plus(ack_within)),
        respond_by: Some(t.plus(respond_within)),
        refs,
    });
    if let Err(e) = body.check_content() {
        return Err(Failure::new(format!("the notice would be refused: {e}"))
            .hint("see `hotline notify --help` for what each field takes"));
    }
    let mut out = append(&mut store, &a.key, body, &targets)?;
    // What the receivers will be held to (docs/EVIDENCE.md): the later of the notice's own
    // deadline and delivery plus the policy's window, so a shorter window than the policy's
    // grants nothing.
    let window = |own: u64, policy: u64, what: &str| {
        if own >= policy {
            format!(
                "{what} by {} or within {} of delivery, whichever is later",
                render::time(t.plus(own)),
                span(policy)
            )
        } else {
            format!(
                "{what} within {} of delivery (the policy's window for {}; the {} asked for is shorter and grants nothing)",
                span(policy),
                render::line(&sev.name),
                span(own)
            )
        }
    };
    out.text.push_str(&format!(
        "incident {} ({}, {}): receivers must {}, and {}\n",
        render::line(&incident),
        a.stage,
        render::line(&sev.name),
        window(ack_within, sev.ack_within, "acknowledge"),
        window(respond_within, sev.respond_within, "respond")
    ));
    if let Some(obj) = out.json.as_object_mut() {
        obj.insert("incident".into(), json!(incident));
        obj.insert("stage".into(), json!(a.stage));
        obj.insert(
            "deadlines".into(),
            json!({
                "ack_by": t.plus(ack_within),
                "respond_by": t.plus(respond_within),
                "policy_ack_within": sev.ack_within,
                "policy_respond_within": sev.respond_within,
                "rule": "each receiver is held to the later of the notice's deadline and its delivery plus the policy's window (docs/EVIDENCE.md)",
            }),
        );
    }
    Ok(out)
}

/// The incident a notice belongs to, checked against the signer's earlier notices: an initial
/// notice opens an incident id the signer has not used (by default `INC-<party>-<seq>`, its
/// own place in the feed, so unique in the channel); an update or a final notice continues
/// one the signer opened, named by `--incident` or by the signer's own notice among the
/// `--ref`s.
fn incident_for(
    store: &Store,
    me: &PartyId,
    my_name: &str,
    given: Option<&str>,
    stage: Stage,
    refs: &[Target],
) -> Result<String, Failure> {
    let mine: Vec<(String, Stage)> = store
        .of_kind(crate::entry::Kind::Notice)
        .map_err(store_failure)?
        .iter()
        .filter(|e| e.header().author == *me)
        .filter_map(|e| match e.entry.body() {
            Ok(Body::Notice(n)) => Some((n.incident, n.stage)),
            _ => None,
        })
        .collect();
    // An update that refers to the signer's own notice continues that notice's incident.
    let from_refs: Vec<String> = {
        let mut v: Vec<String> = refs
            .iter()
            .filter(|t| t.author == *me)
            .filter_map(|t| store.get(&t.id).ok().flatten())
            .filter_map(|e| match e.entry.body() {
                Ok(Body::Notice(n)) => Some(n.incident),
                _ => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let inferred = match (given, stage, from_refs.as_slice()) {
        (None, Stage::Update | Stage::Final, [one]) => Some(one.as_str()),
        _ => None,
    };
    let Some(given) = given.or(inferred) else {
        if stage != Stage::Initial {
            return Err(Failure::new(format!(
                "--stage {}: an update or a final notice continues an incident: name it with --incident, or --ref your notice that opened it",
                render::stage(stage)
            ))
            .hint("`hotline log` shows each notice's incident id"));
        }
        // Unique even beside ids typed by hand that look like the default.
        let seq = store.feed_len(me).map_err(store_failure)?;
        let base = format!("INC-{my_name}-{seq}");
        let mut id = base.clone();
        let mut n = 1u32;
        while mine.iter().any(|(i, _)| *i == id) {
            n = n.saturating_add(1);
            id = format!("{base}-{n}");
        }
        return Ok(id);
    };
    let incident = name_arg("--incident", given)?;
    let opened = mine
        .iter()
        .any(|(i, s)| *i == incident && *s == Stage::Initial);
    let used = mine.iter().any(|(i, _)| *i == incident);
    match stage {
        Stage::Initial if used => Err(Failure::new(format!(
            "incident {} is already open in your feed: an initial notice opens a new incident",
            render::line(&incident)
        ))
        .hint(format!(
            "continue it with --stage update --incident {incident}, or leave out --incident for a new id"
        ))),
        Stage::Update | Stage::Final if !opened => Err(Failure::new(format!(
            "--stage {}: you have sent no initial notice of incident {}",
            render::stage(stage),
            render::line(&incident)
        ))
        .hint("send the initial notice first (--stage initial); `hotline log` shows the incident ids")),
        _ => Ok(incident),
    }
}

/// `hotline ack`.
pub(super) fn ack(
    dir: &Path,
    id: &str,
    state: &str,
    reason: String,
    key: &KeyArg,
    confirm: &ConfirmArgs,
) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let state: AckState = state.parse().map_err(Failure::new)?;
    let target = resolve_target(&store, id, OF)?;
    let (of, author) = (target.id, target.author);
    let sk = signing_key(&store, key)?;
    let me = store.signer_for(&sk, &Body::Receipt(Receipt { feeds: vec![] }));
    if me.as_ref().ok() == Some(&author) {
        return Err(Failure::new("you cannot acknowledge your own entry")
            .hint("acknowledgements are of other parties' entries"));
    }
    // Earlier acknowledgements of the same entry by this party. Received, then a substantive
    // answer, is the usual course; the same state again, a receipt after any, or a change of
    // answer (the audit takes the latest) is signed only on purpose.
    let mut earlier: Vec<String> = Vec::new();
    if let Ok(me) = &me {
        for e in store
            .of_kind(crate::entry::Kind::Ack)
            .map_err(store_failure)?
            .iter()
            .filter(|e| e.header().author == *me)
        {
            let Ok(Body::Ack(a)) = e.entry.body() else {
                continue;
            };
            if a.of.id != of {
                continue;
            }
            let said = format!(
                "you already acknowledged entry {} as {} at your seq {} ({})",
                of.short(),
                a.state.name(),
                e.header().seq,
                e.id().map(|i| i.short()).unwrap_or_default()
            );
            if a.state == state {
                earlier.push(format!("{said}: this would sign the same state again"));
            } else if state == AckState::Received {
                earlier.push(format!("{said}: a receipt now adds nothing"));
            } else if a.state != AckState::Received {
                earlier.push(format!(
                    "{said}: this changes your answer to {}, and the audit takes the latest",
                    state.name()
                ));
            }
        }
    }
    let body = Body::Ack(Ack {
        of: EntryRef {
            author,
            seq: target.seq,
            id: of,
        },
        state,
        reason,
    });
    if let Some(out) = confirm_first(confirm, &earlier, &body, std::slice::from_ref(&target))? {
        return Ok(out);
    }
    append(
        &mut store,
        &KeyArg {
            key: key.key.clone(),
        },
        body,
        &[target],
    )
}

/// A window for people: whole days, hours, minutes and seconds, largest first (`3d`, `1h30m`).
fn span(secs: u64) -> String {
    let mut out = String::new();
    let mut left = secs;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        let n = left / size;
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
            left -= n * size;
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn windows_read_largest_unit_first() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(59), "59s");
        assert_eq!(span(3_600), "1h");
        assert_eq!(span(5_400), "1h30m");
        assert_eq!(span(259_200), "3d");
        assert_eq!(span(90_061), "1d1h1m1s");
    }
}
