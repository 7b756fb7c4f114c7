//! The verbs that read what a store or a bundle holds and check it: `log`, `show`,
//! `verify` and `audit`. They never write.

use std::path::{Path, PathBuf};

use crate::bundle;
use crate::verify::{self, Options};

use super::args::{AuditFilter, LogFilter, SourceArgs};
use super::input::Input;
use super::render;
use super::shared::{
    load_pub, note_bytes, now, open_to_read, parse_time, read_file, resolve, roster, store_failure,
    verify_store,
};
use super::{Failure, Output};

/// What a reading verb reads: a store as it stands, or a bundle verified against trusted
/// keys as `hotline verify BUNDLE --trust …` verifies it.
struct Source {
    /// For names and keys: the roster (founding charter and the parties amendments added).
    roster: crate::Charter,
    entries: Vec<Vec<u8>>,
    /// The checkpoints that cover each feed, for `show`.
    checkpoints: Vec<verify::CheckpointSummary>,
    /// A bundle's verification, when it found something wrong: the reader is told, and the
    /// command exits 1 as `verify` would.
    failed: Option<verify::Report>,
    /// "store" or "bundle", for messages.
    what: &'static str,
}

fn source(
    dir: &Path,
    bundle: Option<&Path>,
    trust: &[PathBuf],
    verb: &str,
    checkpoints: bool,
) -> Result<Source, Failure> {
    let Some(path) = bundle else {
        if !trust.is_empty() {
            return Err(Failure::new("--trust goes with a bundle")
                .hint(format!("hotline {verb} BUNDLE --trust A.pub --trust B.pub")));
        }
        let store = open_to_read(dir)?;
        let entries = store.entries().map_err(store_failure)?;
        let checkpoints = if checkpoints {
            store.checkpoint_summaries(now()).map_err(store_failure)?
        } else {
            Vec::new()
        };
        return Ok(Source {
            roster: roster(&store)?.clone(),
            entries,
            checkpoints,
            failed: None,
            what: "store",
        });
    };
    let t = trusted_input(path, trust, verb)?;
    let opts = verify::BundleOptions {
        verify: Options::at(now()),
        limits: t.limits,
    };
    let report = super::progress::around("verifying the bundle", t.bytes.len(), || {
        crate::verify_bundle(&t.bytes, &t.keys, &opts)
    })
    .map_err(|e| refused(path, &e))?;
    let b = verify::read_trusted(&t.bytes, &t.keys, &t.limits).map_err(|e| refused(path, &e))?;
    Ok(Source {
        roster: report.roster(&b.charter).clone(),
        entries: b.entries,
        checkpoints: report.checkpoints.clone(),
        failed: (!report.is_clean()).then_some(report),
        what: "bundle",
    })
}

impl Source {
    /// `out`, told of a failed verification: its errors first in text, `"verification"` in
    /// JSON, and exit 1.
    fn tell(&self, mut out: Output) -> Output {
        let Some(r) = &self.failed else {
            return out;
        };
        let errors: Vec<&verify::Finding> = r
            .findings
            .iter()
            .filter(|f| f.level == verify::Level::Error)
            .collect();
        let mut head = format!(
            "WARNING: this bundle FAILED verification ({} error(s)); what follows is what it holds, not what was proven (`hotline verify` gives the whole report)\n",
            errors.len()
        );
        for f in &errors {
            head.push_str(&render::finding_line(f));
            head.push('\n');
        }
        out.text = head + &out.text;
        if let Some(obj) = out.json.as_object_mut() {
            obj.insert("ok".into(), serde_json::json!(false));
            obj.insert(
                "verification".into(),
                serde_json::json!({ "ok": false, "findings": errors }),
            );
        }
        out.code = super::PROBLEM;
        out
    }

