//! Write a deterministic, valid two-party channel bundle of N entries, and the parties' key
//! files, for reproducing the figures in `docs/PERFORMANCE.md`:
//!
//! ```text
//! cargo run --release --example synth -- --entries 100000 --out synth-100k.bundle --keys synth-keys
//! HOTLINE_MAX_BUNDLE_BYTES=1GiB HOTLINE_MAX_RECORDS=2000000 \
//!     hotline verify synth-100k.bundle --trust synth-keys/alpha.pub --trust synth-keys/beta.pub
//! ```
//!
//! `--skip K` leaves out the first K entries: the bundle a party holding the channel's first K
//! entries lacks (`--entries 100010 --skip 100000`: ten new entries for a store of 100,000).
//!
//! The entries are `hotline::example::synthetic(N)`: the example charter between `alpha` and
//! `beta`, then rounds of incidents (notices, receipts, acknowledgements, responses, updates,
//! definitions, commitments). `--keys DIR` gets `alpha.pub`, `beta.pub` and, for appending to a
//! store of the channel, `alpha.key` and `beta.key` (mode 0600). These are the **public test
//! keys** (their seeds are derived from their names): never use them for anything real.
//!
//! A bundle of more than 262,144 records or 32 MiB is over `hotline`'s default limits; raise
//! them with `HOTLINE_MAX_RECORDS` and `HOTLINE_MAX_BUNDLE_BYTES` as above.
#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hotline::example::{synthetic, test_key, test_party};
use hotline::keys::PublicKey;

struct Args {
    entries: usize,
    skip: usize,
    out: PathBuf,
    keys: Option<PathBuf>,
}

const USAGE: &str = "usage: synth --entries N [--skip K] --out FILE [--keys DIR]";

fn parse() -> Result<Args, String> {
    let mut entries = None;
    let mut skip = 0;
    let mut out = None;
    let mut keys = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{} needs a value\n{USAGE}", a.to_string_lossy()))
        };
        match a.to_str() {
            Some("--entries") => {
                let v = value()?;
                let n = v
                    .to_str()
                    .and_then(|s| s.replace('_', "").parse::<usize>().ok())
                    .filter(|n| *n >= 2)
                    .ok_or_else(|| {
                        format!(
                            "--entries {}: give a number, at least 2",
                            v.to_string_lossy()
                        )
                    })?;
                entries = Some(n);
            }
            Some("--skip") => {
                let v = value()?;
                skip = v
                    .to_str()
                    .and_then(|s| s.replace('_', "").parse::<usize>().ok())
                    .ok_or_else(|| format!("--skip {}: give a number", v.to_string_lossy()))?;
            }
            Some("--out") => out = Some(PathBuf::from(value()?)),
            Some("--keys") => keys = Some(PathBuf::from(value()?)),
            Some("-h" | "--help") => return Err(USAGE.into()),
            _ => return Err(format!("unknown argument {}\n{USAGE}", a.to_string_lossy())),
        }
    }
    Ok(Args {
        entries: entries.ok_or(format!("--entries is required\n{USAGE}"))?,
        skip,
        out: out.ok_or(format!("--out is required\n{USAGE}"))?,
        keys,
    })
}

fn write_file(path: &Path, bytes: &[u8], secret: bool) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let _ = secret;
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn run(args: &Args) -> Result<(), String> {
    let (charter, entries) =
        synthetic(args.entries).map_err(|e| format!("cannot build the channel: {e}"))?;
    let entries = entries.get(args.skip..).unwrap_or_default();
    let bytes = hotline::bundle::write(&charter, entries)
        .map_err(|e| format!("cannot write the bundle: {e}"))?;
    write_file(&args.out, &bytes, false)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    eprintln!(
        "wrote {}: {} entries, {} bytes ({:.0} bytes an entry)",
        args.out.display(),
        entries.len(),
        bytes.len(),
        bytes.len() as f64 / entries.len() as f64
    );
    if let Some(dir) = &args.keys {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        for (name, role) in [("alpha", "founder"), ("beta", "counterparty")] {
            let party = test_party(name, role);
            let public = PublicKey {
                name: name.into(),
                id: party.key,
                next: Some(party.next),
            };
            let pub_path = dir.join(format!("{name}.pub"));
            write_file(&pub_path, public.to_file_text().as_bytes(), false)
                .map_err(|e| format!("cannot write {}: {e}", pub_path.display()))?;
            let key_path = dir.join(format!("{name}.key"));
            write_file(&key_path, test_key(name).to_file_text().as_bytes(), true)
                .map_err(|e| format!("cannot write {}: {e}", key_path.display()))?;
        }
        eprintln!(
            "wrote alpha and beta's .pub and .key (public test keys) to {}",
            dir.display()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let result = parse().and_then(|args| run(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::from(2)
        }
    }
}
