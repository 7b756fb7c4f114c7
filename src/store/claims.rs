//! How long other signatures say each feed is: the index's `claims` tree, kept as records are
//! indexed, so that a store can tell in two reads whether its own feed is longer elsewhere
//! than it holds (see `guard.rs`).
//!
//! | key | value |
//! |---|---|
//! | `76` (`v`) ‖ viewed party `[32]` | largest view size `u64` ‖ viewer `[32]` ‖ viewer's seq `u64` |
//! | `6f` (`o`) ‖ origin length `u32` ‖ origin | largest checkpoint size `u64` ‖ journal record `u64` |
//!
//! A view in an entry's header (a receipt's, an acknowledgement's, any entry's) of a party's
//! feed at size `n` is that party's signed word, seen by the viewer, that the feed holds `n`
//! entries; an acknowledgement of seq `s` needs a view of at least `s + 1`, so views cover
//! acknowledgements too. A signed checkpoint note of a feed at size `n` (cosigned or not) is
//! the owner's own word. Only the largest of each is kept: a feed shorter than it is behind
//! what was signed. The verifier reports the same sizes, beyond the entries held, as
//! `FeedSummary::claimed` and `withheld` findings, but it reads every entry; this is the
//! O(1) form of that answer for a store about to sign.

use super::error::StoreError;
use super::index::{Index, index_err, origin_key, u64_from};
use crate::entry::{Header, Seq};
use crate::keys::PartyId;

const VIEW: u8 = b'v';
const NOTE: u8 = b'o';

/// The largest view of a feed held, and who signed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ViewClaim {
    pub size: u64,
    pub by: PartyId,
    pub seq: Seq,
}

fn view_key(party: &PartyId) -> Vec<u8> {
    let mut k = Vec::with_capacity(33);
    k.push(VIEW);
    k.extend_from_slice(&party.0);
    k
}

fn note_claim_key(origin: &str) -> Vec<u8> {
    let mut k = vec![NOTE];
    k.extend(origin_key(origin, None));
    k
}

fn larger(old: Option<&[u8]>, size: u64) -> bool {
    old.and_then(|v| v.get(..8)).and_then(u64_from) < Some(size)
}

impl Index {
    /// Keep the views in `header` that are larger than any held of the same feed.
    pub(super) fn add_view_claims(&self, header: &Header) -> Result<(), StoreError> {
        for view in header.views.iter().filter(|v| v.party != header.author) {
            let key = view_key(&view.party);
            let old = self.claims.get(&key).map_err(index_err)?;
            if larger(old.as_deref(), view.size) {
                let mut v = Vec::with_capacity(48);
                v.extend_from_slice(&view.size.to_be_bytes());
                v.extend_from_slice(&header.author.0);
                v.extend_from_slice(&header.seq.0.to_be_bytes());
                self.claims.insert(key, v).map_err(index_err)?;
            }
        }
        Ok(())
    }

    /// Keep a note's size if it is the largest held of its origin.
    pub(super) fn add_note_claim(
        &self,
        origin: &str,
        size: u64,
        record: u64,
    ) -> Result<(), StoreError> {
        let key = note_claim_key(origin);
        let old = self.claims.get(&key).map_err(index_err)?;
        if larger(old.as_deref(), size) {
            let mut v = Vec::with_capacity(16);
            v.extend_from_slice(&size.to_be_bytes());
            v.extend_from_slice(&record.to_be_bytes());
            self.claims.insert(key, v).map_err(index_err)?;
        }
        Ok(())
    }

    /// The largest view of `party`'s feed held in another party's entry.
    pub(super) fn view_claim(&self, party: &PartyId) -> Result<Option<ViewClaim>, StoreError> {
        let Some(v) = self.claims.get(view_key(party)).map_err(index_err)? else {
            return Ok(None);
        };
        let parsed = (|| {
            Some(ViewClaim {
                size: v.get(..8).and_then(u64_from)?,
                by: PartyId(v.get(8..40)?.try_into().ok()?),
                seq: Seq(v.get(40..48).and_then(u64_from)?),
            })
        })();
        parsed.map(Some).ok_or_else(|| StoreError::Index {
            detail: format!(
                "the index's claim on {}'s feed is damaged",
                party.fingerprint()
            ),
        })
    }

    /// The largest size of a checkpoint note of `origin` held.
    pub(super) fn note_claim(&self, origin: &str) -> Result<Option<u64>, StoreError> {
        match self.claims.get(note_claim_key(origin)).map_err(index_err)? {
            None => Ok(None),
            Some(v) => v
                .get(..8)
                .and_then(u64_from)
                .map(Some)
                .ok_or_else(|| StoreError::Index {
                    detail: format!("the index's claim on checkpoints of {origin:?} is damaged"),
                }),
        }
    }
}
