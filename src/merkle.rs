//! RFC 6962 / RFC 9162 Merkle tree hashing, inclusion proofs and consistency proofs.
//!
//! # Hashes
//!
//! Every hash is SHA-256 (32 bytes) of:
//!
//! | hash | bytes hashed |
//! |---|---|
//! | empty tree | nothing |
//! | leaf | [`LEAF_PREFIX`] (`0x00`) ‖ leaf data |
//! | interior node | [`NODE_PREFIX`] (`0x01`) ‖ left child hash ‖ right child hash |
//!
//! The tree hash of `n > 1` leaf hashes (RFC 9162 §2.1.1) is the node hash of the tree over the
//! first `k` leaves and the tree over the rest, where `k` is the largest power of two below `n`.
//!
//! # Perfect subtrees
//!
//! The perfect subtree at level `L`, index `i` ([`NodeId`]) covers leaves `[i·2^L, (i+1)·2^L)`.
//! Once its last leaf is appended its hash never changes, so a store that keeps these hashes
//! (see [`Frontier::push_with`]) can answer every proof for every tree size with O(log n) reads
//! ([`SubtreeSource`]). A tree of size `n` is covered by one perfect subtree per set bit of `n`,
//! largest and leftmost first, and its root is their fold from the right:
//! `node(p0, node(p1, … pk))`.
//!
//! # Proofs
//!
//! A proof is a list of hashes ordered from the bottom of the tree upwards, as in RFC 9162
//! §2.1.3.1 (`PATH`) and §2.1.4.1 (`SUBPROOF`), and as the Go module
//! `github.com/transparency-dev/merkle` produces them. Verification runs the RFC 9162 §2.1.3.2
//! and §2.1.4.2 algorithms and rejects a proof whose length differs from the one the sizes
//! imply. A consistency proof from an empty tree is rejected, as RFC 9162 requires `0 < m` and as
//! transparency-dev/merkle does since 2026: it would hold for any pair of roots.
//!
//! What a proof does not say: that the leaf data means anything, or that the root was ever
//! published. Those are the checkpoint's and the caller's business.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use hotline::merkle::{self, Frontier};
//!
//! let leaves: Vec<_> = ["a", "b", "c"].iter().map(|d| merkle::leaf_hash(d.as_bytes())).collect();
//! let root = merkle::root(&leaves);
//! let proof = merkle::inclusion_proof(&leaves, 2)?;
//! merkle::verify_inclusion(2, 3, &leaves[2], &proof, &root)?;
//!
//! let mut frontier = Frontier::new();
//! for leaf in &leaves {
//!     frontier.push(*leaf)?;
//! }
//! assert_eq!(frontier.root(), root);
//! # Ok(())
//! # }
//! ```

use std::ops::Range;

use sha2::{Digest, Sha256};

/// A SHA-256 hash: of a leaf, an interior node or a whole tree.
pub type Hash = [u8; 32];

/// The byte hashed before a leaf's data (RFC 6962 §2.1), so a leaf can never pass for a node.
pub const LEAF_PREFIX: u8 = 0x00;

/// The byte hashed before an interior node's two child hashes (RFC 6962 §2.1).
pub const NODE_PREFIX: u8 = 0x01;

/// The hash of a leaf: SHA-256(`0x00` ‖ `data`).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: SHA-256(`0x01` ‖ `left` ‖ `right`).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // `update` on one hasher: `chain_update` moves the state each time, about 15% slower here.
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of no bytes.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// The tree hash (RFC 9162 §2.1.1 `MTH`) over `leaves`, which are leaf hashes, not leaf data.
pub fn root(leaves: &[Hash]) -> Hash {
    match split(leaves) {
        Some((left, right)) => node_hash(&root(left), &root(right)),
        None => leaves.first().copied().unwrap_or_else(empty_root),
    }
}

