package doctor

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// checkInstallation: the objects through which the API server calls podpolicy are there: the
// ValidatingWebhookConfiguration with validate.podpolicy.io, the Deployment that serves it and
// the Service it calls, and the MutatingWebhookConfiguration.
func checkInstallation(ctx context.Context, in *install) ([]Finding, error) {
	var out []Finding
	switch w, _ := in.validatingWebhook(validateWebhook); {
	case in.validating == nil:
		out = append(out, Finding{
			Severity: Critical, Object: in.validatingObject(),
			Message: fmt.Sprintf("ValidatingWebhookConfiguration %q does not exist although Deployment %s/%s runs: the API server never calls podpolicy, so every Pod and workload is admitted unchecked", in.fullname, in.namespace, in.fullname),
			Fix:     "create it again: helm upgrade of the release (or helm rollback to its last revision)",
		})
	case w == nil:
		out = append(out, Finding{
			Severity: Critical, Object: in.validatingObject(), Field: "webhooks",
			Message: fmt.Sprintf("ValidatingWebhookConfiguration %q has no webhook %s (it has %s): nothing validates Pods and workloads, so they are admitted unchecked", in.fullname, validateWebhook, webhookNames(in)),
			Fix:     "add the chart's webhook " + validateWebhook + " again: helm upgrade of the release",
		})
	}
	if in.deployment == nil {
		out = append(out, Finding{
			Severity: High, Object: in.deploymentObject(),
			Message: fmt.Sprintf("Deployment %s/%s does not exist: nothing answers the webhooks, so the API server %s", in.namespace, in.fullname, in.unanswered()),
			Fix:     "create it again: helm upgrade of the release",
		})
	}
	if w, _ := in.validatingWebhook(validateWebhook); w != nil && w.ClientConfig.Service != nil {
		svc := w.ClientConfig.Service
		_, err := in.client.CoreV1().Services(svc.Namespace).Get(ctx, svc.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			out = append(out, Finding{
				Severity: High, Object: Object{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name},
				Message: fmt.Sprintf("Service %s/%s, which %s calls, does not exist: the API server cannot reach podpolicy", svc.Namespace, svc.Name, validateWebhook),
				Fix:     "create it again: helm upgrade of the release",
			})
		case err != nil:
			return nil, fmt.Errorf("read Service %s/%s: %w", svc.Namespace, svc.Name, err)
		}
	}
	if _, i := in.mutatingWebhook(); i < 0 {
		out = append(out, Finding{
			Severity: Medium, Object: in.mutatingObject(),
			Message: fmt.Sprintf("MutatingWebhookConfiguration %q with the webhook %s does not exist: Pods are created without the labels and the default-container annotation podpolicy adds", in.fullname, mutateWebhook),
			Fix:     "create it again: helm upgrade of the release",
		})
	}
	return out, nil
}

// webhookNames lists the webhooks of the ValidatingWebhookConfiguration.
func webhookNames(in *install) string {
	if len(in.validating.Webhooks) == 0 {
		return "none"
	}
	s := ""
	for i, w := range in.validating.Webhooks {
		if i > 0 {
			s += ", "
		}
		s += w.Name
	}
	return s
}
