//! Checkpoints of hotline feeds: which key signs a feed's checkpoint and under which name,
//! which keys cosign it, and the rule a cosigner follows so that it never cosigns two
//! inconsistent views of one feed. Pure: no I/O, no clock.
//!
//! - The owner of a feed signs its checkpoints as a C2SP signed note (Ed25519, type `0x01`)
//!   under the key name [`checkpoint::origin`]: `hotline/<the channel id in 64 hex
//!   digits>/<party name>`, which is also the checkpoint's origin line.
//! - Every other party cosigns with `cosignature/v1` (type `0x04`) under a name that depends on
//!   its key alone, [`cosigner_name`]: `hotline-cosigner/<16 hex digits of the key>`. The
//!   cosignature spec requires one key per cosigner name and the signed message does not carry
//!   the name, so the name must not vary between channels.
//! - A witness named in the charter ([`crate::charter::Witness`]) cosigns with
//!   `cosignature/v1` under its own key name; its cosignatures are marked
//!   [`CosignerKind::Witness`], the parties' [`CosignerKind::Party`].
//! - A party cosigns a checkpoint only if it holds the feed up to the checkpoint's size and the
//!   root of what it holds is the checkpoint's root. Its replica of a feed only grows, so every
//!   checkpoint it cosigns is consistent with every one it cosigned before.
//! - Keys rotate (`keystate`): the origin and the party stay, the key does not. A
//!   party's checkpoint of its feed at size `n` is signed by the key in force after its entry
//!   `n - 1` (for `n = 0` its first key), and a party cosigns with its key in force; what a
//!   checker knows of each party's keys is a [`KeyHistory`], and [`check_signer`] applies the
//!   rule (docs/FORMAT.md §9).

use crate::charter::{Charter, Party, Witness};
use crate::checkpoint::{self, Checkpoint, Cosigner, Note, NoteError, Signer, Verifier};
use crate::entry::{Seq, Timestamp};
use crate::keys::{PartyId, SecretKey};
use crate::merkle::Hash;

mod keys;
use keys::history_of;
pub use keys::{KeyHistories, KeyHistory, check_signer, key_histories, key_walk};

/// The cosigner name of a key: `hotline-cosigner/` and the first 8 bytes of the key in hex.
pub fn cosigner_name(key: &PartyId) -> String {
    format!("hotline-cosigner/{}", key.fingerprint())
}