/// Why a proof could not be made or did not verify.
#[non_exhaustive]
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The size of the tree.
        size: u64,
    },
    /// A consistency proof was asked for from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeTooLarge {
        /// The size of the older tree.
        old_size: u64,
        /// The size of the newer tree.
        new_size: u64,
    },
    /// A consistency proof from the empty tree was asked for; it would hold for any roots.
    #[error("consistency from an empty tree (to size {new_size}) proves nothing")]
    EmptyOldTree {
        /// The size of the newer tree.
        new_size: u64,
    },
    /// The proof does not have the number of hashes that the index and sizes imply.
    #[error("proof has {found} hashes, expected {expected}")]
    WrongProofLength {
        /// The number of hashes a proof for these sizes has.
        expected: usize,
        /// The number of hashes given.
        found: usize,
    },
    /// The root computed from the proof is not the root given.
    #[error(
        "root for tree size {size} does not match: computed {}, expected {}",
        hex::encode(.computed),
        hex::encode(.expected)
    )]
    RootMismatch {
        /// The tree size whose root did not match.
        size: u64,
        /// The root given by the caller.
        expected: Hash,
        /// The root computed from the proof.
        computed: Hash,
    },
    /// The tree already has `u64::MAX` leaves.
    #[error("tree of size {size} cannot grow")]
    TreeFull {
        /// The size of the tree.
        size: u64,
    },
}

/// Why a proof or root could not be made from a [`SubtreeSource`].
#[non_exhaustive]
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SourceError<E> {
    /// The request itself is invalid.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The source could not give a subtree hash.
    #[error("cannot read the subtree at level {level}, index {index}")]
    Subtree {
        /// The level of the subtree asked for.
        level: u32,
        /// The index of the subtree within its level.
        index: u64,
        /// What the source reported.
        #[source]
        source: E,
    },
}

/// A [`MemoryTree`] has no subtree at this position.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
#[error("no subtree at level {level}, index {index}")]
pub struct MissingSubtree {
    /// The level asked for.
    pub level: u32,
    /// The index asked for.
    pub index: u64,
}

/// A perfect subtree: level `L`, index `i` covers leaves `[i·2^L, (i+1)·2^L)`.
///
/// Invariant: the covered range ends at or below `u64::MAX`, so it lies inside some tree whose
/// size fits a `u64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    level: u32,
    index: u64,
}

impl NodeId {
    /// The subtree at `level`, `index`, or `None` if its leaves would not fit a `u64`.
    pub fn new(level: u32, index: u64) -> Option<Self> {
        let per_level = u64::MAX.checked_shr(level)?;
        (index < per_level).then_some(Self { level, index })
    }

    /// The level: 0 for a leaf, `L` for a subtree of `2^L` leaves.
    pub fn level(self) -> u32 {
        self.level
    }

    /// The position of the subtree among those of its level, from the left.
    pub fn index(self) -> u64 {
        self.index
    }

    /// The leaf indices the subtree covers.
    pub fn leaves(self) -> Range<u64> {
        // Cannot overflow: `new` checked that the end fits.
        (self.index << self.level)..((self.index + 1) << self.level)
    }
}

/// A source of the hashes of complete (perfect) subtrees: level `L`, index `i` covers leaves
/// `[i·2^L, (i+1)·2^L)`; level 0 holds the leaf hashes.
///
/// The `*_from` functions ask it for O(log n) subtrees and compute the hashes of incomplete
/// subtrees on the right edge of a tree from the perfect subtrees they decompose into.
pub trait SubtreeSource {
    /// What a failed lookup reports.
    type Error;

