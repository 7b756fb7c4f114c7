//! `witness request`, `witness accept` and `witness cosign`: the C2SP tlog-witness
//! add-checkpoint exchange, from the log's side and from the witness's.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::charter::{Charter, Witness};
use crate::checkpoint::{Cosigner, KeyType, Verifier};
use crate::store::{NoteMeta, Store};
use crate::tlog_witness::{self, AddCheckpoint, Recorded, Refusal};
use crate::witness::{self, CheckedNote, CosignerKind};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;

use super::args::WitnessCommand;
use super::input::Input;
use super::keyfile::{load_key, write_out};
use super::render::time;
use super::shared::{load_pub, now, open, read_file, store_failure};
use super::witness::{checked_notes, witness_failure};
use super::{Failure, Output, PROBLEM};

/// Run one `hotline witness …` command.
pub fn dispatch(dir: &Path, cmd: WitnessCommand) -> Result<Output, Failure> {
    match cmd {
        WitnessCommand::Request {
            witness,
            out,
            old,
            force,
        } => request(dir, &witness, out.as_deref(), old, force),
        WitnessCommand::Accept { file, witness } => accept(dir, &file, witness.as_deref()),
        WitnessCommand::Cosign {
            request,
            bundle,
            key,
            name,
            state,
            logs,
            logs_from_store,
            out,
        } => cosign(
            request.as_deref(),
            bundle.as_deref(),
            &key,
            name.as_deref(),
            &state,
            &logs,
            logs_from_store.then_some(dir),
            out.as_deref(),
        ),
    }
}

/// `--witness NAME=VKEY_OR_PUB_FILE` of `channel create`: a C2SP cosigner verifier key
/// (type `0x04`) whose name is NAME, or a public key file (whose own name is not used).
pub fn parse_witness_arg(arg: &str) -> Result<Witness, Failure> {
    let hint =
        "use --witness NAME=VKEY (NAME+hexid+base64 of type 0x04) or --witness NAME=FILE.pub";
    let Some((name, key)) = arg.split_once('=') else {
        return Err(Failure::new(format!("--witness {arg:?}: expected NAME=KEY")).hint(hint));
    };
    let key = if key.contains('+') {
        let v = Verifier::parse(key)
            .map_err(|e| Failure::new(format!("--witness {name}: {e}")).hint(hint))?;
        if v.key_type() != KeyType::CosignatureV1 {
            return Err(Failure::new(format!(
                "--witness {name}: the verifier key is of type {:?}; a witness cosigns with cosignature/v1 (type 0x04)",
                v.key_type()
            ))
            .hint(hint));
        }
        if v.name() != name {
            return Err(Failure::new(format!(
                "--witness {name}: the verifier key is for the name {:?}",
                v.name()
            ))
            .hint("the key id depends on the name: give the name the witness signs under"));
        }
        v.key()
    } else {
        load_pub(Path::new(key))?.id
    };
    Ok(Witness {
        name: name.to_owned(),
        key,
        role: "witness".into(),
    })
}

fn charter_witness<'a>(charter: &'a Charter, name: &str) -> Result<&'a Witness, Failure> {
    charter.witness_named(name).ok_or_else(|| {
        let names: Vec<&str> = charter.witnesses.iter().map(|w| w.name.as_str()).collect();
        Failure::new(format!(
            "{name:?} is not a witness of this channel's charter"
        ))
        .hint(if names.is_empty() {
            "the charter names no witnesses".to_owned()
        } else {
            format!("the charter's witnesses: {}", names.join(", "))
        })
    })
}

/// The largest checkpoint of these notes that `w` cosigned.
fn cosigned_by(notes: &[(CheckedNote, Vec<u8>)], w: &Witness) -> u64 {
    notes
        .iter()
        .filter(|(c, _)| {
            c.cosignatures
                .iter()
                .any(|s| s.cosigner == CosignerKind::Witness && s.key == w.key && s.party == w.name)
        })
        .map(|(c, _)| c.checkpoint.size())
        .max()
        .unwrap_or(0)
}

