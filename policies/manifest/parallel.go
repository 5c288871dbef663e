package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// EachParallel is Each with the YAML of the documents parsed on jobs workers (GOMAXPROCS when
// 0 or less): a stream is framed at its document markers (a line starting with "---"), each
// document is parsed on its own, and the documents are yielded in input order with the same
// sources, lines and errors as Each gives. Where framing is not certain to agree with the
// parser (a directive, a document end marker, line breaks other than \n and \r\n) and at the
// first document that does not parse alone, the rest of the stream is read as Each reads it.
func EachParallel(paths []string, stdin io.Reader, jobs int, yield func(*Document, error) bool) {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	work := make(chan *chunk, jobs*4)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				c.out <- c.parse()
			}
		}()
	}
	defer func() { close(work); wg.Wait() }()
	eachInput(paths, stdin, func(file string, r io.Reader) bool { return eachFramed(file, r, jobs*4, work, yield) }, yield)
}

// fallbacks counts the streams whose rest was read sequentially, for the tests.
var fallbacks atomic.Int64

// chunk is the text of one document of a stream, from its marker line to the next marker.
type chunk struct {
	file string
	data []byte
	// line is the line data starts on; index the document's index in the stream.
	line, index int
	// docs is how many documents the chunk must hold: 1, or 0 or 1 for the text before the
	// first marker (which parses to none when it holds only comments).
	docs int
	out  chan parsed
}

// parsed is the outcome of a chunk: its documents and errors, or fallback when it did not
// parse alone as the stream's parser would have parsed it.
type parsed struct {
	docs     []Document
	errs     []error
	fallback bool
	// anchors is set when the document defines an anchor, which the parser keeps for the
	// documents after it.
	anchors bool
}

func (c *chunk) parse() parsed {
	var p parsed
	if doc, ok := parseBlockYAML(c.data); ok && c.docs == 1 {
		shiftLines(doc, c.line-1)
		p.docs, p.errs = documents(c.file, fmt.Sprintf("%s#%d", c.file, c.index), doc.Content[0])
		return p
	}
	dec := yaml.NewDecoder(bytes.NewReader(c.data))
	n := 0
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || n >= 1 {
			return parsed{fallback: true}
		}
		n++
		p.anchors = shiftLines(&node, c.line-1)
		if len(node.Content) == 0 || isNull(node.Content[0]) {
			continue
		}
		p.docs, p.errs = documents(c.file, fmt.Sprintf("%s#%d", c.file, c.index), node.Content[0])
	}
	if n != c.docs {
		return parsed{fallback: true}
	}
	return p
}

// shiftLines moves a node's lines, and its children's, by offset, and reports whether one
// of them defines an anchor.
func shiftLines(n *yaml.Node, offset int) bool {
	n.Line += offset
	anchors := n.Anchor != ""
	for _, child := range n.Content {
		if shiftLines(child, offset) {
			anchors = true
		}
	}
	return anchors
}

// framing is the handover of a stream the framer stops framing: the text it read but did
// not frame, and the rest of the stream.
type framing struct {
	pending []byte
	rest    io.Reader
	line    int
	index   int
}

// eachFramed frames one stream into chunks for the workers and yields their documents in
// order; it reports whether yield wants more.
//
// A chunk's documents are yielded only once the chunks after it that parsed hold lookahead
// bytes: the parser reads a little ahead, so a syntax error at the start of a document can be
// an earlier document's error too. From a chunk that does not parse alone, or that defines an
// anchor (which the parser keeps for the documents after it), the stream is read
// sequentially from the oldest chunk held.
func eachFramed(file string, r io.Reader, window int, work chan<- *chunk, yield func(*Document, error) bool) bool {
	queue := make(chan *chunk, window)
	stop := make(chan struct{})
	handover := make(chan framing, 1)
	go frame(file, bufio.NewReaderSize(r, 64<<10), queue, work, stop, handover)
	stopped := false
	defer func() {
		if !stopped {
			close(stop)
		}
		for range queue {
		}
	}()
	emit := func(p parsed) bool {
		for i := range p.docs {
			if !yield(&p.docs[i], nil) {
				return false
			}
		}
		for _, err := range p.errs {
			if !yield(nil, err) {
				return false
			}
		}
		return true
	}
	// sequentially reads the stream from chunk from on: its text, the chunks framed after
	// it, then what the framer did not frame or read.
	sequentially := func(from *chunk, next ...*chunk) bool {
		fallbacks.Add(1)
		if !stopped {
			close(stop)
			stopped = true
		}
		parts := []io.Reader{bytes.NewReader(from.data)}
		for _, c := range next {
			parts = append(parts, bytes.NewReader(c.data))
		}
		for later := range queue {
			parts = append(parts, bytes.NewReader(later.data))
		}
		if h := <-handover; h.rest != nil {
			parts = append(parts, bytes.NewReader(h.pending), h.rest)
		}
		return eachInStreamAt(file, io.MultiReader(parts...), from.line-1, from.index, yield)
	}
	// held are the chunks parsed but not yet yielded, oldest first, with their outcomes.
	var held []*chunk
	var heldParsed []parsed
	for c := range queue {
		p := <-c.out
		if p.fallback || p.anchors {
			if len(held) == 0 {
				return sequentially(c)
			}
			return sequentially(held[0], append(held[1:], c)...)
		}
		held, heldParsed = append(held, c), append(heldParsed, p)
		for len(held) > 1 && textAfter(held) >= lookahead {
			if !emit(heldParsed[0]) {
				return false
			}
			held, heldParsed = held[1:], heldParsed[1:]
		}
	}
	h := <-handover
	if h.rest == nil {
		for _, p := range heldParsed {
			if !emit(p) {
				return false
			}
		}
		return true
	}
	// The framer met text it cannot frame with certainty: the parser reads from the oldest
	// chunk held on.
	handover <- h
	if len(held) == 0 {
		return sequentially(&chunk{line: h.line, index: h.index})
	}
	return sequentially(held[0], held[1:]...)
}

