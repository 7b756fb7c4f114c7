//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes: 0 all good, 1 verification or audit found a problem, 2 usage or I/O error.

A two-party exchange, each party on its own machine:
  hotline keygen alpha --dir .                           # alpha.key (0600) and alpha.pub
  hotline --store alpha.store channel create \"alpha-beta hotline\" --key alpha.key --party beta.pub
  hotline --store alpha.store export --out to-beta.bundle
  hotline --store beta.store join to-beta.bundle --key beta.key --trust alpha.pub
  hotline --store alpha.store notify --severity high --category exfiltration --summary \"…\"
  hotline --store beta.store verify --json

Run `hotline demo` to watch a whole exchange between two parties in a temporary directory.";

const KEYGEN_HELP: &str = "\
Examples:
  hotline keygen alpha                     # in the key directory
  hotline keygen alpha --dir . --passphrase

The key directory is $HOTLINE_HOME, else $XDG_CONFIG_HOME/hotline, else ~/.config/hotline;
keygen creates it (mode 0700) if missing, as it does --dir. With --passphrase, NAME.key is an
age file sealed with a passphrase, asked for twice on the terminal, or taken from
$HOTLINE_PASSPHRASE in a script (environment variables can be read by your other processes
and by root, via /proc: keep them for scripts). Every command that reads the key asks for it
the same way. Set HOTLINE_KEY to the key file to leave out --key.";

const KEY_PASSPHRASE_HELP: &str = "\
Examples:
  hotline key passphrase alpha.key            # add one, or change it
  hotline key passphrase alpha.key --remove

The current passphrase is asked for on the terminal, or taken from $HOTLINE_PASSPHRASE; the new
one is asked for twice, or taken from $HOTLINE_NEW_PASSPHRASE. The file is replaced whole
(mode 0600) and holds the same key.";

const JOIN_HELP: &str = "\
Example:
  hotline --store beta.store join invitation.bundle --key beta.key --trust alpha.pub

join prints the charter (channel, parties with key fingerprints, severities and their windows)
and signs only if every --trust key matches the party of its name in the charter and the
founder's key is among them. Without --trust, on a terminal, it asks you to type yes; anywhere
else it refuses. A refused join writes nothing.";

const RECOVER_HELP: &str = "\
Example:
  hotline --store alpha.store recover --from from-beta.bundle --key alpha.key --trust beta.pub

recover verifies the whole bundle as an import does, and needs your own signed entries in it
from seq 0 (your charter or acceptance entry vouches for the charter; --trust keys are checked
as by join). It refuses a bundle older than your high-water mark (the file hotline keeps beside
your key, hotline-mark.<channel>.<party>), which would make your next entry fork your feed.
A directory that holds a store is refused unless --replace moves it aside.";

