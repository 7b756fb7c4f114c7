//! Entries: the one signed record type, its header, its body kinds and its id.
//!
//! ```text
//! SignedEntry = Entry ‖ signature[64]
//! Entry       = Header ‖ kind: u16 ‖ body: Vec<u8>      (body = canonical encoding of the kind's struct)
//! Header      = version: u8 ‖ channel[32] ‖ author[32] ‖ seq: u64 ‖ prev[32] ‖ time: u64
//!               ‖ views: Vec<View>
//! View        = party[32] ‖ size: u64 ‖ root[32]  (the author's view of another party's feed)
//! entry id    = SHA-256("hotline/v2/entry-id\0" ‖ Entry)
//! signature   = Ed25519(author, "hotline/v2/entry-signature\0" ‖ Entry)
//! ```
//!
//! The body travels as a length-prefixed byte string tagged with its kind, so a verifier that
//! does not know a newer kind can still check the entry's signature, id and place in the feed.
//! The id covers everything but the signature, so it does not change if the same content is
//! signed again.
//!
//! Every header carries the author's views of the other feeds it holds, so every entry is a
//! signed receipt of everything inside its views and sits after them in a causal order that no
//! claimed time can undo. The views are complete in every entry (not only the ones that
//! changed), so one entry proven on its own, with an inclusion proof, still says all it saw. See `docs/FORMAT.md` for the full byte layout.

use std::fmt;
use std::str::FromStr;

use crate::charter::Charter;
use crate::encoding::{self, DecodeError, EncodeError, tag};
use crate::keys::{KeyDigest, KeyError, PartyId, SecretKey};

/// The only entry format version this library writes and accepts.
pub const FORMAT_VERSION: u8 = 2;

macro_rules! hash_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, bincode::Encode, bincode::Decode)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// The all-zero value.
            pub const ZERO: $name = $name([0u8; 32]);

            /// The first 6 bytes in hex, for people.
            pub fn short(&self) -> String {
                hex::encode(self.0.get(..6).unwrap_or_default())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.short())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let mut out = [0u8; 32];
                hex::decode_to_slice(s.trim(), &mut out).map_err(|_| IdError {
                    what: $what,
                    found: s.to_owned(),
                })?;
                Ok($name(out))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }
    };
}

hash_id!(
    /// An entry's id: `SHA-256("hotline/v2/entry-id\0" ‖ Entry)`.
    EntryId,
    "entry id"
);
hash_id!(
    /// A channel's id: `SHA-256("hotline/v2/channel-id\0" ‖ Charter)`.
    ChannelId,
    "channel id"
);

/// A string that is not a 64-hex-digit id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a {what}: expected 64 hex digits, found {found:?}")]
pub struct IdError {
    /// Which kind of id was expected.
    pub what: &'static str,
    /// What was given.
    pub found: String,
}

/// A position in a party's feed: 0 for its first entry.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    bincode::Encode,
    bincode::Decode,
    serde::Serialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Seconds since the Unix epoch (UTC), as claimed by whoever wrote it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    bincode::Encode,
    bincode::Decode,
    serde::Serialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// `self + secs`, saturating.
    pub fn plus(self, secs: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs))
    }
}

/// RFC 3339 in UTC to the second (`2026-01-01T00:00:00Z`), for messages; years past 9999 are
/// shown as 9999-12-31T23:59:59Z.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Days to a civil date, after H. Hinnant's `civil_from_days` (proleptic Gregorian).
        let t = self.0.min(253_402_300_799);
        let (days, secs) = (t / 86_400, t % 86_400);
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z % 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

/// The fixed part of every entry.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Header {
    /// [`FORMAT_VERSION`].
    pub version: u8,
    /// The channel this entry belongs to; it cannot be replayed into another.
    pub channel: ChannelId,
    /// The party whose feed it is: the party's identity, its first key in the charter.
    pub author: PartyId,
    /// The key that signed it: the author's key in force at this place in its feed (`author`
    /// itself until the feed's first rotation, see [`Rotate`] and [`Revoke`]).
    pub key: PartyId,
    /// Its position in the author's feed.
    pub seq: Seq,
    /// The id of the author's previous entry; [`EntryId::ZERO`] at seq 0.
    pub prev: EntryId,
    /// When the author says it wrote the entry: a claim, not evidence.
    pub time: Timestamp,
    /// The author's view of every other party's feed of which it holds at least one entry,
    /// strictly ascending by party key (see [`View`]).
    pub views: Vec<View>,
}

