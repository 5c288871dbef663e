package doctor

import "testing"

func TestParseText(t *testing.T) {
	text := `# HELP x A metric.
# TYPE x gauge
podpolicy_policy_evaluator{evaluator="compiled"} 1
podpolicy_policy_evaluator{evaluator="topdown",} 0 1700000000000
odd{a="x\"y\\z\n",b="2"} 3.5e+00
bare 42
broken{a="x" 1
nolabel{}  7
notanumber NaNx
`
	samples := parseText([]byte(text))
	want := []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"podpolicy_policy_evaluator", map[string]string{"evaluator": "compiled"}, 1},
		{"podpolicy_policy_evaluator", map[string]string{"evaluator": "topdown"}, 0},
		{"odd", map[string]string{"a": "x\"y\\z\n", "b": "2"}, 3.5},
		{"bare", map[string]string{}, 42},
		{"nolabel", map[string]string{}, 7},
	}
	if len(samples) != len(want) {
		t.Fatalf("samples %+v, want %d", samples, len(want))
	}
	for i, w := range want {
		s := samples[i]
		if s.name != w.name || s.value != w.value || len(s.labels) != len(w.labels) {
			t.Errorf("sample %d: %+v, want %+v", i, s, w)
		}
		for k, v := range w.labels {
			if s.labels[k] != v {
				t.Errorf("sample %d: label %s = %q, want %q", i, k, s.labels[k], v)
			}
		}
	}
	// Nothing it is given makes it panic.
	for _, line := range []string{"{", "x{", `x{a=`, `x{a="`, `x{a="b"`, "x{}", "x{} ", "=", `x{="a"} 1`} {
		parseText([]byte(line))
	}
}
