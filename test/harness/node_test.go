package harness

import (
	"errors"
	"strings"
	"testing"
)

// A machine without the node's packages and binaries gets an error naming each missing piece
// and what installs it, never a skip.
func TestNodePrerequisitesNameWhatIsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := nodePrerequisites(t.TempDir())
	if !errors.Is(err, ErrNoNode) {
		t.Fatalf("nodePrerequisites on an empty PATH and bin/: %v, want ErrNoNode", err)
	}
	for _, want := range []string{
		"containerd (a system package; `make tools` installs it as root)", "runc", "iptables", "conntrack", "nsenter",
		"/kubelet (run `make tools`)", "/kube-proxy", "/kube-scheduler", "/cni/bridge", "/cni/host-local",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}
