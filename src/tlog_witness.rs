//! The C2SP transparency-log witness protocol's `add-checkpoint` exchange
//! ([c2sp.org/tlog-witness]), without the HTTP: the request and response bodies, and the
//! rules a witness applies before it cosigns. Pure: no I/O, no clock (callers pass the time
//! and the witness's recorded state in, and persist the state it returns before answering).
//!
//! Request body (`POST <prefix>/add-checkpoint`), every line ending in `\n`:
//!
//! ```text
//! old <size of the checkpoint the witness last cosigned for this origin, or 0>
//! <base64 of one hash of the RFC 6962 consistency proof from that size>     (0 to 63 lines)
//! <empty line>
//! <the checkpoint: a C2SP signed note, signed by the log, perhaps cosigned>
//! ```
//!
//! Response body on success: one or more note signature lines (`— <name> <base64>\n`), the
//! witness's `cosignature/v1` cosignatures of the checkpoint. On an `old` size that is not the
//! one the witness recorded: `409 Conflict` with the recorded size and a newline as the body.
//!
//! [c2sp.org/tlog-witness]: https://c2sp.org/tlog-witness

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{
    self, Checkpoint, Cosigner, Note, NoteError, NoteSig, Verifier, verify_cosignature,
};
use crate::merkle::{self, Hash};

/// The most consistency-proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// The body of an `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness last cosigned (0: none).
    pub old_size: u64,
    /// The RFC 6962 consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The checkpoint note, as signed.
    pub checkpoint: Vec<u8>,
}

/// Why a request body is not a well-formed `add-checkpoint` body (a witness answers
/// `400 Bad Request`). Lines count from 1.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The first line is not `old <decimal size>` without leading zeros.
    #[error("line 1: {found:?} is not \"old <size>\" (decimal, no leading zeros)")]
    BadOldLine {
        /// The line found (at most 64 characters).
        found: String,
    },
    /// A proof line is not the base64 of 32 bytes.
    #[error("line {line}: a proof line must be the padded base64 of a 32-byte hash: {reason}")]
    BadProofLine {
        /// The line.
        line: usize,
        /// What is wrong: not base64, non-canonical base64, or not 32 bytes.
        reason: &'static str,
    },
    /// More than [`MAX_PROOF_LINES`] proof lines.
    #[error("more than {MAX_PROOF_LINES} consistency proof lines")]
    TooManyProofLines,
    /// The body ends before the empty line and the checkpoint.
    #[error("the body ends before the empty line that precedes the checkpoint")]
    NoCheckpoint,
}

impl AddCheckpoint {
    /// The request body.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size).into_bytes();
        for h in &self.proof {
            out.extend_from_slice(BASE64.encode(h).as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parse a request body, strictly. The checkpoint note is not checked here
    /// ([`add_checkpoint`] does).
    ///
    /// # Errors
    ///
    /// [`RequestError`] naming the line.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, RequestError> {
        let mut rest = body;
        let next_line = |rest: &mut &[u8]| -> Option<Vec<u8>> {
            let at = rest.iter().position(|&b| b == b'\n')?;
            let (line, tail) = rest.split_at(at);
            *rest = tail.get(1..).unwrap_or_default();
            Some(line.to_vec())
        };
        let first = next_line(&mut rest).ok_or_else(|| RequestError::BadOldLine {
            found: checkpoint::excerpt(&String::from_utf8_lossy(body)),
        })?;
        let first = String::from_utf8_lossy(&first).into_owned();
        let old_size = first
            .strip_prefix("old ")
            .filter(|d| {
                !d.is_empty()
                    && d.bytes().all(|b| b.is_ascii_digit())
                    && (d.len() == 1 || !d.starts_with('0'))
            })
            .and_then(|d| d.parse::<u64>().ok())
            .ok_or_else(|| RequestError::BadOldLine {
                found: checkpoint::excerpt(&first),
            })?;
        let mut proof = Vec::new();
        loop {
            let line = next_line(&mut rest).ok_or(RequestError::NoCheckpoint)?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(RequestError::TooManyProofLines);
            }
            let hash =
                checkpoint::decode_hash(&line).map_err(|reason| RequestError::BadProofLine {
                    line: proof.len() + 2,
                    reason,
                })?;
            proof.push(hash);
        }
        if rest.is_empty() {
            return Err(RequestError::NoCheckpoint);
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: rest.to_vec(),
        })
    }

    /// The origin line of the checkpoint, by which a witness finds the log's key (a witness
    /// answers `404 Not Found` for an origin it does not know).
    ///
    /// # Errors
    ///
    /// If the checkpoint is not a signed note holding a checkpoint.
    pub fn origin(&self) -> Result<String, NoteError> {
        let note = Note::parse(&self.checkpoint)?;
        let cp = Checkpoint::parse(note.text()).map_err(NoteError::NotACheckpoint)?;
        Ok(cp.origin().to_owned())
    }
}

