//! `checkpoint`, `cosign`, `prove`, `verify-proof` and `parties`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::SignedEntry;
use crate::charter::Charter;
use crate::entry::Timestamp;
use crate::keys::PartyId;
use crate::proof::{self, OfflineProof};
use crate::store::{NoteMeta, NoteSignature, Store};
use crate::witness::{self, CheckedNote, Held, KeyHistories, KeyHistory};
use serde_json::json;

use super::args::KeyArg;
use super::input::Input;
use super::keyfile::write_out;
use super::render::time;
use super::shared::{load_pub, now, open, read_file, resolve, signing_key, store_failure};
use super::{Failure, OK, Output, PROBLEM};

pub(super) fn witness_failure(e: witness::WitnessError) -> Failure {
    let hint = match &e {
        witness::WitnessError::NotHeld { .. } => {
            Some("import the party's latest bundle, then cosign again")
        }
        witness::WitnessError::Inconsistent { .. } => Some(
            "do not trust this feed's owner until this is explained; `hotline verify` keeps both views as evidence",
        ),
        _ => None,
    };
    let f = Failure::new(e.to_string());
    match hint {
        Some(h) => f.hint(h),
        None => f,
    }
}

/// The metadata of a checkpoint note signed by any key of its owner's history in `keys`.
pub fn note_meta_with(
    charter: &Charter,
    keys: &KeyHistories,
    note: &[u8],
) -> Result<NoteMeta, String> {
    let c = witness::check_note_keys(charter, note, keys).map_err(|e| e.to_string())?;
    Ok(NoteMeta::from(&c))
}

/// What an import into `store` knows of every party's keys: the rotations and revocations
/// the store holds and those among the bundle's entries (whose signatures the walk checks;
/// the import verifies everything else).
pub(super) fn import_keys(store: &Store, bundle_bytes: &[u8]) -> Result<KeyHistories, Failure> {
    let mut moves = store.key_moves().map_err(store_failure)?;
    // The caller read the bytes within its limits.
    if let Ok(b) = crate::bundle::read_with(bundle_bytes, &crate::bundle::Limits::UNBOUNDED) {
        moves.extend(bundle_moves(&b));
    }
    Ok(witness::key_histories(store.charter(), &moves))
}

/// A bundle's entries that decode (the walk picks the rotations and revocations).
pub(super) fn bundle_moves(b: &crate::bundle::Bundle) -> Vec<SignedEntry> {
    b.entries
        .iter()
        .filter_map(|e| SignedEntry::decode(e).ok())
        .collect()
}

/// Every note held for `party`'s feed that checks — signed by the key in force for its size
/// as this store holds the feed (docs/FORMAT.md §9) — with its bytes.
pub(super) fn checked_notes(
    store: &Store,
    party: &PartyId,
) -> Result<Vec<(CheckedNote, Vec<u8>)>, Failure> {
    let charter = store.charter();
    let Some(p) = charter.party(party) else {
        return Ok(Vec::new());
    };
    let keys = store.key_histories().map_err(store_failure)?;
    let history = keys
        .get(party)
        .cloned()
        .unwrap_or_else(|| KeyHistory::inception(*party));
    let origin = witness::origin(charter, p).map_err(witness_failure)?;
    let notes = store.notes(&origin).map_err(store_failure)?;
    let mut out = Vec::new();
    for n in notes {
        let Ok(c) = witness::check_note_keys(charter, &n.note, &keys) else {
            continue;
        };
        let size = c.checkpoint.size();
        let held_root = if size <= history.held {
            Some(store.root_at(party, size).map_err(store_failure)?)
        } else {
            None
        };
        if witness::check_signer(&c, &history, held_root.as_ref()).is_ok() {
            out.push((c, n.note));
        }
    }
    Ok(out)
}

