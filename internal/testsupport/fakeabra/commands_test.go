package fakeabra

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const seed = "test-seed"

func seeded(app, name string) string {
	return (&ctx{env: Env{Getenv: func(k string) string {
		if k == "FAKEABRA_SECRET_SEED" {
			return seed
		}
		return ""
	}}}).secretValue(app, name)
}

func TestNew(t *testing.T) {
	builtin := "TYPE=wordpress:1.3.0+1.1\nDOMAIN=wp.org\n## Domain aliases\n#EXTRA_DOMAINS=\nLETS_ENCRYPT_ENV=production\nSECRET_DB_PASSWORD_VERSION=v1\n"
	tests := []struct {
		name      string
		args      []string
		stdin     string
		setup     func(w *world)
		code      int
		file      string // expected content of servers/srv1/wp.org.env, "" = must not exist
		stdout    []string
		stderr    string
		secrets   []string // secrets expected in state
		noStdout  bool
		checkFile string
	}{
		{name: "built-in sample, latest version", args: []string{"app", "new", "wordpress", "-s", "srv1", "-D", "wp.org"},
			file: builtin, noStdout: true},
		{name: "explicit version", args: []string{"a", "n", "wordpress", "1.1.0+1.0", "--server=srv1", "--domain=wp.org"},
			file: strings.Replace(builtin, "1.3.0+1.1", "1.1.0+1.0", 1)},
		{name: "secrets printed and recorded", args: []string{"app", "new", "wordpress", "-Ss", "srv1", "-D", "wp.org"},
			file: builtin, stdout: []string{"NAME", "VALUE", "db_password", seeded("wp.org", "db_password")}, secrets: []string{"db_password"}},
		{name: "recipe sample and versions from ABRA_DIR", args: []string{"app", "new", "custom", "-s", "srv1", "-D", "wp.org", "--secrets"},
			setup: func(w *world) {
				w.write("recipes/custom/.env.sample", "RECIPE=custom\nDOMAIN={{ .Domain }}\nSECRET_A_KEY_VERSION=v3\nSECRET_B_VERSION=v1")
				w.write("recipes/custom/versions", "0.1.0+1\n0.2.0+1\n")
			},
			file:    "RECIPE=custom:0.2.0+1\nDOMAIN=wp.org\nSECRET_A_KEY_VERSION=v3\nSECRET_B_VERSION=v1",
			stdout:  []string{"a_key", "b", seeded("wp.org", "a_key"), seeded("wp.org", "b")},
			secrets: []string{"a_key", "b"}},
		{name: "chaos", args: []string{"app", "new", "wordpress", "-C", "-s", "srv1", "-D", "wp.org"},
			file: strings.Replace(builtin, "1.3.0+1.1", "1a2b3c4d", 1)},
		{name: "prompts for server and domain", args: []string{"app", "new", "wordpress"}, stdin: "srv1\nwp.org\n",
			file: builtin, stderr: "Specify app domain: "},
		{name: "prompts for recipe", args: []string{"app", "new", "-s", "srv1", "-D", "wp.org"}, stdin: "wordpress\n",
			file: builtin, stderr: "Select recipe: "},
		{name: "prompt hits EOF", args: []string{"app", "new", "wordpress", "-s", "srv1"}, stdin: "",
			code: 1, stderr: "FATA no domain provided"},
		{name: "no input and no domain", args: []string{"-n", "app", "new", "wordpress", "-s", "srv1"}, stdin: "wp.org\n",
			code: 1, stderr: "FATA no domain provided"},
		{name: "no input and no server", args: []string{"app", "new", "wordpress", "-n", "-D", "wp.org"},
			code: 1, stderr: "FATA no server provided"},
		{name: "unknown server", args: []string{"app", "new", "wordpress", "-s", "nope", "-D", "wp.org"},
			code: 1, stderr: "FATA unable to find server nope"},
		{name: "unknown version", args: []string{"app", "new", "wordpress", "9.9.9", "-s", "srv1", "-D", "wp.org"},
			code: 1, stderr: "FATA 9.9.9 is not a known version"},
		{name: "app exists on another server", args: []string{"app", "new", "wordpress", "-s", "srv1", "-D", "wp.org"},
			setup: func(w *world) { w.app("srv2", "wp.org", "TYPE=x\n") }, code: 1, stderr: "FATA wp.org already exists"},
		{name: "domain escaping the server dir", args: []string{"app", "new", "wordpress", "-s", "srv1", "-D", "../x"},
			code: 1, stderr: "FATA invalid app domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.env["FAKEABRA_SECRET_SEED"] = seed
			if tt.setup != nil {
				tt.setup(w)
			}
			r := w.run(tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			contains(t, "stderr", r.stderr, tt.stderr)
			for _, s := range tt.stdout {
				contains(t, "stdout", r.stdout, s)
			}
			if tt.noStdout && r.stdout != "" {
				t.Errorf("stdout should be empty, got %q", r.stdout)
			}
			rel := "servers/srv1/wp.org.env"
			if tt.file == "" {
				if w.exists(rel) {
					t.Errorf("%s was created", rel)
				}
			} else if got := w.read(rel); got != tt.file {
				t.Errorf("env file:\n%q\nwant\n%q", got, tt.file)
			}
			st := w.state("srv1", "wp.org")
			if len(tt.secrets) == 0 {
				if st != nil && len(st.Secrets) > 0 {
					t.Errorf("unexpected secrets in state: %v", st.Secrets)
				}
				return
			}
			if st == nil {
				t.Fatal("no state recorded")
			}
			for _, name := range tt.secrets {
				if st.Secrets[name].SHA256 != hashSecret(seeded("wp.org", name)) {
					t.Errorf("secret %s: state %+v", name, st.Secrets[name])
				}
			}
			raw := w.read("fake-server-state/srv1/wp.org.json") + w.events()
			for _, name := range tt.secrets {
				if strings.Contains(raw, seeded("wp.org", name)) {
					t.Errorf("secret value of %s leaked into state or events", name)
				}
			}
		})
	}
}

