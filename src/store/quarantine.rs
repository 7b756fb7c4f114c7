//! The quarantine: evidence that a refused import verified, kept beside the ledger, so that
//! refusing a bundle never throws away a proof of equivocation. The journal stays
//! all-or-nothing; the quarantine holds what an all-or-nothing refusal would otherwise drop.
//!
//! `quarantine/` in the store directory holds one file per piece of evidence, written whole
//! (temporary file, `sync_all`, rename, directory sync) before the refusal is reported:
//!
//! ```text
//! file   = magic "HOTLINEQ" (48 4f 54 4c 49 4e 45 51) ‖ version: u8 (= 1) ‖ len: u32 (BE) ‖ meta[len] ‖ bundle
//! meta   = the canonical encoding of kind: u8 ‖ bundle: [u8; 32] ‖ received: Option<u64> ‖ what: String ‖ refused: String
//! bundle = a bundle (see crate::bundle): the charter record, the evidence's signed entries, its signed notes
//! name   = KIND-NAME "-" hex(SHA-256("hotline/v2/quarantine\0" ‖ kind ‖ bundle))
//! ```
//!
//! | kind | name | the bundle holds |
//! |---|---|---|
//! | 1 | `fork` | two signed entries by one party at one seq, with different ids |
//! | 2 | `double-signature` | one entry's content signed twice: two entries with one id |
//! | 3 | `split-view` | the signed notes that contradict each other; for a note that contradicts its owner's entries, also those entries from seq 0 up to the note's size |
//! | 4 | `checkpoint` | one signed note whose signatures verified |
//!
//! `meta.bundle` is the SHA-256 of the refused bundle file, `received` the importer's clock
//! (Unix seconds) if it had one, `what` the verifier's sentence about the evidence and
//! `refused` why the bundle was refused (each at most 1,024 bytes). The name hashes only the
//! kind and the evidence, so the same evidence is kept once however often it arrives; and
//! since the bundle carries the charter, each file stands on its own: anyone with the parties'
//! keys can check it.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::journal::{io_err, replace_file, sync_dir};
use super::notes::StoredNote;
use super::{Store, StoreError};
use crate::bundle::{self, NoteRecord};
use crate::charter::Charter;
use crate::encoding::{self, tagged_hash};
use crate::entry::{SignedEntry, Timestamp};
use crate::keys::PartyId;
use crate::verify::{self, FindingKind, ForkError, ForkProof, Options};
use crate::witness;

/// The quarantine's directory in the store directory.
pub(super) const DIR: &str = "quarantine";

/// The first 8 bytes of every quarantine file.
pub const MAGIC: [u8; 8] = *b"HOTLINEQ";

/// The quarantine file format version this library writes and reads.
pub const VERSION: u8 = 1;

/// Prefix of the hash that names a quarantine file.
const TAG: &[u8] = b"hotline/v2/quarantine\0";

/// The most one refused import adds to the quarantine, in file bytes. Evidence beyond it is
/// not kept ([`QuarantineReport::over_limit`]), so a hostile bundle cannot fill the disk.
pub const MAX_BYTES_PER_IMPORT: usize = 4 * 1024 * 1024;

/// The most pieces of evidence one refused import adds to the quarantine.
pub const MAX_ITEMS_PER_IMPORT: usize = 256;

/// The most files the whole quarantine holds; evidence beyond it is counted as over the limit,
/// not kept, so refused imports cannot fill the disk.
pub const MAX_FILES: usize = 4096;

/// The most bytes the whole quarantine holds, likewise.
pub const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;

/// The longest `what` or `refused` text kept, in bytes.
const MAX_TEXT: usize = 1024;

/// What a piece of quarantined evidence shows.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvidenceKind {
    /// 1: two different entries signed by one party at one seq.
    Fork = 1,
    /// 2: one entry's content signed twice with different signatures.
    DoubleSignature = 2,
    /// 3: signed checkpoints that contradict each other or their owner's signed entries.
    SplitView = 3,
    /// 4: a signed checkpoint whose signatures verified.
    Checkpoint = 4,
}

