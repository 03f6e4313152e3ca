package engine

import (
	"strings"
	"testing"
	"time"
)

func TestParseLogTime(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, berlin)
	cases := []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"now", false, now},
		{"today", false, time.Date(2026, 11, 25, 0, 0, 0, 0, berlin)},
		{"today", true, time.Date(2026, 11, 25, 23, 59, 59, 0, berlin)},
		{"yesterday", false, time.Date(2026, 11, 24, 0, 0, 0, 0, berlin)},
		{"Yesterday", true, time.Date(2026, 11, 24, 23, 59, 59, 0, berlin)},
		{"2026-11-01", false, time.Date(2026, 11, 1, 0, 0, 0, 0, berlin)},
		{"2026-11-01", true, time.Date(2026, 11, 1, 23, 59, 59, 0, berlin)},
		{"2026-11-01 14:02", true, time.Date(2026, 11, 1, 14, 2, 0, 0, berlin)},
		{"2026-11-01T14:02:05", false, time.Date(2026, 11, 1, 14, 2, 5, 0, berlin)},
		{"2026-11-01T14:02:05Z", false, time.Date(2026, 11, 1, 14, 2, 5, 0, time.UTC)},
		{"2026-11-01t14:02:05+02:00", false, time.Date(2026, 11, 1, 12, 2, 5, 0, time.UTC)},
		{"3 days ago", false, now.AddDate(0, 0, -3)},
		{"3 days", false, now.AddDate(0, 0, -3)},
		{"1 day ago", false, now.AddDate(0, 0, -1)},
		{"2.weeks", false, now.AddDate(0, 0, -14)},
		{"2.weeks.ago", false, now.AddDate(0, 0, -14)},
		{"90 minutes ago", false, now.Add(-90 * time.Minute)},
		{"1 hour", false, now.Add(-time.Hour)},
		{"6 months ago", false, now.AddDate(0, -6, 0)},
		{"1 year", false, now.AddDate(-1, 0, 0)},
		{"36h", false, now.Add(-36 * time.Hour)},
		{"10m", false, now.Add(-10 * time.Minute)},
	}
	for _, c := range cases {
		got, err := ParseLogTime(c.in, now, c.end)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("%q (end=%v) = %s, want %s", c.in, c.end, got, c.want)
		}
	}
}

func TestParseLogTimeRefusesWhatGitWouldReadAsNow(t *testing.T) {
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	for _, in := range []string{"", "garbage", "last blue moon", "3 fortnights", "2026-13-01", "-5m", "tomorrow"} {
		if got, err := ParseLogTime(in, now, false); err == nil {
			t.Errorf("%q was read as %s", in, got)
		} else if !strings.Contains(err.Error(), "cannot read") {
			t.Errorf("%q: unhelpful error %v", in, err)
		}
	}
}
