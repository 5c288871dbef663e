package check

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/manifest"
)

// TestShippedKindsAreJudgedByTheirTemplates: an object of each shipped custom kind, shaped like
// its project's examples, is judged by each of its pod templates, and each violation names the
// concrete template (the second worker group, the Worker replica). The expected violations
// are each template's one deliberate fault, as the rules define them; the other templates
// comply.
func TestShippedKindsAreJudgedByTheirTemplates(t *testing.T) {
	r := runCheck(t, "testdata/workloads")
	want := map[string][]string{
		"Rollout/checkout": {
			"security-privilege-escalation spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
			"security-privileged spec.template.spec.containers[0].securityContext.privileged",
		},
		"CloneSet/sample":          {"image-tag-pinned spec.template.spec.containers[0].image"},
		"DaemonSet/node-agent":     {"host-namespaces spec.template.spec.hostNetwork", "host-ports spec.template.spec.containers[0].ports[0].hostPort"},
		"StatefulSet/cache":        nil,
		"BroadcastJob/warm-images": nil,
		"Service/hello": {
			"security-run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot",
			"security-run-as-non-root spec.template.spec.containers[0].securityContext.runAsUser",
		},
		"Configuration/greeter": nil,
		"JobSet/train": {
			"resources-limits-required spec.replicatedJobs[1].template.spec.template.spec.containers[0].resources.limits.cpu",
			"resources-limits-required spec.replicatedJobs[1].template.spec.template.spec.containers[0].resources.limits.memory",
		},
		"LeaderWorkerSet/vllm": {"host-path-volumes spec.leaderWorkerTemplate.workerTemplate.spec.volumes[0].hostPath"},
		"RayCluster/raycluster-gpu": {
			"security-privilege-escalation spec.workerGroupSpecs[1].template.spec.containers[0].securityContext.allowPrivilegeEscalation",
			"security-privileged spec.workerGroupSpecs[1].template.spec.containers[0].securityContext.privileged",
		},
		"RayJob/pi":          nil,
		"RayService/text-ml": nil,
		"PyTorchJob/mnist":   {"image-tag-pinned spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].image"},
		"TFJob/dist-mnist":   nil,
		"MPIJob/pi":          nil,
		"XGBoostJob/iris":    nil,
		"PaddleJob/resnet":   nil,
		"JAXJob/jax-simple":  nil,
		"Rollout/storefront": nil,
	}
	got := map[string][]string{}
	for _, o := range r.Results {
		key := o.Kind + "/" + o.Name
		if _, dup := got[key]; dup {
			t.Fatalf("%s judged twice", key)
		}
		got[key] = []string{}
		for _, v := range o.Violations {
			got[key] = append(got[key], v.Rule+" "+v.Path)
		}
	}
	for key, violations := range want {
		g, judged := got[key]
		if !judged {
			t.Errorf("%s was not judged (skipped: %v)", key, r.Skipped)
			continue
		}
		if !slices.Equal(g, violations) && (len(g) > 0 || len(violations) > 0) {
			t.Errorf("%s:\n got %q\nwant %q", key, g, violations)
		}
	}
	if len(got) != len(want) || len(r.Skipped) != 0 || len(r.Errors) != 0 {
		t.Errorf("judged %d objects, want %d; skipped %v; errors %v", len(got), len(want), r.Skipped, r.Errors)
	}
	// Every shipped kind is among them.
	kinds := map[string]bool{}
	for _, o := range r.Results {
		kinds[strings.SplitN(o.APIVersion, "/", 2)[0]+"/"+o.Kind] = true
	}
	for _, k := range policiesEngine(t).Config().Kinds.Configured() {
		if !kinds[k.Group+"/"+k.Kind] {
			t.Errorf("no test object of the shipped kind %s.%s", k.Kind, k.Group)
		}
	}
}

// TestRolloutWithWorkloadRefIsNotAPass: a Rollout that takes its template from a Deployment
// says so, naming the Deployment and where the reference is, and is not counted as admitted
// without a word.
func TestRolloutWithWorkloadRefIsNotAPass(t *testing.T) {
	r := runCheck(t, "testdata/workloads/argo-rollouts.yaml")
	o := find(r, "storefront")
	if o == nil {
		t.Fatal("storefront was not judged")
	}
	want := "no pod template at spec.template: it runs the pod template of Deployment storefront (spec.workloadRef), which podpolicy judges as any Deployment; exceptions naming this object cover its Pods"
	if o.NoTemplate != want || o.noTemplateLine != 59 {
		t.Errorf("storefront: %q at line %d, want %q at line 59", o.NoTemplate, o.noTemplateLine, want)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Rollout shop/storefront: not judged (no pod template of its own)\n",
		"  testdata/workloads/argo-rollouts.yaml:59: note " + want + "\n",
	} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("text output lacks %q:\n%s", line, text.String())
		}
	}
}

// TestAConfiguredKindIsJudgedAsTheShippedOnes: a kind the config adds is judged by each of its
// templates, and one whose template path holds something else than a pod template is an
// error naming the path and its line, never a pass.
func TestAConfiguredKindIsJudgedAsTheShippedOnes(t *testing.T) {
	engine, err := policies.New(context.Background(), policies.Options{ConfigFile: "testdata/workloads-config.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	docs, errs := manifest.Read([]string{"testdata/widget.yaml"}, strings.NewReader(""))
	r := Run(context.Background(), engine, docs, errs)
	o := find(r, "gallery")
	if o == nil || len(o.Violations) != 1 {
		t.Fatalf("gallery: %+v", o)
	}
	// The thumbnailer part has a livenessProbe and no readinessProbe.
	if v := o.Violations[0]; v.Rule != "probes-required" || v.Path != "spec.parts[1].podTemplate.spec.containers[0].readinessProbe" || v.Container != "thumbs" {
		t.Errorf("gallery's violation %+v", v)
	}
	if len(r.Errors) != 1 || r.ExitCode() != ExitError {
		t.Fatalf("errors %v, exit %d", r.Errors, r.ExitCode())
	}
	var input *manifest.InputError
	if !errors.As(r.Errors[0], &input) || input.Line != 60 ||
		!strings.Contains(input.Error(), "spec.parts[0].podTemplate: expected a pod template (an object of metadata and spec), got a list") {
		t.Errorf("the broken Widget's error: %v", r.Errors[0])
	}

	// Without the config, the kind is not one podpolicy judges.
	plain := runCheck(t, "testdata/widget.yaml")
	if len(plain.Skipped) != 2 || len(plain.Results) != 0 {
		t.Errorf("without the config: skipped %v, results %d", plain.Skipped, len(plain.Results))
	}
}

func policiesEngine(t *testing.T) *policies.Engine {
	t.Helper()
	engine, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return engine
}
