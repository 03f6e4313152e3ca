package fakeabra

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// ---- output helpers ------------------------------------------------------

func (c *ctx) table(headers []string, rows [][]string) {
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(headers, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

func (c *ctx) printJSON(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.env.Stdout, "%s\n", data)
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// ---- deploy, upgrade, rollback -------------------------------------------

func latest(recipe string, versions []string) (string, error) {
	if len(versions) == 0 {
		return "", fmt.Errorf("no published versions of recipe %s", recipe)
	}
	return versions[len(versions)-1], nil
}

// checkVersion accepts a published version, or a git hash as abra does.
func checkVersion(recipe, version string, versions []string) error {
	if slices.Contains(versions, version) || gitHashRE.MatchString(version) {
		return nil
	}
	return fmt.Errorf("%s is not a known version of recipe %s (versions: %s)",
		version, recipe, strings.Join(versions, ", "))
}

// chooseVersion picks the version a deploy, upgrade or rollback goes to.
func (c *ctx) chooseVersion(kind string, env envInfo, versions []string, current string) (string, error) {
	explicit, chaos := c.arg(1), c.flag("chaos")
	switch {
	case explicit != "" && chaos:
		return explicit, nil
	case explicit != "":
		return explicit, checkVersion(env.Recipe, explicit, versions)
	case chaos:
		return c.chaosVersion(), nil
	}
	switch kind {
	case "deploy":
		if env.Version != "" && !c.flag("ignore-env-version") {
			return env.Version, nil
		}
		return latest(env.Recipe, versions)
	case "upgrade":
		return latest(env.Recipe, versions)
	default: // rollback
		if current == "" {
			current = env.Version
		}
		i := slices.Index(versions, current)
		switch {
		case current == "":
			return "", fmt.Errorf("cannot roll back: no current version known for this app")
		case i < 0:
			return "", fmt.Errorf("cannot roll back: %s is not a known version of recipe %s", current, env.Recipe)
		case i == 0:
			return "", fmt.Errorf("no available downgrades: %s is the oldest version of recipe %s", current, env.Recipe)
		}
		return versions[i-1], nil
	}
}

func runDeploy(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	kind := c.inv.cmd.name
	env, err := readEnv(app.Path)
	if err != nil {
		return c.fatalf("%v", err)
	}
	if env.Recipe == "" {
		return c.fatalf("no TYPE or RECIPE defined in %s", app.Path)
	}
	versions, err := c.recipeVersions(env.Recipe)
	if err != nil {
		return c.fatalf("%v", err)
	}
	current, status := "", statusUndeployed
	if st := c.peekState(app.Server, app.Name); st != nil {
		current, status = st.Version, st.Status
	}
	target, err := c.chooseVersion(kind, env, versions, current)
	if err != nil {
		return c.fatalf("%v", err)
	}
	if kind == "upgrade" && c.flag("releasenotes") {
		return c.perform(nil, func() error {
			fmt.Fprintf(c.env.Stdout, "release notes for %s %s:\n  (fake abra has no release notes)\n", env.Recipe, target)
			return nil
		})
	}
	confirm := func() error {
		w := c.env.Stderr
		fmt.Fprintf(w, "%s OVERVIEW\n", strings.ToUpper(kind))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "SERVER\t%s\nDOMAIN\t%s\nRECIPE\t%s\nENV VERSION\t%s\nDEPLOYED\t%s (%s)\nNEW DEPLOYMENT\t%s\n",
			app.Server, app.Name, env.Recipe, orUnknown(env.Version), orUnknown(current), status, target)
		tw.Flush()
		if c.flag("force") || c.noInput() {
			return nil
		}
		if !c.confirm("continue?") {
			return errors.New("deployment cancelled")
		}
		return nil
	}
	return c.perform(confirm, func() error {
		err := c.withState(func(s *store) error {
			st, err := s.loadOrNew(app.Server, app.Name)
			if err != nil {
				return err
			}
			st.Recipe, st.Version, st.Status = env.Recipe, target, statusDeployed
			if len(st.Volumes) == 0 {
				st.Volumes = []string{stackName(app.Name) + "_data"}
			}
			if err := s.save(st); err != nil {
				return err
			}
			if err := s.event(app.Name, "server", app.Server, "version", target); err != nil {
				return err
			}
			// abra writes the version only after a successful deploy.
			if writesVersion("app", kind) {
				_, err = writeRecipeVersion(app.Path, target)
			}
			return err
		})
		if err != nil {
			return err
		}
		c.infof("%s of %s (%s %s) on %s succeeded", kind, app.Name, env.Recipe, target, app.Server)
		return nil
	})
}

// ---- undeploy, remove, move ---------------------------------------------

func runUndeploy(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	if st := c.peekState(app.Server, app.Name); st == nil || st.Status != statusDeployed {
		return c.fatalf("%s is not deployed?", app.Name)
	}
	return c.perform(nil, func() error {
		var version string
		err := c.withState(func(s *store) error {
			st, err := s.load(app.Server, app.Name)
			if err != nil {
				return err
			}
			if st == nil || st.Status != statusDeployed {
				return fmt.Errorf("%s is not deployed?", app.Name)
			}
			st.Status = statusUndeployed
			version = st.Version
			if err := s.save(st); err != nil {
				return err
			}
			if err := s.event(app.Name, "server", app.Server, "version", version); err != nil {
				return err
			}
			if version != "" && writesVersion("app", "undeploy") {
				_, err = writeRecipeVersion(app.Path, version)
			}
			return err
		})
		if err != nil {
			return err
		}
		if c.flag("prune") {
			c.infof("pruned unused containers, networks and dangling images on %s", app.Server)
		}
		c.infof("undeploy of %s on %s succeeded", app.Name, app.Server)
		return nil
	})
}

const stillDeployed = `app is still deployed, run "abra app undeploy" first`

func runRemove(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	if st := c.peekState(app.Server, app.Name); st != nil && st.Status == statusDeployed {
		return c.fatalf(stillDeployed)
	}
	var confirm func() error
	if !c.flag("force") && !c.noInput() {
		confirm = func() error {
			if !c.confirm(fmt.Sprintf("are you sure you want to remove %s (env file, secrets and volumes)?", app.Name)) {
				return errors.New("removal cancelled")
			}
			return nil
		}
	}
	return c.perform(confirm, func() error {
		err := c.withState(func(s *store) error {
			st, err := s.load(app.Server, app.Name)
			if err != nil {
				return err
			}
			if st != nil && st.Status == statusDeployed {
				return errors.New(stillDeployed)
			}
			if err := os.Remove(app.Path); err != nil {
				return err
			}
			if err := s.remove(app.Server, app.Name); err != nil {
				return err
			}
			return s.event(app.Name, "server", app.Server)
		})
		if err != nil {
			return err
		}
		c.infof("%s removed from %s", app.Name, app.Server)
		return nil
	})
}

func runMove(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	target := c.arg(1)
	if !c.serverExists(target) {
		return c.fatalf("unable to find server %s (no directory %s)", target, filepath.Join(c.serversDir, target))
	}
	if target == app.Server {
		return c.fatalf("%s is already on server %s", app.Name, target)
	}
	dest := filepath.Join(c.serversDir, target, app.Name+".env")
	if _, err := os.Lstat(dest); err == nil {
		return c.fatalf("%s already exists", dest)
	}
	if c.flag("dry-run") {
		return c.perform(nil, func() error {
			w := c.env.Stdout
			fmt.Fprintf(w, "dry run: would move %s from %s to %s:\n", app.Name, app.Server, target)
			fmt.Fprintf(w, "  copy secrets and volumes of %s to %s\n", app.Name, target)
			fmt.Fprintf(w, "  undeploy %s on %s\n", app.Name, app.Server)
			fmt.Fprintf(w, "  move %s to %s\n", app.Path, dest)
			return nil
		})
	}
	return c.perform(nil, func() error {
		err := c.withState(func(s *store) error {
			if err := moveFile(app.Path, dest); err != nil {
				return err
			}
			st, err := s.load(app.Server, app.Name)
			if err != nil {
				return err
			}
			if st != nil {
				st.Server, st.Status = target, statusUndeployed
				if err := s.save(st); err != nil {
					return err
				}
				if err := s.remove(app.Server, app.Name); err != nil {
					return err
				}
			}
			return s.event(app.Name, "server", app.Server, "to", target)
		})
		if err != nil {
			return err
		}
		c.infof("%s moved from %s to %s (undeployed; run \"abra app deploy %s\" to deploy it there)",
			app.Name, app.Server, target, app.Name)
		return nil
	})
}

// moveFile renames, falling back to copy and delete across file systems
// (a symlinked server directory may live elsewhere).
func moveFile(from, to string) error {
	err := os.Rename(from, to)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	fi, err := os.Stat(from)
	if err != nil {
		return err
	}
	if err := os.WriteFile(to, data, fi.Mode().Perm()); err != nil {
		return err
	}
	return os.Remove(from)
}

// ---- new ----------------------------------------------------------------

type generated struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Value   string `json:"value"`
}

