package engine

import (
	"testing"
	"time"
)

// The pauses between lost pushes grow from 0.05–0.1 s to 1.6–3.2 s, each
// drawn from the upper half of its range; once half of push_retry_for is
// spent they are back at the first range, whatever the try.
func TestRetryPausesGrowThenShortenNearTheBound(t *testing.T) {
	bound := 60 * time.Second
	for attempt := 0; attempt < 12; attempt++ {
		hi := min(retryPause<<min(attempt, 6), maxRetryPause)
		for i := 0; i < 200; i++ {
			if p := retryPauseFor(attempt, 10*time.Second, bound); p < hi/2 || p > hi {
				t.Fatalf("try %d, 10s waited: pause %s, want %s–%s", attempt, p, hi/2, hi)
			}
			if p := retryPauseFor(attempt, 30*time.Second, bound); p < retryPause/2 || p > retryPause {
				t.Fatalf("try %d, half the bound waited: pause %s, want %s–%s", attempt, p, retryPause/2, retryPause)
			}
		}
	}
	if hi := min(retryPause<<6, maxRetryPause); hi != 3200*time.Millisecond {
		t.Errorf("the longest pause is %s, want 3.2s (README)", hi)
	}
}
