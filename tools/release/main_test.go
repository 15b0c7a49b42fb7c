package main

import (
	"os"
	"os/exec"
	"path/filepath"
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

// TestSetAndTag cuts a release in a throwaway repository: set rewrites the
// version file and every nested go.mod (keeping replace), tag refuses a dirty
// tree and a version that was not set, then tags every module.
func TestSetAndTag(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q")
	write("go.mod", rootMod)
	write(versionFile, "package engine\n\nconst Version = \"0.1.0\"\n")
	write("tlredis/go.mod", "module github.com/tlpartner/tlpartner-go/tlredis\n\ngo 1.25.0\n\nrequire github.com/tlpartner/tlpartner-go v0.1.0\n\nreplace github.com/tlpartner/tlpartner-go => ../\n")
	write("outbox/go.mod", "module github.com/tlpartner/tlpartner-go/outbox\n\ngo 1.25.0\n\nrequire (\n\tgithub.com/tlpartner/tlpartner-go v0.1.0\n\tgithub.com/tlpartner/tlpartner-go/tlredis v0.1.0\n)\n\nreplace (\n\tgithub.com/tlpartner/tlpartner-go => ../\n\tgithub.com/tlpartner/tlpartner-go/tlredis => ../tlredis\n)\n")
	write("tools/go.mod", "module github.com/tlpartner/tlpartner-go/tools\n\ngo 1.25.0\n")
	git("add", ".")
	git("commit", "-qm", "init")

	if err := runCheck(nil); err != nil {
		t.Fatalf("check: %v", err)
	}
	if err := runTag([]string{"v0.2.0"}); err == nil || !strings.Contains(err.Error(), "release set v0.2.0") {
		t.Fatalf("tag before set: %v", err)
	}
	if err := runSet([]string{"v0.2.0"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"tlredis/go.mod", "outbox/go.mod"} {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "v0.1.0") || !strings.Contains(string(b), "github.com/tlpartner/tlpartner-go v0.2.0") || !strings.Contains(string(b), "=> ../") {
			t.Errorf("%s after set:\n%s", f, b)
		}
	}
	if b, _ := os.ReadFile(versionFile); !strings.Contains(string(b), `const Version = "0.2.0"`) {
		t.Errorf("version file after set:\n%s", b)
	}
	if err := runTag([]string{"v0.2.0"}); err == nil || !strings.Contains(err.Error(), "not clean") {
		t.Fatalf("tag on a dirty tree: %v", err)
	}
	git("commit", "-qam", "Release v0.2.0")
	if err := runTag([]string{"v0.2.0"}); err != nil {
		t.Fatal(err)
	}
	tags := strings.Fields(git("tag", "--list"))
	want := []string{"outbox/v0.2.0", "tlredis/v0.2.0", "v0.2.0"}
	if strings.Join(tags, " ") != strings.Join(want, " ") {
		t.Errorf("tags %v, want %v (tools/ is never tagged)", tags, want)
	}
}
