#!/usr/bin/env bash
# guest-v2.sh image|run DIR|selftest|shell|path — a QEMU guest (software
# emulation, no KVM needed) running Debian 12 with systemd on a cgroup v2
# (unified) hierarchy and Debian's docker.io, which there uses the systemd
# cgroup driver: the "modern node" this host (cgroup v1) cannot be.
# docs/guest-v2.md has versions, timings and what did not work.
#
#   image     builds the guest once into $CACHE/<key>/ (debootstrap from the
#             host's Debian mirror, a raw ext4 disk image, the guest's own
#             kernel and initrd); reused when present (~2.5 min from scratch).
#   run DIR   boots the guest with DIR shared over 9p (mounted at /mnt/host).
#             Once dockerd answers, the guest runs DIR/run.sh as root in DIR,
#             writes its output to DIR/result.log and its exit status to
#             DIR/exit-code, and powers off. The host waits at most
#             GUEST_TIMEOUT seconds, prints the log and exits with run.sh's
#             status (124 on a timeout). The serial console goes to
#             DIR/console.log. Every boot starts from the pristine image (a
#             throwaway qcow2 overlay), so nothing carries over between runs.
#   selftest  run with a generated run.sh that proves the guest: kernel,
#             cgroup2fs, Docker's version/cgroup driver/version, a busybox
#             image imported without a registry, a container's cgroup and its
#             memory.max/memory.swap.max.
#   shell     boots the image interactively (root autologin on the serial
#             console; leave with "poweroff" or Ctrl-A X). The disk is a
#             throwaway overlay here too.
#   path      prints the image directory.
#
# The guest has no network card (-nic none): Docker's bridges and containers
# live inside it. Everything it needs comes in through the share.
#
# Knobs: GUEST_TIMEOUT (s, default 1800), GUEST_MEM (MiB, 4096), GUEST_SMP (2),
# GUEST_ACCEL (tcg), GUEST_APPEND (kernel command line), GUEST_DISK_SIZE (8G),
# GUEST_SUITE (bookworm), GUEST_MIRROR, GUEST_SECURITY_MIRROR, GUEST_PACKAGES, DOCKERCRI_GUEST_CACHE.
set -euo pipefail

SUITE=${GUEST_SUITE:-bookworm}
# The mirror the host's own apt uses (deb.debian.org by default).
host_mirror() {
	local uri
	uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
		grep -oE 'https?://[^ ]*/debian/?$' | head -n1 || true)
	echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=${GUEST_MIRROR:-$(host_mirror)}
SECURITY_MIRROR=${GUEST_SECURITY_MIRROR:-${MIRROR%/debian*}/debian-security}
# Installed into the guest with apt (Depends only, plus what is named here).
PACKAGES=${GUEST_PACKAGES:-"systemd systemd-sysv dbus udev kmod linux-image-amd64 docker.io apparmor busybox-static iproute2 iptables containernetworking-plugins ca-certificates procps"}
# Bump when the guest's configuration (configure_rootfs) changes.
IMAGE_REV=2
DISK_SIZE=${GUEST_DISK_SIZE:-8G}
CACHE=${DOCKERCRI_GUEST_CACHE:-/var/cache/dockercri/guest-v2}
KEY="${SUITE}_r${IMAGE_REV}_$(printf '%s|%s|%s' "$MIRROR" "$SECURITY_MIRROR" "$PACKAGES" | sha256sum | cut -c1-10)"
IMG="$CACHE/$KEY"

MEM=${GUEST_MEM:-4096}
SMP=${GUEST_SMP:-2}
ACCEL=${GUEST_ACCEL:-tcg}
TIMEOUT=${GUEST_TIMEOUT:-1800}
APPEND=${GUEST_APPEND:-"console=ttyS0 root=/dev/vda rw systemd.unified_cgroup_hierarchy=1 panic=-1"}

log() { echo "guest-v2: $*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

need_host_tools() {
	local missing=()
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	command -v qemu-img >/dev/null || missing+=(qemu-utils)
	command -v debootstrap >/dev/null || missing+=(debootstrap)
	command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
			apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
		}
	fi
}

