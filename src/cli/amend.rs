//! `hotline amend`, `ratify`, `close` and `charter`: charter amendments and the close
//! (docs/FORMAT.md section 12).

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::args::KeyArg;
use super::shared::{
    load_pub, now, open, parse_severity, resolve, signing_key, store_failure, verify_store,
};
use super::{Failure, Output};
use crate::charter::{Charter, Party};
use crate::entry::{Amend, Body, ChannelId, Close, EntryId, EntryRef, Ratify, SignedEntry};
use crate::store::Store;
use crate::verify::Report;

pub(super) const AMEND_HELP: &str = "\
Examples:
  hotline amend --add-party gamma.pub --severity high:12h:72h
  hotline amend --remove-party beta --name \"alpha-gamma hotline\" --json

The new charter is the charter in force with the changes given: --add-party adds a party from
its NAME.pub (which must name its next key), --remove-party leaves one out, --severity
NAME:ACK:RESPOND sets or adds a severity, --witness NAME=KEY sets or adds a witness,
--witness-quorum and --name replace those. It takes effect once every party of the charter in
force has signed it or `hotline ratify` of it; until then nothing changes. Notices are judged
by the charter their sender had seen in force when it signed them.";

pub(super) const RATIFY_HELP: &str = "\
Example:
  hotline ratify 3fa2c1d09e4b --json

Accept another party's amendment or close. Read it first with `hotline charter`: once every
party of the charter in force has accepted it, it is in force. A party accepts one proposal
per charter.";

pub(super) const CLOSE_HELP: &str = "\
Examples:
  hotline close --reason \"moving to a three-party channel\" --successor 5d1c…e7
  hotline close --json

The channel is closed once every party of the charter in force has signed this or `hotline
ratify` of it. Notices signed after their sender saw the close in force bind nobody; notices
before it keep their deadlines.";

/// `hotline amend`.
#[derive(Debug, Args)]
pub struct AmendArgs {
    /// A party to add: its public key file (NAME.pub, with its `next:` line); repeatable.
    #[arg(long = "add-party", value_name = "PUB")]
    add_party: Vec<PathBuf>,
    /// The name of a party to remove; repeatable.
    #[arg(long = "remove-party", value_name = "NAME")]
    remove_party: Vec<String>,
    /// A severity as NAME:ACK-WITHIN:RESPOND-WITHIN (e.g. high:12h:3d), replacing the one of
    /// that name or added; repeatable.
    #[arg(long, value_name = "SPEC")]
    severity: Vec<String>,
    /// A witness as NAME=KEY (a C2SP cosigner verifier key or a public key file), replacing
    /// the one of that name or added; repeatable.
    #[arg(long, value_name = "NAME=VKEY_OR_PUB_FILE")]
    witness: Vec<String>,
    /// The new witness quorum.
    #[arg(long, value_name = "N")]
    witness_quorum: Option<u32>,
    /// The new charter's name.
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    key: KeyArg,
}

/// `hotline ratify`.
#[derive(Debug, Args)]
pub struct RatifyArgs {
    /// The amendment or close accepted (id or unique prefix of 12+ hex digits).
    id: String,
    #[command(flatten)]
    key: KeyArg,
}

/// `hotline close`.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The channel id of the channel that carries on.
    #[arg(long, value_name = "CHANNEL_ID")]
    successor: Option<String>,
    /// Why, for people.
    #[arg(long, default_value = "")]
    reason: String,
    #[command(flatten)]
    key: KeyArg,
}

/// The report on the store, refusing a closed channel.
fn open_channel(dir: &Path) -> Result<(Store, Report), Failure> {
    let store = open(dir)?;
    let report = verify_store(&store, now())?;
    if let Some(c) = report.close.as_ref().filter(|c| c.in_effect) {
        return Err(Failure::new(format!(
            "the channel is closed (close {} in force)",
            c.entry.short()
        ))
        .hint(match c.successor {
            Some(s) => format!("its successor is channel {s}"),
            None => "it names no successor".into(),
        }));
    }
    Ok((store, report))
}

fn sign(store: &mut Store, key: &KeyArg, body: &Body) -> Result<(SignedEntry, String), Failure> {
    let sk = signing_key(store, key)?;
    body.check_content().map_err(Failure::new)?;
    let e = store.append(&sk, body, now()).map_err(store_failure)?;
    Ok((e, sk.name().to_owned()))
}

