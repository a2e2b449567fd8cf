//go:build asan

package frames

/*
#include <stdlib.h>

// tg_asan_probe writes one byte past an 8-byte heap block.
static void tg_asan_probe(void) {
	volatile char *p = malloc(8);
	p[8] = 1;
	free((void *)p);
}
*/
import "C"

// asanProbe overflows a heap block in C: in a build with AddressSanitizer
// (go test -asan) the process stops with a heap-buffer-overflow report.
// It exists in such builds only, for the test proving the sanitizer runs.
func asanProbe() { C.tg_asan_probe() }
