//go:build e2e

package events

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRefusedPodIsAnEventOnItsDeployment: a Deployment admitted by an exception that expires
// soon gets a Warning Event saying so; once the exception has expired, scaling the Deployment
// up makes the ReplicaSet controller create a Pod that podpolicy refuses, and the Deployment,
// which is what a team watches in Argo CD, gets a Warning Event naming the ReplicaSet and the
// rule, beside the controller's FailedCreate on the ReplicaSet; the controller's retries count
// on that one Event.
func TestRefusedPodIsAnEventOnItsDeployment(t *testing.T) {
	ctx := context.Background()
	expires := time.Now().Add(25 * time.Second).UTC().Truncate(time.Second).Format(time.RFC3339)
	installed(t, fmt.Sprintf("exceptions:\n  - {rule: image-tag-pinned, names: [legacy-web], reason: the legacy shop moves to digests in March, expires: %q}\n", expires))
	ns := suite.Namespace(t, nil)

	if r := apply(t, deployment(t, ns, "legacy-web", "registry.example.com/legacy/web:latest", 1)); r.ExitCode != 0 {
		t.Fatalf("the excepted Deployment must be admitted: %s", r.Output())
	}
	dep, err := cp.Client.AppsV1().Deployments(ns).Get(ctx, "legacy-web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, ns, dep.Name, dep.UID, "PolicyWarning", 30*time.Second)
	if want := "an exception waives it until " + expires + " (the legacy shop moves to digests in March), then it is denied"; !strings.Contains(e.Message, want) || !strings.Contains(e.Message, "[image-tag-pinned]") {
		t.Errorf("the Deployment's Event does not tell of its expiring exception (%q):\n%s", want, e.Message)
	}
	waitPods(t, ns, "app=legacy-web", 1)
	at, _ := time.Parse(time.RFC3339, expires)
	if time.Now().After(at) {
		t.Fatalf("the Deployment's first Pod came after %s: the machine is too slow for this test's 25 s", expires)
	}

	time.Sleep(time.Until(at) + time.Second)
	if r := suite.Kubectl(t, "scale", "deployment", "legacy-web", "-n", ns, "--replicas=2"); r.ExitCode != 0 {
		t.Fatalf("kubectl scale: %s", r.Output())
	}
	e = waitEvent(t, ns, dep.Name, dep.UID, "PolicyDenied", 60*time.Second)
	for _, want := range []string{`ReplicaSet "legacy-web-`, "could not create a Pod: podpolicy denied it; it breaks 1 rule:\n[image-tag-pinned] container \"web-server\": "} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("the Deployment's Event lacks %q:\n%s", want, e.Message)
		}
	}
	rss, err := cp.Client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=legacy-web"})
	if err != nil || len(rss.Items) != 1 {
		t.Fatalf("the Deployment's ReplicaSets: %v, %v", rss, err)
	}
	rs := rss.Items[0]
	waitEvent(t, ns, rs.Name, rs.UID, "FailedCreate", 30*time.Second)
	if pods := waitPods(t, ns, "app=legacy-web", 1); len(pods) != 1 {
		t.Errorf("%d Pods, want the one created before the exception expired", len(pods))
	}
	// The controller retries; each refusal repeats the Event, which is counted, not written again.
	time.Sleep(5 * time.Second)
	denied := withReason(argoEvents(t, ns, dep.Name, dep.UID), "PolicyDenied")
	count := int32(0)
	for _, e := range denied {
		count += e.Count
	}
	if len(denied) != 1 || count < 2 {
		t.Errorf("%d PolicyDenied Events on the Deployment counting %d refusals, want one Event counting the controller's retries", len(denied), count)
	}
	t.Logf("kubectl events --for deployment/legacy-web:\n%s", suite.Kubectl(t, "events", "-n", ns, "--for", "deployment/legacy-web").Stdout)
}
