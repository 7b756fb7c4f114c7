//! The one canonical encoding of every hotline structure, and the domain tags of every hash and
//! signature. Nothing else in the crate calls bincode.
//!
//! # The configuration
//!
//! bincode 2.0.1 with `fixed-int` encoding and big-endian byte order:
//!
//! | value | bytes |
//! |---|---|
//! | `u8` | 1 byte |
//! | `u16`/`u32`/`u64` | 2/4/8 bytes, big-endian |
//! | `bool` | `0x00` or `0x01`; anything else is rejected |
//! | `[u8; N]` | the N bytes, no length |
//! | `Vec<T>` | `u64` count, then each element |
//! | `String` | `u64` byte length, then UTF-8 bytes (invalid UTF-8 is rejected) |
//! | `Option<T>` | `0x00`, or `0x01` then the value; other tags are rejected |
//! | enum | `u32` variant index, then the variant's fields in order |
//! | struct | its fields in declaration order, no padding, no names |
//!
//! Decoding is strict: the whole input must be consumed ([`DecodeError::TrailingBytes`]), no
//! value may claim more than [`MAX_ENCODED_LEN`] bytes ([`DecodeError::TooLong`]), and the
//! decoded value must re-encode to exactly the input ([`DecodeError::NonCanonical`]), so
//! every accepted byte string has one meaning and every value one byte string.

use bincode::config::{self, BigEndian, Configuration, Fixint, Limit};
use sha2::{Digest, Sha256};

/// The largest encoded structure hotline accepts: 256 KiB. An entry, a charter or a bundle
/// record that claims more is rejected before anything is allocated for it.
pub const MAX_ENCODED_LEN: usize = 256 * 1024;

/// The bound on what decoding may reserve in memory. bincode counts a container's claimed
/// length times the in-memory size of its element type (24 bytes for a `String`), not wire
/// bytes, so this bound is not the wire limit: the wire limit is [`MAX_ENCODED_LEN`], checked
/// on the input's length before decoding and on every output after encoding. This bound only
/// stops a forged length field from making the decoder reserve more than 16 MiB.
const DECODE_RESERVE_LIMIT: usize = 64 * MAX_ENCODED_LEN;

type Canonical = Configuration<BigEndian, Fixint, Limit<DECODE_RESERVE_LIMIT>>;

const fn canonical() -> Canonical {
    config::standard()
        .with_big_endian()
        .with_fixed_int_encoding()
        .with_limit::<DECODE_RESERVE_LIMIT>()
}

/// Domain tags. Every hash and signature input starts with one of these, so no two kinds of
/// message can be confused. Each ends in a NUL byte: C2SP signed-note texts cannot contain NUL,
/// so an entry signature can never be mistaken for a note signature by the same key.
pub mod tag {
    /// Prefix of the channel id hash: `SHA-256(CHANNEL_ID ‖ charter)`.
    pub const CHANNEL_ID: &[u8] = b"hotline/v2/channel-id\0";
    /// Prefix of the entry id hash: `SHA-256(ENTRY_ID ‖ entry)`.
    pub const ENTRY_ID: &[u8] = b"hotline/v2/entry-id\0";
    /// Prefix of the bytes an author signs: `ENTRY_SIGNATURE ‖ entry`.
    pub const ENTRY_SIGNATURE: &[u8] = b"hotline/v2/entry-signature\0";
    /// Prefix of a pre-committed key's digest: `SHA-256(NEXT_KEY ‖ key[32])`.
    pub const NEXT_KEY: &[u8] = b"hotline/v2/next-key\0";
}

