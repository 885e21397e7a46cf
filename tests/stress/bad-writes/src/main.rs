//! Stress test for preload's list writes: thousands of malformed inputs, each
//! of which the `write()` that carries it must refuse (EINVAL) while the live
//! list stays as it was; then inputs split in two writes at every offset,
//! where exactly the write that makes the text unfixable must fail.
//! What "malformed" means comes from the parser the kernel module compiles
//! (see oracle.rs); inputs it accepts are counted and not written.
//!
//! Usage: bad-writes [--seed N] [--per-kind N] [--splits N] [--file PATH]
//!        bad-writes --corpus DIR N   (writes N malformed config files)

mod inputs;
mod oracle;

use inputs::{Kind, Rng, KINDS};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::process::ExitCode;

const EINVAL: i32 = 22;
/// Failures printed in full; the rest are only counted.
const SHOWN_MAX: usize = 10;

struct Run {
    deps: String,
    /// The live list before the run, which every refused write must leave.
    live: Vec<u8>,
    refused: usize,
    skipped_valid: usize,
    failures: usize,
}

impl Run {
    fn fail(&mut self, what: &str, text: &[u8]) {
        self.failures += 1;
        if self.failures <= SHOWN_MAX {
            let shown: Vec<u8> = text.iter().copied().take(120).collect();
            eprintln!(
                "FAIL: {what}; input ({} bytes) starts {:?}",
                text.len(),
                String::from_utf8_lossy(&shown)
            );
        }
    }

    /// Writes `text` in pieces split at `cuts` through one open file; returns
    /// each write's result (a refused write ends the sequence) and the
    /// close's, which is always a success.
    fn write_pieces(&self, text: &[u8], cuts: &[usize]) -> io::Result<Vec<io::Result<usize>>> {
        let mut file = OpenOptions::new().write(true).open(&self.deps)?;
        let mut results = Vec::new();
        let mut start = 0;
        for &end in cuts.iter().chain([text.len()].iter()) {
            let result = file.write(&text[start..end]);
            let refused = result.is_err();
            results.push(result);
            if refused {
                break;
            }
            start = end;
        }
        Ok(results)
    }

    fn live_unchanged(&mut self, text: &[u8]) -> io::Result<()> {
        if fs::read(&self.deps)? != self.live {
            self.fail("the live list changed", text);
            self.live = fs::read(&self.deps)?;
        }
        Ok(())
    }

    /// One input in one write: it must fail with EINVAL.
    fn whole(&mut self, text: &[u8]) -> io::Result<()> {
        if oracle::accepts(text) {
            self.skipped_valid += 1;
            return Ok(());
        }
        let results = self.write_pieces(text, &[])?;
        match &results[0] {
            Err(e) if e.raw_os_error() == Some(EINVAL) => self.refused += 1,
            Err(e) => self.fail(&format!("refused with {e}, not EINVAL"), text),
            Ok(n) => self.fail(&format!("the write succeeded ({n} bytes)"), text),
        }
        self.live_unchanged(text)
    }

    /// `text` in two writes, split at each offset: the first write must
    /// fail exactly when its bytes can no longer become valid, else the
    /// second must; a write after a refused one on the same file also fails.
    fn split_everywhere(&mut self, text: &[u8]) -> io::Result<()> {
        for cut in 1..text.len() {
            let mut oracle = oracle::Oracle::new();
            let first_ok = oracle.write(&text[..cut]);
            let results = self.write_pieces(text, &[cut])?;
            match (first_ok, results.as_slice()) {
                (true, [Ok(n), Err(e)]) if *n == cut && e.raw_os_error() == Some(EINVAL) => {
                    self.refused += 1;
                }
                (false, [Err(e)]) if e.raw_os_error() == Some(EINVAL) => {
                    self.refused += 1;
                }
                _ => self.fail(
                    &format!(
                        "split at {cut}: expected the {} write to fail, got {results:?}",
                        if first_ok { "second" } else { "first" }
                    ),
                    text,
                ),
            }
            self.live_unchanged(text)?;
        }
        Ok(())
    }
}

fn number(args: &[String], flag: &str, default: u64) -> Result<u64, String> {
    match args.iter().position(|a| a == flag) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{flag} needs a number")),
    }
}

/// Writes `count` malformed config files into `dir`, for `preloadctl apply`.
fn corpus(dir: &str, count: usize, rng: &mut Rng) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut written = 0;
    while written < count {
        let text = inputs::make(KINDS[written % KINDS.len()], rng);
        if !oracle::accepts(&text) {
            fs::write(format!("{dir}/bad-{written:05}.conf"), &text)?;
            written += 1;
        }
    }
    Ok(())
}

fn run(args: &[String]) -> Result<bool, String> {
    let mut rng = Rng::new(number(args, "--seed", 1)?);
    if let Some(i) = args.iter().position(|a| a == "--corpus") {
        let (Some(dir), Some(count)) = (
            args.get(i + 1),
            args.get(i + 2).and_then(|c| c.parse().ok()),
        ) else {
            return Err("--corpus needs DIR and a count".into());
        };
        corpus(dir, count, &mut rng).map_err(|e| format!("{dir}: {e}"))?;
        return Ok(true);
    }
    let per_kind = number(args, "--per-kind", 2000)?;
    let splits = number(args, "--splits", 20)?;
    let deps = match args.iter().position(|a| a == "--file") {
        Some(i) => args.get(i + 1).cloned().ok_or("--file needs a path")?,
        None => "/proc/preload/deps".into(),
    };
    let live = fs::read(&deps).map_err(|e| format!("{deps}: {e}"))?;
    let mut run = Run {
        deps,
        live,
        refused: 0,
        skipped_valid: 0,
        failures: 0,
    };
    let path = run.deps.clone();
    let io = |e: io::Error| format!("{path}: {e}");
    for kind in KINDS {
        let before = run.refused;
        for _ in 0..per_kind {
            let text = inputs::make(kind, &mut rng);
            run.whole(&text).map_err(io)?;
        }
        println!("{kind:?}: {} refused", run.refused - before);
    }
    let before = run.refused;
    let mut done = 0;
    while done < splits {
        let kind = [Kind::OneByteChanged, Kind::Nul, Kind::Alphabet][done as usize % 3];
        let text = inputs::make(kind, &mut rng);
        if !oracle::accepts(&text) {
            run.split_everywhere(&text).map_err(io)?;
            done += 1;
        }
    }
    println!("split writes: {} refused", run.refused - before);
    println!(
        "{} malformed writes refused, {} generated inputs were valid and not written, {} failures",
        run.refused, run.skipped_valid, run.failures
    );
    Ok(run.failures == 0)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("bad-writes: {e}");
            ExitCode::from(2)
        }
    }
}
