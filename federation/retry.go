package federation

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// The delivery retry schedule. After failed attempt n (counting from 1) the
// next attempt waits a step of RetryBase·2^(n-1), capped at RetryMaxStep,
// with "equal jitter": half the step, plus a random part of the other half.
// So the waits are at least half and at most the whole step:
//
//	after attempt   step       wait between
//	 1              30 s       15 s – 30 s
//	 2               1 min     30 s – 1 min
//	 3               2 min      1 – 2 min
//	 4               4 min      2 – 4 min
//	 5               8 min      4 – 8 min
//	 6              16 min      8 – 16 min
//	 7              32 min     16 – 32 min
//	 8              64 min     32 – 64 min
//	 9             128 min     64 – 128 min
//	10             256 min    128 – 256 min
//	11 and later     6 h        3 – 6 h
//
// With DeliveryMaxAttempts = 18 there are 17 waits: at least 25 h 15 min
// from the first attempt to the last (8.5 h / 2 for the first ten waits,
// plus 7 × 3 h), at most 50 h 31 min, about 37 h 53 min on average. Snoozes (peer
// backoff, Retry-After, the per-host limit) do not count as attempts and
// come on top.
const (
	// RetryBase is the step after the first failed attempt.
	RetryBase = 30 * time.Second
	// RetryMaxStep caps every step of the schedule.
	RetryMaxStep = 6 * time.Hour
	// DeliveryMaxAttempts is how many times a delivery is tried before River
	// discards it and the delivery is recorded as failed.
	DeliveryMaxAttempts = 18
)

// RetryPolicy is the River retry policy of a Laurel node (see RetryBase for
// the schedule). It implements river.ClientRetryPolicy; jobs.NewClient
// installs it for every job, deliveries and the rest alike.
type RetryPolicy struct{}

// NextRetry returns when a job that has just failed should run again.
func (RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	n := job.Attempt
	if n < 1 {
		n = len(job.Errors) + 1
	}
	return time.Now().Add(retryDelay(n, rand.Float64()))
}

// retryStep is the undelayed step after failed attempt n: RetryBase·2^(n-1),
// at most RetryMaxStep.
func retryStep(n int) time.Duration {
	step := RetryBase
	for i := 1; i < n; i++ {
		step *= 2
		if step >= RetryMaxStep {
			return RetryMaxStep
		}
	}
	return min(step, RetryMaxStep)
}

// retryDelay is the wait after failed attempt n for a random u in [0, 1):
// half the step plus u times the other half.
func retryDelay(n int, u float64) time.Duration {
	half := retryStep(n) / 2
	return half + time.Duration(u*float64(half))
}
