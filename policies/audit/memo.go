package audit

import (
	"maps"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/podpolicy/podpolicy/policies"
)

// Memo remembers the verdicts of listed objects (top owners and Pods) from one audit to the
// next. Most objects of a cluster do not change between two audits; one stored at the same
// resourceVersion, in a namespace with the same labels, under the same owners, is judged the
// same while the policies in force are the same and no date of the config passes
// (policies.Engine.Reusable). Its verdict is then taken from the memo without decoding the
// object past its metadata. A Memo serves one scan at a time.
type Memo struct {
	verdicts map[types.UID]listedVerdict
	// stamp and at are those of the last verdict the last complete scan judged or kept.
	stamp policies.Stamp
	at    time.Time
}

// NewMemo returns an empty memo.
func NewMemo() *Memo { return &Memo{verdicts: map[types.UID]listedVerdict{}} }

// listedVerdict is what a scan keeps of one object's verdict and, in the memo, what it was
// judged on besides the object's content.
type listedVerdict struct {
	// judged is false for an object that was not judged (exempt, or of no kind podpolicy
	// judges).
	judged     bool
	violations []policies.Violation
	excepted   []policies.Excepted
	// templates are the paths of a top owner's pod templates; noTemplate says why it holds
	// none.
	templates  []string
	noTemplate string

	as    judgedAs
	stamp policies.Stamp
	at    time.Time
}

// judgedAs is one listed object as a scan judges it: what its verdict depends on besides the
// policies.
type judgedAs struct {
	uid             types.UID
	resourceVersion string
	labels          map[string]string
	owners          []string
}

// reuse returns the remembered verdict of the object a, when it holds now under engine.
func (m *Memo) reuse(a judgedAs, engine *policies.Engine, now time.Time) (listedVerdict, bool) {
	v, ok := m.verdicts[a.uid]
	if !ok || a.resourceVersion == "" || v.as.resourceVersion != a.resourceVersion ||
		!maps.Equal(v.as.labels, a.labels) || !slices.Equal(v.as.owners, a.owners) || !engine.Reusable(v.stamp, v.at, now) {
		return listedVerdict{}, false
	}
	return v, true
}

// warm reports whether the memo's verdicts may still hold now under engine: it has some, and
// the policy set and dates they were judged under are still in force. A scan of a cold memo
// (the first, or the first after a reload or a date) judges every object, so it decodes each
// whole at once rather than its metadata first.
func (m *Memo) warm(engine *policies.Engine, now time.Time) bool {
	return len(m.verdicts) > 0 && engine.Reusable(m.stamp, m.at, now)
}

// memoScan is what one scan remembers: the verdicts of the objects it saw, which replace the
// memo's when the scan completes (an object gone from the cluster is forgotten).
type memoScan struct {
	memo *Memo
	next map[types.UID]listedVerdict
	last listedVerdict
}

func newMemoScan(memo *Memo) *memoScan {
	return &memoScan{memo: memo, next: map[types.UID]listedVerdict{}}
}

func (s *memoScan) remember(v listedVerdict) {
	s.next[v.as.uid] = v
	s.last = v
}

// complete makes what the scan saw the memo.
func (s *memoScan) complete() {
	s.memo.verdicts, s.memo.stamp, s.memo.at = s.next, s.last.stamp, s.last.at
}
