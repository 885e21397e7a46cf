//! A reader of raw BTF (`/sys/kernel/btf/*`, the `.BTF` section of
//! `vmlinux` and of modules), as documented in the kernel's
//! `Documentation/bpf/btf.rst` and `include/uapi/linux/btf.h`: it finds a
//! function (or variable) by name and renders its type as a canonical C-like
//! string, so that two kernels' types compare as strings.
//!
//! Split BTF (a module's, on top of `vmlinux`'s, or on top of the distilled
//! `.BTF.base` a module file carries) continues the base's type ids and
//! string offsets. Every offset is bounds-checked: corrupt input is an error
//! or an unknown type, never a panic.

use super::elf::u32_at;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

/// The magic number at the start of raw BTF.
pub const MAGIC: u16 = 0xeb9f;

const INT: u8 = 1;
const PTR: u8 = 2;
const ARRAY: u8 = 3;
const STRUCT: u8 = 4;
const UNION: u8 = 5;
const ENUM: u8 = 6;
const FWD: u8 = 7;
const TYPEDEF: u8 = 8;
const VOLATILE: u8 = 9;
const CONST: u8 = 10;
const RESTRICT: u8 = 11;
const FUNC: u8 = 12;
const FUNC_PROTO: u8 = 13;
const VAR: u8 = 14;
const DATASEC: u8 = 15;
const FLOAT: u8 = 16;
const DECL_TAG: u8 = 17;
const TYPE_TAG: u8 = 18;
const ENUM64: u8 = 19;

/// How deep `render` follows types before giving up (only corrupt or
/// absurd input gets there: structs are rendered by name).
const MAX_DEPTH: usize = 32;

/// Why BTF could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BtfError(pub String);

impl fmt::Display for BtfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(why: impl Into<String>) -> BtfError {
    BtfError(why.into())
}

/// One type: `struct btf_type` and what follows it.
#[derive(Debug, Clone)]
struct Type {
    kind: u8,
    name_off: u32,
    kind_flag: bool,
    vlen: u32,
    /// `size` or `type`, depending on the kind.
    size_or_type: u32,
    /// The array's element type and length.
    array: (u32, u32),
    /// A function prototype's parameter types (0 for `...`).
    params: Vec<u32>,
}

/// A BTF blob, possibly split on top of a base.
#[derive(Debug)]
pub struct Btf {
    base: Option<Rc<Btf>>,
    /// The id of `types[0]`: 1, or the base's next id.
    first_id: u32,
    /// The offset of `strings[0]`: 0, or the base's string length.
    first_str: u32,
    types: Vec<Type>,
    strings: Vec<u8>,
    /// Functions and variables by name, to their type id.
    by_name: HashMap<String, u32>,
}

impl Btf {
    /// Parses raw BTF; `base` for split BTF.
    pub fn parse(data: &[u8], base: Option<Rc<Btf>>) -> Result<Btf, BtfError> {
        let header = |at| u32_at(data, at).ok_or_else(|| bad("truncated BTF header"));
        if data.get(..2) != Some(&MAGIC.to_le_bytes()[..]) {
            return Err(bad("not little-endian BTF (bad magic)"));
        }
        let hdr_len = header(4)? as usize;
        if hdr_len < 24 {
            return Err(bad(format!("BTF header of {hdr_len} bytes is too short")));
        }
        let section = |off: u32, len: u32, what: &str| -> Result<&[u8], BtfError> {
            let start = hdr_len.checked_add(off as usize);
            start
                .and_then(|s| Some((s, s.checked_add(len as usize)?)))
                .and_then(|(s, e)| data.get(s..e))
                .ok_or_else(|| bad(format!("BTF {what} section is past the end")))
        };
        let types = section(header(8)?, header(12)?, "type")?;
        let strings = section(header(16)?, header(20)?, "string")?;
        // 7.3's header may describe the size of each kind, so that kinds this
        // reader does not know can be skipped.
        let layout = if hdr_len >= 32 {
            section(header(24)?, header(28)?, "layout")?
        } else {
            &[]
        };
        let (first_id, first_str) = match &base {
            Some(base) => (base.next_id(), base.first_str + base.strings.len() as u32),
            None => (1, 0),
        };
        let mut btf = Btf {
            base,
            first_id,
            first_str,
            types: Vec::new(),
            strings: strings.to_vec(),
            by_name: HashMap::new(),
        };
        btf.types = parse_types(types, layout)?;
        btf.index();
        Ok(btf)
    }

