// Package deploy declares buylink's deployables once: for each, how it runs
// (an HTTP service, a queue worker, a scheduled function), the events it
// consumes and produces, the environment its binaries read (required or
// optional, secret or not, and what the AWS stack sets), the grants it needs
// and where its binaries live. Everything else derives from these
// declarations:
//
//   - the mains read their environment through Env, which refuses names a
//     deployable does not declare and names every missing required one;
//   - devstack subscribes each consumer to the events it declares;
//   - stacks/ builds every service, queue, function, environment and IAM
//     policy from them, and its contract test holds the plan of every stack
//     against them (nothing missing, nothing unread, no other grant);
//   - the README's architecture and configuration tables are generated from
//     them (Markdown; a test keeps the README in step).
//
// The package holds declarations only: it imports no driver, no AWS SDK and
// no web framework, so the Pulumi program can import it cheaply.
package deploy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/buylink/buylink/pkg/events"
)

// Kind is how a deployable runs.
type Kind string

// The kinds of deployable.
const (
	// HTTP is a service behind the load balancer, on ECS Fargate.
	HTTP Kind = "http"
	// Worker consumes its own queue: on Lambda (an SQS event source with
	// partial batch failures) or on ECS (long polling).
	Worker Kind = "worker"
	// Schedule is a Lambda function an EventBridge schedule runs.
	Schedule Kind = "schedule"
)

// Runtime is where a binary runs on AWS.
type Runtime string

// The runtimes.
const (
	ECS    Runtime = "ecs"
	Lambda Runtime = "lambda"
)

// Access is a deployable's access to the catalog table.
type Access string

// Table access levels.
const (
	NoAccess  Access = ""
	Read      Access = "read"
	ReadWrite Access = "read-write"
)

// MediaGrant gives access to the media bucket under a key prefix.
type MediaGrant struct {
	// Prefix is a plain key prefix such as "thumbs/".
	Prefix string
	// Write adds writing objects to reading them.
	Write bool
}

// Grants are the AWS permissions a deployable needs beyond its own logs.
// Publishing to the topics of the events it produces, consuming its queue
// and reading its secrets are implied by Produces, Consumes and Env.
type Grants struct {
	Table Access
	Media []MediaGrant
	// DeadLetterQueues consumes every worker's dead-letter queue (the
	// dead-letter consumer).
	DeadLetterQueues bool
}

// Deployable is one thing the platform deploys.
type Deployable struct {
	// Name names the ECS service or Lambda function, its image, log group
	// and role ("caption-parser").
	Name string
	// Doc says in a few words what it does.
	Doc  string
	Kind Kind
	// Runtimes are where it may run on AWS; the first is the default.
	Runtimes []Runtime
	// Consumes and Produces are event types (events.Type*).
	Consumes []string
	Produces []string
	// Consumer names its queue, its dead letters and its worker in logs
	// (default Name; product-service's projector is "projector").
	Consumer string
	// Routes are the load balancer path patterns an HTTP service answers,
	// most specific first; "/*" takes everything no other service does.
	Routes []string
	// LocalAddr is where an HTTP service listens when ADDR is unset (its
	// binary run alone, outside devstack).
	LocalAddr string
	// Schedule is the EventBridge expression of a Schedule deployable;
	// empty when the stack configuration gives it.
	Schedule string
	// Env is what the deployable's own code reads; its host's variables
	// (HostEnv) come on top.
	Env    []Var
	Grants Grants
	// Binaries are the main packages by runtime, relative to the
	// repository root ("services/caption-parser/cmd/caption-parser-lambda").
	Binaries map[Runtime]string
}

// Source is what the AWS stack puts in a variable.
type Source string