/// hotline: signed notices and acknowledgements between parties who do not trust each other.
#[derive(Debug, Parser)]
#[command(name = "hotline", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// The store directory [default: ./.hotline].
    #[arg(long, global = true, env = "HOTLINE_STORE", value_name = "DIR", value_parser = utf8_path)]
    pub store: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Colour the verdicts in text output: auto (on a terminal, unless NO_COLOR is set),
    /// always, or never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// No progress indicator on standard error, even on a terminal.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set (<https://no-color.org>).
    Auto,
    /// Always, even when piped.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a key pair: NAME.key (secret, mode 0600) and NAME.pub.
    #[command(after_help = KEYGEN_HELP)]
    Keygen(KeygenArgs),
    /// Manage a secret key file you have.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Create or manage a channel.
    #[command(
        subcommand,
        after_help = "Example:\n  hotline --store alpha.store channel create \"alpha-beta hotline\" --key alpha.key --party beta.pub"
    )]
    Channel(ChannelCommand),
    /// Join a channel from a bundle its founder sent: show its charter and sign your acceptance
    /// of it, once the founder's public key you trust vouches for it (or you type yes).
    #[command(after_help = JOIN_HELP)]
    Join {
        /// The bundle holding the charter.
        #[arg(value_parser = utf8_path)]
        bundle: PathBuf,
        /// Your secret key file.
        #[arg(long, env = "HOTLINE_KEY", value_parser = utf8_path)]
        key: PathBuf,
        /// A public key file you got from the party itself, not from the bundle; repeatable.
        /// The founder's must be among them, and each must match the charter's party of its
        /// name.
        #[arg(long, value_name = "PUB", value_parser = utf8_path)]
        trust: Vec<PathBuf>,
    },
    /// Sign a definition of a term.
    #[command(
        after_help = "Example:\n  hotline define \"major incident\" --text \"An incident that …\""
    )]
    Define {
        /// The term.
        term: String,
        #[command(flatten)]
        text: TextArg,
        /// An earlier definition this one replaces (id or unique prefix of 12+ hex digits).
        #[arg(long, value_name = "ID")]
        supersedes: Option<String>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Sign a commitment.
    #[command(
        after_help = "Example:\n  hotline commit \"No IP theft\" --text \"Neither side will …\" --cites 3fa2c1d09e4b"
    )]
    Commit {
        /// A short title.
        title: String,
        #[command(flatten)]
        text: TextArg,
        /// A definition it relies on (id or unique prefix of 12+ hex digits); repeatable.
        #[arg(long, value_name = "ID")]
        cites: Vec<String>,
        /// An earlier commitment this one replaces (id or unique prefix of 12+ hex digits).
        #[arg(long, value_name = "ID")]
        supersedes: Option<String>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Sign an incident notice.
    #[command(
        after_help = "Example:\n  hotline notify --severity high --category exfiltration \\\n    --summary \"Exfiltration traced to your jurisdiction\" --ack-within 24h --indicator 198.51.100.23"
    )]
    Notify(Box<NotifyArgs>),
    /// Sign a substantive response to an entry.
    #[command(
        after_help = "Warns, and signs nothing without --yes, before a response to your own entry.\n\nExample:\n  hotline respond 3fa2c1d09e4b --text \"The hosts were taken down.\""
    )]
    Respond {
        /// The entry answered (id or unique prefix of 12+ hex digits).
        id: String,
        #[command(flatten)]
        text: TextArg,
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        confirm: ConfirmArgs,
    },
    /// Acknowledge another party's entry, binding your view of its feed.
    #[command(
        after_help = "Warns, and signs nothing without --yes, before a second acknowledgement of an entry you\nalready acknowledged (--dry-run shows the earlier one).\n\nExample:\n  hotline ack 3fa2c1d09e4b --state disputed --reason \"No state link.\""
    )]
    Ack {
        /// The entry acknowledged (id or unique prefix of 12+ hex digits).
        id: String,
        /// received, accepted, disputed, rejected or needs-info.
        #[arg(long, default_value = "received")]
        state: String,
        /// Why (required for disputed, rejected and needs-info).
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        confirm: ConfirmArgs,
    },
    /// Move your feed to your pre-committed next key (NAME.next.key), and pre-commit to a new one.
    #[command(
        after_help = "Signs a rotation with your key in force, revealing the next key the charter (or your last\nrotation) committed to. Then NAME.next.key becomes NAME.key, a fresh NAME.next.key is written,\nand the old key file is removed. Entries before the rotation stay verifiable under the old key.\n\nExample:\n  hotline rotate --key alpha.key"
    )]
    Rotate {
        /// Your pre-committed next key [default: NAME.next.key beside your key].
        #[arg(long, value_parser = utf8_path)]
        next: Option<PathBuf>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Revoke your key in force, if it was copied, with your pre-committed next key.
    #[command(
        after_help = "Signed by NAME.next.key, which a thief holding a copy of NAME.key does not have. Entries the\nrevoked key signed from seq --from on that are not on your chain, and that no other party relied on\nbefore it saw the revocation, are attributed to the stolen key, not to you; you keep signing with\nthe next key. Export the revocation to every other party at once.\n\nExample:\n  hotline revoke --from 12 --reason \"laptop stolen\""
    )]
    Revoke {
        /// Your pre-committed next key, which signs the revocation [default: NAME.next.key beside your key].
        #[arg(long, value_parser = utf8_path)]
        next: Option<PathBuf>,
        /// The first seq of your feed at which the key is void [default: the seq the revocation takes].
        #[arg(long)]
        from: Option<u64>,
        /// What happened, for the other parties.
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        key: KeyArg,
    },
    /// List the entries in the store, or in a bundle verified against the parties' keys.
    #[command(
        after_help = "Examples:\n  hotline log\n  hotline --store beta.store log --json\n  hotline log --party beta --kind ack --state disputed\n  hotline log --incident INC-alpha-4 --since -7d\n  hotline log exchange.bundle --trust alpha.pub --trust beta.pub\n\nFilters combine (an entry is listed if it passes every one given). A bundle is verified first, as `hotline verify BUNDLE --trust …` verifies it; if that finds a\nproblem, the errors come first and the command exits 1."
    )]
    Log {
        #[command(flatten)]
        source: SourceArgs,
        #[command(flatten)]
        filter: LogFilter,
    },
    /// Show one entry in full, with who acknowledged it and when.
    #[command(
        after_help = "Examples:\n  hotline show 5388e8\n  hotline show 5388e8 exchange.bundle --trust alpha.pub --trust beta.pub"
    )]
    Show {
        /// The entry (id or unique prefix of 4+ hex digits).
        id: String,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Write a bundle of the store's entries for another party.
    #[command(
        after_help = "Example:\n  hotline export --out to-beta.bundle --since beta=5 --since alpha=12\n\nWith --since, the bundle also carries every entry that the chosen entries reference\n(acks' `of`, responses' `to`, notices' `refs`, commitments' `cites`, `supersedes`) below\nits author's cut, with the rest of that feed from it on, so the receiver can verify them."
    )]
    Export {
        /// The bundle file to write (`-`: standard output, the report then going to standard
        /// error).
        #[arg(long, value_parser = utf8_path)]
        out: PathBuf,
        /// Only entries of PARTY from seq N on (what the receiver lacks), and what they
        /// reference; repeatable.
        #[arg(long, value_name = "PARTY=N")]
        since: Vec<String>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Export what a peer lacks: every feed beyond what the peer's latest signed entry in this
    /// store says it held (its views, where their roots match what is held here), and of its
    /// own feed only the fork evidence held here.
    #[command(
        after_help = "Examples:\n  hotline sync --out to-beta.bundle\n  hotline sync --peer beta --out - | ssh beta-host hotline import -\n\nThe peer's latest entry here (a receipt, an ack, anything it signed) views every feed it\nheld when it signed: those entries are left out. Anything it imported since without signing\nis sent again, which its import counts as already held. With one other party, --peer may be\nleft out."
    )]
    Sync {
        /// The bundle file to write (`-`: standard output).
        #[arg(long, value_parser = utf8_path)]
        out: PathBuf,
        /// The party to send to [default: the only other party].
        #[arg(long, alias = "since-peer", value_name = "NAME")]
        peer: Option<String>,
        /// Overwrite the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Import a bundle: all of it after verification, or nothing. Then sign a receipt (your
    /// signed views of the feeds it brought), which your next export carries to the sender as
    /// proof of possession.
    ///
    /// With --cosign and --reply, one command answers a request to witness a checkpoint (what
    /// `hotline prove` writes as OUT.cosign.bundle): import it, cosign the latest checkpoint
    /// of every other party's feed (only one whose root is that of the entries held), and
    /// write what the sender lacks (as `hotline sync`) for it to import.
    #[command(
        after_help = "Examples:\n  hotline --store beta.store import from-alpha.bundle\n  hotline --store beta.store import from-alpha.bundle --no-receipt\n  hotline --store beta.store import notice.cosign.bundle --cosign --reply back.bundle"
    )]
    Import {
        /// The bundle file.
        #[arg(value_parser = utf8_path)]
        file: PathBuf,
        /// Do not sign a receipt for the entries imported.
        #[arg(long)]
        no_receipt: bool,
        /// After importing, cosign the latest checkpoint of every other party's feed, as
        /// `hotline cosign` does.
        #[arg(long)]
        cosign: bool,
        /// After importing (and cosigning), write what the sender lacks to this bundle, as
        /// `hotline sync --out` does (`-`: standard output).
        #[arg(long, value_parser = utf8_path, value_name = "OUT")]
        reply: Option<PathBuf>,
        /// The party --reply is for [default: the only other party].
        #[arg(long, value_name = "NAME", requires = "reply")]
        peer: Option<String>,
        /// Overwrite the --reply file if it exists.
        #[arg(long, requires = "reply")]
        force: bool,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Verify the store from scratch, or a bundle with no store at all.
    #[command(
        after_help = "Examples:\n  hotline verify\n  hotline verify exchange.bundle --trust alpha.pub --trust beta.pub --json"
    )]
    Verify {
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Audit obligations: for every notice and receiver, when the notice reached it and whether
    /// it acknowledged and answered in time, each verdict naming the evidence it rests on
    /// (docs/EVIDENCE.md); disputes; forks; time anomalies.
    #[command(
        after_help = "Examples:\n  hotline audit --at 2026-03-01T00:00:00Z --json\n  hotline audit --open --party beta\n  hotline audit exchange.bundle --trust alpha.pub --trust beta.pub\n\nThe filters choose which notices are listed; the counts on the last line, and the exit status,\nare always the whole channel's."
    )]
    Audit {
        #[command(flatten)]
        source: SourceArgs,
        /// Judge deadlines at this time: `now`, `-24h` (from now), Unix seconds or RFC 3339
        /// [default: now].
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: Option<String>,
        #[command(flatten)]
        filter: AuditFilter,
    },
    /// Every incident across the feeds in time order: notices, evidence of delivery, acks,
    /// responses, cosignatures and deadlines, each marked with the word it rests on.
    #[command(
        after_help = "Examples:\n  hotline timeline\n  hotline timeline exchange.bundle --trust alpha.pub --trust beta.pub --at +7d --json"
    )]
    Timeline {
        #[command(flatten)]
        source: SourceArgs,
        /// Judge deadlines at this time [default: now].
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: Option<String>,
    },
    /// Write a self-contained HTML report: the verdict, the parties and their keys, a drawn
    /// timeline of every incident with its deadlines, disputes, and the evidence.
    #[command(
        after_help = "Examples:\n  hotline report --out report.html\n  hotline report exchange.bundle --trust alpha.pub --trust beta.pub --out report.html\n\nOne file, no scripts and no external references: open it in any browser, attach it to a mail.\nExit 1 when the audit found a problem, as `audit` does."
    )]
    Report {
        #[command(flatten)]
        source: SourceArgs,
        /// Judge deadlines at this time [default: now].
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: Option<String>,
        /// The HTML file to write (`-`: standard output).
        #[arg(long, value_parser = utf8_path)]
        out: PathBuf,
        /// Overwrite the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Rebuild a lost store, your own feed included, from a bundle a counterparty exported
    /// (its copy of your feed carries your signatures).
    #[command(after_help = RECOVER_HELP)]
    Recover {
        /// A bundle a counterparty exported (`hotline export --out F`, without --since).
        #[arg(long, value_name = "BUNDLE", value_parser = utf8_path)]
        from: PathBuf,
        /// Your secret key file.
        #[arg(long, value_parser = utf8_path)]
        key: PathBuf,
        /// A public key file you got from the party itself; repeatable. If given, the
        /// founder's must be among them, and each must match the charter's party of its name.
        #[arg(long, value_name = "PUB", value_parser = utf8_path)]
        trust: Vec<PathBuf>,
        /// If the directory holds a store, move it aside to DIR.replaced-N (nothing is
        /// deleted) and recover into DIR.
        #[arg(long)]
        replace: bool,
    },
    /// Rebuild the store's index from its journal.
    #[command(after_help = "Example:\n  hotline --store alpha.store repair")]
    Repair,
    /// Sign a checkpoint (C2SP tlog-checkpoint) of your own feed at its current size.
    #[command(after_help = "Example:\n  hotline checkpoint && hotline export --out to-beta.bundle")]
    Checkpoint {
        #[command(flatten)]
        key: KeyArg,
    },
    /// Cosign (cosignature/v1) the latest checkpoint of every other party's feed, after
    /// checking it matches the entries you hold.
    #[command(after_help = "Example:\n  hotline import from-alpha.bundle && hotline cosign")]
    Cosign {
        #[command(flatten)]
        key: KeyArg,
    },
    /// Write an offline proof (c2sp.org/tlog-proof@v1) that one entry is in its author's feed.
    ///
    /// For one's own entry that no cosigned checkpoint covers yet, it signs a checkpoint and
    /// writes OUT.cosign.bundle for the other party, who runs `hotline import OUT.cosign.bundle
    /// --cosign --reply back.bundle`; then `hotline prove ID --out OUT --import back.bundle`
    /// writes the witnessed proof.
    #[command(
        after_help = "Examples:\n  hotline prove 5388e8 --out notice.tlog-proof\n  hotline prove 5388e8 --out notice.tlog-proof --import back.bundle"
    )]
    Prove {
        /// The entry (id or unique prefix).
        id: String,
        /// The proof file to write (`-`: standard output).
        #[arg(long, value_parser = utf8_path)]
        out: PathBuf,
        /// Import this bundle first (another party's cosignatures), as `hotline import`
        /// does; repeat it for each other party's answer.
        #[arg(long, value_parser = utf8_path, value_name = "BUNDLE")]
        import: Vec<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check an offline proof with nothing but the parties' public keys: the entry's
    /// signature, its inclusion, the checkpoint's signature and every other party's cosignature.
    #[command(
        after_help = "Example:\n  hotline verify-proof notice.tlog-proof --trust alpha.pub --trust beta.pub"
    )]
    VerifyProof {
        /// The proof file.
        #[arg(value_parser = utf8_path)]
        file: PathBuf,
        /// A public key file of a party you trust; the author and every cosigner you require.
        #[arg(long, value_name = "PUB", required = true, value_parser = utf8_path)]
        trust: Vec<PathBuf>,
    },
    /// Obtain and give C2SP tlog-witness cosignatures: request one of a charter witness,
    /// accept its answer as evidence, or act as a witness yourself.
    #[command(subcommand, after_help = WITNESS_HELP)]
    Witness(WitnessCommand),
    /// List the channel's parties with their C2SP verifier keys.
    #[command(after_help = "Example:\n  hotline parties --json")]
    Parties,
    /// List the evidence that refused imports kept in quarantine (forks, double signatures,
    /// split views, verified checkpoints), each re-verified against the charter.
    #[command(
        after_help = "Examples:\n  hotline quarantine\n  hotline --store beta.store quarantine --json\n\nAn import refused for one bad entry or note still keeps what the bundle proves, in\nSTORE/quarantine/, outside the journal. Exit 1 if the quarantine holds evidence of\nequivocation (a fork, a double signature, a split view) or evidence that no longer verifies."
    )]
    Quarantine,
    /// Propose an amendment of the charter in force: parties added or removed, severities,
    /// witnesses, name.
    #[command(after_help = super::amend::AMEND_HELP)]
    Amend(super::amend::AmendArgs),
    /// Accept another party's amendment or close.
    #[command(after_help = super::amend::RATIFY_HELP)]
    Ratify(super::amend::RatifyArgs),
    /// Propose to close the channel, naming its successor if any.
    #[command(after_help = super::amend::CLOSE_HELP)]
    Close(super::amend::CloseArgs),
    /// Show the charter in force, every amendment proposed and the close.
    #[command(
        after_help = "Examples:\n  hotline charter\n  hotline --store beta.store charter --json\n  hotline charter exchange.bundle --trust alpha.pub --trust beta.pub"
    )]
    Charter {
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Play out a two-party exchange in a fresh directory and print its timeline.
    #[command(after_help = "Examples:\n  hotline demo\n  hotline demo --dir ./demo --json")]
    Demo {
        /// Where to play it [default: a new temporary directory].
        #[arg(long, value_name = "DIR", value_parser = utf8_path)]
        dir: Option<PathBuf>,
    },
    /// Where the store stands: the channel, the parties and their key fingerprints, each
    /// feed's head and latest cosigned checkpoint, and what needs attention (deadlines missed
    /// or due within 24h, disputes, verification errors).
    #[command(
        after_help = "Examples:\n  hotline status\n  hotline --store beta.store status --json\n\nExit 1 when the audit finds a problem (a deadline missed, a verification error), as `audit` does."
    )]
    Status,
    /// Print a shell completion script for bash, zsh, fish, elvish or PowerShell.
    #[command(
        after_help = "Examples:\n  hotline completions bash > ~/.local/share/bash-completion/completions/hotline\n  hotline completions zsh > \"${fpath[1]}/_hotline\"\n  hotline completions fish > ~/.config/fish/completions/hotline.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write man pages: hotline(1) and one page per command (hotline-notify(1), ...).
    #[command(
        after_help = "Examples:\n  hotline man --dir ~/.local/share/man/man1 && man hotline-notify\n  hotline man | man -l -"
    )]
    Man {
        /// Write every page into this directory (created if missing) [default: hotline(1)
        /// alone, to standard output].
        #[arg(long, value_name = "DIR", value_parser = utf8_path)]
        dir: Option<PathBuf>,
    },
}

