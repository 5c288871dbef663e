package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/podpolicy/podpolicy/certs"
)

// serveNullFlag runs the bench as the null webhook server alone, in a process of its own, for
// the loopback phase: podpolicy's HTTP and TLS stack (Go's net/http, ECDSA P-256, TLS 1.2+,
// HTTP/1.1) and serve's GC settings, answering every AdmissionReview allowed without
// evaluating it. Beside podpolicy in the same run it is this machine's ceiling.
const serveNullFlag = "serve-null"

// serveNullPatchFlag gives the null webhook server a JSON Patch to answer /mutate with.
const serveNullPatchFlag = "serve-null-patch"

// serveNull serves with the certificate in dir on a free loopback port, printing the address;
// /mutate answers with patch when it is set.
func serveNull(dir string, patch []byte) error {
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(96 << 20)
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, certs.CertFile), filepath.Join(dir, certs.KeyFile))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	w := &nullWebhook{patch: patch}
	return w.newServer(pair).ServeTLS(ln, "", "")
}

// startNullServer starts the bench binary as the null webhook server with a certificate of
// ca, the same kind podpolicy serves, answering /mutate with patch when it is set.
func startNullServer(ctx context.Context, dir string, ca *certs.CA, patch []byte) (*serverProcess, *target, error) {
	bundle, err := ca.Issue([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, 12*time.Hour, time.Now())
	if err != nil {
		return nil, nil, err
	}
	if err := certs.WriteFiles(dir, bundle); err != nil {
		return nil, nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, self, "-"+serveNullFlag, dir, "-"+serveNullPatchFlag, string(patch))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start the null webhook server: %w", err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan struct{})}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	go func() { _ = cmd.Wait(); close(p.done) }()
	if err != nil {
		p.stop()
		return nil, nil, fmt.Errorf("the null webhook server printed no address: %w", err)
	}
	t := &target{name: "null webhook server", url: "https://" + strings.TrimSpace(addr) + "/validate", pid: cmd.Process.Pid, client: newClient(ca.Cert, 64)}
	return p, t, nil
}
