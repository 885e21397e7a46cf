// SPDX-License-Identifier: GPL-2.0

//! A reader of raw BTF (`/sys/kernel/btf/*`, the `.BTF` and `.BTF.base`
//! sections of `vmlinux` and of modules), as documented in the kernel's
//! `Documentation/bpf/btf.rst` and `include/uapi/linux/btf.h`. It finds a
//! function (or variable) by name and renders its type as a canonical C-like
//! string, so that two types compare as strings.
//!
//! Split BTF (a module's, on top of `vmlinux`'s or of the distilled
//! `.BTF.base` a module file carries) continues its base's type ids and
//! string offsets. Shared as source with the kernel module, like `deps.rs`:
//! only `core`, no allocation, no panic on any input. A type is found by id
//! through an index of type offsets the caller provides ([`Btf::fill_index`]),
//! or by a scan without one.

use core::fmt;

/// The magic number at the start of raw BTF (little-endian).
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

/// The size of `struct btf_type`.
const TYPE_HEADER: usize = 12;

/// How deep rendering follows types before giving up (only corrupt or
/// absurd input gets there: structs are rendered by name).
const MAX_DEPTH: usize = 32;

/// Why BTF could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The blob does not start with [`MAGIC`].
    BadMagic,
    /// The header ends before its fields do.
    TruncatedHeader,
    /// The header says it is shorter than its fields.
    ShortHeader(u32),
    /// The named section lies outside the blob.
    SectionPastEnd(&'static str),
    /// The type at this byte of the type section is cut off.
    TypeTruncated(usize),
    /// The type at this byte has a kind neither known nor in the layout.
    UnknownKind(usize, u8),
    /// More types than ids.
    TooManyTypes,
    /// An index of the wrong length was given.
    IndexLength,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::BadMagic => f.write_str("not little-endian BTF (bad magic)"),
            Error::TruncatedHeader => f.write_str("truncated BTF header"),
            Error::ShortHeader(len) => write!(f, "BTF header of {len} bytes is too short"),
            Error::SectionPastEnd(what) => write!(f, "BTF {what} section is past the end"),
            Error::TypeTruncated(at) => write!(f, "BTF type at byte {at} runs past the end"),
            Error::UnknownKind(at, kind) => {
                write!(f, "BTF type at byte {at} has unknown kind {kind}")
            }
            Error::TooManyTypes => f.write_str("BTF has more types than ids"),
            Error::IndexLength => f.write_str("BTF index of the wrong length"),
        }
    }
}

/// A little-endian `u32` at `at`, if it is inside `data`.
fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// One type: `struct btf_type` and what follows it.
#[derive(Clone, Copy)]
struct Type<'a> {
    kind: u8,
    name_off: u32,
    kind_flag: bool,
    vlen: u32,
    /// `size` or `type`, depending on the kind.
    size_or_type: u32,
    body: &'a [u8],
}

impl<'a> Type<'a> {
    /// The type at byte `at` of `types` and the byte after it.
    fn decode(types: &'a [u8], layout: &[u8], at: usize) -> Result<(Type<'a>, usize), Error> {
        let field = |off: usize| u32_at(types, at + off).ok_or(Error::TypeTruncated(at));
        let (name_off, info, size_or_type) = (field(0)?, field(4)?, field(8)?);
        let kind = ((info >> 24) & 0x7f) as u8;
        let vlen = info & 0xff_ffff;
        let extra = match known_extra(kind, vlen) {
            Some(extra) => extra,
            None => {
                // 7.3's header may describe the size of each kind, so that
                // kinds this reader does not know can be skipped.
                let entry = layout
                    .get(kind as usize * 4..kind as usize * 4 + 4)
                    .ok_or(Error::UnknownKind(at, kind))?;
                u64::from(entry[0]) + u64::from(entry[1]) * u64::from(vlen)
            }
        };
        let start = at + TYPE_HEADER;
        let end = usize::try_from(extra)
            .ok()
            .and_then(|e| start.checked_add(e))
            .ok_or(Error::TypeTruncated(at))?;
        let body = types.get(start..end).ok_or(Error::TypeTruncated(at))?;
        let t = Type {
            kind,
            name_off,
            kind_flag: info >> 31 == 1,
            vlen,
            size_or_type,
            body,
        };
        Ok((t, end))
    }

