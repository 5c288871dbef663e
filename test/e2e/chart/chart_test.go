//go:build e2e

package chart

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/test/harness"
)

func TestHelmLint(t *testing.T) {
	for _, args := range [][]string{
		{"lint", "--strict", chartDir()},
		{"lint", "--strict", chartDir(), "-f", chartDir() + "/ci/full-values.yaml"},
		{"lint", "--strict", chartDir(), "-f", chartDir() + "/ci/cert-manager-values.yaml"},
	} {
		r := helm(t, args...)
		t.Logf("helm %s:\n%s", strings.Join(args, " "), r.Stdout)
		if r.ExitCode != 0 || !strings.Contains(r.Stdout, "1 chart(s) linted, 0 chart(s) failed") {
			t.Errorf("helm %v: %s", args, r.Output())
		}
	}
}

// TestRenderedObjectsPassTheAPIServerAndOurOwnRules renders the chart in both TLS modes and
// with every option set, has the API server validate every object by a server-side dry-run
// (cert-manager's and the ServiceMonitor CRDs are installed), and runs podpolicy check on the
// result: the chart's own Deployment and Job must pass podpolicy's rules.
func TestRenderedObjectsPassTheAPIServerAndOurOwnRules(t *testing.T) {
	ensureNamespace(t, namespace)
	for _, tc := range []struct {
		name string
		args []string
		want map[string]int
	}{
		{"self-managed TLS", nil, map[string]int{"Deployment": 1, "Secret": 1, "Role": 1, "ValidatingWebhookConfiguration": 1, "MutatingWebhookConfiguration": 1, "Job": 1, "PodDisruptionBudget": 1, "CustomResourceDefinition": 1}},
		{"cert-manager", []string{"-f", chartDir() + "/ci/cert-manager-values.yaml"}, map[string]int{"Certificate": 2, "Issuer": 2, "Secret": 0, "Role": 1}},
		{"every option", []string{"-f", chartDir() + "/ci/full-values.yaml"}, map[string]int{"ServiceMonitor": 1, "Certificate": 1, "ConfigMap": 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, objects := render(t, tc.args...)
			got := kinds(objects)
			for kind, n := range tc.want {
				if got[kind] != n {
					t.Errorf("%d %s rendered, want %d (all: %v)", got[kind], kind, n, got)
				}
			}
			r := kubectl(t, "apply", "--dry-run=server", "-n", namespace, "-f", path)
			if r.ExitCode != 0 {
				t.Fatalf("the API server refused the rendered chart:\n%s", r.Output())
			}
			if lines := strings.Count(strings.TrimSpace(r.Stdout), "\n") + 1; lines != len(objects) {
				t.Errorf("the API server accepted %d objects of %d:\n%s", lines, len(objects), r.Stdout)
			}
			if tc.name == "cert-manager" {
				checkCertificate(t, find(t, objects, "Certificate", fullname))
			}
			check := harness.Command(context.Background(), binary, "check", "-f", path)
			if check.ExitCode != 0 || !strings.Contains(check.Stdout, "2 objects checked: 0 denied, 0 warned") {
				t.Errorf("podpolicy check on the rendered chart: exit %d\n%s", check.ExitCode, check.Output())
			}
		})
	}
}

// checkCertificate decodes the serving Certificate into cert-manager's own API type and checks
// that it covers the Service's names and writes the Secret podpolicy mounts.
func checkCertificate(t *testing.T, rendered map[string]any) {
	t.Helper()
	data, err := json.Marshal(rendered)
	if err != nil {
		t.Fatal(err)
	}
	var cert cmapi.Certificate
	if err := json.Unmarshal(data, &cert); err != nil {
		t.Fatalf("the Certificate does not decode into cert-manager's type: %v", err)
	}
	for _, name := range []string{fullname + "." + namespace + ".svc", fullname + "." + namespace + ".svc.cluster.local"} {
		if !slices.Contains(cert.Spec.DNSNames, name) {
			t.Errorf("Certificate lacks DNS name %s: %v", name, cert.Spec.DNSNames)
		}
	}
	if cert.Spec.SecretName != fullname+"-tls" || cert.Spec.IssuerRef.Name == "" || cert.Spec.PrivateKey == nil ||
		cert.Spec.PrivateKey.RotationPolicy != cmapi.RotationPolicyAlways {
		t.Errorf("Certificate spec: secret %q issuer %+v private key %+v", cert.Spec.SecretName, cert.Spec.IssuerRef, cert.Spec.PrivateKey)
	}
}