/// Why a checkpoint note was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The note does not parse or its signatures do not verify.
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    /// The checkpoint's origin names no feed of this channel.
    #[error("checkpoint origin {origin:?} is not the origin of any party's feed in this channel")]
    UnknownOrigin {
        /// The origin found.
        origin: String,
    },
    /// A key or name could not be used.
    #[error("{0}")]
    Key(String),
    /// The cosigner does not hold the feed up to the checkpoint's size.
    #[error(
        "cannot cosign {party}'s checkpoint at size {size}: only {held} of its entries are held here; import its feed first"
    )]
    NotHeld {
        /// The feed's owner.
        party: String,
        /// The checkpoint's size.
        size: u64,
        /// How many entries are held.
        held: u64,
    },
    /// The checkpoint's root is not the root of the entries held: cosigning it would endorse
    /// a view of the feed inconsistent with the one this party holds.
    #[error(
        "refusing to cosign {party}'s checkpoint at size {size}: its root {theirs} differs from the root {ours} of the entries held here (a split view)"
    )]
    Inconsistent {
        /// The feed's owner.
        party: String,
        /// The checkpoint's size.
        size: u64,
        /// Root in the checkpoint (hex).
        theirs: String,
        /// Root of the entries held (hex).
        ours: String,
    },
    /// The checkpoint is older than one already cosigned.
    #[error(
        "refusing to cosign {party}'s checkpoint at size {size}: a checkpoint at size {cosigned} was already cosigned"
    )]
    Stale {
        /// The feed's owner.
        party: String,
        /// The checkpoint's size.
        size: u64,
        /// The size already cosigned.
        cosigned: u64,
    },
    /// A party cannot cosign its own feed.
    #[error("a party does not cosign its own checkpoint")]
    OwnFeed,
    /// The checkpoint is signed by one of the owner's keys, but not by the one in force for
    /// its size: the note is not the owner's (docs/FORMAT.md §9).
    #[error(
        "{party}'s checkpoint at size {size} is signed by key {}, but the key in force for that size is {}{}: the note is not {party}'s",
        found.fingerprint(),
        expected.fingerprint(),
        if *retired { " (the signing key was rotated out before that size)" } else { "" }
    )]
    KeyNotInForce {
        /// The feed's owner.
        party: String,
        /// The checkpoint's size.
        size: u64,
        /// The key that signed it.
        found: PartyId,
        /// The key in force for that size, as the checker holds the feed.
        expected: PartyId,
        /// Whether the signing key is one the owner rotated away from.
        retired: bool,
    },
    /// The checkpoint is signed by a key its owner revoked, covers the seq the key is void
    /// from, and is not the chain the checker holds: it is attributed to whoever held the
    /// revoked key, not to the owner, and is no split view of the owner's.
    #[error(
        "{party}'s checkpoint at size {size} is signed by key {}, which {party} revoked from seq {from} (entry {} at seq {at}), and its root is not that of the chain the revocation vouches for: the note is not {party}'s",
        key.fingerprint(),
        revoking.short()
    )]
    RevokedKey {
        /// The feed's owner.
        party: String,
        /// The checkpoint's size.
        size: u64,
        /// The revoked key that signed it.
        key: PartyId,
        /// The first seq the key is void at.
        from: Seq,
        /// The revoking entry's seq.
        at: Seq,
        /// The revoking entry.
        revoking: crate::entry::EntryId,
    },
    /// The key is not the key in force of any party of the charter (as the checker holds the
    /// feeds).
    #[error("key {} is not the key in force of any party of this channel", key.fingerprint())]
    NotASigner {
        /// The key.
        key: PartyId,
    },
}

fn key_err<E: std::fmt::Display>(e: E) -> WitnessError {
    WitnessError::Key(e.to_string())
}

/// The origin of `party`'s feed in this channel.
///
/// # Errors
///
/// Only if the charter exceeds the size limit.
pub fn origin(charter: &Charter, party: &Party) -> Result<String, WitnessError> {
    Ok(checkpoint::origin(
        &charter.id().map_err(key_err)?,
        &party.name,
    ))
}

/// The verifier of `party`'s checkpoint signatures.
///
/// # Errors
///
/// If the party's name or key cannot form a verifier key.
pub fn log_verifier(charter: &Charter, party: &Party) -> Result<Verifier, WitnessError> {
    log_verifier_for(charter, party, &party.key)
}

/// The verifier of `party`'s checkpoint signatures by `key`, one of its keys: the origin stays
/// the party's, whichever key signs.
///
/// # Errors
///
/// If the party's name or the key cannot form a verifier key.
pub fn log_verifier_for(
    charter: &Charter,
    party: &Party,
    key: &PartyId,
) -> Result<Verifier, WitnessError> {
    Verifier::ed25519(&origin(charter, party)?, *key).map_err(key_err)
}

/// The verifier of `key`'s cosignatures.
///
/// # Errors
///
/// If the key cannot form a verifier key.
pub fn cosigner_verifier(key: &PartyId) -> Result<Verifier, WitnessError> {
    Verifier::cosigner(&cosigner_name(key), *key).map_err(key_err)
}

/// The verifier of a charter witness's cosignatures: `cosignature/v1` under its name.
///
/// # Errors
///
/// If the name or key cannot form a verifier key.
pub fn witness_verifier(w: &Witness) -> Result<Verifier, WitnessError> {
    Verifier::cosigner(&w.name, w.key).map_err(key_err)
}

/// Who made a cosignature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CosignerKind {
    /// A party of the channel, under [`cosigner_name`].
    Party,
    /// A witness named in the charter, under its own name.
    Witness,
}

