//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/policies/owners"
	"github.com/podpolicy/podpolicy/test/harness"
)

// templateCase is one pod template the template-equals-Pods test applies as every workload
// kind, with what its verdict must be, written from the rules' definitions.
type templateCase struct {
	name string
	spec func(restartPolicy string) map[string]any
	// warnMode puts the workload in a namespace labelled podpolicy.io/mode=warn.
	warnMode bool
	// denyRules are the rules that deny it (none: admitted).
	denyRules []string
	// warnRules are the rules it is admitted with warnings for.
	warnRules []string
}

// compliantSpec is a two-container pod spec that passes every rule.
func compliantSpec(restartPolicy string) map[string]any {
	container := func(name, image, portName string, port int) map[string]any {
		return map[string]any{
			"name": name, "image": image,
			"ports":           []any{map[string]any{"name": portName, "containerPort": port}},
			"resources":       map[string]any{"requests": map[string]any{"cpu": "50m", "memory": "32Mi"}, "limits": map[string]any{"cpu": "100m", "memory": "64Mi"}},
			"livenessProbe":   map[string]any{"httpGet": map[string]any{"path": "/", "port": portName}},
			"readinessProbe":  map[string]any{"httpGet": map[string]any{"path": "/", "port": portName}},
			"securityContext": map[string]any{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": map[string]any{"drop": []any{"ALL"}}},
		}
	}
	spec := map[string]any{
		"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": 101, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
		"containers": []any{
			container("web", "registry.example.com/shop/web:1.4.2", "http", 8080),
			container("metrics", "registry.example.com/shop/exporter:0.9.1", "metrics", 9102),
		},
	}
	if restartPolicy != "" {
		spec["restartPolicy"] = restartPolicy
	}
	return spec
}

func violatingSpec(restartPolicy string) map[string]any {
	spec := compliantSpec(restartPolicy)
	spec["containers"].([]any)[0].(map[string]any)["image"] = "registry.example.com/shop/web:latest"
	return spec
}

// hostNetworkSpec is the node-exporter case: host network and container ports, which the API
// server makes host ports of every Pod (and not of templates).
func hostNetworkSpec(restartPolicy string) map[string]any {
	spec := compliantSpec(restartPolicy)
	spec["hostNetwork"] = true
	return spec
}

var templateCases = []templateCase{
	{name: "compliant", spec: compliantSpec},
	{name: "violating", spec: violatingSpec, denyRules: []string{"image-tag-pinned"}},
	{name: "hostnetwork", spec: hostNetworkSpec, denyRules: []string{"host-namespaces", "host-ports"}},
	// The e2e config excepts host-namespaces and host-ports for workloads named *-excepted.
	{name: "excepted", spec: hostNetworkSpec},
	{name: "warnmode", spec: violatingSpec, warnMode: true, warnRules: []string{"image-tag-pinned"}},
}

// workloadKind wraps a pod template into an object of one kind, with the Pods its controller
// creates.
type workloadKind struct {
	kind, apiVersion string
	// restartPolicy is what the kind's pod template must set ("" for the default, Always).
	restartPolicy string
	pods          int
	wrap          func(name string, template map[string]any) map[string]any
}

var workloadKinds = []workloadKind{
	{"Deployment", "apps/v1", "", 1, func(name string, tpl map[string]any) map[string]any {
		return map[string]any{"replicas": 1, "selector": selector(name), "template": tpl}
	}},
	{"StatefulSet", "apps/v1", "", 1, func(name string, tpl map[string]any) map[string]any {
		return map[string]any{"replicas": 1, "serviceName": name, "selector": selector(name), "template": tpl}
	}},
	{"DaemonSet", "apps/v1", "", 2, func(name string, tpl map[string]any) map[string]any {
		return map[string]any{"selector": selector(name), "template": tpl}
	}},
	{"ReplicaSet", "apps/v1", "", 1, func(name string, tpl map[string]any) map[string]any {
		return map[string]any{"replicas": 1, "selector": selector(name), "template": tpl}
	}},
	{"ReplicationController", "v1", "", 1, func(name string, tpl map[string]any) map[string]any {
		return map[string]any{"replicas": 1, "selector": map[string]any{"app": name}, "template": tpl}
	}},
	{"Job", "batch/v1", "Never", 1, func(name string, tpl map[string]any) map[string]any {
		return map[string]any{"backoffLimit": 0, "template": tpl}
	}},
	// An Argo Rollout, whose real controller (trusted by the suite's config) creates the
	// ReplicaSet of its first revision, whose Pods the ReplicaSet controller creates.
	{"Rollout", "argoproj.io/v1alpha1", "", 1, func(name string, tpl map[string]any) map[string]any {
		return map[string]any{"replicas": 1, "selector": selector(name), "template": tpl,
			"strategy": map[string]any{"canary": map[string]any{"steps": []any{map[string]any{"setWeight": 50}, map[string]any{"pause": map[string]any{}}}}}}
	}},
	{"CronJob", "batch/v1", "Never", 1, func(name string, tpl map[string]any) map[string]any {
		// Only the excepted CronJob runs on its schedule, so that the CronJob controller itself
		// creates its Job; the others get a Job created from them by hand.
		return map[string]any{"schedule": "* * * * *", "suspend": !strings.HasSuffix(name, "-excepted"),
			"jobTemplate": map[string]any{"spec": map[string]any{"backoffLimit": 0, "template": tpl}}}
	}},
}

func selector(name string) map[string]any {
	return map[string]any{"matchLabels": map[string]any{"app": name}}
}

// TestTemplateVerdictIsThePodsVerdict applies every workload kind with every template case
// and lets the real controllers create Pods. An admitted workload's Pods are all admitted,
// with the same warnings, the injected labels and the default-container annotation; a denied
// workload is denied by the rules a Pod of its template is denied by.
func TestTemplateVerdictIsThePodsVerdict(t *testing.T) {
	namespaces := map[string]string{}
	for _, tc := range templateCases {
		labels := map[string]string{"team": "payments"}
		if tc.warnMode {
			labels["podpolicy.io/mode"] = "warn"
		}
		namespaces[tc.name] = namespace(t, labels)
	}
	for _, kind := range workloadKinds {
		t.Run(kind.kind, func(t *testing.T) {
			t.Parallel()
			for _, tc := range templateCases {
				t.Run(tc.name, func(t *testing.T) { checkTemplateVerdict(t, namespaces[tc.name], kind, tc) })
			}
		})
	}
}

func checkTemplateVerdict(t *testing.T, ns string, kind workloadKind, tc templateCase) {
	name := strings.ToLower(kind.kind) + "-" + tc.name
	template := map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name}}, "spec": tc.spec(kind.restartPolicy)}
	object := map[string]any{"apiVersion": kind.apiVersion, "kind": kind.kind, "metadata": map[string]any{"name": name}, "spec": kind.wrap(name, template)}
	applied := kubectl(t, "apply", "-n", ns, "-f", harness.WriteJSON(t, object))

	// What a Pod of this template gets, created as a user would (a server-side dry run).
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"generateName": name + "-probe-", "labels": map[string]any{"app": name + "-probe"}}, "spec": tc.spec(kind.restartPolicy)}
	probe := kubectl(t, "create", "--dry-run=server", "-n", ns, "-f", harness.WriteJSON(t, pod))

	if len(tc.denyRules) > 0 {
		if applied.ExitCode == 0 {
			t.Fatalf("%s was admitted; want it denied by %v:\n%s", name, tc.denyRules, applied.Output())
		}
		if got := rulesIn(applied.Stderr); !slices.Equal(got, tc.denyRules) {
			t.Errorf("%s denied by %v, want %v:\n%s", name, got, tc.denyRules, applied.Stderr)
		}
		if tc.name == "excepted" {
			return
		}
		if got := rulesIn(probe.Stderr); probe.ExitCode == 0 || !slices.Equal(got, tc.denyRules) {
			t.Errorf("a Pod of %s's template: exit %d, denied by %v; want %v like the workload:\n%s", name, probe.ExitCode, got, tc.denyRules, probe.Output())
		}
		return
	}
	if applied.ExitCode != 0 {
		t.Fatalf("%s was denied; want it admitted:\n%s", name, applied.Output())
	}
	workloadWarnings := warningsIn(applied.Stderr, kind.kind, name)
	if got := rulesIn(strings.Join(workloadWarnings, "\n")); !slices.Equal(got, tc.warnRules) {
		t.Errorf("%s admitted with warnings of %v, want %v:\n%s", name, got, tc.warnRules, applied.Stderr)
	}
	if kind.kind == "CronJob" && tc.name != "excepted" {
		// A Job created from the CronJob, as `kubectl create job --from` does.
		job := kubectl(t, "create", "job", name+"-manual", "--from=cronjob/"+name, "-n", ns)
		if job.ExitCode != 0 {
			t.Fatalf("a Job from CronJob %s was refused:\n%s", name, job.Output())
		}
		if got := rulesIn(strings.Join(warningsIn(job.Stderr, "Job", name+"-manual"), "\n")); !slices.Equal(got, tc.warnRules) {
			t.Errorf("the Job from %s has warnings of %v, want %v:\n%s", name, got, tc.warnRules, job.Stderr)
		}
	}
	pods := waitForPods(t, ns, "app="+name, kind.pods)
	for _, p := range pods {
		if p.Labels["example.com/policy"] != "podpolicy" || p.Labels["team"] != "payments" || p.Annotations["kubectl.kubernetes.io/default-container"] != "web" {
			t.Errorf("Pod %s of %s lacks the injected labels or annotation: labels %v, annotations %v", p.Name, name, p.Labels, p.Annotations)
		}
	}
	if tc.name == "excepted" {
		return // a Pod re-created by a user would not inherit its owner's exceptions
	}
	// The Pod the controller created, created again as a user would: the same warnings.
	again := createdAgain(t, ns, pods[0])
	if again.ExitCode != 0 {
		t.Fatalf("Pod %s of %s, created again: %s", pods[0].Name, name, again.Output())
	}
	if got, want := relativeWarnings(warningsIn(again.Stderr, "Pod", "")), relativeWarnings(workloadWarnings); !slices.Equal(got, want) {
		t.Errorf("Pod %s of %s warns\n%s\nthe workload warned\n%s", pods[0].Name, name, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// createdAgain submits a Pod a controller created as a new Pod, server-side dry run: what the
// API server and podpolicy answer for it. The annotation podpolicy set to record that the
// Pod's owners were verified is left out: no user may set it.
func createdAgain(t *testing.T, ns string, p corev1.Pod) harness.Result {
	t.Helper()
	annotations := maps.Clone(p.Annotations)
	delete(annotations, owners.VerifiedAnnotation)
	obj := map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"generateName": p.GenerateName + "again-", "labels": p.Labels, "annotations": annotations},
		"spec":     p.Spec}
	return kubectl(t, "create", "--dry-run=server", "-n", ns, "-f", harness.WriteJSON(t, obj))
}

