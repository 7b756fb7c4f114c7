//! A spinner on standard error while a long verification, audit, import or export runs, so that
//! a party waiting on a large bundle or store sees that something is happening. Shown only on a
//! terminal, and never with `--quiet` or `--json`; the work itself never waits for it.

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
    if !shown(
        QUIET.load(Ordering::SeqCst),
        size,
        std::io::stderr().is_terminal(),
    ) {
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

/// Whether a spinner is drawn: on a terminal, for a large input, unless quiet.
fn shown(quiet: bool, size: usize, terminal: bool) -> bool {
    !quiet && size >= LARGE && terminal
}

#[cfg(test)]
mod tests {
    use super::{LARGE, around, shown};

    #[test]
    fn a_spinner_only_for_large_inputs_on_a_terminal_unless_quiet() {
        assert!(shown(false, LARGE, true));
        assert!(!shown(true, LARGE, true), "--quiet and --json hide it");
        assert!(!shown(false, LARGE - 1, true), "small inputs finish first");
        assert!(!shown(false, usize::MAX, false), "not on a pipe or a file");
    }

    #[test]
    fn the_work_runs_once_and_its_result_comes_back() {
        let mut runs = 0;
        let out = around("x", usize::MAX, || {
            runs += 1;
            7
        });
        assert_eq!((out, runs), (7, 1));
    }
}
