//! Party keys: Ed25519 identities, their text file formats and fingerprints.
//!
//! A party is identified by its 32-byte Ed25519 public key ([`PartyId`]). Key files are small
//! text files so that a person can see what they hold:
//!
//! ```text
//! hotline public key v1          hotline secret key v1
//! name: alpha                    name: alpha
//! key: <64 hex digits>           seed: <64 hex digits>
//! ```
//!
//! Lines starting with `#` are comments; docs/FORMAT.md section 10 specifies both files in
//! full. The secret seed is zeroized when dropped and never appears in `Debug` output.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

/// A party's identity: its Ed25519 public key, as the 32 bytes of RFC 8032.
///
/// Any 32 bytes can be a `PartyId` on the wire; whether they are a usable key is checked when a
/// signature is verified ([`PartyId::verifying_key`]) and wherever keys are read from text
/// (key files, charters, verifier key strings).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode, bincode::Decode)]
pub struct PartyId(pub [u8; 32]);

/// Whether 32 bytes are a canonical encoding of an Ed25519 point's y coordinate: the
/// little-endian integer with bit 255 (the sign of x) cleared is below p = 2^255 − 19.
///
/// RFC 8032 §5.1.3 says decoding fails otherwise. curve25519-dalek reduces such a y modulo p
/// instead, so without this check one point has two encodings (y and y + p, for the 19
/// values of y below 19) and one key could appear as two "different" parties.
pub(crate) fn is_canonical_encoding(bytes: &[u8; 32]) -> bool {
    // p in little-endian: ed ff … ff 7f. y ≥ p only if bytes 1..31 are all ff, the top byte
    // (sign bit masked) is 7f, and the lowest byte is at least ed.
    let [low, middle @ .., high] = bytes;
    !(*low >= 0xed && middle.iter().all(|&b| b == 0xff) && high & 0x7f == 0x7f)
}

impl PartyId {
    /// The key as a verifying key: a canonical encoding (y < 2^255 − 19) of a point on the
    /// curve that is not of small order.
    ///
    /// # Errors
    ///
    /// [`KeyError::NonCanonicalPublicKey`] if y ≥ 2^255 − 19, [`KeyError::InvalidPublicKey`]
    /// if the bytes are not a point, [`KeyError::WeakPublicKey`] if the point has small order,
    /// [`KeyError::MixedOrderPublicKey`] if it has a small-order component.
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        if !is_canonical_encoding(&self.0) {
            return Err(KeyError::NonCanonicalPublicKey);
        }
        let key = VerifyingKey::from_bytes(&self.0).map_err(|_| KeyError::InvalidPublicKey)?;
        if key.is_weak() {
            return Err(KeyError::WeakPublicKey);
        }
        // A point with a small-order component verifies honest signatures only some of the
        // time under the cofactorless equation, and differently under the cofactored one: two
        // verifiers would disagree about its signatures. Keys made by key generation never
        // have one.
        if !key.to_edwards().is_torsion_free() {
            return Err(KeyError::MixedOrderPublicKey);
        }
        Ok(key)
    }

    /// The digest that pre-commits to this key before it is used: a charter or a rotation
    /// names the next key by its digest, and the rotation that brings it into use reveals it.
    pub fn digest(&self) -> KeyDigest {
        KeyDigest(crate::encoding::tagged_hash(
            crate::encoding::tag::NEXT_KEY,
            &self.0,
        ))
    }

    /// A short fingerprint for people: the first 8 bytes of the key, in hex.
    pub fn fingerprint(&self) -> String {
        hex::encode(self.0.get(..8).unwrap_or_default())
    }

    /// Verify an Ed25519 signature by this party over `message`, as RFC 8032 §5.1.7 with the
    /// strict rules of `verify_strict`: the key must pass [`PartyId::verifying_key`], and the
    /// signature is refused if `S ≥ L`, if `R` is not a canonical encoding, or if `R` has
    /// small order.
    ///
    /// `verify_strict` already refuses a non-canonical `R`, because it compares `R`'s bytes
    /// with the canonical encoding of the point it recomputes; the explicit check on the bytes
    /// states the rule here rather than leaving it to that detail of the library.
    ///
    /// # Errors
    ///
    /// As [`PartyId::verifying_key`], or [`KeyError::BadSignature`].
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), KeyError> {
        verify_with(&self.verifying_key()?, message, signature)
    }
}

