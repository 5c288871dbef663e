package check

import (
	"bytes"
	"context"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/manifest"
)

// RenderedSource names helm's rendered manifests in a post-render report.
const RenderedSource = "rendered"

// PostRender judges the manifests helm rendered for a release, as `podpolicy check` judges
// files, objects without a namespace in the release's. The caller passes the manifests
// through unchanged when the report's exit code is ExitOK, and refuses the release otherwise.
func PostRender(ctx context.Context, engine *policies.Engine, rendered []byte, namespace string) *Report {
	docs, readErrs := manifest.ReadStream(RenderedSource, bytes.NewReader(rendered))
	return RunInNamespace(ctx, engine, docs, readErrs, namespace)
}