/// One party's signed view of another party's feed: the other feed's first `size` entries
/// have this RFC 6962 root. Signing it is a receipt for every one of those entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct View {
    /// The party whose feed is viewed.
    pub party: PartyId,
    /// How many of its entries the view covers (at least 1).
    pub size: u64,
    /// RFC 6962 root of those entries, hex in JSON.
    #[serde(serialize_with = "hex_bytes")]
    pub root: [u8; 32],
}

impl View {
    /// The view as a size and a root.
    pub fn feed(&self) -> FeedView {
        FeedView {
            size: self.size,
            root: self.root,
        }
    }
}

impl Header {
    /// The author's view of `party`'s feed, if the header carries one.
    pub fn view_of(&self, party: &PartyId) -> Option<&View> {
        self.views.iter().find(|v| v.party == *party)
    }
}

/// The body kinds, with their wire numbers.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// 1: the founding party's first entry.
    Charter,
    /// 2: every other party's first entry.
    Acceptance,
    /// 3: a term and its meaning.
    Definition,
    /// 4: an agreed text.
    Commitment,
    /// 5: an incident notice.
    Notice,
    /// 6: a substantive response to an entry.
    Response,
    /// 7: an acknowledgement of another party's entry.
    Ack,
    /// 8: a receipt for entries imported from other parties' feeds.
    Receipt,
    /// 9: the author moves to its pre-committed next key.
    Rotate,
    /// 10: the author, with its pre-committed next key, voids a stolen key.
    Revoke,
    /// 11: a proposed new charter.
    Amend,
    /// 12: a party's acceptance of an amendment or a closing.
    Ratify,
    /// 13: a proposal to end the channel.
    Close,
}

impl Kind {
    /// Every kind this version knows.
    pub const ALL: [Kind; 13] = [
        Kind::Charter,
        Kind::Acceptance,
        Kind::Definition,
        Kind::Commitment,
        Kind::Notice,
        Kind::Response,
        Kind::Ack,
        Kind::Receipt,
        Kind::Rotate,
        Kind::Revoke,
        Kind::Amend,
        Kind::Ratify,
        Kind::Close,
    ];

    /// The wire number.
    pub fn code(self) -> u16 {
        match self {
            Kind::Charter => 1,
            Kind::Acceptance => 2,
            Kind::Definition => 3,
            Kind::Commitment => 4,
            Kind::Notice => 5,
            Kind::Response => 6,
            Kind::Ack => 7,
            Kind::Receipt => 8,
            Kind::Rotate => 9,
            Kind::Revoke => 10,
            Kind::Amend => 11,
            Kind::Ratify => 12,
            Kind::Close => 13,
        }
    }

    /// The kind with this wire number, if this version knows it.
    pub fn from_code(code: u16) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kebab-case name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Charter => "charter",
            Kind::Acceptance => "acceptance",
            Kind::Definition => "definition",
            Kind::Commitment => "commitment",
            Kind::Notice => "notice",
            Kind::Response => "response",
            Kind::Ack => "ack",
            Kind::Receipt => "receipt",
            Kind::Rotate => "rotate",
            Kind::Revoke => "revoke",
            Kind::Amend => "amend",
            Kind::Ratify => "ratify",
            Kind::Close => "close",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A party's acceptance of the charter (its first entry).
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Acceptance {
    /// The channel id, that is, the hash of the charter accepted.
    pub charter: ChannelId,
}

/// A versioned definition of a term both sides can cite.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Definition {
    /// The term defined.
    pub term: String,
    /// Its meaning.
    pub text: String,
    /// An earlier definition this one replaces.
    pub supersedes: Option<EntryId>,
}

/// A commitment: an agreed text.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Commitment {
    /// A short title.
    pub title: String,
    /// The committed text.
    pub text: String,
    /// Definitions it relies on, in ascending order without repeats.
    pub cites: Vec<EntryId>,
    /// An earlier commitment this one replaces.
    pub supersedes: Option<EntryId>,
}

/// The stage of an incident report (NIS2-style: early warning, update, final report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// 0: first notice of an incident.
    Initial,
    /// 1: new information on a notified incident.
    Update,
    /// 2: the closing report.
    Final,
}

/// A notice of an incident or a perceived violation, with a duty to acknowledge.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Notice {
    /// The sender's reference for the incident, shared by all its stages.
    pub incident: String,
    /// Which report this is.
    pub stage: Stage,
    /// A severity name from the charter's policy.
    pub severity: String,
    /// The category (e.g. a STIX incident type).
    pub category: String,
    /// One line.
    pub summary: String,
    /// The full account; may be empty.
    pub detail: String,
    /// When the sender detected the incident.
    pub detected_at: Option<Timestamp>,
    /// Indicators of compromise, one per item.
    pub indicators: Vec<String>,
    /// What the sender asks the receiver to do; may be empty.
    pub requested_action: String,
    /// Handling restrictions, e.g. `TLP:AMBER`; may be empty.
    pub handling: String,
    /// Acknowledge by this time.
    pub ack_by: Option<Timestamp>,
    /// Respond substantively by this time.
    pub respond_by: Option<Timestamp>,
    /// Earlier entries this notice refers to, ascending without repeats.
    pub refs: Vec<EntryId>,
}