    /// An array's element type and length.
    fn array(&self) -> (u32, u32) {
        (
            u32_at(self.body, 0).unwrap_or(0),
            u32_at(self.body, 8).unwrap_or(0),
        )
    }

    /// A function prototype's parameter types (0 for `...`).
    fn params(&self) -> impl Iterator<Item = u32> + 'a {
        self.body.chunks_exact(8).map(|p| u32_at(p, 4).unwrap_or(0))
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

/// A BTF blob, possibly split on top of a base; borrows its bytes.
#[derive(Clone, Copy)]
pub struct Btf<'a> {
    base: Option<&'a Btf<'a>>,
    types: &'a [u8],
    strings: &'a [u8],
    layout: &'a [u8],
    /// The id of the first type: 1, or the base's next id.
    first_id: u32,
    /// The offset of the first string: 0, or the base's string length.
    first_str: u32,
    /// The number of types in this blob (not its base).
    count: u32,
    /// Each type's byte offset in `types`; empty: found by scanning.
    index: &'a [u32],
}

impl<'a> Btf<'a> {
    /// Parses raw BTF, on top of `base` for split BTF. Every type is checked
    /// to lie inside the blob; types are found by scanning until an index is
    /// given ([`Btf::parse_indexed`]).
    pub fn parse(data: &'a [u8], base: Option<&'a Btf<'a>>) -> Result<Btf<'a>, Error> {
        let mut btf = Btf::header(data, base)?;
        let mut at = 0;
        let mut count = 0u32;
        while at < btf.types.len() {
            at = Type::decode(btf.types, btf.layout, at)?.1;
            count = count.checked_add(1).ok_or(Error::TooManyTypes)?;
        }
        btf.first_id.checked_add(count).ok_or(Error::TooManyTypes)?;
        btf.count = count;
        Ok(btf)
    }

    /// Like [`Btf::parse`], with `index` as filled by [`Btf::fill_index`] for
    /// the same `data`: the types are not scanned again, and found by id at
    /// once. A wrong index gives wrong answers, never a panic.
    pub fn parse_indexed(
        data: &'a [u8],
        base: Option<&'a Btf<'a>>,
        index: &'a [u32],
    ) -> Result<Btf<'a>, Error> {
        let mut btf = Btf::header(data, base)?;
        btf.count = u32::try_from(index.len()).map_err(|_| Error::TooManyTypes)?;
        btf.first_id
            .checked_add(btf.count)
            .ok_or(Error::TooManyTypes)?;
        btf.index = index;
        Ok(btf)
    }

