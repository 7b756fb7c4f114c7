//! What hotline costs at scale, each figure beside a raw baseline measured in the same run, so
//! that every figure is a ratio (issue 10; the figures are in `docs/PERFORMANCE.md`).
//!
//! ```text
//! cargo bench --bench scale                                   # N = 10,000
//! HOTLINE_BENCH_ENTRIES=100000 cargo bench --bench scale      # N = 100,000
//! HOTLINE_BENCH_ENTRIES=1000000 cargo bench --bench scale     # N = 1,000,000 (about 15 min)
//! ```
//!
//! The channel is `hotline::example::synthetic(N)` (what `cargo run --example synth` writes).
//! One run measures, best of a few repetitions each:
//!
//! 1. **verify a bundle**, in this process: `bundle::read` and `verify::verify_with_notes`
//!    (what `hotline verify BUNDLE` runs), against the **raw strict pipeline** on every core:
//!    framing, decoding, the entry id (SHA-256), `verify_strict` under each author's key
//!    (decoded once per thread) and the seq/prev links, nothing else. Then the `hotline verify
//!    BUNDLE --trust …` process itself: its wall time and its peak resident memory.
//! 2. **import into a fresh store**: `Store::create_within` and `Store::import_within`, against
//!    the raw pipeline plus a raw group-committed append (the bundle's bytes written to a file
//!    in one write and `sync_data`); and the store's size on disk against the bundle's.
//! 3. **import 10 new entries** into a store of N − 10 (a copy made for each repetition),
//!    against the same into a store of 1,000.
//! 4. **commands**, each a `hotline` process on a store of N and on a store of 1,000:
//!    `notify` (median of 20, beside `git commit -S` of the same text with an SSH Ed25519
//!    key, when `git` and `ssh-keygen` are installed), `log`, `checkpoint`, `cosign`, `prove`,
//!    `export`.
//! 5. **inclusion proofs** in this process: `Store::inclusion_proof` of the middle entry and
//!    `merkle::verify_inclusion` of it, with the proof's size.
//!
//! Criterion is not used here: at these sizes one run takes seconds to minutes, and what
//! matters is the ratio to the baseline of the same run, which this prints. The small,
//! repeatable costs are criterion's, in `benches/store.rs` and `benches/proof.rs`.
// Setup that fails should stop the run loudly.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing
)]

