//! Exported symbols: what a kernel says about each one, from its
//! `Module.symvers` (`CRC<TAB>NAME<TAB>MODULE<TAB>EXPORT_TYPE<TAB>NAMESPACE`
//! lines, written by modpost).

use std::collections::HashMap;

/// What is known about one exported symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The exporting module's canonical name, or `vmlinux`.
    pub module: String,
    /// Whether only GPL-compatible modules may use it.
    pub gpl: bool,
    /// Its namespace; empty for none.
    pub namespace: String,
    /// Its CRC, when `CONFIG_MODVERSIONS` gives one.
    pub crc: Option<u32>,
}

/// The exports of `Module.symvers`, by name.
pub type Symvers = HashMap<String, Export>;

/// The canonical name of a module as `Module.symvers` writes it
/// (`drivers/net/foo-bar` or `vmlinux`): its last component, `-` as `_`.
pub fn module_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    crate::modules::canonical(base)
}

/// Parses the text of a `Module.symvers`. On failure returns the line
/// number and the reason. A CRC of 0 (a kernel without `MODVERSIONS`
/// writes `0x00000000`) is no CRC.
pub fn parse(text: &str) -> Result<Symvers, (usize, String)> {
    let mut symvers = Symvers::new();
    for (index, line) in text.lines().enumerate() {
        let fail = |why: String| (index + 1, why);
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [crc, name, module, kind, rest @ ..] = fields.as_slice() else {
            return Err(fail(format!(
                "expected CRC, symbol, module and export type separated by tabs, got {line:?}"
            )));
        };
        let crc = u32::from_str_radix(crc.trim_start_matches("0x"), 16)
            .map_err(|_| fail(format!("bad CRC {crc:?}")))?;
        let gpl = match *kind {
            "EXPORT_SYMBOL" => false,
            "EXPORT_SYMBOL_GPL" => true,
            other => return Err(fail(format!("unknown export type {other:?}"))),
        };
        symvers.insert(
            (*name).to_owned(),
            Export {
                module: module_name(module),
                gpl,
                namespace: rest.first().copied().unwrap_or("").to_owned(),
                crc: (crc != 0).then_some(crc),
            },
        );
    }
    Ok(symvers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_with_and_without_namespace_and_crc() {
        let symvers = parse(
            "0x00000000\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n\
             0x1234abcd\tusb_register_driver\tdrivers/usb/core/usb-core\tEXPORT_SYMBOL_GPL\tUSB\n\
             0x00000000\tsample_lib_step\tinterposer/sample_lib\tEXPORT_SYMBOL_GPL\n",
        )
        .unwrap();
        assert_eq!(
            symvers["_printk"],
            Export {
                module: "vmlinux".into(),
                gpl: false,
                namespace: String::new(),
                crc: None
            }
        );
        assert_eq!(
            symvers["usb_register_driver"],
            Export {
                module: "usb_core".into(),
                gpl: true,
                namespace: "USB".into(),
                crc: Some(0x1234abcd)
            }
        );
        assert_eq!(symvers["sample_lib_step"].module, "sample_lib");
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(parse("0x0\ta\tvmlinux\n").unwrap_err().0, 1);
        assert_eq!(
            parse("0x0\ta\tvmlinux\tEXPORT_SYMBOL\t\nzz\tb\tvmlinux\tEXPORT_SYMBOL\t\n")
                .unwrap_err(),
            (2, "bad CRC \"zz\"".into())
        );
        assert!(parse("0x0\ta\tvmlinux\tEXPORT_WHAT\t\n")
            .unwrap_err()
            .1
            .contains("unknown export type"));
    }
}
