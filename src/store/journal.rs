//! The journal file: a bundle that only ever grows, one write and one `sync_data` at a time.
//!
//! Opening reads either the whole file ([`Journal::open`]) or, when the index vouches for a
//! prefix of it, only the header, the charter record, the last record the index covers and
//! what follows ([`Journal::open_tail`]). A write of more than one record starts with a batch
//! marker (see [`crate::bundle::whole_writes`]), so that a write torn anywhere is cut back
//! whole: a journal's torn tail is the end of the file from the first record that is cut short
//! or fails its check, when no well-formed record follows, or from the last batch marker, when
//! fewer records follow it than it announces.
//!
//! Opening by the tail does not re-read the records the index vouches for, so before the
//! store's first write the framing and check values of what no store found sound before are
//! read once ([`Journal::ensure_sound`], [`Sound`]: the whole file, unless the index says how
//! far it was found sound and the file has not been changed by anything else since); damage
//! found then, or by any whole read ([`Journal::records`]), refuses every later write of this
//! handle.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::damage::{self, Damage, corrupt, head_damaged, rebase, whole_journal, whole_len};
use super::error::StoreError;
use crate::bundle::{self, NoteRecord, Record, RecordKind, Scan};
use crate::charter::Charter;
use crate::encoding::MAX_ENCODED_LEN;
use crate::entry::{ChannelId, EntryId, SignedEntry};

/// The journal's file name in the store directory.
pub(super) const FILE: &str = "journal";

/// `StoreError::Io` for `op` on `path`.
pub(super) fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { op, path, source }
}

/// Make a directory's entries (a created or renamed file) durable.
pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    crate::durable::sync_dir(dir).map_err(io_err("sync directory", dir))
}

/// Create `dir` and any missing parents, then make each new directory's entry in its parent
/// durable: a store whose files were all synced is still lost to a power cut if the entry
/// naming its directory was not.
pub(super) fn create_dir_synced(dir: &Path) -> Result<(), StoreError> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at {
        if d.as_os_str().is_empty() || d.is_dir() {
            break;
        }
        missing.push(d);
        at = d.parent();
    }
    fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
    for d in missing {
        crate::durable::sync_parent(d).map_err(io_err("sync the directory holding", d))?;
    }
    Ok(())
}

/// Write `bytes` to `path` by way of a synced temporary file and a rename, so that `path`
/// holds either its old content or all of the new. The rename itself is made durable by the
/// caller, if it must be ([`sync_dir`]).
pub(super) fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    // The journal, configuration and quarantine hold what the parties signed: the owner's.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp).map_err(io_err("create", &tmp))?;
    f.write_all(bytes).map_err(io_err("write", &tmp))?;
    f.sync_all().map_err(io_err("sync", &tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(io_err("rename into place", path))
}

/// Write `bytes` to `path` by way of a temporary file and a rename, so that `path` holds
/// either its old content or all of the new, then make the rename durable.
pub(super) fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    replace_file(path, bytes)?;
    sync_dir(dir)
}

/// Write a new file (never replacing one: an earlier repair that failed later on may have
/// kept the same bytes already) and sync it.
pub(super) fn write_side_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut f) => f
            .write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(io_err("write", path)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_err("create", path)(e)),
    }
}

/// One signed entry as the journal holds it.
#[derive(Debug, Clone)]
pub(super) struct Held {
    /// Its record's position in the journal (the charter is record 0).
    pub record: u64,
    /// Its record's byte offset.
    pub offset: u64,
    /// Its id.
    pub id: EntryId,
    /// The entry, decoded.
    pub signed: SignedEntry,
    /// Its canonical bytes.
    pub bytes: Vec<u8>,
}

/// One signed note as the journal holds it.
#[derive(Debug, Clone)]
pub(super) struct HeldNote {
    /// Its record's position in the journal.
    pub record: u64,
    /// Its record's byte offset.
    pub offset: u64,
    /// The record's payload, decoded.
    pub note: NoteRecord,
    /// The record's payload (the canonical `NoteRecord` bytes).
    pub payload: Vec<u8>,
}

