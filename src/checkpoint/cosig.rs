//! `cosignature/v1` (c2sp.org/tlog-cosignature): timestamped Ed25519 cosignatures of
//! checkpoints. The signing half is [`Cosigner::cosign`].

use super::Checkpoint;
use super::keys::{KeyType, Verifier};
use super::note::{NoteError, NoteSig};
use super::open::SignatureFault;
use super::signer::Cosigner;
use crate::keys::{PartyId, SecretKey};

/// The header line every `cosignature/v1` signed message begins with, newline included.
pub const COSIGNATURE_HEADER: &str = "cosignature/v1\n";

/// The largest cosignature timestamp the spec allows: 2^63 − 1.
pub const MAX_TIMESTAMP: u64 = (1 << 63) - 1;

/// The signature bytes of a cosignature line after the key id: timestamp and Ed25519 signature.
pub(super) const SIGNATURE_LEN: usize = 8 + 64;

/// The message a `cosignature/v1` cosigner signs:
/// `"cosignature/v1\ntime " ‖ decimal timestamp ‖ "\n" ‖ checkpoint body`.
///
/// ```
/// let body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
/// let message = hotline::checkpoint::cosigned_message(body, 1679315147);
/// assert!(message.starts_with(b"cosignature/v1\ntime 1679315147\nexample.com/"));
/// ```
pub fn cosigned_message(checkpoint_body: &str, timestamp: u64) -> Vec<u8> {
    format!("{COSIGNATURE_HEADER}time {timestamp}\n{checkpoint_body}").into_bytes()
}

/// Cosign `checkpoint_body` at `timestamp` with `secret` under the cosigner key name `name`:
/// [`Cosigner::new`] then [`Cosigner::cosign`].
///
/// # Errors
///
/// [`NoteError::Key`] for an invalid name; otherwise as [`Cosigner::cosign`].
pub fn cosign(
    checkpoint_body: &str,
    name: &str,
    secret: &SecretKey,
    timestamp: u64,
) -> Result<NoteSig, NoteError> {
    Cosigner::new(name, secret)?.cosign(checkpoint_body, timestamp)
}

/// Verify one cosignature line over `checkpoint_body` by the cosigner `verifier`, returning
/// the timestamp it carries.
///
/// # Errors
///
/// [`NoteError::WrongKeyType`] if `verifier` is not a cosigner key;
/// [`NoteError::KeyMismatch`] if the line is by another key name or id;
/// [`NoteError::InvalidSignature`] if it does not verify (see [`SignatureFault`]).
pub fn verify_cosignature(
    checkpoint_body: &str,
    sig: &NoteSig,
    verifier: &Verifier,
) -> Result<u64, NoteError> {
    if verifier.key_type() != KeyType::CosignatureV1 {
        return Err(NoteError::WrongKeyType {
            key: format!("{}+{:08x}", verifier.name(), verifier.key_id()),
            found: verifier.key_type(),
            expected: KeyType::CosignatureV1,
        });
    }
    if sig.name() != verifier.name() || sig.key_id() != verifier.key_id() {
        return Err(NoteError::KeyMismatch {
            expected: format!("{}+{:08x}", verifier.name(), verifier.key_id()),
            found: format!("{}+{:08x}", sig.name(), sig.key_id()),
        });
    }
    verify_bytes(&verifier.key(), checkpoint_body, sig.signature()).map_err(|fault| {
        NoteError::InvalidSignature {
            name: sig.name().to_owned(),
            key_id: sig.key_id(),
            fault,
        }
    })
}

/// What a cosigner checks before signing.
pub(super) fn check(checkpoint_body: &str, timestamp: u64) -> Result<Checkpoint, NoteError> {
    if timestamp > MAX_TIMESTAMP {
        return Err(NoteError::TimestampTooLarge { timestamp });
    }
    Checkpoint::parse(checkpoint_body).map_err(NoteError::NotACheckpoint)
}

