//! The recorded fixtures of `tests/fixtures/abi/`: a running kernel 7.3.1
//! and a target 7.3.9 where one used symbol of each change class changed.
//! They are generated here, so that what each byte means is written down;
//! this test fails if the committed files differ from what it generates
//! (`PRELOAD_UPDATE_FIXTURES=1 cargo test fixtures` rewrites them).

use super::ko::tests::exporter;
use btf_build::Builder;
use std::fs;

/// The BTF writer of the shared reader's tests.
#[path = "../../../preload/deps/tests/common/btf_build.rs"]
mod btf_build;
use std::path::Path;

/// The running kernel's `vmlinux` BTF: `_printk` and `fix_typed(int)`
/// returning `int` (`long` on the target), and the sizes a split blob
/// continues from.
fn vmlinux_btf(typed_returns_long: bool) -> (Vec<u8>, (u32, u32)) {
    let mut b = Builder::new();
    let int = b.int("int", 4);
    let long = b.int("long int", 8);
    let chr = b.int("char", 1);
    let cchr = b.constant(chr);
    let fmt = b.ptr(cchr);
    let printk = b.proto(int, &[fmt, 0]);
    b.func("_printk", printk, 1);
    let typed = b.proto(if typed_returns_long { long } else { int }, &[int]);
    b.func("fix_typed", typed, 1);
    (b.finish(), b.sizes())
}

/// `fix_lib`'s BTF, split on `vmlinux`'s: `fix_lib_compute(int)` returning
/// `int`, or `long` on the target. Type 1 is the base's `int`, 2 its `long`.
fn fix_lib_btf(base: (u32, u32), returns_long: bool) -> Vec<u8> {
    let mut b = Builder::split(base.0, base.1);
    let proto = b.proto(if returns_long { 2 } else { 1 }, &[1]);
    b.func("fix_lib_compute", proto, 1);
    b.finish()
}

const RUNNING_SYMVERS: &str = "\
0x11111111\t_printk\tvmlinux\tEXPORT_SYMBOL\t
0x22222222\tfix_removed\tvmlinux\tEXPORT_SYMBOL\t
0x33333333\tfix_gpl\tvmlinux\tEXPORT_SYMBOL\t
0x44444444\tfix_ns\tvmlinux\tEXPORT_SYMBOL\t
0x55555555\tfix_crc\tvmlinux\tEXPORT_SYMBOL\t
0x66666666\tfix_moved\tdrivers/fix/fix_old\tEXPORT_SYMBOL\t
0x77777777\tfix_typed\tvmlinux\tEXPORT_SYMBOL\t
0x88888888\tfix_unused\tvmlinux\tEXPORT_SYMBOL\t
";

/// The target: `fix_removed` is gone, `fix_gpl` became GPL-only, `fix_ns`
/// moved to namespace `FIX_NS`, `fix_crc`'s CRC changed, `fix_moved` moved
/// to module `fix_new`; `fix_typed` changed only in BTF.
const TARGET_SYMVERS: &str = "\
0x11111111\t_printk\tvmlinux\tEXPORT_SYMBOL\t
0x33333333\tfix_gpl\tvmlinux\tEXPORT_SYMBOL_GPL\t
0x44444444\tfix_ns\tvmlinux\tEXPORT_SYMBOL\tFIX_NS
0x5555aaaa\tfix_crc\tvmlinux\tEXPORT_SYMBOL\t
0x66666666\tfix_moved\tdrivers/fix/fix_new\tEXPORT_SYMBOL\t
0x77777777\tfix_typed\tvmlinux\tEXPORT_SYMBOL\t
";

/// Every fixture file, relative to `tests/fixtures/abi/`.
fn files() -> Vec<(&'static str, Vec<u8>)> {
    let (running_vmlinux, running_sizes) = vmlinux_btf(false);
    let (target_vmlinux, target_sizes) = vmlinux_btf(true);
    let consumer_imports = [
        "_printk",
        "fix_removed",
        "fix_gpl",
        "fix_ns",
        "fix_crc",
        "fix_moved",
        "fix_typed",
        "fix_lib_compute",
    ];
    let undefined: Vec<(&str, u16, u64, u8)> =
        consumer_imports.iter().map(|&s| (s, 0, 0, 1)).collect();
    let consumer = super::elf::tests::build(
        &[(
            ".modinfo",
            b"license=Proprietary\0depends=fix_lib,fix_old\0interposable=fix_lib_compute\0",
        )],
        &undefined,
    );
    let interposer = super::elf::tests::build(
        &[(
            ".modinfo",
            b"license=GPL\0depends=fix_lib\0interpose=fix_lib_compute:fix_hook\0\
              interpose=fix_typed:fix_typed_hook\0",
        )],
        &[("fix_lib_compute", 0, 0, 1), ("fix_typed", 0, 0, 1)],
    );
    let lib = |btf: &[u8]| exporter(&[("fix_lib_compute", false, "", 0)], "license=GPL\0", btf);
    vec![
        ("sys/kernel/btf/vmlinux", running_vmlinux),
        ("sys/kernel/btf/fix_lib", fix_lib_btf(running_sizes, false)),
        ("lib/modules/7.3.1/build/Module.symvers", RUNNING_SYMVERS.into()),
        ("lib/modules/7.3.1/extra/fix_consumer.ko", consumer),
        ("lib/modules/7.3.1/extra/fix_interposer.ko", interposer),
        ("lib/modules/7.3.1/extra/fix_lib.ko", lib(&[])),
        ("lib/modules/7.3.9/build/Module.symvers", TARGET_SYMVERS.into()),
        ("lib/modules/7.3.9/build/vmlinux", target_vmlinux),
        (
            "lib/modules/7.3.9/extra/fix_lib.ko",
            lib(&fix_lib_btf(target_sizes, true)),
        ),
        ("stable-7.3.1.list", b"# the stable list when 7.3.1 was recorded\n_printk\n".to_vec()),
        (
            "stable-7.3.9.list",
            b"# 7.3.9's stable list: fix_typed is new\n[fix_x86_64_stablelist]\n\t_printk\n\tfix_typed\n"
                .to_vec(),
        ),
    ]
}

#[test]
fn fixtures_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/abi");
    let update = std::env::var_os("PRELOAD_UPDATE_FIXTURES").is_some();
    let mut stale = Vec::new();
    for (rel, bytes) in files() {
        let path = dir.join(rel);
        if update {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, &bytes).unwrap();
        } else if fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(rel);
        }
    }
    assert!(
        stale.is_empty(),
        "stale fixtures (PRELOAD_UPDATE_FIXTURES=1 cargo test fixtures): {stale:?}"
    );
}