// secretValue generates a secret: random, or derived from
// FAKEABRA_SECRET_SEED so that tests can look for it.
func (c *ctx) secretValue(app, name string) string {
	if seed := c.getenv("FAKEABRA_SECRET_SEED"); seed != "" {
		sum := sha256.Sum256([]byte(seed + app + name))
		return hex.EncodeToString(sum[:])[:32]
	}
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (c *ctx) printGenerated(gen []generated, machine bool) error {
	if machine {
		if gen == nil {
			gen = []generated{}
		}
		return c.printJSON(gen)
	}
	rows := make([][]string, 0, len(gen))
	for _, g := range gen {
		rows = append(rows, []string{g.Name, g.Value})
	}
	c.table([]string{"NAME", "VALUE"}, rows)
	return nil
}

func runNew(c *ctx) int {
	var err error
	recipe := c.arg(0)
	if recipe == "" {
		if recipe, err = c.ask("recipe name", "Select recipe: "); err != nil {
			return c.fatalf("%v", err)
		}
	}
	server := c.value("server")
	if server == "" {
		if server, err = c.ask("server", "Select app server: "); err != nil {
			return c.fatalf("%v", err)
		}
	}
	domain := c.value("domain")
	if domain == "" {
		if domain, err = c.ask("domain", "Specify app domain: "); err != nil {
			return c.fatalf("%v", err)
		}
	}
	if !validName(recipe) {
		return c.fatalf("invalid recipe name %q", recipe)
	}
	if !c.serverExists(server) {
		return c.fatalf("unable to find server %s (no directory %s); run \"abra server add %s\" first",
			server, filepath.Join(c.serversDir, server), server)
	}
	if !validName(domain) || strings.HasPrefix(domain, ".") {
		return c.fatalf("invalid app domain %q", domain)
	}
	if existing, err := c.findApp(domain); err == nil {
		return c.fatalf("%s already exists (%s)", domain, existing.Path)
	}
	path := filepath.Join(c.serversDir, server, domain+".env")
	if _, err := os.Lstat(path); err == nil {
		return c.fatalf("%s already exists", path)
	}
	versions, err := c.recipeVersions(recipe)
	if err != nil {
		return c.fatalf("%v", err)
	}
	version := c.arg(1)
	switch {
	case version == "" && c.flag("chaos"):
		version = c.chaosVersion()
	case version == "":
		if version, err = latest(recipe, versions); err != nil {
			return c.fatalf("%v", err)
		}
	case !c.flag("chaos"):
		if err := checkVersion(recipe, version, versions); err != nil {
			return c.fatalf("%v", err)
		}
	}
	sample, err := c.recipeSample(recipe, domain)
	if err != nil {
		return c.fatalf("%v", err)
	}
	content := setRecipeVersion(sample, version, true)
	return c.perform(nil, func() error {
		var gen []generated
		err := c.withState(func(s *store) error {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			_, err = f.WriteString(content)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			details := []string{"server", server, "recipe", recipe, "version", version}
			if c.flag("secrets") {
				st, err := s.loadOrNew(server, domain)
				if err != nil {
					return err
				}
				st.Recipe = recipe
				var names []string
				for _, sd := range parseEnv(content).Secrets {
					v := c.secretValue(domain, sd.Name)
					st.Secrets[sd.Name] = secretState{Version: sd.Version, SHA256: hashSecret(v)}
					gen = append(gen, generated{Name: sd.Name, Version: sd.Version, Value: v})
					names = append(names, sd.Name)
				}
				if err := s.save(st); err != nil {
					return err
				}
				details = append(details, "secrets", strings.Join(names, ","))
			}
			return s.event(domain, details...)
		})
		if err != nil {
			return err
		}
		c.infof("new %s app %s created on %s: %s", recipe, domain, server, path)
		if c.flag("secrets") {
			if c.flag("pass") {
				c.warnf("fake abra has no pass store; secrets were not stored in pass")
			}
			return c.printGenerated(gen, false)
		}
		return nil
	})
}

// ---- secrets --------------------------------------------------------------

// isSecretVersion: a secret version as env files write them (v1, v12).
func isSecretVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func runSecretGenerate(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	env, err := readEnv(app.Path)
	if err != nil {
		return c.fatalf("%v", err)
	}
	var defs []secretDef
	switch {
	case c.flag("all") && len(c.inv.args) > 1:
		return c.fatalf("cannot use '[secret] [version]' and '--all' together")
	case c.flag("all"), len(c.inv.args) == 1:
		// "<app>" alone, as operators' docs use it, is "--all".
		defs = env.Secrets
	default:
		// "<app> name [version] [name [version]]…": a positional that
		// looks like a version (v1) is the version of the name before it;
		// a name without one takes the env file's SECRET_<NAME>_VERSION.
		for _, a := range c.inv.args[1:] {
			if isSecretVersion(a) && len(defs) > 0 && defs[len(defs)-1].Version == "" {
				defs[len(defs)-1].Version = a
				continue
			}
			defs = append(defs, secretDef{Name: a})
		}
		for i := range defs {
			if defs[i].Version != "" {
				continue
			}
			defs[i].Version = "v1"
			for _, sd := range env.Secrets {
				if sd.Name == defs[i].Name {
					defs[i].Version = sd.Version
				}
			}
		}
	}
	return c.perform(nil, func() error {
		var gen []generated
		err := c.withState(func(s *store) error {
			st, err := s.loadOrNew(app.Server, app.Name)
			if err != nil {
				return err
			}
			if st.Recipe == "" {
				st.Recipe = env.Recipe
			}
			var names []string
			for _, sd := range defs {
				v := c.secretValue(app.Name, sd.Name)
				st.Secrets[sd.Name] = secretState{Version: sd.Version, SHA256: hashSecret(v)}
				gen = append(gen, generated{Name: sd.Name, Version: sd.Version, Value: v})
				names = append(names, sd.Name)
			}
			if err := s.save(st); err != nil {
				return err
			}
			return s.event(app.Name, "server", app.Server, "secrets", strings.Join(names, ","))
		})
		if err != nil {
			return err
		}
		if len(gen) == 0 {
			c.warnf("no secrets defined in %s", app.Path)
		}
		return c.printGenerated(gen, c.flag("machine"))
	})
}

func runSecretInsert(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	name, version := c.arg(1), c.arg(2)
	var value string
	switch {
	case len(c.inv.args) < 4: // data not given: read it from stdin
		data, err := io.ReadAll(c.env.Stdin)
		if err != nil {
			return c.fatalf("cannot read secret from stdin: %v", err)
		}
		value = string(data)
	case c.flag("file"):
		data, err := os.ReadFile(absFrom(c.env.Dir, c.arg(3)))
		if err != nil {
			return c.fatalf("cannot read secret file: %v", err)
		}
		value = string(data)
	default:
		value = c.arg(3)
	}
	if c.flag("trim") {
		value = strings.TrimSpace(value)
	}
	return c.perform(nil, func() error {
		err := c.withState(func(s *store) error {
			st, err := s.loadOrNew(app.Server, app.Name)
			if err != nil {
				return err
			}
			st.Secrets[name] = secretState{Version: version, SHA256: hashSecret(value)}
			if err := s.save(st); err != nil {
				return err
			}
			return s.event(app.Name, "server", app.Server, "secret", name, "version", version)
		})
		if err != nil {
			return err
		}
		c.infof("secret inserted")
		return nil
	})
}

func runSecretRemove(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	name, all := c.arg(1), c.flag("all")
	if name == "" && !all {
		return c.fatalf("no secret(s) specified: give a secret name or --all")
	}
	return c.perform(nil, func() error {
		var removed []string
		err := c.withState(func(s *store) error {
			st, err := s.loadOrNew(app.Server, app.Name)
			if err != nil {
				return err
			}
			if all {
				for n := range st.Secrets {
					removed = append(removed, n)
				}
				slices.Sort(removed)
				clear(st.Secrets)
			} else {
				if _, ok := st.Secrets[name]; !ok {
					return fmt.Errorf("secret %s not found on %s", name, app.Server)
				}
				delete(st.Secrets, name)
				removed = []string{name}
			}
			if err := s.save(st); err != nil {
				return err
			}
			return s.event(app.Name, "server", app.Server, "secrets", strings.Join(removed, ","))
		})
		if err != nil {
			return err
		}
		if len(removed) == 0 {
			c.infof("no secrets to remove for %s", app.Name)
		}
		for _, n := range removed {
			c.infof("removed secret %s of %s", n, app.Name)
		}
		return nil
	})
}

func runSecretList(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		env, err := readEnv(app.Path)
		if err != nil {
			return err
		}
		st := c.peekState(app.Server, app.Name)
		if st == nil {
			st = newAppState(app.Server, app.Name)
		}
		type row struct {
			Name            string `json:"name"`
			Version         string `json:"version"`
			GeneratedName   string `json:"generatedName"`
			CreatedOnServer bool   `json:"createdOnServer"`
		}
		var rows []row
		seen := map[string]bool{}
		for _, sd := range env.Secrets {
			s, ok := st.Secrets[sd.Name]
			rows = append(rows, row{sd.Name, sd.Version,
				stackName(app.Name) + "_" + sd.Name + "_" + sd.Version, ok && s.Version == sd.Version})
			seen[sd.Name] = true
		}
		var extra []string
		for n := range st.Secrets {
			if !seen[n] {
				extra = append(extra, n)
			}
		}
		slices.Sort(extra)
		for _, n := range extra {
			v := st.Secrets[n].Version
			rows = append(rows, row{n, v, stackName(app.Name) + "_" + n + "_" + v, true})
		}
		if c.flag("machine") {
			if rows == nil {
				rows = []row{}
			}
			return c.printJSON(rows)
		}
		var table [][]string
		for _, r := range rows {
			table = append(table, []string{r.Name, r.Version, r.GeneratedName, fmt.Sprint(r.CreatedOnServer)})
		}
		c.table([]string{"NAME", "VERSION", "GENERATED NAME", "CREATED ON SERVER"}, table)
		return nil
	})
}

