package federation

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

func TestRetryStep(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{5, 8 * time.Minute},
		{10, 256 * time.Minute},
		{11, 6 * time.Hour},
		{DeliveryMaxAttempts, 6 * time.Hour},
		{1000, 6 * time.Hour},
	} {
		if got := retryStep(tc.attempt); got != tc.want {
			t.Errorf("retryStep(%d) = %v, want %v", tc.attempt, got, tc.want)
		}
	}
}

// TestRetryScheduleCoversADay checks the promise of DeliveryMaxAttempts:
// even with the shortest jitter everywhere, the last attempt comes more
// than 24 hours after the first.
func TestRetryScheduleCoversADay(t *testing.T) {
	var least, most time.Duration
	for n := 1; n < DeliveryMaxAttempts; n++ { // the waits between the attempts
		least += retryDelay(n, 0)
		most += retryDelay(n, 1)
	}
	t.Logf("%d attempts span %v to %v", DeliveryMaxAttempts, least, most)
	if least < 24*time.Hour {
		t.Fatalf("%d attempts span at least %v, want at least 24h", DeliveryMaxAttempts, least)
	}
	// And not absurdly long: the documented 25h15m–50h32m.
	if least > 26*time.Hour || most > 51*time.Hour {
		t.Fatalf("%d attempts span %v to %v; the schedule in retry.go says otherwise", DeliveryMaxAttempts, least, most)
	}
}

func TestRetryJitterStaysInBounds(t *testing.T) {
	for n := 1; n <= DeliveryMaxAttempts+2; n++ {
		step := retryStep(n)
		for _, u := range []float64{0, 0.25, 0.5, 0.999999} {
			if d := retryDelay(n, u); d < step/2 || d > step {
				t.Errorf("retryDelay(%d, %v) = %v, outside [%v, %v]", n, u, d, step/2, step)
			}
		}
		// Through the policy, with real randomness.
		var lo, hi time.Duration = step, 0
		for range 200 {
			before := time.Now()
			at := RetryPolicy{}.NextRetry(&rivertype.JobRow{Attempt: n})
			after := time.Now()
			if at.Before(before.Add(step/2)) || at.After(after.Add(step)) {
				t.Fatalf("attempt %d: next retry in %v, outside [%v, %v]", n, at.Sub(before), step/2, step)
			}
			d := at.Sub(before)
			lo, hi = min(lo, d), max(hi, d)
		}
		if hi-lo < step/10 {
			t.Errorf("attempt %d: 200 retries all within %v..%v: no jitter?", n, lo, hi)
		}
	}
	// A row without an attempt number falls back on its errors.
	before := time.Now()
	at := RetryPolicy{}.NextRetry(&rivertype.JobRow{Errors: make([]rivertype.AttemptError, 2)})
	if d := at.Sub(before); d < retryStep(3)/2 || d > retryStep(3)+time.Second {
		t.Errorf("no attempt, two errors: next retry in %v, want the third step's", d)
	}
}
