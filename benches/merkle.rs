//! Merkle costs, each against the raw cost of SHA-256 on the same machine in the same run.
//!
//! `cargo bench --bench merkle`. One tree of 1,000,000 leaves is built once (about 2 million
//! SHA-256 calls), then criterion measures, as elements/s:
//!
//! - `sha256/64B`: one SHA-256 of 64 bytes, the baseline (two compression blocks, as a node hash);
//! - `verify_inclusion/1M`: checking a 20-hash inclusion proof in that tree;
//! - `inclusion_proof_from/1M`: making that proof from the stored subtrees;
//! - `frontier_push`: appending one leaf hash to a `Frontier`.
//!
//! It also prints the proof size, and each cost as a multiple of the baseline.
// Setup that fails should stop the run loudly.
#![allow(clippy::expect_used)]

mod support;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_main};
use hotline::merkle::{self, Frontier, Hash, MemoryTree, SubtreeSource};
use sha2::{Digest, Sha256};

const LEAVES: u64 = 1_000_000;
const INDEX: u64 = 777_777;

fn leaf(i: u64) -> Hash {
    merkle::leaf_hash(&i.to_be_bytes())
}

fn merkle_benches(c: &mut Criterion) {
    let started = Instant::now();
    let mut tree = MemoryTree::new();
    for i in 0..LEAVES {
        tree.push(leaf(i)).expect("a million leaves fit");
    }
    let size = tree.size();
    let root = tree.root();
    let leaf_hash = tree.subtree(0, INDEX).expect("leaf is stored");
    let proof = merkle::inclusion_proof_from(&tree, size, INDEX).expect("index is in the tree");
    merkle::verify_inclusion(INDEX, size, &leaf_hash, &proof, &root).expect("proof verifies");
    let proof_bytes = proof.len() * std::mem::size_of::<Hash>();
    println!(
        "tree of {size} leaves built in {:.2?}; inclusion proof for leaf {INDEX}: {} hashes, {proof_bytes} bytes",
        started.elapsed(),
        proof.len(),
    );
    assert!(
        proof_bytes < 1024,
        "proof of {proof_bytes} bytes is not under 1 KiB"
    );

    let block = [0x5a_u8; 64];
    let sha = || Sha256::digest(black_box(&block));
    let verify =
        || merkle::verify_inclusion(black_box(INDEX), size, &leaf_hash, black_box(&proof), &root);
    let make = || merkle::inclusion_proof_from(&tree, size, black_box(INDEX));

    let mut group = c.benchmark_group("merkle");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sha256/64B", |b| b.iter(sha));
    group.bench_function("verify_inclusion/1M", |b| b.iter(verify));
    group.bench_function("inclusion_proof_from/1M", |b| b.iter(make));
    group.bench_function("frontier_push", |b| {
        let mut frontier = Frontier::new();
        let next = leaf(0);
        b.iter(|| frontier.push(black_box(next)));
    });
    group.finish();

    let base = support::ns_per_call(5, 200_000, sha);
    let mut frontier = Frontier::new();
    let next = leaf(0);
    let ratios = [
        (
            "verify_inclusion/1M",
            support::ns_per_call(5, 20_000, verify),
        ),
        (
            "inclusion_proof_from/1M",
            support::ns_per_call(5, 20_000, make),
        ),
        (
            "frontier_push",
            support::ns_per_call(5, 200_000, || frontier.push(black_box(next))),
        ),
    ];
    println!("same-run ratios to one SHA-256 of 64 bytes ({base:.0} ns):");
    for (name, ns) in ratios {
        println!("  {name}: {:.1}x ({:.0} elements/s)", ns / base, 1e9 / ns);
    }
}

/// Private, so the undocumented `pub fn` that `criterion_group!` makes is not public.
mod group {
    criterion::criterion_group!(benches, super::merkle_benches);
}
criterion_main!(group::benches);