/// One verified cosignature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cosignature {
    /// The cosigner's name: the party's name, or the witness's key name.
    pub party: String,
    /// Whether a party or a charter witness made it.
    pub cosigner: CosignerKind,
    /// Its key: the party's identity (its charter key), or the witness's key.
    pub key: PartyId,
    /// The key that made the cosignature, when it is not `key`: a party's key after a
    /// rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_with: Option<PartyId>,
    /// When it says it cosigned.
    pub time: Timestamp,
}

/// A checkpoint note whose owner signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedNote {
    /// The feed owner's name.
    pub party: String,
    /// The feed owner's key (its identity, the charter key).
    pub key: PartyId,
    /// The owner's keys whose signature on the note verified, in the order of its history;
    /// [`check_signer`] says whether one is the key in force for the checkpoint's size.
    pub signed_with: Vec<PartyId>,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Cosignatures by other parties and by charter witnesses that verified.
    pub cosignatures: Vec<Cosignature>,
}

/// Parse and check a checkpoint note against the charter, for parties that never rotated
/// their keys: [`check_note_keys`] with every party's charter key alone.
///
/// # Errors
///
/// [`WitnessError`] saying what is wrong.
pub fn check_note(charter: &Charter, note: &[u8]) -> Result<CheckedNote, WitnessError> {
    check_note_keys(charter, note, &KeyHistories::new())
}

