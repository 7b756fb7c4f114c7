//! What the verbs share, and nothing verb-specific: opening a store, loading keys and files,
//! resolving ids, reading times and durations, and saying what a store error means. It
//! imports no verb, so every verb file can import it.

use std::path::{Path, PathBuf};

use crate::charter::{Charter, Severity};
use crate::entry::{EntryId, Timestamp};
use crate::keys::{PublicKey, SecretKey};
use crate::store::{SeenBy, Store, StoreError};
use crate::verify::{self, Options};

use super::args::{KeyArg, TextArg};
use super::input::Input;
use super::keyfile::load_key;
use super::render;
use super::{Failure, PROBLEM};

/// The directory of the high-water marks of the key at `key_path`: its own directory.
pub(super) fn marks_dir(key_path: &Path) -> PathBuf {
    let key = absolute(key_path);
    key.parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// An opened store keeps its high-water marks beside the key file it remembers.
pub(super) fn with_marks(mut store: Store) -> Store {
    if let Some((_, key)) = store.identity() {
        store.keep_high_water_in(&marks_dir(&key));
    }
    store
}

pub(super) const RECOVER_HINT: &str = "hotline recover --replace --from BUNDLE --key YOUR.key";

/// The failure for a store that may not sign because its feed is behind: a message, and the
/// way out (recover from a counterparty's export). `None` for any other error.
pub(super) fn behind_failure(e: &StoreError) -> Option<Failure> {
    let hint = match e {
        StoreError::BehindMark { .. } => format!(
            "this store directory is older than your own signatures (restored from a backup?). Ask a counterparty for a full export (`hotline export --out F` in its store) and rebuild this store from it: `{RECOVER_HINT}` (the old store is moved aside, not deleted)"
        ),
        StoreError::BehindElsewhere { by, .. } => {
            let who = match by {
                SeenBy::View { party, .. } => party.clone(),
                _ => "a counterparty".to_owned(),
            };
            format!(
                "ask {who} for a full export (`hotline export --out F` in its store) and rebuild this store from it: `{RECOVER_HINT}` (the old store is moved aside, not deleted); `hotline import F` also brings back the entries this store lacks"
            )
        }
        StoreError::MarkUnreadable { .. } => "look at the file: if it was damaged, put back a copy, or remove it only if you are sure this store holds every entry you signed".to_owned(),
        _ => return None,
    };
    Some(Failure::new(e.to_string()).hint(hint))
}

/// Every checkpoint note the store holds.
pub(super) fn note_bytes(store: &Store) -> Result<Vec<Vec<u8>>, Failure> {
    Ok(store
        .all_notes()
        .map_err(store_failure)?
        .into_iter()
        .map(|n| n.note)
        .collect())
}

/// Verify everything the store holds, entries and checkpoints, from scratch.
pub(super) fn verify_store(store: &Store, at: Timestamp) -> Result<verify::Report, Failure> {
    store.check_sound().map_err(store_failure)?;
    let entries = store.entries().map_err(store_failure)?;
    // With what the store's records state beside each note, which must be what it states.
    let notes = store.all_notes().map_err(store_failure)?;
    Ok(verify::verify_with_notes(
        store.charter(),
        &entries,
        &notes,
        Options {
            now: Some(at),
            ..Options::without_clock()
        },
    ))
}

/// The store's roster: the founding charter's parties and those of every amendment in force,
/// for names and keys.
pub(super) fn roster(store: &Store) -> Result<&Charter, Failure> {
    store.roster().map_err(store_failure)
}

/// The current time, in whole seconds.
pub(super) fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp(secs)
}

/// A time as a user types it: `now`; `now` plus or minus a duration (`+24h`, `-90m`, `now+3d`);
/// Unix seconds (`1767225600`, the form every JSON output uses); or RFC 3339 with its zone
/// (`Z` or a numeric offset such as `+02:00`). A time without a zone is refused rather than
/// guessed.
pub(super) fn parse_time(s: &str, what: &str) -> Result<Timestamp, Failure> {
    parse_time_at(s, what, now())
}

