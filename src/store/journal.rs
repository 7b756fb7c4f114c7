//! The journal file: a bundle that only ever grows, one write and one `sync_data` at a time.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::error::StoreError;
use crate::bundle::{self, RecordKind};
use crate::charter::Charter;
use crate::entry::{EntryId, SignedEntry};

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

/// The journal's contents after opening.
#[derive(Debug)]
pub(super) struct Contents {
    pub charter: Charter,
    /// Byte offset of the end of the charter record.
    pub charter_end: u64,
    pub entries: Vec<Held>,
    pub cut: Cut,
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
}

fn len64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
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
        })
    }

    /// Open the journal, cut a torn tail off it, and decode what it holds.
    pub fn open(dir: &Path, on_damage: OnDamage) -> Result<(Journal, Contents), StoreError> {
        let path = dir.join(FILE);
        let file = match OpenOptions::new().append(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound {
                    dir: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(io_err("open", &path)(e)),
        };
        let bytes = fs::read(&path).map_err(io_err("read", &path))?;
        let corrupt = |offset: usize, record: usize, detail: String| StoreError::JournalCorrupt {
            path: path.clone(),
            offset: len64(offset),
            record: len64(record),
            detail,
        };
        let scan = bundle::scan(&bytes).map_err(|e| corrupt(0, 0, e.to_string()))?;
        let mut cut = Cut::default();
        if let Some(stop) = &scan.stop {
            let at = scan.valid_len;
            if let Some(next) = bundle::next_good_record(&bytes, at.saturating_add(1)) {
                if on_damage == OnDamage::Refuse {
                    return Err(corrupt(
                        at,
                        scan.records.len(),
                        format!(
                            "{stop}; a well-formed record follows at byte offset {next}, so this is \
                             damage, not an interrupted write. `hotline repair` cuts the journal \
                             here and keeps the bytes cut in a side file"
                        ),
                    ));
                }
                cut.records_dropped = count_records(&bytes, next);
                let side = dir.join(format!("{FILE}.damaged-at-{at}"));
                write_side_file(&side, bytes.get(at..).unwrap_or_default())?;
                cut.kept_in = Some(side);
            }
            cut.bytes = len64(bytes.len().saturating_sub(at));
            file.set_len(len64(at))
                .and_then(|()| file.sync_all())
                .map_err(io_err("cut the torn tail of", &path))?;
        }

        let mut records = scan.records.iter();
        let first = records
            .next()
            .ok_or_else(|| corrupt(bundle::HEADER_LEN, 0, "the journal holds no charter".into()))?;
        if first.kind != RecordKind::Charter {
            return Err(corrupt(
                first.offset,
                0,
                "the first record is not the charter".into(),
            ));
        }
        let charter =
            Charter::decode(first.payload).map_err(|e| corrupt(first.offset, 0, e.to_string()))?;
        let mut entries = Vec::with_capacity(scan.records.len());
        for r in records {
            if r.kind != RecordKind::Entry {
                return Err(corrupt(r.offset, r.index, "a second charter record".into()));
            }
            let signed = SignedEntry::decode(r.payload)
                .map_err(|e| corrupt(r.offset, r.index, format!("not a signed entry: {e}")))?;
            let id = signed.id()?;
            entries.push(Held {
                record: len64(r.index),
                offset: len64(r.offset),
                id,
                signed,
                bytes: r.payload.to_vec(),
            });
        }
        let journal = Journal {
            path,
            file,
            len: len64(scan.valid_len),
            records: len64(scan.records.len()),
        };
        let contents = Contents {
            charter,
            charter_end: len64(first.end()),
            entries,
            cut,
        };
        Ok((journal, contents))
    }

    /// Append `bytes` (whole records, `records` of them) in one write, then `sync_data`. On any
    /// failure the file is cut back to its old length, so nothing of the write remains.
    pub fn append(&mut self, bytes: &[u8], records: u64) -> Result<u64, StoreError> {
        let at = self.len;
        let on_disk = self
            .file
            .metadata()
            .map_err(io_err("inspect", &self.path))?
            .len();
        if on_disk != at {
            return Err(StoreError::JournalCorrupt {
                path: self.path.clone(),
                offset: at,
                record: self.records,
                detail: format!(
                    "the file is {on_disk} bytes but the store wrote {at}: something else changed it"
                ),
            });
        }
        if let Err(e) = self
            .file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data())
        {
            // Best effort: the error below is what matters, and a partial record left behind
            // would be cut as a torn tail at the next open anyway.
            let _ = self.file.set_len(at).and_then(|()| self.file.sync_data());
            return Err(io_err("append to", &self.path)(e));
        }
        self.len = at.saturating_add(len64(bytes.len()));
        self.records = self.records.saturating_add(records);
        Ok(at)
    }

    /// The journal's bytes, as far as the store has written them.
    pub fn read(&self) -> Result<Vec<u8>, StoreError> {
        let mut bytes = fs::read(&self.path).map_err(io_err("read", &self.path))?;
        bytes.truncate(usize::try_from(self.len).unwrap_or(usize::MAX));
        Ok(bytes)
    }

    /// The canonical bytes of every entry, in journal order.
    pub fn entries(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        let bytes = self.read()?;
        let scan = bundle::scan(&bytes).map_err(|e| StoreError::JournalCorrupt {
            path: self.path.clone(),
            offset: 0,
            record: 0,
            detail: e.to_string(),
        })?;
        if let Some(stop) = scan.stop {
            return Err(StoreError::JournalCorrupt {
                path: self.path.clone(),
                offset: len64(scan.valid_len),
                record: len64(scan.records.len()),
                detail: format!("changed while the store was open: {stop}"),
            });
        }
        Ok(scan
            .records
            .iter()
            .filter(|r| r.kind == RecordKind::Entry)
            .map(|r| r.payload.to_vec())
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
