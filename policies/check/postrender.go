package check

import (
	"bytes"
	"context"

	"github.com/podpolicy/podpolicy/policies"
)

// RenderedSource names helm's rendered manifests in a post-render report.
const RenderedSource = "rendered"

// PostRender judges the manifests helm rendered for a release, as `podpolicy check` judges
// files, objects without a namespace in the release's. The caller passes the manifests
// through unchanged when the report's exit code is ExitOK, and refuses the release otherwise.
//
// The manifests are read as `podpolicy check` reads them (Stream): as helm's kube client reads
// the post-renderer's output, with Kubernetes' own stream reader.
func PostRender(ctx context.Context, engine *policies.Engine, rendered []byte, namespace string) *Report {
	report, _ := StreamNamed(ctx, engine, RenderedSource, bytes.NewReader(rendered), StreamOptions{Namespace: namespace, Keep: true}, nil)
	return report
}
