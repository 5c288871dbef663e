//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/test/harness"
)

// TestServeRunsTheWalkPolicyIdenticallyOnBothEvaluators: podpolicy serve with a policy
// directory whose rule is built on walk denies a Deployment with two privileged containers
// naming both, with the default (compiled) evaluator and with topdown, in the same words; and
// its metrics say which evaluator runs.
func TestServeRunsTheWalkPolicyIdenticallyOnBothEvaluators(t *testing.T) {
	dir, err := filepath.Abs("../../policies/testdata/policy-walk")
	if err != nil {
		t.Fatal(err)
	}
	deployment := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers":     []any{map[string]any{"name": "a", "image": "registry.example.com/a:1.0", "securityContext": map[string]any{"privileged": true}}},
			"initContainers": []any{map[string]any{"name": "b", "image": "registry.example.com/b:1.0"}, map[string]any{"name": "c", "image": "registry.example.com/c:1.0", "securityContext": map[string]any{"privileged": true}}},
		}}}}
	request := podRequest("CREATE", deployment)
	request["kind"] = map[string]any{"group": "apps", "version": "v1", "kind": "Deployment"}
	request["resource"] = map[string]any{"group": "apps", "version": "v1", "resource": "deployments"}
	body := review(request)

	messages := map[string]string{}
	for _, evaluator := range []string{"auto", "topdown"} {
		w, err := suite.StartWebhook(context.Background(), harness.WebhookOptions{PolicyDirs: []string{dir}, Args: []string{"--evaluator", evaluator}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := w.Client().Post(w.URL("/validate"), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Response struct {
				Allowed bool
				Status  struct{ Message string }
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || out.Response.Allowed {
			t.Fatalf("%s: %v, response %+v", evaluator, err, out.Response)
		}
		mustContain(t, evaluator+" denial", out.Response.Status.Message,
			"[privileged-anywhere] privileged is true (spec.template.spec.containers[0].securityContext.privileged)",
			"[privileged-anywhere] privileged is true (spec.template.spec.initContainers[1].securityContext.privileged)")
		messages[evaluator] = out.Response.Status.Message

		metrics, err := w.Client().Get(w.MetricsURL())
		if err != nil {
			t.Fatal(err)
		}
		text, _ := io.ReadAll(metrics.Body)
		metrics.Body.Close()
		running := map[string]string{"auto": "compiled", "topdown": "topdown"}[evaluator]
		mustContain(t, evaluator+" metrics", string(text), `podpolicy_policy_evaluator{evaluator="`+running+`"} 1`)
		mustContain(t, evaluator+" log", w.Log(), `"evaluator":"`+running+`"`)
		if err := w.Stop(); err != nil {
			t.Error(err)
		}
	}
	if messages["auto"] != messages["topdown"] {
		t.Errorf("the denials differ:\ncompiled: %s\n topdown: %s", messages["auto"], messages["topdown"])
	}
}
