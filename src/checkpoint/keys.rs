//! Key names, key ids and verifier keys.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::cosig;
use super::open::SignatureFault;
use crate::keys::PartyId;

/// The signature types (the type byte of key ids and key strings) hotline speaks.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `0x01`: Ed25519 over the note text (c2sp.org/signed-note).
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignature, `cosignature/v1`
    /// (c2sp.org/tlog-cosignature).
    CosignatureV1,
}

impl KeyType {
    /// The type byte.
    pub const fn byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::CosignatureV1 => 0x04,
        }
    }

    /// The type with this byte, if hotline speaks it.
    pub const fn from_byte(byte: u8) -> Option<KeyType> {
        match byte {
            0x01 => Some(KeyType::Ed25519),
            0x04 => Some(KeyType::CosignatureV1),
            _ => None,
        }
    }
}

/// The key id of a named key: the first 4 bytes, read big-endian, of
/// `SHA-256(name ‖ 0x0A ‖ type_byte ‖ public_key)`.
///
/// ```
/// use hotline::checkpoint::key_id;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // The C2SP signed-note example key, example.com/foo+530d903a+AekyeRrm…
/// let key = hex::decode("e932791ae6e7a840a46164c904786426d5e7821dd8b29a00d61cae72afdd4da4")?;
/// assert_eq!(key_id("example.com/foo", 0x01, &key), 0x530d903a);
/// # Ok(()) }
/// ```
pub fn key_id(name: &str, type_byte: u8, public_key: &[u8]) -> u32 {
    let digest: [u8; 32] = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', type_byte])
        .chain_update(public_key)
        .finalize()
        .into();
    let [a, b, c, d, ..] = digest;
    u32::from_be_bytes([a, b, c, d])
}

/// Check a key name: non-empty, with no `+`, no Unicode white space (Go's `unicode.IsSpace`,
/// the same set as Rust's `char::is_whitespace`) and no other character below U+0020, which
/// could not appear in a note.
///
/// # Errors
///
/// [`KeyStringError::InvalidName`] saying which rule the name breaks.
pub fn check_key_name(name: &str) -> Result<(), KeyStringError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.contains('+') {
        "it contains '+'"
    } else if name.chars().any(|c| c.is_whitespace() || c < ' ') {
        "it contains white space or a control character"
    } else {
        return Ok(());
    };
    Err(KeyStringError::InvalidName {
        name: super::excerpt(name),
        reason,
    })
}

/// Why a key name, verifier key or private key string was refused. Never holds secret bytes.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStringError {
    /// The key name breaks the signed-note rules.
    #[error("invalid key name {name:?}: {reason}")]
    InvalidName {
        /// The name (at most 64 characters of it).
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The string does not have the `name+hexid+base64` shape.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// `"verifier key"` or `"private key"`.
        what: &'static str,
        /// What is wrong.
        detail: &'static str,
    },
    /// The type byte is not one this key string may have.
    #[error("{what} for {name:?} has signature type {found:#04x}; expected {expected}")]
    UnsupportedType {
        /// `"verifier key"` or `"private key"`.
        what: &'static str,
        /// The key name.
        name: String,
        /// The type byte found.
        found: u8,
        /// The types accepted here.
        expected: &'static str,
    },
    /// The key is not 32 bytes long.
    #[error("{what} for {name:?} holds {found} key bytes; Ed25519 keys are 32")]
    WrongKeyLength {
        /// `"verifier key"` or `"private key"`.
        what: &'static str,
        /// The key name.
        name: String,
        /// The number of key bytes after the type byte.
        found: usize,
    },
    /// The stated key id is not the one computed from the name, type and key.
    #[error(
        "{what} for {name:?} states key id {stated:08x}, but its name and key give {computed:08x}"
    )]
    KeyIdMismatch {
        /// `"verifier key"` or `"private key"`.
        what: &'static str,
        /// The key name.
        name: String,
        /// The id in the string.
        stated: u32,
        /// The id the key has.
        computed: u32,
    },
    /// The public key is not a usable Ed25519 key: not a canonical encoding (y ≥ 2^255 − 19),
    /// not a point, or of small order.
    #[error("the public key of {name:?} is refused: {reason}")]
    InvalidPublicKey {
        /// The key name.
        name: String,
        /// Which of those it is.
        reason: crate::keys::KeyError,
    },
}

