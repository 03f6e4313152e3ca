// Package sshtest runs a real OpenSSH server on 127.0.0.1 for tests: a
// throwaway host key and user key, a free port, and a client configuration
// with Host aliases for the ways an ssh connection fails (a key the server
// does not accept, a host key that does not match, a port nothing listens
// on). It is used by Go tests (StartT) and by the testscript command
// `sshd`.
//
// sshd lets the test's own user log in, with that user's real home
// directory (sshd reads it from the password database, not from $HOME): a
// test must give the server side absolute paths inside its temporary
// directory, never "~". When the tests run as root, sshd runs without the
// capabilities that let root ignore file modes (CAP_DAC_OVERRIDE and
// CAP_DAC_READ_SEARCH, dropped with setpriv), so that a directory without
// write permission is as unwritable for the test login as it is for an
// ordinary account.
//
// ssh itself also reads ~/.ssh/config from the password database's home
// directory, not from $HOME. WriteClient therefore writes the client
// configuration into a test home and a wrapper program `ssh` that passes
// `-F $HOME/.ssh/config` to the real ssh; a test puts the wrapper's
// directory first on PATH, so opsync and git both reach the server through
// the test's configuration exactly as an operator's ssh reaches theirs.
package sshtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SSHD is the OpenSSH server program (Debian's openssh-server).
const SSHD = "/usr/sbin/sshd"

// Options change the server.
type Options struct {
	// NoGit gives the login a PATH without git (a server where git is not
	// installed): every command runs through a ForceCommand that sets PATH
	// to a directory holding sh and the basic tools, but not git.
	NoGit bool
}

// Server is a running sshd.
type Server struct {
	Dir        string // keys, configuration and log
	Port       int
	User       string
	UserKey    string // private key the server accepts
	OtherKey   string // private key the server does not accept
	KnownHosts string // known_hosts trusting the server's host key
	WrongHosts string // known_hosts with another host key for the same address
	NoHosts    string // an empty known_hosts
	ClosedPort int    // a port on 127.0.0.1 where nothing listens

	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// Available says why a real sshd cannot be started here, nil when it can.
func Available() error {
	if _, err := os.Stat(SSHD); err != nil {
		return fmt.Errorf("no OpenSSH server at %s (install Debian's openssh-server, as .ci/run does): %v", SSHD, err)
	}
	for _, p := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("no %s program on PATH (install openssh-client)", p)
		}
	}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err != nil {
			return errors.New("running as root, and setpriv (util-linux) is missing: it is needed to make file modes apply to the test login")
		}
	}
	return nil
}

// StartT starts a server for a Go test, skips the test when sshd is not
// installed, and stops the server when the test ends.
func StartT(t testing.TB, o Options) *Server {
	t.Helper()
	if err := Available(); err != nil {
		t.Skip("needs a real sshd: " + err.Error())
	}
	s, err := Start(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

// Start starts sshd with its files in dir and waits until it accepts
// connections.
func Start(dir string, o Options) (*Server, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, User: u.Username, log: filepath.Join(dir, "sshd.log")}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	for _, k := range []string{"host_key", "other_host_key", "user_key", "other_key"} {
		if err := keygen(filepath.Join(dir, k)); err != nil {
			return nil, err
		}
	}
	s.UserKey = filepath.Join(dir, "user_key")
	s.OtherKey = filepath.Join(dir, "other_key")
	pub, err := os.ReadFile(s.UserKey + ".pub")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// sshd's privilege separation directory, which the Debian package
		// leaves to systemd to create.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return nil, fmt.Errorf("cannot create /run/sshd for sshd: %v", err)
		}
	}
	if s.ClosedPort, err = freePort(); err != nil {
		return nil, err
	}
	var lastErr error
	for try := 0; try < 3; try++ {
		if s.Port, err = freePort(); err != nil {
			return nil, err
		}
		if lastErr = s.start(o); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return nil, lastErr
	}
	for _, kh := range []struct{ file, key string }{{"known_hosts", "host_key"}, {"wrong_known_hosts", "other_host_key"}} {
		b, err := os.ReadFile(filepath.Join(dir, kh.key+".pub"))
		if err != nil {
			return nil, err
		}
		f := strings.Fields(string(b))
		line := fmt.Sprintf("[127.0.0.1]:%d %s %s\n", s.Port, f[0], f[1])
		if err := os.WriteFile(filepath.Join(dir, kh.file), []byte(line), 0o600); err != nil {
			return nil, err
		}
	}
	s.KnownHosts = filepath.Join(dir, "known_hosts")
	s.WrongHosts = filepath.Join(dir, "wrong_known_hosts")
	s.NoHosts = filepath.Join(dir, "empty_known_hosts")
	if err := os.WriteFile(s.NoHosts, nil, 0o600); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) start(o Options) error {
	config := fmt.Sprintf(`ListenAddress 127.0.0.1
Port %d
HostKey %s
AuthorizedKeysFile %s
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile %s
AcceptEnv LANG LC_*
LogLevel VERBOSE
`, s.Port, filepath.Join(s.Dir, "host_key"), filepath.Join(s.Dir, "authorized_keys"), filepath.Join(s.Dir, "sshd.pid"))
	if o.NoGit {
		bin, err := toolsWithoutGit(filepath.Join(s.Dir, "nogit-bin"))
		if err != nil {
			return err
		}
		config += fmt.Sprintf("ForceCommand /usr/bin/env PATH=%s /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n", bin)
	}
	cfgPath := filepath.Join(s.Dir, "sshd_config")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return err
	}
	args := []string{SSHD, "-D", "-e", "-f", cfgPath}
	if os.Geteuid() == 0 {
		args = append([]string{"setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"}, args...)
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start sshd: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
			s.cmd, s.done = cmd, done
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("sshd exited at start:\n%s", s.Log())
		default:
		}
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			return fmt.Errorf("sshd did not listen on port %d within 10s:\n%s", s.Port, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Log is what sshd has written so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// Stop stops sshd and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
}

