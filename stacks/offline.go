package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/buylink/buylink/platform/pulumitest"
)

// offlineSecret stands in for every secret key during offline runs: the plan
// shows a stack whose secrets are all set, values redacted.
const offlineSecret = "offline-placeholder"

// findRoot returns the absolute directory holding Pulumi.yaml, searching up
// from the working directory.
func findRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no Pulumi.yaml in %s or above", wd)
		}
	}
}

// stackFile is the configuration of a stack as Pulumi hands it to the
// program: fully qualified keys, strings (structured values as JSON).
type stackFile struct {
	Project    string
	Config     map[string]string
	SecretKeys []string
}

// readStack reads Pulumi.yaml and Pulumi.<stack>.yaml under root. Secure
// values (encrypted by the CLI) become placeholders marked secret; the
// program's secret keys that are unset get one too.
func readStack(root, stack string) (*stackFile, error) {
	var project struct {
		Name string `yaml:"name"`
	}
	if err := readYAML(filepath.Join(root, "Pulumi.yaml"), &project); err != nil {
		return nil, err
	}
	var file struct {
		Config map[string]interface{} `yaml:"config"`
	}
	path := filepath.Join(root, "Pulumi."+stack+".yaml")
	if err := readYAML(path, &file); err != nil {
		return nil, err
	}
	sf := &stackFile{Project: project.Name, Config: map[string]string{}}
	for k, v := range file.Config {
		if m, ok := v.(map[string]interface{}); ok && len(m) == 1 && m["secure"] != nil {
			sf.Config[k] = offlineSecret
			sf.SecretKeys = append(sf.SecretKeys, k)
			continue
		}
		switch x := v.(type) {
		case string:
			sf.Config[k] = x
		case bool, int, float64:
			sf.Config[k] = fmt.Sprint(x)
		case nil:
			sf.Config[k] = ""
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, k, err)
			}
			sf.Config[k] = string(b)
		}
	}
	for _, s := range secretKeys {
		k := project.Name + ":" + s.key
		if _, ok := sf.Config[k]; !ok {
			sf.Config[k] = offlineSecret
			sf.SecretKeys = append(sf.SecretKeys, k)
		}
	}
	sort.Strings(sf.SecretKeys)
	return sf, nil
}

func readYAML(path string, v interface{}) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// runOffline runs the program under mocks with the stack's configuration,
// overridden by override (a "" value deletes a key).
func runOffline(root, stack string, override map[string]string) (*pulumitest.Graph, error) {
	sf, err := readStack(root, stack)
	if err != nil {
		return nil, err
	}
	for k, v := range override {
		if v == "" {
			delete(sf.Config, k)
		} else {
			sf.Config[k] = v
		}
	}
	return pulumitest.Run(program, pulumitest.Options{
		Project: sf.Project, Stack: stack, Region: sf.Config["aws:region"],
		Config: sf.Config, SecretKeys: sf.SecretKeys, RootDirectory: root,
	})
}
