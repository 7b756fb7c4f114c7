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
//!    *relied on it before the revocation*: one of that party's entries acknowledges it (or a
//!    later entry on its chain), and neither that entry nor an earlier one of the same feed
//!    holds a view that includes `R`. A mere view (a receipt's, say) is possession, not
//!    reliance: receipts are signed on every import, before anyone could know of a theft. An entry relied on stays the
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
    // Every revocation's suspects, then reliance until it settles: an acknowledgement that is
    // itself a suspect relies on nothing unless it is relied on in turn, so the answer does
    // not depend on the order the feeds are walked in.
    let mut plans = Vec::new();
    for (party, _, name) in &parties {
        let revocations = out
            .get(party)
            .map(|k| k.revocations.clone())
            .unwrap_or_default();
        for rv in revocations {
            if let Some(plan) = suspects(feeds, *party, name, rv) {
                plans.push(plan);
            }
        }
    }
    let all: HashSet<EntryId> = plans
        .iter()
        .flat_map(|p| p.suspects.iter().map(|(_, id)| *id))
        .collect();
    let mut excluded = all.clone();
    let mut relied: Vec<HashMap<EntryId, (String, &'static str)>> = Vec::new();
    for _ in 0..=all.len() {
        relied = plans
            .iter()
            .map(|p| relied_on(&v.charter, feeds, p, &excluded))
            .collect();
        let next: HashSet<EntryId> = all
            .iter()
            .filter(|id| !relied.iter().any(|r| r.contains_key(id)))
            .copied()
            .collect();
        if next == excluded {
            break;
        }
        excluded = next;
    }
    for (plan, relied) in plans.iter().zip(&relied) {
        void(v, feeds, plan, relied);
    }
    out
}

/// One revocation and the entries it may void.
struct Plan {
    party: PartyId,
    name: String,
    rv: Revocation,
    suspects: Vec<(Seq, EntryId)>,
    points: HashMap<EntryId, Point>,
    prevs: HashMap<EntryId, EntryId>,
}

/// The entries revocation `rv` of `party`'s feed may void: at seq `rv.from` or later, off the
/// chain the revocation links back to, signed by the revoked key or a key the feed used before
/// it (one on that chain).
fn suspects(
    feeds: &HashMap<PartyId, Feed>,
    party: PartyId,
    name: &str,
    rv: Revocation,
) -> Option<Plan> {
    let feed = feeds.get(&party)?;
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
    let mut voided_keys: HashSet<PartyId> = feed
        .values()
        .flatten()
        .filter(|c| chain.contains(&c.id) && c.id != rv.id)
        .map(|c| c.signed.header().key)
        .collect();
    voided_keys.insert(rv.key);
    let suspects: Vec<(Seq, EntryId)> = feed
        .range(rv.from..)
        .flat_map(|(seq, at)| at.iter().map(move |c| (*seq, c)))
        .filter(|(_, c)| voided_keys.contains(&c.signed.header().key) && !chain.contains(&c.id))
        .map(|(seq, c)| (seq, c.id))
        .collect();
    if suspects.is_empty() {
        return None;
    }
    let mut points = HashMap::new();
    root_branches(feed, &mut points);
    Some(Plan {
        party,
        name: name.to_owned(),
        rv,
        suspects,
        points,
        prevs,
    })
}

/// One feed's key walk: branch by branch (each entry's state is its parent's after the
/// parent), then the rules across branches (see [`across_branches`]), again until they remove
/// nothing more.
fn walk(v: &mut Verifier<'_>, feed: &mut Feed, inception: KeyState) -> FeedKeys {
    let mut gone: HashSet<EntryId> = HashSet::new();
    loop {
        let (keys, found) = walk_branches(feed, inception, &gone);
        let removed = across_branches(feed, &found);
        if removed.is_empty() {
            for (c, why) in found.refused {
                v.push(FindingKind::WrongKey, Some(&c), why);
            }
            feed.retain(|_, at| !at.is_empty());
            return keys;
        }
        // Take out what the rules across branches refuse, report it, and walk again: what
        // followed it is judged without it.
        for (id, why) in removed {
            gone.insert(id);
            for at in feed.values_mut() {
                if let Some(pos) = at.iter().position(|c| c.id == id) {
                    let c = at.remove(pos);
                    v.push(FindingKind::WrongKey, Some(&c), why.clone());
                }
            }
        }
    }
}

