package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-logr/logr"
	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ErrReportsOff means the openreports CRDs are not installed: the audit runs and keeps its
// metrics, but writes no report.
var ErrReportsOff = errors.New("the openreports.io/v1alpha1 Report CRD is not installed: reports are off")

// Writer keeps the cluster's podpolicy Reports equal to the last complete run: it creates a
// report that is missing, updates one whose content changed, and deletes the ones whose owner
// is gone (or, with DeleteClean, that have nothing to act on). Reports of another source are
// never touched.
type Writer struct {
	Client client.Client
	// Namespace limits the reports written and deleted to one namespace ("" for all).
	Namespace string
	// DeleteClean deletes (and does not write) the report of an owner with nothing to act on.
	DeleteClean bool
	Log         logr.Logger
}

// WriteStats counts what one Write did.
type WriteStats struct {
	Created, Updated, Deleted, Unchanged int
	// Conflicts are the names of podpolicy's Reports held by Reports of someone else.
	Conflicts []Conflict
	// Previous are the verdicts (Verdict) of podpolicy's Reports before the write, by the UID
	// of the owner each is about.
	Previous map[types.UID]string
}

// Written is how many reports the write created or changed.
func (s WriteStats) Written() int { return s.Created + s.Updated }

// NewClient returns a client that reads and writes openreports Reports.
func NewClient(cfg *rest.Config) (client.Client, error) {
	scheme := runtime.NewScheme()
	if err := reportsv1alpha1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("register openreports types: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("reports client: %w", err)
	}
	return c, nil
}

// listPage is how many reports one list request reads.
const listPage = 250

// Write makes the cluster's podpolicy reports those of a complete run.
func (w *Writer) Write(ctx context.Context, reports []*reportsv1alpha1.Report) (WriteStats, error) {
	var stats WriteStats
	existing, err := w.list(ctx)
	if err != nil {
		return stats, err
	}
	stats.Previous = make(map[types.UID]string, len(existing))
	for _, r := range existing {
		if r.Scope != nil {
			stats.Previous[r.Scope.UID] = Verdict(r)
		}
	}
	wanted := map[string]bool{}
	var errs []error
	for _, r := range reports {
		if w.DeleteClean && Clean(r) {
			continue
		}
		key := r.Namespace + "/" + r.Name
		wanted[key] = true
		conflicts := len(stats.Conflicts)
		if err := w.put(ctx, r, existing[key], &stats); err != nil {
			errs = append(errs, err)
		}
		if len(stats.Conflicts) > conflicts && stats.Conflicts[conflicts].WrittenAs != "" {
			wanted[r.Namespace+"/"+stats.Conflicts[conflicts].WrittenAs] = true
		}
	}
	for key, old := range existing {
		if wanted[key] {
			continue
		}
		if err := w.Client.Delete(ctx, old); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete report %s: %w", key, err))
			continue
		}
		stats.Deleted++
	}
	return stats, errors.Join(errs...)
}

// put creates or updates one report; old is the podpolicy report of that name, nil if none.
func (w *Writer) put(ctx context.Context, r, old *reportsv1alpha1.Report, stats *WriteStats) error {
	if old == nil {
		err := w.Client.Create(ctx, r)
		if apierrors.IsAlreadyExists(err) {
			// A report of that name that podpolicy's list did not show: someone else's, which
			// must not stand for podpolicy's verdict.
			c, err := w.displaced(ctx, r, stats)
			if err != nil {
				return err
			}
			stats.Conflicts = append(stats.Conflicts, c)
			return nil
		}
		if err != nil {
			return fmt.Errorf("create report %s/%s: %w", r.Namespace, r.Name, err)
		}
		stats.Created++
		return nil
	}
	if sameContent(r, old) {
		stats.Unchanged++
		return nil
	}
	r.ResourceVersion = old.ResourceVersion
	if err := w.Client.Update(ctx, r); err != nil {
		return fmt.Errorf("update report %s/%s: %w", r.Namespace, r.Name, err)
	}
	stats.Updated++
	return nil
}

// sameContent compares what podpolicy writes of a report, not what the API server adds.
func sameContent(a, b *reportsv1alpha1.Report) bool {
	return equality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(a.Annotations, b.Annotations) &&
		equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences) &&
		equality.Semantic.DeepEqual(a.Scope, b.Scope) &&
		equality.Semantic.DeepEqual(a.Configuration, b.Configuration) &&
		a.Summary == b.Summary &&
		equality.Semantic.DeepEqual(a.Results, b.Results)
}

// list reads podpolicy's reports, page by page, by namespace/name.
func (w *Writer) list(ctx context.Context) (map[string]*reportsv1alpha1.Report, error) {
	out := map[string]*reportsv1alpha1.Report{}
	opts := []client.ListOption{client.MatchingLabels{ManagedByLabel: Source}, client.Limit(listPage)}
	if w.Namespace != "" {
		opts = append(opts, client.InNamespace(w.Namespace))
	}
	cont := ""
	for {
		var list reportsv1alpha1.ReportList
		if err := w.Client.List(ctx, &list, append(opts, client.Continue(cont))...); err != nil {
			if apimeta.IsNoMatchError(err) || apierrors.IsNotFound(err) {
				return nil, ErrReportsOff
			}
			return nil, fmt.Errorf("list reports: %w", err)
		}
		for i := range list.Items {
			if r := &list.Items[i]; r.Source == Source {
				out[r.Namespace+"/"+r.Name] = r
			}
		}
		if cont = list.Continue; cont == "" {
			return out, nil
		}
	}
}