#[cfg(feature = "cli")]
mod scale {
    use std::collections::HashMap;
    use std::num::NonZeroUsize;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Duration, Instant};

    use ed25519_dalek::{Signature, VerifyingKey};
    use hotline::bundle::{self, Limits};
    use hotline::encoding::{tag, tagged_message};
    use hotline::entry::{EntryId, SignedEntry, Timestamp};
    use hotline::example::{synthetic, test_key, test_party};
    use hotline::keys::PublicKey;
    use hotline::store::Store;
    use hotline::verify::{self, Options};

    const HOTLINE: &str = env!("CARGO_BIN_EXE_hotline");
    const SMALL: usize = 1_000;

    fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
        let mut out = None;
        let mut fastest = Duration::MAX;
        for _ in 0..reps.max(1) {
            let t = Instant::now();
            let r = f();
            fastest = fastest.min(t.elapsed());
            out = Some(r);
        }
        (fastest, out.expect("one repetition"))
    }

    fn threads() -> usize {
        std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
    }

    /// The raw strict pipeline: frame the bundle, then on every core decode each entry, take
    /// its id and `verify_strict` its signature (each author's key decoded once per thread),
    /// then check each feed's seq and prev links. Returns the entries that passed.
    fn raw_verify(bytes: &[u8]) -> usize {
        let b = bundle::read_with(bytes, &Limits::UNBOUNDED).expect("bundle reads");
        let run = b.entries.len().div_ceil(threads()).max(1);
        let checked: Vec<Vec<(SignedEntry, EntryId)>> = std::thread::scope(|s| {
            let handles: Vec<_> = b
                .entries
                .chunks(run)
                .map(|chunk| {
                    s.spawn(move || {
                        let mut keys: HashMap<[u8; 32], VerifyingKey> = HashMap::new();
                        chunk
                            .iter()
                            .filter_map(|e| {
                                let signed = SignedEntry::decode(e).ok()?;
                                let entry = signed.entry.encode().ok()?;
                                let id =
                                    EntryId(hotline::encoding::tagged_hash(tag::ENTRY_ID, &entry));
                                let k = signed.header().key.0;
                                let key = match keys.get(&k) {
                                    Some(key) => *key,
                                    None => {
                                        let key = VerifyingKey::from_bytes(&k).ok()?;
                                        keys.insert(k, key);
                                        key
                                    }
                                };
                                key.verify_strict(
                                    &tagged_message(tag::ENTRY_SIGNATURE, &entry),
                                    &Signature::from_bytes(&signed.signature),
                                )
                                .ok()?;
                                Some((signed, id))
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let mut heads: HashMap<[u8; 32], (u64, EntryId)> = HashMap::new();
        let mut linked = 0;
        for (signed, id) in checked.into_iter().flatten() {
            let h = signed.header();
            let ok = match heads.get(&h.author.0) {
                None => h.seq.0 == 0 && h.prev == EntryId::ZERO,
                Some((seq, prev)) => h.seq.0 == seq + 1 && h.prev == *prev,
            };
            if ok {
                heads.insert(h.author.0, (h.seq.0, id));
                linked += 1;
            }
        }
        linked
    }

    fn hotline_verify(bytes: &[u8]) -> verify::Report {
        let b = bundle::read_with(bytes, &Limits::UNBOUNDED).expect("bundle reads");
        verify::verify_with_notes(
            &b.charter,
            &b.entries,
            &b.notes,
            Options {
                now: Some(Timestamp(u64::MAX / 2)),
                ..Options::default()
            },
        )
    }

    fn dir_size(p: &Path) -> u64 {
        std::fs::read_dir(p).map_or(0, |rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("directory");
        for e in std::fs::read_dir(from).expect("read dir").flatten() {
            let target = to.join(e.file_name());
            if e.file_type().expect("type").is_dir() {
                copy_dir(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), &target).expect("copy");
            }
        }
    }

    /// The bundle of `entries` (the charter record first).
    fn bundle_of(n: usize, skip: usize) -> Vec<u8> {
        let (charter, entries) = synthetic(n).expect("channel builds");
        bundle::write(&charter, entries.get(skip..).unwrap_or_default()).expect("bundle writes")
    }

    fn import_into(dir: &Path, bytes: &[u8]) -> Store {
        let b = bundle::read_with(bytes, &Limits::UNBOUNDED).expect("bundle reads");
        let (store, report) = Store::create_within(
            dir,
            &b.charter,
            bytes,
            &Limits::UNBOUNDED,
            None,
            |_: &[u8]| Err("no notes here".into()),
        )
        .expect("import");
        assert_eq!(report.new_entries, b.entries.len());
        store
    }

    /// Run `hotline` with `args`; its wall time, and its peak resident memory in KiB when
    /// `peak` (measured by running it under this bench in its helper mode, so that it is this
    /// command's alone).
    fn hotline(args: &[&str], peak: bool) -> (Duration, Option<u64>) {
        let t = Instant::now();
        let out = if peak {
            Command::new(std::env::current_exe().expect("bench path"))
                .env("HOTLINE_BENCH_PEAK_OF", HOTLINE)
                .args(args)
                .env("HOTLINE_MAX_BUNDLE_BYTES", "4GiB")
                .env("HOTLINE_MAX_RECORDS", "10000000")
                .output()
        } else {
            Command::new(HOTLINE)
                .args(args)
                .env("HOTLINE_MAX_BUNDLE_BYTES", "4GiB")
                .env("HOTLINE_MAX_RECORDS", "10000000")
                .output()
        }
        .expect("hotline runs");
        let wall = t.elapsed();
        assert!(
            out.status.success(),
            "hotline {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let kib = peak.then(|| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("peak-kib "))
                .and_then(|v| v.trim().parse().ok())
                .expect("the helper reports a peak")
        });
        (wall, kib)
    }

    /// The helper mode: run the command named in `HOTLINE_BENCH_PEAK_OF` with this process's
    /// arguments, then print its peak resident memory (the only child waited for).
    pub fn peak_helper(program: &str) {
        let out = Command::new(program)
            .args(std::env::args_os().skip(1))
            .output()
            .expect("runs");
        let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
            .expect("getrusage");
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            std::process::exit(1);
        }
        println!("peak-kib {}", usage.max_rss());
    }

    fn median(mut v: Vec<Duration>) -> Duration {
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or_default()
    }

    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1e3
    }

    /// Two stores of the channel's first `n` entries, alpha's and beta's, with their keys.
    struct Pair {
        alpha: PathBuf,
        beta: PathBuf,
        keys: PathBuf,
        middle: String,
    }

    fn pair(root: &Path, n: usize) -> Pair {
        let dir = root.join(format!("pair-{n}"));
        let keys = dir.join("keys");
        std::fs::create_dir_all(&keys).expect("directory");
        for (name, role) in [("alpha", "founder"), ("beta", "counterparty")] {
            let p = test_party(name, role);
            let public = PublicKey {
                name: name.into(),
                id: p.key,
                next: Some(p.next),
            };
            std::fs::write(keys.join(format!("{name}.pub")), public.to_file_text()).expect("write");
            std::fs::write(
                keys.join(format!("{name}.key")),
                test_key(name).to_file_text().as_bytes(),
            )
            .expect("write");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(
                    keys.join(format!("{name}.key")),
                    std::fs::Permissions::from_mode(0o600),
                )
                .expect("chmod");
            }
        }
        let bytes = bundle_of(n, 0);
        let alpha = dir.join("alpha");
        let mut s = import_into(&alpha, &bytes);
        let (_, entries) = synthetic(n).expect("channel builds");
        // An entry of alpha's in the middle of the channel (alpha checkpoints its own feed).
        let alpha_key = test_key("alpha").party();
        let middle = entries[n / 2..]
            .iter()
            .map(|e| SignedEntry::decode(e).expect("decodes"))
            .find(|e| e.header().author == alpha_key)
            .expect("alpha signed after the middle")
            .id()
            .expect("id")
            .to_string();
        s.set_identity("alpha", &keys.join("alpha.key"))
            .expect("identity");
        drop(s);
        let beta = dir.join("beta");
        copy_dir(&alpha, &beta);
        let mut s = Store::open(&beta).expect("opens");
        s.set_identity("beta", &keys.join("beta.key"))
            .expect("identity");
        drop(s);
        Pair {
            alpha,
            beta,
            keys,
            middle,
        }
    }

    fn s(p: &Path) -> &str {
        p.to_str().expect("UTF-8 path")
    }

    /// The commands' costs on the stores of `p`: (name, time).
    fn commands(p: &Pair, root: &Path) -> Vec<(&'static str, Duration)> {
        let (a, b) = (s(&p.alpha), s(&p.beta));
        let ak = p.keys.join("alpha.key");
        let bk = p.keys.join("beta.key");
        let mut out = Vec::new();
        let mut notify = Vec::new();
        for i in 0..20 {
            let inc = format!("BENCH-{i}");
            let (t, _) = hotline(
                &[
                    "--store",
                    a,
                    "notify",
                    "--key",
                    s(&ak),
                    "--severity",
                    "high",
                    "--category",
                    "intrusion",
                    "--summary",
                    "hosts in your jurisdiction",
                    "--incident",
                    &inc,
                ],
                false,
            );
            notify.push(t);
        }
        out.push(("notify (median of 20)", median(notify)));
        out.push(("log", best(3, || hotline(&["--store", a, "log"], false)).0));
        out.push((
            "checkpoint",
            best(3, || {
                hotline(&["--store", a, "checkpoint", "--key", s(&ak)], false)
            })
            .0,
        ));
        // beta gets alpha's new entries and checkpoint: an export since what beta holds.
        let heads = Store::open(&p.beta).expect("opens");
        let since: Vec<String> = heads
            .roster()
            .expect("roster")
            .parties
            .iter()
            .map(|party| {
                format!(
                    "{}={}",
                    party.name,
                    heads.feed_len(&party.key).expect("feed")
                )
            })
            .collect();
        drop(heads);
        let notes = root.join(format!("notes-{}.bundle", p.middle));
        let mut export = vec!["--store", a, "export", "--out", s(&notes), "--force"];
        for c in &since {
            export.push("--since");
            export.push(c);
        }
        hotline(&export, false);
        hotline(&["--store", b, "import", s(&notes), "--no-receipt"], false);
        out.push((
            "cosign",
            best(3, || {
                hotline(&["--store", b, "cosign", "--key", s(&bk)], false)
            })
            .0,
        ));
        let proof = root.join(format!("proof-{}", p.middle));
        out.push((
            "prove",
            best(3, || {
                hotline(
                    &[
                        "--store",
                        a,
                        "prove",
                        &p.middle,
                        "--out",
                        s(&proof),
                        "--force",
                    ],
                    false,
                )
            })
            .0,
        ));
        let whole = root.join(format!("export-{}.bundle", p.middle));
        out.push((
            "export (everything)",
            best(3, || {
                hotline(
                    &["--store", a, "export", "--out", s(&whole), "--force"],
                    false,
                )
            })
            .0,
        ));
        out
    }

    /// `git commit -S` (SSH Ed25519) of the notice's text, median of 20, if git and
    /// ssh-keygen are installed.
    fn git_commit(root: &Path) -> Option<Duration> {
        let repo = root.join("git");
        std::fs::create_dir_all(&repo).ok()?;
        let key = root.join("git-key");
        let made = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .status()
            .ok()?;
        let git = |args: &[&str]| {
            Command::new("git")
                .arg("-C")
                .arg(&repo)
                .args([
                    "-c",
                    "user.name=bench",
                    "-c",
                    "user.email=bench@example.org",
                ])
                .args(["-c", "gpg.format=ssh", "-c"])
                .arg(format!("user.signingkey={}", key.display()))
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
        };
        if !made.success() || git(&["init", "-q"]).is_none() {
            return None;
        }
        let mut times = Vec::new();
        for i in 0..20 {
            std::fs::write(
                repo.join("notice.txt"),
                format!("hosts in your jurisdiction {i}"),
            )
            .ok()?;
            git(&["add", "notice.txt"])?;
            let t = Instant::now();
            git(&["commit", "-q", "-S", "-m", "hosts in your jurisdiction"])?;
            times.push(t.elapsed());
        }
        Some(median(times))
    }

    pub fn run() {
        let n: usize = std::env::var("HOTLINE_BENCH_ENTRIES")
            .ok()
            .and_then(|v| v.replace('_', "").parse().ok())
            .unwrap_or(10_000)
            .max(SMALL + 20);
        let tmp = tempfile::tempdir().expect("temporary directory");
        let root = tmp.path();
        println!(
            "hotline scale bench: N = {n} entries, {} threads, in {}",
            threads(),
            root.display()
        );
        let t = Instant::now();
        let bytes = bundle_of(n, 0);
        let path = root.join("bundle");
        std::fs::write(&path, &bytes).expect("write");
        println!(
            "synthetic bundle: {} bytes ({:.0} an entry), made in {:.1?}",
            bytes.len(),
            bytes.len() as f64 / n as f64,
            t.elapsed()
        );

        // 1. Verify.
        let reps = if n >= 500_000 { 1 } else { 3 };
        let (raw, passed) = best(reps, || raw_verify(&std::fs::read(&path).expect("read")));
        assert_eq!(passed, n, "the raw pipeline passes every entry");
        let (ours, report) = best(reps, || {
            hotline_verify(&std::fs::read(&path).expect("read"))
        });
        assert!(
            report.ok && report.findings.is_empty(),
            "{:?}",
            report.findings
        );
        let keys_dir = root.join("keys");
        let p0 = pair(root, SMALL); // also writes keys for the CLI
        copy_dir(&p0.keys, &keys_dir);
        let (cli, peak) = hotline(
            &[
                "verify",
                s(&path),
                "--trust",
                s(&keys_dir.join("alpha.pub")),
                "--trust",
                s(&keys_dir.join("beta.pub")),
            ],
            true,
        );
        println!("\n1. verify a bundle of {n}");
        println!(
            "   raw strict pipeline ({} threads): {:.0} ms",
            threads(),
            ms(raw)
        );
        println!(
            "   hotline verify (library):        {:.0} ms = {:.2}x the raw pipeline's speed",
            ms(ours),
            raw.as_secs_f64() / ours.as_secs_f64()
        );
        println!(
            "   hotline verify BUNDLE (process):  {:.0} ms = {:.2}x, peak {:.1} MiB",
            ms(cli),
            raw.as_secs_f64() / cli.as_secs_f64(),
            peak.unwrap_or(0) as f64 / 1024.0
        );

        // 2. Import into a fresh store.
        let raw_file = root.join("raw-append");
        let (raw_import, ()) = best(reps, || {
            raw_verify(&std::fs::read(&path).expect("read"));
            use std::io::Write;
            let mut f = std::fs::File::create(&raw_file).expect("create");
            f.write_all(&bytes).expect("write");
            f.sync_data().expect("sync");
        });
        let mut k = 0;
        let (fresh, size) = best(reps, || {
            k += 1;
            let dir = root.join(format!("fresh-{k}"));
            let store = import_into(&dir, &std::fs::read(&path).expect("read"));
            drop(store);
            dir_size(&dir)
        });
        println!("\n2. import a bundle of {n} into a fresh store");
        println!(
            "   raw pipeline + one group-committed append: {:.0} ms",
            ms(raw_import)
        );
        println!(
            "   Store::import_within:                      {:.0} ms = {:.2}x",
            ms(fresh),
            raw_import.as_secs_f64() / fresh.as_secs_f64()
        );
        println!(
            "   store on disk: {} bytes = {:.1}x the bundle (journal {:.1}x)",
            size,
            size as f64 / bytes.len() as f64,
            std::fs::metadata(root.join(format!("fresh-{k}/journal"))).map_or(0, |m| m.len())
                as f64
                / bytes.len() as f64
        );
        for i in 1..=k {
            let _ = std::fs::remove_dir_all(root.join(format!("fresh-{i}")));
        }

        // 3. Ten new entries.
        let mut tens = Vec::new();
        for size in [SMALL, n - 10] {
            let base = root.join(format!("base-{size}"));
            drop(import_into(&base, &bundle_of(size, 0)));
            let tail = bundle_of(size + 10, size);
            // Timed: open, import, close; a fresh copy of the store each time.
            let mut runs = Vec::new();
            for r in 0..3 {
                let dir = root.join(format!("inc2-{size}-{r}"));
                copy_dir(&base, &dir);
                let t = Instant::now();
                let mut s = Store::open(&dir).expect("opens");
                s.import_within(&tail, &Limits::UNBOUNDED, None, |_: &[u8]| {
                    Err("no notes".into())
                })
                .expect("imports");
                drop(s);
                runs.push(t.elapsed());
                let _ = std::fs::remove_dir_all(&dir);
            }
            tens.push((size, runs.into_iter().min().unwrap_or_default()));
            let _ = std::fs::remove_dir_all(&base);
        }
        println!("\n3. import 10 new entries (open, import, close)");
        for (size, t) in &tens {
            println!("   into a store of {size}: {:.1} ms", ms(*t));
        }
        if let [(_, small), (_, big)] = tens.as_slice() {
            println!(
                "   {:.1}x the cost at {SMALL}",
                big.as_secs_f64() / small.as_secs_f64()
            );
        }

        // 4. Commands, on stores of N and of 1,000.
        let pn = pair(root, n);
        let small = commands(&p0, root);
        let big = commands(&pn, root);
        println!("\n4. commands (hotline processes), store of {SMALL} vs store of {n}");
        for ((name, s1), (_, s2)) in small.iter().zip(&big) {
            println!(
                "   {name:<22} {:>9.1} ms {:>9.1} ms  {:.2}x",
                ms(*s1),
                ms(*s2),
                s2.as_secs_f64() / s1.as_secs_f64()
            );
        }
        match git_commit(root) {
            Some(g) => println!(
                "   git commit -S (SSH Ed25519), median of 20: {:.1} ms; notify at {n} is {:.2}x faster",
                ms(g),
                g.as_secs_f64() / big[0].1.as_secs_f64()
            ),
            None => println!("   git commit -S: skipped (git or ssh-keygen not installed)"),
        }

        // 5. Inclusion proofs.
        let store = Store::open(&pn.alpha).expect("opens");
        let id: EntryId = pn.middle.parse().expect("id");
        let (made, proof) = best(200, || store.inclusion_proof(&id, None).expect("proof"));
        let leaf = {
            let signed = store.get(&id).expect("get").expect("held");
            hotline::merkle::leaf_hash(&signed.encode().expect("encodes"))
        };
        let (check, ()) = best(2_000, || {
            hotline::merkle::verify_inclusion(
                proof.index,
                proof.size,
                &leaf,
                &proof.path,
                &proof.root,
            )
            .expect("verifies");
        });
        let (hash, _) = best(2_000, || hotline::merkle::leaf_hash(&[0u8; 64]));
        println!(
            "\n5. inclusion proof of entry {} of a feed of {}",
            proof.index, proof.size
        );
        println!(
            "   {} hashes ({} bytes); generated in {:.1} µs, verified in {:.2} µs ({:.0}x one leaf hash of 64 bytes)",
            proof.path.len(),
            proof.path.len() * 32,
            made.as_secs_f64() * 1e6,
            check.as_secs_f64() * 1e6,
            check.as_secs_f64() / hash.as_secs_f64()
        );
    }
}

#[cfg(feature = "cli")]
fn main() {
    if let Ok(program) = std::env::var("HOTLINE_BENCH_PEAK_OF") {
        scale::peak_helper(&program);
        return;
    }
    // `cargo test --benches` runs each bench once with `--bench`; measure only when asked.
    if std::env::args_os().any(|a| a == "--bench")
        || std::env::var_os("HOTLINE_BENCH_ENTRIES").is_some()
    {
        scale::run();
    }
}

/// Without the CLI there is no `hotline` process to measure.
#[cfg(not(feature = "cli"))]
fn main() {}
