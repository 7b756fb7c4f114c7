//! The audit: for every notice and every other party, when the notice reached it and whether it
//! acknowledged and answered in time — each verdict saying which evidence it rests on. Pure,
//! like the verifier.
//!
//! Three kinds of time are kept apart (see `docs/EVIDENCE.md`):
//!
//! - **claims**: an entry's time is its author's word, and a sender's claimed send time is no
//!   evidence that anything was delivered;
//! - **the receiver's signatures**: its receipt, acknowledgement, any of its entries whose
//!   signed views include the notice, or its cosignature of a checkpoint that does — proof that
//!   it held the notice, at the time it claims;
//! - **third parties**: cosignatures of a checkpoint covering the notice, by parties other than
//!   the sender, that it existed by then.
//!
//! A deadline runs from the receiver's earliest signed evidence of possession (never before its
//! acceptance of the charter), so a sender that holds a notice back cannot make the receiver
//! late, and a receiver that never signs for a notice is *undetermined*, never *missed*. An
//! answer's time is its author's claim raised to the latest time claimed inside its own signed
//! views: it cannot have been signed before the entries it saw.

use std::collections::{HashMap, HashSet};

use crate::charter::Charter;
use crate::entry::{AckState, Body, EntryId, Kind, Seq, SignedEntry, Stage, Timestamp};
use crate::keys::PartyId;
use crate::verify::{
    self, CheckpointSummary, Coverage, FindingKind, Options, QuorumWitnessed, Report, Witnessed,
};

/// On whose word a verdict rests.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The receiver's own signatures (ack, receipt, an entry whose views include the notice,
    /// a cosignature), at the times it claims.
    Receiver,
    /// The sender's own signature: one of its entries whose views include the receiver's
    /// answer — the sender itself admits holding the answer by then.
    Sender,
    /// A quorum of the charter's witnesses: they cosigned a checkpoint of the receiver's feed
    /// that includes the answer, so it existed by then, whatever either party claims.
    Witness,
    /// Claimed times that contradict each other: the answer claims a time before an entry
    /// inside its own views (a `time-before-view` finding); the verdict takes the later claim.
    ConflictingClaims,
    /// The sender's fork: the notice's place in its feed is in doubt.
    Fork,
    /// Nothing: no signature shows the notice reached the receiver.
    NoEvidence,
    /// The charter: the receiver has not accepted it, or sets no such deadline.
    Charter,
}

/// Where an obligation stands at the audit time.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Answered on or before the deadline.
    Met,
    /// Not answered by the deadline: answered late, or not at all.
    Missed,
    /// Not answered yet, and the deadline has not passed.
    Pending,
    /// The receiver asked for information (`needs-info`) and the sender has not answered it:
    /// the respond-by clock is stopped.
    Paused,
    /// No evidence that the notice reached the receiver: no deadline can be said to run.
    Undetermined,
    /// The sender forked its feed at or before the notice.
    Void,
    /// The receiver has not accepted the charter (in the entries given).
    NotBound,
    /// The notice and the charter set no such deadline.
    None,
}

/// A verdict on one deadline, with the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// Where it stands.
    pub status: Status,
    /// The deadline, where one runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// When it was answered, if it was: the answer's claim, raised to the latest time claimed
    /// inside its views.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// On whose word it rests.
    pub basis: Basis,
    /// The verdict in a sentence that names the evidence.
    pub reason: String,
}

impl Verdict {
    /// Whether the deadline was missed.
    pub fn is_missed(&self) -> bool {
        self.status == Status::Missed
    }
}

/// The receiver's earliest signed evidence that it held a notice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Possession {
    /// What it is: the kind of the receiver's entry whose views include the notice
    /// (`receipt`, `ack`, `acceptance`, …), or `cosignature` of a checkpoint covering it.
    pub via: String,
    /// The receiver's entry, if it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryId>,
    /// Its seq, if it is an entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// When the receiver says it signed it.
    pub time: Timestamp,
    /// When a quorum of the charter's witnesses had cosigned the receiver's feed including
    /// this entry: it existed by then. The deadline runs from the earlier of the two.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<Timestamp>,
}

/// One acknowledgement as the audit lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AckSeen {
    /// The acknowledgement's id.
    pub id: EntryId,
    /// Its state.
    pub state: AckState,
    /// The acker's claimed time.
    pub time: Timestamp,
    /// The time the audit judges it at: the claim, raised to the latest time claimed inside
    /// its own views (it cannot precede what it saw).
    pub effective: Timestamp,
    /// The earliest entry of the acknowledged entry's author whose views include this
    /// acknowledgement: the other side's own admission that it held it by then (its claim).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by_sender: Option<Timestamp>,
    /// When a quorum of the charter's witnesses had cosigned the acker's feed including this
    /// acknowledgement: third-party evidence that it existed by then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<Timestamp>,
    /// The reason given, if any.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// One response as the audit lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResponseSeen {
    /// The response's id.
    pub id: EntryId,
    /// The responder's claimed time.
    pub time: Timestamp,
}

