# podpolicy — a Kubernetes admission webhook that enforces Pod policy written in Rego.
#
#   make demo    start a local cluster (a real node where it can run) with podpolicy and show it at work
#   make test    everything CI runs: lint, Go and Rego unit tests, e2e on a real API server
#
# Everything the targets need is built from the Go module proxy: `make tools` compiles
# kube-apiserver, kube-controller-manager, kubectl, etcd, helm, opa, Argo Rollouts' controller, and
# the real node's kubelet, kube-scheduler, kube-proxy and CNI plugins into bin/ (minutes the first
# time, then cached), and installs the node's system packages (containerd, runc, conntrack,
# iptables) as root.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := $(CURDIR)/bin
# The version is the chart's appVersion, the one place it is set: `podpolicy version` of make
# build and make image, the image's tag and the chart's default image all use it.
VERSION := $(shell sed -n 's/^appVersion:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$$/\1/p' charts/podpolicy/Chart.yaml)
LDFLAGS := -X main.buildVersion=$(VERSION)
REGO := policies/rego
# Minimum share of Rego policy lines the Rego tests must evaluate.
REGO_COVERAGE ?= 95

.PHONY: all build image version tools test unit conformance rego-test alerts fuzz lint e2e demo bench clean

all: build

## build: compile bin/podpolicy
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/podpolicy ./cmd/podpolicy

## image: build podpolicy's OCI image without Docker, for linux/amd64 and linux/arm64, tagged
## with the chart's appVersion: _out/image (an OCI layout, for crane or skopeo) and
## _out/image.tar (for ctr images import); prints the digest. Same commit, same Go: same digest
## (SOURCE_DATE_EPOCH overrides the commit time). test/tools/image/Dockerfile builds the same.
image:
	$(GO) -C test/tools/image run . -root $(CURDIR) -go $(GO)

## version: print the version (the chart's appVersion)
version:
	@echo $(VERSION)

## tools: build kube-apiserver, kube-controller-manager, kubectl, etcd, helm, opa, kubelet,
## kube-scheduler, kube-proxy, the CNI plugins, Argo Rollouts' rollouts-controller and promtool into bin/
## (cached by pinned version); install containerd, runc, conntrack, iptables and iproute2 with
## apt-get when missing (as root)
tools:
	test/tools/build.sh

## test: lint, Go unit tests, OPA's conformance suite on the compiled evaluator, Rego tests with
## coverage, the chart's alert rules under promtool, a short fuzz run, e2e suites on a real API server
test: lint unit conformance rego-test alerts fuzz e2e

## unit: Go unit tests (race detector on), and the image builder's tests (which build the image
## for both platforms, without the race detector, which would slow its gzip tenfold)
unit:
	$(GO) test -race -count=1 ./...
	$(GO) -C test/tools/image test -count=1 ./...

## conformance: OPA's own conformance suite (the pinned module's Rego v1 cases) on the compiled
## evaluator, printing agree / refused / total and why each refused case is refused, and Pod
## Security Admission's own fixtures judged by podpolicy check at their level, printing the
## agreement and any check left unmapped (both also run, silently, in unit), and the fixed-seed
## evaluator differential on all its 2,000 objects (unit, under the race detector, runs 250)
conformance:
	$(GO) test -count=1 -run '^TestConformance$$' -v ./policies/vm | grep -E '^(---|ok|FAIL)|conformance:|refused|built-ins|conformance_test.go'
	$(GO) test -count=1 -run '^TestEvaluatorsAgreeOnRandomObjects$$' -v ./policies | grep -E '^(---|ok|FAIL)|differential_test.go'
	$(GO) test -count=1 -run '^TestPodSecurityAdmissionFixtures$$' -v ./policies/check | grep -E '^(---|ok|FAIL)|psa_test.go'

## rego-test: the Rego unit tests of the library with coverage, through `podpolicy test`: on the
## evaluator serve uses (the compiled one) and on OPA's topdown, failing any test whose outcome differs
rego-test: build
	$(BIN)/podpolicy test --coverage --threshold $(REGO_COVERAGE)

