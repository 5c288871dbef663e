package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// Cluster is what the webhooks read from the API server; a nil field turns the feature that
// needs it off.
type Cluster struct {
	// Namespaces reads Namespace labels (podpolicy.io/mode, copied labels).
	Namespaces NamespaceLabels
	// Owners reads the owners of Pods, for exceptions that name a workload.
	Owners OwnerLookup
	// ModeAdmins returns who may change a Namespace's podpolicy.io/mode label (the config in
	// force); nil lets no one.
	ModeAdmins func() policies.Identities
}

// deps are what both webhooks decide with.
type deps struct {
	engine     Evaluator
	namespaces NamespaceLabels
	owners     OwnerLookup
	metrics    *Metrics
	log        logr.Logger
}

// judgedSubresources are the subresources of pods that change what runs: ephemeral
// containers (kubectl debug) and in-place resizes of resources. Unchecked, each is a bypass.
var judgedSubresources = map[string]bool{"ephemeralcontainers": true, "resize": true}

// validator decides /validate requests.
type validator struct {
	deps
	modeAdmins func() policies.Identities
}

// NewValidatingHandler returns the handler of POST /validate.
func NewValidatingHandler(engine Evaluator, cluster Cluster, metrics *Metrics, log logr.Logger) http.Handler {
	v := &validator{deps: deps{engine: engine, namespaces: cluster.Namespaces, owners: cluster.Owners, metrics: metrics, log: log}, modeAdmins: cluster.ModeAdmins}
	return &handler{name: "validate", decide: v.decide, metrics: metrics, log: log}
}

func (v *validator) decide(ctx context.Context, req *admissionRequest) (*admissionv1.AdmissionResponse, outcome, error) {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return nil, outcome{}, badRequest("operation %s is not handled by /validate (CREATE and UPDATE are)", req.Operation)
	}
	if isNamespace(req) {
		return v.guardMode(req)
	}
	if req.SubResource != "" && (req.Resource.Resource != "pods" || !judgedSubresources[req.SubResource]) {
		return nil, outcome{}, badRequest("subresource %s/%s is not handled by /validate", req.Resource.Resource, req.SubResource)
	}
	in, err := normalise(req.Object, "object", req)
	if err != nil {
		return nil, outcome{}, err
	}
	if deleting(in) {
		return allowed(), outcome{decision: decisionAllowed}, nil
	}
	in.Owners = v.ownerNames(ctx, req, in)
	result, err := v.engine.Evaluate(ctx, in, policies.Validate)
	if err != nil {
		return nil, outcome{}, err
	}
	if result.Exempt {
		return allowed(), outcome{decision: decisionExempt}, nil
	}
	violations := result.Violations
	if req.Operation == admissionv1.Update && len(violations) > 0 {
		if violations, err = v.onlyNew(ctx, req, violations); err != nil {
			return nil, outcome{}, err
		}
	}
	if len(violations) > 0 {
		violations = policies.Soften(violations, v.namespaceLabels(ctx, req.Namespace)[ModeLabel])
	}
	return v.respond(req, in, violations)
}

// onlyNew drops the violations the old object already had: an update is judged on what it
// changes, so a controller can still add a finalizer or a label to a Pod admitted before a
// rule existed, while an update that introduces a violation (an image moved to :latest) is
// denied.
func (v *validator) onlyNew(ctx context.Context, req *admissionRequest, violations []policies.Violation) ([]policies.Violation, error) {
	if req.OldObject == nil {
		return violations, nil
	}
	old, err := normalise(req.OldObject, "oldObject", req)
	if err != nil {
		v.log.Info("old object not judged; all violations count as new", "uid", req.UID, "reason", err.Error())
		return violations, nil
	}
	old.Owners = v.ownerNames(ctx, req, old)
	before, err := v.engine.Evaluate(ctx, old, policies.Validate)
	if err != nil {
		return nil, fmt.Errorf("evaluate old object: %w", err)
	}
	existing := make(map[policies.Violation]bool, len(before.Violations))
	for _, b := range before.Violations {
		existing[b] = true
	}
	var fresh []policies.Violation
	for _, nv := range violations {
		if !existing[nv] {
			fresh = append(fresh, nv)
		}
	}
	return fresh, nil
}

// namespaceLabels returns the labels of a namespace; nil when they cannot be known. A failed
// lookup is logged and counted, and the request is then judged as in an unlabelled namespace
// (enforcing).
func (d *deps) namespaceLabels(ctx context.Context, namespace string) map[string]string {
	if d.namespaces == nil || namespace == "" {
		return nil
	}
	labels, err := d.namespaces.Labels(ctx, namespace)
	if err != nil {
		d.log.Error(err, "namespace lookup failed; judging without namespace labels", "namespace", namespace)
		if d.metrics != nil {
			d.metrics.NamespaceErr.Inc()
		}
	}
	return labels
}

func (v *validator) respond(req *admissionRequest, in *normalize.Input, violations []policies.Violation) (*admissionv1.AdmissionResponse, outcome, error) {
	var warnings, audit []string
	var denials []policies.Violation
	var rules []string
	for i := range violations {
		vi := &violations[i]
		if v.metrics != nil {
			v.metrics.Violations.WithLabelValues(vi.Rule, string(vi.Action)).Inc()
		}
		if !slices.Contains(rules, vi.Rule) {
			rules = append(rules, vi.Rule)
		}
		switch vi.Action {
		case policies.Deny:
			denials = append(denials, *vi)
		case policies.Warn:
			if len(warnings) < maxListed {
				warnings = append(warnings, objectLine(in.Kind, in.Name, vi))
			}
		case policies.Audit:
			audit = append(audit, objectLine(in.Kind, in.Name, vi))
		}
	}
	if len(denials) > 0 {
		return denied(in.Kind, in.Name, denials), outcome{decision: decisionDenied, rules: rules}, nil
	}
	resp := allowed()
	resp.Warnings = warnings
	if len(audit) > 0 {
		resp.AuditAnnotations = map[string]string{"violations": strings.Join(audit, "\n")}
	}
	decision := decisionAllowed
	switch {
	case len(warnings) > 0:
		decision = decisionWarned
	case len(audit) > 0:
		decision = decisionAudited
	}
	return resp, outcome{decision: decision, rules: rules}, nil
}

// normalise builds the Input of a request object. The namespace of the request is
// authoritative: the object may not carry one.
func normalise(obj ast.Object, field string, req *admissionRequest) (*normalize.Input, error) {
	if obj == nil {
		return nil, badRequest("request.%s is missing", field)
	}
	in, err := normalize.NewInput(obj, string(req.Operation))
	if errors.Is(err, normalize.ErrUnsupportedKind) {
		return nil, badRequest("kind %s of %s is not handled by podpolicy", req.Kind.Kind, req.Kind.Group+"/"+req.Kind.Version)
	}
	if err != nil {
		return nil, badRequest("request.%s: %v", field, err)
	}
	in.Namespace = req.Namespace
	return in, nil
}

// deleting reports whether a Pod is being deleted: nothing it carries can still change what
// runs, and denying its updates would only block its finalizers.
func deleting(in *normalize.Input) bool {
	if in.Kind != "Pod" {
		return false
	}
	return in.PodMetadata("deletionTimestamp") != nil
}
