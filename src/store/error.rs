//! The store's errors and reports.

use std::io;
use std::path::PathBuf;

use crate::bundle::BundleError;
use crate::charter::CharterError;
use crate::encoding::EncodeError;
use crate::entry::{ChannelId, EntryId, Seq};
use crate::keys::PartyId;
use crate::merkle::ProofError;
use crate::verify::{Finding, ForkProof};

/// Why a store operation failed. Whatever the variant, a failed write has left the journal as
/// it was.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file system operation failed.
    #[error("cannot {op} {}: {source}", .path.display())]
    Io {
        /// What was being done (`read`, `create`, `sync`, …).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// There is no store in the directory.
    #[error("no hotline store in {}: it has no journal file", .dir.display())]
    NotFound {
        /// The directory.
        dir: PathBuf,
    },
    /// The directory already holds a store.
    #[error("{} already holds a hotline store", .dir.display())]
    AlreadyExists {
        /// The directory.
        dir: PathBuf,
    },
    /// Another `Store` (in this or another process) holds the store's lock.
    #[error("the store is in use: {} is locked by another process or handle", .path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// The store's lock file cannot be created or opened for writing (the directory or the
    /// file is not writable, or the file system is read-only): the store can be opened
    /// read-only ([`Store::open_read_only`](super::Store::open_read_only)), not for writing.
    #[error(
        "cannot write to the store: {} cannot be opened for writing ({source}); a store that cannot be written can only be opened read-only",
        .path.display()
    )]
    NotWritable {
        /// The lock file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A write to a store opened read-only.
    #[error("the store in {} is open read-only: nothing can be written to it", .dir.display())]
    ReadOnly {
        /// The store's directory.
        dir: PathBuf,
    },
    /// The party's feed as held ends before the highest seq this store has signed for it
    /// (entries were lost, for example to damage that `hotline repair` could not mend), so the
    /// next entry would take a seq already signed: a fork of the party's own feed. Nothing was
    /// signed.
    #[error(
        "{party}'s feed went back from seq {signed} to {}: this store signed {party}'s entries up to seq {signed}, so signing now would sign seq {held} a second time and fork the feed. Re-import your own entries from a counterparty's bundle first",
        went_back_to(*.held)
    )]
    FeedWentBack {
        /// The party's name.
        party: String,
        /// The highest seq this store has signed for the party.
        signed: u64,
        /// The length of the party's feed as held: the seq the next entry would take.
        held: u64,
    },
    /// The party's high-water mark (a file outside the store, in its key's directory) says it
    /// signed more of its feed than this store holds, or another entry at the marked seq: the
    /// store directory is an older copy (restored from a backup, say), or another copy signed
    /// since. Signing now would fork the party's own feed. Nothing was signed.
    #[error(
        "{party}'s feed is behind its high-water mark {}: {}. Signing now would sign a seq a second time and fork the feed; nothing was signed",
        .path.display(),
        behind_mark(*.held, .mark)
    )]
    BehindMark {
        /// The party's name.
        party: String,
        /// The length of the party's feed as held.
        held: u64,
        /// What the mark says, and what is held at its seq.
        mark: Box<MarkSays>,
        /// The mark's file.
        path: PathBuf,
    },
    /// A signature the store holds says the party's own feed is longer than the store holds:
    /// another party's signed view (in any entry's header: a receipt, an acknowledgement) or
    /// the party's own signed checkpoint. Signing now would fork the feed. Nothing was signed.
    #[error(
        "{party}'s feed is longer elsewhere: this store holds {held} of its entries, but {by} covers {seen}. Signing now would sign seq {held} a second time and fork the feed; nothing was signed"
    )]
    BehindElsewhere {
        /// The party's name.
        party: String,
        /// The length of the party's feed as held.
        held: u64,
        /// The size the signature covers.
        seen: u64,
        /// Whose signature.
        by: SeenBy,
    },
    /// The party's high-water mark file cannot be read as one. Nothing was signed.
    #[error(
        "the high-water mark {} is unreadable: {detail}; it guards against signing a seq twice, so nothing is signed while it cannot be read",
        .path.display()
    )]
    MarkUnreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A bundle to recover a store from holds none of the party's own feed.
    #[error(
        "the bundle holds no entry of {party}'s own feed from seq 0: there is nothing to recover it from"
    )]
    NothingToRecover {
        /// The party's name.
        party: String,
    },
    /// The charter given to [`Store::create`](super::Store::create) breaks a rule.
    #[error("{0}")]
    InvalidCharter(CharterError),
    /// The journal is damaged in a way that is not an interrupted write, or does not hold what
    /// a journal must.
    #[error("journal {} is damaged at byte offset {offset} (record {record}): {detail}", .path.display())]
    JournalCorrupt {
        /// The journal file.
        path: PathBuf,
        /// Where the damage starts.
        offset: u64,
        /// The position of the damaged record.
        record: u64,
        /// What is wrong.
        detail: String,
    },
    /// The index (sled) cannot be opened.
    #[error(
        "the store's index cannot be opened ({detail}); run `hotline repair` to rebuild it from the journal"
    )]
    IndexUnusable {
        /// What sled reported.
        detail: String,
    },
    /// The index holds something the journal does not.
    #[error(
        "the store's index disagrees with the journal at record {record}: {detail}; run `hotline repair` to rebuild it from the journal"
    )]
    IndexDisagrees {
        /// The journal record position where they disagree.
        record: u64,
        /// How.
        detail: String,
    },
    /// An index operation failed while the store was open. What the journal holds is intact.
    #[error("the store's index failed: {detail}; reopen the store, or run `hotline repair`")]
    Index {
        /// What failed.
        detail: String,
    },
    /// `config.json` cannot be read or written.
    #[error("store configuration {}: {detail}", .path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A bundle to import is not a whole, undamaged bundle.
    #[error("bundle: {0}")]
    Bundle(#[from] BundleError),
    /// A bundle of another channel.
    #[error("the bundle is for channel {found}, this store holds channel {expected}")]
    WrongChannel {
        /// This store's channel.
        expected: ChannelId,
        /// The bundle's.
        found: ChannelId,
    },
    /// Accepting the entries would add error-level findings (other than forks). Nothing was
    /// written.
    #[error("refused, nothing was written: {}", summarize(.findings))]
    Rejected {
        /// The findings that accepting would add.
        findings: Vec<Finding>,
    },
    /// The key is not a party of the channel.
    #[error("key {} is not a party of this channel", .key.fingerprint())]
    NotAParty {
        /// The key.
        key: PartyId,
    },
    /// An import brought an entry of the party's feed that this store did not sign: until the
    /// party revokes its key from that seq (or rebuilds the store from a counterparty's copy,
    /// if the entry was its own), the store signs nothing but the revocation.
    #[error(
        "{party}'s feed holds an entry at seq {seq} that this store did not sign (see the import that reported it): signing anything now could vouch for it"
    )]
    SignedElsewhere {
        /// The party's name.
        party: String,
        /// The lowest seq signed elsewhere.
        seq: u64,
    },
    /// The key is a party's, but not the one that may sign this entry now: a key the feed
    /// rotated away from, or the pre-committed next key used for anything but a revocation.
    #[error("{}", if *next { format!("key {} is {party}'s pre-committed next key, which signs only a rotation's successor or a revocation; its key in force is {}", key.fingerprint(), current.fingerprint()) } else { format!("key {} is no longer {party}'s key in force (that is {})", key.fingerprint(), current.fingerprint()) })]
    KeyNotInForce {
        /// The party's name.
        party: String,
        /// The key given.
        key: PartyId,
        /// The party's key in force.
        current: PartyId,
        /// Whether the key given is the party's pre-committed next key.
        next: bool,
    },
    /// No party of the channel has this name.
    #[error("no party of this channel is named {name:?}")]
    UnknownParty {
        /// The name given.
        name: String,
    },
    /// The party's own feed, as held, has a fork; the store will not extend either branch.
    #[error("{party}'s feed has a fork at seq {seq}; the store will not extend a forked feed")]
    Forked {
        /// The party's name.
        party: String,
        /// The first forked seq.
        seq: Seq,
    },
    /// No entry id starts with the prefix.
    #[error("no entry id starts with {prefix:?}")]
    UnknownId {
        /// The prefix given.
        prefix: String,
    },
    /// More than one entry id starts with the prefix.
    #[error("{} entry ids start with {prefix:?}: {}; give more digits", .candidates.len(), list_ids(.candidates))]
    AmbiguousId {
        /// The prefix given.
        prefix: String,
        /// Every id that starts with it.
        candidates: Vec<EntryId>,
    },
    /// The prefix is not 4 to 64 hex digits.
    #[error("{prefix:?} is not an entry id or prefix: {reason}")]
    BadId {
        /// The prefix given.
        prefix: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An entry or charter too large to encode.
    #[error("{0}")]
    Encode(#[from] EncodeError),
    /// A signed-note record of a bundle was refused by the note checker, or states another
    /// origin, size or root than its note. Nothing was written.
    #[error(
        "refused, nothing was written: the signed note in record {index} at byte offset {offset}: {reason}"
    )]
    BadNote {
        /// The record's position in the bundle.
        index: usize,
        /// Its byte offset.
        offset: usize,
        /// What the checker said, or how the record disagrees with the note.
        reason: String,
    },
    /// A file of the quarantine is not what its name says (damaged, altered or of another
    /// format).
    #[error(
        "quarantined evidence {} is unreadable: {detail}; move it out of the quarantine to read the rest",
        .path.display()
    )]
    QuarantineDamaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A root or proof asked of a party's tree beyond its size, or of an entry outside it.
    #[error("{party}'s feed tree holds its first {tree_size} entries (up to any fork): {detail}")]
    OutsideTree {
        /// The party's name.
        party: String,
        /// The size of its tree.
        tree_size: u64,
        /// What was asked.
        detail: String,
    },
    /// Sizes for which no proof exists (an empty old tree, an old size above the new, an
    /// entry beyond the size).
    #[error("{party}'s feed tree: {source}")]
    BadProofRequest {
        /// The party's name.
        party: String,
        /// What is wrong with the request.
        #[source]
        source: ProofError,
    },
}