func TestNewRandomSecrets(t *testing.T) {
	w := newWorld(t)
	r := w.mustRun("app", "new", "wordpress", "-S", "-s", "srv1", "-D", "a.org")
	fields := strings.Fields(strings.Split(r.stdout, "\n")[1])
	if len(fields) != 2 || fields[0] != "db_password" || len(fields[1]) != 32 {
		t.Fatalf("stdout %q", r.stdout)
	}
	if w.state("srv1", "a.org").Secrets["db_password"].SHA256 != hashSecret(fields[1]) {
		t.Error("state hash does not match the printed value")
	}
}

// deployWorld has app a.org on srv1 with the built-in recipe foo.
func deployWorld(t *testing.T, env string) *world {
	w := newWorld(t)
	w.app("srv1", "a.org", env)
	return w
}

func TestDeployPrompt(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
	}{
		{"yes", []string{"app", "deploy", "a.org"}, "y\n", 0},
		{"YES", []string{"app", "deploy", "a.org"}, "YES\n", 0},
		{"yes without newline", []string{"app", "deploy", "a.org"}, "yes", 0},
		{"empty stdin cancels", []string{"app", "deploy", "a.org"}, "", 1},
		{"no", []string{"app", "deploy", "a.org"}, "n\ny\n", 1},
		{"blank line", []string{"app", "deploy", "a.org"}, "\n", 1},
		{"force skips prompt", []string{"app", "deploy", "-f", "a.org"}, "", 0},
		{"no-input skips prompt", []string{"app", "deploy", "a.org", "--no-input"}, "", 0},
		{"upgrade prompts", []string{"app", "upgrade", "a.org"}, "", 1},
		{"rollback prompts", []string{"app", "rollback", "a.org", "1.0.0+1.0"}, "n\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := deployWorld(t, "TYPE=foo:1.1.0+1.0\nDOMAIN=a.org\n")
			before := w.snapshot()
			r := w.run(tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			prompted := strings.Contains(r.stderr, "continue? [y/N] ")
			if wantPrompt := !strings.Contains(tt.name, "skips"); prompted != wantPrompt {
				t.Errorf("prompted=%v\nstderr: %s", prompted, r.stderr)
			}
			if tt.code != 0 {
				contains(t, "stderr", r.stderr, "FATA deployment cancelled")
				w.assertUnchanged(before)
				return
			}
			if st := w.state("srv1", "a.org"); st == nil || st.Status != statusDeployed || st.Version != "1.1.0+1.0" {
				t.Errorf("state %+v", st)
			}
		})
	}
}