/// A substantive response to an entry.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Response {
    /// The entry answered.
    pub to: EntryId,
    /// The answer.
    pub text: String,
}

/// What an acknowledgement says about the entry it names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, bincode::Encode, bincode::Decode, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum AckState {
    /// 0: I hold this exact entry.
    Received,
    /// 1: received, and I accept it.
    Accepted,
    /// 2: received, and I dispute it (reason given).
    Disputed,
    /// 3: received, and I reject it (reason given).
    Rejected,
    /// 4: received, and I need more information (what, given).
    NeedsInfo,
}

impl AckState {
    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            AckState::Received => "received",
            AckState::Accepted => "accepted",
            AckState::Disputed => "disputed",
            AckState::Rejected => "rejected",
            AckState::NeedsInfo => "needs-info",
        }
    }

    /// Whether this state answers the substance (anything but `received`).
    pub fn is_substantive(self) -> bool {
        self != AckState::Received
    }
}

impl FromStr for AckState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            AckState::Received,
            AckState::Accepted,
            AckState::Disputed,
            AckState::Rejected,
            AckState::NeedsInfo,
        ]
        .into_iter()
        .find(|a| a.name() == s)
        .ok_or_else(|| {
            format!("unknown state {s:?}: use received, accepted, disputed, rejected or needs-info")
        })
    }
}

/// A party's view of another party's feed: its first `size` entries have this Merkle root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct FeedView {
    /// How many entries of the feed the view covers.
    pub size: u64,
    /// RFC 6962 root of those entries, hex in JSON.
    #[serde(serialize_with = "hex_bytes")]
    pub root: [u8; 32],
}

fn hex_bytes<S: serde::Serializer>(b: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// An entry named by its place as well as its id, so that a verifier that does not hold it can
/// still say whose entry, and which, a signature is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct EntryRef {
    /// Its author.
    pub author: PartyId,
    /// Its seq in the author's feed.
    pub seq: Seq,
    /// Its id.
    pub id: EntryId,
}

/// An acknowledgement of another party's entry. The acker's view of that party's feed, in the
/// header, must include the entry acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Ack {
    /// The entry acknowledged.
    pub of: EntryRef,
    /// What the acker says about it.
    pub state: AckState,
    /// Why, for disputed, rejected and needs-info; may be empty.
    pub reason: String,
}

/// A receipt, signed on import: the header's views of `feeds` are the evidence. Receipts are
/// not themselves receipted, so two parties' exchanges converge.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Receipt {
    /// The feeds the import brought new entries of, strictly ascending; each has a view in the
    /// header.
    pub feeds: Vec<PartyId>,
}

/// The author moves from its current key to its pre-committed next key. Signed by the current
/// key; `key` must be the key whose digest the author's key state holds as next (from the
/// charter, or from the rotation or revocation before). Entries after this one are signed by
/// `key`.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Rotate {
    /// The new key, revealed.
    pub key: PartyId,
    /// The digest of the key after it ([`PartyId::digest`]), committed now.
    pub next: KeyDigest,
}

/// The author's current key was stolen: signed by the pre-committed next key (which the header's
/// `key` reveals, and which a thief holding a copy of the current key does not have), this
/// voids the current key from seq `from` on. Entries signed by the voided key at or after
/// `from` that this entry does not chain to are the thief's, not the author's, unless another
/// party relied on them first (docs/FORMAT.md §7, docs/EVIDENCE.md). Entries after this one are
/// signed by the header's key.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Revoke {
    /// The first seq at which the current key, and every key the feed used before it, is
    /// void: at least 1 and at most this entry's seq.
    pub from: Seq,
    /// The digest of the key after the one signing this ([`PartyId::digest`]).
    pub next: KeyDigest,
    /// What happened, for people; may be empty.
    pub reason: String,
}

/// A proposed new charter for the channel: parties added or removed, the policy, the
/// witnesses. The channel id stays the founding charter's. It takes effect once every party of
/// the charter in force has accepted it (the proposer by proposing, the others by
/// [`Ratify`]), and from then on binds notices signed after it.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Amend {
    /// The charter proposed.
    pub charter: Charter,
    /// The amendment in force that this one replaces; `None` when the founding charter is in
    /// force.
    pub amends: Option<EntryRef>,
}

/// A party's acceptance of an [`Amend`] or a [`Close`] entry.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Ratify {
    /// The amendment or closing accepted.
    pub proposal: EntryRef,
}

