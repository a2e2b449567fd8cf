package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Env is a binary's environment as its deployable declares it: Get refuses
// (panics on) a name the deployable does not declare for the runtime, so a
// binary cannot grow an undeclared setting that the stack would not set.
type Env struct {
	d      Deployable
	rt     Runtime
	vars   map[string]Var
	getenv func(string) string
}

// EnvOf is the environment of d's binary on rt, read through getenv
// (os.Getenv; tests pass a map's lookup).
func EnvOf(d Deployable, rt Runtime, getenv func(string) string) Env {
	vars := map[string]Var{}
	for _, v := range d.Environment(rt) {
		vars[v.Name] = v
	}
	return Env{d: d, rt: rt, vars: vars, getenv: getenv}
}

// LocalEnv is the environment of d's binary outside AWS (devstack, tests):
// its default runtime's, read through getenv.
func LocalEnv(d Deployable, getenv func(string) string) Env {
	return EnvOf(d, d.Runtimes[0], getenv)
}

// Deployable is the deployable whose environment this is.
func (e Env) Deployable() Deployable { return e.d }

// Runtime is the runtime whose environment this is.
func (e Env) Runtime() Runtime { return e.rt }

// Get returns the variable's value with surrounding space trimmed, "" when
// unset. It panics when the deployable does not declare the name.
func (e Env) Get(name string) string {
	if _, ok := e.vars[name]; !ok {
		panic(fmt.Sprintf("deploy: %s does not declare %s on %s (add it to pkg/deploy)", e.d.Name, name, e.rt))
	}
	return strings.TrimSpace(e.getenv(name))
}

// Or returns the variable's value, or def when it is unset.
func (e Env) Or(name, def string) string {
	if v := e.Get(name); v != "" {
		return v
	}
	return def
}

// Check fails naming every required variable that is unset, with what it
// means, so a binary stops at start-up saying what to set.
func (e Env) Check() error {
	var missing []string
	for _, v := range e.d.Environment(e.rt) {
		if v.Required && e.Get(v.Name) == "" {
			missing = append(missing, fmt.Sprintf("%s (%s)", v.Name, v.Doc))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: set %s", e.d.Name, strings.Join(missing, ", "))
	}
	return nil
}

// SecretFetcher returns a secret's value from its ARN (Secrets Manager).
type SecretFetcher func(ctx context.Context, arn string) (string, error)

// LoadSecrets fills, once at a Lambda's cold start, every secret variable
// that is unset but whose <NAME>_SECRET_ARN names a secret: it fetches the
// value and sets it in the process environment, where every reader of the
// variable finds it for the life of the execution environment. A secret
// that cannot be read is an error naming the variable.
func (e Env) LoadSecrets(ctx context.Context, fetch SecretFetcher) error {
	var errs []error
	names := make([]string, 0, len(e.vars))
	for n := range e.vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := e.vars[n]
		if v.AWS != FromSecret || e.getenv(n) != "" {
			continue
		}
		arn := strings.TrimSpace(e.getenv(SecretARNVar(n)))
		if arn == "" {
			continue
		}
		val, err := fetch(ctx, arn)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: read secret %s: %w", n, arn, err))
			continue
		}
		if err := os.Setenv(n, val); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}
