package lint

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/policies/rego"
)

// defaults is the default config (podpolicy/config/data.yaml) with the line of each key.
type defaults struct {
	file string
	// keys are its top-level keys; rules the settings of each rule; mutation the keys of
	// mutation: each with its line.
	keys     map[string]int
	rules    map[string]map[string]int
	mutation map[string]int
	// ruleLines are the lines of the rules' keys.
	ruleLines map[string]int
}

// engineKeys are the top-level config keys the engine reads, and no rule: podSecurity selects
// a preset and is not in the defaults.
var engineKeys = []string{"podSecurity", "exemptNamespaces", "exceptions", "guardedLabels", "modeAdmins", "workloads"}

// loadDefaults reads the defaults: the data.yaml of a linted directory that holds the library
// (policies/rego), else the embedded one.
func loadDefaults(dirs []string) (*defaults, error) {
	file, src := library.BuiltinFile(rego.DefaultConfigFile), []byte(nil)
	for _, dir := range dirs {
		candidate := filepath.Join(dir, filepath.FromSlash(rego.DefaultConfigFile))
		if data, err := os.ReadFile(candidate); err == nil {
			file, src = candidate, data
		}
	}
	if src == nil {
		var err error
		if src, err = fs.ReadFile(rego.FS, rego.DefaultConfigFile); err != nil {
			return nil, fmt.Errorf("read default config: %w", err)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	d := &defaults{file: file, keys: map[string]int{}, rules: map[string]map[string]int{}, mutation: map[string]int{}, ruleLines: map[string]int{}}
	if len(doc.Content) == 0 {
		return d, nil
	}
	eachKey(doc.Content[0], func(key, value *yaml.Node) {
		d.keys[key.Value] = key.Line
		switch key.Value {
		case "rules":
			eachKey(value, func(rule, settings *yaml.Node) {
				d.rules[rule.Value], d.ruleLines[rule.Value] = map[string]int{}, rule.Line
				eachKey(settings, func(setting, _ *yaml.Node) { d.rules[rule.Value][setting.Value] = setting.Line })
			})
		case "mutation":
			eachKey(value, func(k, _ *yaml.Node) { d.mutation[k.Value] = k.Line })
		}
	})
	return d, nil
}

// eachKey calls fn with every key and value of a mapping node.
func eachKey(n *yaml.Node, fn func(key, value *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], n.Content[i+1])
	}
}
