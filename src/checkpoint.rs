//! C2SP signed notes, transparency-log checkpoints and `cosignature/v1` cosignatures, as
//! specified by [c2sp.org/signed-note], [c2sp.org/tlog-checkpoint] and
//! [c2sp.org/tlog-cosignature], byte for byte compatible with Go's
//! `golang.org/x/mod/sumdb/note` and `github.com/transparency-dev/formats`.
//!
//! Each party's feed is an RFC 6962 Merkle tree ([`crate::merkle`]). Its owner publishes the
//! tree's size and root as a checkpoint signed with its Ed25519 key, and the other parties
//! cosign it, so that standard transparency-log tooling in other languages can check both.
//! Everything here is pure: no I/O, no clock (callers pass timestamps in), no panics.
//!
//! # Keys
//!
//! | item | form |
//! |---|---|
//! | key name | non-empty UTF-8; no `+`, no Unicode white space, no control characters |
//! | key id | first 4 bytes, big-endian, of `SHA-256(name ‖ 0x0A ‖ type ‖ public key)` ([`key_id`]) |
//! | type byte | `0x01` Ed25519 note signature; `0x04` Ed25519 `cosignature/v1` ([`KeyType`]) |
//! | verifier key | `name + "+" + 8 hex digits of the key id + "+" + base64(type ‖ 32-byte key)` ([`Verifier`]) |
//! | private key | `"PRIVATE+KEY+" + name + "+" + hex key id + "+" + base64(type ‖ 32-byte seed)` ([`Signer`], [`Cosigner`]) |
//!
//! Base64 is RFC 4648 §4 with padding. The base64 part of a key may itself contain `+`, so key
//! strings are split on their first two `+` only (after `PRIVATE+KEY+`).
//!
//! # Signed notes
//!
//! ```text
//! <text: one or more lines, each ending in "\n">
//! <blank line: "\n">
//! — <key name> <base64(key id: 4 bytes big-endian ‖ signature bytes)>\n     (one or more)
//! ```
//!
//! The dash is U+2014 followed by one space. The whole note must be valid UTF-8 with no
//! character below U+0020 other than `\n` (so no NUL); the text is everything up to and
//! including the newline before the *last* blank line, so the text may contain blank lines.
//! At most [`MAX_SIGNATURES`] signature lines are accepted. An Ed25519 (`0x01`) signature is
//! over the text bytes. [`open`] keeps signatures from unknown keys, unverified; verifies every
//! signature from a known key (one that fails rejects the note); and requires at least one to
//! verify.
//!
//! # Checkpoints
//!
//! A [`Checkpoint`] is the text of a note:
//!
//! ```text
//! <origin>\n
//! <tree size: decimal, no leading zeros unless "0">\n
//! <base64 of the 32-byte RFC 6962 root hash>\n
//! <extension line>\n            (zero or more, each non-empty)
//! ```
//!
//! # Cosignatures (`cosignature/v1`, type `0x04`)
//!
//! A cosignature is one more signature line on the checkpoint note. Its signature bytes are
//! `timestamp: u64 big-endian ‖ 64-byte Ed25519 signature`, and the signed message is
//!
//! ```text
//! cosignature/v1\n
//! time <timestamp, decimal, no leading zeros>\n
//! <the checkpoint body, including extension lines and its final newline>
//! ```
//!
//! The timestamp is POSIX seconds and must not exceed 2^63 − 1 ([`MAX_TIMESTAMP`]).
//!
//! # Domain separation
//!
//! One Ed25519 key may serve as a party's entry key, its note key and its cosigner key:
//!
//! - hotline entry signatures are over `"hotline/v2/entry-signature\0" ‖ entry`, which
//!   contains a NUL; note texts and cosignature messages cannot contain NUL;
//! - every cosignature message begins `cosignature/v1\n`; [`Signer::sign`] refuses, and
//!   [`Verifier`] rejects, an Ed25519 note signature over a text that begins that way, so a
//!   cosignature can never pass for a note signature or the other way round (the signed-note
//!   spec allows reusing a key across types only "if domain separation can be ensured").
//!
//! # Origins
//!
//! The origin of a party's feed in a channel is [`origin`]: `hotline/<64 hex digits of the
//! channel id>/<party name>`, which is also the key name the owner signs its checkpoints with,
//! as tlog-checkpoint recommends.
//!
//! ```
//! use hotline::SecretKey;
//! use hotline::checkpoint::{self, Checkpoint, Cosigner, Signer};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let channel = hotline::ChannelId([7; 32]);
//! let (alpha, beta) = (SecretKey::from_seed("alpha", &[1; 32]), SecretKey::from_seed("beta", &[2; 32]));
//!
//! let origin = checkpoint::origin(&channel, "alpha");
//! let body = Checkpoint::new(&origin, 3, [0xaa; 32], vec![])?.body();
//! let log = Signer::new(&origin, &alpha)?;
//! let mut note = checkpoint::sign(&body, &[&log])?;
//! let witness = Cosigner::new("hotline/beta", &beta)?;
//! note.add_signature(witness.cosign(&body, 1_700_000_000)?)?;
//!
//! let (cp, verified) =
//!     checkpoint::open_checkpoint(note.to_string().as_bytes(), &log.verifier(), &[witness.verifier()])?;
//! assert_eq!(cp.size(), 3);
//! let cosig = verified.verified_by(&witness.verifier()).ok_or("not cosigned")?;
//! assert_eq!(cosig.timestamp(), Some(1_700_000_000));
//! # Ok(()) }
//! ```
//!
//! [c2sp.org/signed-note]: https://c2sp.org/signed-note
//! [c2sp.org/tlog-checkpoint]: https://c2sp.org/tlog-checkpoint
//! [c2sp.org/tlog-cosignature]: https://c2sp.org/tlog-cosignature

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::entry::ChannelId;
use crate::merkle::Hash;