/// [`PartyId::verify`] with the key already checked by [`PartyId::verifying_key`].
fn verify_with(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> Result<(), KeyError> {
    let r: &[u8; 32] = signature.first_chunk().ok_or(KeyError::BadSignature)?;
    if !is_canonical_encoding(r) {
        return Err(KeyError::BadSignature);
    }
    let sig = Signature::from_bytes(signature);
    key.verify_strict(message, &sig)
        .map_err(|_| KeyError::BadSignature)
}

/// Keys already checked by [`PartyId::verifying_key`], so that a verifier decompresses and
/// checks each signer's key once, not once per signature (the check's torsion test costs as
/// much as a signature). [`KeyCache::verify`] accepts and refuses exactly what
/// [`PartyId::verify`] does.
///
/// It holds at most [`KeyCache::CAPACITY`] keys and starts again when full, so input signed
/// by endless different keys costs what it costs without a cache, never more memory.
#[derive(Default)]
pub(crate) struct KeyCache {
    keys: std::collections::HashMap<PartyId, Result<VerifyingKey, KeyError>>,
}

impl KeyCache {
    /// The most keys held at once; a channel has a few parties and their rotated keys.
    pub(crate) const CAPACITY: usize = 256;

    /// As [`PartyId::verify`].
    pub(crate) fn verify(
        &mut self,
        party: &PartyId,
        message: &[u8],
        signature: &[u8; 64],
    ) -> Result<(), KeyError> {
        if !self.keys.contains_key(party) && self.keys.len() >= Self::CAPACITY {
            self.keys.clear();
        }
        let key = self
            .keys
            .entry(*party)
            .or_insert_with(|| party.verifying_key());
        verify_with(key.as_ref().map_err(Clone::clone)?, message, signature)
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartyId({})", self.fingerprint())
    }
}

impl FromStr for PartyId {
    type Err = KeyError;
    /// Parse 64 hex digits, refusing bytes that are not a valid, non-weak key (as
    /// [`PartyId::verifying_key`]): text is where keys come in from people.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out).map_err(|_| KeyError::Malformed {
            what: "public key",
            detail: "expected 64 hex digits".into(),
        })?;
        let id = PartyId(out);
        id.verifying_key()?;
        Ok(id)
    }
}

impl serde::Serialize for PartyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// A pre-committed key: `SHA-256("hotline/v2/next-key\0" ‖ key[32])` of a key not yet in use
/// (see [`PartyId::digest`]). Whoever holds a copy of the current secret key cannot produce
/// the key this names, so it cannot take over the feed by rotating, and the party can revoke
/// the stolen key with it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode, bincode::Decode)]
pub struct KeyDigest(pub [u8; 32]);

impl fmt::Display for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyDigest({})",
            hex::encode(self.0.get(..8).unwrap_or_default())
        )
    }
}

impl FromStr for KeyDigest {
    type Err = KeyError;
    /// Parse 64 hex digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out).map_err(|_| KeyError::Malformed {
            what: "key digest",
            detail: "expected 64 hex digits".into(),
        })?;
        Ok(KeyDigest(out))
    }
}

