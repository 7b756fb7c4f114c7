//! Passphrase-protected secret key files: the age envelope, and where passphrases come from.
//!
//! A protected key file is an age file (c2sp.org/age, version 1) whose only recipient stanza
//! is `scrypt`, in age's ASCII armor, and whose plaintext is the secret key file text of
//! docs/FORMAT.md section 10, byte for byte. `age -d` or `rage -d` opens one with the same
//! passphrase. Reading also accepts the binary form of age, which those tools write without
//! `-a`.
//!
//! A passphrase comes from an environment variable, for scripts, or else from the terminal
//! with echo off; with neither, the command refuses rather than guess. Every copy of a
//! passphrase or of plaintext key text held here is wiped when dropped.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::SecretString;
use zeroize::{Zeroize, Zeroizing};

use super::Failure;

/// The passphrase that opens a key file; also the one `keygen --passphrase` sets.
pub(super) const OPEN_VAR: &str = "HOTLINE_PASSPHRASE";
/// The passphrase that `key passphrase` sets.
pub(super) const NEW_VAR: &str = "HOTLINE_NEW_PASSPHRASE";
/// For tests only: the scrypt work factor (log2 N) of files sealed, instead of the one age
/// picks to take about a second on this machine. A low one makes the passphrase cheap to
/// guess, so the output says so whenever it is used.
pub(super) const WORK_FACTOR_VAR: &str = "HOTLINE_TEST_SCRYPT_WORK_FACTOR";
/// The highest work factor [`WORK_FACTOR_VAR`] may ask for: 2^20 takes 1 GiB of memory.
const MAX_WORK_FACTOR: u8 = 20;

/// The first bytes of an armored age file (the armor has no leading white space).
const ARMOR_BEGIN: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
/// The first bytes of a binary age file, of any version (`age-encryption.org/v1` today), so
/// that a later version is reported as age's rather than as a bad key file.
const BINARY_BEGIN: &[u8] = b"age-encryption.org/";

/// Whether a key file's bytes are an age file rather than key file text.
pub(super) fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(ARMOR_BEGIN) || bytes.starts_with(BINARY_BEGIN)
}

/// Where a passphrase came from, for the hint when it is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// An environment variable of this name.
    Env(&'static str),
    /// Typed at the terminal.
    Terminal,
}

/// A passphrase, wiped when dropped and never shown.
pub(super) struct Passphrase {
    text: Zeroizing<String>,
    from: Source,
}

impl Passphrase {
    /// Where it came from.
    pub(super) fn source(&self) -> Source {
        self.from
    }

    fn secret(&self) -> SecretString {
        // age takes its own copy, which it wipes in turn.
        SecretString::from(self.text.as_str().to_owned())
    }
}

/// A passphrase to seal a key file with, and the scrypt work factor to use.
pub(super) struct NewPassphrase {
    passphrase: Passphrase,
    work_factor: Option<u8>,
}

impl NewPassphrase {
    /// The work factor [`WORK_FACTOR_VAR`] forced, if it did.
    pub(super) fn forced_work_factor(&self) -> Option<u8> {
        self.work_factor
    }
}

/// Why an age file did not open.
#[derive(Debug)]
pub(super) enum OpenError {
    /// The passphrase is not the file's.
    WrongPassphrase,
    /// The file asks for more scrypt work than this machine does in about 16 seconds.
    TooMuchWork {
        /// Its work factor (log2 N).
        required: u8,
        /// About one second's work here.
        target: u8,
    },
    /// An age file for age recipients (X25519, SSH, plugins), not for a passphrase.
    NotPassphrase,
    /// Not a well-formed age file, or damaged after its header.
    Damaged(String),
}

/// Seal key file text in an armored age file for `new`'s passphrase.
pub(super) fn seal(plain: &[u8], new: &NewPassphrase) -> Result<Vec<u8>, Failure> {
    let mut recipient = age::scrypt::Recipient::new(new.passphrase.secret());
    if let Some(log_n) = new.work_factor {
        // In 1..=MAX_WORK_FACTOR, checked when it was read, as age requires (0 < log_n < 64).
        recipient.set_work_factor(log_n);
    }
    let fail = |e: &dyn std::fmt::Display| Failure::new(format!("cannot encrypt the key: {e}"));
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| fail(&e))?;
    let mut out = Vec::new();
    let armor = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).map_err(|e| fail(&e))?;
    let mut writer = encryptor.wrap_output(armor).map_err(|e| fail(&e))?;
    writer
        .write_all(plain)
        .and_then(|()| writer.finish())
        .and_then(ArmoredWriter::finish)
        .map_err(|e| fail(&e))?;
    Ok(out)
}

/// Open an age file (armored or binary) sealed for a passphrase; the plaintext is wiped when
/// dropped.
pub(super) fn open(
    sealed: &[u8],
    passphrase: &Passphrase,
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let damaged = |e: &dyn std::fmt::Display| OpenError::Damaged(e.to_string());
    let decryptor =
        age::Decryptor::new_buffered(ArmoredReader::new(sealed)).map_err(|e| damaged(&e))?;
    if !decryptor.is_scrypt() {
        return Err(OpenError::NotPassphrase);
    }
    let identity = age::scrypt::Identity::new(passphrase.secret());
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed => OpenError::WrongPassphrase,
            age::DecryptError::ExcessiveWork { required, target } => {
                OpenError::TooMuchWork { required, target }
            }
            other => damaged(&other),
        })?;
    // Room for all of it up front, so that no copy is left behind by a reallocation.
    let mut plain = Zeroizing::new(Vec::with_capacity(sealed.len()));
    reader.read_to_end(&mut plain).map_err(|e| damaged(&e))?;
    Ok(plain)
}