func TestInvalidValuesFailNamingTheValue(t *testing.T) {
	for _, tc := range []struct {
		set, want string
	}{
		{"webhok.timeoutSeconds=3", "additional properties 'webhok' not allowed"},
		{"replicaCount=0", "replicaCount=0"},
		{"replicaCount=1", "replicaCount=1 with podDisruptionBudget.minAvailable=1"},
		{"config.rules.image-tag-pined.action=warn", "config.rules.image-tag-pined: unknown rule ID"},
		{"config.exceptions[0].rule=imag-tag-pinned,config.exceptions[0].reason=x", "config.exceptions[0].rule: unknown rule ID imag-tag-pinned"},
		{"config.rules.Team_Label.action=warn", "invalid propertyName 'Team_Label'"},
		{"webhook.timeoutSeconds=abc", "/webhook/timeoutSeconds"},
		{"config.rules.host-ports.action=block", "/config/rules/host-ports/action"},
		{"webhook.validating.failurePolicy=Sometimes", "/webhook/validating/failurePolicy"},
		// Selectors a tenant could use to leave podpolicy's sight, and a scoped exception
		// rendered empty.
		{"webhook.objectSelector.matchLabels.team=shop", "webhook.objectSelector: the labels it selects on are set by whoever creates the object"},
		{"modeGuard.enabled=false,webhook.namespaceSelector.matchExpressions[0].key=example.com/no-podpolicy,webhook.namespaceSelector.matchExpressions[0].operator=DoesNotExist", "webhook.namespaceSelector reads the Namespace label example.com/no-podpolicy"},
		{`json:config.exceptions=[{"rule":"host-ports","reason":"x","namespaces":[]}]`, "at '/config/exceptions/0/namespaces': minItems: got 0, want 1"},
	} {
		t.Run(tc.set, func(t *testing.T) {
			flag, value := "--set", tc.set
			if v, ok := strings.CutPrefix(tc.set, "json:"); ok {
				flag, value = "--set-json", v
			}
			r := helm(t, "template", release, chartDir(), "--namespace", namespace, flag, value)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("--set %s: exit %d, want a failure naming %q:\n%s", tc.set, r.ExitCode, tc.want, r.Stderr)
			}
		})
	}
}

