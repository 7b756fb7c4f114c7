//! Cross-feed rules: every entry's header views, and acknowledgements, against the viewed
//! feeds' own signed entries.
//!
//! A feed is what its author's own signed entries make it: the entries linked by `prev` from
//! seq 0, every branch of a fork included. A view `(party, size, root)` is checked against the
//! entries of that party held at seq `size − 1`: it agrees if one of them ends a branch with
//! that root. If entries are held there but none agrees, the two signatures contradict each
//! other ([`FindingKind::ViewContradictsFeed`]); if none is held, the view is a claim the
//! entries presented cannot check yet ([`FindingKind::Withheld`]). A claim never counts against
//! the viewed party: only its own entries (and fork evidence) decide what its feed is.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Checked, Feed, FindingKind, Verifier};
use crate::entry::{Ack, Body, EntryId, Header, Seq, Timestamp, View};
use crate::keys::PartyId;
use crate::merkle::{Frontier, Hash};

/// An entry on a branch from seq 0 of its feed.
#[derive(Debug, Clone, Copy)]
pub(super) struct Point {
    /// RFC 6962 root of the branch up to and including this entry.
    pub(super) root: Hash,
    /// The id of the entry before it (zero at seq 0).
    prev: EntryId,
    /// The latest claimed time on the branch up to here, and the seq that claims it.
    latest: (Timestamp, Seq),
}

/// Every rooted entry of every feed, with what the cross-feed rules learned.
pub(super) struct Views<'f> {
    feeds: &'f HashMap<PartyId, Feed>,
    points: HashMap<EntryId, Point>,
    /// For each feed, the furthest each other party's agreeing views reach.
    pub(super) endorsed: HashMap<PartyId, BTreeMap<PartyId, u64>>,
    /// For each feed, the furthest claim the entries presented cannot check, and who made it
    /// (author, seq).
    pub(super) claims: HashMap<PartyId, (u64, PartyId, Seq)>,
    /// Contradictions already reported, so one false view repeated in many entries is
    /// reported once: (viewer, viewed, size, root).
    reported: HashSet<(PartyId, PartyId, u64, Hash)>,
    /// Each entry's agreeing views, for the audit.
    covered: HashMap<EntryId, Vec<Covered>>,
}

/// One agreeing view of an entry: the viewed feed, its size, the entry the view's branch ends
/// at, and the latest time claimed inside it.
#[derive(Debug, Clone, Copy)]
struct Covered {
    party: PartyId,
    size: u64,
    end: EntryId,
    latest: (Timestamp, Seq),
}

/// What the views of the entries verified prove about each other, for the audit: which
/// entries each entry's signed views include (on the branch they agree with), and the latest
/// time claimed inside them.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    covered: HashMap<EntryId, Vec<Covered>>,
    prev: HashMap<EntryId, EntryId>,
    /// The feeds with more than one entry at some seq: only there must a branch be walked.
    forked: HashSet<PartyId>,
}

impl Coverage {
    /// Whether the signed views of entry `viewer` include `target`'s entry `id` at `seq` of
    /// `author`'s feed: a view of that feed agrees with the entries held, covers `seq`, and its
    /// branch holds `id` there.
    pub fn covers(&self, viewer: &EntryId, author: &PartyId, seq: Seq, id: &EntryId) -> bool {
        let Some(views) = self.covered.get(viewer) else {
            return false;
        };
        views
            .iter()
            .filter(|c| c.party == *author && c.size > seq.0)
            .any(|c| {
                if !self.forked.contains(author) {
                    return true; // one entry per seq, and the view agrees with the feed held
                }
                let mut at = c.end;
                let mut s = c.size.saturating_sub(1);
                while s > seq.0 {
                    match self.prev.get(&at) {
                        Some(p) => at = *p,
                        None => return false,
                    }
                    s -= 1;
                }
                at == *id
            })
    }

    /// The latest time claimed by an entry inside `viewer`'s agreeing views, with the viewed
    /// party and seq: `viewer` was signed after those entries existed.
    pub fn latest_inside(&self, viewer: &EntryId) -> Option<(Timestamp, PartyId, Seq)> {
        self.covered
            .get(viewer)?
            .iter()
            .map(|c| (c.latest.0, c.party, c.latest.1))
            .max_by_key(|x| x.0)
    }
}

