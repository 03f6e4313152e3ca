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
}

// opsync's flag names, as typed on the abra command line.
const (
	FlagNoSync    = "--no-operator-sync"
	FlagNoLog     = "--no-operator-log"
	FlagForceSync = "--force-sync"
	FlagLease     = "--lease"
	FlagNoLease   = "--no-lease"
	FlagWait      = "--wait"
)

// StripSyncFlags removes opsync's flags from an abra command line and returns
// what is left, which is exactly what abra is given. Everything after a "--"
// belongs to abra (or to the command app run runs on the server) and is left
// alone. "--flag=false" is accepted, so scripts can pass a computed value.
func StripSyncFlags(args []string) (rest []string, f SyncFlags, err error) {
	rest = make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(a, "=")
		var target *bool
		switch name {
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
		Lease: f.Lease || o.Lease, NoLease: f.NoLease || o.NoLease, WaitGiven: f.WaitGiven, Wait: f.Wait}
	if !f.WaitGiven {
		m.WaitGiven, m.Wait = o.WaitGiven, o.Wait
	}
	return m
}