    /// The hash of the perfect subtree at `level`, `index`.
    ///
    /// # Errors
    ///
    /// Whatever the source reports, for example when the subtree is not stored.
    fn subtree(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

impl<S: SubtreeSource + ?Sized> SubtreeSource for &S {
    type Error = S::Error;

    fn subtree(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        (**self).subtree(level, index)
    }
}

/// An incremental tree: the roots of the perfect subtrees that cover the leaves so far (the
/// "compact range" `[0, size)`), so O(log n) memory and amortised O(1) hashing per append.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// One hash per set bit of `size`, largest subtree (leftmost) first.
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the frontier of a tree of `size` leaves from its perfect subtrees, with one
    /// lookup per set bit of `size`.
    ///
    /// # Errors
    ///
    /// [`SourceError::Subtree`] if the source cannot give a subtree.
    pub fn from_source<S: SubtreeSource>(
        src: &S,
        size: u64,
    ) -> Result<Self, SourceError<S::Error>> {
        let peaks = covering_nodes(0, size)
            .map(|(level, index)| lookup(src, level, index))
            .collect::<Result<_, _>>()?;
        Ok(Self { size, peaks })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree hash, equal to [`root`] over all leaves pushed.
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        match peaks.next() {
            Some(last) => peaks.fold(*last, |acc, left| node_hash(left, &acc)),
            None => empty_root(),
        }
    }

    /// Appends a leaf hash.
    ///
    /// # Errors
    ///
    /// [`ProofError::TreeFull`] if the tree already has `u64::MAX` leaves. Appending cannot get
    /// there in any real time (2^64 appends); [`Frontier::from_source`] given such a size can.
    pub fn push(&mut self, leaf: Hash) -> Result<(), ProofError> {
        self.push_with(leaf, |_, _| {})
    }

    /// Appends a leaf hash and reports each perfect subtree the append completes, the leaf
    /// itself (level 0) first and then upwards, so a store can keep them for
    /// [`SubtreeSource`]. An append completes `1 + trailing_ones(size)` subtrees, amortised 2.
    ///
    /// # Errors
    ///
    /// [`ProofError::TreeFull`] if the tree already has `u64::MAX` leaves; nothing is reported.
    pub fn push_with<F: FnMut(NodeId, &Hash)>(
        &mut self,
        leaf: Hash,
        mut on_node: F,
    ) -> Result<(), ProofError> {
        let new_size = self
            .size
            .checked_add(1)
            .ok_or(ProofError::TreeFull { size: self.size })?;
        // Valid ids: every subtree completed here ends at `new_size`, which fits a u64.
        let mut node = NodeId {
            level: 0,
            index: self.size,
        };
        let mut hash = leaf;
        on_node(node, &hash);
        // A right child completes its parent; its left sibling is the last peak.
        while node.index & 1 == 1 {
            let Some(left) = self.peaks.pop() else { break };
            hash = node_hash(&left, &hash);
            node = NodeId {
                level: node.level + 1,
                index: node.index >> 1,
            };
            on_node(node, &hash);
        }
        self.peaks.push(hash);
        self.size = new_size;
        Ok(())
    }
}

/// An in-memory [`SubtreeSource`] that keeps every perfect subtree hash (about 2n hashes), for
/// tests and benchmarks and as a model of an on-disk store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryTree {
    frontier: Frontier,
    /// `levels[L][i]` is the hash of the perfect subtree at level `L`, index `i`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The tree hash over all leaves.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The frontier of the whole tree.
    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }

    /// Appends a leaf hash and keeps the perfect subtrees it completes.
    ///
    /// # Errors
    ///
    /// [`ProofError::TreeFull`] if the tree already has `u64::MAX` leaves.
    pub fn push(&mut self, leaf: Hash) -> Result<(), ProofError> {
        let levels = &mut self.levels;
        self.frontier.push_with(leaf, |node, hash| {
            let Ok(level) = usize::try_from(node.level()) else {
                return;
            };
            match levels.get_mut(level) {
                Some(row) => row.push(*hash),
                None => levels.push(vec![*hash]),
            }
        })
    }
}

impl SubtreeSource for MemoryTree {
    type Error = MissingSubtree;

    fn subtree(&self, level: u32, index: u64) -> Result<Hash, MissingSubtree> {
        let row = usize::try_from(level).ok().and_then(|l| self.levels.get(l));
        let slot = usize::try_from(index).ok();
        row.zip(slot)
            .and_then(|(row, i)| row.get(i))
            .copied()
            .ok_or(MissingSubtree { level, index })
    }
}

