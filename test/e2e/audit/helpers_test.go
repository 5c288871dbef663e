//go:build e2e

package audit

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

func kubectl(t *testing.T, args ...string) harness.Result { return suite.Kubectl(t, args...) }

// container is a container that passes every rule; readOnlyRoot false breaks
// security-read-only-root-filesystem only.
func container(name, image string, readOnlyRoot bool) map[string]any {
	return map[string]any{
		"name": name, "image": image,
		"ports":          []any{map[string]any{"name": "http", "containerPort": 8080}},
		"resources":      map[string]any{"requests": map[string]any{"cpu": "50m", "memory": "32Mi"}, "limits": map[string]any{"cpu": "100m", "memory": "64Mi"}},
		"livenessProbe":  map[string]any{"httpGet": map[string]any{"path": "/healthz", "port": "http"}},
		"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/ready", "port": "http"}},
		"securityContext": map[string]any{
			"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": readOnlyRoot,
			"capabilities": map[string]any{"drop": []any{"ALL"}},
		},
	}
}

// podSpec is a pod spec of one container, with the pod-level security every rule wants.
func podSpec(restartPolicy string, c map[string]any) map[string]any {
	spec := map[string]any{
		"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
		"containers":      []any{c},
	}
	if restartPolicy != "" {
		spec["restartPolicy"] = restartPolicy
	}
	return spec
}

func template(app string, spec map[string]any) map[string]any {
	return map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": app}}, "spec": spec}
}

func object(apiVersion, kind, ns, name string, spec map[string]any) map[string]any {
	return map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}
}

// apply applies objects as the user would, with kubectl, failing the test if one is refused.
func apply(t *testing.T, objects ...map[string]any) harness.Result {
	t.Helper()
	items := make([]any, len(objects))
	for i, o := range objects {
		items[i] = o
	}
	r := kubectl(t, "apply", "-f", harness.WriteJSON(t, map[string]any{"apiVersion": "v1", "kind": "List", "items": items}))
	if r.ExitCode != 0 {
		t.Fatalf("kubectl apply: %s", r.Output())
	}
	return r
}

// reports returns the Reports of a namespace, by name, read with kubectl.
func reports(t *testing.T, ns string) map[string]reportsv1alpha1.Report {
	t.Helper()
	r := kubectl(t, "get", "reports.openreports.io", "-n", ns, "-o", "json")
	if r.ExitCode != 0 {
		t.Fatalf("kubectl get reports: %s", r.Output())
	}
	var list reportsv1alpha1.ReportList
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("decode the Reports: %v", err)
	}
	out := map[string]reportsv1alpha1.Report{}
	for _, rep := range list.Items {
		out[rep.Name] = rep
	}
	return out
}

// metric returns the value of one sample of w's metrics, or -1 when absent.
func metric(t *testing.T, w *harness.Webhook, sample string) float64 {
	t.Helper()
	value, ok := w.Metric(t, sample)
	if !ok {
		return -1
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		t.Fatalf("metric %s %s: %v", sample, value, err)
	}
	return v
}

// waitFor polls cond until it holds, failing the test with what after timeout.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// auditsDone counts the complete audits in w's log.
func auditsDone(w *harness.Webhook) int { return strings.Count(w.Log(), `"audit done"`) }

// waitForAudits waits until n more audits than seen have completed.
func waitForAudits(t *testing.T, w *harness.Webhook, n int) {
	t.Helper()
	want := auditsDone(w) + n
	waitFor(t, "audits", 60*time.Second, func() bool { return auditsDone(w) >= want })
}

// podpolicy runs the suite's podpolicy binary.
func podpolicy(args ...string) harness.Result {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return harness.Command(ctx, suite.Binary, args...)
}

func testdata(name string) string {
	path, _ := filepath.Abs(filepath.Join("testdata", name))
	return path
}

// installedWebhook starts podpolicy with config and args, registers its webhooks (failing
// closed) and, when the test ends, unregisters and stops it, logging its last lines and those
// of also (more logs to show, such as a controller's) if the test failed.
func installedWebhook(t *testing.T, config string, args []string, also ...func() string) *harness.Webhook {
	t.Helper()
	ctx := context.Background()
	w, err := suite.StartWebhook(ctx, harness.WebhookOptions{ConfigFile: config, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("podpolicy log:\n%s", w.LogTail(40))
			for _, log := range also {
				t.Logf("%s", log())
			}
		}
		_ = cp.UninstallWebhooks(ctx)
		_ = w.Stop()
	})
	if err := cp.InstallWebhooks(ctx, w, admissionregistrationv1.Fail); err != nil {
		t.Fatal(err)
	}
	return w
}