/// Whose signature says a feed is longer than held.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeenBy {
    /// A view in another party's entry.
    View {
        /// The viewer's name.
        party: String,
        /// The seq of its entry.
        seq: Seq,
    },
    /// The party's own signed checkpoint note.
    Checkpoint,
}

impl std::fmt::Display for SeenBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeenBy::View { party, seq } => write!(f, "{party}'s signed view in its seq {seq}"),
            SeenBy::Checkpoint => f.write_str("its own signed checkpoint"),
        }
    }
}

/// What a high-water mark says a party signed, beside what a store holds at its seq.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkSays {
    /// The last seq the mark says the party signed.
    pub seq: u64,
    /// The entry it signed there.
    pub entry: EntryId,
    /// An entry the store holds at that seq, if any.
    pub found: Option<EntryId>,
    /// The largest checkpoint size the mark says it signed.
    pub checkpoint: u64,
}

fn behind_mark(held: u64, m: &MarkSays) -> String {
    if held <= m.seq {
        format!(
            "it signed up to seq {} (entry {}), this store holds {held} of its entries",
            m.seq,
            m.entry.short()
        )
    } else if m.found != Some(m.entry) {
        format!(
            "it signed entry {} at seq {}, this store holds {} there",
            m.entry.short(),
            m.seq,
            m.found
                .as_ref()
                .map_or("nothing".to_owned(), EntryId::short)
        )
    } else {
        format!(
            "it signed a checkpoint of {} entries, this store holds {held}",
            m.checkpoint
        )
    }
}

