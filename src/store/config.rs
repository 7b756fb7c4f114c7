//! `config.json`: which party this store acts for, where its secret key file is, and the
//! highest seq the store has signed for each party.
//!
//! ```json
//! {"party": "alpha", "key_file": "/home/alpha/.hotline/alpha.key", "signed": {"<party id, hex>": 41}, "check": "<64 hex>"}
//! ```
//!
//! Every field may be left out. The key itself never enters the store directory through this
//! file, only its path. `signed` is a guard, kept here rather than in the index so that it
//! outlives a repair: a store whose feed as held ends before the highest seq it has signed
//! refuses to sign again (see `Store::append`). It is written after the entry is in the
//! journal, so it can only ever be behind the journal, never ahead of it.
//!
//! # The check value
//!
//! A damaged mark would silently lose that guard (a digit turned into a lower one still
//! parses), so the file carries `check`: the lower-case hex SHA-256 of the UTF-8 text
//!
//! ```text
//! hotline config.json check v1\n
//! party <the party's name as a JSON string, or null>\n
//! signed <party id, 64 hex> <seq, decimal>\n      one line per mark, by party id
//! foreign <party id, 64 hex> <seq, decimal>\n     one line per mark, by party id
//! ```
//!
//! It covers what the guards rest on (the party and both kinds of mark), not `key_file`,
//! which is only where the key is found (a damaged path finds no key, so nothing is signed
//! with it) and which the user may edit when the key moves. A file whose check does not
//! match, or that does not parse, is refused by opening and by [`Store::verify`] and
//! before any signing, with a message naming `hotline repair`; a file without `check` is
//! one written before it existed and is read as it is (no damage to a file that has one can
//! remove it and leave valid JSON, and every write adds it).
//!
//! `hotline repair` ([`rebuild`]) moves a damaged file aside (`config.json.unreadable`) and
//! writes a new one: the party and key file are kept if the damaged file (or, if it no longer
//! parses, its lines that do) still names one of the charter's parties and a key file that
//! exists; the `foreign` marks, if the damaged file still parses,
//! are kept; and each `signed` mark is rebuilt as the last seq of the party's feed as held
//! (what the store signed, since a mark is only ever behind the journal, unless the same
//! repair lost entries of that feed that no copy held: then the high-water mark beside the
//! key is what still guards those seqs). A
//! damaged `signed` value is not trusted in either direction: a raised one would refuse
//! every signature for good.
//!
//! [`Store::verify`]: super::Store::verify

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::StoreError;
use super::journal::{io_err, replace_file, write_atomically};
use crate::charter::Charter;
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
    /// The check value over the fields above but `key_file` (see the module docs); `None`
    /// in memory, and in a file written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

const CHECK_TAG: &str = "hotline config.json check v1\n";

impl Config {
    /// The check value of this configuration (see the module docs).
    fn check_value(&self) -> String {
        let mut text = String::from(CHECK_TAG);
        let party = self
            .party
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok())
            .unwrap_or_else(|| "null".to_owned());
        text.push_str(&format!("party {party}\n"));
        for (what, marks) in [("signed", &self.signed), ("foreign", &self.foreign)] {
            for (k, seq) in marks {
                text.push_str(&format!("{what} {k} {seq}\n"));
            }
        }
        hex::encode(Sha256::digest(text.as_bytes()))
    }

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

const WHAT_IT_HOLDS: &str = "It records which key file is this store's own and, as a guard \
     against signing a seq twice, the highest seq the store has signed for each party: nothing \
     is signed until it is mended. `hotline repair` moves it aside and writes a new one, with \
     each mark rebuilt from the feeds the store holds";

fn unreadable(path: PathBuf, why: &str) -> StoreError {
    StoreError::Config {
        path,
        detail: format!("the file is damaged ({why}). {WHAT_IT_HOLDS}"),
    }
}

