//! Signers and cosigners: a party's secret key under a key name, and its private key string.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use zeroize::Zeroizing;

use super::cosig;
use super::keys::{
    KeyStringError, KeyType, SKEY, Verifier, check_key_name, decode_typed_key, key_id,
    split_key_string,
};
use super::note::{NoteError, NoteSig, check_text};
use crate::keys::SecretKey;

const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// A named secret key of one type: the common part of [`Signer`] and [`Cosigner`].
struct Named {
    name: String,
    key_type: KeyType,
    key_id: u32,
    key: SecretKey,
}

impl Named {
    fn new(name: &str, key_type: KeyType, key: &SecretKey) -> Result<Self, KeyStringError> {
        check_key_name(name)?;
        let key = SecretKey::from_seed(key.name(), &key.seed());
        Ok(Named {
            name: name.to_owned(),
            key_type,
            key_id: key_id(name, key_type.byte(), &key.party().0),
            key,
        })
    }

    fn parse(
        skey: &str,
        key_type: KeyType,
        expected: &'static str,
    ) -> Result<Self, KeyStringError> {
        let rest = skey
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or(KeyStringError::Malformed {
                what: SKEY,
                detail: "it must begin with PRIVATE+KEY+",
            })?;
        let (name, stated, b64) = split_key_string(rest, SKEY)?;
        let (_, seed) = decode_typed_key(b64, name, SKEY, &[key_type], expected)?;
        let named = Named::new(name, key_type, &SecretKey::from_seed(name, &seed))?;
        if named.key_id != stated {
            return Err(KeyStringError::KeyIdMismatch {
                what: SKEY,
                name: name.to_owned(),
                stated,
                computed: named.key_id,
            });
        }
        Ok(named)
    }

    fn private_key(&self) -> Zeroizing<String> {
        let mut typed = Zeroizing::new([0u8; 33]);
        let (t, k) = typed.split_at_mut(1);
        t.copy_from_slice(&[self.key_type.byte()]);
        k.copy_from_slice(self.key.seed().as_slice());
        // Reserve everything up front: a reallocation would leave a copy of the seed behind.
        let mut out = Zeroizing::new(String::with_capacity(
            PRIVATE_PREFIX.len() + self.name.len() + 64,
        ));
        out.push_str(PRIVATE_PREFIX);
        out.push_str(&self.name);
        out.push_str(&format!("+{:08x}+", self.key_id));
        BASE64.encode_string(typed.as_slice(), &mut out);
        out
    }

    fn verifier(&self) -> Verifier {
        Verifier::new_unchecked(self.name.clone(), self.key_type, self.key.party())
    }

    fn sig(&self, sig: Vec<u8>) -> NoteSig {
        NoteSig::new_unchecked(self.name.clone(), self.key_id, sig)
    }
}

impl fmt::Debug for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{:08x}, secret: <redacted>", self.name, self.key_id)
    }
}

/// An Ed25519 (`0x01`) note signer: a party's [`SecretKey`] under a key name.
#[derive(Debug)]
pub struct Signer(Named);

impl Signer {
    /// A signer for `key` under the key name `name` (a copy of the key is kept, zeroized on
    /// drop).
    ///
    /// # Errors
    ///
    /// [`KeyStringError::InvalidName`].
    pub fn new(name: &str, key: &SecretKey) -> Result<Self, KeyStringError> {
        Named::new(name, KeyType::Ed25519, key).map(Signer)
    }

    /// Parse Go's private key string `PRIVATE+KEY+name+hexid+base64(0x01 ‖ seed)`, checking
    /// the key id against the public key.
    ///
    /// # Errors
    ///
    /// [`KeyStringError`] naming what is wrong (never the secret).
    pub fn from_private_key(skey: &str) -> Result<Self, KeyStringError> {
        Named::parse(skey, KeyType::Ed25519, "0x01 (Ed25519)").map(Signer)
    }

    /// The private key string. Keep it secret; it is wiped when dropped.
    pub fn to_private_key(&self) -> Zeroizing<String> {
        self.0.private_key()
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.0.key_id
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        self.0.verifier()
    }

    /// Sign a note text.
    ///
    /// # Errors
    ///
    /// [`NoteError::TextMissingNewline`] or [`NoteError::ControlCharacter`] if `text` is not a
    /// valid note text; [`NoteError::ReservedPrefix`] if it begins with
    /// [`cosig::COSIGNATURE_HEADER`] (see the module docs on domain separation).
    pub fn sign(&self, text: &str) -> Result<NoteSig, NoteError> {
        check_text(text)?;
        if text.starts_with(cosig::COSIGNATURE_HEADER) {
            return Err(NoteError::ReservedPrefix);
        }
        Ok(self.0.sig(self.0.key.sign(text.as_bytes()).to_vec()))
    }
}

