//! Roots and proofs over each feed's tree, from the subtrees the index keeps (see
//! [`super::tree`]): O(log n) reads each.

use super::Store;
use super::error::StoreError;
use super::tree::source_err;
use crate::bundle::{ConsistencyRecord, NoteRecord};
use crate::entry::{EntryId, SignedEntry};
use crate::keys::PartyId;
use crate::merkle::{self, Hash, NodeId, ProofError};

/// An RFC 6962 inclusion proof of one entry in its author's feed, with the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The feed's owner, the entry's author.
    pub party: PartyId,
    /// The entry's leaf index: its seq.
    pub index: u64,
    /// The tree size the proof is for.
    pub size: u64,
    /// The root of the feed's tree at that size.
    pub root: Hash,
    /// The audit path, from the leaf's sibling upwards (RFC 9162 §2.1.3.1).
    pub path: Vec<Hash>,
    /// The signed entry's canonical bytes: the leaf data.
    pub entry: Vec<u8>,
}

impl InclusionProof {
    /// Check the proof: the entry's leaf hash, at `index`, with `path`, gives `root` for a tree
    /// of `size` leaves. (The entry's signature and its author are the caller's to check.)
    ///
    /// # Errors
    ///
    /// The [`ProofError`] of [`merkle::verify_inclusion`].
    pub fn verify(&self) -> Result<(), ProofError> {
        merkle::verify_inclusion(
            self.index,
            self.size,
            &merkle::leaf_hash(&self.entry),
            &self.path,
            &self.root,
        )
    }
}

impl Store {
    fn party_label(&self, party: &PartyId) -> String {
        self.charter.label(party)
    }

    fn outside(&self, party: &PartyId, tree_size: u64, detail: String) -> StoreError {
        StoreError::OutsideTree {
            party: self.party_label(party),
            tree_size,
            detail,
        }
    }

    /// The size of `party`'s tree: its entries from seq 0 up to its first fork, or all of them
    /// when it has none. Acknowledgements and checkpoints of that party's feed commit to this
    /// tree.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn tree_size(&self, party: &PartyId) -> Result<u64, StoreError> {
        self.index.tree_size(party)
    }

    /// The RFC 6962 root of the first `size` entries of `party`'s feed, for any `size` up to
    /// its [`tree_size`](Store::tree_size) (the empty tree's root for 0), with O(log n) reads.
    ///
    /// # Errors
    ///
    /// [`StoreError::OutsideTree`] if `size` is beyond the tree, or an index error.
    pub fn root_at(&self, party: &PartyId, size: u64) -> Result<Hash, StoreError> {
        let tree_size = self.index.tree_size(party)?;
        if size > tree_size {
            return Err(self.outside(party, tree_size, format!("no root for size {size}")));
        }
        merkle::root_from(&self.index.feed_nodes(party), size).map_err(|e| {
            source_err(e, |p| StoreError::BadProofRequest {
                party: self.party_label(party),
                source: p,
            })
        })
    }

    /// The inclusion proof of entry `id` in its author's tree at `size` (default: the tree's
    /// size now), with the root at that size and the entry itself. O(log n) reads.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownId`] if the store does not hold the entry;
    /// [`StoreError::OutsideTree`] if the entry is not in its author's tree (it stands at or
    /// after a fork) or `size` is beyond the tree; [`StoreError::BadProofRequest`] if `size`
    /// does not include the entry; or an index error.
    pub fn inclusion_proof(
        &self,
        id: &EntryId,
        size: Option<u64>,
    ) -> Result<InclusionProof, StoreError> {
        let entry = self.index.get(id)?.ok_or_else(|| StoreError::UnknownId {
            prefix: id.to_string(),
        })?;
        let signed = SignedEntry::decode(&entry).map_err(|e| StoreError::Index {
            detail: format!("the index's copy of entry {} is damaged: {e}", id.short()),
        })?;
        let (party, index) = (signed.header().author, signed.header().seq.0);
        let tree_size = self.index.tree_size(&party)?;
        let in_tree = index < tree_size && self.index.at_seq(&party, index)?.as_slice() == [*id];
        if !in_tree {
            return Err(self.outside(
                &party,
                tree_size,
                format!(
                    "entry {} at seq {index} is not in it (it stands at or after a fork)",
                    id.short()
                ),
            ));
        }
        let size = size.unwrap_or(tree_size);
        if size > tree_size {
            return Err(self.outside(&party, tree_size, format!("no proof at size {size}")));
        }
        let bad = |p| StoreError::BadProofRequest {
            party: self.party_label(&party),
            source: p,
        };
        let nodes = self.index.feed_nodes(&party);
        let path =
            merkle::inclusion_proof_from(&nodes, size, index).map_err(|e| source_err(e, bad))?;
        let root = merkle::root_from(&nodes, size).map_err(|e| source_err(e, bad))?;
        Ok(InclusionProof {
            party,
            index,
            size,
            root,
            path,
            entry,
        })
    }

    /// The RFC 6962 consistency proof from `party`'s tree at size `old` to size `new`
    /// (`0 < old ≤ new ≤` [`tree_size`](Store::tree_size)). O(log n) reads.
    ///
    /// # Errors
    ///
    /// [`StoreError::OutsideTree`] if `new` is beyond the tree, [`StoreError::BadProofRequest`]
    /// if `old` is 0 or larger than `new`, or an index error.
    pub fn consistency_proof(
        &self,
        party: &PartyId,
        old: u64,
        new: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let tree_size = self.index.tree_size(party)?;
        if new > tree_size {
            return Err(self.outside(party, tree_size, format!("no proof to size {new}")));
        }
        merkle::consistency_proof_from(&self.index.feed_nodes(party), old, new).map_err(|e| {
            source_err(e, |p| StoreError::BadProofRequest {
                party: self.party_label(party),
                source: p,
            })
        })
    }

    /// Consistency proofs between the checkpoints among `notes` (note records of this store's
    /// journal): for each party's feed, the sizes of its checkpoints whose root is the root
    /// of the entries held at that size, and a proof from each such size to the next larger
    /// one. Checkpoints beyond the entries held, or contradicting them, get none.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn consistency_records(
        &self,
        notes: &[NoteRecord],
    ) -> Result<Vec<ConsistencyRecord>, StoreError> {
        let mut out = Vec::new();
        let channel = self.channel();
        for p in &self.charter.parties {
            let origin = crate::checkpoint::origin(&channel, &p.name);
            let tree = self.tree_size(&p.key)?;
            let mut sizes = Vec::new();
            for n in notes.iter().filter(|n| n.origin == origin) {
                if n.size > 0
                    && n.size <= tree
                    && !sizes.contains(&n.size)
                    && self.root_at(&p.key, n.size)? == n.root
                {
                    sizes.push(n.size);
                }
            }
            sizes.sort_unstable();
            for pair in sizes.windows(2) {
                if let [old, new] = *pair {
                    out.push(ConsistencyRecord {
                        origin: origin.clone(),
                        old_size: old,
                        new_size: new,
                        proof: self.consistency_proof(&p.key, old, new)?,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Every perfect subtree hash the index keeps for `party`'s tree, by level then index:
    /// for a tree of size n, the 2n − popcount(n) subtrees that lie wholly inside it.
    ///
    /// # Errors
    ///
    /// An index error.
    pub fn subtrees(&self, party: &PartyId) -> Result<Vec<(NodeId, Hash)>, StoreError> {
        self.index.subtrees(party)
    }
}