/// What a witness keeps for one log: the latest checkpoint it cosigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// Its tree size.
    pub size: u64,
    /// Its root hash.
    pub root: Hash,
}

/// Why a witness refuses to cosign; [`Refusal::status`] is the HTTP status the spec gives.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 403: no valid signature by the log's key, or one by its key that fails.
    #[error("403 Forbidden: the checkpoint is not validly signed by the log's key: {0}")]
    NotSignedByLog(NoteError),
    /// 400: `old` is above the checkpoint's size.
    #[error("400 Bad Request: old size {old} is above the checkpoint's size {size}")]
    OldAboveSize {
        /// The request's old size.
        old: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// 409: `old` is not the size the witness recorded.
    #[error(
        "409 Conflict: old size {old} is not the size this witness last cosigned for {origin}, which is {recorded}"
    )]
    Conflict {
        /// The log's origin.
        origin: String,
        /// The request's old size.
        old: u64,
        /// The size recorded (0 if none).
        recorded: u64,
    },
    /// 422: the consistency proof, or the checkpoint, is not consistent with what the witness
    /// recorded.
    #[error("422 Unprocessable Entity: {0}")]
    Inconsistent(String),
    /// The caller's clock gave 0, a time a cosignature must not carry.
    #[error("the cosignature time must not be zero")]
    ZeroTime,
}

impl Refusal {
    /// The HTTP status code of the spec for this refusal (500 for [`Refusal::ZeroTime`]).
    pub fn status(&self) -> u16 {
        match self {
            Refusal::NotSignedByLog(_) => 403,
            Refusal::OldAboveSize { .. } => 400,
            Refusal::Conflict { .. } => 409,
            Refusal::Inconsistent(_) => 422,
            Refusal::ZeroTime => 500,
        }
    }

    /// The response body the spec gives: for 409, the recorded size and a newline
    /// (`Content-Type: text/x.tlog.size`); none otherwise.
    pub fn body(&self) -> Option<String> {
        match self {
            Refusal::Conflict { recorded, .. } => Some(format!("{recorded}\n")),
            _ => None,
        }
    }
}

/// A checkpoint the witness cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The witness's cosignature line: the response body is it, printed, and a newline.
    pub cosignature: NoteSig,
    /// What the witness must record (durably, before it answers) for the checkpoint's origin.
    pub record: Recorded,
}

impl Cosigned {
    /// The response body: the cosignature line and a newline.
    pub fn response(&self) -> String {
        format!("{}\n", self.cosignature)
    }
}

/// Apply the witness's rules to a request for the log whose key is `log` (the caller chose it
/// by [`AddCheckpoint::origin`]), given what the witness `recorded` for that origin, and
/// cosign at `now` (POSIX seconds): the log's signature verifies (403); `old` is at most the
/// checkpoint's size (400) and is the recorded size, 0 if none (409); a checkpoint of size 0
/// has the empty tree's root; with `old` 0 the proof is empty; with `old` equal to the size
/// the proof is empty and the roots are equal; otherwise the RFC 6962 consistency proof
/// verifies from the recorded root to the checkpoint's (422 for each of these). The size a
/// witness records therefore never goes down.
///
/// # Errors
///
/// The [`Refusal`]; the witness must then not change what it recorded.
pub fn add_checkpoint(
    req: &AddCheckpoint,
    log: &Verifier,
    recorded: Option<Recorded>,
    witness: &Cosigner,
    now: u64,
) -> Result<Cosigned, Refusal> {
    let (cp, _) =
        checkpoint::open_checkpoint(&req.checkpoint, log, &[]).map_err(Refusal::NotSignedByLog)?;
    let (old, size) = (req.old_size, cp.size());
    if old > size {
        return Err(Refusal::OldAboveSize { old, size });
    }
    let have = recorded.map_or(0, |r| r.size);
    if old != have {
        return Err(Refusal::Conflict {
            origin: cp.origin().to_owned(),
            old,
            recorded: have,
        });
    }
    let bad = |why: String| Err(Refusal::Inconsistent(why));
    if size == 0 && *cp.root() != merkle::empty_root() {
        return bad("a checkpoint of size 0 must have the empty tree's root".into());
    }
    match recorded.filter(|_| old > 0) {
        None if !req.proof.is_empty() => {
            return bad(format!(
                "the consistency proof from size 0 must be empty; it has {} hashes",
                req.proof.len()
            ));
        }
        None => {}
        Some(r) if old == size && (!req.proof.is_empty() || r.root != *cp.root()) => {
            return bad(format!(
                "the checkpoint at size {size} has another root than the one cosigned at that size, or a proof"
            ));
        }
        Some(_) if old == size => {}
        Some(r) => {
            if let Err(e) = merkle::verify_consistency(old, size, &r.root, cp.root(), &req.proof) {
                return bad(format!(
                    "the consistency proof from size {old} to {size} does not verify: {e}"
                ));
            }
        }
    }
    if now == 0 {
        return Err(Refusal::ZeroTime);
    }
    let cosignature = witness
        .cosign(&cp.body(), now)
        .map_err(|e| Refusal::Inconsistent(e.to_string()))?;
    Ok(Cosigned {
        record: Recorded {
            size,
            root: *cp.root(),
        },
        checkpoint: cp,
        cosignature,
    })
}

