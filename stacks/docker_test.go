package main

import (
	"github.com/buylink/buylink/pkg/deploy"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every image the program builds has its Dockerfile: multi-stage, building
// the service's cmd/<name>, running as a non-root user.
// yoloModelPath is where the thumbnail-generator image holds the YOLOv8n
// model and points YOLO_MODEL_PATH.
const yoloModelPath = "/opt/models/yolov8n.onnx"

func TestDockerfiles(t *testing.T) {
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, g := range []struct {
		stack    string
		override map[string]string
	}{{"prod", nil}, {"dev", map[string]string{"buylink:workerRuntime": "ecs"}}} {
		for _, img := range mustRun(t, g.stack, g.override).OfType("awsx:ecr:Image") {
			rel, _ := img.Input("dockerfile").(string)
			if seen[rel] {
				continue
			}
			seen[rel] = true
			path := filepath.Join(root, "stacks", rel)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: %v", img, err)
				continue
			}
			df := string(b)
			name := img.Name
			if strings.Count(df, "\nFROM ") < 2 || !strings.Contains(df, " AS build") {
				t.Errorf("%s: not a multi-stage build", rel)
			}
			if !strings.Contains(df, "./cmd/"+name) {
				t.Errorf("%s does not build ./cmd/%s", rel, name)
			}
			final := df[strings.LastIndex(df, "\nFROM "):]
			user := ""
			for _, line := range strings.Split(final, "\n") {
				if strings.HasPrefix(line, "USER ") {
					user = strings.TrimSpace(strings.TrimPrefix(line, "USER "))
				}
			}
			if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
				t.Errorf("%s: the final stage runs as %q, want a non-root user", rel, user)
			}
			if img.Input("context") != ".." {
				t.Errorf("%s: build context %v, want the repository root", img, img.Input("context"))
			}
		}
	}
	for _, name := range []string{deploy.IngestionAPI, deploy.ProductService, deploy.ThumbnailGenerator, deploy.CaptionParser, deploy.AutoTagger} {
		if !seen["../services/"+name+"/Dockerfile"] {
			t.Errorf("no image built from services/%s/Dockerfile", name)
		}
	}
	model, err := os.ReadFile(filepath.Join(root, "services", deploy.ThumbnailGenerator, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(model), "YOLO_MODEL_PATH="+yoloModelPath) {
		t.Errorf("the thumbnail-generator image does not put the model at %s", yoloModelPath)
	}
}
