//! Offline proofs: one entry, proven to an outsider without the rest of the feed.
//!
//! The file is a C2SP `tlog-proof@v1` (c2sp.org/tlog-proof):
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the signed entry's canonical bytes>
//! index <the entry's seq>
//! <base64 inclusion proof hash, one per line, leaf's sibling first>
//!
//! <the checkpoint note of the author's feed, signed by the author, cosigned by the others>
//! ```
//!
//! The `extra` data is not trusted: the verifier hashes it into the Merkle leaf, so it either
//! is the entry the checkpoint commits to or the proof fails. Verification needs only the
//! parties' public keys: the entry's signature, the inclusion of its leaf at `index` in the
//! checkpoint's tree, the author's signature on the checkpoint under the feed's origin, and a
//! cosignature from every other trusted party. Tools that speak tlog-proof can check the
//! inclusion and the signatures; the `extra` line is what makes the proof about a hotline
//! entry.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{self, Verifier};
use crate::entry::{EntryId, SignedEntry, Timestamp};
use crate::keys::PublicKey;
use crate::merkle::{self, Hash};
use crate::witness::{self, Cosignature};

/// The first line of a proof file.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A proof that one entry is in its author's feed at a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineProof {
    /// The signed entry's canonical bytes.
    pub entry: Vec<u8>,
    /// The entry's index in the feed (its seq).
    pub index: u64,
    /// The RFC 6962 inclusion proof, leaf's sibling first.
    pub path: Vec<Hash>,
    /// The checkpoint note, with its cosignatures.
    pub note: Vec<u8>,
}

/// Why a proof file does not prove what it claims.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The file is not a tlog-proof@v1, or a line is malformed.
    #[error("not a tlog-proof@v1 file: line {line}: {reason}")]
    Format {
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The entry in `extra` does not decode.
    #[error("the proof's entry: {0}")]
    Entry(String),
    /// The entry's author is not among the trusted keys.
    #[error("the entry's author (key {0}) is not among the trusted keys")]
    UntrustedAuthor(String),
    /// The entry's own signature fails.
    #[error("the entry's signature does not verify: {0}")]
    EntrySignature(String),
    /// The checkpoint note fails.
    #[error("the checkpoint: {0}")]
    Checkpoint(String),
    /// The checkpoint is of another feed.
    #[error("the checkpoint's origin is {found:?}, but the entry's feed is {expected:?}")]
    WrongOrigin {
        /// The origin of the entry's feed.
        expected: String,
        /// The checkpoint's origin.
        found: String,
    },
    /// The index is not the entry's seq.
    #[error("the proof is for index {index}, but the entry is at seq {seq}")]
    WrongIndex {
        /// The index in the file.
        index: u64,
        /// The entry's seq.
        seq: u64,
    },
    /// The inclusion proof fails.
    #[error("the entry is not included in the checkpoint's tree: {0}")]
    NotIncluded(String),
    /// A required cosignature is missing.
    #[error("the checkpoint lacks a valid cosignature by {0}, which the policy requires")]
    MissingCosignature(String),
    /// Only the author is trusted: the proof would rest on the author's word alone.
    #[error(
        "no party other than the author is trusted, so nothing but the author's own word vouches for the checkpoint; trust the other parties' keys too"
    )]
    NoCosigner,
}

fn format_err(line: usize, reason: impl Into<String>) -> ProofError {
    ProofError::Format {
        line,
        reason: reason.into(),
    }
}

impl OfflineProof {
    /// The proof file's text.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            BASE64.encode(&self.entry),
            self.index
        );
        for h in &self.path {
            out.push_str(&BASE64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.note);
        bytes
    }

    /// Parse a proof file.
    ///
    /// # Errors
    ///
    /// [`ProofError::Format`] naming the line.
    pub fn parse(bytes: &[u8]) -> Result<OfflineProof, ProofError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| format_err(0, format!("not UTF-8 at byte offset {}", e.valid_up_to())))?;
        let (head, note) = text
            .split_once("\n\n")
            .ok_or_else(|| format_err(0, "no blank line before the checkpoint"))?;
        let mut lines = head.split('\n').enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, HEADER)) => {}
            _ => return Err(format_err(1, format!("the first line must be {HEADER}"))),
        }
        let (mut n, mut line) = lines.next().ok_or_else(|| format_err(2, "no index line"))?;
        let mut entry = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            entry =
                Some(BASE64.decode(b64).map_err(|e| {
                    format_err(n, format!("extra: {}", checkpoint::base64_fault(&e)))
                })?);
            (n, line) = lines
                .next()
                .ok_or_else(|| format_err(n + 1, "no index line"))?;
        }
        let index_text = line
            .strip_prefix("index ")
            .ok_or_else(|| format_err(n, "expected `index N`"))?;
        if index_text.is_empty() || !index_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format_err(n, "the index must be decimal digits only"));
        }
        if index_text.len() > 1 && index_text.starts_with('0') {
            return Err(format_err(n, "the index has a leading zero"));
        }
        let index: u64 = index_text
            .parse()
            .map_err(|_| format_err(n, format!("{index_text:?} is not a decimal index")))?;
        let mut path = Vec::new();
        for (n, l) in lines {
            let h = checkpoint::decode_hash(l.as_bytes())
                .map_err(|reason| format_err(n, format!("proof hash: {reason}")))?;
            path.push(h);
        }
        let entry = entry.ok_or_else(|| {
            format_err(
                2,
                "no `extra` line: a hotline proof carries the entry there",
            )
        })?;
        Ok(OfflineProof {
            entry,
            index,
            path,
            note: note.as_bytes().to_vec(),
        })
    }
}

