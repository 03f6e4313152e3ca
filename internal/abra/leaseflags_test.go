package abra

import (
	"strings"
	"testing"
	"time"
)

func TestLeaseFlagsAreOpsyncs(t *testing.T) {
	cases := []struct {
		args      string
		rest      string
		lease     bool
		noLease   bool
		waitGiven bool
		wait      time.Duration
		err       string
	}{
		{args: "app deploy foo --lease -f", rest: "app deploy foo -f", lease: true},
		{args: "app deploy foo --no-lease", rest: "app deploy foo", noLease: true},
		{args: "app deploy --wait foo", rest: "app deploy foo", waitGiven: true},
		{args: "app deploy foo --wait=10m", rest: "app deploy foo", waitGiven: true, wait: 10 * time.Minute},
		{args: "app deploy foo --lease=false", rest: "app deploy foo"},
		{args: "app run foo app -- cmd --wait --lease", rest: "app run foo app -- cmd --wait --lease"},
		{args: "app deploy foo --wait=soon", err: "--wait takes a duration"},
		{args: "app deploy foo --lease --no-lease", err: "contradict"},
	}
	for _, c := range cases {
		rest, f, err := StripSyncFlags(strings.Fields(c.args))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.args, err)
			continue
		}
		if strings.Join(rest, " ") != c.rest || f.Lease != c.lease || f.NoLease != c.noLease || f.WaitGiven != c.waitGiven || f.Wait != c.wait {
			t.Errorf("%s: rest %q flags %+v", c.args, rest, f)
		}
	}
	// The command line's --wait wins over another source's.
	a := SyncFlags{WaitGiven: true, Wait: time.Minute}
	b := SyncFlags{WaitGiven: true, Wait: time.Hour, Lease: true}
	if m := a.Merge(b); m.Wait != time.Minute || !m.Lease {
		t.Errorf("merge: %+v", m)
	}
	if m := (SyncFlags{}).Merge(b); m.Wait != time.Hour || !m.WaitGiven {
		t.Errorf("merge: %+v", m)
	}
}
