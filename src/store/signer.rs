//! Which party a secret key signs for, and with what right: the key state of the store's
//! copy of each feed (see [`crate::keystate`]).

use super::Store;
use super::error::StoreError;
use crate::entry::{Body, Kind};
use crate::keys::{PartyId, SecretKey};
use crate::keystate::{KeyState, Revocation};

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
        Ok(self.key_history(party)?.0)
    }

    /// The revocations in `party`'s feed as held, in seq order.
    ///
    /// # Errors
    ///
    /// As [`Store::key_state`].
    pub fn revocations(&self, party: &PartyId) -> Result<Vec<Revocation>, StoreError> {
        Ok(self.key_history(party)?.1)
    }

    fn key_history(&self, party: &PartyId) -> Result<(KeyState, Vec<Revocation>), StoreError> {
        let p = self
            .roster()?
            .party(party)
            .ok_or(StoreError::NotAParty { key: *party })?;
        let mut state = KeyState::inception(p);
        let mut moves = Vec::new();
        for kind in [Kind::Rotate, Kind::Revoke] {
            moves.extend(
                self.of_kind(kind)?
                    .into_iter()
                    .filter(|e| e.header().author == *party),
            );
        }
        moves.sort_by_key(|e| e.header().seq);
        let mut used = vec![state.current];
        let mut revocations = Vec::new();
        for e in moves {
            let Ok(body) = e.entry.body() else { continue };
            let Ok(id) = e.id() else { continue };
            if let Ok((next, revoked)) = state.advance(e.header(), id, Some(&body), &used) {
                state = next;
                used.push(state.current);
                revocations.extend(revoked);
            }
        }
        Ok((state, revocations))
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
        let k = key.party();
        let digest = k.digest();
        let mut not_in_force = None;
        for p in &self.roster()?.parties {
            let state = self.key_state(&p.key)?;
            let revoking = matches!(body, Body::Revoke(_));
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
