package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
)

// PasswordCost is the bcrypt cost of admin password hashes.
const PasswordCost = 12

// maxPasswordBytes is bcrypt's limit: it ignores every byte past the 72nd.
const maxPasswordBytes = 72

func newAdminCmd(o *options) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Administration chores"}
	cmd.AddCommand(&cobra.Command{
		Use:   "hash-password",
		Short: "Hash an admin password with bcrypt (cost 12) for the admin password secret",
		Long: `hash-password prints the bcrypt hash (cost 12) of a password, the value of
the admin password hash secret. The password is read from standard input
(one line; the line break is not part of it) or, on a terminal, typed twice
without echo. bcrypt uses at most 72 bytes, so longer passwords are refused
rather than silently cut.`,
		Args: cobraArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := readPassword(o.stdin, o.stderr)
			if err != nil {
				return err
			}
			hash, err := hashPassword(pw)
			if err != nil {
				return err
			}
			fmt.Fprintln(o.stdout, string(hash))
			return nil
		},
	})
	return cmd
}

// hashPassword checks a password and returns its bcrypt hash.
func hashPassword(pw []byte) ([]byte, error) {
	switch {
	case len(pw) == 0:
		return nil, errors.New("the password is empty")
	case len(pw) > maxPasswordBytes:
		return nil, fmt.Errorf("the password is %d bytes; bcrypt uses only the first %d, so it is refused: choose one of at most %d bytes (UTF-8)",
			len(pw), maxPasswordBytes, maxPasswordBytes)
	}
	return bcrypt.GenerateFromPassword(pw, PasswordCost)
}

// readPassword reads the password: typed twice without echo when stdin is a
// terminal, else the first line of stdin.
func readPassword(stdin io.Reader, prompt io.Writer) ([]byte, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return nil, fmt.Errorf("read the password: %w", err)
		}
		fmt.Fprint(prompt, "Again: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return nil, fmt.Errorf("read the password: %w", err)
		}
		if !bytes.Equal(pw, again) {
			return nil, errors.New("the two passwords differ")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 64<<10)).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read the password from standard input: %w", err)
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}
