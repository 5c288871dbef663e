package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The names of podpolicy's webhooks, as the chart registers them.
const (
	validateWebhook = "validate.podpolicy.io"
	guardWebhook    = "mode-guard.podpolicy.io"
	mutateWebhook   = "mutate.podpolicy.io"
)

// instanceLabel holds the helm release on every object of the chart.
const instanceLabel = "app.kubernetes.io/instance"

// NotInstalledError says that no podpolicy installation is where the options point.
type NotInstalledError struct {
	// Reason names what was looked for.
	Reason string
}

func (e *NotInstalledError) Error() string {
	return "no podpolicy installation: " + e.Reason + " (give --release and --namespace of the helm release)"
}

// install is what every check reads: the installation's names and its main objects, read
// once. A missing object is nil.
type install struct {
	client                       kubernetes.Interface
	now                          time.Time
	release, namespace, fullname string
	validating                   *admissionregistrationv1.ValidatingWebhookConfiguration
	mutating                     *admissionregistrationv1.MutatingWebhookConfiguration
	deployment                   *appsv1.Deployment
	serve                        serveArgs
	// The serving certificate and the Pods' metrics, read by the first check that needs them.
	serving     *serving
	servingErr  error
	servingRead bool
	metrics     *podMetrics
}

// Fullname is the name the chart gives a release's objects: the release name when it contains
// "podpolicy", else <release>-podpolicy (63 characters at most).
func Fullname(release string) string {
	name := release
	if !strings.Contains(release, "podpolicy") {
		name = release + "-podpolicy"
	}
	if len(name) > 63 {
		name = name[:63]
	}
	return strings.TrimSuffix(name, "-")
}

// candidate is a ValidatingWebhookConfiguration with a webhook of podpolicy's.
type candidate struct {
	config             *admissionregistrationv1.ValidatingWebhookConfiguration
	release, namespace string
}

// locate finds the installation, by release and namespace when given, else by the
// ValidatingWebhookConfiguration that calls podpolicy's Service, and reads its main objects.
func locate(ctx context.Context, client kubernetes.Interface, release, namespace string) (*install, error) {
	list, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list ValidatingWebhookConfigurations: %w", err)
	}
	var found []candidate
	var elsewhere []string // of the release, in another namespace
	for i := range list.Items {
		c := &list.Items[i]
		ns := serviceNamespace(c)
		if ns == "" {
			continue
		}
		rel := c.Labels[instanceLabel]
		if release != "" && rel != release && c.Name != Fullname(release) {
			continue
		}
		if namespace != "" && ns != namespace {
			elsewhere = append(elsewhere, fmt.Sprintf("ValidatingWebhookConfiguration %q calls podpolicy in namespace %q", c.Name, ns))
			continue
		}
		if rel == "" {
			rel = release
		}
		found = append(found, candidate{config: c, release: rel, namespace: ns})
	}
	in := &install{client: client}
	switch {
	case len(found) == 1:
		c := found[0]
		in.release, in.namespace, in.fullname, in.validating = c.release, c.namespace, c.config.Name, c.config
	case len(found) > 1:
		var names []string
		for _, c := range found {
			names = append(names, fmt.Sprintf("ValidatingWebhookConfiguration %q (release %q, namespace %q)", c.config.Name, c.release, c.namespace))
		}
		return nil, fmt.Errorf("%d podpolicy installations: %s; give --release and --namespace of one", len(found), strings.Join(names, ", "))
	case release != "" && namespace != "":
		// The configuration may have been deleted from under a running installation: that is a
		// finding, not a missing installation, when its Deployment is there.
		in.release, in.namespace, in.fullname = release, namespace, Fullname(release)
		d, err := client.AppsV1().Deployments(namespace).Get(ctx, in.fullname, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			reason := fmt.Sprintf("ValidatingWebhookConfiguration %q not found, nor Deployment %s/%s", in.fullname, namespace, in.fullname)
			if len(elsewhere) > 0 {
				reason = fmt.Sprintf("none in namespace %q (%s)", namespace, strings.Join(elsewhere, "; "))
			}
			return nil, &NotInstalledError{Reason: reason}
		}
		if err != nil {
			return nil, fmt.Errorf("read Deployment %s/%s: %w", namespace, in.fullname, err)
		}
		in.deployment = d
	case release != "":
		return nil, &NotInstalledError{Reason: fmt.Sprintf("ValidatingWebhookConfiguration %q not found", Fullname(release))}
	case namespace != "":
		return nil, &NotInstalledError{Reason: fmt.Sprintf("no ValidatingWebhookConfiguration calls podpolicy (%s) in namespace %q", validateWebhook, namespace)}
	default:
		return nil, &NotInstalledError{Reason: fmt.Sprintf("no ValidatingWebhookConfiguration has the webhook %s", validateWebhook)}
	}
	if err := in.read(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

// serviceNamespace is the namespace of the Service a podpolicy webhook of c calls; "" when c
// has none (it is not podpolicy's, or calls a URL).
func serviceNamespace(c *admissionregistrationv1.ValidatingWebhookConfiguration) string {
	for _, w := range c.Webhooks {
		if (w.Name == validateWebhook || w.Name == guardWebhook) && w.ClientConfig.Service != nil {
			return w.ClientConfig.Service.Namespace
		}
	}
	return ""
}

// read reads the MutatingWebhookConfiguration and the Deployment of the installation.
func (in *install) read(ctx context.Context) error {
	m, err := in.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, in.fullname, metav1.GetOptions{})
	switch {
	case err == nil:
		in.mutating = m
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("read MutatingWebhookConfiguration %q: %w", in.fullname, err)
	}
	if in.deployment == nil {
		d, err := in.client.AppsV1().Deployments(in.namespace).Get(ctx, in.fullname, metav1.GetOptions{})
		switch {
		case err == nil:
			in.deployment = d
		case !apierrors.IsNotFound(err):
			return fmt.Errorf("read Deployment %s/%s: %w", in.namespace, in.fullname, err)
		}
	}
	if in.deployment != nil {
		in.serve = parseServeArgs(in.deployment)
	} else {
		in.serve = defaultServeArgs(in.namespace)
	}
	return nil
}

