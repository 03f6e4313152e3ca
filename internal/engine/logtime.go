package engine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// relativeTime matches "3 days ago", "3 days", "3days", and git's dotted
// "2.weeks" / "2.weeks.ago".
// It is compiled on first use, not when the program starts: only
// `opsync log --since/--until` needs it (docs/benchmarks.md, the floor).
var relativeTime = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+)[ .]?([a-z]+?)s?(?:[ .]ago)?$`) })

var timeUnits = map[string]func(time.Time, int) time.Time{
	"second": func(t time.Time, n int) time.Time { return t.Add(-time.Duration(n) * time.Second) },
	"sec":    func(t time.Time, n int) time.Time { return t.Add(-time.Duration(n) * time.Second) },
	"minute": func(t time.Time, n int) time.Time { return t.Add(-time.Duration(n) * time.Minute) },
	"min":    func(t time.Time, n int) time.Time { return t.Add(-time.Duration(n) * time.Minute) },
	"hour":   func(t time.Time, n int) time.Time { return t.Add(-time.Duration(n) * time.Hour) },
	"day":    func(t time.Time, n int) time.Time { return t.AddDate(0, 0, -n) },
	"week":   func(t time.Time, n int) time.Time { return t.AddDate(0, 0, -7*n) },
	"month":  func(t time.Time, n int) time.Time { return t.AddDate(0, -n, 0) },
	"year":   func(t time.Time, n int) time.Time { return t.AddDate(-n, 0, 0) },
}

// ParseLogTime reads the time of a --since or --until flag, relative to
// now and in now's time zone:
//
//   - RFC 3339: 2026-11-25T14:02:00Z, 2026-11-25T14:02:00+01:00
//   - a local date and time: 2026-11-25 14:02, 2026-11-25T14:02:05
//   - a date: 2026-11-25, or today, yesterday — its start, or, when end
//     is set (--until), its end, so a day given to both flags is included
//     whole
//   - a time ago: 3 days ago, 3 days, 2.weeks, 2.weeks.ago, 90 minutes,
//     1 year; or a Go duration: 36h, 90m
//   - now
//
// Anything else is an error: git would read an unknown word as "now" and
// quietly show the wrong entries.
func ParseLogTime(s string, now time.Time, end bool) (time.Time, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	loc := now.Location()
	day := func(t time.Time) time.Time {
		start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		if end {
			return start.AddDate(0, 0, 1).Add(-time.Second)
		}
		return start
	}
	switch v {
	case "now":
		return now, nil
	case "today":
		return day(now), nil
	case "yesterday":
		return day(now.AddDate(0, 0, -1)), nil
	}
	if t, err := time.Parse(time.RFC3339, strings.ToUpper(v)); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return day(t), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02t15:04", "2006-01-02t15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	if m := relativeTime().FindStringSubmatch(v); m != nil {
		if back, ok := timeUnits[m[2]]; ok {
			n, err := strconv.Atoi(m[1])
			if err == nil {
				return back(now, n), nil
			}
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time; give a date (2026-11-25, today, yesterday), "+
		"a date and time (2026-11-25 14:02, or RFC 3339 like 2026-11-25T14:02:00Z) or a time ago (3 days ago, 2.weeks, 36h)", s)
}
