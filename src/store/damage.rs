//! Telling a torn tail from damage in the journal's bytes, and saying where the damage is.
//!
//! A **torn tail** is what an interrupted write leaves at the end of the file: from the first
//! record that is cut short or fails its check, when no well-formed record follows it, or
//! from the last batch marker, when fewer records follow it than it announces. Anything else
//! that is not whole — a bad record with a well-formed one after it, a batch marker that
//! breaks the rules — is **damage** ([`Damage`]).

use std::path::Path;

use super::error::StoreError;
use super::journal::len64;
use crate::bundle::{self, BundleError, Scan};

/// Damage found in the journal: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Damage {
    pub offset: u64,
    pub record: u64,
    pub what: String,
}

impl Damage {
    /// The error for a reader.
    pub(super) fn refused(&self, path: &Path) -> StoreError {
        corrupt(
            path,
            self.offset,
            self.record,
            format!(
                "{}. This is damage, not an interrupted write: `hotline repair` rebuilds the \
                 journal from its whole records and the index's copies of the damaged ones \
                 (where it has them), and keeps the damaged bytes in a side file",
                self.what
            ),
        )
    }

    /// The error for a write.
    pub(super) fn write_refused(&self, path: &Path) -> StoreError {
        corrupt(
            path,
            self.offset,
            self.record,
            format!(
                "{}. Nothing was written: a store whose journal is damaged takes no writes, so \
                 that nothing is signed or kept on top of the damage. `hotline repair` rebuilds \
                 the journal from its whole records and the index's copies of the damaged ones \
                 (where it has them), and keeps the damaged bytes in a side file",
                self.what
            ),
        )
    }
}

/// The error for damage at `offset` (record `record`).
pub(super) fn corrupt(path: &Path, offset: u64, record: u64, detail: String) -> StoreError {
    StoreError::JournalCorrupt {
        path: path.to_path_buf(),
        offset,
        record,
        detail,
    }
}

/// The error for damage to the journal's header or charter record, at `offset`: mended by
/// `hotline repair` (the header is fixed bytes; the charter is rebuilt from the founder's
/// charter entry).
pub(super) fn head_damaged(path: &Path, offset: u64, what: String) -> StoreError {
    corrupt(
        path,
        offset,
        0,
        format!(
            "{what}. `hotline repair` rewrites the header and rebuilds the charter record from \
             the founder's charter entry (seq 0), from the journal or the index's copy of it"
        ),
    )
}

/// The position and offset a record-level error names.
pub(super) fn place(e: &BundleError) -> Option<(usize, usize)> {
    match e {
        BundleError::Truncated { index, offset, .. }
        | BundleError::UnknownKind { index, offset, .. }
        | BundleError::TooLong { index, offset, .. }
        | BundleError::BadCheck { index, offset }
        | BundleError::BadBatch { index, offset, .. }
        | BundleError::IncompleteBatch { index, offset, .. } => Some((*index, *offset)),
        _ => None,
    }
}

/// A record-level error found in bytes that start at file offset `base`, with its offset made
/// a file offset.
pub(super) fn rebase(e: BundleError, base: u64) -> BundleError {
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
        BundleError::BadBatch {
            index,
            offset,
            reason,
        } => BundleError::BadBatch {
            index,
            offset: at(offset),
            reason,
        },
        BundleError::IncompleteBatch {
            index,
            offset,
            count,
            found,
        } => BundleError::IncompleteBatch {
            index,
            offset: at(offset),
            count,
            found,
        },
        other => other,
    }
}

/// Where the whole writes among `scan`'s records end, as a length of `buf` (the file's bytes
/// from offset `base`, whose first record is record `first_index`), and how many records they
/// are. What follows is a torn tail. Damage followed by a well-formed record, or a batch
/// marker that breaks the rules, is not a torn tail.
pub(super) fn whole_len(
    buf: &[u8],
    (base, first_index): (u64, u64),
    scan: &Scan<'_>,
) -> Result<(usize, usize), Damage> {
    if let Some(stop) = &scan.stop
        && let Some(next) = bundle::next_good_record(buf, scan.valid_len.saturating_add(1))
    {
        return Err(Damage {
            offset: base.saturating_add(len64(scan.valid_len)),
            record: first_index.saturating_add(len64(scan.records.len())),
            what: format!(
                "{}; a well-formed record follows at byte offset {}",
                rebase(stop.clone(), base),
                base.saturating_add(len64(next))
            ),
        });
    }
    match bundle::whole_writes(&scan.records) {
        Ok(k) => Ok((scan.records.get(k).map_or(scan.valid_len, |r| r.offset), k)),
        Err(e) => {
            let (index, offset) = place(&e).unwrap_or((0, 0));
            Err(Damage {
                offset: base.saturating_add(len64(offset)),
                record: len64(index),
                what: rebase(e, base).to_string(),
            })
        }
    }
}

