package webhook

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	"github.com/open-policy-agent/opa/v1/ast"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
)

// Engine judges an object in a context; *policies.Engine is the real one. An object it cannot
// normalise is a normalize.ErrUnsupportedKind or a *normalize.FieldError (a bad request); any
// other error is a failure to judge.
type Engine interface {
	Judge(ctx context.Context, obj ast.Object, c policies.Context) (*policies.Verdict, error)
}

// outcome describes how a request was decided, for metrics and the log.
type outcome struct {
	decision string
	rules    []string
}

// decider decides one admission request. An error is a *requestError (answered with its
// status) or a failure to judge (answered 500).
type decider func(ctx context.Context, req *admissionRequest) (*admissionv1.AdmissionResponse, outcome, error)

// handler serves one webhook path: decode, decide, answer, count and log.
type handler struct {
	name    string
	decide  decider
	metrics *Metrics
	log     logr.Logger
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	review, err := decodeReview(r)
	if err != nil {
		h.fail(w, r, "", "", "", err, start)
		return
	}
	req := review.Request
	resp, out, err := h.decide(r.Context(), req)
	if err != nil {
		h.fail(w, r, string(req.UID), string(req.Operation), req.Kind.Kind, err, start, "namespace", req.Namespace, "name", req.Name)
		return
	}
	resp.UID = req.UID
	if err := writeReview(w, http.StatusOK, resp); err != nil {
		h.log.Error(err, "write admission response", "uid", req.UID)
	}
	h.observe(string(req.Operation), req.Kind.Kind, out.decision, start)
	log := h.log.V(1)
	if out.decision == decisionDenied || out.decision == decisionWarned || out.decision == decisionAudited {
		log = h.log
	}
	if !log.Enabled() {
		// Building the key/values of a line nobody writes costs a dozen allocations.
		return
	}
	log.Info("admission decision", "webhook", h.name, "uid", req.UID, "operation", req.Operation,
		"kind", req.Kind.Kind, "namespace", req.Namespace, "name", req.Name,
		"decision", out.decision, "rules", out.rules, "dryRun", req.DryRun != nil && *req.DryRun,
		"duration", time.Since(start))
}

// fail answers a request that could not be judged, logging it once.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, uid, operation, kind string, err error, start time.Time, kv ...any) {
	status, decision := http.StatusInternalServerError, decisionError
	if re, ok := errors.AsType[*requestError](err); ok {
		status, decision = re.status, decisionBadRequest
	}
	kv = append([]any{"webhook", h.name, "uid", uid, "operation", operation, "kind", kind, "status", status, "remote", r.RemoteAddr}, kv...)
	if decision == decisionError {
		h.log.Error(err, "admission request failed", kv...)
	} else {
		h.log.Info("bad admission request", append(kv, "reason", err.Error())...)
	}
	if werr := writeError(w, types.UID(uid), status, err.Error()); werr != nil {
		h.log.Error(werr, "write admission response", "uid", uid)
	}
	h.observe(operation, kind, decision, start)
}

func (h *handler) observe(operation, kind, decision string, start time.Time) {
	if h.metrics == nil {
		return
	}
	h.metrics.Requests.WithLabelValues(h.name, operation, kind, decision).Inc()
	h.metrics.Duration.WithLabelValues(h.name).Observe(time.Since(start).Seconds())
}