// TestCustomRulesCanBeTunedAndExcepted: the ID of a rule added through extraPolicies is
// accepted in config.rules and config.exceptions, and rendered into the config.
func TestCustomRulesCanBeTunedAndExcepted(t *testing.T) {
	values := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(values, []byte(`config:
  rules:
    team-label: {action: warn}
  exceptions:
    - {rule: team-label, namespaces: [legacy], reason: "the legacy shop has no teams"}
extraPolicies:
  team_label.rego: |
    # METADATA
    # title: Team label required
    # custom:
    #   id: team-label
    #   severity: low
    #   remediation: add a team label
    package podpolicy.rules.team_label

    violation contains {"path": "metadata.labels.team", "message": "the pod has no team label"} if {
    	not input.pod.metadata.labels.team
    }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, objects := render(t, "-f", values)
	for _, obj := range objects {
		meta, _ := obj["metadata"].(map[string]any)
		if obj["kind"] != "ConfigMap" || meta["name"] != fullname {
			continue
		}
		config, _ := obj["data"].(map[string]any)["config.yaml"].(string)
		if !strings.Contains(config, "team-label:") || !strings.Contains(config, "rule: team-label") {
			t.Errorf("config.yaml lacks the custom rule's settings and exception:\n%s", config)
		}
		return
	}
	t.Error("no config ConfigMap rendered")
}

// TestUninstallHookCanRemoveTheWebhookConfigurations runs the pre-delete hook's command (the
// Job's args to the entrypoint of podpolicy's image, the image the webhook runs) with a token of
// the hook's own ServiceAccount, as there is no kubelet to run the Job: it must delete both
// configurations and nothing else, and succeed again once they are gone (a retried Job).
func TestUninstallHookCanRemoveTheWebhookConfigurations(t *testing.T) {
	ensureNamespace(t, namespace)
	// Without the Report CRD: deleting a CRD moments after creating it can leave it
	// terminating for a minute, and TestHelmInstallsTheChart, which installs it, and
	// TestSelfManagedTLS, whose audit writes Reports, come after this test.
	path, objects := render(t, "--set", "audit.installCRDs=false")
	if r := kubectl(t, "apply", "-n", namespace, "-f", path); r.ExitCode != 0 {
		t.Fatalf("apply: %s", r.Output())
	}
	t.Cleanup(func() { kubectl(t, "delete", "-n", namespace, "-f", path, "--ignore-not-found", "--wait=false") })
	job := find(t, objects, "Job", fullname+"-cleanup")
	container := dig(job, "spec", "template", "spec", "containers", 0).(map[string]any)
	webhookImage := dig(find(t, objects, "Deployment", fullname), "spec", "template", "spec", "containers", 0, "image")
	if container["image"] != webhookImage {
		t.Errorf("the hook runs image %v, the webhook %v: want podpolicy's one image", container["image"], webhookImage)
	}
	if command, ok := container["command"]; ok {
		t.Errorf("the hook overrides the image's entrypoint with %v", command)
	}
	args := asStrings(container["args"])
	if len(args) == 0 || args[0] != "uninstall-webhooks" {
		t.Fatalf("the hook does not run podpolicy uninstall-webhooks: %v", args)
	}
	as := "--as=system:serviceaccount:" + namespace + ":" + fullname + "-cleanup"
	if r := kubectl(t, as, "delete", "secret", fullname+"-tls", "-n", namespace); r.ExitCode == 0 {
		t.Error("the hook's ServiceAccount may delete other objects")
	}
	kubeconfig := serviceAccountKubeconfig(t, fullname+"-cleanup")
	for _, run := range []string{"first", "second"} {
		r := harness.Command(context.Background(), binary, append(args, "--kubeconfig="+kubeconfig)...)
		if r.ExitCode != 0 {
			t.Fatalf("%s run: the hook's command failed with its own permissions: %s", run, r.Output())
		}
		t.Logf("%s run:\n%s", run, r.Stdout)
	}
	for _, kind := range []string{"validatingwebhookconfiguration", "mutatingwebhookconfiguration"} {
		if got := kubectl(t, "get", kind, fullname); got.ExitCode == 0 {
			t.Errorf("%s %s survived the hook", kind, fullname)
		}
	}
}

func asStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, item := range list {
		out = append(out, item.(string))
	}
	return out
}

// TestModeGuardMatchesOnlyModeChanges: the chart's guard webhook and policy call podpolicy
// only for a change of podpolicy.io/mode, with the condition the e2e harness registers.
func TestModeGuardMatchesOnlyModeChanges(t *testing.T) {
	r := helm(t, "template", release, chartDir(), "--namespace", namespace, "--show-only", "templates/validatingwebhookconfiguration.yaml")
	if r.ExitCode != 0 {
		t.Fatalf("helm template: %s", r.Output())
	}
	if !strings.Contains(r.Stdout, "name: mode-guard.podpolicy.io") || !strings.Contains(r.Stdout, strconv.Quote(harness.ModeChangeExpression)) {
		t.Errorf("the guard webhook's match condition is not the harness's %s:\n%s", harness.ModeChangeExpression, r.Stdout)
	}
	r = helm(t, "template", release, chartDir(), "--namespace", namespace, "--show-only", "templates/modeguard-policy.yaml")
	if r.ExitCode == 0 {
		t.Errorf("the ValidatingAdmissionPolicy rendered for a cluster that does not serve it:\n%s", r.Stdout)
	}
}

// TestChartInstallsTheReportCRDOfTheModule: the chart's Report CRD is the one of the pinned
// github.com/openreports/reports-api, whose Go types the audit writes, kept on uninstall.
func TestChartInstallsTheReportCRDOfTheModule(t *testing.T) {
	path, err := harness.ReportsCRD(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := yaml.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	_, objects := render(t)
	got := find(t, objects, "CustomResourceDefinition", "reports.openreports.io")
	if !reflect.DeepEqual(got["spec"], want["spec"]) {
		t.Errorf("the chart's Report CRD differs from %s: copy it into charts/podpolicy/files", path)
	}
	if dig(got, "metadata", "annotations", "helm.sh/resource-policy") != "keep" {
		t.Errorf("the Report CRD is not kept on uninstall: %v", dig(got, "metadata"))
	}
	for _, args := range [][]string{{"--set", "audit.installCRDs=false"}, {"--set", "audit.enabled=false"}} {
		if _, objects := render(t, args...); kinds(objects)["CustomResourceDefinition"] != 0 {
			t.Errorf("helm template %v renders a CRD", args)
		}
	}
}