const WITNESS_HELP: &str = "\
A round trip with a charter witness (c2sp.org/tlog-witness add-checkpoint):
  hotline checkpoint
  hotline witness request --for witness.example.com/w1 --out add-checkpoint.req
  # POST add-checkpoint.req to the witness's <prefix>/add-checkpoint, save the body as w1.resp
  hotline witness accept w1.resp --for witness.example.com/w1
  hotline verify --json        # the checkpoint now shows the witness's cosignature

Acting as a witness (a party's separate key, or a neutral third party):
  hotline witness cosign add-checkpoint.req --key w1.key --name witness.example.com/w1 \\
    --state w1.state --log 'hotline/<channel id>/alpha+1a2b3c4d+AX…' > w1.resp
  # or on a bundle: the latest checkpoint of each known log, its consistency with the size
  # last cosigned proved from the bundle's own entries of that feed
  hotline witness cosign --bundle exchange.bundle --key w1.key --name witness.example.com/w1 \\
    --state w1.state --logs-from-store --json";

/// `hotline witness …`.
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Write the body of a tlog-witness add-checkpoint request for your feed's latest
    /// checkpoint, from the size the witness last cosigned (0 if none held).
    #[command(
        after_help = "Examples:\n  hotline witness request --for witness.example.com/w1 --out w1.req\n  hotline witness request --for w1 --old 12 --json"
    )]
    Request {
        /// The charter witness to ask (its name).
        #[arg(long = "for", value_name = "WITNESS")]
        witness: String,
        /// Where to write the body [default: standard output].
        #[arg(long, value_name = "FILE", value_parser = utf8_path)]
        out: Option<PathBuf>,
        /// The old size to send, e.g. the size a 409 Conflict answer gave [default: the
        /// largest checkpoint of your feed held here with this witness's cosignature, or 0].
        #[arg(long, value_name = "N")]
        old: Option<u64>,
        /// Overwrite an existing --out file.
        #[arg(long)]
        force: bool,
    },
    /// Check a witness's add-checkpoint response (cosignature lines) against the witness's
    /// key in the charter and a checkpoint held here, and keep the cosigned checkpoint.
    #[command(
        after_help = "Examples:\n  hotline witness accept w1.resp --for witness.example.com/w1\n  hotline witness accept w1.resp --json"
    )]
    Accept {
        /// The response body.
        #[arg(value_parser = utf8_path)]
        file: PathBuf,
        /// Only this charter witness's lines [default: every charter witness's].
        #[arg(long = "for", value_name = "WITNESS")]
        witness: Option<String>,
    },
    /// Act as a C2SP witness on an add-checkpoint request: check the log's signature and the
    /// consistency proof from the size recorded in --state, record the new size durably,
    /// and print the cosignature line (the response body).
    #[command(
        after_help = "Examples:\n  hotline witness cosign w1.req --key w1.key --name witness.example.com/w1 --state w1.state \\\n    --log 'hotline/<channel id>/alpha+1a2b3c4d+AX…'\n  hotline --store beta.store witness cosign w1.req --key w1.key --state w1.state --logs-from-store --json\n  hotline --store beta.store witness cosign --bundle b.bundle --key w1.key \\\n    --state w1.state --logs-from-store\n\nRefusals follow the spec: 403 bad log signature, 404 unknown origin, 400 old size above the\ncheckpoint's, 409 old size not the recorded one (the recorded size is printed), 422 bad proof."
    )]
    Cosign {
        /// The request body (or use --bundle).
        #[arg(required_unless_present = "bundle", conflicts_with = "bundle", value_parser = utf8_path)]
        request: Option<PathBuf>,
        /// Act as a witness on a bundle instead: for each feed of a known log, the bundle's
        /// latest checkpoint, its consistency with the size this witness last cosigned proved
        /// from the bundle's own entries of that feed.
        #[arg(long, value_name = "FILE", value_parser = utf8_path)]
        bundle: Option<PathBuf>,
        /// The witness's secret key file.
        #[arg(long, env = "HOTLINE_KEY", value_parser = utf8_path)]
        key: PathBuf,
        /// The witness's key name, which its cosignature lines carry [default: the key file's
        /// name].
        #[arg(long)]
        name: Option<String>,
        /// The witness's state file: the latest size and root it cosigned for each origin.
        /// Created if missing.
        #[arg(long, value_name = "FILE", value_parser = utf8_path)]
        state: PathBuf,
        /// A log's C2SP verifier key (ORIGIN+hexid+base64, type 0x01), as `hotline parties`
        /// prints under "checkpoints"; repeatable.
        #[arg(long = "log", value_name = "VKEY")]
        logs: Vec<String>,
        /// Also trust the log keys of every party of the store's charter.
        #[arg(long)]
        logs_from_store: bool,
        /// Also write the response body to this file.
        #[arg(long, value_name = "FILE", value_parser = utf8_path)]
        out: Option<PathBuf>,
    },
}

