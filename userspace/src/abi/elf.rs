//! A minimal reader of 64-bit little-endian ELF files: sections by name and
//! the symbol table. Enough for a kernel module (`.ko`, relocatable) and for
//! `vmlinux`; every offset is bounds-checked, so a corrupt file is an error,
//! never a panic.

use std::fmt;

/// Why a file is not an ELF file this reader understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfError(pub String);

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(why: impl Into<String>) -> ElfError {
    ElfError(why.into())
}

/// The bytes `at..at + len` of `data`, or an error naming `what`.
pub fn slice<'a>(data: &'a [u8], at: u64, len: u64, what: &str) -> Result<&'a [u8], ElfError> {
    let start = usize::try_from(at).map_err(|_| bad(format!("{what}: offset too large")))?;
    let len = usize::try_from(len).map_err(|_| bad(format!("{what}: size too large")))?;
    start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| bad(format!("{what}: past the end of the file")))
}

/// A little-endian integer at `at` (`N` bytes), if it is inside `data`.
fn le<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}

pub(crate) fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    le(data, at).map(u16::from_le_bytes)
}

pub(crate) fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    le(data, at).map(u32::from_le_bytes)
}

pub(crate) fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    le(data, at).map(u64::from_le_bytes)
}

/// The NUL-terminated string at `at` in `table`.
pub fn c_str(table: &[u8], at: usize) -> Option<&str> {
    let rest = table.get(at..)?;
    let end = rest.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// A section header.
#[derive(Debug, Clone)]
pub struct Section {
    /// The section's name.
    pub name: String,
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
}

/// `SHT_NOBITS`: a section with no bytes in the file (`.bss`).
const SHT_NOBITS: u32 = 8;
/// `SHT_SYMTAB`.
const SHT_SYMTAB: u32 = 2;

/// A symbol of `.symtab`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The symbol's name.
    pub name: String,
    /// The index of the section it is defined in; 0 if it is undefined.
    pub section: u16,
    /// Its value: an offset into its section in a relocatable file.
    pub value: u64,
    /// `STB_LOCAL` (0), `STB_GLOBAL` (1) or `STB_WEAK` (2).
    pub binding: u8,
}

/// An ELF file held in memory.
pub struct Elf<'a> {
    data: &'a [u8],
    sections: Vec<Section>,
}

impl<'a> Elf<'a> {
    /// Reads the file header and the section headers.
    pub fn parse(data: &'a [u8]) -> Result<Elf<'a>, ElfError> {
        if data.get(..4) != Some(b"\x7fELF") {
            return Err(bad("not an ELF file"));
        }
        if data.get(4..6) != Some(&[2, 1]) {
            return Err(bad("not a 64-bit little-endian ELF file"));
        }
        let truncated = || bad("truncated ELF header");
        let shoff = u64_at(data, 0x28).ok_or_else(truncated)?;
        let shentsize = u16_at(data, 0x3a).ok_or_else(truncated)?;
        let shnum = u16_at(data, 0x3c).ok_or_else(truncated)?;
        let shstrndx = u16_at(data, 0x3e).ok_or_else(truncated)?;
        if shnum > 0 && shentsize < 64 {
            return Err(bad("section headers are too small"));
        }
        let headers = slice(
            data,
            shoff,
            u64::from(shentsize) * u64::from(shnum),
            "section headers",
        )?;
        let mut sections = Vec::with_capacity(usize::from(shnum));
        let mut names = Vec::with_capacity(usize::from(shnum));
        for header in headers.chunks_exact(usize::from(shentsize.max(1))) {
            let field32 = |at| u32_at(header, at).unwrap_or(0);
            let field64 = |at| u64_at(header, at).unwrap_or(0);
            names.push(field32(0));
            sections.push(Section {
                name: String::new(),
                kind: field32(4),
                offset: field64(0x18),
                size: field64(0x20),
                link: field32(0x28),
            });
        }
        let mut elf = Elf { data, sections };
        if let Some(strtab) = elf.sections.get(usize::from(shstrndx)).cloned() {
            let table = elf.bytes(&strtab)?;
            let names: Vec<String> = names
                .iter()
                .map(|&at| c_str(table, at as usize).unwrap_or("").to_owned())
                .collect();
            for (section, name) in elf.sections.iter_mut().zip(names) {
                section.name = name;
            }
        }
        Ok(elf)
    }

    /// The bytes of a section (none for `SHT_NOBITS`).
    fn bytes(&self, section: &Section) -> Result<&'a [u8], ElfError> {
        if section.kind == SHT_NOBITS {
            return Ok(&[]);
        }
        slice(
            self.data,
            section.offset,
            section.size,
            &format!("section {}", section.name),
        )
    }

