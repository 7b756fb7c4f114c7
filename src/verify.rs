//! The verifier: given a charter and any set of encoded entries, check every signature, link,
//! reference and rule, and report every finding, not just the first. Pure: no I/O, no clock
//! (pass `now` in [`Options`]), no panics on any input.
//!
//! What a clean report proves: every entry listed was signed by the party named, for this
//! channel, at that place in its feed; no party signed two different entries at one place; every
//! acknowledgement's view of a feed matches the entries held. What it does not prove: that
//! the claimed times are true (they are the authors' claims), or that no entries exist beyond
//! the ones given.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::chain::{self, Head, LinkError};
use crate::charter::Charter;
use crate::entry::{Body, BodyError, ChannelId, EntryId, Kind, Seq, SignedEntry, Timestamp};
use crate::keys::PartyId;
use crate::merkle::{self, Frontier, Hash};

mod amend;
mod bundle;
mod fork;
mod keys;
mod notes;
mod prepare;
pub(crate) mod refs;
mod views;
pub use crate::keystate::Revocation;
pub use amend::{Accepted, AmendmentSummary, CloseSummary, Governed};
pub use bundle::{BundleOptions, BundleRefused, read_trusted, verify_bundle};
pub use fork::{FORK_ENTRIES_KEPT, ForkError, ForkProof};
pub use notes::{
    CheckpointSummary, MAX_NOTES_PER_CHECKPOINT, NoteSource, QuorumWitnessed, Stated, Witnessed,
};
pub use views::Coverage;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Worth a look, but not proof of wrongdoing (claimed times, kinds this version does not know).
    Warning,
    /// The records are not what they claim, or a party equivocated.
    Error,
}

/// What kind of problem a finding is. The kebab-case names are stable (used in JSON).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// The charter breaks a rule.
    InvalidCharter,
    /// The bytes are not a canonical signed entry (trailing bytes, bad tag, truncation,
    /// oversize length, unknown version).
    Malformed,
    /// The signature does not verify under the header's key (tampering, malleation).
    BadSignature,
    /// Signed by a key that was not the author's key in force at that place of its feed: a
    /// key rotated out before it, a rotation to a key that was not pre-committed, a revocation
    /// not signed by the pre-committed next key. The entry is not the author's. Also a
    /// checkpoint note signed by one of the owner's keys other than the one in force for its
    /// size (docs/FORMAT.md §9): the note is not the owner's and is no split view.
    WrongKey,
    /// Signed by a key its author revoked, at or after the seq the revocation voids it from,
    /// off the chain the revocation vouches for, and relied on by no other party first: the
    /// entry is attributed to whoever held the stolen key, not to the author, and is left out
    /// of the feed (it forks nothing). Also a checkpoint note signed by a revoked key, of a
    /// size above the seq the key is void from, whose root is not the held chain's: not the
    /// owner's, and no split view.
    Compromised,
    /// Signed by a revoked key where the revocation voids it, but another party relied on it
    /// (acknowledged it, or a later entry on its chain) before it saw the revocation: it
    /// stands as the author's.
    RevokedKeyRelied,
    /// The entry belongs to another channel (replay).
    WrongChannel,
    /// The author is not a party of the charter.
    NotAParty,
    /// A signed body that cannot be read as its kind says, or breaks a content rule
    /// (including non-canonical set order).
    InvalidBody,
    /// A body kind this version does not know; the entry is otherwise checked.
    UnknownKind,
    /// Missing entries before this one in its feed.
    Gap,
    /// `prev` does not name the previous entry.
    BrokenLink,
    /// Two different entries signed by one party at one seq.
    Fork,
    /// One entry's content signed twice with different signatures (two different Merkle
    /// leaves for one id); the evidence holds both.
    DoubleSignature,
    /// A first entry that is not the charter or an acceptance of it, or one of those later.
    Placement,
    /// A reference to an entry not in the set.
    UnknownReference,
    /// A reference to an entry of the wrong kind (a commitment citing a notice, say).
    WrongReferenceKind,
    /// A `supersedes` naming another party's entry, or for a definition, a definition of
    /// another term: a party replaces only its own word on the same thing.
    BadSupersedes,
    /// A notice whose severity is not in the charter's policy.
    UnknownSeverity,
    /// An acknowledgement whose view of the author's feed contradicts the entries held.
    AckContradictsFeed,
    /// A feed's claimed time goes backwards.
    TimeRegression,
    /// An acknowledgement or response claims a time before the entry it answers.
    AnswerBeforeSent,
    /// A claimed time far in the future of the verifier's clock.
    FutureTime,
    /// The header's views break a rule of their own: not ascending, of the author itself, of
    /// a key not in the charter, or of size 0.
    InvalidView,
    /// A signed view of a feed (an entry's header view, or the entry an acknowledgement names)
    /// that contradicts that feed's own signed entries: one of the two signers showed or
    /// signed something false. The finding names both.
    ViewContradictsFeed,
    /// A later entry of one author views a feed as shorter than an earlier entry did (or no
    /// longer views it at all).
    ViewShrinks,
    /// An entry claims a time before the claimed time of an entry inside its views: one of the
    /// two authors mis-stated its time.
    TimeBeforeView,
    /// A signed view, acknowledgement or checkpoint covers more of a feed than the entries
    /// presented: entries were withheld (or have not arrived yet). The claim is kept and
    /// checked when they arrive.
    Withheld,
    /// A checkpoint note that does not parse, is of no feed of this channel, or whose
    /// owner's signature or a cosignature does not verify.
    BadCheckpoint,
    /// A note record (a bundle's or a store's) whose unsigned origin, size or root is not what
    /// its signed note states: the record was altered, and an importer refuses it. The signed
    /// note itself is checked as any other.
    NoteRecordMismatch,
    /// A checkpoint note with a signature line that carries the key id of a known key (a
    /// party's, a cosigner's or a charter witness's) under another key name: the line was
    /// altered after signing, which would otherwise silently take a signature away. The note
    /// is refused, as import refuses it.
    AlteredSignatureLine,
    /// More notes of one checkpoint than the verifier keeps
    /// ([`MAX_NOTES_PER_CHECKPOINT`] per origin, size and root; two roots per origin and
    /// size): the rest were left out. Nothing is proven wrong; the notes left out add nothing
    /// but cosignatures.
    NotesCapped,
    /// Two signed checkpoints of one feed, or a checkpoint and the feed's signed entries, that
    /// cannot both be true: the owner showed different parties different histories.
    SplitView,
    /// A charter amendment, close or ratification that breaks a rule (docs/FORMAT.md §12):
    /// an amendment that does not amend the charter in force as its proposer saw it, or whose
    /// proposer is not a party of that charter, or that changes a continuing party's name,
    /// key or next key; a ratification of an entry that is not a proposal, by a party whose
    /// acceptance the proposal does not need, or a party's second acceptance of another
    /// proposal of the same charter. It does not count towards any proposal.
    BadAmendment,
    /// An entry signed after its author had seen the channel closed (a close in force), other
    /// than an acknowledgement, response or receipt: it stands as signed, but binds no one.
    AfterClose,
}

