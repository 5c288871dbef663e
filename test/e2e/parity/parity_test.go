//go:build e2e

package parity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/test/harness"
)

// recordedCase is one object of the corpus with the reviews the API server sent for it.
type recordedCase struct {
	manifestCase
	file, namespace string
	create, mutate  *recorded
	// update is the review of an update of the object in the cluster: one that changes its pod
	// template (rollsOut) or, where the template cannot change (a Pod, a Job), its labels.
	update   *recorded
	rollsOut bool
}

// TestCheckAndServeGiveOneVerdict: for every object of the corpus, `podpolicy check` of its
// manifest and `podpolicy serve` of the review the API server sends for its CREATE give the
// same denials, warnings and audit entries (rule, container, path, message and fix, line for
// line) and the same patch, under the default config and one that warns, audits, dates and
// excepts; serve of the review of an update that changes its pod template gives the same
// verdict again, and of an update that leaves the template alone admits it untouched.
func TestCheckAndServeGiveOneVerdict(t *testing.T) {
	cases := record(t, corpus(t))
	if len(cases) < 125 {
		t.Fatalf("recorded %d objects, want the whole corpus (125 or more)", len(cases))
	}
	compared := 0
	for _, cfg := range configs {
		results := checkCorpus(t, cfg, cases)
		for _, c := range cases {
			want, ok := results[c.file+"#0"]
			if !ok {
				t.Errorf("%s (%s): check gave no result", c.origin, cfg.name)
				continue
			}
			got := serveVerdict(t, cfg.serve, c.create)
			if !got.equal(want.verdict) {
				t.Errorf("%s (%s, CREATE):\n%s", c.origin, cfg.name, got.diff(want.verdict))
			}
			if c.mutate != nil {
				if got := servePatch(t, cfg.serve, c.mutate); !slices.Equal(got, want.patch) {
					t.Errorf("%s (%s): the patches add other metadata\n serve: %q\n check: %q", c.origin, cfg.name, got, want.patch)
				}
			}
			update := serveVerdict(t, cfg.serve, c.update)
			switch {
			case c.rollsOut && !update.equal(want.verdict):
				t.Errorf("%s (%s, UPDATE of the pod template):\n%s", c.origin, cfg.name, update.diff(want.verdict))
			case c.rollsOut && len(want.deny) > 0 && !update.rolloutNote:
				t.Errorf("%s (%s): the denial of a template change does not say the Pods it rolls out would break the rules", c.origin, cfg.name)
			case !c.rollsOut && !update.equal(verdict{}):
				t.Errorf("%s (%s, UPDATE of its labels): serve judged what did not change:\n%s", c.origin, cfg.name, update.diff(verdict{}))
			}
			compared++
		}
	}
	t.Logf("%d objects, %d reviews each (CREATE, UPDATE, and the mutation of Pods), compared under %d configs", len(cases), 2, len(configs))
	if compared != len(cases)*len(configs) {
		t.Errorf("compared %d of %d", compared, len(cases)*len(configs))
	}
}

// record applies each object with a server-side dry run, creates it, dry-runs an update of it,
// and keeps the reviews the API server sent for them.
func record(t *testing.T, cases []manifestCase) []recordedCase {
	t.Helper()
	ctx := context.Background()
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pool := &namespacePool{t: t}
	var out []recordedCase
	for _, c := range cases {
		rc := recordedCase{manifestCase: c, namespace: pool.namespaceFor(c), file: filepath.Join(dir, shortName(c))}
		if err := os.WriteFile(rc.file, c.text, 0o644); err != nil {
			t.Fatal(err)
		}
		verb := "apply"
		if c.generate {
			verb = "create" // kubectl apply refuses generateName
		}
		rec.take()
		if r := suite.Kubectl(t, verb, "--dry-run=server", "-n", rc.namespace, "-f", rc.file); r.ExitCode != 0 {
			t.Errorf("%s: kubectl %s --dry-run=server: %s", c.origin, verb, r.Output())
			continue
		}
		reviews := rec.take()
		rc.create = only(t, c, reviews, "/validate", admissionv1.Create)
		if c.kind.Kind == "Pod" {
			rc.mutate = only(t, c, reviews, "/mutate", admissionv1.Create)
		}
		gvr := schema.GroupVersionResource{Group: c.kind.Group, Version: c.kind.Version, Resource: c.kind.Resource}
		obj := &unstructured.Unstructured{}
		data, err := yaml.YAMLToJSON(c.text)
		if err == nil {
			err = obj.UnmarshalJSON(data)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.origin, err)
		}
		created, err := dyn.Resource(gvr).Namespace(rc.namespace).Create(ctx, obj, metav1.CreateOptions{})
		if err != nil {
			t.Errorf("%s: create: %v", c.origin, err)
			continue
		}
		var patch []byte
		patch, rc.rollsOut = updatePatch(c)
		if _, err := dyn.Resource(gvr).Namespace(rc.namespace).Patch(ctx, created.GetName(), types.MergePatchType, patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Errorf("%s: dry-run update: %v", c.origin, err)
			continue
		}
		rc.update = only(t, c, rec.take(), "/validate", admissionv1.Update)
		if rc.create != nil && rc.update != nil && (rc.mutate != nil || c.kind.Kind != "Pod") {
			out = append(out, rc)
		}
	}
	return out
}

