//! `preloadctl status`: whether preload is loaded, its list, its counters
//! and the interposers, and the `preload.ko` of each installed kernel, as a
//! table or as JSON.

use crate::abi::report::{self, Verdict};
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::kernels::{self, Kernel};
use crate::procfs::Interposer;
use crate::store::live_list;
use serde_json::{json, Map, Value};

/// What `status` shows.
#[derive(Debug, Default)]
struct Status {
    loaded: bool,
    /// The entries and consumers of the live list, or why they are unknown.
    list: Option<Result<(usize, usize), String>>,
    stats: Vec<(String, u64)>,
    interposers: Vec<Interposer>,
    /// The last `abi check --report`, if there is one.
    abi: Option<Verdict>,
    /// The installed kernels and their `preload.ko`.
    kernels: Vec<Kernel>,
}

/// Prints the status; exits with 3 if preload is not loaded.
pub fn run(ctx: &Context, json: bool) -> Result<Exit, Error> {
    let mut status = gather(ctx)?;
    status.abi = report::read(&ctx.abi_dir().join("REPORT"))?;
    let running = kernels::running_release(ctx).ok();
    status.kernels = kernels::installed(ctx, running.as_deref())?;
    if json {
        println!("{}", to_json(&status));
    } else {
        print!("{}", to_text(&status));
    }
    Ok(if status.loaded {
        Exit::Ok
    } else {
        Exit::NotLoaded
    })
}

fn gather(ctx: &Context) -> Result<Status, Error> {
    let proc = &ctx.proc;
    if !proc.preload_loaded() {
        return Ok(Status::default());
    }
    // Reading the list needs root; the rest does not.
    let list = proc
        .read_deps()
        .and_then(|text| live_list(proc, &text))
        .map(|config| (config.entries(), config.list().consumers().count()));
    Ok(Status {
        loaded: true,
        list: Some(list.map_err(|e| e.to_string())),
        stats: proc.read_stats()?,
        interposers: proc.read_interposers()?.unwrap_or_default(),
        abi: None,
        kernels: Vec::new(),
    })
}

fn to_text(status: &Status) -> String {
    let mut out = String::new();
    let mut row = |key: &str, value: String| out.push_str(&format!("{key:<14} {value}\n"));
    row(
        "preload",
        if status.loaded {
            "loaded"
        } else {
            "not loaded"
        }
        .into(),
    );
    if let Some(abi) = &status.abi {
        row("abi check", abi_text(abi));
    }
    for kernel in &status.kernels {
        row("kernel", kernel_text(kernel));
    }
    if !status.loaded {
        return out;
    }
    row(
        "entries",
        match &status.list {
            Some(Ok((entries, consumers))) => format!("{entries} ({consumers} consumers)"),
            Some(Err(why)) => format!("unknown: {why}"),
            None => "unknown".into(),
        },
    );
    for (name, value) in &status.stats {
        row(name, value.to_string());
    }
    if status.interposers.is_empty() {
        row("interposers", "none".into());
        return out;
    }
    row("interposers", status.interposers.len().to_string());
    let name_width = status
        .interposers
        .iter()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let states: Vec<&str> = status
        .interposers
        .iter()
        .map(|i| if i.state.is_empty() { "-" } else { &i.state })
        .collect();
    let state_width = states.iter().map(|s| s.len()).max().unwrap_or(0).max(5);
    let consumer_lists: Vec<String> = status
        .interposers
        .iter()
        .map(|i| list_or_dash(&i.consumers))
        .collect();
    let consumers_width = consumer_lists
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(9);
    out.push_str(&format!(
        "  {:<name_width$}  {:<state_width$}  {:>5}  {:<consumers_width$}  SYMBOLS\n",
        "NAME", "STATE", "BOUND", "CONSUMERS"
    ));
    for ((interposer, state), consumers) in
        status.interposers.iter().zip(states).zip(consumer_lists)
    {
        out.push_str(&format!(
            "  {:<name_width$}  {state:<state_width$}  {:>5}  {consumers:<consumers_width$}  {}\n",
            interposer.name,
            interposer.bound,
            list_or_dash(&interposer.symbols)
        ));
    }
    out
}

/// The last verdict in one line: `breaks for kernel 7.3.5 (2 breaking, 0 warnings) at DATE`.
fn abi_text(abi: &Verdict) -> String {
    let mut text = format!("{} for kernel {}", abi.verdict, abi.kernel);
    if !abi.breaking.is_empty() {
        text.push_str(&format!(
            " ({} breaking, {} warnings)",
            abi.breaking, abi.warnings
        ));
    }
    if !abi.date.is_empty() {
        text.push_str(&format!(" at {}", abi.date));
    }
    text
}

/// One kernel in one line: `7.3.4 (running): /lib/modules/7.3.4/extra/preload.ko`.
fn kernel_text(kernel: &Kernel) -> String {
    let running = if kernel.running { " (running)" } else { "" };
    match &kernel.module {
        Some(path) => format!("{}{running}: {}", kernel.release, path.display()),
        None => format!("{}{running}: no preload.ko", kernel.release),
    }
}

fn list_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(",")
    }
}