/// A proposal to end the channel, naming the channel that succeeds it, if any. It takes effect,
/// like an amendment, once every party of the charter in force has accepted it.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Close {
    /// The channel that carries on, if any.
    pub successor: Option<ChannelId>,
    /// Why, for people; may be empty.
    pub reason: String,
}

/// A decoded body.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// See [`Charter`].
    Charter(Charter),
    /// See [`Acceptance`].
    Acceptance(Acceptance),
    /// See [`Definition`].
    Definition(Definition),
    /// See [`Commitment`].
    Commitment(Commitment),
    /// See [`Notice`].
    Notice(Notice),
    /// See [`Response`].
    Response(Response),
    /// See [`Ack`].
    Ack(Ack),
    /// See [`Receipt`].
    Receipt(Receipt),
    /// See [`Rotate`].
    Rotate(Rotate),
    /// See [`Revoke`].
    Revoke(Revoke),
    /// See [`Amend`].
    Amend(Box<Amend>),
    /// See [`Ratify`].
    Ratify(Ratify),
    /// See [`Close`].
    Close(Close),
}

impl Body {
    /// The body's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Body::Charter(_) => Kind::Charter,
            Body::Acceptance(_) => Kind::Acceptance,
            Body::Definition(_) => Kind::Definition,
            Body::Commitment(_) => Kind::Commitment,
            Body::Notice(_) => Kind::Notice,
            Body::Response(_) => Kind::Response,
            Body::Ack(_) => Kind::Ack,
            Body::Receipt(_) => Kind::Receipt,
            Body::Rotate(_) => Kind::Rotate,
            Body::Revoke(_) => Kind::Revoke,
            Body::Amend(_) => Kind::Amend,
            Body::Ratify(_) => Kind::Ratify,
            Body::Close(_) => Kind::Close,
        }
    }

    /// Canonical bytes of the body's struct.
    ///
    /// # Errors
    ///
    /// Only if the body exceeds the size limit.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            Body::Charter(b) => encoding::encode(b),
            Body::Acceptance(b) => encoding::encode(b),
            Body::Definition(b) => encoding::encode(b),
            Body::Commitment(b) => encoding::encode(b),
            Body::Notice(b) => encoding::encode(b),
            Body::Response(b) => encoding::encode(b),
            Body::Ack(b) => encoding::encode(b),
            Body::Receipt(b) => encoding::encode(b),
            Body::Rotate(b) => encoding::encode(b),
            Body::Revoke(b) => encoding::encode(b),
            Body::Amend(b) => encoding::encode(b.as_ref()),
            Body::Ratify(b) => encoding::encode(b),
            Body::Close(b) => encoding::encode(b),
        }
    }

    /// Decode a body of the given wire kind.
    ///
    /// # Errors
    ///
    /// [`BodyError::UnknownKind`] for a kind this version does not know, or the decoding error.
    pub fn decode(kind: u16, bytes: &[u8]) -> Result<Body, BodyError> {
        let k = Kind::from_code(kind).ok_or(BodyError::UnknownKind(kind))?;
        let d = |e| BodyError::Decode { kind: k, error: e };
        Ok(match k {
            Kind::Charter => Body::Charter(encoding::decode(bytes).map_err(d)?),
            Kind::Acceptance => Body::Acceptance(encoding::decode(bytes).map_err(d)?),
            Kind::Definition => Body::Definition(encoding::decode(bytes).map_err(d)?),
            Kind::Commitment => Body::Commitment(encoding::decode(bytes).map_err(d)?),
            Kind::Notice => Body::Notice(encoding::decode(bytes).map_err(d)?),
            Kind::Response => Body::Response(encoding::decode(bytes).map_err(d)?),
            Kind::Ack => Body::Ack(encoding::decode(bytes).map_err(d)?),
            Kind::Receipt => Body::Receipt(encoding::decode(bytes).map_err(d)?),
            Kind::Rotate => Body::Rotate(encoding::decode(bytes).map_err(d)?),
            Kind::Revoke => Body::Revoke(encoding::decode(bytes).map_err(d)?),
            Kind::Amend => Body::Amend(Box::new(encoding::decode(bytes).map_err(d)?)),
            Kind::Ratify => Body::Ratify(encoding::decode(bytes).map_err(d)?),
            Kind::Close => Body::Close(encoding::decode(bytes).map_err(d)?),
        })
    }

    /// Every entry id this body refers to, with the field that holds it.
    pub fn references(&self) -> Vec<(&'static str, EntryId)> {
        let mut out = Vec::new();
        match self {
            Body::Definition(d) => out.extend(d.supersedes.map(|id| ("supersedes", id))),
            Body::Commitment(c) => {
                out.extend(c.cites.iter().map(|id| ("cites", *id)));
                out.extend(c.supersedes.map(|id| ("supersedes", id)));
            }
            Body::Notice(n) => out.extend(n.refs.iter().map(|id| ("refs", *id))),
            Body::Response(r) => out.push(("to", r.to)),
            Body::Ack(a) => out.push(("of", a.of.id)),
            Body::Amend(a) => out.extend(a.amends.map(|r| ("amends", r.id))),
            Body::Ratify(r) => out.push(("proposal", r.proposal.id)),
            Body::Charter(_)
            | Body::Acceptance(_)
            | Body::Receipt(_)
            | Body::Rotate(_)
            | Body::Revoke(_)
            | Body::Close(_) => {}
        }
        out
    }

    /// Rules on a body's content beyond its encoding: lists that are sets must be strictly
    /// ascending (one byte form per meaning), required text must be present, and the names
    /// people cite (a definition's term, a commitment's title, a notice's incident) must meet
    /// `text::check_name`.
    ///
    /// # Errors
    ///
    /// A sentence naming the field and the rule it breaks.
    pub fn check_content(&self) -> Result<(), String> {
        fn ascending(field: &str, ids: &[EntryId]) -> Result<(), String> {
            if ids.windows(2).all(|w| matches!(w, [a, b] if a < b)) {
                Ok(())
            } else {
                Err(format!(
                    "`{field}` must list ids in strictly ascending order without repeats (canonical form)"
                ))
            }
        }
        fn non_empty(field: &str, s: &str) -> Result<(), String> {
            if s.trim().is_empty() {
                Err(format!("`{field}` must not be empty"))
            } else {
                Ok(())
            }
        }
        // A name people cite: present, and one encoding that looks like what it is.
        fn name(field: &str, s: &str) -> Result<(), String> {
            non_empty(field, s)?;
            crate::text::check_name(s).map_err(|e| format!("`{field}` {e}"))
        }
        match self {
            Body::Charter(c) => c.check().map_err(|e| e.to_string()),
            Body::Acceptance(_) => Ok(()),
            Body::Definition(d) => {
                name("term", &d.term)?;
                non_empty("text", &d.text)
            }
            Body::Commitment(c) => {
                name("title", &c.title)?;
                non_empty("text", &c.text)?;
                ascending("cites", &c.cites)
            }
            Body::Notice(n) => {
                name("incident", &n.incident)?;
                non_empty("severity", &n.severity)?;
                non_empty("category", &n.category)?;
                non_empty("summary", &n.summary)?;
                if let Some(i) = n.indicators.iter().position(|x| x.trim().is_empty()) {
                    return Err(format!("`indicators` item {i} is empty"));
                }
                check_handling(&n.handling)?;
                ascending("refs", &n.refs)
            }
            Body::Response(r) => non_empty("text", &r.text),
            Body::Receipt(r) => {
                if r.feeds.is_empty() {
                    return Err("`feeds` must name at least one feed".into());
                }
                if r.feeds.windows(2).all(|w| matches!(w, [a, b] if a < b)) {
                    Ok(())
                } else {
                    Err("`feeds` must list keys in strictly ascending order without repeats (canonical form)".into())
                }
            }
            Body::Rotate(r) => {
                if r.next == r.key.digest() {
                    return Err("`next` commits to the revealed key itself; the key after it must be another".into());
                }
                r.key
                    .verifying_key()
                    .map(|_| ())
                    .map_err(|e| format!("`key`: {e}"))
            }
            Body::Revoke(r) => {
                if r.from.0 == 0 {
                    return Err(
                        "`from` must be at least 1: the first entry cannot be revoked".into(),
                    );
                }
                Ok(())
            }
            Body::Amend(a) => a.charter.check().map_err(|e| format!("`charter`: {e}")),
            Body::Ratify(_) | Body::Close(_) => Ok(()),
            Body::Ack(a) => {
                if matches!(
                    a.state,
                    AckState::Disputed | AckState::Rejected | AckState::NeedsInfo
                ) {
                    non_empty("reason", &a.reason)?;
                }
                Ok(())
            }
        }
    }
}