// ---- volumes, backups, restore, restart ------------------------------------

func runVolumeList(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		st := c.peekState(app.Server, app.Name)
		if st == nil || len(st.Volumes) == 0 {
			c.warnf("no volumes created for %s", app.Name)
			return nil
		}
		var rows [][]string
		for _, v := range st.Volumes {
			rows = append(rows, []string{v, app.Server})
		}
		c.table([]string{"NAME", "SERVER"}, rows)
		return nil
	})
}

func runVolumeRemove(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	if st := c.peekState(app.Server, app.Name); st != nil && st.Status == statusDeployed {
		return c.fatalf(stillDeployed)
	}
	volume := c.arg(1)
	var confirm func() error
	if !c.flag("force") && !c.noInput() {
		confirm = func() error {
			what := "all volumes of " + app.Name
			if volume != "" {
				what = "volume " + volume
			}
			if !c.confirm("remove " + what + "?") {
				return errors.New("removal cancelled")
			}
			return nil
		}
	}
	return c.perform(confirm, func() error {
		var removed []string
		err := c.withState(func(s *store) error {
			st, err := s.load(app.Server, app.Name)
			if err != nil || st == nil {
				return err
			}
			if st.Status == statusDeployed {
				return errors.New(stillDeployed)
			}
			if volume != "" {
				if !slices.Contains(st.Volumes, volume) {
					return fmt.Errorf("volume %s not found for %s", volume, app.Name)
				}
				st.Volumes = slices.DeleteFunc(st.Volumes, func(v string) bool { return v == volume })
				removed = []string{volume}
			} else {
				removed, st.Volumes = st.Volumes, []string{}
			}
			if err := s.save(st); err != nil {
				return err
			}
			return s.event(app.Name, "server", app.Server, "volumes", strings.Join(removed, ","))
		})
		if err != nil {
			return err
		}
		if len(removed) == 0 {
			c.infof("no volumes to remove for %s", app.Name)
		}
		for _, v := range removed {
			c.infof("volume %s removed", v)
		}
		return nil
	})
}

