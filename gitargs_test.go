package opsync_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// gitSubcommands are the git commands opsync runs; a []string literal
// starting with one of them, in a file that runs git, is a git command line.
var gitSubcommands = map[string]bool{
	"add": true, "branch": true, "cat-file": true, "checkout-index": true, "clone": true, "commit": true,
	"commit-tree": true, "config": true, "diff": true, "diff-tree": true, "fetch": true, "for-each-ref": true, "init": true,
	"log": true, "ls-files": true, "ls-remote": true, "merge": true, "merge-base": true, "merge-file": true,
	"push": true, "read-tree": true, "remote": true, "rev-list": true, "rev-parse": true, "status": true,
	"symbolic-ref": true, "update-ref": true, "var": true,
}

// valueOptions take the next argument as their value, which git then
// never reads as an option.
var valueOptions = map[string]bool{"-c": true, "-C": true, "-F": true, "-L": true, "-m": true, "--origin": true}

// TestGitArgumentsNeverOptions reads every git command line in opsync's
// source and fails on an argument that is not a constant and is not
// behind "--" (or "--end-of-options"): such an argument — a URL, a remote
// or branch name, a path, a revision from the repository — could begin
// with "-" and be read by git as an option (`--upload-pack=CMD` runs CMD).
// Arguments that cannot begin with "-" are allowed before "--": string
// constants, concatenations that start with a constant not beginning with
// "-" ("HEAD:"+ref), options with their value attached ("--format="+x, "-G"+re,
// fmt.Sprintf("--max-count=%d", n)), and the value of an option that
// takes one ("-c", kv). Lists that only forward arguments built elsewhere
// (append(args, extra...)) are checked where they are built.
func TestGitArgumentsNeverOptions(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	files := map[string]*ast.File{}
	consts := map[string]map[string]bool{} // by directory: the package's string constants
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "testsupport", "bench":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files[path] = f
		dir := filepath.Dir(path)
		if consts[dir] == nil {
			consts[dir] = map[string]bool{}
		}
		for _, decl := range f.Decls {
			if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.CONST {
				for _, spec := range gd.Specs {
					for _, name := range spec.(*ast.ValueSpec).Names {
						consts[dir][name.Name] = true
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gitDirs := map[string]bool{} // packages that run git (a file of theirs imports it)
	for path, f := range files {
		if runsGit(f, path) {
			gitDirs[filepath.Dir(path)] = true
		}
	}
	for path, f := range files {
		if !gitDirs[filepath.Dir(path)] {
			continue
		}
		isConst := consts[filepath.Dir(path)]
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if list, ok := gitCallArgs(n); ok {
					if len(list) == 1 && n.Ellipsis.IsValid() {
						return true // only forwards a list built elsewhere (and checked there)
					}
					checked++
					checkGitArgs(t, fset, list, n.Ellipsis.IsValid(), isConst)
				}
			case *ast.CompositeLit:
				if sub, ok := stringLit(firstElt(n)); ok && gitSubcommands[sub] && isStringSlice(n.Type) {
					checked++
					checkGitArgs(t, fset, n.Elts[1:], false, isConst)
				}
			}
			return true
		})
	}
	t.Logf("%d git command lines checked", checked)
	if checked < 50 {
		t.Fatalf("only %d git command lines found: the scan no longer sees opsync's git calls", checked)
	}
}

// runsGit reports whether a file runs git: package git itself, or a file
// importing it.
func runsGit(f *ast.File, path string) bool {
	if filepath.ToSlash(filepath.Dir(path)) == "internal/git" {
		return true
	}
	for _, imp := range f.Imports {
		if imp.Path.Value == `"coopcloud.tech/opsync/internal/git"` {
			return true
		}
	}
	return false
}

// gitCallArgs returns the git arguments of X.run(ctx, "sub", ...) (and Run)
// and append(xs, "sub"|"--", ...).
func gitCallArgs(c *ast.CallExpr) ([]ast.Expr, bool) {
	if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "append" && len(c.Args) > 1 {
		if cl, ok := c.Args[0].(*ast.CompositeLit); ok && len(cl.Elts) > 0 {
			if sub, _ := stringLit(cl.Elts[0]); gitSubcommands[sub] {
				// append([]string{"add", "--"}, paths...): the literal then the rest
				return append(append([]ast.Expr{}, cl.Elts[1:]...), c.Args[1:]...), true
			}
		}
		for _, a := range c.Args[1:] {
			if s, ok := stringLit(a); ok && (gitSubcommands[s] || s == "--" || s == "--end-of-options") {
				return c.Args[1:], true
			}
		}
		return nil, false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || len(c.Args) < 2 {
		return nil, false
	}
	switch sel.Sel.Name {
	case "Run", "run":
		if sub, ok := stringLit(c.Args[1]); ok && gitSubcommands[sub] {
			return c.Args[2:], true
		}
	}
	return nil, false
}

func checkGitArgs(t *testing.T, fset *token.FileSet, args []ast.Expr, lastSpread bool, isConst map[string]bool) {
	t.Helper()
	afterDashes := false
	for i, a := range args {
		if s, ok := stringLit(a); ok {
			if s == "--" || s == "--end-of-options" {
				afterDashes = true
			}
			continue
		}
		if afterDashes {
			continue
		}
		if i > 0 {
			if prev, ok := stringLit(args[i-1]); ok && valueOptions[prev] {
				continue
			}
		}
		if i == len(args)-1 && lastSpread {
			t.Errorf("%s: git arguments %s... spread before \"--\": any of them could be read as an option",
				fset.Position(a.Pos()), exprString(a))
			continue
		}
		if id, ok := a.(*ast.Ident); ok && isConst[id.Name] {
			continue // a constant of the package: opsync's own text
		}
		if cannotBeOption(a) {
			continue
		}
		t.Errorf("%s: git argument %s comes before \"--\" (or \"--end-of-options\"): if it began with \"-\", git would read it as an option",
			fset.Position(a.Pos()), exprString(a))
	}
}

// cannotBeOption reports whether an expression surely does not begin
// with "-", or is an option with its value attached.
func cannotBeOption(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return false
		}
		left := e.X
		for {
			b, ok := left.(*ast.BinaryExpr)
			if !ok || b.Op != token.ADD {
				break
			}
			left = b.X
		}
		s, ok := stringLit(left)
		// "-G"+re: a short option with its value attached (git reads all
		// of the rest as the value, whatever it begins with).
		shortWithValue := len(s) == 2 && s[0] == '-' && s[1] != '-'
		return ok && s != "" && (!strings.HasPrefix(s, "-") || strings.HasSuffix(s, "=") || shortWithValue)
	case *ast.CallExpr:
		// fmt.Sprintf("--max-count=%d", n)
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			s, ok := stringLit(e.Args[0])
			return ok && s != "" && !strings.HasPrefix(s, "%") && (!strings.HasPrefix(s, "-") || strings.Contains(s, "=%"))
		}
	}
	return false
}

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

