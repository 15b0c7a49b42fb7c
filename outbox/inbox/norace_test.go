//go:build !race

package inbox_test

// raceEnabled: the race detector slows the store about tenfold.
const raceEnabled = false