// logOnly records a server-changing command that keeps no state of its own.
func (c *ctx) logOnly(app *appFile, details ...string) error {
	return c.withState(func(s *store) error {
		st, err := s.load(app.Server, app.Name)
		if err != nil {
			return err
		}
		if st != nil {
			if err := s.save(st); err != nil { // records lastCommand
				return err
			}
		}
		return s.event(app.Name, append([]string{"server", app.Server}, details...)...)
	})
}

func runRestore(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	snap := c.value("snapshot")
	if snap == "" {
		snap = "latest"
	}
	return c.perform(nil, func() error {
		details := []string{"snapshot", snap}
		if t := c.value("target"); t != "" {
			details = append(details, "target", t)
		}
		if err := c.logOnly(app, details...); err != nil {
			return err
		}
		c.infof("restored snapshot %s of %s", snap, app.Name)
		return nil
	})
}

func runBackupCreate(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		b := make([]byte, 4)
		rand.Read(b)
		id := hex.EncodeToString(b)
		err := c.withState(func(s *store) error {
			st, err := s.loadOrNew(app.Server, app.Name)
			if err != nil {
				return err
			}
			st.Snapshots = append(st.Snapshots, id)
			if err := s.save(st); err != nil {
				return err
			}
			return s.event(app.Name, "server", app.Server, "snapshot", id)
		})
		if err != nil {
			return err
		}
		c.infof("backup of %s created: snapshot %s", app.Name, id)
		return nil
	})
}

