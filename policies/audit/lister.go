package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
)

// workloads are the resources of the kinds table's workloads the API server serves, listed
// before Pods, top owners before what they own (a Rollout before its ReplicaSets, a CronJob
// before its Jobs). A configured kind is listed at the version the API server prefers, when
// it serves the kind at all (through l's Served; a Lister that cannot say lists none): a kind a
// cluster does not have costs a discovery request per scan.
func workloads(ctx context.Context, l Lister, table *kinds.Table) ([]Resource, error) {
	var out []Resource
	discover, _ := l.(Discoverer)
	for _, k := range table.Workloads() {
		if !k.Configured {
			out = append(out, Resource{k.APIVersion(), k.Kind, k.Resource})
			continue
		}
		if discover == nil {
			continue
		}
		version, err := discover.Served(ctx, k.Group, k.Resource)
		if err != nil {
			return nil, fmt.Errorf("discover %s.%s: %w", k.Resource, k.Group, err)
		}
		if version != "" {
			out = append(out, Resource{k.Group + "/" + version, k.Kind, k.Resource})
		}
	}
	return out, nil
}

// Discoverer says at which version the API server serves a resource of a group, preferring
// the group's preferred version; "" when it does not serve it.
type Discoverer interface {
	Served(ctx context.Context, group, resource string) (string, error)
}

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

// Served implements Discoverer through the API server's discovery documents.
func (l RESTLister) Served(ctx context.Context, group, resource string) (string, error) {
	var g metav1.APIGroup
	data, err := l.Client.Get().AbsPath("/apis/" + group).DoRaw(ctx)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(data, &g); err != nil {
		return "", fmt.Errorf("read discovery of %s: %w", group, err)
	}
	versions := []metav1.GroupVersionForDiscovery{g.PreferredVersion}
	versions = append(versions, g.Versions...)
	for _, v := range versions {
		if v.GroupVersion == "" {
			continue
		}
		var list metav1.APIResourceList
		data, err := l.Client.Get().AbsPath("/apis/" + v.GroupVersion).DoRaw(ctx)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		if err := json.Unmarshal(data, &list); err != nil {
			return "", fmt.Errorf("read discovery of %s: %w", v.GroupVersion, err)
		}
		for _, r := range list.APIResources {
			if r.Name == resource {
				return v.Version, nil
			}
		}
	}
	return "", nil
}