/// The party `sk` signs checkpoints and cosignatures for: the one whose key in force it is.
fn checkpoint_signer(store: &Store, sk: &crate::keys::SecretKey) -> Result<PartyId, Failure> {
    store.checkpoint_signer(sk).map_err(|e| {
        store_failure(e).hint(
            "sign with the key in force (after `hotline rotate`, the NAME.key it left in place)",
        )
    })
}

pub fn checkpoint(dir: &Path, key: &KeyArg) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let sk = signing_key(&store, key)?;
    let charter = store.charter().clone();
    let party = checkpoint_signer(&store, &sk)?;
    let me = charter.party(&party).ok_or_else(|| {
        Failure::new("the key is not a party of this channel")
            .hint("use the key of a party listed in the channel's charter")
    })?;
    // A checkpoint of a feed that is longer elsewhere would contradict one signed before.
    store.may_sign(&party).map_err(store_failure)?;
    let size = store.tree_size(&party).map_err(store_failure)?;
    let root = store.root_at(&party, size).map_err(store_failure)?;
    // The key in force at the end of the feed is the one in force for its whole size.
    let note =
        witness::sign_checkpoint_for(&charter, &party, &sk, size, root).map_err(witness_failure)?;
    let origin = witness::origin(&charter, me).map_err(witness_failure)?;
    let meta = NoteMeta {
        origin: origin.clone(),
        size,
        root,
        signatures: vec![NoteSignature::Owner(sk.party())],
    };
    let keys = store.key_histories().map_err(store_failure)?;
    store
        .add_own_checkpoint(&party, meta, note.clone(), |held: &[u8]| {
            note_meta_with(&charter, &keys, held).ok()
        })
        .map_err(store_failure)?;
    let vkey = witness::log_verifier_for(&charter, me, &sk.party()).map_err(witness_failure)?;
    let text = String::from_utf8_lossy(&note).into_owned();
    Ok(Output::ok(
        format!(
            "signed a checkpoint of {}'s feed at size {size}:\n\n{text}\nverifier key: {vkey}\nNext: export it to the other parties so they can cosign it (`hotline cosign`).\n",
            me.name
        ),
        json!({ "ok": true, "origin": origin, "size": size, "root": hex::encode(root), "note": text, "verifier_key": vkey.to_string() }),
    ))
}

pub fn cosign(dir: &Path, key: &KeyArg) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let sk = signing_key(&store, key)?;
    let charter = store.charter().clone();
    let me = checkpoint_signer(&store, &sk)?;
    let keys = store.key_histories().map_err(store_failure)?;
    let signing = witness::Signing {
        party: me,
        key: &sk,
        keys: &keys,
    };
    let mut text = String::new();
    let mut done = Vec::new();
    let mut refused = Vec::new();
    for p in charter.parties.iter().filter(|p| p.key != me) {
        let notes = checked_notes(&store, &p.key)?;
        let Some((latest, bytes)) = notes.iter().max_by_key(|(c, _)| c.checkpoint.size()) else {
            let _ = writeln!(text, "{}: no checkpoint of its feed is held yet", p.name);
            continue;
        };
        let last_cosigned = notes
            .iter()
            .filter(|(c, _)| c.cosignatures.iter().any(|s| s.key == me))
            .map(|(c, _)| c.checkpoint.size())
            .max();
        if last_cosigned == Some(latest.checkpoint.size()) {
            let _ = writeln!(
                text,
                "{}: already cosigned its checkpoint at size {}",
                p.name,
                latest.checkpoint.size()
            );
            continue;
        }
        let tree = store.tree_size(&p.key).map_err(store_failure)?;
        let size = latest.checkpoint.size();
        let root_at_checkpoint = if size <= tree {
            Some(store.root_at(&p.key, size).map_err(store_failure)?)
        } else {
            None
        };
        let held = move |_: &CheckedNote| Held {
            size: tree,
            root_at_checkpoint,
            last_cosigned,
        };
        match witness::cosign_for(&charter, &signing, bytes, &held, now()) {
            Ok(note) => {
                let meta = note_meta_with(&charter, &keys, &note).map_err(Failure::new)?;
                store
                    .add_notes_with(&[(meta, note)], |held: &[u8]| {
                        note_meta_with(&charter, &keys, held).ok()
                    })
                    .map_err(store_failure)?;
                let _ = writeln!(
                    text,
                    "{}: cosigned its checkpoint at size {size} (root {})",
                    p.name,
                    &hex::encode(latest.checkpoint.root())[..12]
                );
                done.push(json!({ "party": p.name, "size": size }));
            }
            Err(e) => {
                let _ = writeln!(text, "{}: REFUSED: {e}", p.name);
                refused.push(json!({ "party": p.name, "size": size, "reason": e.to_string() }));
            }
        }
    }
    let ok = refused.is_empty();
    if !done.is_empty() {
        text.push_str("Next: export the cosigned checkpoints back to their owners.\n");
    }
    Ok(Output {
        text,
        json: json!({ "ok": ok, "cosigned": done, "refused": refused }),
        code: if ok { OK } else { PROBLEM },
    })
}