    /// The id the next split BTF starts at.
    fn next_id(&self) -> u32 {
        self.first_id + self.types.len() as u32
    }

    /// Indexes functions and variables by name; for a function, a global
    /// one wins over a static one of the same name.
    fn index(&mut self) {
        let mut by_name = HashMap::new();
        for (i, t) in self.types.iter().enumerate() {
            if t.kind != FUNC && t.kind != VAR {
                continue;
            }
            let Some(name) = self.name(t.name_off) else {
                continue;
            };
            let id = self.first_id + i as u32;
            // FUNC's vlen is its linkage: 0 static, 1 global, 2 extern.
            let global = t.kind == VAR || t.vlen == 1;
            match by_name.get(name) {
                Some(&(_, true)) => {}
                Some(&(_, false)) if !global => {}
                _ => {
                    by_name.insert(name.to_owned(), (id, global));
                }
            }
        }
        self.by_name = by_name.into_iter().map(|(k, (id, _))| (k, id)).collect();
    }

    /// The string at `off`, looked up in the base below `first_str`.
    fn name(&self, off: u32) -> Option<&str> {
        if off < self.first_str {
            return self.base.as_ref()?.name(off);
        }
        super::elf::c_str(&self.strings, (off - self.first_str) as usize)
    }

    fn get(&self, id: u32) -> Option<&Type> {
        if id < self.first_id {
            return self.base.as_ref()?.get(id);
        }
        self.types.get((id - self.first_id) as usize)
    }

    /// The id of the function or variable called `name`, here or in the base.
    fn find(&self, name: &str) -> Option<u32> {
        self.by_name
            .get(name)
            .copied()
            .or_else(|| self.base.as_ref()?.find(name))
    }

    /// The type of the function or variable `name` as a canonical string:
    /// `int (const char *, ...)` for `_printk`, `struct kernel_param_ops`
    /// for a variable; `None` if this BTF does not describe it.
    pub fn type_of(&self, name: &str) -> Option<String> {
        let id = self.find(name)?;
        let t = self.get(id)?;
        Some(self.render(t.size_or_type, 0))
    }

    /// Renders type `id`: typedefs, structs, unions and enums by name,
    /// qualifiers and pointers around what they qualify or point to.
    fn render(&self, id: u32, depth: usize) -> String {
        if id == 0 {
            return "void".into();
        }
        let Some(t) = self.get(id).filter(|_| depth < MAX_DEPTH) else {
            return "?".into();
        };
        let name = || self.name(t.name_off).filter(|n| !n.is_empty());
        let named = |tag: &str| match name() {
            Some(n) => format!("{tag}{n}"),
            None => format!("{tag}<anon:{}>", t.size_or_type),
        };
        let inner = || self.render(t.size_or_type, depth + 1);
        match t.kind {
            INT | FLOAT | TYPEDEF => name().unwrap_or("?").to_owned(),
            STRUCT => named("struct "),
            UNION => named("union "),
            ENUM | ENUM64 => named("enum "),
            FWD if t.kind_flag => named("union "),
            FWD => named("struct "),
            PTR => match self.get(t.size_or_type) {
                Some(target) if target.kind == FUNC_PROTO => {
                    self.render_proto(target, "(*)", depth + 1)
                }
                _ => format!("{} *", inner()),
            },
            CONST | VOLATILE | RESTRICT => {
                let qualifier = match t.kind {
                    CONST => "const",
                    VOLATILE => "volatile",
                    _ => "restrict",
                };
                let points = self.get(t.size_or_type).is_some_and(|x| x.kind == PTR);
                if points {
                    format!("{} {qualifier}", inner())
                } else {
                    format!("{qualifier} {}", inner())
                }
            }
            // Type tags (`__user`, `__rcu`) depend on the compiler and pahole
            // of the build, not on the interface.
            TYPE_TAG => inner(),
            ARRAY => format!("{}[{}]", self.render(t.array.0, depth + 1), t.array.1),
            FUNC_PROTO => self.render_proto(t, "", depth),
            FUNC | VAR => inner(),
            _ => "?".into(),
        }
    }

