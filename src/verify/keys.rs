//! Key state across each feed: which key may sign where (see [`crate::keystate`]), and what
//! a revocation takes away from a stolen key.
//!
//! Run before the feed rules: an entry signed by a key that was not in force at its place is
//! not its author's ([`FindingKind::WrongKey`]), and an entry the author's revocation voids is
//! the key thief's ([`FindingKind::Compromised`]); both leave the feed, so neither forks it nor
//! binds anyone. The rule for a revocation of key `K` from seq `f` by entry `R` at seq `r`:
//!
//! 1. an entry signed by `K` at a seq below `f`, or on the chain `R` links back to, is the
//!    author's;
//! 2. any other entry signed by `K` at seq `f` or later is void — unless another party
//!    *relied on it before the revocation*: one of that party's entries acknowledges it or
//!    holds a view of the author's feed that includes it, and neither that entry nor an
//!    earlier one of the same feed holds a view that includes `R`. An entry relied on stays the
//!    author's (a counterparty that acted on a notice in good faith keeps its evidence), and
//!    reported as such ([`FindingKind::RevokedKeyRelied`]).

use std::collections::{HashMap, HashSet};

use super::views::{Point, root_branches};
use super::{Checked, Feed, FindingKind, Verifier};
use crate::charter::Charter;
use crate::entry::{Body, EntryId, Seq};
use crate::keys::PartyId;
use crate::keystate::{KeyState, Revocation};

/// What the key walk learned about one feed.
#[derive(Debug, Clone, Default)]
pub(super) struct FeedKeys {
    /// The key in force after the last entry of the feed's first branch: the key its next
    /// entry must be signed with (absent for a feed with no entries).
    pub current: Option<PartyId>,
    /// Every key the feed has brought in, in order, the charter's first.
    pub history: Vec<PartyId>,
    /// The revocations found, in seq order.
    pub revocations: Vec<Revocation>,
}

/// Walk every feed's key state, removing the entries signed by a key not in force and those a
/// revocation voids. Returns what was learned per feed.
pub(super) fn check(
    v: &mut Verifier<'_>,
    feeds: &mut HashMap<PartyId, Feed>,
) -> HashMap<PartyId, FeedKeys> {
    let mut out = HashMap::new();
    let parties: Vec<(PartyId, KeyState, String)> = v
        .charter
        .parties
        .iter()
        .map(|p| (p.key, KeyState::inception(p), p.name.clone()))
        .collect();
    for (party, inception, _) in &parties {
        let Some(feed) = feeds.get_mut(party) else {
            continue;
        };
        let keys = walk(v, feed, *inception);
        out.insert(*party, keys);
    }
    for (party, _, name) in &parties {
        let revocations = out
            .get(party)
            .map(|k| k.revocations.clone())
            .unwrap_or_default();
        for rv in revocations {
            void(v, feeds, *party, name, &rv);
        }
    }
    out
}

/// One feed's key walk, branch by branch: each entry's state is its parent's after the parent.
fn walk(v: &mut Verifier<'_>, feed: &mut Feed, inception: KeyState) -> FeedKeys {
    let mut after: HashMap<EntryId, KeyState> = HashMap::new();
    let mut history = vec![inception.current];
    let mut revocations = Vec::new();
    // The state after the highest entry walked so far: what an entry past a gap is held to.
    let mut fallback = inception;
    let mut current = None;
    for (seq, at) in feed.iter_mut() {
        let mut keep = Vec::with_capacity(at.len());
        let mut first_here = None;
        for c in at.drain(..) {
            let h = c.signed.header();
            let before = if seq.0 == 0 {
                inception
            } else {
                after.get(&h.prev).copied().unwrap_or(fallback)
            };
            match before.advance(h, c.id, c.body.as_ref(), &history) {
                Ok((state, revocation)) => {
                    if !history.contains(&state.current) {
                        history.push(state.current);
                    }
                    revocations.extend(revocation);
                    after.insert(c.id, state);
                    first_here.get_or_insert(state);
                    keep.push(c);
                }
                Err(e) => v.push(FindingKind::WrongKey, Some(&c), e.to_string()),
            }
        }
        *at = keep;
        if let Some(s) = first_here {
            fallback = s;
            current = Some(s.current);
        }
    }
    feed.retain(|_, at| !at.is_empty());
    FeedKeys {
        current,
        history,
        revocations,
    }
}