    /// The bytes of the first section called `name`, if there is one.
    pub fn section(&self, name: &str) -> Result<Option<&'a [u8]>, ElfError> {
        match self.sections.iter().find(|s| s.name == name) {
            Some(section) => self.bytes(section).map(Some),
            None => Ok(None),
        }
    }

    /// The bytes of the section numbered `index` and its name.
    pub fn section_at(&self, index: u16) -> Result<Option<(&str, &'a [u8])>, ElfError> {
        match self.sections.get(usize::from(index)) {
            Some(section) => Ok(Some((section.name.as_str(), self.bytes(section)?))),
            None => Ok(None),
        }
    }

    /// The symbols of `.symtab` (none if the file has no symbol table).
    pub fn symbols(&self) -> Result<Vec<Symbol>, ElfError> {
        let Some(symtab) = self.sections.iter().find(|s| s.kind == SHT_SYMTAB) else {
            return Ok(Vec::new());
        };
        let table = self.bytes(symtab)?;
        let strtab = self
            .sections
            .get(symtab.link as usize)
            .ok_or_else(|| bad("the symbol table's string table is missing"))?;
        let names = self.bytes(strtab)?;
        Ok(table
            .chunks_exact(24)
            .skip(1)
            .map(|entry| Symbol {
                name: c_str(names, u32_at(entry, 0).unwrap_or(0) as usize)
                    .unwrap_or("")
                    .to_owned(),
                binding: entry[4] >> 4,
                section: u16_at(entry, 6).unwrap_or(0),
                value: u64_at(entry, 8).unwrap_or(0),
            })
            .collect())
    }

    /// The names of the global symbols the file uses but does not define:
    /// for a module, what the kernel binds at load.
    pub fn undefined(&self) -> Result<Vec<String>, ElfError> {
        let mut names: Vec<String> = self
            .symbols()?
            .into_iter()
            .filter(|s| s.section == 0 && s.binding != 0 && !s.name.is_empty())
            .map(|s| s.name)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a relocatable ELF64 file with the given sections (name,
    /// bytes) and symbols (name, section index, value, binding); section 1 is
    /// the first of `sections`.
    pub(crate) fn build(sections: &[(&str, &[u8])], symbols: &[(&str, u16, u64, u8)]) -> Vec<u8> {
        let mut shstrtab = vec![0u8];
        let mut strtab = vec![0u8];
        let mut symtab = vec![0u8; 24];
        for &(name, section, value, binding) in symbols {
            let mut entry = vec![0u8; 24];
            entry[..4].copy_from_slice(&(strtab.len() as u32).to_le_bytes());
            entry[4] = binding << 4;
            entry[6..8].copy_from_slice(&section.to_le_bytes());
            entry[8..16].copy_from_slice(&value.to_le_bytes());
            symtab.extend(entry);
            strtab.extend(name.as_bytes());
            strtab.push(0);
        }
        let n = sections.len();
        let mut all: Vec<(&str, u32, Vec<u8>, u32)> = sections
            .iter()
            .map(|&(name, bytes)| (name, 1, bytes.to_vec(), 0))
            .collect();
        all.push((".symtab", SHT_SYMTAB, symtab, n as u32 + 2));
        all.push((".strtab", 3, strtab, 0));
        all.push((".shstrtab", 3, Vec::new(), 0));
        let mut names = Vec::new();
        for (name, ..) in &all {
            names.push(shstrtab.len() as u32);
            shstrtab.extend(name.as_bytes());
            shstrtab.push(0);
        }
        all.last_mut().unwrap().2 = shstrtab;
        let mut file = vec![0u8; 64];
        file[..6].copy_from_slice(b"\x7fELF\x02\x01");
        let mut offsets = Vec::new();
        for (_, _, bytes, _) in &all {
            offsets.push(file.len() as u64);
            file.extend(bytes);
        }
        let shoff = file.len() as u64;
        file.extend([0u8; 64]);
        for (i, (_, kind, bytes, link)) in all.iter().enumerate() {
            let mut header = vec![0u8; 64];
            header[..4].copy_from_slice(&names[i].to_le_bytes());
            header[4..8].copy_from_slice(&kind.to_le_bytes());
            header[0x18..0x20].copy_from_slice(&offsets[i].to_le_bytes());
            header[0x20..0x28].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
            header[0x28..0x2c].copy_from_slice(&link.to_le_bytes());
            file.extend(header);
        }
        file[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        file[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        file[0x3c..0x3e].copy_from_slice(&(all.len() as u16 + 1).to_le_bytes());
        file[0x3e..0x40].copy_from_slice(&(all.len() as u16).to_le_bytes());
        file
    }

    #[test]
    fn sections_and_undefined_symbols_are_read() {
        let file = build(
            &[(".modinfo", b"license=GPL\0"), (".text", b"\xc3")],
            &[
                ("local_fn", 2, 0, 0),
                ("_printk", 0, 0, 1),
                ("defined", 2, 0, 1),
                ("weak_ref", 0, 0, 2),
            ],
        );
        let elf = Elf::parse(&file).unwrap();
        assert_eq!(
            elf.section(".modinfo").unwrap(),
            Some(&b"license=GPL\0"[..])
        );
        assert_eq!(elf.section(".BTF").unwrap(), None);
        assert_eq!(elf.undefined().unwrap(), ["_printk", "weak_ref"]);
        assert_eq!(elf.section_at(2).unwrap().unwrap().0, ".text");
    }

    #[test]
    fn corrupt_files_are_errors() {
        assert!(Elf::parse(b"").is_err());
        assert!(Elf::parse(b"\x7fELF\x01\x01").is_err());
        let mut file = build(&[(".modinfo", b"x\0")], &[]);
        // Section headers past the end of the file.
        file[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Elf::parse(&file).is_err());
        let mut file = build(&[(".modinfo", b"x\0")], &[]);
        // A section whose bytes are past the end.
        let shoff = u64_at(&file, 0x28).unwrap() as usize;
        file[shoff + 64 + 0x20..shoff + 64 + 0x28].copy_from_slice(&(1u64 << 40).to_le_bytes());
        let elf = Elf::parse(&file).unwrap();
        assert!(elf.section(".modinfo").is_err());
    }
}
