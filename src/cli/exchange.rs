//! The verbs that move entries between stores: `export` and `import`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::bundle;
use crate::keys::PartyId;
use crate::verify;
use serde_json::{Value, json};

use super::args::KeyArg;
use super::input::Input;
use super::keyfile::write_out;
use super::shared::{
    now, open, open_to_read, read_file, roster, signing_key, store_failure, verify_store,
};
use super::{Failure, Output, PROBLEM};

/// `hotline export`.
pub(super) fn export(
    dir: &Path,
    out: &Path,
    since: &[String],
    force: bool,
) -> Result<Output, Failure> {
    let store = open_to_read(dir)?;
    let mut map: BTreeMap<PartyId, u64> = BTreeMap::new();
    for s in since {
        let (name, n) = s.split_once('=').ok_or_else(|| {
            Failure::new(format!("--since {s:?}: expected PARTY=N")).hint("e.g. --since beta=5")
        })?;
        let party = roster(&store)?.party_named(name).ok_or_else(|| {
            Failure::new(format!(
                "--since {s:?}: {name:?} is not a party of this channel"
            ))
        })?;
        let n: u64 = n
            .parse()
            .map_err(|_| Failure::new(format!("--since {s:?}: {n:?} is not a number")))?;
        map.insert(party.key, n);
    }
    // What the export will hold, roughly (a typical entry is some 440 bytes), for the spinner.
    let estimate = usize::try_from(store.entry_count())
        .unwrap_or(usize::MAX)
        .saturating_mul(440);
    let bytes = super::progress::around("exporting the store", estimate, || store.export(&map))
        .map_err(store_failure)?;
    // The store's own export: not bounded here, but the receiver reads within its limits.
    let count = bundle::read_with(&bytes, &bundle::Limits::UNBOUNDED)
        .map(|b| b.entries.len())
        .map_err(|e| Failure::new(e.to_string()))?;
    write_out(out, &bytes, force)?;
    let mut text = format!(
        "wrote {} ({count} entries, {} bytes)\n",
        super::keyfile::out_name(out),
        bytes.len()
    );
    if bundle::check_framing(&bytes, &bundle::Limits::DEFAULT).is_err() {
        text.push_str(&format!(
            "note: this bundle is over the default limits a receiver reads within ({} bytes, {} records): it must raise {} or {}, or you send exports since a cut (--since)\n",
            bundle::DEFAULT_MAX_BUNDLE_BYTES,
            bundle::DEFAULT_MAX_RECORDS,
            super::input::MAX_BUNDLE_BYTES_VAR,
            super::input::MAX_RECORDS_VAR
        ));
    }
    Ok(Output::ok(
        text,
        json!({ "ok": true, "file": out, "entries": count, "bytes": bytes.len() }),
    ))
}

