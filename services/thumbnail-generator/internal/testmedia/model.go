package testmedia

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"testing"
)

// ProductClass is the COCO class the test model reports for red regions
// ("bottle"); PersonClass the one for green regions ("person").
const (
	ProductClass = 39
	PersonClass  = 0
)

// yoloScript builds an ONNX model with YOLOv8n's interface: input "images"
// float32 [1,3,640,640] (RGB, 0..1), output "output0" [1,84,8400]. Like
// YOLOv8 it has three heads (strides 8, 16, 32: 6400+1600+400 anchors); each
// anchor's box is a fixed square around its cell and its class scores come
// from a strided convolution: strongly red cells score high for "bottle",
// strongly green ones for "person", everything else near zero. Neighbouring
// anchors and scales overlap, so NMS has real work to do.
const yoloScript = `
import sys
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

out_path = sys.argv[1]
nodes, inits, cls_outs, boxes = [], [], [], []
for s in (8, 16, 32):
    g = 640 // s
    w = np.zeros((80, 3, s, s), dtype=np.float32)
    b = np.full((80,), -20.0, dtype=np.float32)
    k = 12.0 / (s * s)
    w[39, 0], w[39, 1], w[39, 2] = k, -k / 2, -k / 2   # red   -> bottle
    w[0, 1], w[0, 0], w[0, 2] = k, -k / 2, -k / 2      # green -> person
    # Coarser heads win ties, so a fully red object is boxed by its
    # largest covering anchor, as a trained model would.
    b[39] = b[0] = -6.0 - 8.0 / s
    inits += [numpy_helper.from_array(w, "w%d" % s), numpy_helper.from_array(b, "b%d" % s),
              numpy_helper.from_array(np.array([1, 80, g * g], dtype=np.int64), "shape%d" % s)]
    nodes += [helper.make_node("Conv", ["images", "w%d" % s, "b%d" % s], ["conv%d" % s], kernel_shape=[s, s], strides=[s, s]),
              helper.make_node("Sigmoid", ["conv%d" % s], ["sig%d" % s]),
              helper.make_node("Reshape", ["sig%d" % s, "shape%d" % s], ["cls%d" % s])]
    cls_outs.append("cls%d" % s)
    ys, xs = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
    cx, cy = (xs.ravel() + 0.5) * s, (ys.ravel() + 0.5) * s
    side = np.full(g * g, 6.0 * s)
    boxes.append(np.stack([cx, cy, side, side]).astype(np.float32))
inits.append(numpy_helper.from_array(np.concatenate(boxes, axis=1)[None], "boxes"))
nodes += [helper.make_node("Concat", cls_outs, ["cls"], axis=2),
          helper.make_node("Concat", ["boxes", "cls"], ["output0"], axis=1)]
graph = helper.make_graph(nodes, "tiny-yolov8-layout",
    [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 640, 640])],
    [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 84, 8400])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)], producer_name="buylink-tests")
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, out_path)
`

// YOLOModel builds the test model once and returns its path.
func YOLOModel(t testing.TB) string {
	return once(t, "tiny-yolov8.onnx", func(p string) error {
		py, err := onnxPython()
		if err != nil {
			return err
		}
		cmd := exec.Command(py, "-c", yoloScript, p)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build the ONNX model with %s: %w: %s", py, err, out.String())
		}
		return nil
	})
}

// onnxPython finds a Python that imports onnx and numpy: Debian's
// /usr/bin/python3 with python3-onnx, even when another python3 comes first
// on PATH.
func onnxPython() (string, error) {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import onnx, numpy").Run() == nil {
			return py, nil
		}
	}
	return "", errors.New("no python3 with onnx and numpy (apt-get install python3-onnx python3-numpy; scripts/deps.sh installs them)")
}