// The sources of the variables' AWS values.
const (
	// Unset: the stack does not set the variable (local runs, defaults).
	Unset Source = ""
	// Fixed: the literal Var.Value.
	Fixed Source = "fixed"
	// FromRegion: the stack's region (ECS only: Lambda sets its own).
	FromRegion Source = "region"
	// FromListenAddr: ":<port>" of the container.
	FromListenAddr Source = "listen-addr"
	// FromPublicURL: https://<domain>.
	FromPublicURL Source = "public-url"
	// FromStore: dynamodb://<table>?region=<region>.
	FromStore Source = "store"
	// FromTopics: the awssns:// topic template with {name}.
	FromTopics Source = "topics"
	// FromQueue: the consumer's own queue as an awssqs:// subscription URL.
	FromQueue Source = "queue"
	// FromDeadLetters: a worker's own dead-letter queue (awssqs://), or
	// the dead-letter box (s3://<bucket>?prefix=deadletters/) for the
	// dead-letter consumer.
	FromDeadLetters Source = "deadletters"
	// FromMedia: s3://<bucket>?region=<region>, the media bucket.
	FromMedia Source = "media"
	// FromLLMCache: the media bucket under llm-cache/.
	FromLLMCache Source = "llm-cache"
	// FromAuthIssuer, FromAuthClientIDs, FromHostedUI: the Cognito user
	// pool's issuer, app client id and hosted UI address.
	FromAuthIssuer    Source = "auth-issuer"
	FromAuthClientIDs Source = "auth-client-ids"
	FromHostedUI      Source = "hosted-ui"
	// FromVPCCIDR: the VPC's address range (the load balancer's addresses).
	FromVPCCIDR Source = "vpc-cidr"
	// FromRuntime: set by ECS or Lambda themselves, never by the stack.
	FromRuntime Source = "runtime"
	// FromSecret: the Secrets Manager secret Var.Secret, when configured:
	// injected by ECS into the variable itself; on Lambda the variable
	// <Name>_SECRET_ARN names the secret and the function reads the value
	// at cold start (see SecretARNVar).
	FromSecret Source = "secret"
)

// Var is one environment variable a binary reads.
type Var struct {
	Name string
	// Doc says what it means, for the README and error messages.
	Doc string
	// Required: the binary refuses to start without it.
	Required bool
	// Default is what an unset optional variable means (documentation).
	Default string
	// AWS is what the stack sets; Value the literal for Fixed.
	AWS   Source
	Value string
	// Secret names the Secrets Manager secret ("openrouter-api-key") of a
	// FromSecret variable.
	Secret string
	// Runtimes limits the variable to binaries on these runtimes (nil: all).
	Runtimes []Runtime
	// Library marks a variable read by a library rather than our code (the
	// AWS SDK reads AWS_REGION): the environment scan does not look for it.
	Library bool
}

// SecretARNVar is the variable naming the secret a Lambda reads a secret
// variable from at cold start: OPENROUTER_API_KEY_SECRET_ARN.
func SecretARNVar(name string) string { return name + "_SECRET_ARN" }

// On reports whether the variable applies to runtime rt.
func (v Var) On(rt Runtime) bool { return len(v.Runtimes) == 0 || slices.Contains(v.Runtimes, rt) }

// ConsumerName is the name of the deployable's queue and worker.
func (d Deployable) ConsumerName() string {
	if d.Consumer != "" {
		return d.Consumer
	}
	return d.Name
}

// Runs reports whether the deployable may run on rt.
func (d Deployable) Runs(rt Runtime) bool { return slices.Contains(d.Runtimes, rt) }

