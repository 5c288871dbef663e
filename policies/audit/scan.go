package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/astjson"
	"github.com/podpolicy/podpolicy/policies/normalize"
	"github.com/podpolicy/podpolicy/policies/owners"
)

// Options configure a scan.
type Options struct {
	// Engine judges the objects, with its config, exceptions and exemptions.
	Engine *policies.Engine
	// Lister reads the cluster.
	Lister Lister
	// Namespace limits the scan to one namespace ("" for all).
	Namespace string
	// PageSize is how many objects a list page holds; 500 when zero.
	PageSize int
	// ExcludeNamespaces are not audited: the namespaces the webhook configurations exclude,
	// which admission never judges.
	ExcludeNamespaces []string
	// DutyCycle bounds the share of one core the scan takes: after each few milliseconds of
	// work it pauses as long as that work took times (1-DutyCycle)/DutyCycle. 1 (or 0) never
	// pauses.
	DutyCycle float64
	// Memo keeps the verdicts of top owners and Pods from one scan to the next (the
	// background audit's); nil judges every object afresh.
	Memo *Memo
}

// Ref names an object of the cluster.
type Ref struct {
	APIVersion, Kind, Namespace, Name string
	UID                               types.UID
}

func (r Ref) String() string { return r.Kind + " " + r.Namespace + "/" + r.Name }

// Finding is what the audit found for one top owner: its template's verdict, and the Pods
// whose verdict differs from it (or a Pod without an owner, which is its own top owner).
type Finding struct {
	Owner Ref
	// Violations are the owner's (or bare Pod's), after the namespace's mode, with their paths
	// in the owner object; Kind and Name name the owner.
	Violations []policies.Violation
	// Excepted are the violations exceptions waived.
	Excepted []policies.Excepted
	// Error says why the owner could not be judged (a field of the wrong shape, named).
	Error string
	// Pods counts the owner's Pods that were judged.
	Pods int
	// PodViolations are violations of the owner's Pods that its template does not have; their
	// Kind and Name name the Pod.
	PodViolations []policies.Violation
	// PodErrors say why Pods of the owner could not be judged.
	PodErrors []PodError
	// NoTemplate says why the owner itself was not judged: an object of a configured kind that
	// holds no pod template (an Argo Rollout with a workloadRef); "" when it was.
	NoTemplate string

	// templates are the paths of the owner's pod templates, which its violations' paths
	// start with.
	templates []string
}

// PodError is a Pod that could not be judged.
type PodError struct {
	Name, Error string
}

// Run is one complete scan.
type Run struct {
	Findings []*Finding
	// Objects counts the objects judged: top owners and Pods.
	Objects int
	// Reused counts the objects among Objects whose verdict was the one Options.Memo kept.
	Reused   int
	Started  time.Time
	Duration time.Duration
}

// scan is the state of one scan.
type scan struct {
	opts   Options
	labels map[string]map[string]string // namespace -> its labels
	tops   map[types.UID]*Finding
	// owned maps an intermediate owner (a Deployment's ReplicaSet, a CronJob's Job) to its top
	// owner's finding, with the intermediate's name for exceptions that name it.
	owned map[types.UID]ownedBy
	run   *Run
	pacer pacer
	// memo collects the verdicts for Options.Memo; nil without one.
	memo *memoScan
	// metadataFirst decodes listed objects' metadata alone, when the memo is warm: an object is
	// decoded whole only when it is judged.
	metadataFirst bool
}

type ownedBy struct {
	top  *Finding
	name string
}

// Scan judges the cluster once. An error means the scan is incomplete: its findings must not
// replace a complete one's.
func Scan(ctx context.Context, opts Options) (*Run, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	s := &scan{opts: opts, labels: map[string]map[string]string{}, tops: map[types.UID]*Finding{}, owned: map[types.UID]ownedBy{}, run: &Run{Started: time.Now()}, pacer: pacer{duty: opts.DutyCycle}}
	if opts.Memo != nil {
		s.memo, s.metadataFirst = newMemoScan(opts.Memo), opts.Memo.warm(opts.Engine, opts.Engine.Now())
	}
	if err := s.listNamespaces(ctx); err != nil {
		return nil, err
	}
	listed, err := workloads(ctx, opts.Lister, opts.Engine.Config().Kinds)
	if err != nil {
		return nil, err
	}
	for _, r := range listed {
		if err := s.list(ctx, r, s.workload); err != nil {
			return nil, err
		}
	}
	if err := s.list(ctx, pods, s.pod); err != nil {
		return nil, err
	}
	if s.memo != nil {
		s.memo.complete()
	}
	for _, f := range s.tops {
		s.run.Findings = append(s.run.Findings, f)
	}
	slices.SortFunc(s.run.Findings, func(a, b *Finding) int {
		return strings.Compare(a.Owner.Namespace+"/"+a.Owner.Kind+"/"+a.Owner.Name, b.Owner.Namespace+"/"+b.Owner.Kind+"/"+b.Owner.Name)
	})
	s.run.Duration = time.Since(s.run.Started)
	return s.run, nil
}

