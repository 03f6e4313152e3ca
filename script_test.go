package opsync_test

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/opsync/internal/testsupport/scripttest"
)

// TestMain makes the test binary double as the programs scripts run:
// opsync, abra (the shim name) and fakeabra (internal/testsupport/scripttest).
func TestMain(m *testing.M) {
	testscript.Main(m, scripttest.Programs())
}

func TestScripts(t *testing.T) {
	testscript.Run(t, scripttest.Params("testdata/script"))
}