/// A `cosignature/v1` (`0x04`) cosigner: a party's [`SecretKey`] under a key name.
#[derive(Debug)]
pub struct Cosigner(Named);

impl Cosigner {
    /// A cosigner for `key` under the key name `name` (a copy of the key is kept, zeroized on
    /// drop).
    ///
    /// # Errors
    ///
    /// [`KeyStringError::InvalidName`].
    pub fn new(name: &str, key: &SecretKey) -> Result<Self, KeyStringError> {
        Named::new(name, KeyType::CosignatureV1, key).map(Cosigner)
    }

    /// Parse a private key string `PRIVATE+KEY+name+hexid+base64(0x04 ‖ seed)`, whose key id
    /// is computed with type `0x04`.
    ///
    /// # Errors
    ///
    /// [`KeyStringError`] naming what is wrong (never the secret).
    pub fn from_private_key(skey: &str) -> Result<Self, KeyStringError> {
        Named::parse(skey, KeyType::CosignatureV1, "0x04 (cosignature/v1)").map(Cosigner)
    }

    /// The private key string. Keep it secret; it is wiped when dropped.
    pub fn to_private_key(&self) -> Zeroizing<String> {
        self.0.private_key()
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.0.key_id
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        self.0.verifier()
    }

    /// Cosign a checkpoint body at `timestamp` (POSIX seconds, from the caller's clock): the
    /// signature line's bytes are `timestamp: u64 big-endian ‖ Ed25519 signature` over
    /// [`cosig::cosigned_message`].
    ///
    /// # Errors
    ///
    /// [`NoteError::NotACheckpoint`] if `checkpoint_body` does not parse as a checkpoint;
    /// [`NoteError::TimestampTooLarge`] above [`cosig::MAX_TIMESTAMP`].
    pub fn cosign(&self, checkpoint_body: &str, timestamp: u64) -> Result<NoteSig, NoteError> {
        cosig::check(checkpoint_body, timestamp)?;
        let message = cosig::cosigned_message(checkpoint_body, timestamp);
        let mut bytes = Vec::with_capacity(cosig::SIGNATURE_LEN);
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&self.0.key.sign(&message));
        Ok(self.0.sig(bytes))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn cosigner_keys_use_type_4_in_the_id() {
        let secret = SecretKey::from_seed("w", &[5; 32]);
        let signer = Signer::new("witness.example/w1", &secret).unwrap();
        let cosigner = Cosigner::new("witness.example/w1", &secret).unwrap();
        let party = secret.party();
        assert_eq!(signer.key_id(), key_id("witness.example/w1", 1, &party.0));
        assert_eq!(cosigner.key_id(), key_id("witness.example/w1", 4, &party.0));
        assert_ne!(signer.key_id(), cosigner.key_id());
        let v = Verifier::parse(&cosigner.verifier().to_string()).unwrap();
        assert_eq!(v, cosigner.verifier());
        assert_eq!(v.key_type(), KeyType::CosignatureV1);
        assert!(v.to_string().contains("+B"), "{v}");
    }

    #[test]
    fn private_keys_round_trip_and_are_typed() {
        let secret = SecretKey::from_seed("w", &[6; 32]);
        let signer = Signer::new("alpha", &secret).unwrap();
        let skey = signer.to_private_key();
        assert!(skey.starts_with("PRIVATE+KEY+alpha+"), "{}", skey.as_str());
        let back = Signer::from_private_key(&skey).unwrap();
        assert_eq!(back.verifier(), signer.verifier());
        assert_eq!(back.to_private_key(), skey);
        assert!(matches!(
            Cosigner::from_private_key(&skey),
            Err(KeyStringError::UnsupportedType { found: 1, .. })
        ));
        let cosigner = Cosigner::new("alpha", &secret).unwrap();
        let cskey = cosigner.to_private_key();
        assert_eq!(
            Cosigner::from_private_key(&cskey).unwrap().verifier(),
            cosigner.verifier()
        );
        assert!(Signer::from_private_key(&cskey).is_err());
        let dbg = format!("{signer:?} {cosigner:?}");
        assert!(
            !dbg.contains(&hex::encode([6u8; 32])) && !dbg.contains(&skey[20..]),
            "{dbg}"
        );
    }
}
