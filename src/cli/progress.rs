//! A spinner on standard error while a long verification runs, so that a party waiting on a
//! large bundle sees that something is happening. Shown only on a terminal, and never with
//! `--quiet` or `--json`; the work itself never waits for it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

static QUIET: AtomicBool = AtomicBool::new(false);

/// No spinner in this process (`--quiet`, `--json`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::SeqCst);
}

/// Inputs smaller than this finish before a spinner would be seen.
const LARGE: usize = 4 << 20;

/// Run `work`, showing `what` with a spinner and the time elapsed while it runs, if the input
/// is `size` bytes or more and standard error is a terminal.
pub fn around<T>(what: &str, size: usize, work: impl FnOnce() -> T) -> T {
    use std::io::IsTerminal;
    if QUIET.load(Ordering::SeqCst) || size < LARGE || !std::io::stderr().is_terminal() {
        return work();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    let out = work();
    bar.finish_and_clear();
    out
}
