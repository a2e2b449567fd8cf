package pulumitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Redacted replaces every secret value in snapshots and in Resource.Input.
const Redacted = "[secret]"

// Resource is one registered resource as the program declared it.
type Resource struct {
	URN  string
	Type string
	Name string
	// Parent is the URN of the parent ("" for the stack itself).
	Parent string
	// Provider is the explicit provider reference ("urn::id"), "" for the
	// default provider.
	Provider string
	// Providers are the provider references a component hands its children
	// (package -> "urn::id"); remote components such as awsx's record them.
	Providers map[string]string
	// Custom is false for component resources (and remote components).
	Custom bool
	// Dependencies are the URNs the resource depends on.
	Dependencies []string
	// DeleteBeforeReplace: a replacement deletes the old resource first.
	DeleteBeforeReplace bool
	// Inputs are the declared inputs; Outputs what the mocks answered.
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
	ID      string
}

// Input returns the plain value at a path of the inputs ("pointInTimeRecovery",
// "enabled"), secrets redacted, or nil when absent.
func (r *Resource) Input(path ...string) interface{} {
	return lookup(r.Inputs, path)
}

// Output returns the plain value at a path of the mocked outputs, or nil.
func (r *Resource) Output(path ...string) interface{} {
	return lookup(r.Outputs, path)
}

// String returns "type::name", how resources are named in messages.
func (r *Resource) String() string { return r.Type + "::" + r.Name }

func lookup(m resource.PropertyMap, path []string) interface{} {
	v := resource.NewObjectProperty(m)
	for _, k := range path {
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		if !v.IsObject() {
			return nil
		}
		next, ok := v.ObjectValue()[resource.PropertyKey(k)]
		if !ok {
			return nil
		}
		v = next
	}
	return plain(v)
}

// Graph is every resource a program registered, in registration order.
type Graph struct {
	project, stack string

	mu        sync.Mutex
	resources []*Resource
	byURN     map[string]*Resource
}

func newGraph(project, stack string) *Graph {
	return &Graph{project: project, stack: stack, byURN: map[string]*Resource{}}
}

func (g *Graph) record(args pulumi.MockResourceArgs) *Resource {
	r := &Resource{Type: args.TypeToken, Name: args.Name, Provider: args.Provider, Custom: args.Custom, Inputs: args.Inputs}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Providers = rpc.GetProviders()
		r.Dependencies = append(r.Dependencies, rpc.GetDependencies()...)
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		sort.Strings(r.Dependencies)
	} else if rpc := args.ReadRPC; rpc != nil {
		r.Parent = rpc.GetParent()
	}
	parentType := tokens.Type("")
	if p := resource.URN(r.Parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	r.URN = string(resource.NewURN(tokens.QName(g.stack), tokens.PackageName(g.project), parentType, tokens.Type(r.Type), r.Name))
	g.mu.Lock()
	defer g.mu.Unlock()
	g.resources = append(g.resources, r)
	g.byURN[r.URN] = r
	return r
}

