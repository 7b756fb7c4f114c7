//! A bundle verified as `hotline verify BUNDLE --trust …` verifies it: read strictly within
//! limits, its charter's parties checked against keys the caller trusts, then its entries and
//! checkpoint notes verified together, against the verifier's clock.

use crate::bundle::{self, BundleError, Limits};
use crate::keys::PartyId;

use super::{Options, Report};

/// Why a bundle was not verified at all. Each is a reason to distrust it, as a finding in a
/// [`Report`] would be: `hotline verify` exits non-zero for every one.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleRefused {
    /// The bundle cannot be read: damaged, over the limits, or not a hotline bundle.
    #[error(transparent)]
    Unreadable(#[from] BundleError),
    /// No trusted key was given: a bundle vouches for nothing on its own, since whoever made
    /// it could have written any charter.
    #[error(
        "no trusted keys given: a bundle is verified against the parties' public keys, obtained from the parties themselves"
    )]
    NoTrustedKeys,
    /// The charter lists a party whose key is not among the trusted keys.
    #[error(
        "the bundle's charter lists party {name} with key {}, which is not among the trusted keys",
        key.fingerprint()
    )]
    Untrusted {
        /// The party's name in the charter.
        name: String,
        /// The key the charter gives it.
        key: PartyId,
    },
}

/// How [`verify_bundle`] reads and verifies. The default is the safe one: the default limits
/// and the verifier's own clock for the future-time check ([`Options::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleOptions {
    /// The verifier settings.
    pub verify: Options,
    /// The most a bundle may hold before it is read.
    pub limits: Limits,
}

impl Default for BundleOptions {
    fn default() -> Self {
        BundleOptions {
            verify: Options::default(),
            limits: Limits::DEFAULT,
        }
    }
}

/// Verify a bundle exactly as `hotline verify BUNDLE --trust A.pub --trust B.pub` does (the CLI
/// calls this function): read it strictly within `opts.limits`; refuse it unless every party
/// of its charter has a key among `trusted`; then verify its entries and its checkpoint notes
/// (signatures, cosignatures, split views) together.
///
/// [`Report::is_clean`] is what the CLI's exit status says. What the report proves, and on
/// whose word each part rests, is in `docs/EVIDENCE.md`.
///
/// # Errors
///
/// [`BundleRefused`] when the bundle cannot be read or its charter is not one the caller's
/// keys vouch for.
///
/// # Example
///
/// ```
/// use hotline::verify::{verify_bundle, BundleOptions};
/// use hotline::PublicKey;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bytes = include_bytes!("../../fixtures/bundle/example.bundle");
/// // The parties' public key files, as each party gave them.
/// let trusted = [
///     PublicKey::from_file_text(include_str!("../../keys/alpha.pub"))?.id,
///     PublicKey::from_file_text(include_str!("../../keys/beta.pub"))?.id,
/// ];
/// let report = verify_bundle(bytes, &trusted, &BundleOptions::default())?;
/// assert!(report.is_clean(), "{:?}", report.findings);
///
/// // Without beta's key, the bundle's charter is not one the caller trusts.
/// let refused = verify_bundle(bytes, &trusted[..1], &BundleOptions::default());
/// assert!(refused.is_err());
/// # Ok(()) }
/// ```
pub fn verify_bundle(
    bytes: &[u8],
    trusted: &[PartyId],
    opts: &BundleOptions,
) -> Result<Report, BundleRefused> {
    let b = read_trusted(bytes, trusted, &opts.limits)?;
    // The note records, not only their notes: a record whose unsigned origin, size or root
    // disagrees with its signed note is a finding, as an import refuses it.
    Ok(super::verify_with_notes(
        &b.charter,
        &b.entries,
        &b.notes,
        opts.verify,
    ))
}

/// Read a bundle strictly within `limits` and refuse it unless every party of its charter
/// has a key among `trusted`: the first step of [`verify_bundle`], for a caller that goes on
/// to audit the bundle rather than only verify it.
///
/// # Errors
///
/// As [`verify_bundle`].
pub fn read_trusted(
    bytes: &[u8],
    trusted: &[PartyId],
    limits: &Limits,
) -> Result<bundle::Bundle, BundleRefused> {
    if trusted.is_empty() {
        return Err(BundleRefused::NoTrustedKeys);
    }
    let b = bundle::read_with(bytes, limits)?;
    if let Some(p) = b.charter.parties.iter().find(|p| !trusted.contains(&p.key)) {
        return Err(BundleRefused::Untrusted {
            name: p.name.clone(),
            key: p.key,
        });
    }
    Ok(b)
}
