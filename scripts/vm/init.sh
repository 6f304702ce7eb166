#!/bin/sh
# PID 1 of a scripts/vm-run guest (UML: host /bin/sh on a read-only hostfs root;
# QEMU: busybox sh in the initramfs). POSIX sh only. Never exits: it powers the guest off.
#
# Settings come from $vmrun_dir/env (UML: vmrun_dir=<host run dir> on the kernel command line)
# or /vm/env (QEMU). Results go to /run/vm/ctl (rc, timeout, setup-error, dmesg.log) and the
# command's files to $VM_OUT=/run/vm/out; UML mounts both from the host (hostfs), QEMU tars
# them onto the raw disk /dev/vda for the host to unpack.
PATH=/run/vm/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
VM=${vmrun_dir:-/vm}
. "$VM/env"

say() { echo "vm-run: $*" >/dev/console; }
setup_failed() {
	say "setup failed: $*"
	echo "$*" >>/run/vm/ctl/setup-error
	SETUP_OK=0
}

poweroff_now() {
	sync
	# Not the host's poweroff (a systemd link under UML): busybox calls reboot(2) directly.
	# A Raspberry Pi cannot power off: it reboots, and QEMU (-no-reboot) exits.
	if [ "${VM_POWEROFF:-}" = reboot ]; then busybox reboot -f; else busybox poweroff -f; fi
	say "poweroff failed"
	while :; do sleep 3600; done
}

# The kernel mounts devtmpfs on /dev itself after mounting a disk root (UML), not an initramfs.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm 2>/dev/null
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /run/vm/bin /run/vm/ctl /run/vm/out

SETUP_OK=1
if [ "$VM_KIND" = uml ]; then
	# Results straight to the host's run dir; modules from the host build (tmpfs hides the
	# host's own /lib/modules).
	mount -t hostfs -o "$VM_HOSTRUN/ctl" none /run/vm/ctl || setup_failed "hostfs ctl"
	mount -t hostfs -o "$VM_HOSTRUN/out" none /run/vm/out || setup_failed "hostfs out"
	mount -t tmpfs tmpfs /lib/modules || setup_failed "tmpfs /lib/modules"
	ln -s "$VM_MODDIR" "/lib/modules/$(uname -r)" || setup_failed "/lib/modules link"
else
	# Transport modules for the output channel and results disk (6.12 builds some in).
	for m in $VM_PRELOAD; do modprobe "$m" || setup_failed "modprobe $m"; done
	n=0
	while [ ! -c "$VM_TTY" ] || [ ! -b "$VM_DISK" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || { setup_failed "no $VM_TTY or $VM_DISK"; break; }
		sleep 0.1
	done
fi

# Plain bytes on the output line: no \n -> \r\n, no echo.
[ ! -c "$VM_TTY" ] || stty -F "$VM_TTY" -opost -echo 2>/dev/null
# A UART may put a stray byte on the line when it is opened: keep it open from here on,
# and the host drops what the line carried before this mark.
if [ -n "${VM_OUTPUT_MARK:-}" ]; then
	exec 9>"$VM_TTY"
	echo "vm-run: output begins" >&9
fi

# --file and path --bring items: "SRC<TAB>DST" per line.
tab=$(printf '\t')
while IFS=$tab read -r src dst; do
	[ -n "$src" ] || continue
	mkdir -p "$(dirname "$dst")" && cp -a "$src" "$dst" || setup_failed "copy $src to $dst"
done <"$VM/files"

export VM_OUT=/run/vm/out VM_TARGET HOME=/tmp TERM=dumb
if [ "$SETUP_OK" = 1 ]; then
	say "running command (timeout ${VM_TIMEOUT}s)"
	cd /tmp
	# stdout is a pipe, not the tty: output does not depend on terminal settings.
	mkfifo /run/vm/output
	cat /run/vm/output >"$VM_TTY" &
	cat=$!
	# Own session and process group (setsid does not fork here: we are not a group leader),
	# so that a timeout, or the end of the command, can kill everything it started.
	setsid sh "$VM/cmd.sh" </dev/null >/run/vm/output 2>&1 &
	job=$!
	(
		sleep "$VM_TIMEOUT"
		echo timeout >/run/vm/ctl/timeout
		say "command timed out after ${VM_TIMEOUT}s; blocked tasks follow"
		echo w >/proc/sysrq-trigger
		kill -9 "-$job"
	) 2>/dev/null &
	dog=$!
	wait $job
	rc=$?
	[ -f /run/vm/ctl/timeout ] || echo $rc >/run/vm/ctl/rc
	kill $dog 2>/dev/null
	# Background leftovers of the command would keep the output open: end them.
	kill -9 "-$job" 2>/dev/null
	(sleep 5; kill $cat) 2>/dev/null &
	wait $cat
	say "command finished (rc $(cat /run/vm/ctl/rc 2>/dev/null || echo none))"
	cd /
fi

dmesg >/run/vm/ctl/dmesg.log 2>/dev/null
if [ "$VM_KIND" != uml ]; then
	# The host unpacks this tar from the raw disk after the guest is gone.
	tar -cf "$VM_DISK" -C /run/vm ctl out || say "writing results to $VM_DISK failed"
fi
poweroff_now
