package manifest

import (
	"slices"
	"sync"

	"go.yaml.in/yaml/v3"
)

// nodeChunk is how many nodes a slab allocates at a time: a typical workload's document parses
// into about 200.
const nodeChunk = 128

// nodeSlab hands out the nodes the block-YAML reader parses one document into, and takes
// them back whole once the document has been judged (Document.Release), for the next
// document. The nodes were most of the bytes podpolicy check allocated (37 % over the bench's
// 10,000 objects), and the bytes allocated set the collector's pace.
type nodeSlab struct {
	// lines is the parse's line index and open the children of the collections it is
	// reading, innermost last: both needed only while it parses.
	lines []sourceLine
	open  []*yaml.Node
	// chunks are the nodes; chunk is the one newNode takes from, used how many of its nodes
	// it has handed out.
	chunks      [][]yaml.Node
	chunk, used int
	// contents are the collections' children, handed out by contentOf as nodes are.
	contents                  [][]*yaml.Node
	contentChunk, contentUsed int
}

// contentChunkSize is how many children a slab allocates at a time.
const contentChunkSize = 512

var nodeSlabs = sync.Pool{New: func() any { return &nodeSlab{} }}

// lineBuffer is an empty line index with room for n lines.
func (s *nodeSlab) lineBuffer(n int) []sourceLine {
	if s == nil {
		return make([]sourceLine, 0, n)
	}
	if cap(s.lines) < n {
		s.lines = make([]sourceLine, 0, n)
	}
	return s.lines[:0]
}

// contentOf is a collection's children: a copy of children, from s (from the heap when s is
// nil or there are many). Appending to it copies it.
func (s *nodeSlab) contentOf(children []*yaml.Node) []*yaml.Node {
	n := len(children)
	if s == nil || n > contentChunkSize {
		return slices.Clone(children)
	}
	if s.contentChunk < len(s.contents) && s.contentUsed+n > contentChunkSize {
		s.contentChunk, s.contentUsed = s.contentChunk+1, 0
	}
	if s.contentChunk == len(s.contents) {
		s.contents = append(s.contents, make([]*yaml.Node, contentChunkSize))
	}
	out := s.contents[s.contentChunk][s.contentUsed : s.contentUsed+n : s.contentUsed+n]
	copy(out, children)
	s.contentUsed += n
	return out
}

// openBuffer is an empty stack for the children of the collections a parse reads.
func (s *nodeSlab) openBuffer() []*yaml.Node {
	if s == nil {
		return nil
	}
	return s.open[:0]
}

// newNode is a zero node from s; from the heap when s is nil.
func (s *nodeSlab) newNode() *yaml.Node {
	if s == nil {
		return &yaml.Node{}
	}
	if s.chunk == len(s.chunks) {
		s.chunks = append(s.chunks, make([]yaml.Node, nodeChunk))
	}
	n := &s.chunks[s.chunk][s.used]
	if s.used++; s.used == nodeChunk {
		s.chunk, s.used = s.chunk+1, 0
	}
	return n
}

// release gives s back, reset, for another document's parse. Nothing may use its nodes after
// it.
func (s *nodeSlab) release() {
	s.reset()
	nodeSlabs.Put(s)
}

// reset zeroes the nodes s handed out, so that they hold nothing of their document, and makes
// them the next ones newNode hands out.
func (s *nodeSlab) reset() {
	clear(s.lines[:cap(s.lines)])
	clear(s.open[:cap(s.open)])
	for _, c := range s.contents[:min(s.contentChunk, len(s.contents))] {
		clear(c)
	}
	if s.contentChunk < len(s.contents) {
		clear(s.contents[s.contentChunk][:s.contentUsed])
	}
	s.contentChunk, s.contentUsed = 0, 0
	for _, c := range s.chunks[:s.chunk] {
		clear(c)
	}
	if s.chunk < len(s.chunks) {
		clear(s.chunks[s.chunk][:s.used])
	}
	s.chunk, s.used = 0, 0
}
