package auth

import "testing"

// BenchmarkVerify is the cost of authenticating one request once the
// issuer's keys are cached (RS256, 2048-bit key, through the JWKS cache).
func BenchmarkVerify(b *testing.B) {
	e := newLocalEnv(b, 0)
	tok, err := e.issuer.Issue(Identity{Sub: AdminSub, Groups: []string{GroupAdmins}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.v.Verify(b.Context(), tok.Token); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.v.Verify(b.Context(), tok.Token); err != nil {
			b.Fatal(err)
		}
	}
}
