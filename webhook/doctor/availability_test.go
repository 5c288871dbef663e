package doctor

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestReplicas(t *testing.T) {
	runFaults(t, []fault{
		{"one replica", func(t *testing.T, f *fixture) { f.deployment.Spec.Replicas = ptr(int32(1)) }, want{High, "replicas", deployment, "spec.replicas",
			[]string{"Deployment podpolicy-system/pp-podpolicy has replicas 1"},
			[]string{"helm: --set replicaCount=2", "kubectl scale -n podpolicy-system deploy/pp-podpolicy --replicas=2"}}},
		{"one of two ready", func(t *testing.T, f *fixture) { f.deployment.Status.ReadyReplicas = 1 }, want{High, "replicas", deployment, "status.readyReplicas",
			[]string{"only 1 of the 2 replicas of Deployment podpolicy-system/pp-podpolicy are ready"},
			[]string{"kubectl describe pods -n podpolicy-system -l app.kubernetes.io/instance=pp,app.kubernetes.io/name=podpolicy"}}},
	})
}

func TestDisruptionBudget(t *testing.T) {
	runFaults(t, []fault{
		{"no PDB", func(t *testing.T, f *fixture) { f.pdb = nil }, want{Medium, "disruption-budget", Object{"PodDisruptionBudget", ns, fullname}, "",
			[]string{"no PodDisruptionBudget in podpolicy-system selects the Pods of Deployment podpolicy-system/pp-podpolicy"},
			[]string{"podDisruptionBudget.enabled=true"}}},
		{"a PDB of other Pods", func(t *testing.T, f *fixture) {
			f.pdb.Spec.Selector.MatchLabels = map[string]string{"app": "other"}
		}, want{Medium, "disruption-budget", Object{"PodDisruptionBudget", ns, fullname}, "", nil, nil}},
		{"a PDB that blocks every drain", func(t *testing.T, f *fixture) {
			f.pdb.Spec.MinAvailable = ptr(intstr.FromString("100%"))
		}, want{Medium, "disruption-budget", Object{"PodDisruptionBudget", ns, fullname}, "spec.minAvailable",
			[]string{"has minAvailable 100% for 2 replicas: it allows no eviction"}, []string{"set minAvailable below 2"}}},
		{"maxUnavailable 0", func(t *testing.T, f *fixture) {
			f.pdb.Spec.MinAvailable, f.pdb.Spec.MaxUnavailable = nil, ptr(intstr.FromInt32(0))
		}, want{Medium, "disruption-budget", Object{"PodDisruptionBudget", ns, fullname}, "spec.maxUnavailable", []string{"maxUnavailable 0"}, nil}},
	})
	runClean(t, map[string]func(*testing.T, *fixture){
		"maxUnavailable 1": func(t *testing.T, f *fixture) {
			f.pdb.Spec.MinAvailable, f.pdb.Spec.MaxUnavailable = nil, ptr(intstr.FromInt32(1))
		},
	})
}

func corev1VolumeMount(name, path string) corev1.VolumeMount {
	return corev1.VolumeMount{Name: name, MountPath: path, ReadOnly: true}
}

func secretVolume(name, secret string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: secret}}}
}
