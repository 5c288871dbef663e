package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// RunNodeSuite is the body of the TestMain of an e2e package on a real node: it builds
// podpolicy's image as `make image` does, starts a Cluster named name with it (and the CRDs
// crds returns, nil for none), hands the cluster to started, runs the tests, stops the cluster
// and returns the process exit code; anything that fails before the tests is printed and is
// exit code 1.
func RunNodeSuite(m *testing.M, name string, crds func(ctx context.Context) ([]string, error), started func(*Cluster)) int {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "podpolicy-"+name+"-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	image, _, err := BuildImage(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("%s: podpolicy's image built in %v\n", name, time.Since(start).Round(time.Millisecond))
	var paths []string
	if crds != nil {
		if paths, err = crds(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	cluster, err := StartCluster(ctx, filepath.Join(dir, "cluster"), []string{image}, paths...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	fmt.Printf("%s: control plane and node %s Ready, images loaded, in %v\n", name, NodeName, cluster.StartupTime.Round(time.Millisecond))
	started(cluster)
	code := m.Run()
	if err := cluster.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: stop: %v\n", name, err)
		code = 1
	}
	return code
}
