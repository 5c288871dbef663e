package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// UninstallOptions configure `podpolicy uninstall-webhooks`, which the chart's pre-delete hook
// runs so that `helm uninstall` never leaves the API server calling a webhook that is gone.
type UninstallOptions struct {
	// Kubeconfig is the kubeconfig file; empty means in-cluster.
	Kubeconfig string
	// ValidatingWebhook and MutatingWebhook name the configurations to delete; an empty name
	// is left alone, but one of them must be given.
	ValidatingWebhook, MutatingWebhook string
	// Timeout bounds the whole removal.
	Timeout time.Duration
}

// Validate checks the options before anything is contacted.
func (o UninstallOptions) Validate() error {
	var errs []error
	if o.ValidatingWebhook == "" && o.MutatingWebhook == "" {
		errs = append(errs, errors.New("give --validating-webhook-configuration, --mutating-webhook-configuration or both"))
	}
	if o.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout %v must be positive", o.Timeout))
	}
	return errors.Join(errs...)
}

// Removal reports what became of one webhook configuration.
type Removal struct {
	// Kind is ValidatingWebhookConfiguration or MutatingWebhookConfiguration.
	Kind string
	Name string
	// Deleted is true when it was deleted, false when it did not exist.
	Deleted bool
}

// configurationDeleter deletes webhook configurations of one kind by name: the part of
// client-go's typed clients Uninstall needs.
type configurationDeleter interface {
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// Uninstall deletes the webhook configurations o names, through the API server of o.Kubeconfig
// or of the cluster podpolicy runs in. One that does not exist counts as removed.
func Uninstall(ctx context.Context, o UninstallOptions) ([]Removal, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	cfg, err := restConfig(o.Kubeconfig)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, errors.New("no Kubernetes API to delete the webhook configurations through: give --kubeconfig, or run in a cluster")
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("API client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	api := client.AdmissionregistrationV1()
	return deleteConfigurations(ctx, api.ValidatingWebhookConfigurations(), api.MutatingWebhookConfigurations(), o.ValidatingWebhook, o.MutatingWebhook)
}

// deleteConfigurations deletes the named configurations, skipping an empty name. It tries both
// even when the first fails, and returns every failure.
func deleteConfigurations(ctx context.Context, validating, mutating configurationDeleter, validatingName, mutatingName string) ([]Removal, error) {
	var removals []Removal
	var errs []error
	for _, c := range []struct {
		kind, name string
		client     configurationDeleter
	}{
		{"ValidatingWebhookConfiguration", validatingName, validating},
		{"MutatingWebhookConfiguration", mutatingName, mutating},
	} {
		if c.name == "" {
			continue
		}
		err := c.client.Delete(ctx, c.name, metav1.DeleteOptions{})
		switch {
		case err == nil:
			removals = append(removals, Removal{Kind: c.kind, Name: c.name, Deleted: true})
		case apierrors.IsNotFound(err):
			removals = append(removals, Removal{Kind: c.kind, Name: c.name})
		default:
			errs = append(errs, fmt.Errorf("delete %s %q: %w", c.kind, c.name, err))
		}
	}
	return removals, errors.Join(errs...)
}
