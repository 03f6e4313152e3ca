package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/lease"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/internal/ui"
)

// heldLease is a lease a plan holds while its command runs.
type heldLease struct {
	r    *repo
	held *lease.Held
	stop func() // stops its heartbeat
}

// leaseWanted: the command changes a server and leasing is on for it:
// --lease, the operator's abra.yml, or the team file of a repository it
// logs to.
func (p *scope) leaseWanted() bool {
	if !p.Active || !p.Modifies || p.edits || p.Flags.NoLease {
		return false
	}
	return p.Flags.Lease || p.leaseSettings().Lease
}

// Lease reports whether Before takes app leases.
func (p *scope) Lease() bool { return p.leaseWanted() && p.syncAllowed() }

// leaseSettings are the lease settings in effect: those of the repository
// the command's (first) entry goes to, team file included; else, of any
// repository in scope with leasing on; else the operator's own.
func (p *scope) leaseSettings() config.Settings {
	if len(p.Targets) > 0 {
		return p.Targets[0].repo.settings
	}
	for _, r := range p.sortedRepos(nil) {
		if r.settings.Lease {
			return r.settings
		}
	}
	if p.Config == nil {
		return config.DefaultSettings()
	}
	return p.Config.Settings
}

func (p *scope) leaseWait() time.Duration {
	s := p.leaseSettings()
	switch {
	case p.Flags.WaitGiven && p.Flags.Wait == 0:
		return s.LeaseTTL
	case p.Flags.WaitGiven:
		return p.Flags.Wait
	}
	return s.LeaseWait
}

// warnNoLease says why a configured lease is not taken.
func (run *Run) warnNoLease() {
	why := "--no-operator-sync"
	if run.Inv.Offline() {
		why = "--offline"
	}
	run.e.warn("no lease taken on %s (%s): teammates are not told that you are changing it", run.App(), why)
}

// takeLeases takes a lease on every app the command logs, on its
// repository's remote, before abra runs. Leases already held are kept.
// On error every lease taken is released.
func (run *Run) takeLeases(ctx context.Context) error {
	seen := map[string]bool{}
	for _, l := range run.leases {
		seen[l.r.r.WorkTree+"\x00"+l.held.Lease.Server+"\x00"+l.held.Lease.App] = true
	}
	for _, t := range run.Targets {
		key := t.repo.r.WorkTree + "\x00" + t.Server + "\x00" + t.App
		if seen[key] || t.App == "" || t.Server == "" {
			continue
		}
		seen[key] = true
		h, err := run.takeLease(ctx, t)
		if err != nil {
			run.releaseLeases(ctx)
			return err
		}
		if h != nil {
			run.leases = append(run.leases, h)
		}
	}
	return nil
}

func (run *Run) takeLease(ctx context.Context, t *Target) (*heldLease, error) {
	r := t.repo
	rm, err := r.leaseRemote(ctx)
	if err != nil {
		return nil, refuse(ExitSyncFailed, "cannot take a lease on %s, so abra was not run: %v\nTo run it without a lease, add --no-lease.", t.App, err)
	}
	if rm == nil {
		run.e.warn("no lease taken on %s: %s has no remote to keep it on", t.App, r.name())
		return nil, nil
	}
	if err := lease.CheckName(t.Server, t.App); err != nil {
		return nil, refuse(ExitUsage, "cannot take a lease on %s: %v. Add --no-lease to run the command without one", t.App, err)
	}
	s := t.repo.settings
	want := lease.Lease{ID: lease.NewID(), Server: t.Server, App: t.App, Operator: run.ident, Host: run.e.o.Host,
		PID: os.Getpid(), Command: run.Line}
	now := run.e.o.Now
	h, err := rm.Acquire(ctx, want, s.LeaseTTL, lease.AcquireOptions{
		Wait: run.leaseWait(),
		OnWait: func(holder lease.Lease, left time.Duration) {
			holder = holder.Escaped()
			run.e.event(EventWaitingForLease, "waiting for the lease on %s: %s is running `%s` since %s; waiting up to %s more",
				t.App, holder.Holder(), holder.Command, lease.Clock(holder.Started, now()), left.Round(time.Second))
		},
		OnTakeover: func(old lease.Lease) {
			old = old.Escaped()
			run.e.event(EventLeaseTakenOver, "the lease of %s on %s (id %s, `%s` since %s) expired at %s, so its opsync has probably stopped; taking it over",
				old.Holder(), t.App, old.ID, old.Command, lease.Clock(old.Started, now()), lease.Clock(old.Expires, now()))
		},
	})
	var he *lease.HeldError
	switch {
	case errors.As(err, &he):
		return nil, run.heldRefusal(t, he)
	case err != nil:
		advice := r.remoteAdvice(err)
		if advice != "" {
			advice += "\n"
		}
		return nil, refuse(ExitSyncFailed, "could not take the lease on %s at %s, so abra was not run:\n%s\n%s"+
			"To run it without a lease, add --no-lease (teammates are then not told).", t.App, r.target(), git.Indent(err.Error()), advice)
	}
	return &heldLease{r: r, held: h}, nil
}

