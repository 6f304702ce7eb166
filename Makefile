# SPDX-License-Identifier: GPL-2.0
# snd-vcpcm: out-of-tree build, tests and demo.
#
#   make [KDIR=<kernel build dir>] [ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-]
#   make check      all tests (KUnit in UML, e2e in UML and QEMU); needs root
#   make demo       boot a VM, play a 1 kHz tone with aplay -M, record it back
#   make bench      benchmarks against snd-aloop and snd-dummy -> results/bench/
#   make soak       the long reliability run: 10 min soak with random faults,
#                   20000 stress cycles, 10000 fuzz iterations (UML, KASAN and kmemleak)

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

.PHONY: all modules clean check demo bench soak
