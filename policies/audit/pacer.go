package audit

import "time"

// slice is how much work the scan does between pauses. Short slices keep admission's tail
// latency flat: a request never waits behind more than one slice of audit on a core.
const slice = 2 * time.Millisecond

// pacer holds the scan to its duty cycle of a core: after each slice of work it sleeps as long
// as the work took times (1-duty)/duty. A duty of 0 or 1 never pauses.
type pacer struct {
	duty  float64
	since time.Time
	// now and sleep are the clock; nil means the real one.
	now   func() time.Time
	sleep func(time.Duration)
}

func (p *pacer) clock() time.Time {
	if p.now == nil {
		return time.Now()
	}
	return p.now()
}

// start begins a slice; a page's fetch and decode count toward it.
func (p *pacer) start() { p.since = p.clock() }

// step ends the slice once it has run its length, pausing in proportion to the work.
func (p *pacer) step() {
	if p.duty <= 0 || p.duty >= 1 {
		return
	}
	worked := p.clock().Sub(p.since)
	if worked < slice {
		return
	}
	sleep := p.sleep
	if sleep == nil {
		sleep = time.Sleep
	}
	sleep(time.Duration(float64(worked) * (1 - p.duty) / p.duty))
	p.start()
}
