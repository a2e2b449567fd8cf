package deploy

import (
	"context"
	"errors"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/internal/testservers"
)

var update = flag.Bool("update", false, "rewrite the README's generated tables (make readme)")

func TestDeclarationsAreValid(t *testing.T) {
	names := map[string]bool{}
	consumers := map[string]bool{}
	for _, d := range All {
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
		if names[d.Name] {
			t.Errorf("deployable %s declared twice", d.Name)
		}
		names[d.Name] = true
		if len(d.Consumes) > 0 {
			if consumers[d.ConsumerName()] {
				t.Errorf("consumer %s declared twice", d.ConsumerName())
			}
			consumers[d.ConsumerName()] = true
		}
	}
	// Every event is produced by someone and consumed by someone.
	for _, et := range EventTypes {
		produced := false
		for _, d := range All {
			produced = produced || slices.Contains(d.Produces, et)
		}
		if !produced || len(ConsumersOf(et)) == 0 {
			t.Errorf("%s: produced %v, consumers %d", et, produced, len(ConsumersOf(et)))
		}
	}
}

// Validate catches each kind of bad declaration.
func TestValidateCatchesBadDeclarations(t *testing.T) {
	base := MustGet(CaptionParser)
	for name, plant := range map[string]func(d *Deployable){
		"bad name":              func(d *Deployable) { d.Name = "Caption Parser" },
		"unknown kind":          func(d *Deployable) { d.Kind = "daemon" },
		"no binary":             func(d *Deployable) { d.Binaries = map[Runtime]string{Lambda: "x"} },
		"binary for no runtime": func(d *Deployable) { d.Runtimes = []Runtime{Lambda} },
		"unknown event":         func(d *Deployable) { d.Produces = []string{"caption.parsd"} },
		"twice declared":        func(d *Deployable) { d.Env = append(slices.Clone(d.Env), Var{Name: "LOG_LEVEL"}) },
		"secret without name":   func(d *Deployable) { d.Env = []Var{{Name: "K", AWS: FromSecret}} },
		"fixed without value":   func(d *Deployable) { d.Env = []Var{{Name: "K", AWS: Fixed}} },
		"bad media prefix":      func(d *Deployable) { d.Grants.Media = []MediaGrant{{Prefix: "llm-cache/*"}} },
		"worker consuming nothing": func(d *Deployable) {
			d.Consumes = nil
		},
		"http without routes": func(d *Deployable) {
			d.Kind, d.Runtimes, d.Binaries = HTTP, []Runtime{ECS}, map[Runtime]string{ECS: "x"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			d := base
			d.Binaries = map[Runtime]string{Lambda: "a", ECS: "b"}
			plant(&d)
			if err := d.Validate(); err == nil {
				t.Errorf("accepted")
			}
		})
	}
}

func TestEnvironmentByRuntime(t *testing.T) {
	cp := MustGet(CaptionParser)
	names := func(vs []Var) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Name)
		}
		return out
	}
	ecs, lambda := names(cp.Environment(ECS)), names(cp.Environment(Lambda))
	for _, want := range []string{"SUBSCRIPTION_URL", "DEADLETTER_URL", "TOPIC_URL_TEMPLATE", "OPENROUTER_API_KEY", "AWS_REGION"} {
		if !slices.Contains(ecs, want) {
			t.Errorf("ECS caption-parser does not read %s: %v", want, ecs)
		}
	}
	if slices.Contains(lambda, "SUBSCRIPTION_URL") || slices.Contains(lambda, "AWS_REGION") {
		t.Errorf("the Lambda reads SUBSCRIPTION_URL or AWS_REGION: %v", lambda)
	}
	// A secret reaches a Lambda as the ARN of its secret, ECS as itself,
	// and neither when it is not configured.
	all := func(string) bool { return true }
	if _, ok := cp.AWSEnv(Lambda, all)["OPENROUTER_API_KEY_SECRET_ARN"]; !ok {
		t.Error("the Lambda does not get OPENROUTER_API_KEY_SECRET_ARN")
	}
	if _, ok := cp.AWSEnv(ECS, all)["OPENROUTER_API_KEY"]; !ok {
		t.Error("the ECS worker does not get OPENROUTER_API_KEY")
	}
	none := func(string) bool { return false }
	for _, rt := range cp.Runtimes {
		for n := range cp.AWSEnv(rt, none) {
			if strings.Contains(n, "OPENROUTER") {
				t.Errorf("%s: %s set without a configured secret", rt, n)
			}
		}
	}
}

