//! `config.json`: which party this store acts for, where its secret key file is, and the
//! highest seq the store has signed for each party.
//!
//! ```json
//! {"party": "alpha", "key_file": "/home/alpha/.hotline/alpha.key", "signed": {"<party id, hex>": 41}}
//! ```
//!
//! Every field may be left out. The key itself never enters the store directory through this
//! file, only its path. `signed` is a guard, kept here rather than in the index so that it
//! outlives a repair: a store whose feed as held ends before the highest seq it has signed
//! refuses to sign again (see `Store::append`). It is written after the entry is in the
//! journal, so it can only ever be behind the journal, never ahead of it.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::error::StoreError;
use super::journal::{io_err, replace_file, write_atomically};
use crate::keys::PartyId;

/// The file name in the store directory.
pub(super) const FILE: &str = "config.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    /// The highest seq signed here, by party id in hex.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub signed: BTreeMap<String, u64>,
    /// The lowest seq of an entry of a feed this store signs for that an import brought and
    /// this store did not sign, by party id in hex: until the party revokes the key from that
    /// seq (or rebuilds the store), it signs nothing but a revocation.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub foreign: BTreeMap<String, u64>,
}

impl Config {
    /// The highest seq this store has signed for `party`.
    pub fn signed(&self, party: &PartyId) -> Option<u64> {
        self.signed.get(&hex::encode(party.0)).copied()
    }

    /// The lowest seq of `party`'s feed seen signed elsewhere (see [`Config::foreign`]).
    pub fn foreign(&self, party: &PartyId) -> Option<u64> {
        self.foreign.get(&hex::encode(party.0)).copied()
    }

    /// Record that an entry of `party`'s feed at `seq` was signed elsewhere.
    pub fn note_foreign(&mut self, party: &PartyId, seq: u64) {
        let mark = self.foreign.entry(hex::encode(party.0)).or_insert(seq);
        *mark = (*mark).min(seq);
    }

    /// Forget what a revocation from seq `from` answers.
    pub fn clear_foreign(&mut self, party: &PartyId, from: u64) {
        if self.foreign(party).is_some_and(|s| s >= from) {
            self.foreign.remove(&hex::encode(party.0));
        }
    }

    /// Record that this store signed `party`'s `seq`.
    pub fn note_signed(&mut self, party: &PartyId, seq: u64) {
        let mark = self.signed.entry(hex::encode(party.0)).or_insert(seq);
        *mark = (*mark).max(seq);
    }

    /// Every party with a mark, and the mark (entries whose key is not a party id are left
    /// out).
    pub fn marks(&self) -> Vec<(PartyId, u64)> {
        self.signed
            .iter()
            .filter_map(|(k, seq)| {
                let bytes = hex::decode(k).ok()?;
                Some((PartyId(<[u8; 32]>::try_from(bytes).ok()?), *seq))
            })
            .collect()
    }
}

fn unreadable(path: PathBuf, e: &serde_json::Error) -> StoreError {
    StoreError::Config {
        path,
        detail: format!(
            "the file is unreadable ({e}). It only records which key file is this store's own and, \
             as a guard against signing a seq twice, the highest seq the store has signed for \
             each party, so it can be deleted and the identity set again; `hotline repair` \
             moves it aside and starts an empty one"
        ),
    }
}

/// Read the configuration (the default if the store has none).
pub(super) fn load(dir: &Path) -> Result<Config, StoreError> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Err(StoreError::Config {
                path,
                detail: "the file is not UTF-8 text. It only records which key file is this \
                         store's own and, as a guard against signing a seq twice, the highest \
                         seq the store has signed for each party, so it can be deleted and the \
                         identity set again; `hotline repair` moves it aside and starts an \
                         empty one"
                    .into(),
            });
        }
        Err(e) => return Err(io_err("read", &path)(e)),
    };
    serde_json::from_str(&text).map_err(|e| unreadable(path, &e))
}

/// Read the configuration; if it is unreadable, move it aside (to `config.json.unreadable`)
/// and start an empty one. Returns where the old one went, if it was moved.
pub(super) fn load_or_reset(dir: &Path) -> Result<(Config, Option<PathBuf>), StoreError> {
    match load(dir) {
        Ok(c) => Ok((c, None)),
        Err(StoreError::Config { path, .. }) => {
            let aside = dir.join(format!("{FILE}.unreadable"));
            std::fs::rename(&path, &aside).map_err(io_err("move aside", &path))?;
            let config = Config::default();
            save(dir, &config)?;
            Ok((config, Some(aside)))
        }
        Err(other) => Err(other),
    }
}

fn text(path: &Path, config: &Config) -> Result<String, StoreError> {
    let mut text = serde_json::to_string_pretty(config).map_err(|e| StoreError::Config {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}

/// Write the configuration: temporary file, fsync, rename, fsync of the directory.
pub(super) fn save(dir: &Path, config: &Config) -> Result<(), StoreError> {
    let path = dir.join(FILE);
    write_atomically(dir, &path, text(&path, config)?.as_bytes())
}

/// Write the configuration after a new signed mark: temporary file, fsync, rename, without the
/// directory's fsync. A power cut may undo the rename, leaving the previous mark: the guard is
/// then a little behind, never ahead of the journal, and the next append writes it again.
pub(super) fn save_mark(dir: &Path, config: &Config) -> Result<(), StoreError> {
    let path = dir.join(FILE);
    replace_file(&path, text(&path, config)?.as_bytes())
}
