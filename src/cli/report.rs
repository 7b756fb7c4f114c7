//! `hotline report --out FILE.html`: one self-contained HTML file (no scripts, no external
//! references, inline CSS and SVG) for people who would rather look: the verdict first, the
//! parties and their keys, a drawn timeline of every incident with its deadlines against the
//! evidence of delivery, the deadlines, the disputes, and the evidence with how to check it.

use std::fmt::Write as _;
use std::path::Path;

use super::args::SourceArgs;

use crate::Charter;
use crate::audit::Audit;
use crate::verify::Level;
use serde_json::json;

use super::keyfile::{out_name, write_out};
use super::render::{basis, line, status_word, time};
use super::timeline::{Event, Incident, Word, incidents};
use super::{Failure, Output};

/// Text for HTML: the five characters that could end an element or an attribute escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Signed text for HTML: escaped for a terminal first ([`line`]), then for HTML.
fn signed(s: &str) -> String {
    esc(&line(s))
}

const STYLE: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d232a;margin:0;background:#f6f7f9}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{margin:0 0 6px;font-size:28px}h2{margin:32px 0 10px;font-size:20px;border-bottom:1px solid #d5d9df;padding-bottom:4px}
h3{margin:20px 0 6px;font-size:16px}
.verdict{padding:18px 22px;border-radius:10px;color:#fff}
.ok{background:#1f7a4d}.bad{background:#b3261e}
.verdict p{margin:4px 0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13.5px}
th,td{border:1px solid #dde1e6;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef0f3}
td.mono{white-space:nowrap}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.word{color:#5b6470;font-size:12px}
.MISSED{color:#b3261e;font-weight:600}.PENDING{color:#a15c00;font-weight:600}.met{color:#1f7a4d}
.UNDETERMINED,.PAUSED,.VOID{color:#5b4b8a;font-weight:600}
svg{background:#fff;border:1px solid #dde1e6;border-radius:6px;display:block;margin:6px 0}
.legend span{display:inline-block;margin-right:14px;font-size:12.5px}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:-1px}
footer{margin-top:36px;color:#5b6470;font-size:13px}
";

/// The colour of an event's marker: by the word it rests on, deadlines by their status.
fn colour(e: &Event) -> &'static str {
    match (e.word, e.status) {
        (Word::Deadline, Some("met")) => "#1f7a4d",
        (Word::Deadline, Some("MISSED")) => "#b3261e",
        (Word::Deadline, Some("PENDING")) => "#d08400",
        (Word::Deadline, _) => "#7a6cae",
        (Word::Claim, _) => "#8a94a0",
        (Word::Receiver, _) => "#1a66c2",
        (Word::Counterparty, _) => "#0f8b8d",
        (Word::Witness, _) => "#8e3fb0",
    }
}

/// One incident drawn: a lane per party, time left to right, a dot per event and a dashed
/// line per deadline; every mark has a tooltip (`<title>`), and the table below says the same
/// in words.
fn drawing(inc: &Incident, parties: &[String]) -> String {
    let (w, left, right, lane) = (980.0_f64, 120.0_f64, 24.0_f64, 34.0_f64);
    let lanes: Vec<&String> = parties.iter().collect();
    let h = 40.0 + lane * lanes.len() as f64 + 26.0;
    let t0 = inc.events.iter().map(|e| e.time.0).min().unwrap_or(0);
    let t1 = inc
        .events
        .iter()
        .map(|e| e.time.0)
        .max()
        .unwrap_or(0)
        .max(t0 + 1);
    let x = |t: u64| left + (w - left - right) * ((t - t0) as f64) / ((t1 - t0) as f64);
    let y = |who: &str| {
        let i = lanes
            .iter()
            .position(|p| p.as_str() == who)
            .unwrap_or(lanes.len());
        30.0 + lane * i as f64 + lane / 2.0
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"timeline of incident {}\">",
        signed(&inc.incident)
    );
    for (i, p) in lanes.iter().enumerate() {
        let ly = 30.0 + lane * i as f64 + lane / 2.0;
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"#e3e6ea\" stroke-width=\"2\"/><text x=\"10\" y=\"{}\" font-size=\"13\" fill=\"#1d232a\">{}</text>",
            w - right,
            ly + 4.0,
            esc(p)
        );
    }
    let axis = h - 22.0;
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{axis}\" x2=\"{}\" y2=\"{axis}\" stroke=\"#9aa3ad\"/><text x=\"{left}\" y=\"{}\" font-size=\"11\" fill=\"#5b6470\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#5b6470\" text-anchor=\"end\">{}</text>",
        w - right,
        axis + 15.0,
        esc(&time(crate::Timestamp(t0))),
        w - right,
        axis + 15.0,
        esc(&time(crate::Timestamp(t1)))
    );
    for e in &inc.events {
        let (ex, ey, c) = (x(e.time.0), y(&e.who), colour(e));
        let tip = format!(
            "{} {}: {} [{}]",
            time(e.time),
            line(&e.who),
            e.what,
            word(e.word)
        );
        if e.word == Word::Deadline {
            let _ = write!(
                s,
                "<g><title>{}</title><line x1=\"{ex:.1}\" y1=\"{:.1}\" x2=\"{ex:.1}\" y2=\"{:.1}\" stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/><text x=\"{ex:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{c}\" text-anchor=\"middle\">{}</text></g>",
                esc(&tip),
                ey - 13.0,
                ey + 13.0,
                ey - 15.0,
                esc(e.status.unwrap_or("due"))
            );
        } else if matches!(e.word, Word::Receiver | Word::Witness) {
            // A ring, so that the evidence of delivery shows around the entry that gave it.
            let _ = write!(
                s,
                "<g><title>{}</title><circle cx=\"{ex:.1}\" cy=\"{ey:.1}\" r=\"9.5\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2.5\"/></g>",
                esc(&tip)
            );
        } else {
            let _ = write!(
                s,
                "<g><title>{}</title><circle cx=\"{ex:.1}\" cy=\"{ey:.1}\" r=\"6\" fill=\"{c}\"/></g>",
                esc(&tip)
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn word(w: Word) -> &'static str {
    match w {
        Word::Claim => "the author's claimed time",
        Word::Receiver => "the receiver's signature",
        Word::Counterparty => "the other side's signature",
        Word::Witness => "a cosignature",
        Word::Deadline => "deadline",
    }
}

/// The whole page.
pub fn page(charter: &Charter, a: &Audit, source: &str) -> String {
    let r = &a.verification;
    let errors: Vec<&crate::Finding> = r
        .findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .collect();
    let warnings = r.findings.len() - errors.len();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>hotline report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        signed(&charter.name)
    );
    // 1. The verdict.
    let good = a.ok;
    let _ = writeln!(
        h,
        "<header class=\"verdict {}\"><h1>{}</h1><p>{}</p><p>{} notice(s): {} deadline(s) missed, {} pending, {} undetermined (no evidence of delivery), {} paused, {} void; {} dispute(s); verification: {} error(s), {} warning(s).</p><p>Channel {} <span class=\"mono\">{}</span>, from {}, judged at {}.</p></header>",
        if good { "ok" } else { "bad" },
        if good {
            "No problem found"
        } else {
            "Problems found"
        },
        if good {
            "Every signature verifies, no party forked its feed or showed two views, and no deadline was missed."
        } else {
            "See the evidence and the deadlines below: each verdict says on whose word it rests."
        },
        a.notices.len(),
        a.missed,
        a.pending,
        a.undetermined,
        a.paused,
        a.void,
        a.disputes.len(),
        errors.len(),
        warnings,
        signed(&format!("{:?}", charter.name)),
        r.channel,
        esc(source),
        time(a.at)
    );
    // 2. The parties.
    h.push_str("<h2 id=\"parties\">Parties and keys</h2>\n<table><tr><th>Party</th><th>Role</th><th>Key (Ed25519, hex)</th><th>Fingerprint</th><th>Feed</th><th>Endorsed by others up to</th></tr>\n");
    for p in &charter.parties {
        let f = r.feeds.iter().find(|f| f.key == p.key);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.name),
            signed(&p.role),
            p.key,
            p.key.fingerprint(),
            f.map_or("not held".into(), |f| format!(
                "{} entries{}",
                f.size,
                if f.accepted {
                    ""
                } else {
                    "; has not accepted the charter"
                }
            )),
            f.map_or(String::new(), |f| f.endorsed.to_string())
        );
    }
    h.push_str("</table>\n<p class=\"word\">Compare each fingerprint with the party itself, by a channel you trust: the report proves only what these keys signed.</p>\n");
    // 3. The timeline.
    let incidents = incidents(a);
    let names: Vec<String> = charter
        .parties
        .iter()
        .map(|p| p.name.clone())
        .chain(std::iter::once("witnesses".to_owned()))
        .collect();
    h.push_str("<h2 id=\"timeline\">Timeline</h2>\n<p class=\"legend\">");
    for (c, what) in [
        ("#8a94a0", "a party's claimed time"),
        ("#1a66c2", "the receiver's signature: it held the notice"),
        ("#0f8b8d", "the other side's signature"),
        ("#8e3fb0", "a cosignature (witness)"),
        ("#1f7a4d", "deadline met"),
        ("#b3261e", "deadline missed"),
        ("#d08400", "deadline pending"),
        ("#7a6cae", "deadline undetermined, paused or void"),
    ] {
        let _ = write!(
            h,
            "<span><i class=\"dot\" style=\"background:{c}\"></i>{what}</span>"
        );
    }
    h.push_str("</p>\n");
    if incidents.is_empty() {
        h.push_str("<p>No notices.</p>\n");
    }
    for inc in &incidents {
        let _ = writeln!(
            h,
            "<h3>Incident {} by {} [{}]</h3>",
            signed(&inc.incident),
            esc(&inc.author),
            signed(&inc.severity)
        );
        h.push_str(&drawing(inc, &names));
        h.push_str(
            "\n<table><tr><th>Time</th><th>Who</th><th>What</th><th>On the word of</th></tr>\n",
        );
        for e in &inc.events {
            let class = e.status.unwrap_or("");
            let _ = writeln!(
                h,
                "<tr><td class=\"mono\">{}</td><td>{}</td><td class=\"{}\">{}</td><td class=\"word\">{}</td></tr>",
                time(e.time),
                signed(&e.who),
                esc(class),
                esc(&e.what),
                word(e.word)
            );
        }
        h.push_str("</table>\n");
    }
    // 4. The deadlines.
    h.push_str("<h2 id=\"deadlines\">Deadlines</h2>\n<table><tr><th>Notice</th><th>Receiver</th><th>Duty</th><th>Due</th><th>Verdict</th><th>On the word of</th><th>Why</th></tr>\n");
    for n in &a.notices {
        for rcv in &n.receivers {
            for (duty, v) in [("acknowledge", &rcv.ack), ("respond", &rcv.respond)] {
                let word = status_word(v.status);
                let _ = writeln!(
                    h,
                    "<tr><td><span class=\"mono\">{}</span> {}</td><td>{}</td><td>{duty}</td><td class=\"mono\">{}</td><td class=\"{word}\">{word}{}</td><td>{}</td><td>{}</td></tr>",
                    n.id.short(),
                    signed(&n.incident),
                    esc(&rcv.party),
                    v.due.map(time).unwrap_or_default(),
                    v.at.map(|t| format!(" at {}", time(t))).unwrap_or_default(),
                    esc(basis(v.basis)),
                    signed(&v.reason)
                );
            }
        }
    }
    h.push_str("</table>\n");
    // 5. Disputes.
    h.push_str("<h2 id=\"disputes\">Disputes</h2>\n");
    if a.disputes.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<table><tr><th>By</th><th>Of</th><th>State</th><th>When (claimed)</th><th>Reason</th></tr>\n");
        for d in &a.disputes {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}'s {} <span class=\"mono\">{}</span></td><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
                esc(&d.by),
                esc(&d.of_author),
                d.of_kind.map_or("entry", |k| k.name()),
                d.of.short(),
                d.ack.state.name(),
                time(d.ack.time),
                signed(&d.ack.reason)
            );
        }
        h.push_str("</table>\n");
    }
    // 6. The evidence.
    h.push_str("<h2 id=\"evidence\">Evidence</h2>\n");
    if r.findings.is_empty() {
        h.push_str("<p>Nothing: no fork, no split view, nothing withheld, no bad signature.</p>\n");
    } else {
        h.push_str("<table><tr><th>Level</th><th>Kind</th><th>Party</th><th>Seq</th><th>Entry</th><th>What</th></tr>\n");
        for f in &r.findings {
            let kind = serde_json::to_value(f.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr><td class=\"{}\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}{}</td></tr>",
                if f.level == Level::Error {
                    "MISSED"
                } else {
                    "PENDING"
                },
                if f.level == Level::Error {
                    "error"
                } else {
                    "warning"
                },
                esc(&kind),
                esc(f.party.as_deref().unwrap_or("")),
                f.seq.map(|s| s.to_string()).unwrap_or_default(),
                f.entry.map(|e| e.short()).unwrap_or_default(),
                signed(&f.message),
                if f.evidence.is_some() {
                    " <em>(a fork proof: two entries its author signed, checkable with the charter alone)</em>"
                } else {
                    ""
                }
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<p>To check any of this yourself, with the bundle and the parties' public key files: <code>hotline verify BUNDLE --trust A.pub --trust B.pub</code> (signatures, forks, views, checkpoints), <code>hotline audit BUNDLE --trust …</code> (every deadline and the evidence it rests on) and <code>hotline timeline BUNDLE --trust …</code>. Fork proofs are in <code>hotline verify --json</code> under <code>findings[].evidence</code>.</p>\n");
    let _ = write!(
        h,
        "<footer><p>Made by hotline {} from {}. A party's time is its own claim; delivery rests on the receiver's own signatures, and third-party times on cosignatures. A deadline with no evidence of delivery is undetermined, never missed. The rules are in docs/EVIDENCE.md of the hotline sources.</p></footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(source)
    );
    h
}

/// `hotline report`.
pub(super) fn report(
    dir: &Path,
    src: &SourceArgs,
    at: Option<&str>,
    out: &Path,
    force: bool,
) -> Result<Output, Failure> {
    let (charter, a) = super::read::audited(dir, src, at, "report")?;
    let source = match &src.bundle {
        Some(b) => format!("the bundle {}", b.display()),
        None => format!("the store {}", dir.display()),
    };
    let html = page(&charter, &a, &source);
    write_out(out, html.as_bytes(), force)?;
    Ok(Output {
        text: format!(
            "wrote {} ({} bytes): {}; {} notice(s), {} missed, {} finding(s)\n",
            out_name(out),
            html.len(),
            if a.ok {
                "no problem found"
            } else {
                "PROBLEMS found"
            },
            a.notices.len(),
            a.missed,
            a.verification.findings.len()
        ),
        json: json!({ "ok": a.ok, "file": out, "bytes": html.len(), "notices": a.notices.len(), "missed": a.missed }),
        code: if a.ok { super::OK } else { super::PROBLEM },
    })
}