mod cosig;
mod keys;
mod note;
mod open;
mod signer;

pub use cosig::{COSIGNATURE_HEADER, MAX_TIMESTAMP, cosign, cosigned_message, verify_cosignature};
pub use keys::{KeyStringError, KeyType, Verifier, check_key_name, key_id};
pub use note::{MAX_SIGNATURES, Note, NoteError, NoteSig, sign};
pub use open::{SignatureFault, VerifiedNote, VerifiedSig, open, open_checkpoint};
pub use signer::{Cosigner, Signer};

/// The origin (and the owner's note key name) of `party_name`'s feed in `channel`:
/// `"hotline/" ‖ the channel id in 64 lower-case hex digits ‖ "/" ‖ party_name`.
///
/// The whole id, not a prefix: a checkpoint is bound to its channel only through the origin
/// its signature covers, and with a prefix of 8 bytes two channels whose ids share it (about
/// 2^32 charters to try) would share origins, so a checkpoint of one would open as the other's.
///
/// tlog-checkpoint requires only that an origin be non-empty; it recommends a schema-less
/// URL-like string with no Unicode spaces and no `+` so that it can also be a key name, and
/// says clients must not assume it names a reachable endpoint. This form is not a host name,
/// so it cannot collide with a real log's `example.com/…` origin, and with a name accepted by
/// [`crate::keys::check_name`] it is a valid key name. Names that are not (with spaces, `+` or
/// newlines) give an origin that [`Checkpoint::new`] and [`Signer::new`] reject.
///
/// ```
/// let channel = hotline::ChannelId([0xab; 32]);
/// assert_eq!(
///     hotline::checkpoint::origin(&channel, "alpha"),
///     format!("hotline/{}/alpha", "ab".repeat(32))
/// );
/// ```
pub fn origin(channel: &ChannelId, party_name: &str) -> String {
    format!("hotline/{channel}/{party_name}")
}

/// A transparency-log checkpoint: the text of a signed note naming a tree by its origin, size
/// and RFC 6962 root. Built by [`Checkpoint::new`] or [`Checkpoint::parse`], so it always has
/// a well-formed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint from its parts.
    ///
    /// # Errors
    ///
    /// [`CheckpointError::EmptyOrigin`], [`CheckpointError::EmptyExtension`], or
    /// [`CheckpointError::ControlCharacter`] if the origin or an extension line contains a
    /// newline or another character below U+0020.
    pub fn new(
        origin: &str,
        size: u64,
        root: Hash,
        extensions: Vec<String>,
    ) -> Result<Self, CheckpointError> {
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if let Some(byte) = origin.bytes().find(|&b| b < 0x20) {
            return Err(CheckpointError::ControlCharacter { line: 1, byte });
        }
        for (i, ext) in extensions.iter().enumerate() {
            if ext.is_empty() {
                return Err(CheckpointError::EmptyExtension { line: i + 4 });
            }
            if let Some(byte) = ext.bytes().find(|&b| b < 0x20) {
                return Err(CheckpointError::ControlCharacter { line: i + 4, byte });
            }
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Parse a checkpoint body (a note's text), strictly: see the [module docs](self).
    ///
    /// # Errors
    ///
    /// [`CheckpointError`] naming the rule broken and the line (1-based) where it is.
    pub fn parse(body: &str) -> Result<Self, CheckpointError> {
        let content = body
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        if let Some((offset, byte)) = first_control(body) {
            let line = line_of(body, offset);
            return Err(CheckpointError::ControlCharacter { line, byte });
        }
        let mut lines = content.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size_line = lines
            .next()
            .ok_or(CheckpointError::TooFewLines { found: 1 })?;
        let root_line = lines
            .next()
            .ok_or(CheckpointError::TooFewLines { found: 2 })?;
        let size = parse_size(size_line)?;
        let root =
            decode_hash(root_line.as_bytes()).map_err(|reason| CheckpointError::BadRoot {
                found: excerpt(root_line),
                reason,
            })?;
        let mut extensions = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                return Err(CheckpointError::EmptyExtension { line: i + 4 });
            }
            extensions.push(line.to_owned());
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The note text: origin, size, base64 root and extension lines, each ending in `\n`.
    pub fn body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for ext in &self.extensions {
            body.push_str(ext);
            body.push('\n');
        }
        body
    }

    /// The log's origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root hash of the tree at [`Checkpoint::size`].
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// The extension lines, without their newlines (usually none).
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }
}