impl FindingKind {
    /// The level of this kind of finding.
    pub fn level(self) -> Level {
        match self {
            FindingKind::UnknownKind
            | FindingKind::TimeRegression
            | FindingKind::AnswerBeforeSent
            | FindingKind::TimeBeforeView
            | FindingKind::Withheld
            | FindingKind::Compromised
            | FindingKind::RevokedKeyRelied
            | FindingKind::AfterClose
            | FindingKind::NotesCapped
            | FindingKind::FutureTime => Level::Warning,
            _ => Level::Error,
        }
    }
}

/// One problem, with everything known about where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// What kind of problem.
    pub kind: FindingKind,
    /// How serious.
    pub level: Level,
    /// The author's name in the charter, if the author is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The author's key, if the entry could be decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<PartyId>,
    /// The entry's seq, if decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The entry's id, if decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryId>,
    /// The entry's position in the input (0-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// What is wrong, in a sentence.
    pub message: String,
    /// For a fork: the two signed entries, a proof that stands on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<ForkProof>,
    /// For a split view: the signed checkpoint notes that contradict each other or the
    /// entries held (the notes' text, each a complete C2SP signed note).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What the verifier learned about one party's feed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedSummary {
    /// The party's name.
    pub party: String,
    /// Its key.
    pub key: PartyId,
    /// How many entries from seq 0 on are held without a gap or a fork.
    pub size: u64,
    /// RFC 6962 root of those entries (hex).
    #[serde(serialize_with = "hex32")]
    pub root: Hash,
    /// The id of the last of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<EntryId>,
    /// Whether the party's charter or acceptance entry is held.
    pub accepted: bool,
    /// How many of these entries other parties' signatures cover (views in their entries,
    /// cosignatures of the owner's checkpoints) that agree with the entries held. Entries
    /// beyond this rest on the author's word alone.
    pub endorsed: u64,
    /// For each other party whose signatures cover part of this feed, the furthest they cover.
    pub endorsements: Vec<Endorsement>,
    /// The furthest any other party's signed view or acknowledgement claims this feed goes,
    /// when that is beyond `size`: entries not presented (see [`FindingKind::Withheld`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed: Option<u64>,
    /// The key the feed's next entry must be signed with, when the feed has rotated away from
    /// `key` (its first key, which stays its identity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_key: Option<PartyId>,
    /// The keys the party revoked, each with the seq it is void from and the revoking entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<crate::keystate::Revocation>,
}

