//! A bundle's signature: `manifest.json.sig` next to the manifest, an SSH
//! signature of it (`ssh-keygen -Y sign -n preload-bundle -f KEY
//! manifest.json`) by a key that a file in `/etc/preloadctl/trusted.d/`
//! allows (allowed-signers files, as `ssh-keygen(1)` reads them). The
//! manifest names every other file with its sha256, so the signature covers
//! the whole bundle. ssh-keygen checks it (Debian's openssh-client).

use super::veto::Veto;
use crate::error::describe;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// The signature's file name, next to the manifest.
pub const SIGNATURE: &str = "manifest.json.sig";
/// The namespace the signature is made for (`ssh-keygen -n`), so that a
/// signature the same key made for something else is not taken for one.
pub const NAMESPACE: &str = "preload-bundle";

/// What the check found, when it does not veto.
#[derive(Debug, PartialEq, Eq)]
pub enum Signed {
    /// By this principal (the allowed-signers name of the key).
    By(String),
    /// Not checked: the bundle has no signature, or this machine trusts no
    /// key, and `--allow-unsigned` accepts that. Says which.
    Unchecked(String),
}

/// Checks the signature of `manifest` (the manifest's bytes as read) in the
/// bundle directory `dir` against the keys in `trusted`; `scratch` is a
/// directory for the allowed-signers file put together from them. A
/// missing, unknown or wrong signature is a `bad-signature` veto, but for
/// the missing one (or no trusted key) when `allow_unsigned`.
pub fn check(
    dir: &Path,
    manifest: &[u8],
    trusted: &Path,
    scratch: &Path,
    allow_unsigned: bool,
) -> Result<Signed, Veto> {
    let veto = |detail: String| Veto::new("bad-signature", SIGNATURE, detail);
    let signature = dir.join(SIGNATURE);
    if !signature.exists() {
        return if allow_unsigned {
            Ok(Signed::Unchecked("the bundle is not signed".into()))
        } else {
            Err(veto(format!(
                "the bundle has no {SIGNATURE} (sign the manifest with `ssh-keygen -Y sign -n \
                 {NAMESPACE} -f KEY manifest.json`, or accept unsigned bundles with prepare \
                 --allow-unsigned)"
            )))
        };
    }
    let allowed = scratch.join("allowed_signers");
    let keys = allowed_signers(trusted, &allowed)
        .map_err(|e| veto(format!("{}: {}", trusted.display(), describe(&e))))?;
    if keys == 0 {
        let why = format!(
            "no trusted key in {} to check {SIGNATURE} with",
            trusted.display()
        );
        return if allow_unsigned {
            Ok(Signed::Unchecked(why))
        } else {
            Err(veto(format!(
                "{why} (add an allowed-signers file there, or accept unchecked bundles with \
                 prepare --allow-unsigned)"
            )))
        };
    }
    let principals = ssh_keygen(&["-Y", "find-principals", "-f"], &allowed, &signature, None)
        .map_err(|why| {
            veto(format!(
                "{SIGNATURE} is not made by a key {} trusts ({why})",
                trusted.display()
            ))
        })?;
    let mut failures = Vec::new();
    for principal in principals.lines().filter(|p| !p.is_empty()) {
        match ssh_keygen(
            &["-Y", "verify", "-n", NAMESPACE, "-I", principal, "-f"],
            &allowed,
            &signature,
            Some(manifest),
        ) {
            Ok(_) => return Ok(Signed::By(principal.to_owned())),
            Err(why) => failures.push(format!("{principal}: {why}")),
        }
    }
    Err(veto(format!(
        "manifest.json does not match {SIGNATURE} (tampered, or signed for another \
         namespace than {NAMESPACE}): {}",
        failures.join("; ")
    )))
}

/// Writes every allowed-signers file in `trusted` (hidden ones skipped) into
/// `into`, one after another; returns how many keys (lines that are not
/// blank or comments) there are. A missing directory has none.
fn allowed_signers(trusted: &Path, into: &Path) -> io::Result<usize> {
    let mut files: Vec<_> = match fs::read_dir(trusted) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    files.retain(|f| {
        f.is_file()
            && f.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
    });
    files.sort();
    let mut text = String::new();
    for file in files {
        text += &fs::read_to_string(&file)?;
        text.push('\n');
    }
    if let Some(dir) = into.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(into, &text)?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count())
}