// metadataOnly decodes a listed object's identity, labels, annotations and owners, leaving out
// its spec and status (and, as any decode for the policies, managedFields). Skipped members are
// left out at any depth, so a label or annotation named spec or status is too; nothing read
// from this decode is one.
var metadataOnly = astjson.Options{DropNullFields: true, SkipFields: append(slices.Clone(normalize.IgnoredFields), "spec", "status")}

// list pages through a resource, handing each item to each: decoded for the policies (its
// metadata alone with s.metadataFirst) with its apiVersion and kind set, and its JSON.
func (s *scan) list(ctx context.Context, r Resource, each func(ctx context.Context, obj ast.Object, item []byte) error) error {
	decode := normalize.DecodeOptions
	if s.metadataFirst {
		decode = metadataOnly
	}
	cont := ""
	for {
		s.pacer.start()
		data, err := page(ctx, s.opts.Lister, r, s.opts.Namespace, cont, s.opts.PageSize)
		if err != nil {
			return err
		}
		// Items are decoded one at a time: a page of 500 Pods as values all at once, and
		// the page's text held by every string a finding keeps, were most of serve's heap
		// during an audit.
		var failed error
		list, err := astjson.EachElement(data, normalize.DecodeOptions, "items", func(item []byte) error {
			obj, err := decodeListed(item, r.APIVersion, r.Kind, decode)
			if err != nil {
				// The API server lists objects; anything else is left out, as before.
				return nil
			}
			if failed = each(ctx, obj, item); failed != nil {
				return failed
			}
			s.pacer.step()
			return nil
		})
		if failed != nil {
			return failed
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", r.Plural, err)
		}
		var reader normalize.Reader
		cont = reader.String(reader.Object(list, "metadata", ""), "continue", "metadata")
		if cont == "" {
			return nil
		}
	}
}

// decodeListed decodes a listed item with opts, setting its apiVersion and kind, which the API
// server leaves out of a list's items.
func decodeListed(item []byte, apiVersion, kind string, opts astjson.Options) (ast.Object, error) {
	value, err := astjson.DecodeWith(item, opts)
	if err != nil {
		return nil, err
	}
	obj, ok := value.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("expected an object, got %s", astjson.TypeName(value))
	}
	obj.Insert(astjson.Key("apiVersion"), ast.StringTerm(apiVersion))
	obj.Insert(astjson.Key("kind"), ast.StringTerm(kind))
	return obj, nil
}

// listNamespaces reads each namespace's labels (podpolicy.io/mode among them).
func (s *scan) listNamespaces(ctx context.Context) error {
	cont := ""
	for {
		data, err := page(ctx, s.opts.Lister, namespaces, "", cont, s.opts.PageSize)
		if err != nil {
			return err
		}
		list, err := normalize.Decode(data)
		if err != nil {
			return fmt.Errorf("list namespaces: %w", err)
		}
		var r normalize.Reader
		items, _ := normalize.Value(list, "items").(*ast.Array)
		for i := range lengthOf(items) {
			obj, _ := items.Elem(i).Value.(ast.Object)
			meta := r.Object(obj, "metadata", "")
			s.labels[r.String(meta, "name", "metadata")] = stringMap(r.Object(meta, "labels", "metadata"))
		}
		if cont = r.String(r.Object(list, "metadata", ""), "continue", "metadata"); cont == "" {
			return nil
		}
	}
}