fn request(
    dir: &Path,
    name: &str,
    out: Option<&Path>,
    old: Option<u64>,
    force: bool,
) -> Result<Output, Failure> {
    let store = super::shared::open_to_read(dir)?;
    let charter = store.charter().clone();
    let w = charter_witness(&charter, name)?;
    let (me, _) = store.identity().ok_or_else(|| {
        Failure::new("this store does not know whose it is")
            .hint("run this in your own store (the one `channel create` or `join` made)")
    })?;
    let me = charter
        .party_named(&me)
        .ok_or_else(|| Failure::new(format!("{me} is not a party of this channel")))?;
    let notes = checked_notes(&store, &me.key)?;
    let Some((latest, _)) = notes.iter().max_by_key(|(c, _)| c.checkpoint.size()) else {
        return Err(
            Failure::new(format!("no checkpoint of {}'s feed is held here", me.name))
                .hint("run `hotline checkpoint` first"),
        );
    };
    let size = latest.checkpoint.size();
    let same: Vec<&[u8]> = notes
        .iter()
        .filter(|(c, _)| c.checkpoint == latest.checkpoint)
        .map(|(_, b)| b.as_slice())
        .collect();
    let note = witness::merge(&same)
        .map_err(witness_failure)?
        .ok_or_else(|| Failure::new("no checkpoint note to send"))?;
    let old_size = old.unwrap_or_else(|| cosigned_by(&notes, w));
    if old_size > size {
        return Err(Failure::new(format!(
            "old size {old_size} is above the latest checkpoint's size {size}"
        ))
        .hint("run `hotline checkpoint` to sign a checkpoint of your feed as it is now"));
    }
    let proof = if old_size == 0 || old_size == size {
        Vec::new()
    } else {
        store
            .consistency_proof(&me.key, old_size, size)
            .map_err(store_failure)?
    };
    let body = AddCheckpoint {
        old_size,
        proof,
        checkpoint: note,
    };
    let bytes = body.encode();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = json!({
        "ok": true, "witness": w.name, "origin": latest.checkpoint.origin(), "old_size": old_size,
        "size": size, "proof_hashes": body.proof.len(), "file": out,
        "request": if out.is_none() { Some(&text) } else { None },
    });
    match out {
        Some(path) => {
            write_out(path, &bytes, force)?;
            Ok(Output::ok(
                format!(
                    "wrote {} ({} bytes): add-checkpoint for {}'s checkpoint at size {size}, from old size {old_size} with {} proof hashes\nNext: POST it to {}'s <prefix>/add-checkpoint and `hotline witness accept` the answer.\n",
                    super::keyfile::out_name(path),
                    bytes.len(),
                    me.name,
                    body.proof.len(),
                    w.name
                ),
                json,
            ))
        }
        None => Ok(Output::ok(text, json)),
    }
}

