# dockercri — make targets. `make run` and `make test` are the two a new
# user needs; both make sure a Docker Engine is installed and running.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
BIN       := bin/dockercri
ENDPOINT  ?= unix:///run/dockercri.sock
# make run uses Docker's bridge network; RUN_FLAGS=--network-plugin=cni for CNI.
RUN_FLAGS ?= --network-plugin=

IMAGE     ?= dockercri:$(VERSION)

# ENGINE picks the Docker Engine the e2e suite, critest and the bench run
# against: 20.10 (Debian's docker.io on /var/run/docker.sock) or next (Docker
# 29 with the containerd image store, built from the Go module proxy and run
# beside it by hack/engine-next.sh; binaries cached outside the clone).
ENGINE    ?= 20.10
ifeq ($(ENGINE),next)
ENGINE_ENV := DOCKER_HOST=unix:///run/dockercri-engine-next/docker.sock PATH=$(shell hack/engine-next.sh bin):$(PATH) \
	DOCKERCRI_E2E_DAEMON_FLAGS=--containerd-root=/var/lib/dockercri-engine-next/containerd
ENGINE_BENCH_FLAGS := --daemon-arg=--containerd-root=/var/lib/dockercri-engine-next/containerd
else ifeq ($(ENGINE),20.10)
ENGINE_ENV :=
ENGINE_BENCH_FLAGS :=
else
$(error ENGINE must be 20.10 or next)
endif
PREFIX    ?= /usr/local
DESTDIR   ?=
UNITDIR   ?= /etc/systemd/system

.PHONY: all build run test unit fuzz e2e critest soak lint fmt bench docker tools image install clean e2e-next critest-next test-cgroupv2 test-cgroupv2-critest

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/dockercri

docker:
	hack/ensure-docker.sh
ifeq ($(ENGINE),next)
	hack/engine-next.sh start
endif

# image: the Dockerfile packs the static binary onto an empty base.
image: docker build
	docker build -t $(IMAGE) .

run: docker build
	$(BIN) --container-runtime-endpoint $(ENDPOINT) $(RUN_FLAGS)

# test: everything CI runs: lint, unit tests, e2e tests and CRI conformance on
# both engines, the cgroup v2 + systemd e2e subset in the QEMU guest, and the
# benchmark on a tiny N (it must run; its timings are not judged here).
test: lint unit fuzz e2e critest e2e-next critest-next test-cgroupv2 bench-smoke

e2e-next:
	$(MAKE) e2e ENGINE=next
critest-next:
	$(MAKE) critest ENGINE=next

unit:
	$(GO) test -race -count=1 ./...

