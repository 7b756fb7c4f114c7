//! The index: sled trees over the journal's records. Everything here can be rebuilt from the
//! journal, and nothing outside this module and its helpers ([`super::tree`],
//! [`super::notes`], [`super::claims`]) knows it is sled.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `format` | index format `u32` (= [`FORMAT`]) |
//! | `meta` | `indexed` | records indexed `u64` ‖ journal bytes indexed `u64` ‖ channel id `[32]` ‖ byte offset of the last record indexed `u64` ‖ entries among the records `u64` |
//! | `meta` | `sound` | journal bytes `u64` ‖ records `u64` ‖ the journal's modification time in ns `u64`: how far it was found sound, by a whole check before a write, kept level by each write after it (see `journal::Sound`) |
//! | `entries` | entry id `[32]` | journal record `u64` ‖ byte offset `u64` ‖ signed entry bytes |
//! | `order` | journal record `u64` | record kind `u8` ‖ entry id `[32]` (kind 2), note key `[32]` (kind 3) or the count a batch marker announces `u32` (kind 4) |
//! | `feeds` | author `[32]` ‖ seq `u64` ‖ entry id `[32]` | empty |
//! | `kinds` | body kind `u16` ‖ journal record `u64` | entry id `[32]` |
//! | `forks` | author `[32]` ‖ seq `u64` | empty |
//! | `nodes` | author `[32]` ‖ level `u8` ‖ index `u64` | perfect subtree hash `[32]` (see [`super::tree`]) |
//! | `nodes` | author `[32]` ‖ `ff` | tree size `u64` |
//! | `notes` | journal record `u64` | the note record's payload |
//! | `note_keys` | note key `[32]` | journal record `u64` |
//! | `note_origins` | origin length `u32` ‖ origin ‖ journal record `u64` | empty |
//! | `claims` | the largest view of each feed and the largest checkpoint of each origin (see `claims.rs`) | |
//!
//! Integers are big-endian, so keys sort in numeric order. A note key is
//! `SHA-256("hotline/v2/index-note\0" ‖ note bytes)`. The journal's charter is record 0, so a
//! fresh index has indexed 1 record.
//!
//! An index of another format (an older version's) is emptied and rebuilt from the journal
//! when it is opened (format 3 added `claims`). (Batch markers, kind 4, came after format 2
//! without changing it: an index of a journal without them is the same either way.)
//!
//! The index's copies of the records are what `hotline repair` rebuilds a damaged journal from
//! ([`Index::copies`]), so a repair reads them before it deletes the index.

use std::collections::BTreeSet;
use std::path::Path;

use super::error::StoreError;
use super::journal::{Contents, Held, HeldNote, Item, Position, Sound};
use super::kv::Tree;
use crate::bundle::RecordKind;
use crate::encoding;
use crate::entry::{ChannelId, EntryId, Seq};
use crate::keys::PartyId;

const META_KEY: &[u8] = b"indexed";
const FORMAT_KEY: &[u8] = b"format";
const SOUND_KEY: &[u8] = b"sound";
/// The index format this version writes; any other is rebuilt.
pub(super) const FORMAT: u32 = 3;
const NOTE_KEY_TAG: &[u8] = b"hotline/v2/index-note\0";

pub(super) struct Index {
    /// sled's database, or `None` for an index in memory ([`Index::open_temporary`]).
    db: Option<sled::Db>,
    meta: Tree,
    entries: Tree,
    order: Tree,
    feeds: Tree,
    kinds: Tree,
    forks: Tree,
    pub(super) nodes: Tree,
    pub(super) notes: Tree,
    pub(super) note_keys: Tree,
    pub(super) note_origins: Tree,
    pub(super) claims: Tree,
}

/// The index's position record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Meta {
    pub at: Position,
    pub channel: ChannelId,
}

/// What [`Index::bring_level`] did.
pub(super) struct Levelled {
    /// Records indexed now.
    pub now: u64,
}

pub(super) fn index_err(e: sled::Error) -> StoreError {
    StoreError::Index {
        detail: describe(&e),
    }
}

