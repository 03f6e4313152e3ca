// Command fake-abra is the stand-in abra used by opsync's end-to-end tests
// and demo; build it as a binary named "abra". See package fakeabra.
package main

import "coopcloud.tech/opsync/internal/testsupport/fakeabra"

func main() { fakeabra.Main() }
