package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
)

// Outputs are the stack outputs the CLI reads (see README.md for the keys).
// Other keys of the file are ignored: a stack exports more than the CLI needs.
type Outputs struct {
	// URL is the public base URL (load balancer or domain).
	URL    string `json:"url"`
	Region string `json:"region"`
	// QueueURLs and DLQURLs map a worker (caption-parser, projector...) to
	// its SQS queue and that queue's dead-letter queue.
	QueueURLs   map[string]string `json:"queueUrls"`
	DLQURLs     map[string]string `json:"dlqUrls"`
	ClusterName string            `json:"clusterName"`
	// ServiceNames, FunctionNames and LogGroups map a label to an ECS
	// service, a Lambda function and a log group; a JSON array of names is
	// accepted too (each name is its own label).
	ServiceNames  names  `json:"serviceNames"`
	FunctionNames names  `json:"functionNames"`
	LogGroups     names  `json:"logGroups"`
	TableName     string `json:"tableName"`
	BucketName    string `json:"bucketName"`

	file string // where they came from, for messages
}

// names is a label -> name map read from a JSON object or array.
type names map[string]string

func (n *names) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err == nil {
		*n = m
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return errors.New("must be an object of label to name, or an array of names")
	}
	*n = names{}
	for _, s := range l {
		(*n)[s] = s
	}
	return nil
}

// sorted returns the labels in order.
func (n names) sorted() []string {
	out := make([]string, 0, len(n))
	for k := range n {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// LoadOutputs reads a stack output file.
func LoadOutputs(path string) (*Outputs, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("stack output file %s does not exist (make it with `pulumi stack output --json > %s`)", path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("stack output file: %w", err)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, fmt.Errorf("stack output file %s is not the JSON object `pulumi stack output --json` prints: %w", path, err)
	}
	o := &Outputs{file: path}
	// Decode member by member, so a wrong type names its key.
	fields := map[string]any{
		"url": &o.URL, "region": &o.Region, "queueUrls": &o.QueueURLs, "dlqUrls": &o.DLQURLs,
		"clusterName": &o.ClusterName, "serviceNames": &o.ServiceNames, "functionNames": &o.FunctionNames,
		"logGroups": &o.LogGroups,
	}
	for key, dst := range fields {
		v, ok := members[key]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return nil, fmt.Errorf("stack output file %s: key %q: %v", path, key, oneLineText(err.Error()))
		}
	}
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("stack output file %s: %w", path, err)
	}
	return o, nil
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// validate checks the URLs the file holds.
func (o *Outputs) validate() error {
	if o.URL != "" {
		if err := checkHTTPURL(o.URL); err != nil {
			return fmt.Errorf("key \"url\": %w", err)
		}
	}
	for key, m := range map[string]map[string]string{"queueUrls": o.QueueURLs, "dlqUrls": o.DLQURLs} {
		for worker, u := range m {
			if err := checkHTTPURL(u); err != nil {
				return fmt.Errorf("key %q, worker %q: %w", key, worker, err)
			}
		}
	}
	return nil
}

// checkHTTPURL accepts an absolute http(s) URL.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

// missingKey is the error of a command that needs a key the stack file (and
// the flags) do not give.
func (o *Outputs) missingKey(key, flag string) error {
	where := "no stack output file"
	if o.file != "" {
		where = "stack output file " + o.file + " has no " + fmt.Sprintf("%q", key)
	}
	return fmt.Errorf("%s: export %q from the stack, or pass %s", where, key, flag)
}

// outputs returns the stack outputs, merged with the target flags.
func (o *options) outputs() (*Outputs, error) {
	if o.stackOutputs != nil {
		return o.stackOutputs, nil
	}
	out := &Outputs{}
	if o.stackFile != "" {
		var err error
		if out, err = LoadOutputs(o.stackFile); err != nil {
			return nil, err
		}
	}
	if o.apiURL != "" {
		if err := checkHTTPURL(o.apiURL); err != nil {
			return nil, fmt.Errorf("--api-url: %w", err)
		}
		out.URL = o.apiURL
	}
	for flag, pair := range map[string]struct {
		from map[string]string
		to   *map[string]string
	}{"--queue-url": {o.queueURLs, &out.QueueURLs}, "--dlq-url": {o.dlqURLs, &out.DLQURLs}} {
		if len(pair.from) == 0 {
			continue
		}
		if *pair.to == nil {
			*pair.to = map[string]string{}
		}
		for w, u := range pair.from {
			if err := checkHTTPURL(u); err != nil {
				return nil, fmt.Errorf("%s %s: %w", flag, w, err)
			}
			(*pair.to)[w] = u
		}
	}
	if o.cluster != "" {
		out.ClusterName = o.cluster
	}
	for _, f := range []struct {
		from []string
		to   *names
	}{{o.ecsServices, &out.ServiceNames}, {o.functions, &out.FunctionNames}, {o.logGroups, &out.LogGroups}} {
		if len(f.from) > 0 {
			*f.to = names{}
			for _, s := range f.from {
				(*f.to)[s] = s
			}
		}
	}
	if o.region != "" {
		out.Region = o.region
	}
	if out.file == "" && out.URL == "" && len(out.QueueURLs) == 0 && len(out.DLQURLs) == 0 && out.ClusterName == "" &&
		len(out.FunctionNames) == 0 && len(out.LogGroups) == 0 {
		return nil, errNoTarget
	}
	o.stackOutputs = out
	return out, nil
}

// regionOf returns the region in an SQS queue URL
// (https://sqs.<region>.amazonaws.com/<account>/<name>), or "".
func regionOf(queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return ""
	}
	parts := strings.Split(u.Hostname(), ".")
	if len(parts) >= 4 && parts[0] == "sqs" && parts[2] == "amazonaws" {
		return parts[1]
	}
	return ""
}
