//! Tests of the BTF reader: canonical types, split BTF, the index, and
//! corrupt input.

#[path = "common/btf_build.rs"]
mod btf_build;

use btf_build::Builder;
use preload_deps::btf::{Btf, Error};

/// A base blob with `_printk`, two `register_thing`s (global and static)
/// and a variable.
fn sample() -> Builder {
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
    b
}

fn type_of(btf: &Btf<'_>, name: &str) -> Option<String> {
    btf.type_of(name).map(|t| t.to_string())
}

/// `data` parsed with an index, as the kernel and preloadctl do.
fn indexed<'a>(data: &'a [u8], base: Option<&'a Btf<'a>>, index: &'a mut Vec<u32>) -> Btf<'a> {
    let btf = Btf::parse(data, base).unwrap();
    index.resize(btf.len(), 0);
    btf.fill_index(index).unwrap();
    Btf::parse_indexed(data, base, index).unwrap()
}

#[test]
fn functions_render_as_c_like_prototypes() {
    let data = sample().finish();
    let mut index = Vec::new();
    for btf in [
        Btf::parse(&data, None).unwrap(),
        indexed(&data, None, &mut index),
    ] {
        assert_eq!(type_of(&btf, "_printk").unwrap(), "int (const char *, ...)");
        // The global function wins over the static one of the same name;
        // type tags are dropped, function pointers keep their shape.
        assert_eq!(
            type_of(&btf, "register_thing").unwrap(),
            "size_t (int (*)(struct device *), union bpf_attr *, char[16])"
        );
        assert_eq!(
            type_of(&btf, "the_device").unwrap(),
            "struct device * const"
        );
        assert_eq!(type_of(&btf, "missing"), None);
    }
}

#[test]
fn a_static_function_is_found_when_there_is_no_global_one() {
    let mut b = Builder::new();
    let int = b.int("int", 4);
    let proto = b.proto(int, &[int]);
    b.func("replacement", proto, 0);
    let data = b.finish();
    let btf = Btf::parse(&data, None).unwrap();
    assert_eq!(type_of(&btf, "replacement").unwrap(), "int (int)");
    assert_eq!(btf.find("replacement"), Some(3));
    assert!(btf.owns(3) && !btf.owns(4) && !btf.owns(0));
}

#[test]
fn split_btf_continues_the_base_ids_and_strings() {
    let b = sample();
    let base_data = b.finish();
    let (next_id, strings) = b.sizes();
    let mut m = Builder::split(next_id, strings);
    // Type 1 is the base's `int`; the name "int" comes from the base too.
    let proto = m.proto(1, &[1]);
    m.func("sample_lib_compute", proto, 1);
    let long = m.int("long", 8);
    let proto = m.proto(long, &[long]);
    m.func("sample_lib_step", proto, 1);
    let data = m.finish();
    let (mut base_index, mut index) = (Vec::new(), Vec::new());
    let base = Btf::parse(&base_data, None).unwrap();
    let base_indexed = indexed(&base_data, None, &mut base_index);
    let unindexed = Btf::parse(&data, Some(&base)).unwrap();
    let both = indexed(&data, Some(&base_indexed), &mut index);
    for module in [unindexed, both] {
        assert_eq!(type_of(&module, "sample_lib_compute").unwrap(), "int (int)");
        assert_eq!(type_of(&module, "sample_lib_step").unwrap(), "long (long)");
        assert_eq!(
            type_of(&module, "_printk").unwrap(),
            "int (const char *, ...)"
        );
        // The module's own functions are its own; `_printk` is the base's.
        assert!(module.owns(module.find("sample_lib_step").unwrap()));
        assert!(!module.owns(module.find("_printk").unwrap()));
    }
}

#[test]
fn types_print_into_any_writer() {
    use core::fmt::Write;
    let data = sample().finish();
    let btf = Btf::parse(&data, None).unwrap();
    let mut out = String::new();
    write!(out, "{}", btf.type_of("_printk").unwrap()).unwrap();
    assert_eq!(out, "int (const char *, ...)");
}

