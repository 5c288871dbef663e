package config

import "time"

// SameAt reports whether a and b fall on the same side of every date of the config: no rule's
// enforceFrom and no exception's expires takes effect after the earlier of them and by the
// later. They are the only way time enters a verdict, so a verdict judged at one holds at the
// other.
func (c *Config) SameAt(a, b time.Time) bool {
	if b.Before(a) {
		a, b = b, a
	}
	// A date takes effect at its own instant (ActionAt and Expired compare with !Before).
	between := func(t time.Time) bool { return a.Before(t) && !b.Before(t) }
	for _, from := range c.enforceFrom {
		if between(from) {
			return false
		}
	}
	for i := range c.Exceptions {
		if at := c.Exceptions[i].expiresAt; !at.IsZero() && between(at) {
			return false
		}
	}
	return true
}
