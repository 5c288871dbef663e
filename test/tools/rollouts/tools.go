//go:build tools

// Package tools records the commands module rollouts builds (test/tools/build.sh), so that go
// mod tidy keeps their dependencies.
package tools

import _ "github.com/argoproj/argo-rollouts/cmd/rollouts-controller"
