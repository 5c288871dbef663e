//go:build !race

package policies

// raceDetector is true when the tests run with -race, which adds allocations of its own.
const raceDetector = false