// heldRefusal is the error for a lease someone else holds: who, doing
// what, since and until when, and the two ways out.
func (run *Run) heldRefusal(t *Target, he *lease.HeldError) error {
	h, now := he.Holder.Escaped(), run.e.o.Now()
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s is leased to %s, running `%s` since %s; the lease (id %s) expires at %s unless renewed. ",
		h.App, h.Server, h.Holder(), h.Command, lease.Clock(h.Started, now), h.ID, lease.Clock(h.Expires, now))
	if he.Waited > time.Second && run.leaseWait() > 0 {
		fmt.Fprintf(&b, "Waited %s for it; ", he.Waited.Round(time.Second))
	}
	b.WriteString("abra was not run.\n")
	wait := "--wait"
	if !run.Lease() {
		wait = "--lease --wait" // a lease of its own is what it waits for
	}
	fmt.Fprintf(&b, "Wait for it: add %s (up to %s) or %s=DURATION.\n", wait, run.leaseSettings().LeaseTTL, wait)
	fmt.Fprintf(&b, "Or, if that command is surely no longer running: `opsync lease break %s --id %s`.", h.App, h.ID)
	return refuse(ExitSyncFailed, "%s", b.String())
}

// honourLeases refuses a modifying command that takes no lease itself
// (leasing is off for it) on an app someone holds a lease on: a lease is
// honoured by every opsync, whatever its settings. The pull before the
// command fetched the remote's leases along with the branch (FETCH_HEAD
// lists them), so this starts no git process unless the app is leased.
func (run *Run) honourLeases(ctx context.Context) error {
	now := run.e.o.Now()
	for _, t := range run.Targets {
		r := t.repo
		if r == nil || !r.pullBefore || lease.CheckName(t.Server, t.App) != nil {
			continue
		}
		want := "'" + lease.Ref(t.Server, t.App) + "' of "
		listed := false
		for _, f := range r.r.FetchHead() {
			listed = listed || strings.HasPrefix(f.Desc, want)
		}
		if !listed {
			continue
		}
		rm, err := r.leaseRemote(ctx)
		if err != nil || rm == nil {
			continue
		}
		l, err := rm.Copied(ctx, t.Server, t.App)
		if err != nil || l == nil || l.Expired(now) {
			continue
		}
		if run.Flags.NoLease {
			run.e.warn("%s on %s is leased to %s, running `%s`; --no-lease runs abra anyway", ui.Escape(l.App), ui.Escape(l.Server),
				l.Escaped().Holder(), l.Escaped().Command)
			continue
		}
		return run.heldRefusal(t, &lease.HeldError{Holder: *l})
	}
	return nil
}

// startHeartbeats renews the plan's leases while abra runs, every third
// of their time to live.
func (run *Run) startHeartbeats() {
	every := run.leaseSettings().LeaseTTL / 3
	for _, l := range run.leases {
		app := l.held.Lease.App
		warned := false
		l.stop = l.held.Heartbeat(every, func(err error) {
			if errors.Is(err, lease.ErrLost) {
				run.e.warn("your lease on %s was broken or taken over while abra ran; someone else may be changing it too (`opsync lease ls`)", app)
				return
			}
			if !warned {
				warned = true
				run.e.warn("could not renew the lease on %s (it expires at %s): %v", app,
					lease.Clock(l.held.Lease.Expires, run.e.o.Now()), firstLine(err.Error()))
			}
		})
	}
}

func (run *Run) stopHeartbeats() {
	for _, l := range run.leases {
		if l.stop != nil {
			l.stop()
			l.stop = nil
		}
	}
}

// releaseLeases deletes the plan's leases on their remotes. It is called
// when the command is over: after the log entry is pushed, and also when
// the push failed (the entry is then local and reported; the lease says
// someone is changing the app, which is no longer so) or abra did not run.
func (run *Run) releaseLeases(ctx context.Context) {
	run.stopHeartbeats()
	ctx = context.WithoutCancel(ctx)
	for _, l := range run.leases {
		err := l.held.Release(ctx)
		switch {
		case errors.Is(err, lease.ErrLost):
			run.e.warn("your lease on %s had been broken or taken over; the current one is left alone", l.held.Lease.App)
		case err != nil:
			run.e.warn("could not release the lease on %s (it expires by itself at %s): %s", l.held.Lease.App,
				lease.Clock(l.held.Lease.Expires, run.e.o.Now()), firstLine(git.StderrOf(err)+"\n"+err.Error()))
		}
	}
	run.leases = nil
}

// leaseRemote is the repository's remote as a lease store; nil when the
// repository has no remote.
func (r *repo) leaseRemote(ctx context.Context) (*lease.Remote, error) {
	remote, _, err := r.upstream(ctx)
	if err != nil || remote == "" {
		return nil, err
	}
	cfg, err := r.r.LoadConfig(ctx, r.c)
	if err != nil {
		return nil, err
	}
	return &lease.Remote{Git: r.c, Name: remote, ObjectFormat: cfg.Get("extensions.objectformat"), Now: r.e.o.Now,
		After: r.e.o.After, Exclusive: r.exclusiveGit}, nil
}