impl serde::Serialize for KeyDigest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Problems with keys and signatures.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The 32 bytes do not decode to a point on the curve.
    #[error("not a valid Ed25519 public key")]
    InvalidPublicKey,
    /// The 32 bytes encode y ≥ 2^255 − 19, which RFC 8032 §5.1.3 says does not decode; the
    /// same point has a canonical encoding, so accepting both would give one key two ids.
    #[error("not a valid Ed25519 public key: its encoding is not canonical (y ≥ 2^255 - 19)")]
    NonCanonicalPublicKey,
    /// The point has small order (it divides 8), so anyone can make signatures that verify
    /// under it for many messages.
    #[error("not a valid Ed25519 public key: it is a weak point of small order")]
    WeakPublicKey,
    /// The point is a prime-order point plus a small-order one (not in the prime-order
    /// subgroup): verifiers that differ only in the verification equation would disagree
    /// about signatures under it.
    #[error(
        "not a valid Ed25519 public key: it has a small-order component (not in the prime-order subgroup)"
    )]
    MixedOrderPublicKey,
    /// The signature does not verify (strictly) under the key.
    #[error("the signature does not verify under the author's key")]
    BadSignature,
    /// A key file or key string could not be parsed.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// Which kind of key text.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

/// A party's secret signing key with the name it goes by.
pub struct SecretKey {
    name: String,
    key: SigningKey,
}

impl SecretKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate(name: &str) -> Self {
        let key = SigningKey::generate(&mut rand_core::OsRng);
        SecretKey {
            name: name.to_owned(),
            key,
        }
    }

    /// A key from a 32-byte seed (RFC 8032 secret key). Used for fixtures from fixed seeds.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Self {
        SecretKey {
            name: name.to_owned(),
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The name this key was made for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public identity.
    pub fn party(&self) -> PartyId {
        PartyId(self.key.verifying_key().to_bytes())
    }

    /// The public half, with the name.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            id: self.party(),
            next: None,
        }
    }

    /// Sign `message` (already domain-separated by the caller).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// The 32-byte seed, for writers of key files. Zeroized when dropped.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The secret key file text. Wrapped in [`Zeroizing`] so it is wiped after writing.
    pub fn to_file_text(&self) -> Zeroizing<String> {
        let seed = self.seed();
        Zeroizing::new(format!(
            "hotline secret key v1\n# Keep this file secret (mode 0600). Its public half is in {}.pub.\nname: {}\nseed: {}\n",
            self.name,
            self.name,
            hex::encode(seed.as_slice())
        ))
    }

    /// Parse a secret key file (docs/FORMAT.md section 10).
    ///
    /// # Errors
    ///
    /// [`KeyError::Malformed`] naming the missing, repeated or bad line, or the name that
    /// breaks [`check_name`].
    pub fn from_file_text(text: &str) -> Result<Self, KeyError> {
        let fields = parse_fields(text, "hotline secret key v1", "secret key file")?;
        let name = fields.get("name")?;
        check_name(name)?;
        let seed_hex = Zeroizing::new(fields.get("seed")?.to_owned());
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(seed_hex.as_str(), seed.as_mut_slice()).map_err(|_| {
            KeyError::Malformed {
                what: "secret key file",
                detail: "the seed line must hold 64 hex digits".into(),
            }
        })?;
        Ok(SecretKey::from_seed(name, &seed))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecretKey {{ name: {:?}, party: {}, seed: <redacted> }}",
            self.name,
            self.party().fingerprint()
        )
    }
}

/// A named public key, as kept in a `.pub` file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicKey {
    /// The name the party goes by.
    pub name: String,
    /// The key.
    pub id: PartyId,
    /// The digest of the party's pre-committed next key ([`PartyId::digest`]), which a
    /// charter lists beside the key; `None` for a key with no successor (a witness's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<KeyDigest>,
}

impl PublicKey {
    /// The public key file text.
    pub fn to_file_text(&self) -> String {
        let next = self
            .next
            .map(|d| format!("next: {d}\n"))
            .unwrap_or_default();
        format!(
            "hotline public key v1\nname: {}\nkey: {}\n{next}",
            self.name, self.id
        )
    }