/// Why a byte string was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The structure ended before `at` bytes but more bytes followed it.
    #[error("{extra} trailing byte(s) after the structure ended at byte offset {at}")]
    TrailingBytes {
        /// Offset at which the structure ended.
        at: usize,
        /// How many bytes followed.
        extra: usize,
    },
    /// A length field claims more than [`MAX_ENCODED_LEN`] bytes in all.
    #[error("a length field claims more than the {limit}-byte limit")]
    TooLong {
        /// The limit in force.
        limit: usize,
    },
    /// The input is longer than [`MAX_ENCODED_LEN`].
    #[error("input of {len} bytes exceeds the {limit}-byte limit")]
    InputTooLong {
        /// The input length.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The bytes decode, but re-encode differently.
    #[error(
        "non-canonical encoding: the decoded value re-encodes differently (first difference at byte offset {at})"
    )]
    NonCanonical {
        /// First offset at which the input and the re-encoding differ.
        at: usize,
    },
    /// The input ended early.
    #[error("truncated: the input ended after {len} bytes, in the middle of a field")]
    Truncated {
        /// The input length.
        len: usize,
    },
    /// Any other malformation: bad tag, bad UTF-8, bad boolean, unknown version.
    #[error("malformed: {0}")]
    Malformed(String),
}

/// Encode a value in the canonical form.
///
/// # Errors
///
/// Fails only if the value is larger than [`MAX_ENCODED_LEN`] bytes.
pub fn encode<T: bincode::Encode>(value: &T) -> Result<Vec<u8>, EncodeError> {
    let bytes = bincode::encode_to_vec(value, canonical()).map_err(|e| match e {
        bincode::error::EncodeError::UnexpectedEnd => EncodeError::TooLong {
            limit: MAX_ENCODED_LEN,
        },
        other => EncodeError::Other(other.to_string()),
    })?;
    // Never produce what `decode` would refuse.
    if bytes.len() > MAX_ENCODED_LEN {
        return Err(EncodeError::TooLong {
            limit: MAX_ENCODED_LEN,
        });
    }
    Ok(bytes)
}

/// Why a value could not be encoded.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The value is larger than the limit.
    #[error("the encoded value would exceed the {limit}-byte limit")]
    TooLong {
        /// The limit in force.
        limit: usize,
    },
    /// Anything else bincode reports.
    #[error("cannot encode: {0}")]
    Other(String),
}

/// Decode a value from exactly `bytes`, strictly (see the module docs).
///
/// # Errors
///
/// [`DecodeError`] says what is wrong and at which byte offset where it is known.
pub fn decode<T: bincode::Decode<()> + bincode::Encode>(bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() > MAX_ENCODED_LEN {
        return Err(DecodeError::InputTooLong {
            len: bytes.len(),
            limit: MAX_ENCODED_LEN,
        });
    }
    let (value, read): (T, usize) = bincode::decode_from_slice(bytes, canonical())
        .map_err(|e| map_decode_error(e, bytes.len()))?;
    if read != bytes.len() {
        return Err(DecodeError::TrailingBytes {
            at: read,
            extra: bytes.len().saturating_sub(read),
        });
    }
    let again = encode(&value).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if again != bytes {
        let at = again
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(bytes.len()));
        return Err(DecodeError::NonCanonical { at });
    }
    Ok(value)
}

fn map_decode_error(e: bincode::error::DecodeError, len: usize) -> DecodeError {
    use bincode::error::DecodeError as B;
    match e {
        B::LimitExceeded => DecodeError::TooLong {
            limit: MAX_ENCODED_LEN,
        },
        B::UnexpectedEnd { .. } => DecodeError::Truncated { len },
        B::InvalidBooleanValue(v) => {
            DecodeError::Malformed(format!("invalid boolean byte {v:#04x}"))
        }
        B::UnexpectedVariant {
            type_name, found, ..
        } => DecodeError::Malformed(format!("unknown tag {found} for {type_name}")),
        B::Utf8 { .. } => DecodeError::Malformed("a text field is not valid UTF-8".into()),
        B::OtherString(s) => DecodeError::Malformed(s),
        B::Other(s) => DecodeError::Malformed(s.to_string()),
        other => DecodeError::Malformed(other.to_string()),
    }
}