func TestDeployVersions(t *testing.T) {
	tests := []struct {
		name     string
		env      string
		deployed string // version already deployed, "" for none
		args     []string
		extraEnv map[string]string
		code     int
		version  string // deployed version afterwards
		file     string // env file afterwards
		stderr   string
	}{
		{name: "deploy uses env version", env: "TYPE=foo:1.1.0+1.0\nX=1\n", args: []string{"app", "deploy", "-n", "a.org"},
			version: "1.1.0+1.0", file: "TYPE=foo:1.1.0+1.0\nX=1\n"},
		{name: "deploy without env version: latest, no trailing newline", env: "TYPE=foo\nX=1\n", args: []string{"app", "deploy", "-n", "a.org"},
			version: "1.3.0+1.1", file: "TYPE=foo:1.3.0+1.1\nX=1"},
		{name: "ignore env version", env: "TYPE=foo:1.1.0+1.0\n", args: []string{"app", "deploy", "-ni", "a.org"},
			version: "1.3.0+1.1", file: "TYPE=foo:1.3.0+1.1"},
		{name: "explicit version", env: "RECIPE=foo:1.1.0+1.0\n", args: []string{"a", "d", "a.org", "1.0.0+1.0", "-f"},
			version: "1.0.0+1.0", file: "RECIPE=foo:1.0.0+1.0"},
		{name: "explicit git hash", env: "TYPE=foo\n", args: []string{"a", "d", "a.org", "deadbeef", "-f"},
			version: "deadbeef", file: "TYPE=foo:deadbeef"},
		{name: "unknown version", env: "TYPE=foo\n", args: []string{"app", "deploy", "-f", "a.org", "7.0.0"},
			code: 1, file: "TYPE=foo\n", stderr: "FATA 7.0.0 is not a known version of recipe foo"},
		{name: "chaos", env: "TYPE=foo:1.0.0+1.0\n", args: []string{"app", "deploy", "-C", "-n", "a.org"},
			version: "1a2b3c4d", file: "TYPE=foo:1a2b3c4d"},
		{name: "chaos dirty", env: "TYPE=foo:1.0.0+1.0\n", args: []string{"app", "deploy", "-Cn", "a.org"},
			extraEnv: map[string]string{"FAKEABRA_DIRTY": "1"}, version: "1a2b3c4d+U", file: "TYPE=foo:1a2b3c4d+U"},
		{name: "chaos with explicit version is not checked", env: "TYPE=foo\n", args: []string{"app", "deploy", "-Cn", "a.org", "main"},
			version: "main", file: "TYPE=foo:main"},
		{name: "upgrade to latest", env: "TYPE=foo:1.0.0+1.0\n", deployed: "1.0.0+1.0", args: []string{"app", "up", "-n", "a.org"},
			version: "1.3.0+1.1", file: "TYPE=foo:1.3.0+1.1"},
		{name: "upgrade to explicit", env: "TYPE=foo:1.0.0+1.0\n", deployed: "1.0.0+1.0", args: []string{"app", "upgrade", "-f", "a.org", "1.2.0+1.1"},
			version: "1.2.0+1.1", file: "TYPE=foo:1.2.0+1.1"},
		{name: "upgrade release notes changes nothing", env: "TYPE=foo:1.0.0+1.0\n", deployed: "1.0.0+1.0", args: []string{"app", "upgrade", "-r", "a.org"},
			version: "1.0.0+1.0", file: "TYPE=foo:1.0.0+1.0\n"},
		{name: "rollback to previous", env: "TYPE=foo:1.2.0+1.1\n", deployed: "1.2.0+1.1", args: []string{"app", "rl", "-n", "a.org"},
			version: "1.1.0+1.0", file: "TYPE=foo:1.1.0+1.0"},
		{name: "rollback uses env version when never deployed", env: "TYPE=foo:1.1.0+1.0\n", args: []string{"app", "rollback", "-n", "a.org"},
			version: "1.0.0+1.0", file: "TYPE=foo:1.0.0+1.0"},
		{name: "rollback from oldest", env: "TYPE=foo:1.0.0+1.0\n", deployed: "1.0.0+1.0", args: []string{"app", "rollback", "-n", "a.org"},
			code: 1, version: "1.0.0+1.0", file: "TYPE=foo:1.0.0+1.0\n", stderr: "FATA no available downgrades"},
		{name: "redeploy same version leaves file alone", env: "TYPE=foo:1.1.0+1.0\nX=1\n", deployed: "1.1.0+1.0", args: []string{"app", "deploy", "-f", "a.org"},
			version: "1.1.0+1.0", file: "TYPE=foo:1.1.0+1.0\nX=1\n"},
		{name: "custom versions", env: "TYPE=bar\n", args: []string{"app", "deploy", "-n", "a.org"},
			version: "2.0.0+9", file: "TYPE=bar:2.0.0+9"},
		{name: "no recipe line", env: "DOMAIN=a.org\n", args: []string{"app", "deploy", "-n", "a.org"},
			code: 1, file: "DOMAIN=a.org\n", stderr: "FATA no TYPE or RECIPE defined"},
		{name: "unknown app", env: "TYPE=foo\n", args: []string{"app", "deploy", "-n", "b.org"},
			code: 1, file: "TYPE=foo\n", stderr: "FATA cannot find app with name b.org\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := deployWorld(t, tt.env)
			w.write("recipes/bar/versions", "1.0.0+9\n2.0.0+9\n")
			for k, v := range tt.extraEnv {
				w.env[k] = v
			}
			if tt.deployed != "" {
				st := newAppState("srv1", "a.org")
				st.Version, st.Status = tt.deployed, statusDeployed
				data, _ := json.Marshal(st)
				w.write("fake-server-state/srv1/a.org.json", string(data))
			}
			r := w.run("", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			contains(t, "stderr", r.stderr, tt.stderr)
			if got := w.read("servers/srv1/a.org.env"); got != tt.file {
				t.Errorf("env file %q, want %q", got, tt.file)
			}
			st := w.state("srv1", "a.org")
			got := ""
			if st != nil {
				got = st.Version
			}
			if got != tt.version {
				t.Errorf("deployed version %q, want %q", got, tt.version)
			}
		})
	}
}

