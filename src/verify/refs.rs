//! What a reference may name, in one place for the verifier and the store's append checks, so
//! that both report the same kind of finding for it: a commitment's `cites` names definitions;
//! a `supersedes` names an entry of the same kind by the same author, and for a definition
//! one of the same term ([`chain::check_supersedes`]).

use crate::chain::{self, SupersedeError};
use crate::charter::Charter;
use crate::entry::{Body, EntryId, Kind};
use crate::keys::PartyId;

use super::FindingKind;

/// The finding a reference from `body`, signed by `author`, in `field`, to entry `id` by
/// `target_author` whose body is `target` (`None` if its kind is unknown) gets, if any.
pub(crate) fn reference_finding(
    charter: &Charter,
    author: &PartyId,
    body: &Body,
    field: &str,
    id: &EntryId,
    target_author: &PartyId,
    target: Option<&Body>,
) -> Option<(FindingKind, String)> {
    match (body, field) {
        (_, "supersedes") => match chain::check_supersedes(author, body, target_author, target) {
            Ok(()) => None,
            Err(SupersedeError::WrongKind { expected, found }) => Some((
                FindingKind::WrongReferenceKind,
                format!(
                    "`supersedes` must name a {expected}, but {} is a {found}",
                    id.short()
                ),
            )),
            Err(e) => Some((
                FindingKind::BadSupersedes,
                format!(
                    "`supersedes` names {}'s entry {}: {e}",
                    charter.label(target_author),
                    id.short()
                ),
            )),
        },
        (Body::Commitment(_), "cites") => match target.map(Body::kind) {
            Some(t) if t != Kind::Definition => Some((
                FindingKind::WrongReferenceKind,
                format!(
                    "`cites` must name a {}, but {} is a {t}",
                    Kind::Definition,
                    id.short()
                ),
            )),
            _ => None,
        },
        _ => None,
    }
}