impl EvidenceKind {
    /// The kind's byte in a quarantine file.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The kind's name: the start of its file names, and its name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::Fork => "fork",
            EvidenceKind::DoubleSignature => "double-signature",
            EvidenceKind::SplitView => "split-view",
            EvidenceKind::Checkpoint => "checkpoint",
        }
    }

    fn from_code(code: u8) -> Option<EvidenceKind> {
        match code {
            1 => Some(EvidenceKind::Fork),
            2 => Some(EvidenceKind::DoubleSignature),
            3 => Some(EvidenceKind::SplitView),
            4 => Some(EvidenceKind::Checkpoint),
            _ => None,
        }
    }

    /// Whether the evidence proves that a party equivocated (every kind but a checkpoint).
    pub fn is_equivocation(self) -> bool {
        self != EvidenceKind::Checkpoint
    }
}

/// The evidence itself, typed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Two different entries by one party at one seq.
    Fork(ForkProof),
    /// One entry's content under two signatures.
    DoubleSignature(ForkProof),
    /// Signed notes that cannot all be true, with the owner's entries they contradict (if
    /// they contradict entries rather than each other).
    SplitView {
        /// The signed notes.
        notes: Vec<StoredNote>,
        /// The owner's signed entries from seq 0 up to the note's size, canonical bytes.
        entries: Vec<Vec<u8>>,
    },
    /// A signed checkpoint of a party's feed.
    Checkpoint(StoredNote),
}

/// One piece of evidence in the quarantine.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// Its file name in `quarantine/`: its kind and the hash of its evidence.
    pub name: String,
    /// What kind of evidence.
    pub kind: EvidenceKind,
    /// The evidence.
    pub evidence: Evidence,
    /// The charter the evidence was verified under (the file carries it).
    pub charter: Charter,
    /// SHA-256 of the refused bundle file it came from (the first, if it came more than once).
    pub bundle: [u8; 32],
    /// When it was received, by the importer's clock, if it had one.
    pub received: Option<Timestamp>,
    /// What the verifier said of it.
    pub what: String,
    /// Why the bundle was refused.
    pub refused: String,
}