// meta reads the identity and the controller of a listed object.
func meta(obj ast.Object) (Ref, *owners.Ref, error) {
	var r normalize.Reader
	m := r.Object(obj, "metadata", "")
	// The audit keeps every object's Ref until its Reports are written; copies of the
	// strings, rather than slices of the text the object was decoded from, let that text go.
	ref := Ref{
		APIVersion: strings.Clone(r.String(obj, "apiVersion", "")), Kind: strings.Clone(r.String(obj, "kind", "")),
		Namespace: strings.Clone(r.String(m, "namespace", "metadata")), Name: strings.Clone(r.String(m, "name", "metadata")),
		UID: types.UID(strings.Clone(r.String(m, "uid", "metadata"))),
	}
	refs, err := normalize.OwnerReferences(m)
	if err != nil {
		return ref, nil, err
	}
	if c, ok := owners.Controller(refs); ok {
		return ref, &c, r.Err
	}
	return ref, nil, r.Err
}

// workload handles a listed workload: an object owned by another listed one (a ReplicaSet of
// a Deployment) is indexed under its top owner; any other is a top owner, judged.
func (s *scan) workload(ctx context.Context, obj ast.Object, item []byte) error {
	ref, controller, err := meta(obj)
	if s.skipped(ref.Namespace) {
		return nil
	}
	if err != nil {
		return s.topFailed(ref, err)
	}
	if controller != nil {
		if top := s.topOf(controller.UID); top != nil {
			s.owned[ref.UID] = ownedBy{top: top, name: ref.Name}
			return nil
		}
	}
	f := &Finding{Owner: ref}
	s.tops[ref.UID] = f
	verdict, err := s.judgeListed(ctx, obj, item, ref, nil)
	if err != nil || !verdict.judged {
		if err != nil {
			f.Error = err.Error()
		}
		return nil
	}
	f.NoTemplate, f.templates = verdict.noTemplate, verdict.templates
	f.Violations, f.Excepted = verdict.violations, verdict.excepted
	return nil
}

// skipped reports whether a namespace is not audited: excluded from the webhooks, or exempt
// by the config (admission lets its objects through untouched).
func (s *scan) skipped(namespace string) bool {
	return slices.Contains(s.opts.ExcludeNamespaces, namespace) || s.opts.Engine.Config().Exempt(namespace)
}

// topOf finds the top owner's finding of a listed object by its UID.
func (s *scan) topOf(uid types.UID) *Finding {
	if f, ok := s.tops[uid]; ok {
		return f
	}
	if o, ok := s.owned[uid]; ok {
		return o.top
	}
	return nil
}

func (s *scan) topFailed(ref Ref, err error) error {
	s.tops[ref.UID] = &Finding{Owner: ref, Error: err.Error()}
	return nil
}

// pod handles a listed Pod: judged, and grouped under its top owner, to whose findings it adds
// only what its owner's template does not have; a Pod without a listed owner is a top owner.
func (s *scan) pod(ctx context.Context, obj ast.Object, item []byte) error {
	ref, controller, err := meta(obj)
	if s.skipped(ref.Namespace) {
		return nil
	}
	if err != nil {
		return s.topFailed(ref, err)
	}
	var top *Finding
	var chain []string
	if controller != nil {
		if f, ok := s.tops[controller.UID]; ok {
			top, chain = f, []string{f.Owner.Name}
		} else if o, ok := s.owned[controller.UID]; ok {
			top, chain = o.top, []string{o.name, o.top.Owner.Name}
		}
	}
	if !ownersVerified(obj) {
		// Anyone may write any owner into a Pod: exceptions naming its owners cover it only
		// when admission verified them (owners.VerifiedAnnotation), as at its creation. It is
		// still reported under its owner, with what its owner's template does not have.
		chain = nil
	}
	result, err := s.judgeListed(ctx, obj, item, ref, chain)
	if top == nil {
		f := &Finding{Owner: ref}
		s.tops[ref.UID] = f
		if err != nil {
			f.Error = err.Error()
		} else if result.judged {
			f.Violations, f.Excepted = result.violations, result.excepted
		}
		return nil
	}
	top.Pods++
	if err != nil {
		top.PodErrors = append(top.PodErrors, PodError{Name: ref.Name, Error: err.Error()})
		return nil
	}
	if !result.judged {
		return nil
	}
	template := map[string]bool{}
	for _, v := range top.Violations {
		template[relativeKey(v, top.templates)] = true
	}
	for _, v := range result.violations {
		if !template[relativeKey(v, nil)] {
			top.PodViolations = append(top.PodViolations, v)
		}
	}
	return nil
}

