//go:build race

package jobs_test

// raceEnabled is true under the race detector, which slows the SQLite
// engine (Go translated from WebAssembly, every memory access checked)
// about fifteen times.
const raceEnabled = true
