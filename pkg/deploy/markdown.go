package deploy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// awsValue describes in the README what the stack sets a variable to.
var awsValue = map[Source]string{
	FromRegion:        "the stack's region",
	FromListenAddr:    "`:8080`",
	FromPublicURL:     "`https://<domain>`",
	FromStore:         "`dynamodb://buylink-<stack>-catalog?region=<region>`",
	FromTopics:        "`awssns:///arn:aws:sns:<region>:<account>:buylink-<stack>-{name}?region=<region>`",
	FromQueue:         "`awssqs://sqs.<region>.amazonaws.com/<account>/buylink-<stack>-<consumer>?region=<region>&raw=true&waittime=20s`",
	FromDeadLetters:   "workers: their queue's DLQ (`awssqs://...-<consumer>-dlq`); deadletters: `s3://<bucket>?region=<region>&prefix=deadletters/`",
	FromMedia:         "`s3://<bucket>?region=<region>`",
	FromLLMCache:      "`s3://<bucket>?region=<region>&prefix=llm-cache/`",
	FromAuthIssuer:    "the Cognito issuer `https://cognito-idp.<region>.amazonaws.com/<pool>`",
	FromAuthClientIDs: "the Cognito web client's id",
	FromHostedUI:      "`https://<prefix>.auth.<region>.amazoncognito.com`",
	FromVPCCIDR:       "the VPC's CIDR (the load balancer)",
}

// MarkdownDeployables is the README's table of deployables.
func MarkdownDeployables() string {
	var b strings.Builder
	b.WriteString("| deployable | kind | runs on | consumes | produces | routes / schedule | grants |\n|---|---|---|---|---|---|---|\n")
	for _, d := range All {
		var rts []string
		for _, rt := range d.Runtimes {
			rts = append(rts, string(rt))
		}
		where := strings.Join(code(d.Routes), " ")
		if d.Kind == Schedule {
			where = "`" + orText(d.Schedule, "buylink:ingestionSchedule") + "`"
		}
		consumes := strings.Join(code(d.Consumes), ", ")
		if d.Grants.DeadLetterQueues {
			consumes = "every worker's DLQ"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", d.Name, d.Kind, strings.Join(rts, ", "),
			orText(consumes, "—"), orText(strings.Join(code(d.Produces), ", "), "—"), orText(where, "—"), grantText(d))
	}
	return b.String()
}

// grantText lists a deployable's grants in words.
func grantText(d Deployable) string {
	var g []string
	if d.Grants.Table != NoAccess {
		g = append(g, "table "+string(d.Grants.Table))
	}
	for _, m := range d.Grants.Media {
		verb := "read"
		if m.Write {
			verb = "read-write"
		}
		g = append(g, fmt.Sprintf("media `%s` %s", m.Prefix, verb))
	}
	if len(d.Produces) > 0 {
		g = append(g, "publish")
	}
	if len(d.Consumes) > 0 {
		g = append(g, "own queue and DLQ")
	}
	if d.Grants.DeadLetterQueues {
		g = append(g, "every DLQ")
	}
	for _, s := range d.Secrets() {
		g = append(g, "secret `"+s+"`")
	}
	return strings.Join(g, ", ")
}

// MarkdownEnv is the README's table of every variable the deployables read:
// who reads it, whether it is required, what it means and defaults to, and
// what the AWS stack sets.
func MarkdownEnv() string {
	type row struct {
		v       Var
		readers []string
	}
	rows := map[string]*row{}
	for _, d := range All {
		for _, rt := range d.Runtimes {
			for _, v := range d.Environment(rt) {
				r := rows[v.Name]
				if r == nil {
					r = &row{v: v}
					rows[v.Name] = r
				}
				if !slices.Contains(r.readers, d.Name) {
					r.readers = append(r.readers, d.Name)
				}
			}
		}
	}
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("| variable | read by | meaning | default | AWS value |\n|---|---|---|---|---|\n")
	for _, n := range names {
		r := rows[n]
		readers := strings.Join(r.readers, ", ")
		if len(r.readers) == len(All) {
			readers = "all"
		}
		meaning := r.v.Doc
		if r.v.Required {
			meaning = "**required**: " + meaning
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", n, readers, meaning, orText(r.v.Default, "—"), awsText(r.v))
	}
	return b.String()
}

func awsText(v Var) string {
	switch v.AWS {
	case Unset:
		return "unset"
	case FromRuntime:
		return "set by the runtime"
	case Fixed:
		return "`" + v.Value + "`"
	case FromSecret:
		return fmt.Sprintf("secret `%s` when configured (ECS injects it; Lambdas get `%s` and read it at cold start)", v.Secret, SecretARNVar(v.Name))
	}
	return awsValue[v.AWS]
}

func code(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "`" + x + "`"
	}
	return out
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// MarkdownDevstack is the README's table of what `make dev` reads itself.
func MarkdownDevstack() string {
	var b strings.Builder
	b.WriteString("| variable | meaning | default |\n|---|---|---|\n")
	for _, v := range DevstackEnv {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Name, v.Doc, orText(v.Default, "—"))
	}
	return b.String()
}