## alerts: the chart's alert rules (the spec of the PrometheusRule it renders with
## metrics.prometheusRule.enabled and its default values) checked by promtool, and their unit
## tests (test/alerts: synthetic series; each alert fires with its labels and annotations, and
## stays quiet where it must) run by promtool test rules; an alert without a test or without its
## runbook line in the README fails
alerts:
	test/tools/build.sh helm promtool
	dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	  $(BIN)/helm template podpolicy charts/podpolicy --namespace podpolicy-system \
	    --set metrics.prometheusRule.enabled=true --api-versions monitoring.coreos.com/v1/PrometheusRule \
	    --show-only templates/prometheusrule.yaml | sed -n '/^spec:$$/,$$p' | tail -n +2 | sed 's/^  //' > "$$dir/podpolicy-alerts.yaml" && \
	  cp test/alerts/*.test.yaml "$$dir/" && \
	  $(BIN)/promtool check rules "$$dir/podpolicy-alerts.yaml" && \
	  for alert in $$(sed -n 's/^ *- alert: //p' "$$dir/podpolicy-alerts.yaml"); do \
	    grep -q "alertname: $$alert$$" test/alerts/*.test.yaml || { echo "alerts: $$alert has no promtool test in test/alerts" >&2; exit 1; }; \
	    grep -q "id=\"$${alert,,}\"" README.md || { echo "alerts: $$alert has no runbook line in the README (an anchor id=\"$${alert,,}\")" >&2; exit 1; }; \
	  done && \
	  cd "$$dir" && $(BIN)/promtool test rules *.test.yaml

## fuzz: a short coverage-guided run of each fuzz target (FUZZTIME each): AdmissionReview
## handling, manifest reading, JSON decoding, manifests against kubectl's YAML conversion,
## whole streams read by both readers against Kubernetes' own stream decoder (the objects
## kubectl would send, and each object the block-YAML reader builds without JSON against
## normalize.Decode of that JSON), the splitter against yaml.YAMLReader, the block-YAML reader against
## yaml.v3, random objects judged by both
## evaluators, and random configs of exceptions (empty lists, globs, expiry edges) that must
## be refused or waive exactly what the exceptions' definition says; a crash or a
## disagreement fails the build and
## leaves its input under testdata/fuzz/, where it becomes a regression test (test/tools/fuzz.sh
## runs each target; it tells Go 1.26's own deadline report, golang/go#75804, from a finding)
FUZZTIME ?= 12s
fuzz:
	GO=$(GO) test/tools/fuzz.sh FuzzAdmissionReview ./webhook $(FUZZTIME)
	GO=$(GO) test/tools/fuzz.sh FuzzRead ./policies/manifest $(FUZZTIME)
	GO=$(GO) test/tools/fuzz.sh FuzzDecode ./policies/astjson $(FUZZTIME)
	GO=$(GO) test/tools/fuzz.sh FuzzJSONMatchesKubectl ./policies/manifest $(FUZZTIME)
	GO=$(GO) test/tools/fuzz.sh FuzzStreamIsKubectls ./policies/manifest $(FUZZTIME)
	GO=$(GO) test/tools/fuzz.sh FuzzFramingIsYAMLReaders ./policies/manifest $(FUZZTIME)
	GO=$(GO) test/tools/fuzz.sh FuzzBlockYAMLIsYAMLv3 ./policies/manifest $(FUZZTIME)
	GO=$(GO) test/tools/fuzz.sh FuzzEvaluatorsAgree ./policies $(FUZZTIME)
	GO=$(GO) test/tools/fuzz.sh FuzzExceptionsWaiveExactlyTheirScope ./policies/config $(FUZZTIME)

## e2e: the end-to-end suites on a real kube-apiserver + etcd with the real kubectl and helm:
## the webhook (test/e2e), the Helm chart with certificate management (test/e2e/chart), and
## faults, hostile input and bypasses (test/e2e/faults), and the chart installed for real on a
## real node (kubelet, containerd, kube-proxy in a network namespace of its own; test/e2e/node),
## the Kubernetes Events read as Argo CD reads them (test/e2e/events),
## and every step of the README's "Writing policies" walkthrough, its cluster's too, on a real
## node (test/e2e/walkthrough). One package at a time: each starts its own control plane, and the load tests need the CPU.
e2e: tools
	$(GO) test -tags e2e -count=1 -p 1 -timeout 40m -v ./test/e2e/...

## bench: benchmarks side by side with a plain OPA server, and podpolicy check side by side with
## conftest (built here from the module proxy); prints one table (see docs/performance.md)
bench: tools
	test/tools/build.sh conftest
	mkdir -p _out
	$(GO) run ./test/bench -out _out/bench.md

## demo: start a local cluster with a real node (or, where the node cannot run, the control plane
## alone) with podpolicy and show it at work (DEMO_EXIT=1 to stop at the end)
demo: tools
	$(GO) run ./test/demo

## lint: gofmt, go vet, opa fmt, opa check --strict, and podpolicy lint of the library (its
## contract with the engine and the bugs of Regal's bugs category)
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [[ -n $$unformatted ]]; then echo "gofmt: needs formatting: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/...
	$(GO) -C test/tools/image vet ./...
	test/tools/build.sh opa
	$(BIN)/opa fmt --fail --list $(REGO)
	$(BIN)/opa check --strict $(REGO)
	$(GO) run ./cmd/podpolicy lint $(REGO)
	@echo "lint: ok"

clean:
	rm -rf $(BIN)/podpolicy _out
