//! The kernel checks: the running kernel's release and config, whether the
//! kernel enforces module signatures, a `preload.ko` (signed where it must
//! be) for every installed kernel, and the running kernel's headers.

use super::{Finding, Severity};
use crate::context::Context;
use crate::error::describe;
use crate::kernels::{self, Kernel};
use flate2::read::GzDecoder;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// The kernel versions preload accepts: a copy of `VERIFIED` in
/// `preload/internals.rs` (a test keeps them the same). preload refuses to
/// load on any other.
const VERIFIED: &[&str] = &["7.3.4", "7.2.13"];

/// The config options preload needs, each `=y`.
const NEEDED: &[&str] = &[
    "CONFIG_RUST",
    "CONFIG_MODULES",
    "CONFIG_MODULE_UNLOAD",
    "CONFIG_KALLSYMS_ALL",
    "CONFIG_KPROBES",
    "CONFIG_DYNAMIC_FTRACE",
    "CONFIG_STRICT_MODULE_RWX",
    "CONFIG_UNWINDER_ORC",
];

/// The EFI variable that says whether Secure Boot is on: 4 bytes of
/// attributes, then 1 for on.
const SECURE_BOOT_VAR: &str =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// The module parameter `module.sig_enforce`.
const SIG_ENFORCE: &str = "/sys/module/module/parameters/sig_enforce";

/// What a signed module ends with.
const SIGNATURE_MAGIC: &[u8] = b"~Module signature appended~\n";

/// What boots a kernel preload accepts, on Debian.
const BOOT_ACCEPTED: &str = "boot Linux 7.3.4 or 7.2.13 (on Debian trixie: apt install -t \
                             trixie-backports linux-image-7.3.4+deb13-amd64; on sid: \
                             linux-image-7.2.13+deb14-amd64)";

/// Checks the kernels; `loaded` says whether preload is loaded.
pub fn check(ctx: &Context, loaded: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    let release = match kernels::running_release(ctx) {
        Ok(release) => Some(release),
        Err(e) => {
            findings.push(Finding::failed("kernel-release", &e));
            None
        }
    };
    if let Some(release) = &release {
        findings.push(check_release(release, loaded));
        findings.extend(check_config(ctx, release));
    }
    let enforcement = Enforcement::read(ctx);
    findings.push(enforcement.finding());
    match kernels::installed(ctx, release.as_deref()) {
        Ok(installed) => {
            for kernel in &installed {
                findings.extend(check_module(kernel, &enforcement));
            }
        }
        Err(e) => findings.push(Finding::failed("module", &e)),
    }
    if let Some(release) = &release {
        findings.push(check_headers(ctx, release));
    }
    findings
}

/// The running kernel must be one preload accepts (it checks at load).
fn check_release(release: &str, loaded: bool) -> Finding {
    const CHECK: &str = "kernel-release";
    if let Some(version) = VERIFIED.iter().find(|v| is_version(release, v)) {
        return Finding::ok(
            CHECK,
            format!("kernel {release} is Linux {version}, which preload accepts"),
        );
    }
    if loaded {
        return Finding::ok(
            CHECK,
            format!(
                "kernel {release}: preload is loaded on it (this preloadctl knows Linux {})",
                VERIFIED.join(", ")
            ),
        );
    }
    let what = if release.starts_with("7.3.") || release.starts_with("7.2.") {
        format!(
            "preload's copies of the module loader's internals are those of Linux {}",
            VERIFIED.join(", ")
        )
    } else {
        "preload is for Rust-for-Linux 7.2 and 7.3 kernels".to_owned()
    };
    Finding::error(
        CHECK,
        format!("kernel {release}: {what}, and it refuses to load on this one"),
        BOOT_ACCEPTED,
    )
}

/// Whether `release` (`uname -r`) is kernel `version`, as preload judges it:
/// it starts with it, followed by no further digit or dot.
fn is_version(release: &str, version: &str) -> bool {
    release
        .strip_prefix(version)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit() || c == '.'))
}