    fn render_proto(&self, proto: &Type, declarator: &str, depth: usize) -> String {
        let ret = self.render(proto.size_or_type, depth + 1);
        let params: Vec<String> = proto
            .params
            .iter()
            .map(|&p| match p {
                0 => "...".to_owned(),
                p => self.render(p, depth + 1),
            })
            .collect();
        let params = if params.is_empty() {
            "void".to_owned()
        } else {
            params.join(", ")
        };
        if declarator.is_empty() {
            format!("{ret} ({params})")
        } else {
            format!("{ret} {declarator}({params})")
        }
    }
}

/// The number of bytes after `struct btf_type` for each known kind.
fn known_extra(kind: u8, vlen: u32) -> Option<u64> {
    let vlen = u64::from(vlen);
    Some(match kind {
        INT | VAR | DECL_TAG => 4,
        PTR | FWD | TYPEDEF | VOLATILE | CONST | RESTRICT | FUNC | FLOAT | TYPE_TAG => 0,
        ARRAY => 12,
        STRUCT | UNION | DATASEC | ENUM64 => 12 * vlen,
        ENUM | FUNC_PROTO => 8 * vlen,
        _ => return None,
    })
}

fn parse_types(data: &[u8], layout: &[u8]) -> Result<Vec<Type>, BtfError> {
    let mut types = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let field = |off: usize| {
            u32_at(data, at + off).ok_or_else(|| bad(format!("BTF type at byte {at} is truncated")))
        };
        let (name_off, info, size_or_type) = (field(0)?, field(4)?, field(8)?);
        let kind = ((info >> 24) & 0x7f) as u8;
        let vlen = info & 0xff_ffff;
        let extra = match known_extra(kind, vlen) {
            Some(extra) => extra,
            None => {
                let entry = layout
                    .get(kind as usize * 4..kind as usize * 4 + 4)
                    .ok_or_else(|| bad(format!("BTF type at byte {at} has unknown kind {kind}")))?;
                u64::from(entry[0]) + u64::from(entry[1]) * u64::from(vlen)
            }
        };
        let body_start = at + 12;
        let body_end = usize::try_from(extra)
            .ok()
            .and_then(|e| body_start.checked_add(e))
            .filter(|&e| e <= data.len())
            .ok_or_else(|| bad(format!("BTF type at byte {at} runs past the end")))?;
        let body = &data[body_start..body_end];
        let mut t = Type {
            kind,
            name_off,
            kind_flag: info >> 31 == 1,
            vlen,
            size_or_type,
            array: (0, 0),
            params: Vec::new(),
        };
        match kind {
            ARRAY => t.array = (u32_at(body, 0).unwrap_or(0), u32_at(body, 8).unwrap_or(0)),
            FUNC_PROTO => {
                t.params = body
                    .chunks_exact(8)
                    .map(|p| u32_at(p, 4).unwrap_or(0))
                    .collect()
            }
            _ => {}
        }
        types.push(t);
        at = body_end;
    }
    Ok(types)
}

#[cfg(test)]
pub(crate) mod build {
    //! Writes raw BTF, for tests and for the recorded fixtures.

