//! `hotline completions` and `hotline man`: shell completions and man pages, generated from
//! the same clap definitions as `--help`, so that they never disagree with it.

use std::path::Path;

use clap::CommandFactory;
use serde_json::json;

use super::args::Cli;
use super::{Failure, Output};

/// `hotline completions SHELL`: the script on standard output.
pub(super) fn completions(shell: clap_complete::Shell) -> Result<Output, Failure> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "hotline", &mut script);
    let script = String::from_utf8(script)
        .map_err(|_| Failure::new("the completion script is not UTF-8"))?;
    Ok(Output::ok(
        script.clone(),
        json!({ "ok": true, "shell": shell.to_string(), "script": script }),
    ))
}

/// Every page: `hotline.1`, then `hotline-VERB.1` for each command and sub-command, as
/// (file name, roff text).
fn pages() -> Result<Vec<(String, String)>, Failure> {
    fn walk(
        cmd: &clap::Command,
        prefix: &str,
        out: &mut Vec<(String, String)>,
    ) -> Result<(), Failure> {
        let name = if prefix.is_empty() {
            cmd.get_name().to_owned()
        } else {
            format!("{prefix}-{}", cmd.get_name())
        };
        let page = cmd.clone().name(name.clone());
        let mut roff = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut roff)
            .map_err(|e| Failure::new(format!("cannot render the man page {name}: {e}")))?;
        let roff = String::from_utf8(roff).map_err(|_| Failure::new("a man page is not UTF-8"))?;
        out.push((format!("{name}.1"), roff));
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            walk(sub, &name, out)?;
        }
        Ok(())
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, "", &mut out)?;
    Ok(out)
}

/// `hotline man`: hotline(1) on standard output, or every page into `dir`.
pub(super) fn man(dir: Option<&Path>) -> Result<Output, Failure> {
    let pages = pages()?;
    let Some(dir) = dir else {
        let (_, main) = pages
            .into_iter()
            .next()
            .ok_or_else(|| Failure::new("no man page was rendered"))?;
        return Ok(Output::ok(
            main.clone(),
            json!({ "ok": true, "page": main }),
        ));
    };
    std::fs::create_dir_all(dir).map_err(|e| Failure::io("create the directory", dir, &e))?;
    let mut names = Vec::new();
    for (name, roff) in &pages {
        let path = dir.join(name);
        std::fs::write(&path, roff).map_err(|e| Failure::io("write", &path, &e))?;
        names.push(name.clone());
    }
    Ok(Output::ok(
        format!(
            "wrote {} man pages into {}: {}\n",
            names.len(),
            dir.display(),
            names.join(", ")
        ),
        json!({ "ok": true, "dir": dir, "pages": names }),
    ))
}
