package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// progress draws a progress bar: redrawn in place on a terminal, one line
// per quarter otherwise (logs, pipes).
type progress struct {
	w      io.Writer
	label  string
	tty    bool
	quarts int // quarters printed (not a terminal)
	drawn  bool
}

func newProgress(w io.Writer, label string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, tty: ok && term.IsTerminal(int(f.Fd()))}
}

const barWidth = 30

// set shows done of total.
func (p *progress) set(done, total int) {
	if total <= 0 {
		return
	}
	done = min(max(done, 0), total)
	line := fmt.Sprintf("%s [%s%s] %d/%d", p.label, strings.Repeat("#", done*barWidth/total), strings.Repeat(".", barWidth-done*barWidth/total), done, total)
	if p.tty {
		fmt.Fprintf(p.w, "\r%s", line)
		p.drawn = true
		return
	}
	if q := done * 4 / total; q > p.quarts || !p.drawn {
		p.quarts, p.drawn = q, true
		fmt.Fprintln(p.w, line)
	}
}

// finish ends the bar's line.
func (p *progress) finish() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}
