package engine

import "coopcloud.tech/opsync/internal/git"

// The four statuses of an entry's signature (SignatureInfo.Status), as
// `opsync log` marks entries and --json gives them.
const (
	// SignatureGood: the signature verifies with a key the operator's set-up
	// vouches for (for SSH, one named in gpg.ssh.allowedSignersFile; for
	// GPG, a trusted key), expired keys included.
	SignatureGood = "good"
	// SignatureBad: the signature does not verify (the commit was changed
	// after it was signed, or the signature was forged), or its key was
	// revoked.
	SignatureBad = "bad"
	// SignatureUnsigned: the commit carries no signature.
	SignatureUnsigned = "unsigned"
	// SignatureUnknown: signed, but not by a key the set-up vouches for,
	// or it cannot be checked (the key, gpg or the allowed-signers file is
	// missing).
	SignatureUnknown = "unknown"
)

// SignatureInfo is an entry's signature as git verified it.
type SignatureInfo struct {
	Status string `json:"status"` // SignatureGood, SignatureBad, SignatureUnsigned, SignatureUnknown
	// Signer is who signed: the principal of the allowed-signers file
	// (SSH) or the key's user id (GPG); "" when unknown. Untrusted text:
	// escape it before printing.
	Signer string `json:"signer"`
	// Key is the key's fingerprint (SSH, "SHA256:…") or id (GPG); "" when
	// unsigned. Untrusted text too.
	Key string `json:"key"`
	// Git is git's own letter (%G?): G, B, U, X, Y, R, E or N.
	Git string `json:"git"`
}

// Expired reports a good signature whose key or signature has expired
// (git's X and Y).
func (s SignatureInfo) Expired() bool { return s.Git == "X" || s.Git == "Y" }

// SignatureStatus maps git's letter (%G?) onto the four statuses:
//
//	G good                                          → good
//	X good, the signature expired                   → good (Expired)
//	Y good, by a key that has expired since         → good (Expired)
//	U good, but by a key of unknown validity        → unknown
//	E cannot be checked (missing key, no allowed-signers file) → unknown
//	B bad                                           → bad
//	R good, by a revoked key                        → bad
//	N no signature                                  → unsigned
//
// U is not good: anyone with push access can sign with a key of their
// own, and a signature only vouches for an entry when the key is one the
// team listed (for SSH, U is exactly "not in the allowed-signers file").
// R is bad: the key's owner has declared it no longer to be trusted.
// Anything else (a letter a later git may add) is unknown.
func SignatureStatus(code string) string {
	switch code {
	case "G", "X", "Y":
		return SignatureGood
	case "B", "R":
		return SignatureBad
	case "N":
		return SignatureUnsigned
	default:
		return SignatureUnknown
	}
}

// signatureInfo is the entry's view of git's verification; nil when the
// signature was not read.
func signatureInfo(s git.Signature) *SignatureInfo {
	if s.Code == "" {
		return nil
	}
	key := s.Fingerprint
	if key == "" {
		key = s.Key
	}
	info := &SignatureInfo{Status: SignatureStatus(s.Code), Signer: s.Signer, Key: key, Git: s.Code}
	if info.Status == SignatureUnsigned {
		info.Signer, info.Key = "", ""
	}
	return info
}
