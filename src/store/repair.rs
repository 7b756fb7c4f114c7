//! [`Store::repair`](super::Store::repair): rebuild the journal from its whole records and the
//! index's copies of the rest, then the index from the journal.
//!
//! 1. The journal is read leniently. A damaged header is rewritten (it is fixed bytes). A
//!    damaged, cut or missing charter record is rebuilt from the founder's charter entry
//!    (seq 0, whose body is the charter), if the journal — or else the index — holds it
//!    intact and signed, its charter's id is the channel it names, and every entry among it
//!    names that channel (`charter_from_founder`); the record held the charter's canonical
//!    bytes, so the records after it start where that encoding ends. The damaged header's
//!    and record's bytes count as damage. Without that the journal is refused and left as it
//!    is. After the charter, every
//!    well-formed record is kept wherever it stands, and each run of bytes between
//!    well-formed records is **damage**. The end of the file from the last well-formed record,
//!    when none follows, is a **torn tail**, as is an incomplete batch at the end (the records
//!    after a batch marker that announces more): an interrupted write, never reported done.
//! 2. The index's copies (`Index::copies`) are read, if the index opens. Each is placed at the
//!    byte offset it had in the journal: records are laid end to end from the charter's end
//!    in journal position order, and an entry's place must be the offset the index keeps for
//!    it. Each must be intact: an entry must decode canonically to the id the index files it
//!    under, be of this channel, by one of its parties, with a valid signature; a note record
//!    must decode to the key the index files it under. The copies are used only if the index
//!    is this journal's: at every byte offset where the journal holds a whole record, the index
//!    must place that same record or none, and no copy may straddle one.
//! 3. The rebuilt journal is the charter, then every whole record of the journal and every
//!    copy of a record the journal lacks, by byte offset (so in journal order), one record
//!    each: written whole by temporary file, sync, rename and directory sync (no batch markers:
//!    the file is new as a whole). The bytes from the first damage on are kept in
//!    `journal.damaged-at-<offset>`. When there is no damage and nothing to recover, the
//!    journal is only cut at its torn tail, as opening would.
//! 4. Records in the damaged bytes that no copy stands for are lost, counted by their framing
//!    where it is readable.
//! 5. A damaged `config.json` is moved aside and rebuilt, its marks from the feeds held
//!    (`config::rebuild`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::Path;

use super::config;
use super::damage::corrupt;
use super::error::{FeedBehind, RepairReport, StoreError};
use super::index::{Index, IndexCopy, Meta, note_key};
use super::journal::{
    self, Access, BATCH_RECORD_LEN, Journal, io_err, len64, write_atomically, write_side_file,
};
use super::{INDEX, remove_dir_if_any};
use crate::bundle::{self, NoteRecord, RecordKind};
use crate::chain;
use crate::charter::Charter;
use crate::entry::{Body, ChannelId, EntryId, SignedEntry};

/// What a data record is, so that the same record is recognised in the journal and the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Ident {
    Entry(EntryId),
    Note([u8; 32]),
}

/// A record to write into the rebuilt journal, at the byte offset it had.
#[derive(Debug, Clone)]
struct Keep {
    offset: u64,
    kind: RecordKind,
    payload: Vec<u8>,
    ident: Ident,
}

fn record_size(payload: usize) -> u64 {
    len64(payload).saturating_add(len64(bundle::RECORD_OVERHEAD))
}

/// The journal read leniently.
struct Walk {
    charter: Charter,
    /// The founder's charter entry the charter was rebuilt from, if its record was damaged.
    charter_rebuilt_from: Option<EntryId>,
    charter_end: u64,
    /// Every whole record after the charter (batch markers included) by offset: its end, and
    /// what it is if it is a signed entry or note that decodes.
    whole: BTreeMap<u64, (u64, Option<Ident>)>,
    /// The whole signed entries and notes, in file order.
    kept: Vec<Keep>,
    /// Runs of damaged bytes `[start, end)`, in order (a whole record that does not decode
    /// counts as damage too).
    damaged: Vec<(u64, u64)>,
    /// Where the torn tail starts (the file's length if there is none).
    torn: u64,
    /// Whole records not kept: an incomplete batch at the end, records that do not decode.
    dropped: u64,
}