fn to_json(status: &Status) -> Value {
    let (entries, consumers, list_error) = match &status.list {
        Some(Ok((entries, consumers))) => (json!(entries), json!(consumers), Value::Null),
        Some(Err(why)) => (Value::Null, Value::Null, json!(why)),
        None => (Value::Null, Value::Null, Value::Null),
    };
    let stats: Map<String, Value> = status
        .stats
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let interposers: Vec<Value> = status
        .interposers
        .iter()
        .map(|i| {
            json!({"name": i.name, "bound": i.bound, "consumers": i.consumers,
                   "symbols": i.symbols, "version": i.version, "swap": i.swap,
                   "state": i.state, "handlers": i.handlers})
        })
        .collect();
    json!({
        "loaded": status.loaded,
        "entries": entries,
        "consumers": consumers,
        "list_error": list_error,
        "stats": stats,
        "interposers": interposers,
        "abi_check": status.abi.as_ref().map(|a| json!({
            "verdict": a.verdict,
            "kernel": a.kernel,
            "date": a.date,
            "breaking": a.breaking.parse::<u64>().ok(),
            "warnings": a.warnings.parse::<u64>().ok(),
        })),
        "kernels": status.kernels.iter().map(|k| json!({
            "release": k.release,
            "running": k.running,
            "module": k.module.as_ref().map(|p| p.display().to_string()),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Status {
        Status {
            loaded: true,
            list: Some(Ok((3, 2))),
            stats: vec![("loads_seen".into(), 7), ("failures".into(), 1)],
            interposers: vec![Interposer {
                name: "interposer".into(),
                bound: 1,
                consumers: vec!["pl_user".into()],
                symbols: vec!["pl_dep_value".into()],
                version: Some("1.0".into()),
                swap: "yes".into(),
                state: "started".into(),
                handlers: vec!["start".into(), "quiesce".into()],
            }],
            abi: None,
            kernels: vec![
                Kernel {
                    release: "7.3.4".into(),
                    running: true,
                    module: Some("/lib/modules/7.3.4/extra/preload.ko".into()),
                },
                Kernel {
                    release: "7.3.9".into(),
                    running: false,
                    module: None,
                },
            ],
        }
    }

    #[test]
    fn text_lists_counters_and_interposers() {
        let text = to_text(&sample());
        assert!(text.contains("entries        3 (2 consumers)\n"), "{text}");
        assert!(text.contains("loads_seen     7\n"), "{text}");
        assert!(
            text.contains(
                "  NAME        STATE    BOUND  CONSUMERS  SYMBOLS\n  \
                   interposer  started      1  pl_user    pl_dep_value\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_state_reads_dash() {
        let mut status = sample();
        status.interposers[0].state.clear();
        status.interposers[0].handlers.clear();
        let text = to_text(&status);
        assert!(
            text.contains("  interposer  -          1  pl_user    pl_dep_value\n"),
            "{text}"
        );
        let value = to_json(&status);
        assert_eq!(value["interposers"][0]["state"], json!(""));
        assert_eq!(value["interposers"][0]["handlers"], json!([]));
    }

    #[test]
    fn no_interposers_reads_none() {
        let status = Status {
            interposers: vec![],
            ..sample()
        };
        assert!(to_text(&status).contains("interposers    none\n"));
        assert_eq!(to_json(&status)["interposers"], json!([]));
    }

    #[test]
    fn each_kernel_has_a_line() {
        let text = to_text(&sample());
        assert!(
            text.starts_with(
                "preload        loaded\n\
                 kernel         7.3.4 (running): /lib/modules/7.3.4/extra/preload.ko\n\
                 kernel         7.3.9: no preload.ko\n\
                 entries "
            ),
            "{text}"
        );
        let value = to_json(&sample());
        assert_eq!(
            value["kernels"],
            json!([
                {"release": "7.3.4", "running": true,
                 "module": "/lib/modules/7.3.4/extra/preload.ko"},
                {"release": "7.3.9", "running": false, "module": null},
            ])
        );
        let unloaded = Status {
            kernels: sample().kernels,
            ..Status::default()
        };
        assert_eq!(
            to_text(&unloaded),
            "preload        not loaded\n\
             kernel         7.3.4 (running): /lib/modules/7.3.4/extra/preload.ko\n\
             kernel         7.3.9: no preload.ko\n"
        );
    }

    #[test]
    fn json_has_every_field() {
        let value = to_json(&sample());
        assert_eq!(value["loaded"], json!(true));
        assert_eq!(value["entries"], json!(3));
        assert_eq!(value["stats"]["failures"], json!(1));
        assert_eq!(value["interposers"][0]["consumers"], json!(["pl_user"]));
        assert_eq!(value["interposers"][0]["state"], json!("started"));
        assert_eq!(
            value["interposers"][0]["handlers"],
            json!(["start", "quiesce"])
        );
        let unloaded = to_json(&Status::default());
        assert_eq!(unloaded["loaded"], json!(false));
        assert_eq!(unloaded["entries"], Value::Null);
        assert_eq!(unloaded["abi_check"], Value::Null);
    }

    #[test]
    fn the_last_abi_verdict_is_shown() {
        let status = Status {
            abi: Some(Verdict {
                verdict: "breaks".into(),
                kernel: "7.3.5".into(),
                date: "2025-11-29T14:35:00Z".into(),
                breaking: "2".into(),
                warnings: "1".into(),
            }),
            ..Status::default()
        };
        assert_eq!(
            to_text(&status),
            "preload        not loaded\n\
             abi check      breaks for kernel 7.3.5 (2 breaking, 1 warnings) at 2025-11-29T14:35:00Z\n"
        );
        assert_eq!(to_json(&status)["abi_check"]["breaking"], json!(2));
    }
}
