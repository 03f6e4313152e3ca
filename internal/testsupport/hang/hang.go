// Package hang provides, for tests, a remote that hangs: a TCP listener on
// 127.0.0.1 that accepts every connection and never answers, as a server
// whose process is stuck or a firewall that swallows packets after the
// handshake would.
package hang

import (
	"net"
	"sync"
)

// Listen starts the server. It returns its host:port, and a function that
// closes the listener and every connection it accepted.
func Listen() (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	stop = func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	return ln.Addr().String(), stop, nil
}
