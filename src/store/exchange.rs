//! Writing to the store: appending one's own entries, importing and exporting bundles, and
//! verifying what the store holds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::guard;
use super::index::note_key;
use super::journal::{Held, HeldNote};
use super::notes::{NoteCaps, NoteMeta, note_record};
use super::quarantine::Refused;
use super::{ImportReport, Store, StoreError, index_failed};
use crate::bundle::{self, NoteRecord, RecordKind};
use crate::chain;
use crate::entry::{Body, EntryId, Kind, Receipt, SignedEntry, Timestamp};
use crate::keys::{PartyId, SecretKey};
use crate::verify::{
    self, FORK_ENTRIES_KEPT, Finding, FindingKind, ForkProof, Level, Options, Report,
};

/// A new entry about to be written.
pub(super) struct New {
    id: EntryId,
    signed: SignedEntry,
    bytes: Vec<u8>,
}

/// What a verification of the store plus new entries added to the store's own report.
struct Added {
    forks: Vec<ForkProof>,
    warnings: Vec<Finding>,
    evidence: Vec<Finding>,
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

/// The note checker of [`Store::import`]: it takes no notes.
fn refuse_notes(_: &[u8]) -> Result<NoteMeta, String> {
    Err(
        "this import takes no signed notes (they need a note checker: see `Store::import_with`)"
            .into(),
    )
}

impl Store {
    /// Sign `body` as the next entry of `key`'s feed, at claimed time `now` (raised to the
    /// feed's last time if the clock is behind it), and store it: journal, `sync_data`, index.
    ///
    /// The entry is checked against the index alone (see the module docs), with O(log n)
    /// reads: content, placement, severity, references held and of the right kind, and an
    /// acknowledgement's view against the acknowledged feed's tree.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAParty`] if `key` is not a party of the charter;
    /// [`StoreError::Forked`] if the party's feed as held has a fork;
    /// [`StoreError::FeedWentBack`] if the party's feed as held ends before the highest seq
    /// this store has signed for it (the entry would fork the feed);
    /// [`StoreError::BehindMark`] or [`StoreError::BehindElsewhere`] if the party's
    /// high-water mark ([`Store::keep_high_water_in`]) or a signature the store holds says
    /// its feed is longer than held (see [`Store::may_sign`]); [`StoreError::MarkUnreadable`];
    /// [`StoreError::JournalCorrupt`] if the journal is damaged (the whole journal is checked
    /// before a store's first write); [`StoreError::ReadOnly`];
    /// [`StoreError::Rejected`] if the entry would not verify (for example an
    /// acknowledgement whose view does not match, or a first entry that is not the party's
    /// acceptance); or an I/O or index error. Nothing is written unless `Ok` is returned.
    ///
    /// Once the entry is written, the store records its seq as the highest it has signed for
    /// the party (in `config.json`), and in the party's high-water mark if it keeps one. If
    /// those cannot be written the append still succeeds (the entry is durable) and the next
    /// append writes them again.
    pub fn append(
        &mut self,
        key: &SecretKey,
        body: &Body,
        now: Timestamp,
    ) -> Result<SignedEntry, StoreError> {
        self.writable()?;
        let me = self.signer_for(key, body)?;
        let party = self
            .roster()?
            .party(&me)
            .ok_or(StoreError::NotAParty { key: me })?
            .name
            .clone();
        let revoking = match body {
            Body::Revoke(r) => Some(r.from.0),
            _ => None,
        };
        if let Some(seq) = self.config.foreign(&me)
            && revoking.is_none_or(|from| from > seq)
        {
            return Err(StoreError::SignedElsewhere { party, seq });
        }
        if let Some(seq) = self.index.first_fork(&me)? {
            return Err(StoreError::Forked { party, seq });
        }
        let mark = self.hold_mark(&me, revoking.is_some())?;
        let head = self.head(&me)?;
        let views = self.views_for(&me, body)?;
        let (signed, head) =
            chain::sign_next(key, me, self.channel, head.as_ref(), now, views, body)?;
        let findings = self.check_new(&signed, head.id)?;
        if !findings.is_empty() {
            return Err(StoreError::Rejected { findings });
        }
        let new = New {
            id: head.id,
            signed: signed.clone(),
            bytes: signed.encode()?,
        };
        let journal_len = self.journal.len;
        let written = self.write(vec![new], Vec::new());
        if self.journal.len != journal_len {
            // The entry is in the journal (even if the index then failed): it is signed. A mark
            // that cannot be saved now is saved by the next append.
            if let Some(from) = revoking {
                self.config.clear_foreign(&me, from);
            }
            guard::after_append(self, mark.as_ref(), &me, head.seq.0);
        }
        written?;
        // The cached report no longer covers every entry held; an entry that can put an
        // amendment in force (or take an acceptance out of its feed) asks for the roster anew.
        self.baseline = None;
        if super::roster::may_change_roster(signed.entry.kind) {
            self.set_roster(None);
        }
        Ok(signed)
    }

