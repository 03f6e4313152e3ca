package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/git"
)

// TestSignatureStatus holds the mapping of git's letters (%G?) onto the
// four statuses to what the README and docs/json.md say.
func TestSignatureStatus(t *testing.T) {
	want := map[string]string{
		"G": SignatureGood, "X": SignatureGood, "Y": SignatureGood,
		"U": SignatureUnknown, "E": SignatureUnknown,
		"B": SignatureBad, "R": SignatureBad,
		"N": SignatureUnsigned,
		// odd output: a letter git does not document, several, none
		"Q": SignatureUnknown, "GG": SignatureUnknown, "": SignatureUnknown, "g": SignatureUnknown,
	}
	for code, status := range want {
		if got := SignatureStatus(code); got != status {
			t.Errorf("SignatureStatus(%q) = %q, want %q", code, got, status)
		}
	}
}

// TestSignatureInfo: the fingerprint is the key when git gives one, the
// key id otherwise (GPG without the key: E with only the id); an unsigned
// commit carries no signer or key; a commit whose signature was not read
// has none (JSON null), one that was read an object.
func TestSignatureInfo(t *testing.T) {
	if signatureInfo(git.Signature{}) != nil {
		t.Error("a signature not read is not nil")
	}
	s := signatureInfo(git.Signature{Code: "G", Key: "6B0D3A4C", Fingerprint: "ABCDEF0123456789ABCDEF0123456789", Signer: "Alice <a@x>"})
	if *s != (SignatureInfo{Status: SignatureGood, Signer: "Alice <a@x>", Key: "ABCDEF0123456789ABCDEF0123456789", Git: "G"}) {
		t.Errorf("good: %+v", s)
	}
	if s := signatureInfo(git.Signature{Code: "E", Key: "6B0D3A4C"}); s.Key != "6B0D3A4C" || s.Status != SignatureUnknown {
		t.Errorf("cannot check: %+v", s)
	}
	if s := signatureInfo(git.Signature{Code: "N", Key: "x", Signer: "y"}); *s != (SignatureInfo{Status: SignatureUnsigned, Git: "N"}) {
		t.Errorf("unsigned: %+v", s)
	}
	if s := signatureInfo(git.Signature{Code: "Y", Signer: "a"}); !s.Expired() || s.Status != SignatureGood {
		t.Errorf("expired: %+v", s)
	}

	b, err := json.Marshal(LogEntry{})
	if err != nil || !strings.HasSuffix(string(b), `,"signature":null}`) {
		t.Errorf("not read: %s (%v)", b, err)
	}
	b, err = json.Marshal(LogEntry{Signature: signatureInfo(git.Signature{Code: "B"})})
	if err != nil || !strings.HasSuffix(string(b), `,"signature":{"status":"bad","signer":"","key":"","git":"B"}}`) {
		t.Errorf("read: %s (%v)", b, err)
	}
}

// TestSignedQuery: --signed keeps only good signatures and is a filter
// git cannot apply (no --max-count handed to git with it).
func TestSignedQuery(t *testing.T) {
	q := LogQuery{Signed: true, Limit: 5}
	f, err := q.gitFilter(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !f.Signatures || f.MaxCount != 0 {
		t.Errorf("filter %+v: want signatures read and no max-count", f)
	}
	for code, keep := range map[string]bool{"G": true, "Y": true, "U": false, "B": false, "N": false, "": false} {
		le := LogEntry{Signature: signatureInfo(git.Signature{Code: code})}
		if got := q.matches(le); got != keep {
			t.Errorf("%q: kept %v, want %v", code, got, keep)
		}
	}
	if f, _ := (&LogQuery{}).gitFilter(time.Now()); f.Signatures {
		t.Error("signatures read when not asked for")
	}
}
