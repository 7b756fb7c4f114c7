//! # hotline
//!
//! A signed-attestation ledger for parties who do not trust each other's records. Each party
//! signs its commitments, definitions, incident notices and acknowledgements into its own
//! append-only, hash-chained feed, which is also an RFC 6962 Merkle tree. Anyone holding the
//! channel's charter (and so the parties' public keys) can check what was communicated, by
//! whom, and in what order.
//!
//! ## What a verification proves
//!
//! - every entry was signed (Ed25519, `verify_strict`) by the party it names, for this channel
//!   and no other, at the place in its feed it claims;
//! - no party signed two different entries at one place (a **fork**); if one did, the two
//!   entries are kept as a [`verify::ForkProof`] that anyone can check with the charter alone;
//! - each acknowledgement names the exact entry it acknowledges and commits to the acker's
//!   view of the author's whole feed up to then (size and Merkle root), so an author cannot
//!   later rewrite what the other side has acknowledged.
//!
//! ## What it does not prove
//!
//! - that claimed times are true: an entry's time is its author's claim; the evidence that
//!   something was communicated by a time is the other party's signed acknowledgement;
//! - that nothing exists beyond the entries given: a party can withhold entries it has not
//!   shown anyone.
//!
//! ## Use without the store and CLI
//!
//! With `default-features = false` the crate is the format and the verifier alone: no sled,
//! no clap, no I/O.
//!
//! ```
//! use hotline::verify::{verify, Options};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (charter, entries) = hotline::example::channel()?;
//! let report = verify(&charter, &entries, Options::default());
//! assert!(report.ok, "{:?}", report.findings);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod audit;
pub mod bundle;
pub mod chain;
pub mod charter;
pub mod checkpoint;
pub mod encoding;
pub mod entry;
pub mod example;
pub mod keys;
pub mod merkle;
pub mod proof;
#[cfg(feature = "store")]
pub mod store;
pub mod tlog_witness;
pub mod verify;
pub mod witness;

pub use charter::Charter;
pub use entry::{Body, ChannelId, Entry, EntryId, Seq, SignedEntry, Timestamp};
pub use keys::{PartyId, PublicKey, SecretKey};
pub use verify::{Finding, FindingKind, Report, verify};
