//! Feed rules, as pure functions: how one entry must follow the one before it in its author's
//! feed, and what a feed must start with.
//!
//! - `seq` starts at 0 and grows by exactly 1;
//! - `prev` is the id of the author's entry at `seq - 1`, and all zero at seq 0;
//! - the claimed time never goes backwards within a feed;
//! - the author is a party of the charter, and the channel id is the charter's;
//! - the founder (the charter's first party) starts with the charter itself, every other party
//!   with an acceptance naming the channel id; neither kind appears anywhere else;
//! - the header's views are of parties of the charter other than the author, strictly
//!   ascending by key, each of at least one entry.
//! - an entry supersedes only an entry of its own kind in its own author's feed, and a
//!   definition only one of the same term.

use crate::charter::Charter;
use crate::encoding::EncodeError;
use crate::entry::{
    Body, ChannelId, Entry, EntryId, FORMAT_VERSION, Header, Kind, Seq, SignedEntry, Timestamp,
    View,
};
use crate::keys::{PartyId, SecretKey};

/// The last entry of a feed, as much of it as the next entry must agree with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Its position.
    pub seq: Seq,
    /// Its id.
    pub id: EntryId,
    /// Its claimed time.
    pub time: Timestamp,
}

/// A broken feed rule. Each variant names what was expected and what was found.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The entry names another channel.
    #[error("entry belongs to channel {found}, not {expected}")]
    WrongChannel {
        /// This channel.
        expected: ChannelId,
        /// The entry's channel.
        found: ChannelId,
    },
    /// The author is not a party of the charter.
    #[error("author key {} is not a party of the charter", .0.fingerprint())]
    NotAParty(PartyId),
    /// Entries are missing before this one.
    #[error("gap: expected seq {expected}, found seq {found}")]
    Gap {
        /// The next seq the feed needed.
        expected: Seq,
        /// The entry's seq.
        found: Seq,
    },
    /// `prev` does not name the previous entry.
    #[error("broken link at seq {seq}: prev is {found}, but the entry at seq {} has id {expected}", .seq.0.saturating_sub(1))]
    BrokenLink {
        /// The entry's seq.
        seq: Seq,
        /// The id `prev` should hold.
        expected: EntryId,
        /// The id it holds.
        found: EntryId,
    },
    /// The claimed time goes backwards.
    #[error("time goes backwards at seq {seq}: {time} is before the previous entry's {previous}")]
    TimeRegression {
        /// The entry's seq.
        seq: Seq,
        /// Its claimed time (Unix seconds).
        time: u64,
        /// The previous entry's claimed time.
        previous: u64,
    },
    /// The first entry of a feed is not what it must be, or a first-entry kind appears later.
    #[error("{0}")]
    Placement(String),
    /// The header's views break a rule of their own (order, author, party, size).
    #[error("{0}")]
    InvalidView(String),
}

/// The header of the entry that follows `head` in `author`'s feed (or starts it), signed by
/// `key` (the author's key in force), with the author's `views` of the other feeds. The time is
/// `now`, raised to the head's time if the local clock is behind it, so a feed never goes
/// backwards. The views are put in canonical order (ascending by party); the author's own and
/// empty ones are dropped.
pub fn next_header(
    channel: ChannelId,
    author: PartyId,
    key: PartyId,
    head: Option<&Head>,
    now: Timestamp,
    mut views: Vec<View>,
) -> Header {
    views.retain(|v| v.party != author && v.size > 0);
    views.sort_by_key(|v| v.party);
    views.dedup_by_key(|v| v.party);
    let (seq, prev, time) = match head {
        None => (Seq(0), EntryId::ZERO, now),
        Some(h) => (Seq(h.seq.0.saturating_add(1)), h.id, now.max(h.time)),
    };
    Header {
        version: FORMAT_VERSION,
        channel,
        author,
        key,
        seq,
        prev,
        time,
        views,
    }
}

/// Sign `body` with `key` as the entry that follows `head` in `author`'s feed, with the author's
/// `views` of the other feeds (see [`next_header`]); returns the entry and the new head. `key`
/// must be the author's key in force after `head` (the author itself before any rotation; for
/// a [`Revoke`](crate::entry::Revoke), the pre-committed next key): the verifier checks it.
///
/// # Errors
///
/// Only if the entry exceeds the size limit.
pub fn sign_next(
    key: &SecretKey,
    author: PartyId,
    channel: ChannelId,
    head: Option<&Head>,
    now: Timestamp,
    views: Vec<View>,
    body: &Body,
) -> Result<(SignedEntry, Head), EncodeError> {
    let header = next_header(channel, author, key.party(), head, now, views);
    let signed = Entry::new(header, body)?.sign(key)?;
    let h = signed.header();
    let new_head = Head {
        seq: h.seq,
        id: signed.id()?,
        time: h.time,
    };
    Ok((signed, new_head))
}