/// Why a checkpoint body was refused. Line numbers are 1-based lines of the body.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The body does not end in a newline.
    #[error("the checkpoint body does not end in a newline")]
    MissingFinalNewline,
    /// The body has fewer than the three lines origin, size and root.
    #[error("the checkpoint body has {found} line(s); it needs origin, size and root hash")]
    TooFewLines {
        /// How many lines it has.
        found: usize,
    },
    /// The origin (line 1) is empty.
    #[error("line 1: the origin is empty")]
    EmptyOrigin,
    /// The size (line 2) is not a decimal `u64` without leading zeros.
    #[error("line 2: tree size {found:?} is not a decimal number without leading zeros below 2^64")]
    BadSize {
        /// The line found (at most 64 characters of it).
        found: String,
    },
    /// The root (line 3) is not the canonical base64 of 32 bytes.
    #[error("line 3: root hash {found:?}: {reason}")]
    BadRoot {
        /// The line found (at most 64 characters of it).
        found: String,
        /// What is wrong: not base64, non-canonical base64, or not 32 bytes.
        reason: &'static str,
    },
    /// An extension line is empty (so the body would hold a blank line).
    #[error("line {line}: extension lines must not be empty")]
    EmptyExtension {
        /// The line.
        line: usize,
    },
    /// A newline inside a field, or another character below U+0020.
    #[error("line {line}: control character {byte:#04x} (only newline may appear, ending lines)")]
    ControlCharacter {
        /// The line.
        line: usize,
        /// The character.
        byte: u8,
    },
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let bad = || CheckpointError::BadSize {
        found: excerpt(line),
    };
    let digits = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    if !digits || (line.len() > 1 && line.starts_with('0')) {
        return Err(bad());
    }
    line.parse().map_err(|_| bad())
}

/// The byte offset and value of the first character below U+0020 other than `\n`.
pub(crate) fn first_control(s: &str) -> Option<(usize, u8)> {
    s.bytes().enumerate().find(|&(_, b)| b < 0x20 && b != b'\n')
}

/// The 1-based line number of byte `offset` in `s`.
fn line_of(s: &str, offset: usize) -> usize {
    s.as_bytes()
        .get(..offset)
        .map_or(0, |head| head.iter().filter(|&&b| b == b'\n').count())
        + 1
}

/// What is wrong with base64 that the strict decoder refused, in words: hotline (like
/// C2SP) accepts only the canonical padded standard encoding, so that every accepted note,
/// proof and request prints back to its own bytes and no two strings decode to one value.
pub(crate) fn base64_fault(e: &base64::DecodeError) -> &'static str {
    match e {
        base64::DecodeError::InvalidLastSymbol(..) => {
            "non-canonical base64: the last digit has unused bits set"
        }
        base64::DecodeError::InvalidPadding => {
            "non-canonical base64: the padding is missing or not the canonical padding"
        }
        base64::DecodeError::InvalidByte(_, b'=') => "non-canonical base64: padding before the end",
        base64::DecodeError::InvalidByte(..) => {
            "not base64: a character outside the standard alphabet"
        }
        base64::DecodeError::InvalidLength(_) => "not base64: a length no encoding has",
    }
}

/// Decode the canonical padded base64 of a 32-byte hash.
pub(crate) fn decode_hash(b64: &[u8]) -> Result<Hash, &'static str> {
    let raw = BASE64.decode(b64).map_err(|e| base64_fault(&e))?;
    Hash::try_from(raw).map_err(|_| "not the base64 of 32 bytes")
}

