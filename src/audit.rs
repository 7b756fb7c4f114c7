//! The audit: for every notice, who acknowledged and answered it, when (by their own claims),
//! and which deadlines are met, pending or missed at a given time; every dispute; and the
//! verifier's findings (forks, time anomalies). Pure, like the verifier.
//!
//! Times here are claims: the sender's claim for when a notice was sent, each receiver's claim
//! for when it acknowledged. A receiver's signed acknowledgement is evidence that it held the
//! notice by then; nothing here is evidence of when the sender really sent it.

use std::collections::HashMap;

use crate::charter::Charter;
use crate::entry::{AckState, Body, EntryId, Kind, SignedEntry, Stage, Timestamp};
use crate::keys::PartyId;
use crate::verify::{self, CheckpointSummary, Options, Report, Witnessed};

/// Where a deadline stands at the audit time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Deadline {
    /// The notice set no such deadline.
    None,
    /// Answered at `at` (claimed), on or before `due`.
    Met {
        /// The deadline.
        due: Timestamp,
        /// When the answer claims to have been written.
        at: Timestamp,
    },
    /// Not answered yet, and `due` has not passed.
    Pending {
        /// The deadline.
        due: Timestamp,
    },
    /// Not answered by `due`: answered late at `at`, or not at all.
    Missed {
        /// The deadline.
        due: Timestamp,
        /// When the late answer claims to have been written, if there is one.
        #[serde(skip_serializing_if = "Option::is_none")]
        at: Option<Timestamp>,
    },
}

impl Deadline {
    fn judge(due: Option<Timestamp>, answered: Option<Timestamp>, now: Timestamp) -> Deadline {
        match (due, answered) {
            (None, _) => Deadline::None,
            (Some(due), Some(at)) if at <= due => Deadline::Met { due, at },
            (Some(due), Some(at)) => Deadline::Missed { due, at: Some(at) },
            (Some(due), None) if now > due => Deadline::Missed { due, at: None },
            (Some(due), None) => Deadline::Pending { due },
        }
    }

    /// Whether the deadline was missed.
    pub fn is_missed(&self) -> bool {
        matches!(self, Deadline::Missed { .. })
    }
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
    /// The reason given, if any.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// How one receiving party has dealt with one notice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Receiver {
    /// The receiving party's name.
    pub party: String,
    /// Its acknowledgements of the notice, in feed order.
    pub acks: Vec<AckSeen>,
    /// Ids and claimed times of its responses to the notice.
    pub responses: Vec<(EntryId, Timestamp)>,
    /// The acknowledge-by deadline: the later of the notice's and the charter policy's for
    /// its severity.
    pub ack: Deadline,
    /// The respond-by deadline, likewise: met by a response or a substantive acknowledgement.
    pub respond: Deadline,
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
    /// When the sender claims it was sent.
    pub sent: Timestamp,
    /// The earliest cosignature of a checkpoint of the sender's feed that includes the notice:
    /// signed evidence, by another party, that the notice was in the feed by then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed: Option<Witnessed>,
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
    /// The full verification of the same entries, judged at the same time.
    pub verification: Report,
}