func TestDeployNoopKeepsMtime(t *testing.T) {
	w := deployWorld(t, "TYPE=foo:1.1.0+1.0\n")
	p := w.path("servers/srv1/a.org.env")
	fi1, _ := os.Stat(p)
	w.mustRun("app", "deploy", "-n", "a.org")
	fi2, _ := os.Stat(p)
	if !fi1.ModTime().Equal(fi2.ModTime()) || w.read("servers/srv1/a.org.env") != "TYPE=foo:1.1.0+1.0\n" {
		t.Error("env file rewritten although the version matched")
	}
	contains(t, "events", w.events(), `cmd="app deploy" app=a.org server=srv1 version=1.1.0+1.0`)
}

func TestUndeployRemove(t *testing.T) {
	w := deployWorld(t, "TYPE=foo\n")
	r := w.run("", "app", "undeploy", "a.org")
	if r.code != 1 || !strings.Contains(r.stderr, "FATA a.org is not deployed") {
		t.Errorf("undeploy of undeployed app: %+v", r)
	}
	w.mustRun("app", "deploy", "-n", "a.org", "1.2.0+1.1")
	// Someone edits the version by hand; undeploy writes the deployed one back.
	w.write("servers/srv1/a.org.env", "TYPE=foo:1.0.0+1.0\n")

	r = w.run("", "app", "rm", "-f", "a.org")
	if r.code != 1 || !strings.Contains(r.stderr, `FATA app is still deployed, run "abra app undeploy" first`) {
		t.Errorf("remove of deployed app: %+v", r)
	}
	w.mustRun("app", "un", "a.org", "--prune")
	if st := w.state("srv1", "a.org"); st.Status != statusUndeployed || st.Version != "1.2.0+1.1" {
		t.Errorf("state after undeploy %+v", st)
	}
	if got := w.read("servers/srv1/a.org.env"); got != "TYPE=foo:1.2.0+1.1" {
		t.Errorf("env after undeploy %q", got)
	}

	before := w.snapshot()
	r = w.run("no\n", "app", "remove", "a.org")
	if r.code != 1 || !strings.Contains(r.stderr, "are you sure") {
		t.Errorf("cancelled remove: %+v", r)
	}
	w.assertUnchanged(before)

	r = w.run("y\n", "app", "remove", "a.org")
	if r.code != 0 {
		t.Fatalf("remove: %+v", r)
	}
	if w.exists("servers/srv1/a.org.env") || w.state("srv1", "a.org") != nil {
		t.Error("env file or state left behind")
	}
	contains(t, "events", w.events(), `cmd="app remove" app=a.org`)
	r = w.run("", "app", "rm", "-n", "a.org")
	if r.code != 1 || r.stderr != "FATA cannot find app with name a.org\n" {
		t.Errorf("remove again: %+v", r)
	}
}

func TestMove(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		moved  bool
		stderr string
	}{
		{"move", []string{"app", "move", "a.org", "srv2"}, 0, true, ""},
		{"mv alias with -n", []string{"-n", "app", "mv", "a.org", "srv2"}, 0, true, ""},
		{"dry run", []string{"app", "move", "a.org", "srv2", "--dry-run"}, 0, false, ""},
		{"same server", []string{"app", "move", "a.org", "srv1"}, 1, false, "FATA a.org is already on server srv1"},
		{"missing server", []string{"app", "move", "a.org", "srv3"}, 1, false, "FATA unable to find server srv3"},
		{"escaping server", []string{"app", "move", "a.org", ".."}, 1, false, "FATA unable to find server .."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := deployWorld(t, "TYPE=foo:1.0.0+1.0\n")
			w.mustRun("app", "deploy", "-n", "a.org")
			before := w.snapshot()
			r := w.run("", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			contains(t, "stderr", r.stderr, tt.stderr)
			if !tt.moved {
				w.assertUnchanged(before)
				if strings.Contains(tt.name, "dry") {
					contains(t, "stdout", r.stdout, "would move a.org from srv1 to srv2")
				}
				return
			}
			if w.exists("servers/srv1/a.org.env") || w.read("servers/srv2/a.org.env") != "TYPE=foo:1.0.0+1.0\n" {
				t.Error("env file not renamed verbatim")
			}
			if w.state("srv1", "a.org") != nil {
				t.Error("state left on old server")
			}
			if st := w.state("srv2", "a.org"); st == nil || st.Status != statusUndeployed || st.Server != "srv2" {
				t.Errorf("state on new server: %+v", st)
			}
			contains(t, "events", w.events(), `cmd="app move" app=a.org server=srv1 to=srv2`)
		})
	}
}

