package harness

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The node's network: a network namespace of the harness's own, joined to the host's by one
// veth pair. The node's address, the kubelet, containerd, kube-proxy, the pod bridge and
// every Pod live inside it; the host side holds only the veth's address and a route to the pod
// network through it. The namespace has no default route, so nothing leaves the machine.
const (
	nodeNetns = "podpolicy-node"
	hostVeth  = "ppnode-host"
	nodeVeth  = "ppnode-node"
	// HostAddress is the host's end of the veth: the API server listens on it.
	HostAddress = "172.30.250.1"
	// NodeAddress is the node's InternalIP, inside the namespace.
	NodeAddress = "172.30.250.2"
	// PodCIDR is the pod network, on a bridge inside the namespace.
	PodCIDR = "10.251.0.0/24"
	// ServiceCIDR is the Service network; the kubernetes Service is its first address.
	ServiceCIDR = "10.0.0.0/24"
)

// netnsPath is the namespace's file, which nsenter --net joins.
var netnsPath = "/run/netns/" + nodeNetns

// setupNetwork creates the namespace and the veth pair, after removing what an earlier run
// may have left.
func setupNetwork(ctx context.Context) error {
	teardownNetwork(ctx)
	steps := [][]string{
		{"netns", "add", nodeNetns},
		{"link", "add", hostVeth, "type", "veth", "peer", "name", nodeVeth, "netns", nodeNetns},
		{"addr", "add", HostAddress + "/30", "dev", hostVeth},
		{"link", "set", hostVeth, "up"},
		{"-n", nodeNetns, "link", "set", "lo", "up"},
		{"-n", nodeNetns, "addr", "add", NodeAddress + "/30", "dev", nodeVeth},
		{"-n", nodeNetns, "link", "set", nodeVeth, "up"},
		// The API server calls the webhook at its Pods' addresses (aggregator routing).
		{"route", "add", PodCIDR, "via", NodeAddress, "dev", hostVeth},
	}
	for _, args := range steps {
		if r := Command(ctx, "ip", args...); r.ExitCode != 0 {
			return fmt.Errorf("ip %s: %s", strings.Join(args, " "), strings.TrimSpace(r.Output()))
		}
	}
	// The namespace routes between the veth and the pod bridge (/proc/sys/net is the reading
	// process's own namespace's).
	forward := nsenter("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
	if r := Command(ctx, forward[0], forward[1:]...); r.ExitCode != 0 {
		return fmt.Errorf("enable forwarding in the node's namespace: %s", strings.TrimSpace(r.Output()))
	}
	return nil
}

// teardownNetwork kills what still runs in the namespace and deletes it, with the veth pair,
// the route and every iptables chain kube-proxy and the kubelet made inside it. It is a no-op
// when there is nothing to remove.
func teardownNetwork(ctx context.Context) {
	if _, err := os.Stat(netnsPath); err != nil {
		_ = Command(ctx, "ip", "link", "del", hostVeth)
		return
	}
	killNetnsProcesses(ctx)
	_ = Command(ctx, "ip", "netns", "del", nodeNetns)
	_ = Command(ctx, "ip", "link", "del", hostVeth)
	// ip netns add makes /run/netns a mount of its own; take it away once it holds nothing.
	if entries, err := os.ReadDir("/run/netns"); err == nil && len(entries) == 0 {
		_ = syscall.Unmount("/run/netns", syscall.MNT_DETACH)
		_ = os.Remove("/run/netns")
	}
}

// nsenter returns the argv that runs argv inside the node's namespace (and only its network
// namespace: the mounts the kubelet and containerd make must be the host's, which they share).
func nsenter(argv ...string) []string {
	return append([]string{"nsenter", "--net=" + netnsPath, "--"}, argv...)
}

// killNetnsProcesses kills every process in the node's namespace (containerd's shims outlive
// containerd) and waits until they are gone.
func killNetnsProcesses(ctx context.Context) {
	for try := 0; try < 50; try++ {
		r := Command(ctx, "ip", "netns", "pids", nodeNetns)
		pids := strings.Fields(r.Stdout)
		if r.ExitCode != 0 || len(pids) == 0 {
			return
		}
		for _, field := range pids {
			if pid, err := strconv.Atoi(field); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}
