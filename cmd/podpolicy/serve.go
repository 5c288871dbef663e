package main

import (
	"context"
	"fmt"
	"io"
)

func runServe(_ context.Context, _ []string, stderr io.Writer) int {
	fmt.Fprintln(stderr, "podpolicy serve: not built yet")
	return exitUsage
}