/// A record after the charter.
// Nearly every record is an entry, so boxing the large variant would only add an allocation
// per entry read.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(super) enum Item {
    Entry(Held),
    Note(HeldNote),
    /// A batch marker: the next `count` records are one write.
    Batch {
        record: u64,
        offset: u64,
        count: u32,
    },
}

/// Bytes of a batch marker record.
pub(super) const BATCH_RECORD_LEN: u64 = 4 + bundle::RECORD_OVERHEAD as u64;

impl Item {
    /// The record's byte offset.
    pub fn offset(&self) -> u64 {
        match self {
            Item::Entry(h) => h.offset,
            Item::Note(n) => n.offset,
            Item::Batch { offset, .. } => *offset,
        }
    }

    /// Byte offset just past the record.
    pub fn end(&self) -> u64 {
        let len = match self {
            Item::Entry(h) => len64(h.bytes.len()).saturating_add(len64(bundle::RECORD_OVERHEAD)),
            Item::Note(n) => len64(n.payload.len()).saturating_add(len64(bundle::RECORD_OVERHEAD)),
            Item::Batch { .. } => BATCH_RECORD_LEN,
        };
        self.offset().saturating_add(len)
    }
}

/// Whether the journal may be changed: cut a torn tail, appended to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// Open for appending; a torn tail is cut off the file.
    Write,
    /// Read only; a torn tail is left in the file and ignored.
    ReadOnly,
}

/// What was cut off the journal's end (or, read-only, ignored).
#[derive(Debug, Clone, Default)]
pub(super) struct Cut {
    pub bytes: u64,
}

/// How far the journal goes (or how far the index has indexed it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Position {
    /// Records, the charter included.
    pub records: u64,
    /// Bytes, the header included: the end of the last record.
    pub bytes: u64,
    /// Byte offset of the last record.
    pub last_offset: u64,
    /// How many of the records are signed entries.
    pub entries: u64,
}

/// The journal's contents after opening.
#[derive(Debug)]
pub(super) struct Contents {
    pub charter: Charter,
    /// Byte offset of the end of the charter record.
    pub charter_end: u64,
    /// The position of `items[0]`: 1 if the whole journal was read, else the first record the
    /// index has not indexed.
    pub first: u64,
    /// The records from `first` on.
    pub items: Vec<Item>,
    pub cut: Cut,
    /// Bytes read from the file to open it.
    pub bytes_read: u64,
}

impl Contents {
    /// The entries among the items.
    pub fn entries(&self) -> impl Iterator<Item = &Held> {
        self.items.iter().filter_map(|i| match i {
            Item::Entry(h) => Some(h),
            Item::Note(_) | Item::Batch { .. } => None,
        })
    }
}

/// How far the journal was found sound (every record whole, every batch complete) by a store
/// that checked it whole or wrote to it since: its length in bytes and records then, and the
/// file's modification time (nanoseconds since 1970) after that check or write. The index keeps
/// it ([`super::index::Index::sound_through`]), so a store does not read again what an
/// earlier one checked: only when the file still has that modification time (nothing else has
/// written it since) is the part before `bytes` taken as sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sound {
    pub bytes: u64,
    pub records: u64,
    pub modified: u64,
}

/// What is known of the journal's bytes up to its length, beyond what opening checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Health {
    /// Only the part opening read was checked.
    Unchecked,
    /// Every record was read and checked, once, and the store's own writes since are whole.
    Sound,
    /// A whole read found damage.
    Damaged(Damage),
}

