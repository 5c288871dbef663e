package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podpolicy/podpolicy/policies"
)

// mirrorPodAnnotation marks the API server's copy of a static Pod, which the kubelet owns:
// changing it would make the kubelet and the API server disagree.
const mirrorPodAnnotation = "kubernetes.io/config.mirror"

// mutator decides /mutate requests.
type mutator struct{ deps }

// NewMutatingHandler returns the handler of POST /mutate.
func NewMutatingHandler(engine Evaluator, cluster Cluster, metrics *Metrics, log logr.Logger) http.Handler {
	m := &mutator{deps{engine: engine, namespaces: cluster.Namespaces, metrics: metrics, log: log}}
	return &handler{name: "mutate", decide: m.decide, metrics: metrics, log: log}
}

func (m *mutator) decide(ctx context.Context, req *admissionRequest) (*admissionv1.AdmissionResponse, outcome, error) {
	if req.Operation != admissionv1.Create || req.Resource.Resource != "pods" || req.SubResource != "" {
		return nil, outcome{}, badRequest("/mutate handles the creation of pods, not %s of %s", req.Operation, resourceName(req))
	}
	in, err := normalise(req.Object, "object", req)
	if err != nil {
		return nil, outcome{}, err
	}
	if in.Kind != "Pod" {
		return nil, outcome{}, badRequest("/mutate handles Pods, not %s", in.Kind)
	}
	if annotations, _ := in.PodMetadata("annotations").(ast.Object); annotations != nil && annotations.Get(ast.InternedTerm(mirrorPodAnnotation)) != nil {
		return allowed(), outcome{decision: decisionAllowed}, nil
	}
	in.NamespaceLabels = m.namespaceLabels(ctx, req.Namespace)
	result, err := m.engine.Evaluate(ctx, in, policies.Mutate)
	if err != nil {
		return nil, outcome{}, err
	}
	if result.Exempt {
		return allowed(), outcome{decision: decisionExempt}, nil
	}
	ops := result.Patch()
	if len(ops) == 0 {
		return allowed(), outcome{decision: decisionAllowed}, nil
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return nil, outcome{}, fmt.Errorf("encode patch: %w", err)
	}
	var rules []string
	for _, mu := range result.Mutations {
		rules = append(rules, mu.Rule)
	}
	resp := allowed()
	patchType := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &patchType
	return resp, outcome{decision: decisionMutated, rules: rules}, nil
}

func resourceName(req *admissionRequest) string {
	if req.SubResource != "" {
		return req.Resource.Resource + "/" + req.SubResource
	}
	return req.Resource.Resource
}
