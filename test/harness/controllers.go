package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// NodeNames are the Node objects the control plane registers, so that the DaemonSet
// controller has nodes to create Pods for. No kubelet runs them: their Pods stay Pending.
var NodeNames = []string{"node-a", "node-b"}

// Controllers is a running kube-controller-manager.
type Controllers struct {
	LogPath string
	process *daemon
}

// startControllers runs kube-controller-manager from bin/ with its default controllers,
// except the node lifecycle controller (no kubelet renews the Nodes' heartbeats, and it would
// taint them unreachable), and waits until it works: the default ServiceAccount of the
// default namespace exists.
//
// With a real node, every default controller runs: the kubelet renews its Node's heartbeats.
func startControllers(ctx context.Context, bin, dir, kubeconfig, saKey string, caPEM []byte, client kubernetes.Interface, realNode bool) (*Controllers, error) {
	rootCA := filepath.Join(dir, "root-ca.crt")
	if err := os.WriteFile(rootCA, caPEM, 0o644); err != nil {
		return nil, err
	}
	c := &Controllers{LogPath: filepath.Join(dir, "kube-controller-manager.log")}
	controllers := "*,-node-lifecycle-controller"
	if realNode {
		controllers = "*"
	}
	cmd := exec.Command(filepath.Join(bin, "kube-controller-manager"),
		"--kubeconfig="+kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--controllers="+controllers,
		"--service-account-private-key-file="+saKey,
		"--root-ca-file="+rootCA,
		"--use-service-account-credentials=false",
		"--concurrent-deployment-syncs=10", "--concurrent-replicaset-syncs=10",
		// Each controller's client is rate limited on its own, at 20 requests a second by
		// default: 5,000 Pods of the scale benchmark would take minutes to create.
		"--kube-api-qps=200", "--kube-api-burst=400",
		"--v=1",
	)
	var err error
	if c.process, err = startDaemon("kube-controller-manager", c.LogPath, cmd); err != nil {
		return nil, err
	}
	if err := c.waitWorking(ctx, client); err != nil {
		return nil, errors.Join(err, c.Stop())
	}
	return c, nil
}

func (c *Controllers) waitWorking(ctx context.Context, client kubernetes.Interface) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		_, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		select {
		case <-c.process.done:
			return fmt.Errorf("kube-controller-manager exited:\n%s", c.LogTail(30))
		case <-ctx.Done():
			return fmt.Errorf("kube-controller-manager did not create the default ServiceAccount within 90s (%v):\n%s", err, c.LogTail(30))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop stops kube-controller-manager, by its PID, and waits for it to exit.
func (c *Controllers) Stop() error {
	if c != nil {
		c.process.stop(10 * time.Second)
	}
	return nil
}

// LogTail returns the last n lines of kube-controller-manager's log.
func (c *Controllers) LogTail(n int) string { return c.process.logTail(n) }

// registerNodes creates Node objects named names, Ready, for the DaemonSet controller.
func registerNodes(ctx context.Context, client kubernetes.Interface, names []string) error {
	for _, name := range names {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
		}
		if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("register node %s: %w", name, err)
		}
		// The controllers annotate a new Node at once: each change goes on the latest version.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			current, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			// The API server taints a new Node not-ready, and the node lifecycle controller,
			// which is off, would lift the taint once the Node is Ready.
			current.Spec.Taints = nil
			if current, err = client.CoreV1().Nodes().Update(ctx, current, metav1.UpdateOptions{}); err != nil {
				return err
			}
			current.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
				Message: "a Node object of the test harness; no kubelet runs it", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
			_, err = client.CoreV1().Nodes().UpdateStatus(ctx, current, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("mark node %s ready: %w", name, err)
		}
	}
	return nil
}