/// [`parse_time`] with `now` given, so that tests can fix it.
fn parse_time_at(s: &str, what: &str, now: Timestamp) -> Result<Timestamp, Failure> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    let relative = match t.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("now") => t.get(3..).unwrap_or_default(),
        _ => t,
    }
    .trim_start();
    if let Some((sign, rest)) = relative
        .strip_prefix('+')
        .map(|r| (1, r))
        .or_else(|| relative.strip_prefix('-').map(|r| (-1, r)))
    {
        let secs = parse_duration(rest.trim(), what)?;
        let moved = if sign > 0 {
            now.0.checked_add(secs)
        } else {
            now.0.checked_sub(secs)
        };
        return moved.map(Timestamp).ok_or_else(|| {
            Failure::new(format!(
                "{what}: {s:?} is out of range (before 1970 or too far ahead)"
            ))
        });
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<u64>()
            .map(Timestamp)
            .map_err(|_| Failure::new(format!("{what}: {s:?} is too large for Unix seconds")));
    }
    // RFC 3339 allows a lowercase `t` and `z` (section 5.6); the parser below takes capitals.
    let upper = t.to_ascii_uppercase();
    parse_rfc3339(&upper, what).map_err(|mut f| {
        f.message = f.message.replace(&format!("{upper:?}"), &format!("{s:?}"));
        f
    })
}

/// An RFC 3339 time with its zone.
fn parse_rfc3339(s: &str, what: &str) -> Result<Timestamp, Failure> {
    let bad = |why: String| {
        Failure::new(format!("{what}: {s:?} is not a time: {why}")).hint(
            "use `now`, `+24h` or `-90m` (from now), Unix seconds, or RFC 3339 with a zone, e.g. 2026-03-01T12:00:00Z or 2026-03-01T14:00:00+02:00",
        )
    };
    let (base, offset_secs): (String, i64) = if s.ends_with(['Z', 'z']) {
        (s.to_owned(), 0)
    } else {
        let n = s.len();
        let tail = s.get(n.saturating_sub(6)..).unwrap_or_default();
        let t = tail.as_bytes();
        let numeric = t.len() == 6
            && matches!(t.first(), Some(b'+' | b'-'))
            && t.get(3) == Some(&b':')
            && [1, 2, 4, 5]
                .iter()
                .all(|&i| t.get(i).is_some_and(u8::is_ascii_digit));
        if !numeric {
            return Err(bad("no time zone (Z or ±HH:MM)".into()));
        }
        let num = |r: std::ops::Range<usize>| {
            tail.get(r).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0)
        };
        let (hours, minutes) = (num(1..3), num(4..6));
        if hours > 23 || minutes > 59 {
            return Err(bad("the offset is out of range".into()));
        }
        let sign = if tail.starts_with('-') { -1 } else { 1 };
        let head = s.get(..n - 6).unwrap_or_default();
        (format!("{head}Z"), sign * (hours * 3600 + minutes * 60))
    };
    let t = humantime::parse_rfc3339_weak(&base).map_err(|e| bad(e.to_string()))?;
    let local = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| bad("it is before 1970".into()))?;
    let utc = i64::try_from(local)
        .ok()
        .and_then(|l| l.checked_sub(offset_secs))
        .and_then(|u| u64::try_from(u).ok())
        .ok_or_else(|| bad("it is before 1970".into()))?;
    Ok(Timestamp(utc))
}

pub(super) fn parse_duration(s: &str, what: &str) -> Result<u64, Failure> {
    humantime::parse_duration(s)
        .map(|d| d.as_secs())
        .map_err(|e| {
            Failure::new(format!("{what}: {s:?} is not a duration: {e}")).hint("e.g. 90m, 24h, 3d")
        })
}

/// A time allowed for an answer: a duration of at least one second.
pub(super) fn parse_window(s: &str, what: &str) -> Result<u64, Failure> {
    let positive = || {
        Failure::new(format!(
            "{what} {s:?}: a window must be positive (the time allowed after the notice)"
        ))
        .hint("e.g. 90m, 24h, 3d")
    };
    if s.trim_start().starts_with('-') {
        return Err(positive());
    }
    match parse_duration(s, what)? {
        0 => Err(positive()),
        secs => Ok(secs),
    }
}