/// The labels of the Traffic Light Protocol, version 2.0 (FIRST, <https://www.first.org/tlp/>).
pub const TLP_LABELS: [&str; 5] = [
    "TLP:CLEAR",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:AMBER+STRICT",
    "TLP:RED",
];

/// A notice's `handling`: empty, or free text, except that one that names a Traffic Light
/// Protocol label (it begins with `TLP:`, in any case) must be exactly one of TLP 2.0's
/// [`TLP_LABELS`]: a mistyped or retired label (`TLP:PURPLE`, TLP 1.0's `TLP:WHITE`) would leave
/// the receiver guessing how far the notice may go.
fn check_handling(handling: &str) -> Result<(), String> {
    let h = handling.trim();
    let tlp = h.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("TLP:"));
    if !tlp || TLP_LABELS.contains(&handling) {
        return Ok(());
    }
    Err(format!(
        "`handling` {handling:?} is not a TLP 2.0 label: use one of {}",
        TLP_LABELS.join(", ")
    ))
}

/// Why a body could not be read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// A kind this version does not know.
    #[error("unknown body kind {0}")]
    UnknownKind(u16),
    /// The body bytes do not decode as the kind says.
    #[error("{kind} body: {error}")]
    Decode {
        /// The kind.
        kind: Kind,
        /// What is wrong.
        error: DecodeError,
    },
}

