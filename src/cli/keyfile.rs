//! Key files on disk, for every command that reads or writes one: loading a secret key (plain
//! or passphrase-protected), writing files with the right mode, and the default key
//! directory. Imports no command.
//!
//! The key directory is `$HOTLINE_HOME`, else `$XDG_CONFIG_HOME/hotline`, else
//! `~/.config/hotline`: one place on Linux and macOS alike that people find by hand (key
//! files are for people to keep, back up and move), without a crate to compute it.

use std::path::{Path, PathBuf};

use crate::keys::SecretKey;
use zeroize::{Zeroize, Zeroizing};

use super::Failure;
use super::passphrase::{self, NewPassphrase, OpenError, Source};

/// The mode of a secret key file, and of every file of signed material the tool writes
/// (bundles, proofs, witness requests and answers): its owner's alone until they choose to
/// send it.
pub(super) const PRIVATE: u32 = 0o600;
/// The mode of a public key file.
pub(super) const PUBLIC: u32 = 0o644;
/// The mode of a key directory the tool creates.
const DIR_MODE: u32 = 0o700;

/// A secret key file, read and opened.
pub(super) struct SecretFile {
    /// The key file text (the plaintext, for a protected file), wiped when dropped.
    pub text: Zeroizing<String>,
    /// The key it holds.
    pub key: SecretKey,
    /// Whether the file is passphrase-protected.
    pub protected: bool,
}

/// Where the pre-committed next key of the secret key at `key_path` is kept: `NAME.next.key`
/// beside `NAME.key` (or `FILE.next` for a key file not named `*.key`).
pub fn next_key_path(key_path: &Path) -> PathBuf {
    let s = key_path.as_os_str().to_string_lossy();
    match s.strip_suffix(".key") {
        Some(stem) => PathBuf::from(format!("{stem}.next.key")),
        None => PathBuf::from(format!("{s}.next")),
    }
}

/// Read a secret key file, refusing one that others can read.
pub fn load_key(path: &Path) -> Result<SecretKey, Failure> {
    read_secret(path).map(|f| f.key)
}

/// Read a secret key file, refusing one that others can read, and open it with its
/// passphrase if it has one.
pub(super) fn read_secret(path: &Path) -> Result<SecretFile, Failure> {
    let input = super::input::Input::SECRET_KEY;
    let (mut file, meta) = super::input::open_regular(path, input)?;
    let mut raw = Zeroizing::new(Vec::new());
    super::input::read_to(&mut file, path, input, Some(meta.len()), &mut raw)?;
    let protected = passphrase::is_sealed(&raw);
    if !protected && is_public_key_text(&raw) {
        return Err(Failure::new(format!(
            "{} is a public key file; signing needs the secret key",
            path.display()
        ))
        .hint("pass the NAME.key file that `hotline keygen NAME` wrote beside NAME.pub"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = file.metadata()
            && meta.permissions().mode() & 0o077 != 0
        {
            return Err(Failure::new(format!(
                "{} can be read by other users (mode {:o})",
                path.display(),
                meta.permissions().mode() & 0o777
            ))
            .hint(format!("chmod 600 {}", path.display())));
        }
    }
    let plain = if protected {
        let pass = passphrase::to_open(path)?;
        passphrase::open(&raw, &pass).map_err(|e| open_failure(path, e, pass.source()))?
    } else {
        raw
    };
    let text = utf8(plain).ok_or_else(|| {
        Failure::new(format!("{} is not a key file", path.display()))
            .hint("a secret key file is written by `hotline keygen NAME` as NAME.key")
    })?;
    let key = SecretKey::from_file_text(&text).map_err(|e| {
        Failure::new(format!("{}: {e}", path.display()))
            .hint("a secret key file is written by `hotline keygen NAME` as NAME.key")
    })?;
    Ok(SecretFile {
        text,
        key,
        protected,
    })
}

fn is_public_key_text(raw: &[u8]) -> bool {
    // Borrowed, not copied: the bytes may be a secret key.
    let Ok(text) = std::str::from_utf8(raw) else {
        return false;
    };
    text.trim_start().starts_with("hotline public key") || text.contains("\nhotline public key")
}

/// Bytes as text, wiping them (also when they are not UTF-8).
fn utf8(mut bytes: Zeroizing<Vec<u8>>) -> Option<Zeroizing<String>> {
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Some(Zeroizing::new(text)),
        Err(e) => {
            e.into_bytes().zeroize();
            None
        }
    }
}

fn open_failure(path: &Path, e: OpenError, from: Source) -> Failure {
    let shown = path.display();
    match e {
        OpenError::WrongPassphrase => {
            let f = Failure::new(format!(
                "wrong passphrase for {shown}: it does not open the key file; nothing was signed"
            ));
            match from {
                Source::Env(var) => f.hint(format!(
                    "{var} holds another passphrase than this file's; unset it to be asked on the terminal"
                )),
                Source::Terminal => f.hint("try again, minding the keyboard layout and caps lock"),
            }
        }
        OpenError::TooMuchWork { required, target } => Failure::new(format!(
            "{shown} asks for scrypt work 2^{required}, far more than this machine does in a second (2^{target}); refusing"
        ))
        .hint("open it on a faster machine and set a new passphrase there with `hotline key passphrase`"),
        OpenError::NotPassphrase => Failure::new(format!(
            "{shown} is an age file for age recipients, not for a passphrase"
        ))
        .hint("decrypt it with age first; hotline opens only passphrase-protected (scrypt) key files"),
        OpenError::Damaged(why) => Failure::new(format!(
            "{shown} looks like a passphrase-protected key file but cannot be read: {why}"
        ))
        .hint("restore the key file from a backup"),
    }
}

/// Write a secret key file: its text as it is, or sealed for `passphrase`.
pub(super) fn write_secret(
    path: &Path,
    text: &str,
    passphrase: Option<&NewPassphrase>,
    force: bool,
) -> Result<(), Failure> {
    match passphrase {
        Some(p) => write_new(path, &passphrase::seal(text.as_bytes(), p)?, PRIVATE, force),
        None => write_new(path, text.as_bytes(), PRIVATE, force),
    }
}

/// Make `path`'s entry in its directory durable (a new file, a rename, a new directory).
pub(super) fn sync_parent(path: &Path) -> Result<(), Failure> {
    crate::durable::sync_parent(path)
        .map_err(|e| Failure::io("sync the directory holding", path, &e))
}

/// Make the entries created or renamed in `dir` durable.
pub(super) fn sync_dir(dir: &Path) -> Result<(), Failure> {
    crate::durable::sync_dir(dir).map_err(|e| Failure::io("sync the directory", dir, &e))
}

/// Write what a command produces (a bundle, a proof, a request) to `path`, as [`write_new`]
/// does, or to standard output for `-`. Then the command's own report goes to standard error
/// ([`super::stdout_taken`]), so that `hotline export --out - | ssh peer hotline import -`
/// carries only the bundle. Keys are never written this way.
pub fn write_out(path: &Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    if path.as_os_str() != "-" {
        return write_new(path, bytes, PRIVATE, force);
    }
    use std::io::{IsTerminal, Write};
    if std::io::stdout().is_terminal() {
        // A bundle or a page carries other parties' signed text unescaped: a terminal would
        // obey any escape in it.
        return Err(Failure::new(
            "refusing to write it to a terminal: it holds other parties' signed bytes, which a terminal would act on",
        )
        .hint("redirect it to a file (`> FILE`) or pipe it to the next command"));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(format!("cannot write to standard output: {e}")))?;
    super::take_stdout();
    Ok(())
}

/// How output names where [`write_out`] wrote: the path, or "standard output" for `-`.
pub fn out_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard output".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Write a new file with `mode`, refusing to overwrite unless `force`; the file and its
/// entry in its directory synced before return.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32, force: bool) -> Result<(), Failure> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    let mut f = opts.open(path).map_err(|e| {
        let f = Failure::io("create", path, &e);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            f.hint("pass --force to overwrite it")
        } else {
            f
        }
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A forced overwrite keeps the old file's mode unless set again.
        f.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| Failure::io("set the mode of", path, &e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Failure::io("write", path, &e))?;
    sync_parent(path)
}