/// Why a piece of quarantined evidence does not hold.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// The evidence was kept under another charter than the one given.
    #[error("the evidence is of another channel's charter")]
    OtherCharter,
    /// A fork or double-signature proof that does not verify.
    #[error("{0}")]
    Fork(#[from] ForkError),
    /// Two entries that are not what the kind says (a fork's with one id, a double
    /// signature's with two).
    #[error("{0}")]
    Shape(&'static str),
    /// The notes and entries show no split view.
    #[error("its signed notes and entries show no split view")]
    NoSplitView,
    /// The checkpoint does not verify, or states other than its record says.
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(String),
}

impl Quarantined {
    /// Check the evidence with nothing but `charter`: a fork or double signature with
    /// [`ForkProof::verify`] (and that the two entries' ids differ, or agree); a split view by
    /// verifying its notes and entries alone, which must show a split view; a checkpoint by
    /// checking its signatures.
    ///
    /// # Errors
    ///
    /// [`EvidenceError`] saying what does not hold.
    pub fn verify(&self, charter: &Charter) -> Result<(), EvidenceError> {
        if &self.charter != charter {
            return Err(EvidenceError::OtherCharter);
        }
        match &self.evidence {
            Evidence::Fork(p) | Evidence::DoubleSignature(p) => {
                p.verify(charter)?;
                let id = |b: &[u8]| SignedEntry::decode(b).ok().and_then(|e| e.id().ok());
                let same = id(&p.a) == id(&p.b);
                match (self.kind, same) {
                    (EvidenceKind::Fork, true) => Err(EvidenceError::Shape(
                        "the two entries have one id: a double signature, not a fork",
                    )),
                    (EvidenceKind::DoubleSignature, false) => Err(EvidenceError::Shape(
                        "the two entries have different ids: a fork, not a double signature",
                    )),
                    _ => Ok(()),
                }
            }
            Evidence::SplitView { notes, entries } => {
                let notes: Vec<&[u8]> = notes.iter().map(|n| n.note.as_slice()).collect();
                let r =
                    verify::verify_with_notes(charter, entries, &notes, Options::without_clock());
                match r.of_kind(FindingKind::SplitView).next() {
                    Some(_) => Ok(()),
                    None => Err(EvidenceError::NoSplitView),
                }
            }
            Evidence::Checkpoint(n) => {
                let c = witness::check_note(charter, &n.note)
                    .map_err(|e| EvidenceError::Checkpoint(e.to_string()))?;
                let cp = &c.checkpoint;
                if cp.origin() != n.origin || cp.size() != n.size || *cp.root() != n.root {
                    return Err(EvidenceError::Checkpoint(
                        "it states another origin, size or root than its record".into(),
                    ));
                }
                Ok(())
            }
        }
    }

    /// The party the evidence is against (the equivocating party, or the checkpoint's
    /// owner), if the charter names it.
    pub fn party(&self) -> Option<PartyId> {
        match &self.evidence {
            Evidence::Fork(p) | Evidence::DoubleSignature(p) => Some(p.author),
            Evidence::SplitView { notes, .. } => {
                notes.first().and_then(|n| owner(&self.charter, &n.origin))
            }
            Evidence::Checkpoint(n) => owner(&self.charter, &n.origin),
        }
    }

    /// The evidence as a bundle: the charter, its signed entries and notes. `hotline verify
    /// BUNDLE` shows what it proves.
    ///
    /// # Errors
    ///
    /// A [`bundle::BundleError`] if a record cannot be written (it was read from one).
    pub fn to_bundle(&self) -> Result<Vec<u8>, bundle::BundleError> {
        let (entries, notes) = material(&self.evidence);
        bundle::write_with_notes(&self.charter, &entries, &notes)
    }
}

/// The party whose feed `origin` is the checkpoint origin of.
fn owner(charter: &Charter, origin: &str) -> Option<PartyId> {
    charter
        .parties
        .iter()
        .find(|p| witness::origin(charter, p).is_ok_and(|o| o == origin))
        .map(|p| p.key)
}

fn material(e: &Evidence) -> (Vec<Vec<u8>>, Vec<NoteRecord>) {
    let record = |n: &StoredNote| NoteRecord {
        origin: n.origin.clone(),
        size: n.size,
        root: n.root,
        note: n.note.clone(),
    };
    match e {
        Evidence::Fork(p) | Evidence::DoubleSignature(p) => {
            (vec![p.a.clone(), p.b.clone()], Vec::new())
        }
        Evidence::SplitView { notes, entries } => {
            (entries.clone(), notes.iter().map(record).collect())
        }
        Evidence::Checkpoint(n) => (Vec::new(), vec![record(n)]),
    }
}

/// What a refused import kept in quarantine ([`Store::last_quarantine`]).
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarantineReport {
    /// Evidence added to the quarantine by this import, durable.
    pub kept: Vec<Quarantined>,
    /// Evidence of the bundle the quarantine already held (from an earlier import).
    pub already_kept: Vec<Quarantined>,
    /// Pieces of evidence not kept: beyond [`MAX_BYTES_PER_IMPORT`] or
    /// [`MAX_ITEMS_PER_IMPORT`], or too large for one file.
    pub over_limit: usize,
    /// Why the evidence could not be kept, if it could not (an I/O error). What is in
    /// `kept` was kept.
    pub failed: Option<String>,
}

/// The canonical `meta` of a quarantine file.
#[derive(bincode::Encode, bincode::Decode)]
struct Meta {
    kind: u8,
    bundle: [u8; 32],
    received: Option<u64>,
    what: String,
    refused: String,
}

/// A piece of evidence found in a refused bundle, not yet written.
struct Found {
    kind: EvidenceKind,
    what: String,
    entries: Vec<Vec<u8>>,
    notes: Vec<NoteRecord>,
}

/// What a refused import hands the quarantine.
pub(super) struct Refused<'a> {
    /// The bundle file.
    pub bundle: &'a [u8],
    /// Its entries, as verified with the store's.
    pub entries: &'a [Vec<u8>],
    /// Its notes that the note checker accepted, with what they state.
    pub notes: &'a [NoteRecord],
    /// The importer's clock.
    pub now: Option<Timestamp>,
    /// Why it was refused.
    pub why: &'a StoreError,
}

fn bounded(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len().saturating_add(c.len_utf8()) > MAX_TEXT {
            break;
        }
        out.push(c);
    }
    out
}

