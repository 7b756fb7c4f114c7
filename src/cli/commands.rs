//! The commands. Each returns an [`Output`] or a [`Failure`]; nothing here exits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hotline::bundle;
use hotline::chain::{self, SupersedeError};
use hotline::charter::{CHARTER_VERSION, Charter, MIN_ACK_WITHIN, Party, Policy, Severity};
use hotline::entry::{
    Ack, AckState, Body, Commitment, Definition, EntryId, EntryRef, Notice, Response, Stage,
    Timestamp,
};
use hotline::keys::{PartyId, PublicKey, SecretKey};
use hotline::store::{Store, StoreError};
use hotline::text::{self, NameError};
use hotline::verify::{self, Options};
use serde_json::{Value, json};

use super::args::{ChannelCommand, Cli, Command, KeyArg, KeyCommand, NotifyArgs, TextArg};
use super::input::Input;
use super::keyfile::{PRIVATE, load_key, write_new};
use super::render;
use super::{Failure, Output, PROBLEM, store_dir};

/// Run one parsed command line.
pub fn dispatch(cli: Cli) -> Result<Output, Failure> {
    let dir = store_dir(&cli.store);
    match cli.command {
        Command::Keygen(args) => super::keygen::keygen(&args),
        Command::Key(KeyCommand::Passphrase { file, remove }) => {
            super::keygen::passphrase(&file, remove)
        }
        Command::Channel(ChannelCommand::Create {
            name,
            key,
            party,
            severity,
            role,
            witness,
            witness_quorum,
        }) => channel_create(
            &dir,
            &name,
            &key,
            &party,
            &severity,
            &role,
            (&witness, witness_quorum),
        ),
        Command::Join { bundle, key, trust } => super::join::join(&dir, &bundle, &key, &trust),
        Command::Define {
            term,
            text,
            supersedes,
            key,
        } => {
            // Inputs first: one refused never touches the store.
            let text = read_text(&text)?;
            let mut store = open(&dir)?;
            let term = name_arg("the term", &term)?;
            let supersedes = supersedes
                .map(|s| resolve_target(&store, &s, SUPERSEDES))
                .transpose()?;
            let body = Body::Definition(Definition {
                term,
                text,
                supersedes: supersedes.as_ref().map(|t| t.id),
            });
            if let Some(t) = &supersedes {
                may_supersede(&store, &key, t, &body)?;
            }
            append(&mut store, &key, body, supersedes.as_slice())
        }
        Command::Commit {
            title,
            text,
            cites,
            supersedes,
            key,
        } => {
            let text = read_text(&text)?;
            let mut store = open(&dir)?;
            let title = name_arg("the title", &title)?;
            let mut targets = cites
                .iter()
                .map(|c| resolve_target(&store, c, CITES))
                .collect::<Result<Vec<_>, _>>()?;
            targets.sort_by_key(|t| t.id);
            targets.dedup_by_key(|t| t.id);
            let cites = targets.iter().map(|t| t.id).collect();
            let supersedes = supersedes
                .map(|s| resolve_target(&store, &s, SUPERSEDES))
                .transpose()?;
            let body = Body::Commitment(Commitment {
                title,
                text,
                cites,
                supersedes: supersedes.as_ref().map(|t| t.id),
            });
            if let Some(t) = &supersedes {
                may_supersede(&store, &key, t, &body)?;
            }
            targets.extend(supersedes);
            append(&mut store, &key, body, &targets)
        }
        Command::Notify(args) => notify(&dir, *args),
        Command::Respond { id, text, key } => {
            let text = read_text(&text)?;
            let mut store = open(&dir)?;
            let to = resolve_target(&store, &id, TO)?;
            let body = Body::Response(Response { to: to.id, text });
            append(&mut store, &key, body, &[to])
        }
        Command::Ack {
            id,
            state,
            reason,
            key,
        } => ack(&dir, &id, &state, reason, &key),
        Command::Rotate { next, key } => super::lifecycle::rotate(&dir, next.as_deref(), &key),
        Command::Revoke {
            next,
            from,
            reason,
            key,
        } => super::lifecycle::revoke(&dir, next.as_deref(), from, reason, &key),
        Command::Log => {
            let store = open_to_read(&dir)?;
            let entries = store.entries().map_err(store_failure)?;
            Ok(render::log(roster(&store)?, &entries))
        }
        Command::Show { id } => {
            let store = open_to_read(&dir)?;
            let id = resolve(&store, &id)?;
            let entries = store.entries().map_err(store_failure)?;
            let checkpoints = store.checkpoint_summaries(now()).map_err(store_failure)?;
            render::show(roster(&store)?, &entries, &id, &checkpoints)
                .ok_or_else(|| Failure::new(format!("entry {id} is not in the store")))
        }
        Command::Export { out, since, force } => export(&dir, &out, &since, force),
        Command::Import {
            file,
            no_receipt,
            key,
        } => import(&dir, &file, !no_receipt, &key),
        Command::Verify { bundle, trust } => match bundle {
            Some(b) => verify_bundle(&b, &trust),
            None => {
                if !trust.is_empty() {
                    return Err(Failure::new("--trust goes with a bundle")
                        .hint("hotline verify BUNDLE --trust A.pub --trust B.pub"));
                }
                let store = open_to_read(&dir)?;
                let report = verify_store(&store, now())?;
                let out = render::report(report.roster(store.charter()), &report);
                Ok(super::quarantine::add_to_verify(&store, out))
            }
        },
        Command::Audit { bundle, trust, at } => {
            let at = match at {
                Some(s) => parse_time(&s, "--at")?,
                None => now(),
            };
            match bundle {
                Some(path) => {
                    let b = trusted_bundle(&path, &trust, "audit")?;
                    let a = hotline::audit::audit_with_notes(&b.charter, &b.entries, &b.notes, at);
                    Ok(render::audit(&b.charter, &a))
                }
                None => {
                    if !trust.is_empty() {
                        return Err(Failure::new("--trust goes with a bundle")
                            .hint("hotline audit BUNDLE --trust A.pub --trust B.pub"));
                    }
                    let store = open_to_read(&dir)?;
                    let entries = store.entries().map_err(store_failure)?;
                    let notes = note_bytes(&store)?;
                    let a = hotline::audit::audit_with_notes(store.charter(), &entries, &notes, at);
                    Ok(render::audit(roster(&store)?, &a))
                }
            }
        }
        Command::Recover {
            from,
            key,
            trust,
            replace,
        } => super::recover::recover(&dir, &from, &key, &trust, replace),
        Command::Repair => {
            let r = Store::repair(&dir).map_err(super::recover::repair_failure)?;
            let mut text = format!(
                "repaired {}: {} entries indexed; {} entries and {} notes recovered from the index's copies; {} records lost; {} torn bytes cut\n",
                dir.display(),
                r.entries_indexed,
                r.entries_recovered,
                r.notes_recovered,
                r.records_lost,
                r.torn_bytes_cut
            );
            if let Some(p) = &r.damaged_kept_in {
                text.push_str(&format!("the damaged bytes are kept in {}\n", p.display()));
            }
            if let Some(why) = &r.index_not_used {
                text.push_str(&format!("the old index was not used: {why}\n"));
            }
            if let Some(id) = &r.charter_rebuilt_from {
                text.push_str(&format!(
                    "the charter record was damaged: rebuilt from the founder's charter entry {}\n",
                    id.short()
                ));
            }
            if let Some(p) = &r.config_kept_in {
                text.push_str(&format!(
                    "the damaged configuration was set aside in {}; {}\n",
                    p.display(),
                    if r.identity_kept {
                        "its party and key file were kept"
                    } else {
                        "pass --key again"
                    }
                ));
                let marks: Vec<String> = r
                    .marks_rebuilt
                    .iter()
                    .map(|(name, seq)| format!("{name} up to seq {seq}"))
                    .collect();
                if !marks.is_empty() {
                    text.push_str(&format!(
                        "the guard against signing a seq twice was rebuilt from the feeds held: {}\n",
                        marks.join(", ")
                    ));
                }
            }
            for f in &r.feeds_behind {
                text.push_str(&format!(
                    "WARNING: {}'s feed now holds {} entries but this store signed up to seq {}: import those entries again from a counterparty's bundle before signing\n",
                    f.name, f.held, f.signed
                ));
            }
            let behind: Vec<serde_json::Value> = r
                .feeds_behind
                .iter()
                .map(|f| json!({ "party": f.name, "signed": f.signed, "held": f.held }))
                .collect();
            let ok = r.records_lost == 0 && r.feeds_behind.is_empty();
            Ok(Output {
                text,
                json: json!({
                    "ok": ok, "store": dir, "entries": r.entries_indexed,
                    "entries_recovered": r.entries_recovered, "notes_recovered": r.notes_recovered,
                    "records_lost": r.records_lost, "torn_bytes_cut": r.torn_bytes_cut,
                    "records_dropped": r.records_dropped, "damaged_kept_in": r.damaged_kept_in,
                    "index_not_used": r.index_not_used, "feeds_behind": behind,
                    "charter_rebuilt_from": r.charter_rebuilt_from,
                    "config_kept_in": r.config_kept_in, "identity_kept": r.identity_kept,
                    "marks_rebuilt": r.marks_rebuilt.iter()
                        .map(|(name, seq)| json!({ "party": name, "signed": seq }))
                        .collect::<Vec<_>>(),
                }),
                code: if ok { 0 } else { PROBLEM },
            })
        }
        Command::Demo { dir } => super::demo::run(dir),
        Command::Amend(a) => super::amend::amend(&dir, a),
        Command::Ratify(a) => super::amend::ratify(&dir, a),
        Command::Close(a) => super::amend::close(&dir, a),
        Command::Charter => super::amend::charter(&dir),
        Command::Checkpoint { key } => super::witness::checkpoint(&dir, &key),
        Command::Cosign { key } => super::witness::cosign(&dir, &key),
        Command::Prove { id, out, force } => super::witness::prove(&dir, &id, &out, force),
        Command::VerifyProof { file, trust } => super::witness::verify_proof(&file, &trust),
        Command::Parties => super::witness::parties(&dir),
        Command::Quarantine => super::quarantine::list(&dir),
        Command::Witness(w) => super::witness_protocol::dispatch(&dir, w),
    }
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
            ..Options::default()
        },
    ))
}