/// How one receiving party has dealt with one notice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Receiver {
    /// The receiving party's name.
    pub party: String,
    /// When it claims to have accepted the charter, if it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Timestamp>,
    /// Its earliest signed evidence of holding the notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possession: Option<Possession>,
    /// Its acknowledgements of the notice, in feed order.
    pub acks: Vec<AckSeen>,
    /// Its responses to the notice.
    pub responses: Vec<ResponseSeen>,
    /// The acknowledge-by deadline: from the receiver's possession, the later of the
    /// notice's own and the charter policy's window for its severity; met by any ack.
    pub ack: Verdict,
    /// The respond-by deadline, likewise: met by a response or a substantive acknowledgement;
    /// a `needs-info` acknowledgement stops the clock until the sender answers it.
    pub respond: Verdict,
}

/// One notice and its answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NoticeStatus {
    /// The notice's id.
    pub id: EntryId,
    /// The sender's name.
    pub author: String,
    /// The notice's seq in the sender's feed.
    pub seq: u64,
    /// The incident reference.
    pub incident: String,
    /// The report stage.
    pub stage: Stage,
    /// The severity.
    pub severity: String,
    /// The one-line summary.
    pub summary: String,
    /// When the sender claims it was sent: a claim, which starts no deadline.
    pub sent: Timestamp,
    /// The earliest cosignature of a checkpoint of the sender's feed that includes the notice:
    /// signed evidence, by another signer, that the notice was in the feed by then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<Witnessed>,
    /// Third-party evidence: when a quorum of the charter's witnesses had cosigned checkpoints
    /// of the sender's feed that include the notice (it existed by then; not that it was
    /// delivered). Absent when the charter requires no witnesses or the quorum is not met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness_quorum: Option<QuorumWitnessed>,
    /// Every other party.
    pub receivers: Vec<Receiver>,
}

/// A disputed, rejected or needs-info acknowledgement of any entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Dispute {
    /// The acknowledgement.
    pub ack: AckSeen,
    /// Who disputes.
    pub by: String,
    /// The entry disputed.
    pub of: EntryId,
    /// Its author.
    pub of_author: String,
    /// Its kind.
    pub of_kind: Option<Kind>,
}

/// The audit's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Audit {
    /// No error-level verification finding and no missed deadline.
    pub ok: bool,
    /// The time the deadlines were judged at.
    pub at: Timestamp,
    /// Every notice, in the order given.
    pub notices: Vec<NoticeStatus>,
    /// Every dispute, rejection and request for information.
    pub disputes: Vec<Dispute>,
    /// How many deadlines are missed.
    pub missed: usize,
    /// How many deadlines are pending.
    pub pending: usize,
    /// How many deadlines cannot run for want of evidence of delivery.
    pub undetermined: usize,
    /// How many respond-by clocks are stopped by a request for information.
    pub paused: usize,
    /// How many deadlines are void because the sender forked.
    pub void: usize,
    /// The full verification of the same entries, judged at the same time.
    pub verification: Report,
}

struct Seen {
    id: EntryId,
    signed: SignedEntry,
    body: Body,
}

impl Seen {
    fn author(&self) -> PartyId {
        self.signed.header().author
    }
    fn seq(&self) -> Seq {
        self.signed.header().seq
    }
    fn time(&self) -> Timestamp {
        self.signed.header().time
    }
}

/// Audit `entries` against `charter` at time `at`.
pub fn audit<B: AsRef<[u8]> + Sync>(charter: &Charter, entries: &[B], at: Timestamp) -> Audit {
    audit_with_notes::<B, &[u8]>(charter, entries, &[], at)
}

/// The windows that bind: the notice's own deadline or the policy's window from `from`,
/// whichever is later (a sender can grant more time, not less).
fn due(own: Option<Timestamp>, window: Option<u64>, from: Timestamp) -> Option<Timestamp> {
    match (own, window.map(|w| from.plus(w))) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Everything the audit knows, shared by the judgement of each notice.
struct Ledger<'a> {
    charter: &'a Charter,
    at: Timestamp,
    coverage: Coverage,
    checkpoints: &'a [CheckpointSummary],
    /// Each party's entries that passed their own checks, by seq (both sides of a fork).
    feeds: HashMap<PartyId, Vec<&'a Seen>>,
    /// The first seq each party forked at.
    forks: HashMap<PartyId, u64>,
    /// How far others' signatures claim each feed goes, where beyond what was presented.
    claimed: HashMap<PartyId, u64>,
}

