//! What one kernel says about symbols: the running kernel (its release, its
//! build id, `/sys/kernel/btf/*`) or a target kernel given by a build or
//! headers directory or by an installed `/lib/modules/RELEASE`.
//!
//! The export information (exporting module, GPL-only, namespace, CRC) of
//! `vmlinux` comes from the kernel's `Module.symvers`: a running kernel does
//! not show it (see the README), so it is required. Exports of modules that
//! are not in it (out-of-tree libraries) are read from their module files.
//! Types come from BTF: `vmlinux`'s, and each module's, split on top of it.

use super::btf::{self, Btf};
use super::elf::{u32_at, Elf};
use super::ko::ModuleFile;
use super::symvers::{self, Export, Symvers};
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::modules::Installed;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What the comparison needs to know about the target kernel (a trait so
/// that the comparison is tested on its own).
pub trait Exports {
    /// The export of `symbol`: `Module.symvers`, else the module files of
    /// `candidates` (the modules the user depends on).
    fn export(&self, symbol: &str, candidates: &[String]) -> Result<Option<Export>, Error>;
    /// Whether the kernel says anything about `module`'s exports, so that a
    /// symbol missing from them has really disappeared.
    fn knows(&self, module: &str) -> Result<bool, Error>;
    /// The BTF type of `symbol` exported by `module`, if BTF describes it.
    fn type_of(&self, symbol: &str, module: &str) -> Result<Option<String>, Error>;
}

/// A kernel and where its information comes from.
pub struct Kernel {
    /// Its release (`uname -r`).
    pub release: String,
    /// Its GNU build id, for the running kernel.
    pub build_id: Option<String>,
    /// Where the export information comes from.
    pub exports_from: Vec<String>,
    /// Where BTF comes from, if there is any.
    pub btf_from: Option<String>,
    /// What could not be found (no BTF, no modules), for the output.
    pub notes: Vec<String>,
    symvers: Symvers,
    symvers_modules: BTreeSet<String>,
    vmlinux_btf: Option<Rc<Btf>>,
    /// `/sys/kernel/btf` for the running kernel.
    module_btf_dir: Option<PathBuf>,
    installed: Option<Installed>,
    files: RefCell<HashMap<String, Option<Rc<ModuleFile>>>>,
    module_btf: RefCell<HashMap<String, Option<Rc<Btf>>>>,
}

impl Kernel {
    /// The running kernel: `Module.symvers` from `build` (default: the
    /// modules directory's `build/`), BTF from `/sys/kernel/btf`.
    pub fn running(ctx: &Context, build: Option<&Path>) -> Result<Kernel, Error> {
        let osrelease = ctx.proc.dir().join("sys/kernel/osrelease");
        let release = fs::read_to_string(&osrelease)
            .map_err(|e| Error::io("cannot read", &osrelease, &e))?
            .trim()
            .to_owned();
        let modules_dir = ctx.modules_dir()?;
        let build = build.map_or_else(|| modules_dir.join("build"), Path::to_owned);
        let btf_dir = ctx.sys_dir.join("kernel/btf");
        let mut kernel = Kernel::new(release, &build, Some(&modules_dir))?;
        kernel.build_id = read_build_id(&ctx.sys_dir.join("kernel/notes"));
        match read_btf_file(&btf_dir.join("vmlinux"))? {
            Some(btf) => {
                kernel.vmlinux_btf = Some(Rc::new(btf));
                kernel.btf_from = Some(btf_dir.display().to_string());
                kernel.module_btf_dir = Some(btf_dir);
            }
            None => kernel.notes.push(format!(
                "no BTF: {} does not exist (CONFIG_DEBUG_INFO_BTF is off); types are not recorded",
                btf_dir.join("vmlinux").display()
            )),
        }
        Ok(kernel)
    }

    /// A target kernel: an existing directory (a build or headers directory
    /// with `Module.symvers`, or a modules directory with `build/`), or a
    /// release, whose modules directory is next to the running kernel's.
    pub fn target(ctx: &Context, spec: &str) -> Result<Kernel, Error> {
        let dir = Path::new(spec);
        let (release, build, modules) = if dir.is_dir() {
            if dir.join("build").is_dir() || dir.join("modules.dep").is_file() {
                let release = read_release(&dir.join("build")).unwrap_or_else(|| base_name(dir));
                (release, dir.join("build"), Some(dir.to_owned()))
            } else {
                (
                    read_release(dir).unwrap_or_else(|| base_name(dir)),
                    dir.to_owned(),
                    None,
                )
            }
        } else if spec.contains('/') {
            return Err(Error::new(Exit::System, format!("{spec}: not a directory")));
        } else {
            let root = ctx.modules_dir()?;
            let root = root.parent().unwrap_or(Path::new("/lib/modules"));
            let modules = root.join(spec);
            if !modules.is_dir() {
                return Err(Error::new(
                    Exit::System,
                    format!(
                        "kernel {spec}: {} does not exist (give a build or headers directory instead)",
                        modules.display()
                    ),
                ));
            }
            (spec.to_owned(), modules.join("build"), Some(modules))
        };
        let mut kernel = Kernel::new(release, &build, modules.as_deref())?;
        let vmlinux = build.join("vmlinux");
        match read_btf_file(&vmlinux)? {
            Some(btf) => {
                kernel.vmlinux_btf = Some(Rc::new(btf));
                kernel.btf_from = Some(vmlinux.display().to_string());
            }
            None => kernel.notes.push(format!(
                "no BTF: {} {} (CONFIG_DEBUG_INFO_BTF off, or not in this directory); types are not compared",
                vmlinux.display(),
                if vmlinux.exists() { "has no .BTF section" } else { "does not exist" }
            )),
        }
        Ok(kernel)
    }

    fn new(release: String, build: &Path, modules: Option<&Path>) -> Result<Kernel, Error> {
        let path = build.join("Module.symvers");
        let text = fs::read_to_string(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::new(
                Exit::System,
                format!(
                    "{}: does not exist; the export information of kernel {release} (module, \
                     GPL-only, namespace, CRC) is only in its Module.symvers: install its \
                     headers (linux-headers-{release}) or give its build directory with --kernel",
                    path.display()
                ),
            ),
            _ => Error::io("cannot read", &path, &e),
        })?;
        let symvers = symvers::parse(&text).map_err(|(line, why)| {
            Error::new(Exit::System, format!("{}:{line}: {why}", path.display()))
        })?;
        let mut exports_from = vec![path.display().to_string()];
        let installed = match modules {
            Some(dir) if dir.is_dir() => {
                exports_from.push(format!("module files under {}", dir.display()));
                Some(Installed::scan(dir)?)
            }
            _ => None,
        };
        let mut notes = Vec::new();
        if installed.is_none() {
            notes.push(format!(
                "no modules directory: exports of modules not in {} are not known",
                path.display()
            ));
        }
        Ok(Kernel {
            release,
            build_id: None,
            exports_from,
            btf_from: None,
            notes,
            symvers_modules: symvers.values().map(|e| e.module.clone()).collect(),
            symvers,
            vmlinux_btf: None,
            module_btf_dir: None,
            installed,
            files: RefCell::default(),
            module_btf: RefCell::default(),
        })
    }

    /// The module file of `name` under the modules directory, read once.
    pub fn module_file(&self, name: &str) -> Result<Option<Rc<ModuleFile>>, Error> {
        if let Some(file) = self.files.borrow().get(name) {
            return Ok(file.clone());
        }
        let path = self
            .installed
            .as_ref()
            .and_then(|i| i.file(name))
            .filter(|p| !p.as_os_str().is_empty());
        let file = match path {
            Some(path) => Some(Rc::new(ModuleFile::read(path)?)),
            None => None,
        };
        self.files
            .borrow_mut()
            .insert(name.to_owned(), file.clone());
        Ok(file)
    }

    /// `module`'s BTF: `/sys/kernel/btf/MODULE` for the running kernel, else
    /// its module file's `.BTF` (on its `.BTF.base`, or on `vmlinux`'s).
    fn module_btf(&self, module: &str) -> Result<Option<Rc<Btf>>, Error> {
        if let Some(btf) = self.module_btf.borrow().get(module) {
            return Ok(btf.clone());
        }
        let mut btf = None;
        if let (Some(dir), Some(base)) = (&self.module_btf_dir, &self.vmlinux_btf) {
            let path = dir.join(module);
            if let Some(data) = read_optional(&path)? {
                btf =
                    Some(Btf::parse(&data, Some(base.clone())).map_err(|e| btf_error(&path, &e))?);
            }
        }
        if btf.is_none() {
            if let Some(file) = self.module_file(module)? {
                let base = match &file.btf_base {
                    Some(data) => Some(Rc::new(
                        Btf::parse(data, None).map_err(|e| btf_error(&file.path, &e))?,
                    )),
                    None => self.vmlinux_btf.clone(),
                };
                if let (Some(data), Some(base)) = (&file.btf, base) {
                    btf =
                        Some(Btf::parse(data, Some(base)).map_err(|e| btf_error(&file.path, &e))?);
                }
            }
        }
        let btf = btf.map(Rc::new);
        self.module_btf
            .borrow_mut()
            .insert(module.to_owned(), btf.clone());
        Ok(btf)
    }
}