/// How far one party's signatures cover another party's feed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Endorsement {
    /// The signing party's name.
    pub by: String,
    /// How many entries, from seq 0, its signatures cover.
    pub size: u64,
    /// What signature: `view` (a view in one of its entries), `cosignature` (a party's, of a
    /// checkpoint) or `witness` (a charter witness's cosignature of a checkpoint).
    pub via: &'static str,
}

fn hex32<S: serde::Serializer>(b: &Hash, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// The verifier's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// No error-level finding.
    pub ok: bool,
    /// The channel verified.
    pub channel: ChannelId,
    /// How many encoded entries were given.
    pub entries_checked: usize,
    /// Whether every party has accepted the charter (in the entries given).
    pub in_effect: bool,
    /// The founding parties whose acceptance of the charter is not among the entries given,
    /// in charter order: empty when [`Report::in_effect`] (and when the charter itself is
    /// refused, which is never in effect). A report can be clean with
    /// parties awaited (an invitation before anyone answered it): nothing anyone signed is
    /// wrong, but the channel binds no one yet.
    pub awaiting: Vec<String>,
    /// Every problem found, in input order, then feed order.
    pub findings: Vec<Finding>,
    /// One summary per party, in charter order.
    pub feeds: Vec<FeedSummary>,
    /// Every checkpoint no finding contradicts, with its cosignatures; per feed, latest first.
    pub checkpoints: Vec<notes::CheckpointSummary>,
    /// Every charter amendment proposed that obeys the rules, those in force first, in chain
    /// order (docs/FORMAT.md §12).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<AmendmentSummary>,
    /// The close in force, or else the first one proposed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close: Option<CloseSummary>,
    /// Which charter governs each entry, where it is not the founding charter.
    #[serde(skip)]
    governed: HashMap<EntryId, Governed>,
    /// Every party of the founding charter and of every amendment in force.
    #[serde(skip)]
    roster: Option<Charter>,
    /// Entries left out because their party's seq already had [`FORK_ENTRIES_KEPT`] different
    /// ones (more branches of a fork, or more signatures of one entry): counted here and in
    /// the fork's finding, neither checked further nor kept as evidence, so that a bundle of
    /// a million forks of one seq costs what two do.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_kept: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Report {
    /// Whether the verification found nothing wrong: no finding of level error. This is what
    /// `hotline verify` exits 0 for; warnings (a claimed time in the future, an unknown kind)
    /// do not change it. Whether the channel is in effect (every founding party accepted the
    /// charter) is [`Report::in_effect`], a separate question: an invitation is clean before
    /// anyone has accepted it, and [`Report::awaiting`] names who has not.
    pub fn is_clean(&self) -> bool {
        self.ok
    }

    /// The findings of one kind.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }

    /// Which charter (and close) governs entry `id`: the latest amendment in force whose every
    /// acceptance its author had seen (docs/FORMAT.md §12).
    pub fn governed(&self, id: &EntryId) -> Governed {
        self.governed.get(id).copied().unwrap_or_default()
    }

    /// The charter that governs entry `id`: `founding`, or the charter of the amendment in
    /// force that governs it.
    pub fn governing_charter<'a>(&'a self, founding: &'a Charter, id: &EntryId) -> &'a Charter {
        self.governed(id)
            .amendment
            .and_then(|a| self.amendments.iter().find(|s| s.entry == a))
            .map_or(founding, |s| &s.charter)
    }

    /// The charter in force at the end of the entries verified: the last amendment in force,
    /// or `founding`.
    pub fn charter_in_force<'a>(&'a self, founding: &'a Charter) -> &'a Charter {
        self.amendments
            .iter()
            .rfind(|a| a.in_effect)
            .map_or(founding, |a| &a.charter)
    }

    /// Every party of the founding charter and of every amendment in force, as one charter
    /// (the founding charter's, with the added parties after its own): for names and keys, not
    /// for any rule.
    pub fn roster<'a>(&'a self, founding: &'a Charter) -> &'a Charter {
        self.roster.as_ref().unwrap_or(founding)
    }
}

/// Verifier settings. The default is the safe one: the verifier's own clock, so that an entry
/// claiming a time ahead of it is reported ([`FindingKind::FutureTime`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The verifier's clock; `None` skips the future-time check ([`Options::without_clock`]).
    pub now: Option<Timestamp>,
    /// How far in the future of `now` a claimed time may be before it is flagged.
    pub max_future_skew: u64,
}

/// How far ahead of the verifier's clock a claimed time may be before it is flagged: 300 s.
pub const DEFAULT_MAX_FUTURE_SKEW: u64 = 300;

impl Default for Options {
    /// The system clock now ([`Options::at`] the current time).
    fn default() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Options::at(Timestamp(secs))
    }
}

