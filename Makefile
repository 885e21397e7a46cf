# preload: the targets a newcomer will look for. Each one installs what it
# needs (Debian packages, bindgen, the kernel source) on first use.
#   make demo        QEMU demo of preload in action (the main job)
#   make test        host unit tests + fleet test + QEMU boot tests; ends "N passed, N failed"
#   make test-debug  the guest suite on the debug kernel only (KASAN, kmemleak, ...)
#   make test-all    make test with the debug kernel's guest suite too
#   make test-fleet  the Ansible rollout (contrib/ansible) over SSH against 3 booted
#                    QEMU nodes (PRELOAD_FLEET_NODES: their flavors)
#   make test-fleet-fast  the same scenarios and more against 8 fake roots
#   make test-deb    the Debian packages: build, lintian, install to purge in a trixie root
#   make test-initramfs  early boot: an initramfs-tools image with the hook, booted on Debian's kernel
#   make bench       load cost of preload, interposed vs direct calls, list writes
#   make kernel      build (or reuse) the flavor's kernel tree
#   make modules     build the modules for the flavor (or KDIR) into build/
#   make ext M=DIR   build your own module directory for the flavor's kernel
#   make print-kdir  print the flavor's kernel build directory
#   make qemu        interactive shell in the flavor's guest
#   make userspace   build preloadctl (target/release/preloadctl)
#   make fmt         format the Rust as the kernel formats its own (make test checks it)
#   make install     install preloadctl, its systemd unit, the modules-load.d
#                    snippet, the kernel postinst hook (preloadctl abi check),
#                    the initramfs-tools hook and init-top script (early boot),
#                    an example /etc/preload-modules.conf, the man pages
#                    preloadctl(8) and preload-modules.conf(5) and the bash, zsh
#                    and fish completions (DESTDIR, PREFIX)
#   make deb         Debian packages in build/deb/: preloadctl and preload.ko
#                    for Debian's 7.3 kernel (PRELOAD_SIGN_KEY signs it)
# The kernel flavor: PRELOAD_KERNEL=test (default: the project's own test
# kernel), PRELOAD_KERNEL=debug (the test kernel with KASAN, KFENCE,
# kmemleak, UBSAN and the hang detectors, built by LLVM 19),
# PRELOAD_KERNEL=modversions (the test kernel with symbol CRCs and BTF, as
# Ubuntu builds its kernel), PRELOAD_KERNEL=debian (Debian's own 7.3 kernel
# from trixie-backports) or PRELOAD_KERNEL=debian-sid (Debian sid's own 7.2
# kernel). make test runs the guest suite on test, debian, debian-sid and
# modversions; the debug suite is make test-debug (or make test-all), apart,
# because it alone takes over an hour on 2 cores.
KDIR ?=
DESTDIR ?=
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
PACKAGING := userspace/packaging
# Where `preloadctl generate` writes the man pages and completions, laid out
# as share/ is, before they are installed.
GENERATED := target/release/share

.PHONY: all demo test test-debug test-all test-fleet test-fleet-fast test-deb test-initramfs deb bench kernel modules ext print-kdir qemu userspace fmt install clean
all: modules userspace

demo:
	scripts/demo

test:
	tests/run

test-debug:
	PRELOAD_KERNEL=debug tests/run

test-all:
	PRELOAD_FLAVORS="test debian debian-sid modversions debug" tests/run

test-fleet:
	tests/fleet/nodes

test-fleet-fast:
	tests/fleet/fake-roots

test-deb:
	tests/deb/run

test-initramfs:
	tests/initramfs/run

bench:
	tests/bench/run

kernel:
	scripts/build-kernel

modules:
	scripts/build-modules $(KDIR)

ext:
	@[ -n "$(M)" ] || { echo "usage: make ext M=DIR [PRELOAD_KERNEL=test|debug|debian]" >&2; exit 2; }
	scripts/build-ext $(M)

print-kdir:
	@scripts/build-kernel | tail -n1

qemu:
	scripts/qemu-run --interactive

fmt:
	scripts/check-format --fix

userspace:
	cargo build --release --locked --manifest-path userspace/Cargo.toml

deb:
	scripts/build-deb

# The example config never replaces one that is there.
install: userspace
	install -D -m 0755 target/release/preloadctl $(DESTDIR)$(SBINDIR)/preloadctl
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/preload-modules.d
	sed 's|@SBINDIR@|$(SBINDIR)|; s|@SYSCONFDIR@|$(SYSCONFDIR)|' $(PACKAGING)/preloadctl.service \
	    >$(DESTDIR)$(UNITDIR)/preloadctl.service
	install -D -m 0644 $(PACKAGING)/modules-load.conf $(DESTDIR)$(MODULESLOADDIR)/preload.conf
	install -d $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d
	sed 's|@SBINDIR@|$(SBINDIR)|; s|@SYSCONFDIR@|$(SYSCONFDIR)|' $(PACKAGING)/kernel-postinst-preload-abi \
	    >$(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/zz-preload-abi
	chmod 0755 $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/zz-preload-abi
	install -D -m 0755 $(PACKAGING)/initramfs-hook $(DESTDIR)$(SYSCONFDIR)/initramfs-tools/hooks/preload-modules
	install -D -m 0755 $(PACKAGING)/initramfs-init-top \
	    $(DESTDIR)$(SYSCONFDIR)/initramfs-tools/scripts/init-top/preload-modules
	[ -e $(DESTDIR)$(SYSCONFDIR)/preload-modules.conf ] || \
	    install -m 0644 $(PACKAGING)/preload-modules.conf $(DESTDIR)$(SYSCONFDIR)/preload-modules.conf
	rm -rf $(GENERATED)
	target/release/preloadctl --quiet generate $(GENERATED)
	install -D -m 0644 $(GENERATED)/man/man8/preloadctl.8 $(DESTDIR)$(MANDIR)/man8/preloadctl.8
	install -D -m 0644 $(GENERATED)/man/man5/preload-modules.conf.5 $(DESTDIR)$(MANDIR)/man5/preload-modules.conf.5
	install -D -m 0644 $(GENERATED)/bash-completion/completions/preloadctl $(DESTDIR)$(BASHCOMPDIR)/preloadctl
	install -D -m 0644 $(GENERATED)/zsh/site-functions/_preloadctl $(DESTDIR)$(ZSHCOMPDIR)/_preloadctl
	install -D -m 0644 $(GENERATED)/fish/vendor_completions.d/preloadctl.fish $(DESTDIR)$(FISHCOMPDIR)/preloadctl.fish

clean:
	rm -rf build target
	find preload tests/modules \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	    -o -name '.*.cmd' -o -name '*.rmeta' -o -name '*.d' -o -name '.build.log' \) -delete
	rm -f Module.symvers modules.order tests/modules/Module.symvers tests/modules/modules.order
