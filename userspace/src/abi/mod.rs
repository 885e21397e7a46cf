//! `preloadctl abi`: kernel symbol tracking for interposers and consumers.
//! `snapshot` records what each one uses on the running kernel; `check`
//! compares that record with another kernel.
//!
//! One job per file: `elf.rs` and `btf.rs` read the binary formats,
//! `symvers.rs` and `ko.rs` the export information, `kernel.rs` puts a
//! kernel's sources together, `record.rs` is the record's format,
//! `compare.rs` the comparison, `stablelist.rs` the stable list, `report.rs`
//! the last report, and `snapshot.rs` and `check.rs` are the commands;
//! `staged.rs` is the check `prepare` runs on the modules it stages.

mod btf;
pub mod check;
mod compare;
mod elf;
/// Module files for other tests: an ELF with the given sections.
#[cfg(test)]
pub(crate) use elf::tests::build as build_elf;
#[cfg(test)]
mod fixtures;
mod kernel;
pub(crate) mod ko;
mod record;
pub mod report;
pub mod snapshot;
mod stablelist;
pub mod staged;
mod symvers;

/// Lays out rows as left-aligned columns two spaces apart; the last column
/// is not padded.
fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
