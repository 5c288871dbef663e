package lint

import (
	"strconv"
	"strings"
)

// verb is one formatting verb of a sprintf format: where it is, and the argument it formats.
type verb struct {
	start, end int
	// arg is the index of the argument it formats; width is set when a * takes one more.
	arg   int
	width bool
}

// formatVerbs reads the verbs of a Go format string as OPA's sprintf (Go's fmt) reads them:
// %% is a percent sign, %[n]v formats argument n, * takes the width from an argument. It
// returns the verbs and how many arguments they need.
func formatVerbs(format string) ([]verb, int) {
	var verbs []verb
	next, needed := 0, 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		start := i
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		v := verb{start: start}
		for i < len(format) && strings.IndexByte("+-# 0123456789.*[]", format[i]) >= 0 {
			switch format[i] {
			case '*':
				v.width = true
				next++
			case '[':
				end := strings.IndexByte(format[i:], ']')
				if end < 0 {
					break
				}
				if n, err := strconv.Atoi(format[i+1 : i+end]); err == nil {
					next = n - 1
				}
				i += end
			}
			i++
		}
		v.arg, v.end = next, min(i+1, len(format))
		next++
		needed = max(needed, next)
		verbs = append(verbs, v)
	}
	return verbs, needed
}
