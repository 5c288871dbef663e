package policies

import "time"

// Stamp names the policy set a verdict was judged under: the library, config, exceptions and
// kinds table of one load. Two stamps are equal while no reload came between them.
type Stamp struct{ set *policySet }

// Now is the engine's clock, at which Judge judges when a Context gives no time.
func (e *Engine) Now() time.Time { return e.opts.Now() }

// Reusable reports whether a verdict Judge gave under s at the time at is the one it gives at
// now for the same object in the same Context: s is the policy set in force, the library reads
// nothing but its input and the policy set (no time.now_ns, no http.send), and no date of the
// config (enforceFrom, expires) takes effect between the two times.
func (e *Engine) Reusable(s Stamp, at, now time.Time) bool {
	return s.set != nil && s.set == e.current.Load() && s.set.deterministic && s.set.config.SameAt(at, now)
}
