package doctor

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkSelfExclusion: a webhook that fails closed (failurePolicy Fail) never intercepts
// podpolicy's own namespace, or podpolicy could not start its Pods while none answers, nor
// kube-system, whose Pods (DNS, the network) the cluster needs to come back.
func checkSelfExclusion(ctx context.Context, in *install) ([]Finding, error) {
	var out []Finding
	for _, h := range in.hooks() {
		if h.name == guardWebhook || !failsClosed(h.failurePolicy) {
			continue
		}
		selector := labels.Everything()
		if h.namespaceSelector != nil {
			s, err := metav1.LabelSelectorAsSelector(h.namespaceSelector)
			if err != nil {
				// The API server refuses such a selector; it cannot be live.
				continue
			}
			selector = s
		}
		for _, ns := range []struct{ name, why string }{
			{in.namespace, "podpolicy's own Pods, so once no replica answers it cannot come back"},
			{"kube-system", "the Pods of kube-system (DNS, the network, kube-proxy) while podpolicy does not answer"},
		} {
			nsLabels, err := namespaceLabels(ctx, in, ns.name)
			if err != nil {
				return nil, err
			}
			if !selector.Matches(labels.Set(nsLabels)) {
				continue
			}
			out = append(out, Finding{
				Severity: High, Object: h.object, Field: fmt.Sprintf("webhooks[%d].namespaceSelector", h.index),
				Message: fmt.Sprintf("%s (failurePolicy Fail) selects Namespace %q: the API server refuses %s", h.name, ns.name, ns.why),
				Fix: fmt.Sprintf("add %q to the values of the requirement {key: %s, operator: NotIn} (the chart always excludes kube-system and the release's namespace: helm upgrade of the release)",
					ns.name, nameLabel),
			})
		}
	}
	return out, nil
}

// namespaceLabels are the labels of Namespace name; those the API server gives it when it
// cannot be read because it does not exist.
func namespaceLabels(ctx context.Context, in *install, name string) (map[string]string, error) {
	ns, err := in.client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return map[string]string{nameLabel: name}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read Namespace %s: %w", name, err)
	}
	return ns.Labels, nil
}
