package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/owners"
	"github.com/podpolicy/podpolicy/test/fixture"
	"github.com/podpolicy/podpolicy/webhook/events"
)

// emitted records the Events admission hands to the recorder.
type emitted []events.Event

func (e *emitted) Emit(ev events.Event) { *e = append(*e, ev) }

// notifyEngine judges with a config that warns, dates and excepts: share-process-namespace
// warns (its default), image-tag-pinned warns until 2099-03-01, and an exception for
// security-read-only-root-filesystem in namespace legacy expires in expiresIn.
func notifyEngine(t *testing.T, expires string) *policies.Engine {
	t.Helper()
	config := filepath.Join(t.TempDir(), "config.yaml")
	body := fmt.Sprintf(`rules:
  image-tag-pinned: {action: warn, enforceFrom: "2099-03-01"}
exceptions:
  - {rule: security-read-only-root-filesystem, namespaces: [legacy], reason: the legacy shop writes its cache, expires: %q}
`, expires)
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	engine, err := policies.New(context.Background(), policies.Options{ConfigFile: config})
	if err != nil {
		t.Fatal(err)
	}
	return engine
}

// notifyPod is a compliant Pod named web with the UID the API server gave it, changed by edit.
func notifyPod(t *testing.T, edit func(spec map[string]any)) map[string]any {
	spec := fixture.PodSpec(t)
	if edit != nil {
		edit(spec)
	}
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "web", "uid": "pod-uid-1"}, "spec": spec}
}

// text is an Event's message, made as its worker makes it.
func text(e events.Event) string {
	if e.Describe != nil {
		return e.Describe()
	}
	return e.Message
}

// withRequestField sets one field of a review's request.
func withRequestField(t *testing.T, body []byte, key string, value any) []byte {
	t.Helper()
	var review map[string]any
	if err := json.Unmarshal(body, &review); err != nil {
		t.Fatal(err)
	}
	review["request"].(map[string]any)[key] = value
	out, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAdmittedWarningsBecomeAnEventOnTheObject: a Pod admitted with warnings (a warn rule, a
// rule before its enforceFrom, an exception expiring within the window) gets one Warning
// Event on itself naming each rule, its path and its date; at a CREATE its UID is the one the
// API server gave it, and the Event waits until the Pod is stored; an UPDATE's object exists.
// A dry run, a Pod with nothing to say, and an exception expiring past the window emit none.
func TestAdmittedWarningsBecomeAnEventOnTheObject(t *testing.T) {
	soon := time.Now().Add(5 * 24 * time.Hour).UTC().Format(time.RFC3339)
	var got emitted
	h := NewValidatingHandler(notifyEngine(t, soon), Cluster{Events: Notifications{Sink: &got, Warnings: true, Denials: true, ExpiringWithin: 30 * 24 * time.Hour}}, nil, logr.Discard())
	warned := notifyPod(t, func(spec map[string]any) {
		spec["shareProcessNamespace"] = true
		spec["containers"].([]any)[0].(map[string]any)["image"] = "registry.example.com/shop/web:latest"
		spec["containers"].([]any)[0].(map[string]any)["securityContext"].(map[string]any)["readOnlyRootFilesystem"] = false
	})

	if _, resp := serve(t, h, reviewBody(t, "CREATE", "legacy", warned, nil)); !resp.Allowed || len(resp.Warnings) != 2 {
		t.Fatalf("the warned Pod: %+v", resp)
	}
	if len(got) != 1 {
		t.Fatalf("%d Events, want 1: %+v", len(got), got)
	}
	e := got[0]
	want := corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: "legacy", Name: "web", UID: "pod-uid-1"}
	if e.Regarding != want || e.Type != corev1.EventTypeWarning || e.Reason != ReasonWarning || e.Resolve == nil || e.Once {
		t.Errorf("Event %+v, want a Warning PolicyWarning on %+v that waits for the Pod to be stored", e, want)
	}
	for _, line := range []string{
		`Pod "web" was admitted with warnings:`,
		"[image-tag-pinned] container \"web\": ",
		"(spec.containers[0].image); fix: ",
		"; this will be denied from 2099-03-01",
		"[share-process-namespace] shareProcessNamespace is true (spec.shareProcessNamespace)",
		"[security-read-only-root-filesystem] container \"web\": ",
		"; an exception waives it until " + soon + " (the legacy shop writes its cache), then it is denied",
	} {
		if !strings.Contains(text(e), line) {
			t.Errorf("the Event's message lacks %q:\n%s", line, text(e))
		}
	}

	got = nil
	update := withRequestField(t, reviewBody(t, "UPDATE", "legacy", warned, notifyPod(t, nil)), "name", "web")
	if _, resp := serve(t, h, update); !resp.Allowed {
		t.Fatalf("the update: %+v", resp)
	}
	if len(got) != 1 || got[0].Resolve != nil || got[0].Regarding.UID != "pod-uid-1" {
		t.Errorf("an UPDATE's Event is about the stored object, with no wait: %+v", got)
	}

	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"a dry run", withRequestField(t, reviewBody(t, "CREATE", "legacy", warned, nil), "dryRun", true)},
		{"a Pod with no warning", reviewBody(t, "CREATE", "shop", notifyPod(t, nil), nil)},
	} {
		got = nil
		if _, resp := serve(t, h, tc.body); !resp.Allowed {
			t.Fatalf("%s: %+v", tc.name, resp)
		}
		if len(got) != 0 {
			t.Errorf("%s: %d Events, want none: %+v", tc.name, len(got), got)
		}
	}

	later := time.Now().Add(60 * 24 * time.Hour).UTC().Format(time.RFC3339)
	got = nil
	h = NewValidatingHandler(notifyEngine(t, later), Cluster{Events: Notifications{Sink: &got, Warnings: true, ExpiringWithin: 30 * 24 * time.Hour}}, nil, logr.Discard())
	excepted := notifyPod(t, func(spec map[string]any) {
		spec["containers"].([]any)[0].(map[string]any)["securityContext"].(map[string]any)["readOnlyRootFilesystem"] = false
	})
	serve(t, h, reviewBody(t, "CREATE", "legacy", excepted, nil))
	if len(got) != 0 {
		t.Errorf("an exception expiring in 60 days, past the 30-day window: %d Events, want none: %+v", len(got), got)
	}
}

