//! The signed-note format (c2sp.org/signed-note): parsing, printing and signing.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::keys::{KeyStringError, KeyType, check_key_name};
use super::open::SignatureFault;
use super::signer::Signer;
use super::{CheckpointError, first_control};

/// The most signature lines a note may have, as in Go's `note.Open` (the spec asks verifiers
/// to accept at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The start of every signature line: U+2014 EM DASH and a space.
const DASH: &str = "\u{2014} ";

/// One signature line: `— <name> base64(key id ‖ signature)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteSig {
    pub(super) name: String,
    pub(super) key_id: u32,
    pub(super) sig: Vec<u8>,
}

impl NoteSig {
    /// A signature line from its parts; `sig` is the bytes after the key id.
    ///
    /// # Errors
    ///
    /// [`NoteError::Key`] for an invalid key name; [`NoteError::BadSignatureLine`] (line 1)
    /// if `sig` is empty.
    pub fn new(name: &str, key_id: u32, sig: Vec<u8>) -> Result<Self, NoteError> {
        check_key_name(name)?;
        if sig.is_empty() {
            return Err(NoteError::BadSignatureLine {
                line: 1,
                reason: "no signature bytes after the key id",
            });
        }
        Ok(NoteSig::new_unchecked(name.to_owned(), key_id, sig))
    }

    /// For signers, whose names are already checked and whose signatures are never empty.
    pub(super) fn new_unchecked(name: String, key_id: u32, sig: Vec<u8>) -> Self {
        NoteSig { name, key_id, sig }
    }

    /// Parse one signature line, without its final newline (as a witness returns it).
    ///
    /// # Errors
    ///
    /// [`NoteError::BadSignatureLine`] (line 1) or [`NoteError::ControlCharacter`].
    pub fn from_line(line: &str) -> Result<Self, NoteError> {
        if let Some((offset, byte)) = first_control(line) {
            return Err(NoteError::ControlCharacter { offset, byte });
        }
        parse_line(line, 1)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature bytes after the key id (for a cosignature: timestamp ‖ signature).
    pub fn signature(&self) -> &[u8] {
        &self.sig
    }
}

impl fmt::Display for NoteSig {
    /// The line without its final newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = Vec::with_capacity(4 + self.sig.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.sig);
        write!(f, "{DASH}{} {}", self.name, BASE64.encode(raw))
    }
}

/// A signed note as parsed: its text and its signature lines, none of them verified. Made by
/// [`Note::parse`] or [`sign`], so its text is a valid note text and it has between 1 and
/// [`MAX_SIGNATURES`] signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub(super) text: String,
    pub(super) sigs: Vec<NoteSig>,
}

impl Note {
    /// Parse a signed note without verifying anything, with Go's `note.Open` syntax rules.
    ///
    /// # Errors
    ///
    /// [`NoteError`] naming the rule broken and the byte offset or line (1-based) where.
    pub fn parse(msg: &[u8]) -> Result<Note, NoteError> {
        let s = std::str::from_utf8(msg).map_err(|e| NoteError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        if let Some((offset, byte)) = first_control(s) {
            return Err(NoteError::ControlCharacter { offset, byte });
        }
        // The text ends at the last blank line; signature lines cannot hold one.
        let split = s.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
        let text = s.get(..=split).unwrap_or_default();
        let block = s.get(split + 2..).unwrap_or_default();
        if block.is_empty() {
            return Err(NoteError::NoSignatureBlock);
        }
        if !block.ends_with('\n') {
            return Err(NoteError::MissingFinalNewline);
        }
        let first_line = text.bytes().filter(|&b| b == b'\n').count() + 2;
        let mut sigs = Vec::new();
        for (i, line) in block.split_terminator('\n').enumerate() {
            let sig = parse_line(line, first_line + i)?;
            if sigs.len() == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures {
                    limit: MAX_SIGNATURES,
                });
            }
            sigs.push(sig);
        }
        Ok(Note {
            text: text.to_owned(),
            sigs,
        })
    }

    /// The text, ending in a newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSig] {
        &self.sigs
    }

    /// Add a signature line after the others, first removing any by the same key name and id
    /// (as Go's `note.Sign` replaces a signer's old signature).
    ///
    /// # Errors
    ///
    /// [`NoteError::TooManySignatures`] if the note already has [`MAX_SIGNATURES`].
    pub fn add_signature(&mut self, sig: NoteSig) -> Result<(), NoteError> {
        self.sigs
            .retain(|s| s.name != sig.name || s.key_id != sig.key_id);
        if self.sigs.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                limit: MAX_SIGNATURES,
            });
        }
        self.sigs.push(sig);
        Ok(())
    }

    /// The note's bytes: the same as `to_string()`.
    pub fn encode(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Note {
    /// The text, a blank line, and each signature line ending in a newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.text)?;
        for sig in &self.sigs {
            writeln!(f, "{sig}")?;
        }
        Ok(())
    }
}

