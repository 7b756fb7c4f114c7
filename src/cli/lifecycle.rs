//! `hotline rotate` and `hotline revoke`: moving a feed to its pre-committed next key, and
//! taking a stolen key's places away from it. Both generate the key after the next one, so a
//! feed always has a pre-committed successor, and leave the key files as `keygen` does:
//! NAME.key in force, NAME.next.key pre-committed.

use std::path::{Path, PathBuf};

use hotline::entry::{Body, Revoke, Rotate, Seq};
use hotline::keys::SecretKey;
use hotline::store::Store;
use serde_json::json;

use super::args::KeyArg;
use super::commands::{now, open, signing_key, store_failure};
use super::keyfile::{load_key, next_key_path, write_new};
use super::{Failure, Output};

/// The key file the store signs with: `--key`, or the one it remembers.
fn key_path(store: &Store, key: &KeyArg) -> Result<PathBuf, Failure> {
    match (&key.key, store.identity()) {
        (Some(p), _) => Ok(p.clone()),
        (None, Some((_, p))) => Ok(p),
        (None, None) => {
            Err(Failure::new("this store does not know your key").hint("pass --key YOUR.key"))
        }
    }
}

/// After the entry that brings `next` in is durable: NAME.next.key becomes NAME.key and the
/// freshly made key after it becomes NAME.next.key. The old NAME.key is removed: it can still
/// sign the places before the change, so it is worth nothing to keep and something to steal.
fn shift_files(key_file: &Path, next_file: &Path, after: &SecretKey) -> Result<(), Failure> {
    let pending = PathBuf::from(format!("{}.pending", next_file.display()));
    write_new(&pending, after.to_file_text().as_bytes(), 0o600, true)?;
    std::fs::rename(next_file, key_file)
        .map_err(|e| Failure::io("move the next key to", key_file, &e))?;
    std::fs::rename(&pending, next_file)
        .map_err(|e| Failure::io("move the new next key to", next_file, &e))?;
    if let Some(dir) = key_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Failure::io("sync", dir, &e))?;
    }
    Ok(())
}

/// The key files a change of key uses: where the key in force is kept, and the next key.
struct Files {
    key: PathBuf,
    next: PathBuf,
}

/// Sign `body` (a rotation with `signer`, the key in force, or a revocation with `signer`, the
/// next key), shift the key files once it is durable, and say what was signed.
fn sign_change(
    store: &mut Store,
    signer: &SecretKey,
    body: &Body,
    files: &Files,
    after: &SecretKey,
) -> Result<(String, hotline::EntryId, Seq), Failure> {
    let party = store.signer_for(signer, body).map_err(store_failure)?;
    let entry = store.append(signer, body, now()).map_err(store_failure)?;
    let id = entry.id().map_err(|e| Failure::new(e.to_string()))?;
    shift_files(&files.key, &files.next, after)?;
    let name = super::commands::roster(store)?.label(&party);
    Ok((name, id, entry.header().seq))
}

fn files_note(key_file: &Path, next_file: &Path) -> String {
    format!(
        "{} now holds the key in force and {} the new pre-committed next key (keep it apart, offline)\n",
        key_file.display(),
        next_file.display()
    )
}

/// `hotline rotate`: sign, with the key in force, a rotation to the pre-committed next key.
pub fn rotate(dir: &Path, next: Option<&Path>, key: &KeyArg) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let current = signing_key(&store, key)?;
    let key_file = key_path(&store, key)?;
    let next_file = next.map_or_else(|| next_key_path(&key_file), Path::to_path_buf);
    let next_key = load_key(&next_file).map_err(|f| {
        f.hint("rotate needs the pre-committed next key that `hotline keygen` wrote as NAME.next.key; pass --next FILE")
    })?;
    let after = SecretKey::generate(next_key.name());
    let body = Body::Rotate(Rotate {
        key: next_key.party(),
        next: after.party().digest(),
    });
    let party = store.signer_for(&current, &body).map_err(store_failure)?;
    let state = store.key_state(&party).map_err(store_failure)?;
    if next_key.party().digest() != state.next {
        return Err(Failure::new(format!(
            "{} is not the next key your feed pre-committed to",
            next_file.display()
        ))
        .hint("pass --next with the key whose digest the charter (or your last rotation) names"));
    }
    let files = Files {
        key: key_file.clone(),
        next: next_file.clone(),
    };
    let (name, id, seq) = sign_change(&mut store, &current, &body, &files, &after)?;
    Ok(Output::ok(
        format!(
            "signed rotate {} as {name} at seq {seq}: from seq {} on, {name} signs with key {}\n{}",
            id.short(),
            seq.0.saturating_add(1),
            next_key.party().fingerprint(),
            files_note(&key_file, &next_file)
        ),
        json!({
            "ok": true,
            "entry": id,
            "seq": seq,
            "party": name,
            "key": next_key.party(),
            "next": after.party().digest(),
            "key_file": key_file,
            "next_key_file": next_file,
        }),
    ))
}

/// `hotline revoke`: sign, with the pre-committed next key, a revocation of the key in force
/// from seq `from` on.
pub fn revoke(
    dir: &Path,
    next: Option<&Path>,
    from: Option<u64>,
    reason: String,
    key: &KeyArg,
) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let key_file = key_path(&store, key)?;
    let next_file = next.map_or_else(|| next_key_path(&key_file), Path::to_path_buf);
    let next_key = load_key(&next_file).map_err(|f| {
        f.hint("a revocation is signed by the pre-committed next key (NAME.next.key from `hotline keygen`); pass --next FILE")
    })?;
    let after = SecretKey::generate(next_key.name());
    let probe = Body::Revoke(Revoke {
        from: Seq(1),
        next: after.party().digest(),
        reason: reason.clone(),
    });
    let party = store.signer_for(&next_key, &probe).map_err(store_failure)?;
    let len = store.feed_len(&party).map_err(store_failure)?;
    let from = Seq(from.unwrap_or(len));
    let state = store.key_state(&party).map_err(store_failure)?;
    if from.0 == 0 || from < state.since || from.0 > len {
        return Err(Failure::new(format!(
            "--from {from}: the key in force signs from seq {} and the revocation stands at seq {len}",
            state.since.0.max(1)
        ))
        .hint(format!(
            "pass --from between {} and {len}: the first seq of your feed that you did not sign",
            state.since.0.max(1)
        )));
    }
    let body = Body::Revoke(Revoke {
        from,
        next: after.party().digest(),
        reason,
    });
    let files = Files {
        key: key_file.clone(),
        next: next_file.clone(),
    };
    let (name, id, seq) = sign_change(&mut store, &next_key, &body, &files, &after)?;
    Ok(Output::ok(
        format!(
            "signed revoke {} as {name} at seq {seq}: key {} is void from seq {from} on, except on the chain this revocation extends and what another party relied on before it saw the revocation; {name} now signs with key {}\nSend it to every other party now (hotline export).\n{}",
            id.short(),
            state.current.fingerprint(),
            next_key.party().fingerprint(),
            files_note(&key_file, &next_file)
        ),
        json!({
            "ok": true,
            "entry": id,
            "seq": seq,
            "party": name,
            "revoked": state.current,
            "from": from,
            "key": next_key.party(),
            "next": after.party().digest(),
            "key_file": key_file,
            "next_key_file": next_file,
        }),
    ))
}
