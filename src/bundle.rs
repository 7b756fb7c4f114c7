//! Bundles: a file of one charter, signed entries and signed notes, for exchange between
//! stores. A store's journal uses the same bytes. Pure: no I/O.
//!
//! ```text
//! file   = magic "HOTLINE\0" (48 4f 54 4c 49 4e 45 00) ‖ version: u8 (= 2) ‖ record*
//! record = kind: u8 ‖ len: u32 (big-endian) ‖ payload[len] ‖ check[8]
//! check  = first 8 bytes of SHA-256("hotline/v2/record\0" ‖ kind ‖ len (4 bytes BE) ‖ payload)
//! ```
//!
//! | kind | payload |
//! |---|---|
//! | 1 | the canonical `Charter` bytes |
//! | 2 | the canonical `SignedEntry` bytes |
//! | 3 | a signed note with what it claims: the canonical [`NoteRecord`] bytes |
//! | 4 | a batch marker (journals only): the number `n` of records that follow it in the same write, `u32` big-endian, `n` ≥ 2 |
//! | 5 | a consistency proof between two checkpoints the bundle holds (bundles only): the canonical [`ConsistencyRecord`] bytes |
//!
//! `len` is at most [`MAX_ENCODED_LEN`]. The first record is the charter and no other record
//! is. A reader bounds a whole bundle too ([`Limits`]): by default at most
//! [`DEFAULT_MAX_BUNDLE_BYTES`] bytes and [`DEFAULT_MAX_RECORDS`] records (the charter and
//! batch markers included), so that what it holds in memory is bounded whatever the input
//! claims. The check value is not a signature: it catches damage and torn writes, and tells a
//! record cut short from a complete one; the entries' own signatures carry the trust.
//!
//! There is no trailer, so a bundle cut exactly at a record boundary is a shorter valid
//! bundle. That is what lets the journal grow by appending, and it loses nothing that matters:
//! an importer only ever learns of fewer entries, each still signed.
//!
//! A **batch marker** makes a journal write of several records all-or-nothing across a crash:
//! it stands before the records of the write and says how many there are, so a journal that
//! ends before the last of them is a torn write, cut back to the marker.
//! The marker stands before the records, not after them, so that a reader never has to guess:
//! with a marker after, a single unmarked record followed by a torn batch would look like the
//! first record of a longer torn batch. A single-record write needs no marker: its check value
//! already tells it whole from torn. Exports never contain batch markers; a reader skips the
//! well-formed ones (a journal copied as a bundle reads as one) and refuses a bundle whose
//! last batch is incomplete.
//!
//! A **consistency proof** record (kind 5) proves that a feed's checkpoint at one size extends
//! its checkpoint at a smaller size, both among the bundle's note records; exports hold one
//! for each pair of consecutive sizes of a feed's checkpoints that the exporter can prove.
//! [`read`] verifies each against the roots the note records state and refuses the bundle if
//! one does not verify. Journals never hold one (the proofs follow from the entries).

use std::fmt;

use sha2::{Digest, Sha256};

use crate::charter::{Charter, CharterError};
use crate::encoding::{self, DecodeError, EncodeError, MAX_ENCODED_LEN};
use crate::merkle::{self, Hash};

/// The first 8 bytes of every bundle and journal.
pub const MAGIC: [u8; 8] = *b"HOTLINE\0";

/// The bundle format version this library writes and reads.
pub const BUNDLE_VERSION: u8 = 2;

/// Prefix of a record's check hash, in the style of [`crate::encoding::tag`].
#[doc(hidden)]
pub const RECORD_TAG: &[u8] = b"hotline/v2/record\0";

/// Bytes before the first record: the magic and the version.
#[doc(hidden)]
pub const HEADER_LEN: usize = MAGIC.len() + 1;

/// Bytes a record adds around its payload: kind, length and check.
#[doc(hidden)]
pub const RECORD_OVERHEAD: usize = 1 + 4 + CHECK_LEN;

/// Length of a record's check value.
#[doc(hidden)]
pub const CHECK_LEN: usize = 8;

/// The largest bundle [`read`] accepts by default: 32 MiB. A busy channel's whole history
/// (fifty entries a week of under 1 KiB each) stays under it for more than a decade, and
/// exports since a cut (`hotline export --since`) are far smaller; yet it keeps a verifier's
/// memory bounded: verifying costs up to about 16 times the bundle's bytes in memory (a
/// bundle of the smallest entries), so a bundle at this limit is verified in well under
/// 1 GiB.
pub const DEFAULT_MAX_BUNDLE_BYTES: usize = 32 * 1024 * 1024;

/// The most records [`read`] accepts by default: 2^18 (262,144), the charter and batch
/// markers included: ten times a busy channel's decade (fifty entries a week), more than a
/// bundle within [`DEFAULT_MAX_BUNDLE_BYTES`] holds of real entries (each over 300 bytes),
/// and far more than one export since a cut. It bounds what a verifier spends per record (a finding, a
/// decoded entry), which tiny records (13 bytes each at the least) would otherwise multiply.
pub const DEFAULT_MAX_RECORDS: usize = 1 << 18;

/// How much of a bundle [`read_with`] accepts: the whole input's length and its number of
/// records. Both are checked before anything is allocated for the records, so a reader's
/// memory is bounded by these whatever the input's length fields claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes a bundle may hold, header included.
    pub max_bytes: usize,
    /// The most records a bundle may hold, the charter and batch markers included.
    pub max_records: usize,
}

impl Limits {
    /// The defaults: [`DEFAULT_MAX_BUNDLE_BYTES`] and [`DEFAULT_MAX_RECORDS`].
    pub const DEFAULT: Limits = Limits {
        max_bytes: DEFAULT_MAX_BUNDLE_BYTES,
        max_records: DEFAULT_MAX_RECORDS,
    };

    /// No limit beyond the bytes given: for bytes whose size is already bounded (a store's
    /// own export, an input read within other limits).
    pub const UNBOUNDED: Limits = Limits {
        max_bytes: usize::MAX,
        max_records: usize::MAX,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// What a record holds.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// 1: the channel's charter.
    Charter = 1,
    /// 2: one signed entry.
    Entry = 2,
    /// 3: one signed note (a checkpoint) and its origin, size and root ([`NoteRecord`]).
    Note = 3,
    /// 4: a batch marker: the number of records that follow it in the same journal write
    /// (see [`whole_writes`]). Journals only; exports never contain one.
    Batch = 4,
    /// 5: a consistency proof between two of the bundle's checkpoints of one feed
    /// ([`ConsistencyRecord`]). Bundles only; journals never contain one.
    Consistency = 5,
}

impl RecordKind {
    /// The wire byte.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The kind with this wire byte.
    pub fn from_code(code: u8) -> Option<RecordKind> {
        match code {
            1 => Some(RecordKind::Charter),
            2 => Some(RecordKind::Entry),
            3 => Some(RecordKind::Note),
            4 => Some(RecordKind::Batch),
            5 => Some(RecordKind::Consistency),
            _ => None,
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordKind::Charter => "charter",
            RecordKind::Entry => "signed entry",
            RecordKind::Note => "signed note",
            RecordKind::Batch => "batch marker",
            RecordKind::Consistency => "consistency proof",
        })
    }
}

