//! The command line against temporary config files and a fake `/proc`.

// Test helpers may panic: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Run, Tree};
use serde_json::Value;
use std::fs;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fake root (`--root`): `proc/` with preload loaded and kernel 7.3.0
/// running, `lib/modules/7.3.0/` with a few installed modules, `etc/`;
/// preloadctl makes `var/lib/preloadctl/` and `run/preloadctl/`.
struct Fake {
    tree: Tree,
}

/// The running kernel's modules directory in the fake root.
const MODULES: &str = "lib/modules/7.3.0";

impl Deref for Fake {
    type Target = Tree;
    fn deref(&self) -> &Tree {
        &self.tree
    }
}

impl Fake {
    fn new() -> Fake {
        let fake = Fake { tree: Tree::new() };
        fake.write("proc/preload/deps", "");
        fake.write(
            "proc/preload/stats",
            "loads_seen 5\nloads_matched 2\ndeps_loaded 1\ndeps_present 1\nfailures 0\n",
        );
        fake.write(
            "proc/modules",
            "pl_c 12288 0 - Live 0x0\npreload 40960 0 - Live 0x0 (O)\n",
        );
        fake.write("proc/sys/kernel/osrelease", "7.3.0\n");
        for module in ["pl_a", "pl_b", "pl_c", "pl-d", "preload"] {
            fake.write(&format!("{MODULES}/extra/{module}.ko"), "");
        }
        fs::create_dir_all(fake.path("etc")).unwrap();
        fake
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_preloadctl"))
            .args(args)
            .current_dir(self.root())
            .env("PRELOADCTL_ROOT", self.root())
            .envs(env.iter().copied())
            .output()
            .unwrap();
        Run::from(output)
    }
}

