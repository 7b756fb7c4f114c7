//! Who the store's channel's parties are once amendments are in force (docs/FORMAT.md §11,
//! "Membership"): the **roster**, the founding charter's parties followed by the parties of
//! every amendment in force among the entries held, and the **charter in force**, the last
//! such amendment's charter (or the founding one).
//!
//! Whether an amendment is in force depends on every feed it and its ratifications view, so
//! the store does not decide it itself: it takes the verifier's answer
//! ([`crate::verify::Report::roster`], [`crate::verify::Report::charter_in_force`]). That
//! answer is kept in memory:
//!
//! - a store whose index holds no `amend` entry has the founding charter for both, at the
//!   cost of one index scan;
//! - otherwise the first question about parties verifies the store's entries once (the cached
//!   report of the last import when there is one, else the journal from scratch);
//! - an import takes the answer from its own verification of the store's entries with the
//!   bundle's (no extra cost);
//! - an append of an `amend`, `ratify` or `revoke` (which can put an amendment in force, or
//!   take an accepting entry out of its feed) drops the answer, to be computed again when next
//!   asked; any other append keeps it, so appends stay O(log n) in the index.

use super::Store;
use super::error::StoreError;
use crate::charter::Charter;
use crate::entry::Kind;
use crate::keys::PartyId;
use crate::verify::{self, Options, Report};

/// The verifier's answer on membership, as the store keeps it.
#[derive(Debug, Clone)]
pub(super) struct Roster {
    /// Every party of the founding charter and of every amendment in force.
    pub parties: Charter,
    /// The charter of the last amendment in force, or the founding charter.
    pub in_force: Charter,
}

impl Roster {
    fn founding(charter: &Charter) -> Roster {
        Roster {
            parties: charter.clone(),
            in_force: charter.clone(),
        }
    }

    pub(super) fn from_report(founding: &Charter, report: &Report) -> Roster {
        Roster {
            parties: report.roster(founding).clone(),
            in_force: report.charter_in_force(founding).clone(),
        }
    }
}

/// Whether appending an entry of `kind` can change the roster or the charter in force.
pub(super) fn may_change_roster(kind: u16) -> bool {
    [Kind::Amend, Kind::Ratify, Kind::Revoke]
        .iter()
        .any(|k| k.code() == kind)
}

impl Store {
    /// The channel's parties: those of the founding charter, then those added by every
    /// amendment in force among the entries held, as one charter (the founding charter's
    /// name, policy and witness quorum; for names and keys, not for any rule). Equal to
    /// [`Store::charter`] while no amendment is in force.
    ///
    /// # Errors
    ///
    /// An index error, or an I/O error or [`StoreError::JournalCorrupt`] if the journal must
    /// be read (see the module docs of `store::roster`) and cannot be.
    pub fn roster(&self) -> Result<&Charter, StoreError> {
        Ok(&self.membership()?.parties)
    }

    /// The charter in force at the end of the entries held: the charter of the last amendment
    /// in force, or the founding charter. It judges the store's own next entry (its views hold
    /// every acceptance the store holds).
    ///
    /// # Errors
    ///
    /// As [`Store::roster`].
    pub fn charter_in_force(&self) -> Result<&Charter, StoreError> {
        Ok(&self.membership()?.in_force)
    }

    /// `party`'s name on the roster, or its fingerprint; the founding charter's label if the
    /// roster cannot be read (a label never refuses anything).
    pub(super) fn label(&self, party: &PartyId) -> String {
        self.roster()
            .map_or_else(|_| self.charter.label(party), |r| r.label(party))
    }

    fn membership(&self) -> Result<&Roster, StoreError> {
        if let Some(r) = self.roster.get() {
            return Ok(r);
        }
        let computed = if self.index.of_kind(Kind::Amend.code())?.is_empty() {
            Roster::founding(&self.charter)
        } else if let Some(b) = &self.baseline {
            Roster::from_report(&self.charter, b)
        } else {
            // Signatures the store verified before writing them.
            let held = self.journal.entries()?;
            let report = verify::verify_vouched::<_, &[u8]>(
                &self.charter,
                &held,
                &[],
                held.len(),
                Options::without_clock(),
            );
            Roster::from_report(&self.charter, &report)
        };
        Ok(self.roster.get_or_init(|| computed))
    }

    /// Keep `report` (a verification of every entry held) as the answer on membership, or,
    /// without one, drop the answer so that the next question computes it again.
    pub(super) fn set_roster(&mut self, report: Option<&Report>) {
        self.roster = std::sync::OnceLock::new();
        if let Some(r) = report {
            let _ = self.roster.set(Roster::from_report(&self.charter, r));
        }
    }
}