    /// Parse a public key file (docs/FORMAT.md section 10).
    ///
    /// # Errors
    ///
    /// [`KeyError::Malformed`] naming the missing, repeated or bad line, or the name that
    /// breaks [`check_name`]; as [`PartyId::verifying_key`] for a key that is not valid.
    pub fn from_file_text(text: &str) -> Result<Self, KeyError> {
        let fields = parse_fields(text, "hotline public key v1", "public key file")?;
        let name = fields.get("name")?.to_owned();
        check_name(&name)?;
        let id: PartyId = fields.get("key")?.parse()?;
        let next = match fields.find("next") {
            Some(v) => Some(v.parse()?),
            None => None,
        };
        if next == Some(id.digest()) {
            return Err(KeyError::Malformed {
                what: "public key file",
                detail: "the `next:` line commits to the key itself; the next key must be another"
                    .into(),
            });
        }
        Ok(PublicKey { name, id, next })
    }
}

struct Fields<'a> {
    what: &'static str,
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Fields<'a> {
    fn find(&self, key: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn get(&self, key: &str) -> Result<&'a str, KeyError> {
        self.pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| KeyError::Malformed {
                what: self.what,
                detail: format!("no `{key}:` line"),
            })
    }
}

fn parse_fields<'a>(
    text: &'a str,
    magic: &str,
    what: &'static str,
) -> Result<Fields<'a>, KeyError> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    if lines.next() != Some(magic) {
        return Err(KeyError::Malformed {
            what,
            detail: format!("the first line must be `{magic}`"),
        });
    }
    let mut pairs = Vec::new();
    for line in lines {
        let (k, v) = line.split_once(':').ok_or_else(|| KeyError::Malformed {
            what,
            detail: "every line after the first must be `field: value`".into(),
        })?;
        let k = k.trim();
        // Two readers that took the first and the last of two `key:` lines would disagree on
        // who the file names.
        if pairs.iter().any(|(seen, _)| *seen == k) {
            return Err(KeyError::Malformed {
                what,
                detail: format!("the `{k}:` line appears more than once"),
            });
        }
        pairs.push((k, v.trim()));
    }
    Ok(Fields { what, pairs })
}

