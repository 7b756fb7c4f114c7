//! The charter: what defines a channel. Its hash is the channel id, which every entry carries.
//!
//! ```text
//! Charter  = version: u8 ‖ name: String ‖ parties: Vec<Party> ‖ policy: Policy ‖ created: u64
//!            ‖ witnesses: Vec<Witness> ‖ witness_quorum: u32
//! Party    = name: String ‖ key[32] ‖ next[32] ‖ role: String
//! Witness  = name: String ‖ key[32] ‖ role: String
//! Policy   = severities: Vec<Severity>
//! Severity = name: String ‖ ack_within: u64 (seconds) ‖ respond_within: u64 (seconds)
//! channel id = SHA-256("hotline/v2/channel-id\0" ‖ Charter)
//! ```
//!
//! The founding party signs the charter as its first entry; every other party's first entry is
//! an acceptance naming the channel id. The channel is in effect once every party has accepted.
//!
//! **Witnesses** are cosigners that are not parties: a neutral third party, a public
//! transparency-log witness, or a party's separate witness key. Each cosigns checkpoints with
//! C2SP `cosignature/v1` under its own key name ([`Witness::name`]); `witness_quorum` says how
//! many distinct witnesses must have cosigned a checkpoint for it to count as third-party
//! evidence of when its entries existed (0: none is required).

use crate::encoding::{self, DecodeError, EncodeError, tag};
use crate::entry::{ChannelId, Timestamp};
use crate::keys::{KeyDigest, PartyId, check_name};

/// The most witnesses a charter may name.
pub const MAX_WITNESSES: usize = 64;

/// The longest witness name, in bytes.
pub const MAX_WITNESS_NAME: usize = 255;

/// The charter format version this library writes and accepts.
pub const CHARTER_VERSION: u8 = 2;

/// The most parties a channel may have.
pub const MAX_PARTIES: usize = 64;

/// The shortest acknowledgement window a severity may set, in seconds. A receipt is a person
/// reading a notice and signing; a window shorter than a minute is missed by construction, and
/// a charter that makes every notice overdue on arrival is a mistake, not a policy.
pub const MIN_ACK_WITHIN: u64 = 60;

/// A channel's definition.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Charter {
    /// [`CHARTER_VERSION`].
    pub version: u8,
    /// The channel's name, for people.
    pub name: String,
    /// The parties, in the order the founder listed them.
    pub parties: Vec<Party>,
    /// Severities and their deadlines.
    pub policy: Policy,
    /// When the founder drew it up (a claim); makes two otherwise equal charters distinct.
    pub created: Timestamp,
    /// The witnesses whose cosignatures count as third-party evidence, in the order listed.
    pub witnesses: Vec<Witness>,
    /// How many distinct witnesses must cosign a checkpoint for the quorum to be met; 0 when
    /// none is required. At most `witnesses.len()`.
    pub witness_quorum: u32,
}

/// A witness named in a charter: a cosigner that is not a party.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Witness {
    /// Its C2SP key name, which its cosignature lines carry, e.g. `witness.example.com/w1`:
    /// 1 to [`MAX_WITNESS_NAME`] bytes of printable ASCII other than space and `+`, not
    /// starting with `hotline/` or `hotline-cosigner/` (the names of parties' keys).
    pub name: String,
    /// Its Ed25519 public key: the key of its `cosignature/v1` verifier key (type `0x04`).
    pub key: PartyId,
    /// What it is, for people, e.g. `neutral witness`.
    pub role: String,
}

/// Check a witness name: see [`Witness::name`].
///
/// # Errors
///
/// A message saying which rule the name breaks.
pub fn check_witness_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_WITNESS_NAME {
        return Err(format!(
            "witness name {:?}: use 1 to {MAX_WITNESS_NAME} bytes",
            crate::checkpoint::excerpt(name)
        ));
    }
    if let Some(c) = name.chars().find(|&c| !c.is_ascii_graphic() || c == '+') {
        return Err(format!(
            "witness name {:?}: {c:?} is not allowed (printable ASCII other than space and '+')",
            crate::checkpoint::excerpt(name)
        ));
    }
    for reserved in ["hotline/", "hotline-cosigner/"] {
        if name.starts_with(reserved) {
            return Err(format!(
                "witness name {name:?}: names starting with {reserved:?} are the parties' key names"
            ));
        }
    }
    Ok(())
}

/// A party to a channel.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Party {
    /// Its name: ASCII letters, digits, `-`, `_`, `.`.
    pub name: String,
    /// Its identity, and its first signing key: the key its first entries are signed with,
    /// and the `author` of every entry in its feed even after it rotates to other keys.
    pub key: PartyId,
    /// The digest of its pre-committed next key ([`PartyId::digest`]): the key that a
    /// rotation reveals, or that signs a revocation of `key` if `key` is stolen.
    pub next: KeyDigest,
    /// Its role, e.g. `point-of-contact`.
    pub role: String,
}

