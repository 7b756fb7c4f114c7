//! The command-line tool: parsing, commands, human and JSON output, exit codes.

mod amend;
mod args;
mod channel;
mod commands;
mod demo;
mod exchange;
mod input;
mod join;
mod keyfile;
mod keygen;
mod lifecycle;
mod manual;
mod passphrase;
mod progress;
mod quarantine;
mod read;
mod recover;
mod render;
mod report;
mod shared;
mod sign;
mod status;
mod timeline;
mod witness;
mod witness_protocol;

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_and_direction_characters_are_escaped() {
        assert_eq!(printable("a\nb"), "a\nb");
        assert_eq!(printable("r\rOK\u{1b}[K"), "r\\u{d}OK\\u{1b}[K");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(printable("tab\there"), "tab\\u{9}here");
        assert_eq!(printable("ünïcödé — fine"), "ünïcödé — fine");
    }
}

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;

pub(crate) use args::Cli;

/// Exit code: all good.
pub(crate) const OK: u8 = 0;
/// Exit code: verification or audit found a problem.
pub(crate) const PROBLEM: u8 = 1;
/// Exit code: usage or I/O error.
pub(crate) const USAGE: u8 = 2;

/// A failure the user must see: what went wrong, and a hint where one helps.
#[derive(Debug)]
pub(crate) struct Failure {
    /// What went wrong, and where.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The exit code.
    pub code: u8,
    /// More for `--json`: fields added to the error object beside `error` and `hint`.
    pub json: serde_json::Map<String, serde_json::Value>,
}

impl Failure {
    /// A usage or I/O failure (exit 2).
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: None,
            code: USAGE,
            json: serde_json::Map::new(),
        }
    }

    /// A failure because verification or a trust check found a problem (exit 1).
    pub fn problem(message: impl Into<String>) -> Failure {
        Failure {
            code: PROBLEM,
            ..Failure::new(message)
        }
    }

    /// Add a field to the `--json` error object.
    pub fn with_json(mut self, key: &str, value: serde_json::Value) -> Failure {
        self.json.insert(key.to_owned(), value);
        self
    }

    /// Add a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    /// A failure for an I/O error on `path`.
    pub fn io(what: &str, path: &Path, e: &std::io::Error) -> Failure {
        Failure::new(format!("cannot {what} {}: {e}", path.display()))
    }
}

/// What a command produced: text for people, a JSON value for machines, and an exit code.
pub(crate) struct Output {
    /// Text output.
    pub text: String,
    /// JSON output.
    pub json: serde_json::Value,
    /// The exit code (0 or 1).
    pub code: u8,
}

impl Output {
    /// A successful output.
    pub fn ok(text: String, json: serde_json::Value) -> Output {
        Output {
            text,
            json,
            code: OK,
        }
    }

    /// Set a field of the JSON object (every command's JSON output is one).
    pub fn set(&mut self, key: &str, value: serde_json::Value) {
        if let Some(o) = self.json.as_object_mut() {
            o.insert(key.to_owned(), value);
        }
    }
}

/// Runs the command line of this process and returns its exit code: 0 all good, 1
/// verification or audit found a problem, 2 usage or I/O error.
pub fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { USAGE } else { OK };
            // A script that asked for JSON gets JSON, even for a usage error. `args_os`, not
            // `args`: the usage error may be that an argument is not UTF-8, and `args` panics
            // on one.
            if code == USAGE && std::env::args_os().any(|a| a == "--json") {
                let v = serde_json::json!({
                    "ok": false,
                    "error": e.kind().to_string(),
                    "hint": "see --help",
                });
                write_stdout(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"));
            }
            let _ = e.print();
            return code;
        }
    };
    let json = cli.json;
    let colour = match cli.color {
        args::ColorChoice::Always => true,
        args::ColorChoice::Never => false,
        args::ColorChoice::Auto => {
            use std::io::IsTerminal;
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    progress::set_quiet(cli.quiet || json);
    match commands::dispatch(cli) {
        Ok(out) => {
            let text = if json {
                json_text(&out.json)
            } else if colour && !stdout_taken() {
                colourise(&printable(&out.text))
            } else {
                printable(&out.text)
            };
            write_report(&text);
            out.code
        }
        Err(f) => {
            if json {
                let mut v = serde_json::json!({
                    "ok": false,
                    "error": f.message,
                    "hint": f.hint,
                });
                if let Some(obj) = v.as_object_mut() {
                    for (k, val) in &f.json {
                        obj.entry(k.clone()).or_insert_with(|| val.clone());
                    }
                }
                write_report(&json_text(&v));
            }
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "error: {}", printable(&f.message));
            if let Some(h) = &f.hint {
                let _ = writeln!(err, "hint: {}", printable(h));
            }
            f.code
        }
    }
}

