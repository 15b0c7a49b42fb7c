// Package tlpartnertest is a stateful, in-memory fake of the TimelinesAI
// Partner API for tests.
package tlpartnertest
