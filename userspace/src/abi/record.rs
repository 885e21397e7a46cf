//! The symbol record of one kernel: what each interposer redefines and
//! each consumer imports, with what the kernel said about each symbol. It is
//! kept as JSON under the state directory (`abi/RELEASE.json`); the format
//! is versioned and described in the README.

use super::symvers::Export;
use serde_json::{json, Value};

/// The `format` field of every record.
pub const FORMAT: &str = "preload-abi-record";
/// The version of the format this preloadctl writes and reads.
pub const VERSION: u64 = 1;

/// What a module is to preload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It redefines symbols (`PRELOAD_INTERPOSE`); its symbols are the originals.
    Interposer,
    /// It is a consumer of the list; its symbols are its imports.
    Consumer,
}

impl Role {
    /// The role's name in the record and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Interposer => "interposer",
            Role::Consumer => "consumer",
        }
    }
}

/// One symbol a module uses, as the recorded kernel had it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolUse {
    /// The symbol.
    pub name: String,
    /// Its export, or `None` if no known module or `vmlinux` exports it.
    pub export: Option<Export>,
    /// Its type from BTF, if the kernel had BTF describing it.
    pub btf_type: Option<String>,
    /// Whether the stable list had it, if a stable list was given.
    pub stable: Option<bool>,
}

/// One module's use of the kernel's symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleUse {
    /// The module's canonical name.
    pub name: String,
    /// What it is to preload.
    pub role: Role,
    /// The file it was read from.
    pub file: String,
    /// Its `MODULE_LICENSE`.
    pub license: String,
    /// The namespaces it imports.
    pub import_ns: Vec<String>,
    /// The modules it depends on (modinfo `depends=`).
    pub depends: Vec<String>,
    /// For a consumer: the symbols it accepts redefinitions of
    /// (`PRELOAD_INTERPOSABLE`, strict mode's list).
    pub interposable: Vec<String>,
    /// For a consumer: the interposers its list entry names.
    pub interposers: Vec<String>,
    /// The symbols, sorted by name.
    pub symbols: Vec<SymbolUse>,
}

/// The record of one kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `uname -r`.
    pub release: String,
    /// The kernel's GNU build id, from `/sys/kernel/notes`.
    pub build_id: Option<String>,
    /// When it was taken (UTC, RFC 3339).
    pub taken: String,
    /// Where the export information came from (`Module.symvers`, module files).
    pub exports_from: Vec<String>,
    /// Where BTF came from, if there was any.
    pub btf_from: Option<String>,
    /// The modules, interposers first, each sorted by name.
    pub modules: Vec<ModuleUse>,
}

fn export_json(export: Option<&Export>) -> Value {
    match export {
        Some(e) => json!({
            "module": e.module,
            "gpl": e.gpl,
            "namespace": e.namespace,
            "crc": e.crc.map(|c| format!("0x{c:08x}")),
        }),
        None => json!({"module": null, "gpl": null, "namespace": null, "crc": null}),
    }
}

impl Record {
    /// The record as JSON.
    pub fn to_json(&self) -> Value {
        let modules: Vec<Value> = self
            .modules
            .iter()
            .map(|m| {
                let symbols: Vec<Value> = m
                    .symbols
                    .iter()
                    .map(|s| {
                        let mut value = export_json(s.export.as_ref());
                        value["name"] = json!(s.name);
                        value["type"] = json!(s.btf_type);
                        value["stable"] = json!(s.stable);
                        value
                    })
                    .collect();
                json!({
                    "name": m.name,
                    "role": m.role.as_str(),
                    "file": m.file,
                    "license": m.license,
                    "import_ns": m.import_ns,
                    "depends": m.depends,
                    "interposable": m.interposable,
                    "interposers": m.interposers,
                    "symbols": symbols,
                })
            })
            .collect();
        json!({
            "format": FORMAT,
            "version": VERSION,
            "kernel": {"release": self.release, "build_id": self.build_id},
            "taken": self.taken,
            "exports_from": self.exports_from,
            "btf_from": self.btf_from,
            "modules": modules,
        })
    }

    /// Reads a record from its JSON text; the error says what is wrong.
    pub fn from_json(text: &str) -> Result<Record, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        if value["format"] != FORMAT {
            return Err(format!(
                "not a preload ABI record (no \"format\": \"{FORMAT}\")"
            ));
        }
        match value["version"].as_u64() {
            Some(VERSION) => {}
            other => {
                return Err(format!(
                    "record version {} is not supported (this preloadctl reads version {VERSION})",
                    other.map_or("?".into(), |v| v.to_string())
                ))
            }
        }
        let modules = array(&value, "modules")?
            .iter()
            .map(module_from_json)
            .collect::<Result<_, _>>()?;
        Ok(Record {
            release: string(&value["kernel"], "release")?,
            build_id: optional_string(&value["kernel"], "build_id"),
            taken: string(&value, "taken")?,
            exports_from: strings(&value, "exports_from")?,
            btf_from: optional_string(&value, "btf_from"),
            modules,
        })
    }
}

