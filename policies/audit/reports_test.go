package audit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/library"
)

var web = Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web", UID: "uid-web"}

func violation(rule string, action policies.Action, container string) policies.Violation {
	return policies.Violation{
		Rule: rule, Action: action, Severity: "high", Kind: "Deployment", Name: "web", Container: container,
		Path: "spec.template.spec.containers[0].resources", Message: "no limits", Remediation: "set resources.limits",
	}
}

func TestReportMapsActionsToResults(t *testing.T) {
	dated := violation("probes-required", policies.Warn, "app")
	dated.EnforceFrom = "2027-03-01"
	f := &Finding{
		Owner:      web,
		Violations: []policies.Violation{violation("resources-required", policies.Deny, "app"), dated, violation("image-tag-pinned", policies.Audit, "app")},
		Excepted:   []policies.Excepted{{Violation: violation("run-as-non-root", policies.Deny, "app"), Reason: "legacy image, ticket OPS-12"}},
	}
	rules := []library.Rule{
		{ID: "resources-required", Type: library.ValidationRule}, {ID: "probes-required", Type: library.ValidationRule},
		{ID: "image-tag-pinned", Type: library.ValidationRule}, {ID: "run-as-non-root", Type: library.ValidationRule},
		{ID: "containers-not-empty", Type: library.ValidationRule}, {ID: "default-container-annotation", Type: library.MutationRule},
	}
	r := Report(f, ReportOptions{Rules: rules})

	if r.Name != "podpolicy-deployment-web" || r.Namespace != "shop" || r.Source != Source {
		t.Errorf("report %s/%s source %q; want shop/podpolicy-deployment-web source podpolicy", r.Namespace, r.Name, r.Source)
	}
	if r.Scope == nil || r.Scope.Kind != "Deployment" || r.Scope.Name != "web" || r.Scope.UID != "uid-web" {
		t.Errorf("scope = %+v; want the Deployment web", r.Scope)
	}
	if len(r.OwnerReferences) != 1 || r.OwnerReferences[0].UID != "uid-web" {
		t.Errorf("ownerReferences = %+v; want the Deployment, so the report goes with it", r.OwnerReferences)
	}
	got := map[string]string{}
	for _, res := range r.Results {
		got[res.Policy] = string(res.Result)
		if res.Source != Source || res.Rule != res.Policy {
			t.Errorf("result %s: source %q rule %q; want podpolicy and the rule ID", res.Policy, res.Source, res.Rule)
		}
	}
	want := map[string]string{"resources-required": "fail", "probes-required": "warn", "image-tag-pinned": "fail", "run-as-non-root": "skip"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results = %v; want %v", got, want)
	}
	// One validating rule with no result passed; the mutation rule is not counted.
	if s := r.Summary; s.Fail != 2 || s.Warn != 1 || s.Skip != 1 || s.Pass != 1 || s.Error != 0 {
		t.Errorf("summary = %+v; want fail 2, warn 1, skip 1, pass 1", s)
	}
	for _, res := range r.Results {
		switch res.Policy {
		case "probes-required":
			if res.Properties["enforceFrom"] != "2027-03-01" || !strings.Contains(res.Description, "will be denied from 2027-03-01") {
				t.Errorf("dated warning: properties %v message %q; want the date in both", res.Properties, res.Description)
			}
		case "run-as-non-root":
			if res.Properties["reason"] != "legacy image, ticket OPS-12" {
				t.Errorf("skip result properties = %v; want the exception's reason", res.Properties)
			}
		case "resources-required":
			if res.Properties["container"] != "app" || res.Properties["path"] != "spec.template.spec.containers[0].resources" || res.Properties["fix"] != "set resources.limits" {
				t.Errorf("fail result properties = %v; want container, path and fix", res.Properties)
			}
		}
	}
}

func TestReportOfAnUnjudgedOwnerIsAnError(t *testing.T) {
	f := &Finding{Owner: web, Error: "spec.template.spec.containers[0].ports: want an array, got a string"}
	r := Report(f, ReportOptions{Rules: []library.Rule{{ID: "resources-required", Type: library.ValidationRule}}})
	if len(r.Results) != 1 || r.Results[0].Result != "error" || !strings.Contains(r.Results[0].Description, "containers[0].ports") {
		t.Fatalf("results = %+v; want one error naming the field", r.Results)
	}
	if r.Summary.Error != 1 || r.Summary.Pass != 0 {
		t.Errorf("summary = %+v; want 1 error and nothing passed", r.Summary)
	}
}

func TestReportIsBoundedAndCountsWhatItLeavesOut(t *testing.T) {
	f := &Finding{Owner: web}
	for i := range 250 {
		f.Violations = append(f.Violations, violation(fmt.Sprintf("rule-%03d", i), policies.Deny, fmt.Sprintf("c%d", i)))
	}
	r := Report(f, ReportOptions{MaxResults: 40})
	if len(r.Results) != 40 || r.Summary.Fail != 250 || r.Annotations[OmittedAnnotation] != "210" {
		t.Errorf("%d results, summary fail %d, omitted %q; want 40, 250, 210", len(r.Results), r.Summary.Fail, r.Annotations[OmittedAnnotation])
	}
	if r.Configuration == nil || r.Configuration.Limits.MaxResults != 40 {
		t.Errorf("configuration = %+v; want limits.maxResults 40", r.Configuration)
	}
}

func TestReportNeverPassesOneMebibyte(t *testing.T) {
	f := &Finding{Owner: web}
	// 200 results of three 512 KiB texts each: hundreds of times the bound.
	huge := strings.Repeat("é", 1<<18)
	for i := range 200 {
		v := violation(fmt.Sprintf("custom-%04d", i), policies.Deny, huge)
		v.Message, v.Path, v.Remediation = huge, huge, huge
		f.Violations = append(f.Violations, v)
	}
	r := Report(f, ReportOptions{MaxResults: 200})
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 1<<20 {
		t.Errorf("report is %d bytes; want at most 1 MiB", len(data))
	}
	if len(r.Results) == 0 || r.Summary.Fail != 200 {
		t.Errorf("%d results kept, summary fail %d; want some kept and all 200 counted", len(r.Results), r.Summary.Fail)
	}
	for _, res := range r.Results {
		if !strings.HasSuffix(res.Description, "…") || !json.Valid([]byte(`"`+res.Properties["path"]+`"`)) {
			t.Fatalf("a clipped text must end in … on a rune boundary: %q", res.Description[len(res.Description)-8:])
		}
	}
}

func TestReportNameFitsAnObjectName(t *testing.T) {
	long := Ref{Kind: "CronJob", Namespace: "ns", Name: strings.Repeat("a", 250)}
	other := long
	other.Name = strings.Repeat("a", 249) + "b"
	a, b := ReportName(long), ReportName(other)
	if len(a) > 253 || len(b) > 253 || a == b {
		t.Errorf("names %q (%d) and %q (%d): want ≤ 253 characters and distinct", a, len(a), b, len(b))
	}
	if got := ReportName(Ref{Kind: "DaemonSet", Name: "node-exporter"}); got != "podpolicy-daemonset-node-exporter" {
		t.Errorf("ReportName = %q; want podpolicy-daemonset-node-exporter", got)
	}
}
