//! Checkpoint notes in a verification: each note's signatures, and split views — two signed
//! checkpoints of one feed that cannot both be true, or a checkpoint that contradicts the
//! feed's own signed entries.
//!
//! Keys rotate (docs/FORMAT.md §9): a note of a feed at size `n` is its owner's only if it is
//! signed by the key in force after the owner's entry `n - 1` on the feed held (beyond the
//! entries held: the key in force at their end, or one brought in after it). A note by a key
//! rotated out before `n` is not the owner's ([`FindingKind::WrongKey`]); a note by a key
//! revoked from seq `f`, of a size above `f`, whose root is not the held chain's, is
//! attributed to whoever held the revoked key ([`FindingKind::Compromised`]). Neither is a
//! split view. Cosignatures count under every key of the cosigner's history but the revoked.

use std::collections::{HashMap, HashSet};

use super::keys::FeedKeys;
use super::{Feed, Finding, FindingKind, Verifier};
use crate::bundle::{BundleNote, NoteRecord};
use crate::charter::Charter;
use crate::checkpoint::NoteError;
use crate::entry::{Seq, Timestamp};
use crate::keys::PartyId;
use crate::keystate::KeyState;
use crate::merkle::Hash;
use crate::witness::{self, CheckedNote, Cosignature, CosignerKind, KeyHistories, KeyHistory};

/// The most notes of one checkpoint (one origin, size and root) the verifier checks and keeps:
/// the variants of one signed checkpoint (each cosigned by a different set, or carrying lines
/// of keys it does not know, which anyone can add) beyond these are not kept unless they bring
/// a cosigner none of the kept notes has (a cosigner's key, whatever the time it states: one
/// cosigner can state endless times), and a [`FindingKind::NotesCapped`] warning says how many
/// were left out. Only notes a key of the owner may sign count (a revoked or stranger's key's
/// notes are findings of their own). Of one origin and size, only the notes of the first two
/// roots are kept (two are the split view; more add nothing), and the notes of the root the
/// owner's entries held here give, whenever they come. Together with the bundle limits, this
/// bounds what one origin's notes can make the verifier hold, whatever the number of notes
/// given; a store applies the same caps per owner's key that signed (docs/FORMAT.md §9).
pub const MAX_NOTES_PER_CHECKPOINT: usize = 32;

/// A signed note given to the verifier: its bytes and, when it comes in a record (a bundle's
/// or a store's), the origin, size and root the record states beside it, which its signature
/// does not cover. The verifier reports a record that disagrees with its signed note
/// ([`FindingKind::NoteRecordMismatch`]), as an importer refuses one.
pub trait NoteSource {
    /// The signed note, as received.
    fn note(&self) -> &[u8];
    /// What the record beside the note states, if there is one.
    fn stated(&self) -> Option<Stated<'_>> {
        None
    }
    /// Where the note is, for a finding's message (`record 4 at byte offset 880`).
    fn place(&self) -> Option<String> {
        None
    }
}

/// The unsigned origin, size and root a note record states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated<'a> {
    /// The origin.
    pub origin: &'a str,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: &'a Hash,
}

impl<T: AsRef<[u8]> + ?Sized> NoteSource for T {
    fn note(&self) -> &[u8] {
        self.as_ref()
    }
}

impl NoteSource for NoteRecord {
    fn note(&self) -> &[u8] {
        &self.note
    }
    fn stated(&self) -> Option<Stated<'_>> {
        Some(Stated {
            origin: &self.origin,
            size: self.size,
            root: &self.root,
        })
    }
}

impl NoteSource for BundleNote {
    fn note(&self) -> &[u8] {
        &self.record.note
    }
    fn stated(&self) -> Option<Stated<'_>> {
        self.record.stated()
    }
    fn place(&self) -> Option<String> {
        Some(format!(
            "record {} at byte offset {}",
            self.index, self.offset
        ))
    }
}

#[cfg(feature = "store")]
impl NoteSource for crate::store::StoredNote {
    fn note(&self) -> &[u8] {
        &self.note
    }
    fn stated(&self) -> Option<Stated<'_>> {
        Some(Stated {
            origin: &self.origin,
            size: self.size,
            root: &self.root,
        })
    }
}

