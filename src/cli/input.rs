//! Reading the files a command is given, bounded: every input (bundles, proofs, witness
//! requests and answers, `--file` texts, public and secret key files) is read through here,
//! each kind with its own limit, so that no input can make the tool read without end or
//! hold more than that limit in memory. Imports no command.
//!
//! - Only a regular file is read, or standard input when the path is `-`. A FIFO, a device
//!   (`/dev/zero`), a socket or a directory is refused before it is opened for reading, so a
//!   named pipe with no writer cannot block the tool.
//! - A file longer than the limit is refused from its length alone; a stream (standard input,
//!   or a file that grows while it is read) is read to at most the limit plus one byte, then
//!   refused.
//! - A bundle's limits are `crate::bundle::Limits::DEFAULT` unless the environment says otherwise:
//!   `HOTLINE_MAX_BUNDLE_BYTES` (bytes, or a number with `KiB`, `MiB` or `GiB`) and
//!   `HOTLINE_MAX_RECORDS`. The other limits are fixed: each is far above what its kind of
//!   file ever holds.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use crate::bundle::{BundleError, Limits};
use crate::encoding::MAX_ENCODED_LEN;

use super::Failure;

/// The environment variable that sets a bundle's byte limit.
pub const MAX_BUNDLE_BYTES_VAR: &str = "HOTLINE_MAX_BUNDLE_BYTES";
/// The environment variable that sets a bundle's record limit.
pub const MAX_RECORDS_VAR: &str = "HOTLINE_MAX_RECORDS";

/// A kind of input file and its limit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Input {
    /// What it is, for messages: "a bundle", "a public key file".
    what: &'static str,
    /// The most bytes read.
    limit: usize,
}

impl Input {
    /// A bundle, within the byte limit of `limits`.
    pub fn bundle(limits: &Limits) -> Input {
        Input {
            what: "a bundle",
            limit: limits.max_bytes,
        }
    }

    /// The text of an entry (`--file`, `--detail-file`): at most an entry's whole size.
    pub const TEXT: Input = Input {
        what: "an entry's text",
        limit: MAX_ENCODED_LEN,
    };
    /// A public key file (`NAME.pub`, a few hundred bytes).
    pub const PUBLIC_KEY: Input = Input {
        what: "a public key file",
        limit: 64 * 1024,
    };
    /// A secret key file, plain or passphrase-protected (a few hundred bytes, or about 1 KiB).
    pub const SECRET_KEY: Input = Input {
        what: "a secret key file",
        limit: 64 * 1024,
    };
    /// An offline tlog-proof (a checkpoint and at most 64 hashes per proof).
    pub const PROOF: Input = Input {
        what: "a proof",
        limit: 1024 * 1024,
    };
    /// A witness's `add-checkpoint` request body (a checkpoint and a consistency proof).
    pub const WITNESS_REQUEST: Input = Input {
        what: "a witness request",
        limit: 1024 * 1024,
    };
    /// A witness's answer: its cosignature lines.
    pub const WITNESS_RESPONSE: Input = Input {
        what: "a witness response",
        limit: 1024 * 1024,
    };
    /// A witness's state file (a size and root per log it has cosigned).
    pub const WITNESS_STATE: Input = Input {
        what: "a witness state file",
        limit: 16 * 1024 * 1024,
    };
}

/// The limits a bundle is read within: the defaults, or what `HOTLINE_MAX_BUNDLE_BYTES` and
/// `HOTLINE_MAX_RECORDS` say.
///
/// # Errors
///
/// A [`Failure`] for a value that is not a positive number (of bytes, for the first).
pub(super) fn bundle_limits() -> Result<Limits, Failure> {
    let mut limits = Limits::DEFAULT;
    if let Some(v) = std::env::var_os(MAX_BUNDLE_BYTES_VAR) {
        limits.max_bytes = v.to_str().and_then(parse_size).ok_or_else(|| {
            bad_var(
                MAX_BUNDLE_BYTES_VAR,
                &v,
                "a number of bytes, such as 33554432 or 32MiB",
            )
        })?;
    }
    if let Some(v) = std::env::var_os(MAX_RECORDS_VAR) {
        limits.max_records = v
            .to_str()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| bad_var(MAX_RECORDS_VAR, &v, "a number of records, such as 1048576"))?;
    }
    Ok(limits)
}

fn bad_var(name: &str, value: &std::ffi::OsStr, want: &str) -> Failure {
    Failure::new(format!(
        "{name}={} is not a limit: give {want}",
        super::printable(&value.to_string_lossy())
    ))
    .hint(format!("unset {name} to use the default"))
}

/// `123`, `64KiB`, `64MiB`, `1GiB` (also `K`, `M`, `G`, powers of 1024) as bytes; none for 0.
fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: usize = digits.parse().ok()?;
    let shift = match unit.trim() {
        "" | "B" => 0,
        "K" | "KiB" => 10,
        "M" | "MiB" => 20,
        "G" | "GiB" => 30,
        _ => return None,
    };
    n.checked_mul(1usize.checked_shl(shift)?).filter(|n| *n > 0)
}

