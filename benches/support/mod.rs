//! What every bench shares: a quick same-run estimate of a call's cost, for the ratios each
//! bench prints beside criterion's own numbers.

use std::hint::black_box;
use std::time::Instant;

/// Nanoseconds per call of `f`: the best of `rounds` rounds of `iters` calls.
pub fn ns_per_call<T>(rounds: u32, iters: u32, mut f: impl FnMut() -> T) -> f64 {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(f());
            }
            start.elapsed().as_secs_f64() * 1e9 / f64::from(iters)
        })
        .fold(f64::INFINITY, f64::min)
}
