//! Store costs at two sizes, each against the raw cost of one Ed25519 signature on the same
//! machine in the same run.
//!
//! `cargo bench --bench store` (a minute or two on 2 cores). Two stores are built once, in a
//! temporary directory, holding N = 1,000 and N = 20,000 entries (alpha's feed, signed in
//! memory and imported as one bundle); then criterion measures, as elements/s:
//!
//! - `ed25519_sign`: one `SecretKey::sign` of an entry-sized message, the baseline;
//! - `append/N`: `Store::append` of a definition: signing, the checks against the index, the
//!   journal write and its `sync_data`, the index update (tree nodes included) and sled's
//!   flush. Per-append time must not grow with N;
//! - `inclusion_proof/N`: `Store::inclusion_proof` of the entry in the middle of the feed, at
//!   the tree's size;
//! - `open/N`: `Store::open` and drop of the store (which reads only the journal's tail past
//!   the index's position);
//! - `create`: `Store::create` of a store in a new directory: the directory made and its
//!   entry in its parent synced, the journal written by temporary file, sync, rename and
//!   directory sync, sled's index opened;
//! - `dir_sync`: one directory `fsync` (open and `sync_all`) in the same temporary directory,
//!   the unit of what making the power-loss promise true added: one to each `create` (the new
//!   directory's entry in its parent) and to each output file written (keys, exports,
//!   proofs), none to an append (the journal's own `sync_data` covers it).
//!
//! It also prints each cost as a multiple of the baseline. The stores grow by the appends
//! measured (a few thousand), and the figures are compared across the two sizes. Appends are
//! dominated by the journal's `sync_data` and sled's flush, so they depend on the disk under
//! the temporary directory; `open` is mostly sled's own start-up.
// Setup that fails should stop the run loudly.
#![allow(clippy::expect_used)]

#[cfg(feature = "store")]
mod support;

#[cfg(feature = "store")]
mod store {
    use super::support;
    use std::hint::black_box;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use criterion::{BenchmarkId, Criterion, Throughput};
    use hotline::bundle;
    use hotline::entry::{Body, Definition, EntryId, Timestamp};
    use hotline::example::{self, T0, Writer, test_key};
    use hotline::store::Store;

    const SIZES: [u64; 2] = [1_000, 20_000];

    fn definition(i: u64) -> Body {
        Body::Definition(Definition {
            term: format!("term {i}"),
            text: format!("what term {i} means, in a sentence or two of ordinary length"),
            supersedes: None,
        })
    }

    /// A store in `dir` holding alpha's feed of `n` entries; returns it and the id of the entry in
    /// the middle of the feed.
    fn build(dir: &Path, n: u64) -> (Store, EntryId) {
        let charter = example::charter();
        let mut w = Writer::new(test_key("alpha"), charter.id().expect("charter encodes"));
        let mut entries = Vec::new();
        let mut middle = None;
        for i in 0..n {
            let body = if i == 0 {
                Body::Charter(charter.clone())
            } else {
                definition(i)
            };
            let e = w.append(T0 + i, vec![], body).expect("entry fits");
            if i == n / 2 {
                middle = Some(e.id().expect("entry encodes"));
            }
            entries.push(e.encode().expect("entry encodes"));
        }
        let bytes = bundle::write(&charter, &entries).expect("bundle writes");
        let mut store = Store::create(dir, &charter).expect("store is created");
        store.import(&bytes, None).expect("bundle imports");
        (store, middle.expect("the feed has a middle"))
    }

