//! The index: sled trees over the journal's entries. Everything here can be rebuilt from the
//! journal, and nothing outside this file knows it is sled.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `indexed` | records indexed `u64` ‖ journal bytes indexed `u64` ‖ channel id `[32]` |
//! | `entries` | entry id `[32]` | journal record `u64` ‖ byte offset `u64` ‖ signed entry bytes |
//! | `order` | journal record `u64` | entry id `[32]` |
//! | `feeds` | author `[32]` ‖ seq `u64` ‖ entry id `[32]` | empty |
//! | `kinds` | body kind `u16` ‖ journal record `u64` | entry id `[32]` |
//! | `forks` | author `[32]` ‖ seq `u64` | empty |
//!
//! Integers are big-endian, so keys sort in numeric order. The journal's charter is record 0,
//! so a fresh index has indexed 1 record.

use std::path::Path;

use super::error::StoreError;
use super::journal::{Contents, Held};
use crate::bundle;
use crate::entry::{ChannelId, EntryId, Seq};
use crate::keys::PartyId;

const META_KEY: &[u8] = b"indexed";

pub(super) struct Index {
    db: sled::Db,
    meta: sled::Tree,
    entries: sled::Tree,
    order: sled::Tree,
    feeds: sled::Tree,
    kinds: sled::Tree,
    forks: sled::Tree,
}

