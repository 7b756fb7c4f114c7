//! Which of a party's keys may sign its checkpoints and cosignatures (docs/FORMAT.md §9):
//! what a checker knows of each party's keys, how it learns it from the signed rotations and
//! revocations, and the rule for the owner's signature on a note. Pure.

use std::collections::HashMap;

use super::{CheckedNote, WitnessError};
use crate::charter::{Charter, Party};
use crate::entry::{Kind, SignedEntry};
use crate::keys::PartyId;
use crate::keystate::{KeyState, Revocation};
use crate::merkle::Hash;

/// What a checker knows of one party's keys: every key its feed brought in, the revocations,
/// and which key is in force for each checkpoint size of the feed it holds. The default for a
/// party whose feed is not known is its charter key alone, in force from size 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHistory {
    /// Every key the feed brought in, in order, the charter's (the identity) first.
    pub keys: Vec<PartyId>,
    /// The revocations found in the feed.
    pub revoked: Vec<Revocation>,
    /// From which checkpoint size each key is in force on the feed as held, ascending: `(0,
    /// first key)`, then `(r + 1, key)` for a rotation or revocation at seq `r`.
    pub in_force: Vec<(u64, PartyId)>,
    /// How many entries of the feed the checker holds (from seq 0, in one chain): `in_force`
    /// says nothing about sizes beyond it.
    pub held: u64,
}

impl KeyHistory {
    /// The history of a party whose feed the checker does not hold: its charter key alone.
    pub fn inception(identity: PartyId) -> KeyHistory {
        KeyHistory {
            keys: vec![identity],
            revoked: Vec::new(),
            in_force: vec![(0, identity)],
            held: 0,
        }
    }

    /// The key in force for a checkpoint of size `size` on the feed as held (for a size
    /// beyond it, the key in force at its end).
    pub fn in_force_at(&self, size: u64) -> Option<PartyId> {
        self.in_force
            .iter()
            .take_while(|(from, _)| *from <= size)
            .last()
            .or_else(|| self.in_force.first())
            .map(|(_, k)| *k)
    }

    /// The keys whose cosignatures count: every key of the history but those revoked. A
    /// cosignature carries only its signer's claim of time, never a seq, so nothing tells a
    /// revoked key's honest cosignatures from a thief's.
    pub fn cosigning_keys(&self) -> impl Iterator<Item = &PartyId> {
        self.keys
            .iter()
            .filter(|k| !self.revoked.iter().any(|r| r.key == **k))
    }

    fn position(&self, key: &PartyId) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }
}

/// Each party's [`KeyHistory`], by identity; a party missing has [`KeyHistory::inception`].
pub type KeyHistories = HashMap<PartyId, KeyHistory>;

/// `party`'s key state at the end of its feed, and its key history, from `entries` (any
/// entries; those of other authors and of other kinds than rotate and revoke are passed
/// over): its rotations and revocations whose signature verifies, in seq order, one per seq,
/// each moving the state only if it obeys `KeyState::advance`. `held` is left 0: how much of
/// the feed the caller holds is the caller's to say.
pub fn key_walk(party: &Party, entries: &[SignedEntry]) -> (KeyState, KeyHistory) {
    let mut state = KeyState::inception(party);
    let mut history = KeyHistory::inception(state.current);
    let rotate = Kind::Rotate.code();
    let revoke = Kind::Revoke.code();
    let mut moves: Vec<&SignedEntry> = entries
        .iter()
        .filter(|e| e.header().author == party.key)
        .filter(|e| e.entry.kind == rotate || e.entry.kind == revoke)
        .collect();
    moves.sort_by_key(|e| e.header().seq);
    for e in moves {
        if e.verify_signature().is_err() {
            continue;
        }
        let Ok(body) = e.entry.body() else { continue };
        let Ok(id) = e.id() else { continue };
        if let Ok((next, revocation)) = state.advance(e.header(), id, Some(&body), &history.keys) {
            state = next;
            if !history.keys.contains(&state.current) {
                history.keys.push(state.current);
            }
            history.in_force.push((state.since.0, state.current));
            history.revoked.extend(revocation);
        }
    }
    (state, history)
}

/// [`key_walk`] for every party of `charter`.
pub fn key_histories(charter: &Charter, entries: &[SignedEntry]) -> KeyHistories {
    charter
        .parties
        .iter()
        .map(|p| (p.key, key_walk(p, entries).1))
        .collect()
}

pub(super) fn history_of(keys: &KeyHistories, identity: PartyId) -> KeyHistory {
    keys.get(&identity)
        .cloned()
        .unwrap_or_else(|| KeyHistory::inception(identity))
}

/// The rule of docs/FORMAT.md §9 for the owner's signature on `note`: at least one of the
/// owner keys that signed it ([`CheckedNote::signed_with`]) is the key in force for its size
/// on the feed as held (`history`), or, for a size beyond the entries held, the key in force at
/// their end or one brought in after it. `held_root` is the root of the held entries at the
/// checkpoint's size, if held; a note by a revoked key of a size above the seq the key is void
/// from counts only if its root is that one (the chain the revocation vouches for).
///
/// # Errors
///
/// [`WitnessError::RevokedKey`] or [`WitnessError::KeyNotInForce`].
pub fn check_signer(
    note: &CheckedNote,
    history: &KeyHistory,
    held_root: Option<&Hash>,
) -> Result<(), WitnessError> {
    let size = note.checkpoint.size();
    let on_held_chain = held_root == Some(note.checkpoint.root());
    let expected = history.in_force_at(size).unwrap_or(note.key);
    let mut revoked = None;
    for k in &note.signed_with {
        if let Some(r) = history
            .revoked
            .iter()
            .find(|r| r.key == *k && size > r.from.0)
            && !on_held_chain
        {
            revoked.get_or_insert(*r);
            continue;
        }
        let ok = if size <= history.held {
            *k == expected
        } else {
            history.position(k) >= history.position(&expected)
        };
        if ok {
            return Ok(());
        }
    }
    if let Some(r) = revoked {
        return Err(WitnessError::RevokedKey {
            party: note.party.clone(),
            size,
            key: r.key,
            from: r.from,
            at: r.at,
            revoking: r.id,
        });
    }
    let found = note.signed_with.first().copied().unwrap_or(note.key);
    Err(WitnessError::KeyNotInForce {
        party: note.party.clone(),
        size,
        found,
        expected,
        retired: history.position(&found) < history.position(&expected),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::test_key_at;

    #[test]
    fn the_key_in_force_changes_at_the_size_after_the_rotation() {
        let k = |n| test_key_at("alpha", n).party();
        let mut h = KeyHistory::inception(k(0));
        // A rotation at seq 4, a revocation at seq 9.
        h.keys.extend([k(1), k(2)]);
        h.in_force.extend([(5, k(1)), (10, k(2))]);
        h.held = 12;
        let at: Vec<PartyId> = [0, 4, 5, 9, 10, 12, 40]
            .iter()
            .filter_map(|n| h.in_force_at(*n))
            .collect();
        assert_eq!(at, vec![k(0), k(0), k(1), k(1), k(2), k(2), k(2)]);
        assert_eq!(h.position(&k(2)), Some(2));
        assert_eq!(h.position(&test_key_at("beta", 0).party()), None);
    }
}