/// Why bytes are not a (whole, undamaged) bundle. Record positions count from 0; offsets are
/// bytes from the start of the file.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Fewer bytes than the header.
    #[error("not a hotline bundle: {len} bytes is shorter than the {HEADER_LEN}-byte header")]
    ShortHeader {
        /// The input's length.
        len: usize,
    },
    /// The file does not start with [`MAGIC`].
    #[error(
        "not a hotline bundle: the first 8 bytes are {found}, not the magic 484f544c494e4500 (\"HOTLINE\\0\")"
    )]
    BadMagic {
        /// The first 8 bytes, in hex.
        found: String,
    },
    /// A version this library does not read.
    #[error(
        "unknown bundle version {found} at byte offset 8 (this library reads version {BUNDLE_VERSION})"
    )]
    UnknownVersion {
        /// The version byte.
        found: u8,
    },
    /// The input ends inside a record.
    #[error(
        "record {index} at byte offset {offset} is truncated: it needs {needed} bytes, only {available} remain"
    )]
    Truncated {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// Bytes the record needs (all of it, if its length could be read).
        needed: usize,
        /// Bytes left in the input from `offset`.
        available: usize,
    },
    /// A record kind this library does not know.
    #[error("record {index} at byte offset {offset} has unknown kind {kind}")]
    UnknownKind {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// The kind byte.
        kind: u8,
    },
    /// A record claims more than [`MAX_ENCODED_LEN`] bytes.
    #[error(
        "record {index} at byte offset {offset} claims {len} bytes, over the {MAX_ENCODED_LEN}-byte limit"
    )]
    TooLong {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// The length it claims.
        len: u32,
    },
    /// A record's check value does not match its bytes.
    #[error(
        "record {index} at byte offset {offset} fails its check value: its bytes were changed or damaged"
    )]
    BadCheck {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
    },
    /// The header is not followed by any record.
    #[error("the bundle holds no records: it must start with the charter")]
    Empty,
    /// The first record is not the charter.
    #[error(
        "record {index} at byte offset {offset} is not the charter, but the first record must be the charter"
    )]
    CharterNotFirst {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
    },
    /// A charter record after the first record.
    #[error(
        "record {index} at byte offset {offset} is a second charter; a bundle holds exactly one"
    )]
    SecondCharter {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
    },
    /// The charter record does not hold a valid charter.
    #[error("record {index} at byte offset {offset}: {error}")]
    Charter {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// What is wrong with the charter.
        error: CharterError,
    },
    /// A signed-note record's payload is not a canonical [`NoteRecord`].
    #[error(
        "record {index} at byte offset {offset} is not a well-formed signed-note record: {error}"
    )]
    BadNoteRecord {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// What is wrong with the payload.
        error: DecodeError,
    },
    /// A batch marker whose payload is not a count of 2 or more, or one of whose records is
    /// not a signed entry or note.
    #[error("record {index} at byte offset {offset} breaks the batch rules: {reason}")]
    BadBatch {
        /// The offending record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The bundle ends before the last of the records its last batch marker announces.
    #[error(
        "the batch marker in record {index} at byte offset {offset} announces {count} records, but only {found} follow it: the write it starts is incomplete"
    )]
    IncompleteBatch {
        /// The marker's position.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// The records it announces.
        count: u32,
        /// The records that follow it.
        found: usize,
    },
    /// A consistency-proof record that is not canonical, names sizes or checkpoints the bundle
    /// does not hold, repeats another, or does not verify.
    #[error("record {index} at byte offset {offset} is a bad consistency proof: {reason}")]
    BadConsistency {
        /// The record's position.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// The bundle is longer than the reader's [`Limits::max_bytes`].
    #[error("the bundle is {len} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// The input's length.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The bundle holds more records than the reader's [`Limits::max_records`].
    #[error(
        "record {index} at byte offset {offset} is one record too many: the limit is {limit} records"
    )]
    TooManyRecords {
        /// The first record past the limit.
        index: usize,
        /// Where it starts.
        offset: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A payload too large for a record (when writing).
    #[error("a {kind} of {len} bytes is over the {MAX_ENCODED_LEN}-byte record limit")]
    PayloadTooLong {
        /// What the payload is.
        kind: RecordKind,
        /// Its length.
        len: usize,
    },
    /// The charter or a note record could not be encoded (when writing).
    #[error("cannot encode: {0}")]
    Encode(EncodeError),
}

/// The payload of a signed-note record (kind 3): a signed note, opaque here, and the origin,
/// tree size and root hash the note's signed text states, so that a store can index the note
/// without parsing it. Whoever writes the record checked the note and read these from it;
/// an importer checks the note again and refuses a record whose fields disagree with it.
///
/// Canonical encoding ([`crate::encoding`]): `origin` (u64 length, UTF-8) ‖ `size` (u64) ‖
/// `root` (32 bytes) ‖ `note` (u64 length, bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, bincode::Encode, bincode::Decode)]
pub struct NoteRecord {
    /// The note's origin line (for a checkpoint, the log's origin).
    pub origin: String,
    /// The tree size the note states.
    pub size: u64,
    /// The root hash the note states.
    pub root: [u8; 32],
    /// The whole signed note, as signed and as received (UTF-8 text, signature lines included).
    pub note: Vec<u8>,
}

impl NoteRecord {
    /// Whether the record's unsigned origin, size and root are what its signed note states
    /// (`origin`, `size`, `root`, read from the verified note); if not, a sentence saying how
    /// they differ.
    pub fn disagreement(&self, origin: &str, size: u64, root: &[u8; 32]) -> Option<String> {
        if self.origin == origin && self.size == size && self.root == *root {
            return None;
        }
        Some(format!(
            "the record says origin {:?}, size {}, root {}, but its signed note states origin {:?}, size {}, root {}",
            self.origin,
            self.size,
            hex::encode(self.root),
            origin,
            size,
            hex::encode(root)
        ))
    }

