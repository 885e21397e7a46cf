//! The malformed inputs: random bytes, bytes from the grammar's alphabet,
//! valid lists with one byte changed or a NUL put in, and huge lines. The
//! same seed gives the same inputs.

use preload_deps::LINE_MAX;

/// Valid lists the mutations start from.
const VALID: &[&[u8]] = &[
    b"pl_a: pl_b\n",
    b"pl_a: pl_b ?pl_c pl_d\n# a comment\npl_c: pl_plain\n",
    b"  pl-x:\tpl_y  ?pl_z \r\n\npl_y: pl_z\n",
    b"a: b\nb: c\nc: d\nd: e\n",
    b"consumer_with_a_long_name_0123456789: dep_1 dep_2 dep_3 ?dep_4\n",
];

/// Bytes a list is made of, and a few it must never contain.
const ALPHABET: &[u8] = b"abcxyz_-09:::??  \t\t\n\n#\r/.*\0\xff";

/// A xorshift64* generator: small, deterministic, good enough for inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The kinds of input, in the order they are tried.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    RandomBytes,
    Alphabet,
    OneByteChanged,
    Nul,
    HugeLine,
}

pub const KINDS: [Kind; 5] = [
    Kind::RandomBytes,
    Kind::Alphabet,
    Kind::OneByteChanged,
    Kind::Nul,
    Kind::HugeLine,
];

/// One input of `kind`, ending with a newline so that all of it is judged
/// by the write that carries it.
pub fn make(kind: Kind, rng: &mut Rng) -> Vec<u8> {
    let mut text = match kind {
        Kind::RandomBytes => (0..1 + rng.below(300)).map(|_| rng.next() as u8).collect(),
        Kind::Alphabet => (0..1 + rng.below(120))
            .map(|_| *rng.pick(ALPHABET))
            .collect(),
        Kind::OneByteChanged => {
            let mut text = rng.pick(VALID).to_vec();
            let at = rng.below(text.len());
            text[at] = rng.next() as u8;
            text
        }
        Kind::Nul => {
            let mut text = rng.pick(VALID).to_vec();
            let at = rng.below(text.len() + 1);
            text.insert(at, 0);
            text
        }
        Kind::HugeLine => huge_line(rng),
    };
    if text.last() != Some(&b'\n') {
        text.push(b'\n');
    }
    text
}

/// A valid list, then a line longer than LINE_MAX: one long name, or a
/// consumer with more dependencies than fit, up to 4 times LINE_MAX (longer
/// lines test nothing more, and 2000 of them cost minutes on a KASAN kernel
/// under QEMU).
fn huge_line(rng: &mut Rng) -> Vec<u8> {
    let mut text = rng.pick(VALID).to_vec();
    let len = LINE_MAX + 1 + rng.below(LINE_MAX * 3);
    if rng.below(2) == 0 {
        text.extend(std::iter::repeat_n(b'n', len));
    } else {
        text.extend_from_slice(b"big:");
        while text.len() < len {
            text.extend_from_slice(b" dep_0123456789");
        }
    }
    text
}
