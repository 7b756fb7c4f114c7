//! Each feed's RFC 6962 tree, kept in the index as the hashes of its perfect subtrees
//! ([`crate::merkle`]): the `nodes` tree, key author `[32]` ‖ level `u8` ‖ index `u64`
//! (big-endian) → hash `[32]`, and author `[32]` ‖ `ff` → the tree's size `u64`.
//!
//! A feed's tree covers its **clean prefix**: the entries from seq 0 up to the first seq that
//! does not hold exactly one entry (a fork, or the end of what is held), as the verifier's
//! feed summary does. Once the entries of a write (or of a rebuild) are indexed, each of their
//! authors' trees is brought level with the feed: if a fork now stands below the tree's size,
//! the nodes over leaves at or past the fork are deleted and the size cut back to it; then each
//! following seq that holds exactly one entry is appended through [`Frontier::push_with`], on a
//! frontier rebuilt once from the stored nodes ([`Frontier::from_source`], one read per set bit
//! of the size), and the subtrees each append completes are stored. All of it goes to sled in
//! one atomic batch, so the size and the nodes never disagree; a crash before the batch leaves
//! the tree as it was, and since the index's position record is written after it, the next
//! open indexes those entries again and grows the tree. The stored node set is a function of
//! the entries held, whatever order they came in, so a rebuilt index holds the same nodes.
//!
//! A root, inclusion proof or consistency proof for any size up to the tree's then costs
//! O(log n) reads ([`crate::merkle::root_from`] and friends).

use super::error::StoreError;
use super::index::{Index, index_err, u64_from};
use crate::keys::PartyId;
use crate::merkle::{self, Frontier, Hash, NodeId, SourceError, SubtreeSource};

/// The byte after the author in the key of the tree's size: no level is this high.
const SIZE_MARK: u8 = 0xff;

fn node_key(author: &PartyId, level: u32, index: u64) -> [u8; 41] {
    let mut k = [0u8; 41];
    let (a, rest) = k.split_at_mut(32);
    a.copy_from_slice(&author.0);
    let (l, i) = rest.split_at_mut(1);
    l.copy_from_slice(&[u8::try_from(level).unwrap_or(SIZE_MARK)]);
    i.copy_from_slice(&index.to_be_bytes());
    k
}

fn size_key(author: &PartyId) -> [u8; 33] {
    let mut k = [SIZE_MARK; 33];
    if let Some(a) = k.get_mut(..32) {
        a.copy_from_slice(&author.0);
    }
    k
}

/// One party's stored subtrees, as a [`SubtreeSource`].
pub(super) struct FeedNodes<'a> {
    nodes: &'a super::kv::Tree,
    author: PartyId,
}

impl SubtreeSource for FeedNodes<'_> {
    type Error = StoreError;

    fn subtree(&self, level: u32, index: u64) -> Result<Hash, StoreError> {
        let v = self
            .nodes
            .get(node_key(&self.author, level, index))
            .map_err(index_err)?;
        v.and_then(|v| <Hash>::try_from(&*v).ok())
            .ok_or_else(|| StoreError::Index {
                detail: format!(
                    "the tree of feed {} lacks its subtree at level {level}, index {index}",
                    self.author.fingerprint()
                ),
            })
    }
}

/// A [`SourceError`] from the store's own nodes as a [`StoreError`]; `request` turns a bad
/// request into the caller's error.
pub(super) fn source_err(
    e: SourceError<StoreError>,
    request: impl FnOnce(merkle::ProofError) -> StoreError,
) -> StoreError {
    match e {
        SourceError::Proof(p) => request(p),
        SourceError::Subtree { source, .. } => source,
    }
}

impl Index {
    /// `author`'s stored subtrees.
    pub fn feed_nodes(&self, author: &PartyId) -> FeedNodes<'_> {
        FeedNodes {
            nodes: &self.nodes,
            author: *author,
        }
    }

    /// The size of `author`'s tree: the length of its clean prefix.
    pub fn tree_size(&self, author: &PartyId) -> Result<u64, StoreError> {
        match self.nodes.get(size_key(author)).map_err(index_err)? {
            None => Ok(0),
            Some(v) => u64_from(&v).ok_or_else(|| StoreError::Index {
                detail: format!(
                    "the size of feed {}'s tree is damaged",
                    author.fingerprint()
                ),
            }),
        }
    }

    /// Bring `author`'s tree level with the entries held: cut it back to a fork below its
    /// size, then grow it over every following seq that holds exactly one entry.
    pub fn update_tree(&self, author: &PartyId) -> Result<(), StoreError> {
        let mut size = self.tree_size(author)?;
        let mut batch = super::kv::Batch::default();
        let mut changed = false;
        if let Some(fork) = self.first_fork(author)?
            && fork.0 < size
        {
            // Node (L, i) covers leaves [i·2^L, (i+1)·2^L): it stays iff i < fork >> L.
            for level in 0..u64::BITS {
                let from = node_key(author, level, fork.0 >> level);
                let to = node_key(author, level, u64::MAX);
                for k in self.nodes.range(from..=to).keys() {
                    batch.remove(k.map_err(index_err)?);
                }
            }
            size = fork.0;
            changed = true;
        }
        let mut frontier: Option<Frontier> = None;
        while let [id] = self.at_seq(author, size)?[..] {
            let bytes = self.get(&id)?.ok_or_else(|| StoreError::Index {
                detail: format!(
                    "entry {} is in a feed but not among the entries",
                    id.short()
                ),
            })?;
            if frontier.is_none() {
                frontier = Some(
                    Frontier::from_source(&self.feed_nodes(author), size)
                        .map_err(|e| source_err(e, tree_full))?,
                );
            }
            let Some(f) = frontier.as_mut() else { break };
            f.push_with(merkle::leaf_hash(&bytes), |node, hash| {
                batch.insert(&node_key(author, node.level(), node.index())[..], &hash[..]);
            })
            .map_err(tree_full)?;
            size = f.size();
            changed = true;
        }
        if changed {
            batch.insert(&size_key(author)[..], &size.to_be_bytes()[..]);
            self.nodes.apply_batch(batch).map_err(index_err)?;
        }
        Ok(())
    }

    /// Every subtree stored for `author`, by level then index.
    pub fn subtrees(&self, author: &PartyId) -> Result<Vec<(NodeId, Hash)>, StoreError> {
        let mut out = Vec::new();
        for item in self.nodes.scan_prefix(author.0) {
            let (k, v) = item.map_err(index_err)?;
            let (Some(&level), Some(index)) = (k.get(32), k.get(33..).and_then(u64_from)) else {
                continue; // the size
            };
            let node = NodeId::new(u32::from(level), index);
            if let (Some(node), Ok(hash)) = (node, <Hash>::try_from(&*v)) {
                out.push((node, hash));
            }
        }
        Ok(out)
    }
}

fn tree_full(e: merkle::ProofError) -> StoreError {
    StoreError::Index {
        detail: format!("a feed's tree cannot grow: {e}"),
    }
}
