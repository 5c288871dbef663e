package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// LoadOptions shape a stream of Pod creations.
type LoadOptions struct {
	// Namespace receives the Pods.
	Namespace string
	// Workers create Pods concurrently, each waiting Interval between creates.
	Workers  int
	Interval time.Duration
	// BadEvery makes every n-th Pod of a worker break image-tag-pinned; it must be denied.
	BadEvery int
	// MutationLabel, when set, must have been injected into every admitted Pod.
	MutationLabel string
	// Prefix starts the Pod names.
	Prefix string
	// OutageExpected counts a create the API server rejected because it could not call the
	// webhook (failurePolicy Fail) as Rejected, not Failed.
	OutageExpected bool
}

// Load counts the outcomes of a stream of Pod creations through the API server.
type Load struct {
	Sent, Admitted, Denied, Rejected, Failed, Unchecked, Unmutated atomic.Int64
	// LastAdmitted is the Sent count at the most recent admission.
	LastAdmitted atomic.Int64

	stop   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	errors []string
}

// FixedPod returns the compliant Pod of examples/web-server-pod-fixed.yaml.
func FixedPod() (*corev1.Pod, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "examples", "web-server-pod-fixed.yaml"))
	if err != nil {
		return nil, err
	}
	var pod corev1.Pod
	if err := yaml.Unmarshal(data, &pod); err != nil {
		return nil, err
	}
	return &pod, nil
}

// StartLoad starts creating Pods. A create that fails for any reason but the expected denial
// counts as Failed; a bad Pod admitted counts as Unchecked.
func StartLoad(ctx context.Context, client kubernetes.Interface, o LoadOptions) (*Load, error) {
	good, err := FixedPod()
	if err != nil {
		return nil, err
	}
	l := &Load{stop: make(chan struct{})}
	for worker := range o.Workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 1; ; i++ {
				select {
				case <-l.stop:
					return
				case <-time.After(o.Interval):
				}
				pod := good.DeepCopy()
				pod.Name = fmt.Sprintf("%s%d-%d", o.Prefix, worker, i)
				bad := o.BadEvery > 0 && i%o.BadEvery == 0
				if bad {
					pod.Spec.Containers[0].Image = "nginx:latest"
				}
				sent := l.Sent.Add(1)
				created, err := client.CoreV1().Pods(o.Namespace).Create(ctx, pod, metav1.CreateOptions{})
				switch {
				case bad && err != nil && strings.Contains(err.Error(), "image-tag-pinned"):
					l.Denied.Add(1)
				case o.OutageExpected && err != nil && strings.Contains(err.Error(), "failed calling webhook"):
					l.Rejected.Add(1)
				case bad && err == nil:
					l.Unchecked.Add(1)
					l.record("admitted unchecked: " + pod.Name)
				case err != nil:
					l.Failed.Add(1)
					l.record(err.Error())
				case o.MutationLabel != "" && created.Labels[o.MutationLabel] == "":
					l.Unmutated.Add(1)
					l.record("not mutated: " + pod.Name)
				default:
					l.Admitted.Add(1)
					l.LastAdmitted.Store(sent)
				}
			}
		}()
	}
	return l, nil
}

func (l *Load) record(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errors) < 5 {
		l.errors = append(l.errors, msg)
	}
}

// Stop stops the workers and waits for their last creates.
func (l *Load) Stop() {
	close(l.stop)
	l.wg.Wait()
}

// OK reports whether every create was judged as expected.
func (l *Load) OK() bool {
	return l.Failed.Load() == 0 && l.Unchecked.Load() == 0 && l.Unmutated.Load() == 0
}

// Errors returns the first problems seen.
func (l *Load) Errors() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.errors, "\n")
}

// String summarises the counts.
func (l *Load) String() string {
	return fmt.Sprintf("%d creates sent, %d admitted, %d denied as expected, %d rejected while the webhook was down, %d failed, %d admitted unchecked, %d not mutated",
		l.Sent.Load(), l.Admitted.Load(), l.Denied.Load(), l.Rejected.Load(), l.Failed.Load(), l.Unchecked.Load(), l.Unmutated.Load())
}
