//! One party's store: the signed entries it has accepted, its own and other parties', in a
//! directory (feature `store`).
//!
//! | file | what |
//! |---|---|
//! | `journal` | a bundle (see [`crate::bundle`]): header, the charter record, then every signed entry accepted and every signed note kept, in the order written, a write of several records preceded by a batch marker. **The truth.** |
//! | `index/` | a sled database indexing the journal: entries by id, feeds, kinds, forks, each feed's Merkle tree, notes. Rebuilt from the journal at will; its copies of the records are what a damaged journal is rebuilt from. |
//! | `lock` | held (`File::try_lock`) for the life of a [`Store`] opened for writing; a second opener gets [`StoreError::Locked`] at once. |
//! | `quarantine/` | evidence a refused import verified (forks, double signatures, split views, signed checkpoints), one self-contained file each, kept beside the journal and never in it (see `quarantine.rs`). |
//! | `config.json` | the party this store acts for, the path of its secret key file, and the highest seq the store has signed for each party (see `config.rs`). |
//!
//! # Durability
//!
//! sled 0.34.7's `flush()` ends in `sync_file_range`, which forces neither the device's cache
//! nor the file's metadata, so a flushed sled write can still be lost to a power cut; and sled
//! 0.34 databases have been reported unopenable after a process was killed (spacejam/sled
//! #1533, #1166, #1509). So the store never lets sled hold anything it cannot rebuild:
//!
//! 1. every write appends its record(s) to the journal in **one** `write`, then `sync_data`
//!    (the journal itself is created by temporary file, rename and directory sync) — only then
//!    does the operation report success. A write of more than one record (an import, several
//!    notes) starts with a batch marker that says how many records follow, so a write torn by
//!    a crash anywhere is cut back whole at the next open: all of it or none;
//! 2. only after that is sled updated, then flushed; a `meta` record says how many journal
//!    records (and bytes) the index covers, and where the last of them starts.
//!
//! Every other file a success depends on is written by temporary file, sync and rename
//! (`config.json`, quarantine files, high-water marks), and every directory entry it depends
//! on is synced: the store's own directory in its parent when it is made, each created or
//! renamed file in its directory. sled's files are never synced beyond its `flush()`: an
//! index lost or left unopenable is rebuilt from the journal (see "Opening").
//!
//! # Opening
//!
//! [`Store::open`] takes the lock and opens sled. sled writes a snapshot while it opens; a
//! process killed then leaves `index/snap.<lsn>.generating`, which the next sled takes for its
//! newest snapshot and refuses, so when sled cannot open the index, its leftovers (files that
//! still have their working names) are removed and it is opened again. If it still cannot be,
//! the whole journal is read and checked: when it is sound the index is moved to
//! `index.unusable/` (replacing one moved there before) and a new one built from the journal
//! ([`OpenReport::index_set_aside`]); when it is damaged the index is left where it is, since
//! `repair` may need its copies, and the journal's damage is the error. So a store opens after
//! any kill. Then, when the index has a position record, only what it does not vouch for is read:
//! the journal's header and charter record (which must be the channel the index indexes), the
//! last record the index covers (which must be where the index says, intact, and hold what the
//! index holds for it), and everything after it. A torn tail there (the incomplete or
//! check-failing last record(s) of an interrupted write, or the records after a batch marker
//! that announces more, never reported as done) is cut off and synced
//! ([`OpenReport::torn_bytes_cut`]); damage followed by well-formed records is not a torn tail
//! and is refused ([`StoreError::JournalCorrupt`]); the records after the position are
//! indexed. So opening costs the journal's tail, not its length
//! ([`OpenReport::journal_bytes_read`]).
//!
//! If any of those checks fails, or the index has no position (new, deleted, or of another
//! format), the whole journal is read and checked instead, with the same torn-tail and damage
//! rules; an index behind the journal is brought level; one that claims more than the journal,
//! or names another record at a journal position, is [`StoreError::IndexDisagrees`]. Either
//! error says to run `hotline repair` ([`Store::repair`]).
//!
//! What opening does not do is re-read the records the index already vouches for. Damage to
//! them (a disk fault, an outside edit) is found by whatever next reads the whole journal —
//! [`Store::verify`], [`Store::export`], [`Store::entries`] — as
//! [`StoreError::JournalCorrupt`], and by the first write: before its first write a store
//! reads and checks the framing and check values (hashing only) of what no store found sound
//! before — the index remembers the journal's length after the last whole check or write, and
//! the file's modification time then; a file changed since by anything else is read whole —
//! and while the journal is known to be damaged every write ([`Store::append`],
//! [`Store::add_notes`], [`Store::import_with`]) is refused, so that nothing is signed or kept
//! on top of damage that a repair would have to work around. The store's answers meanwhile
//! come from the index's copies of the records, which were checked when they were written.
//!
//! # Repair
//!
//! [`Store::repair`] rebuilds the journal from every record that is whole in it and every
//! record the index holds a copy of (the index keeps each entry's bytes and each note
//! record), in journal order, by temporary file, rename and directory sync; it keeps the
//! journal's bytes from the first damage on in `journal.damaged-at-<offset>`, and says how
//! many entries and notes it recovered from the index and how many records are lost (exist
//! nowhere else). Then it rebuilds the index. The index's copies are used only if the index
//! is this journal's: it must name, at every byte offset where the journal holds a whole
//! record, that record, and each copy must be intact (an entry: its id, channel, author and
//! signature). A store whose repaired feed ends before the highest seq the store has signed
//! for that party (kept in `config.json`, which outlives a repair) refuses to sign for it
//! ([`StoreError::FeedWentBack`]): its next entry would reuse a signed seq, a fork of its own
//! feed. Importing its lost entries from a counterparty's bundle lifts that.
//!
//! # Signing only ahead of what was signed
//!
//! Every own signature ([`Store::append`], [`Store::add_own_checkpoint`]; [`Store::may_sign`]
//! to ask first) is refused while something says the party's feed is longer than held: the
//! `config.json` mark above, another party's signed view or the party's own checkpoint held in
//! the index ([`StoreError::BehindElsewhere`]), or the party's high-water mark, a file outside
//! the store in a directory the caller names ([`Store::keep_high_water_in`],
//! [`StoreError::BehindMark`]), which catches a whole store directory put back from an older
//! copy. [`Store::recover`] rebuilds a lost store from a counterparty's bundle, under the same
//! check. See `guard.rs`, `highwater.rs`, `recover.rs`.
//!
//! # What the store holds
//!
//! Only entries that verify. [`Store::append`] checks the new entry alone against the index,
//! in O(log n) reads (see `check.rs`): content, placement, references, and an
//! acknowledgement's view against the acknowledged feed's tree; and it appends only to a feed
//! without a fork. [`Store::import`] runs [`crate::verify::verify`] over the store's entries
//! plus the new ones, and refuses ([`StoreError::Rejected`], nothing written) if that adds any
//! error-level finding other than a fork. Forks are kept — both entries — as evidence.
//! What a refused bundle proves (forks, double signatures, split views, verified signed
//! checkpoints) is kept in `quarantine/`, outside the journal ([`Store::quarantine`]).
//!
//! Each feed's RFC 6962 tree is kept as its perfect subtrees (see `tree.rs`), so
//! [`Store::root_at`], [`Store::inclusion_proof`] and [`Store::consistency_proof`] cost O(log n)
//! reads, and an append O(log n) hashing. Signed notes (checkpoints) are kept as given, with
//! what their caller says they state ([`Store::add_notes`], [`Store::import_with`]).
//!
//! # Read-only
//!
//! [`Store::open_read_only`] reads a store it cannot (or should not) write, such as an
//! auditor's copy in a directory it may not write to, or a store a writer holds: it takes no
//! lock, changes no file (a torn tail is ignored, not cut), reads the whole journal and
//! indexes it in a temporary index in memory (see `kv.rs`), and refuses every write
//! ([`StoreError::ReadOnly`]). A writer only ever appends after what it reported written, so
//! what a reader reads is a prefix of the journal cut at most inside its last write; every
//! later read is through the file handle it opened, so a journal replaced meanwhile (by a
//! repair) does not mix in.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use crate::chain::Head;
use crate::charter::Charter;
use crate::entry::{ChannelId, EntryId, FeedView, Kind, Seq, SignedEntry, Timestamp};
use crate::keys::PartyId;
use crate::verify::Report;