// waitForPods waits until the controllers have created want Pods matching a label selector.
func waitForPods(t *testing.T, ns, selector string, want int) []corev1.Pod {
	t.Helper()
	deadline := time.Now().Add(100 * time.Second)
	for {
		list, err := cp.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) >= want {
			return list.Items
		}
		if time.Now().After(deadline) {
			events := kubectl(t, "get", "events", "-n", ns, "--field-selector", "reason=FailedCreate", "-o", "custom-columns=OBJECT:.involvedObject.name,MESSAGE:.message")
			t.Fatalf("%s: %d of %d Pods created within 100s; the controllers' failures:\n%s", selector, len(list.Items), want, events.Output())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// ruleRef finds the rule of each line of a denial or warning: "[rule] ..." at the start of a
// line, or after the object a warning names.
var ruleRef = regexp.MustCompile(`(?m)(?:^|": )\[([a-z][a-z0-9-]*)\] `)

// rulesIn returns the sorted, distinct rule IDs a denial or warnings name.
func rulesIn(text string) []string {
	seen := map[string]bool{}
	for _, m := range ruleRef.FindAllStringSubmatch(text, -1) {
		seen[m[1]] = true
	}
	var rules []string
	for r := range seen {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	return rules
}

// warningsIn returns podpolicy's warnings in kubectl's stderr, checking that each names its
// object (kind "name") when name is given.
func warningsIn(stderr, kind, name string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		w, ok := strings.CutPrefix(line, "Warning: ")
		if !ok || !strings.Contains(w, "] ") {
			continue
		}
		if name != "" && !strings.HasPrefix(w, fmt.Sprintf("%s %q: ", kind, name)) {
			out = append(out, "(warning does not name "+kind+" "+name+") "+w)
			continue
		}
		out = append(out, w)
	}
	return out
}

var (
	objectPrefix = regexp.MustCompile(`^[A-Za-z]+ "[^"]*": `)
	templatePath = regexp.MustCompile(`spec\.(jobTemplate\.spec\.)?template\.spec\.`)
)

// relativeWarnings strips the object from warnings and makes their paths relative to the pod
// spec, so a workload's and its Pod's compare.
func relativeWarnings(warnings []string) []string {
	out := make([]string, len(warnings))
	for i, w := range warnings {
		out[i] = templatePath.ReplaceAllString(objectPrefix.ReplaceAllString(w, ""), "spec.")
	}
	sort.Strings(out)
	return out
}
