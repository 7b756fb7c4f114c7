//! `hotline join`: show the charter an invitation holds, decide whether to trust it, and only
//! then create the store and sign the acceptance.
//!
//! A key that is not a party of the founding charter may be one of the charter in force: added
//! by an amendment that every party of the charter it amends accepted, among the bundle's
//! entries (docs/FORMAT.md §11). It is shown the charter in force and the amendments, must trust
//! every other party of that charter, and signs the same acceptance of the channel id.
//!
//! Everything that can refuse is checked before anything is written: the key, the bundle's
//! framing, that the key is a party, that the founder signed this charter, that this party has
//! not joined already, and the trust decision. What can still fail after (the import's full
//! verification, the acceptance) removes what this command made, so a refused join leaves the
//! disk as it found it.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use crate::bundle::{self, Bundle};
use crate::charter::{Charter, Party};
use crate::entry::{Acceptance, Body, SignedEntry};
use crate::keys::{PartyId, PublicKey};
use crate::store::Store;
use crate::verify::{self, Options, Report};
use serde_json::json;

use super::input::Input;
use super::keyfile::load_key;
use super::shared::{absolute, load_pub, now, read_file, store_failure};
use super::{Failure, Output, printable, render};

/// How the acceptance came to be signed.
enum Consent {
    /// The founder's key, and every other trusted key, matched the charter.
    Trusted(Vec<String>),
    /// The user typed `yes` on a terminal after reading the charter.
    Typed,
}

/// `hotline join BUNDLE --key K [--trust P.pub …]`.
pub fn join(
    dir: &Path,
    bundle_path: &Path,
    key_path: &Path,
    trust: &[PathBuf],
) -> Result<Output, Failure> {
    let Inputs {
        key,
        trusted,
        bytes,
        bundle: b,
    } = inputs(
        key_path,
        trust,
        bundle_path,
        "ask the founder for a fresh invitation bundle",
    )?;
    let me = key.party();
    let founder = founder_of(&b.charter)?;
    // A party of the founding charter accepts it; a party added by an amendment in force
    // among the bundle's entries accepts the channel as amended (docs/FORMAT.md §11), and is
    // shown the amendments either way.
    let added = if b.charter.party(&me).is_none() {
        amended(&b)
    } else {
        None
    };
    let (summary, summary_json) = match &added {
        Some(report) => render::charter_in_force(&b.charter, report, Some(&me)),
        None => render::charter(&b.charter, Some(&me)),
    };
    // From here on every refusal shows what was refused.
    let refuse = |f: Failure| -> Failure {
        let mut f = f.with_json("charter", summary_json.clone());
        f.message = format!("{}\nthe charter:\n{}", f.message, summary.trim_end());
        f
    };
    let in_force = added
        .as_ref()
        .map_or(&b.charter, |r| r.charter_in_force(&b.charter));
    let Some(my_name) = in_force.party(&me).map(|p| p.name.clone()) else {
        return Err(refuse(
            Failure::new(format!(
                "the key in {} ({}, fingerprint {}) is not a party of channel {:?}",
                key_path.display(),
                key.name(),
                me.fingerprint(),
                b.charter.name
            ))
            .hint(
                "join with the key whose .pub file the founder listed, or, if an amendment adds you, ask for a bundle that holds every party's acceptance of it",
            ),
        ));
    };
    check_signed_by_founder(&b, founder).map_err(&refuse)?;
    check_not_joined(&b, &me, &my_name).map_err(&refuse)?;
    let consent = if trusted.is_empty() {
        // The charter was just shown on the terminal: a refusal need not show it again.
        confirm(&b.charter, founder, &summary, &my_name).map_err(|(f, shown)| {
            if shown {
                f.with_json("charter", summary_json.clone())
            } else {
                refuse(f)
            }
        })?
    } else {
        let names = match &added {
            None => check_trust(&b.charter, founder, &trusted),
            Some(report) => check_trust(report.roster(&b.charter), founder, &trusted)
                .and_then(|names| check_trust_covers(in_force, &me, &trusted).map(|()| names)),
        };
        Consent::Trusted(names.map_err(&refuse)?)
    };

    let made = Made::before(dir)?;
    let charter = b.charter.clone();
    // Notes are checked against the keys the bundle's own rotations and revocations bring in.
    let keys = crate::witness::key_histories(&charter, &super::witness::bundle_moves(&b));
    let limits = super::input::bundle_limits()?;
    let created = Store::create_within(dir, &b.charter, &bytes, &limits, Some(now()), |note| {
        super::witness::note_meta_with(&charter, &keys, note)
    });
    let (mut store, imported) = match created {
        Ok(s) => s,
        Err(e) => {
            made.undo_parents();
            return Err(refuse(store_failure(e)));
        }
    };
    let channel = store.channel();
    store.keep_high_water_in(&super::shared::marks_dir(key_path));
    let signed = store
        .set_identity(&my_name, &absolute(key_path))
        .and_then(|()| {
            store.append(
                &key,
                &Body::Acceptance(Acceptance { charter: channel }),
                now(),
            )
        })
        .map_err(store_failure);
    let entry = match signed {
        Ok(entry) => entry,
        Err(f) => {
            // The store was made by this command and holds no acceptance: take it away, so
            // that `join` can be run again.
            drop(store);
            made.undo();
            return Err(refuse(
                f.hint("nothing was written; fix the cause and join again"),
            ));
        }
    };
    let id = entry.id().map_err(|e| Failure::new(e.to_string()))?;
    // After a typed yes the charter is on the screen already.
    let (shown, how, how_json) = match &consent {
        Consent::Trusted(names) => (
            summary.as_str(),
            format!("the trusted keys of {} match the charter", names.join(", ")),
            json!({ "by": "trust", "trusted": names }),
        ),
        Consent::Typed => (
            "",
            "you typed yes on the terminal".to_owned(),
            json!({ "by": "terminal" }),
        ),
    };
    let amendment = added.as_ref().and_then(|r| {
        r.amendments
            .iter()
            .find(|a| a.in_effect && a.charter.party(&me).is_some())
    });
    let by = amendment
        .map(|a| format!(" (added by amendment {})", a.entry.short()))
        .unwrap_or_default();
    Ok(Output::ok(
        format!(
            "{shown}accepted: {how}\njoined channel {:?} as {my_name}{by}: {} entries imported, acceptance signed as entry {}\nNext: export your acceptance back to the founder.\n",
            b.charter.name,
            imported.new_entries,
            id.short()
        ),
        json!({
            "ok": true, "joined": true, "store": dir, "channel": channel, "author": my_name,
            "id": id, "imported": imported.new_entries, "accepted": how_json,
            "charter": summary_json, "added_by": amendment.map(|a| a.entry),
        }),
    ))
}

