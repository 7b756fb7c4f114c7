//! Opening signed notes: verifying their signatures against known keys.

use super::keys::{KeyType, Verifier};
use super::note::{Note, NoteError, NoteSig};
use super::{Checkpoint, CheckpointError};
use crate::keys::PartyId;

/// A signature that verified, with the key that verified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSig {
    sig: NoteSig,
    key_type: KeyType,
    key: PartyId,
    timestamp: Option<u64>,
}

impl VerifiedSig {
    /// The signature line.
    pub fn sig(&self) -> &NoteSig {
        &self.sig
    }

    /// The type of the key that verified it.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The public key that verified it.
    pub fn key(&self) -> PartyId {
        self.key
    }

    /// For a cosignature, the time the cosigner says it signed (POSIX seconds); `None` for a
    /// plain Ed25519 note signature.
    pub fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }
}

/// A note whose signatures from known keys all verified, at least one of them. Only
/// [`open`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    text: String,
    verified: Vec<VerifiedSig>,
    unverified: Vec<NoteSig>,
}

impl VerifiedNote {
    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The verified signatures, one per key, in note order.
    pub fn verified(&self) -> &[VerifiedSig] {
        &self.verified
    }

    /// The signatures by unknown keys, not verified (identical lines once).
    pub fn unverified(&self) -> &[NoteSig] {
        &self.unverified
    }

    /// The verified signature by `verifier`'s key, if there is one.
    pub fn verified_by(&self, verifier: &Verifier) -> Option<&VerifiedSig> {
        self.verified.iter().find(|v| {
            v.sig.name == verifier.name()
                && v.sig.key_id == verifier.key_id()
                && v.key_type == verifier.key_type()
                && v.key == verifier.key()
        })
    }

    /// The text as a checkpoint.
    ///
    /// # Errors
    ///
    /// [`CheckpointError`] if the text is not a checkpoint body.
    pub fn checkpoint(&self) -> Result<Checkpoint, CheckpointError> {
        Checkpoint::parse(&self.text)
    }
}

/// Parse `msg` and verify its signatures against the `known` keys, following Go's `note.Open`
/// and c2sp.org/signed-note:
///
/// - a line whose key name and id match no known key is kept, unverified (identical lines
///   once), unless its id is a known key's: that line was altered, and is refused;
/// - a line whose name and id match two known keys is an error;
/// - every line from a known key is verified (`verify_strict`), and one that fails rejects the
///   note (Go skips a known key's second line unverified; the spec says every one must be
///   verified);
/// - at least one line must verify.
///
/// # Errors
///
/// [`NoteError`]: the syntax errors of [`Note::parse`], [`NoteError::AlteredSignatureLine`],
/// [`NoteError::AmbiguousVerifier`],
/// [`NoteError::InvalidSignature`], or [`NoteError::NoVerifiedSignature`] holding the parsed
/// note.
pub fn open(msg: &[u8], known: &[Verifier]) -> Result<VerifiedNote, NoteError> {
    let note = Note::parse(msg)?;
    let mut verified: Vec<VerifiedSig> = Vec::new();
    let mut unverified: Vec<NoteSig> = Vec::new();
    for sig in &note.sigs {
        let mut matching = known
            .iter()
            .filter(|v| v.name() == sig.name && v.key_id() == sig.key_id);
        let Some(verifier) = matching.next() else {
            if let Some(v) = known.iter().find(|v| v.key_id() == sig.key_id) {
                return Err(NoteError::AlteredSignatureLine {
                    line: super::excerpt(&sig.name),
                    key_id: sig.key_id,
                    known: format!("{}+{:08x}", v.name(), v.key_id()),
                });
            }
            if !unverified.contains(sig) {
                unverified.push(sig.clone());
            }
            continue;
        };
        if matching.next().is_some() {
            return Err(NoteError::AmbiguousVerifier {
                name: sig.name.clone(),
                key_id: sig.key_id,
            });
        }
        let timestamp =
            verifier
                .verify(&note.text, &sig.sig)
                .map_err(|fault| NoteError::InvalidSignature {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                    fault,
                })?;
        if !verified
            .iter()
            .any(|v| v.sig.name == sig.name && v.sig.key_id == sig.key_id)
        {
            verified.push(VerifiedSig {
                sig: sig.clone(),
                key_type: verifier.key_type(),
                key: verifier.key(),
                timestamp,
            });
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoVerifiedSignature {
            note: Box::new(note),
        });
    }
    Ok(VerifiedNote {
        text: note.text,
        verified,
        unverified,
    })
}

