//! Signed notes (checkpoints) kept beside the entries: in the journal as records of kind 3
//! ([`crate::bundle::NoteRecord`]), in the index by journal position, by origin and by their
//! bytes. The store never parses a note: whoever hands one over says what it states
//! ([`NoteMeta`]), having checked it.

use std::collections::{HashMap, HashSet};

use super::Store;
use super::error::StoreError;
use super::index::{Index, index_err, note_key, origin_key, u64_from};
use crate::bundle::NoteRecord;
use crate::entry::Timestamp;
use crate::keys::PartyId;
use crate::merkle::Hash;

/// What a signed note states, as the caller read and checked it: the store does not parse
/// notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteMeta {
    /// The note's origin line (for a checkpoint, the log's origin).
    pub origin: String,
    /// The tree size it states.
    pub size: u64,
    /// The root hash it states.
    pub root: Hash,
    /// The signatures on it that verified, as the caller checked them; empty if the caller
    /// did not say. Only the store's caps on notes of one checkpoint use them (see
    /// [`Store::import_with`]): they are not kept, and a note held is re-checked for them.
    pub signatures: Vec<NoteSignature>,
}

impl NoteMeta {
    /// What a note states, with no signature named.
    pub fn stating(origin: impl Into<String>, size: u64, root: Hash) -> NoteMeta {
        NoteMeta {
            origin: origin.into(),
            size,
            root,
            signatures: Vec::new(),
        }
    }
}

impl From<&crate::witness::CheckedNote> for NoteMeta {
    /// What a checked checkpoint note states, with every signature that verified: the owner's
    /// keys, in the order of its history, then the cosignatures.
    fn from(c: &crate::witness::CheckedNote) -> NoteMeta {
        let owner = c.signed_with.iter().map(|k| NoteSignature::Owner(*k));
        let cosigned = c
            .cosignatures
            .iter()
            .map(|x| NoteSignature::Cosigner(x.key, x.time));
        NoteMeta {
            origin: c.checkpoint.origin().to_owned(),
            size: c.checkpoint.size(),
            root: *c.checkpoint.root(),
            signatures: owner.chain(cosigned).collect(),
        }
    }
}

/// A signature on a note that its caller verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteSignature {
    /// The feed owner's, by this key of its history.
    Owner(PartyId),
    /// A cosignature by this cosigner (a party's identity, or a charter witness's key) over
    /// this time.
    Cosigner(PartyId, Timestamp),
}

/// A signed note the store holds, with what it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNote {
    /// The note's origin line.
    pub origin: String,
    /// The tree size it states.
    pub size: u64,
    /// The root hash it states.
    pub root: Hash,
    /// The whole signed note, byte for byte as it was added.
    pub note: Vec<u8>,
}

impl StoredNote {
    /// What the note states.
    pub fn meta(&self) -> NoteMeta {
        NoteMeta::stating(self.origin.clone(), self.size, self.root)
    }
}

impl From<NoteRecord> for StoredNote {
    fn from(r: NoteRecord) -> StoredNote {
        StoredNote {
            origin: r.origin,
            size: r.size,
            root: r.root,
            note: r.note,
        }
    }
}

/// The record the journal keeps for a note and what it states.
pub(super) fn note_record(meta: &NoteMeta, note: &[u8]) -> NoteRecord {
    NoteRecord {
        origin: meta.origin.clone(),
        size: meta.size,
        root: meta.root,
        note: note.to_vec(),
    }
}

/// The notes a store keeps of each checkpoint, as the verifier does
/// ([`crate::verify::MAX_NOTES_PER_CHECKPOINT`] per origin, size and root; the first two roots
/// per origin and size): a note past them is not kept, so no bundle, nor any number of
/// imports, can make a store hold unbounded notes of one checkpoint (a note's byte string is
/// easy to vary: lines of keys no one knows are ignored). Two rules keep the caps from
/// crowding out evidence, as far as the note checker names the notes' signatures
/// ([`NoteMeta::signatures`]): the caps are counted per owner's key that signed (so notes a
/// revoked or old key signs take no room from the key in force), and a note that brings a
/// cosigner none of the notes kept of its checkpoint has is kept past the count (a cosigner,
/// not a cosignature: one cosigner can state endless times). Counts what the store holds of
/// each origin and size, loaded once (re-checking each held note with `recheck` for its
/// signatures), and what this write adds.
#[derive(Default)]
pub(super) struct NoteCaps {
    by: HashMap<(String, u64, Option<PartyId>), Vec<Slot>>,
    loaded: HashSet<(String, u64)>,
}

