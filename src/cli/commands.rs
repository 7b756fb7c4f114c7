//! The dispatcher: one parsed command line to the verb that runs it. Each verb returns an
//! [`Output`] or a [`Failure`]; nothing here exits. The verbs live in a file per group, and
//! what they share in [`super::shared`], which imports none of them.

use super::args::{ChannelCommand, Cli, Command, KeyCommand};
use super::{Failure, Output, store_dir};

/// Run one parsed command line.
pub fn dispatch(cli: Cli) -> Result<Output, Failure> {
    let dir = store_dir(&cli.store);
    match cli.command {
        Command::Keygen(args) => super::keygen::keygen(&args),
        Command::Key(KeyCommand::Passphrase { file, remove }) => {
            super::keygen::passphrase(&file, remove)
        }
        Command::Channel(ChannelCommand::Create {
            name,
            key,
            party,
            severity,
            role,
            witness,
            witness_quorum,
        }) => super::channel::create(
            &dir,
            &name,
            &key,
            &party,
            &severity,
            &role,
            (&witness, witness_quorum),
        ),
        Command::Join { bundle, key, trust } => super::join::join(&dir, &bundle, &key, &trust),
        Command::Define {
            term,
            text,
            supersedes,
            key,
        } => super::sign::define(&dir, &term, &text, supersedes, &key),
        Command::Commit {
            title,
            text,
            cites,
            supersedes,
            key,
        } => super::sign::commit(&dir, &title, &text, &cites, supersedes, &key),
        Command::Notify(args) => super::sign::notify(&dir, *args),
        Command::Respond {
            id,
            text,
            key,
            confirm,
        } => super::sign::respond(&dir, &id, &text, &key, &confirm),
        Command::Ack {
            id,
            state,
            reason,
            key,
            confirm,
        } => super::sign::ack(&dir, &id, &state, reason, &key, &confirm),
        Command::Rotate { next, key } => super::lifecycle::rotate(&dir, next.as_deref(), &key),
        Command::Revoke {
            next,
            from,
            reason,
            key,
        } => super::lifecycle::revoke(&dir, next.as_deref(), from, reason, &key),
        Command::Log { source, filter } => super::read::log(&dir, &source, &filter),
        Command::Show { id, source } => super::read::show(&dir, &id, &source),
        Command::Export { out, since, force } => super::exchange::export(&dir, &out, &since, force),
        Command::Sync { out, peer, force } => {
            super::exchange::sync(&dir, &out, peer.as_deref(), force)
        }
        Command::Import {
            file,
            no_receipt,
            cosign,
            reply,
            peer,
            force,
            key,
        } => {
            let then = super::exchange::Then {
                cosign,
                reply: reply.as_deref(),
                peer: peer.as_deref(),
                force,
            };
            super::exchange::import_then(&dir, &file, !no_receipt, &key, &then)
        }
        Command::Verify { source } => super::read::verify(&dir, &source),
        Command::Audit { source, at, filter } => {
            super::read::audit(&dir, &source, at.as_deref(), &filter)
        }
        Command::Timeline { source, at } => super::read::timeline(&dir, &source, at.as_deref()),
        Command::Report {
            source,
            at,
            out,
            force,
        } => super::report::report(&dir, &source, at.as_deref(), &out, force),
        Command::Recover {
            from,
            key,
            trust,
            replace,
        } => super::recover::recover(&dir, &from, &key, &trust, replace),
        Command::Repair => super::recover::repair(&dir),
        Command::Demo { dir } => super::demo::run(dir),
        Command::Status => super::status::status(&dir),
        Command::Completions { shell } => super::manual::completions(shell),
        Command::Man { dir } => super::manual::man(dir.as_deref()),
        Command::Amend(a) => super::amend::amend(&dir, a),
        Command::Ratify(a) => super::amend::ratify(&dir, a),
        Command::Close(a) => super::amend::close(&dir, a),
        Command::Charter { source } => super::amend::charter(&dir, &source),
        Command::Checkpoint { key } => super::witness::checkpoint(&dir, &key),
        Command::Cosign { key } => super::witness::cosign(&dir, &key),
        Command::Prove {
            id,
            out,
            import,
            force,
        } => super::witness::prove(&dir, &id, &out, &import, force),
        Command::VerifyProof { file, trust } => super::witness::verify_proof(&file, &trust),
        Command::Parties => super::witness::parties(&dir),
        Command::Quarantine => super::quarantine::list(&dir),
        Command::Witness(w) => super::witness_protocol::dispatch(&dir, w),
    }
}
