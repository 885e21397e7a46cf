//! The comparison of a record against a target kernel: for each module and
//! each symbol it uses, what changed, and whether the change breaks it.

use super::kernel::Exports;
use super::record::{ModuleUse, Record, Role};
use super::stablelist::{classify, Class, StableList};
use super::symvers::Export;
use crate::error::Error;

/// A change of one used symbol between the record and the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Its exporter is in the target, and nothing exports it any more.
    Removed,
    /// Its exporting module is not in the target, so it cannot be checked.
    Unverified,
    /// Its BTF type changed.
    Type(String, String),
    /// Its CRC changed (`MODVERSIONS`: the kernel refuses the load).
    Crc(u32, u32),
    /// It became GPL-only.
    BecameGpl,
    /// It is no longer GPL-only.
    NoLongerGpl,
    /// Its namespace changed (from, to; empty for none).
    Namespace(String, String),
    /// Another module exports it now.
    Moved(String, String),
    /// The stable list has it now, and did not when the record was taken.
    NewlyStable,
}

impl Change {
    /// The short name of the change, for tables and JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Removed => "removed",
            Change::Unverified => "unverified",
            Change::Type(..) => "type",
            Change::Crc(..) => "crc",
            Change::BecameGpl => "gpl-only",
            Change::NoLongerGpl => "not-gpl-only",
            Change::Namespace(..) => "namespace",
            Change::Moved(..) => "module",
            Change::NewlyStable => "newly-stable",
        }
    }

    /// What changed, in words.
    pub fn detail(&self) -> String {
        let ns = |n: &str| {
            if n.is_empty() {
                "(none)".to_owned()
            } else {
                n.to_owned()
            }
        };
        match self {
            Change::Removed => "no longer exported".into(),
            Change::Unverified => "its module is not in the target; not checked".into(),
            Change::Type(old, new) => format!("{old} -> {new}"),
            Change::Crc(old, new) => format!("0x{old:08x} -> 0x{new:08x}"),
            Change::BecameGpl => "became EXPORT_SYMBOL_GPL".into(),
            Change::NoLongerGpl => "became EXPORT_SYMBOL".into(),
            Change::Namespace(old, new) => format!("{} -> {}", ns(old), ns(new)),
            Change::Moved(old, new) => format!("{old} -> {new}"),
            Change::NewlyStable => "now in the stable list".into(),
        }
    }
}

/// How bad a change is for the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// For information.
    Info,
    /// Worth a look; the module still loads.
    Warning,
    /// The module fails to load, or binds to something else.
    Breaks,
}

impl Severity {
    /// The severity's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Breaks => "breaks",
        }
    }
}

/// One finding: a change of a symbol a module uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The module.
    pub module: String,
    /// What it is to preload.
    pub role: Role,
    /// The symbol.
    pub symbol: String,
    /// The symbol against the stable list.
    pub class: Class,
    /// What changed.
    pub change: Change,
    /// How bad it is.
    pub severity: Severity,
}

/// Whether the kernel lets a module with this `MODULE_LICENSE` use GPL-only
/// symbols (`license_is_gpl_compatible()`).
pub fn gpl_compatible(license: &str) -> bool {
    matches!(
        license,
        "GPL"
            | "GPL v2"
            | "GPL and additional rights"
            | "Dual BSD/GPL"
            | "Dual MIT/GPL"
            | "Dual MPL/GPL"
    )
}

/// Whether `module` may use a symbol in `namespace`: none, one it imports,
/// or a `module:A,B` namespace that names it.
fn may_use_namespace(module: &ModuleUse, namespace: &str) -> bool {
    if namespace.is_empty() || module.import_ns.iter().any(|n| n == namespace) {
        return true;
    }
    namespace.strip_prefix("module:").is_some_and(|list| {
        list.split(',')
            .any(|m| crate::modules::canonical(m) == module.name)
    })
}

