//! `hotline channel create`: the founder's charter, signed as the first entry of a new store.

use std::path::{Path, PathBuf};

use crate::charter::{CHARTER_VERSION, Charter, MIN_ACK_WITHIN, Party, Policy};
use crate::entry::Body;
use crate::keys::SecretKey;
use crate::store::Store;
use serde_json::json;

use super::keyfile::load_key;
use super::shared::{absolute, load_pub, marks_dir, now, parse_severity, store_failure};
use super::{Failure, Output};

/// The digest of the next key that the secret key at `key_path` pre-commits to: from the
/// `.pub` beside it, or from the next key file itself.
fn own_next_digest(key_path: &Path, key: &SecretKey) -> Result<crate::keys::KeyDigest, Failure> {
    let public = key_path.with_extension("pub");
    if let Ok(pk) = load_pub(&public)
        && pk.id == key.party()
        && let Some(next) = pk.next
    {
        return Ok(next);
    }
    let next_path = super::keyfile::next_key_path(key_path);
    if next_path.exists() {
        return Ok(load_key(&next_path)?.party().digest());
    }
    Err(Failure::new(format!(
        "no next key for {}: neither {} nor {} names it",
        key_path.display(),
        public.display(),
        next_path.display()
    ))
    .hint("the charter pre-commits every party's next key; `hotline keygen NAME` writes NAME.key, NAME.next.key and NAME.pub"))
}

/// `hotline channel create`.
pub(super) fn create(
    dir: &Path,
    name: &str,
    key_path: &Path,
    parties: &[PathBuf],
    severities: &[String],
    role: &str,
    (witnesses, witness_quorum): (&[String], u32),
) -> Result<Output, Failure> {
    let key = load_key(key_path)?;
    let witnesses = witnesses
        .iter()
        .map(|w| super::witness_protocol::parse_witness_arg(w))
        .collect::<Result<Vec<_>, _>>()?;
    let mut list = vec![Party {
        name: key.name().to_owned(),
        key: key.party(),
        next: own_next_digest(key_path, &key)?,
        role: role.to_owned(),
    }];
    for p in parties {
        let pk = load_pub(p)?;
        let next = pk.next.ok_or_else(|| {
            Failure::new(format!(
                "{} states no next key (`next:` line): the charter pre-commits every party's next key",
                p.display()
            ))
            .hint("ask the party for the NAME.pub that `hotline keygen NAME` writes; it names the next key's digest")
        })?;
        list.push(Party {
            name: pk.name,
            key: pk.id,
            next,
            role: "point-of-contact".into(),
        });
    }
    let policy = if severities.is_empty() {
        Policy::default_scale()
    } else {
        Policy {
            severities: severities
                .iter()
                .map(|s| parse_severity(s))
                .collect::<Result<_, _>>()?,
        }
    };
    let charter = Charter {
        version: CHARTER_VERSION,
        name: name.to_owned(),
        parties: list,
        policy,
        created: now(),
        witnesses,
        witness_quorum,
    };
    if let Err(e) = charter.check() {
        let f = Failure::new(e.to_string());
        let windows = charter
            .policy
            .severities
            .iter()
            .any(|s| s.ack_within < MIN_ACK_WITHIN || s.respond_within < s.ack_within);
        return Err(if windows {
            f.hint("each --severity NAME:ACK:RESPOND needs ACK of at least 1m and RESPOND no shorter than ACK, e.g. high:4h:3d")
        } else {
            f
        });
    }
    let mut store = Store::create(dir, &charter).map_err(store_failure)?;
    store
        .set_identity(key.name(), &absolute(key_path))
        .map_err(store_failure)?;
    store.keep_high_water_in(&marks_dir(key_path));
    let entry = store
        .append(&key, &Body::Charter(charter.clone()), now())
        .map_err(store_failure)?;
    let id = entry.id().map_err(|e| Failure::new(e.to_string()))?;
    let channel = store.channel();
    Ok(Output::ok(
        format!(
            "created channel {name:?} in {}\nchannel id {channel}\nparties: {}\ncharter signed as entry {}\nNext: `hotline --store {} export --out invitation.bundle` and send it to the other parties.\n",
            dir.display(),
            charter
                .parties
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            id.short(),
            dir.display()
        ),
        json!({ "ok": true, "store": dir, "channel": channel, "id": id, "kind": "charter", "author": key.name(), "seq": 0 }),
    ))
}
