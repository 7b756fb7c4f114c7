//! Writing to the store: appending one's own entries, importing and exporting bundles, and
//! verifying what the store holds.

use std::collections::{BTreeMap, HashSet};

use super::journal::Held;
use super::{ImportReport, Store, StoreError, index_failed};
use crate::bundle::{self, RecordKind};
use crate::chain;
use crate::entry::{Body, EntryId, Seq, SignedEntry, Timestamp};
use crate::keys::{PartyId, SecretKey};
use crate::verify::{self, Finding, FindingKind, ForkProof, Level, Options, Report};

/// A new entry about to be written.
struct New {
    id: EntryId,
    signed: SignedEntry,
    bytes: Vec<u8>,
}

/// What a verification of the store plus new entries added to the store's own report.
struct Added {
    forks: Vec<ForkProof>,
    warnings: Vec<Finding>,
}

/// How two findings are told apart across two runs of the verifier (the input position is
/// left out: it is the same for the store's entries in both).
type Key = (
    FindingKind,
    Option<PartyId>,
    Option<u64>,
    Option<EntryId>,
    String,
);

fn key(f: &Finding) -> Key {
    (f.kind, f.author, f.seq, f.entry, f.message.clone())
}

impl Store {
    /// Sign `body` as the next entry of `key`'s feed, at claimed time `now` (raised to the
    /// feed's last time if the clock is behind it), and store it: journal, `sync_data`, index.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAParty`] if `key` is not a party of the charter;
    /// [`StoreError::Forked`] if the party's feed as held has a fork;
    /// [`StoreError::Rejected`] if the entry would not verify (for example an
    /// acknowledgement whose view does not match, or a first entry that is not the party's
    /// acceptance); or an I/O or index error. Nothing is written unless `Ok` is returned.
    pub fn append(
        &mut self,
        key: &SecretKey,
        body: &Body,
        now: Timestamp,
    ) -> Result<SignedEntry, StoreError> {
        self.usable()?;
        let me = key.party();
        let party = self
            .charter
            .party(&me)
            .ok_or(StoreError::NotAParty { key: me })?
            .name
            .clone();
        let feed = self.index.feed(&me)?;
        if let Some(w) = feed.windows(2).find(|w| matches!(w, [a, b] if a.0 == b.0)) {
            let seq = w.first().map_or(Seq(0), |(s, _)| *s);
            return Err(StoreError::Forked { party, seq });
        }
        let head = self.head(&me)?;
        let (signed, head) = chain::sign_next(key, self.channel, head.as_ref(), now, body)?;
        let bytes = signed.encode()?;
        let new = New {
            id: head.id,
            signed: signed.clone(),
            bytes,
        };
        let mut candidates = vec![new.bytes.clone()];
        self.accept(&mut candidates, vec![new], Options::default())?;
        Ok(signed)
    }

    /// Import a bundle: read it strictly, check it is this channel's, and verify the store's
    /// entries plus the bundle's. If that adds any error-level finding other than a fork, refuse
    /// the whole bundle and write nothing. Otherwise append every entry not already held in one
    /// write, `sync_data`, and index them. Forks are accepted, both entries kept as evidence.
    /// Importing the same bundle twice adds nothing the second time.
    ///
    /// `now` is the verifier's clock, for the future-time warning.
    ///
    /// # Errors
    ///
    /// [`StoreError::Bundle`] for a damaged or malformed bundle, [`StoreError::WrongChannel`]
    /// for another channel's, [`StoreError::Rejected`] with the findings that refused it, or an
    /// I/O or index error.
    pub fn import(
        &mut self,
        bundle_bytes: &[u8],
        now: Option<Timestamp>,
    ) -> Result<ImportReport, StoreError> {
        self.usable()?;
        let b = bundle::read(bundle_bytes)?;
        if b.charter != self.charter {
            return Err(StoreError::WrongChannel {
                expected: self.channel,
                found: b.charter.id()?,
            });
        }
        let mut report = ImportReport::default();
        // Entries to verify with the store's (all but exact copies of what is held), and the
        // subset to write (decodable, with an id not held and not seen earlier in the bundle).
        let mut to_check: Vec<Vec<u8>> = Vec::new();
        let mut to_write: Vec<New> = Vec::new();
        let mut seen: HashSet<EntryId> = HashSet::new();
        let mut seen_bytes: HashSet<Vec<u8>> = HashSet::new();
        for bytes in b.entries {
            if seen_bytes.contains(&bytes) {
                report.already_held = report.already_held.saturating_add(1);
                continue;
            }
            let decoded = SignedEntry::decode(&bytes)
                .ok()
                .and_then(|s| s.id().ok().map(|id| (id, s)));
            if let Some((id, signed)) = decoded {
                let held = self.index.get(&id)?;
                if held.as_deref() == Some(bytes.as_slice()) {
                    report.already_held = report.already_held.saturating_add(1);
                    seen_bytes.insert(bytes);
                    continue;
                }
                if held.is_none() && seen.insert(id) {
                    to_write.push(New {
                        id,
                        signed,
                        bytes: bytes.clone(),
                    });
                } else {
                    // Same content as an entry held or met earlier, signed differently: checked,
                    // then skipped.
                    report.already_held = report.already_held.saturating_add(1);
                }
            }
            seen_bytes.insert(bytes.clone());
            to_check.push(bytes);
        }
        if to_check.is_empty() {
            return Ok(report);
        }
        let opts = Options {
            now,
            ..Options::default()
        };
        let new_ids: Vec<EntryId> = to_write.iter().map(|n| n.id).collect();
        let added = self.accept(&mut to_check, to_write, opts)?;
        report.new_entries = new_ids.len();
        report.new_ids = new_ids;
        report.forks = added.forks;
        report.warnings = added.warnings;
        Ok(report)
    }