/// Parse and check a checkpoint note against the charter and what is known of each party's
/// keys: its origin names a party's feed, a signature by one of that party's keys verifies
/// (which one is in [`CheckedNote::signed_with`]; whether it is the one in force for the size
/// is [`check_signer`]'s to say), and every cosignature line from another party's key that is
/// not revoked, or from a charter witness, verifies. Lines by other keys are ignored, as C2SP
/// asks.
///
/// # Errors
///
/// [`WitnessError`] saying what is wrong.
pub fn check_note_keys(
    charter: &Charter,
    note: &[u8],
    keys: &KeyHistories,
) -> Result<CheckedNote, WitnessError> {
    let parsed = Note::parse(note)?;
    let cp = Checkpoint::parse(parsed.text()).map_err(NoteError::NotACheckpoint)?;
    let mut owner = None;
    for p in &charter.parties {
        if origin(charter, p)? == cp.origin() {
            owner = Some(p);
        }
    }
    let Some(owner) = owner else {
        return Err(WitnessError::UnknownOrigin {
            origin: cp.origin().to_owned(),
        });
    };
    let own = history_of(keys, owner.key);
    let logs = own
        .keys
        .iter()
        .map(|k| Ok((*k, log_verifier_for(charter, owner, k)?)))
        .collect::<Result<Vec<_>, WitnessError>>()?;
    // (name, identity, signing key, kind)
    let mut cosigners: Vec<(String, PartyId, PartyId, CosignerKind)> = Vec::new();
    for p in charter.parties.iter().filter(|p| p.key != owner.key) {
        let h = history_of(keys, p.key);
        cosigners.extend(
            h.cosigning_keys()
                .map(|k| (p.name.clone(), p.key, *k, CosignerKind::Party)),
        );
    }
    cosigners.extend(
        charter
            .witnesses
            .iter()
            .map(|w| (w.name.clone(), w.key, w.key, CosignerKind::Witness)),
    );
    let verifiers = cosigners
        .iter()
        .map(|(name, _, key, kind)| match kind {
            CosignerKind::Party => cosigner_verifier(key),
            CosignerKind::Witness => Verifier::cosigner(name, *key).map_err(key_err),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut known: Vec<Verifier> = logs.iter().map(|(_, v)| v.clone()).collect();
    known.extend(verifiers.iter().cloned());
    let verified = checkpoint::open(note, &known)?;
    let signed_with: Vec<PartyId> = logs
        .iter()
        .filter(|(_, v)| verified.verified_by(v).is_some())
        .map(|(k, _)| *k)
        .collect();
    if signed_with.is_empty() {
        let current = logs
            .last()
            .map(|(_, v)| format!("{}+{:08x}", v.name(), v.key_id()))
            .unwrap_or_default();
        return Err(NoteError::NotSignedByLog { key: current }.into());
    }
    let checkpoint = verified.checkpoint().map_err(NoteError::NotACheckpoint)?;
    let cosignatures = cosigners
        .iter()
        .zip(&verifiers)
        .filter_map(|((name, identity, key, kind), v)| {
            let sig = verified.verified_by(v)?;
            Some(Cosignature {
                party: name.clone(),
                cosigner: *kind,
                key: *identity,
                signed_with: (key != identity).then_some(*key),
                time: Timestamp(sig.timestamp()?),
            })
        })
        .collect();
    Ok(CheckedNote {
        party: owner.name.clone(),
        key: owner.key,
        signed_with,
        checkpoint,
        cosignatures,
    })
}

/// Sign a checkpoint of `key`'s own feed at `size` with `root`, for a party that never
/// rotated its key: [`sign_checkpoint_for`] as the party whose charter key `key` is.
///
/// # Errors
///
/// If the key is not a party of the charter, or cannot sign.
pub fn sign_checkpoint(
    charter: &Charter,
    key: &SecretKey,
    size: u64,
    root: Hash,
) -> Result<Vec<u8>, WitnessError> {
    sign_checkpoint_for(charter, &key.party(), key, size, root)
}

/// Sign, with `key`, a checkpoint of `party`'s feed at `size` with `root`; returns the note's
/// bytes. The origin and key name are the party's whatever the key: `key` must be the party's
/// key in force for `size` (docs/FORMAT.md §9), which the caller establishes (a store:
/// `Store::key_state` of the `store` feature).
///
/// # Errors
///
/// If `party` is not a party of the charter, or the key cannot sign.
pub fn sign_checkpoint_for(
    charter: &Charter,
    party: &PartyId,
    key: &SecretKey,
    size: u64,
    root: Hash,
) -> Result<Vec<u8>, WitnessError> {
    let party = charter
        .party(party)
        .ok_or_else(|| WitnessError::Key("the key is not a party of the charter".into()))?;
    let origin = origin(charter, party)?;
    let body = Checkpoint::new(&origin, size, root, vec![])
        .map_err(key_err)?
        .body();
    let signer = Signer::new(&origin, key).map_err(key_err)?;
    Ok(checkpoint::sign(&body, &[&signer])?.encode())
}

/// What a cosigner knows of the feed a checkpoint is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// How many entries of the feed it holds, from seq 0, without a gap or a fork.
    pub size: u64,
    /// The root of its first `checkpoint.size` entries, if it holds that many.
    pub root_at_checkpoint: Option<Hash>,
    /// The size of the last checkpoint of this feed it cosigned.
    pub last_cosigned: Option<u64>,
}

/// Cosign another party's checkpoint note, for parties that never rotated their keys:
/// [`cosign_for`] as the party whose charter key `key` is, every party's charter key alone
/// known.
///
/// # Errors
///
/// As [`cosign_for`].
pub fn cosign(
    charter: &Charter,
    key: &SecretKey,
    note: &[u8],
    held: &dyn Fn(&CheckedNote) -> Held,
    now: Timestamp,
) -> Result<Vec<u8>, WitnessError> {
    let me = Signing {
        party: key.party(),
        key,
        keys: &KeyHistories::new(),
    };
    cosign_for(charter, &me, note, held, now)
}

/// Who cosigns, with which key, knowing which keys of the parties.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    /// The cosigning party (its identity).
    pub party: PartyId,
    /// Its key in force: the cosignature's key name is derived from it ([`cosigner_name`]).
    pub key: &'a SecretKey,
    /// What the cosigner knows of every party's keys.
    pub keys: &'a KeyHistories,
}