mod check;
mod claims;
mod config;
mod damage;
mod error;
mod exchange;
mod guard;
mod highwater;
mod index;
mod journal;
mod kv;
mod notes;
mod proofs;
mod quarantine;
mod recover;
mod repair;
mod roster;
mod signer;
mod tree;

pub use error::{FeedBehind, ImportReport, MarkSays, OpenReport, RepairReport, SeenBy, StoreError};
pub use notes::{NoteMeta, NoteSignature, StoredNote};
pub use proofs::InclusionProof;
pub use quarantine::{
    Evidence, EvidenceError, EvidenceKind, MAX_BYTES_PER_IMPORT, MAX_FILES, MAX_ITEMS_PER_IMPORT,
    MAX_TOTAL_BYTES, QuarantineReport, Quarantined,
};
pub use recover::{RecoverReport, RecoveredFeed, Recovery};

use config::Config;
use index::Index;
use journal::{Access, Journal, create_dir_synced, io_err, sync_dir};

const LOCK: &str = "lock";
const INDEX: &str = "index";
/// Where [`Store::create_with`] builds a store before moving it into place.
const STAGING: &str = ".hotline-creating";

/// An open store. Holds the store's lock until dropped (unless opened read-only).
pub struct Store {
    // Field order is drop order: sled closes before the lock is released.
    index: Index,
    journal: Journal,
    dir: PathBuf,
    charter: Charter,
    channel: ChannelId,
    config: Config,
    opened: OpenReport,
    /// The verifier's report on the store's entries, kept from the last import (an import
    /// verifies the store's entries with the bundle's); dropped by an append.
    baseline: Option<Report>,
    /// The roster and the charter in force, once asked for (see `roster.rs`).
    roster: std::sync::OnceLock<roster::Roster>,
    /// Set when the journal took a write the index could not: reads may be stale, so writes
    /// stop until the store is reopened (which indexes the rest).
    stale: Option<String>,
    /// What the last import kept in quarantine, if it was refused.
    quarantined: Option<QuarantineReport>,
    read_only: bool,
    /// The directory of the high-water marks, if the caller gave it
    /// ([`Store::keep_high_water_in`]).
    marks_in: Option<PathBuf>,
    _lock: Option<File>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("channel", &self.channel)
            .field("journal_len", &self.journal.len)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

fn cannot_write(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}

fn take_lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(LOCK);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path);
    let file = match file {
        Ok(f) => f,
        Err(source) if cannot_write(&source) => {
            return Err(StoreError::NotWritable { path, source });
        }
        Err(e) => return Err(io_err("open", &path)(e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked { path }),
        Err(TryLockError::Error(e)) => Err(io_err("lock", &path)(e)),
    }
}