/// The store's roster: the founding charter's parties and those of every amendment in force,
/// for names and keys.
pub(super) fn roster(store: &Store) -> Result<&Charter, Failure> {
    store.roster().map_err(store_failure)
}

/// The current time, in whole seconds.
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp(secs)
}

/// An RFC 3339 time with its zone: `Z` or a numeric offset such as `+02:00`. A time without
/// a zone is refused rather than guessed.
pub(super) fn parse_time(s: &str, what: &str) -> Result<Timestamp, Failure> {
    let bad = |why: String| {
        Failure::new(format!("{what}: {s:?} is not a time: {why}")).hint(
            "use RFC 3339 with a zone, e.g. 2026-03-01T12:00:00Z or 2026-03-01T14:00:00+02:00",
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

fn parse_duration(s: &str, what: &str) -> Result<u64, Failure> {
    humantime::parse_duration(s)
        .map(|d| d.as_secs())
        .map_err(|e| {
            Failure::new(format!("{what}: {s:?} is not a duration: {e}")).hint("e.g. 90m, 24h, 3d")
        })
}

/// A time allowed for an answer: a duration of at least one second.
fn parse_window(s: &str, what: &str) -> Result<u64, Failure> {
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
pub fn store_failure(e: StoreError) -> Failure {
    if let Some(f) = super::recover::behind_failure(&e) {
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
        other => other.map(super::recover::with_marks).map_err(store_failure),
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

/// The fewest hex digits of an entry id that a command which signs accepts. A signature
/// cannot be taken back, and a prefix that is unique today can come to name another entry
/// as entries arrive (among 2^16 entries, two 4-digit prefixes likely collide); 12 digits are
/// what `hotline log` shows.
const MIN_SIGNING_PREFIX: usize = 12;

const OF: render::Role = render::Role {
    field: "of",
    words: "acknowledging",
};
const TO: render::Role = render::Role {
    field: "to",
    words: "responding to",
};
const CITES: render::Role = render::Role {
    field: "cites",
    words: "citing",
};
const SUPERSEDES: render::Role = render::Role {
    field: "supersedes",
    words: "superseding",
};
const REFS: render::Role = render::Role {
    field: "refs",
    words: "referring to",
};

/// An entry that an entry about to be signed refers to, with the echo that names it.
struct Target {
    id: EntryId,
    author: PartyId,
    seq: hotline::Seq,
    line: String,
    json: serde_json::Value,
}

/// Resolve an id given to a signing command: at least [`MIN_SIGNING_PREFIX`] hex digits, an
/// entry the store holds, described so the signer sees what the prefix named.
fn resolve_target(store: &Store, prefix: &str, role: render::Role) -> Result<Target, Failure> {
    let digits = prefix.len();
    // Anything that is not hex is left to the store's own message.
    if digits < MIN_SIGNING_PREFIX && prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Failure::new(format!(
            "entry id {prefix:?} is too short to sign about: {digits} hex digit(s), at least {MIN_SIGNING_PREFIX} are needed"
        ))
        .hint(
            "give the 12 hex digits `hotline log` shows, or the whole id: a shorter prefix could name another entry once more arrive",
        ));
    }
    let id = resolve(store, prefix)?;
    let entry = store
        .get(&id)
        .map_err(store_failure)?
        .ok_or_else(|| Failure::new(format!("entry {id} is not in the store")))?;
    let (line, json) = render::target(roster(store)?, role, &id, &entry);
    Ok(Target {
        id,
        author: entry.header().author,
        seq: entry.header().seq,
        line,
        json,
    })
}

/// A name people cite (a term, a title, an incident id) as typed: put in NFC, the form it is
/// signed in, and refused here, with a hint, if the library would refuse it.
fn name_arg(what: &str, typed: &str) -> Result<String, Failure> {
    let name = text::nfc(typed);
    let Err(e) = text::check_name(&name) else {
        return Ok(name);
    };
    let hint = match e {
        NameError::MixedScript { .. } => {
            "write it in one script: a letter of another script that looks like a Latin one (Cyrillic а, Greek ο) makes a name that looks like another and is not"
        }
        NameError::NoScript { .. } => "use assigned, public characters only",
        _ => {
            "remove it: terms, titles and incident ids must show every character they hold, so that two that look alike are the same"
        }
    };
    Err(Failure::new(format!("{what} {e}")).hint(hint))
}

/// Refuse, before anything is signed, a `--supersedes` the verifier would report: another
/// kind, another party's entry, or a definition of another term.
fn may_supersede(store: &Store, key: &KeyArg, target: &Target, body: &Body) -> Result<(), Failure> {
    let me = signing_key(store, key)?.party();
    let held = store
        .get(&target.id)
        .map_err(store_failure)?
        .ok_or_else(|| Failure::new(format!("entry {} is not in the store", target.id)))?;
    let old = held.entry.body().ok();
    let Err(e) = chain::check_supersedes(&me, body, &target.author, old.as_ref()) else {
        return Ok(());
    };
    let short = target.id.short();
    Err(match e {
        SupersedeError::WrongKind { expected, found } => Failure::new(format!(
            "--supersedes {short} is a {found}: a {expected} supersedes only a {expected}"
        ))
        .hint("`hotline log` shows each entry's kind"),
        SupersedeError::OtherAuthor { author } => Failure::new(format!(
            "--supersedes {short} is {}'s entry: a party supersedes only its own entries",
            roster(store)?.label(&author)
        ))
        .hint(
            "answer it with `hotline respond` or `hotline ack --state disputed`, or sign your own without --supersedes",
        ),
        SupersedeError::OtherTerm { term, superseded } => Failure::new(format!(
            "--supersedes {short} defines {superseded:?}, not {term:?}: a definition supersedes only one of the same term"
        ))
        .hint(format!(
            "give the term {superseded:?} to revise that definition, or leave out --supersedes to define a new term"
        )),
        other => Failure::new(format!("--supersedes {short}: {other}")),
    })
}

/// Read an input file (standard input for `-`) within `input`'s limit: see [`super::input`].
pub(super) fn read_file(path: &Path, input: Input) -> Result<Vec<u8>, Failure> {
    super::input::read(path, input)
}

fn read_text(t: &TextArg) -> Result<String, Failure> {
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

/// The digest of the next key that the secret key at `key_path` pre-commits to: from the
/// `.pub` beside it, or from the next key file itself.
fn own_next_digest(key_path: &Path, key: &SecretKey) -> Result<hotline::keys::KeyDigest, Failure> {
    let public = key_path.with_extension("pub");
    if let Ok(pk) = load_pub(&public)
        && pk.id == key.party()
        && let Some(next) = pk.next
    {
        return Ok(next);
    }
    let next_path = super::keyfile::next_key_path(key_path);
    if next_path.exists() {
        return Ok(load_key(&next_path)?.party().digest());
    }
    Err(Failure::new(format!(
        "no next key for {}: neither {} nor {} names it",
        key_path.display(),
        public.display(),
        next_path.display()
    ))
    .hint("the charter pre-commits every party's next key; `hotline keygen NAME` writes NAME.key, NAME.next.key and NAME.pub"))
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

fn channel_create(
    dir: &Path,
    name: &str,
    key_path: &Path,
    parties: &[PathBuf],
    severities: &[String],
    role: &str,
    (witnesses, witness_quorum): (&[String], u32),
) -> Result<Output, Failure> {
    let key = load_key(key_path)?;
    let witnesses = witnesses
        .iter()
        .map(|w| super::witness_protocol::parse_witness_arg(w))
        .collect::<Result<Vec<_>, _>>()?;
    let mut list = vec![Party {
        name: key.name().to_owned(),
        key: key.party(),
        next: own_next_digest(key_path, &key)?,
        role: role.to_owned(),
    }];
    for p in parties {
        let pk = load_pub(p)?;
        let next = pk.next.ok_or_else(|| {
            Failure::new(format!(
                "{} states no next key (`next:` line): the charter pre-commits every party's next key",
                p.display()
            ))
            .hint("ask the party for the NAME.pub that `hotline keygen NAME` writes; it names the next key's digest")
        })?;
        list.push(Party {
            name: pk.name,
            key: pk.id,
            next,
            role: "point-of-contact".into(),
        });
    }
    let policy = if severities.is_empty() {
        Policy::default_scale()
    } else {
        Policy {
            severities: severities
                .iter()
                .map(|s| parse_severity(s))
                .collect::<Result<_, _>>()?,
        }
    };
    let charter = Charter {
        version: CHARTER_VERSION,
        name: name.to_owned(),
        parties: list,
        policy,
        created: now(),
        witnesses,
        witness_quorum,
    };
    if let Err(e) = charter.check() {
        let f = Failure::new(e.to_string());
        let windows = charter
            .policy
            .severities
            .iter()
            .any(|s| s.ack_within < MIN_ACK_WITHIN || s.respond_within < s.ack_within);
        return Err(if windows {
            f.hint("each --severity NAME:ACK:RESPOND needs ACK of at least 1m and RESPOND no shorter than ACK, e.g. high:4h:3d")
        } else {
            f
        });
    }
    let mut store = Store::create(dir, &charter).map_err(store_failure)?;
    store
        .set_identity(key.name(), &absolute(key_path))
        .map_err(store_failure)?;
    store.keep_high_water_in(&super::recover::marks_dir(key_path));
    let entry = store
        .append(&key, &Body::Charter(charter.clone()), now())
        .map_err(store_failure)?;
    let id = entry.id().map_err(|e| Failure::new(e.to_string()))?;
    let channel = store.channel();
    Ok(Output::ok(
        format!(
            "created channel {name:?} in {}\nchannel id {channel}\nparties: {}\ncharter signed as entry {}\nNext: `hotline --store {} export --out invitation.bundle` and send it to the other parties.\n",
            dir.display(),
            charter
                .parties
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            id.short(),
            dir.display()
        ),
        json!({ "ok": true, "store": dir, "channel": channel, "entry": id }),
    ))
}

/// `p` made absolute, for output; `p` itself if that fails or is not UTF-8 (under a working
/// directory whose name is not), since output and JSON name it.
pub(super) fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .ok()
        .filter(|a| a.to_str().is_some())
        .unwrap_or_else(|| p.to_path_buf())
}

pub(crate) fn signing_key(store: &Store, key: &KeyArg) -> Result<SecretKey, Failure> {
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

/// What an entry's header and signature add to its body, at most, for the size check before
/// signing.
const ENTRY_OVERHEAD: usize = 256;

/// The bytes of text a body carries, for the bodies a user writes text into: what the user
/// can shorten (a lower bound of the encoded size, which adds a few bytes per field).
fn text_len(body: &Body) -> Option<usize> {
    let sum = |fields: &[&str]| fields.iter().map(|f| f.len()).sum::<usize>();
    match body {
        Body::Definition(d) => Some(sum(&[&d.term, &d.text])),
        Body::Commitment(c) => Some(sum(&[&c.title, &c.text])),
        Body::Response(r) => Some(r.text.len()),
        Body::Notice(n) => Some(
            sum(&[
                &n.incident,
                &n.severity,
                &n.category,
                &n.summary,
                &n.detail,
                &n.requested_action,
                &n.handling,
            ]) + n.indicators.iter().map(String::len).sum::<usize>(),
        ),
        _ => None,
    }
}

/// Sign `body` and append it. `targets` are the entries it refers to; the output names each
/// (author, kind, term, title or summary) ahead of the line saying what was signed.
fn append(
    store: &mut Store,
    key: &KeyArg,
    body: Body,
    targets: &[Target],
) -> Result<Output, Failure> {
    let sk = signing_key(store, key)?;
    if let Err(msg) = body.check_content() {
        return Err(Failure::new(msg));
    }
    // The entry adds its header and signature to the body. The encoder refuses a body over
    // the limit without measuring it; the user is then told the size of the text it carries,
    // which is what they can shorten.
    let limit = hotline::encoding::MAX_ENCODED_LEN;
    let size = match body.encode() {
        Ok(b) if b.len() <= limit - ENTRY_OVERHEAD => None,
        Ok(b) => Some(format!("{} bytes", b.len())),
        Err(_) => Some(match text_len(&body) {
            Some(n) => format!("more than {limit} bytes ({n} bytes of text)"),
            None => format!("more than {limit} bytes"),
        }),
    };
    if let Some(size) = size {
        return Err(Failure::new(format!(
            "the entry is too large: its {} body is {size}, and a whole entry may be at most {limit} bytes, header and signature included (so at most {} bytes of body)",
            body.kind(),
            limit - ENTRY_OVERHEAD
        ))
        .hint("shorten it, or split it into several entries that refer to each other"));
    }
    let kind = body.kind();
    let entry = store.append(&sk, &body, now()).map_err(store_failure)?;
    let id = entry.id().map_err(|e| Failure::new(e.to_string()))?;
    let seq = entry.header().seq;
    let mut text: String = targets.iter().map(|t| t.line.as_str()).collect();
    text.push_str(&format!(
        "signed {kind} {} as {} at seq {seq}\n",
        id.short(),
        sk.name()
    ));
    let targets: Vec<&serde_json::Value> = targets.iter().map(|t| &t.json).collect();
    Ok(Output::ok(
        text,
        json!({ "ok": true, "entry": id, "kind": kind, "party": sk.name(), "seq": seq, "targets": targets }),
    ))
}

fn notify(dir: &Path, a: NotifyArgs) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let in_force = store.charter_in_force().map_err(store_failure)?;
    let Some(sev) = in_force.policy.severity(&a.severity).cloned() else {
        let names: Vec<String> = in_force
            .policy
            .severities
            .iter()
            .map(|s| s.name.clone())
            .collect();
        return Err(Failure::new(format!(
            "severity {:?} is not in the channel's policy",
            a.severity
        ))
        .hint(format!("use one of: {}", names.join(", "))));
    };
    let stage = match a.stage.as_str() {
        "initial" => Stage::Initial,
        "update" => Stage::Update,
        "final" => Stage::Final,
        other => {
            return Err(Failure::new(format!(
                "--stage {other:?}: use initial, update or final"
            )));
        }
    };
    let ack_within = match &a.ack_within {
        Some(d) => parse_window(d, "--ack-within")?,
        None => sev.ack_within,
    };
    let respond_within = match &a.respond_within {
        Some(d) => parse_window(d, "--respond-within")?,
        None => sev.respond_within,
    };
    let detail = match (&a.detail, &a.detail_file) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => String::from_utf8(read_file(p, Input::TEXT)?)
            .map_err(|_| Failure::new(format!("{} is not UTF-8 text", p.display())))?,
        (None, None) => String::new(),
    };
    let mut targets = a
        .refs
        .iter()
        .map(|r| resolve_target(&store, r, REFS))
        .collect::<Result<Vec<_>, _>>()?;
    targets.sort_by_key(|t| t.id);
    targets.dedup_by_key(|t| t.id);
    let refs = targets.iter().map(|t| t.id).collect();
    let t = now();
    let body = Body::Notice(Notice {
        incident: match &a.incident {
            Some(i) => name_arg("--incident", i)?,
            None => format!("INC-{}", t.0),
        },
        stage,
        severity: a.severity,
        category: a.category,
        summary: a.summary,
        detail,
        detected_at: a
            .detected_at
            .as_deref()
            .map(|s| parse_time(s, "--detected-at"))
            .transpose()?,
        indicators: a.indicator,
        requested_action: a.action,
        handling: a.handling,
        ack_by: Some(t.plus(ack_within)),
        respond_by: Some(t.plus(respond_within)),
        refs,
    });
    append(&mut store, &a.key, body, &targets)
}

fn ack(dir: &Path, id: &str, state: &str, reason: String, key: &KeyArg) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let state: AckState = state.parse().map_err(Failure::new)?;
    let target = resolve_target(&store, id, OF)?;
    let (of, author) = (target.id, target.author);
    let sk = signing_key(&store, key)?;
    let me = store.signer_for(
        &sk,
        &Body::Receipt(hotline::entry::Receipt { feeds: vec![] }),
    );
    if me.as_ref().ok() == Some(&author) {
        return Err(Failure::new("you cannot acknowledge your own entry")
            .hint("acknowledgements are of other parties' entries"));
    }
    let body = Body::Ack(Ack {
        of: EntryRef {
            author,
            seq: target.seq,
            id: of,
        },
        state,
        reason,
    });
    append(
        &mut store,
        &KeyArg {
            key: key.key.clone(),
        },
        body,
        &[target],
    )
}

fn export(dir: &Path, out: &Path, since: &[String], force: bool) -> Result<Output, Failure> {
    let store = open_to_read(dir)?;
    let mut map: BTreeMap<PartyId, u64> = BTreeMap::new();
    for s in since {
        let (name, n) = s.split_once('=').ok_or_else(|| {
            Failure::new(format!("--since {s:?}: expected PARTY=N")).hint("e.g. --since beta=5")
        })?;
        let party = roster(&store)?.party_named(name).ok_or_else(|| {
            Failure::new(format!(
                "--since {s:?}: {name:?} is not a party of this channel"
            ))
        })?;
        let n: u64 = n
            .parse()
            .map_err(|_| Failure::new(format!("--since {s:?}: {n:?} is not a number")))?;
        map.insert(party.key, n);
    }
    let bytes = store.export(&map).map_err(store_failure)?;
    // The store's own export: not bounded here, but the receiver reads within its limits.
    let count = bundle::read_with(&bytes, &bundle::Limits::UNBOUNDED)
        .map(|b| b.entries.len())
        .map_err(|e| Failure::new(e.to_string()))?;
    write_new(out, &bytes, PRIVATE, force)?;
    let mut text = format!(
        "wrote {} ({count} entries, {} bytes)\n",
        out.display(),
        bytes.len()
    );
    if bundle::check_framing(&bytes, &bundle::Limits::DEFAULT).is_err() {
        text.push_str(&format!(
            "note: this bundle is over the default limits a receiver reads within ({} bytes, {} records): it must raise {} or {}, or you send exports since a cut (--since)\n",
            bundle::DEFAULT_MAX_BUNDLE_BYTES,
            bundle::DEFAULT_MAX_RECORDS,
            super::input::MAX_BUNDLE_BYTES_VAR,
            super::input::MAX_RECORDS_VAR
        ));
    }
    Ok(Output::ok(
        text,
        json!({ "ok": true, "file": out, "entries": count, "bytes": bytes.len() }),
    ))
}

/// A finding kind's stable kebab-case name, as in JSON.
fn kind_name(kind: verify::FindingKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn import(dir: &Path, file: &Path, receipt: bool, key: &KeyArg) -> Result<Output, Failure> {
    // The file is read and framed before the store is opened: a bad one leaves it untouched.
    let limits = super::input::bundle_limits()?;
    let bytes = read_file(file, Input::bundle(&limits))?;
    bundle::check_framing(&bytes, &limits).map_err(|e| {
        super::input::bundle_failure(
            file,
            &e,
            "the bundle is damaged or not a hotline bundle; nothing of it was imported",
        )
    })?;
    let mut store = open(dir)?;
    let charter = store.charter().clone();
    let keys = super::witness::import_keys(&store, &bytes)?;
    let r = store
        .import_within(&bytes, &limits, Some(now()), |note| {
            super::witness::note_meta_with(&charter, &keys, note)
        })
        .map_err(|e| super::quarantine::refused(&store, store_failure(e)))?;
    let mut text = format!(
        "imported {} new entries from {} ({} already held)\n",
        r.new_entries,
        file.display(),
        r.already_held
    );
    let charter = roster(&store)?.clone();
    for f in &r.forks {
        text.push_str(&format!(
            "FORK: {} signed two different entries at seq {}; both kept as evidence (see `hotline verify`)\n",
            charter.label(&f.author),
            f.seq
        ));
    }
    if r.not_kept > 0 {
        text.push_str(&format!(
            "FORK: {} more entries at seqs that already have two were counted, not kept: two prove a fork\n",
            r.not_kept
        ));
    }
    // A checkpoint that contradicts one already held, or the entries held, was kept as
    // evidence: say so now. Only a store that holds checkpoints can hold a split view, and
    // only an import that brought something can add one.
    let report = if (r.new_entries > 0 || r.new_notes > 0)
        && !store.all_notes().map_err(store_failure)?.is_empty()
    {
        Some(verify_store(&store, now())?)
    } else {
        None
    };
    let splits: Vec<&verify::Finding> = report
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.kind == verify::FindingKind::SplitView)
        .collect();
    for f in &splits {
        text.push_str(&format!(
            "SPLIT VIEW: {} (both kept as evidence)\n",
            f.message
        ));
    }
    if r.new_notes > 0 {
        text.push_str(&format!("imported {} checkpoint note(s)\n", r.new_notes));
    }
    for f in &r.evidence {
        text.push_str(&format!(
            "EVIDENCE: {} [{}] (kept; see `hotline verify`)\n",
            f.message,
            kind_name(f.kind)
        ));
    }
    for f in &r.warnings {
        text.push_str(&format!("warning: {} [{}]\n", f.message, kind_name(f.kind)));
    }
    if let Some((party, seq, _)) = r.not_signed_here.first() {
        let seqs: Vec<String> = r
            .not_signed_here
            .iter()
            .map(|(_, s, id)| format!("seq {s} ({})", id.short()))
            .collect();
        text.push_str(&format!(
            "NOT SIGNED HERE: the bundle holds entries of {}'s feed that this store did not sign, left out: {}\n  If you signed them from an older copy of this store, rebuild it with `hotline recover`.\n  If you did not, someone holds a copy of your key: revoke it now with `hotline revoke --from {seq}`.\n",
            charter.label(party),
            seqs.join(", ")
        ));
    }
    // A receipt: signed proof, for the sender, that this store holds what it imported.
    let mut receipt_json = Value::Null;
    if receipt && !r.new_ids.is_empty() {
        match signing_key(&store, key) {
            Ok(sk) => {
                if let Some(e) = store.sign_receipt(&sk, &r, now()).map_err(store_failure)? {
                    let id = e.id().map_err(|e| Failure::new(e.to_string()))?;
                    text.push_str(&format!(
                        "signed receipt {} (seq {}): export it so the sender holds your proof of possession\n",
                        id.short(),
                        e.header().seq
                    ));
                    receipt_json =
                        json!({ "id": id, "seq": e.header().seq, "views": e.header().views });
                }
            }
            Err(f) => {
                text.push_str(&format!(
                    "no receipt signed: {} (pass --key, or --no-receipt)\n",
                    f.message
                ));
            }
        }
    }
    let ok = r.forks.is_empty()
        && splits.is_empty()
        && r.evidence.is_empty()
        && r.not_signed_here.is_empty()
        && r.not_kept == 0;
    let not_signed_here: Vec<Value> = r
        .not_signed_here
        .iter()
        .map(|(p, s, id)| json!({ "party": charter.label(p), "seq": s, "entry": id }))
        .collect();
    Ok(Output {
        text,
        json: json!({
            "ok": ok,
            "new_entries": r.new_entries,
            "already_held": r.already_held,
            "new_notes": r.new_notes,
            "forks": r.forks,
            "split_views": splits,
            "evidence": r.evidence,
            "warnings": r.warnings,
            "not_signed_here": not_signed_here,
            "not_kept": r.not_kept,
            "receipt": receipt_json,
        }),
        code: if ok { 0 } else { PROBLEM },
    })
}

/// A bundle read strictly, whose charter lists only parties whose keys are among `trust`.
fn trusted_bundle(path: &Path, trust: &[PathBuf], verb: &str) -> Result<bundle::Bundle, Failure> {
    if trust.is_empty() {
        return Err(
            Failure::new(format!("{verb} of a bundle needs the parties' public keys")).hint(
                format!("hotline {verb} BUNDLE --trust alpha.pub --trust beta.pub"),
            ),
        );
    }
    let trusted = trust
        .iter()
        .map(|p| load_pub(p))
        .collect::<Result<Vec<_>, _>>()?;
    let limits = super::input::bundle_limits()?;
    let bytes = read_file(path, Input::bundle(&limits))?;
    let b = bundle::read_with(&bytes, &limits).map_err(|e| {
        super::input::bundle_failure(
            path,
            &e,
            "the bundle is damaged or not a hotline bundle; nothing in it can be trusted",
        )
    })?;
    for p in &b.charter.parties {
        if !trusted.iter().any(|t| t.id == p.key) {
            let mut f = Failure::new(format!(
                "the bundle's charter lists party {} with key {}, which is not among the --trust keys",
                p.name,
                p.key.fingerprint()
            ))
            .hint("pass --trust with every party's public key file, obtained from the party itself");
            f.code = PROBLEM;
            return Err(f);
        }
    }
    Ok(b)
}

fn verify_bundle(path: &Path, trust: &[PathBuf]) -> Result<Output, Failure> {
    let b = trusted_bundle(path, trust, "verify")?;
    // The note records, not only their notes: a record whose unsigned origin, size or root
    // disagrees with its signed note is a finding, as import refuses it.
    let report = verify::verify_with_notes(
        &b.charter,
        &b.entries,
        &b.notes,
        Options {
            now: Some(now()),
            ..Options::default()
        },
    );
    Ok(render::report(&b.charter, &report))
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_need_a_zone_and_offsets_count() {
        let z = parse_time("2026-03-01T12:00:00Z", "t").unwrap();
        assert_eq!(parse_time("2026-03-01T14:00:00+02:00", "t").unwrap(), z);
        assert_eq!(parse_time("2026-03-01T07:30:00-04:30", "t").unwrap(), z);
        for bad in [
            "2026-03-01T12:00:00",
            "2026-03-01 12:00:00",
            "yesterday",
            "2026-03-01T12:00:00+25:00",
            "",
        ] {
            assert!(parse_time(bad, "t").is_err(), "{bad}");
        }
    }
}