func TestSecrets(t *testing.T) {
	w := deployWorld(t, "TYPE=foo\nSECRET_DB_PASSWORD_VERSION=v1\nSECRET_API_KEY_VERSION=v2\n")
	w.env["FAKEABRA_SECRET_SEED"] = seed

	r := w.mustRun("app", "secret", "generate", "a.org", "--all")
	for _, n := range []string{"db_password", "api_key"} {
		contains(t, "generate stdout", r.stdout, n+"  "+strings.Repeat(" ", len("db_password")-len(n))+seeded("a.org", n))
	}
	r = w.mustRun("app", "s", "g", "-m", "a.org", "restic_password", "v1")
	var gen []generated
	if err := json.Unmarshal([]byte(r.stdout), &gen); err != nil || len(gen) != 1 ||
		gen[0] != (generated{"restic_password", "v1", seeded("a.org", "restic_password")}) {
		t.Errorf("generate -m: %q %v", r.stdout, err)
	}

	const value = "hunter2-very-secret"
	r = w.mustRun("app", "secret", "insert", "a.org", "smtp", "v3", value)
	if r.stderr != "INFO secret inserted\n" || r.stdout != "" {
		t.Errorf("insert output: %+v", r)
	}
	file := filepath.Join(w.root, "cert.pem")
	os.WriteFile(file, []byte("  CERT\n\n"), 0o600)
	w.mustRun("app", "secret", "i", "a.org", "ssl_cert", "v1", "cert.pem", "-ft")

	st := w.state("srv1", "a.org")
	want := map[string]secretState{
		"db_password":     {"v1", hashSecret(seeded("a.org", "db_password"))},
		"api_key":         {"v2", hashSecret(seeded("a.org", "api_key"))},
		"restic_password": {"v1", hashSecret(seeded("a.org", "restic_password"))},
		"smtp":            {"v3", hashSecret(value)},
		"ssl_cert":        {"v1", hashSecret("CERT")},
	}
	for k, v := range want {
		if st.Secrets[k] != v {
			t.Errorf("secret %s: %+v, want %+v", k, st.Secrets[k], v)
		}
	}
	all := w.read("fake-server-state/srv1/a.org.json") + w.events()
	for _, v := range []string{value, "CERT", seeded("a.org", "db_password")} {
		if strings.Contains(all, v) {
			t.Errorf("secret value %q stored in state or events", v)
		}
	}

	r = w.mustRun("app", "secret", "ls", "a.org")
	contains(t, "list", r.stdout, "NAME")
	contains(t, "list", r.stdout, "a_org_api_key_v2")
	contains(t, "list", r.stdout, "smtp")
	if strings.Contains(r.stdout, value) {
		t.Error("secret list shows a value")
	}

	w.mustRun("app", "secret", "rm", "a.org", "smtp", "-n")
	if _, ok := w.state("srv1", "a.org").Secrets["smtp"]; ok {
		t.Error("smtp not removed")
	}
	r = w.run("", "app", "secret", "rm", "a.org", "smtp")
	if r.code != 1 || !strings.Contains(r.stderr, "FATA secret smtp not found") {
		t.Errorf("remove missing secret: %+v", r)
	}
	w.mustRun("app", "secret", "remove", "--all", "a.org")
	if n := len(w.state("srv1", "a.org").Secrets); n != 0 {
		t.Errorf("%d secrets left after --all", n)
	}
	if env := w.read("servers/srv1/a.org.env"); env != "TYPE=foo\nSECRET_DB_PASSWORD_VERSION=v1\nSECRET_API_KEY_VERSION=v2\n" {
		t.Errorf("secret commands changed the env file: %q", env)
	}
}

func TestSecretInsertFromStdin(t *testing.T) {
	w := deployWorld(t, "TYPE=foo\n")
	r := w.run("from-stdin\n", "app", "secret", "insert", "a.org", "k", "v1", "--trim")
	if r.code != 0 {
		t.Fatal(r)
	}
	if w.state("srv1", "a.org").Secrets["k"].SHA256 != hashSecret("from-stdin") {
		t.Error("stdin value not recorded")
	}
}

