//! `prepare`, `commit`, `abort` and `rollback` against a temporary root
//! (`--root`): a fake `/proc` (`/proc/preload/deps` is a plain file, so the read-back
//! reads what was written), `/etc`, `/var/lib/preloadctl`, `/lib/modules`, and
//! module tools replaced by a script that logs its arguments.

// Test helpers may panic: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Run, Tree};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fs;
use std::ops::Deref;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

/// A machine: kernel 7.3.0 running, preload loaded with `pl_a: pl_b`,
/// modules `pl_a`, `pl_b` (version 1) and `preload` installed, `pl_c`
/// loaded, bundles signed by `fleet@test` trusted; with that key in
/// `signing/key`.
struct Root {
    tree: Tree,
}

impl Deref for Root {
    type Target = Tree;
    fn deref(&self) -> &Tree {
        &self.tree
    }
}

const MODULES: &str = "lib/modules/7.3.0";

fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Root {
    fn new() -> Root {
        let root = Root { tree: Tree::new() };
        root.write("proc/sys/kernel/osrelease", "7.3.0\n");
        root.write("proc/preload/deps", "pl_a: pl_b\n");
        root.write(
            "proc/modules",
            "pl_c 12288 0 - Live 0x0\npreload 40960 0 - Live 0x0 (O)\n",
        );
        root.write(&format!("{MODULES}/extra/pl_a.ko"), "pl_a v1");
        root.write(&format!("{MODULES}/extra/pl_b.ko"), "pl_b v1");
        root.write(&format!("{MODULES}/extra/pl_c.ko"), "pl_c v1");
        root.write(&format!("{MODULES}/kernel/preload.ko"), "preload");
        root.write("etc/preload-modules.d/10-local.conf", "pl_a: pl_b\n");
        root.write(
            "bin/tool",
            "#!/bin/sh\necho \"$*\" >>\"$(dirname \"$0\")/../tools.log\"\n",
        );
        fs::set_permissions(root.path("bin/tool"), fs::Permissions::from_mode(0o755)).unwrap();
        let public = root.new_key("signing/key");
        root.write(
            "etc/preloadctl/trusted.d/fleet",
            &format!("fleet@test namespaces=\"preload-bundle\" {public}"),
        );
        root
    }

    /// Makes an ed25519 key pair at `rel` (no passphrase); returns the public key.
    fn new_key(&self, rel: &str) -> String {
        fs::create_dir_all(self.path(rel).parent().unwrap()).unwrap();
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(self.path(rel))
            .status()
            .unwrap();
        assert!(status.success());
        self.read(&format!("{rel}.pub"))
    }

    /// Signs the manifest of the bundle directory `rel` with the key at `key`.
    fn sign_with(&self, rel: &str, key: &str) {
        let _ = fs::remove_file(self.path(&format!("{rel}/manifest.json.sig")));
        let status = Command::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", "preload-bundle", "-f"])
            .arg(self.path(key))
            .arg(self.path(&format!("{rel}/manifest.json")))
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| format!("<{e}>"))
    }

    fn module(&self, name: &str) -> String {
        self.read(&format!("{MODULES}/extra/{name}.ko"))
    }

    /// Writes a bundle directory `rel` with list files and modules
    /// (`(name, contents)`), and a manifest naming them with their hashes,
    /// signed with the trusted key.
    fn bundle(&self, rel: &str, lists: &[(&str, &str)], modules: &[(&str, &str)]) -> String {
        let mut list_entries = Vec::new();
        for (name, text) in lists {
            self.write(&format!("{rel}/lists/{name}"), text);
            list_entries.push(serde_json::json!({
                "file": format!("lists/{name}"), "sha256": sha256(text.as_bytes())
            }));
        }
        let mut module_entries = Vec::new();
        for (name, data) in modules {
            self.write(&format!("{rel}/modules/{name}.ko"), data);
            module_entries.push(serde_json::json!({
                "name": name, "file": format!("modules/{name}.ko"),
                "sha256": sha256(data.as_bytes()), "version": "2"
            }));
        }
        let manifest = serde_json::json!({
            "format": "preload-bundle", "version": 1, "name": rel,
            "lists": list_entries, "modules": module_entries,
        });
        self.write(&format!("{rel}/manifest.json"), &manifest.to_string());
        self.sign_with(rel, "signing/key");
        self.path(rel).display().to_string()
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let tool = self.path("bin/tool").display().to_string();
        let mut command = Command::new(env!("CARGO_BIN_EXE_preloadctl"));
        command
            .args(args)
            .current_dir(self.root())
            .env("PRELOADCTL_ROOT", self.root())
            .env("PRELOADCTL_DEPMOD", format!("{tool} depmod"))
            .env("PRELOADCTL_RMMOD", format!("{tool} rmmod"))
            .env("PRELOADCTL_MODPROBE", format!("{tool} modprobe"));
        for (key, value) in env {
            command.env(key, value);
        }
        Run::from(command.output().unwrap())
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// `prepare --json BUNDLE`: the exit code and the JSON.
    fn prepare_json(&self, bundle: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["prepare", "--json"];
        args.extend(extra);
        args.push(bundle);
        let run = self.run(&args);
        let json = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{run:?}"));
        (run.code, json)
    }

    /// The live state a failed or vetoed change must leave alone.
    fn snapshot(&self) -> [String; 5] {
        [
            self.read("proc/preload/deps"),
            self.module("pl_a"),
            self.module("pl_b"),
            self.read("etc/preload-modules.d/10-local.conf"),
            self.read("etc/preload-modules.d/50-fleet.conf"),
        ]
    }
}