pub(super) fn founder_of(charter: &Charter) -> Result<&Party, Failure> {
    let key = crate::chain::founder(charter);
    charter
        .parties
        .first()
        .filter(|p| Some(p.key) == key)
        .ok_or_else(|| Failure::problem("the charter lists no founder"))
}

/// The bundle's verification, if it holds proposed amendments: a key that is not a party of
/// the founding charter may be one of the charter in force, added by an amendment every party
/// of the charter it amends has accepted.
fn amended(b: &Bundle) -> Option<Report> {
    let report = verify::verify(
        &b.charter,
        &b.entries,
        Options {
            now: Some(now()),
            ..Options::without_clock()
        },
    );
    (!report.amendments.is_empty()).then_some(report)
}

/// For a party added by an amendment, the trusted keys must include every other party of the
/// charter in force: their acceptances are what put the amendment (and so this party) in
/// force, and the joiner cannot check a signature under a key it did not get itself.
fn check_trust_covers(
    in_force: &Charter,
    me: &PartyId,
    trusted: &[(&Path, PublicKey)],
) -> Result<(), Failure> {
    let missing: Vec<&Party> = in_force
        .parties
        .iter()
        .filter(|p| p.key != *me && !trusted.iter().any(|(_, t)| t.id == p.key))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|p| p.name.as_str()).collect();
    Err(Failure::problem(format!(
        "the charter in force lists {} ({}), whose key is not among the --trust keys: an amendment is in force only by every party's acceptance, so each one's key must be trusted",
        names.join(", "),
        missing
            .iter()
            .map(|p| format!("{} key {}", p.name, p.key.fingerprint()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .hint(format!(
        "pass --trust {} as well, each obtained from the party itself",
        names
            .iter()
            .map(|n| format!("{n}.pub"))
            .collect::<Vec<_>>()
            .join(" --trust ")
    )))
}

/// The founder's key vouches for the charter only through the founder's signed charter entry:
/// a bundle without one holds a charter anyone could have written. (Its signature is checked
/// by the import, which refuses the whole bundle if it does not verify.)
fn check_signed_by_founder(b: &Bundle, founder: &Party) -> Result<(), Failure> {
    let signed = b.entries.iter().any(|bytes| {
        SignedEntry::decode(bytes).is_ok_and(|e| {
            e.header().author == founder.key
                && matches!(e.entry.body(), Ok(Body::Charter(c)) if c == b.charter)
        })
    });
    if signed {
        Ok(())
    } else {
        Err(Failure::problem(format!(
            "the bundle holds no charter entry signed by the founder {}: nothing vouches for this charter",
            founder.name
        ))
        .hint(format!(
            "ask {} for the invitation its store exports (`hotline export --out invitation.bundle`)",
            founder.name
        )))
    }
}

/// A bundle that already holds this party's feed is not an invitation: a second store for the
/// same party could only fork its feed.
fn check_not_joined(b: &Bundle, me: &PartyId, my_name: &str) -> Result<(), Failure> {
    let mine = b
        .entries
        .iter()
        .filter(|bytes| SignedEntry::decode(bytes).is_ok_and(|e| e.header().author == *me))
        .count();
    if mine == 0 {
        return Ok(());
    }
    let entries = if mine == 1 { "entry" } else { "entries" };
    Err(Failure::new(format!(
        "the bundle already holds {mine} {entries} signed by {my_name}: {my_name} has joined this channel already"
    ))
    .hint(format!(
        "import it into {my_name}'s own store with `hotline --store DIR import BUNDLE`"
    )))
}

/// Every trusted key must be the key the charter gives the party of its name, and the
/// founder's key must be among them. Returns the names trusted.
pub(super) fn check_trust(
    charter: &Charter,
    founder: &Party,
    trusted: &[(&Path, PublicKey)],
) -> Result<Vec<String>, Failure> {
    let not_from_bundle = "nothing was written. Get the party's key from the party itself (in person, or over a channel you already trust), never from the bundle";
    for (path, t) in trusted {
        match charter.party_named(&t.name) {
            None => {
                let listed = charter
                    .party(&t.id)
                    .map(|p| format!("; the charter lists that key as party {}", p.name))
                    .unwrap_or_default();
                return Err(Failure::problem(format!(
                    "--trust {} is party {} (key {}), which the charter does not list{listed}",
                    path.display(),
                    t.name,
                    t.id.fingerprint()
                ))
                .hint(not_from_bundle));
            }
            Some(p) if p.key != t.id => {
                return Err(Failure::problem(format!(
                    "key mismatch for party {}: the charter gives key {}, --trust {} gives key {}",
                    p.name,
                    p.key.fingerprint(),
                    path.display(),
                    t.id.fingerprint()
                ))
                .hint(format!(
                    "the invitation does not list the {} you trust: it may have been altered on the way; {not_from_bundle}",
                    p.name
                )));
            }
            Some(_) => {}
        }
    }
    if !trusted.iter().any(|(_, t)| t.id == founder.key) {
        return Err(Failure::problem(format!(
            "the founder {} (key {}) is not among the --trust keys",
            founder.name,
            founder.key.fingerprint()
        ))
        .hint(format!(
            "pass --trust {}.pub, the founder's public key file, obtained from {} itself",
            founder.name, founder.name
        )));
    }
    let mut names: Vec<String> = trusted.iter().map(|(_, t)| t.name.clone()).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// With no trusted key: ask on a terminal, refuse anywhere else (a script must say whom it
/// trusts). A refusal says whether the charter was shown on the terminal.
fn confirm(
    charter: &Charter,
    founder: &Party,
    summary: &str,
    my_name: &str,
) -> Result<Consent, (Failure, bool)> {
    let hint = format!(
        "check the charter, then pass --trust {}.pub with the founder's public key file, obtained from {} itself",
        founder.name, founder.name
    );
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err((Failure::new(format!(
            "not signing {my_name}'s acceptance of channel {:?} unchecked: no --trust key was given and stdin is not a terminal to confirm on",
            charter.name
        ))
        .hint(hint), false));
    }
    let mut err = std::io::stderr().lock();
    let asked = write!(
        err,
        "{}\nSign {my_name}'s acceptance of this charter? Check the founder's key fingerprint with {} first.\nType yes to sign: ",
        printable(summary.trim_end()),
        founder.name
    )
    .and_then(|()| err.flush());
    drop(err);
    let mut answer = String::new();
    asked
        .and_then(|()| stdin.lock().read_line(&mut answer))
        .map_err(|e| {
            (
                Failure::new(format!("cannot ask on the terminal: {e}")),
                true,
            )
        })?;
    if answer.trim() == "yes" {
        Ok(Consent::Typed)
    } else {
        Err((
            Failure::new("not signed: the answer was not yes; nothing was written").hint(hint),
            true,
        ))
    }
}

/// What was on disk at the store's path before this command, so a refusal can take away
/// exactly what the command made and nothing else.
struct Made {
    dir: PathBuf,
    /// The directories this command will create, the store's own first, up to the topmost.
    dirs: Vec<PathBuf>,
    /// The names `dir` held before, if it existed.
    held: BTreeSet<OsString>,
}

impl Made {
    fn before(dir: &Path) -> Result<Made, Failure> {
        let dirs: Vec<PathBuf> = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect();
        let held = if dirs.is_empty() {
            std::fs::read_dir(dir)
                .map_err(|e| Failure::io("read", dir, &e))?
                .filter_map(|e| e.ok().map(|e| e.file_name()))
                .collect()
        } else {
            BTreeSet::new()
        };
        Ok(Made {
            dir: dir.to_path_buf(),
            dirs,
            held,
        })
    }

    /// Remove the directories made, if empty: `Store::create_with` has removed its own.
    fn undo_parents(&self) {
        for d in &self.dirs {
            // remove_dir, not remove_dir_all: a directory that is not empty is not only ours.
            if std::fs::remove_dir(d).is_err() && d.exists() {
                break;
            }
        }
    }

    /// Remove what the store's directory holds that it did not hold before, then the
    /// directories made. Best effort: the refusal is what the user must see.
    fn undo(&self) {
        if let Ok(list) = std::fs::read_dir(&self.dir) {
            for e in list.flatten() {
                if self.held.contains(&e.file_name()) {
                    continue;
                }
                let p = e.path();
                let _ = if e.file_type().is_ok_and(|t| t.is_dir()) {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
        self.undo_parents();
    }
}

/// What `join` and `recover` read before anything else: the party's key, the trusted public
/// keys (each with its path), and the bundle (its bytes, read within the limits, and decoded;
/// `hint` says what to do if it is damaged).
pub(super) struct Inputs<'a> {
    pub key: crate::keys::SecretKey,
    pub trusted: Vec<(&'a Path, PublicKey)>,
    pub bytes: Vec<u8>,
    pub bundle: Bundle,
}

pub(super) fn inputs<'a>(
    key_path: &Path,
    trust: &'a [PathBuf],
    bundle_path: &Path,
    hint: &str,
) -> Result<Inputs<'a>, Failure> {
    let key = load_key(key_path)?;
    let trusted = trust
        .iter()
        .map(|p| load_pub(p).map(|k| (p.as_path(), k)))
        .collect::<Result<Vec<_>, _>>()?;
    let limits = super::input::bundle_limits()?;
    let bytes = read_file(bundle_path, Input::bundle(&limits))?;
    let bundle = bundle::read_with(&bytes, &limits)
        .map_err(|e| super::input::bundle_failure(bundle_path, &e, hint))?;
    Ok(Inputs {
        key,
        trusted,
        bytes,
        bundle,
    })
}

#[cfg(test)]
mod tests {
    use super::Made;

    #[test]
    fn undo_removes_only_what_was_made() {
        let tmp = tempfile::tempdir().unwrap();
        // A store path under directories that do not exist yet: all of them go.
        let deep = tmp.path().join("x/y/store");
        let made = Made::before(&deep).unwrap();
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("journal"), b"j").unwrap();
        made.undo();
        assert!(!tmp.path().join("x").exists());
        // A directory that existed keeps itself and what it held.
        let kept = tmp.path().join("kept");
        std::fs::create_dir(&kept).unwrap();
        std::fs::write(kept.join("notes.txt"), b"mine").unwrap();
        let made = Made::before(&kept).unwrap();
        std::fs::write(kept.join("journal"), b"j").unwrap();
        std::fs::create_dir(kept.join("index")).unwrap();
        std::fs::write(kept.join("index/db"), b"d").unwrap();
        made.undo();
        assert!(kept.join("notes.txt").exists());
        assert!(!kept.join("journal").exists() && !kept.join("index").exists());
        // Parents only while empty: one that gained another file in between stays.
        let shared = tmp.path().join("s/store");
        let made = Made::before(&shared).unwrap();
        std::fs::create_dir_all(&shared).unwrap();
        std::fs::write(tmp.path().join("s/other"), b"o").unwrap();
        std::fs::remove_dir(&shared).unwrap();
        made.undo_parents();
        assert!(tmp.path().join("s/other").exists());
    }
}
