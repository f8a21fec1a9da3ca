package kafka

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources/secure"
)

// TestAWSCredentials: credentials are found where the AWS tools look, and
// an error says where it looked and never what it found.
func TestAWSCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "credentials")
	if err := os.WriteFile(file, []byte("# comment\n[default]\naws_access_key_id=AKIADEF\naws_secret_access_key=def-secret\n[ops]\naws_access_key_id = AKIAOPS\n ; no secret here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(kv ...string) func(string) string {
		m := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name    string
		aws     secure.AWS
		getenv  func(string) string
		wantKey string
		wantErr string
	}{
		{"environment", secure.AWS{}, env("AWS_ACCESS_KEY_ID", "AKIAENV", "AWS_SECRET_ACCESS_KEY", "env-secret"), "AKIAENV", ""},
		{"AWS_PROFILE when the keys are not set", secure.AWS{}, env("AWS_PROFILE", "default"), "AKIADEF", ""},
		{"a profile named", secure.AWS{Profile: "default"}, env("AWS_ACCESS_KEY_ID", "AKIAENV", "AWS_SECRET_ACCESS_KEY", "env-secret"), "AKIADEF", ""},
		{"a profile without a secret", secure.AWS{Profile: "ops"}, env(), "", "AWS profile ops in " + file + " lacks aws_access_key_id or aws_secret_access_key"},
		{"a profile not in the file", secure.AWS{Profile: "nope"}, env(), "", "AWS profile nope is not in " + file},
		{"nothing", secure.AWS{}, env(), "", "no AWS credentials"},
		{"a command", secure.AWS{Cmd: secure.Secret{Cmd: `echo '{"AccessKeyId":"AKIACMD","SecretAccessKey":"cmd-secret","SessionToken":"tok"}'`}}, env(), "AKIACMD", ""},
		{"a command printing something else", secure.AWS{Cmd: secure.Secret{Cmd: `echo cmd-secret-not-json`}}, env(), "", "AWS credentials from command: the output is not JSON with AccessKeyId and SecretAccessKey"},
		{"a command without the secret key", secure.AWS{Cmd: secure.Secret{Cmd: `echo '{"AccessKeyId":"AKIACMD"}'`}}, env(), "", "the output lacks AccessKeyId or SecretAccessKey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := awsCredentials(context.Background(), tc.aws, tc.getenv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") && !strings.Contains(tc.wantErr, "secret") {
					t.Errorf("error shows a secret: %v", err)
				}
				return
			}
			if err != nil || c.AccessKeyID != tc.wantKey || c.SecretAccessKey == "" {
				t.Fatalf("creds = %s/%t, %v; want %s", c.AccessKeyID, c.SecretAccessKey != "", err, tc.wantKey)
			}
		})
	}
}

// TestAuthErrorWords: each part of an authentication failure in its place,
// and none for a user of a token mechanism.
func TestAuthErrorWords(t *testing.T) {
	for _, tc := range []struct {
		e    authError
		want string
	}{
		{authError{mech: "PLAIN", user: "alice", addr: "10.0.0.1:9092", why: "wrong user name or password"}, "SASL PLAIN authentication failed for user alice: wrong user name or password (broker 10.0.0.1:9092)"},
		{authError{mech: "OAUTHBEARER", user: "alice", why: "refused"}, "SASL OAUTHBEARER authentication failed: refused"},
		{authError{why: "none is configured", addr: "h:1"}, "SASL: none is configured (broker h:1)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	cause := errors.New("x")
	if e := (&authError{cause: cause}); !errors.Is(e, cause) {
		t.Error("authError does not unwrap to its cause")
	}
}
