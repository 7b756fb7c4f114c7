//! Running the real binary in tests: its exit code and output, with the checks every test
//! wants (no panic, exit codes, an error naming what it should).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// One run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Run `hotline ARGS` in `cwd`, with no `HOTLINE_STORE`; it must not panic.
pub fn hotline(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .current_dir(cwd)
        .env_remove("HOTLINE_STORE")
        .output()
        .expect("runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "{args:?} panicked: {}",
        run.stderr
    );
    run
}

/// Run and require exit 0.
pub fn ok(cwd: &Path, args: &[&str]) -> Run {
    let r = hotline(cwd, args);
    assert_eq!(
        r.code, 0,
        "{args:?}\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r
}

/// Run and require exit `code` with an `error: …` on stderr that mentions `needle`.
pub fn fails(cwd: &Path, args: &[&str], code: i32, needle: &str) -> Run {
    let r = hotline(cwd, args);
    assert_eq!(
        r.code, code,
        "{args:?}\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    assert!(
        r.stderr.contains(needle),
        "{args:?}: stderr does not mention {needle:?}: {}",
        r.stderr
    );
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    r
}