/// A finding kind's stable kebab-case name, as in JSON.
fn kind_name(kind: verify::FindingKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `hotline sync`: an export since what `peer` last signed that it held.
pub(super) fn sync(
    dir: &Path,
    out: &Path,
    peer: Option<&str>,
    force: bool,
) -> Result<Output, Failure> {
    let store = open_to_read(dir)?;
    let roster = roster(&store)?.clone();
    let me = store.identity().map(|(name, _)| name);
    let peer = match peer {
        Some(name) => roster.party_named(name).ok_or_else(|| {
            Failure::new(format!("--peer {name:?} is not a party of this channel"))
        })?,
        None => {
            let others: Vec<_> = roster
                .parties
                .iter()
                .filter(|p| me.as_deref() != Some(p.name.as_str()))
                .collect();
            match others.as_slice() {
                [one] => *one,
                _ => {
                    return Err(Failure::new("name the party to send to")
                        .hint("hotline sync --peer NAME --out FILE"));
                }
            }
        }
    };
    if me.as_deref() == Some(peer.name.as_str()) {
        return Err(Failure::new(format!(
            "--peer {}: that is this store's own party",
            peer.name
        ))
        .hint("name the party you send to"));
    }
    let head = store.head(&peer.key).map_err(store_failure)?;
    let mut since: BTreeMap<PartyId, u64> = BTreeMap::new();
    let mut held = Vec::new();
    if let Some(h) = &head {
        let e = store
            .get(&h.id)
            .map_err(store_failure)?
            .ok_or_else(|| Failure::new(format!("entry {} is not in the store", h.id)))?;
        for v in &e.header().views {
            // Only a view of the very entries held here vouches for them: a view whose root
            // differs (a fork the peer saw one branch of), or of more than is held here,
            // leaves that feed to be sent whole.
            let same = store
                .root_at(&v.party, v.size)
                .is_ok_and(|root| root == v.root);
            since.insert(v.party, if same { v.size } else { 0 });
            held.push(json!({ "party": roster.label(&v.party), "size": v.size, "matches": same }));
        }
    }
    // Its own feed it has whole, except where this store holds a second entry at one of its
    // seqs: that is evidence it may lack (a copy of its key signing elsewhere), sent from there.
    let own = store.feed_len(&peer.key).map_err(store_failure)?;
    since.insert(peer.key, own);
    for (party, seq) in store.forks().map_err(store_failure)? {
        let cut = since.entry(party).or_insert(0);
        *cut = (*cut).min(seq.0);
    }
    let bytes = store.export(&since).map_err(store_failure)?;
    let count = bundle::read_with(&bytes, &bundle::Limits::UNBOUNDED)
        .map(|b| b.entries.len())
        .map_err(|e| Failure::new(e.to_string()))?;
    write_out(out, &bytes, force)?;
    let basis = match &head {
        Some(h) => format!(
            "{}'s latest entry here, seq {} ({}), views {}",
            peer.name,
            h.seq,
            h.id.short(),
            if held.is_empty() {
                "no feed".to_owned()
            } else {
                held.iter()
                    .map(|v| format!("{} up to {}", v["party"].as_str().unwrap_or(""), v["size"]))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        None => format!("no entry of {} is held here: everything is sent", peer.name),
    };
    Ok(Output::ok(
        format!(
            "wrote {} ({count} entries, {} bytes) for {}: {basis}\n",
            super::keyfile::out_name(out),
            bytes.len(),
            peer.name
        ),
        json!({ "ok": true, "file": out, "peer": peer.name, "entries": count, "bytes": bytes.len(),
                "peer_head": head.map(|h| json!({ "seq": h.seq, "id": h.id })), "peer_held": held }),
    ))
}

/// What `hotline import` does after a clean import: `--cosign`, `--reply OUT`.
pub(super) struct Then<'a> {
    /// Cosign the latest checkpoint of every other party's feed.
    pub cosign: bool,
    /// Write what the peer lacks to this bundle, as `hotline sync --out`.
    pub reply: Option<&'a Path>,
    /// The peer of `reply`.
    pub peer: Option<&'a str>,
    /// Overwrite `reply`.
    pub force: bool,
}

/// `hotline import`, then `--cosign` and `--reply` if asked and the import found nothing
/// wrong: one command for the side that witnesses a checkpoint.
pub(super) fn import_then(
    dir: &Path,
    file: &Path,
    receipt: bool,
    key: &KeyArg,
    then: &Then<'_>,
) -> Result<Output, Failure> {
    // What would fail after the import is refused before it.
    if let Some(path) = then.reply {
        if !then.force && path.as_os_str() != "-" && path.exists() {
            return Err(Failure::new(format!(
                "--reply {}: the file exists; nothing was imported",
                path.display()
            ))
            .hint("pass --force to overwrite it, or choose another --reply file"));
        }
        if then.peer.is_none() {
            let store = open_to_read(dir)?;
            if roster(&store)?.parties.len() > 2 {
                return Err(Failure::new(
                    "--reply: this channel has more than one other party; nothing was imported",
                )
                .hint("name the one to reply to with --peer NAME"));
            }
        }
    }
    let mut out = import(dir, file, receipt, key)?;
    if !then.cosign && then.reply.is_none() {
        return Ok(out);
    }
    if out.code != super::OK {
        out.text
            .push_str("nothing cosigned or replied: the import found a problem (see above)\n");
        return Ok(out);
    }
    if then.cosign {
        let c = match super::witness::cosign(dir, key) {
            Ok(c) => c,
            Err(f) => return Ok(failed_after(out, "nothing cosigned or replied", f)),
        };
        for line in c.text.lines() {
            // Its advice to export is what --reply does.
            if !(then.reply.is_some() && line.starts_with("Next:")) {
                out.text.push_str(line);
                out.text.push('\n');
            }
        }
        out.set("cosign", c.json);
        out.code = out.code.max(c.code);
        if c.code != super::OK && then.reply.is_some() {
            // A reply is asked for to carry cosignatures; one was refused, so say that first.
            out.text.push_str(
                "no reply written: a cosignature was refused (see above); `hotline sync --out FILE` writes one anyway\n",
            );
            out.set("ok", Value::Bool(false));
            return Ok(out);
        }
    }
    if let Some(path) = then.reply {
        let r = match sync(dir, path, then.peer, then.force) {
            Ok(r) => r,
            Err(f) => return Ok(failed_after(out, "no reply written", f)),
        };
        out.text.push_str(&r.text);
        out.set("reply", r.json);
        out.code = out.code.max(r.code);
    }
    let clean = out.code == super::OK;
    out.set("ok", Value::Bool(clean));
    Ok(out)
}

/// What was done (`done`) and then the failure of what followed, which it does not undo.
pub(super) fn failed_after(mut done: Output, what: &str, f: Failure) -> Output {
    done.text
        .push_str(&format!("{what}: error: {}\n", f.message));
    if let Some(h) = &f.hint {
        done.text.push_str(&format!("hint: {h}\n"));
    }
    done.set("ok", Value::Bool(false));
    done.set("error", Value::String(f.message));
    done.set("hint", f.hint.map_or(Value::Null, Value::String));
    done.code = f.code.max(PROBLEM);
    done
}

/// `hotline import`.
pub(super) fn import(
    dir: &Path,
    file: &Path,
    receipt: bool,
    key: &KeyArg,
) -> Result<Output, Failure> {
    // The file is read and framed before the store is opened: a bad one leaves it untouched.
    let limits = super::input::bundle_limits()?;
    let bytes = read_file(file, Input::bundle(&limits))?;
    bundle::check_framing(&bytes, &limits).map_err(|e| {
        super::input::bundle_failure(
            file,
            &e,
            "the bundle is damaged or not a hotline bundle; nothing of it was imported",
        )
    })?;
    let mut store = open(dir)?;
    let charter = store.charter().clone();
    let keys = super::witness::import_keys(&store, &bytes)?;
    let r = super::progress::around("verifying and importing the bundle", bytes.len(), || {
        store.import_within(&bytes, &limits, Some(now()), |note| {
            super::witness::note_meta_with(&charter, &keys, note)
        })
    })
    .map_err(|e| super::quarantine::refused(&store, store_failure(e)))?;
    let mut text = format!(
        "imported {} new entries from {} ({} already held)\n",
        r.new_entries,
        file.display(),
        r.already_held
    );
    let charter = roster(&store)?.clone();
    for f in &r.forks {
        text.push_str(&format!(
            "FORK: {} signed two different entries at seq {}; both kept as evidence (see `hotline verify`)\n",
            charter.label(&f.author),
            f.seq
        ));
    }
    if r.not_kept > 0 {
        text.push_str(&format!(
            "FORK: {} more entries at seqs that already have two were counted, not kept: two prove a fork\n",
            r.not_kept
        ));
    }
    // A checkpoint that contradicts one already held, or the entries held, was kept as
    // evidence: say so now. Only a store that holds checkpoints can hold a split view, and
    // only an import that brought something can add one.
    let report = if (r.new_entries > 0 || r.new_notes > 0)
        && !store.all_notes().map_err(store_failure)?.is_empty()
    {
        Some(verify_store(&store, now())?)
    } else {
        None
    };
    let splits: Vec<&verify::Finding> = report
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.kind == verify::FindingKind::SplitView)
        .collect();
    for f in &splits {
        text.push_str(&format!(
            "SPLIT VIEW: {} (both kept as evidence)\n",
            f.message
        ));
    }
    if r.new_notes > 0 {
        text.push_str(&format!("imported {} checkpoint note(s)\n", r.new_notes));
    }
    for f in &r.evidence {
        text.push_str(&format!(
            "EVIDENCE: {} [{}] (kept; see `hotline verify`)\n",
            f.message,
            kind_name(f.kind)
        ));
    }
    for f in &r.warnings {
        text.push_str(&format!("warning: {} [{}]\n", f.message, kind_name(f.kind)));
    }
    if let Some((party, seq, _)) = r.not_signed_here.first() {
        let seqs: Vec<String> = r
            .not_signed_here
            .iter()
            .map(|(_, s, id)| format!("seq {s} ({})", id.short()))
            .collect();
        text.push_str(&format!(
            "NOT SIGNED HERE: the bundle holds entries of {}'s feed that this store did not sign, left out: {}\n  If you signed them from an older copy of this store, rebuild it with `hotline recover`.\n  If you did not, someone holds a copy of your key: revoke it now with `hotline revoke --from {seq}`.\n",
            charter.label(party),
            seqs.join(", ")
        ));
    }
    // A receipt: signed proof, for the sender, that this store holds what it imported.
    let mut receipt_json = Value::Null;
    if receipt && !r.new_ids.is_empty() {
        match signing_key(&store, key) {
            Ok(sk) => {
                if let Some(e) = store.sign_receipt(&sk, &r, now()).map_err(store_failure)? {
                    let id = e.id().map_err(|e| Failure::new(e.to_string()))?;
                    text.push_str(&format!(
                        "signed receipt {} (seq {}): export it so the sender holds your proof of possession\n",
                        id.short(),
                        e.header().seq
                    ));
                    receipt_json =
                        json!({ "id": id, "seq": e.header().seq, "views": e.header().views });
                }
            }
            Err(f) => {
                text.push_str(&format!(
                    "no receipt signed: {} (pass --key, or --no-receipt)\n",
                    f.message
                ));
            }
        }
    }
    let ok = r.forks.is_empty()
        && splits.is_empty()
        && r.evidence.is_empty()
        && r.not_signed_here.is_empty()
        && r.not_kept == 0;
    let not_signed_here: Vec<Value> = r
        .not_signed_here
        .iter()
        .map(|(p, s, id)| json!({ "author": charter.label(p), "seq": s, "id": id }))
        .collect();
    Ok(Output {
        text,
        json: json!({
            "ok": ok,
            "new_entries": r.new_entries,
            "already_held": r.already_held,
            "new_notes": r.new_notes,
            "forks": r.forks,
            "split_views": splits,
            "evidence": r.evidence,
            "warnings": r.warnings,
            "not_signed_here": not_signed_here,
            "not_kept": r.not_kept,
            "receipt": receipt_json,
        }),
        code: if ok { 0 } else { PROBLEM },
    })
}