/// Open a checkpoint note: [`open`] with the log's key and the cosigners' keys, then require
/// the log's own signature and a well-formed checkpoint body. Which cosignatures verified is
/// in the returned note ([`VerifiedNote::verified_by`]); a quorum policy is the caller's.
///
/// The origin is not checked (tlog-checkpoint only recommends that the log's key name match
/// it): compare [`Checkpoint::origin`] with the one expected, for a hotline feed
/// [`super::origin`].
///
/// # Errors
///
/// As [`open`]; [`NoteError::NotSignedByLog`] if the log's signature is missing;
/// [`NoteError::NotACheckpoint`] if the text is not a checkpoint body.
pub fn open_checkpoint(
    msg: &[u8],
    log: &Verifier,
    cosigners: &[Verifier],
) -> Result<(Checkpoint, VerifiedNote), NoteError> {
    let mut known = Vec::with_capacity(cosigners.len() + 1);
    known.push(log.clone());
    known.extend_from_slice(cosigners);
    let note = open(msg, &known)?;
    if note.verified_by(log).is_none() {
        return Err(NoteError::NotSignedByLog {
            key: format!("{}+{:08x}", log.name(), log.key_id()),
        });
    }
    let checkpoint = note.checkpoint().map_err(NoteError::NotACheckpoint)?;
    Ok((checkpoint, note))
}

/// Why one signature did not verify.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureFault {
    /// The Ed25519 signature does not verify strictly.
    #[error("the Ed25519 signature does not verify")]
    BadSignature,
    /// The signature bytes after the key id have the wrong length for the key type.
    #[error("{found} signature bytes after the key id; this key type has {expected}")]
    WrongLength {
        /// The length the key type has.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// An Ed25519 note signature over a text beginning `cosignature/v1\n`, which would be
    /// indistinguishable from a cosignature by the same key.
    #[error("a note signature over a text that begins with the cosignature/v1 header")]
    ReservedPrefix,
    /// A cosignature timestamp above 2^63 − 1.
    #[error("cosignature timestamp {timestamp} exceeds 2^63 - 1")]
    TimestampTooLarge {
        /// The timestamp.
        timestamp: u64,
    },
    /// A cosignature on a text that is not a checkpoint.
    #[error("a cosignature on a text that is not a checkpoint: {0}")]
    NotACheckpoint(CheckpointError),
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::{Signer, sign};
    use super::*;
    use crate::keys::SecretKey;

    fn signer(name: &str, seed: u8) -> Signer {
        Signer::new(name, &SecretKey::from_seed(name, &[seed; 32])).unwrap()
    }

    #[test]
    fn sign_print_parse_open() {
        let (a, b) = (signer("a.example/a", 1), signer("b.example/b", 2));
        let text = "line one\n\nline three after a blank line\n";
        let note = sign(text, &[&a, &b]).unwrap();
        let bytes = note.encode();
        assert_eq!(Note::parse(&bytes).unwrap(), note);
        assert_eq!(note.to_string().as_bytes(), bytes);
        let opened = open(&bytes, &[b.verifier()]).unwrap();
        assert_eq!(opened.text(), text);
        assert_eq!(opened.verified().len(), 1);
        assert_eq!(opened.verified()[0].sig().name(), "b.example/b");
        assert_eq!(opened.verified()[0].timestamp(), None);
        assert_eq!(opened.unverified(), &note.signatures()[..1]);
        assert!(opened.verified_by(&b.verifier()).is_some());
        assert!(opened.verified_by(&a.verifier()).is_none());
    }

    #[test]
    fn duplicates_and_ambiguity() {
        let a = signer("a", 1);
        let good = sign("t\n", &[&a]).unwrap().to_string();
        let line = good.lines().last().unwrap();
        let twice = format!("{good}{line}\n");
        let opened = open(twice.as_bytes(), &[a.verifier()]).unwrap();
        assert_eq!(opened.verified().len(), 1);
        // A second, different line by a known key must verify too.
        let bad = NoteSig::new("a", a.key_id(), vec![0; 64]).unwrap();
        let with_bad = format!("{good}{bad}\n");
        assert!(matches!(
            open(with_bad.as_bytes(), &[a.verifier()]),
            Err(NoteError::InvalidSignature {
                fault: SignatureFault::BadSignature,
                ..
            })
        ));
        // Unknown keys' identical lines are kept once.
        let unknown = NoteSig::new("z", 7, vec![1; 64]).unwrap();
        let msg = format!("{good}{unknown}\n{unknown}\n");
        assert_eq!(
            open(msg.as_bytes(), &[a.verifier()]).unwrap().unverified(),
            [unknown]
        );
        // Two known keys with one name and id.
        assert!(matches!(
            open(good.as_bytes(), &[a.verifier(), a.verifier()]),
            Err(NoteError::AmbiguousVerifier { .. })
        ));
        match open(good.as_bytes(), &[]) {
            Err(NoteError::NoVerifiedSignature { note }) => assert_eq!(note.signatures().len(), 1),
            other => panic!("{other:?}"),
        }
    }
}
