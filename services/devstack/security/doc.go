// Package security holds buylink's security regression suite: every attack
// of issue 13 — those that once succeeded and those that held — tried end to
// end over HTTP against a real devstack on loopback, each asserting the
// refusal (status and message, and that nothing was stored or published) or
// the exact-once result. The tests are named TestAttack<What>; the suite
// prints the attack table (tries / refused per attack) when it ends.
// README.md maps every attack to its tests here and to the unit-level
// attack tests elsewhere in the repository.
package security