# configure_rootfs ROOT writes the guest's own configuration: fstab,
# hostname, serial console with root autologin, the 9p share and the unit
# that runs the share's run.sh once Docker is up.
configure_rootfs() {
	local root=$1
	echo guest-v2 >"$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tguest-v2\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
	mkdir -p "$root/mnt/host"
	cat >"$root/etc/fstab" <<'EOF'
# root is mounted rw by the kernel (root=/dev/vda rw); no fsck: every boot
# starts from a pristine overlay.
/dev/vda	/	ext4	rw,errors=remount-ro	0	0
# The host's directory (QEMU -virtfs ...,mount_tag=host0); absent = skipped.
host0	/mnt/host	9p	trans=virtio,version=9p2000.L,msize=512000,nofail,x-systemd.device-timeout=5s	0	0
EOF
	mkdir -p "$root/etc/systemd/system/serial-getty@ttyS0.service.d"
	cat >"$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
EOF
	# Modules the share needs, loaded before local-fs.target mounts it.
	printf '9p\n9pnet_virtio\n' >"$root/etc/modules-load.d/9p.conf"
	cat >"$root/usr/local/sbin/guest-v2-run" <<'EOF'
#!/bin/bash
# Runs at boot (guest-v2-run.service): waits for boot and dockerd, runs
# /mnt/host/run.sh, writes result.log and exit-code there, powers off.
set -u
share=/mnt/host
up() { cut -d' ' -f1 /proc/uptime; }
mono() { # unit property ...TimestampMonotonic (µs) → seconds since boot
	systemctl show -p "$2" --value "$1" | awk '{ printf "%.1f", $1 / 1e6 }'
}
if ! mountpoint -q "$share"; then
	echo "guest-v2: no share at $share: nothing to run"
	exit 0
fi
out="$share/result.log"
: >"$out"
note() { echo "guest-v2: $*" | tee -a "$out" >/dev/console; }
state=$(systemctl is-system-running --wait 2>/dev/null)
note "boot: $state at $(up)s after kernel start; $(systemd-analyze time 2>/dev/null | head -n1)"
t0=$(up)
ok=0
for _ in $(seq 1 600); do
	if docker info >/dev/null 2>&1; then ok=1; break; fi
	sleep 0.5
done
if [ $ok = 1 ]; then
	note "docker: answers at $(up)s (docker.service active at $(mono docker.service ActiveEnterTimestampMonotonic)s, containerd.service at $(mono containerd.service ActiveEnterTimestampMonotonic)s)"
else
	note "docker: no answer after $(awk -v a="$t0" -v b="$(up)" 'BEGIN{print b-a}')s"; systemctl status docker --no-pager 2>&1 | tail -n 20 >>"$out"
fi
note "kernel $(uname -r), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup), docker $(docker info --format '{{.ServerVersion}} cgroup driver {{.CgroupDriver}} cgroup v{{.CgroupVersion}}' 2>&1)"
rc=127
if [ -f "$share/run.sh" ]; then
	note "run.sh: start at $(up)s"
	t1=$(up)
	(cd "$share" && GUEST_SHARE="$share" HOME=/root bash ./run.sh) >>"$out" 2>&1 </dev/null
	rc=$?
	note "run.sh: exit $rc after $(awk -v a="$t1" -v b="$(up)" 'BEGIN{printf "%.1f", b-a}')s (at $(up)s)"
else
	note "no run.sh in the share"
fi
echo "$rc" >"$share/exit-code.tmp" && mv "$share/exit-code.tmp" "$share/exit-code"
sync
systemctl poweroff --no-block
EOF
	chmod 0755 "$root/usr/local/sbin/guest-v2-run"
	cat >"$root/etc/systemd/system/guest-v2-run.service" <<'EOF'
[Unit]
Description=Run the host's /mnt/host/run.sh once Docker is up, then power off
After=multi-user.target docker.service mnt-host.mount
Wants=docker.service
ConditionKernelCommandLine=!guest-v2.shell

[Service]
# simple, not oneshot: the boot job queue empties, so the script can wait for
# "boot finished" (systemctl is-system-running --wait) and read systemd-analyze.
Type=simple
ExecStart=/usr/local/sbin/guest-v2-run
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
	mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
	ln -sf /etc/systemd/system/guest-v2-run.service "$root/etc/systemd/system/multi-user.target.wants/guest-v2-run.service"
	# Docker (and containerd) start at boot: docker.io's postinst enabled
	# them; make sure.
	for u in docker.service containerd.service; do
		[ -e "$root/etc/systemd/system/multi-user.target.wants/$u" ] ||
			ln -sf "/lib/systemd/system/$u" "$root/etc/systemd/system/multi-user.target.wants/$u"
	done
	# Nothing in the guest should wait for a network it does not have.
	rm -f "$root/etc/systemd/system/timers.target.wants/apt-daily.timer" \
		"$root/etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer"
	passwd -R "$root" -d root >/dev/null
}