func runBackupList(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		st := c.peekState(app.Server, app.Name)
		if st == nil || len(st.Snapshots) == 0 {
			c.warnf("no snapshots found for %s", app.Name)
			return nil
		}
		var rows [][]string
		for _, id := range st.Snapshots {
			if f := c.value("snapshot"); f == "" || f == id {
				rows = append(rows, []string{id, app.Name})
			}
		}
		c.table([]string{"SNAPSHOT", "APP"}, rows)
		return nil
	})
}

func runBackupDownload(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		snap := c.value("snapshot")
		if snap == "" {
			snap = "latest"
		}
		c.infof("fake abra: snapshot %s of %s not downloaded (no file written)", snap, app.Name)
		return nil
	})
}

func runRestart(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	service := c.arg(1)
	if service == "" || c.flag("all-services") {
		service = "all"
	}
	return c.perform(nil, func() error {
		if err := c.logOnly(app, "service", service); err != nil {
			return err
		}
		if service == "all" {
			c.infof("all services of %s restarted", app.Name)
		} else {
			c.infof("%s_%s service restarted", stackName(app.Name), service)
		}
		return nil
	})
}

// ---- run, command, cp --------------------------------------------------------

func runRun(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	service, cmd := c.arg(1), c.arg(2)
	return c.perform(nil, func() error {
		if err := c.logOnly(app, "service", service); err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stderr, "running %s in %s\n", cmd, service)
		return nil
	})
}

