//! The cost of checking an offline proof (`hotline verify-proof`) for an entry of a feed of
//! 1,000,000 entries, against the raw cost of one Ed25519 `verify_strict` in the same run.
//!
//! `cargo bench --bench proof`. A feed of a million leaves is built once; the entry proven is a
//! real signed notice at seq 777,777, and the checkpoint is signed by its author and cosigned
//! by the other party. A proof check is three Ed25519 verifications (entry, checkpoint,
//! cosignature) plus 20 SHA-256 node hashes, so the expected ratio is a little over 3.
// Setup that fails should stop the run loudly.
#![allow(clippy::expect_used, clippy::cast_possible_truncation)]

mod support;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_main};
use hotline::entry::{
    Body, Entry, EntryId, FORMAT_VERSION, Header, Response, Seq, Timestamp, View,
};
use hotline::example::{self, test_key};
use hotline::merkle::{self, MemoryTree};
use hotline::proof::{self, OfflineProof};
use hotline::witness::{self, CheckedNote, Held};

const LEAVES: u64 = 1_000_000;
const INDEX: u64 = 777_777;

fn proof_benches(c: &mut Criterion) {
    let charter = example::charter();
    let channel = charter.id().expect("charter id");
    let (alpha, beta) = (test_key("alpha"), test_key("beta"));
    let header = Header {
        version: FORMAT_VERSION,
        channel,
        author: alpha.party(),
        key: alpha.party(),
        seq: Seq(INDEX),
        prev: EntryId([7; 32]),
        time: Timestamp(example::T0),
        // A typical two-party entry: one view of the other feed.
        views: vec![View {
            party: beta.party(),
            size: INDEX,
            root: [5; 32],
        }],
    };
    let body = Body::Response(Response {
        to: EntryId([9; 32]),
        text: "Acknowledged; the hosts named were taken down at 04:10 UTC.".into(),
    });
    let entry = Entry::new(header, &body)
        .expect("encodes")
        .sign(&alpha)
        .expect("signs")
        .encode()
        .expect("encodes");

    let started = Instant::now();
    let mut tree = MemoryTree::new();
    for i in 0..LEAVES {
        let leaf = if i == INDEX {
            merkle::leaf_hash(&entry)
        } else {
            merkle::leaf_hash(&i.to_be_bytes())
        };
        tree.push(leaf).expect("fits");
    }
    let root = tree.root();
    let note = witness::sign_checkpoint(&charter, &alpha, LEAVES, root).expect("signs");
    let held = move |_: &CheckedNote| Held {
        size: LEAVES,
        root_at_checkpoint: Some(root),
        last_cosigned: None,
    };
    let note = witness::cosign(&charter, &beta, &note, &held, Timestamp(example::T0 + 60))
        .expect("cosigns");
    let proof = OfflineProof {
        entry: entry.clone(),
        index: INDEX,
        path: merkle::inclusion_proof_from(&tree, LEAVES, INDEX).expect("in the tree"),
        note,
    };
    let file = proof.encode();
    let trusted = [alpha.public(), beta.public()];
    let proven = proof::verify_offline(&OfflineProof::parse(&file).expect("parses"), &trusted)
        .expect("the proof verifies");
    assert_eq!(proven.cosignatures.len(), 1);
    let inclusion_bytes = proof.path.len() * 32;
    println!(
        "feed of {LEAVES} entries built in {:.2?}; proof for seq {INDEX}: inclusion proof {} hashes = {inclusion_bytes} bytes; whole tlog-proof file {} bytes (entry {} bytes, checkpoint note {} bytes, base64 text)",
        started.elapsed(),
        proof.path.len(),
        file.len(),
        entry.len(),
        proof.note.len()
    );
    assert!(
        inclusion_bytes < 1024,
        "the inclusion proof must stay under 1 KiB"
    );

    let sig = alpha.sign(b"baseline message");
    let party = alpha.party();
    let mut group = c.benchmark_group("proof");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ed25519_verify_strict (baseline)", |b| {
        b.iter(|| party.verify(black_box(b"baseline message"), black_box(&sig)))
    });
    group.bench_function("verify_offline/1M", |b| {
        b.iter(|| proof::verify_offline(black_box(&proof), black_box(&trusted)))
    });
    group.bench_function("parse_and_verify_offline/1M", |b| {
        b.iter(|| {
            OfflineProof::parse(black_box(&file)).and_then(|p| proof::verify_offline(&p, &trusted))
        })
    });
    group.finish();

    let base = support::ns_per_call(5, 2_000, || party.verify(b"baseline message", &sig));
    let full = support::ns_per_call(5, 1_000, || proof::verify_offline(&proof, &trusted));
    println!(
        "same-run estimate: one verify_strict {:.1} µs; verify_offline {:.1} µs = {:.2}x the baseline",
        base / 1e3,
        full / 1e3,
        full / base
    );
}

fn benches() {
    let mut c = Criterion::default().configure_from_args();
    proof_benches(&mut c);
}

criterion_main!(benches);
