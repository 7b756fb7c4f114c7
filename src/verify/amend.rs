//! Charter amendments and the close (kinds 11, 12, 13; `docs/FORMAT.md` §12): which proposals
//! are in force, which charter governs each entry, and who the channel's parties are.
//!
//! - An **amendment** (`amend`) proposes a whole new charter. Its `amends` names the amendment
//!   in force (none while the founding charter is), so amendments form a chain. It takes
//!   effect once every party of the charter it amends has signed it (the proposer, by
//!   proposing) or a `ratify` naming it, all among the entries held. Each party accepts at
//!   most one proposal per charter: the first in its feed counts.
//! - A **close** takes effect in the same way, among the parties of the charter that governs
//!   the close entry itself.
//! - The charter that **governs** an entry `n` of party `q` is the latest amendment in force
//!   whose every accepting entry is either `q`'s own entry earlier in `n`'s chain or inside
//!   `n`'s signed header views; otherwise the one before it, down to the founding charter. No
//!   clock decides it: only what `n`'s author signed that it had seen. An entry is governed by
//!   a close in force in the same way.
//! - The **roster** is every party of the founding charter and of every amendment in force.
//!   An entry by a key that is a party only of a proposal not in force is not a party's.

use std::collections::{HashMap, HashSet};

use super::views::{Point, root_branches};
use super::{Checked, Feed, FindingKind, Verifier, prepare};
use crate::charter::{Charter, Party, Policy};
use crate::entry::{Body, ChannelId, EntryId, Kind, View};
use crate::keys::PartyId;

/// One party's acceptance of a proposal, and what it binds: the accepting entry's own place
/// in its feed (size, root) and the header views it signed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Accepted {
    /// The party's name.
    pub party: String,
    /// Its key (identity).
    pub key: PartyId,
    /// The accepting entry: the proposal itself (the proposer's), or a `ratify`.
    pub entry: EntryId,
    /// Its kind.
    pub via: Kind,
    /// Its seq; the feed's size at it is `seq + 1`.
    pub seq: u64,
    /// The RFC 6962 root of the feed up to and including it (hex), when it is on a branch
    /// from seq 0 of the entries held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// The views of the other feeds it signed.
    pub views: Vec<View>,
}

/// A proposed charter amendment, as the verifier found it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AmendmentSummary {
    /// The `amend` entry.
    pub entry: EntryId,
    /// Who proposed it.
    pub proposer: String,
    /// The proposer's key (identity).
    pub author: PartyId,
    /// Its seq in the proposer's feed.
    pub seq: u64,
    /// The amendment it replaces; absent when it amends the founding charter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amends: Option<EntryId>,
    /// The proposed charter's name.
    pub name: String,
    /// The proposed charter's parties, in its order.
    pub parties: Vec<String>,
    /// Parties it adds to the charter it amends.
    pub added: Vec<String>,
    /// Parties of the charter it amends that it leaves out.
    pub removed: Vec<String>,
    /// The proposed policy.
    pub policy: Policy,
    /// The proposed witnesses' names.
    pub witnesses: Vec<String>,
    /// The proposed witness quorum.
    pub witness_quorum: u32,
    /// The acceptances held, in the order of the charter it amends.
    pub accepted_by: Vec<Accepted>,
    /// The parties of the charter it amends whose acceptance is not held.
    pub awaiting: Vec<String>,
    /// Whether every party of the charter it amends has accepted it.
    pub in_effect: bool,
    /// The proposed charter itself.
    #[serde(skip)]
    pub charter: Charter,
}

/// A proposal to close the channel, as the verifier found it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CloseSummary {
    /// The `close` entry.
    pub entry: EntryId,
    /// Who proposed it.
    pub proposer: String,
    /// The proposer's key (identity).
    pub author: PartyId,
    /// Its seq in the proposer's feed.
    pub seq: u64,
    /// The channel that carries on, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub successor: Option<ChannelId>,
    /// Why, as the proposer put it.
    pub reason: String,
    /// The amendment whose charter it closes; absent for the founding charter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closes: Option<EntryId>,
    /// The acceptances held.
    pub accepted_by: Vec<Accepted>,
    /// The parties whose acceptance is not held.
    pub awaiting: Vec<String>,
    /// Whether every party of the charter it closes has accepted it.
    pub in_effect: bool,
}