impl Ledger<'_> {
    fn label(&self, k: &PartyId) -> String {
        self.charter.label(k)
    }

    /// `p`'s entries, in feed order, claimed by the audit time.
    fn by(&self, p: &PartyId) -> impl Iterator<Item = &Seen> {
        let at = self.at;
        self.feeds
            .get(p)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |e| e.time() <= at)
    }

    /// Why `p`'s feed as presented is known to be incomplete, if it is: a seq missing below
    /// the last held, or others' signatures claiming more than is held.
    fn incomplete(&self, p: &PartyId) -> Option<String> {
        let name = self.label(p);
        let feed = self.feeds.get(p).map(Vec::as_slice).unwrap_or_default();
        let mut expected = 0u64;
        for e in feed {
            let seq = e.seq().0;
            if seq > expected {
                return Some(format!(
                    "{name}'s seq {expected} is missing from what was presented"
                ));
            }
            expected = expected.max(seq.saturating_add(1));
        }
        self.claimed
            .get(p)
            .filter(|c| **c > expected)
            .map(|c| format!("others' signatures show {name}'s feed holds {c} entries, but {expected} were presented"))
    }

    /// All of `p`'s entries, in feed order, whatever time they claim.
    fn all(&self, p: &PartyId) -> impl Iterator<Item = &Seen> {
        self.feeds.get(p).into_iter().flatten().copied()
    }

    /// When `r` first signed for `e` (its earliest entry whose views include it, judged as
    /// answers are), if it has by the audit time.
    fn possession_of(&self, r: &PartyId, e: &Seen) -> Option<Timestamp> {
        self.by(r)
            .find(|x| self.coverage.covers(&x.id, &e.author(), e.seq(), &e.id))
            .map(|x| self.effective(x).0)
    }

    /// The receiver's earliest signed evidence of holding `n`.
    fn possession(&self, r: &PartyId, n: &Seen, quorum: u32) -> Option<Possession> {
        let entry = self
            .by(r)
            .find(|e| {
                self.coverage.covers(&e.id, &n.author(), n.seq(), &n.id)
                    || matches!(&e.body, Body::Ack(a) if a.of.id == n.id)
            })
            .map(|e| Possession {
                via: e.body.kind().name().to_owned(),
                entry: Some(e.id),
                seq: Some(e.seq().0),
                // Judged like an answer: raised to the latest time claimed inside its views.
                // That only ever gives the receiver more time, so a post-dated entry of anyone's
                // inside it cannot make the receiver late.
                time: self.effective(e).0,
                witnessed: self.witnessed(e, quorum),
            });
        let name = self.label(&n.author());
        let cosigned = self
            .checkpoints
            .iter()
            .filter(|c| c.party == name && c.size > n.seq().0 && c.matches_entries)
            .flat_map(|c| c.cosignatures.iter())
            .filter(|c| c.key == *r && c.time <= self.at)
            .map(|c| c.time)
            .min()
            .map(|time| Possession {
                via: "cosignature".into(),
                entry: None,
                seq: None,
                time,
                witnessed: None,
            });
        match (entry, cosigned) {
            (Some(e), Some(c)) => Some(if c.time < e.time { c } else { e }),
            (e, c) => e.or(c),
        }
    }

    /// An answer's time as judged: its claim, raised to the latest time claimed inside its
    /// views, with a sentence saying so when it was raised.
    fn effective(&self, e: &Seen) -> (Timestamp, Option<String>) {
        // A time claimed after the audit time was not claimed yet, as of then: it raises
        // nothing (the verifier still reports it).
        match self.coverage.latest_inside(&e.id) {
            Some((t, p, seq)) if t > e.time() && t <= self.at => (
                t,
                Some(format!(
                    "it claims {} but its signed view holds {}'s seq {seq}, claimed at {}",
                    e.time(),
                    self.label(&p),
                    t
                )),
            ),
            _ => (e.time(), None),
        }
    }

    /// When a quorum (of `quorum` witnesses of the charter) had cosigned `e`'s feed
    /// including it.
    fn witnessed(&self, e: &Seen, quorum: u32) -> Option<Timestamp> {
        CheckpointSummary::earliest_quorum(
            self.checkpoints,
            &self.label(&e.author()),
            e.seq().0,
            quorum,
        )
        .map(|q| q.time)
    }

    /// The earliest entry by `author` whose views include `e`: `author`'s own admission.
    fn held_by(&self, author: &PartyId, e: &Seen) -> Option<Timestamp> {
        self.by(author)
            .find(|s| self.coverage.covers(&s.id, &e.author(), e.seq(), &e.id))
            .map(Seen::time)
    }

    fn ack_seen(
        &self,
        e: &Seen,
        state: AckState,
        reason: &str,
        sender: &PartyId,
        quorum: u32,
    ) -> AckSeen {
        AckSeen {
            id: e.id,
            state,
            time: e.time(),
            effective: self.effective(e).0,
            held_by_sender: self.held_by(sender, e),
            witnessed: self.witnessed(e, quorum),
            reason: reason.to_owned(),
        }
    }
}

/// The judgement of one deadline, given the receiver's first answer.
struct Judge<'a> {
    what: &'a str,
    due: Option<Timestamp>,
    possession: &'a Possession,
    at: Timestamp,
}

