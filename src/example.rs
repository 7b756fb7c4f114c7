//! A complete, valid two-party channel built from fixed seeds: the reference data behind the
//! fixtures, the tests, the benchmarks and the synthetic channel generator. Its keys are public
//! test keys: never use them for anything real. Behind the `example` feature (on by default,
//! off with `default-features = false`), so that an integrator's build has no test keys.

use crate::chain::{self, Head};
use crate::charter::{CHARTER_VERSION, Charter, Party, Policy};
use crate::encoding::{EncodeError, tag, tagged_hash};
use crate::entry::{
    Acceptance, Ack, AckState, Body, ChannelId, Commitment, Definition, EntryRef, FeedView, Notice,
    Response, SignedEntry, Stage, Timestamp, View,
};
use crate::keys::{PartyId, SecretKey};
use crate::merkle::{self, Frontier, Hash};

/// 2026-01-01T00:00:00Z, the example channel's first claimed time.
pub const T0: u64 = 1_767_225_600;

/// The public test key of `name`: its seed is `SHA-256("hotline public test key\0" ‖ name)`.
pub fn test_key(name: &str) -> SecretKey {
    let seed = tagged_hash(b"hotline public test key\0", name.as_bytes());
    SecretKey::from_seed(name, &seed)
}

/// The `n`th public test key of `name`, in the order a feed rotates through them: `n = 0` is
/// [`test_key`], and key `n ≥ 1` has the seed `SHA-256("hotline public test key\0" ‖ name ‖
/// "/" ‖ n)` (n in decimal). A charter pre-commits to key 1.
pub fn test_key_at(name: &str, n: u32) -> SecretKey {
    if n == 0 {
        return test_key(name);
    }
    let seed = tagged_hash(
        b"hotline public test key\0",
        format!("{name}/{n}").as_bytes(),
    );
    SecretKey::from_seed(name, &seed)
}

/// A charter's entry for `name` with its public test keys (key 0, pre-committing to key 1).
pub fn test_party(name: &str, role: &str) -> Party {
    Party {
        name: name.into(),
        key: test_key(name).party(),
        next: test_key_at(name, 1).party().digest(),
        role: role.into(),
    }
}

/// The example charter: alpha (founder) and beta, the default severity scale.
pub fn charter() -> Charter {
    let party = |name: &str| test_party(name, "point-of-contact");
    Charter {
        version: CHARTER_VERSION,
        name: "alpha-beta cyber hotline".into(),
        parties: vec![party("alpha"), party("beta")],
        policy: Policy::default_scale(),
        created: Timestamp(T0),
        witnesses: vec![],
        witness_quorum: 0,
    }
}

/// One party writing its feed, keeping its head, its Merkle leaves and the tree's frontier
/// (so [`Writer::view`] costs O(log n), not a root over every leaf).
///
/// The fields are public for tests that read them; a copy signing with another key (a
/// thief's) is made with [`Writer::with_key`], which keeps the frontier in step.
pub struct Writer {
    /// The party whose feed it is (its first key).
    pub author: PartyId,
    /// The key in force: the one the next entry is signed with.
    pub key: SecretKey,
    /// The channel written to.
    pub channel: ChannelId,
    /// The last entry written.
    pub head: Option<Head>,
    /// Leaf hashes of every entry written.
    pub leaves: Vec<Hash>,
    /// The frontier of `leaves`' tree, kept by [`Writer::append`].
    frontier: Frontier,
}

impl Writer {
    /// A writer for `key` in `channel`, with an empty feed: `key` is the party's first key.
    pub fn new(key: SecretKey, channel: ChannelId) -> Writer {
        Writer {
            author: key.party(),
            key,
            channel,
            head: None,
            leaves: Vec::new(),
            frontier: Frontier::new(),
        }
    }

    /// A copy of this writer as it stands now, signing its next entries with `key`: what
    /// someone who copied the party's store and holds `key` could sign.
    pub fn with_key(&self, key: SecretKey) -> Writer {
        Writer {
            author: self.author,
            key,
            channel: self.channel,
            head: self.head,
            leaves: self.leaves.clone(),
            frontier: self.frontier.clone(),
        }
    }

