// Package harness runs podpolicy the way the e2e suites, the demo and the benchmarks need it:
// a real kube-apiserver and etcd (built from source into bin/ by `make tools`, started with
// controller-runtime's envtest), the real podpolicy binary serving over TLS with a test CA,
// webhook configurations that point the API server at it by URL, and the real kubectl.
package harness