func runCommand(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	service, cmd := c.arg(1), c.arg(2)
	if c.flag("local") {
		service, cmd = "local", c.arg(1)
	} else if len(c.inv.args) < 3 {
		return c.usageError(fmt.Errorf("requires at least 3 arg(s) (<domain> <service> <cmd>) without --local, only received %d", len(c.inv.args)))
	}
	return c.perform(nil, func() error {
		if err := c.logOnly(app, "service", service); err != nil {
			return err
		}
		if service == "local" && c.flag("local") {
			fmt.Fprintf(c.env.Stderr, "running %s locally\n", cmd)
		} else {
			fmt.Fprintf(c.env.Stderr, "running %s in %s\n", cmd, service)
		}
		return nil
	})
}

func runCp(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	src, dst := c.arg(1), c.arg(2)
	if !strings.Contains(src, ":") && !strings.Contains(dst, ":") {
		return c.fatalf("missing service name: one of %s and %s must be <service>:<path>", src, dst)
	}
	return c.perform(nil, func() error {
		if err := c.logOnly(app, "src", src, "dst", dst); err != nil {
			return err
		}
		c.infof("copied %s to %s", src, dst)
		return nil
	})
}

// ---- config ------------------------------------------------------------------

func runConfig(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	editor := c.getenv("EDITOR")
	if editor == "" {
		return c.fatalf("EDITOR is not set: cannot edit %s", app.Path)
	}
	return c.perform(nil, func() error {
		var cmd *exec.Cmd
		if strings.ContainsAny(editor, " \t'\"$;|&<>") {
			cmd = exec.Command("/bin/sh", "-c", editor+` "$1"`, "sh", app.Path)
		} else {
			cmd = exec.Command(editor, app.Path)
		}
		// An *os.File is handed to the editor as is, so it gets the TTY.
		cmd.Stdin, cmd.Stdout, cmd.Stderr = c.env.Stdin, c.env.Stdout, c.env.Stderr
		cmd.Dir = c.env.Dir
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("editor %q failed: %v", editor, err)
		}
		return nil
	})
}