/// The latest checkpoint of a feed that no finding contradicts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckpointSummary {
    /// The feed owner's name.
    pub party: String,
    /// The checkpoint's origin.
    pub origin: String,
    /// Its tree size.
    pub size: u64,
    /// Its root (hex).
    pub root: String,
    /// Every verified cosignature over this size and root, from all notes held.
    pub cosignatures: Vec<Cosignature>,
    /// Whether the verifier holds the owner's entries up to this size and their root is this
    /// root. Only such a checkpoint is evidence about particular entries: one beyond the
    /// entries held could commit to a history other than the one shown here.
    pub matches_entries: bool,
    /// Whether at least the charter's `witness_quorum` distinct charter witnesses cosigned
    /// this checkpoint (always when the quorum is 0).
    pub quorum_met: bool,
    /// When the quorum was met: the `witness_quorum`-th smallest of the witnesses' cosignature
    /// times, each witness counted once at its earliest. `None` when the quorum is 0 or not
    /// met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum_time: Option<Timestamp>,
}

/// The earliest cosigned evidence that an entry was in its author's feed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Witnessed {
    /// The cosigner.
    pub by: String,
    /// The cosignature's time: the entry was in the feed no later than this.
    pub time: Timestamp,
    /// The size of the checkpoint cosigned.
    pub size: u64,
}

/// The earliest evidence, by a quorum of charter witnesses, that an entry was in its author's
/// feed: what [`CheckpointSummary::earliest_quorum`] returns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuorumWitnessed {
    /// The entry was in the feed no later than this: the time by which the quorum-th distinct
    /// witness had cosigned a checkpoint that includes it.
    pub time: Timestamp,
    /// The charter's `witness_quorum`.
    pub quorum: u32,
    /// The cosignatures that make up the quorum, one per witness (its earliest), earliest
    /// first; the last one's time is `time`.
    pub witnesses: Vec<Witnessed>,
}

/// The `quorum`-th earliest of `cosignatures` by distinct witnesses, each at its earliest.
fn quorum_of<'a>(
    cosignatures: impl Iterator<Item = (&'a Cosignature, u64)>,
    quorum: u32,
) -> Option<QuorumWitnessed> {
    let k = usize::try_from(quorum).ok().filter(|&k| k > 0)?;
    let mut earliest: HashMap<PartyId, Witnessed> = HashMap::new();
    for (c, size) in cosignatures.filter(|(c, _)| c.cosigner == CosignerKind::Witness) {
        let w = Witnessed {
            by: c.party.clone(),
            time: c.time,
            size,
        };
        match earliest.get(&c.key) {
            Some(old) if (old.time, old.size) <= (w.time, w.size) => {}
            _ => {
                earliest.insert(c.key, w);
            }
        }
    }
    let mut all: Vec<Witnessed> = earliest.into_values().collect();
    all.sort_by(|a, b| (a.time, &a.by).cmp(&(b.time, &b.by)));
    all.truncate(k);
    let time = all.get(k.checked_sub(1)?)?.time;
    Some(QuorumWitnessed {
        time,
        quorum,
        witnesses: all,
    })
}

impl CheckpointSummary {
    /// The earliest evidence by a quorum of charter witnesses that `party`'s entry at `seq`
    /// was in its feed: among `checkpoints` (a [`super::Report`]'s) of `party`'s feed that
    /// include `seq` (size > seq) and were checked against the entries held
    /// (`matches_entries`), each charter witness's earliest cosignature of any of them, and
    /// then the `quorum`-th earliest of those. Checkpoints that match the entries held are
    /// consistent with one another, so cosignatures of different ones combine.
    ///
    /// `None` if fewer than `quorum` witnesses cosigned such a checkpoint, or if `quorum` (the
    /// charter's `witness_quorum`) is 0: then no witness evidence is required, and
    /// [`CheckpointSummary::earliest_witness`] gives the earliest cosignature of any kind.
    pub fn earliest_quorum(
        checkpoints: &[CheckpointSummary],
        party: &str,
        seq: u64,
        quorum: u32,
    ) -> Option<QuorumWitnessed> {
        quorum_of(
            checkpoints
                .iter()
                .filter(|c| c.party == party && c.size > seq && c.matches_entries)
                .flat_map(|c| c.cosignatures.iter().map(move |s| (s, c.size))),
            quorum,
        )
    }

