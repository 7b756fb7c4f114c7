//! The `hotline` command (being built): for now `hotline demo` verifies the example channel.

use std::process::ExitCode;

use hotline::verify::{Options, verify};

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("demo") => match hotline::example::channel() {
            Ok((charter, entries)) => {
                let report = verify(&charter, &entries, Options::default());
                println!(
                    "channel {}: {} entries checked, {} finding(s)",
                    charter.name,
                    report.entries_checked,
                    report.findings.len()
                );
                if report.ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("usage: hotline demo");
            ExitCode::from(2)
        }
    }
}
