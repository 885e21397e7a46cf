//! Writes raw BTF, for the BTF reader's tests and for preloadctl's recorded
//! fixtures (`userspace/src/abi/fixtures.rs` includes this file as source).

#![allow(dead_code)]

/// A BTF blob under construction; ids start at `first_id` and string
/// offsets at `first_str` (a base's sizes, for split BTF).
pub struct Builder {
    next_id: u32,
    first_str: u32,
    types: Vec<u8>,
    strings: Vec<u8>,
}

impl Builder {
    /// A base blob.
    pub fn new() -> Builder {
        Builder::split(1, 0)
    }

    /// A blob split on top of a base with `base_types` types (void
    /// included) and `base_strings` bytes of strings.
    pub fn split(next_id: u32, first_str: u32) -> Builder {
        Builder {
            next_id,
            first_str,
            types: Vec::new(),
            strings: if first_str == 0 { vec![0] } else { Vec::new() },
        }
    }

    /// The next id and the string length, for a split blob on top.
    pub fn sizes(&self) -> (u32, u32) {
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

    fn add(&mut self, name: &str, kind: u32, vlen: u32, kflag: bool, x: u32, extra: &[u32]) -> u32 {
        let name = self.string(name);
        let info = (u32::from(kflag) << 31) | (kind << 24) | vlen;
        for word in [name, info, x].iter().chain(extra) {
            self.types.extend(word.to_le_bytes());
        }
        self.next_id += 1;
        self.next_id - 1
    }

    pub fn int(&mut self, name: &str, size: u32) -> u32 {
        self.add(name, 1, 0, false, size, &[size * 8])
    }
    pub fn ptr(&mut self, to: u32) -> u32 {
        self.add("", 2, 0, false, to, &[])
    }
    pub fn array(&mut self, elem: u32, index: u32, n: u32) -> u32 {
        self.add("", 3, 0, false, 0, &[elem, index, n])
    }
    pub fn structure(&mut self, name: &str, size: u32) -> u32 {
        self.add(name, 4, 0, false, size, &[])
    }
    /// A struct with `members`: (name, type, bit offset).
    pub fn structure_of(&mut self, name: &str, size: u32, members: &[(&str, u32, u32)]) -> u32 {
        let mut extra = Vec::new();
        for (member, of, bits) in members {
            extra.extend([self.string(member), *of, *bits]);
        }
        self.add(name, 4, members.len() as u32, false, size, &extra)
    }
    pub fn fwd_union(&mut self, name: &str) -> u32 {
        self.add(name, 7, 0, true, 0, &[])
    }
    pub fn typedef(&mut self, name: &str, to: u32) -> u32 {
        self.add(name, 8, 0, false, to, &[])
    }
    pub fn constant(&mut self, of: u32) -> u32 {
        self.add("", 10, 0, false, of, &[])
    }
    pub fn type_tag(&mut self, tag: &str, of: u32) -> u32 {
        self.add(tag, 18, 0, false, of, &[])
    }
    /// A prototype; a parameter of type 0 is `...`.
    pub fn proto(&mut self, ret: u32, params: &[u32]) -> u32 {
        let words: Vec<u32> = params.iter().flat_map(|&p| [0, p]).collect();
        self.add("", 13, params.len() as u32, false, ret, &words)
    }
    /// A function with linkage 0 (static) or 1 (global).
    pub fn func(&mut self, name: &str, proto: u32, linkage: u32) -> u32 {
        self.add(name, 12, linkage, false, proto, &[])
    }
    pub fn var(&mut self, name: &str, of: u32) -> u32 {
        self.add(name, 14, 0, false, of, &[1])
    }

    /// The raw bytes, with the 24-byte header.
    pub fn finish(&self) -> Vec<u8> {
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
