package harness

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// containerdConfig is the node's containerd configuration: its own root, state and socket
// under the work directory; the local pause image; runc without systemd; the CNI plugins of
// bin/cni. restrict_oom_score_adj: this machine lacks CAP_SYS_RESOURCE, and without it every
// sandbox fails with "can't get final child's PID from pipe: EOF".
const containerdConfig = `version = 2
root = "{{dir}}/containerd/root"
state = "{{dir}}/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "{{socket}}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{{pause}}"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{{bin}}/cni"
    conf_dir = "{{dir}}/cni/net.d"

[plugins."io.containerd.internal.v1.opt"]
  path = "{{dir}}/containerd/opt"
`

// cniConfig is the pod network: a bridge inside the node's namespace, the gateway for its Pods,
// without masquerading (nothing is routed off the machine).
const cniConfig = `{
  "cniVersion": "1.0.0",
  "name": "podpolicy",
  "plugins": [{
    "type": "bridge", "bridge": "ppbr0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
    "ipam": {"type": "host-local", "ranges": [[{"subnet": "{{podCIDR}}"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "{{dir}}/cni/ipam"}
  }]
}
`

// kubeletConfig: this machine is cgroup v1 (failCgroupV1: false) without swap accounting
// and with little to spare, so no node allocatable enforcement and low eviction thresholds;
// image GC off, since the images cannot be pulled again. Anonymous read of the kubelet API
// (only the API server reaches the node's address) serves kubectl logs and exec. A Pod is
// synced every 10 s instead of every minute, so an updated ConfigMap reaches its volume (and
// podpolicy's hot reload) within seconds: the README walkthrough waits for it twice.
const kubeletConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
enforceNodeAllocatable: []
address: {{node}}
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
containerRuntimeEndpoint: unix://{{socket}}
podLogsDir: {{dir}}/pod-logs
resolvConf: ""
clusterDomain: cluster.local
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
evictionHard: {memory.available: 1Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
shutdownGracePeriod: 0s
nodeStatusUpdateFrequency: 5s
syncFrequency: 10s
`

func (c *Cluster) expand(template, bin string) string {
	return strings.NewReplacer("{{dir}}", c.dir, "{{socket}}", c.socket, "{{bin}}", bin, "{{pause}}", PauseImage,
		"{{podCIDR}}", PodCIDR, "{{node}}", NodeAddress).Replace(template)
}

// startContainerd writes the configurations and starts containerd in the node's namespace,
// where it runs the CNI plugins, waiting until it answers.
func (c *Cluster) startContainerd(ctx context.Context, bin string) error {
	for _, sub := range []string{"containerd", "cni/net.d", "pod-logs", "kubelet"} {
		if err := os.MkdirAll(filepath.Join(c.dir, sub), 0o755); err != nil {
			return err
		}
	}
	files := map[string]string{
		"containerd/config.toml":          c.expand(containerdConfig, bin),
		"cni/net.d/10-podpolicy.conflist": c.expand(cniConfig, bin),
		"kubelet/config.yaml":             c.expand(kubeletConfig, bin),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(c.dir, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	argv := nsenter("containerd", "--config", filepath.Join(c.dir, "containerd/config.toml"))
	cmd := exec.Command(argv[0], argv[1:]...)
	var err error
	if c.containerd, err = startDaemon("containerd", filepath.Join(c.dir, "containerd.log"), cmd); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if r := c.ctr(ctx, "version"); r.ExitCode == 0 {
			return nil
		} else if c.containerd.exited() || time.Now().After(deadline) {
			return fmt.Errorf("containerd did not answer on %s: %s\ncontainerd log:\n%s", c.socket, strings.TrimSpace(r.Output()), c.containerd.logTail(30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *Cluster) ctr(ctx context.Context, args ...string) Result {
	return Command(ctx, "ctr", append([]string{"--address", c.socket, "--namespace", "k8s.io"}, args...)...)
}

// ImportImage loads an image tar into the node's containerd.
func (c *Cluster) ImportImage(ctx context.Context, tar string) error {
	if r := c.ctr(ctx, "images", "import", "--no-unpack=false", tar); r.ExitCode != 0 {
		return fmt.Errorf("load image %s into containerd: %s", tar, strings.TrimSpace(r.Output()))
	}
	return nil
}

// Images lists the names of the images containerd holds.
func (c *Cluster) Images(ctx context.Context) (string, error) {
	r := c.ctr(ctx, "images", "ls", "-q")
	if r.ExitCode != 0 {
		return "", fmt.Errorf("ctr images ls: %s", r.Output())
	}
	return r.Stdout, nil
}

// startNodeDaemons starts kube-scheduler (beside the API server), and the kubelet and
// kube-proxy in the node's namespace, each as a user of its own in system:masters.
func (c *Cluster) startNodeDaemons(bin string) error {
	kubeconfig := func(name string, groups ...string) (string, error) {
		path := filepath.Join(c.dir, name+".kubeconfig")
		return path, c.writeUserKubeconfig(path, name, append(groups, "system:masters")...)
	}
	schedulerKubeconfig, err := kubeconfig("system:kube-scheduler")
	if err != nil {
		return err
	}
	kubeletKubeconfig, err := kubeconfig("system:node:"+NodeName, "system:nodes")
	if err != nil {
		return err
	}
	proxyKubeconfig, err := kubeconfig("system:kube-proxy")
	if err != nil {
		return err
	}
	c.scheduler, err = startDaemon("kube-scheduler", filepath.Join(c.dir, "kube-scheduler.log"), exec.Command(filepath.Join(bin, "kube-scheduler"),
		"--kubeconfig="+schedulerKubeconfig, "--leader-elect=false", "--secure-port=0", "--v=1"))
	if err != nil {
		return err
	}
	kubelet := nsenter(filepath.Join(bin, "kubelet"),
		"--config="+filepath.Join(c.dir, "kubelet/config.yaml"),
		"--kubeconfig="+kubeletKubeconfig,
		"--root-dir="+filepath.Join(c.dir, "kubelet"),
		"--cert-dir="+filepath.Join(c.dir, "kubelet/pki"),
		"--hostname-override="+NodeName,
		"--node-ip="+NodeAddress,
		"--v=1")
	if c.kubelet, err = startDaemon("kubelet", filepath.Join(c.dir, "kubelet.log"), exec.Command(kubelet[0], kubelet[1:]...)); err != nil {
		return err
	}
	proxy := nsenter(filepath.Join(bin, "kube-proxy"),
		"--kubeconfig="+proxyKubeconfig,
		"--hostname-override="+NodeName,
		"--proxy-mode=iptables",
		"--cluster-cidr="+PodCIDR,
		// Leave the conntrack table's size alone: it is the host's, not the namespace's.
		"--conntrack-max-per-core=0",
		"--metrics-bind-address="+net.JoinHostPort("127.0.0.1", "10249"),
		"--healthz-bind-address="+net.JoinHostPort("127.0.0.1", "10256"),
		"--v=1")
	c.proxy, err = startDaemon("kube-proxy", filepath.Join(c.dir, "kube-proxy.log"), exec.Command(proxy[0], proxy[1:]...))
	return err
}