/// The passphrase that opens `path`: `$HOTLINE_PASSPHRASE`, else asked for on the terminal.
pub(super) fn to_open(path: &Path) -> Result<Passphrase, Failure> {
    if let Some(p) = from_env(OPEN_VAR)? {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(format!(
            "{} is protected by a passphrase, and there is no terminal to ask for it on",
            path.display()
        ))
        .hint(format!(
            "run it on a terminal, or set {OPEN_VAR} in a script (see \"Key files\" in the README)"
        )));
    }
    let text = from_terminal(&format!("Passphrase for {}: ", path.display()))?;
    not_empty(text, "the passphrase", Source::Terminal)
}

/// A passphrase to seal `path` with: `$var`, else typed twice on the terminal.
pub(super) fn to_set(var: &'static str, path: &Path) -> Result<NewPassphrase, Failure> {
    let work_factor = work_factor()?;
    let passphrase = match from_env(var)? {
        Some(p) => p,
        None => {
            if !std::io::stdin().is_terminal() {
                return Err(Failure::new(format!(
                    "no passphrase for {}: {var} is not set, and there is no terminal to ask on",
                    path.display()
                ))
                .hint(format!(
                    "run it on a terminal, or set {var} in a script (see \"Key files\" in the README)"
                )));
            }
            let first = from_terminal(&format!("New passphrase for {}: ", path.display()))?;
            let first = not_empty(first, "the new passphrase", Source::Terminal)?;
            let again = from_terminal("Type it again: ")?;
            if *again != *first.text {
                return Err(
                    Failure::new("the two passphrases differ; nothing was written")
                        .hint("type the same passphrase twice"),
                );
            }
            first
        }
    };
    Ok(NewPassphrase {
        passphrase,
        work_factor,
    })
}

fn from_env(var: &'static str) -> Result<Option<Passphrase>, Failure> {
    let Some(value) = std::env::var_os(var) else {
        return Ok(None);
    };
    let text = value.into_string().map_err(|raw| {
        raw.into_encoded_bytes().zeroize();
        Failure::new(format!("{var} is not UTF-8 text"))
    })?;
    not_empty(Zeroizing::new(text), var, Source::Env(var)).map(Some)
}

fn from_terminal(prompt: &str) -> Result<Zeroizing<String>, Failure> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Failure::new(format!("cannot read a passphrase from the terminal: {e}")))
}

fn not_empty(text: Zeroizing<String>, what: &str, from: Source) -> Result<Passphrase, Failure> {
    if text.is_empty() {
        return Err(Failure::new(format!("{what} is empty")).hint(
            "an empty passphrase protects nothing; to keep a key file without one, leave out --passphrase or use `hotline key passphrase FILE --remove`",
        ));
    }
    Ok(Passphrase { text, from })
}

fn work_factor() -> Result<Option<u8>, Failure> {
    let Some(value) = std::env::var_os(WORK_FACTOR_VAR) else {
        return Ok(None);
    };
    let n = value
        .to_str()
        .and_then(|s| s.trim().parse::<u8>().ok())
        .filter(|n| (1..=MAX_WORK_FACTOR).contains(n));
    match n {
        Some(n) => Ok(Some(n)),
        None => Err(Failure::new(format!(
            "{WORK_FACTOR_VAR}={value:?}: expected a number from 1 to {MAX_WORK_FACTOR}"
        ))
        .hint("it is for tests only; unset it to let age pick a work factor of about a second")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pass(text: &str) -> Passphrase {
        Passphrase {
            text: Zeroizing::new(text.to_owned()),
            from: Source::Terminal,
        }
    }

    fn new_pass(text: &str) -> NewPassphrase {
        NewPassphrase {
            passphrase: pass(text),
            work_factor: Some(4),
        }
    }

    #[test]
    fn sealed_text_opens_with_its_passphrase_only() {
        let plain = b"hotline secret key v1\nname: alpha\nseed: 00\n";
        let sealed = seal(plain, &new_pass("correct horse")).unwrap();
        assert!(is_sealed(&sealed));
        assert!(sealed.starts_with(ARMOR_BEGIN));
        assert!(!sealed.windows(5).any(|w| w == b"alpha"));
        assert_eq!(
            open(&sealed, &pass("correct horse")).unwrap().as_slice(),
            plain
        );
        assert!(matches!(
            open(&sealed, &pass("correct horsE")),
            Err(OpenError::WrongPassphrase)
        ));
        let text = String::from_utf8(sealed.clone()).unwrap();
        assert!(
            text.ends_with("-----END AGE ENCRYPTED FILE-----\n"),
            "{text}"
        );
        let mut cut = sealed;
        cut.truncate(cut.len() / 2);
        assert!(matches!(
            open(&cut, &pass("correct horse")),
            Err(OpenError::Damaged(_))
        ));
    }

    #[test]
    fn binary_age_files_open_too() {
        let plain = b"hotline secret key v1\n";
        let mut recipient = age::scrypt::Recipient::new(SecretString::from("pw".to_owned()));
        recipient.set_work_factor(4);
        let sealed = age::encrypt(&recipient, plain).unwrap();
        assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
        assert!(is_sealed(&sealed));
        assert_eq!(open(&sealed, &pass("pw")).unwrap().as_slice(), plain);
    }

    #[test]
    fn key_text_is_not_taken_for_an_age_file() {
        assert!(!is_sealed(b"hotline secret key v1\n"));
        assert!(!is_sealed(b"# age-encryption.org/v1\n"));
        assert!(!is_sealed(b" -----BEGIN AGE ENCRYPTED FILE-----\n"));
        assert!(is_sealed(b"age-encryption.org/v1\n-> scrypt"));
    }
}
