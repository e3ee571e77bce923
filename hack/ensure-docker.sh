#!/usr/bin/env bash
# Makes sure a Docker Engine answers on /var/run/docker.sock: installs
# Debian's docker.io when dockerd is missing and starts dockerd in the
# background when it is not running. Also installs the Debian packages the
# e2e suite needs: busybox-static (test images), containernetworking-plugins
# (CNI tests), iproute2. Idempotent.
set -euo pipefail

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
dpkg -s containernetworking-plugins >/dev/null 2>&1 || need_pkgs+=(containernetworking-plugins)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
	echo "ensure-docker: installing ${need_pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if docker version >/dev/null 2>&1; then
	exit 0
fi
log=/var/log/dockercri-dockerd.log
# A dockerd killed without a shutdown leaves /var/run/docker.pid; dockerd
# refuses to start while any process has that pid. It is stale unless the
# process is a running dockerd.
pidfile=/var/run/docker.pid
if [ -f "$pidfile" ]; then
	pid=$(cat "$pidfile")
	if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ] ||
		grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then
		rm -f "$pidfile"
	fi
fi
# start_dockerd starts dockerd and waits until it answers; it fails when
# dockerd exits first (a containerd a killed dockerd left can still be
# shutting down: the next try starts a fresh one).
start_dockerd() {
	echo "ensure-docker: starting dockerd (log: $log)"
	nohup dockerd >>"$log" 2>&1 </dev/null &
	local pid=$!
	for _ in $(seq 1 120); do
		if docker version >/dev/null 2>&1; then
			echo "ensure-docker: dockerd is up ($(docker version --format '{{.Server.Version}} API {{.Server.APIVersion}}'))"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}
: >"$log"
for attempt in 1 2 3; do
	if start_dockerd; then
		exit 0
	fi
	echo "ensure-docker: dockerd did not come up (attempt $attempt)" >&2
	sleep 2
done
echo "ensure-docker: dockerd did not come up; last log lines:" >&2
tail -n 30 "$log" >&2
exit 1
