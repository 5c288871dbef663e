package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// source is the commit a build is made from.
type source struct {
	// Revision is the commit's hash.
	Revision string
	// Time is SOURCE_DATE_EPOCH when set, else the commit's time.
	Time time.Time
	// Dirty reports uncommitted changes: the image then holds more than Revision.
	Dirty bool
}

// readSource asks git about the checkout at root. epoch, when not empty, is SOURCE_DATE_EPOCH
// (seconds since 1970) and wins over the commit time.
func readSource(ctx context.Context, root, epoch string) (source, error) {
	rev, err := git(ctx, root, "rev-parse", "HEAD")
	if err != nil {
		return source{}, err
	}
	status, err := git(ctx, root, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return source{}, err
	}
	if epoch == "" {
		if epoch, err = git(ctx, root, "log", "-1", "--format=%ct", "HEAD"); err != nil {
			return source{}, err
		}
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil || secs < 0 {
		return source{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want a number of seconds since 1970-01-01 UTC", epoch)
	}
	return source{Revision: rev, Time: time.Unix(secs, 0).UTC(), Dirty: status != ""}, nil
}

// git runs git in dir and returns its trimmed output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s in %s (the image's revision label and timestamps come from the commit): %w: %s",
			strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