#[test]
fn corrupt_btf_is_an_error_not_a_panic() {
    let good = sample().finish();
    assert_eq!(Btf::parse(&[], None).err(), Some(Error::BadMagic));
    assert!(Btf::parse(&good[..30], None).is_err());
    // Every truncation and every single-byte corruption parses or fails, with
    // and without an index, and so does a split blob on top of it.
    let split = {
        let mut m = Builder::split(12, 60);
        let proto = m.proto(1, &[2, 3]);
        m.func("f", proto, 1);
        m.finish()
    };
    let probe = |btf: &Btf<'_>| {
        for name in ["_printk", "register_thing", "the_device", "f"] {
            let _ = type_of(btf, name);
        }
    };
    let check = |data: &[u8]| {
        if let Ok(btf) = Btf::parse(data, None) {
            probe(&btf);
            let mut index = vec![0; btf.len()];
            if btf.fill_index(&mut index).is_ok() {
                let btf = Btf::parse_indexed(data, None, &index).unwrap();
                probe(&btf);
                if let Ok(module) = Btf::parse(&split, Some(&btf)) {
                    probe(&module);
                }
            }
        }
    };
    for len in 0..good.len() {
        check(&good[..len]);
    }
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0xff;
        check(&bad);
    }
    // An index of any content is bounds-checked too.
    let btf = Btf::parse(&good, None).unwrap();
    let wrong = vec![u32::MAX - 3; btf.len()];
    probe(&Btf::parse_indexed(&good, None, &wrong).unwrap());
    assert_eq!(btf.fill_index(&mut [0; 1]), Err(Error::IndexLength));
    // An unknown kind without a layout section is refused.
    let mut unknown = good.clone();
    unknown[24 + 7] = 0x7f;
    let err = Btf::parse(&unknown, None).err().unwrap();
    assert!(err.to_string().contains("unknown kind"), "{err}");
}

#[test]
fn self_referencing_types_stop() {
    let mut b = Builder::new();
    // Type 1 points to itself.
    let p = b.ptr(1);
    let proto = b.proto(p, &[]);
    b.func("loop", proto, 1);
    let data = b.finish();
    let btf = Btf::parse(&data, None).unwrap();
    assert!(type_of(&btf, "loop").unwrap().contains('?'));
}

#[test]
fn a_struct_layout_prints_members_types_and_offsets() {
    let mut b = Builder::new();
    let module = b.structure("module", 1024);
    let pmodule = b.ptr(module);
    let list_head = b.structure("list_head", 16);
    let uint = b.int("unsigned int", 4);
    b.structure_of(
        "module_use",
        48,
        &[
            ("source_list", list_head, 0),
            ("target_list", list_head, 128),
            ("source", pmodule, 256),
            ("target", pmodule, 320),
        ],
    );
    b.structure_of("flags", 4, &[("low", uint, 0), ("high", uint, 3)]);
    let data = b.finish();
    let btf = Btf::parse(&data, None).unwrap();
    assert_eq!(
        btf.struct_layout("module_use").unwrap().to_string(),
        "struct module_use (48 bytes): struct list_head source_list @0, struct list_head target_list @16, \
         struct module * source @32, struct module * target @40"
    );
    assert_eq!(
        btf.struct_layout("flags").unwrap().to_string(),
        "struct flags (4 bytes): unsigned int low @0, unsigned int high @0+3"
    );
    assert!(
        btf.struct_layout("list_head").is_none(),
        "a struct without members has no layout"
    );
    assert!(btf.struct_layout("nothing").is_none());
    // Found through split BTF, in its base.
    let (next_id, strings) = b.sizes();
    let split = Builder::split(next_id, strings).finish();
    let on_top = Btf::parse(&split, Some(&btf)).unwrap();
    assert_eq!(
        on_top.struct_layout("module_use").unwrap().to_string(),
        btf.struct_layout("module_use").unwrap().to_string()
    );
}