/// `hotline keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The party's name: letters, digits, '-', '_', '.'.
    pub name: String,
    /// Where to write the files, created if missing [default: the key directory, below].
    #[arg(long, value_name = "DIR", value_parser = utf8_path)]
    pub dir: Option<PathBuf>,
    /// Overwrite existing key files.
    #[arg(long)]
    pub force: bool,
    /// Protect NAME.key with a passphrase (an age file, scrypt).
    #[arg(long, visible_alias = "encrypt")]
    pub passphrase: bool,
}

/// `hotline key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Add, change or remove the passphrase of a secret key file.
    #[command(after_help = KEY_PASSPHRASE_HELP)]
    Passphrase {
        /// The secret key file.
        #[arg(value_parser = utf8_path)]
        file: PathBuf,
        /// Remove the passphrase: keep the key file as plain text (mode 0600).
        #[arg(long)]
        remove: bool,
    },
}

/// `hotline channel …`.
#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Create a channel: write its charter and sign it as the founder.
    #[command(
        after_help = "Examples:\n  hotline --store alpha.store channel create \"alpha-beta hotline\" --key alpha.key --party beta.pub\n  hotline --store alpha.store channel create \"alpha-beta hotline\" --key alpha.key --party beta.pub \\\n    --witness witness.example.com/w1=witness.example.com/w1+1f2e3d4c+BK3… --witness neutral=neutral.pub --witness-quorum 1"
    )]
    Create {
        /// The channel's name.
        name: String,
        /// Your secret key file (you are the founder).
        #[arg(long, env = "HOTLINE_KEY", value_parser = utf8_path)]
        key: PathBuf,
        /// Another party's public key file; repeatable.
        #[arg(long, value_name = "PUB", required = true, value_parser = utf8_path)]
        party: Vec<PathBuf>,
        /// A severity as NAME:ACK-WITHIN:RESPOND-WITHIN (e.g. high:4h:3d); repeatable
        /// [default: low:72h:30d, medium:24h:7d, high:4h:72h, critical:1h:24h].
        #[arg(long, value_name = "SPEC")]
        severity: Vec<String>,
        /// Your role in the channel.
        #[arg(long, default_value = "point-of-contact")]
        role: String,
        /// A witness as NAME=KEY: KEY is its C2SP cosigner verifier key string
        /// (NAME+hexid+base64, type 0x04) or a public key file; repeatable.
        #[arg(long, value_name = "NAME=VKEY_OR_PUB_FILE")]
        witness: Vec<String>,
        /// How many distinct witnesses must cosign a checkpoint for it to count as third-party
        /// evidence [default: 0, none required].
        #[arg(long, value_name = "N", default_value_t = 0)]
        witness_quorum: u32,
    },
}

