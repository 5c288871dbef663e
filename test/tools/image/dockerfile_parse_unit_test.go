package main

import (
	"reflect"
	"testing"
)

func TestParseDockerfile(t *testing.T) {
	stages, err := parseDockerfile(`# syntax=docker/dockerfile:1
ARG GO=1.26
FROM --platform=$BUILDPLATFORM golang:${GO} AS build
RUN a \
    # a comment inside the instruction
    b \

    c
FROM scratch
env A=1 B="two words" C="say \"hi\"" D=${V}-$V
LABEL x.y="${V}"
ENTRYPOINT ["/p", "q"]
COPY --from=build --chmod=0555 /out/p /p
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 3 || stages[1].From != "golang:${GO}" || stages[1].Name != "build" || stages[2].From != "scratch" {
		t.Fatalf("stages %+v", stages)
	}
	if run := stages[1].Instrs[0]; run.Keyword != "RUN" || run.Args != "a b c" || run.Line != 4 {
		t.Errorf("continued RUN parsed as %+v", run)
	}
	final := stages[2].Instrs
	env, err := keyValues(final[0].Args, map[string]string{"V": "v1"})
	if want := [][2]string{{"A", "1"}, {"B", "two words"}, {"C", `say "hi"`}, {"D", "v1-v1"}}; err != nil || !reflect.DeepEqual(env, want) {
		t.Errorf("ENV parsed as %q, %v; want %q", env, err, want)
	}
	if final[0].Keyword != "ENV" {
		t.Errorf("lower-case keyword parsed as %q", final[0].Keyword)
	}
	if _, err := keyValues(final[1].Args, nil); err == nil {
		t.Error("an unknown build argument was accepted")
	}
	if ep, err := jsonArgs(final[2].Args); err != nil || !reflect.DeepEqual(ep, []string{"/p", "q"}) {
		t.Errorf("ENTRYPOINT parsed as %q, %v", ep, err)
	}
	c, err := parseCopy(final[3].Args)
	if err != nil || c.Flags["from"] != "build" || c.Flags["chmod"] != "0555" || !reflect.DeepEqual(c.Sources, []string{"/out/p"}) || c.Dest != "/p" {
		t.Errorf("COPY parsed as %+v, %v", c, err)
	}
	if _, err := parseDockerfile("RUN a \\\n"); err == nil {
		t.Error("a dangling continuation was accepted")
	}
	if _, err := jsonArgs("/p q"); err == nil {
		t.Error("the shell form was taken for the exec form")
	}
}
