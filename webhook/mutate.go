package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podpolicy/podpolicy/policies"
)

// mutator decides /mutate requests.
type mutator struct{ deps }

// NewMutatingHandler returns the handler of POST /mutate.
func NewMutatingHandler(engine Engine, cluster Cluster, metrics *Metrics, log logr.Logger) http.Handler {
	m := &mutator{deps{engine: engine, namespaces: cluster.Namespaces, owners: cluster.Owners, config: cluster.Config, metrics: metrics, log: log}}
	return &handler{name: "mutate", decide: m.decide, metrics: metrics, log: log}
}

func (m *mutator) decide(ctx context.Context, req *admissionRequest) (*admissionv1.AdmissionResponse, outcome, error) {
	if req.Operation != admissionv1.Create || req.Resource.Resource != "pods" || req.SubResource != "" {
		return nil, outcome{}, badRequest("/mutate handles the creation of pods, not %s of %s", req.Operation, resourceName(req))
	}
	owners := m.ownerNames(ctx, req)
	result, err := m.judge(ctx, req, policies.Mutate, owners)
	if err != nil {
		return nil, outcome{}, err
	}
	if result.Object.Kind != "Pod" {
		return nil, outcome{}, badRequest("/mutate handles Pods, not %s", result.Object.Kind)
	}
	if result.Exempt {
		return allowed(), outcome{decision: decisionExempt}, nil
	}
	ops := result.Patch()
	var rules []string
	for _, mu := range result.Mutations {
		rules = append(rules, mu.Rule)
	}
	if op := verification(req, m.kinds(), owners, ops); op != nil {
		ops = append(ops, *op)
		rules = append(rules, "owner-verification")
	}
	if len(ops) == 0 {
		return allowed(), outcome{decision: decisionAllowed}, nil
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return nil, outcome{}, fmt.Errorf("encode patch: %w", err)
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