impl Options {
    /// Verify as of `now`: claimed times more than [`DEFAULT_MAX_FUTURE_SKEW`] ahead of it are
    /// reported.
    pub fn at(now: Timestamp) -> Options {
        Options {
            now: Some(now),
            max_future_skew: DEFAULT_MAX_FUTURE_SKEW,
        }
    }

    /// Verify with no clock, so that the result depends on the input alone: the future-time
    /// check is skipped. For a caller that judges times itself (or has none to judge by).
    pub fn without_clock() -> Options {
        Options {
            now: None,
            max_future_skew: DEFAULT_MAX_FUTURE_SKEW,
        }
    }
}

/// An entry that passed its own checks (decoding, channel, party, signature).
#[derive(Debug, Clone)]
pub struct Checked {
    /// The decoded entry.
    pub signed: SignedEntry,
    /// Its id.
    pub id: EntryId,
    /// Its canonical bytes.
    pub bytes: Vec<u8>,
    /// Its decoded body, if this version knows the kind.
    pub body: Option<Body>,
    /// Its position in the input.
    pub index: usize,
    /// Its leaf hash in its feed's tree ([`merkle::leaf_hash`] of `bytes`).
    pub leaf: Hash,
}

struct Verifier<'a> {
    /// The roster: the founding charter with the parties added by amendments (provisionally
    /// every proposal's, then those in force), for who may sign and what they are called.
    charter: Charter,
    /// The founding charter, whose hash is the channel id.
    founding: &'a Charter,
    /// Every severity name of the founding charter and of every proposed amendment.
    severities: HashSet<String>,
    channel: ChannelId,
    opts: Options,
    findings: Vec<Finding>,
    /// The (feed, size, root) of every branch that ends at an entry a revocation voided: a view
    /// of one is possession of a thief's entries, which binds nobody.
    voided: HashSet<(PartyId, u64, Hash)>,
    /// Per party and seq, the entries met beyond the first [`FORK_ENTRIES_KEPT`]: counted,
    /// not kept.
    not_kept: HashMap<(PartyId, Seq), usize>,
    /// Per input, whether its signature verified under its header's key.
    signed: Vec<bool>,
}

impl Verifier<'_> {
    fn push(&mut self, kind: FindingKind, at: Option<&Checked>, message: String) {
        let (party, author, seq, entry, index) = match at {
            Some(c) => {
                let h = c.signed.header();
                (
                    self.charter.party(&h.author).map(|p| p.name.clone()),
                    Some(h.author),
                    Some(h.seq.0),
                    Some(c.id),
                    Some(c.index),
                )
            }
            None => (None, None, None, None, None),
        };
        self.findings.push(Finding {
            kind,
            level: kind.level(),
            party,
            author,
            seq,
            entry,
            index,
            message,
            evidence: None,
            notes: Vec::new(),
        });
    }

    /// Check one entry on its own, from what [`prepare::prepare`] found. Returns it if it
    /// may join its feed.
    fn check_one(
        &mut self,
        index: usize,
        bytes: &[u8],
        prepared: prepare::Outcome,
    ) -> Option<Checked> {
        let prepare::Prepared {
            signed,
            id,
            signature,
            body,
            leaf,
        } = match prepared {
            Ok(p) => p?,
            Err(e) => {
                self.findings.push(Finding {
                    kind: FindingKind::Malformed,
                    level: Level::Error,
                    party: None,
                    author: None,
                    seq: None,
                    entry: None,
                    index: Some(index),
                    message: format!("input {index}: {e}"),
                    evidence: None,
                    notes: Vec::new(),
                });
                return None;
            }
        };
        let mut c = Checked {
            signed,
            id,
            bytes: bytes.to_vec(),
            body: None,
            index,
            leaf,
        };
        let header = c.signed.header().clone();
        if let Err(e) = chain::check_membership(&self.charter, &self.channel, &header) {
            let kind = match e {
                LinkError::WrongChannel { .. } => FindingKind::WrongChannel,
                _ => FindingKind::NotAParty,
            };
            self.push(kind, Some(&c), e.to_string());
            return None;
        }
        if let Err(e) = signature {
            self.push(FindingKind::BadSignature, Some(&c), e.to_string());
            return None;
        }
        if let Some(s) = self.signed.get_mut(index) {
            *s = true;
        }
        if let Err(e) = chain::check_views(&self.charter, &header) {
            self.push(FindingKind::InvalidView, Some(&c), e.to_string());
        }
        match body {
            Ok((body, content)) => {
                if let Err(msg) = content.and_then(|()| views::receipt_rule(&header, &body)) {
                    self.push(FindingKind::InvalidBody, Some(&c), msg);
                }
                if let Err(e) = chain::check_placement(self.founding, &self.channel, &header, &body)
                {
                    self.push(FindingKind::Placement, Some(&c), e.to_string());
                }
                // Against every charter proposed here; the charter governing the notice is
                // known only once the amendments are (`amend::govern`).
                if let Body::Notice(n) = &body
                    && !self.severities.contains(&n.severity)
                {
                    self.push(
                        FindingKind::UnknownSeverity,
                        Some(&c),
                        format!("severity {:?} is not in the charter's policy", n.severity),
                    );
                }
                c.body = Some(body);
            }
            Err(BodyError::UnknownKind(k)) => {
                self.push(
                    FindingKind::UnknownKind,
                    Some(&c),
                    format!("body kind {k} is unknown to this verifier; signature and links checked, content not"),
                );
                // Whatever new kinds may come, a feed starts with the charter or an acceptance.
                if header.seq == Seq(0) {
                    self.push(
                        FindingKind::Placement,
                        Some(&c),
                        format!("a feed's first entry must be the charter or an acceptance, found kind {k}"),
                    );
                }
            }
            Err(e) => self.push(FindingKind::InvalidBody, Some(&c), e.to_string()),
        }
        if let Some(now) = self.opts.now
            && header.time.0 > now.0.saturating_add(self.opts.max_future_skew)
        {
            let ahead = header.time.0.saturating_sub(now.0);
            self.push(
                FindingKind::FutureTime,
                Some(&c),
                format!("claimed time is {ahead} s ahead of the verifier's clock"),
            );
        }
        Some(c)
    }
}

