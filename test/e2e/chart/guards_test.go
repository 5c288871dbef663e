//go:build e2e

package chart

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// guardIdentity is someone asking to change a Namespace's labels.
type guardIdentity struct {
	name, user string
	groups     []string
}

var guardIdentities = []guardIdentity{
	{"a cluster admin", "bob", []string{"system:masters"}},
	{"user alice", "alice", nil},
	{"a member of platform", "carol", []string{"platform"}},
	{"the gitops deployer", "system:serviceaccount:gitops:deployer", []string{"system:serviceaccounts"}},
	{"a tenant", "tenant", nil},
}

// TestBothGuardsAnswerAlike renders the chart for several configs and asks both guards of a
// Namespace's labels the same questions - the ValidatingAdmissionPolicy inside the API server
// (through kubectl label --dry-run=server, with podpolicy's webhook not registered) and
// podpolicy serve running the rendered config (its /validate, with the policy removed) - who
// may add podpolicy.io/mode, a key the namespace selector reads, and another label. Both must
// answer what the rule says: modeAdmins adds to the group system:masters, and every key the
// selector reads is guarded.
func TestBothGuardsAnswerAlike(t *testing.T) {
	ctx := context.Background()
	grant := `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: guard-questions}
rules:
- {apiGroups: [""], resources: [namespaces], verbs: [get, patch, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: guard-questions}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: guard-questions}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:authenticated}]
`
	if r := cp.Kubectl(ctx, grant, "apply", "-f", "-"); r.ExitCode != 0 {
		t.Fatalf("let everyone patch Namespaces, so that the guards decide: %s", r.Output())
	}
	ensureNamespace(t, "guard-questions")
	const selectorKey = "example.com/no-podpolicy"
	for _, tc := range []struct {
		name string
		args []string
		// admins are the identities (by name) the rule lets change a guarded label.
		admins []string
		// guarded are the keys guarded.
		guarded []string
	}{
		{"defaults", nil, []string{"a cluster admin"}, []string{"podpolicy.io/mode"}},
		{"users", []string{"--set-json", `config.modeAdmins={"users":["alice"]}`}, []string{"a cluster admin", "user alice"}, []string{"podpolicy.io/mode"}},
		{"groups and service accounts", []string{"--set-json", `config.modeAdmins={"groups":["platform"],"serviceAccounts":["gitops/deployer"]}`}, []string{"a cluster admin", "a member of platform", "the gitops deployer"}, []string{"podpolicy.io/mode"}},
		{"a namespace selector", []string{"--set-json", `webhook.namespaceSelector.matchExpressions=[{"key":"` + selectorKey + `","operator":"DoesNotExist"}]`}, []string{"a cluster admin"}, []string{"podpolicy.io/mode", selectorKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			policy, config := renderGuards(t, tc.args...)
			w, err := suite.StartWebhook(ctx, harness.WebhookOptions{ConfigFile: config})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			if r := cp.Kubectl(ctx, policy, "apply", "-f", "-"); r.ExitCode != 0 {
				t.Fatalf("apply the rendered policy: %s", r.Output())
			}
			// The API server reads policies asynchronously: wait until this one denies a
			// tenant, and once it is deleted until none does, so that each config is asked alone.
			untilTenant(t, false)
			defer func() {
				cp.Kubectl(ctx, policy, "delete", "--ignore-not-found", "-f", "-")
				untilTenant(t, true)
			}()
			for _, id := range guardIdentities {
				for _, key := range []string{"podpolicy.io/mode", selectorKey, "team"} {
					want := !contains(tc.guarded, key) || contains(tc.admins, id.name)
					byPolicy := policyAllows(t, id, key)
					byWebhook := webhookAllows(t, w, id, key)
					if byPolicy != want || byWebhook != want {
						t.Errorf("%s adding %s: the policy allows %v, podpolicy allows %v; the rule says %v", id.name, key, byPolicy, byWebhook, want)
					}
				}
			}
		})
	}
}

// renderGuards renders the chart's guard policy and binding, and writes the config file the
// chart gives podpolicy, for the values args.
func renderGuards(t *testing.T, args ...string) (policy, configFile string) {
	t.Helper()
	base := []string{"template", release, chartDir(), "--namespace", namespace, "--api-versions", "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy"}
	r := helm(t, append(append(base, args...), "--show-only", "templates/modeguard-policy.yaml", "--show-only", "templates/modeguard-binding.yaml")...)
	if r.ExitCode != 0 {
		t.Fatalf("helm template %v: %s", args, r.Output())
	}
	_, objects := render(t, args...)
	config := dig(find(t, objects, "ConfigMap", fullname), "data", "config.yaml").(string)
	configFile = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return r.Stdout, configFile
}

// policyAllows asks the API server, with podpolicy's webhook not registered, whether id may
// add the label key to the Namespace guard-questions.
func policyAllows(t *testing.T, id guardIdentity, key string) bool {
	t.Helper()
	args := []string{"label", "namespace", "guard-questions", key + "=x", "--overwrite", "--dry-run=server", "--as", id.user}
	for _, g := range id.groups {
		args = append(args, "--as-group", g)
	}
	r := kubectl(t, args...)
	if r.ExitCode != 0 && !strings.Contains(r.Stderr, "ValidatingAdmissionPolicy") {
		t.Fatalf("kubectl %v failed for another reason: %s", args, r.Output())
	}
	return r.ExitCode == 0
}

// webhookAllows asks podpolicy serve whether id may add the label key to a Namespace.
func webhookAllows(t *testing.T, w *harness.Webhook, id guardIdentity, key string) bool {
	t.Helper()
	ns := func(labels map[string]any) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "guard-questions", "labels": labels}}
	}
	body, err := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": map[string]any{
		"uid": "guard-question", "operation": "UPDATE", "name": "guard-questions",
		"kind":     map[string]any{"version": "v1", "kind": "Namespace"},
		"resource": map[string]any{"version": "v1", "resource": "namespaces"},
		"userInfo": map[string]any{"username": id.user, "groups": append([]string{"system:authenticated"}, id.groups...)},
		"object":   ns(map[string]any{key: "x"}), "oldObject": ns(map[string]any{}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.Client().Post(w.URL("/validate"), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || review.Response == nil {
		t.Fatalf("podpolicy answered %s: %v", resp.Status, err)
	}
	return review.Response.Allowed
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

// untilTenant waits until the API server's answer to a tenant adding podpolicy.io/mode is
// allowed.
func untilTenant(t *testing.T, allowed bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for policyAllows(t, guardIdentities[4], "podpolicy.io/mode") != allowed {
		if time.Now().After(deadline) {
			t.Fatalf("the API server's guard did not answer %v within 30s", allowed)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