fn ident_of(kind: RecordKind, payload: &[u8]) -> Option<Ident> {
    match kind {
        RecordKind::Entry => SignedEntry::decode(payload)
            .ok()
            .and_then(|s| s.id().ok())
            .map(Ident::Entry),
        RecordKind::Note => NoteRecord::decode(payload)
            .ok()
            .map(|n| Ident::Note(note_key(&n.note))),
        RecordKind::Charter | RecordKind::Batch | RecordKind::Consistency => None,
    }
}

fn walk(path: &Path, bytes: &[u8], index: &[IndexCopy]) -> Result<Walk, StoreError> {
    let mut damaged = Vec::new();
    // The header is fixed bytes: a damaged one is rewritten, if what follows it is a journal.
    let header_damaged = bundle::check_header(bytes).is_err();
    if header_damaged {
        damaged.push((0, len64(bundle::HEADER_LEN.min(bytes.len()))));
    }
    let read_charter = bundle::parse_record(bytes, bundle::HEADER_LEN, 0)
        .map_err(|e| (bundle::HEADER_LEN, e.to_string()))
        .and_then(|r| {
            if r.kind != RecordKind::Charter {
                return Err((r.offset, "the first record is not the charter".to_owned()));
            }
            Charter::decode(r.payload)
                .map(|c| (c, r.end()))
                .map_err(|e| (r.offset, e.to_string()))
        });
    let (charter, charter_end, charter_rebuilt_from) = match read_charter {
        Ok((c, end)) => (c, end, None),
        Err((offset, what)) => {
            let journal_entries = whole_entries(bytes);
            let index_entries = index
                .iter()
                .filter(|c| c.kind == RecordKind::Entry)
                .filter_map(|c| SignedEntry::decode(&c.payload).ok());
            let (c, id) = charter_from_founder(&journal_entries)
                .or_else(|why| {
                    charter_from_founder(&index_entries.collect::<Vec<_>>()).map_err(|_| why)
                })
                .map_err(|why| {
                    corrupt(
                        path,
                        len64(offset),
                        0,
                        format!(
                            "the charter record is damaged ({what}) and cannot be rebuilt: {why}"
                        ),
                    )
                })?;
            // The charter record held the charter's canonical bytes, so it ended here.
            let end = bundle::HEADER_LEN
                .saturating_add(c.encode()?.len())
                .saturating_add(bundle::RECORD_OVERHEAD);
            damaged.push((
                len64(bundle::HEADER_LEN),
                len64(end.min(bytes.len()).max(bundle::HEADER_LEN)),
            ));
            (c, end, Some(id))
        }
    };
    let mut records = Vec::new();
    let mut torn = bytes.len();
    let mut at = charter_end;
    while at < bytes.len() {
        match bundle::parse_record(bytes, at, records.len().saturating_add(1)) {
            Ok(r) => {
                at = r.end();
                records.push(r);
            }
            Err(_) => match bundle::next_good_record(bytes, at.saturating_add(1)) {
                Some(next) => {
                    damaged.push((len64(at), len64(next)));
                    at = next;
                }
                None => {
                    torn = at;
                    break;
                }
            },
        }
    }
    let mut dropped = 0u64;
    // An incomplete batch at the end, with no damage after its marker, is a torn write.
    if let Some(m) = records.iter().rposition(|r| r.kind == RecordKind::Batch)
        && let Some(marker) = records.get(m).copied()
        && let Ok(count) = bundle::batch_count(&marker)
    {
        let after = records.get(m.saturating_add(1)..).unwrap_or_default();
        let whole_after = after
            .iter()
            .all(|r| matches!(r.kind, RecordKind::Entry | RecordKind::Note));
        let damage_after = damaged.iter().any(|(s, _)| *s > len64(marker.offset));
        if after.len() < usize::try_from(count).unwrap_or(usize::MAX)
            && whole_after
            && !damage_after
        {
            dropped = len64(after.len());
            torn = marker.offset;
            records.truncate(m);
        }
    }
    let mut whole = BTreeMap::new();
    let mut kept = Vec::new();
    for r in &records {
        let (offset, end) = (len64(r.offset), len64(r.end()));
        if r.kind == RecordKind::Batch {
            whole.insert(offset, (end, None));
            continue;
        }
        match ident_of(r.kind, r.payload) {
            Some(ident) => {
                whole.insert(offset, (end, Some(ident)));
                kept.push(Keep {
                    offset,
                    kind: r.kind,
                    payload: r.payload.to_vec(),
                    ident,
                });
            }
            None => {
                dropped = dropped.saturating_add(1);
                damaged.push((offset, end));
            }
        }
    }
    damaged.sort_unstable();
    Ok(Walk {
        charter,
        charter_rebuilt_from,
        charter_end: len64(charter_end),
        whole,
        kept,
        damaged,
        torn: len64(torn),
        dropped,
    })
}