/// Why a witness's response could not be used.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// A line of the body is not a note signature line ending in a newline.
    #[error("response line {line}: {error}")]
    BadLine {
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        error: NoteError,
    },
    /// The body holds no signature line.
    #[error("the response holds no signature line")]
    Empty,
    /// A line by a known witness key does not verify over the checkpoint.
    #[error("the cosignature by {name} does not verify over the checkpoint: {error}")]
    BadCosignature {
        /// The witness's key name.
        name: String,
        /// Why.
        error: NoteError,
    },
    /// No line is by any of the witness keys given.
    #[error("no line of the response is a cosignature by the witness key(s) expected")]
    NoKnownCosignature,
    /// The checkpoint note could not take the lines.
    #[error("{0}")]
    Note(NoteError),
}

/// Parse a success response body: one or more note signature lines, each ending in `\n`.
///
/// # Errors
///
/// [`ResponseError::BadLine`] or [`ResponseError::Empty`].
pub fn parse_response(body: &[u8]) -> Result<Vec<NoteSig>, ResponseError> {
    let text = std::str::from_utf8(body).map_err(|e| ResponseError::BadLine {
        line: 1,
        error: NoteError::NotUtf8 {
            offset: e.valid_up_to(),
        },
    })?;
    let content = text.strip_suffix('\n').ok_or(ResponseError::BadLine {
        line: text.split('\n').count(),
        error: NoteError::BadSignatureLine {
            line: 1,
            reason: "a line does not end in a newline",
        },
    })?;
    if content.is_empty() {
        return Err(ResponseError::Empty);
    }
    content
        .split('\n')
        .enumerate()
        .map(|(i, l)| {
            NoteSig::from_line(l).map_err(|error| ResponseError::BadLine { line: i + 1, error })
        })
        .collect()
}

/// What [`accept_response`] gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The checkpoint note with the witness lines added.
    pub note: Vec<u8>,
    /// For each line added: the witness's key name and the cosignature's time.
    pub cosignatures: Vec<(String, u64)>,
}

