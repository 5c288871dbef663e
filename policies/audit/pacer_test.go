package audit

import (
	"testing"
	"time"
)

func TestPacerHoldsTheScanToItsDutyCycle(t *testing.T) {
	for _, duty := range []float64{0.25, 0.5} {
		clock := time.Unix(0, 0)
		var worked, slept time.Duration
		p := pacer{duty: duty, now: func() time.Time { return clock }, sleep: func(d time.Duration) {
			slept += d
			clock = clock.Add(d)
		}}
		p.start()
		// 1000 items of 300µs each: 300 ms of work.
		for range 1000 {
			clock = clock.Add(300 * time.Microsecond)
			worked += 300 * time.Microsecond
			p.step()
		}
		share := float64(worked) / float64(worked+slept)
		if share < duty-0.02 || share > duty+0.02 {
			t.Errorf("duty %v: the scan worked %v and slept %v, a share of %.3f", duty, worked, slept, share)
		}
	}
}

func TestPacerPausesOnlyAfterASlice(t *testing.T) {
	clock := time.Unix(0, 0)
	pauses := 0
	p := pacer{duty: 0.5, now: func() time.Time { return clock }, sleep: func(time.Duration) { pauses++ }}
	p.start()
	clock = clock.Add(slice / 2)
	p.step()
	if pauses != 0 {
		t.Fatalf("paused after half a slice of work")
	}
	clock = clock.Add(slice / 2)
	p.step()
	if pauses != 1 {
		t.Fatalf("%d pauses after a whole slice of work; want 1", pauses)
	}
}

func TestPacerWithFullDutyNeverPauses(t *testing.T) {
	for _, duty := range []float64{0, 1} {
		clock := time.Unix(0, 0)
		p := pacer{duty: duty, now: func() time.Time { return clock }, sleep: func(time.Duration) { t.Fatalf("duty %v paused", duty) }}
		p.start()
		clock = clock.Add(10 * slice)
		p.step()
	}
}
