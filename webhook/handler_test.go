package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// fakeEngine answers with canned results, chosen by the Pod's first image. It normalises the
// object as the real engine does (a malformed one is its error, before any evaluation), and
// records the context of its last call, reading the namespace's labels.
type fakeEngine struct {
	results map[string]*policies.Result
	err     error
	// calls counts evaluations: objects normalised without error.
	calls  int
	last   policies.Context
	labels map[string]string
}

func (f *fakeEngine) Judge(_ context.Context, obj ast.Object, c policies.Context) (*policies.Verdict, error) {
	ins, err := normalize.NewInputs(obj, c.Operation, kinds.BuiltinTable())
	if err != nil {
		return nil, err
	}
	in := ins[0]
	f.calls++
	f.last = c
	if c.NamespaceLabels != nil {
		f.labels = c.NamespaceLabels()
	}
	if f.err != nil {
		return nil, f.err
	}
	image := in.Pod.Get(ast.StringTerm("spec")).Value.(ast.Object).Get(ast.StringTerm("containers")).Value.(*ast.Array).
		Elem(0).Value.(ast.Object).Get(ast.StringTerm("image")).Value.(ast.String)
	verdict := &policies.Verdict{Object: in}
	if r, ok := f.results[string(image)]; ok {
		verdict.Result = *r
	}
	return verdict, nil
}

type fakeNamespaces map[string]map[string]string

func (f fakeNamespaces) Labels(_ context.Context, ns string) (map[string]string, error) {
	labels, ok := f[ns]
	if !ok {
		return nil, errors.New("not found")
	}
	return labels, nil
}

var (
	denyImage = policies.Violation{Rule: "image-tag-pinned", Action: policies.Deny, Container: "web", Path: "spec.containers[0].image", Message: "bad", Remediation: "pin it"}
	denyProbe = policies.Violation{Rule: "probes-required", Action: policies.Deny, Container: "web", Path: "spec.containers[0].livenessProbe", Message: "no probe", Remediation: "add one"}
	warnShare = policies.Violation{Rule: "share-process-namespace", Action: policies.Warn, Path: "spec.shareProcessNamespace", Message: "shared", Remediation: "remove it"}
	auditHost = policies.Violation{Rule: "host-ports", Action: policies.Audit, Path: "spec.containers[0].ports[0].hostPort", Message: "host port", Remediation: "remove it"}
)

func pod(image string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "web"},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "image": image}}}}
}

func reviewBody(t *testing.T, op string, namespace string, obj, old any) []byte {
	t.Helper()
	req := map[string]any{
		"uid": "u-1", "operation": op, "namespace": namespace, "name": "web",
		"kind":     map[string]any{"version": "v1", "kind": "Pod"},
		"resource": map[string]any{"version": "v1", "resource": "pods"},
		"object":   obj,
	}
	if old != nil {
		req["oldObject"] = old
	}
	body, err := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func serve(t *testing.T, h http.Handler, body []byte) (int, *admissionv1.AdmissionResponse) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil {
		t.Fatalf("response is not an AdmissionReview: %v: %s", err, rec.Body.String())
	}
	return rec.Code, review.Response
}

func TestValidateMapsOutcomesToResponses(t *testing.T) {
	engine := &fakeEngine{results: map[string]*policies.Result{
		"deny":   {Violations: []policies.Violation{denyImage, denyProbe, warnShare}},
		"warn":   {Violations: []policies.Violation{warnShare}},
		"audit":  {Violations: []policies.Violation{auditHost}},
		"exempt": {Exempt: true},
	}}
	namespaces := fakeNamespaces{"shop": {}, "soft": {ModeLabel: "warn"}, "quiet": {ModeLabel: "audit"}}
	h := NewValidatingHandler(engine, Cluster{Namespaces: namespaces}, nil, logr.Discard())

	status, resp := serve(t, h, reviewBody(t, "CREATE", "shop", pod("deny"), nil))
	if status != 200 || resp.Allowed || resp.Result.Code != 403 || resp.UID != "u-1" {
		t.Fatalf("deny: %d %+v", status, resp)
	}
	lines := strings.Split(resp.Result.Message, "\n")
	if lines[0] != `podpolicy: Pod "web" breaks 2 rules:` || lines[1] != denyImage.String() || lines[2] != denyProbe.String() || len(lines) != 3 {
		t.Errorf("deny message:\n%s", resp.Result.Message)
	}
	if len(resp.Warnings) != 1 || resp.Warnings[0] != `Pod "web": `+warnShare.String() {
		t.Errorf("a denial dropped the object's warnings: %q", resp.Warnings)
	}

	_, resp = serve(t, h, reviewBody(t, "CREATE", "shop", pod("warn"), nil))
	if !resp.Allowed || len(resp.Warnings) != 1 || resp.Warnings[0] != `Pod "web": `+warnShare.String() {
		t.Errorf("warn: %+v", resp)
	}
	_, resp = serve(t, h, reviewBody(t, "CREATE", "shop", pod("audit"), nil))
	if !resp.Allowed || len(resp.Warnings) != 0 || resp.AuditAnnotations["violations"] != `Pod "web": `+auditHost.String() {
		t.Errorf("audit: %+v", resp)
	}
	// The engine applies a namespace's mode (policies' TestNamespaceModeSoftensViolations);
	// the handler hands it the request's namespace and that namespace's labels, and none when
	// the lookup fails.
	serve(t, h, reviewBody(t, "CREATE", "soft", pod("deny"), nil))
	if engine.last.Namespace != "soft" || engine.labels[ModeLabel] != "warn" {
		t.Errorf("warn-mode namespace: the engine got namespace %q with labels %v", engine.last.Namespace, engine.labels)
	}
	serve(t, h, reviewBody(t, "CREATE", "unknown", pod("deny"), nil))
	if engine.labels != nil {
		t.Errorf("a failed namespace lookup gave the engine labels %v", engine.labels)
	}
	_, resp = serve(t, h, reviewBody(t, "CREATE", "shop", pod("exempt"), nil))
	if !resp.Allowed || resp.Result != nil {
		t.Errorf("exempt: %+v", resp)
	}
}

