//! `preloadctl explain MODULE`: what loading MODULE now would do.

use crate::config::Config;
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::modules::Installed;
use crate::store::choose_list;
use preload_deps::{Dep, Name};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Prints the dependency tree of `module` with the state of each module,
/// the order preload would load them in, and whether the load would go ahead.
pub fn run(ctx: &Context, module: &str, files: Vec<PathBuf>) -> Result<Exit, Error> {
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
    let world = World {
        config: &config,
        installed: &installed,
        loaded: &loaded,
    };
    println!("using {source}");
    print!("{}", world.explain(root));
    Ok(Exit::Ok)
}

/// What explain looks at: the list, the modules on disk, the loaded ones.
struct World<'a> {
    config: &'a Config,
    installed: &'a Installed,
    loaded: &'a BTreeSet<String>,
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
    fn explain(&self, root: Name) -> String {
        let mut out = String::new();
        out.push_str(&format!("{root}: {}\n", self.state_of(&root)));
        if self.loaded.contains(root.as_str()) {
            out.push_str("result: it is loaded already; loading it again does nothing\n");
            return out;
        }
        let list = self.config.list();
        if list.deps_of(&root).is_empty() {
            out.push_str("result: it has no entry in the list; preload loads nothing first\n");
            return out;
        }

        let mut order = Vec::new();
        let mut failures = Vec::new();
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
                        order.push(name.to_string());
                    }
                    continue;
                }
            };
            let name = dep.name;
            let kind = if dep.optional { "optional" } else { "required" };
            let indent = "  ".repeat(depth + 1);
            // A failure below an optional dependency only skips that one.
            let mut fail = |why: String| {
                if !optional_above {
                    failures.push(why);
                }
            };
            let note = if let Some(start) = path.iter().position(|n| *n == name) {
                let cycle: Vec<String> = path[start..]
                    .iter()
                    .chain([&name])
                    .map(ToString::to_string)
                    .collect();
                fail(format!("dependency cycle: {}", cycle.join(" -> ")));
                format!("dependency cycle: {}", cycle.join(" -> "))
            } else if self.loaded.contains(name.as_str()) {
                "loaded already (preload links it)".to_owned()
            } else if self.installed.file(name.as_str()).is_none() {
                if dep.optional {
                    "missing from disk: skipped with a warning".to_owned()
                } else {
                    fail(format!("required {name} is missing from disk"));
                    "missing from disk: the load would fail".to_owned()
                }
            } else if !expanded.insert(name) {
                "not loaded; see above".to_owned()
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
                "not loaded: would be loaded first".to_owned()
            };
            out.push_str(&format!(
                "{indent}{}{name}  {kind}, {note}\n",
                if dep.optional { "?" } else { "" }
            ));
        }

        if !order.is_empty() {
            out.push_str(&format!(
                "would load first, in this order: {}\n",
                order.join(" ")
            ));
        }
        match failures.as_slice() {
            [] => out.push_str("result: the load would go ahead\n"),
            _ => out.push_str(&format!(
                "result: the load would fail: {}\n",
                failures.join("; ")
            )),
        }
        out
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
