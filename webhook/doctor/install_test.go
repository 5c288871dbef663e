package doctor

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestFullname(t *testing.T) {
	for release, want := range map[string]string{
		"pp": "pp-podpolicy", "podpolicy": "podpolicy", "my-podpolicy-prod": "my-podpolicy-prod",
		strings.Repeat("a", 60): strings.Repeat("a", 60) + "-po", strings.Repeat("a", 62): strings.Repeat("a", 62), // helm's trunc 63 | trimSuffix "-"
	} {
		if got := Fullname(release); got != want {
			t.Errorf("Fullname(%q) = %q, want %q", release, got, want)
		}
	}
}

func runWith(t *testing.T, client *fake.Clientset, release, namespace string) (*Report, error) {
	t.Helper()
	return Run(context.Background(), Options{Client: client, Release: release, Namespace: namespace, Now: func() time.Time { return now }})
}

// TestLocate: the installation is found by release and namespace, or by its webhook
// configuration alone; a cluster without podpolicy says so in one line.
func TestLocate(t *testing.T) {
	for _, tc := range []struct {
		name               string
		release, namespace string
	}{{"by release and namespace", release, ns}, {"by release", release, ""}, {"by namespace", "", ns}, {"by nothing", "", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := runWith(t, cleanInstall(t).client(t), tc.release, tc.namespace)
			if err != nil {
				t.Fatal(err)
			}
			if r.Release != release || r.Namespace != ns || len(r.Findings) != 0 {
				t.Errorf("release %q, namespace %q, findings %v; want %q, %q, none", r.Release, r.Namespace, r.Findings, release, ns)
			}
		})
	}
	for _, tc := range []struct {
		name               string
		release, namespace string
		want               string
	}{
		{"nothing given", "", "", "no podpolicy installation: no ValidatingWebhookConfiguration has the webhook validate.podpolicy.io (give --release and --namespace of the helm release)"},
		{"a release", "pp", "", `no podpolicy installation: ValidatingWebhookConfiguration "pp-podpolicy" not found (give --release and --namespace of the helm release)`},
		{"a release and namespace", "pp", ns, `no podpolicy installation: ValidatingWebhookConfiguration "pp-podpolicy" not found, nor Deployment podpolicy-system/pp-podpolicy (give --release and --namespace of the helm release)`},
		{"a namespace", "", ns, `no podpolicy installation: no ValidatingWebhookConfiguration calls podpolicy (validate.podpolicy.io) in namespace "podpolicy-system" (give --release and --namespace of the helm release)`},
	} {
		t.Run("empty cluster, "+tc.name, func(t *testing.T) {
			_, err := runWith(t, fake.NewClientset(), tc.release, tc.namespace)
			var missing *NotInstalledError
			if !errors.As(err, &missing) || err.Error() != tc.want || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want a NotInstalledError:\n%s", err, tc.want)
			}
		})
	}
	t.Run("a release elsewhere", func(t *testing.T) {
		_, err := runWith(t, cleanInstall(t).client(t), release, "other")
		want := `no podpolicy installation: none in namespace "other" (ValidatingWebhookConfiguration "pp-podpolicy" calls podpolicy in namespace "podpolicy-system") (give --release and --namespace of the helm release)`
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
	})
	t.Run("two installations", func(t *testing.T) {
		f := cleanInstall(t)
		client := f.client(t)
		second := f.validating.DeepCopy()
		second.Name, second.ResourceVersion = "other-podpolicy", ""
		second.Labels = map[string]string{instanceLabel: "other"}
		second.Webhooks[0].ClientConfig.Service.Namespace = "other-ns"
		if _, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(context.Background(), second, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err := runWith(t, client, "", "")
		want := `2 podpolicy installations: ValidatingWebhookConfiguration "other-podpolicy" (release "other", namespace "other-ns"), ValidatingWebhookConfiguration "pp-podpolicy" (release "pp", namespace "podpolicy-system"); give --release and --namespace of one`
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
		if r, err := runWith(t, client, "other", ""); err != nil || r.Namespace != "other-ns" {
			t.Errorf("--release other: %v, %+v", err, r)
		}
	})
	t.Run("the API refuses", func(t *testing.T) {
		client := cleanInstall(t).client(t)
		client.PrependReactor("list", "validatingwebhookconfigurations", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "validatingwebhookconfigurations"}, "", errors.New("no RBAC"))
		})
		_, err := runWith(t, client, release, ns)
		var missing *NotInstalledError
		if err == nil || errors.As(err, &missing) || !strings.Contains(err.Error(), "list ValidatingWebhookConfigurations") {
			t.Errorf("error %v, want the API's", err)
		}
	})
}

func TestInstallation(t *testing.T) {
	runFaults(t, []fault{
		{"the validating configuration deleted", func(t *testing.T, f *fixture) { f.validating = nil }, want{Critical, "installation", vwc, "",
			[]string{`ValidatingWebhookConfiguration "pp-podpolicy" does not exist although Deployment podpolicy-system/pp-podpolicy runs`, "admitted unchecked"}, nil}},
		{"validate.podpolicy.io removed", func(t *testing.T, f *fixture) { f.validating.Webhooks = f.validating.Webhooks[1:] }, want{Critical, "installation", vwc, "webhooks",
			[]string{"has no webhook validate.podpolicy.io (it has mode-guard.podpolicy.io)"}, nil}},
		{"the Deployment deleted", func(t *testing.T, f *fixture) { f.deployment = nil }, want{High, "installation", deployment, "",
			[]string{"Deployment podpolicy-system/pp-podpolicy does not exist"}, nil}},
		{"the Service deleted", func(t *testing.T, f *fixture) { f.service = nil }, want{High, "installation", Object{"Service", ns, fullname}, "",
			[]string{"Service podpolicy-system/pp-podpolicy, which validate.podpolicy.io calls, does not exist"}, nil}},
		{"the mutating configuration deleted", func(t *testing.T, f *fixture) { f.mutating = nil }, want{Medium, "installation", mwc, "",
			[]string{"created without the labels"}, nil}},
	})
}

// TestCheckErrors: a check whose reads the API refuses could not check (exit 2); the others
// still run and report.
func TestCheckErrors(t *testing.T) {
	f := cleanInstall(t)
	f.pdb = nil
	f.reactors = append(f.reactors, func(c *fake.Clientset) {
		c.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, fullname+"-tls", errors.New("no RBAC"))
		})
	})
	r := f.run(t)
	if len(r.Errors) != 1 || r.Errors[0].Check != "ca-bundle" || !strings.Contains(r.Errors[0].Error(), "read Secret podpolicy-system/pp-podpolicy-tls") {
		t.Errorf("errors %v, want ca-bundle's", r.Errors)
	}
	if len(r.Findings) != 1 || r.Findings[0].Check != "disruption-budget" {
		t.Errorf("findings %+v, want the missing PDB's", r.Findings)
	}
	if r.ExitCode() != ExitError {
		t.Errorf("exit %d, want %d", r.ExitCode(), ExitError)
	}
}