fn parse_line(line: &str, line_no: usize) -> Result<NoteSig, NoteError> {
    let bad = |reason| NoteError::BadSignatureLine {
        line: line_no,
        reason,
    };
    let rest = line.strip_prefix(DASH).ok_or(bad(
        "it does not begin with an em dash (U+2014) and a space",
    ))?;
    let (name, b64) = rest.split_once(' ').unwrap_or((rest, ""));
    check_key_name(name).map_err(|_| bad("the key name is empty or has '+' or white space"))?;
    if b64.is_empty() {
        return Err(bad("there is no signature after the key name"));
    }
    let raw = BASE64
        .decode(b64)
        .map_err(|e| bad(crate::checkpoint::base64_fault(&e)))?;
    match raw.split_first_chunk::<4>() {
        Some((id, sig)) if !sig.is_empty() => Ok(NoteSig {
            name: name.to_owned(),
            key_id: u32::from_be_bytes(*id),
            sig: sig.to_vec(),
        }),
        _ => Err(bad("the signature is shorter than a key id and one byte")),
    }
}

/// Check that `text` can be the text of a note: it ends in a newline and has no character
/// below U+0020 other than newline.
pub(super) fn check_text(text: &str) -> Result<(), NoteError> {
    if let Some((offset, byte)) = first_control(text) {
        return Err(NoteError::ControlCharacter { offset, byte });
    }
    if !text.ends_with('\n') {
        return Err(NoteError::TextMissingNewline);
    }
    Ok(())
}

/// Sign `text` with each signer, in order, as Go's `note.Sign` does for a new note.
///
/// # Errors
///
/// [`NoteError::NoSigners`] if `signers` is empty; otherwise as [`Signer::sign`] and
/// [`Note::add_signature`].
pub fn sign(text: &str, signers: &[&Signer]) -> Result<Note, NoteError> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::NoSigners);
    }
    let mut note = Note {
        text: text.to_owned(),
        sigs: Vec::with_capacity(signers.len()),
    };
    for signer in signers {
        note.add_signature(signer.sign(text)?)?;
    }
    Ok(note)
}

