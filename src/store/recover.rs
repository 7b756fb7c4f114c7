//! [`Store::recover`]: rebuild a party's lost store, its own feed included, from a bundle a
//! counterparty exported. The counterparty's copy of the party's feed carries the party's own
//! signatures, so nothing in it has to be taken on the counterparty's word: the import
//! verifies every signature and link, as any import does.
//!
//! The store is built beside (or in) its directory and moved into place only once it passes
//! the same guard as a signature would ([`Store::may_sign`]): a bundle older than the party's
//! high-water mark, or one whose own signatures say the party's feed is longer than it
//! carries, would rebuild a store that forks the feed at its next entry, and is refused.
//!
//! With [`Recovery::replace`], a store already in the directory is moved aside, never
//! deleted: to `<dir>.replaced-<n>` (the first `n` from 1 not taken), after the new store was
//! built and checked in `<dir>.recovering`. A crash between the two renames leaves both
//! beside the directory, to be moved back by hand.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use super::error::StoreError;
use super::journal::{self, io_err, sync_dir};
use super::notes::NoteMeta;
use super::{INDEX, ImportReport, Store, take_lock};
use crate::chain::Head;
use crate::charter::Charter;
use crate::entry::Timestamp;
use crate::keys::PartyId;

/// What to recover, and how.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// The party whose store this is (whose own feed must be in the bundle from seq 0).
    pub party: PartyId,
    /// The directory of the party's high-water marks ([`Store::keep_high_water_in`]): the
    /// recovered feed must reach the mark, and the store keeps it from then on.
    pub marks_in: Option<PathBuf>,
    /// Move a store already in the directory aside instead of refusing.
    pub replace: bool,
    /// The verifier's clock, as for [`Store::import_with`].
    pub now: Option<Timestamp>,
    /// The bundle's limits, as for [`Store::import_within`].
    pub limits: crate::bundle::Limits,
}

/// One feed of a recovered store.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveredFeed {
    /// The party.
    pub party: PartyId,
    /// Its name in the charter.
    pub name: String,
    /// How many entries of its feed the store holds (its last seq plus one).
    pub size: u64,
    /// Its last entry.
    pub head: Option<Head>,
}

/// What [`Store::recover`] did.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct RecoverReport {
    /// The import of the bundle into the new store.
    pub import: ImportReport,
    /// The party's own feed as recovered.
    pub own: RecoveredFeed,
    /// Every other party's feed, in charter order.
    pub others: Vec<RecoveredFeed>,
    /// Where the store that was in the directory was moved, with [`Recovery::replace`].
    pub replaced: Option<PathBuf>,
}

/// `dir`'s sibling named `<dir's name><suffix>`.
fn sibling(dir: &Path, suffix: &str) -> Result<PathBuf, StoreError> {
    let name = dir.file_name().ok_or_else(|| StoreError::Io {
        op: "name a directory beside",
        path: dir.to_path_buf(),
        source: std::io::Error::other("the store directory has no name of its own"),
    })?;
    let mut n = OsString::from(name);
    n.push(suffix);
    Ok(dir.with_file_name(n))
}

fn holds_store(dir: &Path) -> bool {
    dir.join(journal::FILE).exists() || dir.join(INDEX).exists()
}

impl Store {
    /// Rebuild the store of `how.party` in `dir` from `bundle_bytes`, a bundle of `charter`'s
    /// channel that holds the party's own feed from seq 0 (any counterparty's full export):
    /// [`Store::create_with`], then, before the store is moved into place, the checks that
    /// it can sign again without forking the feed: the party's feed is held from seq 0,
    /// without a fork, and passes [`Store::may_sign`] (its high-water mark in
    /// `how.marks_in`, and every signature the bundle holds). The store returned keeps the
    /// marks in `how.marks_in`. Its identity is the caller's to set
    /// ([`Store::set_identity`]).
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`] if `dir` holds a store (without `how.replace`);
    /// [`StoreError::NotAParty`]; [`StoreError::NothingToRecover`]; [`StoreError::Forked`];
    /// [`StoreError::BehindMark`], [`StoreError::BehindElsewhere`] (the bundle is older than
    /// the party's signatures); as [`Store::create_with`] otherwise. On error `dir` is as it
    /// was.
    pub fn recover<F>(
        dir: &Path,
        charter: &Charter,
        bundle_bytes: &[u8],
        how: &Recovery,
        check_note: F,
    ) -> Result<(Store, RecoverReport), StoreError>
    where
        F: FnMut(&[u8]) -> Result<NoteMeta, String>,
    {
        let me = how.party;
        let name = charter
            .party(&me)
            .ok_or(StoreError::NotAParty { key: me })?
            .name
            .clone();
        let accept = |s: &mut Store| -> Result<(), StoreError> {
            if s.feed_len(&me)? == 0 || s.index.at_seq(&me, 0)?.is_empty() {
                return Err(StoreError::NothingToRecover {
                    party: name.clone(),
                });
            }
            if let Some(seq) = s.index.first_fork(&me)? {
                return Err(StoreError::Forked {
                    party: name.clone(),
                    seq,
                });
            }
            s.marks_in.clone_from(&how.marks_in);
            s.may_sign(&me)
        };
        let (store, import, replaced) = if how.replace && holds_store(dir) {
            let dir = fs::canonicalize(dir).map_err(io_err("find", dir))?;
            // Held until the old store is out of the way: no one else is using it.
            let old_lock = take_lock(&dir)?;
            let staging = sibling(&dir, ".recovering")?;
            if staging.exists() {
                return Err(StoreError::AlreadyExists { dir: staging });
            }
            let (built, import) = Store::create_checked(
                &staging,
                charter,
                bundle_bytes,
                &how.limits,
                how.now,
                check_note,
                accept,
            )?;
            drop(built);
            let mut aside = sibling(&dir, ".replaced-1")?;
            let mut n = 1u32;
            while aside.exists() {
                n = n.saturating_add(1);
                aside = sibling(&dir, &format!(".replaced-{n}"))?;
            }
            fs::rename(&dir, &aside).map_err(io_err("move aside", &dir))?;
            fs::rename(&staging, &dir).map_err(io_err("move into place", &staging))?;
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
            drop(old_lock);
            (Store::open(&dir)?, import, Some(aside))
        } else {
            let (s, import) = Store::create_checked(
                dir,
                charter,
                bundle_bytes,
                &how.limits,
                how.now,
                check_note,
                accept,
            )?;
            (s, import, None)
        };
        let mut store = store;
        store.marks_in.clone_from(&how.marks_in);
        let feed = |p: &PartyId| -> Result<RecoveredFeed, StoreError> {
            Ok(RecoveredFeed {
                party: *p,
                name: store.label(p),
                size: store.feed_len(p)?,
                head: store.head(p)?,
            })
        };
        let own = feed(&me)?;
        let others = store
            .roster()?
            .parties
            .iter()
            .filter(|p| p.key != me)
            .map(|p| feed(&p.key))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((
            store,
            RecoverReport {
                import,
                own,
                others,
                replaced,
            },
        ))
    }
}
