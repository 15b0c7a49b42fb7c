package testutil

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// CheckJSONTags fails tb for every exported field of an exported struct
// type declared in the non-test Go files of dir that has no json tag: the
// SDK's one JSON convention is snake_case names (the API's, where the API
// has the field) on every public data type, so that marshalling never
// falls back to Go's PascalCase. notData names the struct types that are
// not data (clients, settings) and are skipped. It returns the number of
// struct types checked, so that a caller can tell a wrong dir from a
// clean one.
func CheckJSONTags(tb testing.TB, dir string, notData ...string) int {
	tb.Helper()
	skip := map[string]bool{}
	for _, n := range notData {
		skip[n] = true
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		tb.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			tb.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || !ts.Name.IsExported() || skip[ts.Name.Name] {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			checked++
			for _, fld := range st.Fields.List {
				for _, name := range fld.Names {
					if name.IsExported() && (fld.Tag == nil || !strings.Contains(fld.Tag.Value, `json:"`)) {
						tb.Errorf("%s: %s.%s has no json tag", fset.Position(name.Pos()), ts.Name.Name, name.Name)
					}
				}
			}
			return true
		})
	}
	return checked
}
