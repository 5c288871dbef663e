package harness

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/kinds"
)

// ConfigurationName names the webhook configurations the harness installs.
const ConfigurationName = "podpolicy"

// namespaceSelector never sends requests of kube-system, by the label the API server sets and
// a tenant cannot forge.
var namespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
	Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system"},
}}}

func rule(group, version string, ops []admissionregistrationv1.OperationType, resources ...string) admissionregistrationv1.RuleWithOperations {
	scope := admissionregistrationv1.NamespacedScope
	return admissionregistrationv1.RuleWithOperations{
		Operations: ops,
		Rule:       admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{version}, Resources: resources, Scope: &scope},
	}
}

var (
	createUpdate = []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	update       = []admissionregistrationv1.OperationType{admissionregistrationv1.Update}
	create       = []admissionregistrationv1.OperationType{admissionregistrationv1.Create}
)

// ValidatingRules are the requests podpolicy validates: the kinds of the default config's kinds
// table (Pods, Kubernetes' workloads, and the shipped custom kinds at every version of their
// groups), and the subresources through which Pods change what runs.
// The chart registers the same (a test of test/e2e/chart holds it to the table).
var ValidatingRules = func() []admissionregistrationv1.RuleWithOperations {
	var rules []admissionregistrationv1.RuleWithOperations
	for _, k := range kinds.Builtin {
		i := slices.IndexFunc(rules, func(r admissionregistrationv1.RuleWithOperations) bool {
			return r.APIGroups[0] == k.Group && r.APIVersions[0] == k.Version && len(r.Operations) == len(createUpdate)
		})
		if i < 0 {
			rules = append(rules, rule(k.Group, k.Version, createUpdate))
			i = len(rules) - 1
		}
		rules[i].Resources = append(rules[i].Resources, k.Resource)
	}
	rules = append(rules, rule("", "v1", update, "pods/ephemeralcontainers", "pods/resize"))
	table, err := config.DefaultKinds()
	if err != nil {
		panic(err)
	}
	byGroup := map[string][]string{}
	for _, k := range table.Configured() {
		byGroup[k.Group] = append(byGroup[k.Group], k.Resource)
	}
	for _, group := range slices.Sorted(maps.Keys(byGroup)) {
		rules = append(rules, rule(group, "*", createUpdate, slices.Sorted(slices.Values(byGroup[group]))...))
	}
	return rules
}()

// ValidatingConfiguration calls url for ValidatingRules, trusting caPEM.
func ValidatingConfiguration(url string, caPEM []byte, failurePolicy admissionregistrationv1.FailurePolicyType) *admissionregistrationv1.ValidatingWebhookConfiguration {
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "validate.podpolicy.io",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM},
			Rules:                   ValidatingRules,
			FailurePolicy:           &failurePolicy,
			MatchPolicy:             ptr(admissionregistrationv1.Equivalent),
			NamespaceSelector:       namespaceSelector,
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr(int32(5)),
			AdmissionReviewVersions: []string{"v1"},
		}, {
			// The guard of podpolicy.io/mode, as the chart registers it.
			Name:         "mode-guard.podpolicy.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: createUpdate,
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"namespaces", "namespaces/status", "namespaces/finalize"}, Scope: ptr(admissionregistrationv1.ClusterScope)},
			}},
			MatchConditions:         []admissionregistrationv1.MatchCondition{{Name: "guarded-label-changes", Expression: ModeChangeExpression}},
			FailurePolicy:           ptr(admissionregistrationv1.Fail),
			MatchPolicy:             ptr(admissionregistrationv1.Equivalent),
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr(int32(5)),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}

// ModeChangeExpression is the chart's CEL condition of a request that adds, changes or removes
// a guarded Namespace label, with its default values: podpolicy.io/mode alone
// (charts/podpolicy/templates/_helpers.tpl, podpolicy.guardExpression).
const ModeChangeExpression = `['podpolicy.io/mode'].exists(k, (oldObject == null || !has(oldObject.metadata.labels) || !(k in oldObject.metadata.labels) ? '<absent>' : oldObject.metadata.labels[k]) != (!has(object.metadata.labels) || !(k in object.metadata.labels) ? '<absent>' : object.metadata.labels[k]))`