/// Compares every symbol of `record` against `target`, classified against
/// `stable`; findings are in record order.
pub fn compare(
    record: &Record,
    target: &dyn Exports,
    stable: Option<&StableList>,
) -> Result<Vec<Finding>, Error> {
    let mut findings = Vec::new();
    for module in &record.modules {
        for used in &module.symbols {
            let class = classify(stable, &used.name);
            let mut found = |change: Change, severity: Severity| {
                findings.push(Finding {
                    module: module.name.clone(),
                    role: module.role,
                    symbol: used.name.clone(),
                    class,
                    change,
                    severity,
                })
            };
            if class == Class::Stable && used.stable == Some(false) {
                found(Change::NewlyStable, Severity::Info);
            }
            // A symbol the recorded kernel did not export (a missing
            // library) says nothing about the target.
            let Some(old) = &used.export else { continue };
            let mut candidates = vec![old.module.clone()];
            candidates.extend(module.depends.iter().cloned());
            let Some(new) = target.export(&used.name, &candidates)? else {
                if target.knows(&old.module)? {
                    found(Change::Removed, Severity::Breaks);
                } else {
                    found(Change::Unverified, Severity::Warning);
                }
                continue;
            };
            for (change, severity) in changes(module, old, &new) {
                found(change, severity);
            }
            if let Some(old_type) = &used.btf_type {
                if let Some(new_type) = target.type_of(&used.name, &new.module)? {
                    if *old_type != new_type {
                        found(Change::Type(old_type.clone(), new_type), Severity::Breaks);
                    }
                }
            }
        }
    }
    Ok(findings)
}

/// The export-level changes of one symbol and how bad each is for `module`.
fn changes(module: &ModuleUse, old: &Export, new: &Export) -> Vec<(Change, Severity)> {
    let mut out = Vec::new();
    if old.module != new.module {
        out.push((
            Change::Moved(old.module.clone(), new.module.clone()),
            Severity::Warning,
        ));
    }
    if let (Some(a), Some(b)) = (old.crc, new.crc) {
        if a != b {
            out.push((Change::Crc(a, b), Severity::Breaks));
        }
    }
    match (old.gpl, new.gpl) {
        (false, true) if gpl_compatible(&module.license) => {
            out.push((Change::BecameGpl, Severity::Warning))
        }
        (false, true) => out.push((Change::BecameGpl, Severity::Breaks)),
        (true, false) => out.push((Change::NoLongerGpl, Severity::Info)),
        _ => {}
    }
    if old.namespace != new.namespace {
        let severity = if may_use_namespace(module, &new.namespace) {
            Severity::Warning
        } else {
            Severity::Breaks
        };
        out.push((
            Change::Namespace(old.namespace.clone(), new.namespace.clone()),
            severity,
        ));
    }
    out
}

