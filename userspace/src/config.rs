//! Config sources: finding the files, parsing them all with the shared
//! grammar, merging them into one list and checking it for cycles and for
//! modules that are not installed.
//!
//! Every parse goes through `preload_deps`, the parser the kernel module is
//! built from; this file only collects every error instead of the first.

use crate::error::{describe, Error, Exit};
use crate::modules::Installed;
use preload_deps::{merge, parse_line, write_canonical, Edge, List, Name, ENTRIES_MAX};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// At most this many cycles are reported; each one found is cut to look for more.
const CYCLES_REPORTED_MAX: usize = 100;

/// Returns the default sources: the main file (`/etc/preload-modules.conf`)
/// if it exists, then the `*.conf` files of the snippets directory
/// (`/etc/preload-modules.d/`) in lexical order of their names.
pub fn default_sources(main: &Path, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    if main.exists() {
        files.push(main.to_owned());
    }
    match fs::read_dir(dir) {
        Ok(entries) => {
            let mut snippets = Vec::new();
            for entry in entries {
                let path = entry.map_err(|e| Error::io("cannot list", dir, &e))?.path();
                if path.extension().is_some_and(|ext| ext == "conf") {
                    snippets.push(path);
                }
            }
            snippets.sort();
            files.extend(snippets);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("cannot list", dir, &e)),
    }
    Ok(files)
}

/// Where something was written: a file and a line (0 for the whole file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The file, as the user named it.
    pub file: PathBuf,
    /// The line, from 1; 0 when the problem is the whole file.
    pub line: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.file.display()),
            line => write!(f, "{}:{line}", self.file.display()),
        }
    }
}

/// One finding about a config, printed as `file:line: reason`.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Where it is.
    pub place: Place,
    /// Whether it only warns.
    pub warning: bool,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.warning { "warning: " } else { "" };
        write!(f, "{}: {kind}{}", self.place, self.reason)
    }
}

/// A merged list and where each of its edges was written.
#[derive(Debug, Default)]
pub struct Config {
    /// The merged edges, sorted as `preload_deps::merge` leaves them.
    edges: Vec<Edge>,
    /// The place of each edge, indexed by its `seq`.
    places: Vec<Place>,
}

/// The result of loading sources: the list and everything wrong with it.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The list, usable only if `errors` is empty.
    pub config: Config,
    /// Every error, in file and line order, then cycles.
    pub errors: Vec<Diagnostic>,
}

impl Loaded {
    /// Returns the config, or an error listing every problem found.
    pub fn into_valid(self) -> Result<Config, Error> {
        if self.errors.is_empty() {
            return Ok(self.config);
        }
        let lines: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        let message = format!(
            "the config is invalid (errors: {}); nothing was changed",
            lines.len()
        );
        Err(Error::with_details(Exit::Invalid, message, lines))
    }
}

/// Reads, parses and merges `files` in order, so that later files add to the
/// entries of earlier ones, and collects every error.
pub fn load(files: &[PathBuf]) -> Loaded {
    let mut builder = Builder::default();
    for file in files {
        match fs::read(file) {
            Ok(text) => builder.add(file, &text),
            Err(e) => builder.errors.push(Diagnostic {
                place: Place {
                    file: file.clone(),
                    line: 0,
                },
                warning: false,
                reason: format!("cannot read: {}", describe(&e)),
            }),
        }
    }
    builder.finish()
}

/// Parses and merges texts in order as `load` does files, each named by
/// its path (files about to be written).
pub fn load_texts(texts: &[(PathBuf, Vec<u8>)]) -> Loaded {
    let mut builder = Builder::default();
    for (name, text) in texts {
        builder.add(name, text);
    }
    builder.finish()
}

/// Parses one text that is not a file, such as the live list, naming it `name`.
pub fn parse(name: &Path, text: &[u8]) -> Loaded {
    let mut builder = Builder::default();
    builder.add(name, text);
    builder.finish()
}

/// Parses `text` line by line as `load` does and returns only the lines
/// the grammar rejects: no merging, no cycle search. Empty if `text` is a
/// dependency list, however wrong its content.
pub fn line_errors(name: &Path, text: &[u8]) -> Vec<Diagnostic> {
    let mut builder = Builder::default();
    builder.add(name, text);
    builder.errors
}

#[derive(Default)]
struct Builder {
    raw: Vec<Edge>,
    places: Vec<Place>,
    errors: Vec<Diagnostic>,
    next_seq: u32,
}

impl Builder {
    fn add(&mut self, file: &Path, text: &[u8]) {
        for (index, line) in text.split(|&b| b == b'\n').enumerate() {
            let place = Place {
                file: file.to_owned(),
                line: index + 1,
            };
            let pushed = parse_line(line).and_then(|parsed| {
                parsed.for_each_edge(&mut self.next_seq, |edge| {
                    self.raw.push(edge);
                    self.places.push(place.clone());
                    Ok::<(), preload_deps::Error>(())
                })
            });
            if let Err(e) = pushed {
                self.errors.push(Diagnostic {
                    place,
                    warning: false,
                    reason: e.to_string(),
                });
            }
        }
    }

    fn finish(mut self) -> Loaded {
        let mut edges = self.raw;
        let len = merge(&mut edges);
        edges.truncate(len);
        let config = Config {
            edges,
            places: self.places,
        };
        if config.edges.len() > ENTRIES_MAX {
            let place = config.place_of(config.edges.iter().map(|e| e.seq).max().unwrap_or(0));
            self.errors.push(Diagnostic {
                place,
                warning: false,
                reason: preload_deps::Error::TooManyEntries.to_string(),
            });
        } else {
            self.errors.extend(config.cycles());
        }
        Loaded {
            config,
            errors: self.errors,
        }
    }
}

