#!/usr/bin/env bash
# guest-node-e2e.sh DIR — runs kubelet's node e2e suite (hack/node-e2e.sh)
# against dockercri inside the cgroup v2 QEMU guest of hack/guest-v2.sh:
# systemd as PID 1, cgroup v2 with PSI, Debian's docker.io 20.10 with the
# systemd cgroup driver, and the full capability set. That is where the
# specs this VM must skip can run (docs/node-e2e.md):
#   - privileged pods (PrivilegedPod, HostPath r/w and subPath, the
#     recursive read-only mount spec, the configured RuntimeClass handler);
#   - Summary API with PSI and kubelet's system containers;
#   - the in-place resize specs that check oom_score_adj -997;
#   - the [NodeConformance] [Serial] specs, which restart kubelet with
#     systemctl (kubelet runs as a transient systemd unit, as on the suite's
#     upstream CI) or stop the runtime's unit (dockercri runs as one).
#
# On this machine: "node-e2e.sh prepare" builds everything (the guest has
# no Go), and DIR gets hard links (copies across file systems) of kubelet,
# e2e_node.test, ginkgo, the stand-in images, the registry program,
# dockercri and node-e2e.sh. In the guest: node-e2e.sh run with
# NODE_E2E_PREBUILT=1 and the systemd driver, its report in DIR/report.
#
# FOCUS and SKIP select the specs (defaults below: the ones above);
# FEATURE_GATES and PROCS as for node-e2e.sh; GUEST_TIMEOUT (default 7200 s)
# and GUEST_MEM (default 6144 MiB) go to hack/guest-v2.sh. Emulation (TCG)
# makes everything roughly 10-15 times slower than on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=${1:?usage: $0 DIR [e2e_node.test args]}
shift
extra=""
[ $# -eq 0 ] || extra=$(printf '%q ' "$@")
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The default selection (~20 specs, about an hour under emulation): what
# this VM skips for CAP_SYS_RESOURCE, cgroup v1 or no systemd. Of the 16
# guaranteed-QoS resize specs that restart a container (~9 min each here)
# two, one per resource, check oom_score_adj -997 after the restart. The
# other [NodeConformance] [Serial] specs are a FOCUS of their own
# (docs/node-e2e.md).
focus_parts=(
	'PrivilegedPod should enable privileged commands'
	'HostPath should support (r/w|subPath)'
	'Mount recursive read-only'
	'RuntimeClass should run a Pod requesting a RuntimeClass with a configured handler'
	'Summary API' # the stats spec, and KubeletPSI's three [Serial] pressure specs
	'Pod InPlace Resize Container guaranteed qos - 1 container with resize policy .*\] (cpu restart resizing cpu|mem restart resizing mem)$'
	# [Serial]: kubelet restarted through systemctl, the runtime's unit stopped
	'MirrorPod when kubelet restarts'
	'StaticPod when the static pod has'
	'MirrorPodWithGracePeriod .*container runtime is temporarily down'
	'Containers Lifecycle when A node running restartable init containers reboots'
	'OOMKiller'
)
default_focus=$(IFS='|'; echo "${focus_parts[*]}")
focus=${FOCUS:-$default_focus}
# ImageID needs upstream's digest (e2e/node_e2e_skip.txt), in a guest too.
# The Summary API stats spec passes here but for one field: it wants each
# pod's network.interfaces non-empty, which kubelet's CRI stats path
# (PodAndContainerStatsFromCRI, needed because cAdvisor has no Docker
# handler) fills from CRI's NetworkUsage.interfaces, and CRI's contract
# excludes the default interface from that list (docs/node-e2e.md).
skip=${SKIP-'\[Flaky\]|\[Slow\]|ImageID should be set to the manifest digest|Summary API when querying /stats/summary should report resource usage through the stats api'}

log() { echo "guest-node-e2e: $*" >&2; }

bash hack/node-e2e.sh prepare
bin=$(bash hack/node-e2e.sh bin)
ver=$(basename "$(dirname "$bin")")
cache=$(dirname "$(dirname "$bin")")
busybox=$(ls -d "$cache/$ver/images/busybox-$(dpkg-query -W -f '${Version}' busybox-static)")

# link SRC DST: a hard link where the file systems allow, else a copy.
link() {
	rm -rf "$2"
	mkdir -p "$(dirname "$2")"
	cp -al "$1" "$2" 2>/dev/null || cp -a "$1" "$2"
}
link "$bin" "$dir/cache/$ver/bin"
link "$cache/$ver/images" "$dir/cache/$ver/images"
link "$cache/registry/nodee2e-registry" "$dir/cache/registry/nodee2e-registry"
link "$repo/bin/dockercri" "$dir/repo/bin/dockercri"
link "$repo/hack/node-e2e.sh" "$dir/repo/hack/node-e2e.sh"
link "$repo/e2e/node_e2e_skip.txt" "$dir/repo/e2e/node_e2e_skip.txt"
rm -rf "$dir/report" "$dir/result.log" "$dir/exit-code"
mkdir -p "$dir/report"

q() { printf '%q' "$1"; }
cat >"$dir/run.sh" <<RUN
set -u
# The guest runs everything as root and has no sudo; the [Serial] specs
# restart kubelet with "sudo systemctl". (The overlay is per boot.)
command -v sudo >/dev/null || { printf '#!/bin/sh\nexec "\$@"\n' >/usr/local/bin/sudo; chmod 755 /usr/local/bin/sudo; }
# The guest's own dockerd is not used (node-e2e.sh starts a private one on
# the guest's containerd): stopped, for the memory and CPU.
systemctl stop docker.service docker.socket
# The guest has no network card, so no default route, and the in-process
# apiserver needs one to pick its advertise address: a dummy interface.
ip link add dcri-dummy0 type dummy && ip addr add 10.254.254.1/24 dev dcri-dummy0 &&
	ip link set dcri-dummy0 up && ip route add default dev dcri-dummy0
echo "guest: kernel \$(uname -r), \$(stat -fc %T /sys/fs/cgroup), \$(nproc) CPUs, \$(awk '/MemTotal/ {print int(\$2/1024)}' /proc/meminfo) MiB, systemd \$(systemctl --version | awk 'NR==1 {print \$2}')"
export DOCKERCRI_NODE_E2E_CACHE=\$PWD/cache NODE_E2E_PREBUILT=1 NODE_E2E_CGROUP_DRIVER=systemd \\
	NODE_E2E_WORKDIR=/var/lib/dockercri-node-e2e-work NODE_E2E_BUSYBOX=\$PWD/cache/$ver/images/$(basename "$busybox") \\
	NODE_E2E_NO_SKIP_FILE=1 \\
	REPORT_DIR=\$PWD/report FOCUS=$(q "$focus") SKIP=$(q "$skip") TIMEOUT=${TIMEOUT:-110m} PROCS=${PROCS:-1}
${FEATURE_GATES+export FEATURE_GATES=$(q "$FEATURE_GATES")}
bash repo/hack/node-e2e.sh run $extra 2>&1
RUN

hack/guest-v2.sh image
start=$SECONDS
status=0
log "focus: $focus"
GUEST_MEM=${GUEST_MEM:-6144} GUEST_TIMEOUT=${GUEST_TIMEOUT:-7200} hack/guest-v2.sh run "$dir" >/dev/null || status=$?
if [ -f "$dir/report/junit.xml" ]; then
	log "summary: $(bash hack/node-e2e.sh summary "$dir/report/junit.xml") in $((SECONDS - start)) s; JUnit: $dir/report/junit.xml"
	grep -o '<testcase name="\[It\][^"]*" classname="[^"]*" status="[a-z]*"' "$dir/report/junit.xml" |
		sed 's/^<testcase name="\[It\] \(.*\)" classname=.*status="\(.*\)"$/  \2: \1/' >&2 || true
else
	log "no JUnit report (status $status); see $dir/result.log and $dir/console.log"
	tail -30 "$dir/result.log" 2>/dev/null >&2 || tail -30 "$dir/console.log" >&2 || true
fi
exit "$status"