// RepoLeases are the leases on one repository's remote.
type RepoLeases struct {
	Repo   string        `json:"repo"`
	Remote string        `json:"remote,omitempty"` // "" when the repository has no remote
	Leases []lease.Lease `json:"leases"`
	Err    error         `json:"-"`
}

// repos returns the git repositories Repos lists (those holding a server
// directory), with the configuration, for the lease commands.
func (e *Engine) repos() ([]*repo, *config.Config, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	all, err := e.ReposIn(cfg)
	if err != nil {
		return nil, cfg, err
	}
	var out []*repo
	for _, rp := range all {
		if rp.Git {
			out = append(out, rp.r)
		}
	}
	return out, cfg, nil
}

// ListLeases reads the leases on the remote of every repository holding a
// server directory (one fetch of the lease refs per remote). A remote that
// cannot be read is reported in its RepoLeases.Err.
func (e *Engine) ListLeases(ctx context.Context) ([]RepoLeases, error) {
	rs, _, err := e.repos()
	if err != nil {
		return nil, err
	}
	var out []RepoLeases
	for _, r := range rs {
		out = append(out, r.leases(ctx))
	}
	return out, nil
}

// LeasesWanted reports whether leasing is on for the repository, so that
// status shows its leases without being asked.
func (rp *Repository) LeasesWanted() bool { return rp.Git && rp.SyncOn && rp.r.settings.Lease }

// AddLeases reads the repository's leases into its status (one fetch of the
// lease refs from the remote).
func (rp *Repository) AddLeases(ctx context.Context, st *RepoStatus) {
	if !rp.Git {
		return
	}
	rl := rp.r.leases(ctx)
	st.Leases = rl.Leases
	if rl.Err != nil {
		st.LeasesError = firstLine(git.StderrOf(rl.Err) + "\n" + rl.Err.Error())
		st.Problems = append(st.Problems, "cannot read the app leases on the remote: "+st.LeasesError)
	}
}

func (r *repo) leases(ctx context.Context) RepoLeases {
	rl := RepoLeases{Repo: r.r.WorkTree, Leases: []lease.Lease{}}
	rm, err := r.leaseRemote(ctx)
	if err == nil && rm != nil {
		rl.Remote = rm.Name
		var ls []lease.Lease
		ls, err = rm.List(ctx)
		if ls != nil {
			rl.Leases = ls
		}
	}
	rl.Err = err
	return rl
}

// BreakLease deletes the lease on app if its id is id. server may be ""
// when the app's env file is in a local server directory.
func (e *Engine) BreakLease(ctx context.Context, app, server, id string) (lease.Lease, string, error) {
	rs, cfg, err := e.repos()
	if err != nil {
		return lease.Lease{}, "", err
	}
	if server == "" {
		apps, err := servers.Layout{AbraDir: cfg.AbraDir}.FindApp(app)
		if err != nil {
			return lease.Lease{}, "", refuse(ExitConfig, "%v", err)
		}
		if len(apps) == 1 {
			server = apps[0].Server.Name
		}
	}
	var tried []string
	for _, r := range rs {
		rm, err := r.leaseRemote(ctx)
		if err != nil || rm == nil {
			continue
		}
		cands := []string{server}
		if server == "" {
			ls, err := rm.List(ctx)
			if err != nil {
				return lease.Lease{}, "", refuse(ExitSyncFailed, "cannot read the leases at %s:\n%s", r.target(), git.Indent(err.Error()))
			}
			cands = nil
			for _, l := range ls {
				if l.App == app {
					cands = append(cands, l.Server)
				}
			}
		}
		for _, srv := range cands {
			got, err := rm.Break(ctx, srv, app, id)
			var we *lease.WrongIDError
			switch {
			case err == nil:
				return got, r.target(), nil
			case errors.As(err, &we):
				return lease.Lease{}, "", refuse(ExitUsage, "refusing to break the lease on %s: its id is %s (held by %s, running `%s` since %s), not %s. "+
					"Look at it with `opsync lease ls`, and break it by its id if that command is surely no longer running",
					app, we.Current.Escaped().ID, we.Current.Escaped().Holder(), we.Current.Escaped().Command, lease.Clock(we.Current.Started, e.o.Now()), id)
			case errors.Is(err, lease.ErrNoLease):
				tried = append(tried, r.target())
			default:
				return lease.Lease{}, "", refuse(ExitSyncFailed, "could not break the lease on %s at %s:\n%s", app, r.target(), git.Indent(err.Error()))
			}
		}
	}
	where := "any remote"
	if len(tried) > 0 {
		where = strings.Join(tried, ", ")
	}
	return lease.Lease{}, "", refuse(ExitUsage, "there is no lease on %s at %s (`opsync lease ls` lists them)", app, where)
}
