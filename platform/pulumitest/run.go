package pulumitest

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Options describe one offline run of a program.
type Options struct {
	Project string
	Stack   string
	// Region is the mocked AWS region (DefaultRegion when empty).
	Region string
	// Config is the stack configuration as Pulumi hands it to a program:
	// fully qualified keys ("buylink:natStrategy") to strings, structured
	// values as JSON.
	Config map[string]string
	// SecretKeys lists the Config keys that are secrets.
	SecretKeys []string
	// RootDirectory is what ctx.RootDirectory() reports (the directory of
	// Pulumi.yaml).
	RootDirectory string
}

// Run runs program under the mocks and returns the graph it registered. The
// error is the program's (a failed validation, say) or a mock's.
func Run(program pulumi.RunFunc, o Options) (*Graph, error) {
	m := NewMocks(o.Project, o.Stack, o.Region)
	err := pulumi.RunErr(program, pulumi.WithMocks(o.Project, o.Stack, m), func(info *pulumi.RunInfo) {
		info.Config = o.Config
		info.ConfigSecretKeys = o.SecretKeys
		info.RootDirectory = o.RootDirectory
	})
	return m.Graph, err
}
