// Command release keeps the modules of this repository in lockstep and
// publishes them. Run it from the repository root as
//
//	go -C tools run ./release COMMAND [flags]
//
// (the program lives in the tools module so that golang.org/x/mod never
// enters the SDK's go.mod). The modules are the root and every directory
// with a go.mod that git tracks, except tools/ (found with
// `git ls-files '*/go.mod'`, so a new nested module joins by itself).
//
// Commands:
//
//	check                 every nested module requires each in-repo module at
//	                      v<Version> (internal/engine.Version) and replaces it
//	                      with its directory for local development
//	set vX.Y.Z            writes X.Y.Z into internal/engine/version.go and
//	                      vX.Y.Z into every nested module's requirements of
//	                      in-repo modules (the replace lines stay)
//	tag vX.Y.Z            after check passes at that version on a clean tree,
//	                      creates the tags vX.Y.Z and <dir>/vX.Y.Z for every
//	                      nested module, and prints the git push command
//	publish -dir D -version V
//	                      writes every module of the checkout (tracked and
//	                      untracked, not ignored, files of the working tree),
//	                      with in-repo requirements rewritten to V, as module
//	                      zips (golang.org/x/mod/zip) into D, a directory
//	                      usable as GOPROXY=file://D
//	modules               prints "<dir> <module path>" for every module
//
// RELEASING.md describes how a release is cut.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	modzip "golang.org/x/mod/zip"
)

// versionFile holds the one written-down version of the SDK.
const versionFile = "internal/engine/version.go"

var versionConst = regexp.MustCompile(`(?m)^const Version = "([^"]*)"$`)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "check":
		err = runCheck(args)
	case "set":
		err = runSet(args)
	case "tag":
		err = runTag(args)
	case "publish":
		err = runPublish(args)
	case "modules":
		err = runModules(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go -C tools run ./release check | set vX.Y.Z | tag vX.Y.Z | publish -dir D -version V | modules")
	os.Exit(2)
}

// mod is one module of the repository.
type mod struct {
	dir  string // relative to the repository root, "." for the root
	path string // module path
	file *modfile.File
	raw  []byte
}

// repoRoot is the top of the git checkout; the commands run there.
// versionAndModules checks the one argument of set and tag, the release
// version, and returns it with the repository's root and modules.
func versionAndModules(args []string) (string, string, []*mod, error) {
	if len(args) != 1 {
		usage()
	}
	version, err := releaseVersion(args[0])
	if err != nil {
		return "", "", nil, err
	}
	root, mods, err := repoModules()
	return version, root, mods, err
}

// repoModules returns the repository's root directory and its modules, the
// root module first.
func repoModules() (string, []*mod, error) {
	root, err := repoRoot()
	if err != nil {
		return "", nil, err
	}
	mods, err := modules(root)
	return root, mods, err
}

func repoRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("not in a git checkout: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// modules returns the root module first, then the nested ones by directory.
func modules(root string) ([]*mod, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "go.mod", "*/go.mod")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var dirs []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		dir := path.Dir(f)
		if dir == "tools" || strings.HasPrefix(dir, "tools/") || isTestdata(dir) {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			continue // deleted in the working tree
		}
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	if len(dirs) == 0 || dirs[0] != "." {
		return nil, errors.New("no go.mod at the repository root")
	}
	var mods []*mod
	for _, dir := range dirs {
		name := filepath.Join(root, dir, "go.mod")
		raw, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(name, raw, nil)
		if err != nil {
			return nil, err
		}
		if f.Module == nil {
			return nil, fmt.Errorf("%s: no module line", name)
		}
		mods = append(mods, &mod{dir: dir, path: f.Module.Mod.Path, file: f, raw: raw})
	}
	return mods, nil
}

func isTestdata(dir string) bool {
	if dir == "." {
		return false
	}
	for _, el := range strings.Split(dir, "/") {
		if el == "testdata" || strings.HasPrefix(el, ".") || strings.HasPrefix(el, "_") {
			return true
		}
	}
	return false
}

// sdkVersion reads internal/engine.Version ("0.1.0") and returns "v0.1.0".
func sdkVersion(root string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(root, versionFile))
	if err != nil {
		return "", err
	}
	m := versionConst.FindSubmatch(raw)
	if m == nil {
		return "", fmt.Errorf("%s: no line `const Version = \"...\"`", versionFile)
	}
	v := "v" + string(m[1])
	if !semver.IsValid(v) || semver.Build(v) != "" {
		return "", fmt.Errorf("%s: Version %q is not a semantic version", versionFile, m[1])
	}
	return v, nil
}