/// One root of one size and signing key: how many notes, and their cosigners.
struct Slot {
    root: Hash,
    notes: usize,
    cosigners: HashSet<PartyId>,
}

impl NoteCaps {
    /// Count a note stating `meta` if the caps leave room for it; `false` if not.
    pub(super) fn admit<F>(
        &mut self,
        index: &Index,
        meta: &NoteMeta,
        recheck: &mut F,
    ) -> Result<bool, StoreError>
    where
        F: FnMut(&[u8]) -> Option<NoteMeta>,
    {
        let at = (meta.origin.clone(), meta.size);
        if !self.loaded.contains(&at) {
            for held in index.notes_of(&meta.origin)? {
                // Only the notes of this size are re-checked: the others count elsewhere.
                if held.size != meta.size {
                    continue;
                }
                let m = recheck(&held.note).unwrap_or_else(|| held.meta());
                // What is held counts whatever it brings.
                self.count(&m, true);
            }
            self.loaded.insert(at);
        }
        Ok(self.count(meta, false))
    }

    fn count(&mut self, meta: &NoteMeta, held: bool) -> bool {
        // The newest key of the owner's history that signed it (the checker lists them in
        // history order); a note a thief signs with a revoked key cannot carry a later one.
        let signer = meta.signatures.iter().rev().find_map(|s| match s {
            NoteSignature::Owner(k) => Some(*k),
            NoteSignature::Cosigner(..) => None,
        });
        let roots = self
            .by
            .entry((meta.origin.clone(), meta.size, signer))
            .or_default();
        let slot = match roots.iter().position(|s| s.root == meta.root) {
            Some(k) => roots.get_mut(k),
            None if roots.len() < 2 || held => {
                roots.push(Slot {
                    root: meta.root,
                    notes: 0,
                    cosigners: HashSet::new(),
                });
                roots.last_mut()
            }
            None => None,
        };
        let Some(slot) = slot else {
            return false;
        };
        let mut new = 0usize;
        for s in &meta.signatures {
            if let NoteSignature::Cosigner(k, _) = s
                && slot.cosigners.insert(*k)
            {
                new += 1;
            }
        }
        if held || slot.notes < crate::verify::MAX_NOTES_PER_CHECKPOINT || new > 0 {
            slot.notes = slot.notes.saturating_add(1);
            true
        } else {
            false
        }
    }
}

impl Index {
    /// Whether a note with exactly these bytes is held.
    pub fn note_held(&self, note: &[u8]) -> Result<bool, StoreError> {
        self.note_keys
            .contains_key(note_key(note))
            .map_err(index_err)
    }

    fn note_at(&self, record: u64) -> Result<StoredNote, StoreError> {
        let damaged = |why: &str| StoreError::Index {
            detail: format!("the note at journal position {record} {why}"),
        };
        let payload = self
            .notes
            .get(record.to_be_bytes())
            .map_err(index_err)?
            .ok_or_else(|| damaged("is missing"))?;
        NoteRecord::decode(&payload)
            .map(StoredNote::from)
            .map_err(|e| damaged(&format!("is damaged: {e}")))
    }

    /// The notes of one origin, in journal order.
    pub fn notes_of(&self, origin: &str) -> Result<Vec<StoredNote>, StoreError> {
        let mut out = Vec::new();
        let prefix = origin_key(origin, None);
        let at = prefix.len();
        for k in self.note_origins.scan_prefix(&prefix).keys() {
            let k = k.map_err(index_err)?;
            if let Some(record) = k.get(at..).and_then(u64_from) {
                out.push(self.note_at(record)?);
            }
        }
        Ok(out)
    }

    /// Every note, in journal order.
    pub fn all_notes(&self) -> Result<Vec<StoredNote>, StoreError> {
        let mut out = Vec::new();
        for item in self.notes.iter() {
            let (_, payload) = item.map_err(index_err)?;
            let note = NoteRecord::decode(&payload).map_err(|e| StoreError::Index {
                detail: format!("a note in the index is damaged: {e}"),
            })?;
            out.push(note.into());
        }
        Ok(out)
    }
}