fn went_back_to(held: u64) -> String {
    match held.checked_sub(1) {
        Some(last) => format!("seq {last}"),
        None => "no entry at all".into(),
    }
}

fn summarize(findings: &[Finding]) -> String {
    match findings.first() {
        None => "no finding recorded".into(),
        Some(f) => {
            let place = match (&f.party, f.seq) {
                (Some(p), Some(s)) => format!(" ({p} seq {s})"),
                _ => String::new(),
            };
            let more = findings.len().saturating_sub(1);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{:?}{place}: {}{tail}", f.kind, f.message)
        }
    }
}

fn list_ids(ids: &[EntryId]) -> String {
    let mut s: Vec<String> = ids.iter().take(8).map(EntryId::short).collect();
    if ids.len() > 8 {
        s.push("…".into());
    }
    s.join(", ")
}

/// What [`Store::open`](super::Store::open) found and did.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Bytes of torn tail (an interrupted write, never reported as done) cut off the journal.
    pub torn_bytes_cut: u64,
    /// Journal records the index lacked and were indexed now.
    pub records_indexed: u64,
    /// Journal bytes read to open the store. When the index vouches for the journal up to its
    /// position, that is the header, the charter record, the last record the index covers and
    /// everything after it; otherwise (no index, an index of another format, or one that
    /// disagrees) the whole file.
    pub journal_bytes_read: u64,
    /// Bytes of torn tail left in the journal and ignored, by a store opened read-only.
    pub torn_bytes_ignored: u64,
    /// Where the index was moved because sled could not open it (even after clearing what a
    /// sled killed while writing a snapshot leaves behind): the journal was read whole and
    /// found sound, and indexed anew.
    pub index_set_aside: Option<std::path::PathBuf>,
}

