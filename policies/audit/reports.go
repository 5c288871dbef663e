package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/library"
)

// Source is the source of every result and report podpolicy writes; a Report of any other
// source is never touched.
const Source = "podpolicy"

// Labels and annotations of the reports podpolicy writes.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// OmittedAnnotation counts the results left out of a report by its bound; the summary
	// still counts them.
	OmittedAnnotation = "podpolicy.io/results-omitted"
)

// InputRule is the rule name of an error result: the object could not be normalised or
// evaluated.
const InputRule = "input"

// DefaultMaxResults is the default bound on a report's results.
const DefaultMaxResults = 100

// maxReportBytes keeps a report well inside etcd's 1.5 MiB request limit and the issue's
// 1 MiB bound, whatever the messages of custom rules hold.
const maxReportBytes = 900 << 10

// Bounds of one result's texts: a custom rule may write anything into a message.
const (
	maxMessageBytes  = 2048
	maxPropertyBytes = 512
)

// ReportOptions shape the reports of a run.
type ReportOptions struct {
	// MaxResults bounds the results of one report; DefaultMaxResults when zero.
	MaxResults int
	// Rules are the validating rules judged, for the summary's pass count.
	Rules []library.Rule
	// Config gives each rule's action, for the pass count (a rule set to off is not judged).
	Config *config.Config
}

// Report builds the openreports Report of one finding: one result per violation (fail for
// deny and audit, warn for warn), per excepted violation (skip, with the exception's reason),
// for an owner without a pod template of its own (skip, saying whose template its Pods run)
// and per error, in the owner's namespace, owned by it so that it goes when the owner goes.
func Report(f *Finding, opts ReportOptions) *reportsv1alpha1.Report {
	limit := opts.MaxResults
	if limit <= 0 {
		limit = DefaultMaxResults
	}
	owner := objectReference(f.Owner)
	var results []reportsv1alpha1.ReportResult
	if f.Error != "" {
		results = append(results, reportsv1alpha1.ReportResult{
			Source: Source, Policy: InputRule, Rule: InputRule, Result: "error", Severity: "high",
			Subjects: []corev1.ObjectReference{owner}, Description: clip(f.Error, maxMessageBytes),
		})
	}
	for _, e := range f.PodErrors {
		results = append(results, reportsv1alpha1.ReportResult{
			Source: Source, Policy: InputRule, Rule: InputRule, Result: "error", Severity: "high",
			Subjects:    []corev1.ObjectReference{{APIVersion: "v1", Kind: "Pod", Namespace: f.Owner.Namespace, Name: e.Name}},
			Description: clip(e.Error, maxMessageBytes),
		})
	}
	if f.NoTemplate != "" {
		results = append(results, reportsv1alpha1.ReportResult{
			Source: Source, Policy: InputRule, Rule: InputRule, Result: "skip", Severity: "info",
			Subjects: []corev1.ObjectReference{owner}, Description: clip(f.NoTemplate, maxMessageBytes),
		})
	}
	for _, v := range f.Violations {
		results = append(results, violationResult(v, owner, ""))
	}
	for _, v := range f.PodViolations {
		pod := corev1.ObjectReference{APIVersion: "v1", Kind: v.Kind, Namespace: f.Owner.Namespace, Name: v.Name}
		if v.Kind == "" {
			pod.Kind = "Pod"
		}
		results = append(results, violationResult(v, pod, ""))
	}
	for _, e := range f.Excepted {
		r := violationResult(e.Violation, owner, e.Reason)
		r.Result = "skip"
		results = append(results, r)
	}
	slices.SortStableFunc(results, compareResults)

	report := &reportsv1alpha1.Report{
		TypeMeta: metav1.TypeMeta{APIVersion: reportsv1alpha1.SchemeGroupVersion.String(), Kind: "Report"},
		ObjectMeta: metav1.ObjectMeta{
			Name: ReportName(f.Owner), Namespace: f.Owner.Namespace,
			Labels: map[string]string{ManagedByLabel: Source},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: f.Owner.APIVersion, Kind: f.Owner.Kind, Name: f.Owner.Name, UID: f.Owner.UID,
			}},
		},
		Source:        Source,
		Scope:         &owner,
		Configuration: &reportsv1alpha1.ReportConfiguration{Limits: reportsv1alpha1.Limits{MaxResults: limit}},
		Summary:       summarise(results, opts),
	}
	omitted := 0
	if len(results) > limit {
		omitted, results = len(results)-limit, results[:limit]
	}
	report.Results = results
	for len(report.Results) > 0 && size(report) > maxReportBytes {
		cut := max(1, len(report.Results)/10)
		omitted += cut
		report.Results = report.Results[:len(report.Results)-cut]
	}
	if omitted > 0 {
		report.Annotations = map[string]string{OmittedAnnotation: fmt.Sprint(omitted)}
	}
	return report
}

