// Command testimage is the one binary of the images the harness's real node runs, since no
// registry can be reached: as `testimage pause` it is the Pods' sandbox (pause) container, which
// only waits to be stopped; as `testimage serve` it is the test workload, an HTTP server
// answering 200 on every path (for probes) on each -listen address, until SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testimage pause | serve [-listen ADDR,...]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var err error
	switch os.Args[1] {
	case "pause":
		<-ctx.Done()
	case "serve":
		err = serve(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q: want pause or serve", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "testimage: %v\n", err)
		os.Exit(1)
	}
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", ":8080", "comma-separated addresses to serve HTTP on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	hostname, _ := os.Hostname()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "testimage on %s: %s %s\n", hostname, r.Method, r.URL.Path)
	})
	errs := make(chan error, 8)
	var servers []*http.Server
	for _, addr := range strings.Split(*listen, ",") {
		srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, srv)
		go func() {
			if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("serve %s: %w", srv.Addr, err)
			}
		}()
	}
	fmt.Printf("testimage: serving on %s\n", *listen)
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdown)
	}
	return nil
}