fn reasons(json: &Value) -> Vec<String> {
    json["vetoes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            format!(
                "{} {}",
                v["reason"].as_str().unwrap(),
                v["subject"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn prepare_stages_only_changed_modules_and_commit_installs_them() {
    let root = Root::new();
    let bundle = root.bundle(
        "b1",
        &[("50-fleet.conf", "pl_a: pl_d\npl_d: pl_b\n")],
        &[
            ("pl_a", "pl_a v2"),
            ("pl_b", "pl_b v1"),
            ("pl_d", "pl_d v2"),
        ],
    );
    let run = root.run(&["prepare", &bundle]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().take(6).collect::<Vec<_>>(),
        [
            "signed by fleet@test",
            "install list 50-fleet.conf",
            "replace module pl_a 2",
            "unchanged module pl_b 2",
            "install module pl_d 2",
            "list: changed (entries: 3)",
        ]
    );
    // Nothing live changed; only the changed files are staged.
    assert_eq!(root.read("proc/preload/deps"), "pl_a: pl_b\n");
    assert_eq!(root.module("pl_a"), "pl_a v1");
    assert!(root
        .path("var/lib/preloadctl/staged/modules/pl_a.ko")
        .exists());
    assert!(!root
        .path("var/lib/preloadctl/staged/modules/pl_b.ko")
        .exists());
    assert!(!root.path("etc/preload-modules.d/50-fleet.conf").exists());

    let run = root.run(&["commit"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("committed b1 (modules: 2 replaced or installed, 1 unchanged; list files: 1; entries: 3)"), "{run:?}");
    assert_eq!(
        root.read("proc/preload/deps"),
        "pl_a: pl_b pl_d\npl_d: pl_b\n"
    );
    assert_eq!(root.module("pl_a"), "pl_a v2");
    assert_eq!(root.module("pl_d"), "pl_d v2");
    assert_eq!(
        root.read("etc/preload-modules.d/50-fleet.conf"),
        "pl_a: pl_d\npl_d: pl_b\n"
    );
    // The history has the list it replaced and the one it wrote.
    assert_eq!(
        root.read("var/lib/preloadctl/history/1.conf"),
        "pl_a: pl_b\n"
    );
    assert_eq!(
        root.read("var/lib/preloadctl/history/2.conf"),
        "pl_a: pl_b pl_d\npl_d: pl_b\n"
    );
    assert_eq!(
        root.read("tools.log"),
        format!("depmod -b {} -a 7.3.0\n", root.root().display())
    );
    assert!(!root.path("var/lib/preloadctl/staged").exists());
    assert_eq!(root.read("var/lib/preloadctl/commit/previous/1"), "pl_a v1");
    // No temporary files are left next to the installed ones.
    let extra: Vec<_> = fs::read_dir(root.path(&format!("{MODULES}/extra")))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(extra.is_empty(), "{extra:?}");

    // Nothing staged: commit says so and changes nothing.
    let again = root.run(&["commit"]);
    assert_eq!(again.code, 5, "{again:?}");
    assert!(again.stderr.contains("nothing to commit"), "{again:?}");
}

#[test]
fn rollback_restores_modules_list_files_and_list() {
    let root = Root::new();
    let before = root.snapshot();
    let bundle = root.bundle(
        "b1",
        &[
            ("10-local.conf", "pl_a: pl_b pl_d\n"),
            ("50-fleet.conf", "pl_d: pl_b\n"),
        ],
        &[("pl_a", "pl_a v2"), ("pl_d", "pl_d v2")],
    );
    assert_eq!(root.run(&["prepare", &bundle]).code, 0);
    assert_eq!(root.run(&["commit"]).code, 0);
    assert_ne!(root.snapshot(), before);

    let run = root.run(&["rollback"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("rolled back b1: 4 files restored"),
        "{run:?}"
    );
    assert_eq!(root.snapshot(), before);
    assert!(!root.path(&format!("{MODULES}/extra/pl_d.ko")).exists());
    assert_eq!(
        root.read("tools.log").lines().count(),
        2,
        "depmod at commit and at rollback"
    );
    assert!(root
        .path("var/lib/preloadctl/rolled-back/plan.json")
        .exists());

    // A second rollback has no commit to undo: it restores the list saved
    // before the commit, which is the list already live.
    let again = root.run(&["rollback"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(root.snapshot(), before);
}

/// Every file under `var/lib/preloadctl`, `etc`, `lib/modules` and `proc`
/// with its text: what a dry run must leave as it is.
fn state(root: &Root) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending: Vec<_> = ["var", "etc", "lib", "proc"]
        .iter()
        .map(|d| root.path(d))
        .filter(|p| p.exists())
        .collect();
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path.clone());
            }
            let text = fs::read_to_string(&path).unwrap_or_default();
            found.push(format!("{} {text:?}", path.display()));
        }
    }
    found.sort();
    found
}

#[test]
fn commit_abort_and_rollback_dry_runs_change_nothing() {
    let root = Root::new();
    let bundle = root.bundle(
        "b1",
        &[("50-fleet.conf", "pl_d: pl_b\n")],
        &[("pl_a", "pl_a v2"), ("pl_d", "pl_d v2")],
    );
    assert_eq!(root.run(&["prepare", &bundle]).code, 0);
    let before = state(&root);
    let extra = root.path(&format!("{MODULES}/extra"));
    let extra = extra.display();
    let etc = root.path("etc/preload-modules.d");
    let etc = etc.display();

    let commit = root.run(&["commit", "--dry-run"]);
    assert_eq!(commit.code, 0, "{commit:?}");
    assert_eq!(
        commit.stdout,
        format!(
            "would commit b1:\n\
             would install {etc}/50-fleet.conf (list 50-fleet.conf)\n\
             would replace {extra}/pl_a.ko (module pl_a 2)\n\
             would install {extra}/pl_d.ko (module pl_d 2)\n\
             would run depmod\n\
             list (entries: 2):\n\
             +pl_d: pl_b\n\
             dry run: nothing was changed\n"
        )
    );
    let abort = root.run(&["abort", "--dry-run"]);
    assert_eq!(abort.code, 0, "{abort:?}");
    assert!(abort
        .stdout
        .starts_with("would drop the staged change b1 ("));
    assert_eq!(state(&root), before);
    assert!(!root.path("tools.log").exists());

    // A commit that would be refused is refused by the dry run too.
    root.write("proc/preload/deps", "pl_c: pl_b\n");
    let changed = root.run(&["commit", "--dry-run"]);
    assert_eq!(changed.code, 5, "{changed:?}");
    assert!(changed.stderr.contains("deps changed since `prepare`"));
    root.write("proc/preload/deps", "pl_a: pl_b\n");

    assert_eq!(root.run(&["commit"]).code, 0);
    let committed = state(&root);
    let rollback = root.run(&["rollback", "--dry-run"]);
    assert_eq!(rollback.code, 0, "{rollback:?}");
    let record = root.path("var/lib/preloadctl/commit/previous/1");
    assert_eq!(
        rollback.stdout,
        format!(
            "would roll back the commit of b1:\n\
             would remove {extra}/pl_d.ko\n\
             would put back {extra}/pl_a.ko (from {})\n\
             would remove {etc}/50-fleet.conf\n\
             would run depmod\n\
             list:\n\
             -pl_d: pl_b\n\
             dry run: nothing was changed\n",
            record.display()
        )
    );
    assert_eq!(state(&root), committed);
    assert_eq!(
        root.read("tools.log").lines().count(),
        1,
        "depmod at commit"
    );
}

#[test]
fn commits_and_their_rollbacks_are_in_the_history() {
    let root = Root::new();
    let bundle = root.bundle("b1", &[("50-fleet.conf", "pl_b: pl_c\n")], &[]);
    assert_eq!(root.run(&["prepare", &bundle]).code, 0);
    let commit = root.run(&["commit"]);
    assert!(commit.stdout.ends_with("; history entry 2\n"), "{commit:?}");
    assert_eq!(root.run(&["rollback"]).code, 0);
    let run = root.run(&["history", "--json"]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let rows: Vec<(u64, &str, &str, bool)> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["number"].as_u64().unwrap(),
                e["command"].as_str().unwrap(),
                e["detail"].as_str().unwrap(),
                e["live"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (3, "rollback", "undid the commit of b1", true),
            (2, "commit", "bundle b1", false),
            (1, "found", "written outside preloadctl", false),
        ]
    );
    // The commit's sources are the config after it.
    assert_eq!(
        json["entries"][1]["sources"],
        serde_json::json!([
            root.path("etc/preload-modules.d/10-local.conf"),
            root.path("etc/preload-modules.d/50-fleet.conf")
        ])
    );
    // --to goes back to the committed list (its files stay rolled back).
    assert_eq!(root.run(&["rollback", "--to", "2"]).code, 0);
    assert_eq!(root.read("proc/preload/deps"), "pl_a: pl_b\npl_b: pl_c\n");
}

#[test]
fn abort_drops_the_staged_change() {
    let root = Root::new();
    let bundle = root.bundle("b1", &[], &[("pl_a", "pl_a v2")]);
    assert_eq!(root.run(&["prepare", &bundle]).code, 0);
    let run = root.run(&["abort"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "dropped the staged change b1\n")
    );
    assert!(!root.path("var/lib/preloadctl/staged").exists());
    assert_eq!(root.run(&["abort"]).stdout, "nothing is staged\n");
    assert_eq!(root.run(&["commit"]).code, 5);
    assert_eq!(root.module("pl_a"), "pl_a v1");
}

#[test]
fn prepare_vetoes_a_tampered_or_missing_file() {
    let root = Root::new();
    let before = root.snapshot();
    let bundle = root.bundle(
        "b1",
        &[("50-fleet.conf", "pl_a: pl_b\n")],
        &[("pl_a", "pl_a v2"), ("pl_d", "x")],
    );
    root.write("b1/modules/pl_a.ko", "pl_a v2 with a backdoor");
    fs::remove_file(root.path("b1/modules/pl_d.ko")).unwrap();
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(json["verdict"], "veto");
    assert_eq!(
        reasons(&json),
        ["hash-mismatch pl_a", "missing-module pl_d"]
    );
    assert!(json["vetoes"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("(corrupt or tampered)"));
    assert!(!root.path("var/lib/preloadctl/staged").exists());
    assert_eq!(root.snapshot(), before);

    // The text form: one `veto:` line per reason, then the summary.
    let run = root.run(&["prepare", &bundle]);
    assert_eq!(run.code, 7);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines[0].starts_with("veto: hash-mismatch: modules/pl_a.ko: sha256 is "),
        "{run:?}"
    );
    assert_eq!(
        lines[2],
        "preloadctl: prepare vetoed b1 (vetoes: 2); nothing was staged"
    );
}

#[test]
fn prepare_vetoes_a_list_that_does_not_check_and_a_missing_module() {
    let root = Root::new();
    let bad = root.bundle("bad", &[("50-fleet.conf", "pl_b: pl_a\npl_x pl_y\n")], &[]);
    let (code, json) = root.prepare_json(&bad, &[]);
    assert_eq!(code, 7, "{json}");
    let details: Vec<&str> = json["vetoes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details.len(), 2, "{json}");
    assert!(
        details[0].ends_with("lists/50-fleet.conf:2: missing ':' after the consumer name"),
        "{json}"
    );
    assert!(
        details[1].contains("dependency cycle: pl_a -> pl_b -> pl_a"),
        "{json}"
    );
    assert_eq!(json["vetoes"][0]["reason"], "invalid-list");

    let missing = root.bundle(
        "missing",
        &[("50-fleet.conf", "pl_a: pl_gone ?pl_optional\n")],
        &[],
    );
    let (code, json) = root.prepare_json(&missing, &[]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(reasons(&json).len(), 1, "{json}");
    assert_eq!(json["vetoes"][0]["reason"], "missing-module");
    assert!(json["vetoes"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("module pl_gone is not installed"));

    // The same list with the module in the bundle is fine.
    let carried = root.bundle(
        "carried",
        &[("50-fleet.conf", "pl_a: pl_gone\n")],
        &[("pl_gone", "1")],
    );
    let (code, json) = root.prepare_json(&carried, &[]);
    assert_eq!(code, 0, "{json}");
}

#[test]
fn prepare_vetoes_loaded_consumers_unless_reload_consumers() {
    let root = Root::new();
    root.write(
        "proc/modules",
        "pl_a 1 1 pl_top, Live 0x0\npl_top 1 0 - Live 0x0\npl_b 1 1 pl_a, Live 0x0\npreload 1 0 - Live 0x0\n",
    );
    root.write(&format!("{MODULES}/extra/pl_top.ko"), "");
    let bundle = root.bundle("b1", &[("10-local.conf", "pl_a: pl_b pl_c\n")], &[]);
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(
        reasons(&json),
        ["loaded-consumer pl_top", "loaded-consumer pl_a"]
    );
    let detail = json["vetoes"][1]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("pl_a is loaded and its dependencies change (pl_b -> pl_b pl_c)"),
        "{detail}"
    );
    assert!(
        detail.contains("prepare --reload-consumers would"),
        "{detail}"
    );

    let (code, json) = root.prepare_json(&bundle, &["--reload-consumers"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["reload"], serde_json::json!(["pl_top", "pl_a"]));
    let run = root.run(&["commit"]);
    assert_eq!(run.code, 0, "{run:?}");
    // Users are unloaded first and loaded last; no depmod without modules.
    assert_eq!(
        root.read("tools.log"),
        "rmmod pl_top\nrmmod pl_a\nmodprobe pl_a\nmodprobe pl_top\n"
    );
    assert_eq!(root.read("proc/preload/deps"), "pl_a: pl_b pl_c\n");

    // A replaced module that is loaded is reloaded with its users.
    let bundle = root.bundle("b2", &[], &[("pl_b", "pl_b v2")]);
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(
        reasons(&json),
        [
            "loaded-consumer pl_top",
            "loaded-consumer pl_a",
            "loaded-consumer pl_b"
        ]
    );
}

#[test]
fn rollback_unloads_the_new_modules_nothing_uses_any_more() {
    let root = Root::new();
    root.write(
        "proc/modules",
        "pl_a 1 0 - Live 0x0\npl_b 1 1 pl_a, Live 0x0\npreload 1 0 - Live 0x0\n",
    );
    root.write(&format!("{MODULES}/extra/pl_x.ko"), "pl_x v1");
    let bundle = root.bundle(
        "b1",
        &[("10-local.conf", "pl_a: pl_b pl_d\npl_x: pl_e\n")],
        &[("pl_d", "pl_d v1"), ("pl_e", "pl_e v1")],
    );
    let (code, json) = root.prepare_json(&bundle, &["--reload-consumers"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(root.run(&["commit"]).code, 0);
    // Reloaded, pl_a brought in pl_d; pl_e is loaded and used by pl_x. The
    // rollback finds pl_a unloaded (the fake rmmod only logs) and pl_d unused.
    root.write(
        "proc/modules",
        "pl_x 1 0 - Live 0x0\npl_e 1 1 pl_x, Live 0x0\npl_d 1 0 - Live 0x0\n\
         pl_b 1 0 - Live 0x0\npreload 1 0 - Live 0x0\n",
    );
    fs::remove_file(root.path("tools.log")).unwrap();
    let run = root.run(&["rollback"]);
    assert_eq!(run.code, 0, "{run:?}");
    // pl_d, new and unused, is unloaded with the reloaded pl_a; pl_e, new
    // but in use, is left loaded.
    let log = root.read("tools.log");
    assert!(log.starts_with("depmod "), "{log}");
    assert!(
        log.ends_with("\nrmmod pl_a\nrmmod pl_d\nmodprobe pl_a\n"),
        "{log}"
    );
}

#[test]
fn prepare_vetoes_when_a_hook_says_no() {
    let root = Root::new();
    let before = root.snapshot();
    root.write(
        "etc/preloadctl/veto.d/50-busy",
        "#!/bin/sh\n[ -f \"$1/plan.json\" ] && [ \"$1\" = \"$PRELOAD_STAGED\" ] || exit 9\n\
         echo \"batch job running on $(basename \"$1\")\" >&2\nexit 1\n",
    );
    fs::set_permissions(
        root.path("etc/preloadctl/veto.d/50-busy"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let bundle = root.bundle("b1", &[], &[("pl_a", "pl_a v2")]);
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(reasons(&json), ["hook 50-busy"]);
    assert!(json["vetoes"][0]["detail"]
        .as_str()
        .unwrap()
        .ends_with("exit status: 1): batch job running on staged"));
    assert!(!root.path("var/lib/preloadctl/staged").exists());
    assert_eq!(root.snapshot(), before);
}

#[test]
fn prepare_kills_a_hook_past_its_timeout_and_vetoes() {
    let root = Root::new();
    let before = root.snapshot();
    root.write(
        "etc/preloadctl/veto.d/50-hangs",
        "#!/bin/sh\nexec sleep 1000\n",
    );
    fs::set_permissions(
        root.path("etc/preloadctl/veto.d/50-hangs"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let bundle = root.bundle("b1", &[], &[("pl_a", "pl_a v2")]);
    let (code, json) = root.prepare_json(&bundle, &["--hook-timeout", "1"]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(reasons(&json), ["hook 50-hangs"]);
    assert!(json["vetoes"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("50-hangs did not finish within its timeout of 1 s and was killed"));
    assert!(!root.path("var/lib/preloadctl/staged").exists());
    assert_eq!(root.snapshot(), before);

    let run = root.run(&["prepare", "--hook-timeout", "0", &bundle]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn prepare_vetoes_a_bundle_not_signed_by_a_trusted_key() {
    let root = Root::new();
    let before = root.snapshot();
    let bundle = root.bundle("b1", &[], &[("pl_a", "pl_a v2")]);
    let run = root.run(&["prepare", &bundle]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("signed by fleet@test\n"), "{run:?}");
    assert_eq!(root.run(&["abort"]).code, 0);

    // Tampered: the manifest says another version, with the files' hashes
    // unchanged; the signature no longer matches.
    let manifest = root.read("b1/manifest.json").replace("\"2\"", "\"9\"");
    root.write("b1/manifest.json", &manifest);
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(reasons(&json), ["bad-signature manifest.json.sig"]);
    assert!(json["vetoes"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("manifest.json does not match manifest.json.sig (tampered"));
    // --allow-unsigned does not accept a signature that does not match.
    let (code, _) = root.prepare_json(&bundle, &["--allow-unsigned"]);
    assert_eq!(code, 7);

    // Signed by a key no file in trusted.d allows.
    root.new_key("stranger/key");
    root.sign_with("b1", "stranger/key");
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 7, "{json}");
    assert!(json["vetoes"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("manifest.json.sig is not made by a key "));

    // Not signed: a veto, unless --allow-unsigned, which says so.
    fs::remove_file(root.path("b1/manifest.json.sig")).unwrap();
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 7, "{json}");
    assert!(json["vetoes"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("the bundle has no manifest.json.sig"));
    assert!(!root.path("var/lib/preloadctl/staged").exists());
    assert_eq!(root.snapshot(), before);
    let (code, json) = root.prepare_json(&bundle, &["--allow-unsigned"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["signed_by"], Value::Null);
    assert!(json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "signature not checked: the bundle is not signed (--allow-unsigned)"));
}

#[test]
fn each_machine_stages_the_modules_built_for_its_kernel() {
    let root = Root::new();
    // pl_a for the running 7.3.0 and for 7.2.13, pl_d for 7.2.13 only.
    let builds = [
        ("pl_a", "7.3.0", "pl_a v2 for 7.3.0"),
        ("pl_a", "7.2.13", "pl_a v2 for 7.2.13"),
        ("pl_d", "7.2.13", "pl_d v2 for 7.2.13"),
    ];
    let write = |builds: &[(&str, &str, &str)]| {
        let _ = fs::remove_dir_all(root.path("b1"));
        let mut modules = Vec::new();
        for (name, release, data) in builds {
            let file = format!("modules/{release}/{name}.ko");
            root.write(&format!("b1/{file}"), data);
            modules.push(
                serde_json::json!({"name": name, "file": file, "release": release,
                "sha256": sha256(data.as_bytes()), "version": "2"}),
            );
        }
        let manifest = serde_json::json!({"format": "preload-bundle", "version": 1,
            "name": "b1", "lists": [], "modules": modules});
        root.write("b1/manifest.json", &manifest.to_string());
        root.sign_with("b1", "signing/key");
        root.path("b1").display().to_string()
    };
    let bundle = write(&builds);
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(reasons(&json), ["no-build-for-kernel pl_d"]);
    assert_eq!(
        json["vetoes"][0]["detail"],
        "the bundle has pl_d for 7.2.13 but not for this machine's kernel 7.3.0"
    );

    let bundle = write(&builds[..2]);
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(root.run(&["commit"]).code, 0);
    assert_eq!(root.module("pl_a"), "pl_a v2 for 7.3.0");
}

#[test]
fn rollback_of_a_bundle_undoes_only_what_its_rollout_did() {
    let root = Root::new();
    let before = root.snapshot();
    // Nothing of b1 here: nothing changes, not even the last commit (b0's).
    let b0 = root.bundle("b0", &[], &[("pl_b", "pl_b v0")]);
    assert_eq!(root.run(&["prepare", &b0]).code, 0);
    assert_eq!(root.run(&["commit"]).code, 0);
    let after_b0 = root.snapshot();
    let run = root.run(&["rollback", "--bundle", "b1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("nothing of b1 to undo here"),
        "{run:?}"
    );
    assert_eq!(root.snapshot(), after_b0);

    // b1 staged only: its staged change is dropped, b0's commit stays.
    let b1 = root.bundle(
        "b1",
        &[("50-fleet.conf", "pl_a: pl_b\n")],
        &[("pl_a", "pl_a v2")],
    );
    assert_eq!(root.run(&["prepare", &b1]).code, 0);
    let run = root.run(&["rollback", "--bundle", "b1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "dropped the staged change b1\n");
    assert!(!root.path("var/lib/preloadctl/staged").exists());
    assert_eq!(root.snapshot(), after_b0);

    // b1 committed: its commit is undone; b0's stays.
    assert_eq!(root.run(&["prepare", &b1]).code, 0);
    assert_eq!(root.run(&["commit"]).code, 0);
    assert_ne!(root.snapshot(), after_b0);
    let run = root.run(&["rollback", "--bundle", "b1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("rolled back b1: "), "{run:?}");
    assert_eq!(root.snapshot(), after_b0);
    assert_ne!(root.snapshot(), before);

    let run = root.run(&["rollback", "--bundle", "b1", "--to", "1"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn a_failed_commit_rolls_itself_back() {
    let root = Root::new();
    let before = root.snapshot();
    let bundle = root.bundle(
        "b1",
        &[("50-fleet.conf", "pl_d: pl_b\n")],
        &[("pl_a", "pl_a v2"), ("pl_d", "pl_d v2")],
    );
    assert_eq!(root.run(&["prepare", &bundle]).code, 0);
    // depmod fails once: at the commit, not at the rollback.
    root.write(
        "bin/fail-once",
        "#!/bin/sh\n[ -e \"$0.done\" ] && exit 0\ntouch \"$0.done\"\necho 'modules.dep: disk full' >&2\nexit 1\n",
    );
    fs::set_permissions(
        root.path("bin/fail-once"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let fail_once = root.path("bin/fail-once").display().to_string();
    let run = root.run_env(&["commit"], &[("PRELOADCTL_DEPMOD", &fail_once)]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("commit of b1 failed: `"), "{run:?}");
    assert!(
        run.stderr
            .contains("(exit status: 1): modules.dep: disk full; rolled back"),
        "{run:?}"
    );
    assert!(run
        .stderr
        .contains("; rolled back: the previous modules, list files and list are in place again"));
    assert_eq!(root.snapshot(), before);
    assert!(!root.path(&format!("{MODULES}/extra/pl_d.ko")).exists());
    // The change stays staged; a later rollback changes nothing.
    assert!(root.path("var/lib/preloadctl/staged/plan.json").exists());
    assert_eq!(root.run(&["rollback"]).code, 0);
    assert_eq!(root.snapshot(), before);
    // Committing again works once depmod does.
    assert_eq!(root.run(&["commit"]).code, 0);
    assert_eq!(root.module("pl_a"), "pl_a v2");
}

#[test]
fn commit_refuses_when_the_system_changed_since_prepare() {
    let root = Root::new();
    let bundle = root.bundle("b1", &[], &[("pl_a", "pl_a v2")]);
    assert_eq!(root.run(&["prepare", &bundle]).code, 0);
    root.write(&format!("{MODULES}/extra/pl_a.ko"), "pl_a v1.1 (hotfix)");
    let run = root.run(&["commit"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr
            .contains("pl_a.ko changed since `prepare`; prepare again (nothing was changed)"),
        "{run:?}"
    );
    assert_eq!(root.module("pl_a"), "pl_a v1.1 (hotfix)");

    root.write(&format!("{MODULES}/extra/pl_a.ko"), "pl_a v1");
    root.write("proc/preload/deps", "pl_c: pl_b\n");
    let run = root.run(&["commit"]);
    assert!(
        run.stderr.contains("deps changed since `prepare`"),
        "{run:?}"
    );
}

#[test]
fn tarball_bundles_and_bad_bundles() {
    let root = Root::new();
    root.bundle("b1", &[], &[("pl_a", "pl_a v2")]);
    let status = Command::new("tar")
        .args(["czf", "b1.tar.gz", "b1"])
        .current_dir(root.root())
        .status()
        .unwrap();
    assert!(status.success());
    let tarball = root.path("b1.tar.gz").display().to_string();
    let (code, json) = root.prepare_json(&tarball, &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["files"][0]["action"], "replace");
    assert!(!root.path("var/lib/preloadctl/unpacked").exists());
    assert_eq!(root.run(&["commit"]).code, 0);
    assert_eq!(root.module("pl_a"), "pl_a v2");

    root.write("nothing/readme", "");
    let (code, json) = root.prepare_json(&root.path("nothing").display().to_string(), &[]);
    assert_eq!(code, 7, "{json}");
    assert_eq!(json["vetoes"][0]["reason"], "bad-bundle");
    assert!(json["vetoes"][0]["detail"]
        .as_str()
        .unwrap()
        .ends_with("manifest.json: No such file or directory"));
}

#[test]
fn prepare_vetoes_an_abi_break_on_the_running_kernel() {
    // The running kernel is the fixtures' 7.3.9; the bundle brings the
    // consumer built for 7.3.1, which imports what 7.3.9 removed.
    let root = Root::new();
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/abi/lib/modules"
    );
    root.write("proc/sys/kernel/osrelease", "7.3.9\n");
    fs::rename(root.path(MODULES), root.path("lib/modules/7.3.9")).unwrap();
    let symvers = fs::read_to_string(format!("{fixtures}/7.3.9/build/Module.symvers")).unwrap();
    root.write("lib/modules/7.3.9/build/Module.symvers", &symvers);
    let consumer = fs::read(format!("{fixtures}/7.3.1/extra/fix_consumer.ko")).unwrap();
    fs::create_dir_all(root.path("b1/modules")).unwrap();
    fs::write(root.path("b1/modules/fix_consumer.ko"), &consumer).unwrap();
    let manifest = serde_json::json!({
        "format": "preload-bundle", "version": 1, "name": "b1", "lists": [],
        "modules": [{"name": "fix_consumer", "file": "modules/fix_consumer.ko",
                     "sha256": sha256(&consumer), "version": "1"}],
    });
    root.write("b1/manifest.json", &manifest.to_string());
    root.sign_with("b1", "signing/key");
    let (code, json) = root.prepare_json(&root.path("b1").display().to_string(), &[]);
    assert_eq!(code, 7, "{json}");
    let abi: Vec<&str> = json["vetoes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["reason"] == "abi")
        .map(|v| v["detail"].as_str().unwrap())
        .collect();
    assert!(
        abi.contains(
            &"fix_consumer imports fix_removed, which the running kernel 7.3.9 does not export"
        ),
        "{json}"
    );
    assert!(
        abi.iter().any(|d| d.contains("fix_ns of namespace FIX_NS")),
        "{json}"
    );

    // Without Module.symvers the check cannot run, and says so.
    let root = Root::new();
    let bundle = root.bundle("b1", &[], &[("pl_a", "pl_a v2")]);
    let (code, json) = root.prepare_json(&bundle, &[]);
    assert_eq!(code, 0, "{json}");
    assert!(
        json["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("abi: not checked: "),
        "{json}"
    );
}
