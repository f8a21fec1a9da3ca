package kafka

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/topicat/topicat/sources/secure"
)

// awsCreds are the credentials MSK IAM signs with.
type awsCreds struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
}

// awsCredentials finds the credentials as the AWS tools do, in the order a
// person expects: the command (credential_process format) when one is set,
// else a named profile of the shared credentials file, else the standard
// environment variables. getenv is os.Getenv when nil. Errors say where it
// looked, never what it found.
func awsCredentials(ctx context.Context, a secure.AWS, getenv func(string) string) (awsCreds, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	switch {
	case !a.Cmd.IsZero():
		out, err := a.Cmd.Resolve(ctx)
		if err != nil {
			return awsCreds{}, fmt.Errorf("AWS credentials from %s: %w", a.Cmd.From(), err)
		}
		var c awsCreds
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			// The output may hold a secret: say only what is wrong.
			return awsCreds{}, fmt.Errorf("AWS credentials from %s: the output is not JSON with AccessKeyId and SecretAccessKey", a.Cmd.From())
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return awsCreds{}, fmt.Errorf("AWS credentials from %s: the output lacks AccessKeyId or SecretAccessKey", a.Cmd.From())
		}
		return c, nil
	case a.Profile != "":
		return awsProfile(a.Profile, getenv)
	}
	c := awsCreds{
		AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		if p := getenv("AWS_PROFILE"); p != "" {
			return awsProfile(p, getenv)
		}
		return awsCreds{}, errors.New("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or a credentials command")
	}
	return c, nil
}

// awsProfile reads a profile of the shared credentials file
// ($AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/credentials).
func awsProfile(profile string, getenv func(string) string) (awsCreds, error) {
	path := getenv("AWS_SHARED_CREDENTIALS_FILE")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return awsCreds{}, fmt.Errorf("AWS profile %s: no home directory to find the credentials file in", profile)
		}
		path = filepath.Join(home, ".aws", "credentials")
	}
	f, err := os.Open(path)
	if err != nil {
		return awsCreds{}, fmt.Errorf("AWS profile %s: %w", profile, err)
	}
	defer f.Close()
	var (
		c       awsCreds
		in, saw bool
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			in = strings.TrimSpace(line[1:len(line)-1]) == profile
			saw = saw || in
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !in || !ok {
			continue
		}
		switch v = strings.TrimSpace(v); strings.ToLower(strings.TrimSpace(k)) {
		case "aws_access_key_id":
			c.AccessKeyID = v
		case "aws_secret_access_key":
			c.SecretAccessKey = v
		case "aws_session_token":
			c.SessionToken = v
		}
	}
	if err := sc.Err(); err != nil {
		return awsCreds{}, fmt.Errorf("AWS profile %s: read %s: %w", profile, path, err)
	}
	switch {
	case !saw:
		return awsCreds{}, fmt.Errorf("AWS profile %s is not in %s", profile, path)
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return awsCreds{}, fmt.Errorf("AWS profile %s in %s lacks aws_access_key_id or aws_secret_access_key", profile, path)
	}
	return c, nil
}
