package opsync_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestContractExposesNoInternalType reads the root package, the embedding
// contract, and fails when an exported function, method, type or struct
// field mentions a type from an internal package: an importer could not
// name it. (Values may come from internal packages: ExitUsage is
// engine.ExitUsage, an untyped constant.)
func TestContractExposesNoInternalType(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, pkg := range pkgs {
		for name, f := range pkg.Files {
			internal := map[string]bool{} // import names of internal packages
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !strings.Contains(path, "/internal/") {
					continue
				}
				n := path[strings.LastIndex(path, "/")+1:]
				if imp.Name != nil {
					n = imp.Name.Name
				}
				internal[n] = true
			}
			check := func(what string, e ast.Expr) {
				checked++
				ast.Inspect(e, func(n ast.Node) bool {
					if sel, ok := n.(*ast.SelectorExpr); ok {
						if id, ok := sel.X.(*ast.Ident); ok && internal[id.Name] {
							t.Errorf("%s: %s exposes %s.%s, an internal type", name, what, id.Name, sel.Sel.Name)
						}
					}
					return true
				})
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if !d.Name.IsExported() {
						continue
					}
					if d.Recv != nil {
						recv := d.Recv.List[0].Type
						if s, ok := recv.(*ast.StarExpr); ok {
							recv = s.X
						}
						if id, ok := recv.(*ast.Ident); !ok || !id.IsExported() {
							continue
						}
					}
					check(d.Name.Name, d.Type)
				case *ast.GenDecl:
					for _, s := range d.Specs {
						ts, ok := s.(*ast.TypeSpec)
						if !ok || !ts.Name.IsExported() {
							continue
						}
						switch tt := ts.Type.(type) {
						case *ast.StructType:
							for _, fl := range tt.Fields.List {
								exported := len(fl.Names) == 0
								for _, n := range fl.Names {
									exported = exported || n.IsExported()
								}
								if exported {
									check(ts.Name.Name+" field", fl.Type)
								}
							}
						case *ast.InterfaceType:
							check(ts.Name.Name, tt)
						default:
							check(ts.Name.Name, ts.Type)
						}
					}
				}
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d declarations checked: the scan is broken", checked)
	}
}