# chroot_apt ROOT ARGS... runs apt-get in the guest tree with /proc and /dev
# mounted and services kept from starting (policy-rc.d).
chroot_apt() {
	local root=$1
	shift
	DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 nice -n 19 chroot "$root" apt-get -y -q -o Dpkg::Use-Pty=0 "$@"
}

umount_chroot() {
	local root=$1 m
	for m in dev/pts dev proc sys; do
		if mountpoint -q "$root/$m"; then umount -l "$root/$m" || true; fi
	done
}

image() {
	if [ -f "$IMG/rootfs.raw" ] && [ -f "$IMG/vmlinuz" ] && [ -f "$IMG/initrd.img" ]; then
		return 0
	fi
	need_host_tools
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
	if [ -f "$IMG/rootfs.raw" ]; then return 0; fi
	local t0 t1 t2 t3 tmp root
	t0=$(now)
	tmp=$(mktemp -d "$CACHE/build.XXXXXX")
	root="$tmp/root"
	# shellcheck disable=SC2064
	trap "umount_chroot '$root'; rm -rf '$tmp'" EXIT
	log "debootstrap $SUITE from $MIRROR into $root"
	nice -n 19 debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,apt \
		"$SUITE" "$root" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 || {
		tail -n 30 "$tmp/debootstrap.log" >&2
		return 1
	}
	t1=$(now)
	log "debootstrap done in $(secs "$t0" "$t1")s; installing $PACKAGES"
	cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 0755 "$root/usr/sbin/policy-rc.d"
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --bind /dev "$root/dev"
	mount --bind /dev/pts "$root/dev/pts"
	{
		chroot_apt "$root" update &&
			chroot_apt "$root" dist-upgrade &&
			chroot_apt "$root" install --no-install-recommends $PACKAGES &&
			chroot_apt "$root" clean
	} >"$tmp/apt.log" 2>&1 || {
		tail -n 40 "$tmp/apt.log" >&2
		return 1
	}
	umount_chroot "$root"
	rm -f "$root/usr/sbin/policy-rc.d"
	rm -rf "$root/var/lib/apt/lists/"*
	configure_rootfs "$root"
	chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$tmp/packages.txt"
	t2=$(now)
	log "packages installed in $(secs "$t1" "$t2")s; making the $DISK_SIZE ext4 image"
	mkdir -p "$tmp/out"
	cp "$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n1)" "$tmp/out/vmlinuz"
	cp "$(ls "$root"/boot/initrd.img-* | sort -V | tail -n1)" "$tmp/out/initrd.img"
	truncate -s "$DISK_SIZE" "$tmp/out/rootfs.raw"
	nice -n 19 mkfs.ext4 -q -F -L guest-v2 -d "$root" "$tmp/out/rootfs.raw"
	t3=$(now)
	{
		echo "key $KEY"
		echo "built $(date -u +%FT%TZ) from $MIRROR ($SUITE, $SUITE-updates) and $SECURITY_MIRROR ($SUITE-security)"
		echo "kernel $(ls "$root/lib/modules")"
		echo "time debootstrap $(secs "$t0" "$t1")s packages $(secs "$t1" "$t2")s mkfs $(secs "$t2" "$t3")s total $(secs "$t0" "$t3")s"
	} >"$tmp/out/manifest.txt"
	cp "$tmp/packages.txt" "$tmp/debootstrap.log" "$tmp/apt.log" "$tmp/out/"
	rm -rf "$IMG"
	mv "$tmp/out" "$IMG"
	rm -rf "$tmp"
	trap - EXIT
	log "image in $IMG ($(secs "$t0" "$t3")s): $(sed -n 3p "$IMG/manifest.txt")"
}