    /// Sign and append `body` at claimed time `time`, with `views` of the other feeds (see
    /// [`Writer::seen`]).
    ///
    /// # Errors
    ///
    /// Only if the entry exceeds the size limit.
    pub fn append(
        &mut self,
        time: u64,
        views: Vec<View>,
        body: Body,
    ) -> Result<SignedEntry, EncodeError> {
        let (signed, head) = chain::sign_next(
            &self.key,
            self.author,
            self.channel,
            self.head.as_ref(),
            Timestamp(time),
            views,
            &body,
        )?;
        let leaf = merkle::leaf_hash(&signed.encode()?);
        // A feed of 2^64 entries cannot be signed in any real time; `Frontier::push` refuses
        // only that.
        let _ = self.frontier.push(leaf);
        self.leaves.push(leaf);
        self.head = Some(head);
        Ok(signed)
    }

    /// This writer's feed as another party sees it now.
    pub fn view(&self) -> FeedView {
        FeedView {
            size: self.frontier.size(),
            root: self.frontier.root(),
        }
    }

    /// This writer's feed as a header view: what another party signs when it has seen all of
    /// it. Empty (no view) before the first entry.
    pub fn seen(&self) -> Vec<View> {
        let v = self.view();
        if v.size == 0 {
            return Vec::new();
        }
        vec![View {
            party: self.author,
            size: v.size,
            root: v.root,
        }]
    }
}

/// The place and id of a signed entry, as an acknowledgement names it.
///
/// # Errors
///
/// Only if the entry exceeds the size limit.
pub fn entry_ref(e: &SignedEntry) -> Result<EntryRef, EncodeError> {
    Ok(EntryRef {
        author: e.header().author,
        seq: e.header().seq,
        id: e.id()?,
    })
}

/// Build an acknowledgement body.
pub fn ack(of: EntryRef, state: AckState, reason: &str) -> Body {
    Body::Ack(Ack {
        of,
        state,
        reason: reason.into(),
    })
}

/// The example channel and the two writers that wrote it.
pub struct Example {
    /// The charter.
    pub charter: Charter,
    /// The entries in order of writing, each with a short label (`alpha-0-charter`, …).
    pub entries: Vec<(String, SignedEntry)>,
    /// Alpha's writer, to extend its feed.
    pub alpha: Writer,
    /// Beta's writer, to extend its feed.
    pub beta: Writer,
}

/// Build the example channel.
///
/// # Errors
///
/// Only if an entry exceeds the size limit, which these do not.
pub fn build() -> Result<Example, EncodeError> {
    let charter = charter();
    let channel = charter.id()?;
    let mut a = Writer::new(test_key("alpha"), channel);
    let mut b = Writer::new(test_key("beta"), channel);
    let mut out: Vec<(String, SignedEntry)> = Vec::new();
    let h = 3600;
    let mut put = |label: &str, e: SignedEntry| -> Result<EntryRef, EncodeError> {
        let r = entry_ref(&e)?;
        out.push((label.to_owned(), e));
        Ok(r)
    };

    put(
        "alpha-0-charter",
        a.append(T0, vec![], Body::Charter(charter.clone()))?,
    )?;
    put(
        "beta-0-acceptance",
        b.append(
            T0 + h,
            a.seen(),
            Body::Acceptance(Acceptance { charter: channel }),
        )?,
    )?;
    let def = put(
        "alpha-1-definition",
        a.append(
            T0 + 2 * h,
            b.seen(),
            Body::Definition(Definition {
                term: "cyber-enabled theft of intellectual property".into(),
                text: "The use of computer networks to obtain, without authorisation, trade secrets or other confidential business information for the commercial advantage of a company or sector.".into(),
                supersedes: None,
            }),
        )?,
    )?;
    let commit = put(
        "alpha-2-commitment",
        a.append(
            T0 + 3 * h,
            b.seen(),
            Body::Commitment(Commitment {
                title: "No cyber-enabled theft of intellectual property".into(),
                text: "Neither side will conduct or knowingly support cyber-enabled theft of intellectual property for commercial advantage.".into(),
                cites: vec![def.id],
                supersedes: None,
            }),
        )?,
    )?;
    put(
        "beta-1-ack-accepted",
        b.append(T0 + 4 * h, a.seen(), ack(commit, AckState::Accepted, ""))?,
    )?;
    let notice = put(
        "alpha-3-notice",
        a.append(
            T0 + 24 * h,
            b.seen(),
            Body::Notice(Notice {
                incident: "ALPHA-2026-0001".into(),
                stage: Stage::Initial,
                severity: "high".into(),
                category: "exfiltration".into(),
                summary: "Exfiltration from a research network traced to infrastructure in your jurisdiction".into(),
                detail: "Between 02:00 and 04:00 UTC about 40 GB left a research network for the listed addresses.".into(),
                detected_at: Some(Timestamp(T0 + 22 * h)),
                indicators: vec!["198.51.100.23".into(), "203.0.113.77".into()],
                requested_action: "Investigate the listed hosts and preserve their logs.".into(),
                handling: "TLP:AMBER".into(),
                ack_by: Some(Timestamp(T0 + 28 * h)),
                respond_by: Some(Timestamp(T0 + 96 * h)),
                refs: vec![commit.id],
            }),
        )?,
    )?;
    put(
        "beta-2-ack-received",
        b.append(T0 + 25 * h, a.seen(), ack(notice, AckState::Received, ""))?,
    )?;
    let response = put(
        "beta-3-response",
        b.append(
            T0 + 48 * h,
            a.seen(),
            Body::Response(Response {
                to: notice.id,
                text:
                    "The hosts were taken down; logs are preserved. No state involvement was found."
                        .into(),
            }),
        )?,
    )?;
    put(
        "alpha-4-ack-received",
        a.append(T0 + 49 * h, b.seen(), ack(response, AckState::Received, ""))?,
    )?;
    let update = put(
        "alpha-5-notice-update",
        a.append(
            T0 + 72 * h,
            b.seen(),
            Body::Notice(Notice {
                incident: "ALPHA-2026-0001".into(),
                stage: Stage::Update,
                severity: "high".into(),
                category: "exfiltration".into(),
                summary: "The stolen data was offered for sale by a company in your jurisdiction"
                    .into(),
                detail: String::new(),
                detected_at: None,
                indicators: vec![],
                requested_action: "Confirm whether the company acted on state tasking.".into(),
                handling: "TLP:AMBER".into(),
                ack_by: Some(Timestamp(T0 + 76 * h)),
                respond_by: Some(Timestamp(T0 + 144 * h)),
                refs: vec![notice.id],
            }),
        )?,
    )?;
    put(
        "beta-4-ack-disputed",
        b.append(
            T0 + 73 * h,
            a.seen(),
            ack(
                update,
                AckState::Disputed,
                "The company named has no link to any state body.",
            ),
        )?,
    )?;
    put(
        "alpha-6-definition-revised",
        a.append(
            T0 + 96 * h,
            b.seen(),
            Body::Definition(Definition {
                term: "major incident".into(),
                text: "An incident that disrupts essential services in either jurisdiction or exposes data of more than 100,000 people.".into(),
                supersedes: None,
            }),
        )?,
    )?;
    Ok(Example {
        charter,
        entries: out,
        alpha: a,
        beta: b,
    })
}