    /// The canonical bytes, the record's payload.
    ///
    /// # Errors
    ///
    /// Only if the record is over [`MAX_ENCODED_LEN`] bytes.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encoding::encode(self)
    }

    /// Decode a record's payload, strictly.
    ///
    /// # Errors
    ///
    /// The [`DecodeError`] if the bytes are not one canonical `NoteRecord`.
    pub fn decode(bytes: &[u8]) -> Result<NoteRecord, DecodeError> {
        encoding::decode(bytes)
    }
}

/// The payload of a consistency-proof record (kind 5): the RFC 6962 consistency proof that
/// the tree of `new_size` leaves of the log `origin` extends its tree of `old_size` leaves,
/// whose roots note records of the same bundle state.
///
/// Canonical encoding ([`crate::encoding`]): `origin` (u64 length, UTF-8) ‖ `old_size` (u64)
/// ‖ `new_size` (u64) ‖ `proof` (u64 count, then 32 bytes each).
#[derive(Debug, Clone, PartialEq, Eq, Hash, bincode::Encode, bincode::Decode)]
pub struct ConsistencyRecord {
    /// The log's origin, as its checkpoints' first line.
    pub origin: String,
    /// The smaller tree size, at least 1.
    pub old_size: u64,
    /// The larger tree size, above `old_size`.
    pub new_size: u64,
    /// The proof's hashes, in RFC 9162 order.
    pub proof: Vec<Hash>,
}

impl ConsistencyRecord {
    /// The canonical bytes, the record's payload.
    ///
    /// # Errors
    ///
    /// Only if the record is over [`MAX_ENCODED_LEN`] bytes.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encoding::encode(self)
    }

    /// Decode a record's payload, strictly.
    ///
    /// # Errors
    ///
    /// The [`DecodeError`] if the bytes are not one canonical `ConsistencyRecord`.
    pub fn decode(bytes: &[u8]) -> Result<ConsistencyRecord, DecodeError> {
        encoding::decode(bytes)
    }
}

/// The bytes every bundle starts with: [`MAGIC`] ‖ [`BUNDLE_VERSION`].
#[doc(hidden)]
pub fn header() -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(&MAGIC);
    out.push(BUNDLE_VERSION);
    out
}

/// A record's check value: the first 8 bytes of
/// `SHA-256("hotline/v2/record\0" ‖ kind ‖ len ‖ payload)`.
#[doc(hidden)]
pub fn check(kind: u8, len: [u8; 4], payload: &[u8]) -> [u8; CHECK_LEN] {
    let digest: [u8; 32] = Sha256::new()
        .chain_update(RECORD_TAG)
        .chain_update([kind])
        .chain_update(len)
        .chain_update(payload)
        .finalize()
        .into();
    let mut out = [0u8; CHECK_LEN];
    out.copy_from_slice(digest.get(..CHECK_LEN).unwrap_or(&[0; CHECK_LEN]));
    out
}

/// One whole record: `kind ‖ len ‖ payload ‖ check`.
///
/// # Errors
///
/// [`BundleError::PayloadTooLong`] if `payload` is over [`MAX_ENCODED_LEN`] bytes.
#[doc(hidden)]
pub fn record(kind: RecordKind, payload: &[u8]) -> Result<Vec<u8>, BundleError> {
    let too_long = || BundleError::PayloadTooLong {
        kind,
        len: payload.len(),
    };
    if payload.len() > MAX_ENCODED_LEN {
        return Err(too_long());
    }
    let len = u32::try_from(payload.len())
        .map_err(|_| too_long())?
        .to_be_bytes();
    let mut out = Vec::with_capacity(payload.len().saturating_add(RECORD_OVERHEAD));
    out.push(kind.code());
    out.extend_from_slice(&len);
    out.extend_from_slice(payload);
    out.extend_from_slice(&check(kind.code(), len, payload));
    Ok(out)
}

/// A well-formed record found in a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub struct Record<'a> {
    /// What it holds.
    pub kind: RecordKind,
    /// The payload.
    pub payload: &'a [u8],
    /// Byte offset of the record (its kind byte) in the file.
    pub offset: usize,
    /// Its position among the file's records, from 0.
    pub index: usize,
}

impl Record<'_> {
    /// Byte offset just past the record's check value.
    pub fn end(&self) -> usize {
        self.offset
            .saturating_add(self.payload.len())
            .saturating_add(RECORD_OVERHEAD)
    }
}

/// The result of [`scan`]: the well-formed records from the start, and why scanning stopped if
/// it stopped before the end.
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(hidden)]
pub struct Scan<'a> {
    /// Every record up to the first bad one, in order.
    pub records: Vec<Record<'a>>,
    /// Bytes from the start of the file to the end of the last good record (the header length
    /// if there is none).
    pub valid_len: usize,
    /// Why scanning stopped before the end of the input, if it did.
    pub stop: Option<BundleError>,
}

/// Check the header.
///
/// # Errors
///
/// [`BundleError::ShortHeader`], [`BundleError::BadMagic`] or [`BundleError::UnknownVersion`].
#[doc(hidden)]
pub fn check_header(bytes: &[u8]) -> Result<(), BundleError> {
    let (Some(magic), Some(&version)) = (bytes.get(..MAGIC.len()), bytes.get(MAGIC.len())) else {
        return Err(BundleError::ShortHeader { len: bytes.len() });
    };
    if magic != MAGIC {
        return Err(BundleError::BadMagic {
            found: hex::encode(magic),
        });
    }
    if version != BUNDLE_VERSION {
        return Err(BundleError::UnknownVersion { found: version });
    }
    Ok(())
}

/// Read the record that starts at `offset`, which is record number `index`.
///
/// # Errors
///
/// [`BundleError::Truncated`], [`BundleError::UnknownKind`], [`BundleError::TooLong`] or
/// [`BundleError::BadCheck`], each naming `index` and `offset`.
#[doc(hidden)]
pub fn parse_record(bytes: &[u8], offset: usize, index: usize) -> Result<Record<'_>, BundleError> {
    let rest = bytes.get(offset..).unwrap_or_default();
    let truncated = |needed: usize| BundleError::Truncated {
        index,
        offset,
        needed,
        available: rest.len(),
    };
    let Some((&code, after_kind)) = rest.split_first() else {
        return Err(truncated(1));
    };
    let kind = RecordKind::from_code(code).ok_or(BundleError::UnknownKind {
        index,
        offset,
        kind: code,
    })?;
    let len_bytes: [u8; 4] = after_kind
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| truncated(5))?;
    let len = u32::from_be_bytes(len_bytes);
    let n = usize::try_from(len).unwrap_or(usize::MAX);
    if n > MAX_ENCODED_LEN {
        return Err(BundleError::TooLong { index, offset, len });
    }
    let whole = n.saturating_add(RECORD_OVERHEAD);
    let (Some(payload), Some(stored)) = (rest.get(5..5 + n), rest.get(5 + n..whole)) else {
        return Err(truncated(whole));
    };
    if stored != check(code, len_bytes, payload) {
        return Err(BundleError::BadCheck { index, offset });
    }
    Ok(Record {
        kind,
        payload,
        offset,
        index,
    })
}

