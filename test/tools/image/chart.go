package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// chartDir is where the Helm chart sits in the repository.
const chartDir = "charts/podpolicy"

// tagPattern is what the OCI distribution spec accepts as a tag.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// chartInfo is what the image takes from the Helm chart, the one place these are set: the
// chart's appVersion is the image tag and the version the binary reports, and the chart's image
// repository is the name the image is annotated with.
type chartInfo struct {
	// AppVersion is Chart.yaml's appVersion.
	AppVersion string
	// Source is Chart.yaml's first entry of sources.
	Source string
	// Repository is values.yaml's image.repository.
	Repository string
}

// readChart reads the chart under root, naming the file and field that is missing.
func readChart(root string) (chartInfo, error) {
	var chart struct {
		AppVersion string   `yaml:"appVersion"`
		Sources    []string `yaml:"sources"`
	}
	chartFile := filepath.Join(root, chartDir, "Chart.yaml")
	if err := readYAML(chartFile, &chart); err != nil {
		return chartInfo{}, err
	}
	var values struct {
		Image struct {
			Repository string `yaml:"repository"`
		} `yaml:"image"`
	}
	valuesFile := filepath.Join(root, chartDir, "values.yaml")
	if err := readYAML(valuesFile, &values); err != nil {
		return chartInfo{}, err
	}
	switch {
	case chart.AppVersion == "":
		return chartInfo{}, fmt.Errorf("%s: appVersion is not set; it is the image tag and the version podpolicy reports", chartFile)
	case !tagPattern.MatchString(chart.AppVersion):
		return chartInfo{}, fmt.Errorf("%s: appVersion %q is not an image tag (letters, digits, '_', '.', '-', not starting with '.' or '-', at most 128)", chartFile, chart.AppVersion)
	case len(chart.Sources) == 0 || chart.Sources[0] == "":
		return chartInfo{}, fmt.Errorf("%s: sources is empty; its first entry is the image's org.opencontainers.image.source", chartFile)
	case values.Image.Repository == "":
		return chartInfo{}, fmt.Errorf("%s: image.repository is not set; it is the name the image is annotated with", valuesFile)
	}
	return chartInfo{AppVersion: chart.AppVersion, Source: chart.Sources[0], Repository: values.Image.Repository}, nil
}

func readYAML(path string, into any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the chart: %w", err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
