// Package sources holds the plain data that flows from the cluster pollers to
// the user interface: snapshots, endpoint errors, requests and results, and the
// poll loop every source runs. It imports no client library and no UI library,
// so both sides can depend on it without depending on each other.
package sources
