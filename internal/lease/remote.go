package lease

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"coopcloud.tech/opsync/internal/git"
)

// Empty tree ids: a lease commit holds no files.
const (
	emptyTreeSHA1   = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
	emptyTreeSHA256 = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"
)

// Remote is the leases of one git remote, worked on through one local
// repository.
type Remote struct {
	Git *git.Client
	// Name is the remote's name in the local repository ("origin").
	Name string
	// ObjectFormat is the repository's extensions.objectFormat ("" = sha1).
	ObjectFormat string
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// After is the timer of the same clock: a channel that receives once
	// d has passed by Now. It paces the heartbeat's renewals and the polls
	// of a held lease; nil = time.After. A test clock that jumps forward
	// gives both (so renewals happen when its time says, not the machine's).
	After func(d time.Duration) <-chan time.Time
	// Exclusive, when set, is called before each git process the lease
	// commands start, and the function it returns when the process has
	// ended: opsync takes the repository's lock there, so that no two
	// opsync processes run git on one repository at once, leases
	// included. It is not held between processes (while a held lease is
	// waited for, or abra runs). An error stops the command.
	Exclusive func(ctx context.Context) (release func(), err error)
}

// exclusive runs one git process of a lease command (the call of a
// method of r.Git that runs it), under Exclusive.
func (r *Remote) exclusive(ctx context.Context, gitProcess func() error) error {
	if r.Exclusive != nil {
		release, err := r.Exclusive(ctx)
		if err != nil {
			return err
		}
		defer release()
	}
	return gitProcess()
}

func (r *Remote) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Remote) after(d time.Duration) <-chan time.Time {
	if r.After != nil {
		return r.After(d)
	}
	return time.After(d)
}

func (r *Remote) emptyTree() string {
	if strings.EqualFold(r.ObjectFormat, "sha256") {
		return emptyTreeSHA256
	}
	return emptyTreeSHA1
}

// PullRefspec is the refspec a pull's fetch adds so that it brings the
// remote's leases too (into this repository's copies): every opsync learns
// who holds what with the pull it makes anyway, whatever its settings.
func PullRefspec(remote string) string { return "+" + RefPrefix + "*:" + copyPrefix + remote + "/*" }

// Copied reads the lease on an app from this repository's copy, as the
// last fetch that brought it left it (the caller knows it is fresh: the
// fetch listed it in FETCH_HEAD); nil when there is none.
func (r *Remote) Copied(ctx context.Context, server, app string) (*Lease, error) {
	ls, err := r.read(ctx, r.copyRef(server, app))
	if err != nil || len(ls) == 0 {
		return nil, err
	}
	return &ls[0], nil
}

// copyRef is this repository's copy of a remote lease ref.
func (r *Remote) copyRef(server, app string) string {
	return copyPrefix + r.Name + "/" + server + "/" + app
}

// HeldError means someone else holds the lease.
type HeldError struct {
	Holder Lease
	Waited time.Duration
}

func (e *HeldError) Error() string {
	h := e.Holder.Escaped()
	return fmt.Sprintf("%s on %s is leased by %s", h.App, h.Server, h.Holder())
}

// ErrLost means the lease is no longer ours: someone broke it, or took it
// over after it expired.
var ErrLost = errors.New("the lease is no longer held by this process")

// pushResult is the fate of one ref in a push.
type pushResult int

const (
	pushed  pushResult = iota
	stale              // the ref was not what we expected: someone else changed it
	refused            // the remote refused the ref for another reason
)

// push sets ref to src ("" deletes it) if the remote's ref is expect (""
// = must not exist): a compare-and-swap.
func (r *Remote) push(ctx context.Context, src, ref, expect string) (pushResult, error) {
	var o git.PushOutcome
	if err := r.exclusive(ctx, func() error {
		o = r.Git.PushCAS(ctx, r.Name, src, ref, expect)
		return nil
	}); err != nil {
		return refused, err
	}
	var ge *git.Error
	switch {
	case o.Err == nil:
		return pushed, nil
	case !errors.As(o.Err, &ge) || o.Kind == git.PushTimeout || !o.Refused:
		return refused, o.Err
	case o.Kind == git.PushRejected:
		return stale, nil
	}
	return refused, fmt.Errorf("the remote %s refused the lease ref %s: %s\n%w", r.Name, ref, strings.TrimSpace(o.Status), o.Err)
}

