package main

import (
	"gopkg.in/yaml.v3"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// make preview|deploy|destroy stop before touching anything and name what is
// missing: the stack, the Pulumi CLI, a login, AWS credentials, the stack in
// the backend, Docker.
func TestCloudTargetsNameWhatIsMissing(t *testing.T) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatal("make is not installed (scripts/deps.sh / .ci/run install it)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A stand-in for the Pulumi CLI: "whoami" and "stack select" succeed or
	// fail as FAKE_WHOAMI / FAKE_STACK say; nothing else may be reached.
	fake := filepath.Join(dir, "pulumi")
	script := `#!/bin/sh
case "$1" in
whoami) [ "$FAKE_WHOAMI" = ok ] ;;
stack) [ "$FAKE_STACK" = ok ] ;;
*) echo "fake pulumi reached: $*"; exit 99 ;;
esac
`
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir() // no ~/.aws
	for _, tc := range []struct {
		name   string
		args   []string
		env    []string
		pulumi string
		want   string
	}{
		{"no stack", []string{"preview"}, nil, fake, "STACK is required"},
		{"unknown stack", []string{"deploy", "STACK=qa"}, nil, fake, "no Pulumi.qa.yaml"},
		{"no CLI", []string{"preview", "STACK=dev"}, nil, filepath.Join(dir, "missing"), "the Pulumi CLI is missing"},
		{"not logged in", []string{"deploy", "STACK=prod"}, nil, fake, "not logged in"},
		{"no AWS credentials", []string{"destroy", "STACK=dev"}, []string{"FAKE_WHOAMI=ok"}, fake, "no AWS credentials"},
		{"no such stack", []string{"preview", "STACK=staging"}, []string{"FAKE_WHOAMI=ok", "AWS_PROFILE=buylink"}, fake, "no Pulumi stack staging"},
		{"no docker", []string{"deploy", "STACK=dev"}, []string{"FAKE_WHOAMI=ok", "FAKE_STACK=ok", "AWS_ACCESS_KEY_ID=AKIAEXAMPLE"}, fake, "Docker is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(makeBin, append([]string{"--no-print-directory", "-C", root, "PULUMI=" + tc.pulumi, "GO=" + goBin}, tc.args...)...)
			// PATH holds nothing: the checks use shell builtins, so docker
			// is missing whatever this machine has.
			cmd.Env = append([]string{"PATH=" + dir, "HOME=" + home}, tc.env...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("make %v succeeded:\n%s", tc.args, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("make %v: want %q in:\n%s", tc.args, tc.want, out)
			}
			if strings.Contains(string(out), "fake pulumi reached") {
				t.Errorf("make %v ran pulumi past the checks:\n%s", tc.args, out)
			}
		})
	}
}

// The CI workflow runs the tests, the offline plan of every stack in check
// mode, and the real preview of every stack only with cloud credentials.
func TestCIWorkflow(t *testing.T) {
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On   map[string]interface{} `yaml:"on"`
		Jobs map[string]struct {
			If       string `yaml:"if"`
			Strategy struct {
				Matrix map[string][]string `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Run  string `yaml:"run"`
				Uses string `yaml:"uses"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatal(err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	runs := func(job string) string {
		var all []string
		for _, s := range wf.Jobs[job].Steps {
			all = append(all, s.Run, s.Uses)
		}
		return strings.Join(all, "\n")
	}
	for job, want := range map[string]string{"test": ".ci/run", "plan": "make plan CHECK=1", "preview": "pulumi preview --stack"} {
		if !strings.Contains(runs(job), want) {
			t.Errorf("job %s does not run %q", job, want)
		}
	}
	if !strings.Contains(wf.Jobs["preview"].If, "AWS_ROLE_ARN") || !strings.Contains(runs("preview"), "configure-aws-credentials") {
		t.Error("the preview job does not depend on the OIDC role")
	}
	if got := strings.Join(wf.Jobs["preview"].Strategy.Matrix["stack"], ","); got != strings.Join(stacks, ",") {
		t.Errorf("the preview covers %s, want %v", got, stacks)
	}
}
