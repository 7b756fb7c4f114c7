//! `hotline recover`, the high-water mark beside the key, and what the CLI says when a store
//! may not sign because its own feed is longer elsewhere.
//!
//! Trust: the bundle must hold the key's own seq-0 entry, its charter entry (the founder) or
//! its acceptance of this charter's id (anyone else). Only that key could have signed it, and
//! the import verifies the signature with the rest, so the charter is one this party accepted
//! before: that is what vouches for it. `--trust` keys, if given, are checked as `join` checks
//! them (the founder's among them, each matching the party of its name).

use std::path::{Path, PathBuf};

use crate::bundle::Bundle;
use crate::entry::{Body, SignedEntry};
use crate::keys::PartyId;
use crate::store::{RecoveredFeed, Recovery, Store, StoreError};
use serde_json::{Value, json};

use super::shared::{RECOVER_HINT, absolute, marks_dir, now, store_failure};
use super::{Failure, Output, PROBLEM};

/// `hotline repair`'s failures: a journal it cannot rebuild is not mended by running it again.
pub(super) fn repair_failure(e: StoreError) -> Failure {
    match e {
        e @ StoreError::JournalCorrupt { .. } => Failure::new(e.to_string()).hint(format!(
            "repair left the journal as it was. Put back a copy of the journal from a backup, or rebuild the store from a counterparty's full export: `{RECOVER_HINT}`"
        )),
        other => store_failure(other),
    }
}

/// The key's own seq-0 entry in the bundle, of this charter: the founder's charter entry, or
/// an acceptance of the charter's id.
fn check_vouched_by_me(b: &Bundle, me: &PartyId, my_name: &str) -> Result<(), Failure> {
    let channel = b
        .charter
        .id()
        .map_err(|e| Failure::problem(e.to_string()))?;
    let mine = b.entries.iter().any(|bytes| {
        SignedEntry::decode(bytes).is_ok_and(|e| {
            let h = e.header();
            h.author == *me
                && h.seq.0 == 0
                && h.channel == channel
                && match e.entry.body() {
                    Ok(Body::Charter(c)) => c == b.charter,
                    Ok(Body::Acceptance(a)) => a.charter == channel,
                    _ => false,
                }
        })
    });
    if mine {
        return Ok(());
    }
    Err(Failure::problem(format!(
        "the bundle holds no seq-0 entry signed by {my_name} (its charter or acceptance entry): it does not carry {my_name}'s own feed"
    ))
    .hint("ask a counterparty for a full export of its store (`hotline export --out F`, without --since)"))
}

fn feed_json(f: &RecoveredFeed) -> Value {
    json!({
        "party": f.name, "size": f.size,
        "head": f.head.as_ref().map(|h| json!({ "seq": h.seq, "id": h.id })),
    })
}

fn feed_line(f: &RecoveredFeed) -> String {
    match &f.head {
        Some(h) => format!(
            "{}: {} entries, head seq {} entry {}",
            f.name,
            f.size,
            h.seq,
            h.id.short()
        ),
        None => format!("{}: no entries", f.name),
    }
}

/// `hotline recover --from BUNDLE --key K [--trust P.pub …] [--replace]`.
pub fn recover(
    dir: &Path,
    bundle_path: &Path,
    key_path: &Path,
    trust: &[PathBuf],
    replace: bool,
) -> Result<Output, Failure> {
    let super::join::Inputs {
        key,
        trusted,
        bytes,
        bundle: b,
    } = super::join::inputs(
        key_path,
        trust,
        bundle_path,
        "the bundle is damaged or not a hotline bundle; ask the counterparty for a fresh export",
    )?;
    let me = key.party();
    let Some(my_name) = b.charter.party(&me).map(|p| p.name.clone()) else {
        return Err(Failure::new(format!(
            "the key in {} ({}, fingerprint {}) is not a party of channel {:?}",
            key_path.display(),
            key.name(),
            me.fingerprint(),
            b.charter.name
        ))
        .hint("recover with the key of the party whose store was lost"));
    };
    if !trusted.is_empty() {
        let founder = super::join::founder_of(&b.charter)?;
        super::join::check_trust(&b.charter, founder, &trusted)?;
    }
    check_vouched_by_me(&b, &me, &my_name)?;

    let how = Recovery {
        party: me,
        marks_in: Some(marks_dir(key_path)),
        replace,
        now: Some(now()),
        limits: super::input::bundle_limits()?,
    };
    let charter = b.charter.clone();
    let keys = crate::witness::key_histories(&charter, &super::witness::bundle_moves(&b));
    let recovered = Store::recover(dir, &b.charter, &bytes, &how, |note| {
        super::witness::note_meta_with(&charter, &keys, note)
    });
    let (mut store, r) = recovered.map_err(|e| match e {
        StoreError::AlreadyExists { .. } => store_failure(e).hint(
            "recover makes a new store; --replace moves the store there aside (to DIR.replaced-N, nothing is deleted) and recovers into DIR, or use another --store",
        ),
        StoreError::BehindMark { .. } | StoreError::BehindElsewhere { .. } => {
            Failure::new(format!("nothing was written: the bundle is older than your own signatures: {e}"))
                .hint("ask a counterparty for a fresh full export (`hotline export --out F` in its store) and recover from it")
        }
        other => store_failure(other),
    })?;
    store
        .set_identity(&my_name, &absolute(key_path))
        .map_err(store_failure)?;

    let mut text = format!(
        "recovered channel {:?} into {} as {my_name}: {} entries and {} notes verified and imported\nyour feed: {}\n",
        b.charter.name,
        dir.display(),
        r.import.new_entries,
        r.import.new_notes,
        feed_line(&r.own)
    );
    for f in &r.others {
        text.push_str(&format!("other feed: {}\n", feed_line(f)));
    }
    if let Some(p) = &r.replaced {
        text.push_str(&format!(
            "the store that was there is kept in {}\n",
            p.display()
        ));
    }
    let next = r.own.head.as_ref().map_or(0, |h| h.seq.0.saturating_add(1));
    text.push_str(&format!("Next: your next entry is seq {next}.\n"));
    Ok(Output::ok(
        text,
        json!({
            "ok": true, "recovered": true, "store": dir, "channel": store.channel(),
            "party": my_name, "own": feed_json(&r.own),
            "others": r.others.iter().map(feed_json).collect::<Vec<_>>(),
            "entries": r.import.new_entries, "notes": r.import.new_notes,
            "replaced": r.replaced,
        }),
    ))
}

