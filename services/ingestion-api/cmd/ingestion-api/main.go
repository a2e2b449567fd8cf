// Command ingestion-api serves the ingestion API (package ingestion) on its
// own: video intake and status, seller onboarding, the admin login. Its
// environment is ingestion-api's in pkg/deploy (README, Configuration); at
// least one token issuer is required (AUTH_ISSUER or LOCAL_ISSUER_URL).
//
// `ingestion-api hash-password` reads a password on stdin and prints the
// bcrypt hash for ADMIN_PASSWORD_HASH.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
	// The stores and topics it may be configured with.
	_ "gocloud.dev/pubsub/awssnssqs"

	_ "github.com/buylink/buylink/pkg/catalog/dynamo"
	_ "github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "hash-password" {
		if err := hashPassword(os.Stdin, os.Stdout, os.Stderr, adminHashCost); err != nil {
			fmt.Fprintln(os.Stderr, "ingestion-api:", err)
			os.Exit(1)
		}
		return
	}
	host.Main(deploy.IngestionAPI, ingestion.Component)
}

// adminHashCost is the bcrypt cost of hash-password (about 0.25 s a check).
const adminHashCost = 12

// hashPassword reads a password (without echo on a terminal) and prints its
// bcrypt hash of the given cost.
func hashPassword(in io.Reader, out, prompt io.Writer, cost int) error {
	var pw []byte
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		_, _ = fmt.Fprint(prompt, "admin password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		_, _ = fmt.Fprintln(prompt)
		if err != nil {
			return err
		}
		pw = b
	} else {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = []byte(strings.TrimRight(line, "\r\n"))
	}
	switch {
	case len(pw) < 12:
		return errors.New("the admin password must be at least 12 bytes")
	case len(pw) > 72:
		return errors.New("the admin password must be at most 72 bytes (bcrypt's limit)")
	}
	hash, err := bcrypt.GenerateFromPassword(pw, cost)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, string(hash))
	return err
}
