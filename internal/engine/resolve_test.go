package engine

import "testing"

// The resolver's writers of the version line are the command table's
// (abra.Command.WritesVersion), undeploy included, as the stand-in abra.
func TestWritesVersionFromTable(t *testing.T) {
	for path, want := range map[string]bool{
		"app deploy": true, "app upgrade": true, "app rollback": true, "app undeploy": true,
		"app restart": false, "app secret generate": false, "app new": false, "app nosuch": false,
	} {
		if got := writesVersion(path); got != want {
			t.Errorf("writesVersion(%q) = %v, want %v", path, got, want)
		}
	}
}
