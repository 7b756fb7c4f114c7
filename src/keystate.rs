//! Key state: which key signs each place of a feed. Pure rules, no I/O.
//!
//! A party's identity is its first key, the one in the charter, and stays the `author` of every
//! entry in its feed. The key that *signs* an entry (the header's `key`) follows a chain of
//! pre-commitments, as in KERI's pre-rotation:
//!
//! ```text
//! state at seq 0        = (current: charter key, next: charter's next-key digest)
//! Rotate{key, next}     signed by current; digest(key) = state.next  → (key, next)
//! Revoke{from, next}    signed by a key K with digest(K) = state.next → (K, next),
//!                       and `current` is void from seq `from` on
//! any other entry       signed by current                            → unchanged
//! digest(K)             = SHA-256("hotline/v2/next-key\0" ‖ K)
//! ```
//!
//! Each entry's state is its parent's (the entry its `prev` names) after the parent's body, so
//! every branch of a fork has its own state. Whoever copies a party's current secret key can
//! sign at that key's places, but cannot rotate (it does not know the next key, only its
//! digest) and cannot sign past a rotation; the party revokes the copied key with the next one.

use crate::charter::Party;
use crate::entry::{Body, EntryId, Header, Seq};
use crate::keys::{KeyDigest, PartyId};

/// The key in force at one place of a feed, and the digest of the key after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyState {
    /// The key that signs the next entry (other than a revocation).
    pub current: PartyId,
    /// The digest of the pre-committed next key.
    pub next: KeyDigest,
    /// The seq of the first entry `current` may sign: 0 for the charter's key, the seq after
    /// the rotation or revocation that brought it in otherwise.
    pub since: Seq,
}

/// A revocation found in a feed: `key` is void from seq `from` on, except on the branch the
/// revocation chains to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Revocation {
    /// The key voided.
    pub key: PartyId,
    /// The first seq at which it, and every key the feed used before it, is void.
    pub from: Seq,
    /// The revoking entry's seq.
    pub at: Seq,
    /// The revoking entry's id.
    pub id: EntryId,
}

/// Why an entry's key is not the one its feed's key state allows there.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStateError {
    /// Signed by a key that is not the one in force.
    #[error(
        "signed by key {} but the key in force at seq {seq} is {}{}",
        found.fingerprint(),
        expected.fingerprint(),
        if *retired { " (the signing key was rotated out before this seq: whoever signed this holds an old key)" } else { "" }
    )]
    NotInForce {
        /// The entry's seq.
        seq: Seq,
        /// The key that signed it.
        found: PartyId,
        /// The key in force.
        expected: PartyId,
        /// Whether the signing key is one the feed used before.
        retired: bool,
    },
    /// A rotation reveals a key other than the one pre-committed.
    #[error("the rotation reveals key {}, whose digest is not the pre-committed next key", key.fingerprint())]
    NotCommitted {
        /// The key revealed.
        key: PartyId,
    },
    /// A revocation signed by a key other than the pre-committed next key.
    #[error(
        "a revocation must be signed by the pre-committed next key; key {} is not it",
        key.fingerprint()
    )]
    RevokerNotCommitted {
        /// The key that signed it.
        key: PartyId,
    },
    /// A revocation's `from` outside the feed's places before it.
    #[error(
        "the revocation voids keys from seq {from}, which must be from seq 1 to this entry's seq {at} (the key revoked is in force from seq {since})"
    )]
    FromOutOfRange {
        /// The revocation's `from`.
        from: Seq,
        /// The first seq of the revoked key.
        since: Seq,
        /// The revocation's own seq.
        at: Seq,
    },
    /// A rotation or revocation that commits to the key it brings in.
    #[error(
        "the next-key digest commits to the key being brought in; the key after it must be another"
    )]
    NextIsCurrent,
}

impl KeyState {
    /// A party's state at seq 0, from its charter entry.
    pub fn inception(party: &Party) -> KeyState {
        KeyState {
            current: party.key,
            next: party.next,
            since: Seq(0),
        }
    }