impl<'f> Views<'f> {
    /// Root every branch of every feed.
    pub(super) fn new(feeds: &'f HashMap<PartyId, Feed>) -> Views<'f> {
        let mut points = HashMap::new();
        for feed in feeds.values() {
            root_branches(feed, &mut points);
        }
        Views {
            feeds,
            points,
            endorsed: HashMap::new(),
            claims: HashMap::new(),
            reported: HashSet::new(),
            covered: HashMap::new(),
        }
    }

    /// What the views proved, for the audit.
    pub(super) fn into_coverage(self) -> Coverage {
        let forked = self
            .feeds
            .iter()
            .filter(|(_, f)| f.values().any(|at| at.len() > 1))
            .map(|(p, _)| *p)
            .collect();
        Coverage {
            covered: self.covered,
            prev: self.points.iter().map(|(id, p)| (*id, p.prev)).collect(),
            forked,
        }
    }

    fn claim(&mut self, party: PartyId, size: u64, by: &Header) {
        let slot = self.claims.entry(party).or_insert((0, by.author, by.seq));
        if size > slot.0 {
            *slot = (size, by.author, by.seq);
        }
    }

    /// The entry of `party`'s feed at seq `size − 1` that ends a branch with `root`, if held.
    fn agreeing(&self, party: &PartyId, size: u64, root: &Hash) -> Lookup<'f> {
        let Some(at) = size
            .checked_sub(1)
            .and_then(|s| self.feeds.get(party)?.get(&Seq(s)))
        else {
            return Lookup::NotHeld;
        };
        let mut rooted = None;
        for c in at {
            if let Some(p) = self.points.get(&c.id) {
                if p.root == *root {
                    return Lookup::Agrees(c, *p);
                }
                rooted = Some(c);
            }
        }
        match rooted {
            Some(c) => Lookup::Contradicts(c),
            None => Lookup::NotHeld,
        }
    }

    /// The id of the entry at `seq` on the branch that ends with `end` (at a higher or equal
    /// seq), walking back by `prev`; immediate when the feed holds one entry at `seq`.
    fn on_branch(&self, party: &PartyId, end: &Checked, seq: Seq) -> Option<EntryId> {
        if let Some([only]) = self.feeds.get(party)?.get(&seq).map(Vec::as_slice) {
            return Some(only.id);
        }
        let mut id = end.id;
        let mut at = end.signed.header().seq;
        while at > seq {
            id = self.points.get(&id)?.prev;
            at = Seq(at.0.checked_sub(1)?);
        }
        Some(id)
    }