/// One party's entries, by seq; more than one at a seq is a fork.
type Feed = BTreeMap<Seq, Vec<Checked>>;

/// Verify `entries` (each one encoded signed entry) against `charter`.
pub fn verify<B: AsRef<[u8]> + Sync>(charter: &Charter, entries: &[B], opts: Options) -> Report {
    verify_with_notes::<B, &[u8]>(charter, entries, &[], opts)
}

/// Verify `entries` and checkpoint `notes` (each a C2SP signed note) against `charter`:
/// everything [`verify`] checks, plus every note's signatures and every split view, between
/// two notes of one feed or between a note and the feed's entries.
pub fn verify_with_notes<B: AsRef<[u8]> + Sync, N: NoteSource>(
    charter: &Charter,
    entries: &[B],
    notes: &[N],
    opts: Options,
) -> Report {
    verify_with_coverage(charter, entries, notes, opts).0
}

/// As [`verify_with_notes`], also returning what the entries' views prove about each other
/// (see [`Coverage`]), which the audit uses as evidence of possession.
pub fn verify_with_coverage<B: AsRef<[u8]> + Sync, N: NoteSource>(
    charter: &Charter,
    entries: &[B],
    notes: &[N],
    opts: Options,
) -> (Report, Coverage) {
    let (report, coverage, _) = verify_all(charter, entries, notes, opts);
    (report, coverage)
}

/// Which inputs' signatures verified under their headers' keys (`true` at the input's
/// position), for a caller that reads the inputs again and must not verify every signature a
/// second time; `None` when the charter was refused before any entry was looked at.
pub(crate) type SignedInputs = Option<Vec<bool>>;

/// As [`verify_with_coverage`], also returning [`SignedInputs`].
pub(crate) fn verify_all<B: AsRef<[u8]> + Sync, N: NoteSource>(
    charter: &Charter,
    entries: &[B],
    notes: &[N],
    opts: Options,
) -> (Report, Coverage, SignedInputs) {
    verify_inner(charter, entries, notes, opts, 0)
}

/// [`verify`] for a store judging what it is given against what it holds: the first
/// `vouched` inputs are the store's own entries, each of whose signatures the store verified
/// before writing it, so they are taken as verified; everything else is checked as by
/// [`verify`] (and `notes`, as by [`verify_with_notes`]). Never for a verification from
/// scratch ([`crate::store::Store::verify`]).
#[cfg(feature = "store")]
pub(crate) fn verify_vouched<B: AsRef<[u8]> + Sync, N: NoteSource>(
    charter: &Charter,
    entries: &[B],
    notes: &[N],
    vouched: usize,
    opts: Options,
) -> Report {
    verify_inner(charter, entries, notes, opts, vouched).0
}