pub fn prove(
    dir: &Path,
    id: &str,
    out: &Path,
    import: &[PathBuf],
    force: bool,
) -> Result<Output, Failure> {
    if import.is_empty() {
        return prove_held(dir, id, out, force);
    }
    // Refused before anything is imported, not after.
    if !force && out.as_os_str() != "-" && out.exists() {
        return Err(
            Failure::new(format!("{} exists; nothing was imported", out.display()))
                .hint("pass --force to overwrite it, or choose another --out"),
        );
    }
    // Each bundle in turn, as `hotline import` (with a receipt) imports it: the answers of
    // each other party.
    let key = KeyArg { key: None };
    let mut done = Output::ok(String::new(), json!({}));
    let mut imported = Vec::new();
    for bundle in import {
        let i = match super::exchange::import(dir, bundle, true, &key) {
            Ok(i) => i,
            Err(f) if imported.is_empty() => return Err(f),
            Err(f) => return Ok(super::exchange::failed_after(done, "no proof written", f)),
        };
        done.text.push_str(&i.text);
        imported.push(i.json);
        done.set("imported", serde_json::Value::Array(imported.clone()));
        if i.code != OK {
            done.text
                .push_str("no proof written: the import found a problem (see above)\n");
            done.set("ok", json!(false));
            done.code = i.code;
            return Ok(done);
        }
    }
    let mut p = match prove_held(dir, id, out, force) {
        Ok(p) => p,
        Err(f) => {
            return Ok(super::exchange::failed_after(
                done,
                "imported, no proof written",
                f,
            ));
        }
    };
    p.text = done.text + &p.text;
    p.set("imported", serde_json::Value::Array(imported));
    Ok(p)
}