// commit makes the lease commit for l.
func (r *Remote) commit(ctx context.Context, l Lease) (string, error) {
	var id string
	err := r.exclusive(ctx, func() (err error) {
		id, err = r.Git.CommitTree(ctx, r.emptyTree(), l.Message())
		return err
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// Get reads the lease on an app; nil when there is none.
func (r *Remote) Get(ctx context.Context, server, app string) (*Lease, error) {
	ref, dst := Ref(server, app), r.copyRef(server, app)
	var err error
	for try := 0; try < 3; try++ {
		err = r.exclusive(ctx, func() error { return r.Git.FetchRefs(ctx, r.Name, "+"+ref+":"+dst, false) })
		// Another opsync of this repository updating the same copy at the
		// same moment makes git fail to lock it: read again.
		if err == nil || !strings.Contains(git.StderrOf(err), "lock") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		if strings.Contains(git.StderrOf(err), "couldn't find remote ref") {
			return nil, nil
		}
		return nil, err
	}
	ls, err := r.read(ctx, dst)
	if err != nil || len(ls) == 0 {
		return nil, err
	}
	return &ls[0], nil
}

// List reads every lease on the remote, oldest first.
func (r *Remote) List(ctx context.Context) ([]Lease, error) {
	err := r.exclusive(ctx, func() error {
		return r.Git.FetchRefs(ctx, r.Name, "+"+RefPrefix+"*:"+copyPrefix+r.Name+"/*", true)
	})
	if err != nil {
		return nil, err
	}
	return r.read(ctx, copyPrefix+r.Name+"/")
}

// read parses the local copies of lease refs under pattern.
func (r *Remote) read(ctx context.Context, pattern string) ([]Lease, error) {
	var out string
	err := r.exclusive(ctx, func() (err error) {
		out, err = r.Git.RefsWithMessages(ctx, pattern)
		return err
	})
	if err != nil {
		return nil, err
	}
	var ls []Lease
	fields := strings.Split(out, "\x00")
	for i := 0; i+1 < len(fields); i += 2 {
		id := strings.TrimSpace(fields[i])
		l, err := Parse(fields[i+1])
		if err != nil {
			continue // not a lease commit: someone else's ref; ignore it
		}
		l.Commit, l.Remote = id, r.Name
		ls = append(ls, l)
	}
	return ls, nil
}

// AcquireOptions say what to do when the lease is held.
type AcquireOptions struct {
	// Wait is how long to wait for a held lease; 0 refuses at once.
	Wait time.Duration
	// OnWait is called when waiting starts, and when the holder changes.
	OnWait func(holder Lease, wait time.Duration)
	// OnTakeover is called before an expired lease is taken over.
	OnTakeover func(expired Lease)
}

// Backoff between polls of a held lease: 1 s, doubling to 16 s.
const (
	firstPoll = time.Second
	maxPoll   = 16 * time.Second
)

// maxRaces bounds the attempts when the lease keeps changing under us (or
// the remote keeps refusing without anyone holding it).
const maxRaces = 8

// Acquire takes the lease described by want (ID, Server, App, holder,
// Command; Started and Expires are set from the clock and ttl). It
// returns *HeldError when someone else holds it and the wait is over.
func (r *Remote) Acquire(ctx context.Context, want Lease, ttl time.Duration, opt AcquireOptions) (*Held, error) {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	ref := Ref(want.Server, want.App)
	start := r.now()
	poll := firstPoll
	lastHolder := ""
	races := 0
	for {
		now := r.now().UTC().Truncate(time.Second) // as the message keeps it
		want.Started, want.Expires = now, now.Add(ttl)
		commit, err := r.commit(ctx, want)
		if err != nil {
			return nil, err
		}
		res, err := r.push(ctx, commit, ref, "")
		if err != nil {
			return nil, err
		}
		if res == pushed {
			want.Commit = commit
			return &Held{r: r, Lease: want, ttl: ttl}, nil
		}
		cur, err := r.Get(ctx, want.Server, want.App)
		if err != nil {
			return nil, err
		}
		if cur == nil { // released meanwhile: try again
			if races++; races > maxRaces {
				return nil, fmt.Errorf("the remote %s keeps refusing the lease ref %s", r.Name, ref)
			}
			continue
		}
		if cur.Expired(r.now()) {
			if opt.OnTakeover != nil {
				opt.OnTakeover(*cur)
			}
			res, err := r.push(ctx, commit, ref, cur.Commit)
			if err != nil {
				return nil, err
			}
			if res == pushed {
				want.Commit = commit
				return &Held{r: r, Lease: want, ttl: ttl, TookOver: cur}, nil
			}
			if races++; races > maxRaces {
				return nil, fmt.Errorf("the lease ref %s on %s keeps changing; try again", ref, r.Name)
			}
			continue
		}
		waited := r.now().Sub(start)
		if waited >= opt.Wait {
			return nil, &HeldError{Holder: *cur, Waited: waited}
		}
		next := min(poll, opt.Wait-waited)
		if cur.ID != lastHolder && opt.OnWait != nil {
			opt.OnWait(*cur, opt.Wait-waited)
		}
		lastHolder = cur.ID
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-r.after(next):
		}
		poll = min(2*poll, maxPoll)
	}
}

// Held is a lease this process holds.
type Held struct {
	r        *Remote
	ttl      time.Duration
	mu       sync.Mutex
	Lease    Lease
	TookOver *Lease // the expired lease taken over, if any
	lost     bool
}

// Renew pushes a new expiry (now + the lease's time to live), if the lease
// is still ours. ErrLost when it is not.
func (h *Held) Renew(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lost {
		return ErrLost
	}
	l := h.Lease
	now := h.r.now().UTC().Truncate(time.Second)
	l.Renewed, l.Expires = now, now.Add(h.ttl)
	commit, err := h.r.commit(ctx, l)
	if err != nil {
		return err
	}
	res, err := h.r.push(ctx, commit, Ref(l.Server, l.App), h.Lease.Commit)
	if err != nil {
		return err
	}
	if res != pushed {
		// A renewal whose answer was lost (a timeout after the remote took
		// it) leaves the ref at a commit of ours we do not know: still ours.
		if !h.stillOurs(ctx) {
			h.lost = true
			return ErrLost
		}
		if res, err = h.r.push(ctx, commit, Ref(l.Server, l.App), h.Lease.Commit); err != nil {
			return err
		}
		if res != pushed {
			h.lost = true
			return ErrLost
		}
	}
	l.Commit = commit
	h.Lease = l
	return nil
}

// stillOurs reads the lease ref and, when it holds our lease (same id, a
// renewal we did not hear back from), takes its commit as the current one.
// The caller holds h.mu.
func (h *Held) stillOurs(ctx context.Context) bool {
	cur, err := h.r.Get(ctx, h.Lease.Server, h.Lease.App)
	if err != nil || cur == nil || cur.ID != h.Lease.ID {
		return false
	}
	h.Lease.Commit = cur.Commit
	return true
}

// MinHeartbeat is the shortest interval Heartbeat renews at: a lease is
// written in whole seconds.
const MinHeartbeat = time.Second

// Heartbeat renews the lease every interval (at least MinHeartbeat) until
// stop is called (stop waits for a renewal under way). warn is told of
// failures; after ErrLost it stops renewing. A bug in a renewal stops the
// renewals and is told to warn; it does not end the program, which still
// has its log entry to write and the lease to release.
func (h *Held) Heartbeat(interval time.Duration, warn func(error)) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	interval = max(interval, MinHeartbeat)
	// A ticker on the lease's clock (Remote.Now, Remote.After): the
	// renewals are due every interval from now; those a slow renewal (or a
	// clock that jumps) has overtaken are dropped, as a time.Ticker drops
	// ticks. The first timer is set here, not in the goroutine, which may
	// start late: it runs from the moment the lease is held.
	next := h.r.now().Add(interval)
	tick := h.r.after(interval)
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil && warn != nil {
				warn(fmt.Errorf("renewing the lease stopped on a bug in opsync: %v", v))
			}
		}()
		for {
			select {
			case <-quit:
				return
			case <-tick:
				for now := h.r.now(); !next.After(now); {
					next = next.Add(interval)
				}
				err := h.Renew(ctx)
				if err != nil && warn != nil && ctx.Err() == nil {
					warn(err)
				}
				if errors.Is(err, ErrLost) {
					return
				}
				tick = h.r.after(next.Sub(h.r.now()))
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			// A renewal under way is let finish (each git process has its
			// time limit): stopped half-way, the remote might hold a renewal
			// whose commit this process never learnt.
			close(quit)
			<-done
			cancel()
		})
	}
}