# boot MODE [DIR]: MODE run (console to DIR/console.log, no terminal) or shell.
boot() {
	local mode=$1 dir=${2:-}
	local overlay
	overlay=$(mktemp -d "$CACHE/overlay.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$overlay'" EXIT
	qemu-img create -q -f qcow2 -F raw -b "$IMG/rootfs.raw" "$overlay/disk.qcow2"
	local args=(
		-name guest-v2 -machine pc -accel "$ACCEL" -cpu max -m "$MEM" -smp "$SMP"
		-kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img"
		-drive "file=$overlay/disk.qcow2,if=virtio,format=qcow2,cache=unsafe"
		-device virtio-rng-pci -nic none -no-reboot
	)
	if [ -n "$dir" ]; then
		args+=(-virtfs "local,path=$dir,mount_tag=host0,security_model=none,multidevs=remap")
	fi
	if [ "$mode" = shell ]; then
		nice -n 19 qemu-system-x86_64 "${args[@]}" -nographic -append "$APPEND guest-v2.shell"
		return
	fi
	args+=(-display none -monitor none -serial "file:$dir/console.log" -append "$APPEND")
	# qemu.log: the command line, then whatever QEMU prints.
	echo "qemu-system-x86_64 ${args[*]}" >"$dir/qemu.log"
	nice -n 19 timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${args[@]}" </dev/null >>"$dir/qemu.log" 2>&1
}

run() {
	local dir=${1:?usage: guest-v2.sh run DIR (DIR/run.sh runs in the guest)}
	dir=$(cd "$dir" && pwd)
	[ -f "$dir/run.sh" ] || {
		log "$dir/run.sh is missing"
		return 2
	}
	image
	rm -f "$dir/result.log" "$dir/exit-code" "$dir/exit-code.tmp" "$dir/console.log" "$dir/qemu.log"
	local t0 t1 qrc=0
	t0=$(now)
	log "booting ($ACCEL, $SMP vCPUs, ${MEM} MiB, timeout ${TIMEOUT}s) with $dir shared"
	boot run "$dir" || qrc=$?
	t1=$(now)
	[ -f "$dir/result.log" ] && cat "$dir/result.log"
	if [ ! -f "$dir/exit-code" ]; then
		if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
			log "timed out after $(secs "$t0" "$t1")s; console (last 40 lines of $dir/console.log):"
		else
			log "QEMU exited ($qrc) after $(secs "$t0" "$t1")s without an exit code; console (last 40 lines):"
		fi
		tail -n 40 "$dir/console.log" >&2 || true
		tail -n +2 "$dir/qemu.log" >&2 || true
		return 124
	fi
	local rc
	rc=$(cat "$dir/exit-code")
	log "run.sh exited $rc; guest up and down in $(secs "$t0" "$t1")s"
	return "$rc"
}

selftest() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/guest-v2-selftest.XXXXXX")
	cat >"$dir/run.sh" <<'EOF'
set -eu
up() { cut -d' ' -f1 /proc/uptime; }
echo "uname -r: $(uname -r)"
echo "stat -fc %T /sys/fs/cgroup: $(stat -fc %T /sys/fs/cgroup)"
echo "docker info: $(docker info --format '{{.ServerVersion}} {{.CgroupDriver}} {{.CgroupVersion}}')"
t=$(up)
rm -rf /tmp/bb && mkdir -p /tmp/bb/bin /tmp/bb/tmp /tmp/bb/proc /tmp/bb/sys /tmp/bb/dev /tmp/bb/etc
cp /bin/busybox /tmp/bb/bin/busybox
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "/tmp/bb/bin/$a"; done
tar -C /tmp/bb -c . | docker import -c 'ENV PATH=/bin' - busybox:guest >/dev/null
echo "docker import busybox:guest: $(awk -v a="$t" -v b="$(up)" 'BEGIN{printf "%.1f", b-a}')s"
t=$(up)
echo "--- docker run --rm busybox:guest cat /proc/self/cgroup"
docker run --rm busybox:guest cat /proc/self/cgroup
echo "(docker run --rm: $(awk -v a="$t" -v b="$(up)" 'BEGIN{printf "%.1f", b-a}')s)"
t=$(up)
id=$(docker run -d -m 64m --memory-swap 64m busybox:guest sleep 600)
echo "--- docker run -d -m 64m --memory-swap 64m: $id ($(awk -v a="$t" -v b="$(up)" 'BEGIN{printf "%.1f", b-a}')s)"
echo "CgroupParent='$(docker inspect -f '{{.HostConfig.CgroupParent}}' "$id")'"
cg=/sys/fs/cgroup/system.slice/docker-$id.scope
echo "host side: $cg"
echo "  memory.max:      $(cat "$cg/memory.max")"
echo "  memory.swap.max: $(cat "$cg/memory.swap.max")"
echo "inside (cgroupns=$(docker inspect -f '{{.HostConfig.CgroupnsMode}}' "$id")): /proc/self/cgroup=$(docker exec "$id" cat /proc/self/cgroup)"
echo "  memory.max:      $(docker exec "$id" cat /sys/fs/cgroup/memory.max)"
echo "  memory.swap.max: $(docker exec "$id" cat /sys/fs/cgroup/memory.swap.max)"
docker rm -f "$id" >/dev/null
EOF
	log "selftest in $dir"
	run "$dir"
}

shell() {
	image
	boot shell
}

case "${1:-}" in
image) image ;;
run)
	shift
	run "$@"
	;;
selftest) selftest ;;
shell) shell ;;
path) echo "$IMG" ;;
*)
	echo "usage: $0 image|run DIR|selftest|shell|path" >&2
	exit 2
	;;
esac
