package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// Cluster is what the webhooks read from the API server; a nil field turns the feature that
// needs it off.
type Cluster struct {
	// Namespaces reads Namespace labels (podpolicy.io/mode, copied labels).
	Namespaces NamespaceLabels
	// Owners reads the owners of Pods, for exceptions that name a workload.
	Owners OwnerLookup
	// Events are the Events admission emits; the zero value emits none.
	Events Notifications
	// Config returns the config in force: who may change a Namespace's guarded labels
	// (modeAdmins, guardedLabels), and the kinds table (whose controllers' owner references
	// are taken); nil lets no one change podpolicy.io/mode and trusts Kubernetes' own
	// controllers alone.
	Config func() *config.Config
}

// deps are what both webhooks decide with.
type deps struct {
	engine     Engine
	namespaces NamespaceLabels
	owners     OwnerLookup
	config     func() *config.Config
	metrics    *Metrics
	log        logr.Logger
	// events are the Events the validating webhook emits.
	events Notifications
}

// kinds is the kinds table of the config in force: the built-in kinds alone without one.
func (d *deps) kinds() *kinds.Table {
	if d.config != nil {
		if cfg := d.config(); cfg != nil && cfg.Kinds != nil {
			return cfg.Kinds
		}
	}
	return kinds.BuiltinTable()
}

// judgedSubresources are the subresources of pods that change what runs: ephemeral
// containers (kubectl debug) and in-place resizes of resources. Unchecked, each is a bypass.
var judgedSubresources = map[string]bool{"ephemeralcontainers": true, "resize": true}

// validator decides /validate requests.
type validator struct {
	deps
}

// NewValidatingHandler returns the handler of POST /validate.
func NewValidatingHandler(engine Engine, cluster Cluster, metrics *Metrics, log logr.Logger) http.Handler {
	v := &validator{deps: deps{engine: engine, namespaces: cluster.Namespaces, owners: cluster.Owners, config: cluster.Config, metrics: metrics, log: log, events: cluster.Events}}
	return &handler{name: "validate", decide: v.decide, metrics: metrics, log: log}
}

func (v *validator) decide(ctx context.Context, req *admissionRequest) (*admissionv1.AdmissionResponse, outcome, error) {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return nil, outcome{}, badRequest("operation %s is not handled by /validate (CREATE and UPDATE are)", req.Operation)
	}
	if isNamespace(req) {
		return v.guardLabels(req)
	}
	if req.SubResource != "" && (req.Resource.Resource != "pods" || !judgedSubresources[req.SubResource]) {
		return nil, outcome{}, badRequest("subresource %s/%s is not handled by /validate", req.Resource.Resource, req.SubResource)
	}
	if resp := v.guardVerification(req); resp != nil {
		return resp, outcome{decision: decisionDenied, rules: []string{"owner-verification"}}, nil
	}
	chain, chainErr := v.ownerChain(ctx, req)
	verdict, err := v.judge(ctx, req, policies.Validate, names(chain))
	if err != nil {
		return nil, outcome{}, err
	}
	if verdict.OldObjectUnjudged != nil {
		v.log.Info("old object not judged; all violations count as new", "uid", req.UID, "reason", verdict.OldObjectUnjudged.Error())
	}
	if verdict.Exempt {
		return allowed(), outcome{decision: decisionExempt}, nil
	}
	if missing := verdict.Object.NoTemplate; missing != nil {
		// Admitted, as Kubernetes admits it, but never silently: the user reads why nothing was
		// judged (a Rollout's workloadRef names the Deployment that is judged instead).
		resp := allowed()
		resp.Warnings = []string{fmt.Sprintf("podpolicy: %s %s: %s", verdict.Object.Kind, verdict.Object.Name, missing)}
		v.notify(req, verdict, resp, chain, chainErr)
		return resp, outcome{decision: decisionNoTemplate}, nil
	}
	resp, out := v.respond(verdict)
	v.notify(req, verdict, resp, chain, chainErr)
	return resp, out, nil
}

// judge judges a request's object in the context the request gives: its operation,
// namespace (whose labels are read only when the verdict depends on them), old object, and the
// owners verified for it. An object that cannot be judged as written is a bad request.
func (d *deps) judge(ctx context.Context, req *admissionRequest, phases policies.Phase, owners []string) (*policies.Verdict, error) {
	if req.Object == nil {
		return nil, badRequest("request.object is missing")
	}
	verdict, err := d.engine.Judge(ctx, req.Object, policies.Context{
		Operation: string(req.Operation),
		Namespace: req.Namespace,
		NamespaceLabels: func() map[string]string {
			return d.namespaceLabels(ctx, req.Namespace)
		},
		Owners:    owners,
		OldObject: req.OldObject,
		Phases:    phases,
	})
	if errors.Is(err, normalize.ErrUnsupportedKind) {
		return nil, badRequest("kind %s of %s is not handled by podpolicy", req.Kind.Kind, req.Kind.Group+"/"+req.Kind.Version)
	}
	if _, ok := errors.AsType[*normalize.FieldError](err); ok {
		return nil, badRequest("request.object: %v", err)
	}
	return verdict, err
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

func (v *validator) respond(verdict *policies.Verdict) (*admissionv1.AdmissionResponse, outcome) {
	in := verdict.Object
	var warnings, audit []string
	var denials []policies.Violation
	var rules []string
	for i := range verdict.Violations {
		vi := &verdict.Violations[i]
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
	// Warnings and audit entries travel with a denial too: the API server and kubectl print
	// a denied request's warnings, and the user fixing the denial learns what else is coming.
	resp, decision := allowed(), decisionAllowed
	if len(denials) > 0 {
		resp = denied(in.Kind, in.Name, denials, verdict.TemplateChanged)
	}
	resp.Warnings = warnings
	if len(audit) > 0 {
		resp.AuditAnnotations = map[string]string{"violations": strings.Join(audit, "\n")}
	}
	switch {
	case len(denials) > 0:
		decision = decisionDenied
	case len(warnings) > 0:
		decision = decisionWarned
	case len(audit) > 0:
		decision = decisionAudited
	}
	return resp, outcome{decision: decision, rules: rules}
}
