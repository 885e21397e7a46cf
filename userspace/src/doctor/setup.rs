//! The checks of what is set up on the kernel: preload loaded, the config
//! parsing, files left at the old paths, the boot unit enabled, and the
//! live list equal to the config's merge.

use super::Finding;
use crate::config::{self, missing_modules, Loaded};
use crate::context::Context;
use crate::diff::diff;
use crate::error::Error;
use crate::list::migrate;
use crate::modules::Installed;
use crate::store::live_list;
use std::fs;
use std::path::PathBuf;

/// The link `systemctl enable preloadctl.service` makes.
const UNIT_LINK: &str = "/etc/systemd/system/sysinit.target.wants/preloadctl.service";

/// At most this many lines of the difference are shown.
const DIFF_SHOWN_MAX: usize = 6;

/// What the checks share: whether preload is loaded, and the config.
pub struct Setup {
    /// Whether preload is loaded.
    pub loaded: bool,
    /// The config files and what they hold, or why they cannot be listed.
    config: Result<(Vec<PathBuf>, Loaded), Error>,
}

impl Setup {
    /// Reads whether preload is loaded and the config.
    pub fn read(ctx: &Context) -> Setup {
        Setup {
            loaded: ctx.proc.preload_loaded(),
            config: ctx.sources(Vec::new()).map(|sources| {
                let loaded = config::load(&sources);
                (sources, loaded)
            }),
        }
    }

    /// Whether a list is configured: a config with entries, or one that
    /// does not parse (it was meant to have some). The example config
    /// `make install` puts in place has none.
    fn configured(&self) -> bool {
        match &self.config {
            Ok((_, loaded)) => loaded.config.entries() > 0 || !loaded.errors.is_empty(),
            Err(_) => true,
        }
    }

    /// Runs the checks.
    pub fn check(&self, ctx: &Context) -> Vec<Finding> {
        let mut findings = vec![self.check_loaded(ctx)];
        findings.extend(self.check_config(ctx));
        findings.extend(check_old_paths(ctx));
        findings.push(self.check_unit(ctx));
        findings.extend(self.check_live(ctx));
        findings
    }

    /// preload must be loaded when a list is configured.
    fn check_loaded(&self, ctx: &Context) -> Finding {
        const CHECK: &str = "preload-loaded";
        let deps = ctx.proc.deps_path();
        if self.loaded {
            Finding::ok(
                CHECK,
                format!("preload is loaded ({} exists)", deps.display()),
            )
        } else if self.configured() {
            Finding::error(
                CHECK,
                format!(
                    "preload is not loaded ({} does not exist), and a list is configured: \
                     its consumers load without their dependencies",
                    deps.display()
                ),
                "modprobe preload",
            )
        } else {
            Finding::ok(CHECK, "preload is not loaded, and no list is configured")
        }
    }

    /// The config must parse, as `check` parses it; a module it names that
    /// is not installed is a warning, as in `check`.
    fn check_config(&self, ctx: &Context) -> Vec<Finding> {
        const CHECK: &str = "config";
        let (sources, loaded) = match &self.config {
            Ok(config) => config,
            Err(e) => return vec![Finding::failed(CHECK, e)],
        };
        if sources.is_empty() {
            return vec![Finding::ok(
                CHECK,
                format!(
                    "no list is configured (no {}, no {}/*.conf)",
                    ctx.config_file().display(),
                    ctx.snippets_dir().display()
                ),
            )];
        }
        let mut findings: Vec<Finding> = loaded
            .errors
            .iter()
            .map(|e| {
                Finding::error(
                    CHECK,
                    e.to_string(),
                    "correct that line, then check with preloadctl check",
                )
            })
            .collect();
        let modules_dir = ctx.modules_dir();
        if let Ok(dir) = &modules_dir {
            match Installed::scan(dir) {
                Ok(installed) => {
                    let missing = missing_modules(&loaded.config, &installed, dir, false);
                    findings.extend(missing.into_iter().map(|m| {
                        Finding::warning(
                            CHECK,
                            format!("{}: {}", m.place, m.reason),
                            format!(
                                "install it under {}, or remove it from the list",
                                dir.display()
                            ),
                        )
                    }));
                }
                Err(e) => findings.push(Finding::failed(CHECK, &e)),
            }
        }
        if findings.is_empty() {
            findings.push(Finding::ok(
                CHECK,
                format!(
                    "the config checks (entries: {}, files: {})",
                    loaded.config.entries(),
                    sources.len()
                ),
            ));
        }
        findings
    }