// lockstep checks that every nested module requires the in-repo modules it
// depends on at version and replaces them with their directories.
func lockstep(mods []*mod, version string) []string {
	byPath := map[string]*mod{}
	for _, m := range mods {
		byPath[m.path] = m
	}
	var problems []string
	for _, m := range mods[1:] {
		requiresRoot := false
		for _, r := range m.file.Require {
			dep, ok := byPath[r.Mod.Path]
			if !ok {
				continue
			}
			if dep == mods[0] {
				requiresRoot = true
			}
			if r.Mod.Version != version {
				problems = append(problems, fmt.Sprintf("%s/go.mod requires %s %s, want %s (the release version; run: go -C tools run ./release set %s)",
					m.dir, r.Mod.Path, r.Mod.Version, version, version))
			}
			want, err := filepath.Rel(m.dir, dep.dir)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			want = filepath.ToSlash(want)
			if !strings.HasPrefix(want, ".") {
				want = "./" + want
			}
			if path.Base(want) == ".." {
				want += "/" // written "../", as in this repository's go.mod files
			}
			found := false
			for _, rep := range m.file.Replace {
				if rep.Old.Path == r.Mod.Path && rep.Old.Version == "" {
					found = true
					if got := strings.TrimSuffix(rep.New.Path, "/"); got != strings.TrimSuffix(want, "/") || rep.New.Version != "" {
						problems = append(problems, fmt.Sprintf("%s/go.mod replaces %s with %s, want %s (its directory, for local development)",
							m.dir, r.Mod.Path, rep.New.Path, want))
					}
				}
			}
			if !found {
				problems = append(problems, fmt.Sprintf("%s/go.mod has no `replace %s => %s` for local development", m.dir, r.Mod.Path, want))
			}
		}
		if !requiresRoot {
			problems = append(problems, fmt.Sprintf("%s/go.mod does not require the root module %s", m.dir, mods[0].path))
		}
	}
	return problems
}

func runCheck(args []string) error {
	if len(args) != 0 {
		usage()
	}
	root, mods, err := repoModules()
	if err != nil {
		return err
	}
	version, err := sdkVersion(root)
	if err != nil {
		return err
	}
	if problems := lockstep(mods, version); len(problems) > 0 {
		return errors.New("modules are not in lockstep:\n  " + strings.Join(problems, "\n  "))
	}
	for _, m := range mods {
		fmt.Printf("ok  %-10s %s (in-repo requirements at %s)\n", m.dir, m.path, version)
	}
	return nil
}

// releaseVersion checks a version argument: vX.Y.Z or vX.Y.Z-pre.
func releaseVersion(v string) (string, error) {
	if !semver.IsValid(v) || semver.Build(v) != "" || semver.Canonical(v) != v {
		return "", fmt.Errorf("version %q: want vMAJOR.MINOR.PATCH, optionally with a -pre-release suffix", v)
	}
	if semver.Major(v) != "v0" && semver.Major(v) != "v1" {
		return "", fmt.Errorf("version %q: a major version above v1 needs a /vN module path", v)
	}
	return v, nil
}

// rewrite returns m's go.mod with every in-repo requirement at version.
func rewrite(m *mod, inRepo map[string]bool, version string) ([]byte, error) {
	f, err := modfile.Parse(m.dir+"/go.mod", m.raw, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range f.Require {
		if inRepo[r.Mod.Path] && r.Mod.Version != version {
			if err := f.AddRequire(r.Mod.Path, version); err != nil {
				return nil, err
			}
		}
	}
	f.Cleanup()
	return f.Format()
}

func runSet(args []string) error {
	version, root, mods, err := versionAndModules(args)
	if err != nil {
		return err
	}
	inRepo := inRepoPaths(mods)
	for _, m := range mods[1:] {
		out, err := rewrite(m, inRepo, version)
		if err != nil {
			return err
		}
		if !bytes.Equal(out, m.raw) {
			if err := os.WriteFile(filepath.Join(root, m.dir, "go.mod"), out, 0o644); err != nil {
				return err
			}
			fmt.Printf("%s/go.mod: in-repo requirements at %s\n", m.dir, version)
		}
	}
	name := filepath.Join(root, versionFile)
	raw, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	out := versionConst.ReplaceAll(raw, []byte(`const Version = "`+strings.TrimPrefix(version, "v")+`"`))
	if !bytes.Equal(out, raw) {
		if err := os.WriteFile(name, out, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s: Version = %q\n", versionFile, strings.TrimPrefix(version, "v"))
	}
	return nil
}

func inRepoPaths(mods []*mod) map[string]bool {
	in := map[string]bool{}
	for _, m := range mods {
		in[m.path] = true
	}
	return in
}

// tagName is the git tag of module m at version: vX.Y.Z at the root,
// dir/vX.Y.Z for a nested module.
func tagName(m *mod, version string) string {
	if m.dir == "." {
		return version
	}
	return m.dir + "/" + version
}

func runTag(args []string) error {
	version, root, mods, err := versionAndModules(args)
	if err != nil {
		return err
	}
	current, err := sdkVersion(root)
	if err != nil {
		return err
	}
	if current != version {
		return fmt.Errorf("%s says %s; run `go -C tools run ./release set %s` and commit first", versionFile, current, version)
	}
	if problems := lockstep(mods, version); len(problems) > 0 {
		return errors.New("modules are not in lockstep:\n  " + strings.Join(problems, "\n  "))
	}
	status := exec.Command("git", "status", "--porcelain")
	status.Dir = root
	out, err := status.Output()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(out)) > 0 {
		return fmt.Errorf("the working tree is not clean; commit first:\n%s", out)
	}
	var tags []string
	for _, m := range mods {
		tag := tagName(m, version)
		cmd := exec.Command("git", "tag", "-a", tag, "-m", m.path+" "+version)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("git tag %s: %w", tag, err)
		}
		tags = append(tags, tag)
		fmt.Println("tagged", tag)
	}
	fmt.Println("push with: git push origin " + strings.Join(tags, " "))
	return nil
}

