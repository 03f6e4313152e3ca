package abra

import "sort"

// CommandLine renders a command abra has parsed itself (cobra's command
// path below abra, its positional arguments, ArgsLenAtDash and the flags
// set, by long name with pflag's string values) as a command line that
// Parse reads back as the same command: the embedded path (opsync.Command)
// then goes through the same table, redaction and decisions as the
// wrapper's. Positional arguments come first, then the flags in name
// order (a boolean that is true bare, as typed most often, anything else
// as --name=value, which pflag reads the same), then "--" and what came
// after it.
func CommandLine(path, args []string, argsLenAtDash int, flags map[string]string) []string {
	cmd := Root
	for _, w := range path {
		if cmd == nil {
			break
		}
		cmd = cmd.Lookup(w)
	}
	before := args
	var after []string
	if argsLenAtDash >= 0 && argsLenAtDash <= len(args) {
		before, after = args[:argsLenAtDash], args[argsLenAtDash:]
	}
	out := append(append([]string{}, path...), before...)
	names := make([]string, 0, len(flags))
	for n := range flags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := flags[n]
		switch {
		case v == "true" && (isSyncBool("--"+n) || (cmd != nil && findBool(cmd, n, 0))):
			out = append(out, "--"+n)
		case "--"+n == FlagWait && v == "":
			out = append(out, "--"+n)
		default:
			out = append(out, "--"+n+"="+v)
		}
	}
	if argsLenAtDash >= 0 {
		out = append(append(out, "--"), after...)
	}
	return out
}

func isSyncBool(name string) bool {
	switch name {
	case FlagNoSync, FlagNoLog, FlagForceSync, FlagLease, FlagNoLease:
		return true
	}
	return false
}