fn string(value: &Value, key: &str) -> Result<String, String> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("\"{key}\" is missing or not a string"))
}

fn optional_string(value: &Value, key: &str) -> Option<String> {
    value[key].as_str().map(str::to_owned)
}

fn array<'a>(value: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
    value[key]
        .as_array()
        .ok_or_else(|| format!("\"{key}\" is missing or not a list"))
}

fn strings(value: &Value, key: &str) -> Result<Vec<String>, String> {
    array(value, key)?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("\"{key}\" holds a non-string"))
        })
        .collect()
}

fn module_from_json(value: &Value) -> Result<ModuleUse, String> {
    let name = string(value, "name")?;
    let in_module = |e: String| format!("module {name}: {e}");
    let role = match value["role"].as_str() {
        Some("interposer") => Role::Interposer,
        Some("consumer") => Role::Consumer,
        _ => return Err(in_module("\"role\" is not interposer or consumer".into())),
    };
    let symbols = array(value, "symbols")
        .map_err(in_module)?
        .iter()
        .map(symbol_from_json)
        .collect::<Result<_, _>>()
        .map_err(in_module)?;
    Ok(ModuleUse {
        role,
        file: string(value, "file").map_err(in_module)?,
        license: string(value, "license").map_err(in_module)?,
        import_ns: strings(value, "import_ns").map_err(in_module)?,
        depends: strings(value, "depends").map_err(in_module)?,
        interposable: strings(value, "interposable").map_err(in_module)?,
        interposers: strings(value, "interposers").map_err(in_module)?,
        symbols,
        name,
    })
}

fn symbol_from_json(value: &Value) -> Result<SymbolUse, String> {
    let name = string(value, "name")?;
    let export = match value["module"].as_str() {
        None => None,
        Some(module) => {
            let crc = match value["crc"].as_str() {
                None => None,
                Some(text) => Some(
                    u32::from_str_radix(text.trim_start_matches("0x"), 16)
                        .map_err(|_| format!("symbol {name}: bad crc {text:?}"))?,
                ),
            };
            Some(Export {
                module: module.to_owned(),
                gpl: value["gpl"].as_bool().unwrap_or(false),
                namespace: optional_string(value, "namespace").unwrap_or_default(),
                crc,
            })
        }
    };
    Ok(SymbolUse {
        btf_type: optional_string(value, "type"),
        stable: value["stable"].as_bool(),
        export,
        name,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Record {
        Record {
            release: "7.3.4".into(),
            build_id: Some("e4f18d9d".into()),
            taken: "2025-11-29T14:35:00Z".into(),
            exports_from: vec!["/lib/modules/7.3.4/build/Module.symvers".into()],
            btf_from: Some("/sys/kernel/btf".into()),
            modules: vec![ModuleUse {
                name: "pl_caller_a".into(),
                role: Role::Consumer,
                file: "/lib/modules/7.3.4/extra/pl_caller_a.ko".into(),
                license: "GPL".into(),
                import_ns: vec![],
                depends: vec!["sample_lib".into()],
                interposable: vec!["sample_lib_compute".into()],
                interposers: vec!["interposer".into()],
                symbols: vec![
                    SymbolUse {
                        name: "_printk".into(),
                        export: Some(Export {
                            module: "vmlinux".into(),
                            gpl: false,
                            namespace: String::new(),
                            crc: Some(0x1234abcd),
                        }),
                        btf_type: Some("int (const char *, ...)".into()),
                        stable: Some(true),
                    },
                    SymbolUse {
                        name: "gone".into(),
                        export: None,
                        btf_type: None,
                        stable: None,
                    },
                ],
            }],
        }
    }

    #[test]
    fn records_round_trip_through_json() {
        let record = sample();
        let text = serde_json::to_string_pretty(&record.to_json()).unwrap();
        assert!(text.contains("\"crc\": \"0x1234abcd\""), "{text}");
        assert_eq!(Record::from_json(&text).unwrap(), record);
    }

    #[test]
    fn other_versions_and_files_are_refused() {
        let mut value = sample().to_json();
        value["version"] = json!(2);
        assert!(Record::from_json(&value.to_string())
            .unwrap_err()
            .starts_with("record version 2 is not supported"));
        assert!(Record::from_json("{}")
            .unwrap_err()
            .contains("not a preload ABI record"));
        assert!(Record::from_json("[").unwrap_err().starts_with("not JSON"));
        let mut value = sample().to_json();
        value["modules"][0]["role"] = json!("other");
        assert_eq!(
            Record::from_json(&value.to_string()).unwrap_err(),
            "module pl_caller_a: \"role\" is not interposer or consumer"
        );
    }
}