/// What one walk of the branches found.
#[derive(Default)]
struct Found {
    /// Entries refused by their branch's key state, with why (reported when the walk settles).
    refused: Vec<(Checked, String)>,
    /// Each rotation or revocation: (seq, id, the key it retired, the key it brought in,
    /// whether it is a rotation).
    changes: Vec<(Seq, EntryId, PartyId, PartyId, bool)>,
    /// Each entry's parent id.
    prev: HashMap<EntryId, EntryId>,
}

fn walk_branches(
    feed: &mut Feed,
    inception: KeyState,
    gone: &HashSet<EntryId>,
) -> (FeedKeys, Found) {
    let mut gone = gone.clone();
    let mut after: HashMap<EntryId, KeyState> = HashMap::new();
    let mut history = vec![inception.current];
    let mut revocations = Vec::new();
    let mut found = Found::default();
    // Each key's state when it came into force, for an entry past a gap.
    let mut by_key: HashMap<PartyId, KeyState> = HashMap::from([(inception.current, inception)]);
    let mut fallback = inception;
    let mut current = None;
    for (seq, at) in feed.iter_mut() {
        let mut keep = Vec::with_capacity(at.len());
        let mut first_here = None;
        for c in at.drain(..) {
            let h = c.signed.header();
            found.prev.insert(c.id, h.prev);
            // What follows an entry that is not the author's is not the author's either.
            if gone.contains(&h.prev) {
                gone.insert(c.id);
                let why = format!(
                    "follows entry {}, which is not its author's (signed by a key not in force there)",
                    h.prev.short()
                );
                found.refused.push((c, why));
                continue;
            }
            let before = if seq.0 == 0 {
                inception
            } else {
                match after.get(&h.prev) {
                    Some(s) => *s,
                    // Past a gap (already an error), the key is held to the chain of
                    // commitments as far as it is known: a key that came into force in the
                    // entries held, or the next key pre-committed where the gap began, whose
                    // own successor is then unknown.
                    None => by_key.get(&h.key).copied().unwrap_or_else(|| {
                        if fallback.next == h.key.digest()
                            && !matches!(c.body, Some(Body::Revoke(_)))
                        {
                            KeyState {
                                current: h.key,
                                next: crate::keys::KeyDigest([0; 32]),
                                since: h.seq,
                            }
                        } else {
                            fallback
                        }
                    }),
                }
            };
            match before.advance(h, c.id, c.body.as_ref(), &history) {
                Ok((state, revocation)) => {
                    if state.current != before.current {
                        let rotation = matches!(c.body, Some(Body::Rotate(_)));
                        found
                            .changes
                            .push((h.seq, c.id, before.current, state.current, rotation));
                        by_key.entry(state.current).or_insert(state);
                    }
                    if !history.contains(&state.current) {
                        history.push(state.current);
                    }
                    revocations.extend(revocation);
                    after.insert(c.id, state);
                    first_here.get_or_insert(state);
                    keep.push(c);
                }
                Err(e) => {
                    gone.insert(c.id);
                    found.refused.push((c, e.to_string()));
                }
            }
        }
        *at = keep;
        if let Some(s) = first_here {
            fallback = s;
            current = Some(s.current);
        }
    }
    let keys = FeedKeys {
        current,
        history,
        revocations,
    };
    (keys, found)
}