    /// The entry an id or a unique prefix of 4 or more hex digits names.
    fn resolve(&self, prefix: &str) -> Result<crate::EntryId, Failure> {
        let p = prefix.to_ascii_lowercase();
        if p.len() < 4 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Failure::new(format!(
                "{prefix:?} is not an entry id: give 4 or more hex digits"
            ))
            .hint("`hotline log` lists the ids"));
        }
        let mut found: Vec<crate::EntryId> = self
            .entries
            .iter()
            .filter_map(|b| crate::SignedEntry::decode(b).ok()?.id().ok())
            .filter(|id| id.to_string().starts_with(&p))
            .collect();
        found.sort();
        found.dedup();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(
                Failure::new(format!("no entry in the {} has id {prefix}", self.what))
                    .hint("`hotline log` lists the ids"),
            ),
            _ => Err(Failure::new(format!(
                "{prefix} names {} entries in the {}: give more digits",
                found.len(),
                self.what
            ))),
        }
    }
}

/// `hotline log`, of the store or of a bundle.
pub(super) fn log(dir: &Path, src: &SourceArgs, filter: &LogFilter) -> Result<Output, Failure> {
    let (bundle, trust) = (src.bundle.as_deref(), src.trust.as_slice());
    // The filter is read before the store or bundle: a typo costs nothing.
    let since = filter
        .since
        .as_deref()
        .map(|t| parse_time(t, "--since"))
        .transpose()?;
    let until = filter
        .until
        .as_deref()
        .map(|t| parse_time(t, "--until"))
        .transpose()?;
    let state = filter
        .state
        .as_deref()
        .map(|s| s.parse::<crate::entry::AckState>().map_err(Failure::new))
        .transpose()?;
    let kinds = filter
        .kind
        .iter()
        .map(|k| {
            crate::entry::Kind::ALL
                .iter()
                .copied()
                .find(|x| x.name() == k)
                .ok_or_else(|| {
                    Failure::new(format!("--kind {k:?} is not a kind")).hint(format!(
                        "use one of: {}",
                        crate::entry::Kind::ALL
                            .iter()
                            .map(|x| x.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let src = source(dir, bundle, trust, "log", false)?;
    let parties = filter
        .party
        .iter()
        .map(|n| {
            src.roster.party_named(n).map(|p| p.key).ok_or_else(|| {
                Failure::new(format!("--party {n:?} is not a party of this channel"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let f = render::Filter {
        parties,
        kinds,
        incident: filter.incident.clone(),
        since,
        until,
        state,
        last: filter.last,
    };
    Ok(src.tell(render::log(&src.roster, &src.entries, &f)))
}

/// `hotline show ID`, of the store or of a bundle.
pub(super) fn show(dir: &Path, id: &str, src: &SourceArgs) -> Result<Output, Failure> {
    let (bundle, trust) = (src.bundle.as_deref(), src.trust.as_slice());
    let src = source(dir, bundle, trust, "show", true)?;
    let id = match bundle {
        // The store's own resolution, with its messages.
        None => resolve(&open_to_read(dir)?, id)?,
        Some(_) => src.resolve(id)?,
    };
    let out = render::show(&src.roster, &src.entries, &id, &src.checkpoints)
        .ok_or_else(|| Failure::new(format!("entry {id} is not in the {}", src.what)))?;
    Ok(src.tell(out))
}

/// `hotline verify`: of a bundle against trusted keys, or of the store from scratch.
pub(super) fn verify(dir: &Path, src: &SourceArgs) -> Result<Output, Failure> {
    let (bundle, trust) = (src.bundle.as_deref(), src.trust.as_slice());
    match bundle {
        Some(b) => verify_bundle(b, trust),
        None => {
            if !trust.is_empty() {
                return Err(Failure::new("--trust goes with a bundle")
                    .hint("hotline verify BUNDLE --trust A.pub --trust B.pub"));
            }
            let store = open_to_read(dir)?;
            let report = verify_store(&store, now())?;
            let out = render::report(report.roster(store.charter()), &report);
            Ok(super::quarantine::add_to_verify(&store, out))
        }
    }
}

/// `hotline audit`: of a bundle against trusted keys, or of the store.
pub(super) fn audit(
    dir: &Path,
    src: &SourceArgs,
    at: Option<&str>,
    filter: &AuditFilter,
) -> Result<Output, Failure> {
    let (charter, mut a) = audited(dir, src, at, "audit")?;
    if let Some(name) = &filter.party
        && charter.party_named(name).is_none()
    {
        return Err(Failure::new(format!(
            "--party {name:?} is not a party of this channel"
        )));
    }
    let (total, disputes) = (a.notices.len(), a.disputes.len());
    narrow(&mut a, filter);
    let mut out = render::audit(&charter, &a);
    if filter.open || filter.missed || filter.party.is_some() {
        out.text.push_str(&format!(
            "(the filters chose {} of {total} notices and {} of {disputes} disputes; the deadline counts (missed, pending, undetermined, paused, void) and the exit status are the whole channel's)\n",
            a.notices.len(),
            a.disputes.len()
        ));
        if let Some(obj) = out.json.as_object_mut() {
            obj.insert("notices_total".into(), serde_json::json!(total));
            obj.insert("disputes_total".into(), serde_json::json!(disputes));
        }
    }
    Ok(out)
}

/// The audit of a bundle verified against trusted keys, or of the store, at `at` (now by
/// default), with the roster for names.
pub(super) fn audited(
    dir: &Path,
    src: &SourceArgs,
    at: Option<&str>,
    verb: &str,
) -> Result<(crate::Charter, crate::audit::Audit), Failure> {
    let (bundle, trust) = (src.bundle.as_deref(), src.trust.as_slice());
    let at = match at {
        Some(s) => parse_time(s, "--at")?,
        None => now(),
    };
    match bundle {
        Some(path) => {
            let b = trusted_bundle(path, trust, verb)?;
            let size = b.entries.iter().map(Vec::len).sum();
            let a = super::progress::around("auditing the bundle", size, || {
                crate::audit::audit_with_notes(&b.charter, &b.entries, &b.notes, at)
            });
            Ok((a.verification.roster(&b.charter).clone(), a))
        }
        None => {
            if !trust.is_empty() {
                return Err(Failure::new("--trust goes with a bundle")
                    .hint(format!("hotline {verb} BUNDLE --trust A.pub --trust B.pub")));
            }
            let store = open_to_read(dir)?;
            let entries = store.entries().map_err(store_failure)?;
            let notes = note_bytes(&store)?;
            let size = entries.iter().map(Vec::len).sum();
            let a = super::progress::around("auditing the store", size, || {
                crate::audit::audit_with_notes(store.charter(), &entries, &notes, at)
            });
            Ok((roster(&store)?.clone(), a))
        }
    }
}

/// `hotline timeline`.
pub(super) fn timeline(dir: &Path, src: &SourceArgs, at: Option<&str>) -> Result<Output, Failure> {
    let (_, a) = audited(dir, src, at, "timeline")?;
    Ok(super::timeline::render(&a))
}

/// Keep the notices (and receivers, and disputes) `filter` chooses.
fn narrow(a: &mut crate::audit::Audit, filter: &AuditFilter) {
    use crate::audit::Status;
    if let Some(name) = &filter.party {
        for n in &mut a.notices {
            n.receivers.retain(|r| r.party == *name);
        }
        a.notices.retain(|n| !n.receivers.is_empty());
        a.disputes.retain(|d| d.by == *name || d.of_author == *name);
    }
    let open = |s: Status| matches!(s, Status::Pending | Status::Paused | Status::Undetermined);
    if filter.open {
        a.notices.retain(|n| {
            n.receivers
                .iter()
                .any(|r| open(r.ack.status) || open(r.respond.status))
        });
    }
    if filter.missed {
        a.notices.retain(|n| {
            n.receivers
                .iter()
                .any(|r| r.ack.status == Status::Missed || r.respond.status == Status::Missed)
        });
    }
}

/// A bundle read strictly, whose charter lists only parties whose keys are among `trust`.
/// A bundle, read and its trust checked as [`verify::read_trusted`] does, with the CLI's
/// messages: its bytes, the keys, and the limits.
struct Trusted {
    bytes: Vec<u8>,
    keys: Vec<crate::PartyId>,
    limits: bundle::Limits,
}

fn trusted_input(path: &Path, trust: &[PathBuf], verb: &str) -> Result<Trusted, Failure> {
    if trust.is_empty() {
        return Err(
            Failure::new(format!("{verb} of a bundle needs the parties' public keys")).hint(
                format!("hotline {verb} BUNDLE --trust alpha.pub --trust beta.pub"),
            ),
        );
    }
    let keys = trust
        .iter()
        .map(|p| load_pub(p).map(|k| k.id))
        .collect::<Result<Vec<_>, _>>()?;
    let limits = super::input::bundle_limits()?;
    let bytes = read_file(path, Input::bundle(&limits))?;
    Ok(Trusted {
        bytes,
        keys,
        limits,
    })
}

/// What the library's refusal of a bundle means for the user.
fn refused(path: &Path, e: &verify::BundleRefused) -> Failure {
    match e {
        verify::BundleRefused::Unreadable(e) => super::input::bundle_failure(
            path,
            e,
            "the bundle is damaged or not a hotline bundle; nothing in it can be trusted",
        ),
        verify::BundleRefused::Untrusted { name, key } => Failure::problem(format!(
            "the bundle's charter lists party {name} with key {}, which is not among the --trust keys",
            key.fingerprint()
        ))
        .hint("pass --trust with every party's public key file, obtained from the party itself"),
        other => Failure::problem(other.to_string()),
    }
}

/// A bundle read strictly, whose charter lists only parties whose keys are among `trust`.
fn trusted_bundle(path: &Path, trust: &[PathBuf], verb: &str) -> Result<bundle::Bundle, Failure> {
    let t = trusted_input(path, trust, verb)?;
    verify::read_trusted(&t.bytes, &t.keys, &t.limits).map_err(|e| refused(path, &e))
}

/// A bundle verified as `hotline verify BUNDLE --trust …` verifies it: its founding charter
/// and the report.
pub(super) fn verified_bundle(
    path: &Path,
    trust: &[PathBuf],
    verb: &str,
) -> Result<(crate::Charter, verify::Report), Failure> {
    let t = trusted_input(path, trust, verb)?;
    let opts = verify::BundleOptions {
        verify: Options::at(now()),
        limits: t.limits,
    };
    let report = super::progress::around("verifying the bundle", t.bytes.len(), || {
        crate::verify_bundle(&t.bytes, &t.keys, &opts)
    })
    .map_err(|e| refused(path, &e))?;
    let charter = bundle::read_with(&t.bytes, &t.limits)
        .map(|b| b.charter)
        .map_err(|e| refused(path, &verify::BundleRefused::Unreadable(e)))?;
    Ok((charter, report))
}

/// `hotline verify BUNDLE`: [`crate::verify_bundle`], against the clock now.
fn verify_bundle(path: &Path, trust: &[PathBuf]) -> Result<Output, Failure> {
    let (charter, report) = verified_bundle(path, trust, "verify")?;
    let mut out = render::report(report.roster(&charter), &report);
    let keys: String = trust
        .iter()
        .map(|t| format!(" --trust {}", t.display()))
        .collect();
    let b = path.display();
    out.text.push_str(&format!(
        "what was said: `hotline log {b}{keys}`; when, and on whose word: `hotline timeline {b}{keys}`; for people: `hotline report {b}{keys} --out report.html`\n"
    ));
    Ok(out)
}
