package vision

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"slices"

	"gocv.io/x/gocv"
)

// COCOClasses are the 80 COCO class names in YOLOv8's output order.
var COCOClasses = [80]string{
	"person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
	"fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
	"elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
	"skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
	"wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
	"broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
	"dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
	"toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
}

// productClasses are the COCO classes that look like things a seller sells:
// not people, animals, vehicles, street furniture or prepared food.
var productClasses = func() [80]bool {
	var p [80]bool
	for _, name := range []string{
		"bicycle", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard",
		"sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket",
		"bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "chair", "couch", "potted plant",
		"bed", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster",
		"refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
	} {
		for i, c := range COCOClasses {
			if c == name {
				p[i] = true
			}
		}
	}
	return p
}()

// IsProductClass reports whether COCO class id is product-like.
func IsProductClass(id int) bool { return id >= 0 && id < len(productClasses) && productClasses[id] }

// YOLOv8's input and output layout.
const (
	yoloInput   = 640
	yoloAnchors = 8400
	yoloRows    = 4 + len(COCOClasses)
	// Detection thresholds: minimum class confidence and NMS overlap.
	minConfidence = 0.25
	nmsIoU        = 0.45
)

// Detection is one product-like object found in an image.
type Detection struct {
	Box        image.Rectangle
	Class      int
	Label      string
	Confidence float64
}

// Detector runs a YOLOv8 ONNX model (input "images" [1,3,640,640] RGB 0..1,
// output "output0" [1,84,8400]: cx, cy, w, h and 80 class scores per anchor).
type Detector struct {
	net gocv.Net
}

// CheckModelFile fails with a clear message when path is not a readable,
// non-empty regular file that starts like an ONNX protobuf. OpenCV aborts the
// process on a missing or malformed model, so this runs before loading.
func CheckModelFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("YOLO model %s: %w", path, err)
	}
	if !st.Mode().IsRegular() || st.Size() < 16 {
		return fmt.Errorf("YOLO model %s is not a non-empty regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("YOLO model %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	var head [1]byte
	if _, err := f.Read(head[:]); err != nil {
		return fmt.Errorf("YOLO model %s: %w", path, err)
	}
	// An ONNX ModelProto starts with field 1 (ir_version, varint): tag 0x08.
	if head[0] != 0x08 {
		return fmt.Errorf("YOLO model %s is not an ONNX model (first byte %#x)", path, head[0])
	}
	return nil
}

// LoadDetector loads a YOLOv8 ONNX model and checks its output shape on a
// blank image. Run it where an abort is survivable (the child process).
func LoadDetector(path string) (*Detector, error) {
	if err := CheckModelFile(path); err != nil {
		return nil, err
	}
	net := gocv.ReadNetFromONNX(path)
	if net.Empty() {
		return nil, fmt.Errorf("YOLO model %s could not be loaded", path)
	}
	_ = net.SetPreferableBackend(gocv.NetBackendOpenCV)
	_ = net.SetPreferableTarget(gocv.NetTargetCPU)
	d := &Detector{net: net}
	blank := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(114, 114, 114, 0), 64, 64, gocv.MatTypeCV8UC3)
	defer func() { _ = blank.Close() }()
	if _, err := d.Detect(blank); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close releases the network.
func (d *Detector) Close() { _ = d.net.Close() }

// Detect returns the product-like objects in a BGR image, best first, after
// letterboxing it to 640x640 and non-maximum suppression.
func (d *Detector) Detect(img gocv.Mat) ([]Detection, error) {
	w, h := img.Cols(), img.Rows()
	if w == 0 || h == 0 {
		return nil, errors.New("detect: empty image")
	}
	scale := math.Min(float64(yoloInput)/float64(w), float64(yoloInput)/float64(h))
	nw, nh := max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale)))
	padX, padY := (yoloInput-nw)/2, (yoloInput-nh)/2
	canvas := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(114, 114, 114, 0), yoloInput, yoloInput, gocv.MatTypeCV8UC3)
	defer func() { _ = canvas.Close() }()
	roi := canvas.Region(image.Rect(padX, padY, padX+nw, padY+nh))
	gocv.Resize(img, &roi, image.Pt(nw, nh), 0, 0, gocv.InterpolationLinear)
	_ = roi.Close()
	blob := gocv.BlobFromImage(canvas, 1.0/255, image.Pt(yoloInput, yoloInput), gocv.NewScalar(0, 0, 0, 0), true, false)
	defer func() { _ = blob.Close() }()
	d.net.SetInput(blob, "images")
	out := d.net.Forward("output0")
	defer func() { _ = out.Close() }()
	if dims := out.Size(); len(dims) != 3 || dims[0] != 1 || dims[1] != yoloRows || dims[2] != yoloAnchors {
		return nil, fmt.Errorf("detect: model output is %v, want [1 %d %d] (YOLOv8 layout)", dims, yoloRows, yoloAnchors)
	}
	data, err := out.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	return decodeYOLO(data, scale, padX, padY, w, h), nil
}

// decodeYOLO turns the [84,8400] output into product detections in image
// coordinates, after class-agnostic non-maximum suppression.
func decodeYOLO(data []float32, scale float64, padX, padY, w, h int) []Detection {
	var boxes []image.Rectangle
	var scores []float32
	var found []Detection
	bounds := image.Rect(0, 0, w, h)
	for i := range yoloAnchors {
		best, class := float32(0), -1
		for c := range len(COCOClasses) {
			if s := data[(4+c)*yoloAnchors+i]; s > best && productClasses[c] {
				best, class = s, c
			}
		}
		if class < 0 || best < minConfidence {
			continue
		}
		cx, cy := float64(data[i]), float64(data[yoloAnchors+i])
		bw, bh := float64(data[2*yoloAnchors+i]), float64(data[3*yoloAnchors+i])
		r := image.Rect(
			int((cx-bw/2-float64(padX))/scale), int((cy-bh/2-float64(padY))/scale),
			int((cx+bw/2-float64(padX))/scale), int((cy+bh/2-float64(padY))/scale),
		).Intersect(bounds)
		if r.Dx() < 2 || r.Dy() < 2 {
			continue
		}
		boxes = append(boxes, r)
		scores = append(scores, best)
		found = append(found, Detection{Box: r, Class: class, Label: COCOClasses[class], Confidence: float64(best)})
	}
	if len(boxes) == 0 {
		return nil
	}
	keep := make([]int, len(boxes))
	for i := range keep {
		keep[i] = -1
	}
	gocv.NMSBoxes(boxes, scores, minConfidence, nmsIoU, keep)
	var out []Detection
	for _, k := range keep {
		if k < 0 {
			break
		}
		out = append(out, found[k])
	}
	slices.SortStableFunc(out, func(a, b Detection) int { return cmp.Compare(b.Confidence, a.Confidence) })
	return out
}
