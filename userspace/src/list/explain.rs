//! `preloadctl explain MODULE`: what loading MODULE now would do, and
//! whether it would go ahead (exit 0) or fail (exit 9, [`Exit::Kernel`]):
//! a required dependency missing from disk, a dependency cycle, a required
//! interposer out of service.

use crate::config::Config;
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::modules::Installed;
use crate::procfs::Interposer;
use crate::store::choose_list;
use preload_deps::{Dep, Name};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Prints the dependency tree of `module` with the state of each module,
/// the order preload would load them in, and whether the load would go
/// ahead; as JSON with `json`. A load that would fail is exit code 9.
pub fn run(ctx: &Context, module: &str, files: Vec<PathBuf>, json: bool) -> Result<Exit, Error> {
    let root = Name::new(module.as_bytes())
        .map_err(|e| Error::new(Exit::Usage, format!("{module:?} is not a module name: {e}")))?;
    let (config, source) = choose_list(ctx, files)?;
    let installed = Installed::scan(&ctx.modules_dir()?)?;
    let loaded: BTreeSet<String> = ctx
        .proc
        .loaded_modules()?
        .into_iter()
        .map(|m| m.name)
        .collect();
    let interposers = ctx.proc.read_interposers()?.unwrap_or_default();
    let world = World {
        config: &config,
        installed: &installed,
        loaded: &loaded,
        interposers: &interposers,
    };
    let explanation = world.explain(root);
    let fails = explanation.verdict == Verdict::Fails;
    if json {
        println!("{}", explanation.to_json(&source));
        return Ok(if fails { Exit::Kernel } else { Exit::Ok });
    }
    println!("using {source}");
    print!("{}", explanation.to_text());
    if fails {
        return Err(Error::new(
            Exit::Kernel,
            format!(
                "loading {root} would fail: {}",
                explanation.failures.join("; ")
            ),
        ));
    }
    Ok(Exit::Ok)
}

/// What explain looks at: the list, the modules on disk, the loaded ones
/// and the interposers preload knows.
struct World<'a> {
    config: &'a Config,
    installed: &'a Installed,
    loaded: &'a BTreeSet<String>,
    interposers: &'a [Interposer],
}

/// Whether the load would go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// The module is loaded already.
    Loaded,
    /// It has no entry in the list.
    Unlisted,
    /// Its dependencies would load (or be skipped) and it would load.
    GoesAhead,
    /// preload would refuse it.
    Fails,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Loaded => "loaded",
            Verdict::Unlisted => "unlisted",
            Verdict::GoesAhead => "goes-ahead",
            Verdict::Fails => "fails",
        }
    }
}

/// One dependency in the tree, as walked.
#[derive(Debug)]
struct Row {
    depth: usize,
    name: Name,
    optional: bool,
    /// What becomes of it, one word: `loaded`, `would-load`, `seen`,
    /// `missing`, `cycle`, `out-of-service`.
    status: &'static str,
    /// The same for people.
    note: String,
}

/// What loading a module would do.
#[derive(Debug)]
struct Explanation {
    root: Name,
    /// The module's own state: loaded or not, installed where.
    state: String,
    rows: Vec<Row>,
    /// The dependencies preload would load, in order.
    order: Vec<String>,
    /// Why it would fail, if it would.
    failures: Vec<String>,
    verdict: Verdict,
}

/// A step of the depth-first walk.
enum Step {
    /// Show a dependency at this depth, below the modules on `path`;
    /// `optional_above` if one of those is an optional dependency, whose
    /// failure only skips it.
    Visit {
        depth: usize,
        dep: Dep,
        optional_above: bool,
    },
    /// All dependencies of this module are done: it would load now.
    Done(Name),
}

