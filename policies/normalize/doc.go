// Package normalize turns a Kubernetes object into the input the policies evaluate, the same
// way for every caller: `podpolicy check` (a manifest turned into JSON), `podpolicy serve`
// (the object of an AdmissionReview) and the background audit (objects read from the API
// server). JSON is decoded once, straight into OPA values (package astjson) with null fields
// and metadata.managedFields left out; NewInput then picks the pod spec out of a workload and
// applies the Kubernetes defaulting the rules depend on. Because there is one path, the CLI
// and the cluster cannot disagree.
package normalize
