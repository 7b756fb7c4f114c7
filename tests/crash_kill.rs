//! The crash harness: the real binary killed (SIGKILL) at a deterministic schedule of moments
//! during `notify`, `import`, `cosign`, `checkpoint`, `repair`, `recover` and the read-only
//! `log`, `verify` and `export`, and after each kill:
//!
//! - the store opens for writing without `repair`, and its feed can be appended to (a
//!   `notify` must succeed);
//! - `verify` passes;
//! - every success reported before the kill (an exit 0, with the entry it printed) is there;
//! - an import is all or nothing: the two new entries of the counterparty's bundle are both
//!   held or neither;
//! - a `recover` killed midway left either no store (and running it again succeeds) or a
//!   whole one that verifies, holds every reported entry and opens for writing.
//!
//! The schedule: run `i` kills command `i mod 9` after `f × d`, where `d` is that
//! command's median duration over 3 runs, unkilled, at the start, and `f` in [0, 1) is the `i`-th
//! draw of a SplitMix64 generator from `--seed`. The moments are the same fractions of each
//! command's run every time; the instructions they land on vary with the machine's load, so
//! a long run covers the windows between each write and sync.
//!
//! Every 500 runs (`--fresh-every N`; 0 for never) the harness starts a new channel, so that
//! in a long run the stores stay the size the durations were measured at.
//!
//! `cargo test --all-features --test crash_kill` runs until 300 kills landed (a run that
//! finished first does not count);
//! `cargo test --all-features --test crash_kill -- --kills 3000 --seed 7` a long run by hand.
//! It prints its figures and exits non-zero on any failure.
#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]
#[path = "support/run.rs"]
mod run;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hotline::entry::SignedEntry;
use hotline::store::Store;
use hotline::verify::Options;
use run::{Run, hotline, ok};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Notify,
    Import,
    Cosign,
    Checkpoint,
    Repair,
    Recover,
    Log,
    Verify,
    Export,
}

const OPS: [Op; 9] = [
    Op::Notify,
    Op::Import,
    Op::Cosign,
    Op::Checkpoint,
    Op::Repair,
    Op::Recover,
    Op::Log,
    Op::Verify,
    Op::Export,
];

/// SplitMix64: a fixed, dependency-free schedule.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Default)]
struct Tally {
    killed: u64,
    finished: u64,
}

#[derive(Default)]
struct Figures {
    per_op: BTreeMap<Op, Tally>,
    lost: u64,
    unopenable: u64,
    partial_imports: u64,
    failures: Vec<String>,
    /// Channels finished and set aside (`--fresh-every`), and the entries checked in them.
    channels: u64,
    checked: u64,
}