/// A valid party name: 1 to 64 characters of ASCII letters, digits, `-`, `_` and `.`, so that
/// it can be a file name and a C2SP key name.
///
/// # Errors
///
/// [`KeyError::Malformed`] saying which rule the name breaks.
pub fn check_name(name: &str) -> Result<(), KeyError> {
    let ok_len = (1..=64).contains(&name.len());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok_len && ok_chars && !name.starts_with('.') {
        Ok(())
    } else {
        Err(KeyError::Malformed {
            what: "party name",
            detail: format!(
                "{name:?}: use 1 to 64 ASCII letters, digits, '-', '_' or '.', not starting with '.'"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_cache_accepts_and_refuses_what_verify_does_when_full_too() {
        let mut cache = KeyCache::default();
        let msg = b"hotline/v2/entry-signature\0an entry";
        let signer = |i: u32| {
            SecretKey::from_seed("k", &crate::encoding::tagged_hash(b"t\0", &i.to_be_bytes()))
        };
        // Past its capacity the cache starts again; every answer stays the uncached one.
        for i in 0..u32::try_from(KeyCache::CAPACITY + 8).unwrap_or(u32::MAX) {
            let k = signer(i);
            let sig = k.sign(msg);
            assert_eq!(
                cache.verify(&k.party(), msg, &sig),
                k.party().verify(msg, &sig)
            );
            assert!(cache.verify(&k.party(), msg, &sig).is_ok());
            let mut bad = sig;
            bad[5] ^= 1;
            assert_eq!(
                cache.verify(&k.party(), msg, &bad),
                Err(KeyError::BadSignature)
            );
            assert!(cache.keys.len() <= KeyCache::CAPACITY);
        }
        // A key that is not a valid point is refused with the error `verify` gives, cached or not.
        let weak = PartyId([0u8; 32]);
        let sig = signer(0).sign(msg);
        let want = weak.verify(msg, &sig);
        assert!(want.is_err());
        assert_eq!(cache.verify(&weak, msg, &sig), want);
        assert_eq!(cache.verify(&weak, msg, &sig), want);
    }

    #[test]
    fn secret_key_file_round_trips_and_hides_seed() {
        let k = SecretKey::from_seed("alpha", &[7u8; 32]);
        let text = k.to_file_text();
        let back = SecretKey::from_file_text(&text).unwrap();
        assert_eq!(back.party(), k.party());
        assert_eq!(back.name(), "alpha");
        let dbg = format!("{k:?}");
        assert!(!dbg.contains(&hex::encode([7u8; 32])), "{dbg}");
    }

    #[test]
    fn public_key_file_round_trips() {
        let p = SecretKey::from_seed("beta", &[9u8; 32]).public();
        assert_eq!(PublicKey::from_file_text(&p.to_file_text()).unwrap(), p);
        assert!(PublicKey::from_file_text("hotline public key v1\nname: x\n").is_err());
        assert!(PublicKey::from_file_text("nonsense").is_err());
    }

    #[test]
    fn key_files_refuse_repeated_fields_and_bad_names() {
        let p = SecretKey::from_seed("beta", &[9u8; 32]).public();
        let other = SecretKey::from_seed("gamma", &[8u8; 32]).party();
        // Comments, blank lines, CRLF, upper-case hex and unknown fields are accepted.
        let loose = format!(
            "# a comment\r\n\r\nhotline public key v1\r\n  name:  beta \r\nkey: {}\r\nexpires: never\r\n",
            p.id.to_string().to_uppercase()
        );
        assert_eq!(PublicKey::from_file_text(&loose).unwrap(), p);
        let twice = format!("{}key: {other}\n", p.to_file_text());
        let err = PublicKey::from_file_text(&twice).unwrap_err().to_string();
        assert!(err.contains("`key:` line appears more than once"), "{err}");
        let text = p.to_file_text().replace("name: beta", "name: be ta");
        assert!(PublicKey::from_file_text(&text).is_err());
        let text = p.to_file_text().replace("name: beta", "name: ../beta");
        assert!(PublicKey::from_file_text(&text).is_err());
        let text = p.to_file_text().replace("v1", "v2");
        assert!(PublicKey::from_file_text(&text).is_err());

        let k = SecretKey::from_seed("alpha", &[7u8; 32]);
        let twice = format!("{}name: mallory\n", k.to_file_text().as_str());
        assert!(SecretKey::from_file_text(&twice).is_err());
        let bad = k.to_file_text().replace("name: alpha", "name: .alpha");
        assert!(SecretKey::from_file_text(&bad).is_err());
        let short = k.to_file_text().replace("seed: ", "seed: 0");
        assert!(SecretKey::from_file_text(&short).is_err());
    }

    #[test]
    fn strict_verification_rejects_malleated_s() {
        let k = SecretKey::from_seed("alpha", &[1u8; 32]);
        let sig = k.sign(b"msg");
        assert_eq!(k.party().verify(b"msg", &sig), Ok(()));
        assert_eq!(k.party().verify(b"msG", &sig), Err(KeyError::BadSignature));
        let malleated = malleate(&sig);
        assert_ne!(malleated, sig);
        assert_eq!(
            k.party().verify(b"msg", &malleated),
            Err(KeyError::BadSignature)
        );
    }

    /// `S + L`: the same signature with a non-canonical scalar, which plain Ed25519 libraries
    /// have been known to accept.
    pub(crate) fn malleate(sig: &[u8; 64]) -> [u8; 64] {
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut out = *sig;
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
            out[32 + i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        out
    }

    /// Encodings of y ≥ p = 2^255 − 19, as hex of the 32 bytes, and what each is.
    const NON_CANONICAL: [(&str, &str); 5] = [
        (
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "y = p, a point of order 4",
        ),
        (
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "y = p + 1, the identity",
        ),
        (
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "y = p + 1 with the sign bit set",
        ),
        (
            "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "y = p + 3, a point of large order that dalek decodes as y = 3",
        ),
        (
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "y = p + 18 with the sign bit set",
        ),
    ];

    fn bytes(h: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        hex::decode_to_slice(h, &mut out).unwrap();
        out
    }

    #[test]
    fn canonical_encoding_boundary() {
        for (h, what) in NON_CANONICAL {
            assert!(!is_canonical_encoding(&bytes(h)), "{what}");
        }
        // p − 1 (y = −1, canonical though of small order), with and without the sign bit,
        // and the basepoint.
        for h in [
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "5866666666666666666666666666666666666666666666666666666666666666",
            "0100000000000000000000000000000000000000000000000000000000000000",
        ] {
            assert!(is_canonical_encoding(&bytes(h)), "{h}");
        }
        // A lower byte below ff or a top byte below 7f makes y < p whatever the rest is.
        let mut y = bytes(NON_CANONICAL[0].0);
        y[15] = 0xfe;
        assert!(is_canonical_encoding(&y));
        let mut y = bytes(NON_CANONICAL[0].0);
        y[31] = 0x7e;
        assert!(is_canonical_encoding(&y));
    }

    #[test]
    fn non_canonical_keys_are_refused_everywhere_they_are_read() {
        // The large-order one is the case that matters: dalek alone accepts it.
        let p_plus_3 = bytes(NON_CANONICAL[3].0);
        let decoded = VerifyingKey::from_bytes(&p_plus_3).unwrap();
        assert!(!decoded.is_weak());
        let mut three = [0u8; 32];
        three[0] = 3;
        assert_eq!(
            VerifyingKey::from_bytes(&three).unwrap().to_bytes(),
            three,
            "y = 3 is the canonical encoding of the same point"
        );
        for (h, what) in NON_CANONICAL {
            let id = PartyId(bytes(h));
            assert_eq!(
                id.verifying_key().err(),
                Some(KeyError::NonCanonicalPublicKey),
                "{what}"
            );
            assert_eq!(
                id.verify(b"msg", &[0; 64]),
                Err(KeyError::NonCanonicalPublicKey),
                "{what}"
            );
            assert_eq!(
                h.parse::<PartyId>(),
                Err(KeyError::NonCanonicalPublicKey),
                "{what}"
            );
            let file = format!("hotline public key v1\nname: x\nkey: {h}\n");
            let err = PublicKey::from_file_text(&file).unwrap_err();
            assert_eq!(err, KeyError::NonCanonicalPublicKey, "{what}");
            assert!(err.to_string().contains("not canonical"), "{err}");
        }
        // The canonical small-order keys stay refused, as weak.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PartyId(identity).verifying_key().err(),
            Some(KeyError::WeakPublicKey)
        );
        // y = p + 2 is not a point at all once reduced; it is refused before decoding.
        let y2 = bytes("efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        assert_eq!(
            PartyId(y2).verifying_key().err(),
            Some(KeyError::NonCanonicalPublicKey)
        );
        // y = 2 is not on the curve.
        let mut two = [0u8; 32];
        two[0] = 2;
        assert_eq!(
            PartyId(two).verifying_key().err(),
            Some(KeyError::InvalidPublicKey)
        );
    }

    #[test]
    fn signatures_with_a_non_canonical_r_are_refused() {
        let k = SecretKey::from_seed("alpha", &[1u8; 32]);
        let sig = k.sign(b"msg");
        assert_eq!(k.party().verify(b"msg", &sig), Ok(()));
        for (h, what) in NON_CANONICAL {
            let mut bad = sig;
            bad[..32].copy_from_slice(&bytes(h));
            assert_eq!(
                k.party().verify(b"msg", &bad),
                Err(KeyError::BadSignature),
                "{what}"
            );
        }
    }

    #[test]
    fn names() {
        assert!(check_name("alpha-1.gov").is_ok());
        for bad in ["", ".hidden", "a b", "a/b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
