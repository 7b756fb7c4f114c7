//! `hotline demo`: two parties play out a bilateral cyber hotline, through the same commands a
//! person would type, each with its own store, exchanging bundles.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_json::{Value, json};

use super::args::Cli;
use super::commands::dispatch;
use super::{Failure, OK, Output, PROBLEM};

struct Demo {
    dir: PathBuf,
    text: String,
    steps: Vec<Value>,
}

impl Demo {
    /// Run `hotline ARGS…` in-process as `party` (with that party's store) and return its JSON.
    fn run(&mut self, party: &str, say: &str, args: &[&str]) -> Result<Value, Failure> {
        let store = self.dir.join(format!("{party}.store"));
        let mut argv: Vec<String> = vec!["hotline".into(), "--store".into()];
        argv.push(store.display().to_string());
        argv.extend(args.iter().map(|s| (*s).to_owned()));
        let cli = Cli::try_parse_from(&argv)
            .map_err(|e| Failure::new(format!("demo step {argv:?}: {e}")))?;
        let out: Output = dispatch(cli).map_err(|f| {
            Failure::new(format!(
                "demo step `hotline {}` failed: {}",
                args.join(" "),
                f.message
            ))
        })?;
        let store_arg = if party == "judge" {
            String::new()
        } else {
            format!("--store {party}.store ")
        };
        let _ = writeln!(
            self.text,
            "{party:>6} $ hotline {store_arg}{}",
            shown(args, &self.dir)
        );
        let _ = writeln!(self.text, "        {say}");
        self.steps
            .push(json!({ "party": party, "args": args, "result": out.json }));
        // Show what the commands a person would read closely print.
        if out.code != OK || matches!(args.first(), Some(&"verify-proof" | &"cosign" | &"join")) {
            for line in out.text.lines() {
                let _ = writeln!(self.text, "        | {line}");
            }
        }
        Ok(out.json)
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Export from `from` and import into `to`.
    fn exchange(&mut self, from: &str, to: &str, n: u32) -> Result<(), Failure> {
        let file = self.path(&format!("{n:02}-{from}-to-{to}.bundle"));
        self.run(
            from,
            &format!("{from} writes a bundle for {to}"),
            &["export", "--out", &file],
        )?;
        self.run(
            to,
            &format!("{to} verifies the bundle against the charter and imports it, all or nothing"),
            &["import", &file],
        )?;
        Ok(())
    }
}

/// The command line as a person would type it in the demo's directory: paths inside it
/// relative to it.
fn shown(args: &[&str], dir: &Path) -> String {
    let dir = dir.display().to_string();
    args.iter()
        .map(|a| {
            let a = if *a == dir {
                "."
            } else {
                a.strip_prefix(&format!("{dir}/")).unwrap_or(a)
            };
            if a.contains(' ') {
                format!("{a:?}")
            } else {
                a.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first 12 hex digits of the id a step signed: any unique prefix names an entry.
fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(12)
        .collect()
}

fn fresh_dir() -> Result<PathBuf, Failure> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("hotline-demo-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Failure::io("create", &dir, &e))?;
    Ok(dir)
}

/// Play the demo in `dir` (or a fresh temporary directory).
pub fn run(dir: Option<PathBuf>) -> Result<Output, Failure> {
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(&d).map_err(|e| Failure::io("create", &d, &e))?;
            d
        }
        None => fresh_dir()?,
    };
    let mut d = Demo {
        dir: dir.clone(),
        text: format!("hotline demo in {}\n\n", dir.display()),
        steps: Vec::new(),
    };
    play(&mut d)?;
    finish(d, &dir)
}

fn play(d: &mut Demo) -> Result<(), Failure> {
    let dir = d.dir.display().to_string();
    let (alpha_key, beta_key) = (d.path("alpha.key"), d.path("beta.key"));
    let beta_pub = d.path("beta.pub");
    d.run(
        "alpha",
        "alpha makes its key pair",
        &["keygen", "alpha", "--dir", &dir],
    )?;
    d.run(
        "beta",
        "beta makes its key pair; alpha and beta swap alpha.pub and beta.pub in person",
        &["keygen", "beta", "--dir", &dir],
    )?;
    d.run(
        "alpha",
        "alpha drafts the charter (parties, severities, deadlines) and signs it as its first entry",
        &[
            "channel",
            "create",
            "alpha-beta cyber hotline",
            "--key",
            &alpha_key,
            "--party",
            &beta_pub,
        ],
    )?;
    let invitation = d.path("01-invitation.bundle");
    d.run(
        "alpha",
        "alpha exports the charter for beta",
        &["export", "--out", &invitation],
    )?;
    // beta got alpha.pub from alpha itself, as alpha got beta.pub: that key, not the
    // invitation, is what beta trusts the charter by.
    let alpha_pub = d.path("alpha.pub");
    d.run(
        "beta",
        "beta checks the charter against alpha's key it trusts, and signs its acceptance",
        &[
            "join",
            &invitation,
            "--key",
            &beta_key,
            "--trust",
            &alpha_pub,
        ],
    )?;
    d.exchange("beta", "alpha", 2)?;
    let def = id_of(&d.run(
        "alpha",
        "alpha proposes a definition both sides can cite",
        &["define", "cyber-enabled theft of intellectual property", "--text",
          "The use of computer networks to obtain, without authorisation, trade secrets or other confidential business information for commercial advantage."],
    )?);
    let commit = id_of(&d.run(
        "alpha",
        "alpha signs the commitment, citing the definition",
        &["commit", "No cyber-enabled theft of intellectual property", "--text",
          "Neither side will conduct or knowingly support cyber-enabled theft of intellectual property for commercial advantage.",
          "--cites", &def],
    )?);
    d.exchange("alpha", "beta", 3)?;
    d.run(
        "beta",
        "beta accepts the commitment: its signature binds alpha's whole feed so far",
        &["ack", &commit, "--state", "accepted"],
    )?;
    let notice = id_of(&d.run(
        "alpha",
        "alpha notifies beta of an incident, with 24 hours to acknowledge",
        &[
            "notify",
            "--severity",
            "high",
            "--category",
            "exfiltration",
            "--incident",
            "ALPHA-0001",
            "--summary",
            "Exfiltration from a research network traced to hosts in your jurisdiction",
            "--indicator",
            "198.51.100.23",
            "--indicator",
            "203.0.113.77",
            "--action",
            "Investigate the listed hosts and preserve their logs.",
            "--handling",
            "TLP:AMBER",
            "--ack-within",
            "24h",
            "--respond-within",
            "72h",
            "--ref",
            &commit,
        ],
    )?);
    d.exchange("alpha", "beta", 4)?;
    d.run("beta", "beta acknowledges receipt", &["ack", &notice])?;
    d.run(
        "beta",
        "beta responds in substance",
        &[
            "respond",
            &notice,
            "--text",
            "The hosts were taken down and their logs preserved. No state involvement was found.",
        ],
    )?;
    d.exchange("beta", "alpha", 5)?;
    let update = id_of(&d.run(
        "alpha",
        "alpha sends an update attributing the theft",
        &[
            "notify",
            "--severity",
            "high",
            "--category",
            "exfiltration",
            "--incident",
            "ALPHA-0001",
            "--stage",
            "update",
            "--summary",
            "The stolen data was offered for sale by a company in your jurisdiction",
            "--ref",
            &notice,
        ],
    )?);
    d.exchange("alpha", "beta", 6)?;
    d.run(
        "beta",
        "beta disputes the update, with its reason, signed",
        &[
            "ack",
            &update,
            "--state",
            "disputed",
            "--reason",
            "The company named has no link to any state body.",
        ],
    )?;
    d.exchange("beta", "alpha", 7)?;
    d.run(
        "alpha",
        "alpha signs a checkpoint of its feed (C2SP tlog-checkpoint)",
        &["checkpoint"],
    )?;
    d.exchange("alpha", "beta", 8)?;
    d.run(
        "beta",
        "beta cosigns it, having checked it matches alpha's entries it holds",
        &["cosign"],
    )?;
    d.run(
        "beta",
        "beta signs a checkpoint of its own feed",
        &["checkpoint"],
    )?;
    d.exchange("beta", "alpha", 9)?;
    d.run("alpha", "alpha cosigns beta's checkpoint", &["cosign"])?;
    d.exchange("alpha", "beta", 10)?;
    let proof = d.path("notice.tlog-proof");
    d.run(
        "alpha",
        "alpha proves its first notice to an outsider: the entry, its inclusion proof, the cosigned checkpoint",
        &["prove", &notice, "--out", &proof],
    )?;
    let (alpha_pub, beta_pub) = (d.path("alpha.pub"), d.path("beta.pub"));
    d.run(
        "judge",
        "a third party checks the proof with nothing but the two public keys",
        &[
            "verify-proof",
            &proof,
            "--trust",
            &alpha_pub,
            "--trust",
            &beta_pub,
        ],
    )?;
    Ok(())
}

fn finish(mut d: Demo, dir: &Path) -> Result<Output, Failure> {
    let mut ok = true;
    let mut results = Vec::new();
    for party in ["alpha", "beta"] {
        let store = dir.join(format!("{party}.store")).display().to_string();
        for cmd in [["verify"], ["audit"]] {
            let argv = ["hotline", "--store", store.as_str(), cmd[0]];
            let cli = Cli::try_parse_from(argv).map_err(|e| Failure::new(e.to_string()))?;
            let out = dispatch(cli)?;
            ok &= out.code == OK;
            let _ = writeln!(
                d.text,
                "\n{party} $ hotline {}\n{}",
                cmd[0],
                out.text.trim_end()
            );
            results.push(json!({ "party": party, "command": cmd[0], "result": out.json }));
        }
    }
    let store = dir.join("alpha.store").display().to_string();
    let cli = Cli::try_parse_from(["hotline", "--store", store.as_str(), "log"])
        .map_err(|e| Failure::new(e.to_string()))?;
    let log = dispatch(cli)?;
    let _ = writeln!(
        d.text,
        "\ntimeline (alpha's store, which now holds both feeds):\n{}",
        log.text.trim_end()
    );
    let _ = writeln!(
        d.text,
        "\n{} stores, keys and bundles are in {}",
        if ok { "Done:" } else { "PROBLEMS FOUND:" },
        dir.display()
    );
    Ok(Output {
        text: d.text,
        json: json!({ "ok": ok, "dir": dir, "steps": d.steps, "checks": results, "timeline": log.json.get("entries") }),
        code: if ok { OK } else { PROBLEM },
    })
}
