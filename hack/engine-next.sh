#!/usr/bin/env bash
# engine-next.sh build|start|stop|env — the current Docker Engine (29.x, API
# 1.56, containerd image store) built from the Go module proxy and run beside
# Debian's dockerd 20.10, so that make test covers both engines (issue #14).
#
#   build  builds dockerd, docker-proxy, containerd, containerd-shim-runc-v2 and
#          runc into $CACHE/<versions>/bin (reused when present: ~20 min on
#          2 cores from scratch, seconds after that).
#   start  starts the engine (its own containerd, socket, roots and bridge) and
#          waits until it answers; idempotent.
#   stop   stops what start started, by the PIDs in its pid files.
#   env    prints DOCKER_HOST=... for the running engine.
#
# The engine runs with --iptables=false --ip6tables=false (Docker 29 deletes the
# DOCKER chains of the 20.10 daemon at start-up otherwise) and its own bridge,
# and never with --default-address-pool (a restart would delete docker0).
set -euo pipefail

MOBY_VERSION=${MOBY_VERSION:-v2.0.0-beta.24}
DOCKER_VERSION=${DOCKER_VERSION:-29.8.1}
CONTAINERD_VERSION=${CONTAINERD_VERSION:-v2.3.5}
RUNC_VERSION=${RUNC_VERSION:-v1.5.3}
CACHE=${DOCKERCRI_ENGINE_CACHE:-/var/cache/dockercri/engine}
KEY="moby-${MOBY_VERSION}_containerd-${CONTAINERD_VERSION}_runc-${RUNC_VERSION}"
BIN="$CACHE/$KEY/bin"

STATE=${DOCKERCRI_ENGINE_STATE:-/var/lib/dockercri-engine-next}
RUN=${DOCKERCRI_ENGINE_RUN:-/run/dockercri-engine-next}
SOCK="$RUN/docker.sock"
CTRD_SOCK="$RUN/containerd/containerd.sock"
BRIDGE=${DOCKERCRI_ENGINE_BRIDGE:-dcri-next0}
BRIDGE_CIDR=${DOCKERCRI_ENGINE_BRIDGE_CIDR:-172.30.0.1/16}
LOG=${DOCKERCRI_ENGINE_LOG:-/var/log/dockercri-engine-next}

log() { echo "engine-next: $*" >&2; }

# gobuild MODULE@VERSION PACKAGE OUT [go build args...] builds one command in a
# throwaway module, so the project's go.mod never sees the engine's modules.
gobuild() {
	local modver=$1 pkg=$2 out=$3
	shift 3
	if [ -x "$out" ]; then return 0; fi
	local tmp
	tmp=$(mktemp -d)
	log "building $pkg from $modver"
	(
		cd "$tmp"
		export GOFLAGS=-mod=mod
		go mod init engine-next-build >/dev/null 2>&1
		go get "$modver" >/dev/null
		go build -trimpath -o "$out.tmp" "$@" "$pkg"
	)
	mv "$out.tmp" "$out"
	rm -rf "$tmp"
}

build() {
	mkdir -p "$BIN"
	if ! dpkg -s libseccomp-dev >/dev/null 2>&1 || ! dpkg -s pkg-config >/dev/null 2>&1; then
		log "installing libseccomp-dev pkg-config (runc's seccomp support)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq libseccomp-dev pkg-config >/dev/null 2>&1 || {
			apt-get update -qq && apt-get install -y -qq libseccomp-dev pkg-config >/dev/null
		}
	fi
	local moby=github.com/moby/moby/v2
	CGO_ENABLED=1 gobuild "$moby@$MOBY_VERSION" "$moby/cmd/dockerd" "$BIN/dockerd" \
		-tags 'netgo osusergo static_build nri_no_wasm' \
		-ldflags "-extldflags -static -X $moby/dockerversion.Version=$DOCKER_VERSION"
	CGO_ENABLED=0 gobuild "$moby@$MOBY_VERSION" "$moby/cmd/docker-proxy" "$BIN/docker-proxy"
	local ctrd=github.com/containerd/containerd/v2
	CGO_ENABLED=0 gobuild "$ctrd@$CONTAINERD_VERSION" "$ctrd/cmd/containerd" "$BIN/containerd" \
		-tags 'urfave_cli_no_docs no_btrfs'
	CGO_ENABLED=0 gobuild "$ctrd@$CONTAINERD_VERSION" "$ctrd/cmd/containerd-shim-runc-v2" "$BIN/containerd-shim-runc-v2" \
		-tags 'urfave_cli_no_docs no_grpc'
	CGO_ENABLED=1 gobuild "github.com/opencontainers/runc@$RUNC_VERSION" github.com/opencontainers/runc "$BIN/runc" \
		-tags seccomp
	log "binaries in $BIN"
}

