package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/podpolicy/podpolicy/policies"
)

// NamespaceLabels returns the labels of a namespace.
type NamespaceLabels interface {
	Labels(ctx context.Context, namespace string) (map[string]string, error)
}

// ModeLabel is the Namespace label that softens podpolicy in that namespace.
const ModeLabel = policies.ModeLabel

// cachedNamespaces reads Namespaces from an informer cache, and from the API server when the
// cache does not hold one yet (a namespace created a moment before its first Pod).
type cachedNamespaces struct {
	cache client.Reader
	live  client.Reader
}

// NewNamespaceLabels returns a NamespaceLabels reading through cache, falling back to live.
func NewNamespaceLabels(cache, live client.Reader) NamespaceLabels {
	return &cachedNamespaces{cache: cache, live: live}
}

func (c *cachedNamespaces) Labels(ctx context.Context, namespace string) (map[string]string, error) {
	var ns corev1.Namespace
	err := c.cache.Get(ctx, client.ObjectKey{Name: namespace}, &ns)
	if apierrors.IsNotFound(err) {
		err = c.live.Get(ctx, client.ObjectKey{Name: namespace}, &ns)
	}
	if err != nil {
		return nil, fmt.Errorf("read namespace %s: %w", namespace, err)
	}
	return ns.Labels, nil
}