    /// A BTF blob under construction; ids start at `first_id` and string
    /// offsets at `first_str` (a base's sizes, for split BTF).
    pub(crate) struct Builder {
        next_id: u32,
        first_str: u32,
        types: Vec<u8>,
        strings: Vec<u8>,
    }

    impl Builder {
        /// A base blob.
        pub(crate) fn new() -> Builder {
            Builder::split(1, 0)
        }

        /// A blob split on top of a base with `base_types` types (void
        /// included) and `base_strings` bytes of strings.
        pub(crate) fn split(next_id: u32, first_str: u32) -> Builder {
            Builder {
                next_id,
                first_str,
                types: Vec::new(),
                strings: if first_str == 0 { vec![0] } else { Vec::new() },
            }
        }

        /// The next id and the string length, for a split blob on top.
        pub(crate) fn sizes(&self) -> (u32, u32) {
            (self.next_id, self.first_str + self.strings.len() as u32)
        }

        fn string(&mut self, s: &str) -> u32 {
            if s.is_empty() {
                return 0;
            }
            let off = self.first_str + self.strings.len() as u32;
            self.strings.extend(s.as_bytes());
            self.strings.push(0);
            off
        }

        fn add(
            &mut self,
            name: &str,
            kind: u32,
            vlen: u32,
            kflag: bool,
            x: u32,
            extra: &[u32],
        ) -> u32 {
            let name = self.string(name);
            let info = (u32::from(kflag) << 31) | (kind << 24) | vlen;
            for word in [name, info, x].iter().chain(extra) {
                self.types.extend(word.to_le_bytes());
            }
            self.next_id += 1;
            self.next_id - 1
        }

        pub(crate) fn int(&mut self, name: &str, size: u32) -> u32 {
            self.add(name, 1, 0, false, size, &[size * 8])
        }
        pub(crate) fn ptr(&mut self, to: u32) -> u32 {
            self.add("", 2, 0, false, to, &[])
        }
        pub(crate) fn array(&mut self, elem: u32, index: u32, n: u32) -> u32 {
            self.add("", 3, 0, false, 0, &[elem, index, n])
        }
        pub(crate) fn structure(&mut self, name: &str, size: u32) -> u32 {
            self.add(name, 4, 0, false, size, &[])
        }
        pub(crate) fn fwd_union(&mut self, name: &str) -> u32 {
            self.add(name, 7, 0, true, 0, &[])
        }
        pub(crate) fn typedef(&mut self, name: &str, to: u32) -> u32 {
            self.add(name, 8, 0, false, to, &[])
        }
        pub(crate) fn constant(&mut self, of: u32) -> u32 {
            self.add("", 10, 0, false, of, &[])
        }
        pub(crate) fn type_tag(&mut self, tag: &str, of: u32) -> u32 {
            self.add(tag, 18, 0, false, of, &[])
        }
        /// A prototype; a parameter of type 0 is `...`.
        pub(crate) fn proto(&mut self, ret: u32, params: &[u32]) -> u32 {
            let words: Vec<u32> = params.iter().flat_map(|&p| [0, p]).collect();
            self.add("", 13, params.len() as u32, false, ret, &words)
        }
        /// A function with linkage 0 (static) or 1 (global).
        pub(crate) fn func(&mut self, name: &str, proto: u32, linkage: u32) -> u32 {
            self.add(name, 12, linkage, false, proto, &[])
        }
        pub(crate) fn var(&mut self, name: &str, of: u32) -> u32 {
            self.add(name, 14, 0, false, of, &[1])
        }

