# preload: the targets a newcomer will look for. Each one installs what it
# needs (Debian packages, bindgen, the kernel source) on first use.
#   make demo        QEMU demo of preload in action (the main job)
#   make test        host unit tests + QEMU boot tests; ends "N passed, N failed"
#   make bench       load cost of preload, and interposed vs direct calls, as ratios
#   make kernel      build (or reuse) the Rust-enabled QEMU test kernel
#   make modules     build preload.ko against KDIR (default: the test kernel)
#   make print-kdir  print the test kernel's build directory
#   make qemu        interactive shell in the test guest
KDIR ?=

.PHONY: all demo test bench kernel modules print-kdir qemu clean
all: modules

demo:
	scripts/demo

test:
	tests/run

bench:
	tests/bench/run

kernel:
	scripts/build-kernel

modules:
	scripts/build-modules $(KDIR)

print-kdir:
	@scripts/build-kernel | tail -n1

qemu:
	scripts/qemu-run --interactive

clean:
	rm -rf build target
	find preload tests/modules \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	    -o -name '.*.cmd' -o -name '*.rmeta' -o -name '*.d' -o -name '.build.log' \) -delete
	rm -f Module.symvers modules.order tests/modules/Module.symvers tests/modules/modules.order