/// Text for a terminal: every control character but the newline, and every Unicode
/// direction override, shown as an escape, so that text another party signed cannot move the
/// cursor, clear the screen or reorder what the reader sees.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() && c != '\n') || render::is_invisible_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Text with its verdict words coloured (ANSI SGR): red for what failed or was missed,
/// yellow for what is pending or needs a look, green for what passed. Applied after
/// [`printable`], so no escape in the text comes from anyone's signed text.
pub(crate) fn colourise(text: &str) -> String {
    const RED: [&str; 10] = [
        "FAILED",
        "FAILED:",
        "MISSED",
        "FORK:",
        "PROBLEMS",
        "PROBLEMS:",
        "ERROR",
        "error",
        "SPLIT",
        "EVIDENCE:",
    ];
    const YELLOW: [&str; 7] = [
        "PENDING",
        "UNDETERMINED",
        "PAUSED",
        "VOID",
        "WARNING:",
        "WARNING",
        "warning",
    ];
    const GREEN: [&str; 2] = ["OK:", "OK"];
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // Only where hotline puts a verdict: the line's first word, or the word after a
        // label of its own ("acknowledge-by:"), so a signed summary's "OK" stays plain.
        let mut first = true;
        let mut after_label = false;
        let mut seen_word = false;
        for word in line.split(' ') {
            if !first {
                out.push(' ');
            }
            first = false;
            let placed = !seen_word || after_label;
            if !word.is_empty() {
                seen_word = true;
                after_label = word.ends_with("-by:");
            }
            let code = if !placed {
                None
            } else if RED.contains(&word) {
                Some("31;1")
            } else if YELLOW.contains(&word) {
                Some("33;1")
            } else if GREEN.contains(&word) {
                Some("32;1")
            } else {
                None
            };
            match code {
                Some(c) => out.push_str(&format!("\u{1b}[{c}m{word}\u{1b}[0m")),
                None => out.push_str(word),
            }
        }
    }
    out
}

/// JSON for stdout, pretty-printed, with every character that [`printable`] escapes in text
/// written as a `\uXXXX` escape too: the same value for a parser, and nothing that moves a
/// terminal's cursor or reorders what it shows when a person reads it (serde_json escapes
/// only U+0000 to U+001F).
pub(crate) fn json_text(v: &serde_json::Value) -> String {
    let raw = serde_json::to_string_pretty(v).unwrap_or_default();
    let mut out = String::with_capacity(raw.len() + 1);
    // serde_json escapes U+0000 to U+001F inside strings, so a newline here is the pretty
    // printer's; outside strings JSON is ASCII, so every other such character is inside a
    // string, where an escape stands for it.
    for c in raw.chars() {
        if c != '\n' && (c.is_control() || render::is_invisible_control(c)) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

/// Set once a command wrote what it produced to standard output (`--out -`).
static STDOUT_TAKEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Note that standard output carries a command's product, so its report goes to stderr.
fn take_stdout() {
    STDOUT_TAKEN.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether a command wrote what it produced to standard output.
pub(crate) fn stdout_taken() -> bool {
    STDOUT_TAKEN.load(std::sync::atomic::Ordering::SeqCst)
}

/// Write a command's report: to stdout, or to stderr once stdout carries its product.
fn write_report(text: &str) {
    if stdout_taken() {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    } else {
        write_stdout(text);
    }
}

/// Write to stdout; a closed pipe (`hotline log | head`) is not an error.
fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// The store directory: `--store`, else `$HOTLINE_STORE` (both via clap), else `./.hotline`.
pub(crate) fn store_dir(opt: &Option<PathBuf>) -> PathBuf {
    opt.clone().unwrap_or_else(|| PathBuf::from(".hotline"))
}
