//! The checks an appended entry must pass, against the index alone: O(log n) reads, one per
//! reference and per set bit of an acknowledged tree size, instead of a verification of the
//! whole store.
//!
//! The entry is the store's own next entry (signed here, on the head the index holds), so the
//! feed rules of seq, prev and time hold by construction and its signature is the store's
//! key's. What is left are the verifier's other error-level rules, applied to it alone:
//!
//! - the body's content rules ([`Body::check_content`]) and placement
//!   ([`chain::check_placement`]); a notice's severity is in the policy of the charter in
//!   force ([`Store::charter_in_force`]: the store's own entry views every acceptance held);
//! - every referenced entry is held, and of the right kind: a commitment's `cites` names
//!   definitions, a `supersedes` an entry of the same kind, by the same author and for a
//!   definition of the same term (the verifier's own rule, `verify::refs`);
//! - an acknowledgement is of another party's entry, named by its true author and seq, and the
//!   header's view of that feed includes it.
//!
//! The header's views are the store's own ([`Store::views_for`]), so they agree with what it
//! holds by construction.
//!
//! Each failure is a [`Finding`] of the kind the verifier would report.

use super::Store;
use super::error::StoreError;
use crate::chain;
use crate::entry::{Body, EntryId, SignedEntry, View};
use crate::keys::PartyId;
use crate::merkle;
use crate::verify::{Finding, FindingKind, refs};

impl Store {
    /// The views `me`'s next entry signs: for every other party on the roster
    /// ([`Store::roster`]) whose feed the store holds, that feed as held (its tree, up to any fork), with O(log n) reads. A view never shrinks:
    /// if a fork found since cut a feed's tree back, the view `me`'s last entry signed stands.
    /// An acknowledgement of an entry past a fork views the branch that holds it.
    ///
    /// # Errors
    ///
    /// An index or roster error.
    pub fn views_for(&self, me: &PartyId, body: &Body) -> Result<Vec<View>, StoreError> {
        let last: Vec<View> = match self.head(me)? {
            Some(h) => self.held(&h.id)?.entry.header.views,
            None => Vec::new(),
        };
        let mut out = Vec::new();
        for party in self.roster()?.parties.iter().map(|p| p.key) {
            if party == *me {
                continue;
            }
            let size = self.tree_size(&party)?;
            let mut view = if size > 0 {
                Some(View {
                    party,
                    size,
                    root: self.root_at(&party, size)?,
                })
            } else {
                None
            };
            // An acknowledgement past a fork binds the branch that holds its entry, even if an
            // earlier view went further along another branch: the verifier does not count a
            // move between branches of a forked feed as shrinking.
            let mut branch = false;
            if let Body::Ack(a) = body
                && a.of.author == party
                && a.of.seq.0 >= size
                && self.index.get(&a.of.id)?.is_some()
            {
                view = Some(self.branch_view(&party, &a.of.id)?);
                branch = true;
            }
            let before = last.iter().find(|v| v.party == party).copied();
            let chosen = match (view, before) {
                (Some(v), _) if branch => v,
                (Some(v), Some(b)) if b.size > v.size => b,
                (Some(v), _) => v,
                (None, Some(b)) => b,
                (None, None) => continue,
            };
            out.push(chosen);
        }
        Ok(out)
    }

    /// The view of `party`'s feed along the branch that ends with entry `id`: walked back by
    /// `prev` to seq 0, O(n) reads. Only needed past a fork, where the tree stops.
    fn branch_view(&self, party: &PartyId, id: &EntryId) -> Result<View, StoreError> {
        let mut leaves = Vec::new();
        let mut at = *id;
        loop {
            let bytes = self.held_bytes(&at)?;
            let e = super::decode_held(&at, &bytes)?;
            leaves.push(merkle::leaf_hash(&bytes));
            if e.header().seq.0 == 0 {
                break;
            }
            at = e.header().prev;
        }
        leaves.reverse();
        Ok(View {
            party: *party,
            size: u64::try_from(leaves.len()).unwrap_or(u64::MAX),
            root: merkle::root(&leaves),
        })
    }