/// Every signed entry that decodes among the well-formed records of `bytes` after the header
/// (wherever they stand: what precedes them may be damaged).
fn whole_entries(bytes: &[u8]) -> Vec<SignedEntry> {
    let mut entries = Vec::new();
    let Some(mut at) = bundle::next_good_record(bytes, bundle::HEADER_LEN) else {
        return entries;
    };
    while at < bytes.len() {
        match bundle::parse_record(bytes, at, 0) {
            Ok(r) => {
                if r.kind == RecordKind::Entry
                    && let Ok(e) = SignedEntry::decode(r.payload)
                {
                    entries.push(e);
                }
                at = r.end();
            }
            Err(_) => match bundle::next_good_record(bytes, at.saturating_add(1)) {
                Some(next) => at = next,
                None => break,
            },
        }
    }
    entries
}

/// Rebuild a damaged charter record from the founder's seq-0 entry, whose body is the
/// charter: among `entries` (the journal's whole ones, or the index's copies), an entry at
/// seq 0 with no previous entry, whose body is a charter that passes its rules, whose first
/// party (the founder) signed it (the signature verifies), and whose id is the channel the
/// entry names; and every one of `entries` must name that channel. Returns the charter and
/// the entry's id; or why it cannot.
fn charter_from_founder(entries: &[SignedEntry]) -> Result<(Charter, EntryId), String> {
    let found = entries.iter().find_map(|e| {
        let h = e.header();
        let Ok(Body::Charter(c)) = e.entry.body() else {
            return None;
        };
        let ok = h.seq.0 == 0
            && h.prev == EntryId::ZERO
            && chain::founder(&c) == Some(h.author)
            && c.check().is_ok()
            && c.id().ok() == Some(h.channel)
            && e.verify_signature().is_ok();
        ok.then(|| Some((c, h.channel, e.id().ok()?))).flatten()
    });
    let Some((charter, channel, id)) = found else {
        return Err(
            "neither the journal nor the index holds an intact charter entry (seq 0) signed by a charter's founder to rebuild it from"
                .into(),
        );
    };
    if let Some(other) = entries.iter().find(|e| e.header().channel != channel) {
        return Err(format!(
            "the founder's charter entry is of channel {}, but an entry of the journal is of channel {}",
            channel.short(),
            other.header().channel.short()
        ));
    }
    Ok((charter, id))
}

/// The index's copies, placed and checked.
struct Copies {
    /// Every intact copy of a signed entry or note, by offset.
    records: Vec<Keep>,
    /// The byte spans every copy (batch markers included) stands for, by offset: what the
    /// damaged bytes held there is not lost.
    spans: BTreeMap<u64, u64>,
    /// What the copy at each offset is (not for batch markers).
    idents: HashMap<u64, Ident>,
}

