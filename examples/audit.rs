//! Audit a bundle's obligations with the library alone (`default-features = false`): for
//! every notice and every receiver, whether it acknowledged and answered in time, and on whose
//! word each verdict rests (`docs/EVIDENCE.md`):
//!
//! ```sh
//! cargo run --no-default-features --example audit -- \
//!     fixtures/bundle/example.bundle keys/alpha.pub keys/beta.pub
//! ```
//!
//! Exit 0 when nothing was missed and verification found nothing wrong, 1 otherwise, 2 when
//! the bundle could not be read or its charter is not one the keys given vouch for.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hotline::audit::audit_with_notes;
use hotline::verify::read_trusted;

fn audit(bundle: &Path, keys: &[PathBuf]) -> Result<bool, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(bundle)?;
    let mut trusted = Vec::new();
    for file in keys {
        trusted.push(hotline::PublicKey::from_file_text(&std::fs::read_to_string(file)?)?.id);
    }
    let b = read_trusted(&bytes, &trusted, &hotline::bundle::Limits::DEFAULT)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let a = audit_with_notes(&b.charter, &b.entries, &b.notes, hotline::Timestamp(now));
    for n in &a.notices {
        println!(
            "notice {} by {} ({}): {}",
            n.id.short(),
            n.author,
            n.incident.escape_debug(),
            n.summary.escape_debug()
        );
        for r in &n.receivers {
            println!(
                "  {}: acknowledge {:?} ({:?}), respond {:?} ({:?})",
                r.party, r.ack.status, r.ack.basis, r.respond.status, r.respond.basis
            );
        }
    }
    println!(
        "{} notices, {} missed, {} pending, {} undetermined; verification {}",
        a.notices.len(),
        a.missed,
        a.pending,
        a.undetermined,
        if a.verification.is_clean() {
            "clean"
        } else {
            "FAILED"
        }
    );
    Ok(a.ok)
}

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let Some((bundle, keys)) = args.split_first() else {
        eprintln!("usage: audit BUNDLE PARTY.pub [PARTY.pub ...]");
        return ExitCode::from(2);
    };
    match audit(bundle, keys) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