/// `hotline repair`: rebuild a damaged journal and the index, and say what was recovered
/// and what was lost.
pub(super) fn repair(dir: &Path) -> Result<Output, Failure> {
    let r = Store::repair(dir).map_err(repair_failure)?;
    let mut text = format!(
        "repaired {}: {} entries indexed; {} entries and {} notes recovered from the index's copies; {} records lost; {} torn bytes cut\n",
        dir.display(),
        r.entries_indexed,
        r.entries_recovered,
        r.notes_recovered,
        r.records_lost,
        r.torn_bytes_cut
    );
    if let Some(p) = &r.damaged_kept_in {
        text.push_str(&format!("the damaged bytes are kept in {}\n", p.display()));
    }
    if let Some(why) = &r.index_not_used {
        text.push_str(&format!("the old index was not used: {why}\n"));
    }
    if let Some(id) = &r.charter_rebuilt_from {
        text.push_str(&format!(
            "the charter record was damaged: rebuilt from the founder's charter entry {}\n",
            id.short()
        ));
    }
    if let Some(p) = &r.config_kept_in {
        text.push_str(&format!(
            "the damaged configuration was set aside in {}; {}\n",
            p.display(),
            if r.identity_kept {
                "its party and key file were kept"
            } else {
                "pass --key again"
            }
        ));
        let marks: Vec<String> = r
            .marks_rebuilt
            .iter()
            .map(|(name, seq)| format!("{name} up to seq {seq}"))
            .collect();
        if !marks.is_empty() {
            text.push_str(&format!(
                "the guard against signing a seq twice was rebuilt from the feeds held: {}\n",
                marks.join(", ")
            ));
        }
    }
    for f in &r.feeds_behind {
        text.push_str(&format!(
                "WARNING: {}'s feed now holds {} entries but this store signed up to seq {}: import those entries again from a counterparty's bundle before signing\n",
                f.name, f.held, f.signed
            ));
    }
    let behind: Vec<serde_json::Value> = r
        .feeds_behind
        .iter()
        .map(|f| json!({ "party": f.name, "signed": f.signed, "held": f.held }))
        .collect();
    let ok = r.records_lost == 0 && r.feeds_behind.is_empty();
    Ok(Output {
        text,
        json: json!({
            "ok": ok, "store": dir, "entries": r.entries_indexed,
            "entries_recovered": r.entries_recovered, "notes_recovered": r.notes_recovered,
            "records_lost": r.records_lost, "torn_bytes_cut": r.torn_bytes_cut,
            "records_dropped": r.records_dropped, "damaged_kept_in": r.damaged_kept_in,
            "index_not_used": r.index_not_used, "feeds_behind": behind,
            "charter_rebuilt_from": r.charter_rebuilt_from,
            "config_kept_in": r.config_kept_in, "identity_kept": r.identity_kept,
            "marks_rebuilt": r.marks_rebuilt.iter()
                .map(|(name, seq)| json!({ "party": name, "signed": seq }))
                .collect::<Vec<_>>(),
        }),
        code: if ok { 0 } else { PROBLEM },
    })
}
