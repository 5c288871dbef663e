package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
)

// EachParallel is Each with the documents of YAML streams converted on jobs workers
// (GOMAXPROCS when 0 or less), yielded in input order with the same objects, sources, lines
// and errors as Each. A YAML stream is split into documents exactly as Kubernetes'
// yaml.YAMLReader splits it (frame, a copy of its rules that FuzzStreamIsKubectls holds to
// it), which depends on lines alone; each document written in the block style helm and
// kubectl write is read by the block-YAML reader, any other by kubectl's own conversion. A JSON
// stream is read by Each.
func EachParallel(paths []string, stdin io.Reader, jobs int, yield func(*Document, error) bool) {
	p := newParallel(jobs)
	defer p.close()
	eachInput(paths, stdin, func(file string, r io.Reader) bool { return p.stream(file, r, yield) }, yield)
}

// EachStreamParallel is EachParallel for one stream, named file in sources and errors.
func EachStreamParallel(file string, r io.Reader, jobs int, yield func(*Document, error) bool) {
	p := newParallel(jobs)
	defer p.close()
	p.stream(file, r, yield)
}

// parallel is a pool of workers converting documents.
type parallel struct {
	work   chan *chunk
	window int
	wg     sync.WaitGroup
}

func newParallel(jobs int) *parallel {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	p := &parallel{work: make(chan *chunk, jobs*4), window: jobs * 4}
	for range jobs {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for c := range p.work {
				c.out <- c.parse()
			}
		}()
	}
	return p
}

func (p *parallel) close() {
	close(p.work)
	p.wg.Wait()
}

// stream reads one stream: a YAML one framed for the workers, a JSON one by eachInStream. It
// reports whether yield wants more.
func (p *parallel) stream(file string, r io.Reader, yield func(*Document, error) bool) bool {
	br := bufio.NewReaderSize(r, 64<<10)
	if peek, _ := br.Peek(jsonGuessSize); yamlutil.IsJSONBuffer(peek) {
		return eachInStream(file, br, yield)
	}
	return eachFramed(file, br, p.window, p.work, yield)
}

// chunk is one document of a YAML stream, or the error of a separator that ends none.
type chunk struct {
	file, source string
	// data is the document's text as YAMLReader yields it: its lines, each ended by "\n".
	data []byte
	// line is the line data starts on.
	line int
	err  error
	out  chan parsed
}

// parsed is what a chunk holds: its objects, and what kubectl refuses in it.
type parsed struct {
	docs []Document
	errs []error
}

// parse converts a chunk: with the block-YAML reader and toJSON when it reads it (both held to
// kubectl's conversion by FuzzBlockYAMLIsYAMLv3, FuzzJSONMatchesKubectl and
// FuzzStreamIsKubectls), else with kubectl's conversion itself.
func (c *chunk) parse() parsed {
	var p parsed
	collect := func(d *Document, err error) bool {
		if err != nil {
			p.errs = append(p.errs, err)
		} else {
			p.docs = append(p.docs, *d)
		}
		return true
	}
	nodes := nodeSlabs.Get().(*nodeSlab)
	if doc, ok := parseBlockYAML(c.data, nodes); ok {
		shiftLines(doc, c.line-1)
		if len(doc.Content) == 0 {
			nodes.release()
			return p
		}
		root := doc.Content[0]
		if plainObject(root) {
			if obj, ok := objectOf(root); ok {
				collect(&Document{Source: c.source, File: c.file, Line: root.Line, Object: obj, node: root, nodes: nodes}, nil)
				return p
			}
		}
		if data, err := toJSONSized(root, len(c.data)); err == nil {
			if plainObject(root) {
				collect(&Document{Source: c.source, File: c.file, Line: root.Line, JSON: data, node: root, nodes: nodes}, nil)
			} else {
				// The items of a List share the nodes; the collector takes them back.
				yieldObjects(c.file, c.source, c.line, data, root, collect)
			}
			return p
		}
	}
	nodes.release()
	yieldDocument(c.file, c.source, c.line, c.data, collect)
	return p
}

// shiftLines moves a node's lines, and its children's, by offset.
func shiftLines(n *yaml.Node, offset int) {
	n.Line += offset
	for _, child := range n.Content {
		shiftLines(child, offset)
	}
}

