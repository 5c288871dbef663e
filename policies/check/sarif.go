package check

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/policies/manifest"
)

// SARIF 2.1.0, the subset code-scanning tools read.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Results     []sarifResult     `json:"results"`
		Invocations []sarifInvocation `json:"invocations"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string       `json:"id"`
		Name                 string       `json:"name"`
		ShortDescription     sarifText    `json:"shortDescription"`
		FullDescription      sarifText    `json:"fullDescription"`
		Help                 sarifText    `json:"help"`
		DefaultConfiguration sarifDefault `json:"defaultConfiguration"`
		Properties           sarifProps   `json:"properties"`
	}
	sarifDefault struct {
		Level string `json:"level"`
	}
	sarifProps struct {
		Severity string `json:"severity"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifInvocation struct {
		ExecutionSuccessful bool                `json:"executionSuccessful"`
		Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	}
	sarifNotification struct {
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations,omitempty"`
	}
)

// sarifLevel maps an action to a SARIF level.
var sarifLevel = map[policies.Action]string{policies.Deny: "error", policies.Warn: "warning", policies.Audit: "note"}

// WriteSARIF writes the report as a SARIF 2.1.0 log for code-scanning tools. rules describe the
// loaded rules; actions give each rule's configured action.
func (r *Report) WriteSARIF(w io.Writer, version string, rules []library.Rule, cfg *config.Config) error {
	driver := sarifDriver{Name: "podpolicy", Version: version, InformationURI: "https://github.com/podpolicy/podpolicy", Rules: []sarifRule{}}
	for _, rule := range rules {
		if rule.Type != library.ValidationRule {
			continue
		}
		level := sarifLevel[cfg.Action(rule.ID)]
		if level == "" {
			level = "none"
		}
		driver.Rules = append(driver.Rules, sarifRule{
			ID: rule.ID, Name: rule.Title,
			ShortDescription:     sarifText{rule.Title},
			FullDescription:      sarifText{rule.Description},
			Help:                 sarifText{rule.Remediation},
			DefaultConfiguration: sarifDefault{Level: level},
			Properties:           sarifProps{Severity: rule.Severity},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for i := range r.Results {
		o := &r.Results[i]
		for j := range o.Violations {
			v := &o.Violations[j]
			run.Results = append(run.Results, sarifResult{
				RuleID:    v.Rule,
				Level:     sarifLevel[v.Action],
				Message:   sarifText{v.String()},
				Locations: []sarifLocation{location(o.uri(), o.Line(j))},
			})
		}
	}
	invocation := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0}
	for i := range r.Results {
		if o := &r.Results[i]; o.NoTemplate != "" {
			invocation.Notifications = append(invocation.Notifications, sarifNotification{
				Level: "note", Message: sarifText{o.Kind + " " + o.Name + ": " + o.NoTemplate},
				Locations: []sarifLocation{location(o.uri(), o.noTemplateLine)},
			})
		}
	}
	for _, err := range r.Errors {
		n := sarifNotification{Level: "error", Message: sarifText{err.Error()}}
		if ie, ok := errors.AsType[*manifest.InputError](err); ok {
			n.Locations = []sarifLocation{location(ie.File, ie.Line)}
		}
		invocation.Notifications = append(invocation.Notifications, n)
	}
	run.Invocations = []sarifInvocation{invocation}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

func location(file string, line int) sarifLocation {
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: file}}}
	if line > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: line}
	}
	return loc
}
