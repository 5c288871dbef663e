package doctor

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// parseText reads the samples of the Prometheus text exposition format: comments are
// skipped, and so is a line that cannot be read.
func parseText(data []byte) []sample {
	var out []sample
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if s, ok := parseLine(line); ok {
			out = append(out, s)
		}
	}
	return out
}

// parseLine reads `name{label="value",...} value [timestamp]`.
func parseLine(line string) (sample, bool) {
	s := sample{labels: map[string]string{}}
	end := strings.IndexAny(line, "{ \t")
	if end <= 0 {
		return s, false
	}
	s.name, line = line[:end], line[end:]
	if line[0] == '{' {
		rest, ok := parseLabels(line[1:], s.labels)
		if !ok {
			return s, false
		}
		line = rest
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return s, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return s, false
	}
	s.value = v
	return s, true
}

// parseLabels reads label="value" pairs up to the closing brace into labels and returns what
// follows it.
func parseLabels(line string, labels map[string]string) (string, bool) {
	for {
		line = strings.TrimLeft(line, " \t,")
		if strings.HasPrefix(line, "}") {
			return line[1:], true
		}
		eq := strings.IndexByte(line, '=')
		if eq <= 0 || eq+1 >= len(line) || line[eq+1] != '"' {
			return "", false
		}
		name := strings.TrimSpace(line[:eq])
		var value strings.Builder
		i := eq + 2
		for ; i < len(line) && line[i] != '"'; i++ {
			if line[i] == '\\' && i+1 < len(line) {
				i++
				switch line[i] {
				case 'n':
					value.WriteByte('\n')
				default:
					value.WriteByte(line[i])
				}
				continue
			}
			value.WriteByte(line[i])
		}
		if i >= len(line) {
			return "", false
		}
		labels[name] = value.String()
		line = line[i+1:]
	}
}