func TestEnv(t *testing.T) {
	d := MustGet(ScheduledIngestion)
	vals := map[string]string{"STORE_URL": " dynamodb://t?region=eu-west-1 "}
	e := EnvOf(d, Lambda, func(k string) string { return vals[k] })
	if got := e.Get("STORE_URL"); got != "dynamodb://t?region=eu-west-1" {
		t.Errorf("Get = %q", got)
	}
	if got := e.Or("INGEST_CONCURRENCY", "4"); got != "4" {
		t.Errorf("Or = %q", got)
	}
	err := e.Check()
	if err == nil || !strings.Contains(err.Error(), "APIFY_TOKEN (the Apify API token)") || !strings.Contains(err.Error(), "TOPIC_URL_TEMPLATE") {
		t.Errorf("Check = %v, want APIFY_TOKEN and TOPIC_URL_TEMPLATE named", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("an undeclared variable was read")
		}
	}()
	e.Get("SUBSCRIPTION_URL")
}

func TestLoadSecrets(t *testing.T) {
	d := MustGet(CaptionParser)
	t.Setenv("OPENROUTER_API_KEY", "")
	t.Setenv("OPENROUTER_API_KEY_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:buylink/dev/openrouter-api-key-AbC")
	calls := 0
	fetch := func(_ context.Context, arn string) (string, error) {
		calls++
		if !strings.HasSuffix(arn, "openrouter-api-key-AbC") {
			return "", errors.New("unknown secret")
		}
		return "sk-or-secret", nil
	}
	e := EnvOf(d, Lambda, os.Getenv)
	if err := e.LoadSecrets(t.Context(), fetch); err != nil {
		t.Fatal(err)
	}
	if got := e.Get("OPENROUTER_API_KEY"); got != "sk-or-secret" || calls != 1 {
		t.Fatalf("key %q after %d calls", got, calls)
	}
	// Read once: a second load (or a value given directly) fetches nothing.
	if err := e.LoadSecrets(t.Context(), fetch); err != nil || calls != 1 {
		t.Fatalf("second load: %v, %d calls", err, calls)
	}
	t.Setenv("OPENROUTER_API_KEY", "")
	t.Setenv("OPENROUTER_API_KEY_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:gone")
	if err := e.LoadSecrets(t.Context(), fetch); err == nil || !strings.Contains(err.Error(), "OPENROUTER_API_KEY") {
		t.Fatalf("a missing secret: %v", err)
	}
}