/// Map a store error to a message and a hint.
pub(super) fn store_failure(e: StoreError) -> Failure {
    if let Some(f) = behind_failure(&e) {
        return f;
    }
    let msg = e.to_string();
    let hint = match &e {
        StoreError::NotFound { .. } => Some(
            "create one with `hotline channel create` or `hotline join`, or point --store at an existing store",
        ),
        StoreError::Locked { .. } => {
            Some("another hotline command is using this store; wait for it to finish")
        }
        StoreError::IndexUnusable { .. } | StoreError::IndexDisagrees { .. } => {
            Some("run `hotline repair` to rebuild the index from the journal")
        }
        StoreError::AmbiguousId { .. } => Some(
            "`hotline log` lists the ids; any unique prefix of 4 or more hex digits names an entry (12 or more for commands that sign)",
        ),
        StoreError::UnknownId { .. } => Some("`hotline log` lists the ids in this store"),
        StoreError::NotAParty { .. } => {
            Some("use the key of a party listed in the channel's charter")
        }
        StoreError::SignedElsewhere { .. } => Some(
            "if you did not sign it, your key was copied: `hotline revoke --from SEQ` with your NAME.next.key; if you did (this store is an old copy), rebuild it with `hotline recover`",
        ),
        StoreError::KeyNotInForce { next: false, .. } => Some(
            "sign with the key in force: after `hotline rotate` or `hotline revoke` it is NAME.key, the old one is retired",
        ),
        StoreError::KeyNotInForce { next: true, .. } => Some(
            "keep NAME.next.key for `hotline rotate` or `hotline revoke`; sign entries with NAME.key",
        ),
        StoreError::JournalCorrupt { .. } => Some(
            "run `hotline repair`: it rebuilds damaged records from the index's copies and keeps the damaged bytes aside",
        ),
        StoreError::FeedWentBack { .. } => {
            Some("import your own entries again from a bundle a counterparty exports, then sign")
        }
        StoreError::ReadOnly { .. } => {
            Some("this copy of the store is read-only here; sign in the party's own store")
        }
        StoreError::Rejected { .. } => Some(
            "nothing was imported; ask the sender for a fresh bundle and run `hotline verify BUNDLE --trust …` on it",
        ),
        _ => None,
    };
    let mut f = Failure::new(msg);
    if let StoreError::Rejected { findings } = &e {
        let lines: Vec<String> = findings.iter().map(render::finding_line).collect();
        f.message = format!(
            "refused, nothing was written: {} problem(s) found\n{}",
            findings.len(),
            lines.join("\n")
        );
    }
    // A bundle or entry refused on verification grounds is a problem found (exit 1), not a
    // usage error.
    if matches!(
        e,
        StoreError::Rejected { .. }
            | StoreError::Bundle(_)
            | StoreError::WrongChannel { .. }
            | StoreError::BadNote { .. }
    ) {
        f.code = PROBLEM;
    }
    match hint {
        Some(h) => f.hint(h),
        None => f,
    }
}

/// Open the store, waiting up to 3 seconds for another command that holds it to finish (a
/// lock can outlive its holder by a moment, and the demo runs commands in-process), then
/// reporting it in use.
pub(super) fn open(dir: &Path) -> Result<Store, Failure> {
    match Store::open_within(dir, std::time::Duration::from_secs(3)) {
        // A copy the user may read but not write (an auditor's): read it without a lock.
        Err(StoreError::NotWritable { .. }) => Store::open_read_only(dir).map_err(store_failure),
        other => other.map(with_marks).map_err(store_failure),
    }
}

/// Open the store to read it only ([`Store::open_read_only`]): no lock is taken and no file
/// of the store is written or made, so a reader never waits for a writer, never changes what
/// it reads, and a reader killed leaves nothing in the store. It sees the journal as it was
/// when opened, up to the last write then complete.
pub(super) fn open_to_read(dir: &Path) -> Result<Store, Failure> {
    Store::open_read_only(dir).map_err(store_failure)
}

pub(super) fn resolve(store: &Store, prefix: &str) -> Result<EntryId, Failure> {
    store.resolve(prefix).map_err(store_failure)
}

/// Read an input file (standard input for `-`) within `input`'s limit: see [`super::input`].
pub(super) fn read_file(path: &Path, input: Input) -> Result<Vec<u8>, Failure> {
    super::input::read(path, input)
}

pub(super) fn read_text(t: &TextArg) -> Result<String, Failure> {
    match (&t.text, &t.file) {
        (Some(s), _) => Ok(s.clone()),
        (None, Some(p)) => String::from_utf8(read_file(p, Input::TEXT)?)
            .map_err(|_| Failure::new(format!("{} is not UTF-8 text", p.display()))),
        (None, None) => Err(Failure::new("give --text or --file")),
    }
}

pub(super) fn load_pub(path: &Path) -> Result<PublicKey, Failure> {
    let text = String::from_utf8(read_file(path, Input::PUBLIC_KEY)?)
        .map_err(|_| Failure::new(format!("{} is not a public key file", path.display())))?;
    PublicKey::from_file_text(&text).map_err(|e| {
        Failure::new(format!("{}: {e}", path.display()))
            .hint("a public key file is written by `hotline keygen NAME` as NAME.pub")
    })
}