impl Judge<'_> {
    fn answered(
        &self,
        answer: &Seen,
        raised: Option<String>,
        effective: Timestamp,
        by_sender: Option<Timestamp>,
        witnessed: Option<Timestamp>,
    ) -> Verdict {
        let p = self.possession;
        let Some(due) = self.due else {
            return none_due(self.what);
        };
        let kind = answer.body.kind().name();
        // A witness quorum, or the sender's own entry, that holds the answer by the due time
        // settles it, whatever the answer claims: it existed by then.
        let settled = [witnessed, by_sender]
            .into_iter()
            .flatten()
            .filter(|t| *t <= due)
            .min();
        let effective = match settled {
            Some(t) if effective > due => t,
            _ => effective,
        };
        if effective <= due {
            let (basis, how) = match (witnessed, by_sender) {
                (Some(w), _) if w <= due => (
                    Basis::Witness,
                    format!(
                        "a quorum of the charter's witnesses had cosigned the receiver's feed including its {kind} by {w}"
                    ),
                ),
                (_, Some(t)) if t <= due => (
                    Basis::Sender,
                    format!("the sender's own signed entry at {t} holds the receiver's {kind}"),
                ),
                _ => (
                    Basis::Receiver,
                    format!("the receiver's signed {kind} at {effective}"),
                ),
            };
            return Verdict {
                status: Status::Met,
                due: Some(due),
                at: Some(effective),
                basis,
                reason: format!(
                    "met ({how}; possession from its {} at {}; due {})",
                    p.via, p.time, due
                ),
            };
        }
        if let Some(r) = raised.filter(|_| answer.time() <= due) {
            // The answer claims a time in time; only another author's claim inside its views
            // puts it later. Either could be the one that lied: no verdict either way.
            return Verdict {
                status: Status::Undetermined,
                due: Some(due),
                at: Some(effective),
                basis: Basis::ConflictingClaims,
                reason: format!(
                    "undetermined: the receiver's signed {kind} claims {}, in time, but {r}, after the due time {due}; one of the two authors mis-stated its time (time-before-view), and nothing else decides which",
                    answer.time()
                ),
            };
        }
        let why = format!(
            "its signed {kind} claims {}, after the due time",
            answer.time()
        );
        let basis = Basis::Receiver;
        Verdict {
            status: Status::Missed,
            due: Some(due),
            at: Some(effective),
            basis,
            reason: format!(
                "missed (the receiver's {} at {} shows possession; {why} {})",
                p.via, p.time, due
            ),
        }
    }

    fn unanswered(&self) -> Verdict {
        let p = self.possession;
        let Some(due) = self.due else {
            return none_due(self.what);
        };
        if self.at > due {
            Verdict {
                status: Status::Missed,
                due: Some(due),
                at: None,
                basis: Basis::Receiver,
                reason: format!(
                    "missed (the receiver's {} at {} shows possession; no {} by the due time {})",
                    p.via, p.time, self.what, due
                ),
            }
        } else {
            Verdict {
                status: Status::Pending,
                due: Some(due),
                at: None,
                basis: Basis::Receiver,
                reason: format!(
                    "pending (the receiver's {} at {} shows possession; {} due by {})",
                    p.via, p.time, self.what, due
                ),
            }
        }
    }
}

fn none_due(what: &str) -> Verdict {
    Verdict {
        status: Status::None,
        due: None,
        at: None,
        basis: Basis::Charter,
        reason: format!("no {what} deadline: neither the notice nor the policy sets one"),
    }
}

fn plain(status: Status, basis: Basis, reason: String) -> Verdict {
    Verdict {
        status,
        due: None,
        at: None,
        basis,
        reason,
    }
}