    /// With a list configured, the unit that applies it at boot must be
    /// enabled.
    fn check_unit(&self, ctx: &Context) -> Finding {
        const CHECK: &str = "unit";
        let link = ctx.under(UNIT_LINK);
        if fs::symlink_metadata(&link).is_ok() {
            Finding::ok(
                CHECK,
                format!("preloadctl.service is enabled ({} exists)", link.display()),
            )
        } else if self.configured() {
            Finding::warning(
                CHECK,
                format!(
                    "preloadctl.service is not enabled (no {}): at boot only preload's own read \
                     of {} applies, not {}/*.conf, and nothing says if preload did not load",
                    link.display(),
                    ctx.config_file().display(),
                    ctx.snippets_dir().display()
                ),
                "systemctl enable preloadctl.service",
            )
        } else {
            Finding::ok(
                CHECK,
                "preloadctl.service is not enabled, and no list is configured",
            )
        }
    }

    /// With preload loaded, the live list must be the config's merge.
    fn check_live(&self, ctx: &Context) -> Option<Finding> {
        const CHECK: &str = "live-list";
        if !self.loaded {
            return None;
        }
        // A config that does not parse has been reported; nothing to compare.
        let (_, loaded) = self.config.as_ref().ok()?;
        if !loaded.errors.is_empty() {
            return None;
        }
        let live = match ctx
            .proc
            .read_deps()
            .and_then(|text| live_list(&ctx.proc, &text))
        {
            Ok(live) => live,
            Err(e) => return Some(Finding::failed(CHECK, &e)),
        };
        let changes = diff(&live.list(), &loaded.config.list());
        if changes.is_empty() {
            return Some(Finding::ok(
                CHECK,
                format!(
                    "the live list is the config's (entries: {})",
                    live.entries()
                ),
            ));
        }
        let mut shown: Vec<&str> = changes
            .iter()
            .take(DIFF_SHOWN_MAX)
            .map(String::as_str)
            .collect();
        let more = format!("... ({} more)", changes.len() - shown.len());
        if changes.len() > shown.len() {
            shown.push(&more);
        }
        Some(Finding::warning(
            CHECK,
            format!(
                "the live list differs from the config (-live, +config): {}",
                shown.join(", ")
            ),
            "preloadctl apply",
        ))
    }
}

/// Files at the paths preloadctl used before: `migrate` moves them.
fn check_old_paths(ctx: &Context) -> Vec<Finding> {
    const CHECK: &str = "old-paths";
    let mut findings = Vec::new();
    let old_main = ctx.under(migrate::OLD_CONFIG_FILE);
    if let Ok(text) = fs::read(&old_main) {
        if !config::line_errors(&old_main, &text).is_empty() {
            findings.push(if migrate::looks_like_ini(&text) {
                Finding::ok(
                    CHECK,
                    format!(
                        "{} belongs to Debian's readahead daemon (package preload), not used",
                        old_main.display()
                    ),
                )
            } else {
                Finding::warning(
                    CHECK,
                    format!(
                        "{} is neither a dependency list nor the INI configuration of Debian's \
                         readahead daemon: preloadctl migrate refuses to run",
                        old_main.display()
                    ),
                    format!(
                        "correct it (preloadctl check {0}) or move it to {1} yourself",
                        old_main.display(),
                        ctx.config_file().display()
                    ),
                )
            });
        }
    }
    let plan = match migrate::plan(ctx) {
        Ok(plan) => plan,
        Err(e) => {
            findings.push(Finding::failed(CHECK, &e));
            return findings;
        }
    };
    if plan.moves.is_empty() {
        return findings;
    }
    let old: Vec<String> = plan
        .moves
        .iter()
        .map(|(from, _)| from.display().to_string())
        .collect();
    findings.push(Finding::warning(
        CHECK,
        format!(
            "an install from before the paths changed: {} not moved yet",
            old.join(", ")
        ),
        "preloadctl migrate",
    ));
    for (from, to) in &plan.moves {
        if fs::symlink_metadata(to).is_ok() {
            findings.push(Finding::warning(
                CHECK,
                format!(
                    "{} and {} both exist: preloadctl migrate moves nothing while they do",
                    from.display(),
                    to.display()
                ),
                "move or remove one of them, then preloadctl migrate",
            ));
        }
    }
    findings
}
