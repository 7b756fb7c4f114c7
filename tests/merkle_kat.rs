//! Known-answer tests for `hotline::merkle`: the transparency-dev/merkle vectors in
//! `fixtures/rfc6962/`, and every proof for every tree of up to 64 leaves against a reference
//! written straight from the recursive definitions in RFC 9162 §2.1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hotline::merkle::{
    self, Frontier, Hash, MemoryTree, NodeId, ProofError, SourceError, SubtreeSource,
};
use serde::Deserialize;

// ---------------------------------------------------------------------------------------------
// Vectors

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InclusionProbe {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConsistencyProbe {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

fn fixtures(kind: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rfc6962")
        .join(kind);
    let mut out = Vec::new();
    walk(&dir, &mut out);
    out.sort();
    out
}

/// A vector hash as the verifier's type, or `None` where it is not 32 bytes: such a value
/// cannot reach the verifier at all.
fn parse_hash(b64: &str) -> Option<Hash> {
    BASE64.decode(b64).unwrap().try_into().ok()
}

/// For the accepting vectors only: a 32-byte value standing in for one that is not, equal
/// exactly when the original bytes are equal.
fn stand_in(b64: &str) -> Hash {
    parse_hash(b64).unwrap_or_else(|| {
        let raw = BASE64.decode(b64).unwrap();
        merkle::leaf_hash(&[b"stand-in:".as_slice(), &raw].concat())
    })
}

/// How the vectors of one kind fared; every count is asserted exactly.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    accepted: usize,
    accepted_with_stand_ins: usize,
    rejected_by_verifier: usize,
    rejected_unrepresentable: usize,
}

#[test]
fn inclusion_vectors() {
    let files = fixtures("inclusion");
    assert_eq!(files.len(), 98, "fixtures/rfc6962/inclusion is incomplete");
    let mut tally = Tally::default();
    for (path, text) in &files {
        let p: InclusionProbe = serde_json::from_str(text).unwrap();
        let name = format!("{} ({})", path.display(), p.desc);
        let proof = p.proof.unwrap_or_default();
        let verify = |leaf: &Hash, proof: &[Hash], root: &Hash| {
            merkle::verify_inclusion(p.leaf_idx, p.tree_size, leaf, proof, root)
        };
        let parsed = (
            parse_hash(&p.leaf_hash),
            proof
                .iter()
                .map(|h| parse_hash(h))
                .collect::<Option<Vec<_>>>(),
            parse_hash(&p.root),
        );
        match (p.want_err, parsed) {
            (false, (Some(leaf), Some(proof), Some(root))) => {
                assert_eq!(verify(&leaf, &proof, &root), Ok(()), "{name}");
                tally.accepted += 1;
            }
            (false, _) => panic!("{name}: an accepting vector with a hash that is not 32 bytes"),
            (true, (Some(leaf), Some(proof), Some(root))) => {
                assert!(verify(&leaf, &proof, &root).is_err(), "{name}: accepted");
                tally.rejected_by_verifier += 1;
            }
            (true, _) => tally.rejected_unrepresentable += 1,
        }
    }
    let want = Tally {
        accepted: 6,
        accepted_with_stand_ins: 0,
        rejected_by_verifier: 66,
        rejected_unrepresentable: 26,
    };
    assert_eq!(tally, want);
}

#[test]
fn consistency_vectors() {
    let files = fixtures("consistency");
    assert_eq!(
        files.len(),
        98,
        "fixtures/rfc6962/consistency is incomplete"
    );
    let mut tally = Tally::default();
    for (path, text) in &files {
        let p: ConsistencyProbe = serde_json::from_str(text).unwrap();
        let name = format!("{} ({})", path.display(), p.desc);
        let proof = p.proof.unwrap_or_default();
        let verify = |root1: &Hash, root2: &Hash, proof: &[Hash]| {
            merkle::verify_consistency(p.size1, p.size2, root1, root2, proof)
        };
        let parsed = (
            parse_hash(&p.root1),
            parse_hash(&p.root2),
            proof
                .iter()
                .map(|h| parse_hash(h))
                .collect::<Option<Vec<_>>>(),
        );
        match (p.want_err, parsed) {
            (false, (Some(root1), Some(root2), Some(proof))) => {
                assert_eq!(verify(&root1, &root2, &proof), Ok(()), "{name}");
                tally.accepted += 1;
            }
            (false, _) => {
                // Go compares roots as byte strings of any length when the sizes are equal;
                // this API takes 32-byte roots, so check the same equality on stand-ins.
                let proof: Vec<Hash> = proof.iter().map(|h| stand_in(h)).collect();
                let result = verify(&stand_in(&p.root1), &stand_in(&p.root2), &proof);
                assert_eq!(result, Ok(()), "{name}");
                tally.accepted_with_stand_ins += 1;
            }
            (true, (Some(root1), Some(root2), Some(proof))) => {
                assert!(verify(&root1, &root2, &proof).is_err(), "{name}: accepted");
                tally.rejected_by_verifier += 1;
            }
            (true, _) => tally.rejected_unrepresentable += 1,
        }
    }
    let want = Tally {
        accepted: 5,
        accepted_with_stand_ins: 1,
        rejected_by_verifier: 66,
        rejected_unrepresentable: 26,
    };
    assert_eq!(tally, want);
}

/// The accepting vectors over the `testonly/constants.go` leaves are also what this crate
/// generates, hash for hash.
#[test]
fn vector_proofs_are_the_generated_ones() {
    let leaves = constant_leaves();
    let tree = memory_tree(&leaves);
    let roots: Vec<Hash> = (0..=leaves.len())
        .map(|n| merkle::root(&leaves[..n]))
        .collect();
    let mut checked = 0;
    for (_, text) in fixtures("inclusion") {
        let p: InclusionProbe = serde_json::from_str(&text).unwrap();
        let size = usize::try_from(p.tree_size).unwrap();
        if p.want_err || roots.get(size).map(|r| BASE64.encode(r)) != Some(p.root.clone()) {
            continue;
        }
        let want: Vec<Hash> = p
            .proof
            .unwrap_or_default()
            .iter()
            .map(|h| stand_in(h))
            .collect();
        let got = merkle::inclusion_proof(&leaves[..size], p.leaf_idx).unwrap();
        assert_eq!(got, want, "{}", p.desc);
        let got = merkle::inclusion_proof_from(&tree, p.tree_size, p.leaf_idx).unwrap();
        assert_eq!(got, want, "{}", p.desc);
        checked += 1;
    }
    for (_, text) in fixtures("consistency") {
        let p: ConsistencyProbe = serde_json::from_str(&text).unwrap();
        let size2 = usize::try_from(p.size2).unwrap();
        if p.want_err || roots.get(size2).map(|r| BASE64.encode(r)) != Some(p.root2.clone()) {
            continue;
        }
        let want: Vec<Hash> = p
            .proof
            .unwrap_or_default()
            .iter()
            .map(|h| stand_in(h))
            .collect();
        let got = merkle::consistency_proof(&leaves[..size2], p.size1).unwrap();
        assert_eq!(got, want, "{}", p.desc);
        let got = merkle::consistency_proof_from(&tree, p.size1, p.size2).unwrap();
        assert_eq!(got, want, "{}", p.desc);
        checked += 1;
    }
    // The happy paths of inclusion/0-4 and consistency/0-4.
    assert_eq!(checked, 10);
}

fn constant_leaves() -> Vec<Hash> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|d| merkle::leaf_hash(&hex::decode(d).unwrap()))
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Reference: RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF), recursively.

fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => merkle::empty_root(),
        1 => d[0],
        n => {
            let k = largest_power_of_two_below(n);
            merkle::node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n == 1 {
        return Vec::new();
    }
    let k = largest_power_of_two_below(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = largest_power_of_two_below(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

// ---------------------------------------------------------------------------------------------
// Exhaustive tests

const MAX: usize = 64;

fn test_leaves(n: usize) -> Vec<Hash> {
    (0..n as u64)
        .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
        .collect()
}

fn memory_tree(leaves: &[Hash]) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for leaf in leaves {
        tree.push(*leaf).unwrap();
    }
    tree
}

fn flip_each_bit_position(proof: &[Hash]) -> impl Iterator<Item = Vec<Hash>> + '_ {
    (0..proof.len()).flat_map(move |i| {
        [0usize, 13, 31].into_iter().map(move |byte| {
            let mut bad = proof.to_vec();
            bad[i][byte] ^= 1 << (i % 8);
            bad
        })
    })
}

#[test]
fn roots_agree_with_reference_frontier_and_source() {
    let leaves = test_leaves(1025);
    let mut frontier = Frontier::new();
    let mut tree = MemoryTree::new();
    for n in 0..=leaves.len() {
        let want = merkle::root(&leaves[..n]);
        if n <= 4 * MAX {
            assert_eq!(want, mth(&leaves[..n]), "root({n})");
        }
        assert_eq!(frontier.size(), n as u64);
        assert_eq!(frontier.root(), want, "frontier({n})");
        assert_eq!(tree.root(), want, "memory tree({n})");
        assert_eq!(
            merkle::root_from(&tree, n as u64).unwrap(),
            want,
            "root_from({n})"
        );
        assert_eq!(
            Frontier::from_source(&tree, n as u64).unwrap(),
            frontier,
            "from_source({n})"
        );
        if let Some(leaf) = leaves.get(n) {
            frontier.push(*leaf).unwrap();
            tree.push(*leaf).unwrap();
        }
    }
}

#[test]
fn every_inclusion_proof_up_to_64_leaves() {
    let leaves = test_leaves(MAX + 1);
    let tree = memory_tree(&leaves);
    let roots: Vec<Hash> = (0..=MAX + 1).map(|n| merkle::root(&leaves[..n])).collect();
    let mut rejected = 0usize;
    for n in 1..=MAX {
        let (size, root) = (n as u64, roots[n]);
        for m in 0..n {
            let index = m as u64;
            let want = path(m, &leaves[..n]);
            assert_eq!(
                merkle::inclusion_proof(&leaves[..n], index).unwrap(),
                want,
                "({m}, {n})"
            );
            assert_eq!(
                merkle::inclusion_proof_from(&tree, size, index).unwrap(),
                want
            );
            let leaf = leaves[m];
            assert_eq!(
                merkle::verify_inclusion(index, size, &leaf, &want, &root),
                Ok(())
            );

            let mut reject = |index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash| {
                let result = merkle::verify_inclusion(index, size, leaf, proof, root);
                assert!(result.is_err(), "({m}, {n}) accepted as ({index}, {size})");
                rejected += 1;
            };
            for bad in flip_each_bit_position(&want) {
                reject(index, size, &leaf, &bad, &root);
            }
            let another_leaf = &leaves[(m + 1) % n + usize::from(n == 1)];
            reject(index, size, another_leaf, &want, &root);
            reject(index, size, &leaf, &want, &roots[n - 1]);
            for extra in [leaf, root, [0; 32]] {
                reject(
                    index,
                    size,
                    &leaf,
                    &[want.as_slice(), &[extra]].concat(),
                    &root,
                );
                reject(
                    index,
                    size,
                    &leaf,
                    &[&[extra], want.as_slice()].concat(),
                    &root,
                );
            }
            if let Some((_, shorter)) = want.split_last() {
                reject(index, size, &leaf, shorter, &root);
            }
            for other in (0..=n + 1).map(|i| i as u64).chain([u64::MAX]) {
                if other != index {
                    reject(other, size, &leaf, &want, &root);
                }
            }
            // The proof for one size must not pass for another size's tree.
            for other in (0..=MAX + 1).filter(|&o| o != n) {
                reject(index, other as u64, &leaf, &want, &roots[other]);
            }
        }
    }
    assert!(rejected > 200_000, "only {rejected} rejections checked");
}

#[test]
fn every_consistency_proof_up_to_64_leaves() {
    let leaves = test_leaves(MAX + 1);
    let tree = memory_tree(&leaves);
    let roots: Vec<Hash> = (0..=MAX + 1).map(|n| merkle::root(&leaves[..n])).collect();
    let mut rejected = 0usize;
    for n in 1..=MAX {
        let (new_size, new_root) = (n as u64, roots[n]);
        for m in 1..=n {
            let (old_size, old_root) = (m as u64, roots[m]);
            let want = subproof(m, &leaves[..n], true);
            let got = merkle::consistency_proof(&leaves[..n], old_size).unwrap();
            assert_eq!(got, want, "({m}, {n})");
            let got = merkle::consistency_proof_from(&tree, old_size, new_size).unwrap();
            assert_eq!(got, want, "({m}, {n}) from source");
            let ok = merkle::verify_consistency(old_size, new_size, &old_root, &new_root, &want);
            assert_eq!(ok, Ok(()), "({m}, {n})");

            let mut reject = |old: u64, new: u64, r1: &Hash, r2: &Hash, proof: &[Hash]| {
                let result = merkle::verify_consistency(old, new, r1, r2, proof);
                assert!(result.is_err(), "({m}, {n}) accepted as ({old}, {new})");
                rejected += 1;
            };
            for bad in flip_each_bit_position(&want) {
                reject(old_size, new_size, &old_root, &new_root, &bad);
            }
            if m != n {
                reject(old_size, new_size, &new_root, &old_root, &want);
            }
            reject(old_size, new_size, &roots[m - 1], &new_root, &want);
            reject(old_size, new_size, &old_root, &roots[n + 1], &want);
            for extra in [old_root, new_root, [0; 32]] {
                reject(
                    old_size,
                    new_size,
                    &old_root,
                    &new_root,
                    &[want.as_slice(), &[extra]].concat(),
                );
                reject(
                    old_size,
                    new_size,
                    &old_root,
                    &new_root,
                    &[&[extra], want.as_slice()].concat(),
                );
            }
            if let Some((_, shorter)) = want.split_last() {
                reject(old_size, new_size, &old_root, &new_root, shorter);
            }
            // Another old size, with that size's root; another new size, with its root.
            for other in (0..=MAX + 1).filter(|&o| o != m) {
                reject(other as u64, new_size, &roots[other], &new_root, &want);
            }
            for other in (0..=MAX + 1).filter(|&o| o != n) {
                reject(old_size, other as u64, &old_root, &roots[other], &want);
            }
        }
        // From the empty tree nothing is proved, whatever the proof.
        let empty = merkle::empty_root();
        assert_eq!(
            merkle::verify_consistency(0, new_size, &empty, &new_root, &[]),
            Err(ProofError::EmptyOldTree { new_size })
        );
        assert_eq!(
            merkle::consistency_proof(&leaves[..n], 0),
            Err(ProofError::EmptyOldTree { new_size })
        );
    }
    assert!(rejected > 200_000, "only {rejected} rejections checked");
}

#[test]
fn wrong_lengths_and_sizes_report_what_was_expected() {
    let leaves = test_leaves(7);
    let root = merkle::root(&leaves);
    let proof = merkle::inclusion_proof(&leaves, 2).unwrap();
    assert_eq!(
        merkle::verify_inclusion(2, 7, &leaves[2], &proof[..2], &root),
        Err(ProofError::WrongProofLength {
            expected: 3,
            found: 2
        })
    );
    assert_eq!(
        merkle::verify_inclusion(7, 7, &leaves[2], &proof, &root),
        Err(ProofError::IndexOutOfRange { index: 7, size: 7 })
    );
    let mut bad = proof.clone();
    bad[0][0] ^= 1;
    assert!(matches!(
        merkle::verify_inclusion(2, 7, &leaves[2], &bad, &root),
        Err(ProofError::RootMismatch { size: 7, expected, .. }) if expected == root
    ));
    let old_root = merkle::root(&leaves[..3]);
    let proof = merkle::consistency_proof(&leaves, 3).unwrap();
    assert_eq!(
        merkle::verify_consistency(3, 7, &old_root, &root, &proof[1..]),
        Err(ProofError::WrongProofLength {
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        merkle::verify_consistency(7, 3, &root, &old_root, &proof),
        Err(ProofError::OldSizeTooLarge {
            old_size: 7,
            new_size: 3
        })
    );
    assert!(matches!(
        merkle::verify_consistency(3, 7, &root, &root, &proof),
        Err(ProofError::RootMismatch { size: 3, .. })
    ));
    assert_eq!(
        merkle::consistency_proof(&leaves, 8),
        Err(ProofError::OldSizeTooLarge {
            old_size: 8,
            new_size: 7
        })
    );
    // Messages are lower-case and carry the numbers.
    let msg = ProofError::WrongProofLength {
        expected: 4,
        found: 3,
    }
    .to_string();
    assert_eq!(msg, "proof has 3 hashes, expected 4");
}

// ---------------------------------------------------------------------------------------------
// Subtree sources

/// A source of made-up hashes that counts lookups and checks each is inside the tree.
struct Counting {
    size: u64,
    lookups: Cell<u32>,
}

impl SubtreeSource for Counting {
    type Error = ();

    fn subtree(&self, level: u32, index: u64) -> Result<Hash, ()> {
        self.lookups.set(self.lookups.get() + 1);
        let id = NodeId::new(level, index).ok_or(())?;
        assert!(
            id.leaves().end <= self.size,
            "({level}, {index}) is outside {}",
            self.size
        );
        let mut h = [0; 32];
        h[..8].copy_from_slice(&index.to_be_bytes());
        h[8] = u8::try_from(level).unwrap();
        Ok(h)
    }
}

#[test]
fn proofs_from_a_source_take_logarithmic_lookups() {
    let sizes = [
        1,
        2,
        3,
        1_000_000,
        (1 << 40) + 12_345,
        u64::MAX >> 1,
        u64::MAX,
    ];
    for size in sizes {
        let src = Counting {
            size,
            lookups: Cell::new(0),
        };
        let mut worst = 0;
        let mut take = |what: &str| {
            let n = src.lookups.replace(0);
            assert!(n <= 2 * 64, "{what} in size {size} took {n} lookups");
            worst = worst.max(n);
        };
        let indices = [0, 1, size / 3, size / 2, size.saturating_sub(2), size - 1];
        for index in indices.into_iter().filter(|&i| i < size) {
            let proof = merkle::inclusion_proof_from(&src, size, index).unwrap();
            take("inclusion proof");
            assert!(proof.len() <= 64);
        }
        for old in [1, 2, size / 3, size - 1, size]
            .into_iter()
            .filter(|o| (1..=size).contains(o))
        {
            merkle::consistency_proof_from(&src, old, size).unwrap();
            take("consistency proof");
        }
        merkle::root_from(&src, size).unwrap();
        take("root");
        Frontier::from_source(&src, size).unwrap();
        take("frontier");
        assert!(worst >= 1);
    }
}

#[test]
fn source_errors_say_which_subtree() {
    let tree = memory_tree(&test_leaves(5));
    // The tree has 5 leaves, so the first sibling of leaf 8 in size 9, leaves [0, 8), is missing.
    let err = merkle::inclusion_proof_from(&tree, 9, 8).unwrap_err();
    let missing = merkle::MissingSubtree { level: 3, index: 0 };
    assert_eq!(
        err,
        SourceError::Subtree {
            level: 3,
            index: 0,
            source: missing
        }
    );
    assert_eq!(
        err.to_string(),
        "cannot read the subtree at level 3, index 0"
    );
    let err = merkle::inclusion_proof_from(&tree, 5, 5).unwrap_err();
    assert_eq!(
        err,
        SourceError::Proof(ProofError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert!(merkle::consistency_proof_from(&tree, 3, 9).is_err());
    assert!(merkle::root_from(&tree, 6).is_err());
    assert_eq!(merkle::consistency_proof_from(&tree, 5, 5), Ok(Vec::new()));
}
