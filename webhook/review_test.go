package webhook

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-logr/logr"
)

// TestBodyAndContentTypeAreReadAsSent covers the ways a body arrives: of the length it
// announces, of an unknown length, shorter than announced, and under a content type with
// parameters or a wrong one.
func TestBodyAndContentTypeAreReadAsSent(t *testing.T) {
	body := reviewBody(t, "CREATE", "shop", pod("nginx:1.27"), nil)
	for _, tc := range []struct {
		name          string
		contentType   string
		contentLength int64
		status        int
		evaluated     bool
	}{
		{"announced length", "application/json", int64(len(body)), http.StatusOK, true},
		{"unknown length", "application/json", -1, http.StatusOK, true},
		{"shorter than announced", "application/json", int64(len(body)) + 10, http.StatusBadRequest, false},
		{"content type with a charset", "application/json; charset=utf-8", int64(len(body)), http.StatusOK, true},
		{"wrong content type", "text/plain", int64(len(body)), http.StatusUnsupportedMediaType, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			engine := &fakeEngine{}
			h := NewValidatingHandler(engine, Cluster{}, nil, logr.Discard())
			req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
			req.Header.Set("Content-Type", tc.contentType)
			req.ContentLength = tc.contentLength
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("answered %d %s; want %d", rec.Code, rec.Body, tc.status)
			}
			if evaluated := engine.calls > 0; evaluated != tc.evaluated {
				t.Errorf("evaluated: %v, want %v", evaluated, tc.evaluated)
			}
		})
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r    *bytes.Reader
	read int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

// TestOversizedBodiesAreRefused: a body over the limit gets 413 whether it announces its
// length or not, and one that announces it is refused before a byte of it is read (buffering
// it would only raise the process's peak memory).
func TestOversizedBodiesAreRefused(t *testing.T) {
	oversized := bytes.Repeat([]byte(" "), maxReviewBytes+1)
	for _, tc := range []struct {
		name          string
		contentLength int64
		maxRead       int
	}{
		{"announced length", int64(len(oversized)), 0},
		{"unknown length", -1, maxReviewBytes + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			engine := &fakeEngine{}
			h := NewValidatingHandler(engine, Cluster{}, nil, logr.Discard())
			body := &countingReader{r: bytes.NewReader(oversized)}
			req := httptest.NewRequest(http.MethodPost, "/validate", body)
			req.Header.Set("Content-Type", "application/json")
			req.ContentLength = tc.contentLength
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusRequestEntityTooLarge || !bytes.Contains(rec.Body.Bytes(), []byte("larger than")) {
				t.Errorf("answered %d %s; want 413", rec.Code, rec.Body)
			}
			if body.read > tc.maxRead {
				t.Errorf("read %d bytes of the body; want at most %d", body.read, tc.maxRead)
			}
			if engine.calls > 0 {
				t.Error("evaluated an oversized body")
			}
		})
	}
}