/// `SHA-256(tag ‖ bytes)`.
pub fn tagged_hash(tag: &[u8], bytes: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(tag);
    h.update(bytes);
    h.finalize().into()
}

/// `tag ‖ bytes`: the exact message handed to Ed25519.
pub fn tagged_message(tag: &[u8], bytes: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(tag.len() + bytes.len());
    m.extend_from_slice(tag);
    m.extend_from_slice(bytes);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, bincode::Encode, bincode::Decode)]
    struct Sample {
        flag: bool,
        n: u64,
        text: String,
        opt: Option<u16>,
    }

    fn sample() -> Sample {
        Sample {
            flag: true,
            n: 0x0102_0304_0506_0708,
            text: "hi".into(),
            opt: Some(7),
        }
    }

    #[test]
    fn layout_is_big_endian_fixed_width() {
        let b = encode(&sample()).unwrap();
        assert_eq!(
            hex::encode(&b),
            "01\
             0102030405060708\
             0000000000000002 6869\
             01 0007"
                .replace(' ', "")
        );
        assert_eq!(decode::<Sample>(&b).unwrap(), sample());
    }

    #[test]
    fn rejects_trailing_bytes_with_offset() {
        let mut b = encode(&sample()).unwrap();
        let n = b.len();
        b.push(0);
        assert_eq!(
            decode::<Sample>(&b),
            Err(DecodeError::TrailingBytes { at: n, extra: 1 })
        );
    }

    #[test]
    fn rejects_bad_bool_and_option_tags() {
        let mut b = encode(&sample()).unwrap();
        b[0] = 2;
        assert!(matches!(
            decode::<Sample>(&b),
            Err(DecodeError::Malformed(_))
        ));
        let mut b = encode(&sample()).unwrap();
        let opt_at = b.len() - 3;
        b[opt_at] = 2;
        assert!(matches!(
            decode::<Sample>(&b),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn rejects_oversize_length_without_allocating() {
        let mut b = encode(&sample()).unwrap();
        // The string's length field claims 2^62 bytes.
        b[9..17].copy_from_slice(&(1u64 << 62).to_be_bytes());
        assert!(matches!(
            decode::<Sample>(&b),
            Err(DecodeError::TooLong { .. }) | Err(DecodeError::Truncated { .. })
        ));
        let big = vec![0u8; MAX_ENCODED_LEN + 1];
        assert!(matches!(
            decode::<Sample>(&big),
            Err(DecodeError::InputTooLong { .. })
        ));
    }

    #[test]
    fn the_wire_limit_is_the_documented_one() {
        // Many small strings: far under 256 KiB on the wire, though bincode reserves 24
        // bytes of memory per String.
        let many = vec![String::new(); 12_000];
        let b = encode(&many).unwrap();
        assert_eq!(b.len(), 8 + 12_000 * 8);
        assert_eq!(decode::<Vec<String>>(&b).unwrap().len(), 12_000);
        // Nothing over the limit is produced.
        let big = vec![0u8; MAX_ENCODED_LEN];
        assert_eq!(
            encode(&big),
            Err(EncodeError::TooLong {
                limit: MAX_ENCODED_LEN
            })
        );
        let just = vec![0u8; MAX_ENCODED_LEN - 8];
        let b = encode(&just).unwrap();
        assert_eq!(b.len(), MAX_ENCODED_LEN);
        assert_eq!(decode::<Vec<u8>>(&b).unwrap().len(), MAX_ENCODED_LEN - 8);
    }

    #[test]
    fn rejects_truncation() {
        let b = encode(&sample()).unwrap();
        for cut in 0..b.len() {
            assert!(decode::<Sample>(&b[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn rejects_bad_utf8() {
        let mut b = encode(&sample()).unwrap();
        b[17] = 0xff;
        assert!(matches!(
            decode::<Sample>(&b),
            Err(DecodeError::Malformed(_))
        ));
    }
}
