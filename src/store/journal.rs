//! The journal file: a bundle that only ever grows, one write and one `sync_data` at a time.
//!
//! Opening reads either the whole file ([`Journal::open`]) or, when the index vouches for a
//! prefix of it, only the header, the charter record, the last record the index covers and
//! what follows ([`Journal::open_tail`]).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::StoreError;
use crate::bundle::{self, BundleError, NoteRecord, Record, RecordKind, Scan};
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
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err("sync directory", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Write `bytes` to `path` by way of a temporary file and a rename, so that `path` holds
/// either its old content or all of the new, then make the rename durable.
pub(super) fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp).map_err(io_err("create", &tmp))?;
    f.write_all(bytes).map_err(io_err("write", &tmp))?;
    f.sync_all().map_err(io_err("sync", &tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(io_err("rename into place", path))?;
    sync_dir(dir)
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
#[derive(Debug, Clone)]
pub(super) enum Item {
    Entry(Held),
    Note(HeldNote),
}

impl Item {
    /// The record's byte offset.
    pub fn offset(&self) -> u64 {
        match self {
            Item::Entry(h) => h.offset,
            Item::Note(n) => n.offset,
        }
    }

    /// Byte offset just past the record.
    pub fn end(&self) -> u64 {
        let payload = match self {
            Item::Entry(h) => h.bytes.len(),
            Item::Note(n) => n.payload.len(),
        };
        self.offset()
            .saturating_add(len64(payload))
            .saturating_add(len64(bundle::RECORD_OVERHEAD))
    }
}

/// What to do about damage followed by well-formed records (not a torn tail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OnDamage {
    /// Refuse to open.
    Refuse,
    /// Cut the journal at the damage, keeping the bytes cut in a side file.
    Cut,
}

/// What was cut off the journal's end.
#[derive(Debug, Clone, Default)]
pub(super) struct Cut {
    pub bytes: u64,
    pub records_dropped: u64,
    pub kept_in: Option<PathBuf>,
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
            Item::Note(_) => None,
        })
    }
}

/// The open journal.
#[derive(Debug)]
pub(super) struct Journal {
    pub path: PathBuf,
    file: File,
    /// Bytes of whole records (and the header).
    pub len: u64,
    /// Records held, the charter included.
    pub records: u64,
    /// Signed entries held.
    pub entries: u64,
    /// Byte offset of the last record.
    pub last_offset: u64,
}

pub(super) fn len64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The error for damage at `offset` (record `record`).
fn corrupt(path: &Path, offset: u64, record: u64, detail: String) -> StoreError {
    StoreError::JournalCorrupt {
        path: path.to_path_buf(),
        offset,
        record,
        detail,
    }
}

/// A record-level error found in bytes that start at file offset `base`, with its offset made
/// a file offset.
fn rebase(e: BundleError, base: u64) -> BundleError {
    let at = |o: usize| {
        usize::try_from(base)
            .unwrap_or(usize::MAX)
            .saturating_add(o)
    };
    match e {
        BundleError::Truncated {
            index,
            offset,
            needed,
            available,
        } => BundleError::Truncated {
            index,
            offset: at(offset),
            needed,
            available,
        },
        BundleError::UnknownKind {
            index,
            offset,
            kind,
        } => BundleError::UnknownKind {
            index,
            offset: at(offset),
            kind,
        },
        BundleError::TooLong { index, offset, len } => BundleError::TooLong {
            index,
            offset: at(offset),
            len,
        },
        BundleError::BadCheck { index, offset } => BundleError::BadCheck {
            index,
            offset: at(offset),
        },
        other => other,
    }
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
        });
    }
    Ok(items)
}

/// After scanning `buf` (the file's bytes from offset `base` to its end): if the scan stopped
/// early, cut the file there — a torn tail — or, when whole records follow the bad one (damage,
/// not an interrupted write), refuse or cut keeping the bytes in a side file.
fn settle(
    dir: &Path,
    path: &Path,
    file: &File,
    buf: &[u8],
    (base, first_index): (u64, u64),
    scan: &Scan<'_>,
    on_damage: OnDamage,
) -> Result<Cut, StoreError> {
    let mut cut = Cut::default();
    let Some(stop) = &scan.stop else {
        return Ok(cut);
    };
    let at = scan.valid_len;
    let at_file = base.saturating_add(len64(at));
    if let Some(next) = bundle::next_good_record(buf, at.saturating_add(1)) {
        if on_damage == OnDamage::Refuse {
            let record = first_index.saturating_add(len64(scan.records.len()));
            return Err(corrupt(
                path,
                at_file,
                record,
                format!(
                    "{}; a well-formed record follows at byte offset {}, so this is damage, not \
                     an interrupted write. `hotline repair` cuts the journal here and keeps the \
                     bytes cut in a side file",
                    rebase(stop.clone(), base),
                    base.saturating_add(len64(next))
                ),
            ));
        }
        cut.records_dropped = count_records(buf, next);
        let side = dir.join(format!("{FILE}.damaged-at-{at_file}"));
        write_side_file(&side, buf.get(at..).unwrap_or_default())?;
        cut.kept_in = Some(side);
    }
    cut.bytes = len64(buf.len().saturating_sub(at));
    file.set_len(at_file)
        .and_then(|()| file.sync_all())
        .map_err(io_err("cut the torn tail of", path))?;
    Ok(cut)
}