// violationResult is the result of one violation about subject.
func violationResult(v policies.Violation, subject corev1.ObjectReference, reason string) reportsv1alpha1.ReportResult {
	result := reportsv1alpha1.Result("fail")
	if v.Action == policies.Warn {
		result = "warn"
	}
	props := map[string]string{"action": string(v.Action), "path": clip(v.Path, maxPropertyBytes), "fix": clip(v.Remediation, maxPropertyBytes)}
	if v.Container != "" {
		props["container"] = clip(v.Container, maxPropertyBytes)
	}
	if v.EnforceFrom != "" {
		props["enforceFrom"] = v.EnforceFrom
	}
	if reason != "" {
		props["reason"] = clip(reason, maxPropertyBytes)
	}
	return reportsv1alpha1.ReportResult{
		Source: Source, Policy: v.Rule, Rule: v.Rule, Result: result,
		Severity: reportsv1alpha1.ResultSeverity(v.Severity), Subjects: []corev1.ObjectReference{subject},
		Description: clip(v.String(), maxMessageBytes), Properties: props,
	}
}

// resultOrder puts what needs action first, so that a bounded report keeps it.
var resultOrder = map[reportsv1alpha1.Result]int{"error": 0, "fail": 1, "warn": 2, "skip": 3}

func compareResults(a, b reportsv1alpha1.ReportResult) int {
	if c := resultOrder[a.Result] - resultOrder[b.Result]; c != 0 {
		return c
	}
	return strings.Compare(a.Policy+"\x00"+a.Subjects[0].Name+"\x00"+a.Properties["path"], b.Policy+"\x00"+b.Subjects[0].Name+"\x00"+b.Properties["path"])
}

// summarise counts every result, the omitted ones too, and counts as passed each judged
// validating rule that has none.
func summarise(results []reportsv1alpha1.ReportResult, opts ReportOptions) reportsv1alpha1.ReportSummary {
	var s reportsv1alpha1.ReportSummary
	hit := map[string]bool{}
	for _, r := range results {
		hit[r.Policy] = true
		switch r.Result {
		case "fail":
			s.Fail++
		case "warn":
			s.Warn++
		case "skip":
			s.Skip++
		case "error":
			s.Error++
		}
	}
	if s.Error > 0 {
		// An object that could not be judged passed nothing.
		return s
	}
	for _, rule := range opts.Rules {
		if rule.Type == library.ValidationRule && !hit[rule.ID] && (opts.Config == nil || opts.Config.Action(rule.ID) != policies.Off) {
			s.Pass++
		}
	}
	return s
}

// Clean reports whether a report has nothing to act on: no fail, warn or error.
func Clean(r *reportsv1alpha1.Report) bool {
	return r.Summary.Fail == 0 && r.Summary.Warn == 0 && r.Summary.Error == 0
}

// ReportName is the name of an owner's report: podpolicy-<kind>-<name>, with a hash of the
// owner's name in place of its end when that would pass the 253 characters of a name.
func ReportName(owner Ref) string {
	name := "podpolicy-" + strings.ToLower(owner.Kind) + "-" + owner.Name
	if len(name) <= 253 {
		return name
	}
	sum := sha256.Sum256([]byte(owner.Name))
	return strings.TrimRight(name[:253-17], ".-") + "-" + hex.EncodeToString(sum[:8])
}

func objectReference(r Ref) corev1.ObjectReference {
	return corev1.ObjectReference{APIVersion: r.APIVersion, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name, UID: r.UID}
}

func size(r *reportsv1alpha1.Report) int {
	data, err := json.Marshal(r)
	if err != nil {
		return maxReportBytes + 1
	}
	return len(data)
}

// clip shortens s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
