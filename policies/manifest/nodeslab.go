package manifest

import (
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
	chunks [][]yaml.Node
	// chunk is the chunk new takes from, used how many of its nodes it has handed out.
	chunk, used int
}

var nodeSlabs = sync.Pool{New: func() any { return &nodeSlab{} }}

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
	for _, c := range s.chunks[:s.chunk] {
		clear(c)
	}
	if s.chunk < len(s.chunks) {
		clear(s.chunks[s.chunk][:s.used])
	}
	s.chunk, s.used = 0, 0
}