impl Journal {
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
        Ok(Journal {
            path,
            file,
            len: len64(bytes.len()),
            records: 1,
            entries: 0,
            last_offset: len64(bundle::HEADER_LEN),
        })
    }

    /// Open the journal, reading all of it: cut a torn tail off it, and decode what it holds.
    pub fn open(dir: &Path, on_damage: OnDamage) -> Result<(Journal, Contents), StoreError> {
        let path = dir.join(FILE);
        let file = open_for_append(dir, &path)?;
        let bytes = fs::read(&path).map_err(io_err("read", &path))?;
        let scan = bundle::scan(&bytes).map_err(|e| corrupt(&path, 0, 0, e.to_string()))?;
        let cut = settle(dir, &path, &file, &bytes, (0, 0), &scan, on_damage)?;

        let mut records = scan.records.iter();
        let first = records.next().ok_or_else(|| {
            corrupt(
                &path,
                len64(bundle::HEADER_LEN),
                0,
                "the journal holds no charter".into(),
            )
        })?;
        if first.kind != RecordKind::Charter {
            return Err(corrupt(
                &path,
                len64(first.offset),
                0,
                "the first record is not the charter".into(),
            ));
        }
        let charter = Charter::decode(first.payload)
            .map_err(|e| corrupt(&path, len64(first.offset), 0, e.to_string()))?;
        let items = decode_items(&path, scan.records.get(1..).unwrap_or_default(), 0)?;
        let entries = len64(items.iter().filter(|i| matches!(i, Item::Entry(_))).count());
        let journal = Journal {
            file,
            len: len64(scan.valid_len),
            records: len64(scan.records.len()),
            entries,
            last_offset: items.last().map_or(len64(first.offset), Item::offset),
            path,
        };
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
        let cut = settle(
            dir,
            &path,
            &file,
            &tail,
            (at.bytes, at.records),
            &scan,
            OnDamage::Refuse,
        )?;
        let items = decode_items(&path, &scan.records, at.bytes)?;
        let new_entries = len64(items.iter().filter(|i| matches!(i, Item::Entry(_))).count());
        let journal = Journal {
            file,
            len: at.bytes.saturating_add(len64(scan.valid_len)),
            records: at.records.saturating_add(len64(items.len())),
            entries: at.entries.saturating_add(new_entries),
            last_offset: items.last().map_or(at.last_offset, Item::offset),
            path,
        };
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

    /// Append `records` (kind and payload each) in one write, then `sync_data`; returns each
    /// record's byte offset. On any failure the file is cut back to its old length, so nothing
    /// of the write remains.
    pub fn append(&mut self, records: &[(RecordKind, &[u8])]) -> Result<Vec<u64>, StoreError> {
        let at = self.len;
        let mut bytes = Vec::new();
        let mut offsets = Vec::with_capacity(records.len());
        for (kind, payload) in records {
            offsets.push(at.saturating_add(len64(bytes.len())));
            bytes.extend(bundle::record(*kind, payload)?);
        }
        let Some(&last) = offsets.last() else {
            return Ok(offsets);
        };
        let on_disk = self
            .file
            .metadata()
            .map_err(io_err("inspect", &self.path))?
            .len();
        if on_disk != at {
            return Err(corrupt(
                &self.path,
                at,
                self.records,
                format!(
                    "the file is {on_disk} bytes but the store wrote {at}: something else changed it"
                ),
            ));
        }
        if let Err(e) = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
        {
            // Best effort: the error below is what matters, and a partial record left behind
            // would be cut as a torn tail at the next open anyway.
            let _ = self.file.set_len(at).and_then(|()| self.file.sync_data());
            return Err(io_err("append to", &self.path)(e));
        }
        let entries = records
            .iter()
            .filter(|(k, _)| *k == RecordKind::Entry)
            .count();
        self.len = at.saturating_add(len64(bytes.len()));
        self.records = self.records.saturating_add(len64(records.len()));
        self.entries = self.entries.saturating_add(len64(entries));
        self.last_offset = last;
        Ok(offsets)
    }

    /// The journal's bytes, as far as the store has written them.
    pub fn read(&self) -> Result<Vec<u8>, StoreError> {
        let mut bytes = fs::read(&self.path).map_err(io_err("read", &self.path))?;
        bytes.truncate(usize::try_from(self.len).unwrap_or(usize::MAX));
        Ok(bytes)
    }

    /// The payloads of every record after the charter, in journal order, read from the file:
    /// the entries' canonical bytes and the note records'.
    pub fn records(&self) -> Result<Vec<(RecordKind, Vec<u8>)>, StoreError> {
        let bytes = self.read()?;
        let scan = bundle::scan(&bytes).map_err(|e| corrupt(&self.path, 0, 0, e.to_string()))?;
        if let Some(stop) = scan.stop {
            let record = len64(scan.records.len());
            return Err(corrupt(
                &self.path,
                len64(scan.valid_len),
                record,
                format!(
                    "{stop}. The store's index still holds every entry, but the journal needs \
                     `hotline repair`, which cuts it there and keeps the bytes cut in a side file"
                ),
            ));
        }
        Ok(scan
            .records
            .iter()
            .filter(|r| r.kind != RecordKind::Charter)
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

fn count_records(bytes: &[u8], mut from: usize) -> u64 {
    let mut n = 0u64;
    while let Some(at) = bundle::next_good_record(bytes, from) {
        n = n.saturating_add(1);
        from = bundle::parse_record(bytes, at, 0)
            .map(|r| r.end())
            .unwrap_or(at.saturating_add(1));
    }
    n
}

fn write_side_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut f) => f
            .write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(io_err("write", path)),
        // Kept by an earlier repair that failed later on.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_err("create", path)(e)),
    }
}
