package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
)

// ModuleDir returns the module cache directory of module as pinned by the go.mod of the
// module in moduleDir (relative to the repository root), downloading it when needed.
func ModuleDir(ctx context.Context, moduleDir, module string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module)
	cmd.Dir = filepath.Join(root, moduleDir)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w\n%s", module, err, out)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", err
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", module, info.Error)
	}
	return info.Dir, nil
}

// ThirdPartyCRDs returns the CRD files the chart's objects need: cert-manager's (pinned by the
// main module, whose Go API it also uses) and the Prometheus operator's ServiceMonitor and
// PrometheusRule.
func ThirdPartyCRDs(ctx context.Context) ([]string, error) {
	certManager, err := ModuleDir(ctx, ".", "github.com/cert-manager/cert-manager")
	if err != nil {
		return nil, err
	}
	prometheus, err := ModuleDir(ctx, "test/tools/crds", "github.com/prometheus-operator/prometheus-operator")
	if err != nil {
		return nil, err
	}
	return []string{
		filepath.Join(certManager, "deploy", "crds"),
		filepath.Join(prometheus, "example", "prometheus-operator-crd", "monitoring.coreos.com_servicemonitors.yaml"),
		filepath.Join(prometheus, "example", "prometheus-operator-crd", "monitoring.coreos.com_prometheusrules.yaml"),
	}, nil
}

// ReportsCRD returns the openreports.io Report CRD of the pinned
// github.com/openreports/reports-api, which the audit writes and the chart installs.
func ReportsCRD(ctx context.Context) (string, error) {
	dir, err := ModuleDir(ctx, ".", "github.com/openreports/reports-api")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "config", "crd", "openreports.io_reports.yaml"), nil
}