/// What the parties agreed about notices.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Policy {
    /// The severity scale, lowest first.
    pub severities: Vec<Severity>,
}

/// One severity level and the time a receiver has to answer a notice of it.
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode, serde::Serialize)]
pub struct Severity {
    /// Its name, e.g. `high`.
    pub name: String,
    /// Seconds allowed to acknowledge receipt.
    pub ack_within: u64,
    /// Seconds allowed for a substantive response.
    pub respond_within: u64,
}

impl Policy {
    /// The scale hotline proposes when none is given: low/medium/high/critical with
    /// acknowledgement windows of 72h/24h/4h/1h and response windows of 30d/7d/72h/24h.
    pub fn default_scale() -> Policy {
        const H: u64 = 3600;
        let s = |name: &str, ack: u64, respond: u64| Severity {
            name: name.into(),
            ack_within: ack * H,
            respond_within: respond * H,
        };
        Policy {
            severities: vec![
                s("low", 72, 30 * 24),
                s("medium", 24, 7 * 24),
                s("high", 4, 72),
                s("critical", 1, 24),
            ],
        }
    }

    /// The severity with this name.
    pub fn severity(&self, name: &str) -> Option<&Severity> {
        self.severities.iter().find(|s| s.name == name)
    }
}

/// A charter that breaks a rule.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CharterError {
    /// Not a canonical charter.
    #[error("charter: {0}")]
    Decode(DecodeError),
    /// A rule of the charter's content.
    #[error("charter: {0}")]
    Rule(String),
}

impl Charter {
    /// The channel id: `SHA-256("hotline/v2/channel-id\0" ‖ canonical charter)`.
    ///
    /// # Errors
    ///
    /// Only if the charter exceeds the size limit.
    pub fn id(&self) -> Result<ChannelId, EncodeError> {
        Ok(ChannelId(encoding::tagged_hash(
            tag::CHANNEL_ID,
            &encoding::encode(self)?,
        )))
    }

