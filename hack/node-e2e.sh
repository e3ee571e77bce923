#!/usr/bin/env bash
# node-e2e.sh build|bin|dry-run — kubelet and Kubernetes' own node e2e suite
# (test/e2e_node) built from the Go module proxy, for running kubelet's
# conformance tests against dockercri (docs/node-e2e.md).
#
#   build    builds kubelet, e2e_node.test and the ginkgo CLI into
#            $CACHE/<k8s version>/bin (reused when present: ~20 min on 2
#            cores from an empty Go build cache, under a minute with a warm
#            one, nothing when the binaries exist). The throwaway module
#            is $CACHE/<k8s version>/mod: it requires k8s.io/kubernetes and
#            replaces each staging module (every k8s.io/* that kubernetes'
#            go.mod requires at v0.0.0) by its published v0.X.Y, the list read
#            from kubernetes' own go.mod. etcd and kube-apiserver are compiled
#            into e2e_node.test (services mode), so no etcd binary is needed.
#   bin      prints the bin directory.
#   dry-run  lists the specs a focus selects without starting anything
#            (ginkgo --dry-run: no kubelet, no apiserver, no containers);
#            FOCUS and SKIP override the defaults below.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
# The staging modules are published as v0.<minor>.<patch> of the same release.
STAGING_VERSION=${STAGING_VERSION:-v0.${K8S_VERSION#v1.}}
# Set when K8S_VERSION's go.mod asks for a newer Go than the installed one
# (e.g. GOTOOLCHAIN=go1.27.3; the toolchain comes from the module proxy).
GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export GOTOOLCHAIN
CACHE=${DOCKERCRI_NODE_E2E_CACHE:-/var/cache/dockercri/node-e2e}
DIR="$CACHE/$K8S_VERSION"
MOD="$DIR/mod"
BIN="$DIR/bin"

FOCUS=${FOCUS:-'\[NodeConformance\]'}
SKIP=${SKIP-'\[Flaky\]|\[Slow\]|\[Serial\]'}

log() { echo "node-e2e: $*" >&2; }

# mkmod writes the throwaway module: kubernetes plus one replace per staging
# module, generated from kubernetes' go.mod (as the proxy serves it).
mkmod() {
	if [ -f "$MOD/go.mod" ] && grep -q "^require k8s.io/kubernetes $K8S_VERSION\$" "$MOD/go.mod"; then
		return 0
	fi
	mkdir -p "$MOD"
	local gomod
	gomod=$(cd "$MOD" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
		sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
	[ -f "$gomod" ] || {
		log "no go.mod for k8s.io/kubernetes@$K8S_VERSION"
		return 1
	}
	local gover staging
	gover=$(awk '$1 == "go" { print $2; exit }' "$gomod")
	staging=$(awk '/^require[[:space:]]*\(/ { r = 1; next } r && /^\)/ { r = 0 }
		r && $1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$gomod")
	[ -n "$staging" ] || {
		log "found no staging modules in $gomod"
		return 1
	}
	{
		echo "module dockercri-node-e2e-build"
		echo
		echo "go $gover"
		echo
		echo "require k8s.io/kubernetes $K8S_VERSION"
		echo
		echo "replace ("
		for m in $staging; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
		echo ")"
	} >"$MOD/go.mod.tmp"
	mv "$MOD/go.mod.tmp" "$MOD/go.mod"
	rm -f "$MOD/go.sum"
	log "module $MOD: k8s.io/kubernetes $K8S_VERSION (go $gover), $(echo "$staging" | wc -l) staging modules at $STAGING_VERSION"
}

# ldflags prints the version stamps hack/lib/version.sh would set, so that
# kubelet and the in-test apiserver report K8S_VERSION rather than v0.0.0.
ldflags() {
	local v=${K8S_VERSION#v} out="" p
	local major=${v%%.*} minor
	minor=${v#*.}
	minor=${minor%%.*}
	for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
		out="$out -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
	done
	echo "all=$out -s -w"
}

# Kubernetes' own build tags for non-debug binaries (hack/lib/golang.sh).
TAGS=selinux,notest,grpcnotrace

# build1 OUT CMD... runs a go build/test -c command unless OUT exists, niced,
# and reports how long it took.
build1() {
	local out=$1
	shift
	if [ -x "$out" ]; then return 0; fi
	local start=$SECONDS
	log "building $(basename "$out") ($K8S_VERSION)"
	(
		cd "$MOD"
		export GOFLAGS="-mod=mod -buildvcs=false ${NODE_E2E_GOFLAGS:-}"
		nice -n 19 "$@"
	)
	mv "$out.tmp" "$out"
	log "built $(basename "$out") in $((SECONDS - start))s"
}

build() {
	mkdir -p "$BIN"
	mkmod
	build1 "$BIN/kubelet" go build -trimpath -tags "$TAGS" -ldflags "$(ldflags)" \
		-o "$BIN/kubelet.tmp" k8s.io/kubernetes/cmd/kubelet
	build1 "$BIN/e2e_node.test" go test -c -trimpath -tags "$TAGS" -ldflags "$(ldflags)" \
		-o "$BIN/e2e_node.test.tmp" k8s.io/kubernetes/test/e2e_node
	# ginkgo's CLI at the version kubernetes requires, for parallel runs
	# (ginkgo -p / --procs); serial runs need only e2e_node.test.
	build1 "$BIN/ginkgo" go build -trimpath -o "$BIN/ginkgo.tmp" github.com/onsi/ginkgo/v2/ginkgo
	log "binaries in $BIN"
}

dryrun() {
	build
	local work="$DIR/dry-run"
	mkdir -p "$work"
	# The suite writes kubelet.conf.d and friends into its working directory.
	cd "$work"
	"$BIN/e2e_node.test" --ginkgo.dry-run --ginkgo.no-color \
		--ginkgo.focus="$FOCUS" ${SKIP:+--ginkgo.skip="$SKIP"} \
		--ginkgo.json-report="$work/report.json" --prepull-images=false "$@"
}

case "${1:-}" in
build) build ;;
bin) echo "$BIN" ;;
dry-run)
	shift
	dryrun "$@"
	;;
*)
	echo "usage: $0 build|bin|dry-run" >&2
	exit 2
	;;
esac