    /// Check every view in `c`'s header. Returns, per viewed party, the branch entry each
    /// agreeing view ends at.
    pub(super) fn check_entry(
        &mut self,
        v: &mut Verifier<'_>,
        c: &Checked,
    ) -> HashMap<PartyId, &'f Checked> {
        let own = c.signed.header();
        let mut agreed = HashMap::new();
        for view in &own.views {
            if view.party == own.author || v.charter.party(&view.party).is_none() || view.size == 0
            {
                continue; // an invalid view, already reported
            }
            match self.agreeing(&view.party, view.size, &view.root) {
                Lookup::Agrees(end, point) => {
                    let slot = self
                        .endorsed
                        .entry(view.party)
                        .or_default()
                        .entry(own.author)
                        .or_insert(0);
                    *slot = (*slot).max(view.size);
                    if own.time < point.latest.0 {
                        v.push(
                            FindingKind::TimeBeforeView,
                            Some(c),
                            format!(
                                "{} claims time {}, before {}'s seq {} (claimed {}) inside its view of {}'s feed: one of the two authors mis-stated its time",
                                v.charter.label(&own.author),
                                own.time.0,
                                v.charter.label(&view.party),
                                point.latest.1,
                                point.latest.0.0,
                                v.charter.label(&view.party),
                            ),
                        );
                    }
                    agreed.insert(view.party, end);
                    self.covered.entry(c.id).or_default().push(Covered {
                        party: view.party,
                        size: view.size,
                        end: end.id,
                        latest: point.latest,
                    });
                }
                // A view of a branch a revocation voided: the viewer held a thief's entries,
                // which counts for nothing and against nobody.
                _ if v.voided.contains(&(view.party, view.size, view.root)) => {}
                Lookup::Contradicts(held) => {
                    if self
                        .reported
                        .insert((own.author, view.party, view.size, view.root))
                    {
                        push_contradiction(v, c, view, held, self.points.get(&held.id));
                    }
                }
                Lookup::NotHeld => self.claim(view.party, view.size, own),
            }
        }
        agreed
    }

    /// An acknowledgement against the entry it names and the acker's view of that feed.
    pub(super) fn check_ack(
        &mut self,
        v: &mut Verifier<'_>,
        c: &Checked,
        ack: &Ack,
        index: &HashMap<EntryId, &Checked>,
        agreed: &HashMap<PartyId, &'f Checked>,
    ) {
        let own = c.signed.header();
        let of = ack.of;
        if of.author == own.author {
            v.push(
                FindingKind::AckContradictsFeed,
                Some(c),
                "a party acknowledges its own entry; acknowledgements are of other parties' entries".into(),
            );
            return;
        }
        let who = v.charter.label(&of.author);
        let view_size = own.view_of(&of.author).map(|w| w.size);
        if view_size.is_none_or(|n| n <= of.seq.0) {
            v.push(
                FindingKind::AckContradictsFeed,
                Some(c),
                format!(
                    "acknowledges {who}'s seq {} but its view of {who}'s feed ({}) cannot include it",
                    of.seq,
                    view_size.map_or("none".to_owned(), |n| format!("{n} entries"))
                ),
            );
            return;
        }
        if let Some(target) = index.get(&of.id) {
            let th = target.signed.header();
            if th.author != of.author || th.seq != of.seq {
                v.push(
                    FindingKind::AckContradictsFeed,
                    Some(c),
                    format!(
                        "names entry {} as {who}'s seq {}, but it is {}'s seq {}",
                        of.id.short(),
                        of.seq,
                        v.charter.label(&th.author),
                        th.seq
                    ),
                );
                return;
            }
            // After a fork the acknowledgement binds the branch its view agrees with.
            if let Some(end) = agreed.get(&of.author)
                && self.on_branch(&of.author, end, of.seq) != Some(of.id)
            {
                v.push(
                    FindingKind::AckContradictsFeed,
                    Some(c),
                    format!(
                        "acknowledges {who}'s entry {} at seq {}, but its view of {who}'s feed is of a branch with another entry there",
                        of.id.short(),
                        of.seq
                    ),
                );
            }
            return;
        }
        let held: Vec<&Checked> = self
            .feeds
            .get(&of.author)
            .and_then(|f| f.get(&of.seq))
            .map(|at| at.iter().collect())
            .unwrap_or_default();
        match held.first() {
            Some(other) => v.push(
                FindingKind::ViewContradictsFeed,
                Some(c),
                format!(
                    "{}'s signed acknowledgement names {who}'s entry at seq {} as {}, but {who}'s signed entry held at seq {} is {}: either {who}'s entries presented are not the ones acknowledged (rewritten or forked), or the acknowledgement is false",
                    v.charter.label(&own.author),
                    of.seq,
                    of.id.short(),
                    of.seq,
                    other.id.short()
                ),
            ),
            None => {
                self.claim(of.author, of.seq.0.saturating_add(1), own);
                v.push(
                    FindingKind::Withheld,
                    Some(c),
                    format!(
                        "acknowledges {who}'s entry {} at seq {}, which is not among the entries presented",
                        of.id.short(),
                        of.seq
                    ),
                );
            }
        }
    }

    /// Views never shrink within one author's feed (walked in seq order, forked seqs
    /// skipped: each branch of a fork is judged by the fork finding).
    pub(super) fn check_growth(&self, v: &mut Verifier<'_>, feed: &Feed) {
        let mut last: BTreeMap<PartyId, (u64, Seq)> = BTreeMap::new();
        for at in feed.values() {
            let [c] = at.as_slice() else { continue };
            let h = c.signed.header();
            for (party, (size, seq)) in &last {
                let now = h.view_of(party).map_or(0, |w| w.size);
                // A move to another branch of a forked feed, below the fork's end, is not a
                // shrink: after a fork a view binds one branch (an ack's, the one it holds).
                if now > 0 && now < *size && self.forked_below(party, now) {
                    continue;
                }
                if now < *size {
                    v.push(
                        FindingKind::ViewShrinks,
                        Some(c),
                        format!(
                            "views {}'s feed at size {now}, after its seq {seq} viewed it at size {size}: views of a feed never shrink",
                            v.charter.label(party)
                        ),
                    );
                }
            }
            for w in &h.views {
                // A view of a branch a revocation voided is no measure of the feed.
                if v.voided.contains(&(w.party, w.size, w.root)) {
                    continue;
                }
                let slot = last.entry(w.party).or_insert((0, h.seq));
                if w.size >= slot.0 {
                    *slot = (w.size, h.seq);
                }
            }
        }
    }
}

