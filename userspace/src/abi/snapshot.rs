//! `preloadctl abi snapshot`: the record of the running kernel for the
//! interposers and consumers of the list.

use super::kernel::{Exports, Kernel};
use super::ko::ModuleFile;
use super::record::{ModuleUse, Record, Role, SymbolUse};
use super::report::now_utc;
use super::stablelist::StableList;
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::output::note;
use crate::store::{choose_list, write_atomically};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Takes the record, writes it to `abi/RELEASE.json` under the state
/// directory and prints what it holds.
pub fn run(
    ctx: &Context,
    build: Option<&Path>,
    stable: Option<&Path>,
    json: bool,
) -> Result<Exit, Error> {
    let stable = stable.map(StableList::read).transpose()?;
    let kernel = Kernel::running(ctx, build)?;
    let record = take(ctx, &kernel, stable.as_ref())?;
    let path = record_path(ctx, &record.release);
    let text = serde_json::to_string_pretty(&record.to_json()).unwrap_or_default() + "\n";
    write_atomically(&path, &text)?;
    if json {
        print!("{text}");
        return Ok(Exit::Ok);
    }
    for note in &kernel.notes {
        note!("preloadctl: {note}");
    }
    print!("{}", table(&record));
    let symbols: usize = record.modules.iter().map(|m| m.symbols.len()).sum();
    println!(
        "recorded {symbols} symbols of {} modules for kernel {} in {}",
        record.modules.len(),
        record.release,
        path.display()
    );
    Ok(Exit::Ok)
}

/// Where the record of kernel `release` is kept.
pub fn record_path(ctx: &Context, release: &str) -> PathBuf {
    ctx.abi_dir().join(format!("{release}.json"))
}

/// Takes the record of `kernel` for the list's interposers and consumers.
pub fn take(ctx: &Context, kernel: &Kernel, stable: Option<&StableList>) -> Result<Record, Error> {
    let (config, _) = choose_list(ctx, Vec::new())?;
    let list = config.list();
    let consumers: BTreeSet<String> = list
        .edges()
        .iter()
        .map(|e| e.consumer.as_str().to_owned())
        .collect();
    let mut candidates: BTreeSet<String> = list
        .edges()
        .iter()
        .map(|e| e.dep.as_str().to_owned())
        .collect();
    if let Ok(Some(live)) = ctx.proc.read_interposers() {
        candidates.extend(live.into_iter().map(|i| crate::modules::canonical(&i.name)));
    }

    let mut interposers = Vec::new();
    for name in &candidates {
        let Some(file) = kernel.module_file(name)? else {
            continue;
        };
        let (originals, problems) = file.redefinitions();
        for problem in problems {
            note!("{problem}");
        }
        if !originals.is_empty() {
            interposers.push(use_of(
                kernel,
                name,
                Role::Interposer,
                &file,
                originals,
                stable,
            )?);
        }
    }
    let interposer_names: BTreeSet<&str> = interposers.iter().map(|m| m.name.as_str()).collect();
    let mut modules = Vec::new();
    for name in &consumers {
        let Some(file) = kernel.module_file(name)? else {
            note!("preloadctl: consumer {name} is not installed under the modules directory; not recorded");
            continue;
        };
        let mut used = use_of(
            kernel,
            name,
            Role::Consumer,
            &file,
            file.undefined.clone(),
            stable,
        )?;
        used.interposable = file.interposable();
        let name = preload_deps::Name::new(name.as_bytes())
            .map_err(|e| Error::new(Exit::System, format!("{name}: {e}")))?;
        used.interposers = list
            .deps_of(&name)
            .iter()
            .map(|e| e.dep.as_str())
            .filter(|d| interposer_names.contains(d))
            .map(str::to_owned)
            .collect();
        modules.push(used);
    }
    interposers.extend(modules);
    Ok(Record {
        release: kernel.release.clone(),
        build_id: kernel.build_id.clone(),
        taken: now_utc(),
        exports_from: kernel.exports_from.clone(),
        btf_from: kernel.btf_from.clone(),
        modules: interposers,
    })
}

fn use_of(
    kernel: &Kernel,
    name: &str,
    role: Role,
    file: &Rc<ModuleFile>,
    symbols: Vec<String>,
    stable: Option<&StableList>,
) -> Result<ModuleUse, Error> {
    let depends = file.depends();
    let mut used = Vec::new();
    for symbol in symbols {
        let export = kernel.export(&symbol, &depends)?;
        let btf_type = match &export {
            Some(e) => kernel.type_of(&symbol, &e.module)?,
            None => None,
        };
        used.push(SymbolUse {
            stable: stable.map(|list| list.contains(&symbol)),
            name: symbol,
            export,
            btf_type,
        });
    }
    used.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ModuleUse {
        name: name.to_owned(),
        role,
        file: file.path.display().to_string(),
        license: file.license(),
        import_ns: file.import_ns(),
        depends,
        interposable: Vec::new(),
        interposers: Vec::new(),
        symbols: used,
    })
}

/// The record as a table: one row per module and symbol.
pub fn table(record: &Record) -> String {
    let mut rows = vec![[
        "MODULE",
        "ROLE",
        "SYMBOL",
        "EXPORTER",
        "GPL",
        "NAMESPACE",
        "CRC",
        "TYPE",
    ]
    .map(str::to_owned)];
    for m in &record.modules {
        for s in &m.symbols {
            let e = s.export.as_ref();
            rows.push([
                m.name.clone(),
                m.role.as_str().to_owned(),
                s.name.clone(),
                e.map_or("-".into(), |e| e.module.clone()),
                e.map_or("-", |e| if e.gpl { "yes" } else { "no" })
                    .to_owned(),
                e.map(|e| e.namespace.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "-".into()),
                e.and_then(|e| e.crc)
                    .map_or("-".into(), |c| format!("0x{c:08x}")),
                s.btf_type.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
    }
    let mut out = super::columns(&rows);
    for m in &record.modules {
        if m.role == Role::Consumer && !m.interposable.is_empty() {
            out.push_str(&format!(
                "{} accepts redefinitions of (PRELOAD_INTERPOSABLE, strict mode): {}\n",
                m.name,
                m.interposable.join(" ")
            ));
        }
    }
    out
}