func TestFailSwitch(t *testing.T) {
	tests := []struct {
		name, fail string
		args       []string
		code       int
		changed    bool
		stderr     string
	}{
		{"before", "before", []string{"app", "deploy", "-n", "a.org"}, 1, false, "FATA deploy failed (FAKEABRA_FAIL=before)\n"},
		{"before skips the prompt", "before", []string{"app", "deploy", "a.org"}, 1, false, "FATA deploy failed (FAKEABRA_FAIL=before)\n"},
		{"after", "after", []string{"app", "deploy", "-n", "a.org"}, 1, true, "FATA deploy failed (FAKEABRA_FAIL=after)\n"},
		{"filter matches", "after:upgrade,deploy", []string{"a", "d", "-n", "a.org"}, 1, true, "FAKEABRA_FAIL=after"},
		{"filter matches group path", "before:secret insert", []string{"app", "s", "i", "a.org", "x", "v1", "y"}, 1, false, "FATA secret insert failed (FAKEABRA_FAIL=before)"},
		{"filter does not match", "before:upgrade", []string{"app", "deploy", "-n", "a.org"}, 0, true, ""},
		{"lookup error comes first", "before", []string{"app", "deploy", "-n", "b.org"}, 1, false, "FATA cannot find app with name b.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := deployWorld(t, "TYPE=foo\n")
			w.env["FAKEABRA_FAIL"] = tt.fail
			before := w.snapshot()
			r := w.run("", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			contains(t, "stderr", r.stderr, tt.stderr)
			if !tt.changed {
				w.assertUnchanged(before)
				return
			}
			if w.read("servers/srv1/a.org.env") != "TYPE=foo:1.3.0+1.1" || w.state("srv1", "a.org").Status != statusDeployed {
				t.Error("effects not applied")
			}
		})
	}
}

func TestExitAndArgvLog(t *testing.T) {
	w := deployWorld(t, "TYPE=foo\n")
	w.env["FAKEABRA_EXIT"] = "3"
	w.env["FAKEABRA_ARGV_LOG"] = "argv.log"
	if r := w.run("", "app", "ls"); r.code != 3 {
		t.Errorf("exit %d, want 3", r.code)
	}
	if r := w.run("", "app", "deploy"); r.code != 1 {
		t.Errorf("failing command: exit %d, want 1", r.code)
	}
	data, err := os.ReadFile(filepath.Join(w.root, "argv.log"))
	if err != nil || string(data) != "[\"app\",\"ls\"]\n[\"app\",\"deploy\"]\n" {
		t.Errorf("argv log %q %v", data, err)
	}
}

func TestAppLookup(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *world)
		app   string
		ok    bool
	}{
		{"plain", nil, "a.org", true},
		{"case sensitive", nil, "A.org", false},
		{"no .env suffix matching", nil, "a.org.env", false},
		{"dot dir skipped", func(w *world) { w.app(".git", "g.org", "TYPE=foo\n") }, "g.org", false},
		{"dotdot", nil, "../srv1/a.org", false},
		{"slash", nil, "srv1/a.org", false},
		{"symlinked server dir", func(w *world) {
			other := filepath.Join(w.root, "elsewhere")
			os.MkdirAll(other, 0o755)
			os.WriteFile(filepath.Join(other, "l.org.env"), []byte("TYPE=foo\n"), 0o644)
			os.Symlink(other, w.path("servers/linked"))
		}, "l.org", true},
		{"symlinked env file", func(w *world) {
			os.Symlink(w.path("servers/srv1/a.org.env"), w.path("servers/srv2/s.org.env"))
		}, "s.org", true},
		{"directory named like an env file", func(w *world) { w.mkdir("servers/srv2/d.org.env") }, "d.org", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := deployWorld(t, "TYPE=foo\n")
			if tt.setup != nil {
				tt.setup(w)
			}
			r := w.run("", "app", "env", tt.app)
			if ok := r.code == 0; ok != tt.ok {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if !tt.ok && r.stderr != "FATA cannot find app with name "+tt.app+"\n" {
				t.Errorf("stderr %q", r.stderr)
			}
		})
	}
}

func TestList(t *testing.T) {
	w := newWorld(t)
	w.app("srv1", "a.org", "TYPE=foo:1.0.0+1.0\n")
	w.app("srv2", "b.org", "RECIPE=bar\n")
	w.app(".git", "c.org", "TYPE=foo\n")
	w.write("servers/srv1/notes.txt", "x")
	w.mustRun("app", "deploy", "-n", "a.org")

	r := w.mustRun("app", "ls", "-S")
	for _, s := range []string{"SERVER  APP    RECIPE  VERSION    STATUS", "srv1    a.org  foo     1.0.0+1.0  deployed", "srv2    b.org  bar     unknown    undeployed"} {
		contains(t, "ls", r.stdout, s)
	}
	if strings.Contains(r.stdout, "c.org") || strings.Contains(r.stdout, "notes") {
		t.Errorf("ls shows non-apps:\n%s", r.stdout)
	}
	r = w.mustRun("app", "list", "-m", "--server", "srv2")
	var rows []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 || rows[0]["app"] != "b.org" {
		t.Errorf("ls -m -s srv2: %q %v", r.stdout, err)
	}
	r = w.mustRun("app", "ls", "-r", "foo")
	if !strings.Contains(r.stdout, "a.org") || strings.Contains(r.stdout, "b.org") {
		t.Errorf("ls -r foo:\n%s", r.stdout)
	}
}