fn file_name(kind: EvidenceKind, bundle: &[u8]) -> String {
    let mut input = Vec::with_capacity(bundle.len().saturating_add(1));
    input.push(kind.code());
    input.extend_from_slice(bundle);
    format!("{}-{}", kind.name(), hex::encode(tagged_hash(TAG, &input)))
}

/// The file for `found`: its name and bytes.
fn encode_file(charter: &Charter, found: &Found, meta: &Meta) -> Result<(String, Vec<u8>), String> {
    let b = bundle::write_with_notes(charter, &found.entries, &found.notes)
        .map_err(|e| e.to_string())?;
    let m = encoding::encode(meta).map_err(|e| e.to_string())?;
    let len = u32::try_from(m.len()).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(MAGIC.len() + 5 + m.len() + b.len());
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&m);
    out.extend_from_slice(&b);
    Ok((file_name(found.kind, &b), out))
}

/// Read one quarantine file, strictly: its name must be the hash of what it holds.
fn decode_file(name: &str, bytes: &[u8]) -> Result<Quarantined, String> {
    let rest = bytes
        .strip_prefix(&MAGIC)
        .ok_or("not a quarantine file: it does not start with the magic \"HOTLINEQ\"")?;
    let (&version, rest) = rest.split_first().ok_or("truncated after the magic")?;
    if version != VERSION {
        return Err(format!(
            "unknown quarantine file version {version} (this library reads {VERSION})"
        ));
    }
    let len: [u8; 4] = rest
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or("truncated in the meta length")?;
    let len = usize::try_from(u32::from_be_bytes(len)).map_err(|e| e.to_string())?;
    let end = len.checked_add(4).ok_or("meta length overflows")?;
    let meta = rest.get(4..end).ok_or("truncated in the meta")?;
    let b = rest.get(end..).ok_or("truncated after the meta")?;
    let meta: Meta = encoding::decode(meta).map_err(|e| format!("meta: {e}"))?;
    let kind = EvidenceKind::from_code(meta.kind)
        .ok_or_else(|| format!("unknown evidence kind {}", meta.kind))?;
    if file_name(kind, b) != name {
        return Err("what it holds does not hash to its name: damaged or altered".into());
    }
    let b = bundle::read(b).map_err(|e| format!("its bundle: {e}"))?;
    let notes: Vec<StoredNote> = b.notes.into_iter().map(|n| n.record.into()).collect();
    let evidence = match kind {
        EvidenceKind::Fork | EvidenceKind::DoubleSignature => {
            let [a, other] = b.entries.as_slice() else {
                return Err("a fork holds exactly two entries".into());
            };
            let e = SignedEntry::decode(a).map_err(|e| format!("its first entry: {e}"))?;
            let h = e.header();
            let proof = ForkProof {
                channel: b.charter.id().map_err(|e| e.to_string())?,
                author: h.author,
                seq: h.seq,
                a: a.clone(),
                b: other.clone(),
            };
            if kind == EvidenceKind::Fork {
                Evidence::Fork(proof)
            } else {
                Evidence::DoubleSignature(proof)
            }
        }
        EvidenceKind::SplitView => Evidence::SplitView {
            notes,
            entries: b.entries,
        },
        EvidenceKind::Checkpoint => match <[StoredNote; 1]>::try_from(notes) {
            Ok([n]) if b.entries.is_empty() => Evidence::Checkpoint(n),
            _ => return Err("a checkpoint holds exactly one note and no entry".into()),
        },
    };
    Ok(Quarantined {
        name: name.to_owned(),
        kind,
        evidence,
        charter: b.charter,
        bundle: meta.bundle,
        received: meta.received.map(Timestamp),
        what: meta.what,
        refused: meta.refused,
    })
}

