//! The checks an appended entry must pass, against the index alone: O(log n) reads, one per
//! reference and per set bit of an acknowledged tree size, instead of a verification of the
//! whole store.
//!
//! The entry is the store's own next entry (signed here, on the head the index holds), so the
//! feed rules of seq, prev and time hold by construction and its signature is the store's
//! key's. What is left are the verifier's other error-level rules, applied to it alone:
//!
//! - the body's content rules ([`Body::check_content`]) and placement
//!   ([`chain::check_placement`]); a notice's severity is in the charter's policy;
//! - every referenced entry is held, and of the right kind: a commitment's `cites` names
//!   definitions, a `supersedes` an entry of the same kind;
//! - an acknowledgement is of another party's entry, and its view is a size that includes the
//!   entry acknowledged and is within what the store holds of that party's feed (its tree), with
//!   the root the store computes for that size.
//!
//! Each failure is a [`Finding`] of the kind the verifier would report.

use super::Store;
use super::error::StoreError;
use crate::chain;
use crate::entry::{Body, EntryId, Kind, SignedEntry};
use crate::merkle::Hash;
use crate::verify::{Finding, FindingKind};

impl Store {
    /// The error-level findings storing `signed` (id `id`) would add.
    pub(super) fn check_new(
        &self,
        signed: &SignedEntry,
        id: EntryId,
    ) -> Result<Vec<Finding>, StoreError> {
        let header = signed.header();
        let party = self.charter.party(&header.author).map(|p| p.name.clone());
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
            && self.charter.policy.severity(&n.severity).is_none()
        {
            push(
                FindingKind::UnknownSeverity,
                format!("severity {:?} is not in the charter's policy", n.severity),
            );
        }
        for (field, target) in body.references() {
            let Some(bytes) = self.index.get(&target)? else {
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
            let wanted = match (&body, field) {
                (Body::Commitment(_), "cites") => Some(Kind::Definition),
                (_, "supersedes") => Some(body.kind()),
                _ => None,
            };
            if let (Some(w), Some(t)) = (wanted, Kind::from_code(held.entry.kind))
                && w != t
            {
                push(
                    FindingKind::WrongReferenceKind,
                    format!("`{field}` must name a {w}, but {} is a {t}", target.short()),
                );
            }
            let Body::Ack(ack) = &body else { continue };
            if field != "of" {
                continue;
            }
            let th = held.header();
            if th.author == header.author {
                push(
                    FindingKind::AckContradictsFeed,
                    "a party acknowledges its own entry; acknowledgements are of other parties' entries".into(),
                );
                continue;
            }
            let who = self.charter.label(&th.author);
            let size = ack.view.size;
            if size <= th.seq.0 {
                push(
                    FindingKind::AckContradictsFeed,
                    format!(
                        "acknowledges {who}'s seq {} with a view of only {size} entries, which cannot include it",
                        th.seq
                    ),
                );
                continue;
            }
            let tree_size = self.index.tree_size(&th.author)?;
            if size > tree_size {
                push(
                    FindingKind::AckContradictsFeed,
                    format!(
                        "its view of {who}'s feed has {size} entries, but the store holds {tree_size} (up to any fork)"
                    ),
                );
                continue;
            }
            let root = self.root_at(&th.author, size)?;
            if root != ack.view.root {
                push(
                    FindingKind::AckContradictsFeed,
                    format!(
                        "its view of {who}'s feed at size {size} has root {}, but the entries held give {}",
                        short_hash(&ack.view.root),
                        short_hash(&root)
                    ),
                );
            }
        }
        Ok(findings)
    }
}

fn short_hash(h: &Hash) -> String {
    hex::encode(h.get(..6).unwrap_or_default())
}
