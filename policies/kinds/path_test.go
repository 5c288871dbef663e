package kinds

import (
	"strings"
	"testing"
)

func TestPathsAreReadAndRefusedByWhatTheyCanName(t *testing.T) {
	for in, want := range map[string]string{
		"spec.template":                                 "spec.template",
		"spec.workerGroupSpecs[*].template":             "spec.workerGroupSpecs[*].template",
		"spec.pytorchReplicaSpecs.*.template":           "spec.pytorchReplicaSpecs.*.template",
		"spec.replicatedJobs[*].template.spec.template": "spec.replicatedJobs[*].template.spec.template",
	} {
		p, err := ParsePath(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePath(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                       "an empty path",
		"spec..template":         `the step ""`,
		"spec.templates[*]":      "ends in a wildcard",
		"spec.replicaSpecs.*":    "ends in a wildcard",
		"metadata.annotations.x": "starts at metadata",
		"status.template":        "starts at status",
		"spec.templates[0].spec": `the step "templates[0]"`,
		"spec.x*.template":       `the step "x*"`,
	} {
		if _, err := ParsePath(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePath(%q): %v, want an error saying %q", in, err, want)
		}
	}
	if MustPath("spec.template").Wild() || !MustPath("spec.a[*].template").Wild() || !MustPath("spec.a.*.template").Wild() {
		t.Error("Wild")
	}
}