/// Audit `entries` and checkpoint `notes` against `charter` at time `at`: as [`audit`], with
/// split views reported and cosigned checkpoints as evidence.
pub fn audit_with_notes<B: AsRef<[u8]> + Sync, N: verify::NoteSource>(
    charter: &Charter,
    entries: &[B],
    notes: &[N],
    at: Timestamp,
) -> Audit {
    let (verification, coverage, signed_inputs) = verify::verify_all(
        charter,
        entries,
        notes,
        Options {
            now: Some(at),
            ..Options::without_clock()
        },
    );
    // Only entries that pass their own checks count as communicated: by a party of the
    // founding charter or of an amendment in force, and signed by the key in force there; an
    // entry voided by its author's revocation is not its author's either.
    let channel = verification.channel;
    let roster = verification.roster(charter).clone();
    let not_the_authors: HashSet<EntryId> = verification
        .findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::WrongKey | FindingKind::Compromised))
        .filter_map(|f| f.entry)
        .collect();
    let mut seen: Vec<Seen> = Vec::new();
    let mut by_id: HashMap<EntryId, usize> = HashMap::new();
    for (index, bytes) in entries.iter().enumerate() {
        let Ok(signed) = SignedEntry::decode(bytes.as_ref()) else {
            continue;
        };
        let h = signed.header();
        if h.channel != channel || roster.party(&h.author).is_none() {
            continue;
        }
        // The verifier checked each signature once; only where it looked at no entry (a
        // refused charter) is it checked here.
        let verified = match &signed_inputs {
            Some(s) => s.get(index).copied().unwrap_or(false),
            None => signed.verify_signature().is_ok(),
        };
        if !verified {
            continue;
        }
        let (Ok(id), Ok(body)) = (signed.id(), signed.entry.body()) else {
            continue;
        };
        if by_id.contains_key(&id) || not_the_authors.contains(&id) {
            continue;
        }
        by_id.insert(id, seen.len());
        seen.push(Seen { id, signed, body });
    }
    let mut feeds: HashMap<PartyId, Vec<&Seen>> = HashMap::new();
    for s in &seen {
        feeds.entry(s.author()).or_default().push(s);
    }
    for f in feeds.values_mut() {
        f.sort_by_key(|s| s.seq());
    }
    let mut forks: HashMap<PartyId, u64> = HashMap::new();
    for f in verification
        .findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Fork | FindingKind::DoubleSignature))
    {
        if let (Some(a), Some(seq)) = (f.author, f.seq) {
            let slot = forks.entry(a).or_insert(seq);
            *slot = (*slot).min(seq);
        }
    }
    let checkpoints = verification.checkpoints.clone();
    let claimed = verification
        .feeds
        .iter()
        .filter_map(|f| f.claimed.map(|c| (f.key, c)))
        .collect();
    let led = Ledger {
        claimed,
        charter: &roster,
        at,
        coverage,
        checkpoints: &checkpoints,
        feeds,
        forks,
    };

    let mut notices = Vec::new();
    for s in &seen {
        let Body::Notice(n) = &s.body else { continue };
        // Judged as of `at`: a notice claimed later was not sent yet.
        if s.time() > at {
            continue;
        }
        let author = s.author();
        // The charter governing the notice sets its windows, its receivers and its witness
        // quorum: the one in force as the sender's own signed views show (docs/EVIDENCE.md).
        let governing = verification.governing_charter(charter, &s.id);
        let closed = verification.governed(&s.id).closed;
        let policy = governing.policy.severity(&n.severity);
        let receivers = governing
            .parties
            .iter()
            .filter(|p| p.key != author)
            .map(|p| {
                let r = judge(&led, s, n, p.key, policy, governing.witness_quorum);
                match (closed, governing.party(&author)) {
                    (Some(close), _) => void_by_charter(r, &format!(
                        "void: the channel was closed (close {} in force) before this notice, as the sender's own signed views show; no deadline runs",
                        close.short()
                    )),
                    (None, None) => void_by_charter(r, &format!(
                        "void: {} is not a party of the charter governing this notice (removed by an amendment in force it had seen); no deadline runs",
                        led.label(&author)
                    )),
                    (None, Some(_)) => r,
                }
            })
            .collect();
        notices.push(NoticeStatus {
            id: s.id,
            author: led.label(&author),
            seq: s.seq().0,
            incident: n.incident.clone(),
            stage: n.stage,
            severity: n.severity.clone(),
            summary: n.summary.clone(),
            sent: s.time(),
            witnessed: CheckpointSummary::earliest_witness(
                &checkpoints,
                &led.label(&author),
                s.seq().0,
            ),
            witness_quorum: CheckpointSummary::earliest_quorum(
                &checkpoints,
                &led.label(&author),
                s.seq().0,
                governing.witness_quorum,
            ),
            receivers,
        });
    }

    let disputes = seen
        .iter()
        .filter_map(|s| {
            let Body::Ack(a) = &s.body else { return None };
            if !matches!(
                a.state,
                AckState::Disputed | AckState::Rejected | AckState::NeedsInfo
            ) {
                return None;
            }
            let target = by_id.get(&a.of.id).and_then(|i| seen.get(*i));
            Some(Dispute {
                ack: led.ack_seen(
                    s,
                    a.state,
                    &a.reason,
                    &a.of.author,
                    verification
                        .governing_charter(charter, &s.id)
                        .witness_quorum,
                ),
                by: led.label(&s.author()),
                of: a.of.id,
                of_author: target
                    .map(|t| led.label(&t.author()))
                    .unwrap_or_else(|| "unknown".into()),
                of_kind: target.map(|t| t.body.kind()),
            })
        })
        .collect();

    let mut counts: HashMap<Status, usize> = HashMap::new();
    for n in &notices {
        for r in &n.receivers {
            for v in [&r.ack, &r.respond] {
                *counts.entry(v.status).or_default() += 1;
            }
        }
    }
    let count = |s| counts.get(&s).copied().unwrap_or(0);
    let missed = count(Status::Missed);
    Audit {
        ok: verification.ok && missed == 0,
        at,
        notices,
        disputes,
        missed,
        pending: count(Status::Pending),
        undetermined: count(Status::Undetermined),
        paused: count(Status::Paused),
        void: count(Status::Void),
        verification,
    }
}

/// The earliest of `list` by judged time, with that time and why it was raised.
type Timed<'s> = ((Timestamp, Option<String>), &'s Seen);