const VKEY: &str = "verifier key";
pub(super) const SKEY: &str = "private key";

/// `name+hexid+base64` → checked name, stated id, base64 part.
pub(super) fn split_key_string<'a>(
    s: &'a str,
    what: &'static str,
) -> Result<(&'a str, u32, &'a str), KeyStringError> {
    let malformed = |detail| KeyStringError::Malformed { what, detail };
    let (name, rest) = s
        .split_once('+')
        .ok_or(malformed("expected name+keyid+key"))?;
    let (id_hex, key_b64) = rest
        .split_once('+')
        .ok_or(malformed("expected name+keyid+key"))?;
    check_key_name(name)?;
    // `from_str_radix` alone would accept a leading '+' or '-'.
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("the key id must be 8 hex digits"));
    }
    let id = u32::from_str_radix(id_hex, 16)
        .map_err(|_| malformed("the key id must be 8 hex digits"))?;
    Ok((name, id, key_b64))
}

/// Decode `base64(type ‖ 32 bytes)`, checking the type is `allowed`.
pub(super) fn decode_typed_key(
    b64: &str,
    name: &str,
    what: &'static str,
    allowed: &[KeyType],
    expected: &'static str,
) -> Result<(KeyType, Zeroizing<[u8; 32]>), KeyStringError> {
    let bytes = Zeroizing::new(BASE64.decode(b64).map_err(|_| KeyStringError::Malformed {
        what,
        detail: "the key is not padded standard base64",
    })?);
    let (&type_byte, key) = bytes.split_first().ok_or(KeyStringError::Malformed {
        what,
        detail: "the key is empty",
    })?;
    let key_type = KeyType::from_byte(type_byte)
        .filter(|t| allowed.contains(t))
        .ok_or_else(|| KeyStringError::UnsupportedType {
            what,
            name: name.to_owned(),
            found: type_byte,
            expected,
        })?;
    let mut out = Zeroizing::new([0u8; 32]);
    if key.len() != 32 {
        return Err(KeyStringError::WrongKeyLength {
            what,
            name: name.to_owned(),
            found: key.len(),
        });
    }
    out.copy_from_slice(key);
    Ok((key_type, out))
}

/// A named public key that can verify note signatures or cosignatures: what a verifier key
/// string holds, with the key checked to be a usable Ed25519 key.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Verifier {
    name: String,
    key_type: KeyType,
    key: PartyId,
    key_id: u32,
}

impl Verifier {
    /// A verifier for `key` under `name`, of type `key_type`.
    ///
    /// # Errors
    ///
    /// [`KeyStringError::InvalidName`] or [`KeyStringError::InvalidPublicKey`].
    pub fn new(name: &str, key_type: KeyType, key: PartyId) -> Result<Self, KeyStringError> {
        check_key_name(name)?;
        key.verifying_key()
            .map_err(|reason| KeyStringError::InvalidPublicKey {
                name: name.to_owned(),
                reason,
            })?;
        Ok(Verifier {
            name: name.to_owned(),
            key_type,
            key_id: key_id(name, key_type.byte(), &key.0),
            key,
        })
    }

    /// For signers, whose names are checked and whose public keys, derived from a seed, are
    /// points of prime order.
    pub(super) fn new_unchecked(name: String, key_type: KeyType, key: PartyId) -> Self {
        Verifier {
            key_id: key_id(&name, key_type.byte(), &key.0),
            name,
            key_type,
            key,
        }
    }

    /// An Ed25519 (`0x01`) note verifier.
    ///
    /// # Errors
    ///
    /// As [`Verifier::new`].
    pub fn ed25519(name: &str, key: PartyId) -> Result<Self, KeyStringError> {
        Verifier::new(name, KeyType::Ed25519, key)
    }