/// At most 64 characters of untrusted text, for error messages.
pub(crate) fn excerpt(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const ROOT_B64: &str = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";

    fn spec_body() -> String {
        format!("example.com/behind-the-sofa\n20852163\n{ROOT_B64}\n")
    }

    #[test]
    fn parses_and_reprints_the_spec_example() {
        let cp = Checkpoint::parse(&spec_body()).unwrap();
        assert_eq!(cp.origin(), "example.com/behind-the-sofa");
        assert_eq!(cp.size(), 20852163);
        assert_eq!(BASE64.encode(cp.root()), ROOT_B64);
        assert!(cp.extensions().is_empty());
        assert_eq!(cp.body(), spec_body());
    }

    #[test]
    fn extensions_round_trip() {
        let body = format!("o\n0\n{ROOT_B64}\next one\n— two\n");
        let cp = Checkpoint::parse(&body).unwrap();
        assert_eq!(cp.size(), 0);
        assert_eq!(cp.extensions(), ["ext one", "— two"]);
        assert_eq!(cp.body(), body);
        let again = Checkpoint::new("o", 0, *cp.root(), cp.extensions().to_vec()).unwrap();
        assert_eq!(again, cp);
    }

    #[test]
    fn strict_rules() {
        let r = ROOT_B64;
        let short_root = BASE64.encode([1u8; 31]);
        let cases: Vec<(String, CheckpointError)> = vec![
            (format!("o\n1\n{r}"), CheckpointError::MissingFinalNewline),
            (format!("\n1\n{r}\n"), CheckpointError::EmptyOrigin),
            ("o\n".into(), CheckpointError::TooFewLines { found: 1 }),
            ("o\n1\n".into(), CheckpointError::TooFewLines { found: 2 }),
            (
                format!("o\n01\n{r}\n"),
                CheckpointError::BadSize { found: "01".into() },
            ),
            (
                format!("o\n00\n{r}\n"),
                CheckpointError::BadSize { found: "00".into() },
            ),
            (
                format!("o\n+1\n{r}\n"),
                CheckpointError::BadSize { found: "+1".into() },
            ),
            (
                format!("o\n\n{r}\n"),
                CheckpointError::BadSize { found: "".into() },
            ),
            (
                format!("o\n 1\n{r}\n"),
                CheckpointError::BadSize { found: " 1".into() },
            ),
            (
                format!("o\n18446744073709551616\n{r}\n"),
                CheckpointError::BadSize {
                    found: "18446744073709551616".into(),
                },
            ),
            (
                format!("o\n1\n{short_root}\n"),
                CheckpointError::BadRoot {
                    found: short_root.clone(),
                    reason: "not the base64 of 32 bytes",
                },
            ),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n".into(),
                CheckpointError::BadRoot {
                    found: "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=".into(),
                    reason: "non-canonical base64: the last digit has unused bits set",
                },
            ),
            (
                format!("o\n1\n{r}\n\n"),
                CheckpointError::EmptyExtension { line: 4 },
            ),
            (
                format!("o\n1\n{r}\nx\n\ny\n"),
                CheckpointError::EmptyExtension { line: 5 },
            ),
            (
                format!("o\r\n1\n{r}\n"),
                CheckpointError::ControlCharacter {
                    line: 1,
                    byte: b'\r',
                },
            ),
            (
                format!("o\n1\n{r}\na\0\n"),
                CheckpointError::ControlCharacter { line: 4, byte: 0 },
            ),
        ];
        for (body, want) in cases {
            assert_eq!(Checkpoint::parse(&body), Err(want), "{body:?}");
        }
        assert_eq!(
            Checkpoint::parse(&format!("o\n18446744073709551615\n{r}\n")).map(|c| c.size()),
            Ok(u64::MAX)
        );
    }

    #[test]
    fn new_rejects_what_parse_would() {
        let root = [0u8; 32];
        assert!(Checkpoint::new("a\nb", 1, root, vec![]).is_err());
        assert!(Checkpoint::new("", 1, root, vec![]).is_err());
        assert!(Checkpoint::new("o", 1, root, vec![String::new()]).is_err());
        assert!(Checkpoint::new("o", 1, root, vec!["x\ny".into()]).is_err());
        assert!(Checkpoint::new("o", 1, root, vec!["x\ty".into()]).is_err());
        assert!(Checkpoint::new("o", 1, root, vec!["x y".into()]).is_ok());
    }

    #[test]
    fn origin_form() {
        let mut id = [0u8; 32];
        id[..8].copy_from_slice(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
        id[8] = 0xff;
        let o = origin(&ChannelId(id), "beta");
        assert_eq!(
            o,
            format!("hotline/0123456789abcdefff{}/beta", "00".repeat(23))
        );
        assert!(check_key_name(&o).is_ok());
        // Channels that differ only after the first 8 bytes have different origins.
        id[31] = 1;
        assert_ne!(origin(&ChannelId(id), "beta"), o);
    }
}