func TestReadOnlyAndOtherCommands(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
		event  string // expected in events.log, "" for none
	}{
		{[]string{"app", "ps", "a.org"}, 0, "a_org_app", "", ""},
		{[]string{"app", "logs", "a.org", "db", "--since", "1h"}, 0, "a_org_db.1", "", ""},
		{[]string{"app", "logs", "-f", "a.org"}, 0, "a_org_app.1", "", ""},
		{[]string{"app", "labels", "a.org"}, 0, "coop-cloud.a_org.version", "", ""},
		{[]string{"app", "check", "a.org"}, 0, "LETS_ENCRYPT_ENV", "", ""},
		{[]string{"app", "services", "a.org"}, 0, "a_org_app", "", ""},
		{[]string{"app", "errors", "a.org", "-w"}, 0, "", "INFO no errors found", ""},
		{[]string{"app", "version", "a.org"}, 0, "1.3.0+1.1", "", ""},
		{[]string{"app", "env", "a.org"}, 0, "TYPE=foo:1.3.0+1.1", "", ""},
		{[]string{"app", "volume", "ls", "a.org"}, 0, "a_org_data", "", ""},
		{[]string{"app", "restart", "a.org", "app"}, 0, "", "a_org_app service restarted", `cmd="app restart" app=a.org server=srv1 service=app`},
		{[]string{"app", "re", "-a", "a.org"}, 0, "", "all services", "service=all"},
		{[]string{"app", "restore", "a.org", "-s", "abc", "--target", "/data"}, 0, "", "restored snapshot abc", "snapshot=abc target=/data"},
		{[]string{"app", "backup", "create", "a.org"}, 0, "", "backup of a.org created", `cmd="app backup create"`},
		{[]string{"app", "b", "snapshots", "a.org"}, 0, "", "WARN no snapshots", ""},
		{[]string{"app", "b", "d", "a.org"}, 0, "", "not downloaded", ""},
		{[]string{"app", "run", "a.org", "app", "--", "psql", "-c", "secret-arg"}, 0, "", "running psql in app\n", `cmd="app run" app=a.org server=srv1 service=app`},
		{[]string{"app", "cmd", "a.org", "app", "migrate", "secret-arg"}, 0, "", "running migrate in app\n", `cmd="app command"`},
		{[]string{"app", "cmd", "--local", "a.org", "setup"}, 0, "", "running setup locally\n", `service=local`},
		{[]string{"app", "cmd", "a.org", "setup"}, 1, "", "Error: requires at least 3 arg(s)", ""},
		{[]string{"app", "cp", "a.org", "app:/etc/x", "."}, 0, "", "copied app:/etc/x to .", `src=app:/etc/x dst=.`},
		{[]string{"app", "cp", "a.org", "x", "y"}, 1, "", "FATA missing service name", ""},
		{[]string{"app", "volume", "rm", "-f", "a.org"}, 1, "", "still deployed", ""},
		{[]string{"server", "ls"}, 0, "srv1", "", ""},
		{[]string{"recipe", "fetch", "foo", "--all"}, 0, "", "INFO abra recipe fetch foo", ""},
		{[]string{"server", "frobnicate", "--x=1"}, 0, "", "nothing to do", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			w := deployWorld(t, "TYPE=foo\n")
			w.mustRun("app", "deploy", "-n", "a.org")
			envBefore := w.read("servers/srv1/a.org.env")
			eventsBefore := w.events()
			r := w.run("", tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
			contains(t, "stdout", r.stdout, tt.stdout)
			contains(t, "stderr", r.stderr, tt.stderr)
			if strings.Contains(r.stdout+r.stderr+w.events(), "secret-arg") {
				t.Error("run/cmd arguments leaked into output or events")
			}
			if w.read("servers/srv1/a.org.env") != envBefore {
				t.Error("env file changed")
			}
			newEvents := strings.TrimPrefix(w.events(), eventsBefore)
			if tt.event == "" && newEvents != "" {
				t.Errorf("unexpected event %q", newEvents)
			}
			contains(t, "events", newEvents, tt.event)
		})
	}
}

func TestVolumeRemove(t *testing.T) {
	w := deployWorld(t, "TYPE=foo\n")
	w.mustRun("app", "deploy", "-n", "a.org")
	w.mustRun("app", "undeploy", "a.org")
	if r := w.run("", "app", "volume", "remove", "a.org"); r.code != 1 || !strings.Contains(r.stderr, "FATA removal cancelled") {
		t.Errorf("volume rm without answer: %+v", r)
	}
	w.mustRun("app", "vl", "rm", "a.org", "-f")
	if v := w.state("srv1", "a.org").Volumes; len(v) != 0 {
		t.Errorf("volumes left: %v", v)
	}
	contains(t, "events", w.events(), `cmd="app volume remove" app=a.org server=srv1 volumes=a_org_data`)
}

