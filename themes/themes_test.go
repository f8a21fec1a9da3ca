package themes

import (
	"slices"
	"strings"
	"testing"
)

func TestEveryBuiltInLoads(t *testing.T) {
	names := Names()
	for _, want := range []string{"default", "nocturne", "daylight", "mono"} {
		if !slices.Contains(names, want) {
			t.Fatalf("built-in themes %v lack %q", names, want)
		}
	}
	for _, name := range names {
		p, err := Load(name)
		if err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		if p.Name != name {
			t.Fatalf("file %s.yaml names itself %q", name, p.Name)
		}
		for _, dark := range []bool{true, false} {
			s := p.Styles(dark)
			if s.Selected.Render("x") == "x" {
				t.Fatalf("theme %s (dark=%v): the selected row is not marked at all", name, dark)
			}
		}
	}
}

func TestDefaultAdaptsToBackground(t *testing.T) {
	p, err := Load(Default)
	if err != nil {
		t.Fatal(err)
	}
	if p.Styles(true).Text.GetForeground() == p.Styles(false).Text.GetForeground() {
		t.Fatal("default theme uses the same text colour on dark and light backgrounds")
	}
}

func TestUnknownThemeNamesTheChoices(t *testing.T) {
	_, err := Load("neon")
	if err == nil || !strings.Contains(err.Error(), "default") {
		t.Fatalf("error %v does not list the built-in themes", err)
	}
}
