package vern

import "time"

// Clock tells the time. Services take one so that tests can move time
// (deadlines, retention) without sleeping; stores never read the time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real wall clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