/// Read all of `path` (standard input for `-`), refusing anything but a regular file and
/// anything longer than `input`'s limit.
///
/// # Errors
///
/// A [`Failure`] (exit 2) naming the path and what is wrong: not a regular file, over the
/// limit, or an I/O error.
pub(super) fn read(path: &Path, input: Input) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    if is_stdin(path) {
        let stdin = std::io::stdin();
        read_to(&mut stdin.lock(), path, input, None, &mut buf)?;
        return Ok(buf);
    }
    let (mut file, meta) = open_regular(path, input)?;
    read_to(&mut file, path, input, Some(meta.len()), &mut buf)?;
    Ok(buf)
}

/// Whether `path` names standard input.
fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Open `path` for reading if it is a regular file of at most `input`'s limit, checked before
/// the file is opened (opening a FIFO for reading blocks until someone writes to it) and again
/// on the file opened.
///
/// # Errors
///
/// A [`Failure`] (exit 2) for anything but a regular file, a file over the limit, or an I/O
/// error.
pub(super) fn open_regular(path: &Path, input: Input) -> Result<(File, Metadata), Failure> {
    let before = std::fs::metadata(path).map_err(|e| Failure::io("read", path, &e))?;
    check_regular(path, input, &before)?;
    let file = File::open(path).map_err(|e| Failure::io("read", path, &e))?;
    let meta = file.metadata().map_err(|e| Failure::io("read", path, &e))?;
    check_regular(path, input, &meta)?;
    Ok((file, meta))
}

fn check_regular(path: &Path, input: Input, meta: &Metadata) -> Result<(), Failure> {
    if !meta.is_file() {
        return Err(Failure::new(format!(
            "{} is {}, not a regular file: {} is read only from a regular file, or from standard input as `-`",
            path.display(),
            file_type(meta),
            input.what
        ))
        .hint("to read from a pipe or a device, pass `-` and redirect it to standard input"));
    }
    if usize::try_from(meta.len()).map_or(true, |n| n > input.limit) {
        return Err(too_large(path, input, Some(meta.len())));
    }
    Ok(())
}

/// What kind of file `meta` describes, for the message refusing it.
fn file_type(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

fn too_large(path: &Path, input: Input, len: Option<u64>) -> Failure {
    let size = match len {
        Some(n) => format!("{n} bytes, over"),
        None => "more than".to_owned(),
    };
    let f = Failure::new(format!(
        "{}: too large for {}: {size} the {}-byte limit",
        path.display(),
        input.what,
        input.limit
    ));
    if input.what == "a bundle" {
        f.hint(format!(
            "export in parts (`hotline export --since`), or raise the limit with {MAX_BUNDLE_BYTES_VAR}"
        ))
    } else {
        f.hint(format!(
            "{} is never this large: check the path",
            input.what
        ))
    }
}

/// Read `reader` to its end into `buf`, at most `input`'s limit: one byte more is refused.
/// `expected` (a regular file's length) sizes the buffer once, so that it is not grown (and a
/// secret is not left behind in a freed copy).
///
/// # Errors
///
/// A [`Failure`] (exit 2) for an input over the limit, or an I/O error.
pub(super) fn read_to(
    reader: &mut dyn Read,
    path: &Path,
    input: Input,
    expected: Option<u64>,
    buf: &mut Vec<u8>,
) -> Result<(), Failure> {
    let cap = input.limit.saturating_add(1);
    let hint = expected
        .and_then(|n| usize::try_from(n).ok())
        .map_or(0, |n| n.saturating_add(1).min(cap));
    buf.try_reserve_exact(hint)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
    let max = u64::try_from(cap).unwrap_or(u64::MAX);
    reader
        .take(max)
        .read_to_end(buf)
        .map_err(|e| Failure::io("read", path, &e))?;
    if buf.len() > input.limit {
        return Err(too_large(path, input, None));
    }
    Ok(())
}

/// The failure for a bundle that `bundle::read_with` refused: past a limit, exit 2 with the
/// way to raise it; otherwise exit 1 (the bundle is bad) with `hint`.
pub(super) fn bundle_failure(path: &Path, e: &BundleError, hint: &str) -> Failure {
    match e {
        BundleError::TooLarge { .. } => Failure::new(format!("{}: {e}", path.display())).hint(
            format!("export in parts (`hotline export --since`), or raise the limit with {MAX_BUNDLE_BYTES_VAR}"),
        ),
        BundleError::TooManyRecords { .. } => Failure::new(format!("{}: {e}", path.display()))
            .hint(format!(
                "export in parts (`hotline export --since`), or raise the limit with {MAX_RECORDS_VAR}"
            )),
        other => Failure::problem(format!("{}: {other}", path.display())).hint(hint.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_are_bytes_or_binary_units() {
        assert_eq!(parse_size("123"), Some(123));
        assert_eq!(parse_size("64KiB"), Some(64 << 10));
        assert_eq!(parse_size("64 MiB"), Some(64 << 20));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        for bad in [
            "",
            "0",
            "0MiB",
            "-1",
            "1.5MiB",
            "12 kb",
            "MiB",
            "99999999999999999999",
        ] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
