//! `hotline rotate` and `hotline revoke`: moving a feed to its pre-committed next key, and
//! taking a stolen key's places away from it. Both generate the key after the next one, so a
//! feed always has a pre-committed successor, and leave the key files as `keygen` does:
//! NAME.key in force, NAME.next.key pre-committed.

use std::path::{Path, PathBuf};

use crate::entry::{Body, Revoke, Rotate, Seq};
use crate::keys::SecretKey;
use crate::store::Store;
use serde_json::json;

use super::args::KeyArg;
use super::keyfile::{next_key_path, read_secret, write_secret};
use super::passphrase::{self, OPEN_VAR};
use super::shared::{now, open, signing_key, store_failure};
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

/// Where the key after the next one waits while the change that commits to it is signed.
fn pending_path(next_file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.pending", next_file.display()))
}

/// The pre-committed next key, refusing to start while an earlier change is unfinished, and the
/// freshly made key after it, written (sealed like the next key, if that is) to its pending
/// file and synced before anything is signed: a crash after the signature cannot lose the key
/// the feed has just committed to.
fn prepare(next_file: &Path, hint: &str) -> Result<(SecretKey, SecretKey, Pending), Failure> {
    let pending = pending_path(next_file);
    if pending.exists() {
        return Err(Failure::new(format!(
            "{} is left from a rotate or revoke that did not finish: it holds the key your feed may already have committed to",
            pending.display()
        ))
        .hint(format!(
            "if `hotline verify` shows the change in your feed, finish it by hand: mv {next} KEY && mv {} {next} (KEY being your NAME.key); if not, remove {} and run the command again",
            pending.display(),
            pending.display(),
            next = next_file.display()
        )));
    }
    let opened = read_secret(next_file).map_err(|f| f.hint(hint.to_owned()))?;
    let after = SecretKey::generate(opened.key.name());
    let seal = if opened.protected {
        Some(passphrase::to_set(OPEN_VAR, &pending)?)
    } else {
        None
    };
    write_secret(&pending, &after.to_file_text(), seal.as_ref(), false)?;
    Ok((opened.key, after, Pending(Some(pending))))
}

/// The pending key file, removed again unless the change that commits to it was signed.
struct Pending(Option<PathBuf>);

impl Pending {
    /// The change is signed: the file must stay, whatever happens next.
    fn keep(&mut self) {
        self.0 = None;
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// After the entry that brings the next key in is durable: NAME.next.key becomes NAME.key and
/// the pending key after it becomes NAME.next.key. The old NAME.key is replaced: it can still
/// sign the places before the change, so it is worth nothing to keep and something to steal.
fn shift_files(key_file: &Path, next_file: &Path) -> Result<(), Failure> {
    let pending = pending_path(next_file);
    std::fs::rename(next_file, key_file)
        .map_err(|e| Failure::io("move the next key to", key_file, &e))?;
    std::fs::rename(&pending, next_file)
        .map_err(|e| Failure::io("move the new next key to", next_file, &e))?;
    super::keyfile::sync_parent(key_file)
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
    pending: &mut Pending,
) -> Result<(String, crate::EntryId, Seq), Failure> {
    let party = store.signer_for(signer, body).map_err(store_failure)?;
    let entry = store.append(signer, body, now()).map_err(store_failure)?;
    pending.keep();
    let id = entry.id().map_err(|e| Failure::new(e.to_string()))?;
    shift_files(&files.key, &files.next)?;
    let name = super::shared::roster(store)?.label(&party);
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
    let (next_key, after, mut pending) = prepare(
        &next_file,
        "rotate needs the pre-committed next key that `hotline keygen` wrote as NAME.next.key; pass --next FILE",
    )?;
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
    let (name, id, seq) = sign_change(&mut store, &current, &body, &files, &mut pending)?;
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
            "id": id,
            "seq": seq,
            "author": name,
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
    let (next_key, after, mut pending) = prepare(
        &next_file,
        "a revocation is signed by the pre-committed next key (NAME.next.key from `hotline keygen`); pass --next FILE",
    )?;
    let probe = Body::Revoke(Revoke {
        from: Seq(1),
        next: after.party().digest(),
        reason: reason.clone(),
    });
    let party = store.signer_for(&next_key, &probe).map_err(store_failure)?;
    let len = store.feed_len(&party).map_err(store_failure)?;
    let from = Seq(from.unwrap_or(len));
    let state = store.key_state(&party).map_err(store_failure)?;
    if from.0 == 0 || from.0 > len {
        return Err(Failure::new(format!(
            "--from {from}: a revocation voids keys from a seq between 1 and the seq it stands at, {len}"
        ))
        .hint(format!(
            "pass --from between 1 and {len}: the first seq of your feed that you did not sign"
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
    let (name, id, seq) = sign_change(&mut store, &next_key, &body, &files, &mut pending)?;
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
            "id": id,
            "seq": seq,
            "author": name,
            "revoked": state.current,
            "from": from,
            "key": next_key.party(),
            "next": after.party().digest(),
            "key_file": key_file,
            "next_key_file": next_file,
        }),
    ))
}
