package manifest

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// plainASCIIByte is printable's rule for one byte below 0x80.
func plainASCIIByte(c byte) bool {
	return c == '\n' || (c >= 0x20 && c < 0x7f)
}

// TestPlainASCIIWordIsEightByteSteps: the word test agrees with the byte rule for every byte
// value at every position, and on words of the bytes at the rule's edges mixed at random.
func TestPlainASCIIWordIsEightByteSteps(t *testing.T) {
	word := func(b [8]byte) uint64 { return binary.LittleEndian.Uint64(b[:]) }
	for c := range 256 {
		for pos := range 8 {
			b := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
			b[pos] = byte(c)
			want := c < 0x80 && plainASCIIByte(byte(c))
			if got := plainASCIIWord(word(b)); got != want {
				t.Fatalf("byte %#x at %d: plainASCIIWord %v, want %v", c, pos, got, want)
			}
		}
	}
	edges := []byte{0x00, 0x01, 0x09, 0x0a, 0x0b, 0x0d, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0x81, 0xa0, 0xfe, 0xff, 'a'}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		var b [8]byte
		want := true
		for i := range b {
			b[i] = edges[rng.IntN(len(edges))]
			want = want && b[i] < 0x80 && plainASCIIByte(b[i])
		}
		if got := plainASCIIWord(word(b)); got != want {
			t.Fatalf("word %q: plainASCIIWord %v, want %v", b[:], got, want)
		}
	}
}

// TestPrintableIsTheRuneRule: printable with its word steps agrees with the rule applied rune
// by rune, on texts whose unusual characters fall anywhere against the word boundaries.
func TestPrintableIsTheRuneRule(t *testing.T) {
	runeRule := func(data []byte) bool {
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			switch {
			case r < utf8.RuneSelf:
				if !plainASCIIByte(byte(r)) {
					return false
				}
			case (r == utf8.RuneError && size == 1) || r < 0xa0 || r == 0x2028 || r == 0x2029 || (r >= 0xd800 && r < 0xe000) || r == 0xfeff || r > 0xfffd:
				return false
			}
			i += size
		}
		return true
	}
	pieces := []string{"a", "key: value", "\n", "  ", "é", "日本", "\t", "\r", "\x7f", "\x00", "\u2028", "\ufeff", "😀", "\xff", "\xc3", "\u00a0", "~"}
	rng := rand.New(rand.NewPCG(3, 4))
	unprintable := 0
	for range 50_000 {
		var text []byte
		for range rng.IntN(12) {
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(4) > 0 {
				p = pieces[rng.IntN(4)]
			}
			text = append(text, p...)
		}
		want := runeRule(text)
		if got := printable(text); got != want {
			t.Fatalf("%q: printable %v, want %v", text, got, want)
		}
		if !want {
			unprintable++
		}
	}
	if unprintable < 5_000 {
		t.Errorf("only %d of 50,000 texts were unprintable: the test barely tries the refusals", unprintable)
	}
}