func TestServerAdd(t *testing.T) {
	w := newWorld(t)
	w.mustRun("server", "add", "new.example.org")
	w.mustRun("s", "a", "--local")
	for _, d := range []string{"servers/new.example.org", "servers/default"} {
		if fi, err := os.Stat(w.path(d)); err != nil || !fi.IsDir() {
			t.Errorf("%s not created", d)
		}
	}
	if r := w.run("", "server", "add", "../evil"); r.code != 1 {
		t.Errorf("server add ../evil: exit %d", r.code)
	}
}

func TestConfig(t *testing.T) {
	w := deployWorld(t, "TYPE=foo\n")
	if r := w.run("", "app", "config", "a.org"); r.code != 1 || !strings.Contains(r.stderr, "FATA EDITOR is not set") {
		t.Errorf("config without EDITOR: %+v", r)
	}
	w.env["EDITOR"] = `sh -c 'echo EDITED=1 >> "$0"'`
	w.mustRun("app", "cfg", "a.org")
	if got := w.read("servers/srv1/a.org.env"); got != "TYPE=foo\nEDITED=1\n" {
		t.Errorf("env after edit %q", got)
	}
	w.env["EDITOR"] = "false"
	if r := w.run("", "app", "config", "a.org"); r.code != 1 {
		t.Errorf("failing editor: exit %d", r.code)
	}
}

// Issue 14: "<app>" alone generates every secret the env file names;
// names without versions take the env file's version; two names are two
// names, not a name and a version.
func TestSecretGenerateForms(t *testing.T) {
	w := deployWorld(t, "TYPE=foo\nSECRET_DB_PASSWORD_VERSION=v1\nSECRET_API_KEY_VERSION=v2\n")
	w.env["FAKEABRA_SECRET_SEED"] = seed
	w.mustRun("app", "secret", "generate", "a.org")
	st := w.state("srv1", "a.org")
	if st.Secrets["db_password"].Version != "v1" || st.Secrets["api_key"].Version != "v2" {
		t.Fatalf("<app> alone: %+v", st.Secrets)
	}
	w.mustRun("app", "secret", "remove", "--all", "a.org")
	w.mustRun("app", "secret", "generate", "a.org", "api_key")
	if st := w.state("srv1", "a.org"); len(st.Secrets) != 1 || st.Secrets["api_key"].Version != "v2" {
		t.Fatalf("<app> name: %+v", st.Secrets)
	}
	w.mustRun("app", "secret", "generate", "a.org", "a_password", "b_secret")
	st = w.state("srv1", "a.org")
	if st.Secrets["a_password"].Version != "v1" || st.Secrets["b_secret"].Version != "v1" {
		t.Fatalf("<app> a_password b_secret: %+v", st.Secrets)
	}
	w.mustRun("app", "secret", "generate", "a.org", "restic_password", "v3", "db_password")
	st = w.state("srv1", "a.org")
	if st.Secrets["restic_password"].Version != "v3" || st.Secrets["db_password"].Version != "v1" {
		t.Fatalf("<app> name version name: %+v", st.Secrets)
	}
}

// Issue 14: abra sets the app's domain in the new file; real samples have
// DOMAIN=<recipe>.example.com, not a template marker.
func TestNewSetsDomainLine(t *testing.T) {
	w := newWorld(t)
	w.write("recipes/custom/.env.sample", "TYPE=custom\n\nDOMAIN=custom.example.com\n#DOMAIN_ALIAS=custom.example.com\n")
	w.write("recipes/custom/versions", "0.1.0+1\n")
	w.mustRun("app", "new", "custom", "-s", "srv1", "-D", "wp.org")
	if got := w.read("servers/srv1/wp.org.env"); got != "TYPE=custom:0.1.0+1\n\nDOMAIN=wp.org\n#DOMAIN_ALIAS=custom.example.com\n" {
		t.Fatalf("new env file %q", got)
	}
}

// The stand-in writes the version line for exactly the commands the table
// marks (abra.Command.WritesVersion), as opsync's resolver reads them.
func TestVersionWritersFromTable(t *testing.T) {
	for _, c := range []struct {
		path []string
		want bool
	}{
		{[]string{"app", "deploy"}, true}, {[]string{"app", "upgrade"}, true},
		{[]string{"app", "rollback"}, true}, {[]string{"app", "undeploy"}, true},
		{[]string{"app", "restart"}, false}, {[]string{"app", "secret", "generate"}, false},
	} {
		if got := writesVersion(c.path...); got != c.want {
			t.Errorf("%v: writes the version line %v, want %v", c.path, got, c.want)
		}
	}
}