// TestWarnModeEventSaysTheNamespaceSoftensIt: a denial softened by podpolicy.io/mode=warn is
// a warning whose Event says the rules deny elsewhere.
func TestWarnModeEventSaysTheNamespaceSoftensIt(t *testing.T) {
	var got emitted
	engine := notifyEngine(t, "2099-01-01")
	namespaces := fakeNamespaces{"soft": {ModeLabel: "warn"}}
	h := NewValidatingHandler(engine, Cluster{Namespaces: namespaces, Events: Notifications{Sink: &got, Warnings: true}}, nil, logr.Discard())
	pod := notifyPod(t, func(spec map[string]any) { spec["hostNetwork"] = true })
	if _, resp := serve(t, h, reviewBody(t, "CREATE", "soft", pod, nil)); !resp.Allowed {
		t.Fatalf("a denial in a warn-mode namespace: %+v", resp)
	}
	if len(got) != 1 || !strings.Contains(text(got[0]), `Pod "web" was admitted with warnings (namespace soft has podpolicy.io/mode=warn: these rules deny elsewhere):`) ||
		!strings.Contains(text(got[0]), "[host-namespaces] hostNetwork is true (spec.hostNetwork)") {
		t.Errorf("Events %+v", got)
	}
}

// TestRefusedControllerObjectIsAnEventOnItsTopOwner: a Pod the ReplicaSet controller creates
// for a Deployment, refused, is a Warning Event on the Deployment (found through the verified
// chain, with its UID), naming the ReplicaSet and the rule, and not the Pod's generated name,
// which each retry changes. The same Pod from a user
// is no Event (the user read the denial); warnings of a Pod whose controller created it with
// verified owners are none either (its owner had them when it was applied). When the owners
// cannot be verified in admission's time, the Event says so and its worker finds the owner.
func TestRefusedControllerObjectIsAnEventOnItsTopOwner(t *testing.T) {
	yes := true
	cluster := fakeOwners{
		"ReplicaSet/web-7d9f": {uid: "rs-1", owners: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "dep-1", Controller: &yes}}},
		"Deployment/web":      {uid: "dep-1"},
	}
	ownedPod := func(edit func(map[string]any)) map[string]any {
		p := notifyPod(t, edit)
		meta := p["metadata"].(map[string]any)
		meta["name"], meta["generateName"] = "web-7d9f-x2x9q", "web-7d9f-"
		meta["ownerReferences"] = []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f", "uid": "rs-1", "controller": true}}
		return p
	}
	bad := ownedPod(func(spec map[string]any) { spec["hostNetwork"] = true })
	var got emitted
	h := NewValidatingHandler(notifyEngine(t, "2099-01-01"), Cluster{Owners: cluster.lookup, Events: Notifications{Sink: &got, Warnings: true, Denials: true, Lookup: cluster.lookup}}, nil, logr.Discard())

	_, resp := serve(t, h, withUser(t, reviewBody(t, "CREATE", "shop", bad, nil), "system:serviceaccount:kube-system:replicaset-controller"))
	if resp.Allowed || len(got) != 1 {
		t.Fatalf("the refused Pod: allowed %v, %d Events, want denied and 1", resp.Allowed, len(got))
	}
	e := got[0]
	want := corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web", UID: "dep-1"}
	if e.Regarding != want || e.Reason != ReasonDenied || e.Type != corev1.EventTypeWarning || e.Resolve != nil {
		t.Errorf("Event %+v, want a Warning PolicyDenied on %+v", e, want)
	}
	for _, part := range []string{"ReplicaSet \"web-7d9f\" could not create a Pod: podpolicy denied it; it breaks 2 rules (4 violations):\n[host-namespaces] hostNetwork is true (spec.hostNetwork)",
		// Under hostNetwork each of the fixture's three container ports is a host port.
		`[host-ports] container "web": port 8080 is a port of the node`, `[host-ports] container "metrics": port 9102`, `[host-ports] container "migrate": port 8080`} {
		if !strings.Contains(text(e), part) {
			t.Errorf("the Event's message lacks %q:\n%s", part, text(e))
		}
	}

	got = nil
	serve(t, h, withUser(t, reviewBody(t, "CREATE", "shop", bad, nil), "alice"))
	warned := ownedPod(func(spec map[string]any) { spec["shareProcessNamespace"] = true })
	serve(t, h, withUser(t, reviewBody(t, "CREATE", "shop", warned, nil), "system:kube-controller-manager"))
	if len(got) != 0 {
		t.Errorf("a user's refused Pod and a controller's warned Pod with verified owners: %d Events, want none: %+v", len(got), got)
	}

	got = nil
	unverified := NewValidatingHandler(notifyEngine(t, "2099-01-01"), Cluster{
		Owners: func(ctx context.Context, ns string, ref owners.Ref) (types.UID, []metav1.OwnerReference, error) {
			return "", nil, context.DeadlineExceeded
		},
		Events: Notifications{Sink: &got, Denials: true, Lookup: cluster.lookup},
	}, nil, logr.Discard())
	serve(t, unverified, withUser(t, reviewBody(t, "CREATE", "shop", bad, nil), "system:kube-controller-manager"))
	if len(got) != 1 || got[0].Resolve == nil || !strings.Contains(text(got[0]), "its owners could not be verified, so exceptions naming them did not apply") {
		t.Fatalf("owners not verified in time: %+v", got)
	}
	ref, err := got[0].Resolve(context.Background())
	if err != nil || ref != want {
		t.Errorf("the worker resolved %+v, %v; want %+v", ref, err, want)
	}
}