/// Whether `c`, an entry copy the index files under `id`, is intact and of this channel.
fn entry_intact(c: &IndexCopy, charter: &Charter, channel: &ChannelId) -> Option<EntryId> {
    let signed = SignedEntry::decode(&c.payload).ok()?;
    let id = signed.id().ok()?;
    let h = signed.header();
    let ok = id.0.as_slice() == c.key.as_slice()
        && signed.encode().ok()? == c.payload
        && h.channel == *channel
        && charter.party(&h.author).is_some()
        && signed.verify_signature().is_ok();
    ok.then_some(id)
}

/// The index's position record and copies, as they are (none if there is no index), or why
/// they cannot be read. The index is closed again before this returns.
fn read_index(dir: &Path) -> Result<(Option<Meta>, Vec<IndexCopy>), String> {
    let path = dir.join(INDEX);
    if !path.exists() {
        return Ok((None, Vec::new()));
    }
    Index::open_as_is(&path)
        .and_then(|index| index.copies())
        .map_err(|e| format!("the index cannot be read: {e}"))
}

/// Place and check the index's copies. `Err` says why none can be used.
fn copies(
    (meta, raw): (Option<Meta>, Vec<IndexCopy>),
    w: &Walk,
    channel: &ChannelId,
) -> Result<Copies, String> {
    let none = Copies {
        records: Vec::new(),
        spans: BTreeMap::new(),
        idents: HashMap::new(),
    };
    if let Some(m) = meta
        && m.channel != *channel
    {
        return Err(format!(
            "the index is of channel {}, the journal of {}",
            m.channel.short(),
            channel.short()
        ));
    }
    let mut out = none;
    let mut offset = w.charter_end;
    for (expected, c) in (1u64..).zip(&raw) {
        if c.record != expected {
            return Err(format!(
                "the index holds no copy of journal record {expected}, so it cannot place the \
                 records after it"
            ));
        }
        if let Some(kept) = c.offset
            && kept != offset
        {
            return Err(format!(
                "the index keeps byte offset {kept} for journal record {expected}, but its \
                 records before it end at {offset}"
            ));
        }
        let size = match c.kind {
            RecordKind::Batch => BATCH_RECORD_LEN,
            _ => record_size(c.payload.len()),
        };
        let ident = match c.kind {
            RecordKind::Entry => entry_intact(c, &w.charter, channel).map(Ident::Entry),
            RecordKind::Note => NoteRecord::decode(&c.payload)
                .ok()
                .map(|n| note_key(&n.note))
                .filter(|k| k.as_slice() == c.key.as_slice())
                .map(Ident::Note),
            RecordKind::Batch | RecordKind::Charter | RecordKind::Consistency => None,
        };
        if c.kind == RecordKind::Batch || ident.is_some() {
            out.spans.insert(offset, size);
        }
        if let Some(ident) = ident {
            out.idents.insert(offset, ident);
            out.records.push(Keep {
                offset,
                kind: c.kind,
                payload: c.payload.clone(),
                ident,
            });
        }
        offset = offset.saturating_add(size);
    }
    // The index must be this journal's: where the journal holds a whole record, the index
    // places the same one or none, and none of its copies straddles one.
    for (&start, &size) in &out.spans {
        let end = start.saturating_add(size);
        let clash =
            |why: &str| format!("it is not this journal's index: {why} at byte offset {start}");
        if start < w.charter_end {
            return Err(clash("it places a record inside the charter"));
        }
        if let Some((&s, &(e, _))) = w.whole.range(..start).next_back()
            && e > start
        {
            return Err(clash(&format!(
                "it places a record inside the journal's record at {s}"
            )));
        }
        if w.whole.range(start.saturating_add(1)..end).next().is_some() {
            return Err(clash(
                "its record there spans the start of another of the journal's",
            ));
        }
        if let Some(&(e, ident)) = w.whole.get(&start) {
            let same = e == end && ident.as_ref() == out.idents.get(&start);
            if !same {
                return Err(clash("it holds another record than the journal"));
            }
        }
    }
    Ok(out)
}