// ---- read-only commands ------------------------------------------------------

func runList(c *ctx) int {
	return c.perform(nil, func() error {
		apps, err := c.listApps()
		if err != nil {
			return err
		}
		type row struct {
			Server  string `json:"server"`
			App     string `json:"app"`
			Recipe  string `json:"recipe"`
			Version string `json:"version"`
			Status  string `json:"status,omitempty"`
		}
		rows := []row{}
		for _, a := range apps {
			if s := c.value("server"); s != "" && s != a.Server {
				continue
			}
			env, err := readEnv(a.Path)
			if err != nil {
				return err
			}
			if r := c.value("recipe"); r != "" && r != env.Recipe {
				continue
			}
			r := row{Server: a.Server, App: a.Name, Recipe: orUnknown(env.Recipe), Version: orUnknown(env.Version)}
			if c.flag("status") {
				r.Status = statusUndeployed
				if st := c.peekState(a.Server, a.Name); st != nil {
					r.Status = st.Status
				}
			}
			rows = append(rows, r)
		}
		if c.flag("machine") {
			return c.printJSON(rows)
		}
		headers := []string{"SERVER", "APP", "RECIPE", "VERSION"}
		if c.flag("status") {
			headers = append(headers, "STATUS")
		}
		var table [][]string
		for _, r := range rows {
			line := []string{r.Server, r.App, r.Recipe, r.Version}
			if c.flag("status") {
				line = append(line, r.Status)
			}
			table = append(table, line)
		}
		c.table(headers, table)
		return nil
	})
}

// deployedState returns the app's state, or an error if it is not deployed.
func (c *ctx) deployedState(app *appFile) (*appState, error) {
	st := c.peekState(app.Server, app.Name)
	if st == nil || st.Status != statusDeployed {
		return nil, fmt.Errorf("%s is not deployed?", app.Name)
	}
	return st, nil
}

func runPs(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		st, err := c.deployedState(app)
		if err != nil {
			return err
		}
		type row struct {
			Service string `json:"service"`
			Image   string `json:"image"`
			Version string `json:"version"`
			State   string `json:"state"`
		}
		rows := []row{{stackName(app.Name) + "_app", st.Recipe, st.Version, "running"}}
		if c.flag("machine") {
			return c.printJSON(rows)
		}
		c.table([]string{"SERVICE", "IMAGE", "VERSION", "STATE"},
			[][]string{{rows[0].Service, rows[0].Image, rows[0].Version, rows[0].State}})
		return nil
	})
}

func runLogs(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	service := c.arg(1)
	if service == "" {
		service = "app"
	}
	return c.perform(nil, func() error {
		now := time.Now().UTC().Format(time.RFC3339)
		fmt.Fprintf(c.env.Stdout, "%s_%s.1 | %s fake abra: no real logs for %s\n",
			stackName(app.Name), service, now, app.Name)
		return nil
	})
}

