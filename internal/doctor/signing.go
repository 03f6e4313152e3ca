package doctor

import (
	"context"
	"fmt"
	"os"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/ui"
)

// allowedSignersLine is the form of a line of an allowed-signers file, for
// the fixes.
const allowedSignersLine = `EMAIL namespaces="git" ssh-ed25519 AAAA…`

// checkSigning reports, when commit.gpgsign is on, how entries are signed
// (gpg.format, user.signingkey and, for SSH, gpg.ssh.allowedSignersFile),
// and whether a test signature made as an entry's would be verifies as
// `opsync log` verifies it (git.TestSignature: nothing is left behind).
func (d *doctor) checkSigning(ctx context.Context, c *git.Client, name, format string) {
	if format == "" {
		format = "openpgp"
	}
	ssh := format == "ssh"
	key := c.ConfigPath(ctx, "user.signingKey")
	how := "commit.gpgsign, gpg.format " + format
	if key != "" {
		how += ", user.signingkey " + ui.Escape(d.show(key))
	}
	allowed := ""
	if ssh {
		allowed = c.ConfigPath(ctx, "gpg.ssh.allowedSignersFile")
		if allowed != "" {
			how += ", gpg.ssh.allowedSignersFile " + ui.Escape(d.show(allowed))
		}
	}
	check := Check{Name: "signing", Repository: name}
	if ssh && key == "" {
		check.Status, check.Detail = Fail, "log entries are to be signed ("+how+") but user.signingkey is not set: with gpg.format ssh git cannot sign, so every log entry fails to commit (exit 76)"
		check.Fix = "name your key: `git config --global user.signingkey ~/.ssh/id_ed25519.pub` (or turn signing off: `git config --global commit.gpgsign false`)"
		d.add(check)
		return
	}
	sig, err := c.TestSignature(ctx)
	if err != nil {
		check.Status = Fail
		check.Detail = "log entries are to be signed (" + how + ") but git cannot sign: " + ui.Escape(lastLine(err)) +
			"; every log entry fails to commit (exit 76) until this is fixed"
		if ssh {
			check.Fix = "check that user.signingkey names your key (`ssh-keygen -y -f KEY` prints it) and, if it has a passphrase, that ssh-agent holds it (`ssh-add`)"
		} else {
			check.Fix = "check that `gpg --list-secret-keys` lists the key (user.signingkey, or one for your git email) and that gpg-agent can sign without a prompt"
		}
		d.add(check)
		return
	}
	who := sig.Signer
	if who == "" {
		who = sig.Fingerprint
	}
	switch engine.SignatureStatus(sig.Code) {
	case engine.SignatureGood:
		check.Status = OK
		check.Detail = fmt.Sprintf("log entries are signed (%s); a test signature verifies, signed by %s: "+
			"the key must sign without a prompt while abra runs, e.g. unlocked in gpg-agent or ssh-agent, or the entry cannot be committed",
			how, ui.Escape(who))
	case engine.SignatureUnknown:
		check.Status = Warn
		check.Detail = fmt.Sprintf("log entries are signed (%s), but a test signature does not verify as anyone's (git: %s): "+
			"`opsync log` marks your entries \"signed by an unknown key\" and `--signed` leaves them out", how, ui.Escape(sig.Code))
		switch {
		case ssh && allowed == "":
			check.Fix = "name an allowed-signers file listing the team's keys, one `" + allowedSignersLine + "` line each: " +
				"`git config --global gpg.ssh.allowedSignersFile ~/.config/git/allowed_signers` (README: \"Signed entries\")"
		case ssh:
			if _, err := os.Stat(allowed); err != nil {
				check.Fix = "create " + ui.Escape(d.show(allowed)) + " with one `" + allowedSignersLine + "` line per teammate (README: \"Signed entries\")"
			} else {
				check.Fix = "add your key to " + ui.Escape(d.show(allowed)) + ": a line `" + allowedSignersLine + "` with your email and your public key"
			}
		default:
			check.Fix = "make gpg trust your key (`gpg --edit-key KEY trust`, or sign it), and import your teammates' keys"
		}
	default:
		check.Status = Warn
		check.Detail = fmt.Sprintf("log entries are signed (%s), but a test signature does not verify (git: %s)", how, ui.Escape(sig.Code))
		check.Fix = "check the signing program: `git log --show-signature -1` on an entry of yours shows what git sees"
	}
	d.add(check)
}