/// What [`Store::repair`](super::Store::repair) did.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairReport {
    /// Signed entries in the rebuilt index: every signed entry of the rebuilt journal.
    pub entries_indexed: u64,
    /// Bytes of torn tail cut off the end of the journal: an interrupted write (never reported
    /// as written), or the end of a file whose last records the disk lost. Records of it that
    /// the index holds copies of are recovered.
    pub torn_bytes_cut: u64,
    /// Well-formed records the journal held that the rebuilt journal does not: the records of
    /// an incomplete batch at its end (an interrupted write), and any record whose payload is
    /// not a signed entry or note record (unless the index holds a copy).
    pub records_dropped: u64,
    /// Bytes of damage left out of the rebuilt journal: from each record that is cut short or
    /// fails its check, when a well-formed record follows, to that record.
    pub damaged_bytes: u64,
    /// Signed entries the journal lost (to damage, or to a lost tail) that were put back from
    /// the index's copies.
    pub entries_recovered: u64,
    /// Signed notes put back from the index's copies.
    pub notes_recovered: u64,
    /// Records (signed entries or notes) in the damaged bytes that no copy exists of: lost.
    /// Counted by the index's copies and by the records' framing where it is still readable;
    /// a run of bytes whose framing is unreadable counts as one record.
    pub records_lost: u64,
    /// Why the index's copies were not used, when it had any to offer: it could not be
    /// opened or read, or it is not this journal's index (it names another record than the
    /// journal holds at some byte offset).
    pub index_not_used: Option<String>,
    /// Where the journal's bytes from the first damage on were kept, when there was damage.
    pub damaged_kept_in: Option<PathBuf>,
    /// Where a damaged `config.json` was moved; a new one took its place, with the marks
    /// in [`RepairReport::marks_rebuilt`].
    pub config_kept_in: Option<PathBuf>,
    /// Whether the party and key file of a damaged `config.json` were kept (it still named
    /// one of the charter's parties and a key file that exists); else they must be set again.
    pub identity_kept: bool,
    /// The highest seq signed for each party, by name, that a damaged `config.json`'s
    /// replacement records: the last seq of the party's feed as held.
    pub marks_rebuilt: Vec<(String, u64)>,
    /// The founder's charter entry (seq 0, whose body is the charter) the charter record was
    /// rebuilt from, when the journal's charter record was damaged.
    pub charter_rebuilt_from: Option<EntryId>,
    /// Feeds that now end before the highest seq this store has signed for them: entries of
    /// the party's own that are lost. The store refuses to sign for these parties
    /// ([`StoreError::FeedWentBack`]) until their entries are imported again.
    pub feeds_behind: Vec<FeedBehind>,
}

/// A party's feed that ends before the highest seq the store has signed for it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedBehind {
    /// The party.
    pub party: PartyId,
    /// Its name in the charter.
    pub name: String,
    /// The highest seq the store has signed for it.
    pub signed: u64,
    /// The length of its feed as held.
    pub held: u64,
}

/// What [`Store::import`](super::Store::import) or [`Store::import_with`](super::Store::import_with) did.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Entries added to the store.
    pub new_entries: usize,
    /// Entries of the bundle the store already held (same id), skipped.
    pub already_held: usize,
    /// Signed notes added to the store (those not already held, byte for byte).
    pub new_notes: usize,
    /// Signed notes of the bundle not kept because the store holds as many notes of their
    /// checkpoint as it keeps ([`crate::verify::MAX_NOTES_PER_CHECKPOINT`]).
    pub notes_left_out: usize,
    /// The ids of the entries added, in the order written.
    pub new_ids: Vec<EntryId>,
    /// Forks the import revealed, each with both signed entries as evidence.
    pub forks: Vec<ForkProof>,
    /// Warning-level findings about the new entries (claimed times, time anomalies, views
    /// beyond the entries held, unknown kinds).
    pub warnings: Vec<Finding>,
    /// Error-level findings the import revealed but did not refuse it for: signed views that
    /// contradict a feed's entries, and findings about entries the store already held. Each
    /// is evidence against one of the signers it names.
    pub evidence: Vec<Finding>,
    /// Entries of a feed this store signs for that it did not sign (past the highest seq it
    /// signed, or beside one it holds), left out of the journal: (party, seq, id). Either this
    /// store is an old copy (recover it from the counterparty's export) or someone signed with
    /// a copy of the key (revoke it with the pre-committed next key).
    pub not_signed_here: Vec<(PartyId, Seq, EntryId)>,
    /// Entries left out because their party's seq already had two different entries held or
    /// in the bundle (more branches of a fork): counted, not written. The two kept prove the
    /// fork.
    pub not_kept: usize,
}
