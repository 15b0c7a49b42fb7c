package main

import (
	"os"
	"regexp"
	"testing"

	"github.com/tlpartner/tlpartner-go/internal/fakecmd"
)

// The example and the stand-alone fake (whose default the README uses) can
// run side by side: their default ports differ, and the README's fake
// command does not pick the example's port either.
func TestDefaultAddrIsNotTheFakes(t *testing.T) {
	if defaultAddr == fakecmd.DefaultAddr {
		t.Fatalf("examples/embed and the fake both default to %s", defaultAddr)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`127\.0\.0\.1:\d+`).FindAllString(string(readme), -1) {
		if m == defaultAddr {
			t.Errorf("the README uses %s, the default address of examples/embed", m)
		}
	}
}
