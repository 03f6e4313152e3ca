package ui

import (
	"net/url"
	"strings"
)

// RedactURL hides the password or token of a URL
// ("https://alice:s3cret@host/x.git" becomes
// "https://alice:<redacted>@host/x.git") before opsync prints it: secrets
// never enter opsync's messages.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	u.User = url.UserPassword(u.User.Username(), "REDACTED")
	return strings.Replace(u.String(), ":REDACTED@", ":<redacted>@", 1)
}