/// Text from the command line or a file.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct TextArg {
    /// The text.
    #[arg(long)]
    pub text: Option<String>,
    /// Read the text from a file.
    #[arg(long, value_name = "FILE", value_parser = utf8_path)]
    pub file: Option<PathBuf>,
}

/// What a reading verb reads: the store, or a bundle and the keys it must be verified
/// against, exactly as `hotline verify BUNDLE --trust …` verifies it.
#[derive(Debug, Args, Default)]
pub struct SourceArgs {
    /// A bundle to read instead of the store (with --trust).
    #[arg(value_parser = utf8_path)]
    pub bundle: Option<PathBuf>,
    /// A public key file of a party you trust; with a bundle, every party must be trusted.
    #[arg(long, value_name = "PUB", value_parser = utf8_path)]
    pub trust: Vec<PathBuf>,
}

/// Which entries `hotline log` lists.
#[derive(Debug, Args, Default)]
pub struct LogFilter {
    /// Only this party's entries (repeat for several).
    #[arg(long, value_name = "NAME")]
    pub party: Vec<String>,
    /// Only entries of this kind: notice, ack, response, receipt, definition, commitment,
    /// charter, acceptance, rotate, revoke, amend, ratify, close (repeat for several).
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,
    /// Only the notices of this incident, and the acknowledgements and responses of them.
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Only entries claimed at or after this time (`-7d`, Unix seconds, RFC 3339, ...).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Only entries claimed at or before this time.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Only acknowledgements in this state: received, accepted, disputed, rejected, needs-info.
    #[arg(long, value_name = "STATE")]
    pub state: Option<String>,
    /// At most this many entries, the latest in the journal's order (after the filters).
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
}