/// Check a whole journal, `bytes`, of which the store has written `written`: every record
/// whole, every batch complete — there is no torn tail in what the store has written.
pub(super) fn whole_journal(bytes: &[u8], written: u64) -> Result<Scan<'_>, Damage> {
    let scan = bundle::scan(bytes).map_err(|e| Damage {
        offset: 0,
        record: 0,
        what: e.to_string(),
    })?;
    judge(bytes, scan, (0, 0), written)
}

/// [`whole_journal`] for the journal's bytes from offset `base`, where record `first_index`
/// starts, when the records before were found sound already: `buf` is the file from `base` on.
pub(super) fn journal_after(
    buf: &[u8],
    (base, first_index): (u64, u64),
    written: u64,
) -> Result<(), Damage> {
    let first = usize::try_from(first_index).unwrap_or(usize::MAX);
    let scan = bundle::scan_from(buf, 0, first);
    judge(buf, scan, (base, first_index), written).map(|_| ())
}

/// Whether `scan` of `bytes` (the file from offset `base`, whose first record is record
/// `first_index`) holds only whole records and complete batches.
fn judge<'a>(
    bytes: &'a [u8],
    scan: Scan<'a>,
    (base, first_index): (u64, u64),
    written: u64,
) -> Result<Scan<'a>, Damage> {
    let damage = match (&scan.stop, bundle::whole_writes(&scan.records)) {
        (Some(stop), _) => Damage {
            offset: base.saturating_add(len64(scan.valid_len)),
            record: first_index.saturating_add(len64(scan.records.len())),
            what: match bundle::next_good_record(bytes, scan.valid_len.saturating_add(1)) {
                Some(next) => format!(
                    "{}; a well-formed record follows at byte offset {}",
                    rebase(stop.clone(), base),
                    base.saturating_add(len64(next))
                ),
                None => format!(
                    "{}, short of the {written} bytes the store has written",
                    rebase(stop.clone(), base)
                ),
            },
        },
        (None, Err(e)) => {
            let (index, offset) = place(&e).unwrap_or((0, 0));
            Damage {
                offset: base.saturating_add(len64(offset)),
                record: len64(index),
                what: rebase(e, base).to_string(),
            }
        }
        (None, Ok(k)) => match scan.records.get(k) {
            Some(marker) => Damage {
                offset: base.saturating_add(len64(marker.offset)),
                record: len64(k).saturating_add(first_index),
                what: "a batch marker announces more records than the journal holds".into(),
            },
            None => return Ok(scan),
        },
    };
    Err(damage)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::bundle::RecordKind;

    /// A journal of the charter and one batch of three entries (stand-in payloads).
    fn journal() -> (Vec<u8>, usize) {
        let (charter, entries) = crate::example::channel().unwrap();
        let mut bytes = bundle::header();
        bytes.extend(bundle::record(RecordKind::Charter, &charter.encode().unwrap()).unwrap());
        let marker = bytes.len();
        bytes.extend(bundle::batch_record(3).unwrap());
        for e in &entries[..3] {
            bytes.extend(bundle::record(RecordKind::Entry, e).unwrap());
        }
        (bytes, marker)
    }

    #[test]
    fn a_batch_cut_anywhere_is_torn_back_to_its_marker() {
        let (bytes, marker) = journal();
        for cut in marker..bytes.len() {
            let scan = bundle::scan(&bytes[..cut]).unwrap();
            let (keep, kept) = whole_len(&bytes[..cut], (0, 0), &scan).unwrap();
            assert_eq!((keep, kept), (marker, 1), "cut {cut}");
            // What the store has written has no torn tail: a cut inside it is damage.
            assert_eq!(
                whole_journal(&bytes[..cut], len64(cut)).is_err(),
                cut > marker,
                "cut {cut}"
            );
        }
        let scan = bundle::scan(&bytes).unwrap();
        assert_eq!(whole_len(&bytes, (0, 0), &scan).unwrap(), (bytes.len(), 5));
        assert!(whole_journal(&bytes, len64(bytes.len())).is_ok());
    }

    #[test]
    fn damage_inside_a_batch_with_whole_records_after_it_is_not_torn() {
        let (mut bytes, marker) = journal();
        // The first entry of the batch, damaged; two whole records follow.
        bytes[marker + 30] ^= 1;
        let scan = bundle::scan(&bytes).unwrap();
        let d = whole_len(&bytes, (100, 7), &scan).unwrap_err();
        assert_eq!(d.offset, 100 + len64(marker) + 17);
        assert_eq!(d.record, 7 + 2);
        assert!(
            d.what.contains("a well-formed record follows"),
            "{}",
            d.what
        );
        let d = whole_journal(&bytes, len64(bytes.len())).unwrap_err();
        assert_eq!(d.offset, len64(marker) + 17);
    }
}
