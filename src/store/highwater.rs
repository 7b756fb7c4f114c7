//! The high-water mark: how far a party has signed its own feed, kept **outside** the store
//! directory (in the directory of the party's key, which the caller names), so that an old
//! copy of the whole store directory put back in place cannot sign a seq a second time.
//!
//! One file per channel and party, named
//! `hotline-mark.<channel id, 64 hex>.<party id, 64 hex>`, where the party id is the entry
//! header's `author` (not the key file's name: a party keeps its id when its key file moves).
//! Its contents are exactly six lines of UTF-8, each ended by `\n`, in this order, lower-case
//! hex, decimal integers without sign or leading zeros:
//!
//! ```text
//! hotline high-water mark v1
//! channel <channel id, 64 hex>
//! party <party id, 64 hex>
//! seq <the last seq of the party's own feed signed, u64>
//! entry <the id of the entry signed at that seq, 64 hex>
//! checkpoint <the largest size of the party's feed it signed a checkpoint of, u64; 0 for none>
//! ```
//!
//! Anything else (another first line, a missing or extra line, a channel or party other than
//! the file's name says) is unreadable, and signing is refused until it is put right: a mark
//! that cannot be read protects nothing, and guessing would defeat it.
//!
//! It is written after every own entry is in the journal and after every own checkpoint is
//! kept: temporary file, `fsync`, rename, `fsync` of the directory. So it is never ahead of
//! what the store wrote, only (after a crash between the two) one entry behind. Written
//! under `<file>.lock` (an exclusive `flock`), held from the check before signing to the
//! mark's update, so that two copies of one store cannot both pass the check for one seq.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::error::StoreError;
use super::journal::{io_err, write_atomically};
use crate::entry::{ChannelId, EntryId};
use crate::keys::PartyId;

const MAGIC: &str = "hotline high-water mark v1";

/// What a mark says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Mark {
    /// The last seq of the own feed signed.
    pub seq: u64,
    /// The entry signed there.
    pub entry: EntryId,
    /// The largest own checkpoint size signed (0 for none).
    pub checkpoint: u64,
}

/// Where the marks live and whose mark this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MarkFile {
    dir: PathBuf,
    pub path: PathBuf,
    channel: ChannelId,
    party: PartyId,
}

/// Held while a mark is checked and updated.
pub(super) struct MarkLock {
    _file: File,
}

fn text(channel: &ChannelId, party: &PartyId, m: &Mark) -> String {
    format!(
        "{MAGIC}\nchannel {channel}\nparty {party}\nseq {}\nentry {}\ncheckpoint {}\n",
        m.seq, m.entry, m.checkpoint
    )
}

impl MarkFile {
    /// The mark of `party` in `channel`, in `dir`.
    pub fn new(dir: &Path, channel: ChannelId, party: PartyId) -> MarkFile {
        MarkFile {
            dir: dir.to_path_buf(),
            path: dir.join(format!("hotline-mark.{channel}.{party}")),
            channel,
            party,
        }
    }

    fn unreadable(&self, detail: impl Into<String>) -> StoreError {
        StoreError::MarkUnreadable {
            path: self.path.clone(),
            detail: detail.into(),
        }
    }

    /// The mark, if there is one.
    pub fn read(&self) -> Result<Option<Mark>, StoreError> {
        let text_read = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("read", &self.path)(e)),
        };
        let s = String::from_utf8(text_read).map_err(|_| self.unreadable("it is not UTF-8"))?;
        let lines: Vec<&str> = s.split_terminator('\n').collect();
        let [magic, channel, party, seq, entry, checkpoint] = lines.as_slice() else {
            return Err(self.unreadable(format!("it has {} lines, not 6", lines.len())));
        };
        if *magic != MAGIC {
            return Err(self.unreadable(format!("its first line is not {MAGIC:?}")));
        }
        let field = |line: &str, name: &str| -> Result<String, StoreError> {
            line.strip_prefix(name)
                .and_then(|r| r.strip_prefix(' '))
                .map(str::to_owned)
                .ok_or_else(|| self.unreadable(format!("a line should start with {name:?}")))
        };
        let number = |line: &str, name: &str| -> Result<u64, StoreError> {
            field(line, name)?
                .parse::<u64>()
                .map_err(|_| self.unreadable(format!("{name} is not a number")))
        };
        let entry: EntryId = field(entry, "entry")?
            .parse()
            .map_err(|_| self.unreadable("entry is not 64 hex digits"))?;
        let mark = Mark {
            seq: number(seq, "seq")?,
            entry,
            checkpoint: number(checkpoint, "checkpoint")?,
        };
        if field(channel, "channel")? != self.channel.to_string()
            || field(party, "party")? != self.party.to_string()
        {
            return Err(self.unreadable(
                "it names another channel or party than its file name (was it copied or renamed?)",
            ));
        }
        // Only the canonical spelling is accepted: no leading zeros, upper-case hex, spaces.
        if text(&self.channel, &self.party, &mark) != s {
            return Err(self.unreadable("it is not written as hotline writes it"));
        }
        Ok(Some(mark))
    }

    /// Write `mark`: temporary file, fsync, rename, fsync of the directory.
    pub fn write(&self, mark: &Mark) -> Result<(), StoreError> {
        write_atomically(
            &self.dir,
            &self.path,
            text(&self.channel, &self.party, mark).as_bytes(),
        )
    }

    /// Take the mark's lock (waiting for another holder), creating the lock file.
    pub fn lock(&self) -> Result<MarkLock, StoreError> {
        let mut p = self.path.as_os_str().to_owned();
        p.push(".lock");
        let path = PathBuf::from(p);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err("open", &path))?;
        file.lock().map_err(io_err("lock", &path))?;
        Ok(MarkLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_mark_reads_back_and_only_its_canonical_text_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let f = MarkFile::new(dir.path(), ChannelId([1; 32]), PartyId([2; 32]));
        assert_eq!(f.read().unwrap(), None);
        let m = Mark {
            seq: 7,
            entry: EntryId([3; 32]),
            checkpoint: 8,
        };
        f.write(&m).unwrap();
        assert_eq!(f.read().unwrap(), Some(m));
        let good = std::fs::read_to_string(&f.path).unwrap();
        assert!(good.starts_with("hotline high-water mark v1\nchannel 0101"));
        for bad in [
            good.replace("seq 7", "seq 07"),
            good.replace("seq 7", "seq -7"),
            good.replace("\ncheckpoint 8\n", "\n"),
            good.replace("party 0202", "party 0303"),
            good.clone() + "extra\n",
            good.to_uppercase(),
            good.trim_end().to_owned(),
        ] {
            std::fs::write(&f.path, &bad).unwrap();
            assert!(
                matches!(f.read(), Err(StoreError::MarkUnreadable { .. })),
                "{bad}"
            );
        }
        let _lock = f.lock().unwrap();
    }
}
