package abra

import "strings"

// ResolveCommand reads a command as an operator names it ("deploy", "d",
// "app d", "abra app secret insert", "secret insert") and returns its
// canonical path ("app deploy"), resolved with the command table: first
// from the top ("server add"), then under "app", where most commands are.
// ok is false when it names no command. `opsync log --command` and the
// notify hooks' `when: commands:` read commands with it.
func ResolveCommand(s string) (path string, ok bool) {
	words := strings.Fields(s)
	if len(words) > 0 && words[0] == "abra" {
		words = words[1:]
	}
	if len(words) == 0 {
		return "", false
	}
	if p, ok := ResolvePath(words); ok {
		return strings.Join(p, " "), true
	}
	if p, ok := ResolvePath(append([]string{"app"}, words...)); ok {
		return strings.Join(p, " "), true
	}
	return "", false
}