    /// Sign `key`'s receipt for what `imported` brought: a [`Receipt`] naming every other
    /// party's feed that gained entries other than receipts (receipts are not receipted, so two
    /// parties' exchanges converge), its header views of them being the evidence. Returns
    /// `None`, signing nothing, when there is nothing to receipt.
    ///
    /// # Errors
    ///
    /// As [`Store::append`].
    pub fn sign_receipt(
        &mut self,
        key: &SecretKey,
        imported: &ImportReport,
        now: Timestamp,
    ) -> Result<Option<SignedEntry>, StoreError> {
        let me = self.signer_for(key, &Body::Receipt(Receipt { feeds: Vec::new() }))?;
        let mut feeds = BTreeSet::new();
        for id in &imported.new_ids {
            let Some(e) = self.get(id)? else { continue };
            let h = e.header();
            if h.author != me
                && Kind::from_code(e.entry.kind) != Some(Kind::Receipt)
                && self.tree_size(&h.author)? > 0
            {
                feeds.insert(h.author);
            }
        }
        if feeds.is_empty() {
            return Ok(None);
        }
        let body = Body::Receipt(Receipt {
            feeds: feeds.into_iter().collect(),
        });
        self.append(key, &body, now).map(Some)
    }

    /// Import a bundle that holds no signed notes: [`Store::import_with`] with a note checker
    /// that refuses every note.
    ///
    /// # Errors
    ///
    /// As [`Store::import_with`]; a bundle with a note record is refused with
    /// [`StoreError::BadNote`].
    pub fn import(
        &mut self,
        bundle_bytes: &[u8],
        now: Option<Timestamp>,
    ) -> Result<ImportReport, StoreError> {
        self.import_with(bundle_bytes, now, refuse_notes)
    }

    /// Import a bundle: read it strictly, check it is this channel's, check every signed note
    /// with `check_note` (which parses and verifies the note and returns what it states), and
    /// verify the store's entries plus the bundle's. If a note is refused or states other than
    /// its record says, or the entries add any error-level finding other than a fork, refuse
    /// the whole bundle and write nothing. Otherwise append every entry not already held, then
    /// every note not already held (same bytes), in one write, `sync_data`, and index them.
    /// Forks are accepted, both entries kept as evidence; a third different entry of one
    /// party at one seq (and any more) is counted, not written ([`ImportReport::not_kept`]).
    /// Importing the same bundle twice adds
    /// nothing the second time.
    ///
    /// A bundle refused for what it holds ([`StoreError::BadNote`], [`StoreError::Rejected`])
    /// still leaves what it proves: the forks, double signatures and split views that the
    /// store's entries and notes with the bundle's show, and the bundle's notes that
    /// `check_note` accepted, are kept in the quarantine (durably, before this returns; at
    /// most [`MAX_BYTES_PER_IMPORT`](super::MAX_BYTES_PER_IMPORT) per import), never in the
    /// journal. [`Store::last_quarantine`] says what was kept; [`Store::quarantine`] lists it
    /// all.
    ///
    /// Notes of one checkpoint are capped as the verifier caps them
    /// ([`crate::verify::MAX_NOTES_PER_CHECKPOINT`] per origin, size and root, two roots per
    /// origin and size), counted per owner's key that signed them, with what `check_note`
    /// says of each note's signatures ([`NoteMeta::signatures`]; the notes held of the same
    /// origin and size are re-checked with it): a note a revoked or replaced key signed takes
    /// no room from the key in force, and a note that brings a cosigner the notes kept of its
    /// checkpoint lack is kept past the count. A note left out is counted in
    /// [`ImportReport::notes_left_out`].
    ///
    /// `now` is the verifier's clock, for the future-time warning. This verifies every entry
    /// the store holds, twice at most: imports are rarer than appends.
    ///
    /// # Errors
    ///
    /// [`StoreError::Bundle`] for a damaged or malformed bundle, [`StoreError::WrongChannel`]
    /// for another channel's, [`StoreError::BadNote`] for a note refused,
    /// [`StoreError::Rejected`] with the findings that refused it,
    /// [`StoreError::JournalCorrupt`] if the store's journal is damaged,
    /// [`StoreError::ReadOnly`], or an I/O or index error.
    pub fn import_with<F>(
        &mut self,
        bundle_bytes: &[u8],
        now: Option<Timestamp>,
        check_note: F,
    ) -> Result<ImportReport, StoreError>
    where
        F: FnMut(&[u8]) -> Result<NoteMeta, String>,
    {
        self.import_within(bundle_bytes, &bundle::Limits::DEFAULT, now, check_note)
    }

