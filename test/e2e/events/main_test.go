//go:build e2e

// Package events drives podpolicy's Kubernetes Events through a real kube-apiserver, etcd and
// kube-controller-manager (whose ReplicaSet controller creates the Pods podpolicy refuses),
// with the openreports.io Report CRD for the audit's, and reads them with the API call Argo CD
// makes for a resource's events.
package events

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/test/harness"
)

// leaseNamespace holds the audit Lease, as the chart's release namespace does.
const leaseNamespace = "podpolicy-system"

var (
	suite *harness.Suite
	cp    *harness.ControlPlane
)

func TestMain(m *testing.M) {
	os.Exit(harness.RunSuite(m, "events", func(ctx context.Context) ([]string, error) {
		crd, err := harness.ReportsCRD(ctx)
		return []string{crd}, err
	}, func(ctx context.Context, s *harness.Suite) (func(int) int, error) {
		suite, cp = s, s.CP
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: leaseNamespace}}
		_, err := cp.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		return nil, err
	}))
}
