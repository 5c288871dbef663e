package audit

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/rest"

	"github.com/podpolicy/podpolicy/policies/kinds"
)

// Resource is a kind the audit lists.
type Resource struct {
	APIVersion, Kind, Plural string
}

// path is the API path of the resource's list, in namespace ("" for all).
func (r Resource) path(namespace string) string {
	prefix := "/apis/" + r.APIVersion
	if r.APIVersion == "v1" {
		prefix = "/api/v1"
	}
	if namespace != "" {
		return prefix + "/namespaces/" + namespace + "/" + r.Plural
	}
	return prefix + "/" + r.Plural
}

var (
	namespaces = Resource{"v1", "Namespace", "namespaces"}
	pods       = Resource{"v1", "Pod", "pods"}
	// workloads are listed before Pods, top owners before what they own (a CronJob before its
	// Jobs, a Deployment before its ReplicaSets).
	workloads = func() []Resource {
		var out []Resource
		for _, k := range kinds.Workloads() {
			out = append(out, Resource{k.APIVersion(), k.Kind, k.Resource})
		}
		return out
	}()
)

// Lister reads one page of a list: the API server's JSON list of at most limit objects,
// continuing after the token cont ("" for the first page).
type Lister interface {
	Page(ctx context.Context, r Resource, namespace, cont string, limit int) ([]byte, error)
}

// RESTLister lists through a REST client of the core API (a clientset's RESTClient works for
// every group: the path is absolute).
type RESTLister struct {
	Client rest.Interface
}

// Page implements Lister.
func (l RESTLister) Page(ctx context.Context, r Resource, namespace, cont string, limit int) ([]byte, error) {
	req := l.Client.Get().AbsPath(r.path(namespace)).Param("limit", fmt.Sprint(limit))
	if cont != "" {
		req = req.Param("continue", cont)
	}
	return req.DoRaw(ctx)
}

// pageRetries and pageBackoff bound the retries of a page the API server failed to serve.
const (
	pageRetries = 4
	pageBackoff = 500 * time.Millisecond
)

// page reads a page, retrying with a doubling backoff.
func page(ctx context.Context, l Lister, r Resource, namespace, cont string, limit int) ([]byte, error) {
	backoff := pageBackoff
	var err error
	for attempt := range pageRetries {
		var data []byte
		if data, err = l.Page(ctx, r, namespace, cont, limit); err == nil {
			return data, nil
		}
		if attempt == pageRetries-1 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
	return nil, fmt.Errorf("list %s: %w", r.Plural, err)
}
