//! The `hotline` command. All user-facing text lives in `cli`; `main` only maps the result to
//! an exit code: 0 all good, 1 verification or audit found a problem, 2 usage or I/O error.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(cli::run())
}