    /// A bundle of the charter and every entry whose seq is at least `since[author]` (0 for an
    /// author not named), in journal order.
    ///
    /// # Errors
    ///
    /// An I/O error, or [`StoreError::JournalCorrupt`] if the journal changed underneath.
    pub fn export(&self, since: &BTreeMap<PartyId, u64>) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::new();
        for bytes in self.journal.entries()? {
            // The journal holds only entries that decoded when they were accepted.
            let keep = SignedEntry::decode(&bytes).is_ok_and(|e| {
                let h = e.header();
                h.seq.0 >= since.get(&h.author).copied().unwrap_or(0)
            });
            if keep {
                out.push(bytes);
            }
        }
        Ok(bundle::write(&self.charter, &out)?)
    }

    /// Verify everything the store holds, from the journal, from scratch.
    ///
    /// # Errors
    ///
    /// An I/O error, or [`StoreError::JournalCorrupt`] if the journal changed underneath.
    pub fn verify(&self, opts: Options) -> Result<Report, StoreError> {
        Ok(verify::verify(
            &self.charter,
            &self.journal.entries()?,
            opts,
        ))
    }

    /// Verify the store's entries followed by `candidates`; refuse if that adds an error-level
    /// finding other than a fork; else write `new` to the journal (one write, `sync_data`) and
    /// then to the index.
    fn accept(
        &mut self,
        candidates: &mut Vec<Vec<u8>>,
        new: Vec<New>,
        opts: Options,
    ) -> Result<Added, StoreError> {
        let mut all = self.journal.entries()?;
        let held = all.len();
        let baseline = match self.baseline.take() {
            Some(b) => b,
            None => verify::verify(&self.charter, &all, Options::default()),
        };
        all.append(candidates);
        let report = verify::verify(&self.charter, &all, opts);

        let mut before: BTreeMap<Key, usize> = BTreeMap::new();
        for f in &baseline.findings {
            *before.entry(key(f)).or_default() += 1;
        }
        let mut errors = Vec::new();
        let mut added = Added {
            forks: Vec::new(),
            warnings: Vec::new(),
        };
        for f in &report.findings {
            if let Some(n) = before.get_mut(&key(f)).filter(|n| **n > 0) {
                *n -= 1;
                continue;
            }
            match (f.level, f.kind) {
                (Level::Error, FindingKind::Fork) => added.forks.extend(f.evidence.clone()),
                (Level::Error, _) => errors.push(f.clone()),
                (Level::Warning, _) => {
                    if f.index.is_some_and(|i| i >= held) {
                        added.warnings.push(f.clone());
                    }
                }
            }
        }
        if !errors.is_empty() {
            self.baseline = Some(baseline);
            return Err(StoreError::Rejected { findings: errors });
        }
        if new.is_empty() {
            self.baseline = Some(baseline);
            return Ok(added);
        }

        let mut records = Vec::new();
        let mut offsets = Vec::with_capacity(new.len());
        for n in &new {
            offsets.push(u64::try_from(records.len()).unwrap_or(u64::MAX));
            records.extend(bundle::record(RecordKind::Entry, &n.bytes)?);
        }
        let first_record = self.journal.records;
        let count = u64::try_from(new.len()).unwrap_or(u64::MAX);
        let at = match self.journal.append(&records, count) {
            Ok(at) => at,
            Err(e) => {
                self.baseline = Some(baseline);
                return Err(e);
            }
        };
        // The entries are durable from here on; an index failure only leaves the index
        // behind, which the next open mends. The report is the store's own from now on, if
        // everything verified was written (not so for re-signed copies of held entries).
        self.baseline =
            (report.entries_checked == held.saturating_add(new.len())).then_some(report);
        let indexed = new
            .into_iter()
            .zip(offsets)
            .zip(0u64..)
            .try_for_each(|((n, offset), k)| {
                self.index.add(&Held {
                    record: first_record.saturating_add(k),
                    offset: at.saturating_add(offset),
                    id: n.id,
                    signed: n.signed,
                    bytes: n.bytes,
                })
            });
        let positioned = indexed.and_then(|()| {
            self.index
                .set_position(self.journal.records, self.journal.len, &self.channel)
        });
        if let Err(e) = positioned {
            let detail = format!(
                "the entries were saved in the journal, but the index could not be updated ({}); \
                 reopen the store to index them",
                index_failed(&e)
            );
            self.stale = Some(detail.clone());
            return Err(StoreError::Index { detail });
        }
        Ok(added)
    }
}