/// The deadline that binds: the later of the notice's own and the policy's, whichever exist.
fn due(notice: Option<Timestamp>, policy: Option<Timestamp>) -> Option<Timestamp> {
    match (notice, policy) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

struct Seen {
    id: EntryId,
    signed: SignedEntry,
    body: Body,
}

/// Audit `entries` against `charter` at time `at`.
pub fn audit<B: AsRef<[u8]>>(charter: &Charter, entries: &[B], at: Timestamp) -> Audit {
    audit_with_notes::<B, &[u8]>(charter, entries, &[], at)
}

/// Audit `entries` and checkpoint `notes` against `charter` at time `at`: as [`audit`], with
/// split views reported and each notice's earliest cosigned checkpoint as "when" evidence.
pub fn audit_with_notes<B: AsRef<[u8]>, N: AsRef<[u8]>>(
    charter: &Charter,
    entries: &[B],
    notes: &[N],
    at: Timestamp,
) -> Audit {
    let verification = verify::verify_with_notes(
        charter,
        entries,
        notes,
        Options {
            now: Some(at),
            ..Options::default()
        },
    );
    // Only entries that pass their own checks count as communicated.
    let channel = verification.channel;
    let mut seen: Vec<Seen> = Vec::new();
    let mut by_id: HashMap<EntryId, usize> = HashMap::new();
    for bytes in entries {
        let Ok(signed) = SignedEntry::decode(bytes.as_ref()) else {
            continue;
        };
        let h = signed.header();
        if h.channel != channel || charter.party(&h.author).is_none() {
            continue;
        }
        if signed.verify_signature().is_err() {
            continue;
        }
        let (Ok(id), Ok(body)) = (signed.id(), signed.entry.body()) else {
            continue;
        };
        if by_id.contains_key(&id) {
            continue;
        }
        by_id.insert(id, seen.len());
        seen.push(Seen { id, signed, body });
    }

    let label = |k: &PartyId| charter.label(k);
    // Answers by target, so the audit is linear in the entries, not notices × entries.
    let mut answers: HashMap<EntryId, Vec<&Seen>> = HashMap::new();
    for r in &seen {
        match &r.body {
            Body::Ack(a) => answers.entry(a.of.id).or_default().push(r),
            Body::Response(x) => answers.entry(x.to).or_default().push(r),
            _ => {}
        }
    }
    let mut notices = Vec::new();
    for s in &seen {
        let Body::Notice(n) = &s.body else { continue };
        let author = s.signed.header().author;
        let sent = s.signed.header().time;
        // Judged as of `at`: a notice claimed later was not sent yet.
        if sent > at {
            continue;
        }
        // The receiver's duty is at least the charter's window for the severity; a sender
        // can grant more time but not less.
        let policy = charter.policy.severity(&n.severity);
        let ack_by = due(n.ack_by, policy.map(|p| sent.plus(p.ack_within)));
        let respond_by = due(n.respond_by, policy.map(|p| sent.plus(p.respond_within)));
        let targets = answers.get(&s.id).map(Vec::as_slice).unwrap_or_default();
        let receivers = charter
            .parties
            .iter()
            .filter(|p| p.key != author)
            .map(|p| {
                let mut acks = Vec::new();
                let mut responses = Vec::new();
                // Answers claimed after `at` had not been given yet; an answer claiming a time
                // before the notice counts from the notice's own time.
                for r in targets
                    .iter()
                    .filter(|r| r.signed.header().author == p.key && r.signed.header().time <= at)
                {
                    let time = r.signed.header().time.max(sent);
                    match &r.body {
                        Body::Ack(a) if a.of.id == s.id => acks.push(AckSeen {
                            id: r.id,
                            state: a.state,
                            time,
                            reason: a.reason.clone(),
                        }),
                        Body::Response(x) if x.to == s.id => responses.push((r.id, time)),
                        _ => {}
                    }
                }
                let first_ack = acks.iter().map(|a| a.time).min();
                let first_answer = acks
                    .iter()
                    .filter(|a| a.state.is_substantive())
                    .map(|a| a.time)
                    .chain(responses.iter().map(|r| r.1))
                    .min();
                Receiver {
                    party: p.name.clone(),
                    ack: Deadline::judge(ack_by, first_ack, at),
                    respond: Deadline::judge(respond_by, first_answer, at),
                    acks,
                    responses,
                }
            })
            .collect();
        notices.push(NoticeStatus {
            id: s.id,
            author: label(&author),
            seq: s.signed.header().seq.0,
            incident: n.incident.clone(),
            stage: n.stage,
            severity: n.severity.clone(),
            summary: n.summary.clone(),
            sent: s.signed.header().time,
            witnessed: CheckpointSummary::earliest_witness(
                &verification.checkpoints,
                &label(&author),
                s.signed.header().seq.0,
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
                ack: AckSeen {
                    id: s.id,
                    state: a.state,
                    time: s.signed.header().time,
                    reason: a.reason.clone(),
                },
                by: label(&s.signed.header().author),
                of: a.of.id,
                of_author: target
                    .map(|t| label(&t.signed.header().author))
                    .unwrap_or_else(|| "unknown".into()),
                of_kind: target.map(|t| t.body.kind()),
            })
        })
        .collect();

    let deadlines = notices
        .iter()
        .flat_map(|n: &NoticeStatus| n.receivers.iter())
        .flat_map(|r| [r.ack, r.respond]);
    let (mut missed, mut pending) = (0, 0);
    for d in deadlines {
        match d {
            Deadline::Missed { .. } => missed += 1,
            Deadline::Pending { .. } => pending += 1,
            _ => {}
        }
    }
    Audit {
        ok: verification.ok && missed == 0,
        at,
        notices,
        disputes,
        missed,
        pending,
        verification,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example;

    const H: u64 = 3600;

    #[test]
    fn example_channel_deadlines() {
        let (charter, entries) = example::channel().unwrap();
        // Right after everything was written: all acknowledged in time.
        let a = audit(&charter, &entries, Timestamp(example::T0 + 97 * H));
        assert_eq!(a.notices.len(), 2);
        let first = &a.notices[0].receivers[0];
        assert_eq!(first.party, "beta");
        assert!(matches!(first.ack, Deadline::Met { .. }), "{first:?}");
        assert!(matches!(first.respond, Deadline::Met { .. }));
        let update = &a.notices[1].receivers[0];
        assert_eq!(update.acks[0].state, AckState::Disputed);
        assert!(
            matches!(update.respond, Deadline::Met { .. }),
            "a dispute is an answer"
        );
        assert_eq!(a.disputes.len(), 1);
        assert_eq!(a.missed, 0);
        assert!(a.ok);
    }

    #[test]
    fn missing_acknowledgement_is_pending_then_missed() {
        let (charter, entries) = example::channel().unwrap();
        // Everything up to and including the first notice: beta has not answered it yet.
        let partial = &entries[..6];
        let early = audit(&charter, partial, Timestamp(example::T0 + 26 * H));
        assert!(early.ok, "{:?}", early.verification.findings);
        let r = &early.notices[0].receivers[0];
        assert!(matches!(r.ack, Deadline::Pending { .. }), "{r:?}");
        let late = audit(&charter, partial, Timestamp(example::T0 + 100 * H));
        assert!(late.verification.ok, "only the deadline fails");
        let r = &late.notices[0].receivers[0];
        assert!(matches!(r.ack, Deadline::Missed { at: None, .. }), "{r:?}");
        assert!(!late.ok);
        assert!(late.missed >= 1);
    }

    /// Alpha's notice of `severity` with the given deadlines, and beta's acknowledgement of it
    /// claimed at `ack_at`.
    fn notice_and_ack(
        severity: &str,
        ack_by: Option<u64>,
        ack_at: u64,
    ) -> (Charter, Vec<Vec<u8>>, u64) {
        use crate::entry::{AckState, Notice, Stage};
        let mut ex = example::build().unwrap();
        let sent = example::T0 + 200 * H;
        let notice = ex
            .alpha
            .append(
                sent,
                ex.beta.seen(),
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
                }),
            )
            .unwrap();
        let view = ex.alpha.seen();
        let ack = ex
            .beta
            .append(
                ack_at.max(example::T0 + 74 * H),
                view,
                example::ack(example::entry_ref(&notice).unwrap(), AckState::Received, ""),
            )
            .unwrap();
        let mut entries: Vec<Vec<u8>> = ex
            .entries
            .iter()
            .map(|(_, e)| e.encode().unwrap())
            .collect();
        entries.push(notice.encode().unwrap());
        entries.push(ack.encode().unwrap());
        (ex.charter, entries, sent)
    }

    #[test]
    fn the_policy_window_binds_the_sender() {
        // "low" gives 72 hours to acknowledge; the sender asked for an acknowledgement before
        // it even sent the notice. Beta's answer a second later is on time.
        let sent = example::T0 + 200 * H;
        let (charter, entries, _) = notice_and_ack("low", Some(sent - 1), sent + 1);
        let a = audit(&charter, &entries, Timestamp(sent + 10 * H));
        let r = &a.notices[2].receivers[0];
        assert_eq!(
            r.ack,
            Deadline::Met {
                due: Timestamp(sent + 72 * H),
                at: Timestamp(sent + 1)
            }
        );
        // With no deadline in the notice at all, the policy still applies.
        let (charter, entries, _) = notice_and_ack("low", None, sent + 100 * H);
        let a = audit(&charter, &entries, Timestamp(sent + 200 * H));
        assert!(a.notices[2].receivers[0].ack.is_missed());
    }

    #[test]
    fn answers_after_the_audit_time_do_not_count() {
        let sent = example::T0 + 200 * H;
        let (charter, entries, _) = notice_and_ack("high", None, sent + 2 * H);
        // At sent + 1h the acknowledgement (claimed at +2h) had not been given.
        let a = audit(&charter, &entries, Timestamp(sent + H));
        let r = &a.notices[2].receivers[0];
        assert!(r.acks.is_empty());
        assert_eq!(
            r.ack,
            Deadline::Pending {
                due: Timestamp(sent + 4 * H)
            }
        );
        // A notice claimed after the audit time is not listed.
        let before = audit(&charter, &entries, Timestamp(sent - 1));
        assert_eq!(before.notices.len(), 2);
    }

    #[test]
    fn late_answer_is_missed_with_its_time() {
        assert_eq!(
            Deadline::judge(Some(Timestamp(10)), Some(Timestamp(11)), Timestamp(5)),
            Deadline::Missed {
                due: Timestamp(10),
                at: Some(Timestamp(11))
            }
        );
        assert_eq!(
            Deadline::judge(Some(Timestamp(10)), Some(Timestamp(10)), Timestamp(50)),
            Deadline::Met {
                due: Timestamp(10),
                at: Timestamp(10)
            }
        );
        assert_eq!(Deadline::judge(None, None, Timestamp(0)), Deadline::None);
    }
}