impl Run {
    fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

#[test]
fn check_lists_every_error_of_every_file() {
    let fake = Fake::new();
    fake.write("one.conf", "pl_a: pl_b\nbad line\n# fine\npl_c: ?\n");
    fake.write("two.conf", "pl_b: pl_b\n\npl-x!: pl_a\n");
    let run = fake.run(&["check", "one.conf", "two.conf", "three.conf"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr_lines(),
        [
            "one.conf:2: missing ':' after the consumer name",
            "one.conf:4: '?' without a module name",
            "two.conf:1: pl_b depends on itself",
            "two.conf:3: bad character 0x21 in a module name",
            "three.conf: cannot read: No such file or directory",
            "preloadctl: check failed (errors: 5, warnings: 0, files: 3)",
        ]
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn check_json_has_the_verdict_and_every_finding() {
    let fake = Fake::new();
    fake.write("a.conf", "pl_a: pl_b ?pl_gone\nbad line\n");
    let run = fake.run(&["check", "--json", "a.conf"]);
    assert_eq!((run.code, run.stderr.as_str()), (1, ""), "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "ok": false, "entries": 2, "files": ["a.conf"], "errors": 1, "warnings": 1,
            "findings": [
                {"file": "a.conf", "line": 2, "warning": false,
                 "reason": "missing ':' after the consumer name"},
                {"file": "a.conf", "line": 1, "warning": true,
                 "reason": format!("optional dependency pl_gone is not installed under {}",
                                   fake.path(MODULES).display())},
            ],
        })
    );
    fake.write("a.conf", "pl_a: pl_b\n");
    let run = fake.run(&["check", "--json", "a.conf"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (&json["ok"], &json["findings"]),
        (&Value::from(true), &serde_json::json!([]))
    );
}

#[test]
fn check_finds_cycles_across_files() {
    let fake = Fake::new();
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\npl_c: pl-d\n");
    fake.write("etc/preload-modules.d/10-x.conf", "pl_b: pl_c\n");
    fake.write(
        "etc/preload-modules.d/20-y.conf",
        "pl_d: pl_a\npl_c: pl_b\n",
    );
    let run = fake.run(&["check"]);
    assert_eq!(run.code, 1, "{run:?}");
    let cycles: Vec<&str> = run
        .stderr_lines()
        .into_iter()
        .filter(|l| l.contains("cycle"))
        .collect();
    let etc = fake.path("etc");
    let etc = etc.display();
    assert_eq!(
        cycles,
        [
            format!(
                "{etc}/preload-modules.d/20-y.conf:1: dependency cycle: pl_a -> pl_b -> pl_c -> pl_d -> pl_a \
                 (written at {etc}/preload-modules.conf:1, {etc}/preload-modules.d/10-x.conf:1, {etc}/preload-modules.conf:2, \
                 {etc}/preload-modules.d/20-y.conf:1)"
            ),
            format!(
                "{etc}/preload-modules.d/20-y.conf:2: dependency cycle: pl_b -> pl_c -> pl_b \
                 (written at {etc}/preload-modules.d/10-x.conf:1, {etc}/preload-modules.d/20-y.conf:2)"
            ),
        ]
    );
}

#[test]
fn missing_modules_warn_and_fail_with_strict() {
    let fake = Fake::new();
    fake.write(
        "a.conf",
        "pl_a: pl_b ?pl_gone\npl_nowhere: pl_c\npl_c: pl_gone\n",
    );
    let modules = fake.path(MODULES);
    let modules = modules.display();
    let run = fake.run(&["check", "a.conf"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr_lines(),
        [
            format!("a.conf:1: warning: module pl_gone is not installed under {modules}"),
            format!("a.conf:2: warning: module pl_nowhere is not installed under {modules}"),
        ]
    );
    assert_eq!(run.stdout, "ok (entries: 4, warnings: 2, files: 1)\n");

    let strict = fake.run(&["check", "--strict", "a.conf"]);
    assert_eq!(strict.code, 1, "{strict:?}");
    assert!(
        strict
            .stderr
            .contains("a.conf:2: module pl_nowhere is not installed"),
        "{strict:?}"
    );

    // A module that is only ever an optional dependency may be missing.
    fake.write("b.conf", "pl_a: ?pl_gone\n");
    let optional = fake.run(&["check", "--strict", "b.conf"]);
    assert_eq!(optional.code, 0, "{optional:?}");
    assert!(optional
        .stderr
        .contains("b.conf:1: warning: optional dependency pl_gone"));
}

#[test]
fn apply_dry_run_prints_the_difference_and_changes_nothing() {
    let fake = Fake::new();
    fake.write("proc/preload/deps", "pl_a: pl_b\npl_c: pl_d\n");
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\n");
    fake.write("etc/preload-modules.d/20-late.conf", "pl_c: pl_a\n");
    fake.write(
        "etc/preload-modules.d/10-early.conf",
        "pl-c: pl_b\npl_b: ?pl_d\n",
    );
    fake.write("etc/preload-modules.d/ignored.txt", "not: read\n");
    let run = fake.run(&["apply", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "+pl_b: ?pl_d\n-pl_c: pl_d\n+pl_c: pl_b pl_a\n");
    assert_eq!(fake.read("proc/preload/deps"), "pl_a: pl_b\npl_c: pl_d\n");
    assert!(!fake.path("var/lib/preloadctl").exists());

    fake.write(
        "proc/preload/deps",
        "pl_a: pl_b\npl_b: ?pl_d\npl_c: pl_b pl_a\n",
    );
    assert_eq!(fake.run(&["apply", "--dry-run"]).stdout, "no changes\n");
}

#[test]
fn apply_writes_verifies_and_rollback_restores() {
    let fake = Fake::new();
    fake.write("proc/preload/deps", "pl_c: pl_d\n");
    fake.write("new.conf", "pl-a: pl_b\n\n# merged\npl_a: ?pl_c pl_b\n");
    let run = fake.run(&["apply", "new.conf"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "applied (entries: 2, files: 1); history entry 2\n"
    );
    assert_eq!(fake.read("proc/preload/deps"), "pl_a: pl_b ?pl_c\n");
    // The list it replaced, which preloadctl did not write, is entry 1.
    assert_eq!(
        fake.read("var/lib/preloadctl/history/1.conf"),
        "pl_c: pl_d\n"
    );
    assert_eq!(
        fake.read("var/lib/preloadctl/history/2.conf"),
        "pl_a: pl_b ?pl_c\n"
    );

    // Applying the same list again records nothing.
    let again = fake.run(&["apply", "new.conf"]);
    assert_eq!(again.stdout, "unchanged (entries: 2)\n");
    assert!(!fake.path("var/lib/preloadctl/history/3.json").exists());

    let rollback = fake.run(&["rollback"]);
    assert_eq!(rollback.code, 0, "{rollback:?}");
    assert_eq!(fake.read("proc/preload/deps"), "pl_c: pl_d\n");
}

#[test]
fn failed_applies_change_nothing() {
    let fake = Fake::new();
    fake.write("proc/preload/deps", "pl_c: pl_d\n");
    fake.write("bad.conf", "pl_a: pl_b\npl_b pl_c\n");
    let run = fake.run(&["apply", "bad.conf"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr_lines(),
        [
            "bad.conf:2: missing ':' after the consumer name",
            "preloadctl: the config is invalid (errors: 1); nothing was changed",
        ]
    );
    assert_eq!(fake.read("proc/preload/deps"), "pl_c: pl_d\n");
    assert!(!fake.path("var/lib/preloadctl").exists());

    assert_eq!(fake.run(&["rollback"]).code, 5);
    assert_eq!(fake.read("proc/preload/deps"), "pl_c: pl_d\n");

    fs::remove_dir_all(fake.path("proc/preload")).unwrap();
    fake.write("good.conf", "pl_a: pl_b\n");
    let unloaded = fake.run(&["apply", "good.conf"]);
    assert_eq!(unloaded.code, 3, "{unloaded:?}");
    assert!(unloaded.stderr.contains("preload is not loaded"));
    // An empty list needs no preload (the boot unit on a kernel without it).
    fake.write("empty.conf", "# no entries\n");
    let empty = fake.run(&["apply", "empty.conf"]);
    assert_eq!(empty.code, 0, "{empty:?}");
    assert_eq!(
        empty.stdout,
        "nothing to apply: no list is configured, and preload is not loaded\n"
    );
}

impl Fake {
    /// A boot of the fake machine: `id` in `/proc/sys/kernel/random/boot_id`.
    fn boot(&self, id: &str) {
        self.write("proc/sys/kernel/random/boot_id", &format!("{id}\n"));
    }

    /// `history --json`'s entries as `(number, command, live)`, newest first.
    fn history(&self) -> Vec<(u64, String, bool)> {
        let run = self.run(&["history", "--json"]);
        assert_eq!(run.code, 0, "{run:?}");
        let json: Value = serde_json::from_str(&run.stdout).unwrap();
        json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["number"].as_u64().unwrap(),
                    e["command"].as_str().unwrap().to_owned(),
                    e["live"].as_bool().unwrap(),
                )
            })
            .collect()
    }
}

/// `(number, command, live)` for the history.
fn entry(number: u64, command: &str, live: bool) -> (u64, String, bool) {
    (number, command.to_owned(), live)
}

#[test]
fn a_reboot_does_not_push_the_real_previous_list_out() {
    let fake = Fake::new();
    fake.boot("boot-1");
    fake.write("proc/preload/deps", "pl_c: pl_a\n");
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\n");
    fake.write("etc/preload-modules.d/50-site.conf", "pl_c: pl-d\n");
    assert_eq!(fake.run(&["apply"]).code, 0);
    let with_snippet = "pl_a: pl_b\npl_c: pl_d\n";
    assert_eq!(fake.read("proc/preload/deps"), with_snippet);
    fake.write("etc/preload-modules.d/50-site.conf", "pl_c: pl-d ?pl_b\n");
    assert_eq!(fake.run(&["apply"]).code, 0);
    let newer = "pl_a: pl_b\npl_c: pl_d ?pl_b\n";
    assert_eq!(fake.read("proc/preload/deps"), newer);

    // A reboot: preload loads with /etc/preload-modules.conf alone, then
    // preloadctl.service applies the config.
    fake.boot("boot-2");
    fake.write("proc/preload/deps", "pl_a: pl_b\n");
    let boot = fake.run(&["apply"]);
    assert_eq!(boot.code, 0, "{boot:?}");
    assert_eq!(
        boot.stdout,
        "applied (entries: 3, files: 2); the list of history entry 3 again \
         (the list it replaced, read by preload at boot, is not recorded)\n"
    );
    assert_eq!(fake.read("proc/preload/deps"), newer);
    assert_eq!(
        fake.history(),
        [
            entry(3, "apply", true),
            entry(2, "apply", false),
            entry(1, "found", false)
        ]
    );

    // rollback goes back to the list with the snippet, not the early list.
    let rollback = fake.run(&["rollback"]);
    assert_eq!(rollback.code, 0, "{rollback:?}");
    assert_eq!(fake.read("proc/preload/deps"), with_snippet);
    // Once rolled back, a second rollback changes nothing.
    let again = fake.run(&["rollback"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.starts_with("unchanged: "), "{again:?}");
    assert_eq!(fake.read("proc/preload/deps"), with_snippet);

    // A reboot with a changed config: the boot-time apply is a change, and
    // rollback goes back to the list that was live before the reboot.
    fake.boot("boot-3");
    fake.write("proc/preload/deps", "pl_a: pl_b\n");
    fake.write("etc/preload-modules.d/50-site.conf", "pl_c: ?pl_b\n");
    assert_eq!(fake.run(&["apply"]).code, 0);
    assert_eq!(fake.read("proc/preload/deps"), "pl_a: pl_b\npl_c: ?pl_b\n");
    assert_eq!(fake.run(&["rollback"]).code, 0);
    assert_eq!(fake.read("proc/preload/deps"), with_snippet);

    // Later in the same boot, a list written outside preloadctl is
    // recorded before it is replaced, and rollback can return to it.
    fake.write("proc/preload/deps", "pl_b: pl_c\n");
    assert_eq!(fake.run(&["apply"]).code, 0);
    assert_eq!(
        fake.history()[..2],
        [entry(8, "apply", true), entry(7, "found", false)]
    );
    assert_eq!(fake.run(&["rollback"]).code, 0);
    assert_eq!(fake.read("proc/preload/deps"), "pl_b: pl_c\n");
}

#[test]
fn without_a_boot_id_the_list_of_the_main_file_is_the_boot_list() {
    let fake = Fake::new();
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\n");
    fake.write("etc/preload-modules.d/50-site.conf", "pl_c: pl-d\n");
    // What preload read at load: not recorded.
    fake.write("proc/preload/deps", "pl_a: pl_b\n");
    let run = fake.run(&["apply"]);
    assert!(run.stdout.ends_with(
        "history entry 1 (the list it replaced, read by preload at boot, is not recorded)\n"
    ));
    assert_eq!(fake.history(), [entry(1, "apply", true)]);
    let nothing = fake.run(&["rollback"]);
    assert_eq!(nothing.code, 5, "{nothing:?}");
    assert!(
        nothing
            .stderr
            .contains("nothing to roll back to: the history has no list before entry 1"),
        "{nothing:?}"
    );
    // Anything else was written by someone: recorded.
    fake.write("proc/preload/deps", "pl_b: pl_c\n");
    assert_eq!(fake.run(&["apply"]).code, 0);
    assert_eq!(
        fake.history(),
        [
            entry(3, "apply", true),
            entry(2, "found", false),
            entry(1, "apply", false)
        ]
    );
}

#[test]
fn history_is_newest_first_and_keeps_the_last_20() {
    let fake = Fake::new();
    fake.boot("boot-1");
    for i in 1..=25 {
        fake.write("list.conf", &format!("pl_{i}: pl_b\n"));
        let run = fake.run(&["apply", "list.conf"]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout.contains(&format!("; history entry {i}")),
            "{run:?}"
        );
    }
    let history = fake.history();
    let numbers: Vec<u64> = history.iter().map(|e| e.0).collect();
    assert_eq!(numbers, (6..=25).rev().collect::<Vec<u64>>());
    assert!(history.iter().all(|e| e.1 == "apply"));
    assert_eq!(
        history
            .iter()
            .filter(|e| e.2)
            .map(|e| e.0)
            .collect::<Vec<_>>(),
        [25]
    );
    assert!(!fake.path("var/lib/preloadctl/history/5.conf").exists());
    assert!(!fake.path("var/lib/preloadctl/history/5.json").exists());
    assert_eq!(
        fake.read("var/lib/preloadctl/history/6.conf"),
        "pl_6: pl_b\n"
    );

    let text = fake.run(&["history"]);
    assert_eq!(text.code, 0, "{text:?}");
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines.len(), 22, "{text:?}");
    assert_eq!(
        lines[0],
        "   N  TIME                  COMMAND  ENTRIES  WHAT"
    );
    let list = fake.path("list.conf");
    let newest = format!("  apply          1  {}", list.display());
    assert!(lines[1].starts_with("* 25  20"), "{text:?}");
    assert!(lines[1].ends_with(&newest), "{text:?}");
    assert!(lines[2].starts_with("  24  20"), "{text:?}");
    assert_eq!(lines[21], "live: entry 25 (*)");

    let json: Value = serde_json::from_str(&fake.run(&["history", "--json"]).stdout).unwrap();
    assert_eq!(json["live"], 25);
    assert_eq!(json["live_known"], true);
    let newest = &json["entries"][0];
    assert_eq!(newest["sources"][0], list.display().to_string());
    assert_eq!(newest["entries"], 1);
    assert_eq!(newest["replaced"], 24);
    assert!(newest["time"].as_str().unwrap().ends_with('Z'));

    // Without preload, the history is shown all the same.
    fs::remove_dir_all(fake.path("proc/preload")).unwrap();
    let unloaded = fake.run(&["history"]);
    assert_eq!(unloaded.code, 0, "{unloaded:?}");
    assert!(unloaded
        .stdout
        .ends_with("live: unknown (preload is not loaded)\n"));
    assert!(unloaded.stdout.contains("\n  25  "), "{unloaded:?}");
}

#[test]
fn rollback_to_restores_an_entry_and_dry_run_changes_nothing() {
    let fake = Fake::new();
    fake.boot("boot-1");
    for list in ["pl_a: pl_b\n", "pl_a: pl_c\n", "pl_a: pl_c pl_b\n"] {
        fake.write("list.conf", list);
        assert_eq!(fake.run(&["apply", "list.conf"]).code, 0);
    }
    let before = listing(&fake);
    let dry = fake.run(&["rollback", "--to", "1", "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    let lines: Vec<&str> = dry.stdout.lines().collect();
    assert!(
        lines[0].starts_with("would restore history entry 1 (apply, 20"),
        "{dry:?}"
    );
    assert!(lines[0].ends_with(", entries: 1):"), "{dry:?}");
    assert_eq!(
        lines[1..],
        [
            "-pl_a: pl_c pl_b",
            "+pl_a: pl_b",
            "dry run: nothing was changed"
        ]
    );
    let plain = fake.run(&["rollback", "--dry-run"]);
    assert_eq!(plain.code, 0, "{plain:?}");
    assert!(plain.stdout.starts_with("would restore history entry 2 "));
    assert_eq!(listing(&fake), before);

    let run = fake.run(&["rollback", "--to", "1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.ends_with("; history entry 4\n"), "{run:?}");
    assert_eq!(fake.read("proc/preload/deps"), "pl_a: pl_b\n");
    assert_eq!(
        fake.history(),
        [
            entry(4, "rollback", true),
            entry(3, "apply", false),
            entry(2, "apply", false),
            entry(1, "apply", false)
        ]
    );
    let text = fake.run(&["history"]).stdout;
    assert!(text.contains("  rollback        1  to entry 1\n"), "{text}");
    // A second rollback changes nothing; --to goes anywhere.
    assert!(fake.run(&["rollback"]).stdout.starts_with("unchanged: "));
    assert_eq!(fake.run(&["rollback", "--to", "3"]).code, 0);
    assert_eq!(fake.read("proc/preload/deps"), "pl_a: pl_c pl_b\n");

    let missing = fake.run(&["rollback", "--to", "9"]);
    assert_eq!(missing.code, 5, "{missing:?}");
    let dir = fake.path("var/lib/preloadctl/history");
    assert_eq!(
        missing.stderr_lines(),
        [format!(
            "preloadctl: no entry 9 in the history ({}: it holds entries 1 to 5; \
             `preloadctl history` lists them)",
            dir.display()
        )]
    );
    assert_eq!(fake.run(&["rollback", "--to", "x"]).code, 2);
}

#[test]
fn an_older_last_good_list_still_rolls_back_and_joins_the_history() {
    let fake = Fake::new();
    fake.boot("boot-1");
    fake.write("var/lib/preloadctl/last-good.conf", "pl_a: pl_c\n");
    fake.write("proc/preload/deps", "pl_a: pl_b\n");
    let history = fake.run(&["history"]);
    assert!(
        history
            .stdout
            .contains("  last-good        1  saved by an older preloadctl: "),
        "{history:?}"
    );
    let run = fake.run(&["rollback"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(fake.read("proc/preload/deps"), "pl_a: pl_c\n");
    assert!(!fake.path("var/lib/preloadctl/last-good.conf").exists());
    assert_eq!(
        fake.read("var/lib/preloadctl/history/1.conf"),
        "pl_a: pl_c\n"
    );
    assert_eq!(
        fake.history(),
        [
            entry(3, "rollback", true),
            entry(2, "found", false),
            entry(1, "last-good", false)
        ]
    );
}

#[test]
fn dry_runs_change_nothing() {
    let fake = lifecycle_fake();
    fake.boot("boot-1");
    fake.write("proc/preload/deps", "pl_c: pl_d\n");
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\n");
    fake.write("proc/preload/swap", "");
    fake.write("bad.conf", "pl_a pl_b\n");
    // Any tool run is a failure.
    fake.write(
        "bin/tool",
        "#!/bin/sh\necho \"$*\" >>\"$(dirname \"$0\")/../tools.log\"\n",
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(fake.path("bin/tool"), fs::Permissions::from_mode(0o755)).unwrap();
    let tool = fake.path("bin/tool").display().to_string();
    let (rmmod, modprobe) = (format!("{tool} rmmod"), format!("{tool} modprobe"));
    let tools = [
        ("PRELOADCTL_RMMOD", rmmod.as_str()),
        ("PRELOADCTL_MODPROBE", modprobe.as_str()),
    ];
    let before = listing(&fake);
    let dry = |args: &[&str]| {
        let mut args = args.to_vec();
        args.push("--dry-run");
        let run = fake.run_env(&args, &tools);
        assert_eq!(
            listing(&fake),
            before,
            "{args:?} changed something: {run:?}"
        );
        run
    };
    let config = fake.path("run/preloadctl/preload-modules.conf");
    let restart = dry(&["restart"]);
    assert_eq!(restart.code, 0, "{restart:?}");
    assert_eq!(
        restart.stdout,
        format!(
            "would unload preload (rmmod preload) and load it again with config={}, \
             written with the merged list (entries: 1, files: 1)\n\
             +pl_a: pl_b\n-pl_c: pl_d\ndry run: nothing was changed\n",
            config.display()
        )
    );
    assert_eq!(dry(&["restart", "bad.conf"]).code, 1);
    // `reload` is `apply`: its dry run is apply's.
    let reload = dry(&["reload"]);
    assert_eq!(
        (reload.code, reload.stdout.as_str()),
        (0, "+pl_a: pl_b\n-pl_c: pl_d\n"),
        "{reload:?}"
    );

    let start = dry(&["start", "fresh"]);
    assert_eq!(
        (start.code, start.stdout.as_str()),
        (
            0,
            "would start fresh (it is loaded); its start handler runs\n\
             dry run: nothing was changed\n"
        )
    );
    let started = dry(&["start", "running"]);
    assert_eq!(started.code, 9, "{started:?}");
    assert_eq!(
        started.stderr_lines(),
        ["preloadctl: start running refused: running is already started"]
    );
    let quiesce = dry(&["quiesce", "running"]);
    assert_eq!(quiesce.code, 0, "{quiesce:?}");
    assert!(quiesce
        .stdout
        .starts_with("would quiesce running (it is started): wait until no call runs in it"));
    let busy = dry(&["quiesce", "busy"]);
    assert_eq!(busy.code, 9, "{busy:?}");
    assert!(busy
        .stderr
        .contains("busy serves 2 consumer(s): pl_a, pl_user"));
    assert_eq!(dry(&["quiesce", "fresh"]).code, 9);
    assert_eq!(dry(&["start", "gone"]).code, 9);

    let stop = dry(&["stop", "running"]);
    assert_eq!(
        (stop.code, stop.stdout.as_str()),
        (
            0,
            "would quiesce, then unload running (rmmod running)\ndry run: nothing was changed\n"
        )
    );
    assert_eq!(dry(&["stop", "busy"]).code, 9);

    let swap = dry(&["swap", "busy", "fresh", "--timeout", "50"]);
    assert_eq!(swap.code, 9, "{swap:?}");
    fake.write(
        "proc/preload/interposers",
        "interposer bound=1 consumers=pl_a symbols=x version=1.0 swap=yes state=started handlers=quiesce\n\
         interposer_v2 bound=0 consumers=- symbols=x version=2.0 swap=yes state=started handlers=quiesce\n",
    );
    let before_swap = listing(&fake);
    let swap = fake.run(&[
        "swap",
        "interposer",
        "interposer_v2",
        "--timeout",
        "50",
        "--dry-run",
    ]);
    assert_eq!(swap.code, 0, "{swap:?}");
    assert!(
        swap.stdout
            .starts_with("would write \"interposer interposer_v2 timeout=50\" to "),
        "{swap:?}"
    );
    assert!(swap.stdout.contains(": interposer_v2 would serve pl_a; "));
    assert_eq!(listing(&fake), before_swap);
    assert!(!fake.path("tools.log").exists());
}

#[test]
fn status_shows_counters_and_interposers() {
    let fake = Fake::new();
    fake.write("proc/preload/deps", "pl_a: pl_b pl_c\npl_c: pl_d\n");
    let run = fake.run(&["status"]);
    assert_eq!(run.code, 0, "{run:?}");
    let modules = fake.path(MODULES);
    assert_eq!(
        run.stdout,
        format!(
            "preload        loaded\n\
            kernel         7.3.0 (running): {}/extra/preload.ko\n\
            entries        3 (2 consumers)\n\
            loads_seen     5\n\
            loads_matched  2\n\
            deps_loaded    1\n\
            deps_present   1\n\
            failures       0\n\
            interposers    none\n",
            modules.display()
        )
    );
    let json: Value = serde_json::from_str(&fake.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(json["interposers"], serde_json::json!([]));
    assert_eq!(json["entries"], 3);

    fake.write(
        "proc/preload/interposers",
        "interposer bound=2 consumers=pl_a,pl_user symbols=pl_dep_value,pl_dep_name\nspare bound=0 consumers=- symbols=x\n",
    );
    let run = fake.run(&["status"]);
    assert!(
        run.stdout.ends_with(
            "interposers    2\n  \
               NAME        STATE  BOUND  CONSUMERS     SYMBOLS\n  \
               interposer  -          2  pl_a,pl_user  pl_dep_value,pl_dep_name\n  \
               spare       -          0  -             x\n"
        ),
        "{}",
        run.stdout
    );
    let json: Value = serde_json::from_str(&fake.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(json["loaded"], true);
    assert_eq!(json["consumers"], 2);
    assert_eq!(json["stats"]["loads_matched"], 2);
    assert_eq!(json["interposers"][0]["bound"], 2);
    assert_eq!(
        json["interposers"][0]["consumers"],
        serde_json::json!(["pl_a", "pl_user"])
    );
    assert_eq!(json["interposers"][1]["consumers"], serde_json::json!([]));
    assert_eq!(json["interposers"][1]["state"], "");
    assert_eq!(json["interposers"][1]["handlers"], serde_json::json!([]));

    fake.write(
        "proc/preload/interposers",
        "interposer bound=1 consumers=pl_a symbols=x version=1.0 swap=yes state=started handlers=start,quiesce\n\
         interposer_v2 bound=0 consumers=- symbols=x version=2.0 swap=yes state=quiescing handlers=quiesce\n",
    );
    let run = fake.run(&["status"]);
    assert!(
        run.stdout.ends_with(
            "interposers    2\n  \
               NAME           STATE      BOUND  CONSUMERS  SYMBOLS\n  \
               interposer     started        1  pl_a       x\n  \
               interposer_v2  quiescing      0  -          x\n"
        ),
        "{}",
        run.stdout
    );
    let json: Value = serde_json::from_str(&fake.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(json["interposers"][0]["state"], "started");
    assert_eq!(
        json["interposers"][0]["handlers"],
        serde_json::json!(["start", "quiesce"])
    );
    assert_eq!(json["interposers"][1]["state"], "quiescing");

    fake.write("proc/preload/interposers", "broken bound=many\n");
    let broken = fake.run(&["status"]);
    assert_eq!(broken.code, 5);
    assert!(
        broken.stderr.contains("interposers:1: bad count \"many\""),
        "{broken:?}"
    );
}

#[test]
fn status_without_preload() {
    let fake = Fake::new();
    fs::remove_dir_all(fake.path("proc/preload")).unwrap();
    let run = fake.run(&["status"]);
    assert_eq!(
        (run.code, run.stdout),
        (
            3,
            format!(
                "preload        not loaded\n\
                 kernel         7.3.0 (running): {}/extra/preload.ko\n",
                fake.path(MODULES).display()
            )
        )
    );
    let json: Value = serde_json::from_str(&fake.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(json["loaded"], false);
    assert_eq!(json["interposers"], serde_json::json!([]));
}

#[test]
fn status_shows_the_preload_ko_of_each_kernel() {
    let fake = Fake::new();
    fake.write("lib/modules/7.3.10/updates/dkms/preload.ko.zst", "");
    fs::create_dir_all(fake.path("lib/modules/7.3.9/kernel")).unwrap();
    fake.write("lib/modules/7.3.9/build/preload.ko", "");
    let modules = fake.path("lib/modules");
    let m = modules.display();
    let run = fake.run(&["status"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(&format!(
            "preload        loaded\n\
             kernel         7.3.0 (running): {m}/7.3.0/extra/preload.ko\n\
             kernel         7.3.9: no preload.ko\n\
             kernel         7.3.10: {m}/7.3.10/updates/dkms/preload.ko.zst\n\
             entries        0 (0 consumers)\n"
        )),
        "{}",
        run.stdout
    );
    let json: Value = serde_json::from_str(&fake.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(
        json["kernels"],
        serde_json::json!([
            {"release": "7.3.0", "running": true, "module": format!("{m}/7.3.0/extra/preload.ko")},
            {"release": "7.3.9", "running": false, "module": null},
            {"release": "7.3.10", "running": false,
             "module": format!("{m}/7.3.10/updates/dkms/preload.ko.zst")},
        ])
    );

    // The running kernel is listed even without a modules directory.
    fake.write("proc/sys/kernel/osrelease", "7.3.11\n");
    let run = fake.run(&["status"]);
    let end = format!(
        "kernel         7.3.0: {m}/7.3.0/extra/preload.ko\n\
         kernel         7.3.9: no preload.ko\n\
         kernel         7.3.10: {m}/7.3.10/updates/dkms/preload.ko.zst\n\
         kernel         7.3.11 (running): no preload.ko\n"
    );
    assert!(run.stdout.contains(&end), "{}", run.stdout);
}

/// What a signed module ends with.
const SIGNED: &str = "\x7fELF module~Module signature appended~\n";

/// The config options doctor wants, as a kernel config has them.
const KERNEL_CONFIG: &str = "CONFIG_RUST=y\nCONFIG_MODULES=y\nCONFIG_MODULE_UNLOAD=y\n\
    CONFIG_KALLSYMS_ALL=y\nCONFIG_KPROBES=y\nCONFIG_DYNAMIC_FTRACE=y\n\
    CONFIG_STRICT_MODULE_RWX=y\nCONFIG_UNWINDER_ORC=y\n";

/// The EFI variable saying whether Secure Boot is on.
const SECURE_BOOT: &str =
    "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// The link `systemctl enable preloadctl.service` makes.
const UNIT_LINK: &str = "etc/systemd/system/sysinit.target.wants/preloadctl.service";

/// A healthy machine for doctor: Linux 7.3.4 running with its config in
/// /boot, Secure Boot on, a signed preload.ko for it and for an installed
/// 7.3.9, its headers, a list in two files, applied, the unit enabled.
fn doctor_fake() -> Fake {
    let fake = Fake::new();
    fs::remove_dir_all(fake.path(MODULES)).unwrap();
    fake.write("proc/sys/kernel/osrelease", "7.3.4\n");
    for module in ["pl_a", "pl_b", "pl_c", "pl-d"] {
        fake.write(&format!("lib/modules/7.3.4/extra/{module}.ko"), "");
    }
    fake.write("lib/modules/7.3.4/updates/preload.ko", SIGNED);
    fake.write("lib/modules/7.3.4/build/Module.symvers", "");
    fake.write("lib/modules/7.3.9/updates/preload.ko", SIGNED);
    fake.write(
        "boot/config-7.3.4",
        &format!("#\n# Linux/x86 7.3.4 Kernel Configuration\n{KERNEL_CONFIG}CONFIG_SMP=y\n"),
    );
    fake.write(SECURE_BOOT, "\x06\0\0\0\x01");
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\n");
    fake.write("etc/preload-modules.d/10-more.conf", "pl_c: ?pl_d\n");
    fake.write("proc/preload/deps", "pl_a: pl_b\npl_c: ?pl_d\n");
    fs::create_dir_all(fake.path(UNIT_LINK).parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(
        "/usr/lib/systemd/system/preloadctl.service",
        fake.path(UNIT_LINK),
    )
    .unwrap();
    fake
}

/// Runs doctor; asserts that it exits with `code` and prints `line` (with
/// `{r}` for the root) among its findings.
fn doctor_says(fake: &Fake, code: i32, line: &str) {
    let run = fake.run(&["doctor"]);
    let line = line.replace("{r}", &fake.root().display().to_string());
    assert!(run.stdout.lines().any(|l| l == line), "{line}\n{run:?}");
    assert_eq!(run.code, code, "{run:?}");
    assert_eq!(run.stderr, "");
}

#[test]
fn doctor_on_a_healthy_machine_finds_nothing_to_fix() {
    let fake = doctor_fake();
    let run = fake.run(&["doctor"]);
    assert_eq!(run.code, 0, "{run:?}");
    let r = fake.root().display();
    let options =
        "CONFIG_RUST=y, CONFIG_MODULES=y, CONFIG_MODULE_UNLOAD=y, CONFIG_KALLSYMS_ALL=y, \
                   CONFIG_KPROBES=y, CONFIG_DYNAMIC_FTRACE=y, CONFIG_STRICT_MODULE_RWX=y, \
                   CONFIG_UNWINDER_ORC=y";
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "ok: kernel 7.3.4 is Linux 7.3.4, which preload accepts".to_owned(),
            format!("ok: kernel 7.3.4 has {options} ({r}/boot/config-7.3.4)"),
            "ok: Secure Boot is on: the kernel loads only modules signed with a key it trusts"
                .to_owned(),
            format!("ok: kernel 7.3.4 (running) has {r}/lib/modules/7.3.4/updates/preload.ko"),
            format!("ok: {r}/lib/modules/7.3.4/updates/preload.ko is signed"),
            format!("ok: kernel 7.3.9 (installed) has {r}/lib/modules/7.3.9/updates/preload.ko"),
            format!("ok: {r}/lib/modules/7.3.9/updates/preload.ko is signed"),
            format!(
                "ok: {r}/lib/modules/7.3.4/build/Module.symvers exists: preloadctl abi can run"
            ),
            format!("ok: preload is loaded ({r}/proc/preload/deps exists)"),
            "ok: the config checks (entries: 2, files: 2)".to_owned(),
            format!("ok: preloadctl.service is enabled ({r}/{UNIT_LINK} exists)"),
            "ok: the live list is the config's (entries: 2)".to_owned(),
            "doctor: errors: 0, warnings: 0, ok: 12".to_owned(),
        ]
    );
    assert_eq!(run.stderr, "");

    let json = fake.run(&["doctor", "--json"]);
    assert_eq!(json.code, 0, "{json:?}");
    let findings: Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    assert_eq!(findings.len(), 12);
    for finding in findings {
        assert_eq!(finding["severity"], "ok", "{finding}");
        assert_eq!(finding["fix"], Value::Null, "{finding}");
    }
    let checks: Vec<&str> = findings
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "kernel-release",
            "kernel-config",
            "secure-boot",
            "module",
            "signature",
            "module",
            "signature",
            "headers",
            "preload-loaded",
            "config",
            "unit",
            "live-list"
        ]
    );
    let help = fake.run(&["doctor", "--help"]);
    assert!(
        help.stdout.contains(
            "  10  doctor: it found warnings (and no errors)\n  11  doctor: it found errors"
        ),
        "{help:?}"
    );
}

#[test]
fn doctor_checks_the_running_kernel() {
    let fake = doctor_fake();
    fake.write(
        "boot/config-7.3.4",
        &KERNEL_CONFIG
            .replace("CONFIG_KPROBES=y", "# CONFIG_KPROBES is not set")
            .replace("CONFIG_RUST=y", "CONFIG_RUST=m"),
    );
    doctor_says(
        &fake,
        11,
        "error: kernel 7.3.4 has no CONFIG_KPROBES ({r}/boot/config-7.3.4); preload needs \
         CONFIG_KPROBES=y: fix: boot a kernel built with CONFIG_KPROBES=y (docs/install.md, \
         \"Building against your own kernel\")",
    );
    doctor_says(
        &fake,
        11,
        "error: kernel 7.3.4 has CONFIG_RUST=m ({r}/boot/config-7.3.4); preload needs \
         CONFIG_RUST=y: fix: boot a kernel built with CONFIG_RUST=y (docs/install.md, \
         \"Building against your own kernel\")",
    );

    // Without /boot/config-RELEASE, /proc/config.gz; without either it
    // cannot tell.
    fs::remove_file(fake.path("boot/config-7.3.4")).unwrap();
    doctor_says(
        &fake,
        10,
        "warning: cannot tell whether kernel 7.3.4 has what preload needs: neither \
         {r}/boot/config-7.3.4 nor {r}/proc/config.gz exists: fix: check that its config has \
         CONFIG_RUST=y, CONFIG_MODULES=y, CONFIG_MODULE_UNLOAD=y, CONFIG_KALLSYMS_ALL=y, \
         CONFIG_KPROBES=y, CONFIG_DYNAMIC_FTRACE=y, CONFIG_STRICT_MODULE_RWX=y, \
         CONFIG_UNWINDER_ORC=y, or install it as /boot/config-7.3.4",
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, KERNEL_CONFIG.as_bytes()).unwrap();
    fs::write(fake.path("proc/config.gz"), gz.finish().unwrap()).unwrap();
    let config = format!(
        "CONFIG_UNWINDER_ORC=y ({}/proc/config.gz)\n",
        fake.root().display()
    );
    let run = fake.run(&["doctor"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains(&config), "{run:?}");

    // preload refuses any kernel but the one its copies of the loader's
    // internals were checked against; once loaded, it took it.
    fs::remove_dir_all(fake.path("proc/preload")).unwrap();
    fake.write("proc/sys/kernel/osrelease", "7.3.9\n");
    doctor_says(
        &fake,
        11,
        "error: kernel 7.3.9: preload's copies of the module loader's internals are those of \
         Linux 7.3.4, 7.2.13, and it refuses to load on this one: fix: boot Linux 7.3.4 or 7.2.13 \
         (on Debian trixie: apt install -t trixie-backports linux-image-7.3.4+deb13-amd64; on \
         sid: linux-image-7.2.13+deb14-amd64)",
    );
    fake.write("proc/sys/kernel/osrelease", "6.12.0-31-amd64\n");
    doctor_says(
        &fake,
        11,
        "error: kernel 6.12.0-31-amd64: preload is for Rust-for-Linux 7.2 and 7.3 kernels, and \
         it refuses to load on this one: fix: boot Linux 7.3.4 or 7.2.13 (on Debian trixie: apt \
         install -t trixie-backports linux-image-7.3.4+deb13-amd64; on sid: \
         linux-image-7.2.13+deb14-amd64)",
    );
    fake.write("proc/preload/deps", "pl_a: pl_b\npl_c: ?pl_d\n");
    fake.write("proc/sys/kernel/osrelease", "7.3.9\n");
    doctor_says(
        &fake,
        10,
        "ok: kernel 7.3.9: preload is loaded on it (this preloadctl knows Linux 7.3.4, 7.2.13)",
    );

    // abi needs the headers.
    fake.write("proc/sys/kernel/osrelease", "7.3.4\n");
    fs::remove_file(fake.path("lib/modules/7.3.4/build/Module.symvers")).unwrap();
    doctor_says(
        &fake,
        10,
        "warning: no {r}/lib/modules/7.3.4/build/Module.symvers: preloadctl abi snapshot and \
         abi check cannot run: fix: apt install linux-headers-7.3.4",
    );
}

#[test]
fn doctor_wants_a_signed_preload_ko_for_every_kernel() {
    let fake = doctor_fake();
    fs::remove_file(fake.path("lib/modules/7.3.9/updates/preload.ko")).unwrap();
    doctor_says(
        &fake,
        10,
        "warning: no preload.ko for kernel 7.3.9 (installed): preload will not load after \
         booting it: fix: apt install preload-modules-7.3.9, or build and install it: make \
         modules KDIR=/lib/modules/7.3.9/build && install -D -m0644 \
         build/custom/modules/preload/preload.ko /lib/modules/7.3.9/updates/preload.ko && \
         depmod -a 7.3.9",
    );
    fs::remove_file(fake.path("lib/modules/7.3.4/updates/preload.ko")).unwrap();
    doctor_says(
        &fake,
        11,
        "error: no preload.ko for kernel 7.3.4 (running): preload cannot load: fix: apt install \
         preload-modules-7.3.4, or build and install it: make modules \
         KDIR=/lib/modules/7.3.4/build && install -D -m0644 \
         build/custom/modules/preload/preload.ko /lib/modules/7.3.4/updates/preload.ko && \
         depmod -a 7.3.4",
    );

    // Found anywhere under the release's directory, compressed or not.
    fake.write("lib/modules/7.3.9/extra/preload/preload.ko.xz", "");
    fake.write("lib/modules/7.3.4/extra/preload.ko", "\x7fELF unsigned\n");
    let sign = "sign it with a key the kernel trusts (enrolled with mokutil --import): \
                /lib/modules/7.3.4/build/scripts/sign-file sha256 MOK.priv MOK.der \
                {r}/lib/modules/7.3.4/extra/preload.ko (docs/install.md, \"Signing, for Secure \
                Boot\")";
    doctor_says(
        &fake,
        11,
        &format!(
            "error: {{r}}/lib/modules/7.3.4/extra/preload.ko is not signed, and kernel 7.3.4 \
             enforces signatures: it refuses to load it: fix: {sign}"
        ),
    );
    doctor_says(
        &fake,
        11,
        "warning: cannot tell whether {r}/lib/modules/7.3.9/extra/preload/preload.ko.xz is \
         signed (it is compressed), and kernel 7.3.9 may enforce signatures: fix: check that \
         modinfo -F signer {r}/lib/modules/7.3.9/extra/preload/preload.ko.xz names a key the \
         kernel trusts; if it names none, sign it with a key the kernel trusts (enrolled with \
         mokutil --import): /lib/modules/7.3.9/build/scripts/sign-file sha256 MOK.priv MOK.der \
         {r}/lib/modules/7.3.9/extra/preload/preload.ko.xz (docs/install.md, \"Signing, for \
         Secure Boot\")",
    );

    // Secure Boot off: unsigned modules load, unless module.sig_enforce=1.
    fake.write(SECURE_BOOT, "\x06\0\0\0\0");
    doctor_says(&fake, 0, "ok: Secure Boot is off");
    doctor_says(
        &fake,
        0,
        "ok: {r}/lib/modules/7.3.4/extra/preload.ko is not signed; signatures are not enforced \
         (it loads, tainting the kernel)",
    );
    fake.write("sys/module/module/parameters/sig_enforce", "Y\n");
    doctor_says(
        &fake,
        11,
        "ok: Secure Boot is off; module.sig_enforce=1: the running kernel loads only signed \
         modules",
    );
    fs::remove_file(fake.path("sys/module/module/parameters/sig_enforce")).unwrap();

    // No EFI variable (no UEFI, or efivarfs not mounted): it cannot tell.
    fs::remove_file(fake.path(SECURE_BOOT)).unwrap();
    doctor_says(
        &fake,
        10,
        "ok: cannot tell whether Secure Boot is on (no EFI variable {r}/sys/firmware/efi/efivars/\
         SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c)",
    );
    doctor_says(
        &fake,
        10,
        &format!(
            "warning: {{r}}/lib/modules/7.3.4/extra/preload.ko is not signed, and whether Secure \
             Boot is on cannot be told: if it is, kernel 7.3.4 refuses to load it: fix: {sign}"
        ),
    );
}

#[test]
fn doctor_checks_what_is_set_up() {
    let fake = doctor_fake();
    // The config must parse; the live list is not compared then.
    fake.write(
        "etc/preload-modules.d/20-bad.conf",
        "pl_c: pl_c\npl_b pl_c\n",
    );
    doctor_says(
        &fake,
        11,
        "error: {r}/etc/preload-modules.d/20-bad.conf:1: pl_c depends on itself: fix: correct \
         that line, then check with preloadctl check",
    );
    doctor_says(
        &fake,
        11,
        "error: {r}/etc/preload-modules.d/20-bad.conf:2: missing ':' after the consumer name: \
         fix: correct that line, then check with preloadctl check",
    );
    assert!(!fake.run(&["doctor"]).stdout.contains("live list"));
    fake.write("etc/preload-modules.d/20-bad.conf", "pl_c: pl_gone\n");
    doctor_says(
        &fake,
        10,
        "warning: {r}/etc/preload-modules.d/20-bad.conf:1: module pl_gone is not installed \
         under {r}/lib/modules/7.3.4: fix: install it under {r}/lib/modules/7.3.4, or remove it \
         from the list",
    );

    // The live list must be the config's merge.
    doctor_says(
        &fake,
        10,
        "warning: the live list differs from the config (-live, +config): -pl_c: ?pl_d, +pl_c: \
         ?pl_d pl_gone: fix: preloadctl apply",
    );
    fs::remove_file(fake.path("etc/preload-modules.d/20-bad.conf")).unwrap();
    fake.write(
        "proc/preload/deps",
        "pl_a: pl_c\npl_b: pl_c\npl_c: pl_d\npl_d: pl_e\npl_e: pl_f\n",
    );
    doctor_says(
        &fake,
        10,
        "warning: the live list differs from the config (-live, +config): -pl_a: pl_c, +pl_a: \
         pl_b, -pl_b: pl_c, -pl_c: pl_d, +pl_c: ?pl_d, -pl_d: pl_e, ... (1 more): fix: \
         preloadctl apply",
    );

    // preload must be loaded when a list is configured; the unit enabled.
    fs::remove_dir_all(fake.path("proc/preload")).unwrap();
    doctor_says(
        &fake,
        11,
        "error: preload is not loaded ({r}/proc/preload/deps does not exist), and a list is \
         configured: its consumers load without their dependencies: fix: modprobe preload",
    );
    fs::remove_file(fake.path(UNIT_LINK)).unwrap();
    doctor_says(
        &fake,
        11,
        "warning: preloadctl.service is not enabled (no {r}/etc/systemd/system/sysinit.target.\
         wants/preloadctl.service): at boot only preload's own read of \
         {r}/etc/preload-modules.conf applies, not {r}/etc/preload-modules.d/*.conf, and nothing \
         says if preload did not load: fix: systemctl enable preloadctl.service",
    );
    // Neither matters without a list (the example config has none).
    fs::remove_dir_all(fake.path("etc/preload-modules.d")).unwrap();
    fake.write("etc/preload-modules.conf", "# an example\n");
    doctor_says(
        &fake,
        0,
        "ok: preload is not loaded, and no list is configured",
    );
    doctor_says(
        &fake,
        0,
        "ok: preloadctl.service is not enabled, and no list is configured",
    );
    fs::remove_file(fake.path("etc/preload-modules.conf")).unwrap();
    doctor_says(
        &fake,
        0,
        "ok: no list is configured (no {r}/etc/preload-modules.conf, no \
         {r}/etc/preload-modules.d/*.conf)",
    );
}

#[test]
fn doctor_finds_files_at_the_old_paths() {
    let fake = doctor_fake();
    // Debian's readahead daemon's configuration is not ours.
    fake.write("etc/preload.conf", "[model]\ncycle = 20\n");
    doctor_says(
        &fake,
        0,
        "ok: {r}/etc/preload.conf belongs to Debian's readahead daemon (package preload), not \
         used",
    );
    fake.write("etc/preload.conf", "pl_a: pl_b\n");
    doctor_says(
        &fake,
        10,
        "warning: an install from before the paths changed: {r}/etc/preload.conf not moved yet: \
         fix: preloadctl migrate",
    );
    fake.write("etc/preload.conf", "what is this\n");
    doctor_says(
        &fake,
        10,
        "warning: {r}/etc/preload.conf is neither a dependency list nor the INI configuration of \
         Debian's readahead daemon: preloadctl migrate refuses to run: fix: correct it \
         (preloadctl check {r}/etc/preload.conf) or move it to {r}/etc/preload-modules.conf \
         yourself",
    );
    fs::remove_file(fake.path("etc/preload.conf")).unwrap();
    fake.write("var/lib/preload/last-good.conf", "pl_a: pl_c\n");
    fake.write("var/lib/preload/preload.state", "PRELOAD 0.6.4 7\n");
    fake.write("etc/preload.d/10-more.conf", "pl_c: ?pl_d\n");
    doctor_says(
        &fake,
        10,
        "warning: an install from before the paths changed: {r}/etc/preload.d/10-more.conf, \
         {r}/var/lib/preload/last-good.conf not moved yet: fix: preloadctl migrate",
    );
    doctor_says(
        &fake,
        10,
        "warning: {r}/etc/preload.d/10-more.conf and {r}/etc/preload-modules.d/10-more.conf \
         both exist: preloadctl migrate moves nothing while they do: fix: move or remove one of \
         them, then preloadctl migrate",
    );
    // Once migrated, nothing is left to say.
    fs::remove_dir_all(fake.path("etc/preload.d")).unwrap();
    assert_eq!(fake.run(&["migrate"]).code, 0);
    let run = fake.run(&["doctor"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("old"), "{run:?}");
}

/// Interposers in every lifecycle state, and an empty
/// `/proc/preload/lifecycle` (a plain file: it keeps what was written).
fn lifecycle_fake() -> Fake {
    let fake = Fake::new();
    fake.write(
        "proc/preload/interposers",
        "fresh bound=0 consumers=- symbols=x version=1.0 swap=yes state=loaded handlers=start,quiesce\n\
         plain bound=0 consumers=- symbols=x version=- swap=no state=loaded handlers=-\n\
         running bound=0 consumers=- symbols=x version=1.0 swap=yes state=started handlers=start,quiesce\n\
         busy bound=2 consumers=pl_a,pl_user symbols=x version=1.0 swap=yes state=started handlers=quiesce\n\
         done bound=0 consumers=- symbols=x version=1.0 swap=retired:busy state=quiesced handlers=quiesce\n",
    );
    fake.write("proc/preload/lifecycle", "");
    fake
}

#[test]
fn start_and_quiesce_write_one_request_each() {
    let fake = lifecycle_fake();
    let run = fake.run(&["start", "fresh"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "started fresh\n"),
        "{run:?}"
    );
    assert_eq!(fake.read("proc/preload/lifecycle"), "start fresh\n");

    fake.write("proc/preload/lifecycle", "");
    let run = fake.run(&["quiesce", "running"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "quiesced running\n"),
        "{run:?}"
    );
    assert_eq!(fake.read("proc/preload/lifecycle"), "quiesce running\n");
}

#[test]
fn lifecycle_refusals_say_why_and_exit_9() {
    let fake = lifecycle_fake();
    // /dev/full fails every write with ENOSPC, as a handler's error would.
    fs::remove_file(fake.path("proc/preload/lifecycle")).unwrap();
    std::os::unix::fs::symlink("/dev/full", fake.path("proc/preload/lifecycle")).unwrap();
    let run = fake.run(&["start", "fresh"]);
    assert_eq!(run.code, 9, "{run:?}");
    assert_eq!(
        run.stderr_lines(),
        [
            "preloadctl: start fresh refused: fresh's start handler failed: \
          No space left on device; fresh stays loaded"
        ]
    );
    let run = fake.run(&["quiesce", "plain"]);
    assert_eq!(run.code, 9, "{run:?}");
    assert_eq!(
        run.stderr_lines(),
        ["preloadctl: quiesce plain refused: the kernel refused it \
          (No space left on device; its log says why)"]
    );

    fs::remove_file(fake.path("proc/preload/lifecycle")).unwrap();
    let old = fake.run(&["start", "fresh"]);
    assert_eq!(old.code, 9, "{old:?}");
    assert!(
        old.stderr
            .contains("lifecycle does not exist: this preload has no interposer lifecycle"),
        "{old:?}"
    );
    fs::remove_dir_all(fake.path("proc/preload")).unwrap();
    let unloaded = fake.run(&["quiesce", "running"]);
    assert_eq!(unloaded.code, 3, "{unloaded:?}");
    assert!(unloaded.stderr.contains("preload is not loaded"));
}

/// `stop` with `rmmod` replaced by a script that logs its arguments and
/// fails if `fail` is set.
fn stop(fake: &Fake, module: &str, fail: bool) -> Run {
    fake.write(
        "bin/rmmod",
        &format!(
            "#!/bin/sh\necho \"rmmod $*\" >>\"$(dirname \"$0\")/../tools.log\"\n{}",
            if fail {
                "echo \"rmmod: ERROR: Module $1 is in use\" >&2\nexit 1\n"
            } else {
                ""
            }
        ),
    );
    let script = fake.path("bin/rmmod");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let rmmod = script.display().to_string();
    fake.run_env(&["stop", module], &[("PRELOADCTL_RMMOD", &rmmod)])
}

#[test]
fn stop_quiesces_what_is_started_then_unloads() {
    let fake = lifecycle_fake();
    let run = stop(&fake, "running", false);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "stopped running: quiesced and unloaded\n"),
        "{run:?}"
    );
    assert_eq!(fake.read("proc/preload/lifecycle"), "quiesce running\n");
    assert_eq!(fake.read("tools.log"), "rmmod running\n");

    fake.write("proc/preload/lifecycle", "");
    let run = stop(&fake, "done", false);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "stopped done: unloaded (it was quiesced already)\n"),
        "{run:?}"
    );
    let run = stop(&fake, "plain", false);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "stopped plain: unloaded\n"),
        "{run:?}"
    );
    assert_eq!(fake.read("proc/preload/lifecycle"), "");
    assert_eq!(
        fake.read("tools.log"),
        "rmmod running\nrmmod done\nrmmod plain\n"
    );
}

#[test]
fn stop_refuses_before_touching_anything() {
    let fake = lifecycle_fake();
    let busy = stop(&fake, "busy", false);
    assert_eq!(busy.code, 9, "{busy:?}");
    assert_eq!(
        busy.stderr_lines(),
        [
            "preloadctl: stop busy refused: busy serves 2 consumer(s): pl_a, pl_user \
          (swap them to another interposer or unload them first)"
        ]
    );
    let not_ours = stop(&fake, "pl_c", false);
    assert_eq!(not_ours.code, 9, "{not_ours:?}");
    assert_eq!(
        not_ours.stderr_lines(),
        ["preloadctl: stop pl_c refused: pl_c is not an interposer preload manages; use rmmod"]
    );
    assert_eq!(fake.read("proc/preload/lifecycle"), "");
    assert!(!fake.path("tools.log").exists());

    let failed = stop(&fake, "running", true);
    assert_eq!(failed.code, 9, "{failed:?}");
    assert!(
        failed.stderr.ends_with(
            "failed (exit status: 1): rmmod: ERROR: Module running is in use; \
             running stays loaded, quiesced\n"
        ),
        "{failed:?}"
    );
    assert_eq!(fake.read("proc/preload/lifecycle"), "quiesce running\n");
}

/// Two started, swappable versions of the sample; `/proc/preload/swap` is
/// an empty plain file (it keeps what was written).
fn swap_fake() -> Fake {
    let fake = Fake::new();
    fake.write(
        "proc/preload/interposers",
        "interposer bound=1 consumers=pl_a symbols=x version=1.0 swap=yes state=started handlers=quiesce\n\
         interposer_v2 bound=0 consumers=- symbols=x version=2.0 swap=yes state=started handlers=quiesce\n",
    );
    fake.write("proc/preload/swap", "");
    fake.write("proc/preload/lifecycle", "");
    fake
}

#[test]
fn swap_writes_the_timeout_in_its_one_request() {
    let fake = swap_fake();
    let run = fake.run(&["swap", "interposer", "interposer-v2", "--timeout", "300"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        fake.read("proc/preload/swap"),
        "interposer interposer_v2 timeout=300\n"
    );
    assert!(
        run.stdout
            .starts_with("swapped interposer for interposer_v2; interposer_v2 now serves"),
        "{run:?}"
    );
    fake.write("proc/preload/swap", "");
    let run = fake.run(&["swap", "--force", "interposer", "interposer_v2"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        fake.read("proc/preload/swap"),
        "interposer interposer_v2 force\n"
    );
}

#[test]
fn swap_says_where_the_old_one_is_still_named() {
    let fake = swap_fake();
    fake.write("proc/preload/deps", "pl_a: interposer\n");
    fake.write(
        "etc/preload-modules.conf",
        "# interposer: the sample\npl_a:  interposer ?pl_b\n",
    );
    fake.write("etc/preload-modules.d/10.conf", "pl_b: ?interposer\n");
    let run = fake.run(&["swap", "interposer", "interposer_v2"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[2..],
        [
            format!(
                "the config still names interposer ({}:2, {}:1): name interposer_v2 there \
                 (swap --update-config does it at the swap)",
                fake.path("etc/preload-modules.conf").display(),
                fake.path("etc/preload-modules.d/10.conf").display()
            ),
            "the live list still names interposer, whose consumers interposer_v2 serves while \
             interposer is loaded; after rmmod interposer their next load would load interposer \
             again: 'preloadctl reload' applies the config once it names interposer_v2"
                .to_owned(),
        ]
    );
    assert_eq!(
        fake.read("etc/preload-modules.d/10.conf"),
        "pl_b: ?interposer\n"
    );
    // Named nowhere: nothing more to say.
    fake.write("proc/preload/deps", "");
    fs::remove_file(fake.path("etc/preload-modules.conf")).unwrap();
    fs::remove_file(fake.path("etc/preload-modules.d/10.conf")).unwrap();
    let run = fake.run(&["swap", "interposer", "interposer_v2"]);
    assert_eq!(run.stdout.lines().count(), 2, "{run:?}");
}

#[test]
fn swap_update_config_renames_old_in_every_config_file() {
    use std::os::unix::fs::PermissionsExt;
    let fake = swap_fake();
    fake.write("proc/preload/deps", "pl_a: interposer\n");
    let main = "# interposer: the sample\n\npl_a:  interposer ?pl_b\t# kept\npl-c: ?interposer\n";
    fake.write("etc/preload-modules.conf", main);
    fake.write("etc/preload-modules.d/10.conf", "pl_b: ?Interposer pl_d\n");
    fake.write("shared/30.conf", "pl_d:\tinterposer\r\n");
    std::os::unix::fs::symlink(
        fake.path("shared/30.conf"),
        fake.path("etc/preload-modules.d/30.conf"),
    )
    .unwrap();
    fs::set_permissions(
        fake.path("shared/30.conf"),
        fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let run = fake.run(&["swap", "--update-config", "interposer", "interposer-v2"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[2..],
        [
            format!(
                "updated {}: interposer -> interposer_v2 (line 4)",
                fake.path("etc/preload-modules.conf").display()
            ),
            format!(
                "updated {}: interposer -> interposer_v2 (line 1)",
                fake.path("etc/preload-modules.d/30.conf").display()
            ),
            "the live list still names interposer, whose consumers interposer_v2 serves while \
             interposer is loaded; after rmmod interposer their next load would load interposer \
             again: 'preloadctl reload' applies the updated config"
                .to_owned(),
        ]
    );
    // Line 3 is refused by the grammar ('#' is no module name): left alone.
    assert_eq!(
        fake.read("etc/preload-modules.conf"),
        "# interposer: the sample\n\npl_a:  interposer ?pl_b\t# kept\npl-c: ?interposer_v2\n"
    );
    assert_eq!(
        fake.read("etc/preload-modules.d/10.conf"),
        "pl_b: ?Interposer pl_d\n"
    );
    // The link stays a link; its target changed, mode kept.
    assert!(
        fs::symlink_metadata(fake.path("etc/preload-modules.d/30.conf"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fake.read("shared/30.conf"), "pl_d:\tinterposer_v2\r\n");
    let mode = fs::metadata(fake.path("shared/30.conf"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    let leftovers: Vec<_> = fs::read_dir(fake.path("shared"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["30.conf"]);

    // A second time there is nothing left to rename; as JSON.
    let run = fake.run(&[
        "swap",
        "--update-config",
        "--json",
        "interposer",
        "interposer_v2",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["old"], "interposer");
    assert_eq!(json["new"], "interposer_v2");
    assert_eq!(json["old_state"], "started");
    assert_eq!(json["serves"], serde_json::json!([]));
    assert_eq!(json["config_updated"], true);
    assert_eq!(json["config_files"], serde_json::json!([]));
    assert_eq!(json["live_list_names_old"], true);
    assert_eq!(json["interrupted"], Value::Null);
}

#[test]
fn swap_update_config_changes_no_file_if_the_config_would_break() {
    let fake = swap_fake();
    fake.write("etc/preload-modules.conf", "pl_a: interposer\n");
    fake.write(
        "etc/preload-modules.d/10.conf",
        "interposer_v2: interposer\n",
    );
    let run = fake.run(&["swap", "--update-config", "interposer", "interposer_v2"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with("swapped interposer for interposer_v2"),
        "{run:?}"
    );
    assert_eq!(
        run.stderr_lines(),
        [
            format!(
                "{}:1: interposer_v2 depends on itself",
                fake.path("etc/preload-modules.d/10.conf").display()
            ),
            "preloadctl: swap interposer -> interposer_v2 done, but the config was not updated: \
             naming interposer_v2 in place of interposer would make the config invalid \
             (errors: 1); no file was changed"
                .to_owned(),
        ]
    );
    assert_eq!(fake.read("etc/preload-modules.conf"), "pl_a: interposer\n");
    assert_eq!(
        fake.read("etc/preload-modules.d/10.conf"),
        "interposer_v2: interposer\n"
    );
}

/// `swap --dry-run` with `--update-config` says which files the swap would
/// change, or that it would refuse to; with `--json`, as one object. Nothing
/// is written either way.
#[test]
fn swap_dry_run_says_what_update_config_would_change() {
    let fake = swap_fake();
    fake.write("proc/preload/deps", "pl_a: interposer\n");
    fake.write("etc/preload-modules.conf", "pl_a: interposer ?pl_b\n");
    fake.write("etc/preload-modules.d/10.conf", "pl_b: ?interposer\n");
    let before = listing(&fake);
    let main_conf = fake.path("etc/preload-modules.conf").display().to_string();
    let snippet = fake
        .path("etc/preload-modules.d/10.conf")
        .display()
        .to_string();

    let run = fake.run(&["swap", "--dry-run", "interposer", "interposer_v2"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[1..],
        [
            format!(
                "the config names interposer ({main_conf}:1, {snippet}:1): swap \
                 --update-config would name interposer_v2 there"
            ),
            "dry run: nothing was changed".to_owned(),
        ],
        "{run:?}"
    );

    let run = fake.run(&[
        "swap",
        "--dry-run",
        "--update-config",
        "interposer",
        "interposer_v2",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[1..],
        [
            format!("would update {main_conf}: interposer -> interposer_v2 (line 1)"),
            format!("would update {snippet}: interposer -> interposer_v2 (line 1)"),
            "dry run: nothing was changed".to_owned(),
        ],
        "{run:?}"
    );

    let run = fake.run(&[
        "swap",
        "--dry-run",
        "--update-config",
        "--json",
        "interposer",
        "interposer_v2",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["request"], "interposer interposer_v2");
    assert_eq!(json["would_serve"], serde_json::json!(["pl_a"]));
    assert_eq!(json["config_update"], true);
    assert_eq!(
        json["config_files"],
        serde_json::json!([
            {"file": main_conf, "lines": [1]},
            {"file": snippet, "lines": [1]},
        ])
    );
    assert_eq!(json["config_error"], Value::Null);

    // A rename that would break the config: the dry run says so, exit 1.
    fake.write(
        "etc/preload-modules.d/10.conf",
        "interposer_v2: interposer\n",
    );
    let before_broken = listing(&fake);
    let run = fake.run(&[
        "swap",
        "--dry-run",
        "--update-config",
        "interposer",
        "interposer_v2",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(
            "preloadctl: swap interposer -> interposer_v2 --update-config would fail: naming \
             interposer_v2 in place of interposer would make the config invalid"
        ),
        "{run:?}"
    );
    assert_eq!(listing(&fake), before_broken);
    fake.write("etc/preload-modules.d/10.conf", "pl_b: ?interposer\n");
    assert_eq!(listing(&fake), before);
    assert_eq!(fake.read("proc/preload/swap"), "");
}

#[test]
fn a_bad_swap_timeout_is_a_usage_error_that_writes_nothing() {
    let fake = swap_fake();
    for bad in ["abc", "0", "-1", "1.5", "99999999999"] {
        let timeout = format!("--timeout={bad}");
        let run = fake.run(&["swap", "interposer", "interposer_v2", &timeout]);
        assert_eq!(run.code, 2, "{bad}: {run:?}");
        assert!(
            run.stderr.contains("invalid value") && run.stderr.contains("--timeout <MS>"),
            "{bad}: {run:?}"
        );
        assert_eq!(fake.read("proc/preload/swap"), "", "{bad}");
    }
}

/// Runs `swap interposer interposer_v2` against a full FIFO for
/// `/proc/preload/swap`, so its write waits as the kernel's would; once it
/// waits, the interposers read `after` and it is sent `signal`.
fn interrupted_swap(after: &str, signal: libc::c_int) -> Run {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fake = swap_fake();
    let swap = fake.path("proc/preload/swap");
    fs::remove_file(&swap).unwrap();
    let status = Command::new("mkfifo").arg(&swap).status().unwrap();
    assert!(status.success());
    // Held open for reading and writing (which does not wait for a
    // partner) and filled, so that the next write waits.
    let mut pipe = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&swap)
        .unwrap();
    while pipe.write(&[0; 4096]).is_ok() {}
    let mut child = Command::new(env!("CARGO_BIN_EXE_preloadctl"))
        .args(["swap", "interposer", "interposer_v2"])
        .env("PRELOADCTL_ROOT", fake.root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let wchan = format!("/proc/{}/wchan", child.id());
    let pause = std::time::Duration::from_millis(10);
    let mut tries = 0;
    // `pipe_write`, or `anon_pipe_write` on newer kernels.
    while !fs::read_to_string(&wchan)
        .unwrap_or_default()
        .ends_with("pipe_write")
    {
        tries += 1;
        if tries == 1000 {
            let _ = child.kill();
            panic!("preloadctl never waited in its write");
        }
        std::thread::sleep(pause);
    }
    fake.write("proc/preload/interposers", after);
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} {}", child.id());
    tries = 0;
    while child.try_wait().unwrap().is_none() {
        tries += 1;
        if tries == 1000 {
            let _ = child.kill();
            panic!("preloadctl did not end after the signal");
        }
        std::thread::sleep(pause);
    }
    drop(pipe);
    Run::from(child.wait_with_output().unwrap())
}

#[test]
fn an_interrupted_swap_reports_the_state_it_left() {
    let moved = "interposer bound=0 consumers=- symbols=x version=1.0 swap=retired:interposer_v2 state=quiescing handlers=quiesce\n\
                 interposer_v2 bound=1 consumers=pl_a symbols=x version=2.0 swap=yes state=started handlers=quiesce\n";
    let run = interrupted_swap(moved, libc::SIGINT);
    assert_eq!(run.code, 8, "{run:?}");
    assert_eq!(
        run.stderr,
        "preloadctl: swap interposer -> interposer_v2: SIGINT ended the wait for \
         interposer's calls still running; the consumers had moved already\n"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "swapped interposer for interposer_v2; interposer_v2 now serves pl_a"
    );
    assert!(
        lines[1].starts_with(
            "interposer is still quiescing (a call is still inside it): \
             run 'preloadctl quiesce interposer' (or echo 'quiesce interposer' > "
        ),
        "{run:?}"
    );

    let unmoved = swap_fake().read("proc/preload/interposers");
    let run = interrupted_swap(&unmoved, libc::SIGTERM);
    assert_eq!(run.code, 9, "{run:?}");
    assert_eq!(
        run.stderr,
        "preloadctl: swap interposer -> interposer_v2: SIGTERM ended it before the \
         consumers moved: nothing was swapped; interposer is started and serves pl_a\n"
    );
}

#[test]
fn explain_walks_the_live_list() {
    let fake = Fake::new();
    fake.write(
        "proc/preload/deps",
        "pl_a: pl_b ?pl_gone pl-d\npl_b: pl_c pl_d\npl_d: pl_lost\n",
    );
    let run = fake.run(&["explain", "pl-a"]);
    assert_eq!(run.code, 9, "{run:?}");
    assert_eq!(
        run.stderr,
        "preloadctl: loading pl_a would fail: required pl_lost is missing from disk\n"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "using the live list, {}",
            fake.path("proc/preload/deps").display()
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "pl_a: not loaded, installed at {}",
            fake.path(&format!("{MODULES}/extra/pl_a.ko")).display()
        )
    );
    assert_eq!(
        lines[2..],
        [
            "  pl_b  required, not loaded: would be loaded first",
            "    pl_c  required, loaded already (preload links it)",
            "    pl_d  required, not loaded: would be loaded first",
            "      pl_lost  required, missing from disk: the load would fail",
            "  ?pl_gone  optional, missing from disk: skipped with a warning",
            "  pl_d  required, not loaded; see above",
            "would load first, in this order: pl_d pl_b",
            "result: the load would fail: required pl_lost is missing from disk",
        ]
    );
}

#[test]
fn explain_names_cycles_in_files_and_unlisted_modules() {
    let fake = Fake::new();
    fake.write("c.conf", "pl_a: ?pl_b\npl_b: pl_a\n");
    let run = fake.run(&["explain", "pl_a", "c.conf"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("using the config, c.conf\n"),
        "{run:?}"
    );
    assert!(run
        .stdout
        .contains("    pl_a  required, dependency cycle: pl_a -> pl_b -> pl_a\n"));
    // The cycle is behind an optional dependency, which preload would skip.
    assert!(
        run.stdout.ends_with("result: the load would go ahead\n"),
        "{run:?}"
    );
    assert!(run.stderr.contains("c.conf:2: dependency cycle"), "{run:?}");

    let unlisted = fake.run(&["explain", "pl_b", "c.conf"]);
    assert_eq!(unlisted.code, 9, "{unlisted:?}");
    assert!(
        unlisted
            .stdout
            .ends_with("result: the load would fail: dependency cycle: pl_b -> pl_a -> pl_b\n"),
        "{unlisted:?}"
    );
    let loaded = fake.run(&["explain", "pl_c"]);
    assert_eq!(loaded.code, 0, "{loaded:?}");
    assert!(loaded
        .stdout
        .ends_with("result: it is loaded already; loading it again does nothing\n"));
    let none = fake.run(&["explain", "pl_d"]);
    assert_eq!(none.code, 0, "{none:?}");
    assert!(none
        .stdout
        .ends_with("result: it has no entry in the list; preload loads nothing first\n"));
    let bad = fake.run(&["explain", "pl/a"]);
    assert_eq!(bad.code, 2, "{bad:?}");
}

#[test]
fn explain_fails_on_an_interposer_out_of_service() {
    let fake = Fake::new();
    fake.write(
        "proc/modules",
        "idle 12288 0 - Live 0x0\nold 12288 0 - Live 0x0\nnew 12288 0 - Live 0x0\n\
         busy 12288 0 - Live 0x0\npreload 40960 0 - Live 0x0 (O)\n",
    );
    fake.write(
        "proc/preload/interposers",
        "idle bound=0 consumers=- symbols=x version=1.0 swap=yes state=quiesced handlers=quiesce\n\
         old bound=0 consumers=- symbols=x version=1.0 swap=retired:new state=quiesced handlers=quiesce\n\
         new bound=1 consumers=pl_c symbols=x version=2.0 swap=yes state=started handlers=quiesce\n\
         busy bound=0 consumers=- symbols=x version=1.0 swap=yes state=quiescing handlers=quiesce\n",
    );
    fake.write(
        "proc/preload/deps",
        "pl_a: idle\npl_b: old ?busy\npl_c: ?idle pl_b\n",
    );
    let run = fake.run(&["explain", "pl_a"]);
    assert_eq!(run.code, 9, "{run:?}");
    assert!(
        run.stdout.ends_with(
            "  idle  required, loaded already, idle is quiesced, out of service \
             (preloadctl start idle): the load would fail\n\
             result: the load would fail: required interposer idle: idle is quiesced, \
             out of service (preloadctl start idle)\n"
        ),
        "{run:?}"
    );
    // A retired interposer's consumers go to the one that took over; an
    // optional one out of service is skipped.
    let run = fake.run(&["explain", "pl_c"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[2..],
        [
            "  ?idle  optional, loaded already, idle is quiesced, out of service \
             (preloadctl start idle): skipped with a warning",
            "  pl_b  required, not loaded: would be loaded first",
            "    old  required, loaded already, retired: preload links the consumer to new, \
             which serves in its place",
            "    ?busy  optional, loaded already, busy is quiescing, out of service \
             (preloadctl start busy): skipped with a warning",
            "would load first, in this order: pl_b",
            "result: the load would go ahead",
        ]
    );

    // The successor out of service too: the retired one's consumers fail.
    fake.write(
        "proc/preload/interposers",
        "old bound=0 consumers=- symbols=x version=1.0 swap=retired:new state=quiesced handlers=quiesce\n\
         new bound=0 consumers=- symbols=x version=2.0 swap=yes state=quiesced handlers=quiesce\n",
    );
    let run = fake.run(&["explain", "--json", "pl_b"]);
    assert_eq!((run.code, run.stderr.as_str()), (9, ""), "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["module"], "pl_b");
    assert_eq!(json["result"], "fails");
    assert_eq!(
        json["failures"],
        serde_json::json!([
            "required interposer old: new is quiesced (it serves for old), \
             out of service (preloadctl start new)"
        ])
    );
    assert_eq!(json["dependencies"][0]["name"], "old");
    assert_eq!(json["dependencies"][0]["status"], "out-of-service");
    assert_eq!(json["dependencies"][1]["optional"], true);
    assert_eq!(json["order"], serde_json::json!([]));
    let source = format!(
        "the live list, {}",
        fake.path("proc/preload/deps").display()
    );
    assert_eq!(json["source"], source.as_str());

    let run = fake.run(&["explain", "--json", "pl_c"]);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!((run.code, &json["result"]), (9, &Value::from("fails")));
    assert_eq!(json["order"], serde_json::json!(["pl_b"]));
}

#[test]
fn restart_refuses_before_touching_anything() {
    let fake = Fake::new();
    fake.write("bad.conf", "pl_a pl_b\n");
    let invalid = fake.run(&["restart", "bad.conf"]);
    assert_eq!(invalid.code, 1, "{invalid:?}");
    assert_eq!(
        invalid.stderr_lines(),
        [
            "bad.conf:1: missing ':' after the consumer name",
            "preloadctl: refusing to restart: the config does not check"
        ]
    );
    fake.write("proc/modules", "preload 40960 1 interposer, Live 0x0\n");
    fake.write("good.conf", "pl_a: pl_b\n");
    let in_use = fake.run(&["restart", "good.conf"]);
    assert_eq!(in_use.code, 9, "{in_use:?}");
    assert!(in_use
        .stderr
        .contains("refusing to restart: preload is in use by interposer"));

    fs::remove_dir_all(fake.path("proc/preload")).unwrap();
    let unloaded = fake.run(&["restart", "good.conf"]);
    assert_eq!(unloaded.code, 3, "{unloaded:?}");
    assert!(unloaded
        .stderr
        .contains("refusing to restart: preload is not loaded"));
    assert!(!fake.path("run/preloadctl").exists());
}

#[test]
fn restart_loads_preload_with_the_merged_list_from_run_preloadctl() {
    let fake = Fake::new();
    fake.write("proc/preload/deps", "pl_c: pl_d\n");
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\n");
    fake.write("etc/preload-modules.d/10.conf", "pl-c: pl_b\n");
    // modprobe "loads" preload with config=FILE: the live list is the file's.
    fake.write(
        "bin/tool",
        "#!/bin/sh\necho \"$*\" >>\"$(dirname \"$0\")/../tools.log\"\n\
         case $3 in config=*) cp \"${3#config=}\" \"$(dirname \"$0\")/../proc/preload/deps\";; esac\n",
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(fake.path("bin/tool"), fs::Permissions::from_mode(0o755)).unwrap();
    let tool = fake.path("bin/tool").display().to_string();
    let (rmmod, modprobe) = (format!("{tool} rmmod"), format!("{tool} modprobe"));
    let run = fake.run_env(
        &["restart"],
        &[
            ("PRELOADCTL_RMMOD", &rmmod),
            ("PRELOADCTL_MODPROBE", &modprobe),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let merged = fake.path("run/preloadctl/preload-modules.conf");
    assert_eq!(
        run.stdout,
        format!(
            "restarted preload (entries: 2, config: {}); history entry 2\n",
            merged.display()
        )
    );
    assert_eq!(
        fake.read("run/preloadctl/preload-modules.conf"),
        "pl_a: pl_b\npl_c: pl_b\n"
    );
    assert_eq!(fake.read("run/preloadctl/previous.conf"), "pl_c: pl_d\n");
    assert_eq!(
        fake.read("var/lib/preloadctl/history/1.conf"),
        "pl_c: pl_d\n"
    );
    assert_eq!(
        fake.read("var/lib/preloadctl/history/2.conf"),
        "pl_a: pl_b\npl_c: pl_b\n"
    );
    let entry: Value =
        serde_json::from_str(&fake.read("var/lib/preloadctl/history/2.json")).unwrap();
    assert_eq!(entry["command"], "restart");
    assert_eq!(
        fake.read("tools.log"),
        format!(
            "rmmod preload\nmodprobe preload config={}\n",
            merged.display()
        )
    );
}

/// `reload` is `apply` (as `systemctl reload`): the list changes live,
/// preload stays loaded, and it works while preload is in use.
#[test]
fn reload_applies_the_config_live_without_unloading() {
    let fake = Fake::new();
    fake.write("proc/preload/deps", "pl_c: pl_d\n");
    fake.write("proc/modules", "preload 40960 1 interposer, Live 0x0\n");
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\n");
    // rmmod and modprobe fail loudly if they are run at all.
    let never = "false";
    let tools = [("PRELOADCTL_RMMOD", never), ("PRELOADCTL_MODPROBE", never)];
    let dry = fake.run_env(&["reload", "--dry-run"], &tools);
    assert_eq!(
        (dry.code, dry.stdout.as_str()),
        (0, "+pl_a: pl_b\n-pl_c: pl_d\n"),
        "{dry:?}"
    );
    let run = fake.run_env(&["reload"], &tools);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("applied (entries: 1, files: 1)"),
        "{run:?}"
    );
    assert_eq!(fake.read("proc/preload/deps"), "pl_a: pl_b\n");
    // Recorded in the history as the apply it is.
    assert_eq!(
        fake.read("var/lib/preloadctl/history/1.conf"),
        "pl_c: pl_d\n"
    );
    assert_eq!(
        fake.read("var/lib/preloadctl/history/2.conf"),
        "pl_a: pl_b\n"
    );
    let entry: Value =
        serde_json::from_str(&fake.read("var/lib/preloadctl/history/2.json")).unwrap();
    assert_eq!(entry["command"], "apply");
    assert!(!fake.path("run/preloadctl").exists());
    let again = fake.run_env(&["reload"], &tools);
    assert_eq!(again.stdout, "unchanged (entries: 1)\n");
    let help = fake.run(&["--help"]).stdout;
    assert!(help.contains("[alias: reload]"), "{help}");
}

#[test]
fn every_help_lists_the_exit_codes_and_usage_errors_exit_2() {
    let fake = Fake::new();
    for command in [
        "check", "apply", "reload", "restart", "rollback", "history", "status", "explain", "abi",
        "start", "quiesce", "stop", "migrate", "swap", "prepare", "commit", "abort", "doctor",
    ] {
        let run = fake.run(&[command, "--help"]);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout
                .contains("Exit codes:\n  0  success\n  1  the config is invalid"),
            "{command}"
        );
        assert!(
            run.stdout
                .contains("\n  3  preload is not loaded (status too)\n")
                && run.stdout.contains("\n  9  the kernel refused the request"),
            "{command}"
        );
    }
    assert_eq!(fake.run(&["frobnicate"]).code, 2);
    assert_eq!(fake.run(&["explain"]).code, 2);
}

#[test]
fn quiet_prints_nothing_on_success_but_errors() {
    let fake = Fake::new();
    fake.write("etc/preload-modules.conf", "pl_a: pl_b ?pl_gone\n");
    // Warnings (pl_gone is not installed) are kept back on success.
    for args in [
        &["-q", "check"][..],
        &["check", "--quiet"],
        &["--quiet", "apply"],
        &["-q", "status", "--json"],
        &["-q", "explain", "pl_a"],
    ] {
        let run = fake.run(args);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (0, "", ""),
            "{args:?}"
        );
    }
    assert_eq!(fake.read("proc/preload/deps"), "pl_a: pl_b ?pl_gone\n");

    // The history's warning about a broken entry is kept back too, and so
    // is everything `history`, a dry run and `doctor` print; `doctor`'s
    // findings still show in its exit code.
    fake.write("var/lib/preloadctl/history/9.conf", "pl_a: pl_b\n");
    fake.write("var/lib/preloadctl/history/9.json", "{not json");
    let loud = fake.run(&["history"]);
    assert!(
        loud.stderr.starts_with("preloadctl: warning: ") && !loud.stdout.is_empty(),
        "{loud:?}"
    );
    for args in [
        &["-q", "history"][..],
        &["history", "--json", "-q"],
        &["-q", "rollback", "--dry-run"],
        &["-q", "restart", "--dry-run"],
    ] {
        let run = fake.run(args);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (0, "", ""),
            "{args:?}"
        );
    }
    let doctor = fake.run(&["doctor"]);
    assert!(matches!(doctor.code, 10 | 11), "{doctor:?}");
    let run = fake.run(&["-q", "doctor"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (doctor.code, "", "")
    );
    fs::remove_file(fake.path("var/lib/preloadctl/history/9.json")).unwrap();
    fs::remove_file(fake.path("var/lib/preloadctl/history/9.conf")).unwrap();

    // Errors still go to standard error, with what explains them.
    fake.write("etc/preload-modules.d/10.conf", "pl_b: ?pl_gone pl_a\n");
    let run = fake.run(&["-q", "check"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("warning: optional dependency pl_gone is not installed")
            && run
                .stderr
                .contains("dependency cycle: pl_a -> pl_b -> pl_a")
            && run
                .stderr
                .ends_with("preloadctl: check failed (errors: 1, warnings: 1, files: 2)\n"),
        "{run:?}"
    );
    let run = fake.run(&["-q", "apply"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    assert!(run
        .stderr
        .ends_with("preloadctl: the config is invalid (errors: 1); nothing was changed\n"));

    // A status that is not 0 says nothing more than its code.
    fs::remove_dir_all(fake.path("proc/preload")).unwrap();
    let run = fake.run(&["status", "-q"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (3, "", "")
    );
}

/// A syslog socket at the fake root's `dev/log`: the audit lines sent to it.
struct Syslog {
    socket: std::os::unix::net::UnixDatagram,
}

impl Syslog {
    fn bind(fake: &Fake) -> Syslog {
        fs::create_dir_all(fake.path("dev")).unwrap();
        let socket = std::os::unix::net::UnixDatagram::bind(fake.path("dev/log")).unwrap();
        socket.set_nonblocking(true).unwrap();
        Syslog { socket }
    }

    /// The datagrams received since the last call.
    fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut buf = [0; 4096];
        while let Ok(n) = self.socket.recv(&mut buf) {
            lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        lines
    }
}

/// This process's real user id, as preloadctl reads its own.
fn my_uid() -> String {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let uids = status.lines().find_map(|l| l.strip_prefix("Uid:")).unwrap();
    uids.split_whitespace().next().unwrap().to_owned()
}

#[test]
fn state_changing_commands_log_one_audit_line_each() {
    let fake = lifecycle_fake();
    fake.write("etc/preload-modules.conf", "pl_a: pl_b\n");
    let syslog = Syslog::bind(&fake);
    let uid = my_uid();
    let audit = |args: &[&str]| {
        let run = fake.run(args);
        let lines = syslog.lines();
        let pid = lines
            .first()
            .and_then(|l| l.split_once('[')?.1.split_once(']'))
            .map(|(pid, _)| pid.to_owned())
            .unwrap_or_default();
        (run, lines, pid)
    };

    // authpriv.notice (10 * 8 + 5) for a success.
    let (run, lines, pid) = audit(&["apply"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(pid.parse::<u32>().is_ok(), "{lines:?}");
    assert_eq!(
        lines,
        [format!("<85>preloadctl[{pid}]: user={uid} apply: ok")]
    );
    // The global options are left out; `reload` is logged as typed.
    let (_, lines, pid) = audit(&["-q", "reload", "--root", &fake.root().display().to_string()]);
    assert_eq!(
        lines,
        [format!("<85>preloadctl[{pid}]: user={uid} reload: ok")]
    );
    // authpriv.warning (10 * 8 + 4) for a failure, with its message.
    let (run, lines, pid) = audit(&["stop", "busy"]);
    assert_eq!(run.code, 9, "{run:?}");
    assert_eq!(
        lines,
        [format!(
            "<84>preloadctl[{pid}]: user={uid} stop busy: failed (exit 9): stop busy refused: \
             busy serves 2 consumer(s): pl_a, pl_user (swap them to another interposer or \
             unload them first)"
        )]
    );
    let (run, lines, pid) = audit(&["quiesce", "running"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        lines,
        [format!(
            "<85>preloadctl[{pid}]: user={uid} quiesce running: ok"
        )]
    );
    fake.write("bad.conf", "pl_a pl_b\n");
    let (_, lines, pid) = audit(&["apply", "bad.conf"]);
    assert_eq!(
        lines,
        [format!(
            "<84>preloadctl[{pid}]: user={uid} apply bad.conf: failed (exit 1): \
             the config is invalid (errors: 1); nothing was changed"
        )]
    );

    // A rollback to an entry of the history changes the list: logged.
    let (run, lines, pid) = audit(&["rollback", "--to", "1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        lines,
        [format!(
            "<85>preloadctl[{pid}]: user={uid} rollback --to 1: ok"
        )]
    );

    // Commands that change nothing log nothing.
    for args in [
        &["apply", "--dry-run"][..],
        &["reload", "--dry-run"],
        &["check"],
        &["status"],
        &["explain", "pl_a"],
        &["migrate", "--dry-run"],
        &["history"],
        &["history", "--json"],
        &["doctor"],
        &["doctor", "--json"],
        &["rollback", "--dry-run"],
        &["rollback", "--to", "1", "--dry-run"],
        &["commit", "--dry-run"],
        &["abort", "--dry-run"],
        &["restart", "--dry-run"],
        &["start", "--dry-run", "fresh"],
        &["quiesce", "--dry-run", "running"],
        &["stop", "--dry-run", "running"],
        &["swap", "--dry-run", "busy", "fresh"],
    ] {
        let (_, lines, _) = audit(args);
        assert_eq!(lines, Vec::<String>::new(), "{args:?}");
    }

    // A swap, its options as given.
    fake.write(
        "proc/preload/interposers",
        &swap_fake().read("proc/preload/interposers"),
    );
    fake.write("proc/preload/swap", "");
    let (run, lines, pid) = audit(&["swap", "--timeout=300", "interposer", "interposer-v2"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        lines,
        [format!(
            "<85>preloadctl[{pid}]: user={uid} swap --timeout=300 interposer interposer-v2: ok"
        )]
    );

    // A syslog daemon on a stream socket gets the line NUL-terminated.
    drop(syslog);
    fs::remove_file(fake.path("dev/log")).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(fake.path("dev/log")).unwrap();
    let run = fake.run(&["apply"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let (mut stream, _) = listener.accept().unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut stream, &mut text).unwrap();
    assert!(
        text.starts_with("<85>preloadctl[") && text.ends_with(&format!("user={uid} apply: ok\0")),
        "{text:?}"
    );
    drop(listener);

    // No syslog listening, or no socket: no line, and no complaint.
    let run = fake.run(&["apply"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    fs::remove_file(fake.path("dev/log")).unwrap();
    let run = fake.run(&["apply"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
}

#[test]
fn generate_writes_the_man_pages_and_completions() {
    let fake = Fake::new();
    let run = fake.run(&["-q", "generate", "share"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    let run = fake.run(&["generate", "share"]);
    let files = [
        "share/man/man8/preloadctl.8",
        "share/man/man5/preload-modules.conf.5",
        "share/bash-completion/completions/preloadctl",
        "share/zsh/site-functions/_preloadctl",
        "share/fish/vendor_completions.d/preloadctl.fish",
    ];
    let printed: Vec<String> = files.iter().map(|f| format!("{f}\n")).collect();
    assert_eq!((run.code, run.stdout), (0, printed.concat()));
    for file in files {
        assert!(fake.read(file).contains("preloadctl"), "{file}");
    }
    // Hidden things stay out of the completions and preloadctl(8).
    for file in [files[0], files[2], files[3], files[4]] {
        assert!(!fake.read(file).contains("generate"), "{file}");
    }
    for file in &files[2..] {
        assert!(!fake.read(file).contains("root"), "{file}");
    }
    assert!(fake
        .read(files[2])
        .contains("restart swap start quiesce stop"));
    assert!(fake.read(files[3]).starts_with("#compdef preloadctl"));
    // Hidden commands stay out of --help too.
    assert!(!fake.run(&["--help"]).stdout.contains("generate"));
    let bash = Command::new("bash")
        .arg("-n")
        .arg(fake.path(files[2]))
        .status();
    assert!(bash.is_ok_and(|s| s.success()));
    // groff, where installed, has nothing to warn about.
    for page in &files[..2] {
        let Ok(out) = Command::new("groff")
            .args(["-man", "-ww", "-z"])
            .arg(fake.path(page))
            .output()
        else {
            continue;
        };
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{page}");
    }
}

#[test]
fn errors_are_one_line_without_backtraces() {
    let fake = Fake::new();
    fs::remove_file(fake.path("proc/modules")).unwrap();
    let run = fake.run(&["explain", "pl_a"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert_eq!(
        run.stderr_lines(),
        [format!(
            "preloadctl: {}: cannot read: No such file or directory",
            fake.path("proc/modules").display()
        )]
    );
}

#[test]
fn the_example_config_checks() {
    let fake = Fake::new();
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/preload-modules.conf"
    );
    let run = fake.run(&["check", "--strict", example]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "ok (entries: 0, warnings: 0, files: 1)\n");
}

/// The recorded kernels of `tests/fixtures/abi` (see `src/abi/fixtures.rs`):
/// a running 7.3.1 with a consumer, an interposer and the library they use,
/// and a target 7.3.9 where one used symbol of each change class changed.
/// The fixtures are laid out like a root; their `lib/modules/7.3.1`,
/// `lib/modules/7.3.9` and `sys` are linked into the fake root.
fn abi_fixture() -> Fake {
    let fake = abi_fake();
    link_abi_fixtures(&fake);
    fake
}

/// A fake root running 7.3.1 without its files: no `lib/modules/7.3.1`.
fn abi_fake() -> Fake {
    let fake = Fake::new();
    fake.write("proc/sys/kernel/osrelease", "7.3.1\n");
    fake.write("proc/preload/deps", "fix_consumer: fix_interposer\n");
    fake
}

fn link_abi_fixtures(fake: &Fake) {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/abi");
    for rel in ["lib/modules/7.3.1", "lib/modules/7.3.9", "sys"] {
        std::os::unix::fs::symlink(format!("{fixtures}/{rel}"), fake.path(rel)).unwrap();
    }
}

#[test]
fn abi_snapshot_records_exports_types_and_flags() {
    let fake = abi_fixture();
    let stable = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/abi/stable-7.3.1.list"
    );
    let run = fake.run(&["abi", "snapshot", "--stable-list", stable]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "MODULE          ROLE        SYMBOL           EXPORTER  GPL  NAMESPACE  CRC         TYPE",
            "fix_interposer  interposer  fix_lib_compute  fix_lib   no   -          -           int (int)",
            "fix_interposer  interposer  fix_typed        vmlinux   no   -          0x77777777  int (int)",
            "fix_consumer    consumer    _printk          vmlinux   no   -          0x11111111  int (const char *, ...)",
        ]
    );
    assert!(run.stdout.contains(
        "fix_consumer accepts redefinitions of (PRELOAD_INTERPOSABLE, strict mode): fix_lib_compute\n"
    ));
    let record: Value =
        serde_json::from_str(&fake.read("var/lib/preloadctl/abi/7.3.1.json")).unwrap();
    assert_eq!(record["format"], "preload-abi-record");
    assert_eq!(record["version"], 1);
    assert_eq!(record["kernel"]["release"], "7.3.1");
    let consumer = &record["modules"][1];
    assert_eq!(
        consumer["interposers"],
        serde_json::json!(["fix_interposer"])
    );
    assert_eq!(consumer["symbols"].as_array().unwrap().len(), 8);
    assert_eq!(consumer["symbols"][0]["stable"], true);
    assert_eq!(consumer["symbols"][1]["name"], "fix_crc");
    assert_eq!(consumer["symbols"][1]["stable"], false);
}

#[test]
fn abi_check_names_every_change_and_exits_6() {
    let fake = abi_fixture();
    assert_eq!(fake.run(&["abi", "snapshot"]).code, 0);
    // The target is a release next to the running kernel's modules directory.
    let run = fake.run(&["abi", "check", "--kernel", "7.3.9"]);
    assert_eq!(run.code, 6, "{run:?}");
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("MODULE"))
        .skip(1)
        .take_while(|l| !l.starts_with("fix_consumer accepts"))
        .map(|l| l.split_whitespace().take(6).collect())
        .collect();
    assert_eq!(
        rows,
        [
            [
                "fix_interposer",
                "interposer",
                "fix_lib_compute",
                "unknown",
                "type",
                "breaks"
            ],
            [
                "fix_interposer",
                "interposer",
                "fix_typed",
                "unknown",
                "type",
                "breaks"
            ],
            [
                "fix_consumer",
                "consumer",
                "fix_crc",
                "unknown",
                "crc",
                "breaks"
            ],
            [
                "fix_consumer",
                "consumer",
                "fix_gpl",
                "unknown",
                "gpl-only",
                "breaks"
            ],
            [
                "fix_consumer",
                "consumer",
                "fix_lib_compute",
                "unknown",
                "type",
                "breaks"
            ],
            [
                "fix_consumer",
                "consumer",
                "fix_moved",
                "unknown",
                "module",
                "warning"
            ],
            [
                "fix_consumer",
                "consumer",
                "fix_ns",
                "unknown",
                "namespace",
                "breaks"
            ],
            [
                "fix_consumer",
                "consumer",
                "fix_removed",
                "unknown",
                "removed",
                "breaks"
            ],
            [
                "fix_consumer",
                "consumer",
                "fix_typed",
                "unknown",
                "type",
                "breaks"
            ],
        ]
    );
    assert!(
        run.stdout.contains("int (int) -> long int (int)"),
        "{run:?}"
    );
    assert!(run.stdout.contains("0x55555555 -> 0x5555aaaa"));
    assert!(run.stdout.contains("(none) -> FIX_NS"));
    assert!(run.stdout.contains("fix_old -> fix_new"));
    assert!(run.stdout.ends_with(
        "verdict: breaks (8 breaking, 1 warnings, 0 info; 10 symbols of 2 modules checked)\n"
    ));
}

#[test]
fn abi_check_json_stable_list_and_report() {
    let fake = abi_fixture();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/abi");
    let old = format!("{fixtures}/stable-7.3.1.list");
    let new = format!("{fixtures}/stable-7.3.9.list");
    assert_eq!(
        fake.run(&["abi", "snapshot", "--stable-list", &old]).code,
        0
    );
    let target = format!("{fixtures}/lib/modules/7.3.9");
    let run = fake.run(&[
        "abi",
        "check",
        "--kernel",
        &target,
        "--stable-list",
        &new,
        "--json",
        "--report",
    ]);
    assert_eq!(run.code, 6, "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verdict"], "breaks");
    assert_eq!(json["target"]["release"], "7.3.9");
    let findings = json["findings"].as_array().unwrap();
    let newly: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f["change"] == "newly-stable")
        .map(|f| (f["module"].as_str().unwrap(), f["symbol"].as_str().unwrap()))
        .collect();
    assert_eq!(
        newly,
        [
            ("fix_interposer", "fix_typed"),
            ("fix_consumer", "fix_typed")
        ]
    );
    let typed = findings
        .iter()
        .find(|f| f["symbol"] == "fix_typed" && f["change"] == "type")
        .unwrap();
    assert_eq!(typed["class"], "stable");
    assert_eq!(typed["detail"], "int (int) -> long int (int)");
    assert_eq!(
        json["modules"][1]["interposable"],
        serde_json::json!(["fix_lib_compute"])
    );

    let report = fake.read("var/lib/preloadctl/abi/REPORT");
    assert!(report
        .starts_with("# preloadctl abi check report, format 1\nverdict: breaks\nkernel: 7.3.9\n"));
    let status = fake.run(&["status"]);
    assert!(
        status
            .stdout
            .contains("abi check      breaks for kernel 7.3.9 (8 breaking, 1 warnings) at "),
        "{status:?}"
    );
    let status: Value = serde_json::from_str(&fake.run(&["status", "--json"]).stdout).unwrap();
    assert_eq!(status["abi_check"]["verdict"], "breaks");
    assert_eq!(status["abi_check"]["breaking"], 8);
}

#[test]
fn abi_check_against_itself_finds_nothing() {
    let fake = abi_fixture();
    assert_eq!(fake.run(&["abi", "snapshot"]).code, 0);
    let run = fake.run(&["abi", "check", "--kernel", "7.3.1"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("no changes\n"), "{run:?}");
    assert!(run.stdout.ends_with(
        "verdict: ok (0 breaking, 0 warnings, 0 info; 10 symbols of 2 modules checked)\n"
    ));
}

#[test]
fn abi_errors_say_what_is_missing() {
    let fake = abi_fake();
    // No record and no Module.symvers for the running kernel.
    let run = fake.run(&["abi", "snapshot"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr
            .contains("Module.symvers: does not exist; the export information"),
        "{run:?}"
    );
    link_abi_fixtures(&fake);
    let run = fake.run(&["abi", "check", "--kernel", "9.9.9", "--report"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("kernel 9.9.9: "), "{run:?}");
    assert!(fake
        .read("var/lib/preloadctl/abi/REPORT")
        .contains("verdict: error\nkernel: 9.9.9\n"));
    fake.write("bad.list", "ok\n2bad\n");
    let run = fake.run(&[
        "abi",
        "check",
        "--kernel",
        "7.3.1",
        "--stable-list",
        "bad.list",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr_lines(),
        [
            "bad.list:2: not a symbol name: \"2bad\"",
            "preloadctl: the stable list is invalid"
        ]
    );
    fake.write(
        "var/lib/preloadctl/abi/7.3.1.json",
        "{\"format\": \"preload-abi-record\", \"version\": 9}",
    );
    let run = fake.run(&["abi", "check", "--kernel", "7.3.1"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr
            .contains("7.3.1.json: record version 9 is not supported"),
        "{run:?}"
    );
}

/// `abi check --json`'s findings as (module, symbol, change, severity).
fn findings_of(json: &Value) -> Vec<(&str, &str, &str, &str)> {
    fn field<'a>(f: &'a Value, name: &str) -> &'a str {
        f[name].as_str().unwrap()
    }
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                field(f, "module"),
                field(f, "symbol"),
                field(f, "change"),
                field(f, "severity"),
            )
        })
        .collect()
}

/// The project's real kernels: the test kernel (no BTF, no MODVERSIONS) and
/// Debian's 7.3 (BTF, no MODVERSIONS), with the sample interposer and two
/// consumers built for each. Ignored by default: CI has these only after
/// the kernels and modules are built. Run it with
/// `PRELOAD_ABI_TEST_KDIR=$(make -s print-kdir) cargo test -p preloadctl --test cli -- --ignored`
/// (`PRELOAD_ABI_BUILD_DIR` defaults to the checkout's `build/`,
/// `PRELOAD_CACHE` to `~/.cache/preload`).
#[test]
#[ignore = "needs the built test and Debian kernels and modules; see the comment"]
fn abi_real_kernels_differ_exactly_in_the_return_thunk() {
    let var = |name: &str| std::env::var(name).ok();
    let test_kdir = PathBuf::from(var("PRELOAD_ABI_TEST_KDIR").expect("set PRELOAD_ABI_TEST_KDIR"));
    let build = var("PRELOAD_ABI_BUILD_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../build")),
        PathBuf::from,
    );
    let cache = var("PRELOAD_CACHE").map_or_else(
        || PathBuf::from(var("HOME").unwrap()).join(".cache/preload"),
        PathBuf::from,
    );
    let chroot = fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("debian-trixie-")
                && p.is_dir()
        })
        .expect("no Debian chroot in the cache");
    let debian_kdir = chroot.join("usr/src/linux-headers-7.3.4+deb13-amd64");

    let fake = Fake::new();
    fake.write(
        "proc/preload/deps",
        "pl_caller_a: interposer\npl_caller_flagged: interposer\n",
    );
    // lib/modules/{debian,test}: each kernel's build/ and the modules built for it.
    for (flavor, kdir) in [("debian", &debian_kdir), ("test", &test_kdir)] {
        let dir = fake.path(&format!("lib/modules/{flavor}"));
        fs::create_dir_all(dir.join("extra")).unwrap();
        std::os::unix::fs::symlink(kdir, dir.join("build")).unwrap();
        for module in [
            "interposer/interposer",
            "interposer/sample_lib",
            "tests/pl_caller_a",
            "tests/pl_caller_flagged",
        ] {
            let from = build.join(format!("{flavor}/modules/{module}.ko"));
            let name = from.file_name().unwrap().to_owned();
            fs::copy(&from, dir.join("extra").join(name))
                .unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        }
    }
    // Debian's /sys/kernel/btf/vmlinux: the headers' vmlinux carries the same .BTF.
    fs::create_dir_all(fake.path("sys/kernel/btf")).unwrap();
    std::os::unix::fs::symlink(
        debian_kdir.join("vmlinux"),
        fake.path("sys/kernel/btf/vmlinux"),
    )
    .unwrap();
    // The running kernel's modules are lib/modules/RELEASE of the root.
    let on = |flavor: &str| fake.write("proc/sys/kernel/osrelease", flavor);

    // Running Debian's kernel: the record has BTF types, from vmlinux and
    // from sample_lib.ko's .BTF on its distilled .BTF.base.
    on("debian");
    let run = fake.run(&["abi", "snapshot"]);
    assert_eq!(run.code, 0, "{run:?}");
    for row in [
        "interposer         interposer  _printk             vmlinux     no   -          -    int (const char *, ...)",
        "interposer         interposer  sample_lib_compute  sample_lib  yes  -          -    int (int)",
        "interposer         interposer  sample_lib_step     sample_lib  yes  -          -    long int (long int)",
        "interposer         interposer  sample_lib_wait     sample_lib  yes  -          -    long int (long int)",
        "pl_caller_a        consumer    __x86_return_thunk  vmlinux     no   -          -    -",
    ] {
        assert!(run.stdout.contains(&format!("{row}\n")), "{row}\n{}", run.stdout);
    }
    // Against itself: nothing, types included.
    let run = fake.run(&["abi", "check", "--kernel", "debian", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["findings"], serde_json::json!([]));
    // Against the test kernel: its tinyconfig has no return thunks
    // (MITIGATION_RETHUNK), so __x86_return_thunk is not exported; every
    // other symbol is the same, and there is no BTF to compare types with.
    let run = fake.run(&["abi", "check", "--kernel", "test", "--json"]);
    assert_eq!(run.code, 6, "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        findings_of(&json),
        [
            ("pl_caller_a", "__x86_return_thunk", "removed", "breaks"),
            (
                "pl_caller_flagged",
                "__x86_return_thunk",
                "removed",
                "breaks"
            ),
        ]
    );
    assert!(json["target"]["notes"][0]
        .as_str()
        .unwrap()
        .contains("has no .BTF section"));

    // Running the test kernel: its modules do not use the thunk, and every
    // symbol they use is on Debian's kernel as it was.
    fs::remove_dir_all(fake.path("var/lib/preloadctl")).unwrap();
    on("test");
    let run = fake.run(&["abi", "snapshot"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("recorded 16 symbols of 3 modules"),
        "{run:?}"
    );
    let run = fake.run(&["abi", "check", "--kernel", "debian"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("no changes\n"), "{run:?}");
}

#[test]
fn the_kernel_postinst_hook_logs_the_verdict_and_writes_the_report() {
    let fake = abi_fixture();
    assert_eq!(fake.run(&["abi", "snapshot"]).code, 0);
    // The hook as `make install` writes it, with a logger that writes a file.
    let hook = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/kernel-postinst-preload-abi"
    ))
    .unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_preloadctl"));
    let hook = hook
        .replace("@SBINDIR@", &bin.parent().unwrap().display().to_string())
        .replace("@SYSCONFDIR@", &fake.path("etc").display().to_string());
    fake.write("zz-preload-abi", &hook);
    fake.write(
        "bin/logger",
        &format!(
            "#!/bin/sh\necho \"$*\" >>{}\n",
            fake.path("logged").display()
        ),
    );
    // preload.ko exists for 7.3.9 only.
    fake.write(
        "bin/modinfo",
        "#!/bin/sh\ncase \"$*\" in\n\
         \"-k 7.3.9 -n preload\") echo /lib/modules/7.3.9/updates/preload.ko ;;\n\
         *) exit 1 ;;\nesac\n",
    );
    use std::os::unix::fs::PermissionsExt;
    for stub in ["bin/logger", "bin/modinfo"] {
        fs::set_permissions(fake.path(stub), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        fake.path("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let hook_run = |release: &str| {
        Command::new("sh")
            .arg(fake.path("zz-preload-abi"))
            .arg(release)
            .env("PATH", &path)
            .env("PRELOADCTL_ROOT", fake.root())
            .output()
            .unwrap()
    };
    let out = hook_run("7.3.9");
    // It never fails the kernel's installation.
    assert!(out.status.success());
    let logged = fake.read("logged");
    let lines: Vec<&str> = logged.lines().collect();
    assert_eq!(
        lines[0],
        "-t preload-abi -p user.warning -- kernel 7.3.9: breaks (8 breaking, 1 warnings, 0 info; \
         10 symbols of 2 modules checked); see /var/lib/preloadctl/abi/REPORT"
    );
    assert_eq!(lines.len(), 9, "{logged}");
    assert!(lines[1].contains("kernel 7.3.9: fix_interposer  interposer  fix_lib_compute"));
    assert!(fake
        .read("var/lib/preloadctl/abi/REPORT")
        .contains("verdict: breaks\nkernel: 7.3.9\n"));

    // A kernel it cannot check, and that has no preload.ko, is logged as an
    // error, twice, and still succeeds.
    fs::remove_file(fake.path("logged")).unwrap();
    assert!(hook_run("9.9.9").status.success());
    let logged = fake.read("logged");
    let lines: Vec<&str> = logged.lines().collect();
    assert!(
        lines[0].starts_with(
            "-t preload-abi -p user.err -- kernel 9.9.9: no preload.ko for this kernel"
        ),
        "{logged}"
    );
    assert!(
        lines[1].starts_with("-t preload-abi -p user.err -- kernel 9.9.9: not checked (exit 5): preloadctl: kernel 9.9.9: "),
        "{logged}"
    );
    assert!(
        lines[1].ends_with("; but no preload.ko: preload will not load there"),
        "{logged}"
    );
    assert!(fake
        .read("var/lib/preloadctl/abi/REPORT")
        .contains("verdict: error\n"));
}

/// An install from before the paths changed, in the fake root: the list,
/// two snippets, a veto hook and every kind of state entry.
fn old_install(fake: &Fake) {
    use std::os::unix::fs::PermissionsExt;
    fake.write("etc/preload.conf", "# the list\npl_a: pl_b\n");
    fake.write("etc/preload.d/10-x.conf", "pl_c: pl-d\n");
    fake.write("etc/preload.d/20-y.conf", "pl_b: ?pl_c\n");
    fake.write("etc/preload/veto.d/50-busy", "#!/bin/sh\nexit 0\n");
    fs::set_permissions(
        fake.path("etc/preload/veto.d/50-busy"),
        fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    fake.write("var/lib/preload/last-good.conf", "pl_a: pl_c\n");
    fake.write("var/lib/preload/staged/plan.json", "{\"staged\": 1}\n");
    fake.write("var/lib/preload/commit/plan.json", "{\"commit\": 1}\n");
    fake.write("var/lib/preload/commit/previous/0", "pl_a v1");
    fake.write("var/lib/preload/rolled-back/plan.json", "{\"old\": 1}\n");
    fake.write("var/lib/preload/abi/7.3.0.json", "{}\n");
}

/// Every path under the fake root with its mode and, for a file, its text.
fn listing(fake: &Fake) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut found = Vec::new();
    let mut pending = vec![fake.root().to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(fake.root()).unwrap().display();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                found.push(format!("{rel}/ {mode:o}"));
                pending.push(path);
            } else {
                let text = fs::read_to_string(&path).unwrap_or_default();
                found.push(format!("{rel} {mode:o} {text:?}"));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn migrate_moves_an_old_install_to_the_new_paths() {
    let fake = Fake::new();
    old_install(&fake);
    let old_hook = listing(&fake)
        .into_iter()
        .find(|l| l.starts_with("etc/preload/veto.d/50-busy "))
        .unwrap();
    let run = fake.run(&["migrate"]);
    assert_eq!(run.code, 0, "{run:?}");
    let r = fake.root().display();
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            format!("moved {r}/etc/preload.conf -> {r}/etc/preload-modules.conf"),
            format!("moved {r}/etc/preload.d/10-x.conf -> {r}/etc/preload-modules.d/10-x.conf"),
            format!("moved {r}/etc/preload.d/20-y.conf -> {r}/etc/preload-modules.d/20-y.conf"),
            format!("moved {r}/etc/preload/veto.d/50-busy -> {r}/etc/preloadctl/veto.d/50-busy"),
            format!(
                "moved {r}/var/lib/preload/last-good.conf -> {r}/var/lib/preloadctl/last-good.conf"
            ),
            format!("moved {r}/var/lib/preload/staged -> {r}/var/lib/preloadctl/staged"),
            format!("moved {r}/var/lib/preload/commit -> {r}/var/lib/preloadctl/commit"),
            format!("moved {r}/var/lib/preload/rolled-back -> {r}/var/lib/preloadctl/rolled-back"),
            format!("moved {r}/var/lib/preload/abi -> {r}/var/lib/preloadctl/abi"),
            format!("removed {r}/etc/preload.d (empty)"),
            format!("removed {r}/etc/preload/veto.d (empty)"),
            format!("removed {r}/etc/preload (empty)"),
            format!("removed {r}/var/lib/preload (empty)"),
        ]
    );
    assert_eq!(run.stderr, "");
    assert_eq!(
        fake.read("etc/preload-modules.conf"),
        "# the list\npl_a: pl_b\n"
    );
    assert_eq!(fake.read("etc/preload-modules.d/10-x.conf"), "pl_c: pl-d\n");
    assert_eq!(
        fake.read("etc/preload-modules.d/20-y.conf"),
        "pl_b: ?pl_c\n"
    );
    assert_eq!(
        fake.read("var/lib/preloadctl/last-good.conf"),
        "pl_a: pl_c\n"
    );
    assert_eq!(fake.read("var/lib/preloadctl/commit/previous/0"), "pl_a v1");
    assert_eq!(
        fake.read("var/lib/preloadctl/rolled-back/plan.json"),
        "{\"old\": 1}\n"
    );
    assert_eq!(fake.read("var/lib/preloadctl/abi/7.3.0.json"), "{}\n");
    // The hook keeps its mode.
    let new_hook = listing(&fake)
        .into_iter()
        .find(|l| l.starts_with("etc/preloadctl/veto.d/50-busy "))
        .unwrap();
    assert_eq!(
        new_hook.strip_prefix("etc/preloadctl/veto.d/50-busy "),
        old_hook.strip_prefix("etc/preload/veto.d/50-busy ")
    );
    assert!(new_hook.contains(" 750 "), "{new_hook}");
    for old in [
        "etc/preload.conf",
        "etc/preload.d",
        "etc/preload",
        "var/lib/preload",
    ] {
        assert!(!fake.path(old).exists(), "{old}");
    }
    // The config is read from the new places.
    let check = fake.run(&["check"]);
    assert_eq!(check.code, 0, "{check:?}");
    assert_eq!(check.stdout, "ok (entries: 3, warnings: 0, files: 3)\n");
}

#[test]
fn migrate_a_second_time_finds_nothing_to_migrate() {
    let fake = Fake::new();
    old_install(&fake);
    assert_eq!(fake.run(&["migrate"]).code, 0);
    let migrated = listing(&fake);
    let again = fake.run(&["migrate"]);
    assert_eq!(
        (again.code, again.stdout.as_str(), again.stderr.as_str()),
        (0, "nothing to migrate\n", "")
    );
    assert_eq!(listing(&fake), migrated);
    // Nor is there anything on a new install.
    let fresh = Fake::new();
    let run = fresh.run(&["migrate", "--dry-run"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "nothing to migrate\n"));
}

#[test]
fn migrate_leaves_the_readahead_daemons_files_alone() {
    let fake = Fake::new();
    let daemon = "# /etc/preload.conf\n\n[model]\n\n# cycle: in seconds\ncycle = 20\n\
                  usecorrelation = true\n\n[system]\ndoscan = true\n";
    fake.write("etc/preload.conf", daemon);
    fake.write("var/lib/preload/preload.state", "PRELOAD 0.6.4 7\n");
    fake.write("var/lib/preload/last-good.conf", "pl_a: pl_c\n");
    let run = fake.run(&["migrate"]);
    assert_eq!(run.code, 0, "{run:?}");
    let r = fake.root().display();
    let left_alone = format!(
        "{r}/etc/preload.conf belongs to Debian's readahead daemon (package preload), \
         not to preloadctl: left alone"
    );
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            left_alone.clone(),
            format!(
                "moved {r}/var/lib/preload/last-good.conf -> {r}/var/lib/preloadctl/last-good.conf"
            ),
        ]
    );
    assert_eq!(fake.read("etc/preload.conf"), daemon);
    assert!(!fake.path("etc/preload-modules.conf").exists());
    // The daemon's state, and its directory, stay.
    assert_eq!(
        fake.read("var/lib/preload/preload.state"),
        "PRELOAD 0.6.4 7\n"
    );
    assert_eq!(
        fake.read("var/lib/preloadctl/last-good.conf"),
        "pl_a: pl_c\n"
    );

    let again = fake.run(&["migrate"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.stdout, format!("{left_alone}\nnothing to migrate\n"));
    assert_eq!(fake.read("etc/preload.conf"), daemon);

    // With the daemon installed (dpkg lists its files) and no config of its
    // own, its directory stays too, once preloadctl's entries are out.
    let fake = Fake::new();
    fake.write("var/lib/dpkg/info/preload.list", "/var/lib/preload\n");
    fake.write("var/lib/preload/last-good.conf", "pl_a: pl_c\n");
    let run = fake.run(&["migrate"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    assert!(fake.path("var/lib/preload").is_dir());
    assert_eq!(
        fake.read("var/lib/preloadctl/last-good.conf"),
        "pl_a: pl_c\n"
    );
}

#[test]
fn an_ini_config_fails_with_the_parsers_reason() {
    // Debian's readahead daemon's configuration where the list belongs.
    let fake = Fake::new();
    fake.write(
        "etc/preload-modules.conf",
        "# the daemon's\n[model]\ncycle = 20\n",
    );
    let file = fake.path("etc/preload-modules.conf");
    let file = file.display();
    // Whatever the shared parser says about each line is what is printed.
    let reason = |line: &[u8]| preload_deps::parse_line(line).err().unwrap().to_string();
    let lines = [
        format!("{file}:2: {}", reason(b"[model]")),
        format!("{file}:3: {}", reason(b"cycle = 20")),
    ];
    let check = fake.run(&["check"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert_eq!(
        check.stderr_lines(),
        [
            lines[0].as_str(),
            &lines[1],
            "preloadctl: check failed (errors: 2, warnings: 0, files: 1)"
        ]
    );
    let apply = fake.run(&["apply"]);
    assert_eq!(apply.code, 1, "{apply:?}");
    assert_eq!(
        apply.stderr_lines(),
        [
            lines[0].as_str(),
            &lines[1],
            "preloadctl: the config is invalid (errors: 2); nothing was changed"
        ]
    );
}

#[test]
fn a_migrate_conflict_moves_nothing_and_names_both_files() {
    let fake = Fake::new();
    old_install(&fake);
    fake.write("etc/preload-modules.d/20-y.conf", "pl_b: pl_c\n");
    fake.write("var/lib/preloadctl/last-good.conf", "pl_a: pl_b\n");
    let before = listing(&fake);
    let r = fake.root().display();
    for args in [&["migrate"][..], &["migrate", "--dry-run"]] {
        let run = fake.run(args);
        assert_eq!(run.code, 5, "{run:?}");
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.stderr_lines(),
            [
                format!(
                    "{r}/etc/preload.d/20-y.conf and {r}/etc/preload-modules.d/20-y.conf both \
                     exist: move or remove one of them"
                ),
                format!(
                    "{r}/var/lib/preload/last-good.conf and {r}/var/lib/preloadctl/last-good.conf \
                     both exist: move or remove one of them"
                ),
                "preloadctl: migrate refused, nothing was moved (problems: 2); resolve them and \
                 run `preloadctl migrate` again"
                    .to_owned(),
            ]
        );
        assert_eq!(listing(&fake), before, "{args:?}");
    }
    // Once resolved, everything moves.
    fs::remove_file(fake.path("etc/preload-modules.d/20-y.conf")).unwrap();
    fs::remove_file(fake.path("var/lib/preloadctl/last-good.conf")).unwrap();
    let run = fake.run(&["migrate"]);
    assert_eq!(run.code, 0, "{run:?}");
    let moved = run.stdout.lines().filter(|l| l.starts_with("moved "));
    assert_eq!(moved.count(), 9, "{run:?}");
}

#[test]
fn migrate_refuses_an_old_list_that_is_nobodys() {
    let fake = Fake::new();
    old_install(&fake);
    fake.write("etc/preload.conf", "pl_a: pl_b\npl_c pl_d\n");
    let before = listing(&fake);
    let run = fake.run(&["migrate"]);
    assert_eq!(run.code, 1, "{run:?}");
    let r = fake.root().display();
    assert_eq!(
        run.stderr_lines(),
        [
            format!("{r}/etc/preload.conf:2: missing ':' after the consumer name"),
            format!(
                "{r}/etc/preload.conf is neither a dependency list (the errors above) nor the INI \
                 configuration of Debian's readahead daemon: fix it (`preloadctl check \
                 {r}/etc/preload.conf`) or move it to {r}/etc/preload-modules.conf yourself"
            ),
            "preloadctl: migrate refused, nothing was moved (problems: 2); resolve them and \
             run `preloadctl migrate` again"
                .to_owned(),
        ]
    );
    assert_eq!(listing(&fake), before);
}

#[test]
fn migrate_dry_run_prints_the_moves_and_changes_nothing() {
    let fake = Fake::new();
    old_install(&fake);
    fake.write("etc/preload.d/notes.txt", "not a snippet\n");
    fake.write("var/lib/preload/preload.state", "PRELOAD 0.6.4 7\n");
    let before = listing(&fake);
    let run = fake.run(&["migrate", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    let r = fake.root().display();
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            format!("{r}/etc/preload.d/notes.txt is not a *.conf snippet: left alone"),
            format!("would move {r}/etc/preload.conf -> {r}/etc/preload-modules.conf"),
            format!(
                "would move {r}/etc/preload.d/10-x.conf -> {r}/etc/preload-modules.d/10-x.conf"
            ),
            format!(
                "would move {r}/etc/preload.d/20-y.conf -> {r}/etc/preload-modules.d/20-y.conf"
            ),
            format!(
                "would move {r}/etc/preload/veto.d/50-busy -> {r}/etc/preloadctl/veto.d/50-busy"
            ),
            format!(
                "would move {r}/var/lib/preload/last-good.conf -> \
                 {r}/var/lib/preloadctl/last-good.conf"
            ),
            format!("would move {r}/var/lib/preload/staged -> {r}/var/lib/preloadctl/staged"),
            format!("would move {r}/var/lib/preload/commit -> {r}/var/lib/preloadctl/commit"),
            format!(
                "would move {r}/var/lib/preload/rolled-back -> {r}/var/lib/preloadctl/rolled-back"
            ),
            format!("would move {r}/var/lib/preload/abi -> {r}/var/lib/preloadctl/abi"),
            format!("would remove {r}/etc/preload/veto.d (empty)"),
            format!("would remove {r}/etc/preload (empty)"),
            "dry run: nothing was changed".to_owned(),
        ]
    );
    assert_eq!(listing(&fake), before);
    // What it printed is what a real run does.
    let real = fake.run(&["migrate"]);
    assert_eq!(real.code, 0, "{real:?}");
    let done: Vec<String> = real
        .stdout
        .lines()
        .map(
            |l| match (l.strip_prefix("moved "), l.strip_prefix("removed ")) {
                (Some(moved), _) => format!("would move {moved}"),
                (_, Some(removed)) => format!("would remove {removed}"),
                _ => l.to_owned(),
            },
        )
        .collect();
    let said: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(done, said[..said.len() - 1]);
    assert_eq!(fake.read("etc/preload.d/notes.txt"), "not a snippet\n");
    assert_eq!(
        fake.read("var/lib/preload/preload.state"),
        "PRELOAD 0.6.4 7\n"
    );
}

/// The modversions kernel (the test kernel with MODVERSIONS and
/// gendwarfksyms), its modules, and `tests/abi/sample_lib_next` built for it:
/// sample_lib with `sample_lib_compute()` taking a long. Running that kernel
/// with sample_lib, `abi check` against the same kernel with the next
/// sample_lib reports the CRC that really changed (gendwarfksyms') and the
/// type (the modules' BTF), and nothing about the two unchanged exports. Ignored by
/// default; tests/run runs it with `PRELOAD_ABI_MODVERSIONS_KDIR` (the
/// kernel's build directory) and `PRELOAD_ABI_NEXT_LIB` (the next
/// `sample_lib.ko`) after the modversions suite.
#[test]
#[ignore = "needs the built modversions kernel and modules; see the comment"]
fn abi_real_crcs_change_with_a_type_and_only_then() {
    let var = |name: &str| PathBuf::from(std::env::var(name).expect(name));
    let kdir = var("PRELOAD_ABI_MODVERSIONS_KDIR");
    let next_lib = var("PRELOAD_ABI_NEXT_LIB");
    let modules = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../build/modversions/modules"
    ));

    let fake = Fake::new();
    fake.write("proc/preload/deps", "pl_caller_a: interposer\n");
    // lib/modules/{running,next}: the same kernel; next has the next sample_lib.
    for release in ["running", "next"] {
        let dir = fake.path(&format!("lib/modules/{release}"));
        fs::create_dir_all(dir.join("extra")).unwrap();
        std::os::unix::fs::symlink(&kdir, dir.join("build")).unwrap();
        for module in [
            "interposer/interposer",
            "interposer/sample_lib",
            "tests/pl_caller_a",
        ] {
            let from = match (release, module) {
                ("next", "interposer/sample_lib") => next_lib.clone(),
                _ => modules.join(format!("{module}.ko")),
            };
            let name = Path::new(module).file_name().unwrap().to_str().unwrap();
            fs::copy(&from, dir.join(format!("extra/{name}.ko")))
                .unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        }
    }
    fake.write("proc/sys/kernel/osrelease", "running");

    let run = fake.run(&["abi", "snapshot", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let record: Value = serde_json::from_str(&run.stdout).unwrap();
    let crcs = record.to_string();
    // Every sample_lib export and _printk has a real CRC.
    for symbol in [
        "sample_lib_compute",
        "sample_lib_step",
        "sample_lib_wait",
        "_printk",
    ] {
        let pattern = format!("\"name\":\"{symbol}\"");
        assert!(crcs.contains(&pattern), "{symbol} not recorded: {crcs}");
    }
    assert!(
        !crcs.contains("\"crc\":null"),
        "a symbol without CRC: {crcs}"
    );

    let run = fake.run(&["abi", "check", "--kernel", "next", "--json"]);
    assert_eq!(run.code, 6, "{run:?}");
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        findings_of(&json),
        [
            ("interposer", "sample_lib_compute", "crc", "breaks"),
            ("interposer", "sample_lib_compute", "type", "breaks"),
            ("pl_caller_a", "sample_lib_compute", "crc", "breaks"),
            ("pl_caller_a", "sample_lib_compute", "type", "breaks"),
        ],
        "{run:?}"
    );
    // Against the running kernel itself: nothing.
    let run = fake.run(&["abi", "check", "--kernel", "running"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("no changes\n"), "{run:?}");
}