/// Read the configuration (the default if the store has none).
pub(super) fn load(dir: &Path) -> Result<Config, StoreError> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Err(unreadable(path, "it is not UTF-8 text"));
        }
        Err(e) => return Err(io_err("read", &path)(e)),
    };
    let mut config: Config =
        serde_json::from_str(&text).map_err(|e| unreadable(path.clone(), &e.to_string()))?;
    if let Some(check) = config.check.take()
        && check != config.check_value()
    {
        return Err(unreadable(
            path,
            "its check value does not match what it holds",
        ));
    }
    Ok(config)
}

/// What [`rebuild`] did.
#[derive(Debug, Default)]
pub(super) struct Rebuilt {
    /// Where the damaged file went.
    pub kept_in: Option<PathBuf>,
    /// Whether the party and key file were kept.
    pub identity_kept: bool,
    /// The `signed` marks written, by party.
    pub marks: Vec<(PartyId, u64)>,
}

/// What a damaged file still says: the whole of it if it parses as JSON, else each of its
/// lines that parses as one `"field": value` (the file is written one field a line).
fn salvage(damaged: &[u8]) -> serde_json::Value {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(damaged) {
        return v;
    }
    let mut fields = serde_json::Map::new();
    for line in String::from_utf8_lossy(damaged).lines() {
        let line = line.trim().trim_end_matches(',');
        if let Ok(serde_json::Value::Object(one)) =
            serde_json::from_str::<serde_json::Value>(&format!("{{{line}}}"))
        {
            fields.extend(one);
        }
    }
    serde_json::Value::Object(fields)
}

/// For `hotline repair`: read the configuration; if it is damaged, move it aside (to
/// `config.json.unreadable`) and write a new one from what survives (see the module docs).
/// `held` is the length of each feed the store holds after its repair.
pub(super) fn rebuild(
    dir: &Path,
    charter: &Charter,
    held: &[(PartyId, u64)],
) -> Result<(Config, Rebuilt), StoreError> {
    let path = match load(dir) {
        Ok(c) => return Ok((c, Rebuilt::default())),
        Err(StoreError::Config { path, .. }) => path,
        Err(other) => return Err(other),
    };
    let damaged = std::fs::read(&path).map_err(io_err("read", &path))?;
    let salvaged = salvage(&damaged);
    let mut config = Config::default();
    let party = salvaged.get("party").and_then(|v| v.as_str());
    let key_file = salvaged.get("key_file").and_then(|v| v.as_str());
    let identity_kept = if let (Some(party), Some(key)) = (party, key_file)
        && charter.party_named(party).is_some()
        && Path::new(key).is_file()
    {
        config.party = Some(party.to_owned());
        config.key_file = Some(PathBuf::from(key));
        true
    } else {
        false
    };
    if let Some(foreign) = salvaged.get("foreign").and_then(|v| v.as_object()) {
        for (k, v) in foreign {
            let party = hex::decode(k)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .map(PartyId);
            if let (Some(party), Some(seq)) = (party, v.as_u64()) {
                config.note_foreign(&party, seq);
            }
        }
    }
    let mut marks = Vec::new();
    for (party, len) in held {
        if let Some(last) = len.checked_sub(1) {
            config.note_signed(party, last);
            marks.push((*party, last));
        }
    }
    let aside = dir.join(format!("{FILE}.unreadable"));
    std::fs::rename(&path, &aside).map_err(io_err("move aside", &path))?;
    save(dir, &config)?;
    Ok((
        config,
        Rebuilt {
            kept_in: Some(aside),
            identity_kept,
            marks,
        },
    ))
}

fn text(path: &Path, config: &Config) -> Result<String, StoreError> {
    let mut config = config.clone();
    config.check = Some(config.check_value());
    let mut text = serde_json::to_string_pretty(&config).map_err(|e| StoreError::Config {
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

impl super::Store {
    /// The highest seq this store has signed for `party`, as `config.json` records it: the
    /// guard against signing a seq twice (see [`super::StoreError::FeedWentBack`]).
    pub fn signed_here(&self, party: &PartyId) -> Option<crate::entry::Seq> {
        self.config.signed(party).map(crate::entry::Seq)
    }
}
