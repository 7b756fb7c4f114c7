//! Which party a secret key signs for, and with what right: the key state of the store's
//! copy of each feed (see [`crate::keystate`]).

use super::Store;
use super::error::StoreError;
use crate::entry::{Body, Kind, SignedEntry};
use crate::keys::{PartyId, SecretKey};
use crate::keystate::{KeyState, Revocation};
use crate::witness::{self, KeyHistories, KeyHistory};

impl Store {
    /// The key state at the end of `party`'s feed as held: the key and next-key digest its
    /// `Party` entry on the roster ([`Store::roster`]: the founding charter, or for a party
    /// added by an amendment in force, that amendment) gives, moved on by each rotation and revocation of the feed in seq order (one per seq;
    /// a rotation or revocation that breaks the rules moves nothing).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAParty`] if `party` is not on the roster; an index or roster error.
    pub fn key_state(&self, party: &PartyId) -> Result<KeyState, StoreError> {
        Ok(self.key_walk(party)?.0)
    }

    /// The revocations in `party`'s feed as held, in seq order.
    ///
    /// # Errors
    ///
    /// As [`Store::key_state`].
    pub fn revocations(&self, party: &PartyId) -> Result<Vec<Revocation>, StoreError> {
        Ok(self.key_walk(party)?.1.revoked)
    }

    /// What the store's copy of `party`'s feed says of its keys, for checking its checkpoint
    /// notes and cosignatures (docs/FORMAT.md §9): every key brought in, the revocations, and
    /// from which checkpoint size each key is in force.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAParty`] if `party` is not in the charter; an index error.
    pub fn key_history(&self, party: &PartyId) -> Result<KeyHistory, StoreError> {
        let (_, mut history) = self.key_walk(party)?;
        history.held = self.tree_size(party)?;
        Ok(history)
    }

    /// [`Store::key_history`] of every party of the charter.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn key_histories(&self) -> Result<KeyHistories, StoreError> {
        self.charter
            .parties
            .iter()
            .map(|p| Ok((p.key, self.key_history(&p.key)?)))
            .collect()
    }

    /// The key state at the end of `party`'s feed, and the history that led there (`held`
    /// left 0).
    fn key_walk(&self, party: &PartyId) -> Result<(KeyState, KeyHistory), StoreError> {
        let p = self
            .roster()?
            .party(party)
            .ok_or(StoreError::NotAParty { key: *party })?;
        let mut moves = Vec::new();
        for kind in [Kind::Rotate, Kind::Revoke] {
            moves.extend(
                self.of_kind(kind)?
                    .into_iter()
                    .filter(|e| e.header().author == *party),
            );
        }
        Ok(witness::key_walk(p, &moves))
    }

    /// The rotations and revocations held, of every feed: with [`witness::key_histories`],
    /// what the store knows of every party's keys, to which a bundle's may be added.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn key_moves(&self) -> Result<Vec<SignedEntry>, StoreError> {
        let mut moves = self.of_kind(Kind::Rotate)?;
        moves.extend(self.of_kind(Kind::Revoke)?);
        Ok(moves)
    }

    /// The party whose checkpoints `key` signs and whose cosignatures it makes now: the party
    /// whose key in force at the end of its feed as held is `key`.
    ///
    /// # Errors
    ///
    /// As [`Store::signer_for`] for an entry other than a revocation.
    pub fn checkpoint_signer(&self, key: &SecretKey) -> Result<PartyId, StoreError> {
        self.signer(key, false)
    }

    /// Whether `party`'s feed as held holds a revocation.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn has_revoked(&self, party: &PartyId) -> Result<bool, StoreError> {
        Ok(!self.revocations(party)?.is_empty())
    }

    /// The party `key` may sign `body` for: the party whose key in force is `key`, or, for a
    /// revocation, whose pre-committed next key it is.
    ///
    /// # Errors
    ///
    /// [`StoreError::KeyNotInForce`] if `key` is a party's but not the one in force (rotated
    /// out, or a next key used for anything but a revocation); [`StoreError::NotAParty`] if it
    /// is no roster party's; an index or roster error.
    pub fn signer_for(&self, key: &SecretKey, body: &Body) -> Result<PartyId, StoreError> {
        self.signer(key, matches!(body, Body::Revoke(_)))
    }

    fn signer(&self, key: &SecretKey, revoking: bool) -> Result<PartyId, StoreError> {
        let k = key.party();
        let digest = k.digest();
        let mut not_in_force = None;
        for p in &self.roster()?.parties {
            let state = self.key_state(&p.key)?;
            if (!revoking && state.current == k) || (revoking && state.next == digest) {
                return Ok(p.key);
            }
            if p.key == k || state.next == digest || state.current == k {
                not_in_force = Some(StoreError::KeyNotInForce {
                    party: p.name.clone(),
                    key: k,
                    current: state.current,
                    next: state.next == digest,
                });
            }
        }
        Err(not_in_force.unwrap_or(StoreError::NotAParty { key: k }))
    }
}
