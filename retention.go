package vern

// RetentionStore persists what retention sweeps need (issue 5).
type RetentionStore interface{}

// StatsStore persists anonymised aggregates that survive deletion.
type StatsStore interface{}
