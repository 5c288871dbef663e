// Command demo shows podpolicy at work on a local cluster: it starts kube-apiserver, etcd,
// kube-controller-manager, kube-scheduler and a real node (kubelet, containerd, kube-proxy; all
// built by `make tools`), or, where the node cannot run, the control plane alone; runs
// `podpolicy serve` with a self-signed certificate,
// registers it with the API server and applies examples/ with kubectl, showing the denials,
// the warnings and the injected labels and annotation. It then waits for Ctrl-C (or exits at
// once when DEMO_EXIT=1), so you can try your own manifests.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) {
	fmt.Printf("\n\033[1m==> %s\033[0m\n", fmt.Sprintf(format, args...))
}

func run(ctx context.Context) error {
	root, err := harness.RepoRoot()
	if err != nil {
		return err
	}
	dir := filepath.Join(root, "_out", "demo")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	step("Building podpolicy")
	binary, err := harness.BuildPodpolicy(ctx, dir)
	if err != nil {
		return err
	}

	step("Starting a local cluster: kube-apiserver, etcd, kube-controller-manager, kube-scheduler and one real node (kubelet, containerd, runc, kube-proxy) from bin/")
	start := time.Now()
	cp, cluster, err := startCluster(ctx, dir)
	if err != nil {
		return err
	}
	if cluster != nil {
		defer func() {
			if err := cluster.Stop(); err != nil {
				fmt.Fprintf(os.Stderr, "demo: stop the cluster: %v\n", err)
			}
		}()
		fmt.Printf("node %s Ready in %v; kubeconfig: %s\n", harness.NodeName, cluster.StartupTime.Round(time.Millisecond), cp.Kubeconfig)
	} else {
		defer cp.Stop()
		fmt.Printf("up in %v; kubeconfig: %s\n", time.Since(start).Round(time.Millisecond), cp.Kubeconfig)
	}

	step("Starting podpolicy serve with a self-signed certificate")
	webhook, err := harness.StartWebhook(ctx, harness.WebhookOptions{
		Binary: binary, Dir: filepath.Join(dir, "webhook"), Kubeconfig: cp.Kubeconfig,
		ConfigFile: filepath.Join(root, "test", "demo", "config.yaml"),
	})
	if err != nil {
		return err
	}
	defer webhook.Stop()
	fmt.Printf("listening on %s (log: %s)\n", webhook.URL(""), webhook.LogPath)

	step("Registering the validating and mutating webhooks with the API server")
	if err := cp.InstallWebhooks(ctx, webhook, admissionregistrationv1.Fail); err != nil {
		return err
	}
	fmt.Println("validate.podpolicy.io and mutate.podpolicy.io are live")

	kubectl := func(args ...string) harness.Result {
		fmt.Printf("\n$ kubectl %s\n", strings.Join(args, " "))
		r := cp.Kubectl(ctx, "", args...)
		fmt.Print(r.Stdout, r.Stderr)
		return r
	}
	examples := filepath.Join(root, "examples")
	ex := func(name string) string { return filepath.Join(examples, name) }

	step("A namespace whose team label podpolicy copies onto its Pods")
	kubectl("create", "namespace", "shop")
	kubectl("label", "namespace", "shop", "team=payments")

	step("The article's Pod (nginx:latest, no resources, no probes, no securityContext): denied with every reason")
	if r := kubectl("apply", "-n", "shop", "-f", ex("web-server-pod.yaml")); r.ExitCode == 0 {
		return fmt.Errorf("the article's pod was admitted")
	}

	step("The fixed Pod: admitted, with labels and the default-container annotation injected")
	if r := kubectl("apply", "-n", "shop", "-f", ex("web-server-pod-fixed.yaml")); r.ExitCode != 0 {
		return fmt.Errorf("the fixed pod was refused")
	}
	kubectl("get", "pod", "web-server-pod-fixed", "-n", "shop", "--show-labels")
	kubectl("get", "pod", "web-server-pod-fixed", "-n", "shop", "-o", `jsonpath={.metadata.annotations.kubectl\.kubernetes\.io/default-container}{"\n"}`)

	step("A warn-mode rule: admitted, and kubectl prints the warning")
	if r := kubectl("apply", "-n", "shop", "-f", ex("pod-shared-process-namespace.yaml")); r.ExitCode != 0 || !strings.Contains(r.Stderr, "Warning:") {
		return fmt.Errorf("the shared-process-namespace pod was not admitted with a warning")
	}

	step("Workloads are checked at apply time: a Deployment whose template has no memory limit is denied")
	if r := kubectl("apply", "-n", "shop", "-f", ex("deployment-unbounded.yaml")); r.ExitCode == 0 {
		return fmt.Errorf("the unbounded deployment was admitted")
	}
	if r := kubectl("apply", "-n", "shop", "-f", ex("deployment.yaml"), "-f", ex("job.yaml"), "-f", ex("cronjob.yaml")); r.ExitCode != 0 {
		return fmt.Errorf("compliant workloads were refused")
	}

	step("The Deployment controller creates the Pods: each admitted, with the labels and the annotation injected")
	if err := waitForPods(ctx, cp, "shop", "app=web", 2); err != nil {
		return err
	}
	kubectl("get", "pods", "-n", "shop", "-l", "app=web", "-o",
		`custom-columns=POD:.metadata.name,OWNER:.metadata.ownerReferences[0].name,POLICY:.metadata.labels.example\.com/policy,TEAM:.metadata.labels.team,DEFAULT-CONTAINER:.metadata.annotations.kubectl\.kubernetes\.io/default-container`)

	if cluster != nil {
		step("On the real node: a Deployment on an image the node has, its Pods admitted, mutated and Running")
		fmt.Println("(examples/ use public images, which this machine cannot pull: their Pods are admitted but do not start)")
		if r := kubectl("apply", "-n", "shop", "-f", filepath.Join(root, "test", "demo", "app.yaml")); r.ExitCode != 0 {
			return fmt.Errorf("the demo's Deployment was refused")
		}
		if r := kubectl("rollout", "status", "-n", "shop", "deployment/shop-api", "--timeout=90s"); r.ExitCode != 0 {
			kubectl("describe", "pods", "-n", "shop", "-l", "app=shop-api")
			return fmt.Errorf("the demo's Deployment did not become ready")
		}
		if err := waitForPods(ctx, cp, "shop", "app=shop-api", 2); err != nil {
			return err
		}
		kubectl("get", "pods", "-n", "shop", "-l", "app=shop-api", "-o",
			`custom-columns=POD:.metadata.name,STATUS:.status.phase,NODE:.spec.nodeName,IP:.status.podIP,POLICY:.metadata.labels.example\.com/policy,TEAM:.metadata.labels.team,DEFAULT-CONTAINER:.metadata.annotations.kubectl\.kubernetes\.io/default-container`)
	}

	step("A namespace labelled podpolicy.io/mode=warn gets warnings instead of denials")
	kubectl("create", "namespace", "sandbox")
	kubectl("label", "namespace", "sandbox", "podpolicy.io/mode=warn")
	kubectl("apply", "-n", "sandbox", "-f", ex("web-server-pod.yaml"))

	step("Offline, the same engine: podpolicy check -f examples/")
	fmt.Printf("$ podpolicy check -f examples/\n")
	check := harness.Command(ctx, binary, "check", "-f", examples)
	fmt.Print(check.Stdout, check.Stderr)

	fmt.Printf("\n\033[1mpodpolicy is running.\033[0m Point kubectl at the local control plane and try your own manifests:\n\n"+
		"  export KUBECONFIG=%s\n  %s apply -f examples/web-server-pod.yaml\n\n"+
		"podpolicy's log: %s\nmetrics: %s\n", cp.Kubeconfig, cp.KubectlPath, webhook.LogPath, webhook.MetricsURL())
	if os.Getenv("DEMO_EXIT") == "1" {
		fmt.Println("\nDEMO_EXIT=1: stopping.")
		return nil
	}
	fmt.Println("\nPress Ctrl-C to stop.")
	<-ctx.Done()
	fmt.Println("\nstopping")
	return nil
}

