package views

import (
	"github.com/topicat/topicat/sources/health"
)

func healthView() *View {
	cols := []col[health.Finding]{
		{Column: Column{Title: "SEVERITY", Sort: 'S', Min: 8}, text: func(f health.Finding) string { return f.Severity.String() }, num: func(f health.Finding) float64 { return float64(f.Severity) }},
		{Column: Column{Title: "SYSTEM", Sort: 'Y', Min: 6}, text: func(f health.Finding) string { return string(f.System) }},
		{Column: Column{Title: "SUBJECT", Sort: 'U', Min: 10, Max: 40}, text: func(f health.Finding) string { return f.Subject }},
		{Column: Column{Title: "FINDING", Sort: 'F', Min: 12, Max: 40}, text: func(f health.Finding) string { return f.Title }},
		{Column: Column{Title: "WHY IT MATTERS · WHAT TO DO", Sort: 'W', Min: 20, Flex: true}, text: func(f health.Finding) string { return f.Why + " · " + f.Fix }},
	}
	return define(View{Name: "health", Title: "Health", Help: "findings across both systems, worst first: what is wrong, why it matters, what to do"}, cols,
		func(d Data, _ string) ([]health.Finding, error) { return d.Findings, nil },
		func(f health.Finding) string { return string(f.System) + " " + f.Subject + " " + f.Title },
		func(f health.Finding, _ findings) Status {
			switch f.Severity {
			case health.Error:
				return Bad
			case health.Warning:
				return Warn
			}
			return Normal
		},
		noted(func(f health.Finding) string {
			return f.Subject + ": " + f.Title + ". Why it matters: " + f.Why + ". What to do: " + f.Fix + "."
		}))
}