/// The inclusion proof (RFC 9162 §2.1.3.1 `PATH`) for the leaf at `index` in the tree over all
/// of `leaves`. Hashes every leaf once: O(n).
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`] if `index` is not below `leaves.len()`.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let size = len_u64(leaves)?;
    let out_of_range = ProofError::IndexOutOfRange { index, size };
    if index >= size {
        return Err(out_of_range);
    }
    let mut m = usize::try_from(index).map_err(|_| out_of_range)?;
    let mut node = leaves;
    let mut proof = Vec::new();
    while let Some((left, right)) = split(node) {
        if m < left.len() {
            proof.push(root(right));
            node = left;
        } else {
            proof.push(root(left));
            m -= left.len();
            node = right;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The consistency proof (RFC 9162 §2.1.4.1 `PROOF`) from the tree over the first `old_size`
/// of `leaves` to the tree over all of them. Empty if `old_size == leaves.len()`.
///
/// # Errors
///
/// [`ProofError::OldSizeTooLarge`] if `old_size > leaves.len()`, [`ProofError::EmptyOldTree`]
/// if `old_size` is 0.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let new_size = len_u64(leaves)?;
    check_consistency_sizes(old_size, new_size)?;
    let mut m = usize::try_from(old_size)
        .map_err(|_| ProofError::OldSizeTooLarge { old_size, new_size })?;
    let mut node = leaves;
    let mut complete = true;
    let mut proof = Vec::new();
    while m < node.len() {
        let Some((left, right)) = split(node) else {
            break;
        };
        if m <= left.len() {
            proof.push(root(right));
            node = left;
        } else {
            proof.push(root(left));
            m -= left.len();
            node = right;
            complete = false;
        }
    }
    if !complete {
        proof.push(root(node));
    }
    proof.reverse();
    Ok(proof)
}

/// The tree hash of the first `size` leaves of `src`, with one lookup per set bit of `size`.
///
/// # Errors
///
/// [`SourceError::Subtree`] if the source cannot give a subtree.
pub fn root_from<S: SubtreeSource>(src: &S, size: u64) -> Result<Hash, SourceError<S::Error>> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(src, 0, size)
}

/// [`inclusion_proof`] for the leaf at `index` in the tree of the first `size` leaves of `src`,
/// with O(log n) lookups.
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`] (wrapped) if `index >= size`; [`SourceError::Subtree`] if
/// the source cannot give a subtree.
pub fn inclusion_proof_from<S: SubtreeSource>(
    src: &S,
    size: u64,
    index: u64,
) -> Result<Vec<Hash>, SourceError<S::Error>> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size }.into());
    }
    let (mut begin, mut end) = (0, size);
    let mut proof = Vec::new();
    while let Some(k) = split_point(end - begin) {
        let mid = begin + k;
        if index < mid {
            proof.push(range_hash(src, mid, end)?);
            end = mid;
        } else {
            proof.push(range_hash(src, begin, mid)?);
            begin = mid;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// [`consistency_proof`] from the tree of the first `old_size` leaves of `src` to that of the
/// first `new_size`, with O(log n) lookups.
///
/// # Errors
///
/// [`ProofError::OldSizeTooLarge`] or [`ProofError::EmptyOldTree`] (wrapped) for invalid sizes;
/// [`SourceError::Subtree`] if the source cannot give a subtree.
pub fn consistency_proof_from<S: SubtreeSource>(
    src: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, SourceError<S::Error>> {
    check_consistency_sizes(old_size, new_size)?;
    // Invariant: begin < old_size <= end.
    let (mut begin, mut end) = (0, new_size);
    let mut complete = true;
    let mut proof = Vec::new();
    while old_size < end {
        let Some(k) = split_point(end - begin) else {
            break;
        };
        let mid = begin + k;
        if old_size <= mid {
            proof.push(range_hash(src, mid, end)?);
            end = mid;
        } else {
            proof.push(range_hash(src, begin, mid)?);
            begin = mid;
            complete = false;
        }
    }
    if !complete {
        proof.push(range_hash(src, begin, end)?);
    }
    proof.reverse();
    Ok(proof)
}

/// Checks that `proof` shows the leaf hash `leaf` at `index` in the tree of `size` leaves whose
/// root is `root`, by RFC 9162 §2.1.3.2.
///
/// # Errors
///
/// [`ProofError::IndexOutOfRange`] if `index >= size`, [`ProofError::WrongProofLength`] if the
/// proof is too long or too short, [`ProofError::RootMismatch`] if it leads to another root.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    let wrong_length = ProofError::WrongProofLength {
        expected,
        found: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    // RFC 9162 §2.1.3.2, steps 2 to 5; `size - 1` cannot underflow as index < size.
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(wrong_length);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_length);
    }
    if r != *root {
        return Err(ProofError::RootMismatch {
            size,
            expected: *root,
            computed: r,
        });
    }
    Ok(())
}