    /// The canonical bytes.
    ///
    /// # Errors
    ///
    /// Only if the charter exceeds the size limit.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encoding::encode(self)
    }

    /// Decode strictly and check the rules.
    ///
    /// # Errors
    ///
    /// [`CharterError`] saying what is wrong.
    pub fn decode(bytes: &[u8]) -> Result<Charter, CharterError> {
        let c: Charter = encoding::decode(bytes).map_err(CharterError::Decode)?;
        c.check()?;
        Ok(c)
    }

    /// The party with this key.
    pub fn party(&self, key: &PartyId) -> Option<&Party> {
        self.parties.iter().find(|p| p.key == *key)
    }

    /// The party with this name.
    pub fn party_named(&self, name: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.name == name)
    }

    /// The witness with this name.
    pub fn witness_named(&self, name: &str) -> Option<&Witness> {
        self.witnesses.iter().find(|w| w.name == name)
    }

    /// A person-readable label for a key: the party's name, or the key's fingerprint.
    pub fn label(&self, key: &PartyId) -> String {
        self.party(key)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| format!("unknown key {}", key.fingerprint()))
    }

    /// Check the rules: known version, 2 to [`MAX_PARTIES`] parties with valid, distinct names
    /// and keys, and a non-empty severity scale with distinct names whose windows meet the
    /// floors: `ack_within` at least [`MIN_ACK_WITHIN`] seconds, and `respond_within` at least
    /// `ack_within` (a substantive response cannot be due before the receipt); at most
    /// [`MAX_WITNESSES`] witnesses with valid ([`check_witness_name`]), distinct names and
    /// valid, distinct keys that are no party's key, and a `witness_quorum` no larger than
    /// the number of witnesses.
    ///
    /// # Errors
    ///
    /// [`CharterError::Rule`] naming the rule broken.
    pub fn check(&self) -> Result<(), CharterError> {
        let rule = |s: String| Err(CharterError::Rule(s));
        if self.version != CHARTER_VERSION {
            return rule(format!(
                "unknown charter version {} (this verifier knows {CHARTER_VERSION})",
                self.version
            ));
        }
        if self.name.trim().is_empty() {
            return rule("the channel name is empty".into());
        }
        if !(2..=MAX_PARTIES).contains(&self.parties.len()) {
            return rule(format!(
                "a channel needs 2 to {MAX_PARTIES} parties, this one lists {}",
                self.parties.len()
            ));
        }
        for (i, p) in self.parties.iter().enumerate() {
            check_name(&p.name).map_err(|e| CharterError::Rule(format!("party {i}: {e}")))?;
            if let Err(e) = p.key.verifying_key() {
                return rule(format!("party {}: {e}", p.name));
            }
            if p.next == p.key.digest() {
                return rule(format!(
                    "party {}: its next key is its current key; pre-commit to another key",
                    p.name
                ));
            }
            let earlier = self.parties.iter().take(i);
            for q in earlier {
                // Names are compared without ASCII case: "Alpha" and "alpha" are one name to
                // the people reading them.
                if q.name.eq_ignore_ascii_case(&p.name) {
                    return rule(format!(
                        "the name {:?} is listed twice (names are compared without case: {:?})",
                        p.name, q.name
                    ));
                }
                if q.key == p.key {
                    return rule(format!(
                        "parties {} and {} have the same key",
                        q.name, p.name
                    ));
                }
            }
        }
        if self.policy.severities.is_empty() {
            return rule("the policy lists no severity".into());
        }
        for (i, s) in self.policy.severities.iter().enumerate() {
            if s.name.trim().is_empty() {
                return rule(format!("severity {i} has an empty name"));
            }
            if self
                .policy
                .severities
                .iter()
                .take(i)
                .any(|t| t.name == s.name)
            {
                return rule(format!("severity {:?} is listed twice", s.name));
            }
            if s.ack_within < MIN_ACK_WITHIN {
                return rule(format!(
                    "severity {:?}: ack_within is {} s, the floor is {MIN_ACK_WITHIN} s",
                    s.name, s.ack_within
                ));
            }
            if s.respond_within < s.ack_within {
                return rule(format!(
                    "severity {:?}: respond_within is {} s, less than its ack_within of {} s",
                    s.name, s.respond_within, s.ack_within
                ));
            }
        }
        self.check_witnesses()
    }

    fn check_witnesses(&self) -> Result<(), CharterError> {
        let rule = |s: String| Err(CharterError::Rule(s));
        if self.witnesses.len() > MAX_WITNESSES {
            return rule(format!(
                "a charter names at most {MAX_WITNESSES} witnesses, this one {}",
                self.witnesses.len()
            ));
        }
        for (i, w) in self.witnesses.iter().enumerate() {
            check_witness_name(&w.name)
                .map_err(|e| CharterError::Rule(format!("witness {i}: {e}")))?;
            if let Err(e) = w.key.verifying_key() {
                return rule(format!("witness {}: {e}", w.name));
            }
            if let Some(p) = self.party(&w.key) {
                return rule(format!(
                    "witness {} has the key of party {}: a party cannot be its own witness",
                    w.name, p.name
                ));
            }
            for v in self.witnesses.iter().take(i) {
                if v.name == w.name {
                    return rule(format!("the witness name {:?} is listed twice", w.name));
                }
                if v.key == w.key {
                    return rule(format!(
                        "witnesses {} and {} have the same key",
                        v.name, w.name
                    ));
                }
            }
        }
        let n = self.witnesses.len();
        if usize::try_from(self.witness_quorum).map_or(true, |q| q > n) {
            return rule(format!(
                "the witness quorum is {}, but the charter names only {n} witness(es)",
                self.witness_quorum
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    fn charter() -> Charter {
        let a = SecretKey::from_seed("alpha", &[1; 32]);
        let b = SecretKey::from_seed("beta", &[2; 32]);
        Charter {
            version: CHARTER_VERSION,
            name: "test".into(),
            parties: vec![
                Party {
                    name: "alpha".into(),
                    key: a.party(),
                    next: b.party().digest(),
                    role: "point-of-contact".into(),
                },
                Party {
                    name: "beta".into(),
                    key: b.party(),
                    next: a.party().digest(),
                    role: "point-of-contact".into(),
                },
            ],
            policy: Policy::default_scale(),
            created: Timestamp(1),
            witnesses: vec![],
            witness_quorum: 0,
        }
    }

    #[test]
    fn id_is_stable_and_content_bound() {
        let c = charter();
        assert_eq!(c.id().unwrap(), c.clone().id().unwrap());
        let mut d = c.clone();
        d.created = Timestamp(2);
        assert_ne!(c.id().unwrap(), d.id().unwrap());
        assert_eq!(Charter::decode(&c.encode().unwrap()).unwrap(), c);
    }

    #[test]
    fn rules() {
        assert!(charter().check().is_ok());
        let mut c = charter();
        c.parties.truncate(1);
        assert!(c.check().is_err());
        let mut c = charter();
        c.parties[1].key = c.parties[0].key;
        assert!(c.check().is_err());
        let mut c = charter();
        c.parties[1].name = "alpha".into();
        assert!(c.check().is_err());
        let mut c = charter();
        c.parties[1].name = "ALPHA".into();
        assert!(
            c.check().unwrap_err().to_string().contains("without case"),
            "names differing only in case are one name"
        );
        let mut c = charter();
        c.policy.severities.clear();
        assert!(c.check().is_err());
        let mut c = charter();
        c.version = 9;
        assert!(c.check().is_err());
    }

    fn with_windows(ack_within: u64, respond_within: u64) -> Charter {
        let mut c = charter();
        c.policy.severities = vec![Severity {
            name: "high".into(),
            ack_within,
            respond_within,
        }];
        c
    }

    fn rule_broken(c: &Charter) -> String {
        match c.check() {
            Err(CharterError::Rule(msg)) => msg,
            other => panic!("expected a rule error, got {other:?}"),
        }
    }

    #[test]
    fn windows_have_floors() {
        // Zero seconds, and one second under the floor, are refused, naming severity and value.
        let msg = rule_broken(&with_windows(0, 0));
        assert!(
            msg.contains("\"high\"") && msg.contains("ack_within is 0 s"),
            "{msg}"
        );
        let msg = rule_broken(&with_windows(MIN_ACK_WITHIN - 1, 3600));
        assert!(msg.contains("ack_within is 59 s"), "{msg}");
        // A response due before the receipt is refused.
        let msg = rule_broken(&with_windows(3600, 3599));
        assert!(
            msg.contains("\"high\"") && msg.contains("respond_within is 3599 s"),
            "{msg}"
        );
        // Exactly at the floors is accepted, and so survives an encode/decode round trip.
        let c = with_windows(MIN_ACK_WITHIN, MIN_ACK_WITHIN);
        assert_eq!(c.check(), Ok(()));
        assert_eq!(Charter::decode(&c.encode().unwrap()).unwrap(), c);
        assert_eq!(with_windows(3600, 3600).check(), Ok(()));
        // The floors are checked on decode too: a charter someone else built is held to them.
        let bad = with_windows(0, 0).encode().unwrap();
        assert!(matches!(Charter::decode(&bad), Err(CharterError::Rule(_))));
    }

    fn with_witnesses(names: &[&str], quorum: u32) -> Charter {
        let mut c = charter();
        c.witnesses = names
            .iter()
            .enumerate()
            .map(|(i, n)| Witness {
                name: (*n).into(),
                key: SecretKey::from_seed("w", &[10 + u8::try_from(i).unwrap(); 32]).party(),
                role: "neutral witness".into(),
            })
            .collect();
        c.witness_quorum = quorum;
        c
    }

    #[test]
    fn witnesses_and_quorum() {
        // Names as the public witness network uses them, and a quorum up to their number.
        let c = with_witnesses(&["witness.example.com/w1", "w2", "oid/1.3.6.1.4.1"], 3);
        assert_eq!(c.check(), Ok(()));
        assert_eq!(Charter::decode(&c.encode().unwrap()).unwrap(), c);
        assert_eq!(with_witnesses(&[], 0).check(), Ok(()));
        // Witnesses are part of what the channel id commits to.
        assert_ne!(c.id().unwrap(), charter().id().unwrap());

        let msg = rule_broken(&with_witnesses(&["a", "b"], 3));
        assert!(
            msg.contains("quorum is 3") && msg.contains("only 2"),
            "{msg}"
        );
        let msg = rule_broken(&with_witnesses(&[], 1));
        assert!(msg.contains("quorum is 1"), "{msg}");
        let msg = rule_broken(&with_witnesses(&["a", "a"], 1));
        assert!(msg.contains("listed twice"), "{msg}");
        let mut same_key = with_witnesses(&["a", "b"], 1);
        same_key.witnesses[1].key = same_key.witnesses[0].key;
        assert!(rule_broken(&same_key).contains("the same key"));
        let mut party_key = with_witnesses(&["a"], 1);
        party_key.witnesses[0].key = party_key.parties[1].key;
        let msg = rule_broken(&party_key);
        assert!(msg.contains("key of party beta"), "{msg}");
        for bad in [
            "",
            "a b",
            "a+b",
            "é",
            "a\nb",
            "hotline/x",
            "hotline-cosigner/0011223344556677",
        ] {
            let msg = rule_broken(&with_witnesses(&[bad], 0));
            assert!(msg.contains("witness 0: witness name"), "{bad:?}: {msg}");
        }
        let long = "w".repeat(MAX_WITNESS_NAME + 1);
        assert!(rule_broken(&with_witnesses(&[&long], 0)).contains("1 to 255 bytes"));
        assert_eq!(
            with_witnesses(&[&"w".repeat(MAX_WITNESS_NAME)], 1).check(),
            Ok(())
        );
        // A key that is not a valid, non-weak point (the identity) is refused.
        let mut weak = with_witnesses(&["a"], 1);
        let mut ident = [0u8; 32];
        ident[0] = 1;
        weak.witnesses[0].key = PartyId(ident);
        assert!(rule_broken(&weak).starts_with("witness a:"));
        // Checked on decode too.
        let bad = with_witnesses(&["a"], 2).encode().unwrap();
        assert!(matches!(Charter::decode(&bad), Err(CharterError::Rule(_))));
    }
}