    /// As [`Store::import_with`], reading the bundle within `limits` instead of the defaults
    /// ([`bundle::read_with`]).
    ///
    /// # Errors
    ///
    /// As [`Store::import_with`]; [`StoreError::Bundle`] with [`bundle::BundleError::TooLarge`]
    /// or [`bundle::BundleError::TooManyRecords`] past the limits.
    pub fn import_within<F>(
        &mut self,
        bundle_bytes: &[u8],
        limits: &bundle::Limits,
        now: Option<Timestamp>,
        mut check_note: F,
    ) -> Result<ImportReport, StoreError>
    where
        F: FnMut(&[u8]) -> Result<NoteMeta, String>,
    {
        self.writable()?;
        let b = bundle::read_with(bundle_bytes, limits)?;
        if b.charter != self.charter {
            return Err(StoreError::WrongChannel {
                expected: self.channel,
                found: b.charter.id()?,
            });
        }
        let mut report = ImportReport::default();
        self.quarantined = None;

        // Every note is checked before anything else is done. One refused refuses the bundle,
        // but every note that verified is still kept in quarantine (with what it states).
        let mut notes: Vec<NoteRecord> = Vec::new();
        let mut verified: Vec<NoteRecord> = Vec::new();
        let mut refused: Option<StoreError> = None;
        let mut seen_notes = HashSet::new();
        let mut caps = NoteCaps::default();
        for n in b.notes {
            let bad = |reason: String| StoreError::BadNote {
                index: n.index,
                offset: n.offset,
                reason,
            };
            let meta = match check_note(&n.record.note) {
                Ok(meta) => meta,
                Err(reason) => {
                    refused.get_or_insert(bad(reason));
                    continue;
                }
            };
            verified.push(note_record(&meta, &n.record.note));
            let r = &n.record;
            if let Some(why) = r.disagreement(&meta.origin, meta.size, &meta.root) {
                refused.get_or_insert(bad(why));
                continue;
            }
            if !self.index.note_held(&r.note)? && seen_notes.insert(note_key(&r.note)) {
                if caps.admit(&self.index, &meta, &mut |held: &[u8]| check_note(held).ok())? {
                    notes.push(n.record);
                } else {
                    report.notes_left_out = report.notes_left_out.saturating_add(1);
                }
            }
        }

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
        let mut report_after: Option<Report> = None;
        if refused.is_none() && !to_check.is_empty() {
            let opts = Options {
                now,
                ..Options::without_clock()
            };
            match self.verify_union(&to_check, opts) {
                Ok((added, after)) => {
                    report.forks = added.forks;
                    report.warnings = added.warnings;
                    report.evidence = added.evidence;
                    report_after = Some(after);
                }
                Err(e @ StoreError::Rejected { .. }) => refused = Some(e),
                Err(e) => return Err(e),
            }
        }
        if let Some(why) = refused {
            // Nothing of the bundle enters the journal, but what it proves is kept.
            let kept = self.keep_evidence(&Refused {
                bundle: bundle_bytes,
                entries: &to_check,
                notes: &verified,
                now,
                why: &why,
            });
            self.quarantined = Some(kept);
            return Err(why);
        }
        self.cap_forks(&mut to_write, &mut report)?;
        self.hold_back_own(&mut to_write, &mut report)?;
        report.new_ids = to_write.iter().map(|n| n.id).collect();
        report.new_entries = to_write.len();
        report.new_notes = notes.len();
        let held = self.journal.entries;
        let new_entries = to_write.len();
        self.write(to_write, notes)?;
        // The report is the store's own from now on, if everything verified was written (not
        // so for re-signed copies of held entries).
        if let Some(after) = report_after {
            let whole = u64::try_from(after.entries_checked).ok()
                == Some(held.saturating_add(u64::try_from(new_entries).unwrap_or(u64::MAX)));
            self.baseline = whole.then_some(after);
        }
        if new_entries > 0 {
            // The roster is the verifier's: the report on what is now held, if there is one.
            let baseline = self.baseline.take();
            self.set_roster(baseline.as_ref());
            self.baseline = baseline;
        }
        Ok(report)
    }

