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

/// The variables the binary reads, none of which a test inherits from whoever runs it.
const HOTLINE_VARS: [&str; 8] = [
    "HOTLINE_STORE",
    "HOTLINE_KEY",
    "HOTLINE_HOME",
    "HOTLINE_PASSPHRASE",
    "HOTLINE_NEW_PASSPHRASE",
    "HOTLINE_TEST_SCRYPT_WORK_FACTOR",
    "HOTLINE_MAX_BUNDLE_BYTES",
    "HOTLINE_MAX_RECORDS",
];

/// Run `hotline ARGS` in `cwd`; it must not panic. None of the `HOTLINE_*` variables of the
/// test's own environment reach it, but `HOTLINE_HOME` is `cwd`, so that a `keygen` without
/// `--dir` writes into the test's directory, never into the home of whoever runs the tests.
pub fn hotline(cwd: &Path, args: &[&str]) -> Run {
    hotline_env(
        cwd,
        args,
        &[("HOTLINE_HOME", cwd.to_str().expect("UTF-8 path"))],
    )
}

/// Run `hotline ARGS` in `cwd` with exactly the `HOTLINE_*` variables of `vars` (and the
/// rest of the test's environment); it must not panic.
pub fn hotline_env(cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    hotline_stdin(cwd, args, vars, std::process::Stdio::null())
}

/// Run `hotline ARGS` as [`hotline_env`] does, with `stdin` (a file, say) as standard input.
pub fn hotline_stdin(
    cwd: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
    stdin: impl Into<std::process::Stdio>,
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.args(args).current_dir(cwd).stdin(stdin);
    for var in HOTLINE_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs");
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
    must_succeed(hotline(cwd, args), args)
}

/// Run with `vars` (as [`hotline_env`]) and require exit 0.
pub fn ok_env(cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    must_succeed(hotline_env(cwd, args, vars), args)
}

fn must_succeed(r: Run, args: &[&str]) -> Run {
    assert_eq!(
        r.code, 0,
        "{args:?}\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    r
}

/// Run and require exit `code` with an `error: …` on stderr that mentions `needle`.
pub fn fails(cwd: &Path, args: &[&str], code: i32, needle: &str) -> Run {
    must_fail(hotline(cwd, args), args, code, needle)
}

/// Run with `vars` (as [`hotline_env`]) and require exit `code` with an `error: …` on stderr
/// that mentions `needle`.
pub fn fails_env(cwd: &Path, args: &[&str], vars: &[(&str, &str)], code: i32, needle: &str) -> Run {
    must_fail(hotline_env(cwd, args, vars), args, code, needle)
}

fn must_fail(r: Run, args: &[&str], code: i32, needle: &str) -> Run {
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

/// Alpha founds channel `ab` in store `a` with the secret key at `alpha_key`, listing
/// `beta.pub` (in `cwd`); beta joins from the exported invitation into store `b`, trusting
/// `alpha_pub`. The keys must exist; nothing is exchanged after the join.
pub fn found_and_join(cwd: &Path, alpha_key: &str, alpha_pub: &str) {
    ok(cwd, &create_args("a", "ab", alpha_key, "beta.pub"));
    ok(cwd, &["--store", "a", "export", "--out", "invite.bundle"]);
    ok(cwd, &join_args("b", "invite.bundle", "beta.key", alpha_pub));
}

/// `--store STORE channel create NAME --key KEY --party PARTY`: a channel of the founder's
/// key and one other party.
pub fn create_args<'a>(
    store: &'a str,
    name: &'a str,
    key: &'a str,
    party: &'a str,
) -> [&'a str; 9] {
    [
        "--store", store, "channel", "create", name, "--key", key, "--party", party,
    ]
}

/// `--store STORE join BUNDLE --key KEY --trust TRUST`.
pub fn join_args<'a>(
    store: &'a str,
    bundle: &'a str,
    key: &'a str,
    trust: &'a str,
) -> [&'a str; 8] {
    [
        "--store", store, "join", bundle, "--key", key, "--trust", trust,
    ]
}

/// A copy of the directory tree at `from` (a store, say) at `to`, without lock files.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else if e.file_name() != "lock" {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