// Environment is every variable a binary of the deployable reads on rt:
// the common ones, its host's, then its own, each name once.
func (d Deployable) Environment(rt Runtime) []Var {
	var out []Var
	seen := map[string]bool{}
	for _, group := range [][]Var{commonEnv, d.hostEnv(rt), d.Env} {
		for _, v := range group {
			if v.On(rt) && !seen[v.Name] {
				seen[v.Name] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// Var returns the variable called name a binary on rt reads.
func (d Deployable) Var(rt Runtime, name string) (Var, bool) {
	for _, v := range d.Environment(rt) {
		if v.Name == name {
			return v, true
		}
	}
	return Var{}, false
}

// AWSEnv is what the stack must set for a binary on rt: every variable with
// an AWS source, a secret one only when its secret is configured, named as
// the runtime receives it (Lambda: <NAME>_SECRET_ARN). It maps each name to
// its variable.
func (d Deployable) AWSEnv(rt Runtime, configured func(secret string) bool) map[string]Var {
	out := map[string]Var{}
	for _, v := range d.Environment(rt) {
		switch {
		case v.AWS == Unset, v.AWS == FromRuntime:
		case v.AWS == FromSecret && !configured(v.Secret):
		case v.AWS == FromSecret && rt == Lambda:
			out[SecretARNVar(v.Name)] = v
		default:
			out[v.Name] = v
		}
	}
	return out
}

// Secrets are the secrets the deployable's variables name.
func (d Deployable) Secrets() []string {
	var out []string
	for _, v := range d.Env {
		if v.Secret != "" && !slices.Contains(out, v.Secret) {
			out = append(out, v.Secret)
		}
	}
	return out
}

// hostEnv is what the host of a deployable reads on rt.
func (d Deployable) hostEnv(rt Runtime) []Var {
	var out []Var
	switch {
	case d.Kind == HTTP:
		out = append(out, httpEnv...)
		if len(d.Consumes) > 0 {
			out = append(out, subscriptionEnv...)
		}
	case d.Kind == Worker && rt == ECS:
		for _, v := range subscriptionEnv {
			v.Required = v.Name == "SUBSCRIPTION_URL"
			out = append(out, v)
		}
	case d.Kind == Worker:
		out = append(out, deadLetterEnv...)
	}
	if len(d.Produces) > 0 {
		t := topicsEnv
		// Only an HTTP service falls back to in-process topics.
		t.Required = d.Kind != HTTP
		out = append(out, t)
	}
	return out
}

// Validate checks a declaration on its own.
func (d Deployable) Validate() error {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if d.Name == "" || strings.Trim(d.Name, "abcdefghijklmnopqrstuvwxyz-") != "" {
		bad("name %q must be lower-case letters and dashes", d.Name)
	}
	switch d.Kind {
	case HTTP:
		if len(d.Routes) == 0 {
			bad("an HTTP service needs routes")
		}
		if !slices.Equal(d.Runtimes, []Runtime{ECS}) {
			bad("an HTTP service runs on ECS only")
		}
	case Worker:
		if len(d.Consumes) == 0 && !d.Grants.DeadLetterQueues {
			bad("a worker consumes events or dead letters")
		}
	case Schedule:
		if !slices.Equal(d.Runtimes, []Runtime{Lambda}) {
			bad("a schedule runs on Lambda only")
		}
		if len(d.Consumes) > 0 {
			bad("a schedule consumes nothing")
		}
	default:
		bad("unknown kind %q", d.Kind)
	}
	if len(d.Runtimes) == 0 {
		bad("no runtime")
	}
	for _, rt := range d.Runtimes {
		if d.Binaries[rt] == "" {
			bad("no binary for runtime %s", rt)
		}
	}
	for rt := range d.Binaries {
		if !d.Runs(rt) {
			bad("a binary for runtime %s it does not run on", rt)
		}
	}
	for _, et := range append(slices.Clone(d.Consumes), d.Produces...) {
		if !slices.Contains(EventTypes, et) {
			bad("unknown event type %q", et)
		}
	}
	for _, rt := range d.Runtimes {
		seen := map[string]bool{}
		for _, v := range slices.Concat(commonEnv, d.hostEnv(rt), d.Env) {
			if !v.On(rt) {
				continue
			}
			if seen[v.Name] {
				bad("%s declared twice", v.Name)
			}
			seen[v.Name] = true
			if (v.AWS == FromSecret) != (v.Secret != "") {
				bad("%s: a secret variable names its secret, and only it", v.Name)
			}
			if (v.AWS == Fixed) != (v.Value != "") {
				bad("%s: a fixed variable has a value, and only it", v.Name)
			}
		}
	}
	for _, g := range d.Grants.Media {
		if g.Prefix == "" || !strings.HasSuffix(g.Prefix, "/") || strings.ContainsAny(g.Prefix, "*?") {
			bad("media prefix %q must be a plain folder such as thumbs/", g.Prefix)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("deployable %s: %s", d.Name, strings.Join(errs, "; "))
	}
	return nil
}

// EventTypes are every event type, each with a topic.
var EventTypes = []string{events.TypeVideoPosted, events.TypeCaptionParsed, events.TypeThumbnailsGenerated, events.TypeProductTagged}

// TopicName is an event type's topic name, the "{name}" of a topic
// template: dots become dashes.
func TopicName(eventType string) string { return strings.ReplaceAll(eventType, ".", "-") }

// Get returns the deployable called name.
func Get(name string) (Deployable, bool) {
	for _, d := range All {
		if d.Name == name {
			return d, true
		}
	}
	return Deployable{}, false
}

// MustGet returns the deployable called name and panics when there is none
// (a programming error: names are constants).
func MustGet(name string) Deployable {
	d, ok := Get(name)
	if !ok {
		panic("deploy: no deployable " + name)
	}
	return d
}

// ConsumersOf returns the deployables consuming an event type.
func ConsumersOf(eventType string) []Deployable {
	var out []Deployable
	for _, d := range All {
		if slices.Contains(d.Consumes, eventType) {
			out = append(out, d)
		}
	}
	return out
}

// ByConsumer returns the deployable whose queue or worker is called
// consumer.
func ByConsumer(consumer string) (Deployable, bool) {
	for _, d := range All {
		if len(d.Consumes) > 0 && d.ConsumerName() == consumer {
			return d, true
		}
	}
	return Deployable{}, false
}