/// The rules that span branches, for entries each valid on its own branch:
///
/// 1. a key retired by a rotation at seq `r` signs nothing after `r`, on any branch (a copy
///    of an old key cannot go on beside the feed; a revoked key's entries are the
///    revocation's to judge);
/// 2. a rotation or revocation may not bring in a key that another one, on another branch,
///    brings in too: the key a revocation is signed with has authority only while nobody has
///    seen it, and two entries revealing one key on two branches mean someone holds a copy of
///    a key that is not theirs. The feed alone cannot tell which, so both are refused.
///
/// Returns the ids to refuse, with why.
fn across_branches(feed: &Feed, found: &Found) -> Vec<(EntryId, String)> {
    let mut out: Vec<(EntryId, String)> = Vec::new();
    let on_chain = |from: EntryId, target: EntryId| -> bool {
        let mut at = Some(from);
        let mut steps = 0usize;
        while let Some(id) = at {
            if id == target {
                return true;
            }
            steps += 1;
            if steps > found.prev.len() {
                return false;
            }
            at = found.prev.get(&id).copied().filter(|p| *p != EntryId::ZERO);
        }
        false
    };
    let related = |a: EntryId, b: EntryId| on_chain(a, b) || on_chain(b, a);
    for (i, (_, id, _, brought, _)) in found.changes.iter().enumerate() {
        for (_, id2, _, brought2, _) in found.changes.iter().skip(i + 1) {
            if brought == brought2 && !related(*id, *id2) {
                for (mine, other) in [(id, id2), (id2, id)] {
                    out.push((
                        *mine,
                        format!(
                            "brings in key {} that entry {} on another branch of the feed brings in too: one of the two was signed with a copied key, and the feed alone cannot say which",
                            brought.fingerprint(),
                            other.short()
                        ),
                    ));
                }
            }
        }
    }
    // A revoked key's later entries are the revocation's to judge (`void`), not this rule's.
    for (r, change, retired, _, _) in found.changes.iter().filter(|c| c.4) {
        for c in feed
            .range(Seq(r.0.saturating_add(1))..)
            .flat_map(|(_, at)| at)
        {
            if c.signed.header().key == *retired && !out.iter().any(|(id, _)| *id == c.id) {
                out.push((
                    c.id,
                    format!(
                        "signed by key {}, which entry {} at seq {r} retired: a retired key signs nothing after it, on any branch",
                        retired.fingerprint(),
                        change.short()
                    ),
                ));
            }
        }
    }
    out.sort_by_key(|(id, _)| *id);
    out.dedup_by_key(|(id, _)| *id);
    out
}

/// Apply one revocation to `party`'s feed (rule 2 of the module docs).
fn void(
    v: &mut Verifier<'_>,
    feeds: &mut HashMap<PartyId, Feed>,
    plan: &Plan,
    relied: &HashMap<EntryId, (String, &'static str)>,
) {
    let (party, name, rv, suspects, points) = (
        plan.party,
        plan.name.as_str(),
        &plan.rv,
        &plan.suspects,
        &plan.points,
    );
    let Some(feed) = feeds.get_mut(&party) else {
        return;
    };
    let mut voided = Vec::new();
    for (seq, id) in suspects {
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
        if let Some(p) = points.get(&c.id) {
            let size = c.signed.header().seq.0.saturating_add(1);
            v.voided.insert((party, size, p.root));
        }
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
    plan: &Plan,
    excluded: &HashSet<EntryId>,
) -> HashMap<EntryId, (String, &'static str)> {
    let (party, rv, suspects, points, prevs) = (
        plan.party,
        &plan.rv,
        &plan.suspects,
        &plan.points,
        &plan.prevs,
    );
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
    // Whether an entry's view of the feed may include the revocation: it does, or it reaches
    // past the revocation's seq on a branch not held (entries withheld cannot make a late
    // acknowledgement early).
    let saw_revocation = |c: &Checked| -> bool {
        c.signed
            .header()
            .views
            .iter()
            .filter(|w| w.party == party && w.size > rv.at.0)
            .any(|w| match view_end(w.size, &w.root) {
                None => true,
                Some(end) => ancestor_at(end, w.size, rv.at).is_none_or(|id| id == rv.id),
            })
    };
    let mut out = HashMap::new();
    for (other, feed) in feeds {
        if *other == party {
            continue;
        }
        let by = charter.label(other);
        for c in feed.values().flatten() {
            if saw_revocation(c) {
                break; // from here on, this party had seen the revocation
            }
            if excluded.contains(&c.id) {
                continue; // voided itself: it relies on nothing
            }
            let Some(Body::Ack(ack)) = &c.body else {
                continue;
            };
            if ack.of.author != party {
                continue;
            }
            // An acknowledgement relies on the entry it names and on the entries below it on
            // its chain, which its view binds.
            let mut at = Some(ack.of.id);
            while let Some(id) = at {
                if suspects.iter().any(|(_, s)| *s == id) && !out.contains_key(&id) {
                    let how = if id == ack.of.id {
                        "acknowledged it"
                    } else {
                        "acknowledged a later entry on its chain"
                    };
                    out.insert(id, (by.clone(), how));
                }
                at = prevs.get(&id).copied().filter(|p| *p != EntryId::ZERO);
            }
        }
    }
    out
}