/// The open journal.
#[derive(Debug)]
pub(super) struct Journal {
    pub path: PathBuf,
    /// `None` when opened read-only.
    file: Option<File>,
    /// When opened read-only, the file as opened: every later read is of that file, so a
    /// journal replaced meanwhile (by a repair in another process) cannot mix into what this
    /// handle reads.
    reader: Option<File>,
    /// Bytes of whole records (and the header).
    pub len: u64,
    /// Records held, the charter and batch markers included.
    pub records: u64,
    /// Signed entries held.
    pub entries: u64,
    /// Byte offset of the last record.
    pub last_offset: u64,
    health: Mutex<Health>,
}

/// Where a write's records went.
pub(super) struct Appended {
    /// The batch marker written before the records, when there is more than one: its position
    /// and the count it announces.
    pub batch: Option<(u64, u32)>,
    /// Each record's position and byte offset, in the order given.
    pub at: Vec<(u64, u64)>,
}

pub(super) fn len64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn open_for_append(dir: &Path, path: &Path) -> Result<File, StoreError> {
    match OpenOptions::new().append(true).open(path) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NotFound {
            dir: dir.to_path_buf(),
        }),
        Err(e) => Err(io_err("open", path)(e)),
    }
}

fn read_whole(dir: &Path, path: &Path) -> Result<Vec<u8>, StoreError> {
    match fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NotFound {
            dir: dir.to_path_buf(),
        }),
        Err(e) => Err(io_err("read", path)(e)),
    }
}

fn open_to_read(dir: &Path, path: &Path) -> Result<File, StoreError> {
    match File::open(path) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NotFound {
            dir: dir.to_path_buf(),
        }),
        Err(e) => Err(io_err("open", path)(e)),
    }
}