// validatingWebhook returns the webhook of this name in the ValidatingWebhookConfiguration and
// its index; nil when there is none.
func (in *install) validatingWebhook(name string) (*admissionregistrationv1.ValidatingWebhook, int) {
	if in.validating == nil {
		return nil, -1
	}
	for i := range in.validating.Webhooks {
		if in.validating.Webhooks[i].Name == name {
			return &in.validating.Webhooks[i], i
		}
	}
	return nil, -1
}

// mutatingWebhook returns mutate.podpolicy.io and its index; nil when there is none.
func (in *install) mutatingWebhook() (*admissionregistrationv1.MutatingWebhook, int) {
	if in.mutating == nil {
		return nil, -1
	}
	for i := range in.mutating.Webhooks {
		if in.mutating.Webhooks[i].Name == mutateWebhook {
			return &in.mutating.Webhooks[i], i
		}
	}
	return nil, -1
}

// Objects of the installation, for findings.
func (in *install) validatingObject() Object {
	return Object{Kind: "ValidatingWebhookConfiguration", Name: in.fullname}
}

func (in *install) mutatingObject() Object {
	return Object{Kind: "MutatingWebhookConfiguration", Name: in.fullname}
}

func (in *install) deploymentObject() Object {
	return Object{Kind: "Deployment", Namespace: in.namespace, Name: in.fullname}
}

// failsClosed reports whether validate.podpolicy.io refuses what it cannot judge
// (failurePolicy Fail, the default of admissionregistration.k8s.io/v1).
func failsClosed(p *admissionregistrationv1.FailurePolicyType) bool {
	return p == nil || *p == admissionregistrationv1.Fail
}

// unanswered says what the API server does while no replica answers validate.podpolicy.io.
func (in *install) unanswered() string {
	var policy *admissionregistrationv1.FailurePolicyType
	if w, _ := in.validatingWebhook(validateWebhook); w != nil {
		policy = w.FailurePolicy
	}
	return strings.TrimPrefix(unreachableOutcome(validateWebhook, policy), "it ")
}
