//! What the fuzz targets and the seed writer share: the example channel (the same one
//! `hotline::example` builds for the tests), signed checkpoints of its feeds, a witness, and
//! well-formed samples of every input a target parses. Everything is deterministic (keys from
//! fixed seeds; Ed25519 signatures are deterministic), so the seed corpus can be regenerated
//! byte for byte.
//!
//! This file is also compiled into the seed writer (`fuzz/seeds`) by path, so it must not use
//! libfuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::OnceLock;

use hotline::bundle::{self, ConsistencyRecord, NoteRecord, RecordKind};
use hotline::charter::{Charter, Witness};
use hotline::checkpoint::{Cosigner, Verifier};
use hotline::example::{self, T0, test_key};
use hotline::keys::{PublicKey, SecretKey};
use hotline::merkle::{self, Hash};
use hotline::proof::OfflineProof;
use hotline::tlog_witness::AddCheckpoint;
use hotline::witness::{self, Held};
use hotline::{SignedEntry, Timestamp};

/// The witness's C2SP key name.
pub const WITNESS_NAME: &str = "witness.example/w1";

/// The fixed inputs every target verifies against.
pub struct Context {
    /// The example charter.
    pub charter: Charter,
    /// Its entries, encoded, in order of writing.
    pub entries: Vec<Vec<u8>>,
    /// Alpha's entries (its feed), encoded.
    pub alpha_feed: Vec<Vec<u8>>,
    /// Both parties' public keys.
    pub trusted: Vec<PublicKey>,
    /// Alpha's checkpoint verifier.
    pub alpha_log: Verifier,
    /// Every cosigner verifier the channel knows (beta's, the witness's).
    pub cosigners: Vec<Verifier>,
    /// A witness key (not in the charter), for the witness protocol.
    pub witness_key: SecretKey,
    /// Checkpoint notes of alpha's feed at every size, each cosigned by beta.
    pub notes: Vec<Vec<u8>>,
}

fn build() -> Context {
    let (charter, entries) = example::channel().expect("example channel");
    let alpha = test_key("alpha");
    let beta = test_key("beta");
    let alpha_feed: Vec<Vec<u8>> = entries
        .iter()
        .filter(|e| {
            SignedEntry::decode(e)
                .expect("example entry")
                .header()
                .author
                == alpha.party()
        })
        .cloned()
        .collect();
    let leaves: Vec<Hash> = alpha_feed.iter().map(|e| merkle::leaf_hash(e)).collect();
    let mut notes = Vec::new();
    for size in 1..=leaves.len() {
        let root = merkle::root(&leaves[..size]);
        let note =
            witness::sign_checkpoint(&charter, &alpha, size as u64, root).expect("checkpoint");
        let held = |_: &witness::CheckedNote| Held {
            size: leaves.len() as u64,
            root_at_checkpoint: Some(root),
            last_cosigned: None,
        };
        let cosigned =
            witness::cosign(&charter, &beta, &note, &held, Timestamp(T0 + 3600)).expect("cosign");
        notes.push(cosigned);
    }
    let party = &charter.parties[0];
    let alpha_log = witness::log_verifier(&charter, party).expect("log verifier");
    let witness_key = SecretKey::from_seed("witness", &[7; 32]);
    let w = Witness {
        name: WITNESS_NAME.into(),
        key: witness_key.party(),
        role: "neutral witness".into(),
    };
    let cosigners = vec![
        witness::cosigner_verifier(&beta.party()).expect("cosigner"),
        witness::witness_verifier(&w).expect("witness"),
    ];
    Context {
        trusted: vec![alpha.public(), beta.public()],
        charter,
        entries,
        alpha_feed,
        alpha_log,
        cosigners,
        witness_key,
        notes,
    }
}

/// The shared context, built once per process.
pub fn context() -> &'static Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(build)
}

impl Context {
    /// The witness's cosigner.
    pub fn witness(&self) -> Cosigner {
        Cosigner::new(WITNESS_NAME, &self.witness_key).expect("witness cosigner")
    }

    /// The leaves of alpha's feed.
    pub fn leaves(&self) -> Vec<Hash> {
        self.alpha_feed
            .iter()
            .map(|e| merkle::leaf_hash(e))
            .collect()
    }

    /// A note record for `note`, with what it states.
    pub fn record(&self, note: &[u8]) -> NoteRecord {
        let c = witness::check_note(&self.charter, note).expect("example note");
        NoteRecord {
            origin: c.checkpoint.origin().to_owned(),
            size: c.checkpoint.size(),
            root: *c.checkpoint.root(),
            note: note.to_vec(),
        }
    }

    /// A bundle of the whole channel, with two notes and the consistency proof between them.
    pub fn bundle(&self) -> Vec<u8> {
        let (a, b) = (&self.notes[1], &self.notes[self.notes.len() - 1]);
        let (ra, rb) = (self.record(a), self.record(b));
        let proof = ConsistencyRecord {
            origin: ra.origin.clone(),
            old_size: ra.size,
            new_size: rb.size,
            proof: merkle::consistency_proof(&self.leaves()[..rb.size as usize], ra.size)
                .expect("consistency proof"),
        };
        bundle::write_with_proofs(&self.charter, &self.entries, &[ra, rb], &[proof])
            .expect("bundle")
    }

    /// A journal as a store writes it: the header, the charter record, one entry per write,
    /// then a batch of the rest (a batch marker and its records) and a note.
    pub fn journal(&self) -> Vec<u8> {
        let mut out = bundle::header();
        let charter = self.charter.encode().expect("charter");
        out.extend(bundle::record(RecordKind::Charter, &charter).expect("record"));
        let (single, batch) = self.entries.split_at(2);
        for e in single {
            out.extend(bundle::record(RecordKind::Entry, e).expect("record"));
        }
        out.extend(bundle::batch_record(batch.len() as u32).expect("batch"));
        for e in batch {
            out.extend(bundle::record(RecordKind::Entry, e).expect("record"));
        }
        let note = bundle::NoteRecord::encode(&self.record(&self.notes[0])).expect("note record");
        out.extend(bundle::record(RecordKind::Note, &note).expect("record"));
        out
    }

    /// A tlog-proof of alpha's entry `i` in the latest checkpoint.
    pub fn proof(&self, i: usize) -> OfflineProof {
        let leaves = self.leaves();
        OfflineProof {
            entry: self.alpha_feed[i].clone(),
            index: i as u64,
            path: merkle::inclusion_proof(&leaves, i as u64).expect("inclusion proof"),
            note: self.notes[leaves.len() - 1].clone(),
        }
    }

    /// An add-checkpoint request from size `old` to alpha's latest checkpoint.
    pub fn request(&self, old: usize) -> AddCheckpoint {
        let leaves = self.leaves();
        AddCheckpoint {
            old_size: old as u64,
            proof: if old == 0 {
                vec![]
            } else {
                merkle::consistency_proof(&leaves, old as u64).expect("consistency proof")
            },
            checkpoint: self.notes[leaves.len() - 1].clone(),
        }
    }
}
