//! Making directory entries durable. A file that was written and synced is still lost to a
//! power cut if the entry naming it in its directory (or the directory's own entry in its
//! parent) was not synced: every creation or rename a reported success depends on is followed
//! by [`sync_dir`] of the directory it changed. The store and the CLI share these.

use std::io;
use std::path::Path;

/// Sync `dir`, so that the entries created, renamed or removed in it are durable. A no-op
/// where directories cannot be opened for syncing (not Unix).
///
/// # Errors
///
/// The I/O error of opening or syncing `dir`.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir).and_then(|d| d.sync_all())?;
    #[cfg(debug_assertions)]
    record(dir);
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Sync the directory that holds `path` (`.` for a bare file name): make `path`'s entry
/// durable.
///
/// # Errors
///
/// As [`sync_dir`].
pub fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => sync_dir(d),
        _ => sync_dir(Path::new(".")),
    }
}

/// In debug builds only (the tests' builds, and a debug build of any program that links the
/// library), with `HOTLINE_TEST_SYNC_LOG` set to a file: append one line per directory synced,
/// its absolute path and then the names it held when synced, each after a tab, so that a test
/// of the real binary can check that a command synced the directory of each new name after the
/// name was made. Failures to record are ignored.
#[cfg(debug_assertions)]
fn record(dir: &Path) {
    use std::io::Write as _;
    let Some(log) = std::env::var_os("HOTLINE_TEST_SYNC_LOG") else {
        return;
    };
    let Ok(abs) = std::fs::canonicalize(dir) else {
        return;
    };
    let mut line = abs.display().to_string();
    let mut names: Vec<String> = std::fs::read_dir(&abs)
        .map(|r| {
            r.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for n in names {
        line.push('\t');
        line.push_str(&n);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = writeln!(f, "{line}");
    }
}