fn verify_inner<B: AsRef<[u8]> + Sync, N: NoteSource>(
    charter: &Charter,
    entries: &[B],
    notes: &[N],
    opts: Options,
    vouched: usize,
) -> (Report, Coverage, SignedInputs) {
    let channel = charter.id().unwrap_or_default();
    let mut v = Verifier {
        charter: charter.clone(),
        founding: charter,
        severities: HashSet::new(),
        channel,
        opts,
        findings: Vec::new(),
        voided: HashSet::new(),
        not_kept: HashMap::new(),
        signed: vec![false; entries.len()],
    };
    if let Err(e) = charter.check() {
        v.push(FindingKind::InvalidCharter, None, e.to_string());
        return (
            finish(
                v,
                entries.len(),
                Vec::new(),
                (false, Vec::new()),
                Vec::new(),
                Default::default(),
            ),
            Coverage::default(),
            None,
        );
    }
    let prepared = prepare::prepare(entries, vouched);
    let proposals = amend::proposals(&channel, &prepared);
    v.charter = amend::provisional(charter, &proposals);
    v.severities = std::iter::once(charter)
        .chain(proposals.iter().map(|(_, c)| c))
        .flat_map(|c| c.policy.severities.iter().map(|s| s.name.clone()))
        .collect();

    // 1. Each entry on its own; identical entries count once. The same content under two
    // different valid signatures is two different Merkle leaves: equivocation.
    let mut feeds: HashMap<PartyId, Feed> = HashMap::new();
    // The ids met; an entry with one is in `feeds` at its author and seq (the id covers both).
    let mut seen: HashSet<EntryId> = HashSet::new();
    let mut kept: HashMap<(PartyId, Seq, PartyId), usize> = HashMap::new();
    for (index, (bytes, p)) in entries.iter().zip(prepared).enumerate() {
        let Some(c) = v.check_one(index, bytes.as_ref(), p) else {
            continue;
        };
        let first = seen
            .contains(&c.id)
            .then(|| {
                let h = c.signed.header();
                feeds
                    .get(&h.author)
                    .and_then(|f| f.get(&h.seq))
                    .and_then(|at| at.iter().find(|x| x.id == c.id))
            })
            .flatten();
        // Beyond the first two different entries at a party's seq signed with one key (more
        // branches of a fork, more signatures of one entry), an entry is only counted: two
        // prove the fork, and more must not cost more. Counted per signing key, because which
        // key is the author's is decided only in step 2: entries under a key that is not the
        // party's must not take the places of the party's own.
        if first.is_none_or(|first| first.bytes != c.bytes) {
            let h = c.signed.header();
            let n = kept.entry((h.author, h.seq, h.key)).or_default();
            if *n >= FORK_ENTRIES_KEPT {
                *v.not_kept.entry((h.author, h.seq)).or_default() += 1;
                continue;
            }
            *n += 1;
        }
        if let Some(first) = first {
            if first.bytes != c.bytes {
                let proof = ForkProof::new(v.channel, first, &c);
                let who = charter.label(&c.signed.header().author);
                v.push(
                    FindingKind::DoubleSignature,
                    Some(&c),
                    format!(
                        "{who} signed entry {} (seq {}) twice with different signatures: two different leaves of its feed's tree, so acknowledgements of one contradict the other",
                        c.id.short(),
                        c.signed.header().seq
                    ),
                );
                if let Some(f) = v.findings.last_mut() {
                    f.evidence = Some(proof);
                }
            }
            continue;
        }
        seen.insert(c.id);
        {
            let h = c.signed.header();
            feeds
                .entry(h.author)
                .or_default()
                .entry(h.seq)
                .or_default()
                .push(c);
        }
    }

    // 2. Key state, feed by feed: entries signed by a key not in force there, or voided by a
    // revocation, leave their feed before any feed rule sees them.
    let keys = keys::check(&mut v, &mut feeds);

    // 2b. Amendments and the close: which are in force, which charter governs each entry;
    // the entries of keys that are parties only of proposals not in force leave.
    let mut governance = amend::govern(&mut v, &mut feeds);
    if let Some(r) = governance.roster.take() {
        v.charter = r;
    }
    let roster = v.charter.clone();

    // 3. Feed by feed: forks, gaps, links, times; and the Merkle roots of the clean prefix.
    let mut prefix_roots: HashMap<PartyId, Vec<Hash>> = HashMap::new();
    let mut summaries = Vec::new();
    for party in &roster.parties {
        let feed = feeds.get(&party.key);
        let (roots, mut summary) = check_feed(&mut v, party.key, &party.name, feed);
        if let Some(k) = keys.get(&party.key) {
            summary.current_key = k.current.filter(|c| *c != party.key);
            summary.revoked.clone_from(&k.revocations);
        }
        prefix_roots.insert(party.key, roots);
        summaries.push(summary);
    }

    // 4. Views, references, acknowledgements and answer times, across feeds.
    let index: HashMap<EntryId, &Checked> = feeds
        .values()
        .flat_map(|f| f.values().flatten())
        .map(|c| (c.id, c))
        .collect();
    let mut all: Vec<&Checked> = index.values().copied().collect();
    all.sort_by_key(|c| c.index);
    let mut cross = views::Views::new(&feeds);
    for c in all {
        let agreed = cross.check_entry(&mut v, c);
        check_references(&mut v, c, &index);
        if let Some(Body::Ack(ack)) = &c.body {
            cross.check_ack(&mut v, c, ack, &index, &agreed);
        }
    }
    for party in &roster.parties {
        if let Some(feed) = feeds.get(&party.key) {
            cross.check_growth(&mut v, feed);
        }
    }

    // 5. Checkpoints: signatures, and split views against each other and the entries held.
    let histories = notes::histories(&roster, &feeds, &keys, &prefix_roots);
    let checkpoints = notes::check(&mut v, notes, &prefix_roots, &histories);

    // 6. How far other parties' signatures cover each feed, and what was claimed beyond it.
    for s in &mut summaries {
        endorse(&mut v, s, &cross, &checkpoints, &roster);
    }

    // In effect: every founding party accepted the founding charter.
    let awaiting: Vec<String> = summaries
        .iter()
        .filter(|s| charter.party(&s.key).is_some() && !s.accepted)
        .map(|s| s.party.clone())
        .collect();
    governance.roster = Some(roster);
    let signed = std::mem::take(&mut v.signed);
    (
        finish(
            v,
            entries.len(),
            summaries,
            (awaiting.is_empty(), awaiting),
            checkpoints,
            governance,
        ),
        cross.into_coverage(),
        Some(signed),
    )
}

