# dockercri — make targets. `make run` and `make test` are the two a new
# user needs; both make sure a Docker Engine is installed and running.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
BIN       := bin/dockercri
ENDPOINT  ?= unix:///run/dockercri.sock
# make run uses Docker's bridge network; RUN_FLAGS=--network-plugin=cni for CNI.
RUN_FLAGS ?= --network-plugin=

.PHONY: all build run test unit e2e lint fmt bench docker tools clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/dockercri

docker:
	hack/ensure-docker.sh

run: docker build
	$(BIN) --container-runtime-endpoint $(ENDPOINT) $(RUN_FLAGS)

# test: everything CI runs.
test: lint unit e2e

unit:
	$(GO) test -race -count=1 ./...

e2e: docker build tools
	DOCKERCRI_E2E=1 DOCKERCRI_BIN=$(CURDIR)/$(BIN) CRICTL=$(CURDIR)/bin/crictl \
		$(GO) test -count=1 -timeout 20m ./e2e/ $(E2E_FLAGS)

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

# bench: filled by the performance issue (#7).
bench:
	@echo "make bench: not implemented yet (performance issue #7)"; exit 1

clean:
	rm -rf bin