// Release deletes the lease if it is still ours. ErrLost when it is not
// (someone broke it or took it over): their lease is left alone.
func (h *Held) Release(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lost {
		return ErrLost
	}
	res, err := h.r.push(ctx, "", Ref(h.Lease.Server, h.Lease.App), h.Lease.Commit)
	if err != nil {
		return err
	}
	if res != pushed && h.stillOurs(ctx) {
		res, err = h.r.push(ctx, "", Ref(h.Lease.Server, h.Lease.App), h.Lease.Commit)
		if err != nil {
			return err
		}
	}
	if res != pushed {
		h.lost = true
		return ErrLost
	}
	return nil
}

// WrongIDError means a break named a lease id that is not the current one.
type WrongIDError struct {
	Want    string
	Current Lease
}

func (e *WrongIDError) Error() string {
	c := e.Current.Escaped()
	return fmt.Sprintf("the lease on %s is %s, held by %s, not %s", c.App, c.ID, c.Holder(), e.Want)
}

// ErrNoLease means there is no lease to break.
var ErrNoLease = errors.New("no lease")

// Break deletes the lease on an app, but only if its id is id: nobody
// breaks a lease they have not looked at. It returns the lease broken.
func (r *Remote) Break(ctx context.Context, server, app, id string) (Lease, error) {
	for races := 0; ; races++ {
		cur, err := r.Get(ctx, server, app)
		if err != nil {
			return Lease{}, err
		}
		if cur == nil {
			return Lease{}, ErrNoLease
		}
		if cur.ID != id {
			return Lease{}, &WrongIDError{Want: id, Current: *cur}
		}
		res, err := r.push(ctx, "", Ref(server, app), cur.Commit)
		if err != nil {
			return Lease{}, err
		}
		if res == pushed {
			return *cur, nil
		}
		if races >= maxRaces {
			return Lease{}, fmt.Errorf("the lease ref %s on %s keeps changing; try again", Ref(server, app), r.Name)
		}
		// Renewed meanwhile (same id, new commit): look again.
	}
}
