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
//! - every entry signs its author's view (size and Merkle root) of every other feed it held,
//!   and each view agrees with that feed's own signed entries; so every entry is a receipt for
//!   what it saw, comes after it in an order no clock can undo, and an author cannot later
//!   rewrite what another party has signed for ([`verify::FindingKind::ViewContradictsFeed`]).
//!
//! ## What it does not prove
//!
//! - that claimed times are true: an entry's time is its author's claim; the evidence of
//!   delivery is the receiver's own signatures, and [`audit`] says on whose word each verdict
//!   rests (`docs/EVIDENCE.md`);
//! - that nothing exists beyond the entries given, except where someone's signature says so
//!   ([`verify::FindingKind::Withheld`]).
//!
//! ## Use without the store and CLI
//!
//! With `default-features = false` the crate is the format and the verifier alone: no sled,
//! no clap, no I/O.
//!
//! The quick start: a bundle and the parties' public key files, checked exactly as
//! `hotline verify BUNDLE --trust alpha.pub --trust beta.pub` checks them.
//!
//! ```
//! use hotline::verify::{verify_bundle, BundleOptions};
//! use hotline::PublicKey;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bytes = include_bytes!("../fixtures/bundle/example.bundle");
//! let trusted = [
//!     PublicKey::from_file_text(include_str!("../keys/alpha.pub"))?.id,
//!     PublicKey::from_file_text(include_str!("../keys/beta.pub"))?.id,
//! ];
//! // The safe defaults: the default size limits, and this machine's clock.
//! let report = verify_bundle(bytes, &trusted, &BundleOptions::default())?;
//! assert!(report.is_clean(), "{:?}", report.findings);
//! assert!(report.in_effect, "both parties accepted the charter");
//!
//! // Its obligations: every notice, every receiver, and on whose word each verdict rests.
//! let b = hotline::verify::read_trusted(bytes, &trusted, &hotline::bundle::Limits::DEFAULT)?;
//! let now = hotline::Timestamp(1_767_225_600 + 30 * 86_400);
//! let audit = hotline::audit::audit_with_notes(&b.charter, &b.entries, &b.notes, now);
//! assert_eq!(audit.missed, 0);
//! # Ok(()) }
//! ```
//!
//! ## The API
//!
//! Verifying: [`verify_bundle`] (and [`verify::read_trusted`], its first step), [`Report`] and
//! its [`Finding`]s; [`audit`] for obligations and on whose word each verdict rests; [`proof`]
//! for a single entry proven offline. The data: [`entry`], [`charter`], [`keys`], [`bundle`]
//! (reading and writing the exchange format). The standards underneath: [`merkle`] (RFC 6962
//! trees and proofs) and [`checkpoint`] (C2SP signed notes, checkpoints and cosignatures). With
//! the `store` feature, `store` is the sled-backed ledger the `hotline` command uses; with
//! `example`, `example` holds the public test keys and example channels (never for real use).
//!
//! Modules hidden from these docs (`chain`, `encoding`, `witness`, `tlog_witness`, `cli`) and
//! hidden items of [`bundle`] (record framing) serve the `hotline` command, its tests and
//! benches. They are not part of the API and may change in any release; `docs/FORMAT.md`, not
//! their code, is the contract for the bytes. `tests/api.rs` holds the list of public items, so
//! that no item joins or leaves the API unnoticed.
#![deny(missing_docs)]

pub mod audit;
pub mod bundle;
#[doc(hidden)]
pub mod chain;
pub mod charter;
pub mod checkpoint;
/// The `hotline` command-line tool, whose one entry point is [`cli::run`]. It lives in the
/// library so that what only the tool uses stays `pub(crate)`; it is not part of the API.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[cfg(feature = "store")]
pub(crate) mod durable;
#[doc(hidden)]
pub mod encoding;
pub mod entry;
#[cfg(any(test, feature = "example"))]
pub mod example;
pub mod keys;
pub(crate) mod keystate;
pub mod merkle;
pub mod proof;
#[cfg(feature = "store")]
pub mod store;
pub(crate) mod text;
#[doc(hidden)]
pub mod tlog_witness;
pub mod verify;
#[doc(hidden)]
pub mod witness;

pub use charter::Charter;
pub use entry::{Body, ChannelId, Entry, EntryId, Seq, SignedEntry, Timestamp};
pub use keys::{PartyId, PublicKey, SecretKey};
pub use verify::{Finding, FindingKind, Report, verify, verify_bundle};
