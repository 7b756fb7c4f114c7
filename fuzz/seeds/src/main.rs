//! Write the seed corpus of every fuzz target, `fuzz/corpus/<target>/`, from the example
//! channel (see `fuzz/src/lib.rs`) and the test vectors in `fixtures/`. Deterministic: run it
//! again and the same files come out (named by a hash of their content).
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml -p hotline-fuzz-seeds
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../src/lib.rs"]
mod shared;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use hotline::bundle;
use hotline::checkpoint::Note;
use hotline::encoding::tagged_hash;

type Corpus = BTreeMap<&'static str, Vec<Vec<u8>>>;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Entries and charters of every channel fixture, and a bundle of each.
fn from_channel_fixtures(out: &mut Corpus) {
    let dir = fixtures_dir().join("channel");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("fixtures/channel")
        .map(|f| f.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for f in files {
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&f).expect("read")).expect("json");
        let Some(charter) = v["charter"].as_str().and_then(|h| hex::decode(h).ok()) else {
            continue;
        };
        let mut entries = Vec::new();
        for e in v["entries"].as_array().into_iter().flatten() {
            if let Some(bytes) = e.as_str().and_then(|h| hex::decode(h).ok()) {
                entries.push(bytes);
            }
        }
        out.entry("charter").or_default().push(charter.clone());
        out.entry("entry")
            .or_default()
            .extend(entries.iter().cloned());
        if let Ok(c) = hotline::Charter::decode(&charter) {
            // Defective entries too: bundle::write frames bytes as they are.
            if let Ok(b) = bundle::write(&c, &entries) {
                out.entry("bundle").or_default().push(b.clone());
                out.entry("journal").or_default().push(b);
            }
        }
    }
}

/// Every signed note and checkpoint body in fixtures/signed-note.
fn from_note_fixtures(out: &mut Corpus) {
    let dir = fixtures_dir().join("signed-note");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("fixtures/signed-note")
        .map(|f| f.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "note"))
        .collect();
    files.sort();
    for f in files {
        let bytes = fs::read(&f).expect("read");
        if let Ok(n) = Note::parse(&bytes) {
            out.entry("checkpoint")
                .or_default()
                .push(n.text().as_bytes().to_vec());
        }
        out.entry("note").or_default().push(bytes);
    }
}

fn from_example(out: &mut Corpus) {
    let cx = shared::context();
    out.entry("bundle").or_default().push(cx.bundle());
    out.entry("journal").or_default().push(cx.journal());
    out.entry("journal").or_default().push(cx.bundle());
    for n in &cx.notes {
        out.entry("note").or_default().push(n.clone());
        if let Ok(parsed) = Note::parse(n) {
            out.entry("checkpoint")
                .or_default()
                .push(parsed.text().as_bytes().to_vec());
        }
    }
    for i in 0..cx.alpha_feed.len() {
        out.entry("proof").or_default().push(cx.proof(i).encode());
    }
    for old in 0..cx.alpha_feed.len() {
        out.entry("witness_request")
            .or_default()
            .push(cx.request(old).encode());
    }
    // A witness's response: its cosignature line.
    let body = Note::parse(&cx.notes[cx.notes.len() - 1])
        .expect("note")
        .text()
        .to_owned();
    let sig = cx.witness().cosign(&body, 1).expect("cosign");
    out.entry("witness_request")
        .or_default()
        .push(format!("{sig}\n").into_bytes());
}

fn main() {
    let mut corpus = Corpus::new();
    from_channel_fixtures(&mut corpus);
    from_note_fixtures(&mut corpus);
    from_example(&mut corpus);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    for (target, seeds) in &corpus {
        let dir = root.join(target);
        fs::create_dir_all(&dir).expect("create corpus dir");
        for s in seeds {
            let name = hex::encode(&tagged_hash(b"hotline-fuzz-seed", s)[..8]);
            fs::write(dir.join(name), s).expect("write seed");
        }
        println!("{target}: {} seeds in {}", seeds.len(), dir.display());
    }
}
