package scripttest

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// hookserver VAR DIR [STATUS] [hang] [tls]: a webhook receiver on 127.0.0.1
// for notify hooks, its URL (http://127.0.0.1:PORT) in VAR; with tls it
// serves https (https://127.0.0.1:PORT) with a certificate of its own,
// written to DIR/cert.pem for SSL_CERT_FILE. Each request is
// written to DIR as N.req (method, path, the Content-Type, User-Agent and
// Authorization headers) and N.json (the body), N from 1, once it is read
// whole. It answers STATUS (default 204); with hang it answers nothing
// until the script ends — a gate that never opens, for the hook's time
// limit.
func cmdHookServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 5 {
		ts.Fatalf("usage: hookserver VAR DIR [STATUS] [hang] [tls]")
	}
	dir := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(dir, 0o755))
	status, hang, useTLS := http.StatusNoContent, false, false
	for _, a := range args[2:] {
		switch a {
		case "hang":
			hang = true
			continue
		case "tls":
			useTLS = true
			continue
		}
		n, err := strconv.Atoi(a)
		if err != nil || n < 100 || n > 599 {
			ts.Fatalf("hookserver: %q is neither an HTTP status nor hang", a)
		}
		status = n
	}
	gate := make(chan struct{})
	var mu sync.Mutex
	count := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		base := filepath.Join(dir, strconv.Itoa(n))
		req := fmt.Sprintf("%s %s\nContent-Type: %s\nUser-Agent: %s\nAuthorization: %s\n",
			r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), r.Header.Get("Authorization"))
		_ = os.WriteFile(base+".json", body, 0o644)
		_ = os.WriteFile(base+".req", []byte(req), 0o644) // last: waitfor N.req sees both
		if hang {
			select {
			case <-gate:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(status)
	})
	srv := httptest.NewUnstartedServer(h)
	if useTLS {
		srv.StartTLS()
		cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		ts.Check(os.WriteFile(filepath.Join(dir, "cert.pem"), cert, 0o644))
	} else {
		srv.Start()
	}
	ts.Defer(func() {
		close(gate)
		srv.Close()
	})
	ts.Setenv(args[0], srv.URL)
}

// jsonelem FILE N: prints element N (from 0) of the JSON array in FILE
// exactly as the file has it, and a newline: the object a notify hook is
// sent, to cmp with what it got.
func cmdJSONElem(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonelem FILE N")
	}
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &arr); err != nil {
		ts.Fatalf("%s is not a JSON array: %v", args[0], err)
	}
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 0 || n >= len(arr) {
		ts.Fatalf("jsonelem: %s has %d elements, no element %q", args[0], len(arr), args[1])
	}
	fmt.Fprintf(ts.Stdout(), "%s\n", arr[n])
}