// judgeListed judges a listed object under its verified owners, or takes its verdict from the
// memo when it holds. obj is the object decoded by list and item its JSON, decoded whole when
// obj is its metadata alone (s.metadataFirst) and the object is judged.
func (s *scan) judgeListed(ctx context.Context, obj ast.Object, item []byte, ref Ref, owners []string) (listedVerdict, error) {
	if s.memo == nil {
		verdict, err := s.judge(ctx, obj, ref.Namespace, owners, time.Time{})
		return verdictOf(verdict), err
	}
	var r normalize.Reader
	as := judgedAs{
		uid: ref.UID, labels: s.labels[ref.Namespace], owners: owners,
		resourceVersion: strings.Clone(r.String(r.Object(obj, "metadata", ""), "resourceVersion", "metadata")),
	}
	now := s.opts.Engine.Now()
	if v, ok := s.memo.memo.reuse(as, s.opts.Engine, now); ok {
		v.as = as
		s.memo.remember(v)
		// Only a verdict judge counted is remembered.
		s.run.Objects++
		s.run.Reused++
		return v, nil
	}
	whole := obj
	if s.metadataFirst {
		var err error
		if whole, err = decodeListed(item, ref.APIVersion, ref.Kind, normalize.DecodeOptions); err != nil {
			return listedVerdict{}, fmt.Errorf("decode: %w", err)
		}
	}
	verdict, err := s.judge(ctx, whole, ref.Namespace, owners, now)
	if err != nil || verdict == nil {
		// Not remembered: an error is judged again next time, and a verdict without a stamp
		// (a kind podpolicy does not judge) cannot be reused.
		return listedVerdict{}, err
	}
	v := verdictOf(verdict)
	v.as, v.stamp, v.at = as, verdict.Stamp, now
	s.memo.remember(v)
	return v, nil
}

// verdictOf is what a scan keeps of a verdict; nil or exempt is an object not judged.
func verdictOf(verdict *policies.Verdict) listedVerdict {
	if verdict == nil || verdict.Exempt {
		return listedVerdict{}
	}
	v := listedVerdict{judged: true, violations: verdict.Violations, excepted: verdict.Excepted}
	if verdict.Object.NoTemplate != nil {
		v.noTemplate = verdict.Object.NoTemplate.String()
	}
	for _, t := range verdict.Templates {
		v.templates = append(v.templates, t.TemplatePath)
	}
	return v
}

// judge judges an object as admission would at its CREATE, in its namespace (and its mode),
// with the owners the scan verified, at the time at (the engine's clock when zero). The verdict
// of an object in an exempt namespace says Exempt; nil is an object of a kind podpolicy does
// not judge; an error is an object that cannot be normalised (naming the field) or evaluated.
func (s *scan) judge(ctx context.Context, obj ast.Object, namespace string, ownerNames []string, at time.Time) (*policies.Verdict, error) {
	labels := s.labels[namespace]
	verdict, err := s.opts.Engine.Judge(ctx, obj, policies.Context{
		Operation: "CREATE", Namespace: namespace, Owners: ownerNames, At: at,
		NamespaceLabels: func() map[string]string { return labels },
	})
	if errors.Is(err, normalize.ErrUnsupportedKind) {
		return nil, nil
	}
	if _, ok := errors.AsType[*normalize.FieldError](err); ok {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	s.run.Objects++
	return verdict, nil
}

// stringMap reads a map of strings (labels), leaving out values of other types.
func stringMap(obj ast.Object) map[string]string {
	if obj == nil {
		return nil
	}
	m := make(map[string]string, obj.Len())
	obj.Foreach(func(k, v *ast.Term) {
		key, okKey := k.Value.(ast.String)
		value, okValue := v.Value.(ast.String)
		if okKey && okValue {
			m[string(key)] = string(value)
		}
	})
	return m
}

// relativeKey identifies a violation whatever object holds the pod spec: its rule, container,
// message, action and path below the pod spec (or metadata), with the path of the pod
// template among templates that holds it taken off.
func relativeKey(v policies.Violation, templates []string) string {
	path := v.Path
	for _, t := range templates {
		if rel, ok := strings.CutPrefix(path, t+"."); ok {
			path = rel
			break
		}
	}
	return strings.Join([]string{v.Rule, v.Container, path, v.Message, string(v.Action)}, "\x00")
}

func lengthOf(a *ast.Array) int {
	if a == nil {
		return 0
	}
	return a.Len()
}

// ownersVerified reports whether admission verified a Pod's owners when it was created.
func ownersVerified(pod ast.Object) bool {
	var r normalize.Reader
	annotations := r.Object(r.Object(pod, "metadata", ""), "annotations", "metadata")
	return r.String(annotations, owners.VerifiedAnnotation, "metadata.annotations") == "true"
}
