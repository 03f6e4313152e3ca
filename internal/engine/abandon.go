package engine

import "context"

// Abandon is for a command that stops on a bug in opsync (a panic): it
// releases what the plan still holds — its app leases on the remotes,
// then its repository locks — so that a crash does not leave the app
// leased to somebody who is no longer running anything. It is safe to call
// on a nil plan, more than once, and after After (which releases them
// itself); a failure while releasing is not allowed to end it early.
func (p *Plan) Abandon(ctx context.Context) {
	if p == nil {
		return
	}
	func() {
		defer func() { _ = recover() }()
		p.releaseLeases(context.WithoutCancel(ctx))
	}()
	for _, r := range p.repos {
		func() {
			defer func() { _ = recover() }()
			r.unlock()
		}()
	}
}