/// Records in `[start, end)` of `bytes` that no copy stands for.
fn lost_in(bytes: &[u8], (start, end): (u64, u64), spans: &BTreeMap<u64, u64>) -> u64 {
    let mut lost = 0u64;
    let mut at = start;
    while at < end {
        if let Some(&size) = spans.get(&at) {
            at = at.saturating_add(size);
            continue;
        }
        let i = usize::try_from(at).unwrap_or(usize::MAX);
        let framed = bytes
            .get(i)
            .and_then(|&k| RecordKind::from_code(k))
            .zip(
                bytes
                    .get(i.saturating_add(1)..i.saturating_add(5))
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_be_bytes),
            )
            .map(|(kind, len)| {
                (
                    kind,
                    record_size(usize::try_from(len).unwrap_or(usize::MAX)),
                )
            })
            .filter(|(_, size)| at.saturating_add(*size) <= end);
        match framed {
            Some((kind, size)) => {
                if kind != RecordKind::Batch {
                    lost = lost.saturating_add(1);
                }
                at = at.saturating_add(size);
            }
            None => {
                // Unreadable framing: one record, up to the next copy in the run, if any.
                lost = lost.saturating_add(1);
                match spans.range(at.saturating_add(1)..end).next() {
                    Some((&next, _)) => at = next,
                    None => break,
                }
            }
        }
    }
    lost
}

