//go:build e2e

package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// validationRules is the number of podpolicy's built-in validation rules (DESIGN §2): a
// Report's summary counts as passed each one without a result.
const validationRules = 24

const rule = "security-read-only-root-filesystem"

// owner is a top owner the test creates, with what its Report must say.
type owner struct {
	kind, name string
	// fails are the containers security-read-only-root-filesystem fails.
	fails []string
}

func (o owner) report() string { return "podpolicy-" + strings.ToLower(o.kind) + "-" + o.name }

// TestBackgroundAuditReportsPerTopOwner creates Deployments, a DaemonSet, a CronJob (with a Job
// created from it) and bare Pods while security-read-only-root-filesystem only audits, lets the
// real controllers create their Pods, and reads what serve's background audit wrote: one Report
// per top owner and none per ReplicaSet, Job or Pod, with the results, scope and summary the
// rule's definition gives, metrics that match, a Report of another tool left alone, and nothing
// written by an audit of an unchanged cluster. `podpolicy audit` then previews the stricter
// config without changing anything, and fixing a workload clears its Report in the next run.
func TestBackgroundAuditReportsPerTopOwner(t *testing.T) {
	ctx := context.Background()
	w := installedWebhook(t, testdata("audit-config.yaml"), []string{"--audit-interval=2s", "--audit-lease-namespace=" + leaseNamespace, "--audit-page-size=3"})
	ns := suite.Namespace(t, nil)

	writable := func(name string) map[string]any {
		return container(name, "registry.example.com/shop/"+name+":2.1.0", false)
	}
	readOnly := func(name string) map[string]any {
		return container(name, "registry.example.com/shop/"+name+":2.1.0", true)
	}
	jobTemplate := map[string]any{"spec": map[string]any{"backoffLimit": 0, "template": template("nightly", podSpec("Never", writable("report")))}}
	apply(t,
		// Recreate, so that once the template is fixed no Pod of the old one is left: no
		// kubelet makes the new Pods ready, which a rolling update would wait for.
		object("apps/v1", "Deployment", ns, "web", map[string]any{
			"replicas": 2, "strategy": map[string]any{"type": "Recreate"},
			"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}}, "template": template("web", podSpec("", writable("web"))),
		}),
		object("apps/v1", "Deployment", ns, "api", map[string]any{
			"replicas": 2, "selector": map[string]any{"matchLabels": map[string]any{"app": "api"}}, "template": template("api", podSpec("", readOnly("api"))),
		}),
		object("apps/v1", "DaemonSet", ns, "agent", map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "agent"}}, "template": template("agent", podSpec("", writable("agent"))),
		}),
		object("batch/v1", "CronJob", ns, "nightly", map[string]any{"schedule": "0 3 * * *", "suspend": true, "jobTemplate": jobTemplate}),
		map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "lonely", "namespace": ns}, "spec": podSpec("", writable("lonely"))},
		map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "tidy", "namespace": ns}, "spec": podSpec("", readOnly("tidy"))},
	)
	if r := kubectl(t, "create", "job", "nightly-manual", "--from=cronjob/nightly", "-n", ns); r.ExitCode != 0 {
		t.Fatalf("kubectl create job --from=cronjob/nightly: %s", r.Output())
	}
	// A Report of another tool, even one carrying podpolicy's label, is never touched.
	apply(t, map[string]any{
		"apiVersion": "openreports.io/v1alpha1", "kind": "Report",
		"metadata": map[string]any{"name": "scanner-web", "namespace": ns, "labels": map[string]any{"app.kubernetes.io/managed-by": "podpolicy"}},
		"source":   "image-scanner",
		"scope":    map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": ns},
		"summary":  map[string]any{"pass": 1},
	})
	foreign := reports(t, ns)["scanner-web"].ResourceVersion

	// 2 web + 2 api + 2 agent (the harness's two nodes) + 1 nightly-manual + 2 bare Pods.
	waitFor(t, "the controllers' Pods", 100*time.Second, func() bool {
		list, err := cp.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 9
	})

	owners := []owner{
		{"Deployment", "web", []string{"web"}},
		{"Deployment", "api", nil},
		{"DaemonSet", "agent", []string{"agent"}},
		{"CronJob", "nightly", []string{"report"}},
		{"Pod", "lonely", []string{"lonely"}},
		{"Pod", "tidy", nil},
	}
	// The audit that follows the last Pod's creation has judged them all.
	waitForAudits(t, w, 2)
	got := reports(t, ns)
	var names []string
	for name := range got {
		names = append(names, name)
	}
	want := []string{"scanner-web"}
	for _, o := range owners {
		want = append(want, o.report())
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("Reports in %s: %v\nwant one per top owner (and the other tool's): %v", ns, names, want)
	}
	fails := 0
	for _, o := range owners {
		checkReport(t, ns, o, got[o.report()])
		fails += len(o.fails)
	}
	t.Logf("%d Reports, one per top owner; none per ReplicaSet, Job or Pod", len(owners))

	// The metrics are those of the last complete run, and match the Reports.
	sample := fmt.Sprintf(`podpolicy_audit_violations{action="audit",namespace=%q,rule=%q}`, ns, rule)
	if v := metric(t, w, sample); v != float64(fails) {
		t.Errorf("%s = %v, want %d, the failures of the Reports", sample, v, fails)
	}
	// Judged: the templates of the 4 workloads, the 2 bare Pods, and the 7 Pods the controllers
	// created (to find any that differ from their template); no other namespace holds any.
	if v := metric(t, w, "podpolicy_audit_objects"); v != 13 {
		t.Errorf("podpolicy_audit_objects = %v, want the 13 objects of %s", v, ns)
	}
	if v := metric(t, w, "podpolicy_audit_last_success_timestamp_seconds"); v < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("podpolicy_audit_last_success_timestamp_seconds = %v, not within the last minute", v)
	}

	// An unchanged cluster: the next audits write nothing.
	written := metric(t, w, "podpolicy_audit_reports_written_total")
	waitForAudits(t, w, 2)
	if again := metric(t, w, "podpolicy_audit_reports_written_total"); again != written {
		t.Errorf("audits of an unchanged cluster wrote %v Reports", again-written)
	}
	// The last of them kept the verdicts of the one before: every Pod's at least, since without
	// a kubelet nothing writes a Pod after its creation (a workload's status may still move).
	if v := metric(t, w, "podpolicy_audit_verdicts_reused"); v < 9 || v > 13 {
		t.Errorf("podpolicy_audit_verdicts_reused = %v after audits of an unchanged cluster, want the 9 Pods' and at most the 13 objects'", v)
	} else {
		t.Logf("an audit of the unchanged cluster kept %v of the 13 verdicts", v)
	}
	after := reports(t, ns)
	for name, rep := range got {
		if after[name].ResourceVersion != rep.ResourceVersion {
			t.Errorf("Report %s was rewritten by an audit of an unchanged cluster", name)
		}
	}
	if after["scanner-web"].ResourceVersion != foreign {
		t.Errorf("the Report of source image-scanner was changed")
	}

	previewStricterConfig(t, ns, owners, after)

	// Fix the Deployment: the next run finds nothing to report on it.
	fixed := object("apps/v1", "Deployment", ns, "web", map[string]any{
		"replicas": 2, "strategy": map[string]any{"type": "Recreate"},
		"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}}, "template": template("web", podSpec("", readOnly("web"))),
	})
	apply(t, fixed)
	waitFor(t, "the fixed Deployment's Report", 60*time.Second, func() bool {
		rep := reports(t, ns)["podpolicy-deployment-web"]
		return rep.Summary.Fail == 0 && len(rep.Results) == 0
	})
	waitFor(t, "the metric after the fix", 30*time.Second, func() bool { return metric(t, w, sample) == float64(fails-1) })
	t.Logf("fixing Deployment web cleared its Report in the next run; %s = %d", sample, fails-1)

	// An owner gone: its Report goes with it.
	if r := kubectl(t, "delete", "pod", "lonely", "-n", ns); r.ExitCode != 0 {
		t.Fatalf("delete pod lonely: %s", r.Output())
	}
	waitFor(t, "the Report of the deleted Pod lonely to go", 60*time.Second, func() bool {
		_, ok := reports(t, ns)["podpolicy-pod-lonely"]
		return !ok
	})
}