/// An unsigned entry: the header, the body's kind and the body's canonical bytes.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Entry {
    /// The fixed part.
    pub header: Header,
    /// The body's wire kind ([`Kind::code`]).
    pub kind: u16,
    /// The body's canonical bytes.
    pub body: Vec<u8>,
}

impl Entry {
    /// Build an entry from a header and a typed body.
    ///
    /// # Errors
    ///
    /// Only if the body exceeds the size limit.
    pub fn new(header: Header, body: &Body) -> Result<Entry, EncodeError> {
        Ok(Entry {
            header,
            kind: body.kind().code(),
            body: body.encode()?,
        })
    }

    /// The canonical bytes of the entry (without signature).
    ///
    /// # Errors
    ///
    /// Only if the entry exceeds the size limit.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encoding::encode(self)
    }

    /// The decoded body.
    ///
    /// # Errors
    ///
    /// See [`Body::decode`].
    pub fn body(&self) -> Result<Body, BodyError> {
        Body::decode(self.kind, &self.body)
    }

    /// Sign the entry. The caller is responsible for the header (see `chain`).
    ///
    /// # Errors
    ///
    /// Only if the entry exceeds the size limit.
    pub fn sign(self, key: &SecretKey) -> Result<SignedEntry, EncodeError> {
        let bytes = self.encode()?;
        let signature = key.sign(&encoding::tagged_message(tag::ENTRY_SIGNATURE, &bytes));
        Ok(SignedEntry {
            entry: self,
            signature,
        })
    }
}

/// An entry with its author's signature. Its canonical bytes are the Merkle leaf.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct SignedEntry {
    /// The signed content.
    pub entry: Entry,
    /// Ed25519 signature over `"hotline/v2/entry-signature\0" ‖ Entry`.
    pub signature: [u8; 64],
}

impl SignedEntry {
    /// Decode strictly and check the version. This does not verify the signature.
    ///
    /// # Errors
    ///
    /// [`EntryError::Decode`] or [`EntryError::UnknownVersion`].
    pub fn decode(bytes: &[u8]) -> Result<SignedEntry, EntryError> {
        let se: SignedEntry = encoding::decode(bytes).map_err(EntryError::Decode)?;
        if se.entry.header.version != FORMAT_VERSION {
            return Err(EntryError::UnknownVersion(se.entry.header.version));
        }
        Ok(se)
    }

    /// The canonical bytes.
    ///
    /// # Errors
    ///
    /// Only if the entry exceeds the size limit.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encoding::encode(self)
    }

    /// The entry id.
    ///
    /// # Errors
    ///
    /// Only if the entry exceeds the size limit.
    pub fn id(&self) -> Result<EntryId, EncodeError> {
        Ok(EntryId(encoding::tagged_hash(
            tag::ENTRY_ID,
            &self.entry.encode()?,
        )))
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.entry.header
    }

    /// Verify the signature, strictly, under the header's `key`. Whether that key was the
    /// author's key in force at this seq is a rule of the feed (the verifier's key state), not
    /// of the entry alone.
    ///
    /// # Errors
    ///
    /// [`EntryError::Key`] if the key is unusable or the signature does not verify.
    pub fn verify_signature(&self) -> Result<(), EntryError> {
        let bytes = self.entry.encode().map_err(EntryError::Encode)?;
        self.entry
            .header
            .key
            .verify(
                &encoding::tagged_message(tag::ENTRY_SIGNATURE, &bytes),
                &self.signature,
            )
            .map_err(EntryError::Key)
    }

    /// The id and the signature's verdict ([`SignedEntry::id`], [`SignedEntry::verify_signature`])
    /// from one encoding of the entry, with the header's key checked through `keys`.
    ///
    /// # Errors
    ///
    /// Only if the entry exceeds the size limit (no id); the signature's error is the second
    /// value.
    pub(crate) fn id_and_signature(
        &self,
        keys: &mut crate::keys::KeyCache,
    ) -> Result<(EntryId, Result<(), crate::keys::KeyError>), EncodeError> {
        let bytes = self.entry.encode()?;
        let id = EntryId(encoding::tagged_hash(tag::ENTRY_ID, &bytes));
        let verdict = keys.verify(
            &self.entry.header.key,
            &encoding::tagged_message(tag::ENTRY_SIGNATURE, &bytes),
            &self.signature,
        );
        Ok((id, verdict))
    }
}

