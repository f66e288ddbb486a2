package main

import (
	"math"
	"time"
)

// stage is one piece of the arrival-rate plan: the rate moves linearly from From to To (requests
// per second) over Duration. A constant rate is one stage with From == To.
type stage struct {
	Duration time.Duration
	From     float64
	To       float64
}

// stagedPacer is a vegeta.Pacer for a piecewise-linear arrival rate (k6's ramping-arrival-rate).
// It paces by the planned cumulative count H(t): a hit due at H⁻¹(n+1) waits until then, and a
// pacer that fell behind sends at once, so the count per second stays on plan however the
// scheduler jitters.
type stagedPacer struct {
	stages []stage
	// cum[k] is the planned number of hits before stage k starts; cum[len(stages)] is the total.
	cum   []float64
	start []time.Duration
	total time.Duration
}

func newStagedPacer(stages []stage) *stagedPacer {
	p := &stagedPacer{stages: stages, cum: make([]float64, len(stages)+1), start: make([]time.Duration, len(stages)+1)}
	for k, s := range stages {
		p.cum[k+1] = p.cum[k] + (s.From+s.To)/2*s.Duration.Seconds()
		p.start[k+1] = p.start[k] + s.Duration
	}
	p.total = p.start[len(stages)]
	return p
}

// hits is H(t): the planned number of hits sent in [0, t).
func (p *stagedPacer) hits(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	for k, s := range p.stages {
		if t < p.start[k+1] {
			x := (t - p.start[k]).Seconds()
			d := s.Duration.Seconds()
			return p.cum[k] + s.From*x + (s.To-s.From)*x*x/(2*d)
		}
	}
	return p.cum[len(p.stages)]
}

// timeOf is H⁻¹(n): the instant the n-th planned hit is due, or false when the plan has fewer.
func (p *stagedPacer) timeOf(n float64) (time.Duration, bool) {
	for k, s := range p.stages {
		if n > p.cum[k+1] {
			continue
		}
		need := n - p.cum[k]
		d := s.Duration.Seconds()
		a := (s.To - s.From) / (2 * d)
		var x float64
		if math.Abs(a) < 1e-12 {
			if s.From <= 0 {
				continue
			}
			x = need / s.From
		} else {
			// a·x² + From·x − need = 0, the root inside the stage.
			disc := s.From*s.From + 4*a*need
			if disc < 0 {
				disc = 0
			}
			x = (-s.From + math.Sqrt(disc)) / (2 * a)
		}
		if x < 0 {
			x = 0
		}
		return p.start[k] + time.Duration(x*float64(time.Second)), true
	}
	return 0, false
}

// Pace implements vegeta.Pacer. Hit k (0-based) is due at H⁻¹(k), so the first goes at once and
// a plan of N hits over T sends its last one before T.
func (p *stagedPacer) Pace(elapsed time.Duration, sent uint64) (time.Duration, bool) {
	if float64(sent) >= p.cum[len(p.stages)]-1e-9 {
		return 0, true
	}
	if p.hits(elapsed) >= float64(sent) {
		return 0, false
	}
	due, ok := p.timeOf(float64(sent))
	if !ok {
		return 0, true
	}
	return due - elapsed, false
}

// Rate implements vegeta.Pacer: the planned instantaneous rate at elapsed.
func (p *stagedPacer) Rate(elapsed time.Duration) float64 {
	for k, s := range p.stages {
		if elapsed < p.start[k+1] {
			x := (elapsed - p.start[k]).Seconds()
			return s.From + (s.To-s.From)*x/s.Duration.Seconds()
		}
	}
	return 0
}