    /// A `cosignature/v1` (`0x04`) verifier.
    ///
    /// # Errors
    ///
    /// As [`Verifier::new`].
    pub fn cosigner(name: &str, key: PartyId) -> Result<Self, KeyStringError> {
        Verifier::new(name, KeyType::CosignatureV1, key)
    }

    /// Parse a verifier key string `name+hexid+base64(type ‖ key)` of type `0x01` or `0x04`,
    /// as Go's `note.NewVerifier` does (the hex id may be in either case; the id must match).
    ///
    /// # Errors
    ///
    /// [`KeyStringError`] naming what is wrong.
    pub fn parse(vkey: &str) -> Result<Self, KeyStringError> {
        let (name, stated, b64) = split_key_string(vkey, VKEY)?;
        let (key_type, key) = decode_typed_key(
            b64,
            name,
            VKEY,
            &[KeyType::Ed25519, KeyType::CosignatureV1],
            "0x01 (Ed25519) or 0x04 (cosignature/v1)",
        )?;
        let computed = key_id(name, key_type.byte(), key.as_slice());
        if computed != stated {
            return Err(KeyStringError::KeyIdMismatch {
                what: VKEY,
                name: name.to_owned(),
                stated,
                computed,
            });
        }
        Verifier::new(name, key_type, PartyId(*key))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The Ed25519 public key.
    pub fn key(&self) -> PartyId {
        self.key
    }

    /// Verify the signature bytes of a signature line (those after the key id) over a note
    /// `text`, with `verify_strict`. Returns the timestamp of a cosignature, `None` for an
    /// Ed25519 note signature.
    ///
    /// # Errors
    ///
    /// [`SignatureFault`]: the wrong length, a bad signature, an Ed25519 note signature over a
    /// text that begins with [`cosig::COSIGNATURE_HEADER`], or for a cosignature a timestamp
    /// above [`cosig::MAX_TIMESTAMP`] or a text that is not a checkpoint.
    pub fn verify(&self, text: &str, sig: &[u8]) -> Result<Option<u64>, SignatureFault> {
        match self.key_type {
            KeyType::Ed25519 => {
                let sig: &[u8; 64] = sig.try_into().map_err(|_| SignatureFault::WrongLength {
                    expected: 64,
                    found: sig.len(),
                })?;
                if text.starts_with(cosig::COSIGNATURE_HEADER) {
                    return Err(SignatureFault::ReservedPrefix);
                }
                self.key
                    .verify(text.as_bytes(), sig)
                    .map_err(|_| SignatureFault::BadSignature)?;
                Ok(None)
            }
            KeyType::CosignatureV1 => cosig::verify_bytes(&self.key, text, sig).map(Some),
        }
    }
}

impl fmt::Display for Verifier {
    /// The verifier key string, with the key id in lower-case hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut typed = [0u8; 33];
        let (t, k) = typed.split_at_mut(1);
        t.copy_from_slice(&[self.key_type.byte()]);
        k.copy_from_slice(&self.key.0);
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(typed)
        )
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Verifier({}+{:08x}, {:?})",
            self.name, self.key_id, self.key_type
        )
    }
}