/// `word` as one shell word: as it is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-+=:,@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `hotline prove` from what the store holds.
fn prove_held(dir: &Path, id: &str, out: &Path, force: bool) -> Result<Output, Failure> {
    let store = super::shared::open_to_read(dir)?;
    let id = resolve(&store, id)?;
    let entry = store
        .get(&id)
        .map_err(store_failure)?
        .ok_or_else(|| Failure::new(format!("entry {id} is not in the store")))?;
    let author = entry.header().author;
    let seq = entry.header().seq.0;
    let name = store.charter().label(&author);
    let tree = store.tree_size(&author).map_err(store_failure)?;
    // `verify-proof` requires a cosignature by every party other than the author: a proof
    // without one is never written, as nobody could accept it.
    let others: Vec<(PartyId, String)> = super::shared::roster(&store)?
        .parties
        .iter()
        .filter(|p| p.key != author)
        .map(|p| (p.key, p.name.clone()))
        .collect();
    let lacking = |c: &CheckedNote| -> Vec<String> {
        others
            .iter()
            .filter(|(k, _)| {
                !c.cosignatures
                    .iter()
                    .any(|s| s.key == *k && s.cosigner == witness::CosignerKind::Party)
            })
            .map(|(_, n)| n.clone())
            .collect()
    };
    // Checkpoints that cover the entry and match the entries held: one every other party
    // cosigned, then the most cosigned, then the earliest, so the proof shows the earliest
    // witnessed time.
    let mut best: Option<(CheckedNote, Vec<u8>)> = None;
    let notes = checked_notes(&store, &author)?;
    let keys = store.key_histories().map_err(store_failure)?;
    for (c, bytes) in &notes {
        let size = c.checkpoint.size();
        if size <= seq || size > tree {
            continue;
        }
        if store.root_at(&author, size).map_err(store_failure)? != *c.checkpoint.root() {
            continue;
        }
        let same: Vec<&[u8]> = notes
            .iter()
            .filter(|(o, _)| o.checkpoint == c.checkpoint)
            .map(|(_, b)| b.as_slice())
            .collect();
        let merged = witness::merge(&same)
            .map_err(witness_failure)?
            .unwrap_or_else(|| bytes.clone());
        let checked =
            witness::check_note_keys(store.charter(), &merged, &keys).map_err(witness_failure)?;
        let better = match &best {
            None => true,
            Some((b, _)) => {
                let rank = |c: &CheckedNote| {
                    (
                        lacking(c).is_empty(),
                        c.cosignatures.len(),
                        std::cmp::Reverse(c.checkpoint.size()),
                    )
                };
                rank(&checked) > rank(b)
            }
        };
        if better {
            best = Some((checked, merged));
        }
    }
    let covered = best.is_some();
    let missing = best.as_ref().map_or_else(
        || others.iter().map(|(_, n)| n.clone()).collect(),
        |(c, _)| lacking(c),
    );
    let Some((checked, note)) = best.filter(|_| missing.is_empty()) else {
        let mine = store.identity().is_some_and(|(me, _)| me == name);
        if !mine {
            let held = if covered {
                format!(
                    " with every other party's cosignature (the best held lacks {}'s)",
                    missing.join(", ")
                )
            } else {
                String::new()
            };
            return Err(Failure::new(format!(
                "no checkpoint of {name}'s feed held here covers seq {seq}{held}"
            ))
            .hint(format!(
                "{name} signs a checkpoint (its own `hotline prove` of the entry does, and writes the bundle for the others); each other party runs `hotline import BUNDLE --cosign --reply back.bundle` and sends back.bundle back"
            )));
        }
        // The entry is this store's own: do this side's part now, a checkpoint covering it
        // and a bundle that carries it to the others, and say what remains.
        drop(store);
        let key = KeyArg { key: None };
        let signed = checkpoint(dir, &key)?;
        let base = if out.as_os_str() == "-" {
            Path::new("proof").to_path_buf()
        } else {
            out.to_path_buf()
        };
        let request = base.with_extension("cosign.bundle");
        // The checkpoint's first line (what was signed); its own "Next:" is said below.
        let first = signed.text.lines().next().unwrap_or_default();
        let mut text = first.trim_end_matches(':').to_owned() + "\n";
        let mut sent = Vec::new();
        let store = super::shared::open_to_read(dir)?;
        let others: Vec<String> = super::shared::roster(&store)?
            .parties
            .iter()
            .filter(|p| p.name != name)
            .map(|p| p.name.clone())
            .collect();
        drop(store);
        for peer in &others {
            let path = if others.len() == 1 {
                request.clone()
            } else {
                base.with_extension(format!("{peer}.cosign.bundle"))
            };
            // The request is prove's own file: asked again, it is written afresh with what
            // the peer lacks now.
            super::exchange::sync(dir, &path, Some(peer), true)?;
            sent.push((peer.clone(), path));
        }
        // Each other party answers with its own reply; with more than one, each names the
        // owner as the peer to reply to, and the replies have their own names.
        let several = sent.len() > 1;
        let reply_for = |peer: &str| {
            if several {
                format!("back.{peer}.bundle")
            } else {
                "back.bundle".to_owned()
            }
        };
        let steps: Vec<String> = sent
            .iter()
            .map(|(peer, path)| {
                let reply = shell_word(&reply_for(peer));
                let to = if several {
                    format!(" --peer {}", shell_word(&name))
                } else {
                    String::new()
                };
                format!(
                    "send {} to {peer}, who runs `hotline import {} --cosign --reply {reply}{to}` and sends {reply} back",
                    path.display(),
                    shell_word(&path.file_name().unwrap_or_default().to_string_lossy())
                )
            })
            .collect();
        // The store named as it was given, unless it is the default.
        let store_arg = if dir == Path::new(".hotline") {
            String::new()
        } else {
            format!("--store {} ", shell_word(&dir.display().to_string()))
        };
        let imports: String = sent
            .iter()
            .map(|(peer, _)| format!(" --import {}", shell_word(&reply_for(peer))))
            .collect();
        text.push_str(&format!(
            "no checkpoint covering seq {seq} is cosigned by {} yet: this store signed one now. {}; then run `hotline {store_arg}prove {} --out {}{imports}{}` here\n",
            missing.join(", "),
            steps.join("; "),
            id.short(),
            shell_word(&out.display().to_string()),
            if force { " --force" } else { "" }
        ));
        // Not written yet: exit 1, with what was done and what remains.
        return Ok(Output {
            text,
            json: json!({
                "ok": false,
                "written": false,
                "checkpoint": signed.json,
                "requests": sent
                    .iter()
                    .map(|(peer, path)| json!({ "party": peer, "file": path }))
                    .collect::<Vec<_>>(),
            }),
            code: super::PROBLEM,
        });
    };
    let size = checked.checkpoint.size();
    let ip = store
        .inclusion_proof(&id, Some(size))
        .map_err(store_failure)?;
    let proof = OfflineProof {
        entry: ip.entry,
        index: seq,
        path: ip.path,
        note,
    };
    let bytes = proof.encode();
    write_out(out, &bytes, force)?;
    let cosigned: Vec<String> = checked
        .cosignatures
        .iter()
        .map(|c| format!("{} at {}", c.party, time(c.time)))
        .collect();
    Ok(Output::ok(
        format!(
            "wrote {} ({} bytes): {name}'s seq {seq} in its checkpoint at size {size}, cosigned by {}\n",
            super::keyfile::out_name(out),
            bytes.len(),
            if cosigned.is_empty() {
                "nobody yet".into()
            } else {
                cosigned.join(", ")
            }
        ),
        json!({ "ok": true, "file": out, "bytes": bytes.len(), "entry": id, "checkpoint_size": size, "inclusion_proof_bytes": proof.path.len() * 32, "cosignatures": checked.cosignatures }),
    ))
}

