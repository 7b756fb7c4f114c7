//! `config.json`: which party this store acts for, and where its secret key file is.
//!
//! ```json
//! {"party": "alpha", "key_file": "/home/alpha/.hotline/alpha.key"}
//! ```
//!
//! The key itself never enters the store directory through this file, only its path.

use std::io;
use std::path::{Path, PathBuf};

use super::error::StoreError;
use super::journal::{io_err, write_atomically};

/// The file name in the store directory.
pub(super) const FILE: &str = "config.json";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Config {
    pub party: String,
    pub key_file: PathBuf,
}

/// Read the configuration, if the store has one.
pub(super) fn load(dir: &Path) -> Result<Option<Config>, StoreError> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("read", &path)(e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| StoreError::Config {
            path,
            detail: e.to_string(),
        })
}

/// Write the configuration: temporary file, fsync, rename, fsync of the directory.
pub(super) fn save(dir: &Path, config: &Config) -> Result<(), StoreError> {
    let path = dir.join(FILE);
    let mut text = serde_json::to_string_pretty(config).map_err(|e| StoreError::Config {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    text.push('\n');
    write_atomically(dir, &path, text.as_bytes())
}
