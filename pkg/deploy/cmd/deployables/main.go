// Command deployables prints what pkg/deploy declares, for the Makefile:
//
//	deployables lambdas   one "<function name> <main package>" line per Lambda binary
package main

import (
	"fmt"
	"os"

	"github.com/buylink/buylink/pkg/deploy"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] != "lambdas" {
		fmt.Fprintln(os.Stderr, "usage: deployables lambdas")
		os.Exit(2)
	}
	for _, d := range deploy.All {
		if pkg := d.Binaries[deploy.Lambda]; pkg != "" {
			fmt.Println(d.Name, pkg)
		}
	}
}
