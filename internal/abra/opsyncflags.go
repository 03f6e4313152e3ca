package abra

import (
	"fmt"
	"strings"
	"time"
)

// SyncFlags are opsync's own switches. They may appear anywhere in an abra
// command line (before a "--") and are removed before abra sees it.
type SyncFlags struct {
	NoSync    bool // --no-operator-sync: no pull, no push; still commit
	NoLog     bool // --no-operator-log: no commit either (implies NoSync)
	ForceSync bool // --force-sync: pull even within the cooldown
	Lease     bool // --lease: take an app lease even if not configured
	NoLease   bool // --no-lease: take none even if configured
	// Wait: --wait[=DURATION] waits for a lease someone else holds.
	// WaitGiven with Wait 0 is a bare --wait (the lease time to live).
	WaitGiven bool
	Wait      time.Duration
	// Reason: --reason TEXT says why, for the entry (body and an
	// Opsync-Reason trailer); the subject stays the command.
	Reason string
}

// opsync's flag names, as typed on the abra command line.
const (
	FlagNoSync    = "--no-operator-sync"
	FlagNoLog     = "--no-operator-log"
	FlagForceSync = "--force-sync"
	FlagLease     = "--lease"
	FlagNoLease   = "--no-lease"
	FlagWait      = "--wait"
	FlagReason    = "--reason"
)

// syncFlagNames are opsync's flags, for "did you mean".
var syncFlagNames = []string{FlagNoSync, FlagNoLog, FlagForceSync, FlagLease, FlagNoLease, FlagWait, FlagReason}

// StripSyncFlags removes opsync's flags from an abra command line and returns
// what is left, which is exactly what abra is given. Everything after a "--"
// belongs to abra (or to the command app run runs on the server) and is left
// alone. "--flag=false" is accepted, so scripts can pass a computed value.
func StripSyncFlags(args []string) (rest []string, f SyncFlags, err error) {
	rest = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(a, "=")
		var target *bool
		switch name {
		case FlagReason:
			if !hasVal {
				if i+1 >= len(args) || args[i+1] == "--" {
					return nil, f, fmt.Errorf("opsync flag --reason takes the reason as its value: --reason \"why you run this\"")
				}
				i++
				val = args[i]
			}
			if strings.TrimSpace(val) == "" {
				return nil, f, fmt.Errorf("opsync flag --reason was given an empty reason; say why, or leave the flag out")
			}
			f.Reason = val
			continue
		case FlagNoSync:
			target = &f.NoSync
		case FlagNoLog:
			target = &f.NoLog
		case FlagForceSync:
			target = &f.ForceSync
		case FlagLease:
			target = &f.Lease
		case FlagNoLease:
			target = &f.NoLease
		case FlagWait:
			f.WaitGiven, f.Wait = true, 0
			if hasVal {
				d, err := time.ParseDuration(val)
				if err != nil || d < 0 {
					return nil, f, fmt.Errorf("opsync flag --wait takes a duration like 90s or 10m, not %q; write --wait alone to wait up to the lease's time to live", val)
				}
				f.Wait = d
			}
			continue
		default:
			if near := nearSyncFlag(name); near != "" {
				return nil, f, fmt.Errorf("%s is neither an opsync flag nor one of abra's: did you mean %s? Nothing was run", name, near)
			}
			rest = append(rest, a)
			continue
		}
		on := true
		if hasVal {
			switch strings.ToLower(val) {
			case "true", "1", "yes":
			case "false", "0", "no":
				on = false
			default:
				return nil, f, fmt.Errorf("opsync flag %s takes true or false, not %q; write %s alone to switch it on", name, val, name)
			}
		}
		*target = on
	}
	if f.NoLog {
		f.NoSync = true
	}
	if f.Lease && f.NoLease {
		return nil, f, fmt.Errorf("opsync flags --lease and --no-lease contradict each other; give one")
	}
	return rest, f, nil
}

// SyncFlagsFromEnv reads the environment equivalents for scripts:
// OPSYNC=off (like --no-operator-sync), OPSYNC=nolog (like
// --no-operator-log), OPSYNC=on or unset (normal), and OPSYNC_FORCE_SYNC=1
// (like --force-sync).
func SyncFlagsFromEnv(getenv func(string) string) (SyncFlags, error) {
	var f SyncFlags
	switch v := strings.ToLower(strings.TrimSpace(getenv("OPSYNC"))); v {
	case "", "on", "1", "true":
	case "off", "nosync", "no-sync", "0", "false":
		f.NoSync = true
	case "nolog", "no-log":
		f.NoLog, f.NoSync = true, true
	default:
		return f, fmt.Errorf("the environment variable OPSYNC is %q, which opsync does not understand; "+
			"use OPSYNC=off (no pull or push, still log locally), OPSYNC=nolog (no sync and no log), or unset it", v)
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("OPSYNC_FORCE_SYNC"))); v {
	case "", "0", "false", "no":
	case "1", "true", "yes":
		f.ForceSync = true
	default:
		return f, fmt.Errorf("the environment variable OPSYNC_FORCE_SYNC is %q; use 1 to pull even within the cooldown, or unset it", v)
	}
	return f, nil
}

// Merge combines flags from two sources (command line and environment).
func (f SyncFlags) Merge(o SyncFlags) SyncFlags {
	m := SyncFlags{NoSync: f.NoSync || o.NoSync, NoLog: f.NoLog || o.NoLog, ForceSync: f.ForceSync || o.ForceSync,
		Lease: f.Lease || o.Lease, NoLease: f.NoLease || o.NoLease, WaitGiven: f.WaitGiven, Wait: f.Wait, Reason: f.Reason}
	if m.Reason == "" {
		m.Reason = o.Reason
	}
	if !f.WaitGiven {
		m.WaitGiven, m.Wait = o.WaitGiven, o.Wait
	}
	return m
}

// nearSyncFlag returns the opsync flag that name (a "--word" typed on the
// command line) is a near miss of — a typo such as --no-operator-snyc, which
// abra would otherwise be given, refuse, and have logged as a failure — or
// "" when it is not one. Names abra knows (any command's flag) are never
// near misses.
func nearSyncFlag(name string) string {
	if !strings.HasPrefix(name, "-") || len(name) < 4 {
		return ""
	}
	single := !strings.HasPrefix(name, "--")
	if single {
		if len(name) < 8 {
			return "" // -fC, -nof: clusters of abra's short flags
		}
		name = "-" + name // -no-operator-sync
	}
	if abraKnowsFlag(strings.TrimPrefix(name, "--")) {
		return ""
	}
	for _, f := range syncFlagNames {
		limit := 1
		if len(f) >= 10 {
			limit = 2
		}
		if d := editDistance(name, f); (d > 0 || single) && d <= limit {
			return f
		}
	}
	return ""
}

// abraKnowsFlag reports whether any abra command has a flag of that long
// name.
func abraKnowsFlag(long string) bool {
	for _, f := range Global {
		if f.Long == long {
			return true
		}
	}
	for _, f := range rootOnly {
		if f.Long == long {
			return true
		}
	}
	var walk func(c *Command) bool
	walk = func(c *Command) bool {
		for _, f := range c.Flags {
			if f.Long == long {
				return true
			}
		}
		for _, s := range c.Sub {
			if walk(s) {
				return true
			}
		}
		return false
	}
	return walk(Root)
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment) of two short ASCII words: a swap of two neighbours counts one.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