    /// The earliest cosignature time, by a party or a witness, of a checkpoint of `party`'s
    /// feed that includes `seq` and was checked against the entries held, among `checkpoints`.
    pub fn earliest_witness(
        checkpoints: &[CheckpointSummary],
        party: &str,
        seq: u64,
    ) -> Option<Witnessed> {
        checkpoints
            .iter()
            .filter(|c| c.party == party && c.size > seq && c.matches_entries)
            .flat_map(|c| {
                c.cosignatures.iter().map(move |s| Witnessed {
                    by: s.party.clone(),
                    time: s.time,
                    size: c.size,
                })
            })
            .min_by_key(|w| w.time)
    }
}

fn finding(
    kind: FindingKind,
    party: Option<(String, PartyId)>,
    message: String,
    notes: Vec<String>,
) -> Finding {
    Finding {
        kind,
        level: kind.level(),
        party: party.as_ref().map(|p| p.0.clone()),
        author: party.map(|p| p.1),
        seq: None,
        entry: None,
        index: None,
        message,
        evidence: None,
        notes,
    }
}

fn text(note: &[u8]) -> String {
    String::from_utf8_lossy(note).into_owned()
}

/// Every party's key history as the entries verified show it: the keys the key walk found,
/// its revocations, and from which size each key is in force on the clean prefix of the feed
/// (the entries `prefix_roots` covers, one per seq).
pub(super) fn histories(
    roster: &Charter,
    feeds: &HashMap<PartyId, Feed>,
    keys: &HashMap<PartyId, FeedKeys>,
    prefix_roots: &HashMap<PartyId, Vec<Hash>>,
) -> KeyHistories {
    let mut out = KeyHistories::new();
    for p in &roster.parties {
        let mut h = KeyHistory::inception(p.key);
        if let Some(k) = keys.get(&p.key) {
            for key in &k.history {
                if !h.keys.contains(key) {
                    h.keys.push(*key);
                }
            }
            h.revoked.clone_from(&k.revocations);
        }
        let held = prefix_roots
            .get(&p.key)
            .map_or(0, |r| r.len().saturating_sub(1));
        let mut state = KeyState::inception(p);
        let feed = feeds.get(&p.key);
        for seq in 0..held {
            let seq = Seq(u64::try_from(seq).unwrap_or(u64::MAX));
            let Some(c) = feed.and_then(|f| f.get(&seq)).and_then(|at| at.first()) else {
                break;
            };
            if let Ok((next, _)) = state.advance(c.signed.header(), c.id, c.body.as_ref(), &[]) {
                if next.current != state.current {
                    h.in_force.push((next.since.0, next.current));
                }
                state = next;
            }
        }
        h.held = u64::try_from(held).unwrap_or(u64::MAX);
        out.insert(p.key, h);
    }
    out
}