impl Config {
    /// Returns the merged list.
    pub fn list(&self) -> List<'_> {
        List::new(&self.edges)
    }

    /// Returns the number of entries (consumer-dependency pairs).
    pub fn entries(&self) -> usize {
        self.edges.len()
    }

    /// Returns the list in the canonical text the kernel prints.
    pub fn canonical(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = write_canonical(&self.list(), &mut text);
        text
    }

    /// Returns where the edge numbered `seq` was first written.
    pub fn place_of(&self, seq: u32) -> Place {
        self.places.get(seq as usize).cloned().unwrap_or(Place {
            file: PathBuf::new(),
            line: 0,
        })
    }

    /// Finds the dependency cycles: each one is reported at the edge written
    /// last, which is then left out to look for further cycles.
    fn cycles(&self) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        let mut edges = self.edges.clone();
        let mut scratch = vec![0; edges.len()];
        while found.len() < CYCLES_REPORTED_MAX {
            let Ok(Some(cycle)) = List::new(&edges).find_cycle(&mut scratch) else {
                break;
            };
            let Some(closing) = cycle.edges().map(|e| e.seq).max() else {
                break;
            };
            let written: Vec<String> = cycle
                .edges()
                .map(|e| self.place_of(e.seq).to_string())
                .collect();
            found.push(Diagnostic {
                place: self.place_of(closing),
                warning: false,
                reason: format!(
                    "dependency cycle: {cycle} (written at {})",
                    written.join(", ")
                ),
            });
            edges.retain(|e| e.seq != closing);
        }
        found
    }
}

/// Names each module that is not installed, once, at the first line naming
/// it. With `strict` these are errors, except for modules only ever named as
/// optional dependencies, which are allowed to be missing.
pub fn missing_modules(
    config: &Config,
    installed: &Installed,
    modules_dir: &Path,
    strict: bool,
) -> Vec<Diagnostic> {
    // For each missing module: where it is first named, and whether it is required.
    let mut missing: BTreeMap<Name, (u32, bool)> = BTreeMap::new();
    for edge in config.list().edges() {
        for (name, required) in [(edge.consumer, true), (edge.dep, !edge.optional)] {
            if installed.file(name.as_str()).is_none() {
                let entry = missing.entry(name).or_insert((edge.seq, required));
                entry.0 = entry.0.min(edge.seq);
                entry.1 |= required;
            }
        }
    }
    let mut missing: Vec<_> = missing.into_iter().collect();
    missing.sort_by_key(|&(_, (seq, _))| seq);
    missing
        .into_iter()
        .map(|(name, (seq, required))| Diagnostic {
            place: config.place_of(seq),
            warning: !strict || !required,
            reason: format!(
                "{} {name} is not installed under {}",
                if required {
                    "module"
                } else {
                    "optional dependency"
                },
                modules_dir.display()
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random valid-ish lines over a few names, some bad, some cyclic.
    fn random_lines(seed: u64, count: usize) -> Vec<String> {
        const WORDS: &[&str] = &["a", "b", "c-d", "c_d", "?e", "f", "?a", "bad!", "?"];
        let mut state = seed | 1;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        (0..count)
            .map(|_| {
                let consumer = ["a", "b", "f", "x", "# c", ""][next(6)];
                let deps: Vec<&str> = (0..next(4)).map(|_| WORDS[next(WORDS.len())]).collect();
                format!("{consumer}: {}", deps.join(" "))
            })
            .collect()
    }

    #[test]
    fn splitting_a_config_into_files_changes_nothing_but_places() {
        let dir = tempfile::tempdir().unwrap();
        for seed in 0..300 {
            let lines = random_lines(seed, 12);
            let whole = dir.path().join("whole.conf");
            fs::write(&whole, lines.join("\n")).unwrap();
            let cut = (seed as usize) % lines.len();
            let (first, second) = (dir.path().join("1.conf"), dir.path().join("2.conf"));
            fs::write(&first, lines[..cut].join("\n")).unwrap();
            fs::write(&second, lines[cut..].join("\n")).unwrap();

            let one = load(&[whole]);
            let two = load(&[first, second]);
            assert_eq!(one.config.canonical(), two.config.canonical(), "{lines:?}");
            assert_eq!(one.errors.len(), two.errors.len(), "{lines:?}");
            let reasons = |l: &Loaded| {
                l.errors
                    .iter()
                    .map(|e| e.reason.clone())
                    .collect::<Vec<_>>()
            };
            if one.errors.iter().all(|e| !e.reason.contains("cycle")) {
                assert_eq!(reasons(&one), reasons(&two));
            }
        }
    }

    #[test]
    fn canonical_text_parses_to_the_same_list() {
        for seed in 0..300 {
            let text = random_lines(seed, 10).join("\n");
            let loaded = parse(Path::new("t"), text.as_bytes());
            let canonical = loaded.config.canonical();
            let again = parse(Path::new("c"), canonical.as_bytes());
            assert_eq!(again.config.canonical(), canonical);
            assert_eq!(again.config.entries(), loaded.config.entries());
            // Bad lines are left out; cycles stay in the list and are found
            // again (how many depends on the written order, which changed).
            let cyclic = |l: &Loaded| l.errors.iter().any(|e| e.reason.contains("cycle"));
            assert_eq!(cyclic(&again), cyclic(&loaded), "{text}");
        }
    }

    #[test]
    fn every_error_is_reported_with_its_line() {
        let loaded = parse(Path::new("f"), b"a: b\nbad\n\nc: c\nd: ?\nb: a\n");
        let places: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            places,
            [
                "f:2: missing ':' after the consumer name",
                "f:4: c depends on itself",
                "f:5: '?' without a module name",
                "f:6: dependency cycle: a -> b -> a (written at f:1, f:6)",
            ]
        );
    }
}
