package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	opaversion "github.com/open-policy-agent/opa/v1/version"
)

// buildVersion is set at link time (-ldflags "-X main.buildVersion=v1.2.3").
var buildVersion = ""

// version returns the version podpolicy was built as.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

func runVersion(stdout io.Writer) int {
	fmt.Fprintf(stdout, "podpolicy %s\nopa %s\n%s %s/%s\n", version(), opaversion.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}
