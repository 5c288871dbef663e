package check

import (
	"context"
	"io"
	"runtime"
	"sync"

	"github.com/podpolicy/podpolicy/policies"
	"github.com/podpolicy/podpolicy/policies/manifest"
)

// StreamOptions are the settings of Stream.
type StreamOptions struct {
	// Namespace is the namespace of objects that name none.
	Namespace string
	// Jobs is how many documents are judged at once; GOMAXPROCS when 0 or less.
	Jobs int
	// Keep keeps every result in the report's Results (for output that needs them all at
	// the end, SARIF); otherwise each result is only passed to emit.
	Keep bool
}

// Stream reads the documents of paths one at a time (their YAML parsed on opts.Jobs workers
// too, manifest.EachParallel), judges them on opts.Jobs workers and
// calls emit with each result in input order, so that memory holds only the documents in
// flight, whatever the size of the input. The report it returns counts every object and
// holds the skipped objects and errors (and the results, with opts.Keep). The output is the
// same whatever the number of workers. An error of emit stops the run and is returned.
func Stream(ctx context.Context, engine *policies.Engine, paths []string, stdin io.Reader, opts StreamOptions, emit func(*ObjectResult) error) (*Report, error) {
	return stream(ctx, engine, func(jobs int, yield func(*manifest.Document, error) bool) {
		manifest.EachParallel(paths, stdin, jobs, yield)
	}, opts, emit)
}

// StreamNamed is Stream of one stream, named file in sources and errors.
func StreamNamed(ctx context.Context, engine *policies.Engine, file string, r io.Reader, opts StreamOptions, emit func(*ObjectResult) error) (*Report, error) {
	return stream(ctx, engine, func(jobs int, yield func(*manifest.Document, error) bool) {
		manifest.EachStreamParallel(file, r, jobs, yield)
	}, opts, emit)
}

// stream judges the documents read yields, as Stream describes.
func stream(ctx context.Context, engine *policies.Engine, read func(jobs int, yield func(*manifest.Document, error) bool), opts StreamOptions, emit func(*ObjectResult) error) (*Report, error) {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type item struct {
		doc *manifest.Document
		err error
		out chan outcome
	}
	// The window bounds the documents read but not yet reported: the reader waits for the
	// oldest to be reported before it reads past jobs*4.
	window := jobs * 4
	queue := make(chan item, window)
	work := make(chan item, window)
	go func() {
		defer close(queue)
		defer close(work)
		read(jobs, func(doc *manifest.Document, err error) bool {
			it := item{doc: doc, err: err, out: make(chan outcome, 1)}
			select {
			case queue <- it:
			case <-ctx.Done():
				return false
			}
			if err != nil {
				it.out <- outcome{err: err}
				return true
			}
			select {
			case work <- it:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				o := judge(ctx, engine, it.doc, Context{Namespace: opts.Namespace})
				it.doc.Release()
				it.out <- o
			}
		}()
	}
	defer wg.Wait()

	r := newReport(engine)
	for it := range queue {
		o := <-it.out
		r.add(o, opts.Keep)
		if o.result != nil && emit != nil {
			if err := emit(o.result); err != nil {
				cancel()
				for range queue {
				}
				return r, err
			}
		}
	}
	return r, nil
}