func firstElt(c *ast.CompositeLit) ast.Expr {
	if len(c.Elts) == 0 {
		return nil
	}
	return c.Elts[0]
}

func isStringSlice(e ast.Expr) bool {
	at, ok := e.(*ast.ArrayType)
	if !ok || at.Len != nil {
		return false
	}
	id, ok := at.Elt.(*ast.Ident)
	return ok && id.Name == "string"
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.CallExpr:
		return exprString(e.Fun) + "(…)"
	case *ast.BinaryExpr:
		return exprString(e.X) + "+" + exprString(e.Y)
	case *ast.IndexExpr:
		return exprString(e.X) + "[…]"
	case *ast.BasicLit:
		return e.Value
	}
	return "expression"
}

// TestNoRawGitArgvOutsideGit fails on a git command line built outside
// internal/git in opsync's product code: package git is the only place
// that runs git, and every command line is a typed method of it, so that
// its "--" discipline, merge and push options and version workarounds are
// written once. A raw command line is any of
//
//   - X.Run(ctx, "sub", …), X.RunCmd(…), a git.Cmd{…} literal: the raw
//     runner (unexported now; the names are caught should it come back);
//   - a []string literal starting with a git subcommand, or append of one,
//     in a file that imports internal/git or os/exec;
//   - exec.Command("git", …) or exec.CommandContext(ctx, "git", …).
//
// Tests (_test.go files) and the test-support packages
// (internal/testsupport, which build fixtures and stand in for abra)
// are not the product, and may run git as they like.
func TestNoRawGitArgvOutsideGit(t *testing.T) {
	sites := rawGitArgvSites(t, ".")
	for _, s := range sites {
		t.Errorf("%s: raw git argv outside internal/git (%s): add a typed method to internal/git instead", s.pos, s.what)
	}
	t.Logf("%d raw git argv sites outside internal/git", len(sites))
}

type rawGitSite struct {
	pos  token.Position
	what string
}

// rawGitArgvSites lists the raw git command lines in the product code under
// root, outside internal/git.
func rawGitArgvSites(t *testing.T, root string) []rawGitSite {
	t.Helper()
	fset := token.NewFileSet()
	var sites []rawGitSite
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case d.Name() == "testdata", d.Name() == "bench", rel == "internal/testsupport", rel == "internal/git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		execs := false
		for _, imp := range f.Imports {
			if imp.Path.Value == `"coopcloud.tech/opsync/internal/git"` || imp.Path.Value == `"os/exec"` {
				execs = true
			}
		}
		add := func(n ast.Node, what string) {
			sites = append(sites, rawGitSite{fset.Position(n.Pos()), what})
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "append" && len(n.Args) > 1 {
					if cl, ok := n.Args[0].(*ast.CompositeLit); ok && execs && isStringSlice(cl.Type) {
						if sub, _ := stringLit(firstElt(cl)); gitSubcommands[sub] {
							add(n, "append([]string{\""+sub+"\", …})")
							return false
						}
					}
				}
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch sel.Sel.Name {
				case "Run", "run":
					if len(n.Args) >= 2 {
						if sub, ok := stringLit(n.Args[1]); ok && gitSubcommands[sub] {
							add(n, exprString(sel)+"(ctx, \""+sub+"\", …)")
							return false
						}
					}
				case "RunCmd", "runCmd":
					add(n, exprString(sel)+"(…)")
					return false
				case "Command", "CommandContext":
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "exec" {
						for _, a := range n.Args {
							if s, ok := stringLit(a); ok && (s == "git" || strings.HasSuffix(s, "/git")) {
								add(n, "exec."+sel.Sel.Name+"(…\"git\"…)")
								return false
							}
						}
					}
				}
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && exprString(sel) == "git.Cmd" {
					add(n, "git.Cmd{…}")
					return false
				}
				if sub, ok := stringLit(firstElt(n)); ok && execs && gitSubcommands[sub] && isStringSlice(n.Type) {
					add(n, "[]string{\""+sub+"\", …}")
					return false
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sites
}