/// [`take_lock`] for making a store: a directory that cannot be written is then only an I/O
/// error (there is no store to open read-only).
fn take_lock_to_create(dir: &Path) -> Result<File, StoreError> {
    take_lock(dir).map_err(|e| match e {
        StoreError::NotWritable { path, source } => StoreError::Io {
            op: "create",
            path,
            source,
        },
        other => other,
    })
}

fn index_failed(e: &StoreError) -> String {
    match e {
        StoreError::Index { detail } => detail.clone(),
        other => other.to_string(),
    }
}

/// Where [`Store::open`] moves an index sled cannot open, to index the journal anew.
const INDEX_SET_ASIDE: &str = "index.unusable";

/// Move `index/` to `index.unusable/` (replacing one set aside before: it was set aside when
/// the journal was whole too, so everything it held is in the journal), durably.
fn set_index_aside(dir: &Path) -> Result<PathBuf, StoreError> {
    let aside = dir.join(INDEX_SET_ASIDE);
    remove_dir_if_any(&aside)?;
    let index = dir.join(INDEX);
    fs::rename(&index, &aside).map_err(io_err("set aside", &index))?;
    sync_dir(dir)?;
    Ok(aside)
}

fn remove_dir_if_any(path: &Path) -> Result<(), StoreError> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("delete", path)(e)),
    }
}