/// Add the cosignatures of a response to the checkpoint `note` they answer, as a client
/// does: lines by keys other than `witnesses` are ignored (the spec asks it), every line by
/// one of them must verify over the checkpoint, and at least one must.
///
/// # Errors
///
/// [`ResponseError`] saying what is wrong; nothing is added then.
pub fn accept_response(
    note: &[u8],
    response: &[NoteSig],
    witnesses: &[Verifier],
) -> Result<Accepted, ResponseError> {
    let mut parsed = Note::parse(note).map_err(ResponseError::Note)?;
    let body = parsed.text().to_owned();
    let mut added = Vec::new();
    for sig in response {
        let Some(v) = witnesses
            .iter()
            .find(|v| v.name() == sig.name() && v.key_id() == sig.key_id())
        else {
            continue;
        };
        let time =
            verify_cosignature(&body, sig, v).map_err(|error| ResponseError::BadCosignature {
                name: sig.name().to_owned(),
                error,
            })?;
        parsed
            .add_signature(sig.clone())
            .map_err(ResponseError::Note)?;
        added.push((sig.name().to_owned(), time));
    }
    if added.is_empty() {
        return Err(ResponseError::NoKnownCosignature);
    }
    Ok(Accepted {
        note: parsed.encode(),
        cosignatures: added,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::checkpoint::Signer;
    use crate::keys::SecretKey;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
            .collect()
    }

    fn note(signer: &Signer, n: u64) -> Vec<u8> {
        let body = Checkpoint::new(signer.name(), n, merkle::root(&leaves(n)), vec![])
            .unwrap()
            .body();
        checkpoint::sign(&body, &[signer]).unwrap().encode()
    }

    fn setup() -> (Signer, Cosigner) {
        let log = Signer::new("example.com/log", &SecretKey::from_seed("l", &[1; 32])).unwrap();
        let w = Cosigner::new("witness.example/w1", &SecretKey::from_seed("w", &[2; 32])).unwrap();
        (log, w)
    }

    #[test]
    fn request_round_trips_and_is_strict() {
        let (log, _) = setup();
        let req = AddCheckpoint {
            old_size: 3,
            proof: merkle::consistency_proof(&leaves(7), 3).unwrap(),
            checkpoint: note(&log, 7),
        };
        let bytes = req.encode();
        assert!(bytes.starts_with(b"old 3\n"));
        assert_eq!(AddCheckpoint::parse(&bytes).unwrap(), req);
        assert_eq!(req.origin().unwrap(), "example.com/log");
        for bad in [
            "old 03\n\nx",
            "old -1\n\nx",
            "new 3\n\nx",
            "old 3",
            "old 3\n",
        ] {
            assert!(AddCheckpoint::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let bad = format!("old 1\n{}\n\nx", BASE64.encode([0u8; 31]));
        assert_eq!(
            AddCheckpoint::parse(bad.as_bytes()),
            Err(RequestError::BadProofLine {
                line: 2,
                reason: "not the base64 of 32 bytes"
            })
        );
        let long = format!(
            "old 1\n{}\nx",
            format!("{}\n", BASE64.encode([0u8; 32])).repeat(64)
        );
        assert_eq!(
            AddCheckpoint::parse(long.as_bytes()),
            Err(RequestError::TooManyProofLines)
        );
    }

    #[test]
    fn witness_rules() {
        let (log, w) = setup();
        let v = log.verifier();
        let first = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            checkpoint: note(&log, 3),
        };
        let c = add_checkpoint(&first, &v, None, &w, 100).unwrap();
        assert_eq!(c.record.size, 3);
        let sigs = parse_response(c.response().as_bytes()).unwrap();
        let got = accept_response(&first.checkpoint, &sigs, &[w.verifier()]).unwrap();
        assert_eq!(
            got.cosignatures,
            vec![("witness.example/w1".to_owned(), 100)]
        );
        assert!(got.note.len() > first.checkpoint.len());
        // The same old size again is a conflict that names the recorded size.
        let rec = Some(c.record);
        let e = add_checkpoint(&first, &v, rec, &w, 101).unwrap_err();
        assert_eq!(e.status(), 409);
        assert_eq!(e.body().as_deref(), Some("3\n"));
        // A good proof from 3 to 7, then a bad one, then a proof from 0 that is not empty.
        let mut next = AddCheckpoint {
            old_size: 3,
            proof: merkle::consistency_proof(&leaves(7), 3).unwrap(),
            checkpoint: note(&log, 7),
        };
        assert_eq!(
            add_checkpoint(&next, &v, rec, &w, 102).unwrap().record.size,
            7
        );
        next.proof[0][0] ^= 1;
        assert_eq!(
            add_checkpoint(&next, &v, rec, &w, 102)
                .unwrap_err()
                .status(),
            422
        );
        let mut zero = first.clone();
        zero.proof = vec![[0; 32]];
        assert_eq!(
            add_checkpoint(&zero, &v, None, &w, 1).unwrap_err().status(),
            422
        );
        // Going back: old above the size is 400; an older checkpoint is a conflict.
        let back = AddCheckpoint {
            old_size: 7,
            proof: vec![],
            checkpoint: note(&log, 3),
        };
        assert_eq!(
            add_checkpoint(&back, &v, rec, &w, 1).unwrap_err().status(),
            400
        );
        // Another key's signature only: 403.
        let other = Signer::new("example.com/log", &SecretKey::from_seed("x", &[3; 32])).unwrap();
        let forged = AddCheckpoint {
            checkpoint: note(&other, 3),
            ..first.clone()
        };
        assert_eq!(
            add_checkpoint(&forged, &v, None, &w, 1)
                .unwrap_err()
                .status(),
            403
        );
        // A response line by the right name and id that does not verify is refused; lines by
        // unknown keys are ignored, but some line must be the witness's.
        let wrong = accept_response(&note(&log, 4), &sigs, &[w.verifier()]);
        assert!(
            matches!(wrong, Err(ResponseError::BadCosignature { .. })),
            "{wrong:?}"
        );
        let other_w = Cosigner::new("w2", &SecretKey::from_seed("w2", &[4; 32])).unwrap();
        assert_eq!(
            accept_response(&first.checkpoint, &sigs, &[other_w.verifier()]),
            Err(ResponseError::NoKnownCosignature)
        );
        assert!(parse_response(b"").is_err());
        assert!(parse_response(b"nonsense\n").is_err());
    }
}
