package lease

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// startSSHD runs a real sshd on 127.0.0.1 that lets this user in with a
// fresh key, and returns the GIT_SSH_COMMAND that reaches it and its port.
func startSSHD(t *testing.T) (sshCommand string, port int) {
	sshd := "/usr/sbin/sshd"
	if _, err := os.Stat(sshd); err != nil {
		t.Skip("sshd is not installed (apt install openssh-server)")
	}
	if os.Geteuid() != 0 {
		t.Skip("sshd for the test needs root to switch users")
	}
	os.MkdirAll("/run/sshd", 0o755) // its privilege separation directory
	dir := t.TempDir()
	for _, k := range []string{"host_key", "client_key"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	pub, _ := os.ReadFile(filepath.Join(dir, "client_key.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PidFile %s
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
SetEnv PATH=%s
LogLevel ERROR
`, port, filepath.Join(dir, "host_key"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"), os.Getenv("PATH"))
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(conf), 0o600)
	cmd := exec.Command(sshd, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Sprintf("ssh -i %s -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes",
		filepath.Join(dir, "client_key")), port
}

// The same compare-and-swap over ssh: one of two holders wins, a wrong id
// cannot break, an expired lease is taken over, a release deletes.
func TestLeasesOverSSH(t *testing.T) {
	w := newWorld(t)
	sshCmd, port := startSSHD(t)
	user := os.Getenv("USER")
	if user == "" {
		user = "root"
	}
	w.remote = fmt.Sprintf("ssh://%s@127.0.0.1:%d%s", user, port, w.bare)
	ctx := context.Background()
	alice, bob := w.operator("alice"), w.operator("bob")
	for _, op := range []*Remote{alice, bob} {
		op.Git.Env = append(op.Git.Env, "GIT_SSH_COMMAND="+sshCmd)
	}
	held, err := alice.Acquire(ctx, want("Alice", "deploy"), time.Hour, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var he *HeldError
	if _, err := bob.Acquire(ctx, want("Bob", "upgrade"), time.Hour, AcquireOptions{}); !errors.As(err, &he) || he.Holder.ID != held.Lease.ID {
		t.Fatalf("bob over ssh: %v", err)
	}
	var we *WrongIDError
	if _, err := bob.Break(ctx, "s1", "foo.example.org", "nope"); !errors.As(err, &we) {
		t.Fatalf("break with a wrong id over ssh: %v", err)
	}
	bob.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	took, err := bob.Acquire(ctx, want("Bob", "upgrade"), time.Hour, AcquireOptions{})
	if err != nil || took.TookOver == nil {
		t.Fatalf("takeover over ssh: %v", err)
	}
	if err := held.Release(ctx); !errors.Is(err, ErrLost) {
		t.Fatalf("stale release over ssh: %v", err)
	}
	if err := took.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if w.remoteRef("s1", "foo.example.org") != "" {
		t.Fatal("lease left on the remote")
	}
}