    /// Take out of `to_write` every entry that would be a third different entry of its party at
    /// one seq (counting those held): a store keeps the first [`FORK_ENTRIES_KEPT`] of a fork,
    /// which prove it, and counts the rest ([`ImportReport::not_kept`]), so that bundles of
    /// ever more branches of one seq cannot grow the store.
    fn cap_forks(
        &self,
        to_write: &mut Vec<New>,
        report: &mut ImportReport,
    ) -> Result<(), StoreError> {
        // Per signing key, as the verifier counts (a key that is not the party's must not take
        // the places of the party's own entries at that seq).
        let mut count: HashMap<(PartyId, u64, PartyId), usize> = HashMap::new();
        let mut kept = Vec::with_capacity(to_write.len());
        for n in to_write.drain(..) {
            let h = n.signed.header();
            let at = (h.author, h.seq.0, h.key);
            let c = match count.get(&at) {
                Some(c) => *c,
                None => {
                    let mut held = 0usize;
                    for id in self.index.at_seq(&h.author, h.seq.0)? {
                        if self.get(&id)?.is_some_and(|e| e.header().key == h.key) {
                            held += 1;
                        }
                    }
                    held
                }
            };
            if c >= FORK_ENTRIES_KEPT {
                report.not_kept = report.not_kept.saturating_add(1);
            } else {
                kept.push(n);
            }
            count.insert(at, c.saturating_add(1));
        }
        *to_write = kept;
        Ok(())
    }

    /// Take out of `to_write` the entries of the feed this store acts for (its identity's) that
    /// it did not sign:
    /// past the highest seq it signed, or at a seq where it holds another entry of that feed.
    /// They are either the party's own entries from a copy of the store that went further (a
    /// stale store: recover from the counterparty), or a thief's, signed with a copied key
    /// (revoke it). Either way the store must not extend its feed from them, so they are left
    /// out of the journal and reported ([`ImportReport::not_signed_here`]); the bundle still
    /// holds them.
    fn hold_back_own(
        &mut self,
        to_write: &mut Vec<New>,
        report: &mut ImportReport,
    ) -> Result<(), StoreError> {
        // The party this store acts for, if it has signed here.
        let own = self
            .config
            .party
            .as_deref()
            .and_then(|name| self.roster().ok()?.party_named(name))
            .map(|p| p.key)
            .and_then(|p| self.config.signed(&p).map(|m| (p, m)));
        let Some((me, mark)) = own else {
            return Ok(());
        };
        let revoked = self.revocations(&me)?;
        let mut kept = Vec::with_capacity(to_write.len());
        for n in to_write.drain(..) {
            let h = n.signed.header();
            let foreign = h.author == me
                && (h.seq.0 > mark || !self.index.at_seq(&h.author, h.seq.0)?.is_empty());
            // Signed by a key the party revoked, where the revocation voids it: already
            // answered, and not the party's (the verifier says `compromised`).
            let answered = revoked.iter().any(|r| r.key == h.key && h.seq >= r.from);
            if foreign && answered {
                continue;
            }
            if foreign {
                report.not_signed_here.push((h.author, h.seq, n.id));
            } else {
                kept.push(n);
            }
        }
        *to_write = kept;
        if !report.not_signed_here.is_empty() {
            for (party, seq, _) in &report.not_signed_here {
                self.config.note_foreign(party, seq.0);
            }
            super::config::save(&self.dir, &self.config)?;
        }
        Ok(())
    }

