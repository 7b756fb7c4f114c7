//! The `hotline` command. All user-facing text lives in the library's `cli` module; `main` only
//! maps its result to an exit code: 0 all good, 1 verification or audit found a problem, 2 usage
//! or I/O error.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(hotline::cli::run())
}