        /// The raw bytes, with the 24-byte header.
        pub(crate) fn finish(&self) -> Vec<u8> {
            let mut out = Vec::new();
            out.extend(0xeb9fu16.to_le_bytes());
            out.extend([1u8, 0]);
            let (types, strings) = (self.types.len() as u32, self.strings.len() as u32);
            for word in [24u32, 0, types, types, strings] {
                out.extend(word.to_le_bytes());
            }
            out.extend(&self.types);
            out.extend(&self.strings);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::build::Builder;
    use super::*;

    fn sample() -> (Builder, Rc<Btf>) {
        let mut b = Builder::new();
        let int = b.int("int", 4);
        let long = b.int("long int", 8);
        let chr = b.int("char", 1);
        let cchr = b.constant(chr);
        let s = b.ptr(cchr);
        let printk = b.proto(int, &[s, 0]);
        b.func("_printk", printk, 1);
        let dev = b.structure("device", 712);
        let user = b.type_tag("user", dev);
        let pdev = b.ptr(user);
        let size_t = b.typedef("size_t", long);
        let cb = b.proto(int, &[pdev]);
        let pcb = b.ptr(cb);
        let u = b.fwd_union("bpf_attr");
        let pu = b.ptr(u);
        let arr = b.array(chr, int, 16);
        let f = b.proto(size_t, &[pcb, pu, arr]);
        b.func("register_thing", f, 1);
        let stat = b.proto(0, &[]);
        b.func("register_thing", stat, 0);
        let cptr = b.constant(pdev);
        b.var("the_device", cptr);
        let btf = Rc::new(Btf::parse(&b.finish(), None).unwrap());
        (b, btf)
    }

    #[test]
    fn functions_render_as_c_like_prototypes() {
        let (_, btf) = sample();
        assert_eq!(btf.type_of("_printk").unwrap(), "int (const char *, ...)");
        // The global function wins over the static one of the same name;
        // type tags are dropped, function pointers keep their shape.
        assert_eq!(
            btf.type_of("register_thing").unwrap(),
            "size_t (int (*)(struct device *), union bpf_attr *, char[16])"
        );
        assert_eq!(btf.type_of("the_device").unwrap(), "struct device * const");
        assert_eq!(btf.type_of("missing"), None);
    }

    #[test]
    fn split_btf_continues_the_base_ids_and_strings() {
        let (b, base) = sample();
        let (next_id, strings) = b.sizes();
        let mut m = Builder::split(next_id, strings);
        // Type 1 is the base's `int`; the name "int" comes from the base too.
        let proto = m.proto(1, &[1]);
        m.func("sample_lib_compute", proto, 1);
        let long = m.int("long", 8);
        let proto = m.proto(long, &[long]);
        m.func("sample_lib_step", proto, 1);
        let module = Btf::parse(&m.finish(), Some(base)).unwrap();
        assert_eq!(module.type_of("sample_lib_compute").unwrap(), "int (int)");
        assert_eq!(module.type_of("sample_lib_step").unwrap(), "long (long)");
        assert_eq!(
            module.type_of("_printk").unwrap(),
            "int (const char *, ...)"
        );
    }

    #[test]
    fn corrupt_btf_is_an_error_not_a_panic() {
        let (b, _) = sample();
        let good = b.finish();
        assert!(Btf::parse(&[], None).is_err());
        assert!(Btf::parse(&good[..30], None).is_err());
        // Every truncation and every single-byte corruption parses or fails.
        for len in 0..good.len() {
            let _ = Btf::parse(&good[..len], None);
        }
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0xff;
            if let Ok(btf) = Btf::parse(&bad, None) {
                let _ = btf.type_of("_printk");
                let _ = btf.type_of("register_thing");
            }
        }
        // An unknown kind without a layout section is refused.
        let mut unknown = good.clone();
        unknown[24 + 7] = 0x7f;
        assert!(Btf::parse(&unknown, None)
            .unwrap_err()
            .0
            .contains("unknown kind"));
    }

    #[test]
    fn self_referencing_types_stop() {
        let mut b = Builder::new();
        // Type 1 points to itself.
        let p = b.ptr(1);
        let proto = b.proto(p, &[]);
        b.func("loop", proto, 1);
        let btf = Btf::parse(&b.finish(), None).unwrap();
        assert!(btf.type_of("loop").unwrap().contains('?'));
    }
}
