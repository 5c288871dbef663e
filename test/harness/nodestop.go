package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// cgroupRoot is where the kubelet (cgroupfs driver) puts every Pod's cgroup, under each
// controller's hierarchy.
const (
	cgroupFS   = "/sys/fs/cgroup"
	podCgroups = "kubepods"
)

// Stop takes the node down and leaves nothing behind: the controllers stop first so that
// nothing recreates Pods, every Pod is deleted through the kubelet (so that CNI releases its
// network namespace), then kube-proxy, the kubelet, containerd and its shims stop by PID; the
// mounts under the work directory, the Pods' cgroups and the node's network namespace (with
// every iptables chain made inside it) are removed; last the control plane stops.
func (c *Cluster) Stop() error {
	ctx := context.Background()
	var errs []error
	if c.ControlPlane != nil && c.kubelet != nil && !c.kubelet.exited() {
		_ = c.Controllers.Stop()
		// A webhook already stopped, with failurePolicy Fail, would refuse the updates that
		// take finalizers off.
		errs = append(errs, c.removeWebhooks(ctx), c.deletePods(ctx))
	}
	c.proxy.stop(10 * time.Second)
	c.kubelet.stop(10 * time.Second)
	killCgroupProcesses()
	c.containerd.stop(10 * time.Second)
	killNetnsProcesses(ctx)
	errs = append(errs, c.unmount(), removeCgroups())
	c.scheduler.stop(10 * time.Second)
	// The API server listens on the veth, and calls itself there while it shuts down: the
	// namespace goes last.
	if c.ControlPlane != nil {
		errs = append(errs, c.ControlPlane.Stop())
	}
	teardownNetwork(ctx)
	// The shims keep their sockets and runc its state under /run/containerd whatever
	// containerd's own state directory; remove what is left once empty.
	for _, dir := range []string{"/run/containerd/runc/k8s.io", "/run/containerd/runc", "/run/containerd/s", "/run/containerd"} {
		_ = os.Remove(dir)
	}
	return errors.Join(errs...)
}

// removeWebhooks deletes every admission webhook configuration.
func (c *Cluster) removeWebhooks(ctx context.Context) error {
	admission := c.Client.AdmissionregistrationV1()
	return errors.Join(
		admission.ValidatingWebhookConfigurations().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}),
		admission.MutatingWebhookConfigurations().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}))
}

// deletePods deletes every Pod and waits until the kubelet has stopped them all.
func (c *Cluster) deletePods(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	grace := int64(1)
	namespaces, err := c.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list namespaces: %w", err)
	}
	for _, ns := range namespaces.Items {
		err := c.Client.CoreV1().Pods(ns.Name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &grace}, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("delete the Pods of %s: %w", ns.Name, err)
		}
	}
	for {
		pods, err := c.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + NodeName})
		if err == nil && len(pods.Items) == 0 {
			return nil
		}
		// The Job controller, stopped, would remove its tracking finalizer.
		for _, pod := range podsOrNone(pods) {
			if len(pod.Finalizers) > 0 {
				_, _ = c.Client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
			}
		}
		select {
		case <-ctx.Done():
			var left []string
			for _, pod := range podsOrNone(pods) {
				left = append(left, pod.Namespace+"/"+pod.Name+" ("+string(pod.Status.Phase)+")")
			}
			return fmt.Errorf("the kubelet did not stop every Pod within 90s: %s", strings.Join(left, ", "))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func podsOrNone(list *corev1.PodList) []corev1.Pod {
	if list == nil {
		return nil
	}
	return list.Items
}

// killCgroupProcesses kills whatever still runs in a Pod's cgroup (containers whose shim is
// about to go).
func killCgroupProcesses() {
	_ = filepath.WalkDir(filepath.Join(cgroupFS, "pids", podCgroups), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
			return nil
		}
		data, _ := os.ReadFile(path)
		for _, field := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(field); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		return nil
	})
}

// removeCgroups removes the Pods' cgroups, deepest first, in every hierarchy.
func removeCgroups() error {
	hierarchies, err := os.ReadDir(cgroupFS)
	if err != nil {
		return nil
	}
	var failed []string
	for _, h := range hierarchies {
		var dirs []string
		_ = filepath.WalkDir(filepath.Join(cgroupFS, h.Name(), podCgroups), func(path string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			// A cgroup's processes may take a moment to be reaped after SIGKILL.
			var err error
			for try := 0; try < 20; try++ {
				if err = syscall.Rmdir(dirs[i]); err == nil || errors.Is(err, syscall.ENOENT) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err != nil && !errors.Is(err, syscall.ENOENT) {
				failed = append(failed, fmt.Sprintf("%s: %v", dirs[i], err))
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("remove the Pods' cgroups: %s", strings.Join(failed, "; "))
	}
	return nil
}

// podNetns lists the network namespaces under /run/netns (containerd puts each Pod's there).
func podNetns() map[string]bool {
	entries, _ := os.ReadDir("/run/netns")
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

// unmount detaches every mount under the work directory (overlay rootfs, Pod volumes) and the
// Pods' network namespaces that containerd made since the node started, deepest first.
func (c *Cluster) unmount() error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	var points []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 5 {
			continue
		}
		point := fields[4]
		if strings.HasPrefix(point, c.dir+"/") || c.newPodNetns(point) {
			points = append(points, point)
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	var failed []string
	for _, point := range points {
		if err := syscall.Unmount(point, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			failed = append(failed, fmt.Sprintf("%s: %v", point, err))
		}
	}
	for name := range podNetns() {
		if path := "/run/netns/" + name; c.newPodNetns(path) {
			_ = os.Remove(path)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("unmount: %s", strings.Join(failed, "; "))
	}
	return nil
}

func (c *Cluster) newPodNetns(path string) bool {
	name, ok := strings.CutPrefix(path, "/run/netns/")
	return ok && strings.HasPrefix(name, "cni-") && !c.netnsBefore[name]
}
