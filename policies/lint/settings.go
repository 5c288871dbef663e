package lint

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// configPrefix starts every reference to the config.
const configPrefix = "data.podpolicy.config"

// engineSettings are the settings of every rule the engine reads itself.
var engineSettings = []string{"action", "enforceFrom"}

// whole stands, among the settings read, for a read of all of them at once.
const whole = "*"

// declared is a setting the defaults declare, where they declare it.
type declared struct {
	file string
	line int
}

// checkSettings finds a rule that reads another rule's settings, a read of a setting or
// config key the defaults do not declare, and a declared setting its rule never reads.
func (l *linter) checkSettings() {
	a := l.ruleAliases()
	read := map[string]map[string]bool{}
	mutationRead := map[string]bool{}
	for _, m := range l.compiled.Modules {
		if m.Package.Path.String() == "data.podpolicy.main" {
			continue
		}
		reader := l.ruleOfModule(m)
		for _, r := range m.Rules {
			if a.isAlias(m, r) {
				continue
			}
			a.eachRead(r, func(ref ast.Ref, loc *ast.Location) {
				l.configRead(ref, loc, reader, isTest(m), read, mutationRead)
			})
		}
	}
	for _, r := range l.rules() {
		settings := l.declaredSettings(r)
		for _, name := range slices.Sorted(maps.Keys(settings)) {
			if read[r.rule.ID][whole] || read[r.rule.ID][name] {
				continue
			}
			at := settings[name]
			l.addAt("unread-setting", at.file, at.line,
				fmt.Sprintf("rule %s declares the setting %s, which it never reads: a config that sets it changes nothing", r.rule.ID, name),
				fmt.Sprintf("read it in the rule (config.rules[%q].%s), or remove it from the defaults", r.rule.ID, name))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(l.defaults.rules)) {
		if l.catalog.Has(id) {
			continue
		}
		l.addAt("unread-setting", l.defaults.file, l.defaults.ruleLines[id],
			fmt.Sprintf("the defaults hold settings of rules.%s, and no rule of that ID is loaded", id),
			"remove them, or correct the ID to the rule's METADATA custom.id")
	}
	for _, key := range slices.Sorted(maps.Keys(l.defaults.mutation)) {
		if !mutationRead[whole] && !mutationRead[key] {
			l.addAt("unread-setting", l.defaults.file, l.defaults.mutation[key],
				fmt.Sprintf("no rule reads the config key mutation.%s: a config that sets it changes nothing", key),
				"read it in a mutation rule, or remove it from the defaults")
		}
	}
}

// configRead checks one read of the config by a module of the rule reader ("" for a helper
// package or a test) and records what it reads.
func (l *linter) configRead(ref ast.Ref, loc *ast.Location, reader string, test bool, read map[string]map[string]bool, mutationRead map[string]bool) {
	s := ref.String()
	if s != configPrefix && !strings.HasPrefix(s, configPrefix+".") && !strings.HasPrefix(s, configPrefix+"[") {
		return
	}
	rest := ref[3:]
	if len(rest) == 0 {
		return
	}
	key, ok := rest[0].Value.(ast.String)
	if !ok {
		return
	}
	if _, known := l.defaults.keys[string(key)]; !known && !slices.Contains(engineKeys, string(key)) {
		l.add("undeclared-setting", loc, fmt.Sprintf("%s reads config.%s, which is no key of the config (its keys: %s)", strings.TrimPrefix(s, "data.podpolicy."), string(key), strings.Join(l.configKeys(), ", ")),
			"read a key the config has: a rule's own settings are config.rules[\"<its id>\"].<setting>")
		return
	}
	switch key {
	case "rules":
		l.ruleSettingRead(ref, loc, reader, test, read)
	case "mutation":
		if len(rest) < 2 {
			mutationRead[whole] = true
			return
		}
		name, ok := rest[1].Value.(ast.String)
		if !ok {
			mutationRead[whole] = true
			return
		}
		if _, known := l.defaults.mutation[string(name)]; !known {
			l.add("undeclared-setting", loc, fmt.Sprintf("config.mutation.%s is no key of the config's mutation (its keys: %s)", string(name), strings.Join(slices.Sorted(maps.Keys(l.defaults.mutation)), ", ")),
				"read a key of mutation that the defaults declare (podpolicy/config/data.yaml)")
		}
		mutationRead[string(name)] = true
	}
}

// ruleSettingRead checks a read of config.rules[id]... and records it.
func (l *linter) ruleSettingRead(ref ast.Ref, loc *ast.Location, reader string, test bool, read map[string]map[string]bool) {
	if len(ref) < 5 {
		return
	}
	idValue, ok := ref[4].Value.(ast.String)
	if !ok {
		return
	}
	id := string(idValue)
	shown := fmt.Sprintf("config.rules[%q]", id)
	if !l.catalog.Has(id) {
		l.add("undeclared-setting", loc, fmt.Sprintf("%s reads the settings of rule %s, and no rule of that ID is loaded", shown, id), "name the rule by its METADATA custom.id")
		return
	}
	if reader != "" && !test && id != reader {
		l.add("settings-of-another-rule", loc,
			fmt.Sprintf("rule %s reads the settings of rule %s (%s): a config that tunes %s would change %s too, and an exception or action set for one would not follow", reader, id, shown, id, reader),
			fmt.Sprintf("declare the setting on %s itself (custom.settings in its METADATA, or podpolicy/config/data.yaml) and read config.rules[%q]", reader, reader))
	}
	if read[id] == nil {
		read[id] = map[string]bool{}
	}
	if len(ref) < 6 {
		read[id][whole] = true
		return
	}
	settingValue, ok := ref[5].Value.(ast.String)
	if !ok {
		read[id][whole] = true
		return
	}
	setting := string(settingValue)
	read[id][setting] = true
	if slices.Contains(engineSettings, setting) {
		return
	}
	r := l.catalog.ByPackage(strings.ReplaceAll(id, "-", "_"))
	if _, ok := l.declaredSettings(&ruleModules{rule: r, path: rulesPrefix + r.Package})[setting]; !ok {
		l.add("undeclared-setting", loc,
			fmt.Sprintf("%s.%s is a setting the defaults of rule %s do not declare: under a config that does not set it, it is undefined and the rule silently never fires", shown, setting, id),
			fmt.Sprintf("declare it with its default in the rule's METADATA, as custom.settings.%s (for a built-in rule, in podpolicy/config/data.yaml)", setting))
	}
}

// declaredSettings are the settings of a rule the defaults declare (data.yaml, and the rule's
// METADATA custom.settings), with where each is declared.
func (l *linter) declaredSettings(r *ruleModules) map[string]declared {
	out := map[string]declared{}
	for name, line := range l.defaults.rules[r.rule.ID] {
		if !slices.Contains(engineSettings, name) {
			out[name] = declared{file: l.defaults.file, line: line}
		}
	}
	if len(r.rule.Settings) == 0 {
		return out
	}
	file, lines := l.metadataLines(r.path)
	for name := range r.rule.Settings {
		if _, ok := out[name]; !ok {
			out[name] = declared{file: file, line: lines[name]}
		}
	}
	return out
}

// settingComment matches a setting's line in a METADATA block's custom.settings.
var settingComment = regexp.MustCompile(`^\s*([A-Za-z0-9_-]+)\s*:`)

// metadataLines finds the file of a rule package's METADATA block and the line of each key
// written in it below "settings:".
func (l *linter) metadataLines(pkg string) (string, map[string]int) {
	lines := map[string]int{}
	for _, m := range l.lib.Modules {
		if m.Package.Path.String() != pkg || len(m.Annotations) == 0 {
			continue
		}
		meta := m.Annotations[0]
		sort.Slice(m.Comments, func(i, j int) bool { return m.Comments[i].Location.Row < m.Comments[j].Location.Row })
		settingsIndent, childIndent := -1, -1
		for _, c := range m.Comments {
			if c.Location.Row < meta.Location.Row || c.Location.Row > meta.EndLoc().Row {
				continue
			}
			text := string(c.Text)
			indent := len(text) - len(strings.TrimLeft(text, " "))
			switch {
			case strings.TrimSpace(text) == "settings:":
				settingsIndent = indent
			case settingsIndent < 0:
			case indent <= settingsIndent:
				settingsIndent = -1
			case childIndent < 0 || indent == childIndent:
				childIndent = indent
				if sub := settingComment.FindStringSubmatch(text); sub != nil {
					lines[sub[1]] = c.Location.Row
				}
			}
		}
		return meta.Location.File, lines
	}
	return "", lines
}

// configKeys are the top-level keys of the config.
func (l *linter) configKeys() []string {
	keys := slices.Collect(maps.Keys(l.defaults.keys))
	for _, k := range engineKeys {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