fn index_err(e: sled::Error) -> StoreError {
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

fn id_from(bytes: &[u8]) -> Option<EntryId> {
    bytes.try_into().ok().map(EntryId)
}

fn u64_from(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

fn feed_key(author: &PartyId, seq: Seq, id: &EntryId) -> Vec<u8> {
    let mut k = Vec::with_capacity(72);
    k.extend_from_slice(&author.0);
    k.extend_from_slice(&seq.0.to_be_bytes());
    k.extend_from_slice(&id.0);
    k
}

fn disagrees(record: u64, detail: String) -> StoreError {
    StoreError::IndexDisagrees { record, detail }
}

impl Index {
    /// Open (or create) the index.
    ///
    /// sled can panic on some damaged files rather than return an error; the panic is caught
    /// here and reported like any other failure to open.
    pub fn open(path: &Path) -> Result<Index, StoreError> {
        let open = || -> Result<Index, sled::Error> {
            let db = sled::Config::new().path(path).flush_every_ms(None).open()?;
            Ok(Index {
                meta: db.open_tree("meta")?,
                entries: db.open_tree("entries")?,
                order: db.open_tree("order")?,
                feeds: db.open_tree("feeds")?,
                kinds: db.open_tree("kinds")?,
                forks: db.open_tree("forks")?,
                db,
            })
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

    /// Check the index against the journal and index what it lacks. Returns how many records
    /// were indexed now.
    pub fn bring_level(&self, channel: &ChannelId, j: &Contents) -> Result<u64, StoreError> {
        let total = u64::try_from(j.entries.len())
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let meta = self.meta.get(META_KEY).map_err(index_err)?;
        let indexed = match &meta {
            Some(v) => {
                let (records, bytes, ch) = match (
                    v.get(..8).and_then(u64_from),
                    v.get(8..16).and_then(u64_from),
                    v.get(16..).and_then(id_from),
                ) {
                    (Some(r), Some(b), Some(c)) => (r, b, ChannelId(c.0)),
                    _ => return Err(disagrees(0, "its position record is damaged".into())),
                };
                if ch != *channel {
                    return Err(disagrees(
                        0,
                        format!(
                            "it indexes channel {}, the journal holds {}",
                            ch.short(),
                            channel.short()
                        ),
                    ));
                }
                if records == 0 || records > total {
                    return Err(disagrees(
                        records,
                        format!("it has indexed {records} records, the journal holds {total}"),
                    ));
                }
                let end = match records.checked_sub(2) {
                    None => j.charter_end,
                    Some(last) => entry_at(j, last).map_or(0, end_of),
                };
                if bytes != end {
                    return Err(disagrees(
                        records,
                        format!(
                            "it has indexed {bytes} journal bytes, but its {records} records end at byte {end}"
                        ),
                    ));
                }
                records
            }
            None => {
                if !(self.entries.is_empty() && self.order.is_empty() && self.feeds.is_empty()) {
                    return Err(disagrees(
                        0,
                        "it holds entries but no position record".into(),
                    ));
                }
                1
            }
        };
        // Every position the index holds, including any beyond its position record (an update
        // cut short by a crash), must name the journal's entry there.
        for item in self.order.iter() {
            let (k, v) = item.map_err(index_err)?;
            let record = u64_from(&k).unwrap_or(u64::MAX);
            match record.checked_sub(1).and_then(|i| entry_at(j, i)) {
                Some(h) if id_from(&v) == Some(h.id) => {}
                Some(h) => {
                    return Err(disagrees(
                        record,
                        format!("the journal holds entry {} there", h.id.short()),
                    ));
                }
                None => return Err(disagrees(record, "the journal has no entry there".into())),
            }
        }
        for record in 1..indexed {
            if !self
                .order
                .contains_key(record.to_be_bytes())
                .map_err(index_err)?
            {
                return Err(disagrees(
                    record,
                    "the index has no entry at this position".into(),
                ));
            }
        }
        let todo = usize::try_from(indexed.saturating_sub(1))
            .ok()
            .and_then(|start| j.entries.get(start..))
            .unwrap_or_default();
        if todo.is_empty() && meta.is_some() {
            return Ok(0);
        }
        for h in todo {
            self.add(h)?;
        }
        let len = j.entries.last().map_or(j.charter_end, end_of);
        self.set_position(total, len, channel)?;
        Ok(u64::try_from(todo.len()).unwrap_or(u64::MAX))
    }

    /// Index one entry (idempotent).
    pub fn add(&self, h: &Held) -> Result<(), StoreError> {
        let header = h.signed.header();
        let mut value = Vec::with_capacity(h.bytes.len().saturating_add(16));
        value.extend_from_slice(&h.record.to_be_bytes());
        value.extend_from_slice(&h.offset.to_be_bytes());
        value.extend_from_slice(&h.bytes);
        self.entries.insert(h.id.0, value).map_err(index_err)?;
        self.order
            .insert(h.record.to_be_bytes(), &h.id.0)
            .map_err(index_err)?;
        let mut at = Vec::with_capacity(40);
        at.extend_from_slice(&header.author.0);
        at.extend_from_slice(&header.seq.0.to_be_bytes());
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
        Ok(())
    }

    /// Record that the first `records` journal records (`bytes` bytes) are indexed, and flush.
    pub fn set_position(
        &self,
        records: u64,
        bytes: u64,
        channel: &ChannelId,
    ) -> Result<(), StoreError> {
        let mut v = Vec::with_capacity(48);
        v.extend_from_slice(&records.to_be_bytes());
        v.extend_from_slice(&bytes.to_be_bytes());
        v.extend_from_slice(&channel.0);
        self.meta.insert(META_KEY, v).map_err(index_err)?;
        self.db.flush().map_err(index_err)?;
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
            let k = k.map_err(index_err)?;
            if let (Some(seq), Some(id)) = (
                k.get(32..40).and_then(u64_from),
                k.get(40..).and_then(id_from),
            ) {
                out.push((Seq(seq), id));
            }
        }
        Ok(out)
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

/// Byte offset just past an entry's record.
pub(super) fn end_of(h: &Held) -> u64 {
    h.offset
        .saturating_add(u64::try_from(h.bytes.len()).unwrap_or(u64::MAX))
        .saturating_add(u64::try_from(bundle::RECORD_OVERHEAD).unwrap_or(u64::MAX))
}

/// The journal's entry number `i` (record `i + 1`).
fn entry_at(j: &Contents, i: u64) -> Option<&Held> {
    usize::try_from(i).ok().and_then(|i| j.entries.get(i))
}