// checkReport checks one owner's Report against the rule's definition: a fail per container
// without a read-only root filesystem, with its path, container and fix; scope and owner
// reference the owner; the summary counts the fails and the rules passed.
func checkReport(t *testing.T, ns string, o owner, rep reportsv1alpha1.Report) {
	t.Helper()
	uid := ownerUID(t, ns, o)
	if rep.Scope == nil || rep.Scope.Kind != o.kind || rep.Scope.Name != o.name || string(rep.Scope.UID) != uid {
		t.Errorf("%s: scope %+v, want %s %s (uid %s)", rep.Name, rep.Scope, o.kind, o.name, uid)
	}
	if len(rep.OwnerReferences) != 1 || string(rep.OwnerReferences[0].UID) != uid {
		t.Errorf("%s: ownerReferences %+v, want its owner's", rep.Name, rep.OwnerReferences)
	}
	if rep.Source != "podpolicy" || rep.Labels["app.kubernetes.io/managed-by"] != "podpolicy" {
		t.Errorf("%s: source %q, labels %v", rep.Name, rep.Source, rep.Labels)
	}
	wantSummary := reportsv1alpha1.ReportSummary{Fail: len(o.fails), Pass: validationRules}
	if len(o.fails) > 0 {
		wantSummary.Pass--
	}
	if rep.Summary != wantSummary {
		t.Errorf("%s: summary %+v, want %+v", rep.Name, rep.Summary, wantSummary)
	}
	if len(rep.Results) != len(o.fails) {
		t.Fatalf("%s: %d results, want %d: %+v", rep.Name, len(rep.Results), len(o.fails), rep.Results)
	}
	prefix := map[string]string{"Deployment": "spec.template.spec.", "Rollout": "spec.template.spec.", "DaemonSet": "spec.template.spec.", "CronJob": "spec.jobTemplate.spec.template.spec.", "Pod": "spec."}[o.kind]
	for i, c := range o.fails {
		r := rep.Results[i]
		wantPath := prefix + "containers[0].securityContext.readOnlyRootFilesystem"
		if r.Source != "podpolicy" || r.Policy != rule || r.Rule != rule || r.Result != "fail" ||
			r.Properties["container"] != c || r.Properties["path"] != wantPath || r.Properties["action"] != "audit" || r.Properties["fix"] == "" {
			t.Errorf("%s: result %+v\nwant fail of %s for container %s at %s", rep.Name, r, rule, c, wantPath)
		}
		if len(r.Subjects) != 1 || r.Subjects[0].Name != o.name || r.Subjects[0].Kind != o.kind {
			t.Errorf("%s: result subjects %+v, want the owner", rep.Name, r.Subjects)
		}
		if !strings.HasPrefix(r.Description, fmt.Sprintf("[%s] container %q: ", rule, c)) || !strings.Contains(r.Description, wantPath) {
			t.Errorf("%s: message %q does not name container %s and %s", rep.Name, r.Description, c, wantPath)
		}
	}
}