// All returns every resource sorted by URN.
func (g *Graph) All() []*Resource {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := append([]*Resource(nil), g.resources...)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// OfType returns the resources of a type token, sorted by URN.
func (g *Graph) OfType(typ string) []*Resource {
	var out []*Resource
	for _, r := range g.All() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the resource of a type with a logical name, or nil.
func (g *Graph) Find(typ, name string) *Resource {
	for _, r := range g.OfType(typ) {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// ByURN returns a resource by URN, or nil.
func (g *Graph) ByURN(urn string) *Resource {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byURN[urn]
}

// ByOutput returns the resources of a type whose output key equals value
// (the resource whose "arn" is a given ARN, say).
func (g *Graph) ByOutput(typ, key, value string) *Resource {
	for _, r := range g.OfType(typ) {
		if s, ok := r.Output(key).(string); ok && s == value {
			return r
		}
		if key == "id" && r.ID == value {
			return r
		}
	}
	return nil
}

// Children returns the direct children of a resource.
func (g *Graph) Children(parent *Resource) []*Resource {
	var out []*Resource
	for _, r := range g.All() {
		if r.Parent == parent.URN {
			out = append(out, r)
		}
	}
	return out
}

// Ancestor reports whether anc is r's parent, grand-parent, and so on.
func (g *Graph) Ancestor(anc, r *Resource) bool {
	for p := g.ByURN(r.Parent); p != nil; p = g.ByURN(p.Parent) {
		if p == anc {
			return true
		}
	}
	return false
}

// SnapshotResource is one resource of a plan snapshot.
type SnapshotResource struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
	// DeleteBeforeReplace is shown, as it changes what a replacement does.
	DeleteBeforeReplace bool        `json:"deleteBeforeReplace,omitempty"`
	Inputs              interface{} `json:"inputs,omitempty"`
}

// Snapshot is the plan snapshot: every resource (type, name, parent as
// "type::name", inputs with secrets redacted and archive/asset hashes left
// out), sorted by type then name then parent, as indented JSON. String
// inputs holding JSON documents (IAM policies, container definitions,
// dashboards) are expanded so a change diffs line by line. It is
// deterministic: the same program and config give the same bytes.
func (g *Graph) Snapshot() ([]byte, error) {
	var rs []SnapshotResource
	for _, r := range g.All() {
		s := SnapshotResource{Type: r.Type, Name: r.Name, DeleteBeforeReplace: r.DeleteBeforeReplace}
		if p := g.ByURN(r.Parent); p != nil {
			s.Parent = p.String()
		}
		if len(r.Inputs) > 0 {
			s.Inputs = expandJSON(plain(resource.NewObjectProperty(r.Inputs)))
		}
		rs = append(rs, s)
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Parent < b.Parent
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rs); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DOT renders the graph for Graphviz: components as boxes holding their
// children (solid edges), explicit dependencies as dashed edges.
func (g *Graph) DOT() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n", g.project+"-"+g.stack)
	all := g.All()
	idx := map[string]int{}
	for i, r := range all {
		idx[r.URN] = i
		shape := ""
		if !r.Custom {
			shape = ", style=\"rounded,filled\", fillcolor=\"#e8eef7\""
		}
		fmt.Fprintf(&b, "  n%d [label=%q%s];\n", i, r.Name+"\n"+r.Type, shape)
	}
	for i, r := range all {
		if p, ok := idx[r.Parent]; ok {
			fmt.Fprintf(&b, "  n%d -> n%d;\n", p, i)
		}
		for _, d := range r.Dependencies {
			if j, ok := idx[d]; ok && d != r.Parent {
				fmt.Fprintf(&b, "  n%d -> n%d [style=dashed, color=\"#888888\"];\n", j, i)
			}
		}
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// plain converts a property value to plain Go values: secrets become
// Redacted, unknowns "[unknown]", assets and archives their paths (hashes
// left out), resource references their URNs.
func plain(v resource.PropertyValue) interface{} {
	switch {
	case v.IsNull():
		return nil
	case v.IsSecret():
		return Redacted
	case v.IsComputed():
		return "[unknown]"
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return Redacted
		}
		if !o.Known {
			return "[unknown]"
		}
		return plain(o.Element)
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		out := make([]interface{}, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			out = append(out, plain(e))
		}
		return out
	case v.IsObject():
		out := map[string]interface{}{}
		for k, e := range v.ObjectValue() {
			if strings.HasPrefix(string(k), "__") {
				continue // engine bookkeeping such as __defaults
			}
			out[string(k)] = plain(e)
		}
		return out
	case v.IsAsset():
		a := v.AssetValue()
		return map[string]interface{}{"asset": firstNonEmpty(a.Path, a.URI, "text:"+short(a.Text))}
	case v.IsArchive():
		a := v.ArchiveValue()
		if a.Assets != nil {
			out := map[string]interface{}{}
			for k, e := range a.Assets {
				switch x := e.(type) {
				case *resource.Asset:
					out[k] = map[string]interface{}{"asset": firstNonEmpty(x.Path, x.URI, "text:"+short(x.Text))}
				case *resource.Archive:
					out[k] = map[string]interface{}{"archive": firstNonEmpty(x.Path, x.URI)}
				}
			}
			return map[string]interface{}{"archive": out}
		}
		return map[string]interface{}{"archive": firstNonEmpty(a.Path, a.URI)}
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	}
	return fmt.Sprintf("%v", v.V)
}

// expandJSON replaces strings that hold a JSON object or array by the
// decoded document, recursively.
func expandJSON(v interface{}) interface{} {
	switch x := v.(type) {
	case string:
		t := strings.TrimSpace(x)
		if (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t)) {
			var doc interface{}
			if json.Unmarshal([]byte(t), &doc) == nil {
				return expandJSON(doc)
			}
		}
		return x
	case []interface{}:
		for i := range x {
			x[i] = expandJSON(x[i])
		}
		return x
	case map[string]interface{}:
		for k := range x {
			x[k] = expandJSON(x[k])
		}
		return x
	}
	return v
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