/// sled's errors in words (its `Display` for corruption includes an empty backtrace).
fn describe(e: &sled::Error) -> String {
    match e {
        sled::Error::Corruption { at: Some(at), .. } => {
            format!("sled found corrupted data at {at:?}")
        }
        sled::Error::Corruption { at: None, .. } => "sled found corrupted data".into(),
        sled::Error::Unsupported(s) => format!("sled refused: {s}"),
        sled::Error::ReportableBug(s) => format!("sled failed: {s}"),
        sled::Error::Io(io) => format!("I/O error: {io}"),
        other => other.to_string(),
    }
}

pub(super) fn id_from(bytes: &[u8]) -> Option<EntryId> {
    bytes.try_into().ok().map(EntryId)
}

pub(super) fn u64_from(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

fn feed_key(author: &PartyId, seq: Seq, id: &EntryId) -> Vec<u8> {
    let mut k = Vec::with_capacity(72);
    k.extend_from_slice(&author.0);
    k.extend_from_slice(&seq.0.to_be_bytes());
    k.extend_from_slice(&id.0);
    k
}

fn seq_key(author: &PartyId, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(40);
    k.extend_from_slice(&author.0);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// The key under which the index knows a note: its bytes, hashed.
pub(super) fn note_key(note: &[u8]) -> [u8; 32] {
    encoding::tagged_hash(NOTE_KEY_TAG, note)
}

/// What the `order` tree holds for a record: its kind and the key of what it holds.
fn order_value(kind: RecordKind, key: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(key.len().saturating_add(1));
    v.push(kind.code());
    v.extend_from_slice(key);
    v
}

/// What the `order` tree holds for a journal item.
fn order_value_of(item: &Item) -> Vec<u8> {
    match item {
        Item::Entry(h) => order_value(RecordKind::Entry, &h.id.0),
        Item::Note(n) => order_value(RecordKind::Note, &note_key(&n.note.note)),
        Item::Batch { count, .. } => order_value(RecordKind::Batch, &count.to_be_bytes()),
    }
}

/// A record as the index holds a copy of it, for rebuilding a damaged journal.
#[derive(Debug, Clone)]
pub(super) struct IndexCopy {
    /// Its position in the journal the index indexed.
    pub record: u64,
    pub kind: RecordKind,
    /// The record's payload: the entry's canonical bytes, the note record's, or a batch
    /// marker's count.
    pub payload: Vec<u8>,
    /// What the `order` tree names: the entry id, the note key, or the count.
    pub key: Vec<u8>,
    /// The byte offset the index keeps for it (entries only).
    pub offset: Option<u64>,
}

/// Open sled, waiting up to 3 seconds while its file lock is held. The store's own lock
/// file already keeps other processes out, so a held sled lock is a handle of this process
/// that sled releases a moment after it was dropped (seen when a store is reopened at once).
fn open_sled(config: &sled::Config) -> Result<sled::Db, sled::Error> {
    let start = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        match config.open() {
            // sled 0.34 reports it as ErrorKind::Other with this text (its config.rs).
            Err(sled::Error::Io(e))
                if e.to_string().starts_with("could not acquire lock")
                    && start.elapsed() < std::time::Duration::from_secs(3) =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// Remove what a sled killed while writing a snapshot leaves in its directory (see
/// `write_snapshot` in sled 0.34.7's `pagecache/snapshot.rs`): `snap.<lsn>.generating`, the
/// snapshot before its rename into place, and `*.in___motion`. Whether any was removed.
pub(super) fn clear_leftovers(path: &Path) -> std::io::Result<bool> {
    let mut removed = false;
    for e in std::fs::read_dir(path)? {
        let e = e?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.")
            && (name.ends_with(".generating") || name.ends_with(".in___motion"))
        {
            std::fs::remove_file(e.path())?;
            removed = true;
        }
    }
    Ok(removed)
}

fn disagrees(record: u64, detail: String) -> StoreError {
    StoreError::IndexDisagrees { record, detail }
}

impl Index {
    /// Open (or create) the index. An index of another format is emptied, to be rebuilt.
    ///
    /// sled can panic on some damaged files rather than return an error; the panic is caught
    /// here and reported like any other failure to open.
    pub fn open(path: &Path) -> Result<Index, StoreError> {
        Index::open_with(
            sled::Config::new().path(path).flush_every_ms(None),
            true,
            path,
        )
    }

    /// Open the index as it is, of whatever format, to read its copies of the records: a
    /// format this version does not write is not emptied.
    pub fn open_as_is(path: &Path) -> Result<Index, StoreError> {
        Index::open_with(
            sled::Config::new().path(path).flush_every_ms(None),
            false,
            path,
        )
    }

    /// A temporary index, in memory, gone when dropped: for a store opened read-only, which
    /// indexes its whole journal on every open (see `kv.rs`).
    pub fn open_temporary() -> Index {
        Index {
            db: None,
            meta: Tree::memory(),
            entries: Tree::memory(),
            order: Tree::memory(),
            feeds: Tree::memory(),
            kinds: Tree::memory(),
            forks: Tree::memory(),
            nodes: Tree::memory(),
            notes: Tree::memory(),
            note_keys: Tree::memory(),
            note_origins: Tree::memory(),
            claims: Tree::memory(),
        }
    }

    fn open_with(
        config: sled::Config,
        clear_other_format: bool,
        path: &Path,
    ) -> Result<Index, StoreError> {
        match Index::try_open(&config, clear_other_format, path) {
            // A snapshot sled was killed writing is taken for its newest and refused; sled
            // renames a snapshot into place only once it is whole, so what still has its
            // working name is only a leftover. The caller holds the store's lock, so no sled
            // of another process is writing one now.
            Err(StoreError::IndexUnusable { .. }) if clear_leftovers(path).unwrap_or(false) => {
                Index::try_open(&config, clear_other_format, path)
            }
            other => other,
        }
    }

    fn try_open(
        config: &sled::Config,
        clear_other_format: bool,
        path: &Path,
    ) -> Result<Index, StoreError> {
        let open = || -> Result<Index, sled::Error> {
            let db = open_sled(config)?;
            let index = Index {
                meta: Tree::Sled(db.open_tree("meta")?),
                entries: Tree::Sled(db.open_tree("entries")?),
                order: Tree::Sled(db.open_tree("order")?),
                feeds: Tree::Sled(db.open_tree("feeds")?),
                kinds: Tree::Sled(db.open_tree("kinds")?),
                forks: Tree::Sled(db.open_tree("forks")?),
                nodes: Tree::Sled(db.open_tree("nodes")?),
                notes: Tree::Sled(db.open_tree("notes")?),
                note_keys: Tree::Sled(db.open_tree("note_keys")?),
                note_origins: Tree::Sled(db.open_tree("note_origins")?),
                claims: Tree::Sled(db.open_tree("claims")?),
                db: Some(db),
            };
            let format = index.meta.get(FORMAT_KEY)?;
            if clear_other_format && format.as_deref() != Some(&FORMAT.to_be_bytes()[..]) {
                for tree in index.trees() {
                    tree.clear()?;
                }
                index.meta.insert(FORMAT_KEY, &FORMAT.to_be_bytes())?;
            }
            Ok(index)
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(open)) {
            Ok(Ok(index)) => Ok(index),
            Ok(Err(e)) => Err(StoreError::IndexUnusable {
                detail: format!("{}: {}", path.display(), describe(&e)),
            }),
            Err(_) => Err(StoreError::IndexUnusable {
                detail: format!("{}: sled failed while reading its files", path.display()),
            }),
        }
    }

    fn trees(&self) -> [&Tree; 11] {
        [
            &self.meta,
            &self.entries,
            &self.order,
            &self.feeds,
            &self.kinds,
            &self.forks,
            &self.nodes,
            &self.notes,
            &self.note_keys,
            &self.note_origins,
            &self.claims,
        ]
    }

    /// Whether the index holds no record of the journal's (a position aside).
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.entries.is_empty()
            && self.order.is_empty()
            && self.feeds.is_empty()
            && self.notes.is_empty())
    }

    /// The position record, if there is one.
    pub fn position(&self) -> Result<Option<Meta>, StoreError> {
        let Some(v) = self.meta.get(META_KEY).map_err(index_err)? else {
            return Ok(None);
        };
        let field = |at: usize| v.get(at..at.saturating_add(8)).and_then(u64_from);
        match (
            field(0),
            field(8),
            v.get(16..48).and_then(id_from),
            field(48),
            field(56),
            v.len(),
        ) {
            (Some(records), Some(bytes), Some(c), Some(last_offset), Some(entries), 64) => {
                Ok(Some(Meta {
                    at: Position {
                        records,
                        bytes,
                        last_offset,
                        entries,
                    },
                    channel: ChannelId(c.0),
                }))
            }
            _ => Err(disagrees(0, "its position record is damaged".into())),
        }
    }

    /// The kind and payload of the record the index holds at journal position `record`, if it
    /// holds one there (`None` for the charter, record 0).
    pub fn record_at(&self, record: u64) -> Result<Option<(RecordKind, Vec<u8>)>, StoreError> {
        let Some(v) = self.order.get(record.to_be_bytes()).map_err(index_err)? else {
            return Ok(None);
        };
        let damaged = || StoreError::Index {
            detail: format!("its record of journal position {record} is damaged"),
        };
        match (
            v.first().copied().and_then(RecordKind::from_code),
            v.get(1..),
        ) {
            (Some(RecordKind::Entry), Some(id)) => {
                let id = id_from(id).ok_or_else(damaged)?;
                Ok(self.get(&id)?.map(|b| (RecordKind::Entry, b)))
            }
            (Some(RecordKind::Note), Some(_)) => Ok(self
                .notes
                .get(record.to_be_bytes())
                .map_err(index_err)?
                .map(|p| (RecordKind::Note, p.to_vec()))),
            (Some(RecordKind::Batch), Some(count)) if count.len() == 4 => {
                Ok(Some((RecordKind::Batch, count.to_vec())))
            }
            _ => Err(damaged()),
        }
    }

    /// Check the index against the journal's records from `j.first` on and index what it
    /// lacks. When `j` is the whole journal (`first` = 1) everything the index holds is
    /// checked; when it is the tail after the index's position, the journal's side of that
    /// position was checked by [`super::journal::Journal::open_tail`], and only what the index
    /// holds beyond it is checked here.
    pub fn bring_level(&self, channel: &ChannelId, j: &Contents) -> Result<Levelled, StoreError> {
        let total = j
            .first
            .saturating_add(u64::try_from(j.items.len()).unwrap_or(u64::MAX));
        let item_at = |record: u64| -> Option<&Item> {
            record
                .checked_sub(j.first)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| j.items.get(i))
        };
        let meta = self.position()?;
        let indexed = match &meta {
            Some(m) => {
                let records = m.at.records;
                if m.channel != *channel {
                    return Err(disagrees(
                        0,
                        format!(
                            "it indexes channel {}, the journal holds {}",
                            m.channel.short(),
                            channel.short()
                        ),
                    ));
                }
                if records == 0 || records > total || records < j.first {
                    return Err(disagrees(
                        records,
                        format!("it has indexed {records} records, the journal holds {total}"),
                    ));
                }
                let end = match records.checked_sub(1) {
                    Some(0) => Some(j.charter_end),
                    Some(last) => item_at(last).map(Item::end),
                    None => None,
                };
                if let Some(end) = end
                    && m.at.bytes != end
                {
                    return Err(disagrees(
                        records,
                        format!(
                            "it has indexed {} journal bytes, but its {records} records end at byte {end}",
                            m.at.bytes
                        ),
                    ));
                }
                records
            }
            None => {
                if j.first != 1 {
                    return Err(disagrees(0, "its position record is missing".into()));
                }
                if !(self.entries.is_empty() && self.order.is_empty() && self.feeds.is_empty()) {
                    return Err(disagrees(
                        0,
                        "it holds entries but no position record".into(),
                    ));
                }
                1
            }
        };
        // Every position the index holds from `first` on, including any beyond its position
        // record (an update cut short by a crash), must name the journal's record there.
        for item in self.order.range(j.first.to_be_bytes()..) {
            let (k, v) = item.map_err(index_err)?;
            let record = u64_from(&k).unwrap_or(u64::MAX);
            match item_at(record) {
                Some(i) if *v == *order_value_of(i) => {}
                Some(Item::Entry(h)) => {
                    return Err(disagrees(
                        record,
                        format!("the journal holds entry {} there", h.id.short()),
                    ));
                }
                Some(Item::Note(_) | Item::Batch { .. }) => {
                    return Err(disagrees(
                        record,
                        "the journal holds another record there".into(),
                    ));
                }
                None => return Err(disagrees(record, "the journal has no record there".into())),
            }
        }
        for record in j.first..indexed {
            if !self
                .order
                .contains_key(record.to_be_bytes())
                .map_err(index_err)?
            {
                return Err(disagrees(
                    record,
                    "the index has no record at this position".into(),
                ));
            }
        }
        let todo = indexed
            .checked_sub(j.first)
            .and_then(|start| usize::try_from(start).ok())
            .and_then(|start| j.items.get(start..))
            .unwrap_or_default();
        if todo.is_empty() && meta.is_some() {
            return Ok(Levelled { now: 0 });
        }
        let mut authors = BTreeSet::new();
        for item in todo {
            match item {
                Item::Entry(h) => {
                    self.add(h)?;
                    authors.insert(h.signed.header().author);
                }
                Item::Note(n) => self.add_note(n)?,
                Item::Batch { record, count, .. } => self.add_batch(*record, *count)?,
            }
        }
        for author in &authors {
            self.update_tree(author)?;
        }
        let entries_before = match &meta {
            Some(m) if j.first > 1 => m.at.entries,
            _ => 0,
        };
        let entries =
            entries_before.saturating_add(u64::try_from(j.entries().count()).unwrap_or(0));
        // Only a fresh index of a journal that holds nothing but its charter gets here with no
        // items.
        let at = Position {
            records: total,
            bytes: j.items.last().map_or(j.charter_end, Item::end),
            last_offset: j.items.last().map_or(
                u64::try_from(crate::bundle::HEADER_LEN).unwrap_or(0),
                Item::offset,
            ),
            entries,
        };
        self.set_position(&at, channel)?;
        Ok(Levelled {
            now: u64::try_from(todo.len()).unwrap_or(u64::MAX),
        })
    }

    /// Index one entry (idempotent). Its author's tree is brought level by
    /// [`Index::update_tree`], which the caller runs once it has added every entry it has.
    pub fn add(&self, h: &Held) -> Result<(), StoreError> {
        let header = h.signed.header();
        let mut value = Vec::with_capacity(h.bytes.len().saturating_add(16));
        value.extend_from_slice(&h.record.to_be_bytes());
        value.extend_from_slice(&h.offset.to_be_bytes());
        value.extend_from_slice(&h.bytes);
        self.entries.insert(h.id.0, value).map_err(index_err)?;
        self.order
            .insert(
                h.record.to_be_bytes(),
                order_value(RecordKind::Entry, &h.id.0),
            )
            .map_err(index_err)?;
        let at = seq_key(&header.author, header.seq.0);
        for other in self.feeds.scan_prefix(&at).keys() {
            let other = other.map_err(index_err)?;
            if other.get(40..).and_then(id_from) != Some(h.id) {
                self.forks.insert(&at, &[]).map_err(index_err)?;
            }
        }
        self.feeds
            .insert(feed_key(&header.author, header.seq, &h.id), &[])
            .map_err(index_err)?;
        let mut kind = Vec::with_capacity(10);
        kind.extend_from_slice(&h.signed.entry.kind.to_be_bytes());
        kind.extend_from_slice(&h.record.to_be_bytes());
        self.kinds.insert(kind, &h.id.0).map_err(index_err)?;
        self.add_view_claims(header)?;
        Ok(())
    }

    /// Index one note (idempotent).
    pub fn add_note(&self, n: &HeldNote) -> Result<(), StoreError> {
        let record = n.record.to_be_bytes();
        self.notes
            .insert(record, n.payload.as_slice())
            .map_err(index_err)?;
        self.note_keys
            .insert(note_key(&n.note.note), &record)
            .map_err(index_err)?;
        self.note_origins
            .insert(origin_key(&n.note.origin, Some(n.record)), &[])
            .map_err(index_err)?;
        self.add_note_claim(&n.note.origin, n.note.size, n.record)?;
        self.order
            .insert(
                record,
                order_value(RecordKind::Note, &note_key(&n.note.note)),
            )
            .map_err(index_err)?;
        Ok(())
    }

    /// Index a batch marker (idempotent): only its place, so that every journal position is
    /// accounted for.
    pub fn add_batch(&self, record: u64, count: u32) -> Result<(), StoreError> {
        self.order
            .insert(
                record.to_be_bytes(),
                order_value(RecordKind::Batch, &count.to_be_bytes()),
            )
            .map_err(index_err)?;
        Ok(())
    }

    /// The position record and every record the index holds a copy of, by journal position,
    /// for rebuilding a damaged journal. A position whose copy is missing is left out. An
    /// error only when sled fails.
    pub fn copies(&self) -> Result<(Option<Meta>, Vec<IndexCopy>), StoreError> {
        let meta = self.position().ok().flatten();
        let mut out = Vec::new();
        for item in self.order.iter() {
            let (k, v) = item.map_err(index_err)?;
            let Some(record) = u64_from(&k) else { continue };
            let (Some(kind), Some(key)) = (
                v.first().copied().and_then(RecordKind::from_code),
                v.get(1..),
            ) else {
                continue;
            };
            let (payload, offset) = match kind {
                RecordKind::Entry => {
                    let Some(value) = self.entries.get(key).map_err(index_err)? else {
                        continue;
                    };
                    match (value.get(16..), value.get(8..16).and_then(u64_from)) {
                        (Some(bytes), Some(offset)) => (bytes.to_vec(), Some(offset)),
                        _ => continue,
                    }
                }
                RecordKind::Note => match self.notes.get(k).map_err(index_err)? {
                    Some(p) => (p.to_vec(), None),
                    None => continue,
                },
                RecordKind::Batch => (key.to_vec(), None),
                RecordKind::Charter | RecordKind::Consistency => continue,
            };
            out.push(IndexCopy {
                record,
                kind,
                payload,
                key: key.to_vec(),
                offset,
            });
        }
        Ok((meta, out))
    }

    /// How far the journal was found sound (see [`Sound`]). `None` if no store has said, or
    /// the value is damaged.
    pub fn sound_through(&self) -> Option<Sound> {
        let v = self.meta.get(SOUND_KEY).ok().flatten()?;
        let field = |at: usize| v.get(at..at.saturating_add(8)).and_then(u64_from);
        match (field(0), field(8), field(16), v.len()) {
            (Some(bytes), Some(records), Some(modified), 24) => Some(Sound {
                bytes,
                records,
                modified,
            }),
            _ => None,
        }
    }

    /// Record that the journal is sound as `at` says (flushed with the next
    /// [`Index::set_position`]).
    pub fn set_sound_through(&self, at: &Sound) -> Result<(), StoreError> {
        let mut v = Vec::with_capacity(24);
        v.extend_from_slice(&at.bytes.to_be_bytes());
        v.extend_from_slice(&at.records.to_be_bytes());
        v.extend_from_slice(&at.modified.to_be_bytes());
        self.meta.insert(SOUND_KEY, v).map_err(index_err)?;
        Ok(())
    }

    /// Record that the journal is indexed up to `at`, and flush.
    pub fn set_position(&self, at: &Position, channel: &ChannelId) -> Result<(), StoreError> {
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(&at.records.to_be_bytes());
        v.extend_from_slice(&at.bytes.to_be_bytes());
        v.extend_from_slice(&channel.0);
        v.extend_from_slice(&at.last_offset.to_be_bytes());
        v.extend_from_slice(&at.entries.to_be_bytes());
        self.meta.insert(META_KEY, v).map_err(index_err)?;
        if let Some(db) = &self.db {
            db.flush().map_err(index_err)?;
        }
        Ok(())
    }

    /// The canonical bytes of an entry.
    pub fn get(&self, id: &EntryId) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(v) = self.entries.get(id.0).map_err(index_err)? else {
            return Ok(None);
        };
        match v.get(16..) {
            Some(bytes) => Ok(Some(bytes.to_vec())),
            None => Err(StoreError::Index {
                detail: format!("the record of entry {} is damaged", id.short()),
            }),
        }
    }

    /// A party's entries as `(seq, id)`, by seq (forked seqs appear more than once).
    pub fn feed(&self, party: &PartyId) -> Result<Vec<(Seq, EntryId)>, StoreError> {
        let mut out = Vec::new();
        for k in self.feeds.scan_prefix(party.0).keys() {
            if let Some(e) = feed_entry(&k.map_err(index_err)?) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// A party's last entry as `(seq, id)` (at a forked last seq, the one with the larger id).
    pub fn last(&self, party: &PartyId) -> Result<Option<(Seq, EntryId)>, StoreError> {
        match self.feeds.scan_prefix(party.0).keys().next_back() {
            None => Ok(None),
            Some(k) => Ok(feed_entry(&k.map_err(index_err)?)),
        }
    }

    /// The ids of the entries held at `party`'s `seq`.
    pub fn at_seq(&self, party: &PartyId, seq: u64) -> Result<Vec<EntryId>, StoreError> {
        let mut out = Vec::new();
        for k in self.feeds.scan_prefix(seq_key(party, seq)).keys() {
            if let Some((_, id)) = feed_entry(&k.map_err(index_err)?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The first seq at which `party`'s feed has a fork, if it has one.
    pub fn first_fork(&self, party: &PartyId) -> Result<Option<Seq>, StoreError> {
        match self.forks.scan_prefix(party.0).keys().next() {
            None => Ok(None),
            Some(k) => Ok(k.map_err(index_err)?.get(32..).and_then(u64_from).map(Seq)),
        }
    }

    /// The ids that start with `prefix` (whole bytes), in id order.
    pub fn ids_with_prefix(&self, prefix: &[u8]) -> Result<Vec<EntryId>, StoreError> {
        let mut out = Vec::new();
        for k in self.entries.scan_prefix(prefix).keys() {
            if let Some(id) = id_from(&k.map_err(index_err)?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The ids of the entries of one body kind, in journal order.
    pub fn of_kind(&self, kind: u16) -> Result<Vec<EntryId>, StoreError> {
        let mut out = Vec::new();
        for v in self.kinds.scan_prefix(kind.to_be_bytes()).values() {
            if let Some(id) = id_from(&v.map_err(index_err)?) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// Every `(author, seq)` at which more than one entry is held.
    pub fn forks(&self) -> Result<Vec<(PartyId, Seq)>, StoreError> {
        let mut out = Vec::new();
        for k in self.forks.iter().keys() {
            let k = k.map_err(index_err)?;
            if let (Some(a), Some(seq)) = (
                k.get(..32).and_then(id_from),
                k.get(32..).and_then(u64_from),
            ) {
                out.push((PartyId(a.0), Seq(seq)));
            }
        }
        Ok(out)
    }
}

fn feed_entry(k: &[u8]) -> Option<(Seq, EntryId)> {
    Some((
        Seq(k.get(32..40).and_then(u64_from)?),
        k.get(40..).and_then(id_from)?,
    ))
}

/// The `note_origins` key of `origin` and, with a record, of that note.
pub(super) fn origin_key(origin: &str, record: Option<u64>) -> Vec<u8> {
    let len = u32::try_from(origin.len()).unwrap_or(u32::MAX);
    let mut k = Vec::with_capacity(origin.len().saturating_add(12));
    k.extend_from_slice(&len.to_be_bytes());
    k.extend_from_slice(origin.as_bytes());
    if let Some(r) = record {
        k.extend_from_slice(&r.to_be_bytes());
    }
    k
}