/// Verify the signature bytes `timestamp ‖ signature` of a cosignature by `key` over the note
/// text `text`, returning the timestamp.
pub(super) fn verify_bytes(key: &PartyId, text: &str, sig: &[u8]) -> Result<u64, SignatureFault> {
    let wrong_length = SignatureFault::WrongLength {
        expected: SIGNATURE_LEN,
        found: sig.len(),
    };
    let (timestamp, ed_sig) = sig.split_first_chunk::<8>().ok_or(wrong_length.clone())?;
    let ed_sig: &[u8; 64] = ed_sig.try_into().map_err(|_| wrong_length)?;
    let timestamp = u64::from_be_bytes(*timestamp);
    if timestamp > MAX_TIMESTAMP {
        return Err(SignatureFault::TimestampTooLarge { timestamp });
    }
    Checkpoint::parse(text).map_err(SignatureFault::NotACheckpoint)?;
    key.verify(&cosigned_message(text, timestamp), ed_sig)
        .map_err(|_| SignatureFault::BadSignature)?;
    Ok(timestamp)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::{CheckpointError, Signer, open};
    use super::*;

    const BODY: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    fn witness() -> (SecretKey, Cosigner) {
        let secret = SecretKey::from_seed("w", &[9; 32]);
        let cosigner = Cosigner::new("witness.example/w1", &secret).unwrap();
        (secret, cosigner)
    }

    #[test]
    fn message_matches_the_spec_layout() {
        assert_eq!(
            cosigned_message(BODY, 1679315147),
            format!("cosignature/v1\ntime 1679315147\n{BODY}").into_bytes()
        );
        assert_eq!(
            cosigned_message(BODY, 0)[..22],
            *b"cosignature/v1\ntime 0\n"
        );
    }

    #[test]
    fn cosign_and_verify() {
        let (secret, cosigner) = witness();
        let sig = cosigner.cosign(BODY, 1679315147).unwrap();
        assert_eq!(sig.signature().len(), 72);
        assert_eq!(sig.signature()[..8], 1679315147u64.to_be_bytes());
        assert_eq!(sig.key_id(), cosigner.key_id());
        assert_eq!(
            verify_cosignature(BODY, &sig, &cosigner.verifier()),
            Ok(1679315147)
        );
        // The free function gives the same (deterministic) bytes.
        assert_eq!(
            cosign(BODY, "witness.example/w1", &secret, 1679315147).unwrap(),
            sig
        );
        // The signature is over the exact message, made with the same key.
        let mut ed = [0u8; 64];
        ed.copy_from_slice(&sig.signature()[8..]);
        let party = secret.party();
        assert_eq!(
            party.verify(&cosigned_message(BODY, 1679315147), &ed),
            Ok(())
        );
    }

    #[test]
    fn rejects_changed_timestamp_body_and_extensions() {
        let (_, cosigner) = witness();
        let v = cosigner.verifier();
        let body = format!("{BODY}ext\n");
        let sig = cosigner.cosign(&body, 1000).unwrap();
        let mut bytes = sig.signature().to_vec();
        bytes[7] ^= 1;
        let moved = NoteSig::new(sig.name(), sig.key_id(), bytes).unwrap();
        assert!(matches!(
            verify_cosignature(&body, &moved, &v),
            Err(NoteError::InvalidSignature {
                fault: SignatureFault::BadSignature,
                ..
            })
        ));
        let other = body.replace("ext", "exu");
        assert!(verify_cosignature(&other, &sig, &v).is_err());
        assert!(verify_cosignature(BODY, &sig, &v).is_err());
        assert_eq!(verify_cosignature(&body, &sig, &v), Ok(1000));
    }

    #[test]
    fn limits_and_types() {
        let (secret, cosigner) = witness();
        assert_eq!(
            cosigner.cosign(BODY, MAX_TIMESTAMP + 1),
            Err(NoteError::TimestampTooLarge {
                timestamp: MAX_TIMESTAMP + 1
            })
        );
        assert!(cosigner.cosign(BODY, MAX_TIMESTAMP).is_ok());
        assert!(matches!(
            cosigner.cosign("not a checkpoint\n", 1),
            Err(NoteError::NotACheckpoint(
                CheckpointError::TooFewLines { .. }
            ))
        ));
        // A timestamp above 2^63 - 1 is refused even with a valid signature over it.
        let message = cosigned_message(BODY, u64::MAX);
        let mut bytes = u64::MAX.to_be_bytes().to_vec();
        bytes.extend_from_slice(&secret.sign(&message));
        assert_eq!(
            cosigner.verifier().verify(BODY, &bytes),
            Err(SignatureFault::TimestampTooLarge {
                timestamp: u64::MAX
            })
        );
        assert!(matches!(
            cosigner.verifier().verify(BODY, &bytes[..71]),
            Err(SignatureFault::WrongLength {
                expected: 72,
                found: 71
            })
        ));
        // An Ed25519 note key cannot verify cosignatures, nor the other way round.
        let signer = Signer::new("witness.example/w1", &secret).unwrap();
        let sig = cosigner.cosign(BODY, 5).unwrap();
        assert!(matches!(
            verify_cosignature(BODY, &sig, &signer.verifier()),
            Err(NoteError::WrongKeyType { .. })
        ));
        let other = Cosigner::new("witness.example/w2", &secret).unwrap();
        assert!(matches!(
            verify_cosignature(BODY, &sig, &other.verifier()),
            Err(NoteError::KeyMismatch { .. })
        ));
    }

    #[test]
    fn a_cosignature_never_passes_for_a_note_signature() {
        // Same key as note signer (0x01) and cosigner (0x04). The cosignature's Ed25519 bytes
        // are a valid signature over "cosignature/v1\ntime T\n<body>"; presented as a 0x01
        // note signature on that text, they must be refused.
        let (secret, cosigner) = witness();
        let signer = Signer::new("witness.example/w1", &secret).unwrap();
        let sig = cosigner.cosign(BODY, 7).unwrap();
        let text = String::from_utf8(cosigned_message(BODY, 7)).unwrap();
        assert_eq!(
            signer.verifier().verify(&text, &sig.signature()[8..]),
            Err(SignatureFault::ReservedPrefix)
        );
        let forged = NoteSig::new(
            signer.name(),
            signer.key_id(),
            sig.signature()[8..].to_vec(),
        )
        .unwrap();
        let note = format!("{text}\n{forged}\n");
        assert!(matches!(
            open(note.as_bytes(), &[signer.verifier()]),
            Err(NoteError::InvalidSignature {
                fault: SignatureFault::ReservedPrefix,
                ..
            })
        ));
        assert_eq!(signer.sign(&text), Err(NoteError::ReservedPrefix));
    }
}
