package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/certs"
	"github.com/podpolicy/podpolicy/test/harness"
)

// burstRounds is how many times each configuration scales its Deployment up, taking turns.
const burstRounds = 5

// The names of the configurations the burst ratio compares.
const (
	burstNull      = "null webhook with podpolicy's patch (own process)"
	burstPodpolicy = "podpolicy"
)

// burstSetup is one configuration of the burst phase, with its bursts' durations.
type burstSetup struct {
	name      string
	install   func(context.Context) error
	durations []time.Duration
	// pid is the webhook process whose CPU the bursts are charged; 0 for none.
	pid int
	cpu float64
}

// burstSet holds each configuration's bursts.
type burstSet struct {
	replicas int
	setups   []*burstSetup
}

// replicaBursts scales a Deployment from 0 to replicas through the real API server and
// controllers (the ReplicaSet controller creating every Pod, each admitted through the
// webhooks) with no webhook, with the null webhook answering /mutate with podpolicy's patch in
// a process of its own, and with podpolicy with and without its decision cache, each in a
// namespace of its own, the configurations taking turns for burstRounds rounds. A burst lasts
// from the scale request until all of its Pods exist.
func replicaBursts(ctx context.Context, binary, dir string, ca *certs.CA, replicas int) (*burstSet, error) {
	cp, err := harness.StartControlPlane(filepath.Join(dir, "control-plane"))
	if err != nil {
		return nil, err
	}
	defer cp.Stop()
	patch := []byte(`[{"op":"add","path":"/metadata/annotations/kubectl.kubernetes.io~1default-container","value":"web-server"}]`)
	null, nullTarget, err := startNullServer(ctx, filepath.Join(dir, "null"), ca, patch)
	if err != nil {
		return nil, err
	}
	defer null.stop()
	cached, err := harness.StartWebhook(ctx, harness.WebhookOptions{Binary: binary, Dir: filepath.Join(dir, "cached"), Kubeconfig: cp.Kubeconfig})
	if err != nil {
		return nil, err
	}
	defer cached.Stop()
	evaluating, err := harness.StartWebhook(ctx, harness.WebhookOptions{Binary: binary, Dir: filepath.Join(dir, "evaluating"), Kubeconfig: cp.Kubeconfig, Args: []string{"--decision-cache=false"}})
	if err != nil {
		return nil, err
	}
	defer evaluating.Stop()
	nullBase := nullTarget.url[:len(nullTarget.url)-len("/validate")]
	set := &burstSet{replicas: replicas, setups: []*burstSetup{
		{name: "no webhook", install: func(ctx context.Context) error { return cp.UninstallWebhooks(ctx) }},
		{name: burstNull, pid: nullTarget.pid, install: func(ctx context.Context) error {
			return cp.RegisterURLs(ctx, nullBase+"/validate", nullBase+"/mutate", ca.CertPEM, admissionregistrationv1.Fail)
		}},
		{name: "podpolicy, decision cache off", pid: evaluating.PID(), install: func(ctx context.Context) error {
			return cp.InstallWebhooks(ctx, evaluating, admissionregistrationv1.Fail)
		}},
		{name: burstPodpolicy, pid: cached.PID(), install: func(ctx context.Context) error {
			return cp.InstallWebhooks(ctx, cached, admissionregistrationv1.Fail)
		}},
	}}
	pod, err := harness.FixedPod()
	if err != nil {
		return nil, err
	}
	for i, s := range set.setups {
		ns := fmt.Sprintf("burst-%d", i)
		if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return nil, err
		}
		if err := s.install(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		if _, err := cp.Client.AppsV1().Deployments(ns).Create(ctx, burstDeployment(pod), metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("%s: create the Deployment: %w", s.name, err)
		}
	}
	for range burstRounds {
		for i, s := range set.setups {
			ns := fmt.Sprintf("burst-%d", i)
			if err := s.install(ctx); err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			time.Sleep(2 * time.Second) // the API server's webhook configuration watch
			cpu := 0.0
			if s.pid != 0 {
				cpu = harness.CPUSeconds(s.pid)
			}
			d, err := burst(ctx, cp, ns, replicas)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			if s.pid != 0 {
				s.cpu += harness.CPUSeconds(s.pid) - cpu
			}
			s.durations = append(s.durations, d)
			if _, err := burst(ctx, cp, ns, 0); err != nil {
				return nil, fmt.Errorf("%s: scale down: %w", s.name, err)
			}
		}
	}
	for _, s := range set.setups {
		slices.Sort(s.durations)
	}
	return set, cp.UninstallWebhooks(ctx)
}

// burstDeployment is a Deployment of no replicas whose Pods are the fixed compliant Pod.
func burstDeployment(pod *corev1.Pod) *appsv1.Deployment {
	zero := int32(0)
	labels := map[string]string{"app": "burst"}
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: pod.Annotations}, Spec: pod.Spec}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "burst"},
		Spec:       appsv1.DeploymentSpec{Replicas: &zero, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template},
	}
}

// burst scales the Deployment of namespace to replicas and returns the time until that many of
// its Pods exist.
func burst(ctx context.Context, cp *harness.ControlPlane, namespace string, replicas int) (time.Duration, error) {
	scale := []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, replicas))
	start := time.Now()
	if _, err := cp.Client.AppsV1().Deployments(namespace).Patch(ctx, "burst", types.MergePatchType, scale, metav1.PatchOptions{}); err != nil {
		return 0, err
	}
	for deadline := start.Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		list, err := cp.Client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=burst", ResourceVersion: "0"})
		if err != nil {
			return 0, err
		}
		if len(list.Items) == replicas {
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("%d Pods of namespace %s did not exist within 5 minutes", replicas, namespace)
}

// burstsSection measures replica bursts through the API server (section 7) and writes them.
func burstsSection(ctx context.Context, w io.Writer, binary, dir string, ca *certs.CA, fig *figures) error {
	fmt.Fprintf(os.Stderr, "bench: replica bursts through the API server...\n")
	bursts, err := replicaBursts(ctx, binary, filepath.Join(dir, "bursts"), ca, *burstReplicas)
	if err != nil {
		return err
	}
	writeBursts(w, bursts, fig)
	return nil
}