func ownerUID(t *testing.T, ns string, o owner) string {
	t.Helper()
	r := kubectl(t, "get", strings.ToLower(o.kind), o.name, "-n", ns, "-o", "jsonpath={.metadata.uid}")
	if r.ExitCode != 0 {
		t.Fatalf("get %s %s: %s", o.kind, o.name, r.Output())
	}
	return r.Stdout
}

// previewStricterConfig: podpolicy audit --config stricter.yaml lists exactly the owners the
// stricter config would deny, exits 1 as check does, and writes nothing to the cluster.
func previewStricterConfig(t *testing.T, ns string, owners []owner, before map[string]reportsv1alpha1.Report) {
	t.Helper()
	r := podpolicy("audit", "--kubeconfig", cp.Kubeconfig, "--namespace", ns, "--config", testdata("stricter.yaml"), "-o", "json")
	if r.ExitCode != 1 {
		t.Fatalf("podpolicy audit --config stricter.yaml: exit %d, want 1 (denied)\n%s", r.ExitCode, r.Output())
	}
	var out struct {
		Results []struct {
			Kind, Name string
			Violations []struct{ Rule, Action, Container, Path, Remediation string }
		}
		Summary struct{ Objects, Denied, Warned int }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		t.Fatalf("podpolicy audit -o json: %v\n%s", err, r.Stdout)
	}
	var denied, want []string
	for _, res := range out.Results {
		denied = append(denied, res.Kind+"/"+res.Name)
		for _, v := range res.Violations {
			if v.Rule != rule || v.Action != "deny" || v.Container == "" || v.Path == "" || v.Remediation == "" {
				t.Errorf("preview of %s/%s: %+v", res.Kind, res.Name, v)
			}
		}
	}
	for _, o := range owners {
		if len(o.fails) > 0 {
			want = append(want, o.kind+"/"+o.name)
		}
	}
	slices.Sort(denied)
	slices.Sort(want)
	if !slices.Equal(denied, want) || out.Summary.Denied != len(want) || out.Summary.Objects != len(owners) {
		t.Errorf("preview lists %v (summary %+v), want exactly %v denied of %d owners", denied, out.Summary, want, len(owners))
	}
	text := podpolicy("audit", "--kubeconfig", cp.Kubeconfig, "--namespace", ns, "--config", testdata("stricter.yaml"))
	for _, wantText := range []string{"cluster Deployment " + ns + "/web: denied", "[" + rule + "]", `container "web"`, "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"} {
		if !strings.Contains(text.Stdout, wantText) {
			t.Errorf("podpolicy audit (text) lacks %q:\n%s", wantText, text.Stdout)
		}
	}
	for name, rep := range reports(t, ns) {
		if before[name].ResourceVersion != rep.ResourceVersion {
			t.Errorf("podpolicy audit changed Report %s", name)
		}
	}
	t.Logf("podpolicy audit --config stricter.yaml would deny %v, and wrote nothing", denied)
}