/// Check every note; report bad ones and split views; return every consistent checkpoint
/// (one per feed, size and root, with all its cosignatures), latest first per party.
pub(super) fn check<N: NoteSource>(
    v: &mut Verifier<'_>,
    notes: &[N],
    prefix_roots: &HashMap<PartyId, Vec<Hash>>,
    keys: &KeyHistories,
) -> Vec<CheckpointSummary> {
    let mut good: Vec<(CheckedNote, &[u8])> = Vec::new();
    // Per (origin, size): the roots kept, and per root how many notes and which cosigners.
    type Kept = Vec<(Hash, usize, HashSet<PartyId>)>;
    let mut kept: HashMap<(String, u64), Kept> = HashMap::new();
    let mut capped: HashMap<String, usize> = HashMap::new();
    for (i, n) in notes.iter().enumerate() {
        let bytes = n.note();
        let at = n.place().unwrap_or_else(|| format!("#{i}"));
        let checked = witness::check_note_keys(v.founding, bytes, keys);
        let c = match checked {
            Ok(c) => c,
            Err(e) => {
                let kind = match e {
                    witness::WitnessError::Note(NoteError::AlteredSignatureLine { .. }) => {
                        FindingKind::AlteredSignatureLine
                    }
                    _ => FindingKind::BadCheckpoint,
                };
                v.findings.push(finding(
                    kind,
                    None,
                    format!("checkpoint note {at}: {e}"),
                    vec![text(bytes)],
                ));
                continue;
            }
        };
        let cp = &c.checkpoint;
        if let Some(s) = n.stated()
            && (s.origin, s.size, s.root) != (cp.origin(), cp.size(), cp.root())
        {
            v.findings.push(finding(
                FindingKind::NoteRecordMismatch,
                Some((c.party.clone(), c.key)),
                format!(
                    "checkpoint note {at}: the record says origin {:?}, size {}, root {}, but its signed note states origin {:?}, size {}, root {}",
                    crate::checkpoint::excerpt(s.origin),
                    s.size,
                    hex::encode(s.root),
                    cp.origin(),
                    cp.size(),
                    hex::encode(cp.root())
                ),
                vec![text(bytes)],
            ));
        }
        let inception;
        let history = match keys.get(&c.key) {
            Some(h) => h,
            None => {
                inception = KeyHistory::inception(c.key);
                &inception
            }
        };
        let held_root = prefix_roots.get(&c.key).and_then(|r| {
            usize::try_from(c.checkpoint.size())
                .ok()
                .and_then(|n| r.get(n))
        });
        // The signer is checked before the caps: a note no key of the party may sign (a revoked
        // key's, a stranger's) is a finding of its own and takes no room, so it cannot crowd
        // out the owner's notes.
        if let Err(e) = witness::check_signer(&c, history, held_root) {
            let kind = match e {
                witness::WitnessError::RevokedKey { .. } => FindingKind::Compromised,
                _ => FindingKind::WrongKey,
            };
            v.findings.push(finding(
                kind,
                Some((c.party.clone(), c.key)),
                format!("checkpoint note {at}: {e}"),
                vec![text(bytes)],
            ));
            continue;
        }
        let cp = &c.checkpoint;
        let roots = kept.entry((cp.origin().to_owned(), cp.size())).or_default();
        // The root the owner's entries held here give always has a slot: notes of other
        // roots (a key that was in force then, later stolen) cannot crowd it out.
        let true_root = held_root == Some(cp.root());
        let slot = match roots.iter().position(|(r, ..)| r == cp.root()) {
            Some(k) => roots.get_mut(k),
            None if roots.len() < 2 || true_root => {
                roots.push((*cp.root(), 0, HashSet::new()));
                roots.last_mut()
            }
            None => None,
        };
        // Past the cap, a note is still kept if it brings a cosigner not yet met: variants
        // that add nothing cannot crowd out a cosigner's evidence, and one cosigner's notes
        // at ever other times cannot make the verifier hold more.
        let admitted = slot.is_some_and(|(_, count, seen)| {
            let new = c.cosignatures.iter().filter(|x| seen.insert(x.key)).count();
            *count += 1;
            *count <= MAX_NOTES_PER_CHECKPOINT || new > 0
        });
        if !admitted {
            *capped.entry(cp.origin().to_owned()).or_default() += 1;
            continue;
        }
        good.push((c, bytes));
    }
    let mut capped: Vec<(String, usize)> = capped.into_iter().collect();
    capped.sort();
    for (origin, left_out) in capped {
        v.findings.push(finding(
            FindingKind::NotesCapped,
            None,
            format!(
                "{left_out} checkpoint note(s) of {origin:?} left out: at most {MAX_NOTES_PER_CHECKPOINT} notes of one checkpoint, and the notes of two roots at one size, are kept"
            ),
            Vec::new(),
        ));
    }
    let mut split = vec![false; good.len()];
    let mut matches = vec![false; good.len()];
    // A checkpoint against the owner's own signed entries.
    for (i, (c, note)) in good.iter().enumerate() {
        let cp = &c.checkpoint;
        let held = prefix_roots
            .get(&c.key)
            .and_then(|r| usize::try_from(cp.size()).ok().and_then(|n| r.get(n)));
        if held == Some(cp.root())
            && let Some(m) = matches.get_mut(i)
        {
            *m = true;
        }
        if let Some(root) = held
            && root != cp.root()
        {
            if let Some(s) = split.get_mut(i) {
                *s = true;
            }
            v.findings.push(finding(
                FindingKind::SplitView,
                Some((c.party.clone(), c.key)),
                format!(
                    "{}'s signed checkpoint at size {} has root {}, but {}'s own signed entries held here give {}",
                    c.party,
                    cp.size(),
                    &hex::encode(cp.root())[..12],
                    c.party,
                    &hex::encode(root)[..12]
                ),
                vec![text(note)],
            ));
        }
    }
    // Two checkpoints of one feed at one size with different roots.
    // Grouped by (origin, size), so hostile numbers of notes cost linear time.
    let mut groups: HashMap<(&str, u64), Vec<usize>> = HashMap::new();
    for (i, (c, _)) in good.iter().enumerate() {
        groups
            .entry((c.checkpoint.origin(), c.checkpoint.size()))
            .or_default()
            .push(i);
    }
    let mut keys: Vec<(&str, u64)> = groups.keys().copied().collect();
    keys.sort();
    for key in keys {
        let members = groups.get(&key).map(Vec::as_slice).unwrap_or_default();
        let Some(&i) = members.first() else { continue };
        let Some((a, na)) = good.get(i) else { continue };
        let Some(&j) = members.iter().find(|&&j| {
            good.get(j)
                .is_some_and(|(b, _)| b.checkpoint.root() != a.checkpoint.root())
        }) else {
            continue;
        };
        let Some((b, nb)) = good.get(j) else { continue };
        let (ca, cb) = (&a.checkpoint, &b.checkpoint);
        for &k in members {
            if let Some(s) = split.get_mut(k) {
                *s = true;
            }
        }
        {
            v.findings.push(finding(
                FindingKind::SplitView,
                Some((a.party.clone(), a.key)),
                format!(
                    "{} signed two checkpoints of its feed at size {} with different roots ({} and {}): a split view",
                    a.party,
                    ca.size(),
                    &hex::encode(ca.root())[..12],
                    &hex::encode(cb.root())[..12]
                ),
                vec![text(na), text(nb)],
            ));
        }
    }
    // Consistent checkpoints, cosignatures merged per (origin, size, root).
    let mut out: Vec<CheckpointSummary> = Vec::new();
    let mut at: HashMap<(String, u64, String), usize> = HashMap::new();
    for (k, (c, _)) in good.iter().enumerate() {
        if split.get(k).copied().unwrap_or(true) {
            continue;
        }
        let cp = &c.checkpoint;
        let root = hex::encode(cp.root());
        let key = (cp.origin().to_owned(), cp.size(), root.clone());
        match at.get(&key).and_then(|&i| out.get_mut(i)) {
            Some(s) => {
                for cs in &c.cosignatures {
                    if !s
                        .cosignatures
                        .iter()
                        .any(|x| x.key == cs.key && x.time == cs.time)
                    {
                        s.cosignatures.push(cs.clone());
                    }
                }
            }
            None => out.push(CheckpointSummary {
                party: c.party.clone(),
                origin: cp.origin().to_owned(),
                size: cp.size(),
                root,
                cosignatures: c.cosignatures.clone(),
                matches_entries: matches.get(k).copied().unwrap_or(false),
                quorum_met: false,
                quorum_time: None,
            }),
        }
        at.entry(key).or_insert(out.len().saturating_sub(1));
    }
    let quorum = v.founding.witness_quorum;
    for s in &mut out {
        s.quorum_time =
            quorum_of(s.cosignatures.iter().map(|c| (c, s.size)), quorum).map(|q| q.time);
        s.quorum_met = quorum == 0 || s.quorum_time.is_some();
    }
    out.sort_by(|a, b| a.party.cmp(&b.party).then(b.size.cmp(&a.size)));
    out
}