// MutatingConfiguration calls url when Pods are created, trusting caPEM.
func MutatingConfiguration(url string, caPEM []byte, failurePolicy admissionregistrationv1.FailurePolicyType) *admissionregistrationv1.MutatingWebhookConfiguration {
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:                    "mutate.podpolicy.io",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM},
			Rules:                   []admissionregistrationv1.RuleWithOperations{rule("", "v1", create, "pods")},
			FailurePolicy:           &failurePolicy,
			MatchPolicy:             ptr(admissionregistrationv1.Equivalent),
			NamespaceSelector:       namespaceSelector,
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr(int32(5)),
			ReinvocationPolicy:      ptr(admissionregistrationv1.NeverReinvocationPolicy),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}

func ptr[T any](v T) *T { return &v }

// InstallWebhooks registers w with the API server and waits until the API server calls it.
func (cp *ControlPlane) InstallWebhooks(ctx context.Context, w *Webhook, failurePolicy admissionregistrationv1.FailurePolicyType) error {
	if err := cp.RegisterWebhooks(ctx, w, failurePolicy); err != nil {
		return err
	}
	return cp.WaitForWebhook(ctx, 30*time.Second)
}

// RegisterWebhooks points both configurations at w, creating or replacing them.
func (cp *ControlPlane) RegisterWebhooks(ctx context.Context, w *Webhook, failurePolicy admissionregistrationv1.FailurePolicyType) error {
	return cp.RegisterURLs(ctx, w.URL("/validate"), w.URL("/mutate"), w.CA.CertPEM, failurePolicy)
}

// RegisterURLs points both configurations at the given URLs, trusting caPEM, creating or
// replacing them.
func (cp *ControlPlane) RegisterURLs(ctx context.Context, validateURL, mutateURL string, caPEM []byte, failurePolicy admissionregistrationv1.FailurePolicyType) error {
	api := cp.Client.AdmissionregistrationV1()
	validating := ValidatingConfiguration(validateURL, caPEM, failurePolicy)
	mutating := MutatingConfiguration(mutateURL, caPEM, failurePolicy)
	_ = api.ValidatingWebhookConfigurations().Delete(ctx, ConfigurationName, metav1.DeleteOptions{})
	_ = api.MutatingWebhookConfigurations().Delete(ctx, ConfigurationName, metav1.DeleteOptions{})
	if _, err := api.ValidatingWebhookConfigurations().Create(ctx, validating, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create validating configuration: %w", err)
	}
	if _, err := api.MutatingWebhookConfigurations().Create(ctx, mutating, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create mutating configuration: %w", err)
	}
	return nil
}

// UninstallWebhooks removes both configurations.
func (cp *ControlPlane) UninstallWebhooks(ctx context.Context) error {
	api := cp.Client.AdmissionregistrationV1()
	for _, err := range []error{
		api.ValidatingWebhookConfigurations().Delete(ctx, ConfigurationName, metav1.DeleteOptions{}),
		api.MutatingWebhookConfigurations().Delete(ctx, ConfigurationName, metav1.DeleteOptions{}),
	} {
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// WaitForWebhook dry-runs the creation of a Pod that breaks a rule until podpolicy denies it:
// the API server picks up new webhook configurations asynchronously.
func (cp *ControlPlane) WaitForWebhook(ctx context.Context, timeout time.Duration) error {
	probe := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "podpolicy-probe", Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "probe", Image: "probe:latest"}}},
	}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		_, err := cp.Client.CoreV1().Pods("default").Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil && strings.Contains(err.Error(), "image-tag-pinned") {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("the API server did not call podpolicy within %v (last answer: %v)", timeout, last)
}