/// Read records from the start until the input ends or a record is bad. A bad record does not
/// fail the scan: it ends it, with [`Scan::stop`] saying why. That is how a torn tail is found.
///
/// # Errors
///
/// Only for a bad header (see [`check_header`]).
#[doc(hidden)]
pub fn scan(bytes: &[u8]) -> Result<Scan<'_>, BundleError> {
    check_header(bytes)?;
    Ok(scan_from(bytes, HEADER_LEN, 0))
}

/// [`scan`] from the record that starts at `offset`, numbering records from `first_index`, with
/// no header check: for reading the rest of a file whose start is already known good.
/// [`Scan::valid_len`] counts from the start of `bytes`.
#[doc(hidden)]
pub fn scan_from(bytes: &[u8], offset: usize, first_index: usize) -> Scan<'_> {
    let mut records = Vec::new();
    let mut offset = offset;
    let mut stop = None;
    while offset < bytes.len() {
        let index = first_index.saturating_add(records.len());
        match parse_record(bytes, offset, index) {
            Ok(r) => {
                offset = r.end();
                records.push(r);
            }
            Err(e) => {
                stop = Some(e);
                break;
            }
        }
    }
    Scan {
        records,
        valid_len: offset,
        stop,
    }
}

/// The offset of the first well-formed record (known kind, length within the limit, the whole
/// record present, check value matching) that starts at or after `from`. After damage, this
/// tells damage in the middle of a file (good records follow it) from a torn tail (none do).
/// A false match needs 64 bits of check value to agree by chance.
#[doc(hidden)]
pub fn next_good_record(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len()).find(|&at| {
        bytes
            .get(at)
            .is_some_and(|&k| RecordKind::from_code(k).is_some())
            && parse_record(bytes, at, 0).is_ok()
    })
}

/// The batch marker record for a write of `count` records (the marker's payload is `count`,
/// `u32` big-endian).
///
/// # Errors
///
/// [`BundleError::BadBatch`] if `count` is under 2: a single record needs no marker.
#[doc(hidden)]
pub fn batch_record(count: u32) -> Result<Vec<u8>, BundleError> {
    if count < 2 {
        return Err(BundleError::BadBatch {
            index: 0,
            offset: 0,
            reason: "a batch marker announces 2 records or more",
        });
    }
    record(RecordKind::Batch, &count.to_be_bytes())
}

/// The count a batch marker announces.
///
/// # Errors
///
/// [`BundleError::BadBatch`] if the payload is not 4 bytes or the count is under 2.
#[doc(hidden)]
pub fn batch_count(r: &Record<'_>) -> Result<u32, BundleError> {
    let bad = |reason| BundleError::BadBatch {
        index: r.index,
        offset: r.offset,
        reason,
    };
    let count = <[u8; 4]>::try_from(r.payload)
        .map(u32::from_be_bytes)
        .map_err(|_| bad("a batch marker's payload is a 4-byte count"))?;
    if count < 2 {
        return Err(bad("a batch marker announces 2 records or more"));
    }
    Ok(count)
}

/// How many of `records` (consecutive records of one file, as [`scan`] returns them) make up
/// whole writes: all of them, or all up to the last batch marker when fewer records follow it
/// than it announces (a torn write, which a journal cuts back to the marker). Records outside
/// a batch are single-record writes, whole by their check values.
///
/// # Errors
///
/// [`BundleError::BadBatch`] for a marker whose payload is not a count of 2 or more, or a
/// charter or another marker among the records a marker announces.
#[doc(hidden)]
pub fn whole_writes(records: &[Record<'_>]) -> Result<usize, BundleError> {
    let mut at = 0usize;
    while let Some(r) = records.get(at) {
        if r.kind != RecordKind::Batch {
            at = at.saturating_add(1);
            continue;
        }
        let count = usize::try_from(batch_count(r)?).unwrap_or(usize::MAX);
        let members = records.get(at.saturating_add(1)..).unwrap_or_default();
        if let Some(m) = members
            .iter()
            .take(count)
            .find(|m| !matches!(m.kind, RecordKind::Entry | RecordKind::Note))
        {
            return Err(BundleError::BadBatch {
                index: m.index,
                offset: m.offset,
                reason: "a batch holds only signed entries and signed notes",
            });
        }
        if members.len() < count {
            return Ok(at);
        }
        at = at.saturating_add(1).saturating_add(count);
    }
    Ok(records.len())
}

/// A bundle's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The charter.
    pub charter: Charter,
    /// The signed entries, canonical bytes, in file order (not yet verified).
    pub entries: Vec<Vec<u8>>,
    /// The signed-note records, in file order (the notes not yet checked).
    pub notes: Vec<BundleNote>,
    /// The consistency proofs, in file order, each verified against the roots that the
    /// bundle's note records state (the notes themselves not yet checked).
    pub proofs: Vec<ConsistencyRecord>,
}

/// A signed-note record of a bundle, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleNote {
    /// The record's position in the file, from 0.
    pub index: usize,
    /// The record's byte offset.
    pub offset: usize,
    /// The record's payload.
    pub record: NoteRecord,
}

/// Write a bundle of `charter` and `entries` (each the canonical bytes of a signed entry).
///
/// # Errors
///
/// [`BundleError::Encode`] if the charter cannot be encoded, [`BundleError::PayloadTooLong`] if
/// an entry is over the limit.
pub fn write<B: AsRef<[u8]>>(charter: &Charter, entries: &[B]) -> Result<Vec<u8>, BundleError> {
    write_with_notes(charter, entries, &[])
}

/// Write a bundle of `charter`, then `entries` (each the canonical bytes of a signed entry),
/// then `notes`.
///
/// # Errors
///
/// [`BundleError::Encode`] if the charter or a note record cannot be encoded,
/// [`BundleError::PayloadTooLong`] if an entry or note record is over the limit.
pub fn write_with_notes<B: AsRef<[u8]>>(
    charter: &Charter,
    entries: &[B],
    notes: &[NoteRecord],
) -> Result<Vec<u8>, BundleError> {
    write_with_proofs(charter, entries, notes, &[])
}

