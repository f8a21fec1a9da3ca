//go:build !unix

package secure

import "os/exec"

// killGroupOnCancel keeps exec's default on systems without process
// groups: the command itself is killed, and WaitDelay bounds the wait for
// anything it left holding its output.
func killGroupOnCancel(*exec.Cmd) {}
