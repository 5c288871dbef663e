package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NodeName is the name of the real node.
const NodeName = "podpolicy-node"

// ErrNoNode is the error of StartCluster on a machine that cannot run the node.
var ErrNoNode = errors.New("the real node cannot start")

// Cluster is a control plane with one real node: kube-scheduler, and a kubelet, containerd
// (with runc) and kube-proxy in the node's network namespace, running Pods on a bridge
// network. The images of PauseImage, AppImage and any given to StartCluster are loaded.
type Cluster struct {
	*ControlPlane
	dir        string
	scheduler  *daemon
	containerd *daemon
	kubelet    *daemon
	proxy      *daemon
	socket     string
	// StartupTime is how long the node took from nothing to Ready, images loaded.
	StartupTime time.Duration
	netnsBefore map[string]bool
}

// StartCluster starts a control plane and a real node in dir, loading the image tars of
// images (docker-archive or OCI layouts, as `ctr images import` reads them) besides the
// harness's own. It fails, naming what is missing, where the node cannot run.
func StartCluster(ctx context.Context, dir string, images []string, crdPaths ...string) (*Cluster, error) {
	start := time.Now()
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	if err := nodePrerequisites(bin); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, socket: filepath.Join(dir, "containerd", "containerd.sock"), netnsBefore: podNetns()}
	if err := setupNetwork(ctx); err != nil {
		teardownNetwork(ctx)
		return nil, err
	}
	fail := func(err error) (*Cluster, error) { return nil, errors.Join(err, c.Stop()) }
	port, err := freePortOn(HostAddress)
	if err != nil {
		return fail(err)
	}
	certDir := filepath.Join(dir, "apiserver-certs")
	caPEM, err := writeAPIServerCerts(certDir,
		[]net.IP{net.ParseIP(HostAddress), net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"})
	if err != nil {
		return fail(err)
	}
	if c.ControlPlane, err = startControlPlane(filepath.Join(dir, "control-plane"), &nodeServing{port: port, certDir: certDir, caPEM: caPEM}, crdPaths...); err != nil {
		return fail(err)
	}
	imageTars, err := buildNodeImages(ctx, dir)
	if err != nil {
		return fail(err)
	}
	if err := c.startContainerd(ctx, bin); err != nil {
		return fail(err)
	}
	for _, tar := range append(imageTars, images...) {
		if err := c.ImportImage(ctx, tar); err != nil {
			return fail(err)
		}
	}
	if err := c.startNodeDaemons(bin); err != nil {
		return fail(err)
	}
	if err := c.waitNodeReady(ctx); err != nil {
		return fail(err)
	}
	c.StartupTime = time.Since(start)
	return c, nil
}

// nodePrerequisites names what the node needs and this machine lacks.
func nodePrerequisites(bin string) error {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (the kubelet, containerd and the network namespace need it; running as uid "+fmt.Sprint(os.Geteuid())+")")
	}
	for _, cmd := range []string{"containerd", "containerd-shim-runc-v2", "runc", "ctr", "iptables", "ip", "nsenter", "conntrack"} {
		if _, err := exec.LookPath(cmd); err != nil {
			missing = append(missing, cmd+" (a system package; `make tools` installs it as root)")
		}
	}
	for _, tool := range []string{"kubelet", "kube-scheduler", "kube-proxy", "cni/bridge", "cni/host-local", "cni/loopback"} {
		if _, err := os.Stat(filepath.Join(bin, tool)); err != nil {
			missing = append(missing, filepath.Join(bin, tool)+" (run `make tools`)")
		}
	}
	if data, err := os.ReadFile("/proc/filesystems"); err != nil || !strings.Contains(string(data), "\toverlay\n") {
		missing = append(missing, "the overlay filesystem (containerd's snapshotter)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: this machine lacks %s", ErrNoNode, strings.Join(missing, "; "))
	}
	return nil
}

// waitNodeReady waits until the kubelet's Node is Ready and untainted.
func (c *Cluster) waitNodeReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var last string
	for {
		node, err := c.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err == nil {
			last = fmt.Sprintf("taints %v, conditions %v", node.Spec.Taints, readyCondition(node))
			if len(node.Spec.Taints) == 0 && readyCondition(node) == "True" {
				return nil
			}
		} else {
			last = err.Error()
		}
		for _, d := range []*daemon{c.kubelet, c.containerd, c.proxy, c.scheduler} {
			if d.exited() {
				return fmt.Errorf("%s exited while the node started:\n%s", d.name, d.logTail(30))
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %s not Ready within 90s (%s); kubelet log:\n%s", NodeName, last, c.kubelet.logTail(30))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func readyCondition(node *corev1.Node) corev1.ConditionStatus {
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status
		}
	}
	return "Unknown"
}
