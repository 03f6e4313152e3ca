//go:build !unix

package fakeabra

import "sync"

// Without flock the fake only serialises updates within one process.
var processLock sync.Mutex

func lockFile(string) (unlock func(), err error) {
	processLock.Lock()
	return processLock.Unlock, nil
}
