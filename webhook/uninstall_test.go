package webhook

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fakeConfigurations holds webhook configurations of one kind by name; fail, when set, is
// what deleting any of them returns.
type fakeConfigurations struct {
	resource string
	names    map[string]bool
	fail     error
}

func (f *fakeConfigurations) Delete(_ context.Context, name string, _ metav1.DeleteOptions) error {
	if f.fail != nil {
		return f.fail
	}
	if !f.names[name] {
		return apierrors.NewNotFound(schema.GroupResource{Group: "admissionregistration.k8s.io", Resource: f.resource}, name)
	}
	delete(f.names, name)
	return nil
}

func validatingFake(names ...string) *fakeConfigurations {
	return newFake("validatingwebhookconfigurations", names)
}

func mutatingFake(names ...string) *fakeConfigurations {
	return newFake("mutatingwebhookconfigurations", names)
}

func newFake(resource string, names []string) *fakeConfigurations {
	f := &fakeConfigurations{resource: resource, names: map[string]bool{}}
	for _, n := range names {
		f.names[n] = true
	}
	return f
}

func TestDeleteConfigurations(t *testing.T) {
	ctx := context.Background()
	t.Run("both exist", func(t *testing.T) {
		v, m := validatingFake("pp-podpolicy", "other"), mutatingFake("pp-podpolicy")
		got, err := deleteConfigurations(ctx, v, m, "pp-podpolicy", "pp-podpolicy")
		want := []Removal{{"ValidatingWebhookConfiguration", "pp-podpolicy", true}, {"MutatingWebhookConfiguration", "pp-podpolicy", true}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, %v; want %+v", got, err, want)
		}
		if len(m.names) != 0 || !reflect.DeepEqual(v.names, map[string]bool{"other": true}) {
			t.Errorf("left validating %v, mutating %v; want only the other validating configuration", v.names, m.names)
		}
	})
	t.Run("already gone", func(t *testing.T) {
		got, err := deleteConfigurations(ctx, validatingFake(), mutatingFake(), "pp-podpolicy", "pp-podpolicy")
		want := []Removal{{"ValidatingWebhookConfiguration", "pp-podpolicy", false}, {"MutatingWebhookConfiguration", "pp-podpolicy", false}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, %v; want %+v and no error", got, err, want)
		}
	})
	t.Run("only the mutating one named", func(t *testing.T) {
		v, m := validatingFake("pp-podpolicy"), mutatingFake("pp-podpolicy")
		got, err := deleteConfigurations(ctx, v, m, "", "pp-podpolicy")
		if want := []Removal{{"MutatingWebhookConfiguration", "pp-podpolicy", true}}; err != nil || !reflect.DeepEqual(got, want) || !v.names["pp-podpolicy"] {
			t.Errorf("got %+v, %v, validating left %v; want %+v and the validating one kept", got, err, v.names, want)
		}
	})
	t.Run("forbidden", func(t *testing.T) {
		v, m := validatingFake("pp-podpolicy"), mutatingFake("pp-podpolicy")
		v.fail = apierrors.NewForbidden(schema.GroupResource{Group: "admissionregistration.k8s.io", Resource: v.resource}, "pp-podpolicy", errors.New("RBAC: access denied"))
		got, err := deleteConfigurations(ctx, v, m, "pp-podpolicy", "pp-podpolicy")
		if err == nil || !strings.Contains(err.Error(), `delete ValidatingWebhookConfiguration "pp-podpolicy": `) || !apierrors.IsForbidden(err) {
			t.Errorf("error %v, want the forbidden deletion named, wrapping the API error", err)
		}
		if want := []Removal{{"MutatingWebhookConfiguration", "pp-podpolicy", true}}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want the mutating configuration deleted all the same: %+v", got, want)
		}
	})
}

func TestUninstallOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    UninstallOptions
		want string
	}{
		{"no names", UninstallOptions{Timeout: time.Second}, "give --validating-webhook-configuration, --mutating-webhook-configuration or both"},
		{"no timeout", UninstallOptions{ValidatingWebhook: "x"}, "--timeout 0s must be positive"},
	} {
		if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := (UninstallOptions{MutatingWebhook: "x", Timeout: time.Second}).Validate(); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
}

func TestUninstallNeedsAnAPI(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	o := UninstallOptions{ValidatingWebhook: "x", Timeout: time.Second}
	if _, err := Uninstall(context.Background(), o); err == nil || !strings.Contains(err.Error(), "give --kubeconfig, or run in a cluster") {
		t.Errorf("outside a cluster without --kubeconfig: %v", err)
	}
	o.Kubeconfig = t.TempDir() + "/missing"
	if _, err := Uninstall(context.Background(), o); err == nil || !strings.Contains(err.Error(), "--kubeconfig: ") || !strings.Contains(err.Error(), "missing") {
		t.Errorf("a missing kubeconfig: %v", err)
	}
}