# alive PIDFILE: the process the file names runs (and is not a zombie).
alive() {
	[ -f "$1" ] || return 1
	local pid
	pid=$(cat "$1")
	[ -n "$pid" ] && [ -d "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

answers() { DOCKER_HOST="unix://$SOCK" docker version >/dev/null 2>&1; }

start() {
	build
	mkdir -p "$STATE/docker" "$STATE/containerd" "$STATE/cdi" "$RUN/containerd" "$RUN/exec" "$LOG"
	allow_forward
	if alive "$RUN/dockerd.pid" && answers; then return 0; fi
	if ! alive "$RUN/containerd.pid"; then
		rm -f "$CTRD_SOCK"
		cat >"$RUN/containerd.toml" <<EOF
version = 3
root = "$STATE/containerd"
state = "$RUN/containerd/state"
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  address = "$RUN/containerd/debug.sock"
EOF
		PATH="$BIN:$PATH" nohup "$BIN/containerd" --config "$RUN/containerd.toml" \
			>"$LOG/containerd.log" 2>&1 </dev/null &
		echo $! >"$RUN/containerd.pid"
		for _ in $(seq 1 100); do [ -S "$CTRD_SOCK" ] && break; sleep 0.1; done
	fi
	if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
		ip link add "$BRIDGE" type bridge
		ip addr add "$BRIDGE_CIDR" dev "$BRIDGE"
		ip link set "$BRIDGE" up
	fi
	# A dockerd killed without a shutdown leaves its pid file; dockerd
	# refuses to start while any process has that pid (reused, or not yet
	# reaped). Ours is not running (checked above): the file is stale.
	rm -f "$SOCK" "$RUN/dockerd.pid.engine"
	PATH="$BIN:$PATH" nohup "$BIN/dockerd" \
		--host "unix://$SOCK" \
		--containerd "$CTRD_SOCK" \
		--data-root "$STATE/docker" \
		--exec-root "$RUN/exec" \
		--pidfile "$RUN/dockerd.pid.engine" \
		--bridge "$BRIDGE" \
		--iptables=false --ip6tables=false \
		--userland-proxy-path "$BIN/docker-proxy" \
		--cdi-spec-dir "$STATE/cdi" \
		>"$LOG/dockerd.log" 2>&1 </dev/null &
	echo $! >"$RUN/dockerd.pid"
	for _ in $(seq 1 240); do
		if answers; then
			log "up: $(DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}} API {{.Server.APIVersion}}') on unix://$SOCK"
			return 0
		fi
		if ! alive "$RUN/dockerd.pid"; then break; fi
		sleep 0.5
	done
	log "dockerd did not come up; last log lines:"
	tail -n 30 "$LOG/dockerd.log" >&2
	return 1
}

# allow_forward lets traffic through the engine's bridge: with
# --iptables=false it adds no rules of its own, and the FORWARD policy the
# 20.10 daemon set is DROP (bridged packets pass iptables where br_netfilter
# is loaded), so pod-to-pod traffic would be dropped.
allow_forward() {
	command -v iptables >/dev/null 2>&1 || return 0
	for dir in -i -o; do
		iptables -C FORWARD "$dir" "$BRIDGE" -j ACCEPT 2>/dev/null ||
			iptables -I FORWARD 1 "$dir" "$BRIDGE" -j ACCEPT
	done
}

stopone() {
	local pidfile=$1
	if alive "$pidfile"; then
		local pid
		pid=$(cat "$pidfile")
		kill "$pid"
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
	fi
	rm -f "$pidfile"
}

stop() {
	stopone "$RUN/dockerd.pid"
	stopone "$RUN/containerd.pid"
}

case "${1:-}" in
build) build ;;
start) start ;;
stop) stop ;;
env) echo "DOCKER_HOST=unix://$SOCK" ;;
bin) echo "$BIN" ;;
*)
	echo "usage: $0 build|start|stop|env|bin" >&2
	exit 2
	;;
esac
