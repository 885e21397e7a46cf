//! BTF for preloadctl: owns the bytes of a blob, its index and its base,
//! which the shared reader (`preload_deps::btf`, the one the kernel module
//! checks interposers with) borrows for each question. Split BTF (a module's,
//! on top of `vmlinux`'s or of its distilled `.BTF.base`) keeps its base.

use preload_deps::btf::Btf as View;
pub use preload_deps::btf::{Error as BtfError, MAGIC};
use std::rc::Rc;

/// A parsed BTF blob, possibly split on top of a base.
#[derive(Debug)]
pub struct Btf {
    data: Vec<u8>,
    /// Each type's offset, so that the reader finds types by id at once.
    index: Vec<u32>,
    base: Option<Rc<Btf>>,
}

impl Btf {
    /// Parses raw BTF; `base` for split BTF.
    pub fn parse(data: &[u8], base: Option<Rc<Btf>>) -> Result<Btf, BtfError> {
        let mut btf = Btf {
            data: data.to_vec(),
            index: Vec::new(),
            base,
        };
        let mut index = Err(BtfError::BadMagic);
        let mut fill = |view: Option<&View<'_>>| {
            index = View::parse(&btf.data, view).and_then(|parsed| {
                let mut index = vec![0; parsed.len()];
                parsed.fill_index(&mut index)?;
                Ok(index)
            });
        };
        match &btf.base {
            None => fill(None),
            Some(base) => base.with(&mut |view| fill(Some(view))),
        }
        btf.index = index?;
        Ok(btf)
    }

    /// Calls `f` with the reader's view of this blob, on its base's (not
    /// at all if a view cannot be made, which parsing ruled out).
    fn with(&self, f: &mut dyn FnMut(&View<'_>)) {
        match &self.base {
            None => {
                if let Ok(view) = View::parse_indexed(&self.data, None, &self.index) {
                    f(&view);
                }
            }
            Some(base) => base.with(&mut |b| {
                if let Ok(view) = View::parse_indexed(&self.data, Some(b), &self.index) {
                    f(&view);
                }
            }),
        }
    }

    /// The type of the function or variable `name` as a canonical string:
    /// `int (const char *, ...)` for `_printk`, `struct kernel_param_ops`
    /// for a variable; `None` if this BTF does not describe it.
    pub fn type_of(&self, name: &str) -> Option<String> {
        let mut found = None;
        self.with(&mut |view| found = view.type_of(name).map(|t| t.to_string()));
        found
    }
}
