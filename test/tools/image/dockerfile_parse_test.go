package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// A Dockerfile parser for the equivalence test: instructions with continuation lines joined and
// comments dropped, split into stages, and the argument forms of the instructions the final
// stage uses. It follows the Dockerfile reference for what this repository's Dockerfile needs
// (default escape character, no heredocs) and refuses the rest.

// instruction is one Dockerfile instruction.
type instruction struct {
	Line    int    // line of the keyword
	Keyword string // upper case
	Args    string // the rest, continuations joined with a space
}

// stage is one FROM and the instructions after it.
type stage struct {
	From, Name string
	Instrs     []instruction
}

// parseDockerfile splits a Dockerfile into stages; instructions before the first FROM (global
// ARGs) form stage 0 with an empty From.
func parseDockerfile(text string) ([]stage, error) {
	stages := []stage{{}}
	var cur *instruction
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue // blank lines and comments, also inside a continued instruction
		}
		if strings.HasPrefix(trimmed, "<<") || strings.Contains(trimmed, " <<") {
			return nil, fmt.Errorf("line %d: heredocs are not supported by this parser", i+1)
		}
		cont := strings.HasSuffix(trimmed, `\`)
		part := strings.TrimSpace(strings.TrimSuffix(trimmed, `\`))
		if cur == nil {
			keyword, args, _ := strings.Cut(part, " ")
			cur = &instruction{Line: i + 1, Keyword: strings.ToUpper(keyword), Args: strings.TrimSpace(args)}
		} else {
			cur.Args = strings.TrimSpace(cur.Args + " " + part)
		}
		if cont {
			continue
		}
		if cur.Keyword == "FROM" {
			from := strings.Fields(cur.Args)
			s := stage{}
			for len(from) > 0 && strings.HasPrefix(from[0], "--") {
				from = from[1:]
			}
			if len(from) == 0 {
				return nil, fmt.Errorf("line %d: FROM without an image", cur.Line)
			}
			s.From = from[0]
			if len(from) == 3 && strings.EqualFold(from[1], "AS") {
				s.Name = from[2]
			}
			stages = append(stages, s)
		} else {
			last := &stages[len(stages)-1]
			last.Instrs = append(last.Instrs, *cur)
		}
		cur = nil
	}
	if cur != nil {
		return nil, fmt.Errorf("line %d: the last instruction ends with a continuation", cur.Line)
	}
	return stages, nil
}

// keyValues parses the arguments of ENV and LABEL: key=value pairs separated by spaces, values
// optionally in double quotes (with \" and \\ escapes). ${NAME} and $NAME in values are
// replaced from args; a reference to anything else is an error.
func keyValues(s string, args map[string]string) ([][2]string, error) {
	var out [][2]string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimLeftFunc(s, unicode.IsSpace) {
		key, rest, ok := strings.Cut(s, "=")
		if !ok || key == "" || strings.ContainsFunc(key, unicode.IsSpace) {
			return nil, fmt.Errorf("%q: want key=value pairs", s)
		}
		var raw strings.Builder
		quoted := strings.HasPrefix(rest, `"`)
		i := 0
		if quoted {
			i = 1
		}
		for ; i < len(rest); i++ {
			c := rest[i]
			if quoted && c == '\\' && i+1 < len(rest) {
				i++
				raw.WriteByte(rest[i])
				continue
			}
			if quoted && c == '"' {
				i++
				break
			}
			if !quoted && unicode.IsSpace(rune(c)) {
				break
			}
			raw.WriteByte(c)
		}
		value, err := expand(raw.String(), args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out = append(out, [2]string{key, value})
		s = rest[i:]
	}
	return out, nil
}

// expand replaces ${NAME} and $NAME from args.
func expand(s string, args map[string]string) (string, error) {
	var err error
	out := expandVars(s, func(name string) string {
		v, ok := args[name]
		if !ok && err == nil {
			err = fmt.Errorf("$%s is not a known build argument", name)
		}
		return v
	})
	return out, err
}

func expandVars(s string, lookup func(string) string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '{' {
			if end := strings.IndexByte(s[i:], '}'); end > 0 {
				b.WriteString(lookup(s[i+2 : i+end]))
				i += end
				continue
			}
		}
		j := i + 1
		for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
			j++
		}
		b.WriteString(lookup(s[i+1 : j]))
		i = j - 1
	}
	return b.String()
}

// jsonArgs parses the exec form of ENTRYPOINT and CMD.
func jsonArgs(s string) ([]string, error) {
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("%q is not the exec (JSON) form: %w", s, err)
	}
	return out, nil
}

// copyArgs is a parsed COPY: its --flags, sources and destination.
type copyArgs struct {
	Flags   map[string]string
	Sources []string
	Dest    string
}

func parseCopy(s string) (copyArgs, error) {
	c := copyArgs{Flags: map[string]string{}}
	words := strings.Fields(s)
	for len(words) > 0 && strings.HasPrefix(words[0], "--") {
		k, v, _ := strings.Cut(strings.TrimPrefix(words[0], "--"), "=")
		c.Flags[k] = v
		words = words[1:]
	}
	if len(words) < 2 {
		return c, fmt.Errorf("COPY %s: want sources and a destination", s)
	}
	c.Sources, c.Dest = words[:len(words)-1], words[len(words)-1]
	return c, nil
}
