package cli

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

func TestLazySignalContextStoppedBeforeUseIsCancelled(t *testing.T) {
	ctx, stop := lazyInterruptible()
	if err := ctx.Err(); err != nil {
		t.Fatalf("Err before any use = %v, want nil", err)
	}
	stop()
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Err after stop = %v, want context.Canceled", err)
	}
	select {
	case <-ctx.Done():
	default:
		t.Fatal("Done is not closed after stop: a git process started with it would run on")
	}
	// What is derived from it is cancelled too, as from a stopped
	// signal.NotifyContext's.
	child, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	if !errors.Is(child.Err(), context.Canceled) {
		t.Fatalf("derived context's Err = %v, want context.Canceled", child.Err())
	}
}

func TestLazySignalContextCancelledBySignalOnceWaitedOn(t *testing.T) {
	// The test catches SIGHUP itself too, so that it fails instead of
	// dying if the context did not arm its own handling.
	own := make(chan os.Signal, 1)
	signal.Notify(own, syscall.SIGHUP)
	defer signal.Stop(own)
	ctx, stop := lazyInterruptible()
	defer stop()
	derived, cancel := context.WithCancel(ctx) // what exec.CommandContext and the lock wait do: Done
	defer cancel()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-derived.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGHUP did not cancel the context that was waited on")
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("Err after the signal = %v, want context.Canceled", ctx.Err())
	}
}