/// Whether `name` is a quarantine file's name (not a temporary file, not a stranger's).
fn is_evidence_name(name: &str) -> bool {
    let Some((kind, hash)) = name.rsplit_once('-') else {
        return false;
    };
    let known = [1, 2, 3, 4]
        .into_iter()
        .filter_map(EvidenceKind::from_code)
        .any(|k| k.name() == kind);
    known && hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

fn read_all(dir: &Path) -> Result<Vec<Quarantined>, StoreError> {
    let listing = match fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err("read directory", dir)(e)),
    };
    let mut out = Vec::new();
    for item in listing {
        let item = item.map_err(io_err("read directory", dir))?;
        let name = item.file_name();
        let Some(name) = name.to_str().filter(|n| is_evidence_name(n)) else {
            continue;
        };
        let path = item.path();
        let bytes = fs::read(&path).map_err(io_err("read", &path))?;
        let q = decode_file(name, &bytes)
            .map_err(|detail| StoreError::QuarantineDamaged { path, detail })?;
        out.push(q);
    }
    out.sort_by(|a, b| (a.received, &a.name).cmp(&(b.received, &b.name)));
    Ok(out)
}

impl Store {
    /// Every piece of evidence in the quarantine: what refused imports verified and kept (see
    /// `quarantine.rs`), oldest first. Each re-verifies with [`Quarantined::verify`].
    ///
    /// # Errors
    ///
    /// [`StoreError::QuarantineDamaged`] for a file that is not what its name says, or an I/O
    /// error.
    pub fn quarantine(&self) -> Result<Vec<Quarantined>, StoreError> {
        read_all(&self.dir.join(DIR))
    }

    /// What the last import of this handle kept in quarantine, if it was refused for what
    /// the bundle holds ([`StoreError::Rejected`] or [`StoreError::BadNote`]); `None` after an
    /// import that succeeded or failed for another reason.
    pub fn last_quarantine(&self) -> Option<&QuarantineReport> {
        self.quarantined.as_ref()
    }