fn finish(
    v: Verifier<'_>,
    n: usize,
    feeds: Vec<FeedSummary>,
    (in_effect, awaiting): (bool, Vec<String>),
    checkpoints: Vec<notes::CheckpointSummary>,
    governance: amend::Governance,
) -> Report {
    let ok = !v.findings.iter().any(|f| f.level == Level::Error);
    let not_kept = v.not_kept.values().sum();
    Report {
        ok,
        channel: v.channel,
        entries_checked: n,
        in_effect,
        awaiting,
        findings: v.findings,
        feeds,
        checkpoints,
        amendments: governance.amendments,
        close: governance.close,
        governed: governance.governed,
        roster: governance.roster,
        not_kept,
    }
}

fn check_feed(
    v: &mut Verifier<'_>,
    key: PartyId,
    name: &str,
    feed: Option<&Feed>,
) -> (Vec<Hash>, FeedSummary) {
    let mut roots = vec![merkle::empty_root()];
    let mut frontier = Frontier::new();
    let mut head = None;
    let mut clean = true;
    let mut expected = Seq(0);
    let empty = Feed::new();
    let feed = feed.unwrap_or(&empty);
    for (seq, at) in feed {
        if at.len() > 1 {
            clean = false;
            if let (Some(a), Some(b)) = (at.first(), at.get(1)) {
                let proof = ForkProof::new(v.channel, a, b);
                let more = v.not_kept.get(&(key, *seq)).copied().unwrap_or(0);
                let message = if more == 0 {
                    format!(
                        "{name} signed {} different entries at seq {seq}: {} and {}",
                        at.len(),
                        a.id.short(),
                        b.id.short()
                    )
                } else {
                    format!(
                        "{name} signed {} different entries at seq {seq}: {} and {}, kept as evidence, and {more} more, counted but not kept",
                        at.len().saturating_add(more),
                        a.id.short(),
                        b.id.short()
                    )
                };
                v.push(FindingKind::Fork, Some(b), message);
                if let Some(f) = v.findings.last_mut() {
                    f.evidence = Some(proof);
                }
            }
        }
        if *seq != expected {
            clean = false;
            if let Some(first) = at.first() {
                let missing = if expected.0 + 1 == seq.0 {
                    format!("seq {expected} is")
                } else {
                    format!("seqs {expected} to {} are", seq.0 - 1)
                };
                v.push(
                    FindingKind::Gap,
                    Some(first),
                    format!("{name}'s feed has a gap: {missing} missing before seq {seq}"),
                );
            }
        }
        expected = Seq(seq.0.saturating_add(1));
        // Link each entry at this seq to the entries held at seq - 1.
        let prevs: Vec<Head> = match seq.0.checked_sub(1) {
            None => vec![],
            Some(p) => feed
                .get(&Seq(p))
                .map(|es| es.iter().map(head_of).collect())
                .unwrap_or_default(),
        };
        for c in at {
            let h = c.signed.header();
            if seq.0 == 0 {
                if let Err(e) = chain::check_link(None, h) {
                    v.push(FindingKind::BrokenLink, Some(c), e.to_string());
                    clean = false;
                }
                continue;
            }
            if prevs.is_empty() {
                continue; // a gap, already reported
            }
            match prevs.iter().find(|p| p.id == h.prev) {
                Some(p) => {
                    if let Err(e) = chain::check_link(Some(p), h) {
                        v.push(FindingKind::TimeRegression, Some(c), e.to_string());
                    }
                }
                None => {
                    clean = false;
                    let err = prevs
                        .first()
                        .map(|p| chain::check_link(Some(p), h))
                        .and_then(Result::err)
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| format!("broken link at seq {seq}"));
                    v.push(FindingKind::BrokenLink, Some(c), err);
                }
            }
        }
        if clean
            && let [only] = at.as_slice()
            && frontier.push(only.leaf).is_ok()
        {
            roots.push(frontier.root());
            head = Some(only.id);
        }
    }
    let accepted = feed.get(&Seq(0)).is_some_and(|es| {
        es.iter().any(|c| {
            c.body
                .as_ref()
                .is_some_and(|b| matches!(b.kind(), Kind::Charter | Kind::Acceptance))
        })
    });
    let size = u64::try_from(roots.len().saturating_sub(1)).unwrap_or(u64::MAX);
    let root = roots.last().copied().unwrap_or_else(merkle::empty_root);
    (
        roots,
        FeedSummary {
            party: name.to_owned(),
            key,
            size,
            root,
            head,
            accepted,
            endorsed: 0,
            endorsements: Vec::new(),
            claimed: None,
            current_key: None,
            revoked: Vec::new(),
        },
    )
}

