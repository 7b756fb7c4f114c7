//! `hotline timeline`: every incident across the feeds, in time order, each event with the
//! evidence it rests on (docs/EVIDENCE.md); the HTML report draws the same events.

use std::fmt::Write as _;

use crate::audit::{Audit, NoticeStatus, Status};
use crate::entry::{EntryId, Timestamp};
use serde_json::json;

use super::Output;
use super::render::{basis, line, stage, status_word, time};

/// On whose word an event's time rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Word {
    /// The author's own claimed time.
    Claim,
    /// The receiver's own signature (its claimed time) that it held the entry.
    Receiver,
    /// The other side's signature that it held this party's entry.
    Counterparty,
    /// A cosignature of a checkpoint: another signer's word that the entry existed by then.
    Witness,
    /// A deadline the audit computed.
    Deadline,
}

impl Word {
    fn says(self) -> &'static str {
        match self {
            Word::Claim => "the author's claim",
            Word::Receiver => "the receiver's signature",
            Word::Counterparty => "the other side's signature",
            Word::Witness => "a cosignature",
            Word::Deadline => "the audit's deadline",
        }
    }
}

/// One event of an incident.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Event {
    /// When.
    pub time: Timestamp,
    /// Who did it (a party's name), or whose deadline it is.
    pub who: String,
    /// What happened, for people (signed text escaped).
    pub what: String,
    /// On whose word the time rests.
    pub word: Word,
    /// The entry, where it is one.
    pub entry: Option<EntryId>,
    /// For a deadline: its status word (`met`, `MISSED`, `PENDING`, ...).
    pub status: Option<&'static str>,
}

/// One incident: the notices of one sender under one incident id, with everything about them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Incident {
    /// The sender.
    pub author: String,
    /// The incident id.
    pub incident: String,
    /// The notices' severity (the latest notice's).
    pub severity: String,
    /// The events, in time order (ties in the order they were found).
    pub events: Vec<Event>,
}

fn notice_events(n: &NoticeStatus, out: &mut Vec<Event>) {
    let ev = |time, who: &str, what: String, word, entry, status| Event {
        time,
        who: who.to_owned(),
        what,
        word,
        entry,
        status,
    };
    out.push(ev(
        n.sent,
        &n.author,
        format!(
            "sent {} notice {}: {}",
            stage(n.stage),
            n.id.short(),
            line(&n.summary)
        ),
        Word::Claim,
        Some(n.id),
        None,
    ));
    if let Some(w) = &n.witnessed {
        out.push(ev(
            w.time,
            &w.by,
            format!(
                "cosigned {}'s checkpoint at size {}, which includes notice {}",
                n.author,
                w.size,
                n.id.short()
            ),
            Word::Witness,
            None,
            None,
        ));
    }
    if let Some(q) = &n.witness_quorum {
        out.push(ev(
            q.time,
            "witnesses",
            format!(
                "quorum of {} witnesses reached for notice {}",
                q.quorum,
                n.id.short()
            ),
            Word::Witness,
            None,
            None,
        ));
    }
    for r in &n.receivers {
        if let Some(p) = &r.possession {
            out.push(ev(
                p.time,
                &r.party,
                format!("held notice {} (its {} signed then)", n.id.short(), p.via),
                Word::Receiver,
                p.entry,
                None,
            ));
        }
        for a in &r.acks {
            let reason = if a.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", line(&a.reason))
            };
            out.push(ev(
                a.time,
                &r.party,
                format!(
                    "acknowledged notice {} as {}{reason}",
                    n.id.short(),
                    a.state.name()
                ),
                Word::Claim,
                Some(a.id),
                None,
            ));
            if let Some(t) = a.held_by_sender {
                out.push(ev(
                    t,
                    &n.author,
                    format!("held {}'s acknowledgement {}", r.party, a.id.short()),
                    Word::Counterparty,
                    None,
                    None,
                ));
            }
        }
        for resp in &r.responses {
            out.push(ev(
                resp.time,
                &r.party,
                format!("responded to notice {}", n.id.short()),
                Word::Claim,
                Some(resp.id),
                None,
            ));
        }
        for (what, v) in [("acknowledge", &r.ack), ("respond", &r.respond)] {
            if let Some(due) = v.due
                && !matches!(v.status, Status::None | Status::NotBound)
            {
                out.push(ev(
                    due,
                    &r.party,
                    format!(
                        "{what}-by of notice {}: {} (on the word of {})",
                        n.id.short(),
                        status_word(v.status),
                        basis(v.basis)
                    ),
                    Word::Deadline,
                    None,
                    Some(status_word(v.status)),
                ));
            }
        }
    }
}

/// The incidents of an audit, each with its events in time order, in the order their first
/// notices were sent.
pub fn incidents(a: &Audit) -> Vec<Incident> {
    let mut out: Vec<Incident> = Vec::new();
    for n in &a.notices {
        let at = match out
            .iter()
            .position(|i| i.author == n.author && i.incident == n.incident)
        {
            Some(i) => i,
            None => {
                out.push(Incident {
                    author: n.author.clone(),
                    incident: n.incident.clone(),
                    severity: n.severity.clone(),
                    events: Vec::new(),
                });
                out.len() - 1
            }
        };
        if let Some(inc) = out.get_mut(at) {
            inc.severity.clone_from(&n.severity);
            notice_events(n, &mut inc.events);
        }
    }
    for inc in &mut out {
        inc.events.sort_by_key(|e| e.time);
    }
    out
}

/// `hotline timeline`.
pub fn render(a: &Audit) -> Output {
    let incidents = incidents(a);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "timeline at {}: {} incident(s); times are claims unless marked (docs/EVIDENCE.md)",
        time(a.at),
        incidents.len()
    );
    for inc in &incidents {
        let _ = writeln!(
            text,
            "\nincident {} by {} [{}]",
            line(&inc.incident),
            inc.author,
            line(&inc.severity)
        );
        for e in &inc.events {
            let _ = writeln!(
                text,
                "  {}  {:<9} {}  [{}]",
                time(e.time),
                e.who,
                e.what,
                e.word.says()
            );
        }
    }
    if incidents.is_empty() {
        text.push_str("(no notices)\n");
    }
    Output {
        text,
        json: json!({ "ok": a.ok, "at": a.at, "incidents": incidents }),
        code: if a.ok { super::OK } else { super::PROBLEM },
    }
}
