package doctor

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// checkReplicas: at least two replicas are asked for and ready, so that one restarting, or its
// node drained, leaves another to answer.
func checkReplicas(_ context.Context, in *install) ([]Finding, error) {
	d := in.deployment
	if d == nil {
		return nil, nil
	}
	replicas := int32(1)
	if d.Spec.Replicas != nil {
		replicas = *d.Spec.Replicas
	}
	outcome := "the API server " + in.unanswered()
	if replicas < 2 {
		return []Finding{{
			Severity: High, Object: in.deploymentObject(), Field: "spec.replicas",
			Message: fmt.Sprintf("Deployment %s/%s has replicas %d: while that Pod restarts, or its node is drained, no replica answers, and %s", d.Namespace, d.Name, replicas, outcome),
			Fix:     fmt.Sprintf("set replicas to 2 or more (helm: --set replicaCount=2; or kubectl scale -n %s deploy/%s --replicas=2)", d.Namespace, d.Name),
		}}, nil
	}
	if d.Status.ReadyReplicas < 2 {
		return []Finding{{
			Severity: High, Object: in.deploymentObject(), Field: "status.readyReplicas",
			Message: fmt.Sprintf("only %d of the %d replicas of Deployment %s/%s are ready: if %s goes, %s", d.Status.ReadyReplicas, replicas, d.Namespace, d.Name, oneOrNone(d.Status.ReadyReplicas), outcome),
			Fix:     fmt.Sprintf("see why the others are not: kubectl describe pods -n %s -l %s", d.Namespace, metav1.FormatLabelSelector(d.Spec.Selector)),
		}}, nil
	}
	return nil, nil
}

func oneOrNone(ready int32) string {
	if ready == 0 {
		return "nothing else"
	}
	return "that one"
}

// checkDisruptionBudget: a PodDisruptionBudget keeps a replica while nodes are drained, and
// lets a drain evict the others.
func checkDisruptionBudget(ctx context.Context, in *install) ([]Finding, error) {
	d := in.deployment
	if d == nil {
		return nil, nil
	}
	pdbs, err := in.client.PolicyV1().PodDisruptionBudgets(in.namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list PodDisruptionBudgets in %s: %w", in.namespace, err)
	}
	podLabels := labels.Set(d.Spec.Template.Labels)
	var covering []string
	for _, p := range pdbs.Items {
		s, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || p.Spec.Selector == nil || s.Empty() || !s.Matches(podLabels) {
			continue
		}
		covering = append(covering, p.Name)
		replicas := int32(1)
		if d.Spec.Replicas != nil {
			replicas = *d.Spec.Replicas
		}
		if replicas < 2 {
			continue // the replicas check says it
		}
		if field, value, blocks := blocksDrains(p.Spec.MinAvailable, p.Spec.MaxUnavailable, int(replicas)); blocks {
			return []Finding{{
				Severity: Medium, Object: Object{Kind: "PodDisruptionBudget", Namespace: p.Namespace, Name: p.Name}, Field: field,
				Message: fmt.Sprintf("PodDisruptionBudget %s/%s has %s %s for %d replicas: it allows no eviction, so every node drain that holds a replica blocks", p.Namespace, p.Name, strings.TrimPrefix(field, "spec."), value, replicas),
				Fix:     fmt.Sprintf("set minAvailable below %d, e.g. 1 (helm: --set podDisruptionBudget.minAvailable=1), or run more replicas (helm: replicaCount)", replicas),
			}}, nil
		}
	}
	if len(covering) > 0 {
		return nil, nil
	}
	return []Finding{{
		Severity: Medium, Object: Object{Kind: "PodDisruptionBudget", Namespace: in.namespace, Name: in.fullname},
		Message: fmt.Sprintf("no PodDisruptionBudget in %s selects the Pods of Deployment %s/%s (%s): a node drain may evict every replica at once", in.namespace, in.namespace, in.fullname, podLabels),
		Fix:     "create one with minAvailable: 1 (helm: --set podDisruptionBudget.enabled=true)",
	}}, nil
}

// blocksDrains reports whether a PodDisruptionBudget allows no eviction of replicas Pods when
// all are healthy, and the field and value that make it so.
func blocksDrains(minAvailable, maxUnavailable *intstr.IntOrString, replicas int) (string, string, bool) {
	switch {
	case minAvailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(minAvailable, replicas, true)
		return "spec.minAvailable", minAvailable.String(), err == nil && n >= replicas
	case maxUnavailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(maxUnavailable, replicas, false)
		return "spec.maxUnavailable", maxUnavailable.String(), err == nil && n <= 0
	}
	return "", "", false
}
