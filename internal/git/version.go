package git

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Version is a git version, as `git --version` prints it.
type Version struct {
	Major, Minor, Patch int
	Text                string // the whole line, e.g. "git version 2.39.5"
}

// MinVersion is the oldest git opsync works with: it relies on `git fetch`
// then `git merge --ff`, `git commit --only`, `git push --porcelain
// --force-with-lease=ref:expect` and `git status --porcelain=v2 -z`, all
// older than this, and 2.25 is what the oldest supported Debian and Ubuntu
// releases ship. Newer options are not used (TestNoOptionNewerThanMinVersion):
// what they do is asked for with a -c setting, which an older git ignores.
var MinVersion = Version{Major: 2, Minor: 25}

func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// AtLeast reports whether v is the same as or newer than min.
func (v Version) AtLeast(min Version) bool {
	if v.Major != min.Major {
		return v.Major > min.Major
	}
	if v.Minor != min.Minor {
		return v.Minor > min.Minor
	}
	return v.Patch >= min.Patch
}

// ParseVersion reads the output of `git --version`: "git version 2.39.5",
// "git version 2.39.3 (Apple Git-146)", "git version 2.45.1.windows.1".
func ParseVersion(out string) (Version, error) {
	line := strings.TrimSpace(out)
	rest, ok := strings.CutPrefix(line, "git version ")
	if !ok {
		return Version{}, fmt.Errorf("cannot read git's version from %q", line)
	}
	if f := strings.Fields(rest); len(f) > 0 {
		rest = f[0]
	}
	parts := strings.Split(rest, ".")
	v := Version{Text: line}
	nums := []*int{&v.Major, &v.Minor, &v.Patch}
	for i := 0; i < len(nums) && i < len(parts); i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			if i < 2 {
				return Version{}, fmt.Errorf("cannot read git's version from %q", line)
			}
			break // "2.45.rc0": the patch level does not matter
		}
		*nums[i] = n
	}
	if len(parts) < 2 {
		return Version{}, fmt.Errorf("cannot read git's version from %q", line)
	}
	return v, nil
}

// Version runs `git --version`.
func (c *Client) Version(ctx context.Context) (Version, error) {
	out, err := c.run(ctx, "--version")
	if err != nil {
		return Version{}, err
	}
	return ParseVersion(out)
}