/// Runs `ssh-keygen ARGS ALLOWED -s SIGNATURE`, with `input` on its
/// standard input; returns its standard output, or what it said on failure.
fn ssh_keygen(
    args: &[&str],
    allowed: &Path,
    signature: &Path,
    input: Option<&[u8]>,
) -> Result<String, String> {
    let mut child = Command::new("ssh-keygen")
        .args(args)
        .arg(allowed)
        .arg("-s")
        .arg(signature)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run ssh-keygen ({}); it comes with openssh-client",
                describe(&e)
            )
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A failed write shows as ssh-keygen's failure below.
        let _ = stdin.write_all(input.unwrap_or_default());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("ssh-keygen: {}", describe(&e)))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let said = String::from_utf8_lossy(&out.stderr);
        Err(said
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("ssh-keygen failed")
            .trim()
            .to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signing key, its allowed-signers line, and a bundle directory with
    /// a manifest.
    struct Setup {
        dir: tempfile::TempDir,
    }

    impl Setup {
        fn new() -> Setup {
            let dir = tempfile::tempdir().unwrap();
            let key = dir.path().join("key");
            let made = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "fleet", "-f"])
                .arg(&key)
                .status()
                .unwrap();
            assert!(made.success());
            let public = fs::read_to_string(key.with_extension("pub")).unwrap();
            fs::create_dir_all(dir.path().join("trusted")).unwrap();
            fs::write(
                dir.path().join("trusted/fleet"),
                format!("fleet@example namespaces=\"{NAMESPACE}\" {public}"),
            )
            .unwrap();
            fs::create_dir_all(dir.path().join("bundle")).unwrap();
            fs::write(dir.path().join("bundle/manifest.json"), "{}").unwrap();
            Setup { dir }
        }

        fn path(&self, rel: &str) -> std::path::PathBuf {
            self.dir.path().join(rel)
        }

        fn sign(&self, namespace: &str) {
            let signed = Command::new("ssh-keygen")
                .args(["-q", "-Y", "sign", "-n", namespace, "-f"])
                .arg(self.path("key"))
                .arg(self.path("bundle/manifest.json"))
                .status()
                .unwrap();
            assert!(signed.success());
        }

        fn check(&self, manifest: &[u8], allow_unsigned: bool) -> Result<Signed, Veto> {
            check(
                &self.path("bundle"),
                manifest,
                &self.path("trusted"),
                &self.path("scratch"),
                allow_unsigned,
            )
        }
    }

    #[test]
    fn a_good_signature_names_its_signer() {
        let setup = Setup::new();
        setup.sign(NAMESPACE);
        assert_eq!(
            setup.check(b"{}", false),
            Ok(Signed::By("fleet@example".into()))
        );
    }

    #[test]
    fn missing_unknown_wrong_and_misplaced_signatures_veto() {
        let setup = Setup::new();
        let detail = |result: Result<Signed, Veto>| {
            let veto = result.unwrap_err();
            assert_eq!(veto.reason, "bad-signature");
            veto.detail
        };
        assert!(detail(setup.check(b"{}", false)).contains("has no manifest.json.sig"));
        assert_eq!(
            setup.check(b"{}", true),
            Ok(Signed::Unchecked("the bundle is not signed".into()))
        );

        setup.sign(NAMESPACE);
        // Tampered: the bytes read are not the ones signed.
        assert!(detail(setup.check(b"{ }", false)).contains("does not match"));
        // --allow-unsigned does not accept a bad signature.
        assert!(detail(setup.check(b"{ }", true)).contains("does not match"));
        // Made by a key the machine does not trust.
        fs::write(setup.path("trusted/fleet"), "# no keys\n").unwrap();
        assert!(detail(setup.check(b"{}", false)).contains("no trusted key"));
        let other = Setup::new();
        fs::copy(other.path("trusted/fleet"), setup.path("trusted/other")).unwrap();
        assert!(detail(setup.check(b"{}", false)).contains("not made by a key"));

        // Made for another namespace.
        let setup = Setup::new();
        setup.sign("file");
        assert!(detail(setup.check(b"{}", false)).contains("does not match"));
    }
}