impl World<'_> {
    fn explain(&self, root: Name) -> Explanation {
        let mut explanation = Explanation {
            root,
            state: self.state_of(&root),
            rows: Vec::new(),
            order: Vec::new(),
            failures: Vec::new(),
            verdict: Verdict::GoesAhead,
        };
        if self.loaded.contains(root.as_str()) {
            explanation.verdict = Verdict::Loaded;
            return explanation;
        }
        let list = self.config.list();
        if list.deps_of(&root).is_empty() {
            explanation.verdict = Verdict::Unlisted;
            return explanation;
        }

        let mut expanded = BTreeSet::new();
        // The modules from the root down to the one being visited.
        let mut path = vec![root];
        let mut steps = vec![Step::Done(root)];
        push_deps(&mut steps, &list, &root, 0, false);
        while let Some(step) = steps.pop() {
            let (depth, dep, optional_above) = match step {
                Step::Visit {
                    depth,
                    dep,
                    optional_above,
                } => (depth, dep, optional_above),
                Step::Done(name) => {
                    path.pop();
                    if name != root {
                        explanation.order.push(name.to_string());
                    }
                    continue;
                }
            };
            let name = dep.name;
            // A failure below an optional dependency only skips that one.
            let mut fail = |why: String| {
                if !optional_above {
                    explanation.failures.push(why);
                }
            };
            let (status, note) = if let Some(start) = path.iter().position(|n| *n == name) {
                let cycle: Vec<String> = path[start..]
                    .iter()
                    .chain([&name])
                    .map(ToString::to_string)
                    .collect();
                let why = format!("dependency cycle: {}", cycle.join(" -> "));
                fail(why.clone());
                ("cycle", why)
            } else if self.loaded.contains(name.as_str()) {
                match self.serving(name.as_str()) {
                    Ok(None) => ("loaded", "loaded already (preload links it)".to_owned()),
                    Ok(Some(successor)) => (
                        "loaded",
                        format!(
                            "loaded already, retired: preload links the consumer to \
                             {successor}, which serves in its place"
                        ),
                    ),
                    Err(why) if dep.optional => (
                        "out-of-service",
                        format!("loaded already, {why}: skipped with a warning"),
                    ),
                    Err(why) => {
                        fail(format!("required interposer {name}: {why}"));
                        (
                            "out-of-service",
                            format!("loaded already, {why}: the load would fail"),
                        )
                    }
                }
            } else if self.installed.file(name.as_str()).is_none() {
                if dep.optional {
                    (
                        "missing",
                        "missing from disk: skipped with a warning".to_owned(),
                    )
                } else {
                    fail(format!("required {name} is missing from disk"));
                    (
                        "missing",
                        "missing from disk: the load would fail".to_owned(),
                    )
                }
            } else if !expanded.insert(name) {
                ("seen", "not loaded; see above".to_owned())
            } else {
                path.push(name);
                steps.push(Step::Done(name));
                push_deps(
                    &mut steps,
                    &list,
                    &name,
                    depth + 1,
                    optional_above || dep.optional,
                );
                ("would-load", "not loaded: would be loaded first".to_owned())
            };
            explanation.rows.push(Row {
                depth,
                name,
                optional: dep.optional,
                status,
                note,
            });
        }
        if !explanation.failures.is_empty() {
            explanation.verdict = Verdict::Fails;
        }
        explanation
    }

    fn state_of(&self, name: &Name) -> String {
        let loaded = if self.loaded.contains(name.as_str()) {
            "loaded"
        } else {
            "not loaded"
        };
        match self.installed.file(name.as_str()) {
            None => format!("{loaded}, not installed"),
            Some(file) if file.as_os_str().is_empty() => format!("{loaded}, built in"),
            Some(file) => format!("{loaded}, installed at {}", file.display()),
        }
    }

    /// Whether the loaded module `name` serves a consumer that lists it:
    /// `Ok(None)` if it does itself (or is no interposer), `Ok(Some(NEW))`
    /// if it was swapped for NEW (followed to the last swap), which serves
    /// in its place; `Err(why)` if the one that would serve is out of
    /// service (quiescing or quiesced), so preload refuses the binding.
    fn serving(&self, name: &str) -> Result<Option<String>, String> {
        let find = |name: &str| self.interposers.iter().find(|i| i.name == name);
        let Some(mut current) = find(name) else {
            return Ok(None);
        };
        let mut via = Vec::new();
        // Each swap retires one interposer for good: a chain ends (the
        // bound is for a /proc that says otherwise). A successor that
        // unloaded leaves the retired one to judge by its own state.
        while let Some(next) = current.swap.strip_prefix("retired:") {
            match find(next) {
                Some(successor) if via.len() < self.interposers.len() => {
                    via.push(current.name.clone());
                    current = successor;
                }
                _ => break,
            }
        }
        if !matches!(current.state.as_str(), "quiescing" | "quiesced") {
            return Ok((!via.is_empty()).then(|| current.name.clone()));
        }
        let served = match via.as_slice() {
            [] => String::new(),
            _ => format!(" (it serves for {})", via.join(", ")),
        };
        Err(format!(
            "{} is {}{served}, out of service (preloadctl start {})",
            current.name, current.state, current.name
        ))
    }
}

impl Explanation {
    fn to_text(&self) -> String {
        let mut out = format!("{}: {}\n", self.root, self.state);
        for row in &self.rows {
            out.push_str(&format!(
                "{}{}{}  {}, {}\n",
                "  ".repeat(row.depth + 1),
                if row.optional { "?" } else { "" },
                row.name,
                if row.optional { "optional" } else { "required" },
                row.note
            ));
        }
        if !self.order.is_empty() {
            out.push_str(&format!(
                "would load first, in this order: {}\n",
                self.order.join(" ")
            ));
        }
        let result = match self.verdict {
            Verdict::Loaded => "it is loaded already; loading it again does nothing".to_owned(),
            Verdict::Unlisted => {
                "it has no entry in the list; preload loads nothing first".to_owned()
            }
            Verdict::GoesAhead => "the load would go ahead".to_owned(),
            Verdict::Fails => format!("the load would fail: {}", self.failures.join("; ")),
        };
        out.push_str(&format!("result: {result}\n"));
        out
    }

    fn to_json(&self, source: &str) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({"depth": r.depth, "name": r.name.as_str(), "optional": r.optional,
                       "status": r.status, "note": r.note})
            })
            .collect();
        json!({
            "module": self.root.as_str(),
            "source": source,
            "state": self.state,
            "dependencies": rows,
            "order": self.order,
            "result": self.verdict.word(),
            "failures": self.failures,
        })
    }
}

/// Pushes the visits of `consumer`'s dependencies so they pop in written order.
fn push_deps(
    steps: &mut Vec<Step>,
    list: &preload_deps::List<'_>,
    consumer: &Name,
    depth: usize,
    optional_above: bool,
) {
    for edge in list.deps_of(consumer).iter().rev() {
        let dep = Dep {
            name: edge.dep,
            optional: edge.optional,
        };
        steps.push(Step::Visit {
            depth,
            dep,
            optional_above,
        });
    }
}
