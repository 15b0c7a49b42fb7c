package main

import (
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func parse(t *testing.T, dir, src string) *mod {
	t.Helper()
	f, err := modfile.Parse(dir+"/go.mod", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &mod{dir: dir, path: f.Module.Mod.Path, file: f, raw: []byte(src)}
}

const rootMod = "module github.com/tlpartner/tlpartner-go\n\ngo 1.25.0\n"

func TestLockstep(t *testing.T) {
	good := parse(t, "tlredis", "module github.com/tlpartner/tlpartner-go/tlredis\n\ngo 1.25.0\n\nrequire github.com/tlpartner/tlpartner-go v0.1.0\n\nreplace github.com/tlpartner/tlpartner-go => ../\n")
	zero := parse(t, "tlredis", "module github.com/tlpartner/tlpartner-go/tlredis\n\ngo 1.25.0\n\nrequire github.com/tlpartner/tlpartner-go v0.0.0\n\nreplace github.com/tlpartner/tlpartner-go => ../\n")
	noReplace := parse(t, "outbox", "module github.com/tlpartner/tlpartner-go/outbox\n\ngo 1.25.0\n\nrequire github.com/tlpartner/tlpartner-go v0.1.0\n")
	wrongDir := parse(t, "a/b", "module github.com/tlpartner/tlpartner-go/a/b\n\ngo 1.25.0\n\nrequire github.com/tlpartner/tlpartner-go v0.1.0\n\nreplace github.com/tlpartner/tlpartner-go => ../\n")
	root := parse(t, ".", rootMod)

	if p := lockstep([]*mod{root, good}, "v0.1.0"); len(p) != 0 {
		t.Errorf("good: %v", p)
	}
	for name, tc := range map[string]struct {
		m    *mod
		want string
	}{
		"v0.0.0":     {zero, "requires github.com/tlpartner/tlpartner-go v0.0.0, want v0.1.0"},
		"no replace": {noReplace, "has no `replace github.com/tlpartner/tlpartner-go => ../`"},
		"wrong dir":  {wrongDir, "want ../.."},
	} {
		p := lockstep([]*mod{root, tc.m}, "v0.1.0")
		if len(p) != 1 || !strings.Contains(p[0], tc.want) {
			t.Errorf("%s: %q, want one problem containing %q", name, p, tc.want)
		}
	}
}

func TestRewriteKeepsReplace(t *testing.T) {
	m := parse(t, "tlredis", "module github.com/tlpartner/tlpartner-go/tlredis\n\ngo 1.25.0\n\nrequire (\n\tgithub.com/redis/go-redis/v9 v9.22.0\n\tgithub.com/tlpartner/tlpartner-go v0.0.0\n)\n\nreplace github.com/tlpartner/tlpartner-go => ../\n")
	out, err := rewrite(m, map[string]bool{"github.com/tlpartner/tlpartner-go": true, m.path: true}, "v0.2.0-ci.1")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"github.com/tlpartner/tlpartner-go v0.2.0-ci.1", "github.com/redis/go-redis/v9 v9.22.0", "replace github.com/tlpartner/tlpartner-go => ../"} {
		if !strings.Contains(s, want) {
			t.Errorf("rewritten go.mod lacks %q:\n%s", want, s)
		}
	}
}

func TestOwner(t *testing.T) {
	root, tl := &mod{dir: "."}, &mod{dir: "tlredis"}
	mods := []*mod{root, tl}
	dirs := map[string]bool{".": true, "tlredis": true, "tools": true}
	for f, want := range map[string]*mod{
		"client.go":                      root,
		"internal/engine/engine.go":      root,
		"tlredis/limiter.go":             tl,
		"tlredis/examples/fleet/main.go": tl,
		"tools/release/main.go":          nil,
		"tlredisx/file.go":               root,
	} {
		if got := owner(mods, dirs, f); got != want {
			t.Errorf("owner(%s) = %v, want %v", f, got, want)
		}
	}
}

func TestWriteProxy(t *testing.T) {
	dir := t.TempDir()
	files := []modzip.File{memFile{path: "go.mod", data: []byte(rootMod)}, memFile{path: "a.go", data: []byte("package a\n")}}
	if _, err := writeProxy(dir, "github.com/tlpartner/tlpartner-go", "v0.1.0-ci.1", []byte(rootMod), files); err != nil {
		t.Fatal(err)
	}
	if _, err := writeProxy(dir, "github.com/tlpartner/tlpartner-go", "v0.1.0-ci.1", []byte(rootMod), files); err != nil {
		t.Fatal(err)
	}
	// The zip passes the go command's own checks.
	if _, err := modzip.CheckZip(module.Version{Path: "github.com/tlpartner/tlpartner-go", Version: "v0.1.0-ci.1"},
		dir+"/github.com/tlpartner/tlpartner-go/@v/v0.1.0-ci.1.zip"); err != nil {
		t.Fatal(err)
	}
}
