//go:build e2e

package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/certs"
	"github.com/podpolicy/podpolicy/test/harness"
)

// doctorFinding is one finding of `podpolicy doctor -o json`, as the test compares it.
type doctorFinding struct {
	Severity, Check, Field string
	Object                 struct{ Kind, Namespace, Name string }
}

func (f doctorFinding) String() string {
	obj := f.Object.Kind + " " + f.Object.Name
	if f.Object.Namespace != "" {
		obj = f.Object.Kind + " " + f.Object.Namespace + "/" + f.Object.Name
	}
	return fmt.Sprintf("%s [%s] %s %s", f.Severity, f.Check, obj, f.Field)
}

// TestDoctor runs `podpolicy doctor` against a real installation of the chart on the real
// node: nothing on a cluster without it (exit 2, one line), no finding on the chart's default
// installation (exit 0), then one fault at a time, each adding exactly its one finding: the
// replicas scaled to 1, the PDB deleted, a config that does not load, the guard's
// ValidatingAdmissionPolicyBinding deleted, and in the ValidatingWebhookConfiguration
// failurePolicy Ignore, the cronjobs rule removed, an objectSelector, timeoutSeconds 1 (under
// --eval-timeout=2s) and another CA's caBundle. The release is its own and is uninstalled at
// the end; a certificate about to expire and a stale audit cannot be made here in reasonable
// time and are covered by webhook/doctor's unit tests.
func TestDoctor(t *testing.T) {
	const rel, ns = "doctor", "podpolicy-doctor"
	fullname := rel + "-podpolicy"
	start := time.Now()
	ctx := context.Background()
	bin, err := harness.BuildPodpolicy(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("podpolicy built in %v", time.Since(start).Round(time.Millisecond))
	doctor := func(args ...string) harness.Result {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append([]string{"doctor", "--kubeconfig", cluster.Kubeconfig}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if exitErr, ok := errors.AsType[*exec.ExitError](err); ok {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatalf("podpolicy doctor: %v", err)
		}
		return harness.Result{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: code}
	}
	findings := func() ([]doctorFinding, harness.Result) {
		r := doctor("--release", rel, "--namespace", ns, "-o", "json")
		var out struct {
			Release, Namespace string
			Findings           []doctorFinding
			Checks             []string
		}
		if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
			t.Fatalf("doctor -o json: exit %d, %v:\n%s", r.ExitCode, err, r.Output())
		}
		if out.Release != rel || out.Namespace != ns || len(out.Checks) == 0 {
			t.Fatalf("doctor -o json: release %q, namespace %q, checks %v", out.Release, out.Namespace, out.Checks)
		}
		return out.Findings, r
	}

	// Without podpolicy: one line, exit 2.
	r := doctor("--release", rel, "--namespace", ns)
	wantLine := fmt.Sprintf(`podpolicy doctor: no podpolicy installation: ValidatingWebhookConfiguration %q not found, nor Deployment %s/%s (give --release and --namespace of the helm release)`, fullname, ns, fullname)
	if r.ExitCode != 2 || r.Stdout != "" || r.Stderr != wantLine+"\n" {
		t.Errorf("doctor without podpolicy: exit %d, stdout %q, stderr %q; want exit 2 and one line:\n%s", r.ExitCode, r.Stdout, r.Stderr, wantLine)
	}

	installStart := time.Now()
	r = helm(t, "install", rel, chartDir(), "-n", ns, "--create-namespace", "-f", "testdata/values.yaml",
		"--set", "audit.installCRDs=false", "--wait", "--timeout", "3m")
	mustSucceed(t, "helm install --wait", r, ns)
	defer func() {
		mustSucceed(t, "helm uninstall", helm(t, "uninstall", rel, "-n", ns, "--no-hooks", "--wait", "--timeout", "2m"), ns)
	}()
	waitReadyReplicasIn(t, ns, rel, 2)
	t.Logf("installed, both replicas Ready, in %v", time.Since(installStart).Round(time.Millisecond))

	// The default installation: no finding. The Deployment's status follows its Pods a moment
	// later, so wait for it.
	var got []doctorFinding
	eventually(t, 60*time.Second, func() bool { got, r = findings(); return r.ExitCode == 0 && len(got) == 0 },
		func() string {
			return fmt.Sprintf("doctor on the default installation: exit %d, findings %v\n%s", r.ExitCode, got, r.Stderr)
		})
	r = doctor("--release", rel, "--namespace", ns)
	if r.ExitCode != 0 || r.Stdout != fmt.Sprintf("release %s in namespace %s: no findings; 15 checks run\n", rel, ns) {
		t.Errorf("doctor (text) on the default installation: exit %d:\n%s", r.ExitCode, r.Output())
	}
	if r = doctor(); r.ExitCode != 0 || !strings.Contains(r.Stdout, "release "+rel+" in namespace "+ns+": no findings") {
		t.Errorf("doctor without --release, finding the installation itself: exit %d:\n%s", r.ExitCode, r.Output())
	}

	vwc := doctorFinding{Object: struct{ Kind, Namespace, Name string }{"ValidatingWebhookConfiguration", "", fullname}}
	deploy := doctorFinding{Object: struct{ Kind, Namespace, Name string }{"Deployment", ns, fullname}}
	at := func(base doctorFinding, severity, check, field string) doctorFinding {
		base.Severity, base.Check, base.Field = severity, check, field
		return base
	}
	var want []doctorFinding
	patchVWC := func(op string) {
		mustSucceed(t, "patch the ValidatingWebhookConfiguration", kubectl(t, "patch", "validatingwebhookconfiguration", fullname, "--type=json", "-p", "["+op+"]"), ns)
	}
	other, err := certs.NewCA("someone-else-ca", 24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	faults := []struct {
		name  string
		apply func(t *testing.T)
		adds  doctorFinding
		// wait for the finding this long: the cluster takes time to act on some faults.
		wait time.Duration
	}{
		{"replicas scaled to 1", func(t *testing.T) {
			mustSucceed(t, "kubectl scale", kubectl(t, "scale", "-n", ns, "deploy/"+fullname, "--replicas=1"), ns)
			eventually(t, 60*time.Second, func() bool { return len(podsOf(t, ns, rel)) == 1 }, func() string { return "one replica left\n" + diagnostics(t, ns) })
		}, at(deploy, "high", "replicas", "spec.replicas"), 0},
		{"the PDB deleted", func(t *testing.T) {
			mustSucceed(t, "kubectl delete pdb", kubectl(t, "delete", "pdb", "-n", ns, fullname), ns)
		}, doctorFinding{Severity: "medium", Check: "disruption-budget", Object: struct{ Kind, Namespace, Name string }{"PodDisruptionBudget", ns, fullname}}, 0},
		{"a config that does not load", func(t *testing.T) {
			mustSucceed(t, "patch the config", kubectl(t, "patch", "configmap", "-n", ns, fullname, "--type=merge",
				"-p", `{"data":{"config.yaml":"rules:\n  no-such-rule: {action: deny}\n"}}`), ns)
			// A change of the Pod makes the kubelet sync it, and with it the ConfigMap volume,
			// at once rather than at its next periodic sync.
			for _, pod := range podsOf(t, ns, rel) {
				mustSucceed(t, "annotate the Pod", kubectl(t, "annotate", "pod", "-n", ns, pod, "--overwrite", "doctor-test/config="+time.Now().Format("150405")), ns)
			}
		}, at(deploy, "high", "config-reload", "podpolicy_policy_reload_failing"), 90 * time.Second},
		{"the guard's binding deleted", func(t *testing.T) {
			mustSucceed(t, "delete the binding", kubectl(t, "delete", "validatingadmissionpolicybinding", fullname+"-mode-guard"), ns)
		}, doctorFinding{Severity: "high", Check: "mode-guard", Field: "spec.policyName", Object: struct{ Kind, Namespace, Name string }{"ValidatingAdmissionPolicyBinding", "", fullname + "-mode-guard"}}, 0},
		{"failurePolicy Ignore", func(t *testing.T) {
			patchVWC(`{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}`)
		}, at(vwc, "critical", "failure-policy", "webhooks[0].failurePolicy"), 0},
		{"cronjobs removed from the rules", func(t *testing.T) {
			config, err := cluster.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), fullname, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if config.Webhooks[0].Name != "validate.podpolicy.io" {
				t.Fatalf("webhooks[0] is %s", config.Webhooks[0].Name)
			}
			for i, rule := range config.Webhooks[0].Rules {
				if slices.Contains(rule.Resources, "cronjobs") {
					kept := slices.DeleteFunc(slices.Clone(rule.Resources), func(r string) bool { return r == "cronjobs" })
					value, _ := json.Marshal(kept)
					patchVWC(fmt.Sprintf(`{"op":"replace","path":"/webhooks/0/rules/%d/resources","value":%s}`, i, value))
					return
				}
			}
			t.Fatal("no rule of validate.podpolicy.io names cronjobs")
		}, at(vwc, "critical", "rules", "webhooks[0].rules"), 0},
		{"an objectSelector", func(t *testing.T) {
			patchVWC(`{"op":"add","path":"/webhooks/0/objectSelector","value":{"matchExpressions":[{"key":"podpolicy.io/skip","operator":"DoesNotExist"}]}}`)
		}, at(vwc, "critical", "selectors", "webhooks[0].objectSelector"), 0},
		{"timeoutSeconds 1 under --eval-timeout=2s", func(t *testing.T) {
			patchVWC(`{"op":"replace","path":"/webhooks/0/timeoutSeconds","value":1}`)
		}, at(vwc, "critical", "timeout", "webhooks[0].timeoutSeconds"), 0}, // critical: failurePolicy is Ignore by now
		// Last, as podpolicy (self-managed TLS) puts its own CA back within a minute.
		{"another CA's caBundle", func(t *testing.T) {
			patchVWC(fmt.Sprintf(`{"op":"replace","path":"/webhooks/0/clientConfig/caBundle","value":%q}`, encodeBase64(other.CertPEM)))
		}, at(vwc, "critical", "ca-bundle", "webhooks[0].clientConfig.caBundle"), 0},
	}
	for _, fault := range faults {
		t.Run(strings.ReplaceAll(fault.name, " ", "_"), func(t *testing.T) {
			faultStart := time.Now()
			fault.apply(t)
			want = append(want, fault.adds)
			wantText := sortedStrings(want)
			eventually(t, max(fault.wait, 5*time.Second), func() bool {
				got, r = findings()
				if r.ExitCode == 1 && slices.Equal(sortedStrings(got), wantText) {
					return true
				}
				if fault.adds.Check == "ca-bundle" && !slices.ContainsFunc(got, func(f doctorFinding) bool { return f.Check == "ca-bundle" }) {
					fault.apply(t) // podpolicy put its CA back in between: break it again
				}
				return false
			}, func() string {
				return fmt.Sprintf("after %s: exit %d, findings\n  %s\nwant exactly\n  %s\n%s", fault.name, r.ExitCode,
					strings.Join(sortedStrings(got), "\n  "), strings.Join(wantText, "\n  "), r.Stderr)
			})
			t.Logf("%s: doctor reports %s, %v after the fault", fault.name, fault.adds, time.Since(faultStart).Round(time.Millisecond))
		})
	}
	// The text output: one line a finding, worst first, and the summary.
	r = doctor("--release", rel, "--namespace", ns)
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if r.ExitCode != 1 || len(lines) != len(want)+1 || !strings.HasPrefix(lines[0], "critical [") ||
		lines[len(lines)-1] != fmt.Sprintf("release %s in namespace %s: 9 findings (5 critical, 3 high, 1 medium); 15 checks run", rel, ns) {
		t.Errorf("doctor (text) with %d faults: exit %d:\n%s", len(want), r.ExitCode, r.Output())
	}
	t.Logf("TestDoctor took %v:\n%s", time.Since(start).Round(time.Millisecond), r.Stdout)
}

// podsOf are the names of the webhook Pods of release rel in ns that are not being deleted.
func podsOf(t testing.TB, ns, rel string) []string {
	t.Helper()
	pods, err := cluster.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=podpolicy,app.kubernetes.io/instance=" + rel})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, pod := range pods.Items {
		if pod.DeletionTimestamp == nil {
			names = append(names, pod.Name)
		}
	}
	return names
}

func sortedStrings(findings []doctorFinding) []string {
	out := make([]string, len(findings))
	for i, f := range findings {
		out[i] = f.String()
	}
	sort.Strings(out)
	return out
}