/// Which charter governs an entry (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Governed {
    /// The amendment in force whose charter governs it; `None` for the founding charter.
    pub amendment: Option<EntryId>,
    /// The close in force that the entry's author had seen, if any: the channel was closed
    /// for it.
    pub closed: Option<EntryId>,
}

/// What the amendment walk decided.
#[derive(Debug, Clone, Default)]
pub(super) struct Governance {
    /// Every proposed amendment that obeyed the rules, chain order first.
    pub amendments: Vec<AmendmentSummary>,
    /// The close in force, else the first proposed.
    pub close: Option<CloseSummary>,
    /// Each entry's governing charter and close, for entries governed by anything other
    /// than the founding charter.
    pub governed: HashMap<EntryId, Governed>,
    /// The roster: the founding charter with every party (and witness) of every amendment in
    /// force added, first listing first.
    pub roster: Option<Charter>,
}

/// The provisional roster, before any rule is applied: the founding charter with every party
/// of every proposed amendment added, where the proposal's entry decodes, is of this channel,
/// verifies under its key and is by a party already on the roster. Only so can an added
/// party's entries be checked at all; [`govern`] then keeps those of amendments in force.
pub(super) fn provisional(founding: &Charter, proposals: &[(PartyId, Charter)]) -> Charter {
    let mut roster = founding.clone();
    let mut changed = true;
    while changed {
        changed = false;
        for (author, proposed) in proposals {
            if roster.party(author).is_none() {
                continue;
            }
            for p in &proposed.parties {
                if add_party(&mut roster, p) {
                    changed = true;
                }
            }
        }
    }
    roster
}

/// The proposals among the prepared inputs that decode, are of this channel, propose a
/// charter that obeys its rules and verify under their header's key, with their authors: every
/// charter proposed, whoever signed it (for the names of severities a notice may use before
/// the verifier knows which charter governs it, and for [`provisional`]).
pub(super) fn proposals(
    channel: &ChannelId,
    prepared: &[prepare::Outcome],
) -> Vec<(PartyId, Charter)> {
    prepared
        .iter()
        .filter_map(|o| {
            let p = o.as_ref().ok()?.as_ref()?;
            let Ok((Body::Amend(a), _)) = &p.body else {
                return None;
            };
            let h = p.signed.header();
            (h.channel == *channel && p.signature.is_ok() && a.charter.check().is_ok())
                .then(|| (h.author, a.charter.clone()))
        })
        .collect()
}

/// Add `p` to `roster` unless its key or name is already there.
fn add_party(roster: &mut Charter, p: &Party) -> bool {
    let taken = roster
        .parties
        .iter()
        .any(|q| q.key == p.key || q.name.eq_ignore_ascii_case(&p.name));
    if !taken {
        roster.parties.push(p.clone());
    }
    !taken
}

/// A step of the chain: a proposal in force and its accepting entries.
struct Step<'c> {
    entry: &'c Checked,
    accepting: Vec<&'c Checked>,
}

/// Everything the walk looks entries up in.
struct Held<'c> {
    feeds: &'c HashMap<PartyId, Feed>,
    points: HashMap<EntryId, Point>,
    prevs: HashMap<EntryId, EntryId>,
}

impl<'c> Held<'c> {
    /// Whether `n`'s author had seen `x` when it signed `n`: `x` is earlier in `n`'s own
    /// chain, or inside one of `n`'s header views that agrees with the entries held.
    fn sees(&self, n: &Checked, x: &Checked) -> bool {
        let (nh, xh) = (n.signed.header(), x.signed.header());
        let (mut at, mut seq) = if nh.author == xh.author {
            if xh.seq >= nh.seq {
                return false;
            }
            (n.id, nh.seq.0)
        } else {
            let Some(w) = nh.view_of(&xh.author).filter(|w| w.size > xh.seq.0) else {
                return false;
            };
            let last = w.size.saturating_sub(1);
            let end = self
                .feeds
                .get(&xh.author)
                .and_then(|f| f.get(&crate::entry::Seq(last)))
                .and_then(|cs| {
                    cs.iter()
                        .find(|c| self.points.get(&c.id).is_some_and(|p| p.root == w.root))
                });
            let Some(end) = end else { return false };
            (end.id, last)
        };
        while seq > xh.seq.0 {
            let Some(p) = self.prevs.get(&at) else {
                return false;
            };
            at = *p;
            seq -= 1;
        }
        at == x.id
    }

