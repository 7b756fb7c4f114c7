//! What each input gives on its own — its decoding, its id, its signature's verdict, its body
//! and that body's own content check, its Merkle leaf hash — computed on every core before the
//! rules, which need the entries in order, run on one.
//!
//! The signature check is `verify_strict` under the header's key, exactly as
//! [`SignedEntry::verify_signature`]; the key itself is checked once per thread
//! ([`KeyCache`]), not once per entry. No batch verification: a cofactorless batch can accept
//! a signature with a torsion component that `verify_strict` refuses, and two verifiers must
//! never disagree about whether a party signed something.

use std::num::NonZeroUsize;

use crate::entry::{Body, BodyError, EntryError, EntryId, SignedEntry};
use crate::keys::{KeyCache, KeyError};
use crate::merkle::{self, Hash};

/// One input, decoded, with its id and whether its signature verifies under its header's key.
pub(super) struct Prepared {
    pub(super) signed: SignedEntry,
    pub(super) id: EntryId,
    pub(super) signature: Result<(), KeyError>,
    /// Its body, decoded, and, if it decodes, [`Body::check_content`] of it.
    pub(super) body: Result<(Body, Result<(), String>), BodyError>,
    /// Its leaf hash in its feed's tree.
    pub(super) leaf: Hash,
}

impl Prepared {
    fn new(
        bytes: &[u8],
        signed: SignedEntry,
        id: EntryId,
        signature: Result<(), KeyError>,
    ) -> Prepared {
        let body = signed.entry.body().map(|b| {
            let content = b.check_content();
            (b, content)
        });
        Prepared {
            signed,
            id,
            signature,
            body,
            leaf: merkle::leaf_hash(bytes),
        }
    }
}

/// An input's preparation: `Err` if it does not decode, `Ok(None)` if it decodes but cannot
/// be encoded again to take its id (which the verifier skips, as it always has).
pub(super) type Outcome = Result<Option<Prepared>, EntryError>;

/// Inputs below this are prepared on the calling thread: spawning threads would cost more
/// than the signatures (an import of a few entries, an append).
const SPREAD_FROM: usize = 256;

fn prepare_one(bytes: &[u8], vouched: bool, keys: &mut KeyCache) -> Outcome {
    let signed = SignedEntry::decode(bytes)?;
    if vouched {
        return Ok(signed
            .id()
            .ok()
            .map(|id| Prepared::new(bytes, signed, id, Ok(()))));
    }
    Ok(signed
        .id_and_signature(keys)
        .ok()
        .map(|(id, signature)| Prepared::new(bytes, signed, id, signature)))
}

/// Prepare `entries`, the inputs from position `start` on; those before `vouched` are taken
/// as signed (see `verify::verify_vouched`).
fn prepare_run<B: AsRef<[u8]>>(entries: &[B], start: usize, vouched: usize) -> Vec<Outcome> {
    let mut keys = KeyCache::default();
    entries
        .iter()
        .enumerate()
        .map(|(i, b)| prepare_one(b.as_ref(), start.saturating_add(i) < vouched, &mut keys))
        .collect()
}

/// Prepare every input, in input order, on as many threads as the machine has cores (one run
/// of consecutive inputs each). A thread that cannot be started leaves its run to this one.
/// The signatures of the first `vouched` inputs are not checked (see
/// `verify::verify_vouched`); 0 for every verification from scratch.
pub(super) fn prepare<B: AsRef<[u8]> + Sync>(entries: &[B], vouched: usize) -> Vec<Outcome> {
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    // What is left to verify decides whether spreading pays.
    if threads < 2 || entries.len().saturating_sub(vouched) < SPREAD_FROM {
        return prepare_run(entries, 0, vouched);
    }
    let run = entries.len().div_ceil(threads);
    std::thread::scope(|s| {
        let mut runs = entries.chunks(run).enumerate();
        // The first run is this thread's own.
        let own = runs.next().map(|(_, c)| c).unwrap_or_default();
        let handles: Vec<_> = runs
            .map(|(n, chunk)| {
                let start = n.saturating_mul(run);
                let handle = std::thread::Builder::new()
                    .name("hotline-verify".into())
                    .spawn_scoped(s, move || prepare_run(chunk, start, vouched));
                (chunk, start, handle.ok())
            })
            .collect();
        let mut out = prepare_run(own, 0, vouched);
        out.reserve(entries.len().saturating_sub(out.len()));
        for (chunk, start, handle) in handles {
            match handle.map(std::thread::ScopedJoinHandle::join) {
                Some(Ok(part)) => out.extend(part),
                // Not started (or, impossibly, panicked): do its run here.
                _ => out.extend(prepare_run(chunk, start, vouched)),
            }
        }
        out
    })
}