pub fn verify_proof(file: &Path, trust: &[PathBuf]) -> Result<Output, Failure> {
    let trusted = trust
        .iter()
        .map(|p| load_pub(p))
        .collect::<Result<Vec<_>, _>>()?;
    let bytes = read_file(file, Input::PROOF)?;
    let parsed = OfflineProof::parse(&bytes);
    let result = parsed
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|p| proof::verify_offline(p, &trusted));
    match result {
        Ok(p) => {
            let mut text = format!(
                "OK: entry {} ({}) is {}'s seq {} in the checkpoint {} at size {}\n  claimed time {} (the author's claim)\n",
                p.entry.short(),
                p.kind.as_deref().unwrap_or("unknown kind"),
                p.author,
                p.seq,
                p.origin,
                p.checkpoint_size,
                time(p.claimed_time)
            );
            for c in &p.cosignatures {
                let _ = writeln!(
                    text,
                    "  in the feed no later than {} (cosigned by {})",
                    time(c.time),
                    c.party
                );
            }
            // What was proven: the entry's signed content, every field of it.
            let body = parsed
                .ok()
                .and_then(|o| crate::SignedEntry::decode(&o.entry).ok())
                .and_then(|e| e.entry.body().ok());
            text.push_str("what the entry says:\n");
            if let Some(crate::Body::Notice(n)) = &body {
                let _ = writeln!(text, "  summary   {}", super::render::line(&n.summary));
            }
            let mut fields = String::new();
            let body_json = super::render::body_fields(&mut fields, body.as_ref());
            for l in fields.lines() {
                let _ = writeln!(text, "  {l}");
            }
            let mut json = serde_json::to_value(&p).unwrap_or_default();
            if let Some(o) = json.as_object_mut() {
                o.insert("ok".into(), json!(true));
                o.insert("body".into(), body_json);
            }
            Ok(Output::ok(text, json))
        }
        Err(e) => {
            let mut f = Failure::new(format!("{}: {e}", file.display()))
                .hint("the proof does not hold for the keys given; nothing in it can be trusted");
            f.code = PROBLEM;
            Err(f)
        }
    }
}

