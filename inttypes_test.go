package tlpartner_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// sdkPackages are the directories of the packages users import, and of
// internal/engine, whose error and retry types they alias.
var sdkPackages = []string{".", "internal/engine", "webhooks", "webhooks/webhookstest", "tlpartnertest", "embed", "publicapi", "publicapi/events"}

// byteSizes are the exported integers that hold a size in bytes. They are
// int64, as in the standard library (os.FileInfo.Size,
// http.Request.ContentLength, http.MaxBytesReader).
var byteSizes = map[string]bool{
	"webhooks.WithMaxBodyBytes.n":       true,
	"webhooks.DefaultMaxBodyBytes":      true,
	"events.WithMaxBodyBytes.n":         true,
	"events.DefaultMaxBodyBytes":        true,
	"events.Attachment.Size":            true,
	"publicapi.File.Size":               true,
	"tlpartnertest.Options.MaxFileSize": true,
}

// TestIntegerTypes (issue 8, "one integer type for counts and one for IDs
// across every package"): in every exported struct field, function
// parameter, result and constant of the SDK's packages, an ID (a name
// ending in ID or Id) is int64 and any other integer is int, except sizes
// in bytes, which are int64 as in the standard library.
func TestIntegerTypes(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	checked := 0
	seen := map[string]bool{}
	for _, dir := range sdkPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, ".gen.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			pkg := f.Name.Name
			check := func(name string, typ ast.Expr) {
				it := intType(typ)
				if it == "" {
					return
				}
				checked++
				want := "int"
				seen[pkg+"."+name] = true
				if isIDName(name) || byteSizes[pkg+"."+name] {
					want = "int64"
				}
				if it != want {
					t.Errorf("%s: %s.%s is %s, want %s", fset.Position(typ.Pos()), pkg, name, it, want)
				}
			}
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.GenDecl:
					for _, spec := range d.Specs {
						switch s := spec.(type) {
						case *ast.TypeSpec:
							if !s.Name.IsExported() {
								continue
							}
							if st, ok := s.Type.(*ast.StructType); ok {
								for _, fld := range st.Fields.List {
									for _, n := range fld.Names {
										if n.IsExported() {
											check(s.Name.Name+"."+n.Name, fld.Type)
										}
									}
								}
							}
						case *ast.ValueSpec:
							for _, n := range s.Names {
								if n.IsExported() && s.Type != nil {
									check(n.Name, s.Type)
								}
							}
						}
					}
				case *ast.FuncDecl:
					if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
						continue
					}
					name := d.Name.Name
					if d.Recv != nil {
						name = recvName(d.Recv) + "." + name
					}
					for _, fld := range d.Type.Params.List {
						for _, n := range fld.Names {
							check(name+"."+n.Name, fld.Type)
						}
					}
					if d.Type.Results != nil {
						for _, fld := range d.Type.Results.List {
							check(name+".result", fld.Type)
						}
					}
				}
			}
		}
	}
	for name := range byteSizes {
		if !seen[name] {
			t.Errorf("byteSizes lists %s, which is not an exported integer", name)
		}
	}
	if checked < 50 {
		t.Fatalf("only %d integers checked: the walk is broken", checked)
	}
}

// intType returns the integer type name of e ("int", "int64", ...), looking
// through pointers and slices, or "" when e is not an integer type.
func intType(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ArrayType:
			e = x.Elt
		case *ast.Ident:
			switch x.Name {
			case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr":
				return x.Name
			}
			return ""
		default:
			return ""
		}
	}
}

// isIDName reports whether the last element of a dotted name names an ID.
func isIDName(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	return strings.HasSuffix(last, "ID") || strings.HasSuffix(last, "Id") || strings.HasSuffix(last, "IDs")
}

func exportedRecv(r *ast.FieldList) bool { return ast.IsExported(recvName(r)) }

func recvName(r *ast.FieldList) string {
	e := r.List[0].Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if ix, ok := e.(*ast.IndexExpr); ok {
		e = ix.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
