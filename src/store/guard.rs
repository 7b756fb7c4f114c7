//! The guard every own signature passes first: a store signs for a party only while nothing
//! it knows says the party's feed is longer than the store holds. Otherwise the next entry
//! would take a seq the party has signed already (a fork of its own feed), and the next
//! checkpoint would contradict one it signed before (which C2SP tlog-checkpoint forbids).
//!
//! What it knows, in the order checked:
//!
//! 1. `config.json`'s highest seq signed here ([`StoreError::FeedWentBack`]): entries this
//!    store lost (to damage a repair could not mend);
//! 2. the high-water mark outside the store, if the caller named its directory
//!    ([`Store::keep_high_water_in`], `highwater.rs`) ([`StoreError::BehindMark`]): a copy of
//!    the whole store directory, config included, put back from before later signatures;
//! 3. the index's claims (`claims.rs`) ([`StoreError::BehindElsewhere`]): another party's
//!    signed view of the feed, or the party's own checkpoint note, larger than the feed held.
//!
//! Each costs a few index reads and one small file read, so appends stay O(log n).

use std::path::Path;

use super::error::{MarkSays, SeenBy, StoreError};
use super::highwater::{Mark, MarkFile, MarkLock};
use super::notes::NoteMeta;
use super::{Store, config};
use crate::checkpoint;
use crate::keys::PartyId;

/// A mark read under its lock, for the duration of one signing.
pub(super) struct Held {
    file: MarkFile,
    _lock: MarkLock,
    mark: Option<Mark>,
}

impl Store {
    /// Check every signature of this store against the party's high-water mark in `dir` (the
    /// directory of the party's key), and keep the mark there up to date after each. Without
    /// it only the store's own evidence is checked (see [`Store::may_sign`]).
    pub fn keep_high_water_in(&mut self, dir: &Path) {
        self.marks_in = Some(dir.to_path_buf());
    }

    fn mark_file(&self, party: &PartyId) -> Option<MarkFile> {
        self.marks_in
            .as_deref()
            .map(|dir| MarkFile::new(dir, self.channel, *party))
    }

    /// Whether the store may sign for `party` now, an entry or a checkpoint: `Ok` unless
    /// something it knows says `party`'s feed is longer than it holds (see `guard.rs`).
    ///
    /// # Errors
    ///
    /// [`StoreError::FeedWentBack`], [`StoreError::BehindMark`],
    /// [`StoreError::BehindElsewhere`], [`StoreError::MarkUnreadable`], or an I/O or index
    /// error.
    pub fn may_sign(&self, party: &PartyId) -> Result<(), StoreError> {
        let mark = match self.mark_file(party) {
            Some(f) => f.read()?.map(|m| (f, m)),
            None => None,
        };
        self.check_behind(party, mark.as_ref().map(|(f, m)| (f, *m)), false)
    }

    /// The guard before one signing: take the mark's lock (if the store has a mark
    /// directory), read the mark, and check (as [`Store::may_sign`]).
    ///
    /// A revocation is exempt from the third check (other parties' views): those views may be
    /// of a thief's entries, which is what the revocation answers.
    pub(super) fn hold_mark(
        &self,
        party: &PartyId,
        revoking: bool,
    ) -> Result<Option<Held>, StoreError> {
        let Some(file) = self.mark_file(party) else {
            self.check_behind(party, None, revoking)?;
            return Ok(None);
        };
        let lock = file.lock()?;
        let mark = file.read()?;
        let held = Held {
            file,
            _lock: lock,
            mark,
        };
        self.check_behind(party, held.mark.map(|m| (&held.file, m)), revoking)?;
        Ok(Some(held))
    }

    /// Record in the mark that `party` signed its feed as held now (and a checkpoint of
    /// `checkpoint` entries, if any). Called once the signature is durable in the store.
    pub(super) fn raise_mark(
        &self,
        held: &Held,
        party: &PartyId,
        checkpoint: Option<u64>,
    ) -> Result<(), StoreError> {
        let Some(head) = self.head(party)? else {
            return Ok(());
        };
        let old = held.mark.map_or(0, |m| m.checkpoint);
        held.file.write(&Mark {
            seq: head.seq.0,
            entry: head.id,
            checkpoint: checkpoint.map_or(old, |c| c.max(old)),
        })
    }

    fn check_behind(
        &self,
        party: &PartyId,
        mark: Option<(&MarkFile, Mark)>,
        revoking: bool,
    ) -> Result<(), StoreError> {
        let name = self.label(party);
        let held = self.feed_len(party)?;
        if let Some(signed) = self.config.signed(party)
            && held <= signed
        {
            return Err(StoreError::FeedWentBack {
                party: name,
                signed,
                held,
            });
        }
        if let Some((file, m)) = mark {
            let found = self.index.at_seq(party, m.seq)?;
            if held <= m.seq || !found.contains(&m.entry) || held < m.checkpoint {
                return Err(StoreError::BehindMark {
                    party: name,
                    held,
                    mark: Box::new(MarkSays {
                        seq: m.seq,
                        entry: m.entry,
                        found: found.first().copied(),
                        checkpoint: m.checkpoint,
                    }),
                    path: file.path.clone(),
                });
            }
        }
        // Once the party has revoked a key, other parties' views of its feed are no longer
        // evidence of its own signatures: they may be of the thief's branch.
        if !revoking
            && !self.has_revoked(party)?
            && let Some(c) = self.index.view_claim(party)?
            && c.size > held
        {
            return Err(StoreError::BehindElsewhere {
                party: name,
                held,
                seen: c.size,
                by: SeenBy::View {
                    party: self.label(&c.by),
                    seq: c.seq,
                },
            });
        }
        if let Some(size) = self
            .index
            .note_claim(&checkpoint::origin(&self.channel, &name))?
            && size > held
        {
            return Err(StoreError::BehindElsewhere {
                party: name,
                held,
                seen: size,
                by: SeenBy::Checkpoint,
            });
        }
        Ok(())
    }

    /// Keep a checkpoint of `party`'s own feed that `party` signed: [`Store::add_notes_with`]
    /// (name the signing key in `meta`, and pass the note checker as `recheck`, so that notes
    /// another key signed take no room from it), after the same guard as [`Store::append`],
    /// and raise the party's high-water mark to it. Check [`Store::may_sign`] before signing
    /// the note; this checks again, under the mark's lock, and keeps nothing if it fails.
    ///
    /// # Errors
    ///
    /// As [`Store::may_sign`] and [`Store::add_notes`].
    pub fn add_own_checkpoint<F>(
        &mut self,
        party: &PartyId,
        meta: NoteMeta,
        note: Vec<u8>,
        recheck: F,
    ) -> Result<usize, StoreError>
    where
        F: FnMut(&[u8]) -> Option<NoteMeta>,
    {
        self.writable()?;
        let held = self.hold_mark(party, false)?;
        let size = meta.size;
        let added = self.add_notes_with(&[(meta, note)], recheck)?;
        if let Some(h) = &held {
            // The note is durable; a mark not raised now is raised by the next signature.
            let _ = self.raise_mark(h, party, Some(size));
        }
        Ok(added)
    }
}

/// After an own append: the config's mark, then the high-water mark.
pub(super) fn after_append(store: &mut Store, held: Option<&Held>, party: &PartyId, seq: u64) {
    store.config.note_signed(party, seq);
    let _ = config::save_mark(&store.dir, &store.config);
    if let Some(h) = held {
        let _ = store.raise_mark(h, party, None);
    }
}