func runLabels(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		st, err := c.deployedState(app)
		if err != nil {
			return err
		}
		prefix := "coop-cloud." + stackName(app.Name)
		c.table([]string{"LABEL", "VALUE"}, [][]string{
			{prefix + ".recipe", st.Recipe},
			{prefix + ".version", st.Version},
			{prefix + ".chaos", fmt.Sprint(strings.HasPrefix(st.Version, "1a2b3c4d"))},
		})
		return nil
	})
}

func runCheck(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		env, err := readEnv(app.Path)
		if err != nil {
			return err
		}
		sample, err := c.recipeSample(env.Recipe, app.Name)
		if err != nil {
			return err
		}
		var rows [][]string
		missing := 0
		for _, k := range parseEnv(sample).Keys {
			ok := slices.Contains(env.Keys, k)
			if !ok {
				missing++
			}
			rows = append(rows, []string{k, fmt.Sprint(ok)})
		}
		c.table([]string{"ENV VAR", "DEFINED"}, rows)
		if missing == 0 {
			c.infof("all necessary environment variables defined")
		} else {
			c.warnf("%d environment variable(s) of the recipe sample missing in %s", missing, app.Path)
		}
		return nil
	})
}

func runEnv(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		f, err := os.Open(app.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(c.env.Stdout, f)
		return err
	})
}

func runServices(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		st, err := c.deployedState(app)
		if err != nil {
			return err
		}
		c.table([]string{"SERVICE (SHORT)", "SERVICE (LONG)", "IMAGE"},
			[][]string{{"app", stackName(app.Name) + "_app", st.Recipe + ":" + st.Version}})
		return nil
	})
}

func runErrors(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		if _, err := c.deployedState(app); err != nil {
			return err
		}
		c.infof("no errors found for %s", app.Name)
		return nil
	})
}

func runVersion(c *ctx) int {
	app, code := c.lookupApp()
	if app == nil {
		return code
	}
	return c.perform(nil, func() error {
		st, err := c.deployedState(app)
		if err != nil {
			return err
		}
		if c.flag("machine") {
			return c.printJSON([]map[string]string{{"app": app.Name, "recipe": st.Recipe, "version": st.Version}})
		}
		c.table([]string{"APP", "RECIPE", "VERSION"}, [][]string{{app.Name, st.Recipe, st.Version}})
		return nil
	})
}

// ---- commands outside "abra app" -----------------------------------------------

func runServerAdd(c *ctx) int {
	name := c.arg(0)
	if name == "" && c.flag("local") {
		name = "default"
	}
	if name == "" {
		return c.usageError(errors.New("missing argument: <server> (or --local)"))
	}
	if !validName(name) || strings.HasPrefix(name, ".") {
		return c.fatalf("invalid server name %q", name)
	}
	return c.perform(nil, func() error {
		dir := filepath.Join(c.serversDir, name)
		if _, err := os.Stat(dir); err == nil {
			c.warnf("server %s already exists", name)
			return nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		c.infof("server %s added", name)
		return nil
	})
}

func runServerList(c *ctx) int {
	return c.perform(nil, func() error {
		srvs, err := c.servers()
		if err != nil {
			return err
		}
		var rows [][]string
		for _, s := range srvs {
			host := s
			if s == "default" {
				host = "local"
			}
			rows = append(rows, []string{s, host})
		}
		c.table([]string{"NAME", "HOST"}, rows)
		return nil
	})
}

// runOther answers the commands the fake does not model.
func runOther(c *ctx) int {
	return c.perform(nil, func() error {
		line := strings.Join(append([]string{"abra"}, c.inv.cmd.path()...), " ")
		if len(c.inv.args) > 0 {
			line += " " + strings.Join(c.inv.args, " ")
		}
		c.infof("%s: nothing to do (fake abra)", line)
		return nil
	})
}

func runHelp(c *ctx) int {
	cmd := c.inv.cmd.parent
	for _, a := range c.inv.args {
		ch := cmd.child(a)
		if ch == nil {
			fmt.Fprintf(c.env.Stdout, "Unknown help topic %q\n", strings.Join(c.inv.args, " "))
			break
		}
		cmd = ch
	}
	printUsage(c.env.Stdout, cmd)
	return 0
}