    /// The error-level findings storing `signed` (id `id`) would add.
    pub(super) fn check_new(
        &self,
        signed: &SignedEntry,
        id: EntryId,
    ) -> Result<Vec<Finding>, StoreError> {
        let header = signed.header();
        let party = self.roster()?.party(&header.author).map(|p| p.name.clone());
        let mut findings = Vec::new();
        let mut push = |kind: FindingKind, message: String| {
            findings.push(Finding {
                kind,
                level: kind.level(),
                party: party.clone(),
                author: Some(header.author),
                seq: Some(header.seq.0),
                entry: Some(id),
                index: None,
                message,
                evidence: None,
                notes: Vec::new(),
            });
        };
        let body = match signed.entry.body() {
            Ok(b) => b,
            Err(e) => {
                push(FindingKind::InvalidBody, e.to_string());
                return Ok(findings);
            }
        };
        if let Err(msg) = body.check_content() {
            push(FindingKind::InvalidBody, msg);
        }
        if let Err(e) = chain::check_placement(&self.charter, &self.channel, header, &body) {
            push(FindingKind::Placement, e.to_string());
        }
        if let Body::Notice(n) = &body
            && self
                .charter_in_force()?
                .policy
                .severity(&n.severity)
                .is_none()
        {
            push(
                FindingKind::UnknownSeverity,
                format!(
                    "severity {:?} is not in the policy of the charter in force",
                    n.severity
                ),
            );
        }
        for (field, target) in body.references() {
            let Some(bytes) = self.index.get(&target)? else {
                // An acknowledgement naming an entry not held where its author's feed holds
                // another: the verifier's view-contradicts-feed.
                if let Body::Ack(a) = &body
                    && field == "of"
                    && let Some((_, other)) = self
                        .index
                        .feed(&a.of.author)?
                        .into_iter()
                        .find(|(seq, _)| *seq == a.of.seq)
                {
                    push(
                        FindingKind::ViewContradictsFeed,
                        format!(
                            "names {}'s entry at seq {} as {}, but the entry held there is {}",
                            self.label(&a.of.author),
                            a.of.seq,
                            target.short(),
                            other.short()
                        ),
                    );
                    continue;
                }
                push(
                    FindingKind::UnknownReference,
                    format!(
                        "`{field}` names entry {}, which the store does not hold",
                        target.short()
                    ),
                );
                continue;
            };
            let held = SignedEntry::decode(&bytes).map_err(|e| StoreError::Index {
                detail: format!(
                    "the index's copy of entry {} is damaged: {e}",
                    target.short()
                ),
            })?;
            if let Some((kind, message)) = refs::reference_finding(
                self.roster()?,
                &header.author,
                &body,
                field,
                &target,
                &held.header().author,
                held.entry.body().ok().as_ref(),
            ) {
                push(kind, message);
            }
            let Body::Ack(ack) = &body else { continue };
            if field != "of" {
                continue;
            }
            let th = held.header();
            if ack.of.author == header.author {
                push(
                    FindingKind::AckContradictsFeed,
                    "a party acknowledges its own entry; acknowledgements are of other parties' entries".into(),
                );
                continue;
            }
            if th.author != ack.of.author || th.seq != ack.of.seq {
                push(
                    FindingKind::AckContradictsFeed,
                    format!(
                        "names entry {} as {}'s seq {}, but it is {}'s seq {}",
                        target.short(),
                        self.label(&ack.of.author),
                        ack.of.seq,
                        self.label(&th.author),
                        th.seq
                    ),
                );
                continue;
            }
            let size = header.view_of(&th.author).map_or(0, |v| v.size);
            if size <= th.seq.0 {
                push(
                    FindingKind::AckContradictsFeed,
                    format!(
                        "acknowledges {}'s seq {} but its view of that feed ({size} entries) cannot include it",
                        self.label(&th.author),
                        th.seq
                    ),
                );
            }
        }
        Ok(findings)
    }
}