    fn header(data: &'a [u8], base: Option<&'a Btf<'a>>) -> Result<Btf<'a>, Error> {
        if data.get(..2) != Some(&MAGIC.to_le_bytes()[..]) {
            return Err(Error::BadMagic);
        }
        let header = |at| u32_at(data, at).ok_or(Error::TruncatedHeader);
        let hdr_len = header(4)?;
        if hdr_len < 24 {
            return Err(Error::ShortHeader(hdr_len));
        }
        let section = |off: u32, len: u32, what| {
            let start = (hdr_len as usize).checked_add(off as usize);
            start
                .and_then(|s| data.get(s..s.checked_add(len as usize)?))
                .ok_or(Error::SectionPastEnd(what))
        };
        let types = section(header(8)?, header(12)?, "type")?;
        let strings = section(header(16)?, header(20)?, "string")?;
        let layout = if hdr_len >= 32 {
            section(header(24)?, header(28)?, "layout")?
        } else {
            &[]
        };
        let (first_id, first_str) = match base {
            Some(base) => {
                let strings = u32::try_from(base.strings.len()).ok();
                let first_str = strings.and_then(|s| base.first_str.checked_add(s));
                (base.next_id(), first_str.ok_or(Error::TooManyTypes)?)
            }
            None => (1, 0),
        };
        Ok(Btf {
            base,
            types,
            strings,
            layout,
            first_id,
            first_str,
            count: 0,
            index: &[],
        })
    }

    /// The number of types in this blob (not counting its base): the length
    /// of the index [`Btf::fill_index`] fills.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether this blob has no types of its own.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Writes each type's offset into `index`, which must be [`Btf::len`]
    /// long, for [`Btf::parse_indexed`].
    pub fn fill_index(&self, index: &mut [u32]) -> Result<(), Error> {
        if index.len() != self.len() {
            return Err(Error::IndexLength);
        }
        let mut at = 0;
        for slot in index.iter_mut() {
            *slot = u32::try_from(at).map_err(|_| Error::TooManyTypes)?;
            at = Type::decode(self.types, self.layout, at)?.1;
        }
        Ok(())
    }

    /// The id the next split BTF on top of this one starts at.
    fn next_id(&self) -> u32 {
        self.first_id + self.count
    }

    /// This blob's types in order, with their ids.
    fn own_types(&self) -> impl Iterator<Item = (u32, Type<'a>)> + 'a {
        let (types, layout) = (self.types, self.layout);
        let mut at = 0;
        let mut id = self.first_id;
        core::iter::from_fn(move || {
            let (t, end) = Type::decode(types, layout, at).ok()?;
            at = end;
            id = id.checked_add(1)?;
            Some((id - 1, t))
        })
    }

    /// The type `id`, here or in the base.
    fn get(&self, id: u32) -> Option<Type<'a>> {
        if id < self.first_id {
            return self.base?.get(id);
        }
        let i = id - self.first_id;
        if i >= self.count {
            return None;
        }
        if self.index.is_empty() {
            return self.own_types().nth(i as usize).map(|(_, t)| t);
        }
        let at = *self.index.get(i as usize)? as usize;
        Type::decode(self.types, self.layout, at)
            .ok()
            .map(|(t, _)| t)
    }

    /// The non-empty string at `off`, looked up in the base below
    /// `first_str`; `None` if it is not valid UTF-8.
    fn name(&self, off: u32) -> Option<&'a str> {
        if off < self.first_str {
            return self.base?.name(off);
        }
        let rest = self.strings.get((off - self.first_str) as usize..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        core::str::from_utf8(rest.get(..end)?)
            .ok()
            .filter(|s| !s.is_empty())
    }

    /// The id of the function or variable called `name`, in this blob or
    /// else in its base. Of several, a global one wins (a `FUNC`'s vlen is
    /// its linkage: 0 static, 1 global, 2 extern), then the first.
    pub fn find(&self, name: &str) -> Option<u32> {
        let mut first = None;
        for (id, t) in self.own_types() {
            if (t.kind != FUNC && t.kind != VAR) || self.name(t.name_off) != Some(name) {
                continue;
            }
            if t.kind == VAR || t.vlen == 1 {
                return Some(id);
            }
            first = first.or(Some(id));
        }
        first.or_else(|| self.base?.find(name))
    }

    /// Whether `id` is one of this blob's own types, not its base's.
    pub fn owns(&self, id: u32) -> bool {
        id >= self.first_id && id - self.first_id < self.count
    }

    /// The type of the function or variable `id` (from [`Btf::find`]), which
    /// prints as a canonical string.
    pub fn type_of_id(&self, id: u32) -> TypeOf<'_, 'a> {
        TypeOf { btf: self, id }
    }

    /// The type of the function or variable `name`, which prints as a
    /// canonical string: `int (const char *, ...)` for `_printk`, `struct
    /// kernel_param_ops` for a variable; `None` if this BTF does not
    /// describe it.
    pub fn type_of(&self, name: &str) -> Option<TypeOf<'_, 'a>> {
        self.find(name).map(|id| self.type_of_id(id))
    }

    /// The layout of the struct called `name` (the first with members, in
    /// this blob or else its base), which prints as `struct NAME (SIZE
    /// bytes): TYPE MEMBER @OFFSET, ...`; `None` if this BTF has none.
    pub fn struct_layout(&self, name: &str) -> Option<StructLayout<'_, 'a>> {
        let found = self
            .own_types()
            .find(|(_, t)| t.kind == STRUCT && t.vlen > 0 && self.name(t.name_off) == Some(name));
        match found {
            Some((id, _)) => Some(StructLayout { btf: self, id }),
            None => self.base?.struct_layout(name).map(|l| StructLayout {
                btf: self,
                id: l.id,
            }),
        }
    }

    /// Writes type `id`: typedefs, structs, unions and enums by name,
    /// qualifiers and pointers around what they qualify or point to.
    fn render(&self, id: u32, depth: usize, out: &mut dyn fmt::Write) -> fmt::Result {
        if id == 0 {
            return out.write_str("void");
        }
        let Some(t) = self.get(id).filter(|_| depth < MAX_DEPTH) else {
            return out.write_str("?");
        };
        let name = self.name(t.name_off);
        let named = |out: &mut dyn fmt::Write, tag: &str| match name {
            Some(n) => write!(out, "{tag}{n}"),
            None => write!(out, "{tag}<anon:{}>", t.size_or_type),
        };
        match t.kind {
            INT | FLOAT | TYPEDEF => out.write_str(name.unwrap_or("?")),
            STRUCT => named(out, "struct "),
            UNION => named(out, "union "),
            ENUM | ENUM64 => named(out, "enum "),
            FWD if t.kind_flag => named(out, "union "),
            FWD => named(out, "struct "),
            PTR => match self.get(t.size_or_type) {
                Some(target) if target.kind == FUNC_PROTO => {
                    self.render_proto(&target, "(*)", depth + 1, out)
                }
                _ => {
                    self.render(t.size_or_type, depth + 1, out)?;
                    out.write_str(" *")
                }
            },
            CONST | VOLATILE | RESTRICT => {
                let qualifier = match t.kind {
                    CONST => "const",
                    VOLATILE => "volatile",
                    _ => "restrict",
                };
                let points = self.get(t.size_or_type).is_some_and(|x| x.kind == PTR);
                if points {
                    self.render(t.size_or_type, depth + 1, out)?;
                    write!(out, " {qualifier}")
                } else {
                    write!(out, "{qualifier} ")?;
                    self.render(t.size_or_type, depth + 1, out)
                }
            }
            // Type tags (`__user`, `__rcu`) depend on the compiler and pahole
            // of the build, not on the interface.
            TYPE_TAG | FUNC | VAR => self.render(t.size_or_type, depth + 1, out),
            ARRAY => {
                let (elem, n) = t.array();
                self.render(elem, depth + 1, out)?;
                write!(out, "[{n}]")
            }
            FUNC_PROTO => self.render_proto(&t, "", depth, out),
            _ => out.write_str("?"),
        }
    }

    /// Writes `RET (PARAMS)`, or `RET (*)(PARAMS)` with that declarator.
    fn render_proto(
        &self,
        proto: &Type<'a>,
        declarator: &str,
        depth: usize,
        out: &mut dyn fmt::Write,
    ) -> fmt::Result {
        self.render(proto.size_or_type, depth + 1, out)?;
        write!(out, " {declarator}(")?;
        let mut params = proto.params().peekable();
        if params.peek().is_none() {
            out.write_str("void")?;
        }
        for (i, p) in params.enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            match p {
                0 => out.write_str("...")?,
                p => self.render(p, depth + 1, out)?,
            }
        }
        out.write_str(")")
    }
}