/// Why an entry was refused on its own (before any feed rule).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// The bytes are not a canonical signed entry.
    #[error("{0}")]
    Decode(DecodeError),
    /// An entry format version this library does not know.
    #[error("unknown entry format version {0} (this verifier knows version {FORMAT_VERSION})")]
    UnknownVersion(u8),
    /// The key or signature is bad.
    #[error("{0}")]
    Key(KeyError),
    /// The entry could not be re-encoded (too large).
    #[error("{0}")]
    Encode(EncodeError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(key: &SecretKey) -> Header {
        Header {
            version: FORMAT_VERSION,
            channel: ChannelId([3; 32]),
            author: key.party(),
            key: key.party(),
            seq: Seq(1),
            prev: EntryId([4; 32]),
            time: Timestamp(1_700_000_000),
            views: vec![View {
                party: PartyId([7; 32]),
                size: 3,
                root: [8; 32],
            }],
        }
    }

    fn signed() -> (SecretKey, SignedEntry) {
        let key = SecretKey::from_seed("alpha", &[5; 32]);
        let body = Body::Response(Response {
            to: EntryId([6; 32]),
            text: "seen".into(),
        });
        let e = Entry::new(header(&key), &body).unwrap().sign(&key).unwrap();
        (key, e)
    }

    #[test]
    fn round_trip_and_signature() {
        let (_, e) = signed();
        let bytes = e.encode().unwrap();
        let back = SignedEntry::decode(&bytes).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.encode().unwrap(), bytes);
        back.verify_signature().unwrap();
        // Header layout: version, channel, author, key, seq, prev, time.
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(&bytes[1..33], &[3; 32]);
        assert_eq!(&bytes[65..97], &bytes[33..65]);
        assert_eq!(&bytes[97..105], &1u64.to_be_bytes());
        // Then the views: a u64 count, then party ‖ size ‖ root for each.
        assert_eq!(&bytes[145..153], &1u64.to_be_bytes());
        assert_eq!(&bytes[153..185], &[7; 32]);
        assert_eq!(&bytes[185..193], &3u64.to_be_bytes());
        assert_eq!(&bytes[193..225], &[8; 32]);
        // The signature is the last 64 bytes, with no length prefix.
        assert_eq!(&bytes[bytes.len() - 64..], &e.signature);
    }

    #[test]
    fn id_ignores_signature() {
        let (_, e) = signed();
        let mut other = e.clone();
        other.signature = [0; 64];
        assert_eq!(e.id().unwrap(), other.id().unwrap());
        assert!(other.verify_signature().is_err());
    }

    #[test]
    fn unknown_version_and_kind() {
        let (key, e) = signed();
        let mut h = e.entry.clone();
        h.header.version = 1;
        let bytes = h.sign(&key).unwrap().encode().unwrap();
        assert_eq!(
            SignedEntry::decode(&bytes),
            Err(EntryError::UnknownVersion(1))
        );
        assert_eq!(Body::decode(99, &[]), Err(BodyError::UnknownKind(99)));
    }

    #[test]
    fn content_rules() {
        let mut c = Commitment {
            title: "t".into(),
            text: "x".into(),
            cites: vec![EntryId([2; 32]), EntryId([1; 32])],
            supersedes: None,
        };
        assert!(Body::Commitment(c.clone()).check_content().is_err());
        c.cites.reverse();
        assert!(Body::Commitment(c.clone()).check_content().is_ok());
        c.cites.push(EntryId([2; 32]));
        assert!(Body::Commitment(c).check_content().is_err());
    }

    /// A notice's category and indicators are not empty, and a TLP label is one of TLP 2.0's.
    #[test]
    fn notice_fields_and_tlp_labels() {
        let with = |f: &dyn Fn(&mut Notice)| {
            let Body::Notice(mut n) = notice("INC-1") else {
                unreachable!()
            };
            f(&mut n);
            Body::Notice(n).check_content()
        };
        assert_eq!(with(&|_| {}), Ok(()));
        let e = with(&|n| n.category = " ".into()).unwrap_err();
        assert!(e.contains("`category`"), "{e}");
        let e = with(&|n| n.indicators = vec!["198.51.100.23".into(), "\t".into()]).unwrap_err();
        assert!(e.contains("`indicators` item 1"), "{e}");
        for good in TLP_LABELS
            .iter()
            .copied()
            .chain(["", "internal only", "TLP", "PAP:RED"])
        {
            assert_eq!(with(&|n| n.handling = good.into()), Ok(()), "{good:?}");
        }
        for bad in [
            "TLP:PURPLE",
            "TLP:WHITE",
            "tlp:amber",
            " TLP:RED",
            "TLP:RED ",
            "TLP:",
        ] {
            let e = with(&|n| n.handling = bad.into()).unwrap_err();
            assert!(e.contains("not a TLP 2.0 label"), "{bad:?}: {e}");
        }
    }

    fn definition(term: &str) -> Body {
        Body::Definition(Definition {
            term: term.into(),
            text: "meaning".into(),
            supersedes: None,
        })
    }

    fn commitment(title: &str) -> Body {
        Body::Commitment(Commitment {
            title: title.into(),
            text: "x".into(),
            cites: vec![],
            supersedes: None,
        })
    }

    fn notice(incident: &str) -> Body {
        Body::Notice(Notice {
            incident: incident.into(),
            stage: Stage::Initial,
            severity: "high".into(),
            category: "c".into(),
            summary: "s".into(),
            detail: String::new(),
            detected_at: None,
            indicators: vec![],
            requested_action: String::new(),
            handling: String::new(),
            ack_by: None,
            respond_by: None,
            refs: vec![],
        })
    }

    /// Each name field, with a value that breaks one Unicode rule: refused, naming the field,
    /// the code point and its position; the NFC form of the same text passes.
    #[test]
    fn names_are_nfc_visible_and_of_one_script() {
        let cases: [(&str, &str, &str); 5] = [
            // NFD: `e` then U+0301 COMBINING ACUTE ACCENT.
            (
                "de\u{301}ni de service",
                "U+0301 at position 2",
                "Normalization Form C",
            ),
            (
                "major\u{200d}incident",
                "U+200D at position 5",
                "default-ignorable",
            ),
            (
                "\u{202e}tnedicni",
                "U+202E at position 0",
                "default-ignorable",
            ),
            ("tab\there", "U+0009 at position 3", "control"),
            // Cyrillic U+0430 for Latin `a`.
            ("m\u{430}jor", "U+0430 at position 1", "mixes scripts"),
        ];
        for (value, at, rule) in cases {
            for (field, body) in [
                ("term", definition(value)),
                ("title", commitment(value)),
                ("incident", notice(value)),
            ] {
                let err = body.check_content().unwrap_err();
                assert!(
                    err.starts_with(&format!("`{field}` "))
                        && err.contains(at)
                        && err.contains(rule),
                    "{field} {value:?}: {err}"
                );
            }
        }
        for ok in ["déni de service", "major incident", "ALPHA-2026-0001"] {
            for body in [definition(ok), commitment(ok), notice(ok)] {
                assert_eq!(body.check_content(), Ok(()), "{ok:?}");
            }
        }
    }

    /// Free text stays free: the same characters in a definition's text, a summary or a
    /// detail are not refused (displays escape them).
    #[test]
    fn free_text_is_not_a_name() {
        let odd = "m\u{430}jor\u{200d}\u{202e} de\u{301}ni\t";
        let Body::Definition(mut d) = definition("t") else {
            unreachable!()
        };
        d.text = odd.into();
        assert_eq!(Body::Definition(d).check_content(), Ok(()));
        let Body::Notice(mut n) = notice("INC-1") else {
            unreachable!()
        };
        n.summary = odd.into();
        n.detail = odd.into();
        assert_eq!(Body::Notice(n).check_content(), Ok(()));
    }

    #[test]
    fn enums_are_u32_variant_indexes() {
        assert_eq!(encoding::encode(&Stage::Update).unwrap(), [0, 0, 0, 1]);
        assert_eq!(
            encoding::encode(&AckState::NeedsInfo).unwrap(),
            [0, 0, 0, 4]
        );
        assert_eq!(
            encoding::encode(&Some(EntryId([9; 32]))).unwrap().len(),
            33,
            "Option is a 1-byte tag, arrays carry no length"
        );
    }

    #[test]
    fn timestamps_print_as_rfc3339() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(1_767_225_600).to_string(), "2026-01-01T00:00:00Z");
        // 2024-02-29T23:59:59Z, a leap day.
        assert_eq!(Timestamp(1_709_251_199).to_string(), "2024-02-29T23:59:59Z");
        assert_eq!(Timestamp(u64::MAX).to_string(), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_code(k.code()), Some(k));
        }
        assert_eq!(Kind::from_code(0), None);
    }
}