// eachFramed splits one YAML stream into documents for the workers and yields their objects
// in order; it reports whether yield wants more.
func eachFramed(file string, r *bufio.Reader, window int, work chan<- *chunk, yield func(*Document, error) bool) bool {
	queue := make(chan *chunk, window)
	stop := make(chan struct{})
	go frame(file, r, queue, work, stop)
	defer func() {
		close(stop)
		for range queue {
		}
	}()
	for c := range queue {
		if c.err != nil {
			if !yield(nil, c.err) {
				return false
			}
			continue
		}
		p := <-c.out
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
	}
	return true
}

// frame splits a YAML stream into chunks for the workers (splitter) and queues them in order.
func frame(file string, r *bufio.Reader, queue, work chan<- *chunk, stop <-chan struct{}) {
	defer close(queue)
	s := &splitter{r: r}
	for index := 0; ; {
		doc, start, err := s.next()
		c := &chunk{file: file, source: fmt.Sprintf("%s#%d", file, index), data: doc, line: start, out: make(chan parsed, 1)}
		switch {
		case errors.Is(err, io.EOF):
			return
		case err != nil:
			c = &chunk{err: &InputError{File: file, Line: start, Err: err}}
		default:
			index++
		}
		select {
		case queue <- c:
		case <-stop:
			return
		}
		if c.err == nil {
			work <- c
		}
	}
}

// splitter splits a YAML stream into documents by the rules of Kubernetes' yaml.YAMLReader
// over its LineReader, which kubectl and helm read streams with: a line is what ends at
// "\n", without it and a "\r" right before it; a line starting with "---" ends the document
// before it when what follows is blank or a comment (and is the first line of the next
// document when there is none before it), and is an error that drops that document
// otherwise; every other line belongs to the document. FuzzFramingIsYAMLReaders holds it to
// YAMLReader.
type splitter struct {
	r      *bufio.Reader
	line   []byte
	lineNo int
	// doc is where a document is put together, line by line, before it gets a copy of its
	// own length: growing each document from nothing cost twice its size in garbage.
	doc []byte
}

// next returns the next document's text (its lines, each ended by "\n") and the line it
// starts on; or the error of an invalid separator and its line; or io.EOF.
func (s *splitter) next() ([]byte, int, error) {
	doc, start, err := s.assemble()
	if err != nil || len(doc) == 0 {
		return nil, start, err
	}
	s.doc = doc[:0]
	return bytes.Clone(doc), start, nil
}

// assemble is next with the document's text in the splitter's own buffer.
func (s *splitter) assemble() (doc []byte, start int, err error) {
	doc = s.doc[:0]
	for {
		var ok bool
		s.line, ok, err = readLine(s.r, s.line)
		if err != nil {
			return nil, s.lineNo + 1, err
		}
		if !ok {
			if len(doc) > 0 {
				return doc, start, nil
			}
			return nil, 0, io.EOF
		}
		s.lineNo++
		if bytes.HasPrefix(s.line, []byte("---")) {
			if rest := strings.TrimSpace(string(s.line[3:])); rest != "" && rest[0] != '#' {
				return nil, s.lineNo, fmt.Errorf("invalid Yaml document separator: %s", rest)
			}
			if len(doc) > 0 {
				return doc, start, nil
			}
		}
		if len(doc) == 0 {
			start = s.lineNo
		}
		doc = append(append(doc, s.line...), '\n')
	}
}

// readLine reads the next line into buf as bufio.Reader.ReadLine and YAMLReader's LineReader
// read it: up to "\n", without it and a "\r" right before it. ok is false at the end of the
// stream.
func readLine(r *bufio.Reader, buf []byte) (line []byte, ok bool, err error) {
	buf = buf[:0]
	for {
		frag, err := r.ReadSlice('\n')
		buf = append(buf, frag...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return buf, false, err
		}
		if len(buf) == 0 {
			return buf, false, nil
		}
		break
	}
	if n := len(buf); buf[n-1] == '\n' {
		buf = buf[:n-1]
		if n > 1 && buf[n-2] == '\r' {
			buf = buf[:n-2]
		}
	}
	return buf, true, nil
}