    /// Find what `refused` verified and keep it in the quarantine, durably. Never fails: what
    /// could not be kept is said in the report.
    pub(super) fn keep_evidence(&self, refused: &Refused<'_>) -> QuarantineReport {
        let mut report = QuarantineReport::default();
        let found = match self.find_evidence(refused) {
            Ok(f) => f,
            Err(e) => {
                report.failed = Some(e.to_string());
                return report;
            }
        };
        if found.is_empty() {
            return report;
        }
        let dir = self.dir.join(DIR);
        let made = !dir.exists();
        if let Err(e) = fs::create_dir_all(&dir) {
            report.failed = Some(io_err("create directory", &dir)(e).to_string());
            return report;
        }
        let meta = |f: &Found| Meta {
            kind: f.kind.code(),
            bundle: Sha256::digest(refused.bundle).into(),
            received: refused.now.map(|t| t.0),
            what: bounded(&f.what),
            refused: bounded(&refused.why.to_string()),
        };
        let mut budget = MAX_BYTES_PER_IMPORT;
        // What the quarantine already holds, against its total limits.
        let (mut files, mut total) = fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(Result::ok).fold((0usize, 0u64), |(n, b), e| {
                    (n + 1, b.saturating_add(e.metadata().map_or(0, |m| m.len())))
                })
            })
            .unwrap_or((0, 0));
        let mut names = HashSet::new();
        let mut wrote = false;
        for f in &found {
            let Ok((name, bytes)) = encode_file(&self.charter, f, &meta(f)) else {
                report.over_limit = report.over_limit.saturating_add(1);
                continue;
            };
            if !names.insert(name.clone()) {
                continue;
            }
            let path = dir.join(&name);
            // Evidence already kept (and intact) is not written again.
            if let Ok(q) = fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|old| decode_file(&name, &old))
            {
                report.already_kept.push(q);
                continue;
            }
            let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
            if report.kept.len() >= MAX_ITEMS_PER_IMPORT
                || bytes.len() > budget
                || files >= MAX_FILES
                || total.saturating_add(len) > MAX_TOTAL_BYTES
            {
                report.over_limit = report.over_limit.saturating_add(1);
                continue;
            }
            if let Err(e) = replace_file(&path, &bytes) {
                report.failed = Some(e.to_string());
                break;
            }
            wrote = true;
            budget = budget.saturating_sub(bytes.len());
            files += 1;
            total = total.saturating_add(len);
            match decode_file(&name, &bytes) {
                Ok(q) => report.kept.push(q),
                Err(e) => report.failed = Some(e),
            }
        }
        let synced = if wrote { sync_dir(&dir) } else { Ok(()) }
            .and_then(|()| if made { sync_dir(&self.dir) } else { Ok(()) });
        if let Err(e) = synced {
            report.failed = Some(e.to_string());
        }
        report
    }

    /// Verify the store's entries and notes with the refused bundle's, and collect the
    /// evidence that the store does not already hold: forks, double signatures, split views,
    /// and the bundle's verified notes.
    fn find_evidence(&self, refused: &Refused<'_>) -> Result<Vec<Found>, StoreError> {
        let held = self.journal.entries()?;
        let held_notes: Vec<NoteRecord> = self
            .index
            .all_notes()?
            .into_iter()
            .map(|n| NoteRecord {
                origin: n.origin,
                size: n.size,
                root: n.root,
                note: n.note,
            })
            .collect();
        let held_entries: HashSet<&[u8]> = held.iter().map(Vec::as_slice).collect();
        let held_note_set: HashSet<&[u8]> = held_notes.iter().map(|n| n.note.as_slice()).collect();
        let all: Vec<&[u8]> = held
            .iter()
            .chain(refused.entries)
            .map(Vec::as_slice)
            .collect();
        // The verifier names a split view's notes by their text.
        let mut by_text: HashMap<String, &NoteRecord> = HashMap::new();
        let mut notes: Vec<&[u8]> = Vec::new();
        for n in held_notes.iter().chain(refused.notes) {
            let text = String::from_utf8_lossy(&n.note).into_owned();
            if let std::collections::hash_map::Entry::Vacant(v) = by_text.entry(text) {
                v.insert(n);
                notes.push(n.note.as_slice());
            }
        }
        let opts = Options {
            now: refused.now,
            ..Options::without_clock()
        };
        let report = verify::verify_with_notes(&self.charter, &all, &notes, opts);
        let mut found = Vec::new();
        for f in &report.findings {
            let kind = match f.kind {
                FindingKind::Fork => EvidenceKind::Fork,
                FindingKind::DoubleSignature => EvidenceKind::DoubleSignature,
                FindingKind::SplitView => EvidenceKind::SplitView,
                _ => continue,
            };
            let (entries, notes) = if kind == EvidenceKind::SplitView {
                let Some(records) = f
                    .notes
                    .iter()
                    .map(|t| by_text.get(t).map(|r| (*r).clone()))
                    .collect::<Option<Vec<NoteRecord>>>()
                else {
                    continue;
                };
                let entries = match (records.as_slice(), f.author) {
                    ([one], Some(owner)) => self.prefix(&all, &owner, one.size),
                    _ => Vec::new(),
                };
                (entries, records)
            } else {
                let Some(p) = &f.evidence else { continue };
                (vec![p.a.clone(), p.b.clone()], Vec::new())
            };
            // What the store holds already is evidence in the journal.
            let held = entries.iter().all(|e| held_entries.contains(e.as_slice()))
                && notes
                    .iter()
                    .all(|n| held_note_set.contains(n.note.as_slice()));
            if !held {
                found.push(Found {
                    kind,
                    what: f.message.clone(),
                    entries,
                    notes,
                });
            }
        }
        for n in refused.notes {
            if held_note_set.contains(n.note.as_slice()) {
                continue;
            }
            let party = owner(&self.charter, &n.origin)
                .map_or_else(|| n.origin.clone(), |p| self.charter.label(&p));
            found.push(Found {
                kind: EvidenceKind::Checkpoint,
                what: format!("{party}'s signed checkpoint of its feed at size {}", n.size),
                entries: Vec::new(),
                notes: vec![n.clone()],
            });
        }
        Ok(found)
    }

    /// `owner`'s entries among `all` below seq `size` that carry a valid signature, in input
    /// order: what a checkpoint of that size is checked against.
    fn prefix(&self, all: &[&[u8]], owner: &PartyId, size: u64) -> Vec<Vec<u8>> {
        all.iter()
            .filter(|b| {
                SignedEntry::decode(b).is_ok_and(|e| {
                    let h = e.header();
                    h.author == *owner
                        && h.channel == self.channel
                        && h.seq.0 < size
                        && e.verify_signature().is_ok()
                })
            })
            .map(|b| b.to_vec())
            .collect()
    }
}
