//! Fork proofs: two different signed entries (different content, or the same content under
//! two signatures) by one party at one seq. The proof is the two
//! signed entries themselves, so anyone holding the charter can check it without trusting
//! whoever presents it.

use super::Checked;

/// How many different entries of one party at one seq a verifier keeps (and a store holds):
/// the two that prove the fork. Any more are counted, not kept
/// ([`Report::not_kept`](super::Report::not_kept)).
pub const FORK_ENTRIES_KEPT: usize = 2;
use crate::charter::Charter;
use crate::entry::{ChannelId, EntryError, Seq, SignedEntry};
use crate::keys::PartyId;

/// Evidence that `author` signed two different entries at `seq` in `channel`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, bincode::Encode, bincode::Decode)]
pub struct ForkProof {
    /// The channel.
    pub channel: ChannelId,
    /// The equivocating party.
    pub author: PartyId,
    /// The seq at which it signed twice.
    pub seq: Seq,
    /// The first signed entry, canonical bytes (hex in JSON).
    #[serde(serialize_with = "hex_vec")]
    pub a: Vec<u8>,
    /// The second signed entry, canonical bytes (hex in JSON).
    #[serde(serialize_with = "hex_vec")]
    pub b: Vec<u8>,
}

fn hex_vec<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// Why a fork proof does not hold.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForkError {
    /// One of the two entries is not a valid signed entry.
    #[error("entry {which} of the proof: {error}")]
    Entry {
        /// `a` or `b`.
        which: char,
        /// What is wrong with it.
        error: EntryError,
    },
    /// The two entries do not both match the proof's channel, author and seq, or the channel
    /// is not the charter's.
    #[error("the proof's entries do not match: {0}")]
    Mismatch(String),
    /// The author is not a party of the charter.
    #[error("the author is not a party of the charter")]
    NotAParty,
    /// The two entries are byte for byte the same.
    #[error("the two entries are the same bytes: that is not a fork")]
    SameEntry,
}

impl ForkProof {
    pub(super) fn new(channel: ChannelId, a: &Checked, b: &Checked) -> ForkProof {
        let h = a.signed.header();
        ForkProof {
            channel,
            author: h.author,
            seq: h.seq,
            a: a.bytes.clone(),
            b: b.bytes.clone(),
        }
    }

    /// Check the proof with nothing but the charter: both entries decode canonically, carry
    /// valid signatures by the same party of this charter, for this channel, at the same seq,
    /// and differ.
    ///
    /// # Errors
    ///
    /// [`ForkError`] saying which condition fails.
    pub fn verify(&self, charter: &Charter) -> Result<(), ForkError> {
        let channel = charter
            .id()
            .map_err(|e| ForkError::Mismatch(e.to_string()))?;
        if self.channel != channel {
            return Err(ForkError::Mismatch(format!(
                "the proof names channel {}, the charter is {}",
                self.channel.short(),
                channel.short()
            )));
        }
        if charter.party(&self.author).is_none() {
            return Err(ForkError::NotAParty);
        }
        for (which, bytes) in [('a', &self.a), ('b', &self.b)] {
            let e =
                SignedEntry::decode(bytes).map_err(|error| ForkError::Entry { which, error })?;
            let h = e.header();
            if h.channel != channel || h.author != self.author || h.seq != self.seq {
                return Err(ForkError::Mismatch(format!(
                    "entry {which} is by {} at seq {} in channel {}",
                    h.author.fingerprint(),
                    h.seq,
                    h.channel.short()
                )));
            }
            e.verify_signature()
                .map_err(|error| ForkError::Entry { which, error })?;
        }
        // Different ids are a fork; the same id under two different signatures is one too:
        // two different leaves at one place in the feed's tree.
        if self.a == self.b {
            return Err(ForkError::SameEntry);
        }
        Ok(())
    }
}
