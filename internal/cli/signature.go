package cli

import (
	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
)

// signatureMark is what `opsync log` adds to an entry's line for its
// signature: "signed by alice@example.org" (good), "BAD SIGNATURE" and
// "signed by an unknown key SHA256:…"; nothing for an unsigned entry
// (most teams do not sign: a mark on every line would say nothing) or
// when the signature was not read. Signer and key come from the commit
// and the signing program: escaped.
func signatureMark(p ui.Palette, s *engine.SignatureInfo) string {
	if s == nil {
		return ""
	}
	switch s.Status {
	case engine.SignatureGood:
		m := "signed by " + signerName(s)
		if s.Expired() {
			m += " (expired)"
		}
		return "  " + p.Good(m)
	case engine.SignatureBad:
		m := "BAD SIGNATURE"
		if s.Git == "R" {
			m += " (revoked key)"
		}
		return "  " + p.Bad(m+keySuffix(s))
	case engine.SignatureUnknown:
		return "  " + p.Warn("signed by an unknown key"+keySuffix(s))
	}
	return ""
}

// signatureDetail is the signature line of `opsync show`.
func signatureDetail(p ui.Palette, s *engine.SignatureInfo) string {
	if s == nil {
		return ""
	}
	switch s.Status {
	case engine.SignatureGood:
		m := "good, signed by " + signerName(s) + keySuffix(s)
		if s.Expired() {
			m += " (expired)"
		}
		return p.Good(m)
	case engine.SignatureBad:
		m := "BAD: the signature does not match the entry"
		if s.Git == "R" {
			m = "BAD: signed with a revoked key"
		}
		return p.Bad(m + keySuffix(s))
	case engine.SignatureUnknown:
		return p.Warn("unknown key" + keySuffix(s) + ": signed, but not by a key your set-up vouches for (gpg.ssh.allowedSignersFile, or a trusted GPG key); `opsync doctor` checks the set-up")
	}
	return p.Dim("unsigned")
}

func signerName(s *engine.SignatureInfo) string {
	if s.Signer == "" {
		return "?"
	}
	return ui.Escape(s.Signer)
}

func keySuffix(s *engine.SignatureInfo) string {
	if s.Key == "" {
		return ""
	}
	return " (key " + ui.Escape(s.Key) + ")"
}
