package cases

import (
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/library"
)

// pod is a Pod that breaks no built-in rule, as a case's object.
const pod = `    object:
      apiVersion: v1
      kind: Pod
      metadata: {name: web, namespace: shop}
      spec:
        securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
        containers:
          - name: web
            image: registry.example.com/shop/web:1.4.2
            resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}
            livenessProbe: {httpGet: {path: /healthz, port: 8080}}
            readinessProbe: {httpGet: {path: /ready, port: 8080}}
            securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`

// TestParseRefusesBadCasesNamingFileLineAndField: every mistake of a cases file is an error at
// its line, naming the field.
func TestParseRefusesBadCasesNamingFileLineAndField(t *testing.T) {
	files := fstest.MapFS{
		"rules/broken.yaml": {Data: []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a\n")},
		"rules/two.yaml":    {Data: []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n")},
	}
	for _, tc := range []struct{ name, src, want string }{
		{"unknown field of a case", "cases:\n  - name: a\n    objects: {}\n    expect: {}\n", "x.cases.yaml:3: cases[0].objects: unknown field (known: name, object, file,"},
		{"unknown field of expect", "cases:\n  - name: a\n" + pod + "    expect: {deny: [], allow: []}\n", "x.cases.yaml:16: cases[0].expect.allow: unknown field (known: deny, warn, audit, patch, paths)"},
		{"missing expect", "cases:\n  - name: a\n" + pod, "x.cases.yaml:2: cases[0]: expect is required"},
		{"missing name", "cases:\n  - " + strings.TrimPrefix(pod, "    ") + "    expect: {}\n", "x.cases.yaml:2: cases[0]: name is required"},
		{"missing object", "cases:\n  - name: a\n    expect: {}\n", "x.cases.yaml:2: cases[0]: object is required"},
		{"object and file", "cases:\n  - name: a\n" + pod + "    file: pod.yaml\n    expect: {}\n", "x.cases.yaml:16: cases[0].file: give the object inline (object:) or in a file (file:), not both"},
		{"object not a mapping", "cases:\n  - name: a\n    object: [a, b]\n    expect: {}\n", "x.cases.yaml:3: cases[0].object: expected a Kubernetes object (a mapping with apiVersion, kind, metadata and spec), got a list"},
		{"object kubectl refuses", "cases:\n  - name: a\n    object: {apiVersion: v1, kind: Pod, metadata: {name: a, labels: {n: 1}}}\n    expect: {}\n", "x.cases.yaml:3:"},
		{"missing file", "cases:\n  - name: a\n    file: deploy.yaml\n    expect: {}\n", "x.cases.yaml:3: cases[0].file: deploy.yaml: file does not exist (the path is relative to the cases file's folder)"},
		{"file that does not parse", "cases:\n  - name: a\n    file: broken.yaml\n    expect: {}\n", "rules/broken.yaml:2: invalid YAML"},
		{"file of two objects", "cases:\n  - name: a\n    file: two.yaml\n    expect: {}\n", "x.cases.yaml:3: cases[0].file: holds 2 objects; a case judges one"},
		{"UPDATE without oldObject", "cases:\n  - name: a\n    operation: UPDATE\n" + pod + "    expect: {}\n", "x.cases.yaml:3: cases[0].operation: an UPDATE needs the object before it"},
		{"oldObject of a CREATE", "cases:\n  - name: a\n" + pod + strings.Replace(pod, "object:", "oldObject:", 1) + "    expect: {}\n", "x.cases.yaml:16: cases[0].oldObject: an old object is judged only for an UPDATE"},
		{"an operation podpolicy does not judge", "cases:\n  - name: a\n    operation: DELETE\n" + pod + "    expect: {}\n", `x.cases.yaml:3: cases[0].operation: operation "DELETE" is not one podpolicy judges (CREATE, UPDATE)`},
		{"a namespace other than the object's", "cases:\n  - name: a\n" + pod + "    namespace: sandbox\n    expect: {}\n", "x.cases.yaml:16: cases[0].namespace: the object names namespace shop: kubectl refuses to create it in namespace sandbox"},
		{"a date that is none", "cases:\n  - name: a\n" + pod + "    at: next week\n    expect: {}\n", `x.cases.yaml:16: cases[0].at: "next week" is neither a date`},
		{"a label value that is a number", "cases:\n  - name: a\n" + pod + "    namespaceLabels: {tier: 1}\n    expect: {}\n", `x.cases.yaml:16: cases[0].namespaceLabels.tier: expected a string, got int "1" (quote it)`},
		{"two cases of one name", "cases:\n  - name: a\n" + pod + "    expect: {}\n  - name: a\n" + pod + "    expect: {}\n", `x.cases.yaml:17: cases[1].name: "a" names the case of line 2 too`},
		{"a rule listed twice", "cases:\n  - name: a\n" + pod + "    expect: {deny: [x, x]}\n", `x.cases.yaml:16: cases[0].expect.deny[1]: "x" is listed twice`},
		{"a patch operation without a path", "cases:\n  - name: a\n" + pod + "    expect: {patch: [{op: add}]}\n", "x.cases.yaml:16: cases[0].expect.patch[0]: path is required"},
		{"YAML that does not parse", "cases:\n  - name: a\n\texpect: {}\n", "x.cases.yaml:2: invalid YAML: found a tab character"},
		{"no cases", "cases: []\n", "x.cases.yaml:1: cases: expected a list of cases"},
		{"an empty file", "", "x.cases.yaml:1: the file holds no cases"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("rules/x.cases.yaml", []byte(tc.src), ReadFrom(files, "rules"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// TestParseReadsACase: every field of a case, an object from a file relative to the cases
// file, anchors shared through an x- field, and the namespace's name label.
func TestParseReadsACase(t *testing.T) {
	src, err := os.ReadFile("testdata/team-label/team_label/team_label.cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := Parse("team_label.cases.yaml", src, ReadFrom(os.DirFS("testdata/team-label"), "team_label"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 3 {
		t.Fatalf("%d cases, want 3", len(cases))
	}
	deploy, mutated := cases[0], cases[1]
	if !strings.Contains(string(deploy.Object), `"kind":"Deployment"`) || deploy.Namespace != "shop" || deploy.Operation != "CREATE" || deploy.Line != 15 {
		t.Errorf("case from a file: %+v", deploy)
	}
	if got := deploy.Expect.Paths["team-label"].Names; !slices.Equal(got, []string{"spec.template.metadata.labels"}) {
		t.Errorf("paths %v", got)
	}
	if want := map[string]string{"team": "payments", "kubernetes.io/metadata.name": "shop"}; !maps.Equal(mutated.NamespaceLabels, want) {
		t.Errorf("namespace labels %v, want %v", mutated.NamespaceLabels, want)
	}
	if mutated.Config == nil || len(mutated.Expect.Patch) != 1 || mutated.Expect.Patch[0].Path != "/metadata/labels" {
		t.Errorf("inline case: config %v, patch %+v", mutated.Config, mutated.Expect.Patch)
	}
}

// runAll runs the cases of a policy directory on one evaluator and returns the mismatches of
// each case by name.
func runAll(t *testing.T, dir string, evaluator policies.Evaluator) map[string][]string {
	t.Helper()
	lib, err := library.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	all, err := Load([]string{dir}, lib)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Options: policies.Options{PolicyDirs: []string{dir}, Evaluator: evaluator}}
	out := map[string][]string{}
	for _, c := range all {
		if !strings.HasPrefix(c.File, dir) {
			continue
		}
		o, err := r.Run(context.Background(), c)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		out[c.Name] = c.Mismatches(o)
	}
	return out
}

// TestRunJudgesAsServeDoes: a Pod is mutated before it is validated, as the API server calls
// the two webhooks, so the team label its Namespace gives it satisfies a rule that asks for
// one; a Deployment, never mutated, is denied at its template's path. On both evaluators.
func TestRunJudgesAsServeDoes(t *testing.T) {
	for _, evaluator := range []policies.Evaluator{policies.Compiled, policies.Topdown} {
		got := runAll(t, "testdata/team-label", evaluator)
		if len(got) != 3 {
			t.Fatalf("%s: ran %d cases, want 3", evaluator, len(got))
		}
		for name, mismatches := range got {
			if len(mismatches) > 0 {
				t.Errorf("%s: %s: %v", evaluator, name, mismatches)
			}
		}
	}
}

// TestMismatchesNameWantAndGot: a wrong expectation of each kind fails, saying what was
// wanted and what was got, with the violations nobody expected.
func TestMismatchesNameWantAndGot(t *testing.T) {
	dir := t.TempDir()
	object := strings.Replace(pod, "readOnlyRootFilesystem: true,", "privileged: true, readOnlyRootFilesystem: true,", 1)
	src := "cases:\n  - name: wrong\n" + object + `    expect:
      deny: [team-label]
      warn: [share-process-namespace]
      patch: [{op: add, path: /metadata/labels, value: {a: b}}]
      paths: {security-privileged: ["spec.containers[1].securityContext.privileged"]}
`
	cases, err := Parse(dir+"/w.cases.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	engine := &Runner{Options: policies.Options{PolicyDirs: []string{"testdata/team-label"}}}
	out, err := engine.Run(context.Background(), cases[0])
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(cases[0].Mismatches(out), "\n")
	for _, want := range []string{
		"deny: want [team-label], got [",
		`  [security-privileged] container "web": securityContext.privileged is true (spec.containers[0].securityContext.privileged)`,
		"warn: want [share-process-namespace], got []",
		`patch: want [{"op":"add","path":"/metadata/labels","value":{"a":"b"}}], got []`,
		"paths of security-privileged: want [spec.containers[1].securityContext.privileged], got [spec.containers[0].securityContext.privileged]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("mismatches lack %q:\n%s", want, got)
		}
	}
}

// TestADirectorysCaseMayNameTheApplicationsManifest: file: is relative to the cases file, and
// may leave the policy directory for the application's own manifest beside it.
func TestADirectorysCaseMayNameTheApplicationsManifest(t *testing.T) {
	root := t.TempDir()
	manifest, err := os.ReadFile("testdata/team-label/team_label/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(root+"/policies/rule", 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"app.yaml":                   manifest,
		"policies/rule/x.cases.yaml": []byte("cases:\n  - name: the app\n    file: ../../app.yaml\n    expect: {}\n"),
	} {
		if err := os.WriteFile(root+"/"+name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lib, err := library.Load([]string{root + "/policies"})
	if err != nil {
		t.Fatal(err)
	}
	all, err := Load([]string{root + "/policies"}, lib)
	if err != nil {
		t.Fatal(err)
	}
	var mine []*Case
	for _, c := range all {
		if strings.HasPrefix(c.File, root) {
			mine = append(mine, c)
		}
	}
	if len(mine) != 1 || !strings.Contains(string(mine[0].Object), `"name":"web"`) || mine[0].Rules != nil {
		t.Errorf("cases %+v", mine)
	}
}