impl Views<'_> {
    /// Whether `party`'s feed holds two entries at some seq below `size`: then a view of that
    /// size can be of another branch than a longer view.
    fn forked_below(&self, party: &PartyId, size: u64) -> bool {
        self.feeds
            .get(party)
            .is_some_and(|f| f.range(..Seq(size)).any(|(_, at)| at.len() > 1))
    }
}

enum Lookup<'f> {
    /// This entry ends a branch with the view's root.
    Agrees(&'f Checked, Point),
    /// Entries are held at the view's last seq, on branches with other roots.
    Contradicts(&'f Checked),
    /// No rooted entry is held there.
    NotHeld,
}

fn push_contradiction(
    v: &mut Verifier<'_>,
    c: &Checked,
    view: &View,
    held: &Checked,
    point: Option<&Point>,
) {
    let own = c.signed.header();
    let (viewer, viewed) = (v.charter.label(&own.author), v.charter.label(&view.party));
    v.push(
        FindingKind::ViewContradictsFeed,
        Some(c),
        format!(
            "{viewer}'s seq {} signed a view of {viewed}'s feed at size {} with root {}, but {viewed}'s own signed entries held (up to seq {}, entry {}) give {}: either {viewed} showed {viewer} other entries (a fork or rewrite not presented here), or {viewer} signed a false view",
            own.seq,
            view.size,
            short_hash(&view.root),
            held.signed.header().seq,
            held.id.short(),
            point.map_or("no root".to_owned(), |p| short_hash(&p.root)),
        ),
    );
}

/// Root every branch of `feed` from seq 0: each entry linked by `prev` to a rooted entry at the
/// seq before (or, at seq 0, with a zero `prev`) gets the root of its branch. Entries after a
/// gap, or whose `prev` names no entry held, are not on any branch.
pub(super) fn root_branches(feed: &Feed, out: &mut HashMap<EntryId, Point>) {
    let mut level: Vec<(EntryId, Frontier, (Timestamp, Seq))> = Vec::new();
    let mut expected = Seq(0);
    for (seq, at) in feed {
        if *seq != expected {
            return;
        }
        let mut next = Vec::new();
        for c in at {
            let h = c.signed.header();
            let parent = if seq.0 == 0 {
                (h.prev == EntryId::ZERO).then(|| (Frontier::new(), (h.time, *seq)))
            } else {
                level
                    .iter()
                    .find(|l| l.0 == h.prev)
                    .map(|l| (l.1.clone(), l.2))
            };
            let Some((mut frontier, latest)) = parent else {
                continue;
            };
            if frontier.push(c.leaf).is_err() {
                continue;
            }
            let latest = if h.time >= latest.0 {
                (h.time, *seq)
            } else {
                latest
            };
            out.insert(
                c.id,
                Point {
                    root: frontier.root(),
                    prev: h.prev,
                    latest,
                },
            );
            next.push((c.id, frontier, latest));
        }
        if next.is_empty() {
            return;
        }
        level = next;
        expected = Seq(seq.0.saturating_add(1));
    }
}

fn short_hash(h: &Hash) -> String {
    hex::encode(h.get(..6).unwrap_or_default())
}

/// `body`'s own rule that needs the header: a receipt's feeds each have a view.
pub(super) fn receipt_rule(header: &Header, body: &Body) -> Result<(), String> {
    let Body::Receipt(r) = body else {
        return Ok(());
    };
    match r.feeds.iter().find(|p| header.view_of(p).is_none()) {
        Some(p) => Err(format!(
            "the receipt names feed {} but the header has no view of it",
            p.fingerprint()
        )),
        None => Ok(()),
    }
}