/// The entry is in this channel and by one of its parties.
///
/// # Errors
///
/// [`LinkError::WrongChannel`] or [`LinkError::NotAParty`].
pub fn check_membership(
    charter: &Charter,
    channel: &ChannelId,
    header: &Header,
) -> Result<(), LinkError> {
    if header.channel != *channel {
        return Err(LinkError::WrongChannel {
            expected: *channel,
            found: header.channel,
        });
    }
    if charter.party(&header.author).is_none() {
        return Err(LinkError::NotAParty(header.author));
    }
    Ok(())
}

/// `header` follows `prev` (the author's previous entry, `None` for a first entry).
///
/// # Errors
///
/// [`LinkError::Gap`], [`LinkError::BrokenLink`] or [`LinkError::TimeRegression`].
pub fn check_link(prev: Option<&Head>, header: &Header) -> Result<(), LinkError> {
    let expected_seq = prev.map_or(Seq(0), |p| Seq(p.seq.0.saturating_add(1)));
    if header.seq != expected_seq {
        return Err(LinkError::Gap {
            expected: expected_seq,
            found: header.seq,
        });
    }
    let expected_prev = prev.map_or(EntryId::ZERO, |p| p.id);
    if header.prev != expected_prev {
        return Err(LinkError::BrokenLink {
            seq: header.seq,
            expected: expected_prev,
            found: header.prev,
        });
    }
    if let Some(p) = prev
        && header.time < p.time
    {
        return Err(LinkError::TimeRegression {
            seq: header.seq,
            time: header.time.0,
            previous: p.time.0,
        });
    }
    Ok(())
}

/// The header's views are well formed: each of a party of the charter other than the author,
/// of at least one entry, strictly ascending by party key (one encoding per set of views).
///
/// # Errors
///
/// [`LinkError::InvalidView`] naming the view and the rule.
pub fn check_views(charter: &Charter, header: &Header) -> Result<(), LinkError> {
    let bad = |i: usize, why: String| Err(LinkError::InvalidView(format!("view {i}: {why}")));
    for (i, v) in header.views.iter().enumerate() {
        if v.party == header.author {
            return bad(i, "an author does not view its own feed".into());
        }
        if charter.party(&v.party).is_none() {
            return bad(
                i,
                format!("{} is not a party of the charter", v.party.fingerprint()),
            );
        }
        if v.size == 0 {
            return bad(
                i,
                format!(
                    "the view of {} has size 0; a feed not held is left out",
                    charter.label(&v.party)
                ),
            );
        }
        if i > 0
            && header
                .views
                .get(i - 1)
                .is_some_and(|prev| prev.party >= v.party)
        {
            return bad(
                i,
                "views must be strictly ascending by party key (canonical form)".into(),
            );
        }
    }
    Ok(())
}

/// The founder of a channel: its charter's first party.
pub fn founder(charter: &Charter) -> Option<PartyId> {
    charter.parties.first().map(|p| p.key)
}

/// Charter and acceptance entries stand at seq 0 and only there: the founder's seq 0 is the
/// charter itself, every other party's an acceptance of this channel.
///
/// # Errors
///
/// [`LinkError::Placement`] saying what was expected.
pub fn check_placement(
    charter: &Charter,
    channel: &ChannelId,
    header: &Header,
    body: &Body,
) -> Result<(), LinkError> {
    let first_kind = matches!(body.kind(), Kind::Charter | Kind::Acceptance);
    if header.seq != Seq(0) {
        if first_kind {
            return Err(LinkError::Placement(format!(
                "a {} entry may only stand at seq 0, found at seq {}",
                body.kind(),
                header.seq
            )));
        }
        return Ok(());
    }
    let is_founder = founder(charter) == Some(header.author);
    match (is_founder, body) {
        (true, Body::Charter(c)) if c == charter => Ok(()),
        (true, Body::Charter(_)) => Err(LinkError::Placement(
            "the founder's charter entry differs from the charter being verified".into(),
        )),
        (true, _) => Err(LinkError::Placement(format!(
            "the founder's first entry must be the charter, found a {}",
            body.kind()
        ))),
        (false, Body::Acceptance(a)) if a.charter == *channel => Ok(()),
        (false, Body::Acceptance(a)) => Err(LinkError::Placement(format!(
            "the acceptance names charter {}, not this channel's {}",
            a.charter.short(),
            channel.short()
        ))),
        (false, _) => Err(LinkError::Placement(format!(
            "a party's first entry must be its acceptance of the charter, found a {}",
            body.kind()
        ))),
    }
}

/// Why an entry may not supersede the entry it names.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupersedeError {
    /// The entry named is of another kind.
    #[error("must name a {expected}, but it names a {found}")]
    WrongKind {
        /// The superseding entry's kind.
        expected: Kind,
        /// The kind of the entry named.
        found: Kind,
    },
    /// The entry named is another party's.
    #[error("a party supersedes only its own entries")]
    OtherAuthor {
        /// The author of the entry named.
        author: PartyId,
    },
    /// The definition named is of another term.
    #[error(
        "a definition supersedes only one of the same term: this defines {term:?}, the one named {superseded:?}"
    )]
    OtherTerm {
        /// The superseding definition's term.
        term: String,
        /// The superseded definition's term.
        superseded: String,
    },
}