/// Replace the secret key file at `path` with `bytes`, mode 0600, so that it holds either
/// the old content or all of the new (a temporary file beside it, synced, renamed over it,
/// and the rename synced). A symbolic link is followed: the file it names is replaced.
pub(super) fn replace_secret(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let target = std::fs::canonicalize(path).map_err(|e| Failure::io("find", path, &e))?;
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(Failure::new(format!("{} is not a file", path.display())));
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    write_new(&tmp, bytes, PRIVATE, false).map_err(|f| {
        if tmp.exists() {
            f.hint(format!(
                "an earlier run was cut short and left {}; it may hold the key: remove it, then try again",
                tmp.display()
            ))
        } else {
            f
        }
    })?;
    if let Err(e) = std::fs::rename(&tmp, &target) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Failure::io("replace", &target, &e));
    }
    sync_dir(dir)
}

/// The default key directory: `$HOTLINE_HOME`, else `$XDG_CONFIG_HOME/hotline`, else
/// `$HOME/.config/hotline` (relative values of the last two are ignored, as the XDG base
/// directory specification says).
pub(super) fn default_dir() -> Result<PathBuf, Failure> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = if let Some(home) = var("HOTLINE_HOME") {
        home
    } else if let Some(config) = var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()) {
        config.join("hotline")
    } else if let Some(home) = var("HOME").filter(|p| p.is_absolute()) {
        home.join(".config").join("hotline")
    } else {
        return Err(Failure::new(
            "no key directory: HOTLINE_HOME, XDG_CONFIG_HOME and HOME are all unset",
        )
        .hint("pass --dir DIR, or set HOTLINE_HOME"));
    };
    // As for path arguments: the files made there are named in the output.
    if dir.to_str().is_none() {
        return Err(
            Failure::new(format!("the key directory {} is not UTF-8", dir.display()))
                .hint("set HOTLINE_HOME to a UTF-8 path, or pass --dir DIR"),
        );
    }
    Ok(dir)
}

/// Make sure `dir` is a directory, creating it and any missing parents with mode 0700 (an
/// existing one keeps its mode), each new one's entry in its parent synced.
pub(super) fn ensure_dir(dir: &Path) -> Result<(), Failure> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at {
        if d.as_os_str().is_empty() || d.is_dir() {
            break;
        }
        missing.push(d.to_path_buf());
        at = d.parent();
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder
        .create(dir)
        .map_err(|e| Failure::io("create the directory", dir, &e))?;
    missing.iter().try_for_each(|d| sync_parent(d))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        assert!(utf8(Zeroizing::new(vec![0xff, 0xfe])).is_none());
        assert_eq!(utf8(Zeroizing::new(b"ok".to_vec())).unwrap().as_str(), "ok");
    }

    #[cfg(unix)]
    #[test]
    fn replacing_keeps_0600_and_leaves_no_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        write_new(&path, b"old", PRIVATE, false).unwrap();
        replace_secret(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
