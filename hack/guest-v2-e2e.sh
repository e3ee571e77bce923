#!/usr/bin/env bash
# guest-v2-e2e.sh DIR — runs a focused part of the e2e suite on a cgroup v2
# node with Docker's systemd cgroup driver: the QEMU guest of
# hack/guest-v2.sh (Debian 12, systemd, docker.io 20.10). DIR must hold
# dockercri, crictl and e2e.test (make test-cgroupv2 puts them there); the
# guest runs them against its own dockerd and the result comes back in
# DIR/result.log. GUEST_E2E_RUN overrides the test selection, GUEST_E2E_ENV
# adds environment (VAR=value ..., $PWD is DIR in the guest) and
# GUEST_E2E_TIMEOUT the go test timeout (30m).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
for f in dockercri crictl e2e.test; do
	[ -x "$dir/$f" ] || { echo "guest-v2-e2e: $dir/$f missing" >&2; exit 2; }
done
# What a cgroup v2 + systemd node changes: the cgroup driver and slices,
# resources and swap in memory.max/memory.swap.max, stats and metrics from
# cgroup v2 files, pod cgroups as slices, the start-up namespace checks,
# and the container deployment of docs/deploy.md (privileged works here).
run=${GUEST_E2E_RUN:-'^(TestRuntimeConfigReportsDockerCgroupDriver|TestCgroupDriverMismatchIsExplained|TestContainerLifecycle|TestSandboxLifecycle|TestResourcesAndOOMScore|TestUpdateContainerResources|TestSwapLimits|TestOOMKilledReason|TestOOMKilledAfterDaemonRestart|TestOOMGroupKillsTheWholeContainer|TestPodSandboxStats|TestPodStatsFromPodCgroup|TestKubeletSystemdCgroupParent|TestContainerStatsMoveTheRightWay|TestPodSandboxMetrics|TestThrottlingAndOOMMetrics|TestRefusesToRunBlind|TestImageDeployment|TestAppArmorLocalhostProfile|TestPressureStallInformation)$'}
# systemd's DefaultIOAccounting=yes (what a node that wants block I/O stats
# sets) turns the io controller on for Docker's scopes, so io.stat exists
# and the I/O metrics are asserted here, not only logged.
cat >"$dir/run.sh" <<RUN
set -u
mkdir -p /etc/systemd/system.conf.d
printf '[Manager]\nDefaultIOAccounting=yes\n' >/etc/systemd/system.conf.d/io-accounting.conf
systemctl daemon-reexec
# The guest runs everything as root and has no sudo; critest loads its
# AppArmor profiles with "sudo apparmor_parser". (The overlay is per boot.)
command -v sudo >/dev/null || { printf '#!/bin/sh\nexec "\$@"\n' >/usr/local/bin/sudo; chmod 755 /usr/local/bin/sudo; }
echo "guest: kernel \$(uname -r), \$(stat -fc %T /sys/fs/cgroup), Docker \$(docker info --format '{{.ServerVersion}} cgroup driver {{.CgroupDriver}}, cgroup v{{.CgroupVersion}}'), system.slice controllers: \$(cat /sys/fs/cgroup/system.slice/cgroup.subtree_control)"
export DOCKERCRI_E2E=1 DOCKERCRI_E2E_EXPECT_IO=1 DOCKERCRI_BIN=\$PWD/dockercri CRICTL=\$PWD/crictl DOCKERCRI_E2E_DOCKERFILE=\$PWD/Dockerfile
${GUEST_E2E_ENV:+export $GUEST_E2E_ENV}
./e2e.test -test.v -test.count=1 -test.timeout ${GUEST_E2E_TIMEOUT:-30m} -test.run '$run' 2>&1
RUN
rm -f "$dir/result.log" "$dir/exit-code"
hack/guest-v2.sh image
start=$SECONDS
status=0
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500} hack/guest-v2.sh run "$dir" >/dev/null || status=$?
log="$dir/result.log"
if [ -f "$log" ]; then
	grep -E '^guest:|^(=== RUN|--- (PASS|FAIL|SKIP)|    --- (PASS|FAIL|SKIP)|PASS|FAIL|ok )' "$log" | grep -v '^=== RUN' || true
	# A failed test's own output (its lines since its === RUN), so that a
	# CI log shows why without the guest's result.log.
	awk '/^=== RUN   [^\/]*$/ {n = 0} {buf[n++] = $0} /^--- FAIL/ {print "guest-v2-e2e: output of the failed test:"; for (i = (n > 80 ? n - 80 : 0); i < n; i++) print "  " buf[i]}' "$log"
	echo "guest-v2-e2e: $(grep -c '^--- PASS' "$log" || true) passed, $(grep -c '^--- FAIL' "$log" || true) failed, $(grep -c '^--- SKIP' "$log" || true) skipped in $((SECONDS - start)) s (full log: $log)"
else
	echo "guest-v2-e2e: no result (status $status); console: $dir/console.log" >&2
	tail -30 "$dir/console.log" >&2 || true
fi
exit "$status"
