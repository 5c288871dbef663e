package cases

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/podpolicy/podpolicy/policies/normalize"
)

// describe names what a YAML node holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%s %q", strings.TrimPrefix(n.Tag, "!!"), n.Value)
}

// keyOf returns whichever of two keys a case gives.
func keyOf(seen map[string]*yaml.Node, a, b string) string {
	if seen[a] != nil {
		return a
	}
	return b
}

// namespaceOf reads an object's metadata.namespace; "" when it names none.
func namespaceOf(object []byte) string {
	obj, err := normalize.Decode(object)
	if err != nil {
		return ""
	}
	var r normalize.Reader
	return r.String(r.Object(obj, "metadata", ""), "namespace", "metadata")
}

// nameLabel is the label the API server sets on every Namespace, to its name.
const nameLabel = "kubernetes.io/metadata.name"

// withNameLabel adds the namespace's name label to labels, as the API server does.
func withNameLabel(labels map[string]string, namespace string) map[string]string {
	out := map[string]string{nameLabel: namespace}
	for k, v := range labels {
		out[k] = v
	}
	return out
}

// unwrapPath drops the path fs errors repeat, which the message names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// displayPath names a file a cases file refers to, relative to it, as reports show it: the
// cases file's folder joined with the name.
func displayPath(casesFile, name string) string {
	dir := path.Dir(strings.ReplaceAll(casesFile, "\\", "/"))
	return path.Join(dir, name)
}

// sort orders the names, keeping each with its line.
func (ids *IDs) sort() {
	sort.Sort(byName{ids})
}

type byName struct{ *IDs }

func (b byName) Len() int           { return len(b.Names) }
func (b byName) Less(i, j int) bool { return b.Names[i] < b.Names[j] }
func (b byName) Swap(i, j int) {
	b.Names[i], b.Names[j] = b.Names[j], b.Names[i]
	b.Lines[i], b.Lines[j] = b.Lines[j], b.Lines[i]
}
