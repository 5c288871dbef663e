package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// mainPackage is the package of the podpolicy command, relative to the repository root.
const mainPackage = "./cmd/podpolicy"

// buildFlags returns the go build flags of the image's binary: without the module paths of the
// build machine (-trimpath), without VCS stamping (the image's revision label carries the
// commit; a stamp would also differ between clean and dirty trees of the same commit), without
// the symbol table and DWARF (-s -w: a third smaller; panics and profiles keep function names),
// and with the version `podpolicy version` reports.
func buildFlags(version string) []string {
	return []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -X main.buildVersion=" + version}
}

// buildEnv returns the environment of the build for a platform: a static binary (CGO_ENABLED=0)
// for the baseline of each architecture, whatever the caller's environment sets. GOFLAGS is
// cleared so that flags of the build machine (-race, -tags, ...) cannot change the binary.
func buildEnv(arch string) []string {
	env := buildVars(arch)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "CGO_ENABLED", "GOOS", "GOARCH", "GOFLAGS", "GOAMD64", "GOARM64", "GOEXPERIMENT":
		default:
			env = append(env, kv)
		}
	}
	return env
}

// buildVars are the variables buildEnv sets (the Dockerfile sets the same).
func buildVars(arch string) []string {
	return []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + arch, "GOFLAGS=", "GOAMD64=v1", "GOARM64=v8.0"}
}

// buildBinary compiles podpolicy for linux/arch from the repository at root into dir and
// returns the file's path.
func buildBinary(ctx context.Context, goTool, root, dir, arch, version string) (string, error) {
	out := filepath.Join(dir, "podpolicy-linux-"+arch)
	args := append([]string{"build"}, buildFlags(version)...)
	args = append(args, "-o", out, mainPackage)
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = root
	cmd.Env = buildEnv(arch)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s for linux/%s: %w\n%s", mainPackage, arch, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
