package settings

import (
	"errors"
	"testing"
)

type config struct{ n []int }

type option func(*config) error

func TestApply(t *testing.T) {
	boom := errors.New("boom")
	set := func(n int) option { return func(c *config) error { c.n = append(c.n, n); return nil } }
	var c config
	err := Apply(&c, []option{set(1), nil, set(2), func(*config) error { return boom }, set(3)})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	if len(c.n) != 2 || c.n[0] != 1 || c.n[1] != 2 {
		t.Fatalf("applied %v, want [1 2] (in order, nil skipped, stopped at the error)", c.n)
	}
	if Logger(nil) == nil {
		t.Fatal("Logger(nil) is nil")
	}
	for n, ok := range map[int]bool{0: false, 1: true, MaxWorkers: true, MaxWorkers + 1: false} {
		if (Workers(n) == "") != ok {
			t.Errorf("Workers(%d) = %q", n, Workers(n))
		}
	}
}