/// Superseding stays within one party's word on one thing: an entry by `author` with `body`
/// may supersede only an entry of the same kind by the same author, and a definition only a
/// definition of the same term (equal after NFC, `text::same_name`). `target` is
/// the named entry's body, `None` if its kind is unknown: then only the author is checked.
///
/// # Errors
///
/// The first rule broken, in that order.
pub fn check_supersedes(
    author: &PartyId,
    body: &Body,
    target_author: &PartyId,
    target: Option<&Body>,
) -> Result<(), SupersedeError> {
    if let Some(t) = target
        && t.kind() != body.kind()
    {
        return Err(SupersedeError::WrongKind {
            expected: body.kind(),
            found: t.kind(),
        });
    }
    if target_author != author {
        return Err(SupersedeError::OtherAuthor {
            author: *target_author,
        });
    }
    if let (Body::Definition(new), Some(Body::Definition(old))) = (body, target)
        && !crate::text::same_name(&new.term, &old.term)
    {
        return Err(SupersedeError::OtherTerm {
            term: new.term.clone(),
            superseded: old.term.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: u64, id: u8, time: u64) -> Head {
        Head {
            seq: Seq(seq),
            id: EntryId([id; 32]),
            time: Timestamp(time),
        }
    }

    #[test]
    fn next_header_follows_the_rules() {
        let c = ChannelId([1; 32]);
        let a = PartyId([2; 32]);
        let first = next_header(c, a, a, None, Timestamp(10), vec![]);
        assert_eq!(check_link(None, &first), Ok(()));
        let h = head(0, 7, 10);
        let second = next_header(c, a, a, Some(&h), Timestamp(5), vec![]);
        assert_eq!(second.time, Timestamp(10), "never goes backwards");
        assert_eq!(check_link(Some(&h), &second), Ok(()));
    }

    #[test]
    fn each_rule_can_fail() {
        let c = ChannelId([1; 32]);
        let a = PartyId([2; 32]);
        let h = head(3, 7, 100);
        let good = next_header(c, a, a, Some(&h), Timestamp(100), vec![]);

        let mut gap = good.clone();
        gap.seq = Seq(5);
        assert!(matches!(
            check_link(Some(&h), &gap),
            Err(LinkError::Gap { .. })
        ));

        let mut broken = good.clone();
        broken.prev = EntryId([8; 32]);
        assert!(matches!(
            check_link(Some(&h), &broken),
            Err(LinkError::BrokenLink { .. })
        ));

        let mut back = good.clone();
        back.time = Timestamp(99);
        assert!(matches!(
            check_link(Some(&h), &back),
            Err(LinkError::TimeRegression { .. })
        ));

        let mut nonzero = next_header(c, a, a, None, Timestamp(1), vec![]);
        nonzero.prev = EntryId([1; 32]);
        assert!(matches!(
            check_link(None, &nonzero),
            Err(LinkError::BrokenLink { .. })
        ));
    }

    #[test]
    fn supersedes_only_own_entries_of_the_same_kind_and_term() {
        use crate::entry::{Definition, Response};
        let (me, other) = (PartyId([1; 32]), PartyId([2; 32]));
        let def = |term: &str| {
            Body::Definition(Definition {
                term: term.into(),
                text: "meaning".into(),
                supersedes: Some(EntryId([9; 32])),
            })
        };
        let new = def("major incident");
        assert_eq!(
            check_supersedes(&me, &new, &me, Some(&def("major incident"))),
            Ok(())
        );
        // The same term in another normalisation form is the same term.
        let nfc = def("d\u{e9}ni");
        assert_eq!(
            check_supersedes(&me, &nfc, &me, Some(&def("de\u{301}ni"))),
            Ok(())
        );
        assert_eq!(
            check_supersedes(&me, &new, &other, Some(&def("major incident"))),
            Err(SupersedeError::OtherAuthor { author: other })
        );
        assert_eq!(
            check_supersedes(&me, &new, &me, Some(&def("minor incident"))),
            Err(SupersedeError::OtherTerm {
                term: "major incident".into(),
                superseded: "minor incident".into()
            })
        );
        let response = Body::Response(Response {
            to: EntryId([3; 32]),
            text: "r".into(),
        });
        assert!(matches!(
            check_supersedes(&me, &new, &me, Some(&response)),
            Err(SupersedeError::WrongKind { .. })
        ));
        // A kind this version does not know: only the author can be checked.
        assert_eq!(check_supersedes(&me, &new, &me, None), Ok(()));
        assert!(check_supersedes(&me, &new, &other, None).is_err());
    }
}