// envRead finds the environment variables read in the repository's code:
// string-literal arguments of os.Getenv, os.LookupEnv, a getenv function,
// and Get/Or of a deploy.Env.
var envName = regexp.MustCompile(`^[A-Z][A-Z0-9_]+$`)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := testservers.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// readsInCode returns every environment variable read by non-test code under
// the directories, with where.
func readsInCode(t *testing.T, root string, dirs ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if de.IsDir() && (de.Name() == "testdata" || de.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if de.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				name, _ := strconv.Unquote(lit.Value)
				if !envName.MatchString(name) || !isEnvRead(call.Fun) {
					return true
				}
				out[name] = append(out[name], rel)
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func isEnvRead(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name == "getenv"
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok && x.Name == "os" {
			return f.Sel.Name == "Getenv" || f.Sel.Name == "LookupEnv"
		}
		return f.Sel.Name == "Get" || f.Sel.Name == "Or"
	}
	return false
}

// Every variable the services and shared packages read is declared, and
// every declared variable is read: nothing set on AWS goes unread, nothing
// read escapes the contract. (services/buylink is the operator CLI, not a
// deployable; package testservers only sets variables for tests.)
func TestEnvironmentReadsMatchDeclarations(t *testing.T) {
	root := repoRoot(t)
	var dirs []string
	for _, d := range []string{"pkg", "services"} {
		entries, err := os.ReadDir(filepath.Join(root, d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() && e.Name() != "buylink" && e.Name() != "internal" {
				dirs = append(dirs, filepath.Join(d, e.Name()))
			}
		}
	}
	reads := readsInCode(t, root, dirs...)
	declared := map[string]bool{}
	library := map[string]bool{}
	for _, d := range All {
		for _, rt := range d.Runtimes {
			for _, v := range d.Environment(rt) {
				declared[v.Name] = true
				library[v.Name] = v.Library
			}
		}
	}
	for _, v := range DevstackEnv {
		declared[v.Name] = true
	}
	for name, where := range reads {
		if !declared[name] {
			t.Errorf("%s is read (%s) but no deployable declares it in pkg/deploy", name, strings.Join(where, ", "))
		}
	}
	for name := range declared {
		if _, ok := reads[name]; !ok && !library[name] {
			t.Errorf("%s is declared but nothing reads it", name)
		}
	}
}

// The scan itself finds reads: a planted read of an undeclared variable in
// a scanned file is found.
func TestEnvironmentScanFindsReads(t *testing.T) {
	dir := t.TempDir()
	src := `package x
import "os"
func f(getenv func(string) string, e interface{ Get(string) string }) {
	_ = os.Getenv("PLANTED_ONE")
	_, _ = os.LookupEnv("PLANTED_TWO")
	_ = getenv("PLANTED_THREE")
	_ = e.Get("PLANTED_FOUR")
	_ = os.Getenv("lower_case_is_no_variable")
}
`
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	reads := readsInCode(t, dir, ".")
	for _, want := range []string{"PLANTED_ONE", "PLANTED_TWO", "PLANTED_THREE", "PLANTED_FOUR"} {
		if len(reads[want]) == 0 {
			t.Errorf("%s not found", want)
		}
	}
	if len(reads) != 4 {
		t.Errorf("found %v", reads)
	}
}

// The README's tables are generated from the declarations.
func TestReadmeTables(t *testing.T) {
	path := filepath.Join(repoRoot(t), "README.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, tbl := range []struct{ marker, body string }{
		{"deployables", MarkdownDeployables()},
		{"environment", MarkdownEnv()},
		{"devstack", MarkdownDevstack()},
		{"edge", MarkdownEdge()},
	} {
		begin, end := "<!-- generated by pkg/deploy: "+tbl.marker+" -->\n", "<!-- end of "+tbl.marker+" -->"
		i, j := strings.Index(readme, begin), strings.Index(readme, end)
		if i < 0 || j < i {
			t.Errorf("README.md has no %q ... %q block", strings.TrimSpace(begin), end)
			continue
		}
		if got := readme[i+len(begin) : j]; got != tbl.body {
			if *update {
				readme = readme[:i+len(begin)] + tbl.body + readme[j:]
				continue
			}
			t.Errorf("README.md's %s table is not the declarations': run `make readme`", tbl.marker)
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Each binary links only the store drivers it uses: no Lambda links SQLite
// (storeurl opens stores by the schemes the imported drivers register).
func TestLambdasLinkNoSQLite(t *testing.T) {
	root := repoRoot(t)
	var pkgs []string
	for _, d := range All {
		if p := d.Binaries[Lambda]; p != "" {
			pkgs = append(pkgs, "./"+p)
		}
	}
	for _, p := range pkgs {
		one := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", p)
		one.Dir = root
		deps, err := one.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", p, err)
		}
		if strings.Contains(string(deps), "modernc.org/sqlite") || strings.Contains(string(deps), "pkg/catalog/sqlite") {
			t.Errorf("%s links SQLite", p)
		}
	}
}

func TestEdgeRoutes(t *testing.T) {
	if err := ValidateEdge(EdgeRoutes); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]EdgeRoute{
		{{Pattern: "s/*", Cache: EdgeByOrigin}},
		{{Pattern: "/s/*", Cache: EdgeByOrigin}, {Pattern: "/s/*", Cache: EdgeNever}},
		{{Pattern: "/x", Cache: "forever"}},
		{{Pattern: "/files/*", Cache: EdgeImmutable, Media: true}},
		{{Pattern: MediaMount + "*", Cache: EdgeNever, Media: true}},
	} {
		if ValidateEdge(bad) == nil {
			t.Errorf("%+v: accepted", bad)
		}
	}
	// Media served to anyone is media product-service serves today.
	ps := MustGet(ProductService)
	for _, p := range PublicMediaPrefixes {
		if !slices.ContainsFunc(ps.Grants.Media, func(g MediaGrant) bool { return g.Prefix == p }) {
			t.Errorf("public media prefix %s is not one product-service reads", p)
		}
	}
	for _, private := range []string{LLMCachePrefix, DeadLettersPrefix} {
		if slices.Contains(PublicMediaPrefixes, private) {
			t.Errorf("%s must never be served", private)
		}
	}
}