impl FromStr for Verifier {
    type Err = KeyStringError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verifier::parse(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

    #[test]
    fn names() {
        for ok in ["a", "example.com/foo", "hotline/0123/alpha", "é—x", "a=b"] {
            assert_eq!(check_key_name(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "",
            "a+b",
            "a b",
            "a\tb",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\u{3000}",
            "a\u{85}",
            "\u{1}",
        ] {
            assert!(check_key_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn spec_verifier_key_round_trips() {
        let v = Verifier::parse(SPEC_VKEY).unwrap();
        assert_eq!(v.name(), "example.com/foo");
        assert_eq!(v.key_id(), 0x530d903a);
        assert_eq!(v.key_type(), KeyType::Ed25519);
        assert_eq!(v.to_string(), SPEC_VKEY);
        // Upper-case hex is accepted, as Go's strconv.ParseUint does.
        let upper = SPEC_VKEY.replace("530d903a", "530D903A");
        assert_eq!(Verifier::parse(&upper).unwrap(), v);
    }

    #[test]
    fn verifier_key_errors() {
        let cases = [
            ("example.com/foo", "expected name+keyid+key"),
            ("example.com/foo+530d903a", "expected name+keyid+key"),
            (
                "example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
                "8 hex",
            ),
            (
                "example.com/foo++530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
                "8 hex",
            ),
            (
                "example.com/foo+-530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
                "8 hex",
            ),
            (
                "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",
                "base64",
            ),
            ("example.com/foo+530d903a+", "empty"),
        ];
        for (vkey, want) in cases {
            let err = Verifier::parse(vkey).unwrap_err().to_string();
            assert!(err.contains(want), "{vkey}: {err}");
        }
        assert!(matches!(
            Verifier::parse(&SPEC_VKEY.replace("530d903a", "530d903b")),
            Err(KeyStringError::KeyIdMismatch {
                stated: 0x530d903b,
                computed: 0x530d903a,
                ..
            })
        ));
        assert!(matches!(
            Verifier::parse(&SPEC_VKEY.replace("example.com/foo", "a b")),
            Err(KeyStringError::InvalidName { .. })
        ));
        // Type 0x02 (ECDSA) with its id recomputed.
        let mut typed = BASE64
            .decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
            .unwrap();
        typed[0] = 0x02;
        let id = key_id("n", 0x02, &typed[1..]);
        let vkey = format!("n+{id:08x}+{}", BASE64.encode(&typed));
        assert!(matches!(
            Verifier::parse(&vkey),
            Err(KeyStringError::UnsupportedType { found: 0x02, .. })
        ));
        // A 31-byte key.
        typed[0] = 0x01;
        typed.pop();
        let id = key_id("n", 0x01, &typed[1..]);
        let vkey = format!("n+{id:08x}+{}", BASE64.encode(&typed));
        assert!(matches!(
            Verifier::parse(&vkey),
            Err(KeyStringError::WrongKeyLength { found: 31, .. })
        ));
        // The identity point: a small-order key that verify_strict would refuse anyway.
        let mut ident = [0u8; 32];
        ident[0] = 1;
        assert!(matches!(
            Verifier::ed25519("n", PartyId(ident)),
            Err(KeyStringError::InvalidPublicKey { .. })
        ));
    }

    /// A verifier key string whose key bytes are `key`, with a correct key id.
    fn vkey_with(name: &str, type_byte: u8, key: &[u8; 32]) -> String {
        let mut typed = vec![type_byte];
        typed.extend_from_slice(key);
        let id = key_id(name, type_byte, key);
        format!("{name}+{id:08x}+{}", BASE64.encode(&typed))
    }

    #[test]
    fn non_canonical_verifier_keys_are_refused() {
        // y = p, y = p + 1 (the identity), y = p + 1 with the sign bit, and y = p + 3 (a point
        // of large order that curve25519-dalek alone would decode as y = 3).
        for h in [
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        ] {
            let key: [u8; 32] = hex::decode(h).unwrap().try_into().unwrap();
            for type_byte in [0x01, 0x04] {
                let vkey = vkey_with("example.com/log", type_byte, &key);
                let err = Verifier::parse(&vkey).unwrap_err();
                assert_eq!(
                    err,
                    KeyStringError::InvalidPublicKey {
                        name: "example.com/log".into(),
                        reason: crate::keys::KeyError::NonCanonicalPublicKey,
                    },
                    "{vkey}"
                );
                assert!(err.to_string().contains("not canonical"), "{err}");
            }
        }
        // The canonical encoding of the y = p + 3 point is canonical, but the point has a
        // small-order component (as 7 of 8 points do): refused as mixed order.
        let mut three = [0u8; 32];
        three[0] = 3;
        assert_eq!(
            Verifier::parse(&vkey_with("example.com/log", 0x01, &three)).unwrap_err(),
            KeyStringError::InvalidPublicKey {
                name: "example.com/log".into(),
                reason: crate::keys::KeyError::MixedOrderPublicKey,
            }
        );
        // A key made by key generation is accepted.
        let real = crate::example::test_key("alpha").party().0;
        assert!(Verifier::parse(&vkey_with("example.com/log", 0x01, &real)).is_ok());
    }
}