/// The example charter and its entries, encoded, for examples and tests.
///
/// # Errors
///
/// Only if an entry exceeds the size limit, which these do not.
pub fn channel() -> Result<(Charter, Vec<Vec<u8>>), EncodeError> {
    let Example {
        charter, entries, ..
    } = build()?;
    let bytes = entries
        .iter()
        .map(|(_, e)| e.encode())
        .collect::<Result<Vec<_>, _>>()?;
    Ok((charter, bytes))
}

/// The channel id of the example charter (for tests that need a second, foreign channel).
pub fn other_channel_id() -> ChannelId {
    ChannelId(tagged_hash(tag::CHANNEL_ID, b"another channel"))
}

/// Words the synthetic channel's texts are made of.
const WORDS: [&str; 24] = [
    "network",
    "host",
    "logs",
    "traffic",
    "address",
    "service",
    "credential",
    "malware",
    "outage",
    "access",
    "research",
    "operator",
    "jurisdiction",
    "preserved",
    "observed",
    "between",
    "reported",
    "systems",
    "incident",
    "contained",
    "external",
    "domain",
    "team",
    "analysis",
];

/// `len` bytes (or a few under) of words, varied by `seed`.
fn prose(seed: u64, len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(WORDS.get((x % 24) as usize).copied().unwrap_or("word"));
    }
    out.truncate(len);
    out.truncate(out.trim_end().len());
    out
}