fn head_of(c: &Checked) -> Head {
    let h = c.signed.header();
    Head {
        seq: h.seq,
        id: c.id,
        time: h.time,
    }
}

/// References by id, their kinds, and answer times. An acknowledgement's `of` is checked
/// with the views (`views::Views::check_ack`), which can say more when it is not held.
fn check_references(v: &mut Verifier<'_>, c: &Checked, index: &HashMap<EntryId, &Checked>) {
    let Some(body) = &c.body else { return };
    let own = c.signed.header();
    for (field, id) in body.references() {
        let Some(target) = index.get(&id) else {
            if matches!(body, Body::Ack(_)) {
                continue;
            }
            v.push(
                FindingKind::UnknownReference,
                Some(c),
                format!(
                    "`{field}` names entry {}, which is not among the entries verified",
                    id.short()
                ),
            );
            continue;
        };
        let th = target.signed.header();
        if let Some((kind, message)) = refs::reference_finding(
            &v.charter,
            &own.author,
            body,
            field,
            &id,
            &th.author,
            target.body.as_ref(),
        ) {
            v.push(kind, Some(c), message);
        }
        if matches!(body, Body::Ack(_) | Body::Response(_)) && own.time < th.time {
            v.push(
                FindingKind::AnswerBeforeSent,
                Some(c),
                format!(
                    "claims time {} but answers {} entry {} claimed at {}",
                    own.time.0,
                    v.charter.label(&th.author),
                    id.short(),
                    th.time.0
                ),
            );
        }
    }
}

/// Fill in `s`'s endorsements (agreeing views and cosignatures by other parties) and report
/// a claim beyond the entries presented as withheld.
fn endorse(
    v: &mut Verifier<'_>,
    s: &mut FeedSummary,
    cross: &views::Views<'_>,
    checkpoints: &[notes::CheckpointSummary],
    charter: &Charter,
) {
    let mut by: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    if let Some(e) = cross.endorsed.get(&s.key) {
        for (party, size) in e {
            let slot = by.entry((charter.label(party), "view")).or_insert(0);
            *slot = (*slot).max(*size);
        }
    }
    let mut claimed = cross.claims.get(&s.key).copied();
    for cp in checkpoints.iter().filter(|c| c.party == s.party) {
        if cp.matches_entries {
            for cs in cp.cosignatures.iter().filter(|cs| cs.key != s.key) {
                let via = match cs.cosigner {
                    crate::witness::CosignerKind::Party => "cosignature",
                    crate::witness::CosignerKind::Witness => "witness",
                };
                let slot = by.entry((cs.party.clone(), via)).or_insert(0);
                *slot = (*slot).max(cp.size);
            }
        } else if cp.size > s.size && claimed.is_none_or(|c| cp.size > c.0) {
            claimed = Some((cp.size, s.key, Seq(u64::MAX)));
        }
    }
    s.endorsements = by
        .into_iter()
        .map(|((by, via), size)| Endorsement { by, size, via })
        .collect();
    s.endorsed = s.endorsements.iter().map(|e| e.size).max().unwrap_or(0);
    let Some((size, who, seq)) = claimed.filter(|c| c.0 > s.size) else {
        return;
    };
    s.claimed = Some(size);
    let source = if seq == Seq(u64::MAX) {
        format!("{}'s own signed checkpoint", s.party)
    } else {
        format!("{}'s seq {seq}", charter.label(&who))
    };
    let message = format!(
        "{source} covers {} entries of {}'s feed, but only {} are presented: {} entries withheld, or not received yet",
        size,
        s.party,
        s.size,
        size.saturating_sub(s.size)
    );
    v.findings.push(Finding {
        kind: FindingKind::Withheld,
        level: FindingKind::Withheld.level(),
        party: Some(s.party.clone()),
        author: Some(s.key),
        seq: None,
        entry: None,
        index: None,
        message,
        evidence: None,
        notes: Vec::new(),
    });
}