fn accept(dir: &Path, file: &Path, only: Option<&str>) -> Result<Output, Failure> {
    let mut store = open(dir)?;
    let charter = store.charter().clone();
    let witnesses: Vec<&Witness> = match only {
        Some(n) => vec![charter_witness(&charter, n)?],
        None => charter.witnesses.iter().collect(),
    };
    if witnesses.is_empty() {
        return Err(Failure::new("the charter names no witnesses"));
    }
    let verifiers = witnesses
        .iter()
        .map(|w| witness::witness_verifier(w))
        .collect::<Result<Vec<_>, _>>()
        .map_err(witness_failure)?;
    let sigs =
        tlog_witness::parse_response(&read_file(file, Input::WITNESS_RESPONSE)?).map_err(|e| {
            Failure::problem(format!("{}: {e}", file.display())).hint(
                "the file must be the body of the witness's 200 answer: its cosignature lines",
            )
        })?;
    // Which checkpoint it answers: the one its lines verify over, latest first, own feed first.
    let mut candidates: Vec<(CheckedNote, Vec<u8>)> = Vec::new();
    let me = store
        .identity()
        .and_then(|(n, _)| charter.party_named(&n).cloned());
    let mut parties: Vec<_> = charter.parties.iter().collect();
    parties.sort_by_key(|p| Some(p.key) != me.as_ref().map(|m| m.key));
    for p in parties {
        let mut notes = checked_notes(&store, &p.key)?;
        notes.sort_by_key(|(c, _)| std::cmp::Reverse(c.checkpoint.size()));
        candidates.extend(notes);
    }
    let mut last_err = None;
    for (c, bytes) in &candidates {
        match tlog_witness::accept_response(bytes, &sigs, &verifiers) {
            Ok(tlog_witness::Accepted {
                note,
                cosignatures: added,
            }) => {
                // What it states, with the witnesses' cosignatures it now brings.
                let keys = store.key_histories().map_err(store_failure)?;
                let meta = super::witness::note_meta_with(&charter, &keys, &note)
                    .unwrap_or_else(|_| NoteMeta::from(c));
                let new = store
                    .add_notes_with(&[(meta, note)], |held: &[u8]| {
                        super::witness::note_meta_with(&charter, &keys, held).ok()
                    })
                    .map_err(store_failure)?;
                let mut text = String::new();
                for (name, t) in &added {
                    let _ = writeln!(
                        text,
                        "{name} cosigned {}'s checkpoint at size {} at {}",
                        c.party,
                        c.checkpoint.size(),
                        time(crate::Timestamp(*t))
                    );
                }
                if new == 0 {
                    text.push_str("(already held)\n");
                }
                let list: Vec<_> = added
                    .iter()
                    .map(|(n, t)| json!({ "witness": n, "time": t }))
                    .collect();
                return Ok(Output::ok(
                    text,
                    json!({ "ok": true, "party": c.party, "origin": c.checkpoint.origin(), "size": c.checkpoint.size(), "cosignatures": list, "new": new > 0 }),
                ));
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(Failure::problem(format!(
        "{}: the response's lines verify over no checkpoint held here{}",
        file.display(),
        last_err.map(|e| format!(" ({e})")).unwrap_or_default()
    ))
    .hint("accept the answer in the store that sent the request, with the checkpoint it was for"))
}

/// The witness's state file: for each origin, the latest size and root it cosigned.
#[derive(serde::Serialize, serde::Deserialize)]
struct State {
    format: String,
    witness: String,
    logs: BTreeMap<String, Logged>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Logged {
    size: u64,
    root: String,
}

const STATE_FORMAT: &str = "hotline witness state v1";

fn read_state(path: &Path, me: &Verifier) -> Result<State, Failure> {
    let bytes = match std::fs::metadata(path) {
        Ok(_) => read_file(path, Input::WITNESS_STATE)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(State {
                format: STATE_FORMAT.into(),
                witness: me.to_string(),
                logs: BTreeMap::new(),
            });
        }
        Err(e) => return Err(Failure::io("read", path, &e)),
    };
    let state: State = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::new(format!("{}: not a witness state file: {e}", path.display())))?;
    if state.format != STATE_FORMAT {
        return Err(Failure::new(format!(
            "{}: unknown state format {:?}",
            path.display(),
            state.format
        )));
    }
    if state.witness != me.to_string() {
        return Err(Failure::new(format!(
            "{} is the state of the witness {}, not of {me}",
            path.display(),
            state.witness
        ))
        .hint("each witness key keeps its own state file"));
    }
    Ok(state)
}

fn recorded(state: &State, origin: &str, path: &Path) -> Result<Option<Recorded>, Failure> {
    let Some(l) = state.logs.get(origin) else {
        return Ok(None);
    };
    let root = BASE64
        .decode(&l.root)
        .ok()
        .and_then(|r| <[u8; 32]>::try_from(r).ok())
        .ok_or_else(|| {
            Failure::new(format!(
                "{}: the root recorded for {origin} is not base64 of 32 bytes",
                path.display()
            ))
        })?;
    Ok(Some(Recorded { size: l.size, root }))
}

/// Write `bytes` to `path` durably: a temporary file beside it, fsync, rename, fsync of the
/// directory. Whatever crashes when, `path` holds the old state or the new, whole.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let mut f = std::fs::File::create(&tmp).map_err(|e| Failure::io("create", &tmp, &e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Failure::io("write", &tmp, &e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| Failure::io("rename into place", path, &e))?;
    super::keyfile::sync_dir(&dir)
}

/// Holds `<state>.lock` (created exclusively) so that two cosigns cannot both check the same
/// recorded size and both move it (the race the spec warns of); removed when dropped.
struct StateLock(PathBuf);

impl StateLock {
    fn take(state: &Path) -> Result<StateLock, Failure> {
        let mut name = state.as_os_str().to_os_string();
        name.push(".lock");
        let path = PathBuf::from(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                let f = Failure::io("lock the witness state with", &path, &e);
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    f.hint("another `witness cosign` is running; if none is, one crashed: remove the lock file")
                } else {
                    f
                }
            })?;
        Ok(StateLock(path))
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn refusal(r: Refusal) -> Failure {
    let status = r.status();
    let mut f = Failure::problem(r.to_string()).with_json("status", json!(status));
    if let Refusal::Conflict { recorded, .. } = &r {
        f = f
            .with_json("recorded_size", json!(recorded))
            .hint(format!("send the request again with `old {recorded}` (hotline witness request --old {recorded})"));
    }
    f
}

/// The add-checkpoint requests a witness at `state` would need for `bundle`: for each origin
/// of a known log with a checkpoint note in the bundle, the latest one, from the size the
/// witness recorded, with a consistency proof computed from the bundle's entries of that feed
/// (which must hold the feed, without a fork, up to the checkpoint's size).
fn requests_from_bundle(
    path: &Path,
    known: &[Verifier],
    state: &State,
    state_path: &Path,
) -> Result<Vec<AddCheckpoint>, Failure> {
    let limits = super::input::bundle_limits()?;
    let b = crate::bundle::read_with(&read_file(path, Input::bundle(&limits))?, &limits).map_err(
        |e| super::input::bundle_failure(path, &e, "the bundle is damaged or not a hotline bundle"),
    )?;
    let mut latest: BTreeMap<String, &crate::bundle::NoteRecord> = BTreeMap::new();
    for n in &b.notes {
        let r = &n.record;
        if known.iter().any(|v| v.name() == r.origin)
            && latest.get(&r.origin).is_none_or(|l| l.size < r.size)
        {
            latest.insert(r.origin.clone(), r);
        }
    }
    if latest.is_empty() {
        return Err(Failure::problem(format!(
            "{}: no checkpoint of a log this witness knows",
            path.display()
        ))
        .hint("pass --log with the feed owner's checkpoint key, or --logs-from-store"));
    }
    let mut out = Vec::new();
    for (origin, r) in latest {
        let party = b
            .charter
            .parties
            .iter()
            .find(|p| witness::origin(&b.charter, p).ok().as_deref() == Some(origin.as_str()))
            .ok_or_else(|| {
                Failure::problem(format!(
                    "the checkpoint origin {origin:?} is no feed of the bundle's channel"
                ))
            })?;
        let mut by_seq: BTreeMap<u64, Vec<&Vec<u8>>> = BTreeMap::new();
        for bytes in &b.entries {
            if let Ok(e) = crate::SignedEntry::decode(bytes)
                && e.header().author == party.key
            {
                by_seq.entry(e.header().seq.0).or_default().push(bytes);
            }
        }
        let mut leaves = Vec::new();
        for seq in 0..r.size {
            match by_seq.get(&seq).map(Vec::as_slice) {
                Some([one]) => leaves.push(crate::merkle::leaf_hash(one)),
                _ => {
                    return Err(Failure::problem(format!(
                        "{}: {}'s checkpoint at size {} needs its entries up to seq {}, but the bundle holds {} at seq {seq}",
                        path.display(),
                        party.name,
                        r.size,
                        r.size - 1,
                        by_seq.get(&seq).map_or(0, Vec::len)
                    ))
                    .hint("a witness on a bundle proves consistency from the feed's own entries: export the whole feed"));
                }
            }
        }
        let old = recorded(state, &origin, state_path)?.map_or(0, |x| x.size);
        let proof = if old == 0 || old >= r.size {
            Vec::new()
        } else {
            crate::merkle::consistency_proof(&leaves, old)
                .map_err(|e| Failure::problem(format!("{origin}: {e}")))?
        };
        out.push(AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: r.note.clone(),
        });
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn cosign(
    request: Option<&Path>,
    bundle: Option<&Path>,
    key: &Path,
    name: Option<&str>,
    state_path: &Path,
    logs: &[String],
    store_dir: Option<&Path>,
    out: Option<&Path>,
) -> Result<Output, Failure> {
    let sk = load_key(key)?;
    let name = name.unwrap_or(sk.name()).to_owned();
    let cosigner =
        Cosigner::new(&name, &sk).map_err(|e| Failure::new(format!("--name {name:?}: {e}")))?;
    let mut known: Vec<Verifier> = Vec::new();
    for l in logs {
        let v = Verifier::parse(l).map_err(|e| Failure::new(format!("--log {l:?}: {e}")))?;
        if v.key_type() != KeyType::Ed25519 {
            return Err(Failure::new(format!(
                "--log {l:?}: a log signs checkpoints with an Ed25519 (type 0x01) key"
            ))
            .hint("`hotline parties` prints each feed's key under \"checkpoints\""));
        }
        known.push(v);
    }
    if let Some(dir) = store_dir {
        let store = Store::open_read_only(dir).map_err(store_failure)?;
        let charter = store.charter();
        // Each log under its key in force as the store holds its feed: the key its next
        // checkpoint is signed with (docs/FORMAT.md §9). A witness cosigns only upwards, so
        // an older key's checkpoints are behind it.
        for p in &charter.parties {
            let current = store.key_state(&p.key).map_err(store_failure)?.current;
            known.push(witness::log_verifier_for(charter, p, &current).map_err(witness_failure)?);
        }
    }
    if known.is_empty() {
        return Err(
            Failure::new("no log key given: the witness would know no origin")
                .hint("pass --log VKEY for each log, or --logs-from-store"),
        );
    }
    if let Some(path) = bundle {
        let _lock = StateLock::take(state_path)?;
        let state = read_state(state_path, &cosigner.verifier())?;
        let requests = requests_from_bundle(path, &known, &state, state_path)?;
        drop(_lock);
        let mut text = String::new();
        let mut answers = Vec::new();
        for req in requests {
            let o = cosign_one(&req, &known, &cosigner, state_path, None)?;
            text.push_str(&o.text);
            answers.push(o.json);
        }
        // One file with every answer, one origin after another.
        if let Some(path) = out {
            write_out(path, text.as_bytes(), true)?;
        }
        return Ok(Output {
            text,
            json: json!({ "ok": true, "answers": answers }),
            code: super::OK,
        });
    }
    let Some(request) = request else {
        return Err(Failure::new("give a request body or --bundle"));
    };
    let req = AddCheckpoint::parse(&read_file(request, Input::WITNESS_REQUEST)?).map_err(|e| {
        Failure::problem(format!("400 Bad Request: {}: {e}", request.display()))
            .with_json("status", json!(400))
    })?;
    cosign_one(&req, &known, &cosigner, state_path, out)
}

/// Apply the witness rules to one request, record the new size durably, then answer.
fn cosign_one(
    req: &AddCheckpoint,
    known: &[Verifier],
    cosigner: &Cosigner,
    state_path: &Path,
    out: Option<&Path>,
) -> Result<Output, Failure> {
    let origin = req.origin().map_err(|e| {
        Failure::problem(format!("400 Bad Request: {e}")).with_json("status", json!(400))
    })?;
    let Some(log) = known.iter().find(|v| v.name() == origin) else {
        return Err(Failure::problem(format!(
            "404 Not Found: this witness knows no log with the origin {origin:?}"
        ))
        .with_json("status", json!(404)));
    };
    let _lock = StateLock::take(state_path)?;
    let mut state = read_state(state_path, &cosigner.verifier())?;
    let before = recorded(&state, &origin, state_path)?;
    let done =
        tlog_witness::add_checkpoint(req, log, before, cosigner, now().0).map_err(refusal)?;
    // Never back: add_checkpoint only cosigns from the recorded size upwards; say so here too.
    if before.is_some_and(|b| b.size > done.record.size) {
        return Err(Failure::problem("refusing to record a smaller size"));
    }
    state.logs.insert(
        origin.clone(),
        Logged {
            size: done.record.size,
            root: BASE64.encode(done.record.root),
        },
    );
    let bytes = serde_json::to_vec_pretty(&state)
        .map_err(|e| Failure::new(format!("cannot encode the state: {e}")))?;
    write_durably(state_path, &bytes)?;
    let response = done.response();
    if let Some(path) = out {
        write_out(path, response.as_bytes(), true)?;
    }
    let t = u64::from_be_bytes(
        done.cosignature
            .signature()
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default(),
    );
    Ok(Output {
        text: response.clone(),
        json: json!({
            "ok": true, "status": 200, "origin": origin, "old_size": req.old_size,
            "size": done.record.size, "root": hex::encode(done.record.root),
            "witness": cosigner.verifier().to_string(), "time": t, "response": response,
        }),
        code: if response.is_empty() {
            PROBLEM
        } else {
            super::OK
        },
    })
}