/// A deterministic, valid channel of `n` entries between the example parties (`alpha` and
/// `beta`, the public test keys), for benchmarks and for anyone reproducing their figures: the
/// charter and its acceptance, then rounds of an incident each — a notice, beta's receipt and
/// acknowledgement, beta's response, alpha's acknowledgement of it — with updates, beta's own
/// notices, definitions and commitments mixed in, every entry carrying a view of the other
/// feed. Texts vary in length (an entry is about 500 bytes on average); claimed times advance
/// 97 seconds an entry from [`T0`], so every acknowledgement and response is in time.
///
/// `cargo run --release --example synth -- --entries N --out FILE --keys DIR` writes one as a
/// bundle.
///
/// # Errors
///
/// Only if an entry exceeds the size limit, which these do not.
pub fn synthetic(n: usize) -> Result<(Charter, Vec<Vec<u8>>), EncodeError> {
    let charter = charter();
    let channel = charter.id()?;
    let mut w = Synth {
        a: Writer::new(test_key("alpha"), channel),
        b: Writer::new(test_key("beta"), channel),
        out: Vec::with_capacity(n),
        time: T0,
        n,
    };
    w.put(true, Body::Charter(charter.clone()))?;
    w.put(false, Body::Acceptance(Acceptance { charter: channel }))?;
    let severities = ["low", "medium", "high", "critical"];
    let mut round: u64 = 0;
    let mut last_definition = None;
    while w.out.len() < n {
        round += 1;
        let r = round;
        let notice = |by: &str, stage: Stage, refs: Vec<crate::entry::EntryId>, t: u64| {
            Body::Notice(Notice {
                incident: format!("{by}-2026-{r:07}"),
                stage,
                severity: severities
                    .get((r % 4) as usize)
                    .copied()
                    .unwrap_or("low")
                    .into(),
                category: "intrusion".into(),
                summary: prose(r, 40 + (r % 60) as usize),
                detail: prose(r + 1, 40 + (r * 37 % 200) as usize),
                detected_at: Some(Timestamp(t.saturating_sub(600))),
                indicators: (0..(r % 4))
                    .map(|i| format!("198.51.100.{}", (r + i) % 250 + 1))
                    .collect(),
                requested_action: prose(r + 2, 30 + (r % 50) as usize),
                handling: "TLP:AMBER".into(),
                ack_by: None,
                respond_by: None,
                refs,
            })
        };
        let refs = last_definition.into_iter().collect();
        let time = w.time + 97;
        let Some(n0) = w.put(true, notice("ALPHA", Stage::Initial, refs, time))? else {
            break;
        };
        w.put(
            false,
            Body::Receipt(crate::entry::Receipt {
                feeds: vec![n0.author],
            }),
        )?;
        w.put(false, ack(n0, AckState::Received, ""))?;
        let Some(resp) = w.put(
            false,
            Body::Response(Response {
                to: n0.id,
                text: prose(r + 3, 60 + (r * 53 % 160) as usize),
            }),
        )?
        else {
            break;
        };
        w.put(true, ack(resp, AckState::Received, ""))?;
        if r.is_multiple_of(3)
            && let Some(up) = w.put(true, notice("ALPHA", Stage::Update, vec![n0.id], time))?
        {
            let state = if r.is_multiple_of(9) {
                AckState::Disputed
            } else {
                AckState::Accepted
            };
            let reason = if r.is_multiple_of(9) {
                prose(r + 4, 60)
            } else {
                String::new()
            };
            w.put(false, ack(up, state, &reason))?;
        }
        if r.is_multiple_of(5)
            && let Some(theirs) = w.put(false, notice("BETA", Stage::Initial, vec![], time))?
        {
            w.put(true, ack(theirs, AckState::Received, ""))?;
        }
        if r.is_multiple_of(7)
            && let Some(def) = w.put(
                true,
                Body::Definition(Definition {
                    term: format!("term {r}"),
                    text: prose(r + 5, 120 + (r % 200) as usize),
                    supersedes: None,
                }),
            )?
        {
            last_definition = Some(def.id);
            if let Some(c) = w.put(
                false,
                Body::Commitment(Commitment {
                    title: format!("commitment {r}"),
                    text: prose(r + 6, 100 + (r % 150) as usize),
                    cites: vec![def.id],
                    supersedes: None,
                }),
            )? {
                w.put(true, ack(c, AckState::Accepted, ""))?;
            }
        }
    }
    Ok((charter, w.out))
}

/// The writers of [`synthetic`] and what they wrote.
struct Synth {
    a: Writer,
    b: Writer,
    out: Vec<Vec<u8>>,
    time: u64,
    n: usize,
}

impl Synth {
    /// Appends one entry by alpha (`alpha` true) or beta, unless `n` are written.
    fn put(&mut self, alpha: bool, body: Body) -> Result<Option<EntryRef>, EncodeError> {
        if self.out.len() >= self.n {
            return Ok(None);
        }
        self.time += 97;
        let e = if alpha {
            let seen = self.b.seen();
            self.a.append(self.time, seen, body)?
        } else {
            let seen = self.a.seen();
            self.b.append(self.time, seen, body)?
        };
        let r = entry_ref(&e)?;
        self.out.push(e.encode()?);
        Ok(Some(r))
    }
}