    /// A bundle of the charter, every entry whose seq is at least `since[author]` (0 for an
    /// author not named) and what those entries reference, in journal order, then every
    /// signed note held, in journal order, then the consistency proofs between the notes'
    /// checkpoints ([`Store::consistency_records`]).
    ///
    /// What an entry references (an acknowledgement's `of`, a response's `to`, a notice's
    /// `refs`, a commitment's `cites`, a `supersedes`) is carried too when it lies below its
    /// author's cut, with the rest of that author's feed from it on, so that a receiver that
    /// lacks it, but holds the feed up to it, can verify what it is sent; and so on for what
    /// those entries reference.
    ///
    /// # Errors
    ///
    /// An I/O error, or [`StoreError::JournalCorrupt`] if the journal is damaged.
    pub fn export(&self, since: &BTreeMap<PartyId, u64>) -> Result<Vec<u8>, StoreError> {
        let mut entries: Vec<(Vec<u8>, Option<SignedEntry>)> = Vec::new();
        let mut notes = Vec::new();
        for (kind, payload) in self.journal.records()? {
            match kind {
                RecordKind::Entry => {
                    // The journal holds only entries that decoded when they were accepted.
                    let e = SignedEntry::decode(&payload).ok();
                    entries.push((payload, e));
                }
                RecordKind::Note => {
                    // And only note records that decoded when they were written.
                    if let Ok(n) = NoteRecord::decode(&payload) {
                        notes.push(n);
                    }
                }
                RecordKind::Charter | RecordKind::Batch | RecordKind::Consistency => {}
            }
        }
        let keep = closure(&entries, since);
        let chosen: Vec<&[u8]> = entries
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|((bytes, _), _)| bytes.as_slice())
            .collect();
        let proofs = self.consistency_records(&notes)?;
        Ok(bundle::write_with_proofs(
            &self.charter,
            &chosen,
            &notes,
            &proofs,
        )?)
    }

    /// Verify everything the store holds, from the journal, from scratch.
    ///
    /// # Errors
    ///
    /// An I/O error, [`StoreError::JournalCorrupt`] if the journal is damaged, or
    /// [`StoreError::Config`] if `config.json` is (its guard against signing a seq twice
    /// cannot be trusted; also for a store opened read-only).
    pub fn verify(&self, opts: Options) -> Result<Report, StoreError> {
        self.check_sound()?;
        Ok(verify::verify(
            &self.charter,
            &self.journal.entries()?,
            opts,
        ))
    }

    /// What a from-scratch verification of the store checks besides its entries: that
    /// `config.json` is intact (its guard against signing a seq twice can be trusted), and
    /// that the journal holds every seq `config.json` says this store signed.
    /// [`Store::verify`] runs it; a caller verifying the entries itself runs it first.
    ///
    /// A torn tail that a store opened read-only left in place
    /// ([`OpenReport::torn_bytes_ignored`](super::OpenReport)) is not an error here: it is what
    /// a command killed inside its write leaves (never reported as done; the next command
    /// that writes cuts it), or a write in progress.
    ///
    /// # Errors
    ///
    /// [`StoreError::Config`], or [`StoreError::JournalCorrupt`] naming what is missing and
    /// `hotline repair`.
    pub fn check_sound(&self) -> Result<(), StoreError> {
        let config = super::config::load(&self.dir)?;
        self.check_marks_held(&config)
    }