/// Repair the store in `dir`, whose lock the caller holds.
pub(super) fn run(dir: &Path) -> Result<RepairReport, StoreError> {
    let path = dir.join(journal::FILE);
    let bytes = fs::read(&path).map_err(io_err("read", &path))?;
    let index = read_index(dir);
    let w = walk(
        &path,
        &bytes,
        index.as_ref().map_or(&[], |(_, c)| c.as_slice()),
    )?;
    let channel = w.charter.id()?;
    let mut report = RepairReport {
        charter_rebuilt_from: w.charter_rebuilt_from,
        records_dropped: w.dropped,
        damaged_bytes: w.damaged.iter().map(|(s, e)| e.saturating_sub(*s)).sum(),
        torn_bytes_cut: len64(bytes.len()).saturating_sub(w.torn),
        ..RepairReport::default()
    };

    let copies = match index.and_then(|raw| copies(raw, &w, &channel)) {
        Ok(c) => c,
        Err(why) => {
            report.index_not_used = Some(why);
            Copies {
                records: Vec::new(),
                spans: BTreeMap::new(),
                idents: HashMap::new(),
            }
        }
    };
    let mut seen: HashSet<Ident> = w.kept.iter().map(|k| k.ident).collect();
    let mut all = w.kept.clone();
    for c in copies.records {
        if seen.insert(c.ident) {
            match c.kind {
                RecordKind::Entry => {
                    report.entries_recovered = report.entries_recovered.saturating_add(1)
                }
                _ => report.notes_recovered = report.notes_recovered.saturating_add(1),
            }
            all.push(c);
        }
    }
    // A rewritten header and a rebuilt charter record are not lost.
    let charter_span = w.charter_rebuilt_from.map(|_| len64(bundle::HEADER_LEN));
    report.records_lost = w
        .damaged
        .iter()
        .filter(|(start, _)| *start != 0 && Some(*start) != charter_span)
        .map(|span| lost_in(&bytes, *span, &copies.spans))
        .sum();

    let recovered = report
        .entries_recovered
        .saturating_add(report.notes_recovered);
    if !w.damaged.is_empty() || recovered > 0 {
        all.sort_by_key(|k| k.offset);
        let mut out = bundle::header();
        out.extend(bundle::record(RecordKind::Charter, &w.charter.encode()?)?);
        for k in &all {
            out.extend(bundle::record(k.kind, &k.payload)?);
        }
        if let Some(&(first, _)) = w.damaged.first() {
            let side = dir.join(format!("{}.damaged-at-{first}", journal::FILE));
            let from = usize::try_from(first).unwrap_or(usize::MAX);
            write_side_file(&side, bytes.get(from..).unwrap_or_default())?;
            report.damaged_kept_in = Some(side);
        }
        write_atomically(dir, &path, &out)?;
    } else if report.torn_bytes_cut > 0 {
        let f = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io_err("open", &path))?;
        f.set_len(w.torn)
            .and_then(|()| f.sync_all())
            .map_err(io_err("cut the torn tail of", &path))?;
    }

    let index_path = dir.join(INDEX);
    remove_dir_if_any(&index_path)?;
    let index = Index::open(&index_path)?;
    let (_journal, contents) = Journal::open(dir, Access::Write)?;
    index.bring_level(&channel, &contents)?;
    report.entries_indexed = len64(contents.entries().count());

    let mut held = Vec::new();
    let mut authors = HashSet::new();
    for e in contents.entries() {
        let author = e.signed.header().author;
        if authors.insert(author) {
            let len = index
                .last(&author)?
                .map_or(0, |(seq, _)| seq.0.saturating_add(1));
            held.push((author, len));
        }
    }
    let (config, rebuilt) = config::rebuild(dir, &w.charter, &held)?;
    report.config_kept_in = rebuilt.kept_in;
    report.identity_kept = rebuilt.identity_kept;
    report.marks_rebuilt = rebuilt
        .marks
        .iter()
        .map(|(party, seq)| (w.charter.label(party), *seq))
        .collect();
    for (party, signed) in config.marks() {
        let held = index
            .last(&party)?
            .map_or(0, |(seq, _)| seq.0.saturating_add(1));
        if held <= signed {
            report.feeds_behind.push(FeedBehind {
                name: w.charter.label(&party),
                party,
                signed,
                held,
            });
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// Three records of payloads of 10, 20 and 30 bytes, laid end to end from offset 0.
    fn three() -> (Vec<u8>, Vec<u64>) {
        let mut bytes = Vec::new();
        let mut starts = Vec::new();
        for n in [10usize, 20, 30] {
            starts.push(len64(bytes.len()));
            bytes.extend(bundle::record(RecordKind::Entry, &vec![7u8; n]).unwrap());
        }
        (bytes, starts)
    }

    #[test]
    fn lost_records_are_counted_by_copies_then_framing() {
        let (mut bytes, starts) = three();
        let all = (0, len64(bytes.len()));
        let sizes: Vec<u64> = [10usize, 20, 30].iter().map(|n| record_size(*n)).collect();
        // Readable framing, no copies: three records lost.
        assert_eq!(lost_in(&bytes, all, &BTreeMap::new()), 3);
        // A copy of the middle one: two.
        let middle = BTreeMap::from([(starts[1], sizes[1])]);
        assert_eq!(lost_in(&bytes, all, &middle), 2);
        // Copies of all: none.
        let every: BTreeMap<u64, u64> = starts.iter().copied().zip(sizes.iter().copied()).collect();
        assert_eq!(lost_in(&bytes, all, &every), 0);
        // The first record's kind byte unreadable: one record up to the next copy, then
        // what framing still says.
        bytes[0] = 0xee;
        assert_eq!(lost_in(&bytes, all, &middle), 2);
        assert_eq!(lost_in(&bytes, all, &BTreeMap::new()), 1);
        // A batch marker in the damage is not a lost record.
        let mut marked = bundle::batch_record(2).unwrap();
        marked.extend(three().0);
        assert_eq!(
            lost_in(&marked, (0, len64(marked.len())), &BTreeMap::new()),
            3
        );
    }
}