// lookahead bounds how far past a document the parser may read before it returns the
// document: a few tokens, a simple key being at most 1,024 characters on one line.
const lookahead = 4096

// textAfter is the size of the chunks held after the oldest.
func textAfter(held []*chunk) int {
	n := 0
	for _, c := range held[1:] {
		n += len(c.data)
	}
	return n
}

// frame splits a stream at its marker lines. It hands over, without framing further, at text
// whose framing the parser might see otherwise, or when told to stop.
func frame(file string, br *bufio.Reader, queue, work chan<- *chunk, stop <-chan struct{}, handover chan<- framing) {
	defer close(queue)
	var cur []byte
	line, start, index := 1, 1, 0
	leader := true
	send := func(next []byte) bool {
		c := &chunk{file: file, data: cur, line: start, index: index, docs: 1, out: make(chan parsed, 1)}
		if leader && !hasContent(cur) {
			c.docs = 0
		}
		select {
		case queue <- c:
		case <-stop:
			handover <- framing{pending: append(cur, next...), rest: br}
			return false
		}
		work <- c
		index += c.docs
		leader = false
		cur, start = nil, line
		return true
	}
	atLineStart := true
	for {
		frag, err := br.ReadSlice('\n')
		if len(frag) > 0 {
			if atLineStart {
				switch {
				case isMarker(frag, '-'):
					if len(cur) > 0 || !leader {
						if !send(frag) {
							return
						}
					} else {
						leader = false
					}
				case isMarker(frag, '.') || frag[0] == '%':
					handover <- framing{pending: append(cur, frag...), rest: br, line: start, index: index}
					return
				}
			}
			if otherBreaks(frag) || forbiddenChars(frag) {
				handover <- framing{pending: append(cur, frag...), rest: br, line: start, index: index}
				return
			}
			cur = append(cur, frag...)
			atLineStart = frag[len(frag)-1] == '\n'
			if atLineStart {
				line++
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			break
		}
	}
	if len(cur) > 0 {
		if !send(nil) {
			return
		}
	}
	handover <- framing{}
}

// isMarker reports whether a line starts with a document marker of c ("---" or "...").
func isMarker(line []byte, c byte) bool {
	if len(line) < 3 || line[0] != c || line[1] != c || line[2] != c {
		return false
	}
	return len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\n' || line[3] == '\r'
}

// otherBreaks reports line breaks YAML counts that framing does not: a lone \r, NEL, LS, PS,
// and the NUL that ends a marker for the parser.
func otherBreaks(frag []byte) bool {
	for i := bytes.IndexByte(frag, '\r'); i >= 0; {
		if i+1 >= len(frag) || frag[i+1] != '\n' {
			return true
		}
		j := bytes.IndexByte(frag[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return bytes.IndexByte(frag, 0) >= 0 || bytes.Contains(frag, []byte("\u0085")) ||
		bytes.Contains(frag, []byte("\u2028")) || bytes.Contains(frag, []byte("\u2029"))
}

// forbiddenChars reports characters YAML does not allow in a stream (control characters,
// invalid UTF-8). The parser reports them where its read buffer meets them, ahead of the
// document it parses, so no framing can match where it stops; from there the stream is read
// sequentially, and it is reported invalid either way.
func forbiddenChars(frag []byte) bool {
	for i := 0; i < len(frag); {
		b := frag[i]
		if b < utf8.RuneSelf {
			if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(frag[i:])
		if r == utf8.RuneError && size <= 1 {
			// A rune cut at the end of the read buffer continues in the next fragment
			// (which then starts with bytes that are invalid alone).
			if utf8.FullRune(frag[i:]) {
				return true
			}
			return false
		}
		if (r >= 0x80 && r <= 0x9f && r != 0x85) || r == 0xfffe || r == 0xffff {
			return true
		}
		i += size
	}
	return false
}

// hasContent reports whether text before the first marker holds more than comments and blank
// lines, and so is a document of its own.
func hasContent(text []byte) bool {
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		trimmed := bytes.TrimLeft(line, " \t\r\ufeff")
		if len(trimmed) > 0 && trimmed[0] != '#' {
			return true
		}
	}
	return false
}
