package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// TestReleaseLdflagsStampVersion builds the binary with the ldflags that
// .goreleaser.yaml gives its build and runs `topicat version`: a renamed
// variable in main.go or a mistyped -X in the config would otherwise ship a
// release that calls itself "dev" without any build failing (-X of a missing
// name is silently ignored by the linker).
func TestReleaseLdflagsStampVersion(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Builds []struct {
			Main    string   `yaml:"main"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Builds) != 1 || cfg.Builds[0].Main != "./cmd/topicat" {
		t.Fatalf("want one build of ./cmd/topicat, got %+v", cfg.Builds)
	}
	b := cfg.Builds[0]

	// GoReleaser's fields for a tag v1.2.3; missingkey=error fails the test on
	// a field this list does not know rather than rendering "<no value>".
	fields := map[string]string{
		"Version":     "1.2.3",
		"ShortCommit": "abc1234",
		"CommitDate":  "2026-11-26T14:00:00Z",
		"Date":        "2026-11-26T14:00:00Z",
	}
	var ld []string
	for _, l := range b.Ldflags {
		tmpl, err := template.New("ldflags").Option("missingkey=error").Parse(l)
		if err != nil {
			t.Fatalf("ldflags %q: %v", l, err)
		}
		var sb strings.Builder
		if err := tmpl.Execute(&sb, fields); err != nil {
			t.Fatalf("ldflags %q: %v", l, err)
		}
		ld = append(ld, sb.String())
	}
	for _, v := range []string{"main.version=", "main.commit=", "main.date="} {
		if !strings.Contains(strings.Join(ld, " "), "-X "+v) {
			t.Errorf("ldflags %q do not set %s", ld, strings.TrimSuffix(v, "="))
		}
	}

	bin := filepath.Join(t.TempDir(), "topicat")
	args := append([]string{"build"}, b.Flags...)
	args = append(args, "-ldflags", strings.Join(ld, " "), "-o", bin, ".")
	build := exec.Command("go", args...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("topicat version: %v\n%s", err, out)
	}
	if want := "topicat 1.2.3 (abc1234, 2026-11-26T14:00:00Z)\n"; string(out) != want {
		t.Fatalf("topicat version = %q, want %q", out, want)
	}
}