/// A struct's members, their types and byte offsets (see
/// [`Btf::struct_layout`]); bitfields print as `@BYTE+BITS`.
pub struct StructLayout<'b, 'a> {
    btf: &'b Btf<'a>,
    id: u32,
}

impl fmt::Display for StructLayout<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(t) = self.btf.get(self.id) else {
            return f.write_str("?");
        };
        write!(
            f,
            "struct {} ({} bytes):",
            self.btf.name(t.name_off).unwrap_or("?"),
            t.size_or_type
        )?;
        for (i, member) in t.body.chunks_exact(12).enumerate() {
            let word = |at| u32_at(member, at).unwrap_or(0);
            // With kind_flag, the offset's top 8 bits are a bitfield's size.
            let bits = if t.kind_flag {
                word(8) & 0xff_ffff
            } else {
                word(8)
            };
            f.write_str(if i == 0 { " " } else { ", " })?;
            self.btf.render(word(4), 0, f)?;
            write!(
                f,
                " {} @{}",
                self.btf.name(word(0)).unwrap_or("<anon>"),
                bits / 8
            )?;
            if bits % 8 != 0 {
                write!(f, "+{}", bits % 8)?;
            }
        }
        Ok(())
    }
}

/// The type of a function or variable, printed as a canonical C-like
/// string (see [`Btf::type_of`]).
pub struct TypeOf<'b, 'a> {
    btf: &'b Btf<'a>,
    id: u32,
}

impl fmt::Display for TypeOf<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.btf.get(self.id) {
            Some(t) => self.btf.render(t.size_or_type, 0, f),
            None => f.write_str("?"),
        }
    }
}
