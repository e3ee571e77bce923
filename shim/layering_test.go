package shim

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// TestHandlersNeverCallHandlers: an RPC handler's work that others need
// lives in an unexported function both call; no code in shim/ calls an RPC
// method of the service (a call would skip the boundary and nest one
// RPC's waits inside another's).
func TestHandlersNeverCallHandlers(t *testing.T) {
	rpcs := map[string]bool{}
	for _, iface := range []reflect.Type{
		reflect.TypeFor[runtimeapi.RuntimeServiceServer](),
		reflect.TypeFor[runtimeapi.ImageServiceServer](),
	} {
		for m := range iface.Methods() {
			rpcs[m.Name] = true
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if recv, ok := sel.X.(*ast.Ident); ok && (recv.Name == "s" || recv.Name == "svc") && rpcs[sel.Sel.Name] {
				t.Errorf("%s: calls the RPC handler %s", fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