// TestStoredWaitsForTheObjectWithItsUID: a CREATE's Event is written once its object is
// found with the UID admission saw, waiting for it while the API server has not stored it;
// an object of another UID (refused after podpolicy, its name taken again), or never found,
// drops the Event as not stored, and an unreadable one as unresolved.
func TestStoredWaitsForTheObjectWithItsUID(t *testing.T) {
	waits := storedWaits
	storedWaits = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	t.Cleanup(func() { storedWaits = waits })
	ref := corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "web", UID: "pod-uid-1"}
	notFound := apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "web")
	lookupAfter := func(misses int, uid types.UID, err error) OwnerLookup {
		calls := 0
		return func(context.Context, string, owners.Ref) (types.UID, []metav1.OwnerReference, error) {
			if calls++; calls <= misses {
				return "", nil, notFound
			}
			return uid, nil, err
		}
	}
	for _, tc := range []struct {
		name    string
		lookup  OwnerLookup
		stored  bool
		wantErr error
	}{
		{"stored at once", lookupAfter(0, "pod-uid-1", nil), true, nil},
		{"stored after two reads", lookupAfter(2, "pod-uid-1", nil), true, nil},
		{"never stored", lookupAfter(99, "", nil), false, events.ErrNotStored},
		{"stored with another UID", lookupAfter(1, "pod-uid-2", nil), false, events.ErrNotStored},
		{"not readable", lookupAfter(0, "", apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "web", errors.New("RBAC"))), false, nil},
	} {
		got, err := stored(tc.lookup, ref, time.Now())(context.Background())
		switch {
		case tc.stored && (err != nil || got != ref):
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, ref)
		case !tc.stored && err == nil:
			t.Errorf("%s: no error", tc.name)
		case !tc.stored && tc.wantErr != nil && !errors.Is(err, tc.wantErr):
			t.Errorf("%s: %v, want %v", tc.name, err, tc.wantErr)
		case !tc.stored && tc.wantErr == nil && errors.Is(err, events.ErrNotStored):
			t.Errorf("%s: %v is not a failure to read", tc.name, err)
		}
	}
}
