//! A module file (`NAME.ko`, or compressed `.ko.xz`, `.ko.zst`, `.ko.gz`):
//! its `.modinfo`, the symbols it imports, the symbols it exports and its
//! BTF.

use super::elf::{c_str, u32_at, Elf};
use super::symvers::Export;
use crate::error::{Error, Exit};
use preload_deps::interpose::{self, modinfo_values};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `KSYM_FLAG_GPL_ONLY` in a `__kflagstab` byte (7.2's and 7.3's `module_symbol.h`).
const KSYM_FLAG_GPL_ONLY: u8 = 1;

/// What preloadctl reads from a module file.
#[derive(Debug, Default)]
pub struct ModuleFile {
    /// Where it was read from.
    pub path: PathBuf,
    modinfo: Vec<u8>,
    /// The global symbols it uses and does not define, sorted.
    pub undefined: Vec<String>,
    /// The symbols it exports.
    pub exports: HashMap<String, Export>,
    /// Its `.BTF` section: split BTF on top of `btf_base`, or on top of
    /// `vmlinux`'s BTF if there is no `.BTF.base`.
    pub btf: Option<Vec<u8>>,
    /// Its `.BTF.base` section: the distilled base its BTF was made against.
    pub btf_base: Option<Vec<u8>>,
}

impl ModuleFile {
    /// Reads the module file at `path`, decompressing it with `xz`, `zstd`
    /// or `gzip` if its name says it is compressed.
    pub fn read(path: &Path) -> Result<ModuleFile, Error> {
        let data = read_maybe_compressed(path)?;
        let fail = |why: String| Error::new(Exit::System, format!("{}: {why}", path.display()));
        let elf = Elf::parse(&data).map_err(|e| fail(e.to_string()))?;
        let section = |name: &str| {
            elf.section(name)
                .map(|s| s.map(<[u8]>::to_vec))
                .map_err(|e| fail(e.to_string()))
        };
        Ok(ModuleFile {
            path: path.to_owned(),
            modinfo: section(".modinfo")?.unwrap_or_default(),
            undefined: elf.undefined().map_err(|e| fail(e.to_string()))?,
            exports: exports(&elf, &module_stem(path)).map_err(|e| fail(e.to_string()))?,
            btf: section(".BTF")?,
            btf_base: section(".BTF.base")?,
        })
    }