    /// Check that `header`'s key is the one this state allows for an entry with `body`
    /// (`None` for a body of a kind this version does not know) and return the state after
    /// the entry, with the revocation it makes, if any.
    ///
    /// # Errors
    ///
    /// The [`KeyStateError`] saying which rule the key breaks.
    pub fn advance(
        &self,
        header: &Header,
        id: EntryId,
        body: Option<&Body>,
        used: &[PartyId],
    ) -> Result<(KeyState, Option<Revocation>), KeyStateError> {
        let after = Seq(header.seq.0.saturating_add(1));
        if let Some(Body::Revoke(r)) = body {
            if header.key.digest() != self.next {
                return Err(KeyStateError::RevokerNotCommitted { key: header.key });
            }
            if r.from.0 < 1 || r.from > header.seq {
                return Err(KeyStateError::FromOutOfRange {
                    from: r.from,
                    since: self.since,
                    at: header.seq,
                });
            }
            if r.next == header.key.digest() {
                return Err(KeyStateError::NextIsCurrent);
            }
            let revocation = Revocation {
                key: self.current,
                from: r.from,
                at: header.seq,
                id,
            };
            let state = KeyState {
                current: header.key,
                next: r.next,
                since: after,
            };
            return Ok((state, Some(revocation)));
        }
        if header.key != self.current {
            return Err(KeyStateError::NotInForce {
                seq: header.seq,
                found: header.key,
                expected: self.current,
                retired: used.contains(&header.key),
            });
        }
        match body {
            Some(Body::Rotate(r)) => {
                if r.key.digest() != self.next {
                    return Err(KeyStateError::NotCommitted { key: r.key });
                }
                if r.next == r.key.digest() {
                    return Err(KeyStateError::NextIsCurrent);
                }
                let state = KeyState {
                    current: r.key,
                    next: r.next,
                    since: after,
                };
                Ok((state, None))
            }
            _ => Ok((*self, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{ChannelId, FORMAT_VERSION, Revoke, Rotate, Timestamp};
    use crate::example::{test_key_at, test_party};

    fn header(seq: u64, key: PartyId) -> Header {
        Header {
            version: FORMAT_VERSION,
            channel: ChannelId([1; 32]),
            author: test_key_at("alpha", 0).party(),
            key,
            seq: Seq(seq),
            prev: EntryId([2; 32]),
            time: Timestamp(0),
            views: vec![],
        }
    }

    fn k(n: u32) -> PartyId {
        test_key_at("alpha", n).party()
    }

    #[test]
    fn rotation_moves_to_the_committed_key_and_only_to_it() {
        let s0 = KeyState::inception(&test_party("alpha", "poc"));
        let plain = s0.advance(&header(1, k(0)), EntryId([3; 32]), None, &[]);
        assert_eq!(plain, Ok((s0, None)));
        let rotate = Body::Rotate(Rotate {
            key: k(1),
            next: k(2).digest(),
        });
        let (s1, none) = s0
            .advance(&header(2, k(0)), EntryId([3; 32]), Some(&rotate), &[])
            .unwrap();
        assert_eq!(
            (s1.current, s1.next, s1.since, none),
            (k(1), k(2).digest(), Seq(3), None)
        );
        // The old key after the rotation is refused, and named as a retired key.
        let late = s1.advance(&header(3, k(0)), EntryId([4; 32]), None, &[k(0)]);
        assert!(matches!(
            late,
            Err(KeyStateError::NotInForce { retired: true, .. })
        ));
        // A rotation to a key that was not pre-committed is refused.
        let wrong = Body::Rotate(Rotate {
            key: k(2),
            next: k(3).digest(),
        });
        assert_eq!(
            s0.advance(&header(2, k(0)), EntryId([3; 32]), Some(&wrong), &[]),
            Err(KeyStateError::NotCommitted { key: k(2) })
        );
    }

    #[test]
    fn revocation_is_signed_by_the_next_key_and_bounds_from() {
        let s0 = KeyState::inception(&test_party("alpha", "poc"));
        let revoke = |from: u64| {
            Body::Revoke(Revoke {
                from: Seq(from),
                next: k(2).digest(),
                reason: String::new(),
            })
        };
        let (s1, r) = s0
            .advance(&header(5, k(1)), EntryId([9; 32]), Some(&revoke(3)), &[])
            .unwrap();
        assert_eq!(s1.current, k(1));
        assert_eq!(
            r,
            Some(Revocation {
                key: k(0),
                from: Seq(3),
                at: Seq(5),
                id: EntryId([9; 32])
            })
        );
        // Signed by the current (stolen) key: refused.
        assert!(matches!(
            s0.advance(&header(5, k(0)), EntryId([9; 32]), Some(&revoke(3)), &[]),
            Err(KeyStateError::RevokerNotCommitted { .. })
        ));
        // `from` after the revocation itself, or at seq 0: refused.
        for from in [6, 0] {
            assert!(matches!(
                s0.advance(&header(5, k(1)), EntryId([9; 32]), Some(&revoke(from)), &[]),
                Err(KeyStateError::FromOutOfRange { .. })
            ));
        }
    }
}