/// The first `len` bytes of `f` (all of it, if shorter), from its start. A writer appending
/// meanwhile only adds bytes after what it had reported written, so what is read is a prefix
/// of the journal, cut at most inside its last write (a torn tail, ignored).
fn read_prefix(mut f: &File, len: u64) -> io::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    f.take(len).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `len` bytes of `f` from `offset`, or `None` if the file ends first.
fn read_at(f: &mut File, offset: u64, len: usize) -> io::Result<Option<Vec<u8>>> {
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len];
    match f.read_exact(&mut buf) {
        Ok(()) => Ok(Some(buf)),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

/// Decode the records after the charter. `base` is the file offset of the bytes the records
/// were read from.
fn decode_items(path: &Path, records: &[Record<'_>], base: u64) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::with_capacity(records.len());
    for r in records {
        let offset = base.saturating_add(len64(r.offset));
        let record = len64(r.index);
        let bad = |detail: String| corrupt(path, offset, record, detail);
        items.push(match r.kind {
            RecordKind::Charter => return Err(bad("a second charter record".into())),
            RecordKind::Consistency => {
                return Err(bad(
                    "a consistency-proof record, which only bundles hold".into()
                ));
            }
            RecordKind::Entry => {
                let signed = SignedEntry::decode(r.payload)
                    .map_err(|e| bad(format!("not a signed entry: {e}")))?;
                Item::Entry(Held {
                    record,
                    offset,
                    id: signed.id()?,
                    signed,
                    bytes: r.payload.to_vec(),
                })
            }
            RecordKind::Note => {
                let note = NoteRecord::decode(r.payload)
                    .map_err(|e| bad(format!("not a signed-note record: {e}")))?;
                Item::Note(HeldNote {
                    record,
                    offset,
                    note,
                    payload: r.payload.to_vec(),
                })
            }
            RecordKind::Batch => Item::Batch {
                record,
                offset,
                count: bundle::batch_count(r).map_err(|e| bad(rebase(e, base).to_string()))?,
            },
        });
    }
    Ok(items)
}

/// After scanning `buf` (the file's bytes from offset `base` to its end): cut the torn tail
/// after the last whole write off the file (when it is open for writing), or refuse damage.
/// Returns what was cut and how many of the scanned records are kept.
fn settle(
    path: &Path,
    file: Option<&File>,
    buf: &[u8],
    at: (u64, u64),
    scan: &Scan<'_>,
) -> Result<(Cut, usize), StoreError> {
    let (keep, kept) = whole_len(buf, at, scan).map_err(|d| d.refused(path))?;
    let cut = Cut {
        bytes: len64(buf.len().saturating_sub(keep)),
    };
    if let Some(file) = file
        && cut.bytes > 0
    {
        file.set_len(at.0.saturating_add(len64(keep)))
            .and_then(|()| file.sync_all())
            .map_err(io_err("cut the torn tail of", path))?;
    }
    Ok((cut, kept))
}

impl Journal {
    fn with(path: PathBuf, file: Option<File>, at: Position, health: Health) -> Journal {
        Journal {
            path,
            file,
            reader: None,
            len: at.bytes,
            records: at.records,
            entries: at.entries,
            last_offset: at.last_offset,
            health: Mutex::new(health),
        }
    }

    /// Create the journal with its header and charter record. The file appears whole or not at
    /// all (temporary file, rename, directory sync).
    pub fn create(dir: &Path, charter: &Charter) -> Result<Journal, StoreError> {
        let mut bytes = bundle::header();
        bytes.extend(bundle::record(RecordKind::Charter, &charter.encode()?)?);
        let path = dir.join(FILE);
        write_atomically(dir, &path, &bytes)?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_err("open", &path))?;
        let at = Position {
            records: 1,
            bytes: len64(bytes.len()),
            last_offset: len64(bundle::HEADER_LEN),
            entries: 0,
        };
        Ok(Journal::with(path, Some(file), at, Health::Sound))
    }

    /// Open the journal, reading all of it: cut a torn tail off it (read-only: ignore it), and
    /// decode what it holds. Damage followed by a well-formed record is refused.
    pub fn open(dir: &Path, access: Access) -> Result<(Journal, Contents), StoreError> {
        let path = dir.join(FILE);
        let (file, reader, bytes) = match access {
            Access::Write => (
                Some(open_for_append(dir, &path)?),
                None,
                read_whole(dir, &path)?,
            ),
            Access::ReadOnly => {
                let reader = open_to_read(dir, &path)?;
                let bytes = read_prefix(&reader, u64::MAX).map_err(io_err("read", &path))?;
                (None, Some(reader), bytes)
            }
        };
        let scan = bundle::scan(&bytes).map_err(|e| head_damaged(&path, 0, e.to_string()))?;
        let (cut, kept) = settle(&path, file.as_ref(), &bytes, (0, 0), &scan)?;
        let records = scan.records.get(..kept).unwrap_or_default();

        let first = records.first().ok_or_else(|| {
            head_damaged(
                &path,
                len64(bundle::HEADER_LEN),
                "the journal holds no charter".into(),
            )
        })?;
        if first.kind != RecordKind::Charter {
            return Err(head_damaged(
                &path,
                len64(first.offset),
                "the first record is not the charter".into(),
            ));
        }
        let charter = Charter::decode(first.payload)
            .map_err(|e| head_damaged(&path, len64(first.offset), e.to_string()))?;
        let items = decode_items(&path, records.get(1..).unwrap_or_default(), 0)?;
        let entries = len64(items.iter().filter(|i| matches!(i, Item::Entry(_))).count());
        let at = Position {
            records: len64(records.len()),
            bytes: records
                .last()
                .map_or(len64(bundle::HEADER_LEN), |r| len64(r.end())),
            last_offset: items.last().map_or(len64(first.offset), Item::offset),
            entries,
        };
        let mut journal = Journal::with(path, file, at, Health::Sound);
        journal.reader = reader;
        let contents = Contents {
            charter,
            charter_end: len64(first.end()),
            first: 1,
            items,
            cut,
            bytes_read: len64(bytes.len()),
        };
        Ok((journal, contents))
    }

    /// Open the journal trusting the index for the records it has indexed (`at`): check the
    /// header, that the charter is channel `channel`'s, and that the last indexed record is
    /// `last` (its kind and payload; `None` when it is the charter) and ends where `at` says;
    /// then read, check, cut a torn tail off, and decode only what follows.
    ///
    /// `Ok(None)` if any of those checks fails: the caller then reads the whole journal with
    /// [`Journal::open`], which says what is wrong.
    pub fn open_tail(
        dir: &Path,
        at: &Position,
        last: Option<(RecordKind, &[u8])>,
        channel: &ChannelId,
    ) -> Result<Option<(Journal, Contents)>, StoreError> {
        let path = dir.join(FILE);
        let file = open_for_append(dir, &path)?;
        let mut reader = File::open(&path).map_err(io_err("open", &path))?;
        let read_err = io_err("read", &path);
        let file_len = reader.metadata().map_err(io_err("inspect", &path))?.len();
        if file_len < at.bytes || at.records == 0 {
            return Ok(None);
        }

        // The header and the charter record.
        let head_len = bundle::HEADER_LEN.saturating_add(5);
        let Some(head) = read_at(&mut reader, 0, head_len).map_err(read_err)? else {
            return Ok(None);
        };
        let charter_len = head
            .get(bundle::HEADER_LEN.saturating_add(1)..head_len)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .and_then(|b| usize::try_from(u32::from_be_bytes(b)).ok())
            .filter(|n| *n <= MAX_ENCODED_LEN);
        let Some(charter_len) = charter_len else {
            return Ok(None);
        };
        let charter_end = bundle::HEADER_LEN
            .saturating_add(charter_len)
            .saturating_add(bundle::RECORD_OVERHEAD);
        let Some(start) = read_at(&mut reader, 0, charter_end).map_err(io_err("read", &path))?
        else {
            return Ok(None);
        };
        let charter = match bundle::check_header(&start)
            .and_then(|()| bundle::parse_record(&start, bundle::HEADER_LEN, 0))
        {
            Ok(r) if r.kind == RecordKind::Charter => match Charter::decode(r.payload) {
                Ok(c) if c.id().ok().as_ref() == Some(channel) => c,
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        let charter_end = len64(charter_end);
        let mut bytes_read = charter_end;

        // The last record the index covers.
        match last {
            None => {
                if at.records != 1 || at.bytes != charter_end {
                    return Ok(None);
                }
            }
            Some((kind, payload)) => {
                let span = at.bytes.saturating_sub(at.last_offset);
                let fits = at.last_offset >= charter_end
                    && at.records > 1
                    && span <= len64(MAX_ENCODED_LEN.saturating_add(bundle::RECORD_OVERHEAD));
                let Some(span) = usize::try_from(span).ok().filter(|_| fits) else {
                    return Ok(None);
                };
                let Some(buf) =
                    read_at(&mut reader, at.last_offset, span).map_err(io_err("read", &path))?
                else {
                    return Ok(None);
                };
                bytes_read = bytes_read.saturating_add(len64(span));
                let index = usize::try_from(at.records.saturating_sub(1)).unwrap_or(usize::MAX);
                match bundle::parse_record(&buf, 0, index) {
                    Ok(r) if r.kind == kind && r.payload == payload && r.end() == buf.len() => {}
                    _ => return Ok(None),
                }
            }
        }

        // What follows.
        reader
            .seek(SeekFrom::Start(at.bytes))
            .map_err(io_err("read", &path))?;
        let mut tail = Vec::new();
        reader
            .read_to_end(&mut tail)
            .map_err(io_err("read", &path))?;
        bytes_read = bytes_read.saturating_add(len64(tail.len()));
        let first_index = usize::try_from(at.records).unwrap_or(usize::MAX);
        let scan = bundle::scan_from(&tail, 0, first_index);
        let (cut, kept) = settle(&path, Some(&file), &tail, (at.bytes, at.records), &scan)?;
        let records = scan.records.get(..kept).unwrap_or_default();
        let items = decode_items(&path, records, at.bytes)?;
        let new_entries = len64(items.iter().filter(|i| matches!(i, Item::Entry(_))).count());
        let now = Position {
            records: at.records.saturating_add(len64(items.len())),
            bytes: items.last().map_or(at.bytes, Item::end),
            last_offset: items.last().map_or(at.last_offset, Item::offset),
            entries: at.entries.saturating_add(new_entries),
        };
        let journal = Journal::with(path, Some(file), now, Health::Unchecked);
        let contents = Contents {
            charter,
            charter_end,
            first: at.records,
            items,
            cut,
            bytes_read,
        };
        Ok(Some((journal, contents)))
    }

    /// Where the journal ends.
    pub fn position(&self) -> Position {
        Position {
            records: self.records,
            bytes: self.len,
            last_offset: self.last_offset,
            entries: self.entries,
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Refuse to write on top of damage: read and check every record once (framing, check
    /// values, batches), unless that was done already; refuse if that, or any earlier whole
    /// read, found damage.
    ///
    /// `checked` is how far an earlier check found the journal sound (its byte length and
    /// record count then, which the index keeps: [`super::index::Index::sound_through`]); only
    /// what follows it is read. A `checked` beyond the journal is ignored and the whole
    /// journal read.
    pub fn ensure_sound(&self, checked: Option<Sound>) -> Result<(), StoreError> {
        let known = self.health().clone();
        match known {
            Health::Sound => Ok(()),
            Health::Damaged(d) => Err(d.write_refused(&self.path)),
            Health::Unchecked => {
                if let Some(Sound { bytes, records, .. }) = checked.filter(|c| {
                    c.bytes > len64(bundle::HEADER_LEN)
                        && c.bytes <= self.len
                        && c.records <= self.records
                        && self.modified() == Some(c.modified)
                }) {
                    let tail = self.read_from(bytes)?;
                    let found = damage::journal_after(&tail, (bytes, records), self.len);
                    return self
                        .record_health(found)
                        .map_err(|d| d.write_refused(&self.path));
                }
                let bytes = self.read()?;
                self.scan_whole(&bytes)
                    .map(|_| ())
                    .map_err(|d| d.write_refused(&self.path))
            }
        }
    }

    /// What [`Journal::ensure_sound`] may skip next time: the journal as it stands, if every
    /// record written so far is known sound.
    pub fn sound(&self) -> Option<Sound> {
        (*self.health() == Health::Sound).then_some(())?;
        Some(Sound {
            bytes: self.len,
            records: self.records,
            modified: self.modified()?,
        })
    }

    /// The file's modification time in nanoseconds since 1970, if the system says.
    fn modified(&self) -> Option<u64> {
        let m = fs::metadata(&self.path).ok()?.modified().ok()?;
        let d = m.duration_since(std::time::UNIX_EPOCH).ok()?;
        u64::try_from(d.as_nanos()).ok()
    }

    /// The journal's bytes from `offset` to where the store has written them.
    fn read_from(&self, offset: u64) -> Result<Vec<u8>, StoreError> {
        let len = usize::try_from(self.len.saturating_sub(offset)).unwrap_or(usize::MAX);
        let read = |f: &File| -> io::Result<Vec<u8>> {
            let mut f = f;
            f.seek(SeekFrom::Start(offset))?;
            let mut bytes = Vec::with_capacity(len);
            f.take(len64(len)).read_to_end(&mut bytes)?;
            Ok(bytes)
        };
        match &self.reader {
            Some(f) => read(f),
            None => File::open(&self.path).and_then(|f| read(&f)),
        }
        .map_err(io_err("read", &self.path))
    }

    /// Scan the journal's bytes (as far as the store has written them): every record must be
    /// whole, every batch complete. Records what it found.
    fn scan_whole<'a>(&self, bytes: &'a [u8]) -> Result<Scan<'a>, Damage> {
        self.record_health(whole_journal(bytes, self.len))
    }

    /// Remember what a check of the journal found, and pass it on.
    fn record_health<T>(&self, found: Result<T, Damage>) -> Result<T, Damage> {
        *self.health() = match &found {
            Ok(_) => Health::Sound,
            Err(d) => Health::Damaged(d.clone()),
        };
        found
    }

    /// Append `records` (kind and payload each) in one write, preceded by a batch marker when
    /// there is more than one, then `sync_data`. On any failure the file is cut back to its old
    /// length, so nothing of the write remains.
    pub fn append(&mut self, records: &[(RecordKind, &[u8])]) -> Result<Appended, StoreError> {
        let at = self.len;
        let mut bytes = Vec::new();
        let mut next = self.records;
        let batch = if records.len() > 1 {
            let count = u32::try_from(records.len()).map_err(|_| {
                io_err("append to", &self.path)(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "too many records for one write",
                ))
            })?;
            bytes.extend(bundle::batch_record(count)?);
            next = next.saturating_add(1);
            Some((self.records, count))
        } else {
            None
        };
        let mut placed = Vec::with_capacity(records.len());
        for (kind, payload) in records {
            placed.push((next, at.saturating_add(len64(bytes.len()))));
            next = next.saturating_add(1);
            bytes.extend(bundle::record(*kind, payload)?);
        }
        let Some(&(_, last)) = placed.last() else {
            return Ok(Appended { batch, at: placed });
        };
        let path = self.path.clone();
        let Some(file) = self.file.as_mut() else {
            return Err(StoreError::ReadOnly {
                dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            });
        };
        let on_disk = file.metadata().map_err(io_err("inspect", &path))?.len();
        if on_disk != at {
            return Err(corrupt(
                &path,
                at,
                self.records,
                format!(
                    "the file is {on_disk} bytes but the store wrote {at}: something else changed it"
                ),
            ));
        }
        if let Err(e) = file.write_all(&bytes).and_then(|()| file.sync_data()) {
            // Best effort: the error below is what matters, and a partial write left behind
            // would be cut as a torn tail at the next open anyway.
            let _ = file.set_len(at).and_then(|()| file.sync_data());
            return Err(io_err("append to", &path)(e));
        }
        let entries = records
            .iter()
            .filter(|(k, _)| *k == RecordKind::Entry)
            .count();
        self.len = at.saturating_add(len64(bytes.len()));
        self.records = next;
        self.entries = self.entries.saturating_add(len64(entries));
        self.last_offset = last;
        Ok(Appended { batch, at: placed })
    }

    /// The journal's bytes, as far as the store has written them.
    pub fn read(&self) -> Result<Vec<u8>, StoreError> {
        if let Some(reader) = &self.reader {
            return read_prefix(reader, self.len).map_err(io_err("read", &self.path));
        }
        let mut bytes = fs::read(&self.path).map_err(io_err("read", &self.path))?;
        bytes.truncate(usize::try_from(self.len).unwrap_or(usize::MAX));
        Ok(bytes)
    }

    /// The payloads of every signed entry and note record, in journal order, read from the
    /// file and checked (framing, check values, batches).
    pub fn records(&self) -> Result<Vec<(RecordKind, Vec<u8>)>, StoreError> {
        let bytes = self.read()?;
        let scan = self.scan_whole(&bytes).map_err(|d| d.refused(&self.path))?;
        Ok(scan
            .records
            .iter()
            .filter(|r| matches!(r.kind, RecordKind::Entry | RecordKind::Note))
            .map(|r| (r.kind, r.payload.to_vec()))
            .collect())
    }

    /// The canonical bytes of every entry, in journal order.
    pub fn entries(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        Ok(self
            .records()?
            .into_iter()
            .filter(|(k, _)| *k == RecordKind::Entry)
            .map(|(_, p)| p)
            .collect())
    }
}