func TestValidateHandsTheUpdateToTheEngine(t *testing.T) {
	engine := &fakeEngine{}
	h := NewValidatingHandler(engine, Cluster{}, nil, logr.Discard())
	old := pod("old")
	serve(t, h, reviewBody(t, "UPDATE", "shop", pod("same"), old))
	if engine.last.Operation != "UPDATE" || engine.last.OldObject == nil || engine.last.Phases != policies.Validate {
		t.Errorf("the engine judged the update in context %+v", engine.last)
	}
}

func TestEngineErrorFailsTheCall(t *testing.T) {
	h := NewValidatingHandler(&fakeEngine{err: context.DeadlineExceeded}, Cluster{}, nil, logr.Discard())
	status, resp := serve(t, h, reviewBody(t, "CREATE", "shop", pod("x"), nil))
	if status != http.StatusInternalServerError || resp.Allowed || resp.Result.Code != 500 {
		t.Errorf("engine error answered %d %+v; want HTTP 500 so failurePolicy decides", status, resp)
	}
}

func TestBadRequestsAreNeverEvaluated(t *testing.T) {
	engine := &fakeEngine{}
	h := NewValidatingHandler(engine, Cluster{}, nil, logr.Discard())
	for _, body := range [][]byte{
		[]byte("{"),
		[]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}`),
		reviewBody(t, "CONNECT", "shop", pod("x"), nil),
		reviewBody(t, "CREATE", "shop", nil, nil),
		reviewBody(t, "CREATE", "shop", map[string]any{"kind": "Pod", "apiVersion": "v1", "spec": []any{}}, nil),
	} {
		status, resp := serve(t, h, body)
		if status != http.StatusBadRequest || resp.Allowed || resp.Result.Code != 400 || resp.Result.Message == "" {
			t.Errorf("%s: answered %d %+v", body, status, resp)
		}
	}
	if engine.calls != 0 {
		t.Errorf("the engine was called %d times for bad requests", engine.calls)
	}
}

func TestMutateReturnsAJSONPatch(t *testing.T) {
	ops := []policies.PatchOperation{{Op: "add", Path: "/metadata/labels/team", Value: "payments"}}
	engine := &fakeEngine{results: map[string]*policies.Result{"app:1": {Mutations: []policies.Mutation{{Rule: "inject-labels", Patch: ops}}}}}
	h := NewMutatingHandler(engine, Cluster{Namespaces: fakeNamespaces{"shop": {"team": "payments"}}}, nil, logr.Discard())
	_, resp := serve(t, h, reviewBody(t, "CREATE", "shop", pod("app:1"), nil))
	if !resp.Allowed || resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch ||
		string(resp.Patch) != `[{"op":"add","path":"/metadata/labels/team","value":"payments"}]` {
		t.Errorf("mutate: %+v patch %s", resp, resp.Patch)
	}
	if engine.last.Phases != policies.Mutate || engine.labels["team"] != "payments" {
		t.Errorf("the engine mutated in context %+v with labels %v", engine.last, engine.labels)
	}
}

// TestTemplateChangeDenialSaysThePodsItRollsOutWouldBreak: the denial of an update judged in
// full because it changes a workload's pod template says why, and names the ways out.
func TestTemplateChangeDenialSaysThePodsItRollsOutWouldBreak(t *testing.T) {
	engine := rolloutEngine{}
	h := NewValidatingHandler(engine, Cluster{}, nil, logr.Discard())
	_, resp := serve(t, h, reviewBody(t, "UPDATE", "shop", pod("x"), pod("x")))
	lines := strings.Split(resp.Result.Message, "\n")
	if resp.Allowed || len(lines) != 3 || lines[0] != `podpolicy: Deployment "web" breaks 1 rule:` || lines[2] != denyImage.String() ||
		lines[1] != `this update changes the pod template, so the Pods it rolls out would break these rules and be denied when the controller creates them; fix them, add an exception naming Deployment "web" to podpolicy's config (exceptions:), or set the rules to warn with an enforceFrom date while you fix them (rules: in podpolicy's config)` {
		t.Errorf("denial of a template change:\n%s", resp.Result.Message)
	}
}

// rolloutEngine judges every object a Deployment whose template changed and breaks a rule.
type rolloutEngine struct{}

func (rolloutEngine) Judge(_ context.Context, _ ast.Object, _ policies.Context) (*policies.Verdict, error) {
	return &policies.Verdict{
		Object:          &normalize.Input{Kind: "Deployment", Name: "web"},
		Result:          policies.Result{Violations: []policies.Violation{denyImage}},
		TemplateChanged: true,
	}, nil
}
