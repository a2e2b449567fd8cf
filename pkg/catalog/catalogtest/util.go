package catalogtest

import (
	"errors"
	"slices"
)

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }

func sortedStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
