// Module crds pins third-party CustomResourceDefinitions the chart tests install into the
// local API server, so it validates every object the chart renders. Nothing imports these
// modules: the tests read the CRD files from the module cache (go mod download -json), so do
// not run go mod tidy here.
module github.com/podpolicy/podpolicy/test/tools/crds

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