/// The running kernel's config must have every option preload needs.
fn check_config(ctx: &Context, release: &str) -> Vec<Finding> {
    const CHECK: &str = "kernel-config";
    let boot = ctx.under(&format!("/boot/config-{release}"));
    let proc = ctx.proc.dir().join("config.gz");
    let read = match fs::read(&boot) {
        Ok(text) => Ok((text, &boot)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::File::open(&proc) {
            Ok(file) => {
                let mut text = Vec::new();
                GzDecoder::new(file)
                    .read_to_end(&mut text)
                    .map(|_| (text, &proc))
                    .map_err(|e| (proc.clone(), e))
            }
            Err(e) => Err((proc.clone(), e)),
        },
        Err(e) => Err((boot.clone(), e)),
    };
    let (text, path) = match read {
        Ok(read) => read,
        Err((path, e)) => {
            let why = if e.kind() == io::ErrorKind::NotFound {
                format!("neither {} nor {} exists", boot.display(), path.display())
            } else {
                format!("{}: cannot read: {}", path.display(), describe(&e))
            };
            return vec![Finding::warning(
                CHECK,
                format!("cannot tell whether kernel {release} has what preload needs: {why}"),
                format!(
                    "check that its config has {}=y, or install it as /boot/config-{release}",
                    NEEDED.join("=y, ")
                ),
            )];
        }
    };
    let options = parse_config(&String::from_utf8_lossy(&text));
    let missing: Vec<Finding> = NEEDED
        .iter()
        .filter(|name| options.get(**name).map(String::as_str) != Some("y"))
        .map(|name| {
            let has = match options.get(*name) {
                Some(value) => format!("{name}={value}"),
                None => format!("no {name}"),
            };
            Finding::error(
                CHECK,
                format!("kernel {release} has {has} ({}); preload needs {name}=y", path.display()),
                format!(
                    "boot a kernel built with {name}=y (docs/install.md, \"Building against your own kernel\")"
                ),
            )
        })
        .collect();
    if missing.is_empty() {
        return vec![Finding::ok(
            CHECK,
            format!(
                "kernel {release} has {}=y ({})",
                NEEDED.join("=y, "),
                path.display()
            ),
        )];
    }
    missing
}

/// The options a kernel config sets, with their values (`y`, `m`, `"..."`).
fn parse_config(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.trim().split_once('=')?;
            name.starts_with("CONFIG_")
                .then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Whether the kernels enforce module signatures: Secure Boot (from the
/// EFI variable) for every kernel, and `module.sig_enforce` for the
/// running one.
struct Enforcement {
    /// Secure Boot's state, or why it cannot be told.
    secure_boot: Result<bool, String>,
    /// Whether the running kernel enforces signatures regardless.
    sig_enforce: bool,
}

impl Enforcement {
    fn read(ctx: &Context) -> Enforcement {
        let var = ctx.under(SECURE_BOOT_VAR);
        let secure_boot = match fs::read(&var) {
            Ok(bytes) if bytes.len() >= 5 => Ok(bytes[4] == 1),
            Ok(bytes) => Err(format!(
                "{} has {} bytes, not 5",
                var.display(),
                bytes.len()
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(format!("no EFI variable {}", var.display()))
            }
            Err(e) => Err(format!("{}: cannot read: {}", var.display(), describe(&e))),
        };
        let sig_enforce =
            fs::read_to_string(ctx.under(SIG_ENFORCE)).is_ok_and(|value| value.trim() == "Y");
        Enforcement {
            secure_boot,
            sig_enforce,
        }
    }

    /// Whether `kernel` will refuse an unsigned module, if it can be told.
    fn enforced(&self, kernel: &Kernel) -> Option<bool> {
        if kernel.running && self.sig_enforce {
            return Some(true);
        }
        self.secure_boot.as_ref().ok().copied()
    }

    /// A note saying what it is.
    fn finding(&self) -> Finding {
        let secure_boot = match &self.secure_boot {
            Ok(true) => {
                "Secure Boot is on: the kernel loads only modules signed with a key it trusts"
                    .to_owned()
            }
            Ok(false) => "Secure Boot is off".to_owned(),
            Err(why) => format!("cannot tell whether Secure Boot is on ({why})"),
        };
        let enforce = if self.sig_enforce {
            "; module.sig_enforce=1: the running kernel loads only signed modules"
        } else {
            ""
        };
        Finding::ok("secure-boot", format!("{secure_boot}{enforce}"))
    }
}

/// Whether a module file is signed.
enum Signed {
    Yes,
    No,
    /// Cannot tell, and why.
    Unknown(String),
}

/// Reads whether the module at `path` has a signature appended; a
/// compressed one cannot tell.
fn signed(path: &Path) -> Signed {
    if path.extension().is_none_or(|ext| ext != "ko") {
        return Signed::Unknown("it is compressed".into());
    }
    let read = || -> io::Result<bool> {
        let mut file = fs::File::open(path)?;
        let len = file.metadata()?.len();
        let magic = SIGNATURE_MAGIC.len() as u64;
        if len < magic {
            return Ok(false);
        }
        file.seek(SeekFrom::Start(len - magic))?;
        let mut tail = vec![0; SIGNATURE_MAGIC.len()];
        file.read_exact(&mut tail)?;
        Ok(tail == SIGNATURE_MAGIC)
    };
    match read() {
        Ok(true) => Signed::Yes,
        Ok(false) => Signed::No,
        Err(e) => Signed::Unknown(format!("cannot read it: {}", describe(&e))),
    }
}

/// Every kernel needs a `preload.ko`, signed if the kernel enforces
/// signatures: without it preload does not load after booting that kernel.
/// The running kernel's problems are errors, the others' warnings.
fn check_module(kernel: &Kernel, enforcement: &Enforcement) -> Vec<Finding> {
    let release = &kernel.release;
    let (which, severity) = if kernel.running {
        ("running", Severity::Error)
    } else {
        ("installed", Severity::Warning)
    };
    let Some(path) = &kernel.module else {
        let after = if kernel.running {
            "preload cannot load"
        } else {
            "preload will not load after booting it"
        };
        return vec![Finding::error(
            "module",
            format!("no preload.ko for kernel {release} ({which}): {after}"),
            format!(
                "apt install preload-modules-{release}, or build and install it: make modules \
                 KDIR=/lib/modules/{release}/build && install -D -m0644 \
                 build/custom/modules/preload/preload.ko /lib/modules/{release}/updates/preload.ko \
                 && depmod -a {release}"
            ),
        )
        .with_severity(severity)];
    };
    let shown = path.display();
    let mut findings = vec![Finding::ok(
        "module",
        format!("kernel {release} ({which}) has {shown}"),
    )];
    const CHECK: &str = "signature";
    let sign = format!(
        "sign it with a key the kernel trusts (enrolled with mokutil --import): \
         /lib/modules/{release}/build/scripts/sign-file sha256 MOK.priv MOK.der {shown} \
         (docs/install.md, \"Signing, for Secure Boot\")"
    );
    let enforced = enforcement.enforced(kernel);
    findings.push(match (signed(path), enforced) {
        (Signed::Yes, _) => Finding::ok(CHECK, format!("{shown} is signed")),
        (Signed::No, Some(true)) => Finding::error(
            CHECK,
            format!("{shown} is not signed, and kernel {release} enforces signatures: it refuses to load it"),
            sign,
        )
        .with_severity(severity),
        (Signed::No, Some(false)) => Finding::ok(
            CHECK,
            format!("{shown} is not signed; signatures are not enforced (it loads, tainting the kernel)"),
        ),
        (Signed::No, None) => Finding::warning(
            CHECK,
            format!("{shown} is not signed, and whether Secure Boot is on cannot be told: if it is, kernel {release} refuses to load it"),
            sign,
        ),
        (Signed::Unknown(why), Some(false)) => Finding::ok(
            CHECK,
            format!("cannot tell whether {shown} is signed ({why}); signatures are not enforced"),
        ),
        (Signed::Unknown(why), _) => Finding::warning(
            CHECK,
            format!("cannot tell whether {shown} is signed ({why}), and kernel {release} may enforce signatures"),
            format!("check that modinfo -F signer {shown} names a key the kernel trusts; if it names none, {sign}"),
        ),
    });
    findings
}

/// `abi` needs the running kernel's `Module.symvers`, from its headers.
fn check_headers(ctx: &Context, release: &str) -> Finding {
    const CHECK: &str = "headers";
    let symvers = ctx.under(&format!("/lib/modules/{release}/build/Module.symvers"));
    if symvers.exists() {
        Finding::ok(
            CHECK,
            format!("{} exists: preloadctl abi can run", symvers.display()),
        )
    } else {
        Finding::warning(
            CHECK,
            format!(
                "no {}: preloadctl abi snapshot and abi check cannot run",
                symvers.display()
            ),
            format!("apt install linux-headers-{release}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_versions_are_preloads_own() {
        let internals = include_str!("../../../preload/internals.rs");
        let quoted: Vec<String> = VERIFIED.iter().map(|v| format!("{v:?}")).collect();
        let line = format!("const VERIFIED: &[&str] = &[{}];", quoted.join(", "));
        assert!(internals.contains(&line), "{line}");
    }

    #[test]
    fn releases_are_judged_as_preload_judges_them() {
        assert!(is_version("7.3.4", "7.3.4"));
        assert!(is_version("7.3.4+deb13-amd64", "7.3.4"));
        assert!(is_version("7.3.4-rc1", "7.3.4"));
        assert!(!is_version("7.3.40", "7.3.4"));
        assert!(!is_version("7.3.4.1", "7.3.4"));
        assert!(!is_version("7.3.3", "7.3.4"));
        assert_eq!(check_release("7.3.4", false).severity, Severity::Ok);
        assert_eq!(check_release("7.3.9", true).severity, Severity::Ok);
        let refused = check_release("7.3.9", false);
        assert_eq!(refused.severity, Severity::Error);
        assert!(
            refused.message.contains("those of Linux 7.3.4, 7.2.13"),
            "{refused:?}"
        );
        assert_eq!(
            check_release("7.2.13+deb14-amd64", false).severity,
            Severity::Ok
        );
        assert_eq!(check_release("7.2.12", false).severity, Severity::Error);
        let other = check_release("6.12.0-31-amd64", false);
        assert!(
            other.message.contains("Rust-for-Linux 7.2 and 7.3"),
            "{other:?}"
        );
    }

    #[test]
    fn config_lines_parse() {
        let options = parse_config(
            "#\n# comment\nCONFIG_RUST=y\n# CONFIG_KPROBES is not set\nCONFIG_MODULES=m\n\
             CONFIG_LOCALVERSION=\"-x\"\n",
        );
        assert_eq!(options.get("CONFIG_RUST").map(String::as_str), Some("y"));
        assert_eq!(options.get("CONFIG_MODULES").map(String::as_str), Some("m"));
        assert_eq!(options.get("CONFIG_KPROBES"), None);
        assert_eq!(options.len(), 3);
    }
}
