//! Verify a bundle with the library alone (`default-features = false`: no store, no CLI),
//! exactly as `hotline verify BUNDLE --trust A.pub --trust B.pub` does:
//!
//! ```sh
//! cargo run --no-default-features --example verify_bundle -- \
//!     fixtures/bundle/example.bundle keys/alpha.pub keys/beta.pub
//! ```
//!
//! Exit codes as `hotline verify`'s: 0 when the bundle is clean, 1 when verification found a
//! problem or the bundle was refused (unreadable, or a charter the keys given do not vouch
//! for), 2 when a file could not be read.

// README: library begin
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hotline::verify::{BundleOptions, verify_bundle};

/// Whether the bundle at `bundle` is clean, against the public key files `keys`.
fn check(bundle: &Path, keys: &[PathBuf]) -> Result<bool, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(bundle)?;
    let mut trusted = Vec::new();
    for file in keys {
        trusted.push(hotline::PublicKey::from_file_text(&std::fs::read_to_string(file)?)?.id);
    }
    // The safe defaults: the default size limits, and this machine's clock for claimed times.
    let report = verify_bundle(&bytes, &trusted, &BundleOptions::default())?;
    for f in &report.findings {
        // Messages quote text another party signed: escaped before it reaches a terminal.
        println!("{:?} {:?}: {}", f.level, f.kind, f.message.escape_debug());
    }
    println!(
        "{} entries checked: {}",
        report.entries_checked,
        if report.is_clean() { "clean" } else { "FAILED" }
    );
    Ok(report.is_clean())
}

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let Some((bundle, keys)) = args.split_first() else {
        eprintln!("usage: verify_bundle BUNDLE PARTY.pub [PARTY.pub ...]");
        return ExitCode::from(2);
    };
    match check(bundle, keys) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            // A refused bundle is a verification's answer; a file not read is not.
            let refused = e.downcast_ref::<hotline::verify::BundleRefused>().is_some();
            ExitCode::from(if refused { 1 } else { 2 })
        }
    }
}
// README: library end