# fuzz: every fuzz target for FUZZTIME (short in CI; run longer by hand).
# A count, not a duration: when a duration runs out while a worker is busy,
# go test can report the coordinator's "context deadline exceeded" as a
# failure (seen in CI), which a count never does.
FUZZTIME ?= 30000x
fuzz:
	@for pkg in ./translate ./containerlog ./shim; do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			out=$$($(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg 2>&1) || { echo "$$out"; exit 1; }; \
		done; \
	done

e2e: docker build tools
	@echo "e2e on $$($(ENGINE_ENV) docker version --format 'Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}})')"
	$(ENGINE_ENV) DOCKERCRI_E2E=1 DOCKERCRI_BIN=$(CURDIR)/$(BIN) CRICTL=$(CURDIR)/bin/crictl \
		$(GO) test -count=1 -timeout 20m ./e2e/ $(E2E_FLAGS)

# critest: the CRI conformance suite against dockercri, every image built
# locally and served by a registry on 127.0.0.1 (e2e/critest_test.go; skip
# list with reasons in e2e/critest_skip.txt).
critest: docker build tools
	hack/fetch-busybox.sh $(CURDIR)/bin/busybox-dyn
	@echo "critest on $$($(ENGINE_ENV) docker version --format 'Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}})')"
	$(ENGINE_ENV) DOCKERCRI_E2E=1 DOCKERCRI_CRITEST=1 DOCKERCRI_BIN=$(CURDIR)/$(BIN) CRITEST=$(CURDIR)/bin/critest \
		DOCKERCRI_CRITEST_BUSYBOX=$(CURDIR)/bin/busybox-dyn \
		$(GO) test -count=1 -timeout 40m -run TestCritest ./e2e/ -v

# soak: 50 clients creating, starting, stopping and removing pods and
# containers at random for ten minutes (make test runs a short version).
soak: docker build
	DOCKERCRI_E2E=1 DOCKERCRI_BIN=$(CURDIR)/$(BIN) DOCKERCRI_SOAK_CLIENTS=50 DOCKERCRI_SOAK_DURATION=10m \
		$(GO) test -count=1 -timeout 30m -run TestSoak -v ./e2e/

# test-cgroupv2: the e2e tests a cgroup v2 + systemd node changes, run in a
# QEMU guest (Debian 12, systemd, docker.io; software emulation) that
# hack/guest-v2.sh builds once and caches (docs/guest-v2.md). ~10 min.
GUEST_DIR := bin/guest-v2
.PHONY: test-cgroupv2
test-cgroupv2: build tools
	mkdir -p $(GUEST_DIR)
	CGO_ENABLED=0 $(GO) test -c -trimpath -o $(GUEST_DIR)/e2e.test ./e2e/
	cp $(BIN) bin/crictl Dockerfile $(GUEST_DIR)/
	hack/guest-v2-e2e.sh $(GUEST_DIR)

# test-cgroupv2-critest: critest (CRI conformance) in the same guest, with
# the images and skip list of make critest. Not in make test: ~25 min
# under emulation; run it before a release.
.PHONY: test-cgroupv2-critest
test-cgroupv2-critest: build tools
	mkdir -p $(GUEST_DIR)
	hack/fetch-busybox.sh $(CURDIR)/$(GUEST_DIR)/busybox-dyn
	CGO_ENABLED=0 $(GO) test -c -trimpath -o $(GUEST_DIR)/e2e.test ./e2e/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(GUEST_DIR)/critestbin ./e2e/critestbin
	cp $(BIN) bin/crictl bin/critest Dockerfile e2e/critest_skip.txt $(GUEST_DIR)/
	GUEST_E2E_RUN='^TestCritest$$' GUEST_E2E_TIMEOUT=60m GUEST_TIMEOUT=4200 \
	GUEST_E2E_ENV='DOCKERCRI_CRITEST=1 CRITEST=$$PWD/critest DOCKERCRI_CRITEST_BUSYBOX=$$PWD/busybox-dyn DOCKERCRI_CRITESTBIN=$$PWD/critestbin DOCKERCRI_CRITEST_SKIP=$$PWD/critest_skip.txt' \
		hack/guest-v2-e2e.sh $(GUEST_DIR)

# node-e2e: kubelet's own node e2e suite (k8s.io/kubernetes/test/e2e_node,
# v1.37.2) against dockercri on a private dockerd (docs/node-e2e.md). Not in
# make test: a broad focus takes 15-60 min here. FOCUS, SKIP, PROCS, TIMEOUT
# and REPORT_DIR pass through (JUnit and JSON reports land in bin/node-e2e/).
.PHONY: node-e2e
node-e2e: build
	ENGINE=$(ENGINE) hack/node-e2e.sh run

# node-e2e-guest: the node e2e specs this VM cannot run (privileged pods,
# Summary API with PSI, oom_score_adj -997, the [NodeConformance] [Serial]
# specs that restart kubelet or the runtime through systemd) in the cgroup v2
# guest, Docker's systemd cgroup driver, kubelet as a systemd unit
# (hack/guest-node-e2e.sh; docs/node-e2e.md). Not in make test: ~1 h.
.PHONY: node-e2e-guest
node-e2e-guest: build
	hack/guest-node-e2e.sh bin/guest-node-e2e/last

# tools: crictl and critest (kubernetes-sigs/cri-tools), pinned in
# hack/tools/go.mod and built from the Go module proxy.
tools: bin/crictl bin/critest

bin/crictl: hack/tools/go.mod
	cd hack/tools && $(GO) build -o $(CURDIR)/bin/crictl sigs.k8s.io/cri-tools/cmd/crictl

bin/critest: hack/tools/go.mod
	cd hack/tools && $(GO) test -c -o $(CURDIR)/bin/critest sigs.k8s.io/cri-tools/cmd/critest

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

# bench: dockercri vs the raw Docker API in one interleaved run (issue #7):
# pod lifecycle, steady-state reads with running pods, ExecSync, dockercri's
# RSS and CPU. The bench starts bin/dockercri on a temp socket and root and
# stops it at the end. Table on stdout, JSON in BENCH_JSON. Takes minutes;
# BENCH_FLAGS overrides (e.g. BENCH_FLAGS='--pods 10 --steady-pods 10').
BENCH_BIN   := bin/dockercri-bench
BENCH_JSON  ?= bin/bench.json
BENCH_FLAGS ?=
bench: docker build
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BENCH_BIN) ./cmd/dockercri-bench
	$(ENGINE_ENV) $(BENCH_BIN) --dockercri-bin $(BIN) --json $(BENCH_JSON) \
		--pods 100 --concurrency 8 --steady-pods 100 --iterations 200 --exec 200 --lifecycles-rss 1000 $(ENGINE_BENCH_FLAGS) $(BENCH_FLAGS)

# bench-smoke: the bench on a tiny N, for CI (checks that it runs, not speed).
.PHONY: bench-smoke
bench-smoke: docker build
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BENCH_BIN) ./cmd/dockercri-bench
	$(ENGINE_ENV) $(BENCH_BIN) --dockercri-bin $(BIN) --json bin/bench-smoke.json \
		--pods 5 --concurrency 4 --steady-pods 5 --iterations 10 --stats-iterations 3 --exec 10 --lifecycles-rss 0 \
		--idle-window 1s --settle 500ms $(ENGINE_BENCH_FLAGS)

# install: the binary under $(DESTDIR)$(PREFIX)/bin and the systemd units
# (socket-activated, Type=notify) under $(DESTDIR)$(UNITDIR).
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/dockercri
	install -D -m 0644 packaging/dockercri.socket $(DESTDIR)$(UNITDIR)/dockercri.socket
	sed 's#/usr/local/bin/dockercri#$(PREFIX)/bin/dockercri#' packaging/dockercri.service > $(BIN).service
	install -D -m 0644 $(BIN).service $(DESTDIR)$(UNITDIR)/dockercri.service
	install -D -m 0644 packaging/dockercri.service.d/10-sandbox-image.conf.example \
		$(DESTDIR)$(UNITDIR)/dockercri.service.d/10-sandbox-image.conf.example

clean:
	rm -rf bin
