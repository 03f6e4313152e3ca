// Package githttp is, for tests, a git forge's HTTP side: git's smart HTTP
// protocol served by `git http-backend` (the CGI program git ships) on
// 127.0.0.1, with HTTP basic authentication required for every request,
// as a private repository on a forge has it. opsync's tests use it to run
// init, the wrapper and leases against a remote reached over http:// with
// credentials from a URL or from the operator's credential helper.
package githttp

import (
	"crypto/subtle"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Server serves the bare repositories below Root.
type Server struct {
	URL string // http://127.0.0.1:PORT, without a trailing slash

	srv *http.Server

	mu       sync.Mutex
	requests int
	denied   int
}

// Start serves the repositories below root to the users given, by name and
// password; every other request gets 401.
func Start(root string, users map[string]string) (*Server, error) {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return nil, err
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(out)), "git-http-backend"),
		Root: "/",
		// What http-backend says of a request it refuses (a repository
		// that is not there) reaches the client as the HTTP status.
		Stderr: io.Discard,
		Env: []string{
			"GIT_PROJECT_ROOT=" + root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String()}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		want, known := users[u]
		good := ok && known && subtle.ConstantTimeCompare([]byte(p), []byte(want)) == 1
		s.mu.Lock()
		s.requests++
		if !good {
			s.denied++
		}
		s.mu.Unlock()
		if !good {
			w.Header().Set("WWW-Authenticate", `Basic realm="forge"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		// http-backend lets an authenticated user push (receive-pack).
		r.Header.Del("Authorization")
		h := *backend
		h.Env = append(append([]string(nil), backend.Env...), "REMOTE_USER="+u)
		h.ServeHTTP(w, r)
	})}
	go s.srv.Serve(ln)
	return s, nil
}

// Requests returns how many requests came, and how many of them were
// refused for want of the right credentials.
func (s *Server) Requests() (all, denied int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.denied
}

// Stop closes the server.
func (s *Server) Stop() { s.srv.Close() }