func runModules(args []string) error {
	if len(args) != 0 {
		usage()
	}
	_, mods, err := repoModules()
	if err != nil {
		return err
	}
	for _, m := range mods {
		fmt.Println(m.dir, m.path)
	}
	return nil
}

// memFile is one file of a module zip, held in memory.
type memFile struct {
	path string // slash-separated, relative to the module root
	data []byte
}

func (f memFile) Path() string { return f.path }
func (f memFile) Lstat() (fs.FileInfo, error) {
	return memInfo{name: path.Base(f.path), size: int64(len(f.data))}, nil
}
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

func runPublish(args []string) error {
	fl := flag.NewFlagSet("publish", flag.ExitOnError)
	dir := fl.String("dir", "", "directory to write the GOPROXY tree into (created)")
	v := fl.String("version", "", "the version to publish every module at, e.g. v0.1.0-ci")
	if err := fl.Parse(args); err != nil || fl.NArg() != 0 || *dir == "" || *v == "" {
		usage()
	}
	version, err := releaseVersion(*v)
	if err != nil {
		return err
	}
	root, mods, err := repoModules()
	if err != nil {
		return err
	}
	files, err := repoFiles(root)
	if err != nil {
		return err
	}
	modDirs := map[string]bool{".": true}
	for _, f := range files {
		if path.Base(f) == "go.mod" {
			modDirs[path.Dir(f)] = true
		}
	}
	inRepo := inRepoPaths(mods)
	for _, m := range mods {
		gomod := m.raw
		if m.dir != "." {
			if gomod, err = rewrite(m, inRepo, version); err != nil {
				return err
			}
		}
		var zfiles []modzip.File
		for _, f := range files {
			if owner(mods, modDirs, f) != m {
				continue
			}
			rel := f
			if m.dir != "." {
				rel = strings.TrimPrefix(f, m.dir+"/")
			}
			var data []byte
			if rel == "go.mod" {
				data = gomod
			} else {
				info, err := os.Lstat(filepath.Join(root, f))
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) {
						continue // deleted in the working tree
					}
					return err
				}
				if !info.Mode().IsRegular() {
					continue
				}
				if data, err = os.ReadFile(filepath.Join(root, f)); err != nil {
					return err
				}
			}
			zfiles = append(zfiles, memFile{path: rel, data: data})
		}
		n, err := writeProxy(*dir, m.path, version, gomod, zfiles)
		if err != nil {
			return fmt.Errorf("%s: %w", m.path, err)
		}
		fmt.Printf("published %s@%s (%d files)\n", m.path, version, n)
	}
	return nil
}

// repoFiles lists the checkout's tracked and untracked (not ignored) files.
func repoFiles(root string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var files []string
	seen := map[string]bool{}
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" && !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	sort.Strings(files)
	return files, nil
}

// owner is the module whose tree holds file f: the one of the deepest
// directory above f that has a go.mod. Files under a go.mod that is not
// published (tools/, testdata modules) belong to no module (nil).
func owner(mods []*mod, modDirs map[string]bool, f string) *mod {
	d := path.Dir(f)
	for !modDirs[d] && d != "." {
		d = path.Dir(d)
	}
	for _, m := range mods {
		if m.dir == d {
			return m
		}
	}
	return nil
}

// writeProxy writes module path@version into the GOPROXY tree at dir.
func writeProxy(dir, modPath, version string, gomod []byte, files []modzip.File) (int, error) {
	esc, err := module.EscapePath(modPath)
	if err != nil {
		return 0, err
	}
	escVer, err := module.EscapeVersion(version)
	if err != nil {
		return 0, err
	}
	vdir := filepath.Join(dir, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return 0, err
	}
	var zbuf bytes.Buffer
	if err := modzip.Create(&zbuf, module.Version{Path: modPath, Version: version}, files); err != nil {
		return 0, err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return 0, err
	}
	for name, data := range map[string][]byte{
		escVer + ".mod":  gomod,
		escVer + ".zip":  zbuf.Bytes(),
		escVer + ".info": info,
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			return 0, err
		}
	}
	list := filepath.Join(vdir, "list")
	old, err := os.ReadFile(list)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	if !bytes.Contains([]byte("\n"+string(old)), []byte("\n"+version+"\n")) {
		if err := os.WriteFile(list, append(old, version+"\n"...), 0o644); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}
