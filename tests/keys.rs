//! Public keys as data: non-canonical encodings (y ≥ 2^255 − 19) of Ed25519 points are refused
//! wherever a key comes in, so that one point cannot be listed as two parties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use hotline::SecretKey;
use hotline::charter::{CHARTER_VERSION, Charter, Party, Policy};
use hotline::entry::Timestamp;
use hotline::keys::{KeyError, PartyId};

/// `(hex of the 32 key bytes, what it is)`. Each is an encoding with y ≥ p; the last is of a
/// point of large order, which curve25519-dalek on its own decodes (as y = 3).
const NON_CANONICAL: [(&str, &str); 4] = [
    (
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "y = p",
    ),
    (
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "y = p + 1 (the identity)",
    ),
    (
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "y = p + 1 with the sign bit",
    ),
    (
        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "y = p + 3",
    ),
];

fn key(h: &str) -> PartyId {
    PartyId(hex::decode(h).unwrap().try_into().unwrap())
}

fn charter_with(mallory: PartyId) -> Charter {
    Charter {
        version: CHARTER_VERSION,
        name: "test".into(),
        parties: vec![
            Party {
                name: "alpha".into(),
                key: SecretKey::from_seed("alpha", &[1; 32]).party(),
                next: SecretKey::from_seed("alpha", &[2; 32]).party().digest(),
                role: "point-of-contact".into(),
            },
            Party {
                name: "mallory".into(),
                key: mallory,
                next: SecretKey::from_seed("mallory", &[4; 32]).party().digest(),
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
fn a_charter_listing_a_non_canonical_key_is_refused() {
    // The same charter with a canonical key is fine, so the key is what is refused.
    let good = charter_with(SecretKey::from_seed("mallory", &[3; 32]).party());
    assert!(good.check().is_ok());
    for (h, what) in NON_CANONICAL {
        let c = charter_with(key(h));
        let err = c.check().unwrap_err().to_string();
        assert!(
            err.contains("party mallory") && err.contains("not canonical"),
            "{what}: {err}"
        );
        // A charter is checked as it is decoded, so such bytes never become a `Charter`.
        let bytes = c.encode().unwrap();
        let err = Charter::decode(&bytes).unwrap_err().to_string();
        assert!(err.contains("not canonical"), "{what}: {err}");
    }
}

#[test]
fn one_point_cannot_be_two_parties() {
    // y = 3 and y = p + 3 are the same point. The non-canonical encoding is refused as such;
    // the canonical one is refused because the point is not in the prime-order subgroup (as
    // is every point with y < 19, the only ones with a second encoding).
    let mut three = [0u8; 32];
    three[0] = 3;
    let canonical = PartyId(three);
    assert_eq!(
        canonical.verifying_key().err(),
        Some(KeyError::MixedOrderPublicKey)
    );
    let alias = key(NON_CANONICAL[3].0);
    assert_ne!(canonical, alias);
    assert_eq!(
        alias.verifying_key().err(),
        Some(KeyError::NonCanonicalPublicKey)
    );
}