    /// The values of every `key=` entry of its `.modinfo`.
    pub fn modinfo(&self, key: &str) -> Vec<String> {
        modinfo_values(&self.modinfo, key.as_bytes())
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    /// Its license (`MODULE_LICENSE`), empty if it has none.
    pub fn license(&self) -> String {
        self.modinfo("license")
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// The modules it depends on (modinfo `depends=`, written by modpost).
    pub fn depends(&self) -> Vec<String> {
        self.modinfo("depends")
            .iter()
            .flat_map(|v| v.split(','))
            .filter(|m| !m.is_empty())
            .map(crate::modules::canonical)
            .collect()
    }

    /// The namespaces it imports (`MODULE_IMPORT_NS`).
    pub fn import_ns(&self) -> Vec<String> {
        self.modinfo("import_ns")
    }

    /// The symbols it flags with `PRELOAD_INTERPOSABLE` (strict mode's list).
    pub fn interposable(&self) -> Vec<String> {
        let mut symbols: Vec<String> = self
            .modinfo(std::str::from_utf8(interpose::INTERPOSABLE_KEY).unwrap_or("interposable"))
            .iter()
            .flat_map(|v| v.split([' ', '\t', ',']))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        symbols.sort();
        symbols.dedup();
        symbols
    }

    /// The originals it redefines (`PRELOAD_INTERPOSE`), and one message per
    /// malformed declaration.
    pub fn redefinitions(&self) -> (Vec<String>, Vec<String>) {
        let (mut originals, mut problems) = (Vec::new(), Vec::new());
        for value in modinfo_values(&self.modinfo, interpose::INTERPOSE_KEY) {
            match interpose::parse_redefinition(value) {
                Ok(r) => originals.push(String::from_utf8_lossy(r.original).into_owned()),
                Err(e) => problems.push(format!(
                    "{}: modinfo \"interpose={}\": {e}",
                    self.path.display(),
                    String::from_utf8_lossy(value)
                )),
            }
        }
        originals.sort();
        originals.dedup();
        (originals, problems)
    }
}

/// The module name of a file: `foo-bar.ko.xz` is `foo_bar`.
fn module_stem(path: &Path) -> String {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    let stem = file.split(".ko").next().unwrap_or(file);
    crate::modules::canonical(stem)
}

fn read_maybe_compressed(path: &Path) -> Result<Vec<u8>, Error> {
    let name = path.to_string_lossy();
    let tool = [(".xz", "xz"), (".zst", "zstd"), (".gz", "gzip")]
        .into_iter()
        .find(|(ext, _)| name.ends_with(ext))
        .map(|(_, tool)| tool);
    let Some(tool) = tool else {
        return fs::read(path).map_err(|e| Error::io("cannot read", path, &e));
    };
    let output = Command::new(tool)
        .args(["-d", "-c", "--"])
        .arg(path)
        .output()
        .map_err(|e| Error::io(&format!("cannot run {tool} to decompress it"), path, &e))?;
    if !output.status.success() {
        return Err(Error::new(
            Exit::System,
            format!(
                "{}: {tool} cannot decompress it: {}",
                path.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        ));
    }
    Ok(output.stdout)
}

/// The exports of a module file, from the symbols modpost's `KSYMTAB` and
/// `SYMBOL_FLAGS` macros leave in it: `__ksymtab_NAME` (exported),
/// `__kstrtabns_NAME` (its namespace string), `__flags_NAME` (a byte with
/// `KSYM_FLAG_GPL_ONLY`; in kernels older than 7.2, a `__ksymtab_gpl` section) and
/// `__crc_NAME` (with `MODVERSIONS`).
fn exports(elf: &Elf<'_>, module: &str) -> Result<HashMap<String, Export>, super::elf::ElfError> {
    let symbols = elf.symbols()?;
    let by_name: HashMap<&str, &super::elf::Symbol> =
        symbols.iter().map(|s| (s.name.as_str(), s)).collect();
    let bytes_at = |name: &str| -> Result<Option<(&str, &[u8])>, super::elf::ElfError> {
        let Some(symbol) = by_name.get(name) else {
            return Ok(None);
        };
        Ok(elf
            .section_at(symbol.section)?
            .map(|(section, bytes)| (section, bytes.get(symbol.value as usize..).unwrap_or(&[]))))
    };
    let mut exports = HashMap::new();
    for symbol in &symbols {
        let Some(name) = symbol.name.strip_prefix("__ksymtab_") else {
            continue;
        };
        if symbol.section == 0 || name == "strings" || name == "gpl" {
            continue;
        }
        let gpl = match bytes_at(&format!("__flags_{name}"))? {
            Some((_, bytes)) => bytes.first().is_some_and(|f| f & KSYM_FLAG_GPL_ONLY != 0),
            None => bytes_at(&symbol.name)?.is_some_and(|(section, _)| section == "__ksymtab_gpl"),
        };
        let namespace = bytes_at(&format!("__kstrtabns_{name}"))?
            .and_then(|(_, bytes)| c_str(bytes, 0))
            .unwrap_or("")
            .to_owned();
        let crc = bytes_at(&format!("__crc_{name}"))?
            .and_then(|(_, bytes)| u32_at(bytes, 0))
            .filter(|&crc| crc != 0);
        exports.insert(
            name.to_owned(),
            Export {
                module: module.to_owned(),
                gpl,
                namespace,
                crc,
            },
        );
    }
    Ok(exports)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::elf::tests::build;
    use super::*;

    /// A module file exporting `name` (GPL-only or not, in `namespace`,
    /// with `crc`) the way 7.3's modpost lays it out.
    pub(crate) fn exporter(
        exports: &[(&str, bool, &str, u32)],
        modinfo: &str,
        btf: &[u8],
    ) -> Vec<u8> {
        let mut strings = Vec::new();
        let mut flags = Vec::new();
        let mut crcs = Vec::new();
        let mut symbols = Vec::new();
        for (i, &(name, gpl, ns, crc)) in exports.iter().enumerate() {
            symbols.push((format!("__ksymtab_{name}"), 1, 12 * i as u64, 0));
            symbols.push((format!("__kstrtab_{name}"), 2, strings.len() as u64, 0));
            strings.extend(name.as_bytes());
            strings.push(0);
            symbols.push((format!("__kstrtabns_{name}"), 2, strings.len() as u64, 0));
            strings.extend(ns.as_bytes());
            strings.push(0);
            symbols.push((format!("__flags_{name}"), 3, flags.len() as u64, 0));
            flags.push(u8::from(gpl));
            symbols.push((format!("__crc_{name}"), 4, crcs.len() as u64, 0));
            crcs.extend(crc.to_le_bytes());
            symbols.push((name.to_owned(), 5, 0, 1));
        }
        let ksymtab = vec![0u8; 12 * exports.len()];
        let symbols: Vec<(&str, u16, u64, u8)> = symbols
            .iter()
            .map(|(n, s, v, b)| (n.as_str(), *s, *v, *b))
            .collect();
        let mut sections: Vec<(&str, &[u8])> = vec![
            ("__ksymtab", &ksymtab),
            ("__ksymtab_strings", &strings),
            ("__kflagstab", &flags),
            ("__kcrctab", &crcs),
            (".text", b"\xc3"),
            (".modinfo", modinfo.as_bytes()),
        ];
        if !btf.is_empty() {
            sections.push((".BTF", btf));
        }
        build(&sections, &symbols)
    }

    #[test]
    fn exports_flags_namespaces_and_crcs_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample-lib.ko");
        let modinfo =
            "license=GPL\0depends=a,b-c\0import_ns=USB\0interposable=x y,z\0interposable=w\0\
                       interpose=orig:repl\0interpose=bad\0";
        fs::write(
            &path,
            exporter(
                &[("plain", false, "", 0), ("gpl_ns", true, "FOO", 0xdeadbeef)],
                modinfo,
                b"",
            ),
        )
        .unwrap();
        let file = ModuleFile::read(&path).unwrap();
        assert_eq!(
            file.exports["plain"],
            Export {
                module: "sample_lib".into(),
                gpl: false,
                namespace: String::new(),
                crc: None
            }
        );
        assert_eq!(
            file.exports["gpl_ns"],
            Export {
                module: "sample_lib".into(),
                gpl: true,
                namespace: "FOO".into(),
                crc: Some(0xdeadbeef)
            }
        );
        assert_eq!(file.exports.len(), 2);
        assert_eq!(file.license(), "GPL");
        assert_eq!(file.depends(), ["a", "b_c"]);
        assert_eq!(file.import_ns(), ["USB"]);
        assert_eq!(file.interposable(), ["w", "x", "y", "z"]);
        let (originals, problems) = file.redefinitions();
        assert_eq!(originals, ["orig"]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].ends_with("modinfo \"interpose=bad\": expected ORIGINAL:REPLACEMENT"));
        assert!(file.btf.is_none());
    }

    #[test]
    fn unreadable_files_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.ko");
        fs::write(&path, "not elf").unwrap();
        let err = ModuleFile::read(&path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: not an ELF file", path.display())
        );
    }
}