impl Store {
    /// Create a store for `charter` in `dir`, which may exist but must not hold a store.
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`], [`StoreError::InvalidCharter`], [`StoreError::Locked`],
    /// or an I/O or index error.
    pub fn create(dir: &Path, charter: &Charter) -> Result<Store, StoreError> {
        charter.check().map_err(StoreError::InvalidCharter)?;
        let channel = charter.id()?;
        create_dir_synced(dir)?;
        let lock = take_lock_to_create(dir)?;
        if dir.join(journal::FILE).exists() || dir.join(INDEX).exists() {
            return Err(StoreError::AlreadyExists {
                dir: dir.to_path_buf(),
            });
        }
        let journal = Journal::create(dir, charter)?;
        let index = Index::open(&dir.join(INDEX))?;
        index.set_position(&journal.position(), &channel)?;
        Ok(Store {
            index,
            journal,
            dir: dir.to_path_buf(),
            charter: charter.clone(),
            channel,
            config: Config::default(),
            opened: OpenReport::default(),
            baseline: None,
            roster: std::sync::OnceLock::new(),
            stale: None,
            quarantined: None,
            read_only: false,
            marks_in: None,
            _lock: Some(lock),
        })
    }

    /// Create a store for `charter` in `dir` holding what `bundle_bytes` holds, or leave `dir`
    /// as it was: the store is built and the bundle imported ([`Store::import_with`], with
    /// `now` and `check_note`) in a directory inside `dir`, and only if the import succeeds is
    /// the store moved into place — its journal first, which is the moment the store exists
    /// (an index left behind by a crash just after is rebuilt from the journal). On failure
    /// everything made is removed (the directory too, if this made it), so the same call can
    /// be retried.
    ///
    /// # Errors
    ///
    /// As [`Store::create`] and [`Store::import_with`] (a bundle of another channel than
    /// `charter`'s is [`StoreError::WrongChannel`]).
    pub fn create_with<F>(
        dir: &Path,
        charter: &Charter,
        bundle_bytes: &[u8],
        now: Option<Timestamp>,
        check_note: F,
    ) -> Result<(Store, ImportReport), StoreError>
    where
        F: FnMut(&[u8]) -> Result<NoteMeta, String>,
    {
        Store::create_within(
            dir,
            charter,
            bundle_bytes,
            &crate::bundle::Limits::DEFAULT,
            now,
            check_note,
        )
    }

    /// [`Store::create_with`], reading the bundle within `limits` ([`Store::import_within`]).
    ///
    /// # Errors
    ///
    /// As [`Store::create_with`].
    pub fn create_within<F>(
        dir: &Path,
        charter: &Charter,
        bundle_bytes: &[u8],
        limits: &crate::bundle::Limits,
        now: Option<Timestamp>,
        check_note: F,
    ) -> Result<(Store, ImportReport), StoreError>
    where
        F: FnMut(&[u8]) -> Result<NoteMeta, String>,
    {
        Store::create_checked(dir, charter, bundle_bytes, limits, now, check_note, |_| {
            Ok(())
        })
    }

    /// [`Store::create_with`], with `accept` to pass on the staged store (imported, not yet
    /// moved into place) before it becomes the store.
    fn create_checked<F, A>(
        dir: &Path,
        charter: &Charter,
        bundle_bytes: &[u8],
        limits: &crate::bundle::Limits,
        now: Option<Timestamp>,
        check_note: F,
        accept: A,
    ) -> Result<(Store, ImportReport), StoreError>
    where
        F: FnMut(&[u8]) -> Result<NoteMeta, String>,
        A: FnOnce(&mut Store) -> Result<(), StoreError>,
    {
        charter.check().map_err(StoreError::InvalidCharter)?;
        let made_dir = !dir.exists();
        create_dir_synced(dir)?;
        let made_lock = !dir.join(LOCK).exists();
        let lock = match take_lock_to_create(dir) {
            Ok(l) => l,
            Err(e) => {
                if made_dir {
                    let _ = fs::remove_dir(dir);
                }
                return Err(e);
            }
        };
        if dir.join(journal::FILE).exists() || dir.join(INDEX).exists() {
            return Err(StoreError::AlreadyExists {
                dir: dir.to_path_buf(),
            });
        }
        let staging = dir.join(STAGING);
        let built = remove_dir_if_any(&staging).and_then(|()| {
            let mut s = Store::create(&staging, charter)?;
            let report = s.import_within(bundle_bytes, limits, now, check_note)?;
            accept(&mut s)?;
            Ok(report)
        });
        let moved = built.and_then(|report| {
            // The staged store is closed (dropped) by now; its journal is the commit point.
            fs::rename(staging.join(journal::FILE), dir.join(journal::FILE))
                .map_err(io_err("move into place", &dir.join(journal::FILE)))?;
            sync_dir(dir)?;
            Ok(report)
        });
        let report = match moved {
            Ok(r) => r,
            Err(e) => {
                // Best effort: what matters is the error, and nothing here is a store.
                let _ = fs::remove_dir_all(&staging);
                if made_lock {
                    let _ = fs::remove_file(dir.join(LOCK));
                }
                drop(lock);
                if made_dir {
                    let _ = fs::remove_dir(dir);
                }
                return Err(e);
            }
        };
        // The store exists from here on; the index only saves reading the journal again.
        if fs::rename(staging.join(INDEX), dir.join(INDEX)).is_ok() {
            let _ = sync_dir(dir);
        }
        let _ = fs::remove_dir_all(&staging);
        let store = Store::open_locked(dir, lock)?;
        Ok((store, report))
    }

    /// Open the store in `dir`: lock it, cut a torn tail off the journal, and check the index
    /// against the journal, indexing what it lacks. Reads only the journal's tail past what
    /// the index has indexed, when the index vouches for the rest. See the module docs.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`], [`StoreError::Locked`], [`StoreError::NotWritable`] (open it
    /// with [`Store::open_read_only`] instead), [`StoreError::JournalCorrupt`],
    /// [`StoreError::IndexUnusable`], [`StoreError::IndexDisagrees`], [`StoreError::Config`],
    /// or an I/O error.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        if !dir.join(journal::FILE).exists() {
            return Err(StoreError::NotFound {
                dir: dir.to_path_buf(),
            });
        }
        let lock = take_lock(dir)?;
        Store::open_locked(dir, lock)
    }

    /// [`Store::open`], waiting up to `wait` while the store's lock (or sled's own lock on
    /// the index) is held, pausing 10 ms at first and doubling up to 200 ms. A lock can
    /// outlive its holder by a moment: a child process another thread of this process is
    /// starting holds a copy of every open file between its fork and its exec, and sled's
    /// lock outlives a handle that is closing.
    ///
    /// # Errors
    ///
    /// As [`Store::open`], once `wait` has passed: [`StoreError::Locked`], or
    /// [`StoreError::IndexUnusable`] if sled's lock is still held.
    pub fn open_within(dir: &Path, wait: std::time::Duration) -> Result<Store, StoreError> {
        let start = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(10);
        loop {
            match Store::open(dir) {
                Err(StoreError::Locked { .. }) if start.elapsed() < wait => {}
                Err(StoreError::IndexUnusable { detail })
                    if detail.contains("could not acquire lock") && start.elapsed() < wait => {}
                other => return other,
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(std::time::Duration::from_millis(200));
        }
    }

    fn open_locked(dir: &Path, lock: File) -> Result<Store, StoreError> {
        // What a `create_with` interrupted after moving its journal into place left behind.
        if dir.join(STAGING).exists() {
            let _ = fs::remove_dir_all(dir.join(STAGING));
        }
        let (index, whole, set_aside) = match Index::open(&dir.join(INDEX)) {
            Ok(index) => (index, None, None),
            // sled's own lock held (a handle of this process closing) is not damage.
            Err(StoreError::IndexUnusable { detail })
                if !detail.contains("could not acquire lock") =>
            {
                // The journal is the truth and the index only a copy: once the whole journal
                // has been read and found sound, nothing is lost by setting the index aside
                // and indexing the journal again. While the journal is damaged the index is
                // left where it is, for `repair` to look for copies in.
                let whole = Journal::open(dir, Access::Write)?;
                let aside = set_index_aside(dir)?;
                (Index::open(&dir.join(INDEX))?, Some(whole), Some(aside))
            }
            Err(e) => return Err(e),
        };
        // An index that holds records but no position was being built from the journal when
        // its process was killed (by a repair, or after the index was lost): what it holds
        // came from the journal, so once the whole journal is read and found sound it is set
        // aside like an unopenable one and the journal indexed anew.
        let (index, whole, set_aside) = match index.position() {
            Ok(None) if whole.is_none() && !index.is_empty()? => {
                let whole = Journal::open(dir, Access::Write)?;
                drop(index);
                let aside = set_index_aside(dir)?;
                (Index::open(&dir.join(INDEX))?, Some(whole), Some(aside))
            }
            _ => (index, whole, set_aside),
        };
        // Any doubt about the index's position means reading the whole journal, which says
        // what is wrong.
        let tail = match index.position().ok().flatten() {
            _ if whole.is_some() => whole,
            None => None,
            Some(meta) => match index.record_at(meta.at.records.saturating_sub(1)) {
                Ok(last) if last.is_some() || meta.at.records == 1 => Journal::open_tail(
                    dir,
                    &meta.at,
                    last.as_ref().map(|(k, p)| (*k, p.as_slice())),
                    &meta.channel,
                )?,
                _ => None,
            },
        };
        let (journal, contents) = match tail {
            Some(opened) => opened,
            None => Journal::open(dir, Access::Write)?,
        };
        let channel = contents.charter.id()?;
        let records_indexed = index.bring_level(&channel, &contents)?.now;
        let config = config::load(dir)?;
        Ok(Store {
            index,
            journal,
            dir: dir.to_path_buf(),
            charter: contents.charter,
            channel,
            config,
            opened: OpenReport {
                torn_bytes_cut: contents.cut.bytes,
                records_indexed,
                journal_bytes_read: contents.bytes_read,
                torn_bytes_ignored: 0,
                index_set_aside: set_aside,
            },
            baseline: None,
            roster: std::sync::OnceLock::new(),
            stale: None,
            quarantined: None,
            read_only: false,
            marks_in: None,
            _lock: Some(lock),
        })
    }

    /// Open the store in `dir` to read it only: no lock is taken and no file in `dir` is
    /// changed. The whole journal is read and checked (a torn tail is ignored, damage refused)
    /// and indexed in a temporary index in memory, so this costs the journal's length, in
    /// time and in memory.
    /// Every write is refused with [`StoreError::ReadOnly`]. A `config.json` that cannot be
    /// read is ignored: it only matters for signing.
    ///
    /// A store in use by another process can be opened this way too; it then shows the
    /// journal as it was when opened.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`], [`StoreError::JournalCorrupt`], or an I/O or index error.
    pub fn open_read_only(dir: &Path) -> Result<Store, StoreError> {
        let (journal, contents) = Journal::open(dir, Access::ReadOnly)?;
        let channel = contents.charter.id()?;
        let index = Index::open_temporary();
        let records_indexed = index.bring_level(&channel, &contents)?.now;
        let config = config::load(dir).unwrap_or_default();
        Ok(Store {
            index,
            journal,
            dir: dir.to_path_buf(),
            charter: contents.charter,
            channel,
            config,
            opened: OpenReport {
                torn_bytes_cut: 0,
                records_indexed,
                journal_bytes_read: contents.bytes_read,
                torn_bytes_ignored: contents.cut.bytes,
                index_set_aside: None,
            },
            baseline: None,
            roster: std::sync::OnceLock::new(),
            stale: None,
            quarantined: None,
            read_only: true,
            marks_in: None,
            _lock: None,
        })
    }

    /// Repair the store in `dir`: rebuild the journal from its whole records and the index's
    /// copies of the rest, cut a torn tail, then delete `index/` and index every record again.
    /// See the module docs ("Repair"). A damaged `config.json` is moved aside and a new one
    /// written, its marks rebuilt from the feeds held (see `config.rs`).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`], [`StoreError::Locked`], [`StoreError::NotWritable`],
    /// [`StoreError::JournalCorrupt`] if the journal's charter record is unreadable and no
    /// intact charter entry of the founder's is in the journal or the index to rebuild it from
    /// (nothing is changed then), or an I/O or index error.
    pub fn repair(dir: &Path) -> Result<RepairReport, StoreError> {
        if !dir.join(journal::FILE).exists() {
            return Err(StoreError::NotFound {
                dir: dir.to_path_buf(),
            });
        }
        let _lock = take_lock(dir)?;
        repair::run(dir)
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The channel's charter.
    pub fn charter(&self) -> &Charter {
        &self.charter
    }

    /// The channel id.
    pub fn channel(&self) -> ChannelId {
        self.channel
    }

    /// What opening the store found and did.
    pub fn open_report(&self) -> &OpenReport {
        &self.opened
    }

    /// Whether the store was opened read-only ([`Store::open_read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Set the party this store acts for and its key file, in `config.json`.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownParty`] if no party of the roster ([`Store::roster`]) has that
    /// name, [`StoreError::ReadOnly`], [`StoreError::Config`] or an I/O or index error.
    pub fn set_identity(&mut self, party_name: &str, key_file: &Path) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                dir: self.dir.clone(),
            });
        }
        if self.roster()?.party_named(party_name).is_none() {
            return Err(StoreError::UnknownParty {
                name: party_name.to_owned(),
            });
        }
        let mut config = self.config.clone();
        config.party = Some(party_name.to_owned());
        config.key_file = Some(key_file.to_path_buf());
        config::save(&self.dir, &config)?;
        self.config = config;
        Ok(())
    }

    /// The party this store acts for and its key file, if set.
    pub fn identity(&self) -> Option<(String, PathBuf)> {
        match (&self.config.party, &self.config.key_file) {
            (Some(p), Some(k)) => Some((p.clone(), k.clone())),
            _ => None,
        }
    }

    /// How many signed entries the store holds.
    pub fn entry_count(&self) -> u64 {
        self.journal.entries
    }

    /// The last entry of `party`'s feed (at a forked last seq, one of them).
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn head(&self, party: &PartyId) -> Result<Option<Head>, StoreError> {
        let Some((seq, id)) = self.index.last(party)? else {
            return Ok(None);
        };
        let e = self.held(&id)?;
        Ok(Some(Head {
            seq,
            id,
            time: e.header().time,
        }))
    }

    /// The length of `party`'s feed: its last seq plus one, 0 if none is held.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn feed_len(&self, party: &PartyId) -> Result<u64, StoreError> {
        Ok(self
            .index
            .last(party)?
            .map_or(0, |(seq, _)| seq.0.saturating_add(1)))
    }

    /// The size and RFC 6962 root of `party`'s feed as held: its entries from seq 0 up to the
    /// first fork ([`Store::tree_size`], [`Store::root_at`]), in O(log n) reads. This is the
    /// view an acknowledgement of that party's entries commits to.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn feed_view(&self, party: &PartyId) -> Result<FeedView, StoreError> {
        let size = self.tree_size(party)?;
        Ok(FeedView {
            size,
            root: self.root_at(party, size)?,
        })
    }

    /// `party`'s entries by seq (both entries of a fork).
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn feed(&self, party: &PartyId) -> Result<Vec<SignedEntry>, StoreError> {
        self.index
            .feed(party)?
            .iter()
            .map(|(_, id)| self.held(id))
            .collect()
    }

    /// The entries of one body kind, in journal order.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn of_kind(&self, kind: Kind) -> Result<Vec<SignedEntry>, StoreError> {
        self.index
            .of_kind(kind.code())?
            .iter()
            .map(|id| self.held(id))
            .collect()
    }

    /// Every `(party, seq)` at which the store holds two or more entries.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn forks(&self) -> Result<Vec<(PartyId, Seq)>, StoreError> {
        self.index.forks()
    }

    /// The canonical bytes of every signed entry, in journal order, read from the journal.
    ///
    /// # Errors
    ///
    /// An I/O error, or [`StoreError::JournalCorrupt`] if the journal changed underneath.
    pub fn entries(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        self.journal.entries()
    }

    /// The entry with this id.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn get(&self, id: &EntryId) -> Result<Option<SignedEntry>, StoreError> {
        match self.index.get(id)? {
            None => Ok(None),
            Some(bytes) => decode_held(id, &bytes).map(Some),
        }
    }

    /// The id of the one entry whose hex id starts with `hex_prefix` (4 to 64 hex digits, any
    /// case, odd lengths allowed).
    ///
    /// # Errors
    ///
    /// [`StoreError::BadId`], [`StoreError::UnknownId`], [`StoreError::AmbiguousId`], or an
    /// index error.
    pub fn resolve(&self, hex_prefix: &str) -> Result<EntryId, StoreError> {
        let bad = |reason| StoreError::BadId {
            prefix: hex_prefix.to_owned(),
            reason,
        };
        let p = hex_prefix.to_ascii_lowercase();
        if !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("use hex digits 0-9 and a-f only"));
        }
        if p.len() < 4 {
            return Err(bad("give at least 4 hex digits"));
        }
        if p.len() > 64 {
            return Err(bad("an entry id is 64 hex digits"));
        }
        let whole = p
            .get(..p.len() / 2 * 2)
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| bad("use hex digits 0-9 and a-f only"))?;
        let mut candidates: Vec<EntryId> = self
            .index
            .ids_with_prefix(&whole)?
            .into_iter()
            .filter(|id| id.to_string().starts_with(&p))
            .collect();
        match candidates.len() {
            0 => Err(StoreError::UnknownId {
                prefix: hex_prefix.to_owned(),
            }),
            1 => candidates.pop().ok_or(StoreError::UnknownId {
                prefix: hex_prefix.to_owned(),
            }),
            _ => Err(StoreError::AmbiguousId {
                prefix: hex_prefix.to_owned(),
                candidates,
            }),
        }
    }

    fn held_bytes(&self, id: &EntryId) -> Result<Vec<u8>, StoreError> {
        self.index.get(id)?.ok_or_else(|| StoreError::Index {
            detail: format!(
                "entry {} is in a feed but not among the entries",
                id.short()
            ),
        })
    }

    fn held(&self, id: &EntryId) -> Result<SignedEntry, StoreError> {
        decode_held(id, &self.held_bytes(id)?)
    }

    /// Refuse writes to a store opened read-only, after the index fell behind the journal, or
    /// while the journal is damaged (checked once, before the first write: see the module
    /// docs).
    fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                dir: self.dir.clone(),
            });
        }
        if let Some(detail) = &self.stale {
            return Err(StoreError::Index {
                detail: detail.clone(),
            });
        }
        self.journal.ensure_sound(self.index.sound_through())
    }
}

fn decode_held(id: &EntryId, bytes: &[u8]) -> Result<SignedEntry, StoreError> {
    SignedEntry::decode(bytes).map_err(|e| StoreError::Index {
        detail: format!("the index's copy of entry {} is damaged: {e}", id.short()),
    })
}