// updatePatch is the update an object gets: its pod template annotated, as kubectl rollout
// restart does, where the template may change; its labels, where it may not (a Pod's spec, a
// Job's template).
func updatePatch(c manifestCase) ([]byte, bool) {
	if c.kind.Kind == "Pod" || c.kind.Kind == "Job" {
		return []byte(`{"metadata":{"labels":{"podpolicy.test/updated":"true"}}}`), false
	}
	patch := map[string]any{"metadata": map[string]any{"annotations": map[string]any{"podpolicy.test/restartedAt": "2026-12-07T10:00:00Z"}}}
	path := c.kind.Templates[0]
	for i := len(path) - 1; i >= 0; i-- {
		patch = map[string]any{path[i].Key: patch}
	}
	data, _ := json.Marshal(patch)
	return data, true
}

// only returns the one review of the object among reviews at path.
func only(t *testing.T, c manifestCase, reviews []recorded, path string, op admissionv1.Operation) *recorded {
	t.Helper()
	var found []recorded
	for _, r := range reviews {
		if r.path == path && r.req.Operation == op && r.req.Kind.Kind == c.kind.Kind {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Errorf("%s: %d %s reviews of %s, want one", c.origin, len(found), op, path)
		return nil
	}
	return &found[0]
}

// namespacePool gives each object a namespace where no object of its kind has its name.
type namespacePool struct {
	t     *testing.T
	names []string
	used  []map[string]bool
}

func (p *namespacePool) namespaceFor(c manifestCase) string {
	key := c.kind.Kind + "/" + c.name
	if c.namespace != "" {
		if !slices.Contains(p.names, c.namespace) {
			p.create(c.namespace)
			p.names = append(p.names, c.namespace)
			p.used = append(p.used, map[string]bool{})
		}
		i := slices.Index(p.names, c.namespace)
		if p.used[i][key] {
			p.t.Fatalf("%s: two objects of the corpus are %s in namespace %s", c.origin, key, c.namespace)
		}
		p.used[i][key] = true
		return c.namespace
	}
	for i := range p.names {
		if c.generate || !p.used[i][key] {
			p.used[i][key] = true
			return p.names[i]
		}
	}
	name := fmt.Sprintf("parity-%d", len(p.names))
	p.create(name)
	p.names = append(p.names, name)
	p.used = append(p.used, map[string]bool{key: true})
	return name
}

// create makes a namespace the recorder is sent the requests of.
func (p *namespacePool) create(name string) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{recordLabel: "record"}}}
	if _, err := cp.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		p.t.Fatal(err)
	}
}

// verdict is what a judge says of an object: its lines by action, as podpolicy formats a
// violation (policies.Violation.String), without the object's kind and name.
type verdict struct {
	deny, warn, audit []string
	// rolloutNote is set when a denial says the update rolls out Pods that would break rules.
	rolloutNote bool
}

func (v verdict) equal(o verdict) bool {
	return slices.Equal(v.deny, o.deny) && slices.Equal(v.warn, o.warn) && slices.Equal(v.audit, o.audit)
}

func (v verdict) diff(o verdict) string {
	return fmt.Sprintf("serve:\n  deny %q\n  warn %q\n  audit %q\ncheck:\n  deny %q\n  warn %q\n  audit %q", v.deny, v.warn, v.audit, o.deny, o.warn, o.audit)
}

// checkResult is check's verdict and patch of one object.
type checkResult struct {
	verdict
	patch []string
}

