package git

import "testing"

func TestParseVersion(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Version
		ok   bool
	}{
		{"git version 2.39.5\n", Version{Major: 2, Minor: 39, Patch: 5}, true},
		{"git version 2.39.3 (Apple Git-146)", Version{Major: 2, Minor: 39, Patch: 3}, true},
		{"git version 2.45.1.windows.1", Version{Major: 2, Minor: 45, Patch: 1}, true},
		{"git version 2.46.rc0", Version{Major: 2, Minor: 46}, true},
		{"git version 3.0", Version{Major: 3}, true},
		{"hub version 2.14", Version{}, false},
		{"git version x.y", Version{}, false},
	} {
		got, err := ParseVersion(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseVersion(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		got.Text = ""
		if got != tt.want {
			t.Errorf("ParseVersion(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestVersionAtLeast(t *testing.T) {
	for _, tt := range []struct {
		v    Version
		want bool
	}{
		{Version{Major: 2, Minor: 25}, true},
		{Version{Major: 2, Minor: 24, Patch: 9}, false},
		{Version{Major: 2, Minor: 39, Patch: 5}, true},
		{Version{Major: 1, Minor: 99}, false},
		{Version{Major: 3}, true},
	} {
		if got := tt.v.AtLeast(MinVersion); got != tt.want {
			t.Errorf("%v.AtLeast(%v) = %v, want %v", tt.v, MinVersion, got, tt.want)
		}
	}
}
