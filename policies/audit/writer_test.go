package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/podpolicy/podpolicy/policies"
)

// TestSquattedReportIsAConflictNotASilence: a Report of someone else that holds the name of
// podpolicy's Report of an owner is never taken for podpolicy's verdict: podpolicy writes its
// Report under a name of the owner's UID, with an error result saying why, and reports the
// conflict; once the name is free again it writes its Report there and removes the other.
func TestSquattedReportIsAConflictNotASilence(t *testing.T) {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	if err := reportsv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	squat := &reportsv1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "podpolicy-deployment-web"}, Source: "tenant"}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(squat).Build()
	w := &Writer{Client: c, Log: logr.Discard()}
	f := &Finding{Owner: web, Violations: []policies.Violation{violation("host-ports", policies.Deny, "app")}}
	report := func() []*reportsv1alpha1.Report { return []*reportsv1alpha1.Report{Report(f, ReportOptions{})} }

	stats, err := w.Write(ctx, report())
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Conflicts) != 1 || stats.Conflicts[0].Name != "podpolicy-deployment-web" || stats.Conflicts[0].Source != "tenant" || stats.Conflicts[0].WrittenAs != "podpolicy-deployment-web-uid-web" {
		t.Fatalf("conflicts %+v", stats.Conflicts)
	}
	if !strings.Contains(stats.Conflicts[0].String(), `the Report shop/podpolicy-deployment-web of Deployment web was not written by podpolicy (source "tenant")`) {
		t.Errorf("conflict says %q", stats.Conflicts[0])
	}
	var moved reportsv1alpha1.Report
	if err := c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "podpolicy-deployment-web-uid-web"}, &moved); err != nil {
		t.Fatal(err)
	}
	if moved.Results[0].Policy != ConflictRule || moved.Results[0].Result != "error" || moved.Summary.Error != 1 || moved.Summary.Fail != 1 {
		t.Errorf("podpolicy's Report under the fallback name: results %+v summary %+v", moved.Results, moved.Summary)
	}
	var held reportsv1alpha1.Report
	if err := c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "podpolicy-deployment-web"}, &held); err != nil || held.Source != "tenant" {
		t.Errorf("the tenant's Report was touched: %v %+v", err, held)
	}
	if stats, err := w.Write(ctx, report()); err != nil || len(stats.Conflicts) != 1 || stats.Written() != 0 {
		t.Errorf("a second write: %+v %v", stats, err)
	}

	if err := c.Delete(ctx, squat); err != nil {
		t.Fatal(err)
	}
	if stats, err := w.Write(ctx, report()); err != nil || len(stats.Conflicts) != 0 || stats.Created != 1 || stats.Deleted != 1 {
		t.Errorf("once the name is free: %+v %v", stats, err)
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "podpolicy-deployment-web-uid-web"}, &moved); err == nil {
		t.Error("the fallback Report stayed once podpolicy's name was free")
	}
}