/// Run `hotline ARGS` in `cwd`, killing it (SIGKILL) once `after` has passed: `Some(run)` if
/// it finished first. Its output goes to files, so that it never blocks on a full pipe.
fn run_killed(cwd: &Path, args: &[String], after: Duration) -> Option<Run> {
    let (out_path, err_path) = (cwd.join("child.out"), cwd.join("child.err"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    for var in [
        "HOTLINE_STORE",
        "HOTLINE_KEY",
        "HOTLINE_PASSPHRASE",
        "HOTLINE_NEW_PASSPHRASE",
        "HOTLINE_TEST_SCRYPT_WORK_FACTOR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOTLINE_HOME", cwd);
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + after;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let now = Instant::now();
        if now >= deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep((deadline - now).min(Duration::from_micros(500)));
    };
    let run = Run {
        code: status.code()?,
        stdout: std::fs::read_to_string(&out_path).unwrap(),
        stderr: std::fs::read_to_string(&err_path).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    Some(run)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

fn entry_of(r: &Run) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(&r.stdout).ok()?["id"]
        .as_str()
        .map(str::to_owned)
}

fn notify(store: &str, summary: &str) -> Vec<String> {
    strings(&[
        "--store",
        store,
        "--json",
        "notify",
        "--severity",
        "low",
        "--category",
        "other",
        "--summary",
        summary,
    ])
}

/// The ids of the entries a store holds, and whether it verifies, read in this process as a
/// reader would (no lock, nothing written): a spawned `log` and `verify` would double the
/// harness's time for the same library code.
fn ids(p: &Path, store: &str) -> Result<BTreeSet<String>, String> {
    let s = Store::open_read_only(&p.join(store)).map_err(|e| e.to_string())?;
    let report = s.verify(Options::default()).map_err(|e| e.to_string())?;
    if !report.ok {
        return Err(format!("verify fails: {:?}", report.findings));
    }
    s.entries()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|b| {
            SignedEntry::decode(b)
                .map_err(|e| e.to_string())
                .and_then(|e| e.id().map_err(|e| e.to_string()))
                .map(|id| id.to_string())
        })
        .collect()
}

/// Send what `from` holds to `to` (neither killed).
fn send(p: &Path, from: &str, to: &str, file: &str) {
    ok(p, &["--store", from, "export", "--out", file, "--force"]);
    ok(p, &["--store", to, "import", file]);
}

struct Harness {
    /// The directory of the current channel (stores `a`, `b`, `r`, keys, bundles).
    p: PathBuf,
    /// Entries store `a` reported written.
    expected: BTreeSet<String>,
    figures: Figures,
}

impl Harness {
    fn fail(&mut self, what: String) {
        eprintln!("FAILURE: {what}");
        self.figures.failures.push(what);
    }

    /// Prepare `op`'s inputs (nothing here is killed) and give its command line, and for an
    /// import the two entries it brings.
    fn prepare(&mut self, op: Op, i: usize) -> (Vec<String>, Vec<String>) {
        let p = &self.p.clone();
        let a = |args: &[&str]| {
            let mut v = strings(&["--store", "a"]);
            v.extend(strings(args));
            v
        };
        match op {
            Op::Notify => (notify("a", &format!("kill {i}")), vec![]),
            Op::Import | Op::Cosign => {
                let mut new = Vec::new();
                for k in 0..2 {
                    let r = ok(
                        p,
                        &notify("b", &format!("beta {i}.{k}"))
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>(),
                    );
                    new.push(entry_of(&r).unwrap());
                }
                if op == Op::Cosign {
                    ok(p, &["--store", "b", "checkpoint"]);
                }
                ok(
                    p,
                    &["--store", "b", "export", "--out", "imp.bundle", "--force"],
                );
                if op == Op::Import {
                    (a(&["--json", "import", "imp.bundle"]), new)
                } else {
                    ok(p, &["--store", "a", "import", "imp.bundle"]);
                    self.expected.extend(new);
                    (a(&["cosign"]), vec![])
                }
            }
            Op::Checkpoint => (a(&["checkpoint"]), vec![]),
            Op::Repair => (a(&["repair"]), vec![]),
            Op::Recover => {
                send(p, "a", "b", "to-b.bundle");
                ok(
                    p,
                    &["--store", "b", "export", "--out", "rec.bundle", "--force"],
                );
                let _ = std::fs::remove_dir_all(p.join("r"));
                (
                    strings(&[
                        "--store",
                        "r",
                        "recover",
                        "--from",
                        "rec.bundle",
                        "--key",
                        "alpha.key",
                        "--trust",
                        "alpha.pub",
                        "--trust",
                        "beta.pub",
                    ]),
                    vec![],
                )
            }
            Op::Log => (a(&["log"]), vec![]),
            Op::Verify => (a(&["verify"]), vec![]),
            Op::Export => (a(&["export", "--out", "e.bundle", "--force"]), vec![]),
        }
    }

    fn check(&mut self, op: Op, i: usize, args: &[String], outcome: Option<&Run>, new: &[String]) {
        let p = &self.p.clone();
        if let Some(r) = outcome
            && r.code == 0
        {
            if op == Op::Notify {
                self.expected.extend(entry_of(r));
            }
            if op == Op::Import {
                self.expected.extend(new.iter().cloned());
            }
        }
        if op == Op::Recover {
            self.check_recovered(i, args);
        }
        // The store opens for writing, without repair, and takes an entry.
        let after = hotline(
            p,
            &notify("a", &format!("after {i}"))
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        match (after.code, entry_of(&after)) {
            (0, Some(id)) => {
                self.expected.insert(id);
            }
            _ => {
                self.figures.unopenable += 1;
                self.fail(format!(
                    "kill {i} ({op:?}): the store did not take an entry: {}",
                    after.stderr
                ));
            }
        }
        let held = match ids(p, "a") {
            Ok(held) => held,
            Err(e) => return self.fail(format!("kill {i} ({op:?}): {e}")),
        };
        let lost = self.expected.difference(&held).count() as u64;
        if lost > 0 {
            self.figures.lost += lost;
            self.fail(format!(
                "kill {i} ({op:?}): {lost} reported entries missing"
            ));
        }
        let got = new.iter().filter(|id| held.contains(*id)).count();
        if got != 0 && got != new.len() {
            self.figures.partial_imports += 1;
            self.fail(format!(
                "kill {i} ({op:?}): {got} of {} imported entries held",
                new.len()
            ));
        }
        // What an import brought is expected from now on, whether or not it reported.
        if got == new.len() {
            self.expected.extend(new.iter().cloned());
        }
    }

    /// A recover killed midway: no store (then it runs again), or a whole one.
    fn check_recovered(&mut self, i: usize, args: &[String]) {
        let p = &self.p.clone();
        if !p.join("r/journal").exists() {
            let again = hotline(p, &args.iter().map(String::as_str).collect::<Vec<_>>());
            if again.code != 0 {
                return self.fail(format!(
                    "kill {i} (Recover): recover again exits {}: {}",
                    again.code, again.stderr
                ));
            }
        }
        // Opens for writing (an import signs nothing with --no-receipt).
        let w = hotline(p, &["--store", "r", "import", "--no-receipt", "rec.bundle"]);
        if w.code != 0 {
            self.figures.unopenable += 1;
            self.fail(format!(
                "kill {i} (Recover): the recovered store does not open: {}",
                w.stderr
            ));
        }
        match ids(p, "r") {
            Ok(held) => {
                let lost = self.expected.difference(&held).count() as u64;
                if lost > 0 {
                    self.figures.lost += lost;
                    self.fail(format!("kill {i} (Recover): {lost} entries missing"));
                }
            }
            Err(e) => self.fail(format!("kill {i} (Recover): the recovered store: {e}")),
        }
    }
}

/// A new two-party channel in `root/<n>`: keys, stores `a` and `b`, each holding the other's
/// entries.
fn channel(root: &Path, n: usize) -> PathBuf {
    let p = root.join(n.to_string());
    std::fs::create_dir(&p).unwrap();
    ok(&p, &["keygen", "alpha", "--dir", "."]);
    ok(&p, &["keygen", "beta", "--dir", "."]);
    run::found_and_join(&p, "alpha.key", "alpha.pub");
    send(&p, "b", "a", "setup.bundle");
    p
}

fn flag(args: &[String], name: &str) -> Option<u64> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

fn main() {
    // Arguments that are not UTF-8 are not ours (libtest's own flags are ASCII): skip them.
    let args: Vec<String> = std::env::args_os()
        .filter_map(|a| a.into_string().ok())
        .collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let kills = flag(&args, "--kills").unwrap_or(300) as usize;
    let seed = flag(&args, "--seed").unwrap_or(9);
    // A long run starts a new channel every this many runs (0: never), so that a store does
    // not grow for hours and each kill lands in a command as long as the one measured.
    let fresh_every = flag(&args, "--fresh-every").unwrap_or(500) as usize;
    let start = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let p = channel(tmp.path(), 0);
    let mut h = Harness {
        expected: ids(&p, "a").unwrap(),
        p,
        figures: Figures::default(),
    };

    // Each command's median duration over 3 runs, unkilled.
    let mut took = BTreeMap::new();
    for op in OPS {
        let mut times = Vec::new();
        for _ in 0..3 {
            let (args, new) = h.prepare(op, 0);
            let t = Instant::now();
            let r = run_killed(&h.p, &args, Duration::from_secs(60)).unwrap();
            times.push(t.elapsed());
            assert_eq!(r.code, 0, "{op:?}: {}", r.stderr);
            h.check(op, 0, &args, Some(&r), &new);
        }
        times.sort();
        took.insert(op, times[1]);
    }
    assert!(h.figures.failures.is_empty(), "{:?}", h.figures.failures);

    let mut draws = Draws(seed);
    let mut landed = 0;
    let mut i = 0;
    while landed < kills && i < kills.saturating_mul(4) {
        i += 1;
        if fresh_every > 0 && i % fresh_every == 0 {
            let old = std::mem::replace(&mut h.p, channel(tmp.path(), i / fresh_every));
            let _ = std::fs::remove_dir_all(old);
            h.figures.checked += h.expected.len() as u64;
            h.expected = ids(&h.p, "a").unwrap();
            h.figures.channels += 1;
        }
        let op = OPS[i % OPS.len()];
        let (args, new) = h.prepare(op, i);
        let after = took[&op].mul_f64(draws.next());
        let outcome = run_killed(&h.p, &args, after);
        let tally = h.figures.per_op.entry(op).or_default();
        if outcome.is_some() {
            tally.finished += 1;
        } else {
            tally.killed += 1;
            landed += 1;
        }
        h.check(op, i, &args, outcome.as_ref(), &new);
        if i % 250 == 0 {
            eprintln!(
                "{i} runs, {landed} killed, {:.0} s, lost {}, unopenable {}, failures {}",
                start.elapsed().as_secs_f64(),
                h.figures.lost,
                h.figures.unopenable,
                h.figures.failures.len()
            );
        }
        if h.figures.failures.len() > 20 {
            break;
        }
    }

    let f = &h.figures;
    println!(
        "crash harness: {i} runs, {landed} killed, seed {seed}, {:.1} s; {} channels (a new one every {fresh_every} runs), {} entries reported and all checked",
        start.elapsed().as_secs_f64(),
        f.channels + 1,
        f.checked + h.expected.len() as u64
    );
    for (op, t) in &f.per_op {
        println!(
            "  {op:<10?} killed {:>5}  finished first {:>5}  (runs {:>4} ms unkilled)",
            t.killed,
            t.finished,
            took[op].as_millis()
        );
    }
    println!(
        "  lost {}; unopenable {}; partial imports {}; failures {}",
        f.lost,
        f.unopenable,
        f.partial_imports,
        f.failures.len()
    );
    if landed < kills {
        println!(
            "  only {landed} of the {kills} kills landed in {i} runs: the commands finished before their kill"
        );
        std::process::exit(1);
    }
    if !f.failures.is_empty() {
        std::process::exit(1);
    }
}