/// Cosign another party's checkpoint note: only if the owner's signature is by its key in
/// force for the size ([`check_signer`], against the cosigner's copy of the feed), the root is
/// the root of the entries held at that size, and the size is not below one already cosigned.
/// Returns the note with the cosignature line added, under the name of the key that made it.
///
/// # Errors
///
/// [`WitnessError::Inconsistent`], [`WitnessError::NotHeld`], [`WitnessError::Stale`],
/// [`WitnessError::OwnFeed`], [`WitnessError::KeyNotInForce`], [`WitnessError::RevokedKey`],
/// or a note error.
pub fn cosign_for(
    charter: &Charter,
    me: &Signing<'_>,
    note: &[u8],
    held: &dyn Fn(&CheckedNote) -> Held,
    now: Timestamp,
) -> Result<Vec<u8>, WitnessError> {
    let checked = check_note_keys(charter, note, me.keys)?;
    if checked.key == me.party {
        return Err(WitnessError::OwnFeed);
    }
    let cp = &checked.checkpoint;
    let h = held(&checked);
    let Some(ours) = h.root_at_checkpoint else {
        return Err(WitnessError::NotHeld {
            party: checked.party,
            size: cp.size(),
            held: h.size,
        });
    };
    check_signer(&checked, &history_of(me.keys, checked.key), Some(&ours))?;
    if ours != *cp.root() {
        return Err(WitnessError::Inconsistent {
            party: checked.party,
            size: cp.size(),
            theirs: hex::encode(cp.root()),
            ours: hex::encode(ours),
        });
    }
    if let Some(last) = h.last_cosigned
        && cp.size() < last
    {
        return Err(WitnessError::Stale {
            party: checked.party,
            size: cp.size(),
            cosigned: last,
        });
    }
    let cosigner = Cosigner::new(&cosigner_name(&me.key.party()), me.key).map_err(key_err)?;
    let mut parsed = Note::parse(note)?;
    parsed.add_signature(cosigner.cosign(&cp.body(), now.0)?)?;
    Ok(parsed.encode())
}

/// Merge the signature lines of notes with the same text into one note (first seen first,
/// each line once). Notes whose text differs from the first are ignored.
///
/// # Errors
///
/// If a note does not parse or the merged note would have too many signatures.
pub fn merge(notes: &[&[u8]]) -> Result<Option<Vec<u8>>, WitnessError> {
    let mut iter = notes.iter();
    let Some(first) = iter.next() else {
        return Ok(None);
    };
    let mut merged = Note::parse(first)?;
    for n in iter {
        let other = Note::parse(n)?;
        if other.text() != merged.text() {
            continue;
        }
        for sig in other.signatures() {
            // One line per key; of two cosignatures by one key, keep the earlier, which is the
            // stronger evidence of when the checkpoint existed.
            let held = merged
                .signatures()
                .iter()
                .find(|s| s.name() == sig.name() && s.key_id() == sig.key_id());
            let replace = match held {
                None => true,
                Some(h) => match (cosig_time(h.signature()), cosig_time(sig.signature())) {
                    (Some(old), Some(new)) => new < old,
                    _ => false,
                },
            };
            if replace {
                merged.add_signature(sig.clone())?;
            }
        }
    }
    Ok(Some(merged.encode()))
}

