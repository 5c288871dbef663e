package doctor

import (
	"context"
	"fmt"
	"path"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/podpolicy/podpolicy/policies/config"
	"github.com/podpolicy/podpolicy/policies/kinds"
)

// Labels the API server or podpolicy itself guards.
const (
	// nameLabel is set by the API server to the Namespace's name; no one can change it.
	nameLabel = "kubernetes.io/metadata.name"
	// modeLabel softens podpolicy in a Namespace; podpolicy always guards it.
	modeLabel = "podpolicy.io/mode"
)

// mountedFile is the ConfigMap or Secret key a file of the serve container comes from.
type mountedFile struct {
	kind, name, key string
}

// mounted finds the volume of the serve container that holds file (a path in the container),
// and the ConfigMap or Secret and key behind it; ok is false when no such volume is mounted.
func (in *install) mounted(file string) (mountedFile, bool) {
	c := in.serve.container
	if c == nil || file == "" || in.deployment == nil {
		return mountedFile{}, false
	}
	for _, m := range c.VolumeMounts {
		dir, base := path.Clean(m.MountPath), path.Base(file)
		if m.SubPath != "" {
			if path.Clean(m.MountPath) != path.Clean(file) {
				continue
			}
			base = m.SubPath
		} else if dir != path.Dir(path.Clean(file)) {
			continue
		}
		for _, v := range in.deployment.Spec.Template.Spec.Volumes {
			if v.Name != m.Name {
				continue
			}
			switch {
			case v.ConfigMap != nil:
				return mountedFile{"ConfigMap", v.ConfigMap.Name, itemKey(v.ConfigMap.Items, base)}, true
			case v.Secret != nil:
				return mountedFile{"Secret", v.Secret.SecretName, itemKey(v.Secret.Items, base)}, true
			}
		}
	}
	return mountedFile{}, false
}

// itemKey is the key of the item projected at file, or file itself when there are no items.
func itemKey(items []corev1.KeyToPath, file string) string {
	for _, it := range items {
		if it.Path == file {
			return it.Key
		}
	}
	return file
}

// guardedLabels are the Namespace label keys no tenant can change: the one the API server
// sets, podpolicy.io/mode, and the config's guardedLabels. A config that cannot be read adds
// none (the config-reload check reports a config that fails to load).
func (in *install) guardedLabels(ctx context.Context) ([]string, error) {
	keys := []string{nameLabel, modeLabel}
	src, err := in.configText(ctx)
	if err != nil || src == nil {
		return keys, err
	}
	var config struct {
		GuardedLabels []string `json:"guardedLabels"`
	}
	if err := yaml.Unmarshal(src, &config); err != nil {
		return keys, nil
	}
	return append(keys, config.GuardedLabels...), nil
}

// configText is the config file serve reads, from the ConfigMap mounted at its path; nil when
// it runs without one or reads it from elsewhere.
func (in *install) configText(ctx context.Context) ([]byte, error) {
	file, ok := in.mounted(in.serve.configFile)
	if !ok || file.kind != "ConfigMap" {
		return nil, nil
	}
	cm, err := in.client.CoreV1().ConfigMaps(in.namespace).Get(ctx, file.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ConfigMap %s/%s: %w", in.namespace, file.name, err)
	}
	return []byte(cm.Data[file.key]), nil
}

// kinds is the kinds table of the installation's config: its workloads over the shipped ones.
// Without a config, or with one whose workloads cannot be read (the config-reload check
// reports a config that fails to load), it is the default config's.
func (in *install) kinds(ctx context.Context) (*kinds.Table, error) {
	src, err := in.configText(ctx)
	if err != nil {
		return nil, err
	}
	if src != nil {
		if table, err := config.ParseKinds(in.serve.configFile, src); err == nil {
			return table, nil
		}
	}
	return config.DefaultKinds()
}