pub fn parties(dir: &Path) -> Result<Output, Failure> {
    let store = super::shared::open_to_read(dir)?;
    // The founding charter names the checkpoints' origins (its id is the channel's); the
    // charter in force says who the parties and witnesses are now.
    let charter = store.charter();
    let in_force = store.charter_in_force().map_err(store_failure)?;
    let mut text = format!("channel {:?} ({})\n", in_force.name, store.channel());
    let mut rows = Vec::new();
    for p in &in_force.parties {
        // The verifier keys of the key in force at the end of the feed as held: what the
        // party's next checkpoint and cosignature are signed with (docs/FORMAT.md §9).
        let current = store.key_state(&p.key).map_err(store_failure)?.current;
        let log = witness::log_verifier_for(charter, p, &current).map_err(witness_failure)?;
        let co = witness::cosigner_verifier(&current).map_err(witness_failure)?;
        let _ = writeln!(
            text,
            "{} ({}, {})\n  key          {}\n  checkpoints  {log}\n  cosignatures {co}",
            p.name,
            p.role,
            p.key.fingerprint(),
            p.key
        );
        let mut row = json!({ "name": p.name, "role": p.role, "key": p.key, "checkpoint_verifier_key": log.to_string(), "cosigner_verifier_key": co.to_string() });
        if current != p.key {
            let _ = writeln!(
                text,
                "  key in force {} (rotated from the charter's key; the verifier keys above are the current ones, earlier checkpoints and cosignatures verify under the earlier keys)",
                current
            );
            if let Some(o) = row.as_object_mut() {
                o.insert("key_in_force".into(), json!(current));
            }
        }
        rows.push(row);
    }
    let mut witnesses = Vec::new();
    for w in &in_force.witnesses {
        let v = witness::witness_verifier(w).map_err(witness_failure)?;
        let _ = writeln!(
            text,
            "witness {} ({}, {})\n  cosignatures {v}",
            w.name,
            w.role,
            w.key.fingerprint()
        );
        witnesses.push(json!({ "name": w.name, "role": w.role, "key": w.key, "cosigner_verifier_key": v.to_string() }));
    }
    if !in_force.witnesses.is_empty() {
        let _ = writeln!(
            text,
            "a checkpoint is witnessed when {} of the {} witnesses cosign it",
            in_force.witness_quorum,
            in_force.witnesses.len()
        );
    }
    Ok(Output::ok(
        text,
        json!({
            "ok": true, "channel": store.channel(), "parties": rows,
            "witnesses": witnesses, "witness_quorum": in_force.witness_quorum,
        }),
    ))
}

/// Time helper kept here so the renderers need not know about cosignatures.
pub fn witnessed_line(by: &str, t: Timestamp, size: u64) -> String {
    format!(
        "in the author's feed no later than {} ({by}'s cosignature of the checkpoint at size {size})",
        time(t)
    )
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_are_quoted_only_when_they_need_it() {
        assert_eq!(shell_word("alpha.store"), "alpha.store");
        assert_eq!(shell_word("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("$(x)"), "'$(x)'");
        assert_eq!(shell_word(""), "''");
    }
}