/// Checks that `proof` shows the tree of `new_size` leaves with root `new_root` extends the tree
/// of `old_size` leaves with root `old_root`, by RFC 9162 §2.1.4.2.
///
/// Equal sizes need an empty proof and equal roots. An old size of 0 is rejected: that check
/// would pass for any roots.
///
/// # Errors
///
/// [`ProofError::OldSizeTooLarge`] if `old_size > new_size`, [`ProofError::EmptyOldTree`] if
/// `old_size` is 0, [`ProofError::WrongProofLength`] if the proof is too long or too short,
/// [`ProofError::RootMismatch`] if it leads to another old or new root.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    check_consistency_sizes(old_size, new_size)?;
    let expected = consistency_proof_len(old_size, new_size);
    let wrong_length = ProofError::WrongProofLength {
        expected,
        found: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    if old_size == new_size {
        return match_root(new_size, new_root, old_root);
    }
    // RFC 9162 §2.1.4.2. Step 2: when the old tree is a perfect subtree of the new one, the
    // proof leaves out its root, which the verifier has.
    let (seed, path) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        proof.split_first().ok_or_else(|| wrong_length.clone())?
    };
    // Steps 3 to 7; cannot underflow as 0 < old_size < new_size.
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in path {
        if snode == 0 {
            return Err(wrong_length);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_length);
    }
    match_root(old_size, old_root, &fr)?;
    match_root(new_size, new_root, &sr)
}

fn match_root(size: u64, expected: &Hash, computed: &Hash) -> Result<(), ProofError> {
    if expected == computed {
        Ok(())
    } else {
        Err(ProofError::RootMismatch {
            size,
            expected: *expected,
            computed: *computed,
        })
    }
}

fn check_consistency_sizes(old_size: u64, new_size: u64) -> Result<(), ProofError> {
    if old_size > new_size {
        Err(ProofError::OldSizeTooLarge { old_size, new_size })
    } else if old_size == 0 {
        Err(ProofError::EmptyOldTree { new_size })
    } else {
        Ok(())
    }
}

/// The length of an inclusion proof, for `index < size` (as Go's `decompInclProof`): the
/// levels below the point where the paths to `index` and to `size - 1` part, plus one left
/// sibling per set bit of `index` above it.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = u64::BITS - (index ^ size.saturating_sub(1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    to_usize(inner + border)
}

/// The length of a consistency proof, for `0 < old_size < new_size`: the inclusion proof of the
/// last old leaf, less the levels inside the largest perfect subtree the old tree ends with, plus
/// that subtree's root unless it is the whole old tree.
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    if old_size >= new_size {
        return 0;
    }
    let last = old_size.saturating_sub(1);
    let inner = u64::BITS - (last ^ new_size.saturating_sub(1)).leading_zeros();
    let border = last.checked_shr(inner).unwrap_or(0).count_ones();
    let inner = inner.saturating_sub(old_size.trailing_zeros());
    let seed = u32::from(!old_size.is_power_of_two());
    to_usize(seed + inner + border)
}

fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn len_u64(leaves: &[Hash]) -> Result<u64, ProofError> {
    u64::try_from(leaves.len()).map_err(|_| ProofError::TreeFull { size: u64::MAX })
}

/// The largest power of two below `n`, where a tree of `n` leaves splits; `None` if `n < 2`.
fn split_point(n: u64) -> Option<u64> {
    n.checked_sub(1)?.checked_ilog2().map(|e| 1 << e)
}

fn split(leaves: &[Hash]) -> Option<(&[Hash], &[Hash])> {
    let k = leaves.len().checked_sub(1)?.checked_ilog2()?;
    leaves.split_at_checked(1 << k)
}

