package lease

import "context"

// Local reads the leases of the remote as this repository's copies hold
// them (what the last pull or `opsync lease ls` fetched), without
// contacting the remote, oldest first. A pull does not prune the copies:
// a lease released since the last `opsync lease ls` may still be listed
// (the pull's FETCH_HEAD names the leases the remote had then).
func (r *Remote) Local(ctx context.Context) ([]Lease, error) {
	return r.read(ctx, copyPrefix+r.Name+"/")
}