pub(super) fn parse_severity(spec: &str) -> Result<Severity, Failure> {
    let parts: Vec<&str> = spec.split(':').collect();
    let [name, ack, respond] = parts.as_slice() else {
        return Err(Failure::new(format!(
            "--severity {spec:?}: expected NAME:ACK-WITHIN:RESPOND-WITHIN"
        ))
        .hint("e.g. --severity high:4h:3d"));
    };
    Ok(Severity {
        name: (*name).to_owned(),
        ack_within: parse_duration(ack, "--severity")?,
        respond_within: parse_duration(respond, "--severity")?,
    })
}

/// `p` made absolute, for output; `p` itself if that fails or is not UTF-8 (under a working
/// directory whose name is not), since output and JSON name it.
pub(super) fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .ok()
        .filter(|a| a.to_str().is_some())
        .unwrap_or_else(|| p.to_path_buf())
}

pub(super) fn signing_key(store: &Store, key: &KeyArg) -> Result<SecretKey, Failure> {
    let sk = match &key.key {
        Some(p) => load_key(p)?,
        None => match store.identity() {
            // A hint of the key file's own (a wrong passphrase, a loose mode) comes first.
            Some((_, path)) => load_key(&path).map_err(|f| match f.hint {
                Some(_) => f,
                None => {
                    f.hint("the store remembers this key file; pass --key YOUR.key if it moved")
                }
            })?,
            None => {
                return Err(
                    Failure::new("this store does not know your key").hint("pass --key YOUR.key")
                );
            }
        },
    };
    // A store holds one party's own feed: signing as another party here would fork that
    // party's feed as soon as its own store signs the same seq.
    if let Some((me, _)) = store.identity()
        && roster(store)?
            .party(&sk.party())
            .is_some_and(|p| p.name != me)
    {
        return Err(Failure::new(format!(
            "this store belongs to {me}; the key given is {}'s",
            sk.name()
        ))
        .hint(format!(
            "sign as {} in {}'s own store; signing here would fork its feed",
            sk.name(),
            sk.name()
        )));
    }
    Ok(sk)
}

#[cfg(test)]
mod tests {
    use super::{parse_time, parse_time_at};
    use crate::entry::Timestamp;

    #[test]
    fn times_need_a_zone_and_offsets_count() {
        let z = parse_time("2026-03-01T12:00:00Z", "t").unwrap();
        assert_eq!(parse_time("2026-03-01T14:00:00+02:00", "t").unwrap(), z);
        assert_eq!(parse_time("2026-03-01T07:30:00-04:30", "t").unwrap(), z);
        for bad in [
            "2026-03-01T12:00:00",
            "2026-03-01 12:00:00",
            "yesterday",
            "+",
            "+soon",
            "now-",
            "-1x",
            "2026-03-01T12:00:00+25:00",
            "",
        ] {
            assert!(parse_time(bad, "t").is_err(), "{bad}");
        }
    }

    #[test]
    fn times_can_be_now_relative_or_unix_seconds() {
        let now = Timestamp(1_767_225_600);
        let at = |s: &str| parse_time_at(s, "t", now).unwrap();
        assert_eq!(at("now"), now);
        assert_eq!(at("NOW"), now);
        assert_eq!(at("+24h"), Timestamp(now.0 + 86_400));
        assert_eq!(at("now+24h"), Timestamp(now.0 + 86_400));
        assert_eq!(at("-90m"), Timestamp(now.0 - 5_400));
        assert_eq!(at("now - 1d"), Timestamp(now.0 - 86_400));
        assert_eq!(at("Now+1h"), Timestamp(now.0 + 3_600));
        assert_eq!(at("2026-01-01t00:00:00z"), now);
        assert_eq!(at("1700000000"), Timestamp(1_700_000_000));
        assert_eq!(at("0"), Timestamp(0));
        // The same instant in every form.
        assert_eq!(at("2026-01-01T00:00:00Z"), now);
        assert_eq!(at("1767225600"), now);
        // Out of range is refused, not wrapped.
        assert!(parse_time_at("-1h", "t", Timestamp(10)).is_err());
        assert!(parse_time_at("99999999999999999999999", "t", now).is_err());
        let e = parse_time_at("yesterday", "t", now).unwrap_err();
        assert!(e.hint.unwrap_or_default().contains("+24h"));
    }
}
