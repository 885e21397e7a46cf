//! `preloadctl abi check`: the record (or the running kernel) against a
//! target kernel, as a table or JSON; the exit code says whether anything
//! breaks.

use super::compare::{compare, verdict, Finding, Severity};
use super::kernel::Kernel;
use super::record::{Record, Role};
use super::report;
use super::snapshot::{record_path, take};
use super::stablelist::StableList;
use crate::context::Context;
use crate::error::{Error, Exit};
use serde_json::{json, Value};
use std::fs;
use std::path::Path;

/// What `check` was asked.
pub struct Options<'a> {
    /// The target kernel: a directory or a release.
    pub kernel: &'a str,
    /// The record to compare [default: the running kernel's, or a fresh one].
    pub record: Option<&'a Path>,
    /// The stable list.
    pub stable_list: Option<&'a Path>,
    /// Print JSON.
    pub json: bool,
    /// Also write `abi/REPORT` under the state directory.
    pub report: bool,
}

/// Runs the check; with `report`, a failure is written to the report too.
pub fn run(ctx: &Context, options: &Options<'_>) -> Result<Exit, Error> {
    let result = check(ctx, options);
    if let (true, Err(e)) = (options.report, &result) {
        let fields = [
            ("verdict", "error".to_owned()),
            ("kernel", options.kernel.to_owned()),
            ("date", report::now_utc()),
        ];
        report::write(&ctx.abi_dir().join("REPORT"), &fields, &format!("{e}\n"))?;
    }
    result
}

fn check(ctx: &Context, options: &Options<'_>) -> Result<Exit, Error> {
    let stable = options.stable_list.map(StableList::read).transpose()?;
    let (record, baseline) = baseline(ctx, options.record)?;
    let target = Kernel::target(ctx, options.kernel)?;
    let findings = compare(&record, &target, stable.as_ref())?;
    let verdict = verdict(&findings);
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let (breaking, warnings, info) = (
        count(Severity::Breaks),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let symbols: usize = record.modules.iter().map(|m| m.symbols.len()).sum();

    let mut text = format!(
        "target: kernel {} (exports: {}; BTF: {})\nbaseline: {baseline}\n",
        target.release,
        target.exports_from.join(", "),
        target.btf_from.as_deref().unwrap_or("none")
    );
    for note in &target.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    text.push_str(&table(&findings));
    for m in &record.modules {
        if m.role == Role::Consumer && !m.interposable.is_empty() {
            text.push_str(&format!(
                "{} accepts redefinitions of (PRELOAD_INTERPOSABLE, strict mode): {}\n",
                m.name,
                m.interposable.join(" ")
            ));
        }
    }
    text.push_str(&format!(
        "verdict: {verdict} ({breaking} breaking, {warnings} warnings, {info} info; \
         {symbols} symbols of {} modules checked)\n",
        record.modules.len()
    ));

    if options.json {
        println!(
            "{}",
            to_json(&record, &target, &baseline, &findings, verdict)
        );
    } else {
        print!("{text}");
    }
    if options.report {
        let fields = [
            ("verdict", verdict.to_owned()),
            ("kernel", target.release.clone()),
            ("baseline", record.release.clone()),
            ("date", report::now_utc()),
            ("breaking", breaking.to_string()),
            ("warnings", warnings.to_string()),
        ];
        report::write(&ctx.abi_dir().join("REPORT"), &fields, &text)?;
    }
    Ok(if breaking > 0 { Exit::Breaks } else { Exit::Ok })
}

/// The record to compare: `path`, else the running kernel's record, else a
/// fresh one of the running kernel. Returns it and a description.
fn baseline(ctx: &Context, path: Option<&Path>) -> Result<(Record, String), Error> {
    let path = match path {
        Some(path) => Some(path.to_owned()),
        None => {
            let osrelease = ctx.proc.dir().join("sys/kernel/osrelease");
            fs::read_to_string(&osrelease)
                .ok()
                .map(|release| record_path(ctx, release.trim()))
                .filter(|p| p.exists())
        }
    };
    if let Some(path) = path {
        let text = fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, &e))?;
        let record = Record::from_json(&text)
            .map_err(|why| Error::new(Exit::System, format!("{}: {why}", path.display())))?;
        let what = format!(
            "record {} (kernel {}, taken {})",
            path.display(),
            record.release,
            record.taken
        );
        return Ok((record, what));
    }
    let running = Kernel::running(ctx, None)?;
    let record = take(ctx, &running, None)?;
    let what = format!(
        "the running kernel {} (no record; taken now)",
        record.release
    );
    Ok((record, what))
}

fn table(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no changes\n".into();
    }
    let mut rows = vec![[
        "MODULE", "ROLE", "SYMBOL", "CLASS", "CHANGE", "SEVERITY", "DETAIL",
    ]
    .map(str::to_owned)];
    for f in findings {
        rows.push([
            f.module.clone(),
            f.role.as_str().to_owned(),
            f.symbol.clone(),
            f.class.as_str().to_owned(),
            f.change.kind().to_owned(),
            f.severity.as_str().to_owned(),
            f.change.detail(),
        ]);
    }
    super::columns(&rows)
}

fn to_json(
    record: &Record,
    target: &Kernel,
    baseline: &str,
    findings: &[Finding],
    verdict: &str,
) -> Value {
    let findings: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "module": f.module,
                "role": f.role.as_str(),
                "symbol": f.symbol,
                "class": f.class.as_str(),
                "change": f.change.kind(),
                "severity": f.severity.as_str(),
                "detail": f.change.detail(),
            })
        })
        .collect();
    let modules: Vec<Value> = record
        .modules
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "role": m.role.as_str(),
                "symbols": m.symbols.len(),
                "interposable": m.interposable,
                "interposers": m.interposers,
            })
        })
        .collect();
    json!({
        "target": {
            "release": target.release,
            "exports_from": target.exports_from,
            "btf_from": target.btf_from,
            "notes": target.notes,
        },
        "baseline": {
            "description": baseline,
            "release": record.release,
            "build_id": record.build_id,
            "taken": record.taken,
        },
        "modules": modules,
        "findings": findings,
        "verdict": verdict,
    })
}
