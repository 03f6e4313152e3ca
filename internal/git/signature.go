package git

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Signature is what git's own verification says of a commit's signature:
// the log format's %G?, %GS, %GK and %GF, for GPG and SSH signatures alike.
// Verifying runs gpg or ssh-keygen once per signed commit, so it is read
// only when asked for (LogFilter.Signatures).
type Signature struct {
	// Code is git's letter (%G?): G good, B bad, U good but of unknown
	// validity (an SSH key not in the allowed-signers file, a GPG key not
	// trusted), X good but expired, Y good by an expired key, R good by a
	// revoked key, E cannot be checked (the key is missing), N no
	// signature. "" when the signature was not read.
	Code string
	// Signer is who signed (%GS): for SSH the principal the
	// allowed-signers file names for the key, for GPG the key's user id.
	// Both are whatever a teammate or a keyring holds: untrusted text.
	Signer string
	// Key and Fingerprint identify the key (%GK, %GF): for SSH both are
	// the key's fingerprint (SHA256:…), for GPG the key id and the
	// fingerprint. Untrusted too: they come from the signature.
	Key, Fingerprint string
}

// signedLogFormat is logFormat with the signature's fields after the ones
// git writes itself and before the free text: %G? (one letter), %GK and
// %GF (ids git or the signing program computed), then %GS, the first
// field a teammate's text can fill. A record that holds more fields than
// asked for loses the signer (and the name, email and message:
// UnreadableText) but keeps the letter and the key.
const signedLogFormat = "--format=%H%x00%P%x00%ad%x00%ct%x00%G?%x00%GK%x00%GF%x00%GS%x00%an%x00%ae%x00%B%x00%H"

// sigFields is how many fields signedLogFormat adds to logFormat.
const sigFields = 4

// noAllowedSigners makes git check SSH signatures against an empty
// allowed-signers file when none is configured: without one, git prints an
// error per commit and reports an SSH-signed commit as having no signature
// at all (N), which would pass a signed entry off as unsigned. With the
// empty file it is U: signed, by a key nobody vouched for.
var noAllowedSigners = []string{"-c", "gpg.ssh.allowedSignersFile=/dev/null"}

// logArgs are LogArgs, or, with f.Signatures, the same with the signature
// fields (and the empty allowed-signers file when none is configured).
func (c *Client) logArgs(ctx context.Context, f LogFilter) []string {
	if !f.Signatures {
		return LogArgs()
	}
	var args []string
	if !c.AllowedSignersConfigured(ctx) {
		args = append(args, noAllowedSigners...)
	}
	args = append(args, LogArgs()...)
	args[len(args)-1] = signedLogFormat
	return args
}

// recordFields is how many fields a record of the reader's format has.
func (lr *LogReader) recordFields() int {
	if lr.signed {
		return logFields + sigFields
	}
	return logFields
}

// parse reads one record of the reader's format.
func (lr *LogReader) parse(f []string) Commit {
	if !lr.signed {
		return parseCommit(f)
	}
	if len(f) < logFields+sigFields {
		return parseCommit(f) // cannot happen: field queues only full records
	}
	sig := Signature{Code: f[4], Key: f[5], Fingerprint: f[6], Signer: f[7]}
	n := len(f)
	// The record is the reader's own (field starts a new one after it):
	// the signature's fields are cut out in place.
	f = f[:4+copy(f[4:], f[4+sigFields:])]
	c := parseCommit(f)
	if n != logFields+sigFields {
		// Which of signer, name, email and message holds the extra NUL
		// cannot be told: the signer is left out with them.
		sig.Signer = ""
	}
	c.Signature = sig
	return c
}

// ReadCommitSigned is ReadCommit with the commit's signature verified
// (Commit.Signature).
func (c *Client) ReadCommitSigned(ctx context.Context, id string) (Commit, error) {
	return c.readCommit(ctx, LogFilter{Revs: id, Merges: true, MaxCount: 1, Signatures: true})
}