/// The overall verdict: the worst severity found, if any.
pub fn verdict(findings: &[Finding]) -> &'static str {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Breaks) => "breaks",
        Some(Severity::Warning) => "warnings",
        _ => "ok",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::record::SymbolUse;
    use super::*;
    use std::collections::HashMap;

    /// A target kernel held in maps.
    #[derive(Default)]
    pub(crate) struct FakeTarget {
        pub(crate) exports: HashMap<String, Export>,
        pub(crate) modules: Vec<String>,
        pub(crate) types: HashMap<String, String>,
    }

    impl Exports for FakeTarget {
        fn export(&self, symbol: &str, _: &[String]) -> Result<Option<Export>, Error> {
            Ok(self.exports.get(symbol).cloned())
        }
        fn knows(&self, module: &str) -> Result<bool, Error> {
            Ok(self.modules.iter().any(|m| m == module))
        }
        fn type_of(&self, symbol: &str, _: &str) -> Result<Option<String>, Error> {
            Ok(self.types.get(symbol).cloned())
        }
    }

    fn export(module: &str, gpl: bool, namespace: &str, crc: Option<u32>) -> Export {
        Export {
            module: module.into(),
            gpl,
            namespace: namespace.into(),
            crc,
        }
    }

    fn used(name: &str, export: Export, btf_type: Option<&str>) -> SymbolUse {
        SymbolUse {
            name: name.into(),
            export: Some(export),
            btf_type: btf_type.map(str::to_owned),
            stable: Some(false),
        }
    }

    /// A consumer using one symbol of each change class, and a target
    /// where each changed; `same` did not change.
    fn world(license: &str) -> (Record, FakeTarget) {
        let plain = export("vmlinux", false, "", None);
        let mut record = super::super::record::tests::sample();
        record.modules[0].license = license.into();
        record.modules[0].import_ns = vec!["USB".into()];
        record.modules[0].symbols = vec![
            used("same", plain.clone(), Some("int (int)")),
            used("removed", plain.clone(), None),
            used("unverified", export("gone_lib", false, "", None), None),
            used("typed", plain.clone(), Some("int (int)")),
            used("crc", export("vmlinux", false, "", Some(1)), None),
            used("gpl", plain.clone(), None),
            used("ungpl", export("vmlinux", true, "", None), None),
            used("ns_ok", plain.clone(), None),
            used("ns_bad", plain.clone(), None),
            used("moved", export("old_lib", false, "", None), None),
            used("unexported", plain.clone(), None),
        ];
        record.modules[0].symbols[10].export = None;
        let mut target = FakeTarget {
            modules: vec!["vmlinux".into(), "old_lib".into()],
            ..FakeTarget::default()
        };
        for (name, e) in [
            ("same", plain.clone()),
            ("typed", plain.clone()),
            ("crc", export("vmlinux", false, "", Some(2))),
            ("gpl", export("vmlinux", true, "", None)),
            ("ungpl", plain.clone()),
            ("ns_ok", export("vmlinux", false, "USB", None)),
            ("ns_bad", export("vmlinux", false, "CRYPTO", None)),
            ("moved", export("new_lib", false, "", None)),
        ] {
            target.exports.insert(name.into(), e);
        }
        target.types.insert("same".into(), "int (int)".into());
        target.types.insert("typed".into(), "long (int)".into());
        (record, target)
    }

    fn summary(findings: &[Finding]) -> Vec<(String, &'static str, &'static str)> {
        findings
            .iter()
            .map(|f| (f.symbol.clone(), f.change.kind(), f.severity.as_str()))
            .collect()
    }

    #[test]
    fn every_change_class_is_found() {
        let (record, target) = world("GPL");
        let findings = compare(&record, &target, None).unwrap();
        let expected = [
            ("removed", "removed", "breaks"),
            ("unverified", "unverified", "warning"),
            ("typed", "type", "breaks"),
            ("crc", "crc", "breaks"),
            ("gpl", "gpl-only", "warning"),
            ("ungpl", "not-gpl-only", "info"),
            ("ns_ok", "namespace", "warning"),
            ("ns_bad", "namespace", "breaks"),
            ("moved", "module", "warning"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|&(s, k, v)| (s.to_owned(), k, v))
            .collect();
        assert_eq!(summary(&findings), expected);
        assert_eq!(findings[2].change.detail(), "int (int) -> long (int)");
        assert_eq!(findings[7].change.detail(), "(none) -> CRYPTO");
        assert_eq!(verdict(&findings), "breaks");
    }

    #[test]
    fn becoming_gpl_only_breaks_a_non_gpl_module() {
        let (record, target) = world("Proprietary");
        let findings = compare(&record, &target, None).unwrap();
        let gpl = findings.iter().find(|f| f.symbol == "gpl").unwrap();
        assert_eq!(gpl.severity, Severity::Breaks);
    }

    #[test]
    fn module_namespaces_admit_the_modules_they_name() {
        let (mut record, mut target) = world("GPL");
        record.modules[0].name = "kvm_amd".into();
        target.exports.insert(
            "ns_bad".into(),
            export("vmlinux", false, "module:kvm,kvm-amd", None),
        );
        let findings = compare(&record, &target, None).unwrap();
        let ns = findings.iter().find(|f| f.symbol == "ns_bad").unwrap();
        assert_eq!(ns.severity, Severity::Warning);
    }

    #[test]
    fn stable_list_classifies_and_names_newly_stable_symbols() {
        let (record, target) = world("GPL");
        let list = StableList::parse("same\nremoved\n").unwrap();
        let findings = compare(&record, &target, Some(&list)).unwrap();
        assert_eq!(
            summary(&findings)[..2],
            [
                ("same".into(), "newly-stable", "info"),
                ("removed".into(), "newly-stable", "info")
            ]
        );
        assert_eq!(findings[2].class, Class::Stable);
        assert_eq!(findings[3].class, Class::Unstable);
    }

    #[test]
    fn an_unchanged_kernel_has_no_findings() {
        let (record, _) = world("GPL");
        let mut target = FakeTarget::default();
        for used in &record.modules[0].symbols {
            if let Some(e) = &used.export {
                target.exports.insert(used.name.clone(), e.clone());
            }
            if let Some(t) = &used.btf_type {
                target.types.insert(used.name.clone(), t.clone());
            }
        }
        let findings = compare(&record, &target, None).unwrap();
        assert_eq!(findings, []);
        assert_eq!(verdict(&findings), "ok");
    }
}
