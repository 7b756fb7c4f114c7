//! `hotline keygen` and `hotline key passphrase`: making key pairs and changing how the
//! secret half is kept.

use std::path::Path;

use crate::keys::{self, SecretKey};
use serde_json::json;
use zeroize::Zeroizing;

use super::args::KeygenArgs;
use super::keyfile::{self, PUBLIC, write_new};
use super::passphrase::{self, NEW_VAR, NewPassphrase, OPEN_VAR, WORK_FACTOR_VAR};
use super::{Failure, Output};

/// Make a key pair: `NAME.key` (mode 0600, passphrase-protected with `--passphrase`) and
/// `NAME.pub`, in `--dir` or the default key directory, created if missing.
pub(super) fn keygen(a: &KeygenArgs) -> Result<Output, Failure> {
    let name = a.name.as_str();
    keys::check_name(name).map_err(|e| Failure::new(e.to_string()))?;
    let dir = match &a.dir {
        Some(d) => d.clone(),
        None => keyfile::default_dir()?,
    };
    let secret_path = dir.join(format!("{name}.key"));
    let next_path = keyfile::next_key_path(&secret_path);
    let public_path = dir.join(format!("{name}.pub"));
    if !a.force {
        for p in [&secret_path, &next_path, &public_path] {
            if p.exists() {
                return Err(Failure::new(format!("{} already exists", p.display()))
                    .hint("pass --force to replace the key pair (the old key is lost)"));
            }
        }
    }
    // Asked for before anything is made, so that a mistyped confirmation writes nothing.
    let protection = a
        .passphrase
        .then(|| passphrase::to_set(OPEN_VAR, &secret_path))
        .transpose()?;
    keyfile::ensure_dir(&dir)?;
    let key = SecretKey::generate(name);
    // The pre-committed next key: the charter names its digest, `hotline rotate` moves to it,
    // and it alone can revoke NAME.key if that is stolen.
    let next = SecretKey::generate(name);
    let mut public = key.public();
    public.next = Some(next.party().digest());
    keyfile::write_secret(
        &secret_path,
        &key.to_file_text(),
        protection.as_ref(),
        a.force,
    )?;
    keyfile::write_secret(
        &next_path,
        &next.to_file_text(),
        protection.as_ref(),
        a.force,
    )?;
    write_new(
        &public_path,
        public.to_file_text().as_bytes(),
        PUBLIC,
        a.force,
    )?;
    let kept = if protection.is_some() {
        "secret, mode 0600, passphrase-protected"
    } else {
        "secret, mode 0600"
    };
    let mut text = format!(
        "wrote {} ({kept}), {} ({kept}) and {}\nparty {name}, key fingerprint {}\nGive {} to the other parties; keep {} to yourself.\nKeep {} apart (offline): it is your pre-committed next key, which `hotline rotate` moves to and which alone can revoke {} if it is stolen (`hotline revoke`).\n",
        secret_path.display(),
        next_path.display(),
        public_path.display(),
        key.party().fingerprint(),
        public_path.display(),
        secret_path.display(),
        next_path.display(),
        secret_path.display()
    );
    text.push_str(&weak_warning(protection.as_ref()));
    Ok(Output::ok(
        text,
        json!({
            "ok": true,
            "name": name,
            "key": key.party(),
            "next": public.next,
            "secret_file": secret_path,
            "next_key_file": next_path,
            "public_file": public_path,
            "passphrase": protection.is_some(),
        }),
    ))
}

/// Add, change or (with `remove`) remove the passphrase of a secret key file, in place: the
/// same key text, now sealed or plain, replacing the file atomically with mode 0600.
pub(super) fn passphrase(file: &Path, remove: bool) -> Result<Output, Failure> {
    let opened = keyfile::read_secret(file)?;
    let shown = file.display();
    let (bytes, protection, done) = if remove {
        if !opened.protected {
            return Err(Failure::new(format!("{shown} has no passphrase to remove"))
                .hint("it is already a plain key file (mode 0600)"));
        }
        (
            Zeroizing::new(opened.text.as_bytes().to_vec()),
            None,
            "removed the passphrase of",
        )
    } else {
        let new = passphrase::to_set(NEW_VAR, file)?;
        let sealed = Zeroizing::new(passphrase::seal(opened.text.as_bytes(), &new)?);
        let done = if opened.protected {
            "changed the passphrase of"
        } else {
            "set a passphrase on"
        };
        (sealed, Some(new), done)
    };
    keyfile::replace_secret(file, &bytes)?;
    let key = &opened.key;
    let mut text = format!(
        "{done} {shown} (mode 0600)\nparty {}, key fingerprint {} (the key itself is unchanged)\n",
        key.name(),
        key.party().fingerprint()
    );
    if remove {
        text.push_str("The key file is now plain text: anyone who can read it can sign as you.\n");
    }
    text.push_str(&weak_warning(protection.as_ref()));
    Ok(Output::ok(
        text,
        json!({
            "ok": true,
            "file": file,
            "name": key.name(),
            "key": key.party(),
            "passphrase": !remove,
        }),
    ))
}

/// A warning when the test-only work factor made the passphrase cheap to guess.
fn weak_warning(p: Option<&NewPassphrase>) -> String {
    match p.and_then(NewPassphrase::forced_work_factor) {
        Some(n) => format!(
            "WARNING: sealed with scrypt work factor 2^{n} from {WORK_FACTOR_VAR}, which is for tests: the passphrase is cheap to guess.\n"
        ),
        None => String::new(),
    }
}