fn first<'s>(led: &Ledger<'_>, list: &[&'s Seen]) -> Option<Timed<'s>> {
    list.iter()
        .map(|e| (led.effective(e), *e))
        .min_by_key(|((t, _), _)| *t)
}

/// `r` with both deadlines void, resting on the charter.
fn void_by_charter(r: Receiver, reason: &str) -> Receiver {
    let v = || plain(Status::Void, Basis::Charter, reason.to_owned());
    Receiver {
        ack: v(),
        respond: v(),
        ..r
    }
}

/// One receiver's obligations for one notice, under the policy and witness quorum of the
/// charter governing it.
fn judge(
    led: &Ledger<'_>,
    s: &Seen,
    n: &crate::entry::Notice,
    r: PartyId,
    policy: Option<&crate::charter::Severity>,
    quorum: u32,
) -> Receiver {
    let author = s.author();
    // The acceptance comes before every later entry of its feed, whatever it claims: it counts
    // from the earliest time claimed by it or by any of them, if that is by the audit time.
    let accepted = led
        .all(&r)
        .find(|e| e.seq() == Seq(0) && matches!(e.body.kind(), Kind::Acceptance | Kind::Charter))
        .and_then(|_| led.all(&r).map(Seen::time).min())
        .filter(|t| *t <= led.at);
    let forked = led.forks.get(&author).is_some_and(|k| *k <= s.seq().0);
    let possession = if forked {
        None
    } else {
        led.possession(&r, s, quorum)
    };
    let mut acks = Vec::new();
    let mut ack_entries = Vec::new();
    let mut responses = Vec::new();
    let mut answers = Vec::new();
    let mut asks = Vec::new();
    for e in led.by(&r) {
        match &e.body {
            Body::Ack(a) if a.of.id == s.id => {
                acks.push(led.ack_seen(e, a.state, &a.reason, &author, quorum));
                ack_entries.push(e);
                match a.state {
                    AckState::NeedsInfo => asks.push(e),
                    AckState::Received => {}
                    _ => answers.push(e),
                }
            }
            Body::Response(x) if x.to == s.id => {
                responses.push(ResponseSeen {
                    id: e.id,
                    time: e.time(),
                });
                answers.push(e);
            }
            _ => {}
        }
    }
    let receiver = |ack, respond| Receiver {
        party: led.label(&r),
        accepted,
        possession: possession.clone(),
        acks: acks.clone(),
        responses: responses.clone(),
        ack,
        respond,
    };
    if let Some(k) = led.forks.get(&author).filter(|k| **k <= s.seq().0) {
        let v = || {
            plain(
                Status::Void,
                Basis::Fork,
                format!(
                    "void: the sender forked its feed at seq {k}, at or before this notice (seq {}); which history the receiver was shown is in doubt",
                    s.seq()
                ),
            )
        };
        return receiver(v(), v());
    }
    if accepted.is_none() {
        let v = || {
            plain(
                Status::NotBound,
                Basis::Charter,
                format!(
                    "not bound: {} has not accepted the charter in the entries given; no deadline runs against it",
                    led.label(&r)
                ),
            )
        };
        return receiver(v(), v());
    }
    let Some(p) = possession.as_ref() else {
        let v = |what: &str| {
            plain(
                Status::Undetermined,
                Basis::NoEvidence,
                format!(
                    "undetermined: no evidence of delivery (no receipt, ack, view or cosignature by {} covers it); the sender's claimed send time starts no {what} clock",
                    led.label(&r)
                ),
            )
        };
        return receiver(v("acknowledge-by"), v("respond-by"));
    };
    // The clock starts at possession (its claim, or the witnesses' time if earlier), never
    // before the notice or the acceptance.
    let held_at = p.witnessed.map_or(p.time, |w| w.min(p.time));
    let from = held_at.max(s.time()).max(accepted.unwrap_or(held_at));
    let ack_due = due(n.ack_by, policy.map(|x| x.ack_within), from);
    let ack_judge = Judge {
        what: "acknowledgement",
        due: ack_due,
        possession: p,
        at: led.at,
    };
    let ack = match first(led, &ack_entries) {
        Some(((t, raised), e)) => ack_judge.answered(
            e,
            raised,
            t,
            led.held_by(&author, e),
            led.witnessed(e, quorum),
        ),
        None => ack_judge.unanswered(),
    };

    // Respond-by: a request for information made while the clock runs stops it until the
    // receiver holds the sender's answer to it (a response to the request, or a later notice
    // of the same incident referring to this one), whatever either claims about its time.
    // Overlapping pauses count once.
    let base_due = due(n.respond_by, policy.map(|x| x.respond_within), from);
    let answer = first(led, &answers);
    // A request is timed by its own claim (a raise by a later-claimed entry inside its views
    // would let that entry's author void a prompt request); if only the raise would put it
    // after the clock ran out, the claims conflict and the verdict cannot rest on either.
    let mut timed_asks: Vec<(Timestamp, &Seen)> = asks.iter().map(|a| (a.time(), *a)).collect();
    timed_asks.sort_by_key(|(t, _)| *t);
    let mut paused_for = 0u64;
    let mut paused_until: Option<Timestamp> = None;
    let mut still_paused = None;
    let mut conflicting_ask = None;
    for (asked, ask) in timed_asks {
        let running = base_due.map(|d| d.plus(paused_for));
        if answer.as_ref().is_some_and(|((t, _), _)| *t <= asked)
            || running.is_some_and(|d| asked > d)
        {
            continue; // after the answer, or after the clock ran out: it pauses nothing
        }
        if running.is_some_and(|d| led.effective(ask).0 > d) {
            conflicting_ask = Some(ask.id);
        }
        // The sender's answer to this request: a response to it, or a notice of the same
        // incident referring to this one whose views include the request (so sent after it).
        let reply = led.all(&author).find(|e| match &e.body {
            Body::Response(x) => x.to == ask.id,
            Body::Notice(m) => {
                m.incident == n.incident
                    && m.refs.contains(&s.id)
                    && led.coverage.covers(&e.id, &r, ask.seq(), &ask.id)
            }
            _ => false,
        });
        let resumed = reply.and_then(|e| led.possession_of(&r, e).map(|t| t.max(asked)));
        let Some(resumed) = resumed else {
            still_paused = Some((asked, reply.map(|e| e.id)));
            break;
        };
        // Count only the part of [asked, resumed] not already counted.
        let start = paused_until.map_or(asked, |u| u.max(asked));
        paused_for = paused_for.saturating_add(resumed.0.saturating_sub(start.0));
        paused_until = Some(paused_until.map_or(resumed, |u| u.max(resumed)));
    }
    let mut respond_due = base_due.map(|d| d.plus(paused_for));
    // An answer given while the clock was still stopped is in time.
    if let (Some(((t, _), _)), Some((asked, _))) = (&answer, &still_paused)
        && t >= asked
    {
        respond_due = respond_due.map(|d| d.max(*t));
    }
    let respond_judge = Judge {
        what: "substantive answer",
        due: respond_due,
        possession: p,
        at: led.at,
    };
    let respond = match (answer, still_paused) {
        (Some(((t, raised), e)), _) => respond_judge.answered(
            e,
            raised,
            t,
            led.held_by(&author, e),
            led.witnessed(e, quorum),
        ),
        (None, Some((asked, reply))) => Verdict {
            status: Status::Paused,
            due: respond_due,
            at: None,
            basis: Basis::Receiver,
            reason: match reply {
                None => format!(
                    "paused: {} asked for information (needs-info) at {asked}; the sender has not answered it, so the respond-by clock is stopped",
                    led.label(&r),
                ),
                Some(id) => format!(
                    "paused: {} asked for information (needs-info) at {asked}; the sender answered ({}), but nothing {} signed shows it received the answer, so the respond-by clock is stopped",
                    led.label(&r),
                    id.short(),
                    led.label(&r),
                ),
            },
        },
        (None, None) => respond_judge.unanswered(),
    };
    let respond = match conflicting_ask {
        Some(id) if matches!(respond.status, Status::Met | Status::Paused) => Verdict {
            status: Status::Undetermined,
            due: respond.due,
            at: respond.at,
            basis: Basis::ConflictingClaims,
            reason: format!(
                "undetermined: the request for information {} claims a time while the clock ran, but its signed views hold an entry claimed after the clock ran out; one of the two authors mis-stated its time, and the verdict turns on it",
                id.short()
            ),
        },
        _ => respond,
    };
    // What the receiver's feed presented lacks (a gap, or entries others' signatures claim) may
    // hold the answer: a miss cannot rest on the receiver's signatures then.
    let incomplete = |v: Verdict| match (v.status, led.incomplete(&r)) {
        (Status::Missed, Some(why)) => Verdict {
            status: Status::Undetermined,
            basis: Basis::NoEvidence,
            reason: format!(
                "undetermined: {why}, so an answer may be among the entries not presented; without them the receiver's signatures show no answer by the due time"
            ),
            ..v
        },
        _ => v,
    };
    receiver(incomplete(ack), incomplete(respond))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Notice;
    use crate::example;

    const H: u64 = 3600;

    #[test]
    fn example_channel_deadlines() {
        let (charter, entries) = example::channel().unwrap();
        let a = audit(&charter, &entries, Timestamp(example::T0 + 97 * H));
        assert_eq!(a.notices.len(), 2);
        let first = &a.notices[0].receivers[0];
        assert_eq!(first.party, "beta");
        // Beta's first entry whose views include the notice is its acknowledgement.
        let p = first.possession.as_ref().unwrap();
        assert_eq!((p.via.as_str(), p.seq), ("ack", Some(2)));
        assert_eq!(first.ack.status, Status::Met, "{:?}", first.ack);
        // Alpha's own entry holding beta's ack comes only at T0+49h, after the due time, so
        // the verdict rests on beta's signed ack.
        assert_eq!(first.ack.basis, Basis::Receiver);
        assert_eq!(
            first.acks[0].held_by_sender,
            Some(Timestamp(example::T0 + 49 * H))
        );
        assert_eq!(first.respond.status, Status::Met);
        // The later of the notice's own ack-by (T0+28h) and possession + 4h (T0+29h).
        assert_eq!(first.ack.due, Some(Timestamp(example::T0 + 29 * H)));
        let update = &a.notices[1].receivers[0];
        assert_eq!(update.acks[0].state, AckState::Disputed);
        assert_eq!(update.respond.status, Status::Met, "a dispute is an answer");
        assert_eq!(a.disputes.len(), 1);
        assert_eq!((a.missed, a.undetermined), (0, 0));
        assert!(a.ok);
    }

    #[test]
    fn a_notice_no_one_signed_for_is_undetermined_not_missed() {
        let (charter, entries) = example::channel().unwrap();
        // Everything up to and including the first notice: beta has signed nothing since.
        let partial = &entries[..6];
        let late = audit(&charter, partial, Timestamp(example::T0 + 500 * H));
        assert!(late.verification.ok);
        let r = &late.notices[0].receivers[0];
        assert!(r.possession.is_none());
        assert_eq!(r.ack.status, Status::Undetermined, "{:?}", r.ack);
        assert_eq!(r.ack.basis, Basis::NoEvidence);
        assert_eq!(late.missed, 0);
        assert_eq!(late.undetermined, 2);
        assert!(late.ok);
    }

    fn notice(severity: &str, ack_by: Option<u64>) -> Body {
        Body::Notice(Notice {
            incident: "X".into(),
            stage: Stage::Initial,
            severity: severity.into(),
            category: "c".into(),
            summary: "s".into(),
            detail: String::new(),
            detected_at: None,
            indicators: vec![],
            requested_action: String::new(),
            handling: String::new(),
            ack_by: ack_by.map(Timestamp),
            respond_by: None,
            refs: vec![],
        })
    }

    /// Alpha's notice at `sent`, beta's ack of it claimed at `ack_at`.
    fn notice_and_ack(
        severity: &str,
        ack_by: Option<u64>,
        sent: u64,
        ack_at: u64,
    ) -> (Charter, Vec<Vec<u8>>) {
        let mut ex = example::build().unwrap();
        let n = ex
            .alpha
            .append(sent, ex.beta.seen(), notice(severity, ack_by))
            .unwrap();
        let ack = ex
            .beta
            .append(
                ack_at,
                ex.alpha.seen(),
                example::ack(example::entry_ref(&n).unwrap(), AckState::Received, ""),
            )
            .unwrap();
        let mut entries: Vec<Vec<u8>> = ex
            .entries
            .iter()
            .map(|(_, e)| e.encode().unwrap())
            .collect();
        entries.push(n.encode().unwrap());
        entries.push(ack.encode().unwrap());
        (ex.charter, entries)
    }

    #[test]
    fn the_policy_window_binds_the_sender() {
        // "low" gives 72 hours; the sender asked for an acknowledgement before it even sent
        // the notice. Beta's ack, its first possession, is on time.
        let sent = example::T0 + 200 * H;
        let (charter, entries) = notice_and_ack("low", Some(sent - 1), sent, sent + 1);
        let a = audit(&charter, &entries, Timestamp(sent + 10 * H));
        let r = &a.notices[2].receivers[0];
        assert_eq!(r.ack.status, Status::Met);
        assert_eq!(r.ack.due, Some(Timestamp(sent + 1 + 72 * H)));
        assert_eq!(r.ack.basis, Basis::Receiver);
    }

    #[test]
    fn answers_after_the_audit_time_do_not_count() {
        let sent = example::T0 + 200 * H;
        let (charter, entries) = notice_and_ack("high", None, sent, sent + 2 * H);
        // At sent + 1h the acknowledgement (claimed at +2h) had not been given, and nothing
        // else of beta's shows it held the notice.
        let a = audit(&charter, &entries, Timestamp(sent + H));
        let r = &a.notices[2].receivers[0];
        assert!(r.acks.is_empty());
        assert_eq!(r.ack.status, Status::Undetermined);
        // A notice claimed after the audit time is not listed.
        let before = audit(&charter, &entries, Timestamp(sent - 1));
        assert_eq!(before.notices.len(), 2);
    }

    #[test]
    fn a_severity_outside_the_policy_sets_no_deadline() {
        // The notice is an unknown-severity error, and with no deadline of its own nothing
        // runs: "none", resting on the charter.
        let sent = example::T0 + 200 * H;
        let (charter, entries) = notice_and_ack("apocalyptic", None, sent, sent + H);
        let a = audit(&charter, &entries, Timestamp(sent + 10 * H));
        assert_eq!(
            a.verification
                .of_kind(crate::verify::FindingKind::UnknownSeverity)
                .count(),
            1
        );
        let r = &a.notices[2].receivers[0];
        assert_eq!((r.ack.status, r.ack.basis), (Status::None, Basis::Charter));
        assert_eq!(r.respond.status, Status::None);
        assert!(!a.ok, "the verification failed");
    }

    #[test]
    fn due_takes_the_later_of_the_notice_and_the_window() {
        assert_eq!(
            due(Some(Timestamp(10)), Some(5), Timestamp(3)),
            Some(Timestamp(10))
        );
        assert_eq!(
            due(Some(Timestamp(10)), Some(50), Timestamp(3)),
            Some(Timestamp(53))
        );
        assert_eq!(due(None, None, Timestamp(3)), None);
    }
}