impl Exports for Kernel {
    fn export(&self, symbol: &str, candidates: &[String]) -> Result<Option<Export>, Error> {
        if let Some(export) = self.symvers.get(symbol) {
            return Ok(Some(export.clone()));
        }
        for module in candidates {
            if let Some(export) = self
                .module_file(module)?
                .and_then(|file| file.exports.get(symbol).cloned())
            {
                return Ok(Some(export));
            }
        }
        Ok(None)
    }

    fn knows(&self, module: &str) -> Result<bool, Error> {
        Ok(module == "vmlinux"
            || self.symvers_modules.contains(module)
            || self.module_file(module)?.is_some())
    }

    fn type_of(&self, symbol: &str, module: &str) -> Result<Option<String>, Error> {
        if module == "vmlinux" {
            return Ok(self.vmlinux_btf.as_ref().and_then(|b| b.type_of(symbol)));
        }
        Ok(self.module_btf(module)?.and_then(|b| b.type_of(symbol)))
    }
}

fn btf_error(path: &Path, e: &btf::BtfError) -> Error {
    Error::new(Exit::System, format!("{}: bad BTF: {e}", path.display()))
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read", path, &e)),
    }
}

/// Reads BTF from raw BTF (`/sys/kernel/btf/vmlinux`) or from an ELF
/// file's `.BTF` section (`vmlinux`); `None` if the file does not exist or
/// has no `.BTF` section.
pub fn read_btf_file(path: &Path) -> Result<Option<Btf>, Error> {
    let Some(data) = read_optional(path)? else {
        return Ok(None);
    };
    let raw = if data.starts_with(&btf::MAGIC.to_le_bytes()) {
        data.as_slice()
    } else {
        let elf = Elf::parse(&data)
            .map_err(|e| Error::new(Exit::System, format!("{}: {e}", path.display())))?;
        match elf
            .section(".BTF")
            .map_err(|e| Error::new(Exit::System, format!("{}: {e}", path.display())))?
        {
            Some(section) => {
                return Btf::parse(section, None)
                    .map(Some)
                    .map_err(|e| btf_error(path, &e))
            }
            None => return Ok(None),
        }
    };
    Btf::parse(raw, None)
        .map(Some)
        .map_err(|e| btf_error(path, &e))
}

