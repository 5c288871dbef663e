package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/podpolicy/podpolicy/certs"
	"github.com/podpolicy/podpolicy/test/harness"
)

// startPodpolicy runs `podpolicy serve` with a certificate of ca and no API access.
func startPodpolicy(ctx context.Context, binary, dir string, ca *certs.CA) (*harness.Webhook, *target, error) {
	w, err := harness.StartWebhook(ctx, harness.WebhookOptions{Binary: binary, Dir: dir, CA: ca})
	if err != nil {
		return nil, nil, err
	}
	return w, &target{name: "podpolicy serve", url: w.URL("/validate"), pid: w.PID(), client: newClient(ca.Cert, 64)}, nil
}

// serverProcess is a server the bench started (`opa run --server`, the null webhook server),
// stopped by its PID.
type serverProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (o *serverProcess) stop() {
	_ = o.cmd.Process.Kill()
	<-o.done
}

// startOPA runs the plain OPA server with podpolicy's Rego library and the adapter policy,
// serving the same kind of certificate as podpolicy (ECDSA P-256 from the same CA).
func startOPA(ctx context.Context, root, dir string, ca *certs.CA) (*serverProcess, *target, error) {
	bundle, err := ca.Issue([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}, 12*time.Hour, time.Now())
	if err != nil {
		return nil, nil, err
	}
	certDir := filepath.Join(dir, "certs")
	if err := certs.WriteFiles(certDir, bundle); err != nil {
		return nil, nil, err
	}
	port, err := harness.FreePort()
	if err != nil {
		return nil, nil, err
	}
	log, err := os.Create(filepath.Join(dir, "opa.log"))
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(filepath.Join(root, "bin", "opa"), "run", "--server",
		"--addr=127.0.0.1:"+strconv.Itoa(port),
		"--tls-cert-file="+filepath.Join(certDir, certs.CertFile), "--tls-private-key-file="+filepath.Join(certDir, certs.KeyFile),
		"--set=default_decision=podpolicy/adapter/response", "--log-level=error", "--disable-telemetry",
		"--ignore=*_test.rego",
		filepath.Join(root, "policies", "rego"), filepath.Join(root, "test", "bench", "opa"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start opa: %w", err)
	}
	o := &serverProcess{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); log.Close(); close(o.done) }()
	t := &target{name: "opa run --server", url: fmt.Sprintf("https://127.0.0.1:%d/", port), pid: cmd.Process.Pid, client: newClient(ca.Cert, 64)}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		select {
		case <-o.done:
			data, _ := os.ReadFile(filepath.Join(dir, "opa.log"))
			return nil, nil, fmt.Errorf("opa exited:\n%s", data)
		default:
		}
		resp, err := t.client.Get(fmt.Sprintf("https://127.0.0.1:%d/health", port))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return o, t, nil
			}
		}
	}
	o.stop()
	return nil, nil, errors.New("opa did not become healthy within 60s")
}
