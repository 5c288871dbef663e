// Package webhook serves podpolicy's admission webhooks: POST /validate checks Pods, their
// ephemeral containers and the pod templates of workloads; POST /mutate adds labels and the
// default-container annotation to new Pods.
//
// A handler is decode → evaluate → translate: it decodes the AdmissionReview once, normalises
// the object with normalize.NewInput and asks an Evaluator, then maps the outcome to a response
// by a fixed table: a request it cannot judge is a 400, an evaluation failure a 500 (so the
// webhook's failurePolicy decides), violations a 403 carrying every reason, and otherwise an
// admission with warnings or a JSON patch.
package webhook
