# SPDX-License-Identifier: GPL-2.0
# snd-vcpcm: out-of-tree build, tests and demo.
#
#   make [KDIR=<kernel build dir>] [ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-]
#   make check      all tests (KUnit in UML, e2e in UML and QEMU); needs root
#   make demo       boot a VM, play a 1 kHz tone with aplay -M, record it back
#   make bench      benchmarks against snd-aloop and snd-dummy -> results/bench/
#   make soak       the long reliability run: 10 min soak with random faults,
#                   20000 stress cycles, 10000 fuzz iterations (UML, KASAN and kmemleak)
#   make remote     the reference user-space remote, src/remote/vcpcm-remote
#   make install-remote [PREFIX=/usr/local]: it, its udev rule, a systemd unit
#                   template and the headers remote authors include

KDIR ?= /lib/modules/$(shell uname -r)/build
MODULE := snd-vcpcm.ko

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	VCPCM_SYMVERS=$(KDIR)/Module.symvers scripts/check-ko.sh $(MODULE) $(wildcard src/core/*.o)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

check:
	scripts/check.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

soak:
	scripts/soak.sh

PREFIX ?= /usr/local
remote:
	$(MAKE) -C src/remote

install-remote: remote
	install -D -m 0755 src/remote/vcpcm-remote $(DESTDIR)$(PREFIX)/bin/vcpcm-remote
	install -D -m 0644 src/remote/70-vcpcm.rules $(DESTDIR)/etc/udev/rules.d/70-vcpcm.rules
	sed 's|@BINDIR@|$(PREFIX)/bin|' src/remote/vcpcm-remote@.service.in | \
		install -D -m 0644 /dev/stdin $(DESTDIR)/etc/systemd/system/vcpcm-remote@.service
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/include/vcpcm include/vcpcm/wire.h include/vcpcm/user.h

.PHONY: all modules clean check demo bench soak remote install-remote