impl Store {
    /// Keep signed notes (checkpoints, cosigned or not): append each note not already held
    /// (same bytes) to the journal in one write, `sync_data`, then index them. Returns how
    /// many were new. A note past the store's caps on notes of one checkpoint (as the
    /// verifier's, [`crate::verify::MAX_NOTES_PER_CHECKPOINT`]) is not kept; here every note is
    /// counted by what it states alone ([`NoteMeta::signatures`] is not used): use
    /// [`Store::add_notes_with`] for the caps of [`Store::import_with`].
    ///
    /// The store does not parse or check notes: `meta` must be what the note states, checked
    /// by the caller (for example with [`crate::checkpoint`]), since the store indexes the
    /// note by it and an importer that checks the note refuses a record that disagrees.
    ///
    /// # Errors
    ///
    /// [`StoreError::Bundle`] if a note is too large for a record,
    /// [`StoreError::JournalCorrupt`] if the journal is damaged, [`StoreError::ReadOnly`], or
    /// an I/O or index error. Nothing is written unless `Ok` is returned.
    pub fn add_notes(&mut self, notes: &[(NoteMeta, Vec<u8>)]) -> Result<usize, StoreError> {
        let stated: Vec<(NoteMeta, Vec<u8>)> = notes
            .iter()
            .map(|(m, n)| {
                (
                    NoteMeta::stating(m.origin.clone(), m.size, m.root),
                    n.clone(),
                )
            })
            .collect();
        self.add_notes_with(&stated, |_: &[u8]| None)
    }

    /// As [`Store::add_notes`], with the caps of [`Store::import_with`]: each note, new or
    /// held, counted by the signatures `recheck` finds on it (`None`: by what it states
    /// alone; the signatures `notes` name are not used). So a note that brings a new
    /// cosigner, or is signed by a later key of its owner than the notes held, is kept past
    /// them.
    ///
    /// # Errors
    ///
    /// As [`Store::add_notes`].
    pub fn add_notes_with<F>(
        &mut self,
        notes: &[(NoteMeta, Vec<u8>)],
        mut recheck: F,
    ) -> Result<usize, StoreError>
    where
        F: FnMut(&[u8]) -> Option<NoteMeta>,
    {
        self.writable()?;
        let mut seen = HashSet::new();
        let mut new = Vec::new();
        let mut caps = NoteCaps::default();
        for (meta, note) in notes {
            if self.index.note_held(note)? || !seen.insert(note_key(note)) {
                continue;
            }
            let checked = recheck(note).filter(|m| {
                (m.origin.as_str(), m.size, m.root) == (meta.origin.as_str(), meta.size, meta.root)
            });
            let counted = checked
                .unwrap_or_else(|| NoteMeta::stating(meta.origin.clone(), meta.size, meta.root));
            if !caps.admit(&self.index, &counted, &mut recheck)? {
                continue;
            }
            new.push(note_record(meta, note));
        }
        let count = new.len();
        self.write(Vec::new(), new)?;
        Ok(count)
    }

    /// The notes held whose origin is `origin`, in journal order.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn notes(&self, origin: &str) -> Result<Vec<StoredNote>, StoreError> {
        self.index.notes_of(origin)
    }

    /// Every note held, in journal order.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn all_notes(&self) -> Result<Vec<StoredNote>, StoreError> {
        self.index.all_notes()
    }

    /// What the verifier finds of every checkpoint held (its signatures, cosignatures and
    /// witnesses, and whether it matches the entries held), without checking again the
    /// signatures of the entries, which the store verified before writing each: what a
    /// command showing one entry needs, at the cost of the store's rules, not its
    /// signatures. Empty, at no cost, when the store holds no checkpoint.
    /// [`Store::verify`] is the check from scratch.
    ///
    /// # Errors
    ///
    /// A journal or index error.
    pub fn checkpoint_summaries(
        &self,
        now: Timestamp,
    ) -> Result<Vec<crate::verify::CheckpointSummary>, StoreError> {
        let notes = self.all_notes()?;
        if notes.is_empty() {
            return Ok(Vec::new());
        }
        let held = self.journal.entries()?;
        let opts = crate::verify::Options {
            now: Some(now),
            ..crate::verify::Options::without_clock()
        };
        Ok(
            crate::verify::verify_vouched(&self.charter, &held, &notes, held.len(), opts)
                .checkpoints,
        )
    }
}