/// What a valid proof proves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Proven {
    /// The entry's id.
    pub entry: EntryId,
    /// Its author's name (from the trusted key file).
    pub author: String,
    /// Its seq.
    pub seq: u64,
    /// Its kind, if this version knows it.
    pub kind: Option<String>,
    /// The author's claimed time.
    pub claimed_time: Timestamp,
    /// The channel the entry belongs to.
    pub channel: crate::entry::ChannelId,
    /// The checkpoint's origin.
    pub origin: String,
    /// The checkpoint's tree size.
    pub checkpoint_size: u64,
    /// Every verified cosignature: the entry was in the feed no later than each one's time.
    pub cosignatures: Vec<Cosignature>,
}

/// Verify a proof with nothing but the parties' public keys. The policy: the author must be
/// trusted and must have signed both the entry and the checkpoint, at least one other party
/// must be trusted, and every other trusted party must have cosigned the checkpoint. The
/// author's name, which forms the checkpoint's origin, is the one in its trusted key file and
/// must be its name in the charter.
///
/// # Errors
///
/// [`ProofError`] naming the first check that fails.
///
/// # Example
///
/// The proof `hotline prove` writes, checked with the two parties' public key files alone
/// (the file is `fixtures/bundle/example.tlog-proof`: alpha's first notice, cosigned by beta).
///
/// ```
/// use hotline::proof::{OfflineProof, verify_offline};
/// use hotline::PublicKey;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let proof = OfflineProof::parse(include_bytes!("../fixtures/bundle/example.tlog-proof"))?;
/// let trusted = [
///     PublicKey::from_file_text(include_str!("../keys/alpha.pub"))?,
///     PublicKey::from_file_text(include_str!("../keys/beta.pub"))?,
/// ];
/// let proven = verify_offline(&proof, &trusted)?;
/// assert_eq!(proven.author, "alpha");
/// assert_eq!(proven.kind.as_deref(), Some("notice"));
/// // In the feed no later than beta's cosignature: beta's word, not alpha's claim.
/// assert_eq!(proven.cosignatures[0].party, "beta");
///
/// // Without beta's key, nothing vouches for it but its author.
/// assert!(verify_offline(&proof, &trusted[..1]).is_err());
/// # Ok(()) }
/// ```
pub fn verify_offline(proof: &OfflineProof, trusted: &[PublicKey]) -> Result<Proven, ProofError> {
    let signed = SignedEntry::decode(&proof.entry).map_err(|e| ProofError::Entry(e.to_string()))?;
    let h = signed.header().clone();
    let author = trusted
        .iter()
        .find(|t| t.id == h.author)
        .ok_or_else(|| ProofError::UntrustedAuthor(h.author.fingerprint()))?;
    signed
        .verify_signature()
        .map_err(|e| ProofError::EntrySignature(e.to_string()))?;
    let origin = checkpoint::origin(&h.channel, &author.name);
    let log =
        Verifier::ed25519(&origin, author.id).map_err(|e| ProofError::Checkpoint(e.to_string()))?;
    let others: Vec<&PublicKey> = trusted.iter().filter(|t| t.id != author.id).collect();
    if others.is_empty() {
        return Err(ProofError::NoCosigner);
    }
    let cosigners = others
        .iter()
        .map(|t| witness::cosigner_verifier(&t.id))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProofError::Checkpoint(e.to_string()))?;
    let (cp, verified) = checkpoint::open_checkpoint(&proof.note, &log, &cosigners)
        .map_err(|e| ProofError::Checkpoint(e.to_string()))?;
    if cp.origin() != origin {
        return Err(ProofError::WrongOrigin {
            expected: origin,
            found: cp.origin().to_owned(),
        });
    }
    if proof.index != h.seq.0 {
        return Err(ProofError::WrongIndex {
            index: proof.index,
            seq: h.seq.0,
        });
    }
    merkle::verify_inclusion(
        proof.index,
        cp.size(),
        &merkle::leaf_hash(&proof.entry),
        &proof.path,
        cp.root(),
    )
    .map_err(|e| ProofError::NotIncluded(e.to_string()))?;
    let mut cosignatures = Vec::new();
    for (t, v) in others.iter().zip(&cosigners) {
        let time = verified
            .verified_by(v)
            .and_then(|s| s.timestamp())
            .ok_or_else(|| ProofError::MissingCosignature(t.name.clone()))?;
        cosignatures.push(Cosignature {
            party: t.name.clone(),
            cosigner: crate::witness::CosignerKind::Party,
            key: t.id,
            signed_with: None,
            time: Timestamp(time),
        });
    }
    Ok(Proven {
        entry: signed.id().map_err(|e| ProofError::Entry(e.to_string()))?,
        author: author.name.clone(),
        seq: h.seq.0,
        kind: signed.entry.body().ok().map(|b| b.kind().to_string()),
        claimed_time: h.time,
        channel: h.channel,
        origin,
        checkpoint_size: cp.size(),
        cosignatures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::{self, test_key};
    use crate::witness::{Held, cosign, sign_checkpoint};

    /// Alpha's feed of the example channel, a checkpoint of it cosigned by beta, and a proof
    /// for alpha's seq `i`.
    fn proof_for(i: usize) -> (OfflineProof, Vec<PublicKey>) {
        let ex = example::build().unwrap();
        let alpha: Vec<Vec<u8>> = ex
            .entries
            .iter()
            .filter(|(l, _)| l.starts_with("alpha"))
            .map(|(_, e)| e.encode().unwrap())
            .collect();
        let leaves: Vec<Hash> = alpha.iter().map(|b| merkle::leaf_hash(b)).collect();
        let root = merkle::root(&leaves);
        let note =
            sign_checkpoint(&ex.charter, &test_key("alpha"), leaves.len() as u64, root).unwrap();
        let held = move |_: &witness::CheckedNote| Held {
            size: 7,
            root_at_checkpoint: Some(root),
            last_cosigned: None,
        };
        let note = cosign(
            &ex.charter,
            &test_key("beta"),
            &note,
            &held,
            Timestamp(example::T0 + 500_000),
        )
        .unwrap();
        let proof = OfflineProof {
            entry: alpha[i].clone(),
            index: i as u64,
            path: merkle::inclusion_proof(&leaves, i as u64).unwrap(),
            note,
        };
        (
            proof,
            vec![test_key("alpha").public(), test_key("beta").public()],
        )
    }

    #[test]
    fn round_trip_and_verify() {
        for i in 0..7 {
            let (p, trusted) = proof_for(i);
            let text = p.encode();
            assert!(text.starts_with(b"c2sp.org/tlog-proof@v1\nextra "));
            let back = OfflineProof::parse(&text).unwrap();
            assert_eq!(back, p);
            let proven = verify_offline(&back, &trusted).unwrap();
            assert_eq!(proven.seq, i as u64);
            assert_eq!(proven.cosignatures.len(), 1);
        }
    }

    #[test]
    fn every_defect_is_caught() {
        let (p, trusted) = proof_for(3);
        let mut wrong_index = p.clone();
        wrong_index.index = 2;
        assert!(verify_offline(&wrong_index, &trusted).is_err());
        let mut other_entry = p.clone();
        other_entry.entry = proof_for(2).0.entry;
        assert!(verify_offline(&other_entry, &trusted).is_err());
        let mut bad_path = p.clone();
        bad_path.path[0][0] ^= 1;
        assert!(matches!(
            verify_offline(&bad_path, &trusted),
            Err(ProofError::NotIncluded(_))
        ));
        // Without beta's cosignature, the policy is not met.
        let uncosigned_note = {
            let n = String::from_utf8(p.note.clone()).unwrap();
            let cut = n.rfind("\u{2014} hotline-cosigner/").unwrap();
            n.as_bytes()[..cut].to_vec()
        };
        let mut uncosigned = p.clone();
        uncosigned.note = uncosigned_note;
        assert!(matches!(
            verify_offline(&uncosigned, &trusted),
            Err(ProofError::MissingCosignature(_))
        ));
        // Alpha alone trusted: the author's word alone is not a proof.
        assert_eq!(
            verify_offline(&uncosigned, &trusted[..1]),
            Err(ProofError::NoCosigner)
        );
        // "index +3" is not the canonical form of 3.
        let text = String::from_utf8(p.encode())
            .unwrap()
            .replace("\nindex 3\n", "\nindex +3\n");
        assert!(OfflineProof::parse(text.as_bytes()).is_err());
        assert!(matches!(
            verify_offline(&p, &trusted[1..]),
            Err(ProofError::UntrustedAuthor(_))
        ));
        // Every single byte flipped in the file: refused.
        let text = p.encode();
        for i in 0..text.len() {
            let mut t = text.clone();
            t[i] ^= 0x01;
            let ok = OfflineProof::parse(&t)
                .ok()
                .and_then(|q| verify_offline(&q, &trusted).ok());
            assert!(ok.is_none(), "byte {i} flipped still verifies");
        }
    }
}