/// Write a bundle of `charter`, then `entries`, then `notes`, then consistency `proofs`
/// between the notes' checkpoints. The proofs are not checked here; [`read`] checks them.
///
/// # Errors
///
/// As [`write_with_notes`].
pub fn write_with_proofs<B: AsRef<[u8]>>(
    charter: &Charter,
    entries: &[B],
    notes: &[NoteRecord],
    proofs: &[ConsistencyRecord],
) -> Result<Vec<u8>, BundleError> {
    let mut out = header();
    let c = charter.encode().map_err(BundleError::Encode)?;
    out.extend(record(RecordKind::Charter, &c)?);
    for e in entries {
        out.extend(record(RecordKind::Entry, e.as_ref())?);
    }
    for n in notes {
        let payload = n.encode().map_err(BundleError::Encode)?;
        out.extend(record(RecordKind::Note, &payload)?);
    }
    for p in proofs {
        let payload = p.encode().map_err(BundleError::Encode)?;
        out.extend(record(RecordKind::Consistency, &payload)?);
    }
    Ok(out)
}

/// Check one consistency record against the roots the bundle's note records state: sizes
/// `0 < old < new`, not a repeat of an earlier record, note records of its origin at both
/// sizes, and the proof verifying from a root stated at the old size to one stated at the new
/// (with two roots at one size — a split view, which verification reports — one pair must).
fn check_consistency(
    r: &Record<'_>,
    p: &ConsistencyRecord,
    notes: &[BundleNote],
    earlier: &[ConsistencyRecord],
) -> Result<(), BundleError> {
    let bad = |reason: String| BundleError::BadConsistency {
        index: r.index,
        offset: r.offset,
        reason,
    };
    if p.old_size == 0 || p.old_size >= p.new_size {
        return Err(bad(format!(
            "sizes {} to {} (a proof needs 0 < old < new)",
            p.old_size, p.new_size
        )));
    }
    if earlier
        .iter()
        .any(|e| (&e.origin, e.old_size, e.new_size) == (&p.origin, p.old_size, p.new_size))
    {
        return Err(bad(format!(
            "a second proof for {} from size {} to {}",
            p.origin, p.old_size, p.new_size
        )));
    }
    let roots = |size: u64| -> Vec<Hash> {
        notes
            .iter()
            .filter(|n| n.record.origin == p.origin && n.record.size == size)
            .map(|n| n.record.root)
            .collect()
    };
    let (old, new) = (roots(p.old_size), roots(p.new_size));
    for (size, held) in [(p.old_size, &old), (p.new_size, &new)] {
        if held.is_empty() {
            return Err(bad(format!(
                "the bundle holds no checkpoint of {} at size {size}",
                p.origin
            )));
        }
    }
    let mut last = None;
    for o in &old {
        for n in &new {
            match merkle::verify_consistency(p.old_size, p.new_size, o, n, &p.proof) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
    }
    Err(bad(format!(
        "from size {} to {} of {}: {}",
        p.old_size,
        p.new_size,
        p.origin,
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

/// Read a whole bundle, strictly, within the default [`Limits`]: see [`read_with`].
///
/// # Errors
///
/// As [`read_with`].
pub fn read(bytes: &[u8]) -> Result<Bundle, BundleError> {
    read_with(bytes, &Limits::DEFAULT)
}

/// What the framing pass of [`read_with`] found: how many records of each kind, and the first
/// breach of the batch rules, reported only once the framing of the whole input is known good.
#[derive(Default)]
struct Framing {
    records: usize,
    entries: usize,
    notes: usize,
    proofs: usize,
    batch_error: Option<BundleError>,
}

/// Frame every record of `bytes` (header checked), allocating nothing: the limits, then the
/// check values, then the batch rules (as [`whole_writes`] states them). Returns the first
/// record and the counts.
fn frame<'a>(bytes: &'a [u8], limits: &Limits) -> Result<(Record<'a>, Framing), BundleError> {
    if bytes.len() > limits.max_bytes {
        return Err(BundleError::TooLarge {
            len: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    check_header(bytes)?;
    let mut f = Framing::default();
    let mut first = None;
    let mut offset = HEADER_LEN;
    // The open batch: its marker, the count it announces, the members seen so far.
    let mut batch: Option<(Record<'a>, u32, u32)> = None;
    while offset < bytes.len() {
        let index = f.records;
        if index >= limits.max_records {
            return Err(BundleError::TooManyRecords {
                index,
                offset,
                limit: limits.max_records,
            });
        }
        let r = parse_record(bytes, offset, index)?;
        offset = r.end();
        f.records = f.records.saturating_add(1);
        first.get_or_insert(r);
        match r.kind {
            RecordKind::Entry => f.entries = f.entries.saturating_add(1),
            RecordKind::Note => f.notes = f.notes.saturating_add(1),
            RecordKind::Consistency => f.proofs = f.proofs.saturating_add(1),
            RecordKind::Charter | RecordKind::Batch => {}
        }
        if f.batch_error.is_some() {
            continue;
        }
        match batch.take() {
            Some((marker, count, seen)) => {
                if !matches!(r.kind, RecordKind::Entry | RecordKind::Note) {
                    f.batch_error = Some(BundleError::BadBatch {
                        index: r.index,
                        offset: r.offset,
                        reason: "a batch holds only signed entries and signed notes",
                    });
                } else if seen.saturating_add(1) < count {
                    batch = Some((marker, count, seen.saturating_add(1)));
                }
            }
            None if r.kind == RecordKind::Batch => match batch_count(&r) {
                Ok(count) => batch = Some((r, count, 0)),
                Err(e) => f.batch_error = Some(e),
            },
            None => {}
        }
    }
    let first = first.ok_or(BundleError::Empty)?;
    if first.kind != RecordKind::Charter {
        return Err(BundleError::CharterNotFirst {
            index: first.index,
            offset: first.offset,
        });
    }
    if let Some(e) = f.batch_error.take() {
        return Err(e);
    }
    if let Some((marker, count, found)) = batch {
        return Err(BundleError::IncompleteBatch {
            index: marker.index,
            offset: marker.offset,
            count,
            found: usize::try_from(found).unwrap_or(usize::MAX),
        });
    }
    Ok((first, f))
}

/// Check a bundle's framing without decoding anything and allocating nothing: the limits, the
/// header, every record's check value, the charter first, the batch rules. What
/// [`read_with`] refuses before it decodes a payload, this refuses, with the same error; a
/// caller can so refuse a bad file before it opens anything else.
///
/// # Errors
///
/// As [`read_with`], for the problems of framing.
#[doc(hidden)]
pub fn check_framing(bytes: &[u8], limits: &Limits) -> Result<(), BundleError> {
    frame(bytes, limits).map(|_| ())
}

/// Read a whole bundle, strictly: at most `limits.max_bytes` bytes and `limits.max_records`
/// records, the header, then every record intact to the last byte, the first record a valid
/// charter and no other, every note record a canonical [`NoteRecord`], every batch marker
/// well-formed and followed by all the records it announces (markers are then skipped: they
/// carry nothing). The entries and notes are not verified here (that is the verifier's and
/// the note checker's job), only framed.
///
/// The whole input is framed first, allocating nothing, so a length field is never trusted
/// beyond the bytes present (nor beyond [`MAX_ENCODED_LEN`]), and what is then allocated is
/// at most the input's length plus a bounded amount per record.
///
/// # Errors
///
/// [`BundleError::TooLarge`] or [`BundleError::TooManyRecords`] past the limits; otherwise
/// the first problem found, as a [`BundleError`] naming the record's position and byte offset.
pub fn read_with(bytes: &[u8], limits: &Limits) -> Result<Bundle, BundleError> {
    let (first, framing) = frame(bytes, limits)?;
    let charter = Charter::decode(first.payload).map_err(|error| BundleError::Charter {
        index: first.index,
        offset: first.offset,
        error,
    })?;
    let mut entries = Vec::with_capacity(framing.entries);
    let mut notes = Vec::with_capacity(framing.notes);
    let mut proofs = Vec::with_capacity(framing.proofs);
    let mut offset = first.end();
    let mut index = first.index;
    while offset < bytes.len() {
        index = index.saturating_add(1);
        let r = parse_record(bytes, offset, index)?;
        offset = r.end();
        match r.kind {
            RecordKind::Charter => {
                return Err(BundleError::SecondCharter {
                    index: r.index,
                    offset: r.offset,
                });
            }
            RecordKind::Entry => entries.push(r.payload.to_vec()),
            RecordKind::Note => {
                let record =
                    NoteRecord::decode(r.payload).map_err(|error| BundleError::BadNoteRecord {
                        index: r.index,
                        offset: r.offset,
                        error,
                    })?;
                notes.push(BundleNote {
                    index: r.index,
                    offset: r.offset,
                    record,
                });
            }
            RecordKind::Batch => {}
            RecordKind::Consistency => {
                let p = ConsistencyRecord::decode(r.payload).map_err(|error| {
                    BundleError::BadConsistency {
                        index: r.index,
                        offset: r.offset,
                        reason: format!("not a canonical consistency record: {error}"),
                    }
                })?;
                proofs.push((r, p));
            }
        }
    }
    let mut checked: Vec<ConsistencyRecord> = Vec::with_capacity(proofs.len());
    for (r, p) in proofs {
        check_consistency(&r, &p, &notes, &checked)?;
        checked.push(p);
    }
    Ok(Bundle {
        charter,
        entries,
        notes,
        proofs: checked,
    })
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::cast_possible_truncation
    )]
    use super::*;
    use crate::example;

    fn sample() -> (Charter, Vec<Vec<u8>>, Vec<u8>) {
        let (charter, entries) = example::channel().unwrap();
        let bytes = write(&charter, &entries).unwrap();
        (charter, entries, bytes)
    }

    /// Offsets of every record in `bytes`, and the end.
    fn boundaries(bytes: &[u8]) -> Vec<usize> {
        let s = scan(bytes).unwrap();
        let mut b: Vec<usize> = s.records.iter().map(|r| r.offset).collect();
        b.push(s.valid_len);
        b
    }

    #[test]
    fn round_trip() {
        let (charter, entries, bytes) = sample();
        assert_eq!(&bytes[..9], b"HOTLINE\0\x02");
        let b = read(&bytes).unwrap();
        assert_eq!(b.charter, charter);
        assert_eq!(b.entries, entries);
        let s = scan(&bytes).unwrap();
        assert_eq!(s.records.len(), entries.len() + 1);
        assert_eq!(s.valid_len, bytes.len());
        assert_eq!(s.stop, None);
        for (i, r) in s.records.iter().enumerate() {
            assert_eq!(r.index, i);
        }
    }

    fn note(origin: &str, size: u64) -> NoteRecord {
        NoteRecord {
            origin: origin.into(),
            size,
            root: [size as u8; 32],
            note: format!("{origin}\n{size}\nroot\n\n— sig\n").into_bytes(),
        }
    }

    #[test]
    fn notes_round_trip_after_the_entries() {
        let (charter, entries, plain) = sample();
        let notes = vec![note("example.org/a", 3), note("example.org/b", 1)];
        let bytes = write_with_notes(&charter, &entries, &notes).unwrap();
        // The entries' part is the plain bundle; the notes follow it.
        assert_eq!(&bytes[..plain.len()], plain.as_slice());
        let b = read(&bytes).unwrap();
        assert_eq!(b.entries, entries);
        let got: Vec<NoteRecord> = b.notes.iter().map(|n| n.record.clone()).collect();
        assert_eq!(got, notes);
        let first = &b.notes[0];
        assert_eq!(
            (first.index, first.offset),
            (entries.len() + 1, plain.len())
        );
        let s = scan(&bytes).unwrap();
        assert_eq!(s.records[first.index].kind, RecordKind::Note);
        assert_eq!(read(&plain).unwrap().notes, vec![]);
    }

    #[test]
    fn note_record_layout() {
        let n = NoteRecord {
            origin: "o".into(),
            size: 5,
            root: [0xab; 32],
            note: b"hi".to_vec(),
        };
        let mut want = vec![0, 0, 0, 0, 0, 0, 0, 1, b'o', 0, 0, 0, 0, 0, 0, 0, 5];
        want.extend([0xab; 32]);
        want.extend([0, 0, 0, 0, 0, 0, 0, 2, b'h', b'i']);
        assert_eq!(n.encode().unwrap(), want);
        assert_eq!(NoteRecord::decode(&want).unwrap(), n);
        let mut trailing = want.clone();
        trailing.push(0);
        assert!(NoteRecord::decode(&trailing).is_err());
    }

    #[test]
    fn a_malformed_note_record_is_refused_where_it_stands() {
        let (charter, entries, plain) = sample();
        let mut bytes = write(&charter, &entries).unwrap();
        bytes.extend(record(RecordKind::Note, b"not a note record").unwrap());
        match read(&bytes) {
            Err(BundleError::BadNoteRecord { index, offset, .. }) => {
                assert_eq!((index, offset), (entries.len() + 1, plain.len()));
            }
            other => panic!("{other:?}"),
        }
        let mut note_first = header();
        note_first.extend(record(RecordKind::Note, &note("o", 1).encode().unwrap()).unwrap());
        assert_eq!(
            read(&note_first),
            Err(BundleError::CharterNotFirst {
                index: 0,
                offset: HEADER_LEN
            })
        );
    }

    #[test]
    fn scan_from_numbers_records_from_where_it_starts() {
        let (_, _, bytes) = sample();
        let all = scan(&bytes).unwrap();
        let third = all.records[2];
        let rest = scan_from(&bytes, third.offset, 2);
        assert_eq!(rest.records, all.records[2..].to_vec());
        assert_eq!(rest.valid_len, bytes.len());
        assert_eq!(rest.stop, None);
    }

    #[test]
    fn record_layout_and_check() {
        let r = record(RecordKind::Entry, b"abc").unwrap();
        assert_eq!(&r[..8], &[2, 0, 0, 0, 3, b'a', b'b', b'c']);
        let mut h = Sha256::new();
        h.update(b"hotline/v2/record\0");
        h.update([2, 0, 0, 0, 3]);
        h.update(b"abc");
        assert_eq!(&r[8..], &h.finalize()[..8]);
        // The known answer written in docs/FORMAT.md, section 8.
        assert_eq!(hex::encode(&r), "0200000003616263fdf8e8e8421c1f26");
        assert_eq!(r.len(), 3 + RECORD_OVERHEAD);
        let big = vec![0u8; MAX_ENCODED_LEN + 1];
        assert!(matches!(
            record(RecordKind::Entry, &big),
            Err(BundleError::PayloadTooLong { .. })
        ));
    }

    #[test]
    fn every_truncation_is_detected_at_the_record_it_cuts() {
        let (_, _, bytes) = sample();
        let bounds = boundaries(&bytes);
        for cut in 0..bytes.len() {
            let short = &bytes[..cut];
            let result = read(short);
            if cut < HEADER_LEN {
                assert_eq!(result, Err(BundleError::ShortHeader { len: cut }));
                continue;
            }
            if bounds.contains(&cut) {
                // A cut at a record boundary is a shorter bundle (or an empty one).
                if cut == HEADER_LEN {
                    assert_eq!(result, Err(BundleError::Empty));
                } else {
                    assert!(result.is_ok(), "cut {cut}");
                }
                continue;
            }
            // The record that the cut falls in.
            let index = bounds.iter().rposition(|&b| b < cut).unwrap();
            let offset = bounds[index];
            match result {
                Err(BundleError::Truncated {
                    index: i,
                    offset: o,
                    available,
                    ..
                }) => {
                    assert_eq!((i, o), (index, offset), "cut {cut}");
                    assert_eq!(available, cut - offset);
                }
                other => panic!("cut {cut}: {other:?}"),
            }
            let s = scan(short).unwrap();
            assert_eq!(s.valid_len, offset);
            assert_eq!(s.records.len(), index);
            assert!(s.stop.is_some());
            assert_eq!(next_good_record(short, offset + 1), None, "cut {cut}");
        }
    }

    #[test]
    fn every_bit_flip_is_caught() {
        let (_, _, bytes) = sample();
        let bounds = boundaries(&bytes);
        for at in HEADER_LEN..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut copy = bytes.clone();
                copy[at] ^= bit;
                let index = bounds.iter().rposition(|&b| b <= at).unwrap();
                let offset = bounds[index];
                let err = read(&copy).unwrap_err();
                let (i, o) = match err {
                    BundleError::BadCheck { index, offset }
                    | BundleError::UnknownKind { index, offset, .. }
                    | BundleError::TooLong { index, offset, .. }
                    | BundleError::Truncated { index, offset, .. } => (index, offset),
                    other => panic!("byte {at}: {other:?}"),
                };
                assert_eq!((i, o), (index, offset), "byte {at} bit {bit}");
                // Damage in the middle is told from a torn tail: good records follow it.
                if index + 2 < bounds.len() {
                    assert_eq!(next_good_record(&copy, offset + 1), Some(bounds[index + 1]));
                }
            }
        }
    }

    /// A journal-like file: the charter, one entry alone, then a batch of the rest.
    fn batched() -> (Vec<Vec<u8>>, Vec<u8>, usize) {
        let (charter, entries, _) = sample();
        let mut bytes = header();
        bytes.extend(record(RecordKind::Charter, &charter.encode().unwrap()).unwrap());
        bytes.extend(record(RecordKind::Entry, &entries[0]).unwrap());
        let marker_at = bytes.len();
        bytes.extend(batch_record((entries.len() - 1) as u32).unwrap());
        for e in &entries[1..] {
            bytes.extend(record(RecordKind::Entry, e).unwrap());
        }
        (entries, bytes, marker_at)
    }

    #[test]
    fn batch_markers_are_skipped_and_their_writes_are_whole_or_cut() {
        let (entries, bytes, marker_at) = batched();
        assert!(entries.len() >= 3);
        // Read as a bundle, the marker is skipped.
        assert_eq!(read(&bytes).unwrap().entries, entries);
        // The known answer written in docs/FORMAT.md, section 8.
        assert_eq!(
            hex::encode(batch_record(2).unwrap()),
            "0400000004000000029397d97ba759e9dd"
        );
        let bounds = boundaries(&bytes);
        let all = scan(&bytes).unwrap().records;
        assert_eq!(whole_writes(&all), Ok(all.len()));
        // Cut at every record boundary inside the batch: the whole writes end at the marker.
        for &cut in bounds.iter().filter(|&&b| b > marker_at && b < bytes.len()) {
            let s = scan(&bytes[..cut]).unwrap();
            let whole = whole_writes(&s.records).unwrap();
            assert_eq!(s.records[whole].offset, marker_at, "cut {cut}");
            assert!(
                matches!(read(&bytes[..cut]), Err(BundleError::IncompleteBatch { offset, count, .. }) if offset == marker_at && count as usize == entries.len() - 1),
                "cut {cut}"
            );
        }
        // Cut before the marker: a shorter, whole file.
        let s = scan(&bytes[..marker_at]).unwrap();
        assert_eq!(whole_writes(&s.records), Ok(s.records.len()));
    }

    #[test]
    fn malformed_batches_are_refused() {
        let (charter, entries, _) = sample();
        let start = || {
            let mut b = header();
            b.extend(record(RecordKind::Charter, &charter.encode().unwrap()).unwrap());
            b
        };
        assert!(matches!(batch_record(1), Err(BundleError::BadBatch { .. })));
        for payload in [&[0u8, 0, 0, 1][..], &[0, 0, 2][..], &[0, 0, 0, 0, 2][..]] {
            let mut b = start();
            let at = b.len();
            b.extend(record(RecordKind::Batch, payload).unwrap());
            b.extend(record(RecordKind::Entry, &entries[0]).unwrap());
            b.extend(record(RecordKind::Entry, &entries[1]).unwrap());
            assert!(
                matches!(read(&b), Err(BundleError::BadBatch { index: 1, offset, .. }) if offset == at),
                "{payload:?}"
            );
        }
        // A marker among the records another announces.
        let mut b = start();
        b.extend(batch_record(2).unwrap());
        b.extend(record(RecordKind::Entry, &entries[0]).unwrap());
        b.extend(batch_record(2).unwrap());
        b.extend(record(RecordKind::Entry, &entries[1]).unwrap());
        b.extend(record(RecordKind::Entry, &entries[2]).unwrap());
        assert!(matches!(
            read(&b),
            Err(BundleError::BadBatch { index: 3, .. })
        ));
    }

    #[test]
    fn charter_rules() {
        let (charter, entries, _) = sample();
        let c = charter.encode().unwrap();
        let mut two = header();
        two.extend(record(RecordKind::Charter, &c).unwrap());
        two.extend(record(RecordKind::Entry, &entries[0]).unwrap());
        let second_at = two.len();
        two.extend(record(RecordKind::Charter, &c).unwrap());
        assert_eq!(
            read(&two),
            Err(BundleError::SecondCharter {
                index: 2,
                offset: second_at
            })
        );

        let mut entry_first = header();
        entry_first.extend(record(RecordKind::Entry, &entries[0]).unwrap());
        assert_eq!(
            read(&entry_first),
            Err(BundleError::CharterNotFirst {
                index: 0,
                offset: HEADER_LEN
            })
        );

        let mut bad_charter = header();
        bad_charter.extend(record(RecordKind::Charter, b"not a charter").unwrap());
        assert!(matches!(
            read(&bad_charter),
            Err(BundleError::Charter { index: 0, .. })
        ));
        assert_eq!(read(&header()), Err(BundleError::Empty));
    }

    #[test]
    fn bad_header() {
        let (_, _, bytes) = sample();
        let mut m = bytes.clone();
        m[0] = b'h';
        assert!(matches!(read(&m), Err(BundleError::BadMagic { .. })));
        assert!(matches!(scan(&m), Err(BundleError::BadMagic { .. })));
        let mut v = bytes.clone();
        v[8] = 1;
        assert_eq!(read(&v), Err(BundleError::UnknownVersion { found: 1 }));
        assert_eq!(read(&[]), Err(BundleError::ShortHeader { len: 0 }));
    }

    #[test]
    fn unknown_kind_oversize_and_garbage() {
        let mut b = header();
        b.extend([6, 0, 0, 0, 0]);
        assert_eq!(
            read(&b),
            Err(BundleError::UnknownKind {
                index: 0,
                offset: 9,
                kind: 6
            })
        );
        let mut b = header();
        b.extend([2, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            read(&b),
            Err(BundleError::TooLong { len: u32::MAX, .. })
        ));
        let (_, _, bytes) = sample();
        let mut g = bytes.clone();
        g.extend((0..500u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        let s = scan(&g).unwrap();
        assert_eq!(s.valid_len, bytes.len());
        assert!(s.stop.is_some());
        assert_eq!(next_good_record(&g, bytes.len()), None);
    }

    #[test]
    fn consistency_proofs_are_verified_on_reading() {
        let (charter, entries, _) = sample();
        let leaves: Vec<Hash> = (0u8..7).map(|i| merkle::leaf_hash(&[i])).collect();
        let at = |n: usize| NoteRecord {
            origin: "example.org/a".into(),
            size: n as u64,
            root: merkle::root(&leaves[..n]),
            note: format!("example.org/a\n{n}\n").into_bytes(),
        };
        let notes = vec![at(3), at(7)];
        let good = ConsistencyRecord {
            origin: "example.org/a".into(),
            old_size: 3,
            new_size: 7,
            proof: merkle::consistency_proof(&leaves, 3).unwrap(),
        };
        let bytes =
            write_with_proofs(&charter, &entries, &notes, std::slice::from_ref(&good)).unwrap();
        assert_eq!(read(&bytes).unwrap().proofs, vec![good.clone()]);
        let index = 1 + entries.len() + notes.len();
        let refused = |proofs: Vec<ConsistencyRecord>, notes: &[NoteRecord], want: &str| {
            let bytes = write_with_proofs(&charter, &entries, notes, &proofs).unwrap();
            let proofs = &proofs;
            match read(&bytes) {
                Err(e @ BundleError::BadConsistency { .. }) => {
                    let msg = e.to_string();
                    // The last proof record is the bad one in every case here.
                    let last = entries.len() + notes.len() + proofs.len();
                    assert!(msg.starts_with(&format!("record {last} ")), "{msg}");
                    assert!(msg.contains(want), "{want}: {msg}");
                }
                other => panic!("{want}: {other:?}"),
            }
        };
        let mut bad = good.clone();
        bad.proof[0][0] ^= 1;
        refused(vec![bad], &notes, "does not match");
        let mut short = good.clone();
        short.proof.pop();
        refused(vec![short], &notes, "hashes, expected");
        let mut sizes = good.clone();
        sizes.old_size = 7;
        refused(vec![sizes], &notes, "0 < old < new");
        refused(
            vec![good.clone()],
            &notes[..1],
            "no checkpoint of example.org/a at size 7",
        );
        refused(vec![good.clone(), good.clone()], &notes, "a second proof");
        // A payload that is not one canonical record.
        let mut raw = write_with_notes(&charter, &entries, &notes).unwrap();
        raw.extend(record(RecordKind::Consistency, b"\x00").unwrap());
        assert!(matches!(
            read(&raw),
            Err(BundleError::BadConsistency { index: i, .. }) if i == index
        ));
        // Two roots at one size (a split view): one of them must verify.
        let mut other = at(3);
        other.root = [9; 32];
        let split = vec![other, at(3), at(7)];
        let bytes = write_with_proofs(&charter, &entries, &split, &[good]).unwrap();
        assert_eq!(read(&bytes).unwrap().proofs.len(), 1);
    }
}