/// The timestamp of a cosignature/v1 signature (its first 8 bytes), if it is one.
fn cosig_time(sig: &[u8]) -> Option<u64> {
    if sig.len() != 72 {
        return None;
    }
    Some(u64::from_be_bytes(sig.get(..8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::{self, test_key};

    fn setup() -> (Charter, SecretKey, SecretKey, Vec<u8>) {
        let charter = example::charter();
        let (a, b) = (test_key("alpha"), test_key("beta"));
        let note = sign_checkpoint(&charter, &a, 3, [7; 32]).unwrap();
        (charter, a, b, note)
    }

    fn held(root: Option<Hash>, last: Option<u64>) -> impl Fn(&CheckedNote) -> Held {
        move |_| Held {
            size: 3,
            root_at_checkpoint: root,
            last_cosigned: last,
        }
    }

    #[test]
    fn sign_check_cosign() {
        let (charter, _, b, note) = setup();
        let checked = check_note(&charter, &note).unwrap();
        assert_eq!(checked.party, "alpha");
        assert!(checked.cosignatures.is_empty());
        let cosigned = cosign(
            &charter,
            &b,
            &note,
            &held(Some([7; 32]), None),
            Timestamp(99),
        )
        .unwrap();
        let checked = check_note(&charter, &cosigned).unwrap();
        assert_eq!(checked.cosignatures.len(), 1);
        assert_eq!(checked.cosignatures[0].party, "beta");
        assert_eq!(checked.cosignatures[0].time, Timestamp(99));
        let merged = merge(&[&note, &cosigned]).unwrap().unwrap();
        assert_eq!(merged, cosigned);
        // Of two cosignatures by beta, the earlier is kept, whichever comes first.
        let later = cosign(
            &charter,
            &b,
            &note,
            &held(Some([7; 32]), None),
            Timestamp(500),
        )
        .unwrap();
        for pair in [[&later, &cosigned], [&cosigned, &later]] {
            let m = merge(&[pair[0].as_slice(), pair[1].as_slice()])
                .unwrap()
                .unwrap();
            let c = check_note(&charter, &m).unwrap();
            assert_eq!(c.cosignatures.len(), 1);
            assert_eq!(c.cosignatures[0].time, Timestamp(99));
        }
    }

    #[test]
    fn cosigning_an_inconsistent_view_is_refused() {
        let (charter, a, b, note) = setup();
        let e = cosign(
            &charter,
            &b,
            &note,
            &held(Some([8; 32]), None),
            Timestamp(1),
        );
        assert!(matches!(e, Err(WitnessError::Inconsistent { .. })), "{e:?}");
        let e = cosign(&charter, &b, &note, &held(None, None), Timestamp(1));
        assert!(matches!(e, Err(WitnessError::NotHeld { .. })), "{e:?}");
        let e = cosign(
            &charter,
            &b,
            &note,
            &held(Some([7; 32]), Some(4)),
            Timestamp(1),
        );
        assert!(matches!(e, Err(WitnessError::Stale { .. })), "{e:?}");
        let e = cosign(
            &charter,
            &a,
            &note,
            &held(Some([7; 32]), None),
            Timestamp(1),
        );
        assert_eq!(e, Err(WitnessError::OwnFeed));
    }

    #[test]
    fn a_note_signed_by_the_wrong_party_is_refused() {
        let charter = example::charter();
        let b = test_key("beta");
        // beta signs a checkpoint under alpha's origin.
        let alpha = &charter.parties[0];
        let origin = origin(&charter, alpha).unwrap();
        let body = Checkpoint::new(&origin, 1, [1; 32], vec![]).unwrap().body();
        let forged = checkpoint::sign(&body, &[&Signer::new(&origin, &b).unwrap()])
            .unwrap()
            .encode();
        assert!(check_note(&charter, &forged).is_err());
        let other = Checkpoint::new("hotline/0000000000000000/alpha", 1, [1; 32], vec![])
            .unwrap()
            .body();
        let stray = checkpoint::sign(&other, &[&Signer::new("x", &b).unwrap()])
            .unwrap()
            .encode();
        assert!(matches!(
            check_note(&charter, &stray),
            Err(WitnessError::UnknownOrigin { .. })
        ));
    }

    #[test]
    fn an_origin_of_another_channel_sharing_the_id_prefix_is_refused() {
        let charter = example::charter();
        let a = test_key("alpha");
        let id = charter.id().unwrap();
        // A channel whose id agrees with this one's in its first 8 bytes (about 2^32 charters
        // to try), and the 16-hex-digit origin form that such channels would have shared.
        let mut twin = id;
        twin.0[31] ^= 1;
        let twin_origin = checkpoint::origin(&twin, "alpha");
        let short_origin = format!("hotline/{}/alpha", hex::encode(&id.0[..8]));
        assert!(twin_origin.starts_with(&short_origin[..24]));
        for o in [twin_origin, short_origin] {
            assert_ne!(o, origin(&charter, &charter.parties[0]).unwrap());
            // alpha's own key signs it, so only the origin is wrong.
            let body = Checkpoint::new(&o, 3, [7; 32], vec![]).unwrap().body();
            let note = checkpoint::sign(&body, &[&Signer::new(&o, &a).unwrap()])
                .unwrap()
                .encode();
            assert_eq!(
                check_note(&charter, &note),
                Err(WitnessError::UnknownOrigin { origin: o.clone() }),
                "{o}"
            );
        }
    }
}