// checkCorpus runs `podpolicy check -o json` under cfg over the recorded objects, namespace by
// namespace as kubectl applied them, and returns each object's verdict by source.
func checkCorpus(t *testing.T, cfg parityConfig, cases []recordedCase) map[string]checkResult {
	t.Helper()
	byNamespace := map[string][]string{}
	for _, c := range cases {
		byNamespace[c.namespace] = append(byNamespace[c.namespace], "-f", c.file)
	}
	out := map[string]checkResult{}
	for ns, files := range byNamespace {
		args := append([]string{"check", "-o", "json", "-n", ns}, files...)
		if cfg.file != "" {
			args = append(args, "--config", cfg.file)
		}
		cmd := exec.Command(suite.Binary, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
			t.Fatalf("podpolicy check (%s): exit %d: %v\n%s", cfg.name, code, err, stderr.String())
		}
		var report struct {
			Results []struct {
				Source     string
				Violations []policies.Violation
				Mutations  []policies.Mutation
			}
		}
		if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
			t.Fatalf("podpolicy check -o json: %v", err)
		}
		for _, r := range report.Results {
			var res checkResult
			for i := range r.Violations {
				v := &r.Violations[i]
				switch v.Action {
				case policies.Deny:
					res.deny = append(res.deny, v.String())
				case policies.Warn:
					res.warn = append(res.warn, v.String())
				case policies.Audit:
					res.audit = append(res.audit, v.String())
				}
			}
			var ops []policies.PatchOperation
			for _, m := range r.Mutations {
				ops = append(ops, m.Patch...)
			}
			res.patch = addedMetadata(t, ops)
			out[r.Source] = res
		}
	}
	return out
}

// objectPrefix starts a warning or audit entry with the object it is about.
var objectPrefix = regexp.MustCompile(`^[A-Za-z]+( "[^"]*")?: `)

// serveVerdict posts a recorded review to serve and reads its answer.
func serveVerdict(t *testing.T, w *harness.Webhook, r *recorded) verdict {
	t.Helper()
	resp := post(t, w, r)
	var v verdict
	if !resp.Allowed {
		if resp.Result == nil {
			t.Fatalf("serve denied %s %s without a reason", r.req.Kind.Kind, r.req.Name)
		}
		lines := strings.Split(resp.Result.Message, "\n")
		for _, line := range lines[1:] {
			if strings.HasPrefix(line, "this update changes the pod template") {
				v.rolloutNote = true
				continue
			}
			if strings.HasPrefix(line, "... and ") {
				t.Fatalf("serve listed %s of the denials of %s %s; the corpus keeps objects under 50 violations", line, r.req.Kind.Kind, r.req.Name)
			}
			v.deny = append(v.deny, line)
		}
	}
	for _, w := range resp.Warnings {
		v.warn = append(v.warn, objectPrefix.ReplaceAllString(w, ""))
	}
	if audit := resp.AuditAnnotations["violations"]; audit != "" {
		for _, line := range strings.Split(audit, "\n") {
			v.audit = append(v.audit, objectPrefix.ReplaceAllString(line, ""))
		}
	}
	return v
}

// servePatch posts a recorded review of a Pod's CREATE to serve's /mutate and returns the
// metadata its patch adds.
func servePatch(t *testing.T, w *harness.Webhook, r *recorded) []string {
	t.Helper()
	var ops []policies.PatchOperation
	if patch := post(t, w, r).Patch; len(patch) > 0 {
		if err := json.Unmarshal(patch, &ops); err != nil {
			t.Fatalf("serve's patch %s: %v", patch, err)
		}
	}
	return addedMetadata(t, ops)
}

// addedMetadata is what a patch of podpolicy's adds to a Pod, as sorted "labels/KEY=VALUE"
// and "annotations/KEY=VALUE" lines: the same labels and annotations are added whether the
// Pod has a map to add them to (one that kubectl apply's last-applied-configuration
// annotation made, say) or the patch adds the map.
func addedMetadata(t *testing.T, ops []policies.PatchOperation) []string {
	t.Helper()
	var out []string
	for _, op := range ops {
		if op.Op != "add" {
			t.Fatalf("podpolicy's patch %+v does more than add", op)
		}
		field, key, _ := strings.Cut(strings.TrimPrefix(op.Path, "/metadata/"), "/")
		if key != "" {
			out = append(out, fmt.Sprintf("%s/%s=%v", field, strings.NewReplacer("~1", "/", "~0", "~").Replace(key), op.Value))
			continue
		}
		for k, v := range op.Value.(map[string]any) {
			out = append(out, fmt.Sprintf("%s/%s=%v", field, k, v))
		}
	}
	slices.Sort(out)
	return out
}

func post(t *testing.T, w *harness.Webhook, r *recorded) *admissionv1.AdmissionResponse {
	t.Helper()
	resp, err := w.Client().Post(w.URL(r.path), "application/json", bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || review.Response == nil {
		t.Fatalf("serve answered %s %v: %v", r.path, resp.Status, err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("serve answered %s of %s %s with %s: %+v", r.path, r.req.Kind.Kind, r.req.Name, resp.Status, review.Response.Result)
	}
	return review.Response
}