/// The perfect subtrees covering `[begin, end)`, largest (leftmost) first, as `(level, index)`.
/// Requires `begin` to be a multiple of the largest power of two not above `end - begin`, which
/// holds for every subtree in the `MTH` recursion.
fn covering_nodes(begin: u64, end: u64) -> impl DoubleEndedIterator<Item = (u32, u64)> {
    let span = end.saturating_sub(begin);
    (0..u64::BITS)
        .rev()
        .filter(move |&level| (span >> level) & 1 == 1)
        .map(move |level| {
            // The larger subtrees to the left cover the bits of `span` above `level`.
            let before = span & !(u64::MAX >> (u64::BITS - 1 - level));
            (level, (begin + before) >> level)
        })
}

/// The tree hash of the leaves `[begin, end)`, a subtree in the `MTH` recursion: folds the
/// perfect subtrees covering it from the right.
fn range_hash<S: SubtreeSource>(
    src: &S,
    begin: u64,
    end: u64,
) -> Result<Hash, SourceError<S::Error>> {
    let mut acc: Option<Hash> = None;
    for (level, index) in covering_nodes(begin, end).rev() {
        let left = lookup(src, level, index)?;
        acc = Some(match acc {
            Some(right) => node_hash(&left, &right),
            None => left,
        });
    }
    Ok(acc.unwrap_or_else(empty_root))
}

