//go:build e2e

// Package audit drives podpolicy's background audit and `podpolicy audit` against a real
// kube-apiserver, etcd and kube-controller-manager with the openreports.io Report CRD of the
// pinned github.com/openreports/reports-api (and Argo Rollouts' CRDs, whose controller one test
// runs): Reports per top owner written by serve, a change
// previewed from the command line, and dated enforcement across its date.
package audit

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
	os.Exit(harness.RunSuite(m, "audit", func(ctx context.Context) ([]string, error) {
		crd, err := harness.ReportsCRD(ctx)
		if err != nil {
			return nil, err
		}
		rollouts, err := harness.RolloutsCRDs(ctx)
		return append(rollouts, crd), err
	}, func(ctx context.Context, s *harness.Suite) (func(int) int, error) {
		suite, cp = s, s.CP
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: leaseNamespace}}
		_, err := cp.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		return nil, err
	}))
}