/// The GNU build id (`NT_GNU_BUILD_ID`) among the ELF notes of `path`.
pub fn read_build_id(path: &Path) -> Option<String> {
    let notes = fs::read(path).ok()?;
    let mut at = 0usize;
    let align = |n: usize| n.checked_add(3).map(|n| n & !3);
    while at + 12 <= notes.len() {
        let namesz = u32_at(&notes, at)? as usize;
        let descsz = u32_at(&notes, at + 4)? as usize;
        let kind = u32_at(&notes, at + 8)?;
        let name_at = at + 12;
        let desc_at = name_at.checked_add(align(namesz)?)?;
        let end = desc_at.checked_add(align(descsz)?)?;
        if kind == 3 && notes.get(name_at..name_at + namesz)? == b"GNU\0" {
            let desc = notes.get(desc_at..desc_at + descsz)?;
            return Some(desc.iter().map(|b| format!("{b:02x}")).collect());
        }
        at = end;
    }
    None
}

/// The release a build directory was made for (`include/config/kernel.release`).
fn read_release(build: &Path) -> Option<String> {
    let text = fs::read_to_string(build.join("include/config/kernel.release")).ok()?;
    Some(text.trim().to_owned()).filter(|r| !r.is_empty())
}

fn base_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_id_is_read_from_the_notes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes");
        let mut notes = Vec::new();
        // A Xen note first, then the GNU build id.
        for (name, kind, desc) in [
            (&b"Xen\0"[..], 6u32, &[1u8, 2][..]),
            (b"GNU\0", 3, &[0xe4, 0xf1, 0x8d]),
        ] {
            notes.extend((name.len() as u32).to_le_bytes());
            notes.extend((desc.len() as u32).to_le_bytes());
            notes.extend(kind.to_le_bytes());
            notes.extend(name);
            notes.extend(desc);
            notes.resize(notes.len().next_multiple_of(4), 0);
        }
        fs::write(&path, &notes).unwrap();
        assert_eq!(read_build_id(&path).as_deref(), Some("e4f18d"));
        fs::write(&path, &notes[..20]).unwrap();
        assert_eq!(read_build_id(&path), None);
    }
}