    /// How many steps of `chain` govern `n`: the highest `k` whose step `k − 1` has every
    /// accepting entry seen by `n` (0: the founding charter).
    fn governing(&self, n: &Checked, chain: &[Step<'_>]) -> usize {
        (1..=chain.len())
            .rev()
            .find(|k| {
                chain
                    .get(k - 1)
                    .is_some_and(|s| s.accepting.iter().all(|a| self.sees(n, a)))
            })
            .unwrap_or(0)
    }

    fn accepted(&self, v: &Verifier<'_>, c: &Checked) -> Accepted {
        let h = c.signed.header();
        Accepted {
            party: v.charter.label(&h.author),
            key: h.author,
            entry: c.id,
            via: c.body.as_ref().map_or(Kind::Ratify, Body::kind),
            seq: h.seq.0,
            root: self.points.get(&c.id).map(|p| hex::encode(p.root)),
            views: h.views.clone(),
        }
    }
}

/// The walk: decide which proposals are in force, report those that break a rule, remove
/// the entries of keys that are parties only of proposals not in force, and record which
/// charter governs each entry.
pub(super) fn govern(v: &mut Verifier<'_>, feeds: &mut HashMap<PartyId, Feed>) -> Governance {
    let founding = v.founding.clone();
    let (charters, amendments, closes, governed) = {
        let mut points = HashMap::new();
        for f in feeds.values() {
            root_branches(f, &mut points);
        }
        let mut all: Vec<&Checked> = feeds.values().flat_map(|f| f.values().flatten()).collect();
        all.sort_by_key(|c| c.index);
        let held = Held {
            feeds,
            points,
            prevs: all.iter().map(|c| (c.id, c.signed.header().prev)).collect(),
        };
        let index: HashMap<EntryId, &Checked> = all.iter().map(|c| (c.id, *c)).collect();
        walk(v, &held, &all, &index, &founding)
    };

    // The roster in force: founding parties, then each amendment's new parties.
    let mut roster = founding.clone();
    for c in &charters {
        for p in &c.parties {
            add_party(&mut roster, p);
        }
        for w in &c.witnesses {
            if !roster.witnesses.iter().any(|x| x.name == w.name) {
                roster.witnesses.push(w.clone());
            }
        }
    }
    // Entries of parties only of proposals not in force leave their feeds.
    let outsiders: Vec<PartyId> = feeds
        .keys()
        .filter(|k| roster.party(k).is_none())
        .copied()
        .collect();
    let mut out: Vec<Checked> = Vec::new();
    for k in outsiders {
        if let Some(f) = feeds.remove(&k) {
            out.extend(f.into_values().flatten());
        }
    }
    out.sort_by_key(|c| c.index);
    for c in &out {
        let who = v.charter.label(&c.signed.header().author);
        v.push(
            FindingKind::NotAParty,
            Some(c),
            format!(
                "{who} is a party only of an amendment that is not in force: its entries are not a party's until every party of the charter it amends has accepted it"
            ),
        );
    }
    let close = closes
        .iter()
        .find(|c| c.in_effect)
        .or_else(|| closes.first())
        .cloned();
    Governance {
        amendments,
        close,
        governed,
        roster: Some(roster),
    }
}

type Walked = (
    Vec<Charter>,
    Vec<AmendmentSummary>,
    Vec<CloseSummary>,
    HashMap<EntryId, Governed>,
);

fn walk(
    v: &mut Verifier<'_>,
    held: &Held<'_>,
    all: &[&Checked],
    index: &HashMap<EntryId, &Checked>,
    founding: &Charter,
) -> Walked {
    let mut chain: Vec<Step<'_>> = Vec::new();
    let mut charters: Vec<Charter> = Vec::new();
    let mut summaries: Vec<AmendmentSummary> = Vec::new();
    let mut classified: HashSet<EntryId> = HashSet::new();
    // Every party ever listed, as first listed: a continuing or returning party keeps its
    // name, key and next.
    let mut history: Vec<Party> = founding.parties.clone();
    // For each proposal that obeys the rules, the parties whose acceptance it needs.
    let mut electorate: HashMap<EntryId, Vec<PartyId>> = HashMap::new();
    loop {
        let current = charters.last().unwrap_or(founding).clone();
        let cur_id = chain.last().map(|s| s.entry.id);
        let mut candidates: Vec<&Checked> = Vec::new();
        for c in all {
            let Some(Body::Amend(a)) = &c.body else {
                continue;
            };
            if classified.contains(&c.id) || a.amends.map(|r| r.id) != cur_id {
                continue;
            }
            classified.insert(c.id);
            if a.charter.check().is_err() {
                continue; // invalid-body, already reported
            }
            let h = c.signed.header();
            let why = if current.party(&h.author).is_none() {
                Some(format!(
                    "the proposer {} is not a party of the charter it amends",
                    v.charter.label(&h.author)
                ))
            } else if held.governing(c, &chain) != chain.len() {
                Some(format!(
                    "it amends {}, but its proposer had not seen every acceptance that puts that charter in force",
                    cur_id.map_or("the founding charter".to_owned(), |i| format!(
                        "amendment {}",
                        i.short()
                    ))
                ))
            } else if let Some(r) = a.amends.filter(|r| {
                index.get(&r.id).is_some_and(|t| {
                    t.signed.header().author != r.author || t.signed.header().seq != r.seq
                })
            }) {
                Some(format!(
                    "`amends` names entry {} as {}'s seq {}, which it is not",
                    r.id.short(),
                    v.charter.label(&r.author),
                    r.seq
                ))
            } else {
                identity_rule(&history, &a.charter)
            };
            if let Some(why) = why {
                v.push(
                    FindingKind::BadAmendment,
                    Some(c),
                    format!("amendment {}: {why}", c.id.short()),
                );
                continue;
            }
            electorate.insert(c.id, current.parties.iter().map(|p| p.key).collect());
            candidates.push(c);
        }
        // Each party's first acceptance among this charter's candidates counts.
        let cand: HashSet<EntryId> = candidates.iter().map(|c| c.id).collect();
        let mut accepting: HashMap<EntryId, Vec<&Checked>> = HashMap::new();
        for p in &current.parties {
            let mut first: Option<EntryId> = None;
            for c in held
                .feeds
                .get(&p.key)
                .into_iter()
                .flat_map(|f| f.values().flatten())
            {
                let target = match &c.body {
                    Some(Body::Amend(_)) if cand.contains(&c.id) => c.id,
                    Some(Body::Ratify(r)) if cand.contains(&r.proposal.id) => r.proposal.id,
                    _ => continue,
                };
                match first {
                    None => {
                        first = Some(target);
                        accepting.entry(target).or_default().push(c);
                    }
                    Some(t) if t == target => {} // a repeated acceptance changes nothing
                    Some(t) => v.push(
                        FindingKind::BadAmendment,
                        Some(c),
                        format!(
                            "{} already accepted amendment {} of the same charter; a party accepts one proposal per charter, so this acceptance of {} does not count",
                            p.name,
                            t.short(),
                            target.short()
                        ),
                    ),
                }
            }
        }
        let mut next = None;
        for c in &candidates {
            let Some(Body::Amend(a)) = &c.body else {
                continue;
            };
            let acc = accepting.remove(&c.id).unwrap_or_default();
            let in_effect = current
                .parties
                .iter()
                .all(|p| acc.iter().any(|e| e.signed.header().author == p.key));
            summaries.push(summary(v, held, c, a, &current, &acc, in_effect));
            if in_effect && next.is_none() {
                next = Some((*c, acc, a.charter.clone()));
            }
        }
        let Some((entry, acc, charter)) = next else {
            break;
        };
        for p in &charter.parties {
            if !history
                .iter()
                .any(|q| q.key == p.key || q.name.eq_ignore_ascii_case(&p.name))
            {
                history.push(p.clone());
            }
        }
        chain.push(Step {
            entry,
            accepting: acc,
        });
        charters.push(charter);
    }
    // Amendments that amend nothing in force when they were proposed.
    for c in all {
        if let Some(Body::Amend(a)) = &c.body
            && !classified.contains(&c.id)
            && a.charter.check().is_ok()
        {
            let named = a.amends.map_or("the founding charter".to_owned(), |r| {
                format!("entry {}", r.id.short())
            });
            v.push(
                FindingKind::BadAmendment,
                Some(c),
                format!(
                    "amendment {}: it amends {named}, which is not the charter in force it could amend (an amendment amends the one in force as its proposer saw it)",
                    c.id.short()
                ),
            );
        }
    }

    // Which charter governs each entry.
    let mut governed: HashMap<EntryId, Governed> = HashMap::new();
    for c in all {
        let k = held.governing(c, &chain);
        if let Some(step) = k.checked_sub(1).and_then(|i| chain.get(i)) {
            governed.insert(
                c.id,
                Governed {
                    amendment: Some(step.entry.id),
                    closed: None,
                },
            );
        }
    }
    let charter_of = |k: usize| -> &Charter {
        k.checked_sub(1)
            .and_then(|i| charters.get(i))
            .unwrap_or(founding)
    };

    // A notice's severity is in the policy of the charter governing it (a severity in no
    // charter at all was reported with the entry).
    for c in all {
        let Some(Body::Notice(n)) = &c.body else {
            continue;
        };
        let charter = charter_of(held.governing(c, &chain));
        if v.severities.contains(&n.severity) && charter.policy.severity(&n.severity).is_none() {
            let which = if std::ptr::eq(charter, founding) {
                "the founding charter".to_owned()
            } else {
                format!("the charter \"{}\"", charter.name)
            };
            v.push(
                FindingKind::UnknownSeverity,
                Some(c),
                format!(
                    "severity {:?} is not in the policy of {which}, which governs this notice",
                    n.severity
                ),
            );
        }
    }

    // Closes, each among the parties of the charter governing it.
    let mut closes: Vec<CloseSummary> = Vec::new();
    let mut in_force: Vec<Vec<&Checked>> = Vec::new();
    for c in all {
        let Some(Body::Close(b)) = &c.body else {
            continue;
        };
        let k = held.governing(c, &chain);
        let charter = charter_of(k);
        let h = c.signed.header();
        if charter.party(&h.author).is_none() {
            v.push(
                FindingKind::BadAmendment,
                Some(c),
                format!(
                    "close {}: the proposer {} is not a party of the charter governing it",
                    c.id.short(),
                    v.charter.label(&h.author)
                ),
            );
            continue;
        }
        electorate.insert(c.id, charter.parties.iter().map(|p| p.key).collect());
        let acc: Vec<&Checked> = charter
            .parties
            .iter()
            .filter_map(|p| {
                held.feeds
                    .get(&p.key)?
                    .values()
                    .flatten()
                    .find(|e| match &e.body {
                        Some(Body::Ratify(r)) => r.proposal.id == c.id,
                        _ => e.id == c.id,
                    })
            })
            .collect();
        let in_effect = acc.len() == charter.parties.len();
        let awaiting = charter
            .parties
            .iter()
            .filter(|p| !acc.iter().any(|e| e.signed.header().author == p.key))
            .map(|p| p.name.clone())
            .collect();
        closes.push(CloseSummary {
            entry: c.id,
            proposer: v.charter.label(&h.author),
            author: h.author,
            seq: h.seq.0,
            successor: b.successor,
            reason: b.reason.clone(),
            closes: k
                .checked_sub(1)
                .and_then(|i| chain.get(i))
                .map(|s| s.entry.id),
            accepted_by: acc.iter().map(|e| held.accepted(v, e)).collect(),
            awaiting,
            in_effect,
        });
        if in_effect {
            in_force.push(acc);
        }
    }
    let closing: Vec<(EntryId, Vec<&Checked>)> = closes
        .iter()
        .filter(|c| c.in_effect)
        .map(|c| c.entry)
        .zip(in_force)
        .collect();
    if !closing.is_empty() {
        for c in all {
            let Some((id, _)) = closing
                .iter()
                .find(|(_, acc)| acc.iter().all(|a| held.sees(c, a)))
            else {
                continue;
            };
            governed.entry(c.id).or_default().closed = Some(*id);
            if !matches!(
                c.body.as_ref().map(Body::kind),
                Some(Kind::Ack | Kind::Response | Kind::Receipt)
            ) {
                v.push(
                    FindingKind::AfterClose,
                    Some(c),
                    format!(
                        "signed after its author had seen the channel closed (close {} in force); only acknowledgements, responses and receipts of earlier entries belong after a close",
                        id.short()
                    ),
                );
            }
        }
    }

    // Ratifications: of a proposal, by a party whose acceptance it needs.
    for c in all {
        let Some(Body::Ratify(r)) = &c.body else {
            continue;
        };
        let Some(t) = index.get(&r.proposal.id) else {
            continue; // unknown-reference
        };
        let th = t.signed.header();
        let why = if !matches!(
            t.body.as_ref().map(Body::kind),
            Some(Kind::Amend | Kind::Close)
        ) {
            Some(format!(
                "it names entry {}, a {}, which is not an amendment or a close",
                t.id.short(),
                t.body
                    .as_ref()
                    .map_or("entry of unknown kind".to_owned(), |b| b.kind().to_string())
            ))
        } else if th.author != r.proposal.author || th.seq != r.proposal.seq {
            Some(format!(
                "it names entry {} as {}'s seq {}, but it is {}'s seq {}",
                t.id.short(),
                v.charter.label(&r.proposal.author),
                r.proposal.seq,
                v.charter.label(&th.author),
                th.seq
            ))
        } else if electorate
            .get(&t.id)
            .is_some_and(|e| !e.contains(&c.signed.header().author))
        {
            Some(format!(
                "{} is not a party of the charter that proposal {} amends or closes, so its acceptance is not asked for",
                v.charter.label(&c.signed.header().author),
                t.id.short()
            ))
        } else {
            None
        };
        if let Some(why) = why {
            v.push(
                FindingKind::BadAmendment,
                Some(c),
                format!("ratify {}: {why}", c.id.short()),
            );
        }
    }

    (charters, summaries, closes, governed)
}

/// A continuing or returning party keeps the name, key and next digest it was first listed
/// with; a new party takes a name and key no party of the channel ever had.
fn identity_rule(history: &[Party], proposed: &Charter) -> Option<String> {
    for p in &proposed.parties {
        let Some(q) = history
            .iter()
            .find(|q| q.key == p.key || q.name.eq_ignore_ascii_case(&p.name))
        else {
            continue;
        };
        if q.key != p.key {
            return Some(format!(
                "it lists {} with key {}, but {} was listed with key {}: a party's key changes only by rotation",
                p.name,
                p.key.fingerprint(),
                q.name,
                q.key.fingerprint()
            ));
        }
        if q.name != p.name {
            return Some(format!(
                "it lists the party with key {} as {}, but it was listed as {}",
                p.key.fingerprint(),
                p.name,
                q.name
            ));
        }
        if q.next != p.next {
            return Some(format!(
                "it changes {}'s pre-committed next key: a party's next key changes only by rotation",
                p.name
            ));
        }
    }
    None
}

fn summary(
    v: &Verifier<'_>,
    held: &Held<'_>,
    c: &Checked,
    a: &crate::entry::Amend,
    current: &Charter,
    acc: &[&Checked],
    in_effect: bool,
) -> AmendmentSummary {
    let h = c.signed.header();
    let proposed = &a.charter;
    AmendmentSummary {
        entry: c.id,
        proposer: v.charter.label(&h.author),
        author: h.author,
        seq: h.seq.0,
        amends: a.amends.map(|r| r.id),
        name: proposed.name.clone(),
        parties: proposed.parties.iter().map(|p| p.name.clone()).collect(),
        added: proposed
            .parties
            .iter()
            .filter(|p| current.party(&p.key).is_none())
            .map(|p| p.name.clone())
            .collect(),
        removed: current
            .parties
            .iter()
            .filter(|p| proposed.party(&p.key).is_none())
            .map(|p| p.name.clone())
            .collect(),
        policy: proposed.policy.clone(),
        witnesses: proposed.witnesses.iter().map(|w| w.name.clone()).collect(),
        witness_quorum: proposed.witness_quorum,
        accepted_by: current
            .parties
            .iter()
            .filter_map(|p| acc.iter().find(|e| e.signed.header().author == p.key))
            .map(|e| held.accepted(v, e))
            .collect(),
        awaiting: current
            .parties
            .iter()
            .filter(|p| !acc.iter().any(|e| e.signed.header().author == p.key))
            .map(|p| p.name.clone())
            .collect(),
        in_effect,
        charter: proposed.clone(),
    }
}