fn lookup<S: SubtreeSource>(
    src: &S,
    level: u32,
    index: u64,
) -> Result<Hash, SourceError<S::Error>> {
    src.subtree(level, index)
        .map_err(|source| SourceError::Subtree {
            level,
            index,
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Leaf data from transparency-dev/merkle `testonly/constants.go` (see fixtures/rfc6962).
    const LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];

    /// The roots of the trees over the first 0..=8 of `LEAVES`, same source.
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn leaves() -> Vec<Hash> {
        LEAVES
            .iter()
            .map(|d| leaf_hash(&hex::decode(d).unwrap()))
            .collect()
    }

    #[test]
    fn known_roots_from_root_frontier_and_source() {
        let leaves = leaves();
        let mut frontier = Frontier::new();
        let mut tree = MemoryTree::new();
        for (n, want) in ROOTS.iter().enumerate() {
            let n64 = n as u64;
            assert_eq!(hex::encode(root(&leaves[..n])), *want, "root({n})");
            assert_eq!(hex::encode(frontier.root()), *want, "frontier({n})");
            assert_eq!(hex::encode(tree.root()), *want, "memory tree({n})");
            assert_eq!(frontier.size(), n64);
            if let Some(leaf) = leaves.get(n) {
                frontier.push(*leaf).unwrap();
                tree.push(*leaf).unwrap();
            }
        }
        for (n, want) in ROOTS.iter().enumerate() {
            let got = root_from(&tree, n as u64).unwrap();
            assert_eq!(hex::encode(got), *want, "root_from({n})");
            let rebuilt = Frontier::from_source(&tree, n as u64).unwrap();
            assert_eq!(hex::encode(rebuilt.root()), *want, "from_source({n})");
        }
    }

    #[test]
    fn hashes_are_domain_separated() {
        assert_eq!(hex::encode(empty_root()), ROOTS[0]);
        let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
        let mut joined = vec![NODE_PREFIX];
        joined.extend_from_slice(&a);
        joined.extend_from_slice(&b);
        assert_eq!(node_hash(&a, &b), <Hash>::from(Sha256::digest(&joined)));
        // The same 64 bytes hashed as a leaf must not give the node hash.
        assert_ne!(leaf_hash(&joined[1..]), node_hash(&a, &b));
    }

    #[test]
    fn known_proofs_from_go_tests() {
        // transparency-dev/merkle proof/verify_test.go: inclusion of leaf 5 in size 8 and
        // consistency from 6 to 8.
        let leaves = leaves();
        let h = |s: &str| -> Hash { hex::decode(s).unwrap().try_into().unwrap() };
        assert_eq!(
            inclusion_proof(&leaves, 5).unwrap(),
            [
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ]
        );
        assert_eq!(
            consistency_proof(&leaves, 6).unwrap(),
            [
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ]
        );
    }

    #[test]
    fn push_with_reports_completed_subtrees() {
        let mut frontier = Frontier::new();
        let mut seen = Vec::new();
        for i in 0..8u8 {
            frontier
                .push_with(leaf_hash(&[i]), |id, _| seen.push((id.level(), id.index())))
                .unwrap();
        }
        let want = [
            (0, 0),
            (0, 1),
            (1, 0),
            (0, 2),
            (0, 3),
            (1, 1),
            (2, 0),
            (0, 4),
            (0, 5),
            (1, 2),
            (0, 6),
            (0, 7),
            (1, 3),
            (2, 1),
            (3, 0),
        ];
        assert_eq!(seen, want);
    }

    #[test]
    fn full_tree_is_reported_not_wrapped() {
        let mut frontier = Frontier {
            size: u64::MAX,
            peaks: Vec::new(),
        };
        let before = frontier.clone();
        assert_eq!(
            frontier.push(empty_root()),
            Err(ProofError::TreeFull { size: u64::MAX })
        );
        assert_eq!(frontier, before);
    }

    #[test]
    fn node_ids_state_their_range() {
        assert_eq!(NodeId::new(3, 2).map(NodeId::leaves), Some(16..24));
        assert_eq!(
            NodeId::new(0, u64::MAX - 1).map(NodeId::leaves),
            Some(u64::MAX - 1..u64::MAX)
        );
        assert_eq!(NodeId::new(0, u64::MAX), None);
        assert_eq!(NodeId::new(63, 1), None);
        assert_eq!(NodeId::new(63, 0).map(NodeId::leaves), Some(0..1 << 63));
        assert_eq!(NodeId::new(64, 0), None);
    }

    #[test]
    fn sizes_outside_the_rfc_range_are_rejected() {
        let x = empty_root();
        let err = |o, n, p: &[Hash]| verify_consistency(o, n, &x, &x, p).unwrap_err();
        assert_eq!(
            err(2, 1, &[]),
            ProofError::OldSizeTooLarge {
                old_size: 2,
                new_size: 1
            }
        );
        assert_eq!(err(0, 0, &[]), ProofError::EmptyOldTree { new_size: 0 });
        assert_eq!(err(0, 5, &[]), ProofError::EmptyOldTree { new_size: 5 });
        assert_eq!(
            err(3, 3, &[x]),
            ProofError::WrongProofLength {
                expected: 0,
                found: 1
            }
        );
        assert_eq!(verify_consistency(3, 3, &x, &x, &[]), Ok(()));
        assert_eq!(
            verify_inclusion(0, 0, &x, &[], &x),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
        assert_eq!(
            inclusion_proof(&leaves(), 8),
            Err(ProofError::IndexOutOfRange { index: 8, size: 8 })
        );
        assert_eq!(
            consistency_proof(&leaves(), 0),
            Err(ProofError::EmptyOldTree { new_size: 8 })
        );
        assert_eq!(consistency_proof(&leaves(), 8), Ok(Vec::new()));
    }

    #[test]
    fn huge_sizes_do_not_overflow() {
        // Lengths near u64::MAX go through the shifts by 64 that Go defines and Rust does not.
        let x = empty_root();
        let (max, top) = (u64::MAX, 1u64 << 63);
        assert_eq!(inclusion_proof_len(0, max), 64);
        assert_eq!(inclusion_proof_len(max - 1, max), 63);
        assert_eq!(consistency_proof_len(top, max), 1);
        assert_eq!(consistency_proof_len(max - 1, max), 64);
        assert!(matches!(
            verify_inclusion(max - 1, max, &x, &[x; 2], &x),
            Err(ProofError::WrongProofLength {
                expected: 63,
                found: 2
            })
        ));
        assert!(matches!(
            verify_consistency(1, max, &x, &x, &[x; 64]),
            Err(ProofError::RootMismatch { size: u64::MAX, .. })
        ));
        let missing = inclusion_proof_from(&MemoryTree::new(), max, max - 1).unwrap_err();
        assert!(matches!(missing, SourceError::Subtree { .. }));
    }
}
