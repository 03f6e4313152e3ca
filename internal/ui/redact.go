package ui

import (
	"strings"
)

// Redacted stands for the credentials taken out of a URL.
const Redacted = "<redacted>"

// RedactURL hides the credentials of a URL before opsync prints or stores
// it: secrets never enter opsync's messages. Like git, it treats all of
// the userinfo as secret, since forges take a token as the user name
// ("https://TOKEN@host/x.git" becomes "https://<redacted>@host/x.git",
// "https://alice:s3cret@host/x.git" too). The exception is ssh, whose user
// is a login name, not a credential, and says which key is used: only a
// password is hidden there ("ssh://alice@host/x" stays as it is,
// "ssh://alice:pw@host/x" becomes "ssh://alice:<redacted>@host/x"); the
// scp-like form "user@host:path" has no room for a password and stays.
//
// The URL is read by hand, not with net/url, so that a URL net/url cannot
// parse (a space in the token, a bad %-escape) is redacted all the same.
func RedactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !isScheme(scheme) {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return s
	}
	return scheme + "://" + redactUserinfo(scheme, rest[:at]) + rest[at:]
}

func redactUserinfo(scheme, userinfo string) string {
	switch strings.ToLower(scheme) {
	case "ssh", "git+ssh", "ssh+git":
		if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
			return user + ":" + Redacted
		}
		return userinfo
	}
	if userinfo == Redacted {
		return userinfo
	}
	return Redacted
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, "+", "-" and ".".
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}

// RedactURLs redacts, as RedactURL does, every URL found in text: git's
// command lines and messages that opsync quotes may hold the remote's URL.
// A URL ends at white space or a quote.
func RedactURLs(text string) string {
	if !strings.Contains(text, "://") {
		return text
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "://")
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeByte(text[start-1]) {
			start--
		}
		end := i + len("://")
		for end < len(text) && !strings.ContainsRune(" \t\r\n'\"`<>", rune(text[end])) {
			end++
		}
		// "<redacted>" itself holds '<' and '>': a URL already redacted
		// is passed over whole.
		if strings.HasPrefix(text[end:], Redacted+"@") {
			end += len(Redacted)
			for end < len(text) && !strings.ContainsRune(" \t\r\n'\"`<>", rune(text[end])) {
				end++
			}
		}
		b.WriteString(text[:start])
		if start < i {
			b.WriteString(RedactURL(text[start:end]))
		} else {
			b.WriteString(text[start:end])
		}
		text = text[end:]
	}
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// URLSecrets returns the parts of a URL's userinfo that RedactURL hides
// (the password, and but for ssh the user name too), so that a message
// quoting one of them outside the URL can be redacted as well.
func URLSecrets(s string) []string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !isScheme(scheme) {
		return nil
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return nil
	}
	user, pass, hasPass := strings.Cut(rest[:at], ":")
	var out []string
	if hasPass && pass != "" {
		out = append(out, pass)
	}
	if redactUserinfo(scheme, user) == Redacted && user != "" {
		out = append(out, user)
	}
	return out
}