/// Apply one revocation to `party`'s feed (rule 2 of the module docs).
fn void(
    v: &mut Verifier<'_>,
    feeds: &mut HashMap<PartyId, Feed>,
    party: PartyId,
    name: &str,
    rv: &Revocation,
) {
    let Some(feed) = feeds.get(&party) else {
        return;
    };
    let prevs: HashMap<EntryId, EntryId> = feed
        .values()
        .flatten()
        .map(|c| (c.id, c.signed.header().prev))
        .collect();
    let mut chain = HashSet::new();
    let mut at = Some(rv.id);
    while let Some(id) = at {
        if !chain.insert(id) {
            break;
        }
        at = prevs.get(&id).copied().filter(|p| *p != EntryId::ZERO);
    }
    let suspects: Vec<(Seq, EntryId)> = feed
        .iter()
        .filter(|(seq, _)| **seq >= rv.from)
        .flat_map(|(seq, at)| at.iter().map(move |c| (*seq, c)))
        .filter(|(_, c)| c.signed.header().key == rv.key && !chain.contains(&c.id))
        .map(|(seq, c)| (seq, c.id))
        .collect();
    if suspects.is_empty() {
        return;
    }
    let mut points = HashMap::new();
    root_branches(feed, &mut points);
    let relied = relied_on(&v.charter, feeds, party, rv, &suspects, &points, &prevs);
    let Some(feed) = feeds.get_mut(&party) else {
        return;
    };
    let mut voided = Vec::new();
    for (seq, id) in &suspects {
        let Some(at) = feed.get_mut(seq) else {
            continue;
        };
        if let Some((by, via)) = relied.get(id) {
            if let Some(c) = at.iter().find(|c| c.id == *id) {
                let msg = format!(
                    "signed by {name}'s key {}, which {name} revoked from seq {} (entry {} at seq {}), but it stands as {name}'s: {by} relied on it ({via}) before it saw the revocation",
                    rv.key.fingerprint(),
                    rv.from,
                    rv.id.short(),
                    rv.at
                );
                v.push(FindingKind::RevokedKeyRelied, Some(c), msg);
            }
            continue;
        }
        if let Some(pos) = at.iter().position(|c| c.id == *id) {
            voided.push(at.remove(pos));
        }
    }
    feed.retain(|_, at| !at.is_empty());
    for c in &voided {
        let msg = format!(
            "signed by {name}'s key {}, which {name} revoked from seq {} with its pre-committed next key (entry {} at seq {}): this entry is not on the chain the revocation vouches for and no other party relied on it first, so it is attributed to whoever held the revoked key, not to {name}",
            rv.key.fingerprint(),
            rv.from,
            rv.id.short(),
            rv.at
        );
        v.push(FindingKind::Compromised, Some(c), msg);
    }
}

/// The suspects another party relied on before it saw the revocation, each with who and how.
fn relied_on(
    charter: &Charter,
    feeds: &HashMap<PartyId, Feed>,
    party: PartyId,
    rv: &Revocation,
    suspects: &[(Seq, EntryId)],
    points: &HashMap<EntryId, Point>,
    prevs: &HashMap<EntryId, EntryId>,
) -> HashMap<EntryId, (String, &'static str)> {
    let viewed = feeds.get(&party);
    // The entry of `party`'s feed at `seq` on the branch that ends at `end`, if held.
    let ancestor_at = |end: EntryId, size: u64, seq: Seq| -> Option<EntryId> {
        let mut id = end;
        let mut s = size.checked_sub(1)?;
        while s > seq.0 {
            id = *prevs.get(&id)?;
            s -= 1;
        }
        Some(id)
    };
    // The entry a view (size, root) of `party`'s feed ends at.
    let view_end = |size: u64, root: &[u8; 32]| -> Option<EntryId> {
        let at = viewed?.get(&Seq(size.checked_sub(1)?))?;
        at.iter()
            .find(|c| points.get(&c.id).is_some_and(|p| p.root == *root))
            .map(|c| c.id)
    };
    let includes = |c: &Checked, seq: Seq, id: EntryId| -> bool {
        c.signed
            .header()
            .views
            .iter()
            .filter(|w| w.party == party && w.size > seq.0)
            .any(|w| {
                view_end(w.size, &w.root).and_then(|end| ancestor_at(end, w.size, seq)) == Some(id)
            })
    };
    let mut out = HashMap::new();
    for (other, feed) in feeds {
        if *other == party {
            continue;
        }
        let by = charter.label(other);
        for c in feed.values().flatten() {
            if includes(c, rv.at, rv.id) {
                break; // from here on, this party had seen the revocation
            }
            for (seq, id) in suspects {
                if out.contains_key(id) {
                    continue;
                }
                let acked = matches!(&c.body, Some(Body::Ack(a)) if a.of.id == *id);
                if acked {
                    out.insert(*id, (by.clone(), "acknowledged it"));
                } else if includes(c, *seq, *id) {
                    out.insert(
                        *id,
                        (by.clone(), "signed a view of the feed that includes it"),
                    );
                }
            }
        }
    }
    out
}