/// Why a note could not be parsed, made, signed or opened.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The note is not valid UTF-8.
    #[error("the note is not valid UTF-8 (at byte offset {offset})")]
    NotUtf8 {
        /// Where the invalid bytes begin.
        offset: usize,
    },
    /// A character below U+0020 other than newline (NUL, CR, tab, …).
    #[error("control character {byte:#04x} at byte offset {offset}; only newline is allowed")]
    ControlCharacter {
        /// Its byte offset.
        offset: usize,
        /// The character.
        byte: u8,
    },
    /// A text to sign does not end in a newline.
    #[error("the note text does not end in a newline")]
    TextMissingNewline,
    /// No blank line followed by signature lines.
    #[error("no signature block: a note is its text, a blank line, then signature lines")]
    NoSignatureBlock,
    /// The last signature line does not end in a newline.
    #[error("the last signature line does not end in a newline")]
    MissingFinalNewline,
    /// A malformed signature line.
    #[error("signature line (line {line} of the note): {reason}")]
    BadSignatureLine {
        /// The 1-based line number in the note.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("more than {limit} signature lines")]
    TooManySignatures {
        /// The limit.
        limit: usize,
    },
    /// [`sign`] was given no signers.
    #[error("no signers: a note needs at least one signature")]
    NoSigners,
    /// A note text beginning with the `cosignature/v1` header was given to an Ed25519 signer.
    #[error("refusing to sign a note text that begins with the cosignature/v1 header")]
    ReservedPrefix,
    /// No signature is by a known key. The parsed note is kept for diagnosis.
    #[error("none of the note's {} signature(s) is by a known key", .note.sigs.len())]
    NoVerifiedSignature {
        /// The note, unverified.
        note: Box<Note>,
    },
    /// A signature by a known key does not verify.
    #[error("the signature by known key {name}+{key_id:08x} does not verify: {fault}")]
    InvalidSignature {
        /// The key name.
        name: String,
        /// The key id.
        key_id: u32,
        /// Why.
        fault: SignatureFault,
    },
    /// A signature line carrying the key id of a known key under another key name: the line
    /// was altered after signing (the id is a hash of the name and key, so a key the verifier
    /// does not know has another id but by a 2^-32 chance). Ignored as an unknown key's line, it
    /// would silently take a cosignature away; it is refused instead.
    #[error(
        "signature line by {line:?} carries the key id {key_id:08x} of known key {known}, under another name: the line was altered"
    )]
    AlteredSignatureLine {
        /// The key name on the line (at most 64 characters).
        line: String,
        /// The key id on the line.
        key_id: u32,
        /// The known key whose id it carries, `name+hexid`.
        known: String,
    },
    /// Two known keys share the key name and id of a signature line.
    #[error("two known keys are named {name}+{key_id:08x}")]
    AmbiguousVerifier {
        /// The key name.
        name: String,
        /// The key id.
        key_id: u32,
    },
    /// A key of the wrong type was given.
    #[error("key {key} is a {found:?} key; a {expected:?} key is needed")]
    WrongKeyType {
        /// `name+keyid`.
        key: String,
        /// Its type.
        found: KeyType,
        /// The type needed.
        expected: KeyType,
    },
    /// The signature line is not by the key it was checked against.
    #[error("the signature line is by {found}, not {expected}")]
    KeyMismatch {
        /// `name+keyid` of the key given.
        expected: String,
        /// `name+keyid` of the signature line.
        found: String,
    },
    /// A checkpoint note without a verified signature by the log's key.
    #[error("the checkpoint is not signed by the log key {key}")]
    NotSignedByLog {
        /// `name+keyid` of the log key.
        key: String,
    },
    /// A text that should be a checkpoint is not.
    #[error("not a checkpoint: {0}")]
    NotACheckpoint(CheckpointError),
    /// A cosignature timestamp above 2^63 − 1.
    #[error("cosignature timestamp {timestamp} exceeds 2^63 - 1")]
    TimestampTooLarge {
        /// The timestamp.
        timestamp: u64,
    },
    /// An invalid key name.
    #[error(transparent)]
    Key(#[from] KeyStringError),
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::open;
    use super::*;
    use crate::keys::SecretKey;

    fn signer(name: &str, seed: u8) -> Signer {
        Signer::new(name, &SecretKey::from_seed(name, &[seed; 32])).unwrap()
    }

    #[test]
    fn add_signature_replaces_the_same_key() {
        let a = signer("a", 1);
        let mut note = sign("t\n", &[&a]).unwrap();
        let old = NoteSig::new("a", a.key_id(), vec![1, 2, 3]).unwrap();
        note.add_signature(old).unwrap();
        assert_eq!(note.signatures().len(), 1);
        note.add_signature(a.sign("t\n").unwrap()).unwrap();
        assert_eq!(note.signatures().len(), 1);
        assert!(open(&note.encode(), &[a.verifier()]).is_ok());
        for i in 1..u32::try_from(MAX_SIGNATURES).unwrap() {
            note.add_signature(NoteSig::new("x", i, vec![0]).unwrap())
                .unwrap();
        }
        assert_eq!(
            note.add_signature(NoteSig::new("y", 0, vec![0]).unwrap()),
            Err(NoteError::TooManySignatures {
                limit: MAX_SIGNATURES
            })
        );
        assert!(Note::parse(&note.encode()).is_ok());
    }

    #[test]
    fn sign_checks_the_text() {
        let a = signer("a", 1);
        assert_eq!(
            sign("no newline", &[&a]),
            Err(NoteError::TextMissingNewline)
        );
        assert_eq!(
            sign("nul\0\n", &[&a]),
            Err(NoteError::ControlCharacter { offset: 3, byte: 0 })
        );
        assert_eq!(sign("t\n", &[]), Err(NoteError::NoSigners));
        // Sign does what Open accepts, even for a lone newline or trailing blank lines.
        for text in ["\n", "a\n\n", "a\n\n\n", "— x y\n"] {
            let note = sign(text, &[&a]).unwrap();
            assert_eq!(open(&note.encode(), &[a.verifier()]).unwrap().text(), text);
        }
    }

    #[test]
    fn syntax_errors_say_where() {
        let a = signer("a", 1);
        let good = sign("t\nu\n", &[&a]).unwrap().to_string();
        let line = good.lines().last().unwrap().to_owned();
        let cases: Vec<(Vec<u8>, NoteError)> = vec![
            (b"t\n\xffu\n\n".to_vec(), NoteError::NotUtf8 { offset: 2 }),
            (
                good.replace("u\n", "u\r\n").into_bytes(),
                NoteError::ControlCharacter {
                    offset: 3,
                    byte: 13,
                },
            ),
            (b"t\n".to_vec(), NoteError::NoSignatureBlock),
            (b"t\n\n".to_vec(), NoteError::NoSignatureBlock),
            (
                good.trim_end().as_bytes().to_vec(),
                NoteError::MissingFinalNewline,
            ),
            (
                format!("{good}junk\n").into_bytes(),
                NoteError::BadSignatureLine {
                    line: 5,
                    reason: "it does not begin with an em dash (U+2014) and a space",
                },
            ),
            (
                good.replace("— a ", "— a  ").into_bytes(),
                NoteError::BadSignatureLine {
                    line: 4,
                    reason: "not base64: a character outside the standard alphabet",
                },
            ),
            (
                good.replace("— a ", "—  ").into_bytes(),
                NoteError::BadSignatureLine {
                    line: 4,
                    reason: "the key name is empty or has '+' or white space",
                },
            ),
            (
                "t\n\n— a\n".into(),
                NoteError::BadSignatureLine {
                    line: 3,
                    reason: "there is no signature after the key name",
                },
            ),
            (
                "t\n\n— a AAAAAA==\n".into(),
                NoteError::BadSignatureLine {
                    line: 3,
                    reason: "the signature is shorter than a key id and one byte",
                },
            ),
        ];
        for (msg, want) in cases {
            assert_eq!(
                Note::parse(&msg),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(&msg)
            );
        }
        assert_eq!(NoteSig::from_line(&line).unwrap().name(), "a");
        assert!(NoteSig::from_line(&format!("{line}\n")).is_err());
    }

    #[test]
    fn base64_must_be_canonical() {
        // Go's StdEncoding accepts non-zero trailing bits; hotline does not, so every accepted
        // note prints back to its own bytes. 4 + 64 bytes leave 2 unused bits in the last
        // base64 digit before the padding.
        use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
        let a = signer("a", 1);
        let good = sign("t\n", &[&a]).unwrap().to_string();
        let b64 = good
            .lines()
            .last()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned();
        let (head, tail) = b64.split_at(b64.len() - 2);
        assert_eq!(tail.len(), 2);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let digit = alphabet
            .iter()
            .position(|&c| c == tail.as_bytes()[0])
            .unwrap();
        assert_eq!(digit & 0b11, 0);
        let other = format!("{head}{}=", alphabet[digit + 1] as char);
        let lenient = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
        );
        assert_eq!(
            lenient.decode(&other).unwrap(),
            BASE64.decode(&b64).unwrap()
        );
        assert!(matches!(
            Note::parse(good.replace(&b64, &other).as_bytes()),
            Err(NoteError::BadSignatureLine { line: 3, .. })
        ));
    }
}