    /// Every seq `config.json` says this store signed must be in the journal: a journal that
    /// ends before one has lost entries it reported as written (cut at a record boundary,
    /// which the journal alone cannot show).
    fn check_marks_held(&self, config: &super::config::Config) -> Result<(), StoreError> {
        // A writer records its mark only after its journal write is synced, and `config` was
        // read before this looks at the journal's length: if the journal grew past what this
        // store read, the mark may be of a write made since, which this store does not show.
        let path = self.dir.join(super::journal::FILE);
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > self.opened.journal_bytes_read) {
            return Ok(());
        }
        let parties: Vec<PartyId> = self.roster()?.parties.iter().map(|p| p.key).collect();
        for party in parties {
            let Some(signed) = config.signed(&party) else {
                continue;
            };
            let held = self.feed_len(&party)?;
            if held <= signed {
                return Err(super::damage::corrupt(
                    &path,
                    self.opened.journal_bytes_read,
                    0,
                    format!(
                        "it holds {}'s feed up to seq {} but this store signed seq {signed} \
                         (config.json): entries reported as written are missing; run `hotline \
                         repair`, which restores what the index holds copies of",
                        self.charter.label(&party),
                        held.checked_sub(1).map_or("none".into(), |s| s.to_string()),
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Verify the store's entries followed by `candidates`; refuse if that adds an error-level
    /// finding other than a fork. Returns what it added and the report.
    fn verify_union(
        &mut self,
        candidates: &[Vec<u8>],
        opts: Options,
    ) -> Result<(Added, Report), StoreError> {
        let mut all = self.journal.entries()?;
        let held = all.len();
        let baseline = self.baseline.take();
        all.extend(candidates.iter().cloned());
        // The store verified every signature it holds before writing it: only the
        // candidates' are verified here (`verify` of the store checks them all again).
        let report = verify::verify_vouched::<_, &[u8]>(&self.charter, &all, &[], held, opts);
        // What the store's entries alone give is needed only to tell the findings they had
        // from new ones: with no finding at all nothing is added, whatever they had. So a
        // clean import verifies once.
        let baseline = match baseline {
            Some(b) => b,
            None if report.findings.is_empty() => {
                return Ok((
                    Added {
                        forks: Vec::new(),
                        warnings: Vec::new(),
                        evidence: Vec::new(),
                    },
                    report,
                ));
            }
            None => verify::verify_vouched::<_, &[u8]>(
                &self.charter,
                all.get(..held).unwrap_or_default(),
                &[],
                held,
                Options::without_clock(),
            ),
        };

        let mut before: BTreeMap<Key, usize> = BTreeMap::new();
        for f in &baseline.findings {
            *before.entry(key(f)).or_default() += 1;
        }
        let mut errors = Vec::new();
        let mut added = Added {
            forks: Vec::new(),
            warnings: Vec::new(),
            evidence: Vec::new(),
        };
        for f in &report.findings {
            if let Some(n) = before.get_mut(&key(f)).filter(|n| **n > 0) {
                *n -= 1;
                continue;
            }
            let new = f.index.is_none_or(|i| i >= held);
            match (f.level, f.kind) {
                (Level::Error, FindingKind::Fork) => added.forks.extend(f.evidence.clone()),
                // Two parties' signatures that contradict each other are evidence against one
                // of them, kept like a fork; and what the new entries reveal about entries
                // already held never refuses them: only an entry's own author decides what
                // its feed is.
                (Level::Error, FindingKind::ViewContradictsFeed) => added.evidence.push(f.clone()),
                (Level::Error, _) if !new => added.evidence.push(f.clone()),
                (Level::Error, _) => errors.push(f.clone()),
                (Level::Warning, _) => {
                    if new {
                        added.warnings.push(f.clone());
                    }
                }
            }
        }
        self.baseline = Some(baseline);
        if !errors.is_empty() {
            return Err(StoreError::Rejected { findings: errors });
        }
        Ok((added, report))
    }

    /// Write `entries` then `notes` to the journal (one write, after a batch marker if there
    /// is more than one record, then `sync_data`) and then to the index. Writes nothing if
    /// both are empty.
    pub(super) fn write(
        &mut self,
        entries: Vec<New>,
        notes: Vec<NoteRecord>,
    ) -> Result<(), StoreError> {
        if entries.is_empty() && notes.is_empty() {
            return Ok(());
        }
        let payloads: Vec<Vec<u8>> = notes
            .iter()
            .map(NoteRecord::encode)
            .collect::<Result<_, _>>()?;
        let records: Vec<(RecordKind, &[u8])> = entries
            .iter()
            .map(|n| (RecordKind::Entry, n.bytes.as_slice()))
            .chain(payloads.iter().map(|p| (RecordKind::Note, p.as_slice())))
            .collect();
        let appended = self.journal.append(&records)?;
        // The records are durable from here on; an index failure only leaves the index
        // behind, which the next open mends.
        let mut at = appended.at.into_iter();
        let mut indexed = match appended.batch {
            Some((record, count)) => self.index.add_batch(record, count),
            None => Ok(()),
        };
        let mut authors = BTreeSet::new();
        for n in entries {
            if indexed.is_err() {
                break;
            }
            let Some((record, offset)) = at.next() else {
                break;
            };
            authors.insert(n.signed.header().author);
            indexed = self.index.add(&Held {
                record,
                offset,
                id: n.id,
                signed: n.signed,
                bytes: n.bytes,
            });
            if indexed.is_err() {
                break;
            }
        }
        // Each author's tree grows once, over all of its new entries.
        for author in &authors {
            if indexed.is_err() {
                break;
            }
            indexed = self.index.update_tree(author);
        }
        if indexed.is_ok() {
            for (note, payload) in notes.into_iter().zip(payloads) {
                let Some((record, offset)) = at.next() else {
                    break;
                };
                indexed = self.index.add_note(&HeldNote {
                    record,
                    offset,
                    note,
                    payload,
                });
                if indexed.is_err() {
                    break;
                }
            }
        }
        let positioned = indexed.and_then(|()| {
            // The journal was sound before this write (every write checks), and this write is
            // whole: it is sound to its end, and the next store need not read it again.
            if let Some(sound) = self.journal.sound() {
                self.index.set_sound_through(&sound)?;
            }
            self.index
                .set_position(&self.journal.position(), &self.channel)
        });
        if let Err(e) = positioned {
            let detail = format!(
                "the records were saved in the journal, but the index could not be updated ({}); \
                 reopen the store to index them",
                index_failed(&e)
            );
            self.stale = Some(detail.clone());
            return Err(StoreError::Index { detail });
        }
        Ok(())
    }
}

/// Which of `entries` an export with cuts `since` carries: those at or above their author's
/// cut, and for every entry carried that references one below its author's cut, that author's
/// cut lowered to the referenced seq (so the receiver gets a gapless run), until nothing
/// carried references an entry left out. Each entry is taken up at most once.
fn closure(
    entries: &[(Vec<u8>, Option<SignedEntry>)],
    since: &BTreeMap<PartyId, u64>,
) -> Vec<bool> {
    let mut cut: BTreeMap<PartyId, u64> = since.clone();
    let mut by_id: HashMap<EntryId, (PartyId, u64)> = HashMap::new();
    let mut feeds: BTreeMap<PartyId, BTreeMap<u64, Vec<usize>>> = BTreeMap::new();
    for (i, (_, e)) in entries.iter().enumerate() {
        let Some(e) = e else { continue };
        let h = e.header();
        if let Ok(id) = e.id() {
            by_id.insert(id, (h.author, h.seq.0));
        }
        feeds
            .entry(h.author)
            .or_default()
            .entry(h.seq.0)
            .or_default()
            .push(i);
    }
    let mut keep = vec![false; entries.len()];
    let mut todo: Vec<usize> = Vec::new();
    for (i, (_, e)) in entries.iter().enumerate() {
        let at_or_above = e.as_ref().is_some_and(|e| {
            let h = e.header();
            h.seq.0 >= cut.get(&h.author).copied().unwrap_or(0)
        });
        if at_or_above && let Some(k) = keep.get_mut(i) {
            *k = true;
            todo.push(i);
        }
    }
    while let Some(i) = todo.pop() {
        let Some(body) = entries
            .get(i)
            .and_then(|(_, e)| e.as_ref())
            .and_then(|e| e.entry.body().ok())
        else {
            continue;
        };
        for (_, id) in body.references() {
            let Some(&(author, seq)) = by_id.get(&id) else {
                continue;
            };
            let Some(&old) = cut.get(&author).filter(|c| seq < **c) else {
                continue;
            };
            cut.insert(author, seq);
            let Some(feed) = feeds.get(&author) else {
                continue;
            };
            for j in feed.range(seq..old).flat_map(|(_, at)| at) {
                if let Some(k) = keep.get_mut(*j).filter(|k| !**k) {
                    *k = true;
                    todo.push(*j);
                }
            }
        }
    }
    keep
}