/// Which notices `hotline audit` lists.
#[derive(Debug, Args, Default)]
pub struct AuditFilter {
    /// Only notices with a deadline still open: pending, paused, or undetermined (no evidence
    /// of delivery yet).
    #[arg(long)]
    pub open: bool,
    /// Only notices with a deadline missed.
    #[arg(long)]
    pub missed: bool,
    /// Only NAME's obligations: notices to NAME, with NAME's verdicts alone, and the disputes
    /// NAME made or received.
    #[arg(long, value_name = "NAME")]
    pub party: Option<String>,
}

/// What to do when hotline warns before signing something one rarely means to.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// Sign even if hotline warns (a second acknowledgement of one entry, a response to your
    /// own entry).
    #[arg(long)]
    pub yes: bool,
    /// Show what would be signed, and any warning, and sign nothing.
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
}

/// The signing key.
#[derive(Debug, Args)]
pub struct KeyArg {
    /// Your secret key file [default: the one the store remembers].
    #[arg(long, env = "HOTLINE_KEY", value_parser = utf8_path)]
    pub key: Option<PathBuf>,
}

/// `hotline notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// A severity from the channel's policy.
    #[arg(long)]
    pub severity: String,
    /// The category (e.g. a STIX incident type).
    #[arg(long)]
    pub category: String,
    /// One line.
    #[arg(long)]
    pub summary: String,
    /// The full account.
    #[arg(long, conflicts_with = "detail_file")]
    pub detail: Option<String>,
    /// Read the full account from a file.
    #[arg(long, value_name = "FILE", value_parser = utf8_path)]
    pub detail_file: Option<PathBuf>,
    /// Your incident reference [default: INC-PARTY-SEQ: your party name and the seq, unique in the channel].
    #[arg(long)]
    pub incident: Option<String>,
    /// initial, update or final.
    #[arg(long, default_value = "initial")]
    pub stage: String,
    /// When you detected it: `now`, `-90m` (from now), Unix seconds or RFC 3339.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub detected_at: Option<String>,
    /// An indicator of compromise; repeatable.
    #[arg(long)]
    pub indicator: Vec<String>,
    /// What you ask the receiver to do.
    #[arg(long, default_value = "")]
    pub action: String,
    /// Handling restriction, e.g. TLP:AMBER.
    #[arg(long, default_value = "")]
    pub handling: String,
    /// Time allowed to acknowledge, e.g. 24h [default: the policy's for the severity].
    // A value that starts with '-' is taken as the value, so that `-1h` is refused as a
    // negative window rather than as an unknown option.
    #[arg(long, value_name = "DUR", allow_hyphen_values = true)]
    pub ack_within: Option<String>,
    /// Time allowed to respond, e.g. 3d [default: the policy's for the severity].
    // A value that starts with '-' is taken as the value, so that `-1h` is refused as a
    // negative window rather than as an unknown option.
    #[arg(long, value_name = "DUR", allow_hyphen_values = true)]
    pub respond_within: Option<String>,
    /// An earlier entry this notice refers to (id or unique prefix of 12+ hex digits);
    /// repeatable.
    #[arg(long = "ref", value_name = "ID")]
    pub refs: Vec<String>,
    #[command(flatten)]
    pub key: KeyArg,
}

/// A path argument, which must be UTF-8: every command names the files it read and wrote in
/// its output, and JSON strings cannot hold other bytes. clap refuses an argument that is not
/// UTF-8 before this is called, as the usage error (exit 2) it is.
fn utf8_path(value: &str) -> Result<PathBuf, String> {
    if value.is_empty() {
        return Err("a path cannot be empty".into());
    }
    Ok(PathBuf::from(value))
}