// ClientConfig returns ~/.ssh/config text with Host blocks for the server:
//
//	alias            logs in (the key is accepted, the host key trusted)
//	alias-badkey     offers a key the server does not accept
//	alias-badhostkey expects another host key than the server's
//	alias-newhost    knows no host key for the server (a first connection)
//	alias-closed     a port on 127.0.0.1 where nothing listens
func (s *Server) ClientConfig(alias string) string {
	var b bytes.Buffer
	block := func(name string, port int, key, known string) {
		fmt.Fprintf(&b, "Host %s\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n"+
			"  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  ConnectTimeout 5\n\n", name, port, s.User, key, known)
	}
	block(alias, s.Port, s.UserKey, s.KnownHosts)
	block(alias+"-badkey", s.Port, s.OtherKey, s.KnownHosts)
	block(alias+"-badhostkey", s.Port, s.UserKey, s.WrongHosts)
	block(alias+"-newhost", s.Port, s.UserKey, s.NoHosts)
	block(alias+"-closed", s.ClosedPort, s.UserKey, s.KnownHosts)
	return b.String()
}

// WriteClient appends the server's Host blocks (see ClientConfig) to
// home/.ssh/config and writes, in binDir, the program `ssh` that runs the
// real ssh with -F $HOME/.ssh/config. Put binDir first on PATH.
func (s *Server) WriteClient(home, binDir, alias string) error {
	sshDir := filepath.Join(home, ".ssh")
	if err := os.MkdirAll(sshDir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(sshDir, "config"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s.ClientConfig(alias)); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return WriteSSHWrapper(binDir)
}

// WriteSSHWrapper writes binDir/ssh: the real ssh reading the client
// configuration from $HOME/.ssh/config (which ssh would otherwise look for
// in the password database's home directory).
func WriteSSHWrapper(binDir string) error {
	real, err := exec.LookPath("ssh")
	if err != nil {
		return err
	}
	if filepath.Dir(real) == filepath.Clean(binDir) {
		return nil // the wrapper is already first on PATH
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	script := fmt.Sprintf("#!/bin/sh\nexec %s -F \"$HOME/.ssh/config\" \"$@\"\n", real)
	return os.WriteFile(filepath.Join(binDir, "ssh"), []byte(script), 0o755)
}

func keygen(path string) error {
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "opsync-test", "-f", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ssh-keygen: %v\n%s", err, out)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// toolsWithoutGit makes a directory of links to the tools a login shell
// script needs, leaving out git.
func toolsWithoutGit(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, tool := range []string{"sh", "mkdir", "dirname", "cat", "rm", "ls", "id", "env", "test", "printf"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			continue
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil && !os.IsExist(err) {
			return "", err
		}
	}
	return dir, nil
}

// LogFile is the path of sshd's log (LogLevel VERBOSE).
func (s *Server) LogFile() string { return s.log }

// Logins reads an sshd log written at LogLevel VERBOSE: every accepted
// login (one per ssh connection that authenticated, so one per handshake)
// by its client port, and whether that connection has ended.
func Logins(log string) (ports []string, ended map[string]bool) {
	ended = map[string]bool{}
	for _, line := range strings.Split(log, "\n") {
		port := portOf(line)
		if port == "" {
			continue
		}
		switch {
		case strings.Contains(line, "Accepted publickey for "):
			ports = append(ports, port)
		case strings.Contains(line, "Disconnected from "), strings.Contains(line, "Connection closed by "),
			strings.Contains(line, "Connection reset by "), strings.Contains(line, "Received disconnect from "):
			ended[port] = true
		}
	}
	return ports, ended
}

// portOf finds "port N" in an sshd log line.
func portOf(line string) string {
	_, rest, ok := strings.Cut(line, " port ")
	if !ok {
		return ""
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	return rest[:end]
}