fn names(c: &Charter) -> String {
    c.parties
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn amend(dir: &Path, a: AmendArgs) -> Result<Output, Failure> {
    let (mut store, report) = open_channel(dir)?;
    let in_force = report.charter_in_force(store.charter()).clone();
    let amends = report
        .amendments
        .iter()
        .rfind(|s| s.in_effect)
        .map(|s| EntryRef {
            author: s.author,
            seq: crate::Seq(s.seq),
            id: s.entry,
        });
    let mut c = in_force.clone();
    for name in &a.remove_party {
        let before = c.parties.len();
        c.parties.retain(|p| p.name != *name);
        if c.parties.len() == before {
            return Err(Failure::new(format!(
                "--remove-party {name}: no party of that name in the charter in force ({})",
                names(&in_force)
            )));
        }
    }
    for path in &a.add_party {
        let pk = load_pub(path)?;
        let next = pk.next.ok_or_else(|| {
            Failure::new(format!(
                "{} states no next key (`next:` line)",
                path.display()
            ))
            .hint("ask the party for the NAME.pub that `hotline keygen NAME` writes")
        })?;
        c.parties.push(Party {
            name: pk.name,
            key: pk.id,
            next,
            role: "point-of-contact".into(),
        });
    }
    for spec in &a.severity {
        let s = parse_severity(spec)?;
        match c.policy.severities.iter_mut().find(|x| x.name == s.name) {
            Some(slot) => *slot = s,
            None => c.policy.severities.push(s),
        }
    }
    for w in &a.witness {
        let w = super::witness_protocol::parse_witness_arg(w)?;
        match c.witnesses.iter_mut().find(|x| x.name == w.name) {
            Some(slot) => *slot = w,
            None => c.witnesses.push(w),
        }
    }
    if let Some(q) = a.witness_quorum {
        c.witness_quorum = q;
    }
    if let Some(n) = &a.name {
        c.name.clone_from(n);
    }
    c.created = now();
    let unchanged = Charter {
        created: c.created,
        ..in_force.clone()
    };
    if c == unchanged {
        return Err(Failure::new("the amendment changes nothing").hint(
            "give --add-party, --remove-party, --severity, --witness, --witness-quorum or --name",
        ));
    }
    c.check().map_err(|e| Failure::new(e.to_string()))?;
    let (e, me) = sign(
        &mut store,
        &a.key,
        &Body::Amend(Box::new(Amend {
            charter: c.clone(),
            amends,
        })),
    )?;
    let id = e.id().map_err(|e| Failure::new(e.to_string()))?;
    let others: Vec<&str> = in_force
        .parties
        .iter()
        .filter(|p| p.key != e.header().author)
        .map(|p| p.name.as_str())
        .collect();
    Ok(Output::ok(
        format!(
            "signed amend {} as {me} at seq {}: charter {:?} with parties {}\nit takes effect once every other party of the charter in force ({}) has ratified it: `hotline ratify {}`\n",
            id.short(),
            e.header().seq,
            c.name,
            names(&c),
            others.join(", "),
            id.to_string().get(..12).unwrap_or_default()
        ),
        json!({
            "ok": true,
            "id": id,
            "kind": "amend",
            "author": me,
            "seq": e.header().seq,
            "amends": amends.map(|r| r.id),
            "parties": c.parties.iter().map(|p| &p.name).collect::<Vec<_>>(),
            "awaiting": others,
        }),
    ))
}

pub(super) fn ratify(dir: &Path, a: RatifyArgs) -> Result<Output, Failure> {
    if a.id.trim().len() < 12 {
        return Err(Failure::new(format!(
            "{:?} is too short to sign for: give at least 12 hex digits of the id",
            a.id
        ))
        .hint("`hotline charter` lists the proposals with their ids"));
    }
    let (mut store, report) = open_channel(dir)?;
    let id = resolve(&store, &a.id)?;
    let target = find(&store, &id)?;
    let what = match target.entry.body() {
        Ok(Body::Amend(p)) => {
            let listed = report.amendments.iter().find(|s| s.entry == id);
            let Some(s) = listed else {
                return Err(Failure::problem(format!(
                    "amendment {} breaks a rule of the format; `hotline verify` says which",
                    id.short()
                )));
            };
            format!(
                "amendment {} by {}: charter {:?} with parties {}",
                id.short(),
                s.proposer,
                p.charter.name,
                names(&p.charter)
            )
        }
        Ok(Body::Close(c)) => format!(
            "close {} of the channel{}",
            id.short(),
            c.successor
                .map(|s| format!(", successor {s}"))
                .unwrap_or_default()
        ),
        Ok(b) => {
            return Err(Failure::new(format!(
                "entry {} is a {}, not an amendment or a close",
                id.short(),
                b.kind()
            )));
        }
        Err(e) => return Err(Failure::new(e.to_string())),
    };
    let proposal = EntryRef {
        author: target.header().author,
        seq: target.header().seq,
        id,
    };
    let (e, me) = sign(&mut store, &a.key, &Body::Ratify(Ratify { proposal }))?;
    let rid = e.id().map_err(|e| Failure::new(e.to_string()))?;
    let after = verify_store(&store, now())?;
    let in_effect = after
        .amendments
        .iter()
        .any(|s| s.entry == id && s.in_effect)
        || after
            .close
            .as_ref()
            .is_some_and(|c| c.entry == id && c.in_effect);
    Ok(Output::ok(
        format!(
            "ratifying {what}\nsigned ratify {} as {me} at seq {}{}\n",
            rid.short(),
            e.header().seq,
            if in_effect {
                "; it is in force"
            } else {
                "; it awaits other parties"
            }
        ),
        json!({ "ok": true, "id": rid, "kind": "ratify", "author": me, "seq": e.header().seq, "proposal": id, "in_effect": in_effect }),
    ))
}

fn find(store: &Store, id: &EntryId) -> Result<SignedEntry, Failure> {
    store
        .get(id)
        .map_err(store_failure)?
        .ok_or_else(|| Failure::new(format!("entry {} is not in the store", id.short())))
}

pub(super) fn close(dir: &Path, a: CloseArgs) -> Result<Output, Failure> {
    let successor = a
        .successor
        .as_deref()
        .map(|s| s.parse::<ChannelId>())
        .transpose()
        .map_err(|e| Failure::new(format!("--successor: {e}")))?;
    let (mut store, _) = open_channel(dir)?;
    if successor == Some(store.channel()) {
        return Err(Failure::new(
            "--successor names this channel; a successor is another channel",
        ));
    }
    let (e, me) = sign(
        &mut store,
        &a.key,
        &Body::Close(Close {
            successor,
            reason: a.reason,
        }),
    )?;
    let id = e.id().map_err(|e| Failure::new(e.to_string()))?;
    Ok(Output::ok(
        format!(
            "signed close {} as {me} at seq {}; the channel is closed once every other party ratifies it: `hotline ratify {}`\n",
            id.short(),
            e.header().seq,
            id.to_string().get(..12).unwrap_or_default()
        ),
        json!({ "ok": true, "id": id, "kind": "close", "author": me, "seq": e.header().seq, "successor": successor }),
    ))
}

pub(super) fn charter(dir: &Path, src: &super::args::SourceArgs) -> Result<Output, Failure> {
    // The founding charter and the verification that says which amendments are in force: of
    // the store, or of a bundle verified against trusted keys.
    let (founding, report) = match &src.bundle {
        None => {
            if !src.trust.is_empty() {
                return Err(Failure::new("--trust goes with a bundle")
                    .hint("hotline charter BUNDLE --trust A.pub --trust B.pub"));
            }
            let store = super::shared::open_to_read(dir)?;
            let report = verify_store(&store, now())?;
            (store.charter().clone(), report)
        }
        Some(path) => super::read::verified_bundle(path, &src.trust, "charter")?,
    };
    let c = report.charter_in_force(&founding);
    let mut text = format!(
        "channel {}\ncharter in force: {:?}{}\nparties: {}\n",
        report.channel,
        c.name,
        report
            .amendments
            .iter()
            .rfind(|s| s.in_effect)
            .map(|s| format!(" (amendment {} by {})", s.entry.short(), s.proposer))
            .unwrap_or_else(|| " (the founding charter)".into()),
        names(c)
    );
    for s in &c.policy.severities {
        text.push_str(&format!(
            "  severity {}: acknowledge within {} s, respond within {} s\n",
            s.name, s.ack_within, s.respond_within
        ));
    }
    if !c.witnesses.is_empty() {
        text.push_str(&format!(
            "witnesses: {} (quorum {})\n",
            c.witnesses
                .iter()
                .map(|w| w.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            c.witness_quorum
        ));
    }
    for s in &report.amendments {
        text.push_str(&format!(
            "amendment {} by {} (seq {}): {:?}, parties {}; {}\n",
            s.entry.short(),
            s.proposer,
            s.seq,
            s.name,
            s.parties.join(", "),
            if s.in_effect {
                "in force".to_owned()
            } else {
                format!("awaiting {}", s.awaiting.join(", "))
            }
        ));
    }
    if let Some(cl) = &report.close {
        text.push_str(&format!(
            "close {} by {}{}: {}\n",
            cl.entry.short(),
            cl.proposer,
            cl.successor
                .map(|s| format!(", successor {s}"))
                .unwrap_or_default(),
            if cl.in_effect {
                "in force: the channel is closed".to_owned()
            } else {
                format!("awaiting {}", cl.awaiting.join(", "))
            }
        ));
    }
    let clean = report.is_clean();
    if !clean {
        text.push_str(
            "FAILED: the verification of what is held found errors; `hotline verify` lists them\n",
        );
    }
    Ok(Output {
        code: if clean { super::OK } else { super::PROBLEM },
        text,
        json: json!({
            "ok": clean,
            "channel": report.channel,
            "name": c.name,
            "parties": c.parties,
            "policy": c.policy,
            "witnesses": c.witnesses,
            "witness_quorum": c.witness_quorum,
            "amendments": report.amendments,
            "close": report.close,
        }),
    })
}