// AllowedSignersConfigured reports whether gpg.ssh.allowedSignersFile is
// set, read from the config files without a process when they tell (the
// system file, the global ones and the repository's, none with includes,
// no configuration in the environment), else from `git config`.
func (c *Client) AllowedSignersConfigured(ctx context.Context) bool {
	if set, ok := c.configSetInFiles("gpg.ssh.allowedsignersfile"); ok {
		return set
	}
	return c.ConfigValue(ctx, "gpg.ssh.allowedSignersFile") != ""
}

// ConfigValue is one setting as git reads it (every config file, includes
// and conditional includes, the last value), "" when unset. key is one of
// opsync's constants, never text from the repository.
func (c *Client) ConfigValue(ctx context.Context, key string) string {
	out, _ := c.run(ctx, "config", "--get", "--end-of-options", key)
	return strings.TrimSpace(out)
}

// configSetInFiles reports whether key (lower case) is set in a config
// file git reads; ok is false when the files may not tell the whole story
// (as for identFromFiles).
func (c *Client) configSetInFiles(key string) (set, ok bool) {
	if c.getenv("GIT_CONFIG_PARAMETERS") != "" || c.getenv("GIT_CONFIG_COUNT") != "" {
		return false, false
	}
	r, err := FindRepo(c.Dir)
	if err != nil {
		return false, false
	}
	files, ok := c.userConfigFiles()
	if !ok {
		return false, false
	}
	if c.getenv("GIT_CONFIG_NOSYSTEM") == "" {
		system := c.getenv("GIT_CONFIG_SYSTEM")
		if system == "" {
			system = "/etc/gitconfig"
		}
		files = append([]string{system}, files...)
	}
	files = append(files, filepath.Join(r.CommonDir, "config"))
	for _, f := range files {
		cfg, err := ParseConfigFile(f) // a missing file is empty
		if err != nil || cfg.Includes || cfg.Get("extensions.worktreeconfig") != "" {
			return false, false
		}
		if len(cfg.values[key]) > 0 {
			set = true
		}
	}
	return set, true
}

// ConfigPath is a setting read as a path, as git reads it (`~/` expanded),
// "" when unset. key is one of opsync's constants.
func (c *Client) ConfigPath(ctx context.Context, key string) string {
	out, _ := c.run(ctx, "config", "--get", "--type=path", "--end-of-options", key)
	return strings.TrimSpace(out)
}

// TestSignature signs a throw-away commit as a log entry would be signed
// (the repository's commit.gpgsign, gpg.format and user.signingkey), then
// verifies it as `opsync log` does. The commit (of the empty tree, with no
// parent) and its tree are written to an object directory of their own in
// a temporary directory, removed afterwards: no ref, no object, nothing
// is left in the repository. An error is git failing to sign: its stderr
// says why (a missing key, a locked agent).
func (c *Client) TestSignature(ctx context.Context) (Signature, error) {
	tmp, err := os.MkdirTemp("", "opsync-signature-")
	if err != nil {
		return Signature{}, err
	}
	defer os.RemoveAll(tmp)
	env := []string{"GIT_OBJECT_DIRECTORY=" + tmp}
	tree, err := c.runCmd(ctx, cmd{args: []string{"mktree"}, stdin: strings.NewReader(""), env: env})
	if err != nil {
		return Signature{}, err
	}
	tree = strings.TrimSpace(tree)
	id, err := c.runCmd(ctx, cmd{args: []string{"commit-tree", "-S", "-m", "opsync doctor: a test signature (never referenced)", "--", tree}, env: env})
	if err != nil {
		return Signature{}, err
	}
	id = strings.TrimSpace(id)
	if !isCommitID([]byte(id)) {
		return Signature{}, fmt.Errorf("git commit-tree printed %q, not a commit id", id)
	}
	var args []string
	if !c.AllowedSignersConfigured(ctx) {
		args = append(args, noAllowedSigners...)
	}
	args = append(args, "log", "-z", "--no-walk", "--no-show-signature", "--format=%G?%x00%GK%x00%GF%x00%GS", "--end-of-options", id)
	out, err := c.runCmd(ctx, cmd{args: args, env: env})
	if err != nil {
		return Signature{}, err
	}
	f := strings.Split(out, "\x00")
	for len(f) < sigFields {
		f = append(f, "")
	}
	return Signature{Code: f[0], Key: f[1], Fingerprint: f[2], Signer: strings.TrimRight(f[3], "\n")}, nil
}