// startCluster starts the control plane with a real node, or, where the node cannot start
// (not root, say), the node-less control plane, saying why in one line.
func startCluster(ctx context.Context, dir string) (*harness.ControlPlane, *harness.Cluster, error) {
	cluster, err := harness.StartCluster(ctx, filepath.Join(dir, "cluster"), nil)
	if err == nil {
		return cluster.ControlPlane, cluster, nil
	}
	why, _, _ := strings.Cut(err.Error(), "\n")
	fmt.Printf("no real node (%s); running on the node-less control plane: two Node objects, Pods stay Pending\n", why)
	cp, err := harness.StartControlPlane(filepath.Join(dir, "control-plane"))
	return cp, nil, err
}

// waitForPods waits until the controllers have created want Pods matching selector, and
// requires each to carry the labels and the annotation podpolicy injects.
func waitForPods(ctx context.Context, cp *harness.ControlPlane, namespace, selector string, want int) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		list, err := cp.Client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return err
		}
		if len(list.Items) >= want {
			for _, p := range list.Items {
				if p.Labels["example.com/policy"] != "podpolicy" || p.Labels["team"] == "" || p.Annotations["kubectl.kubernetes.io/default-container"] == "" {
					return fmt.Errorf("Pod %s lacks the injected labels or annotation", p.Name)
				}
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the controllers created %d of %d Pods (%s) within 60s", len(list.Items), want, selector)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