    pub fn store_benches(c: &mut Criterion) {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let key = test_key("alpha");
        let mut stores = Vec::new();
        for n in SIZES {
            let started = Instant::now();
            let dir = tmp.path().join(format!("n{n}"));
            let (store, middle) = build(&dir, n);
            println!(
                "store of {n} entries built in {:.2?}; journal {} bytes",
                started.elapsed(),
                std::fs::metadata(dir.join("journal")).map_or(0, |m| m.len())
            );
            stores.push((n, dir, Some(store), middle));
        }

        // The message an entry signature covers is the tag and the entry, ~250 bytes here.
        let message = [0x5a_u8; 256];
        let sign = || key.sign(black_box(&message));
        let mut clock = T0 + 1_000_000;
        let mut next = 1_000_000u64;

        let mut group = c.benchmark_group("store");
        group.throughput(Throughput::Elements(1));
        group.sample_size(20);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(3));
        group.bench_function("ed25519_sign", |b| b.iter(sign));
        for (n, dir, store, middle) in &mut stores {
            let Some(s) = store.as_mut() else { continue };
            group.bench_function(BenchmarkId::new("append", *n), |b| {
                b.iter(|| {
                    next += 1;
                    clock += 1;
                    s.append(&key, &definition(next), Timestamp(clock))
                        .expect("append")
                })
            });
            group.bench_function(BenchmarkId::new("inclusion_proof", *n), |b| {
                b.iter(|| s.inclusion_proof(black_box(middle), None).expect("proof"))
            });
            let held = store.take();
            drop(held);
            group.bench_function(BenchmarkId::new("open", *n), |b| {
                b.iter(|| Store::open(dir).expect("open"))
            });
            *store = Some(Store::open(dir).expect("open"));
        }
        let mut made = 0u64;
        let fresh = tmp.path().join("fresh");
        std::fs::create_dir(&fresh).expect("directory");
        let charter = example::charter();
        let mut create = || {
            made += 1;
            Store::create(&fresh.join(format!("s{made}")), &charter).expect("create")
        };
        group.bench_function("create", |b| b.iter(&mut create));
        let dir_sync = || {
            std::fs::File::open(&fresh)
                .and_then(|d| d.sync_all())
                .expect("directory sync")
        };
        group.bench_function("dir_sync", |b| b.iter(dir_sync));
        group.finish();

        let base = support::ns_per_call(3, 2_000, sign);
        println!(
            "same-run ratios to one Ed25519 signature ({:.1} µs, {:.0} signatures/s):",
            base / 1e3,
            1e9 / base
        );
        let created = support::ns_per_call(3, 20, &mut create);
        let synced = support::ns_per_call(3, 200, dir_sync);
        println!(
            "  create: {:.1}x ({:.1} µs); one directory sync: {:.1}x ({:.1} µs), {:.0}% of a create, which makes two: its new directory's entry in its parent (added for power loss) and the journal's rename",
            created / base,
            created / 1e3,
            synced / base,
            synced / 1e3,
            100.0 * synced / created
        );
        for (n, dir, store, middle) in &mut stores {
            let Some(s) = store.as_mut() else { continue };
            let append = support::ns_per_call(3, 100, || {
                next += 1;
                clock += 1;
                s.append(&key, &definition(next), Timestamp(clock))
                    .expect("append")
            });
            let proof =
                support::ns_per_call(3, 2_000, || s.inclusion_proof(middle, None).expect("proof"));
            let size = s.tree_size(&key.party()).expect("tree size");
            let path = s.inclusion_proof(middle, None).expect("proof").path.len();
            drop(store.take());
            let open = support::ns_per_call(3, 20, || Store::open(dir).expect("open"));
            println!("  N = {n} (tree size now {size}, proof of {path} hashes):");
            for (name, ns) in [
                ("append", append),
                ("inclusion_proof", proof),
                ("open", open),
            ] {
                println!(
                    "    {name}: {:.1}x ({:.0} elements/s, {:.1} µs)",
                    ns / base,
                    1e9 / ns,
                    ns / 1e3
                );
            }
        }
    }
}

/// Private, so the undocumented `pub fn` that `criterion_group!` makes is not public.
#[cfg(feature = "store")]
mod group {
    criterion::criterion_group!(benches, super::store::store_benches);
}
#[cfg(feature = "store")]
criterion::criterion_main!(group::benches);

/// Without the `store` feature there is no store to measure.
#[cfg(not(feature = "store"))]
fn main() {}
